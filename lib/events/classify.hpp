// Classifies a verified EventSub webhook body without building a DOM: one
// validating pass over the JSON (RFC 8259 grammar, strict UTF-8) records
// where the top-level members lie, and only the small members the caller
// needs (subscription id/type/version/status, the challenge, conduit_shard)
// are decoded. The event stays raw bytes, handed out as a slice.
#pragma once

#include "util/json_scan.hpp"

#include <cstddef>
#include <string>
#include <string_view>

namespace tc::events {

// The generic scanner lives in util/json_scan; these names stay here for
// the events code that uses them.
using util::Span;
using util::scan_members;
using util::for_each_member;
using util::key_equals;
using util::decode_string;

// The top-level members of a webhook body that matter.
struct BodyLayout {
    Span subscription;   // object
    Span event;          // any value (Twitch sends an object)
    Span challenge;      // string (with its quotes)
    Span conduit_shard;  // object
    // When "subscription" is an object: its string members id, type,
    // version and status (literals with their quotes; the last one wins, as
    // in read_subscription), recorded in the same pass.
    Span sub_id, sub_type, sub_version, sub_status;
};

// Validates `text` as one JSON object (surrounding whitespace allowed) and
// fills `layout`. False with a short reason (no body bytes in it) when the
// text is not valid JSON, not an object, nests deeper than 128 levels, or
// has one of the four members twice.
bool scan_body(std::string_view text, BodyLayout *layout, std::string *why);

// The string members of an already validated object. Missing or non-string
// members are left empty; `found_*` say which were present as strings.
struct SubscriptionFields {
    std::string id, type, version, status;
    bool has_type = false, has_version = false, has_status = false;
};
void read_subscription(std::string_view object, SubscriptionFields *out);

// conduit_shard: {"conduit_id":"...","shard":"42"} (a numeric shard is taken
// as its text). False when conduit_id is not a string.
bool read_conduit_shard(std::string_view object, std::string *conduit_id, std::string *shard_id);

// The event of a conduit.shard.disabled notification: {"conduit_id":"...",
// "shard_id":"4","status":"websocket_disconnected","transport":{...}}.
// False when one of the three strings is missing.
bool read_shard_disabled(std::string_view event, std::string *conduit_id, std::string *shard_id,
                         std::string *status);

}  // namespace tc::events
