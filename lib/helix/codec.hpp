// JSON encoding and decoding of the EventSub objects in types.hpp, in
// Twitch's shapes. Decoders are lenient about extra fields and strict about
// the ones they need.
#pragma once

#include "helix/types.hpp"
#include "util/json.hpp"
#include "util/json_scan.hpp"

#include <cstddef>
#include <string>
#include <string_view>

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

// No-DOM decoding (the paths that run once per listed item): one validating
// pass over the answer (util/json_scan), then only the members needed are
// read, with the same rules as the cJSON decoders above: the first member of
// a name counts, a value of the wrong type counts as absent.

// The top-level members of a Helix answer, as raw value text ("" = absent).
struct AnswerText {
    std::string_view data, pagination, total, total_cost, max_total_cost, errors, id;
};
// Validates `body` as JSON (a leading UTF-8 BOM is skipped as cJSON skips it)
// and finds its members. False with "the answer is not JSON", or, for valid
// JSON that is not an object with a "data" array, "the answer has no \"data\"
// array" (then `out` still holds whatever members were found).
bool scan_answer(std::string_view body, AnswerText *out, std::string *error);
// pagination.cursor, or "" on the last page.
std::string next_cursor(const AnswerText &answer);

// The first member named names[k] of a validated object, as raw value text
// in values[k] ("" when absent), like cJSON_GetObjectItemCaseSensitive.
template <size_t N>
void find_members(std::string_view object, const std::string_view (&names)[N], std::string_view (&values)[N]) {
    size_t left = N;
    util::json_scan::members(object, [&](util::Span key, util::Span val) {
        const std::string_view k = key.in(object);
        for (size_t j = 0; j < N; ++j) {
            if (values[j].data() == nullptr && util::key_equals(k, names[j])) {
                values[j] = val.in(object);
                --left;
                break;
            }
        }
        return left > 0;
    });
}

inline bool is_json_string(std::string_view value) { return !value.empty() && value.front() == '"'; }
inline bool is_json_object(std::string_view value) { return !value.empty() && value.front() == '{'; }
inline bool is_json_array(std::string_view value) { return !value.empty() && value.front() == '['; }
// A number's value as cJSON reads it (strtod); false when `value` is not a number.
bool json_number_value(std::string_view value, double *out);

bool decode_transport(std::string_view object, Transport *out, std::string *error);
bool decode_shard(std::string_view object, Shard *out, std::string *error);

}  // namespace tc::helix
