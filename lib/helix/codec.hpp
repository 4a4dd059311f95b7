// JSON encoding and decoding of the EventSub objects in types.hpp, in
// Twitch's shapes. Decoders are lenient about extra fields and strict about
// the ones they need.
#pragma once

#include "helix/types.hpp"
#include "util/json.hpp"

#include <string>

namespace tc::helix {

bool decode_transport(const cJSON *json, Transport *out, std::string *error);
bool decode_shard(const cJSON *json, Shard *out, std::string *error);
bool decode_conduit(const cJSON *json, Conduit *out, std::string *error);

// Twitch's transport object; the secret only when include_secret.
util::JsonPtr encode_transport(const Transport &t, bool include_secret);
util::JsonPtr encode_shard(const Shard &s, bool include_secret);
util::JsonPtr encode_conduit(const Conduit &c);

// The body's "data" array, or nullptr with an error when the body is not
// {"data":[...]}.
const cJSON *data_array(const cJSON *root, std::string *error);
// pagination.cursor, or "" on the last page.
std::string next_cursor(const cJSON *root);

}  // namespace tc::helix
