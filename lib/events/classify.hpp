// Classifies a verified EventSub webhook body without building a DOM: one
// validating pass over the JSON (RFC 8259 grammar, strict UTF-8) records
// where the top-level members lie, and only the small members the caller
// needs (subscription id/type/version/status, the challenge, conduit_shard)
// are decoded. The event stays raw bytes, handed out as a slice.
#pragma once

#include <cstddef>
#include <functional>
#include <string>
#include <string_view>

namespace tc::events {

// [begin, end) of a JSON value inside the text that was scanned.
struct Span {
    size_t begin = 0;
    size_t end = 0;
    bool found = false;
    std::string_view in(std::string_view text) const { return text.substr(begin, end - begin); }
};

// The top-level members of a webhook body that matter.
struct BodyLayout {
    Span subscription;   // object
    Span event;          // any value (Twitch sends an object)
    Span challenge;      // string (with its quotes)
    Span conduit_shard;  // object
};

// Validates `text` as one JSON object (surrounding whitespace allowed) and
// fills `layout`. False with a short reason (no body bytes in it) when the
// text is not valid JSON, not an object, nests deeper than 128 levels, or
// has one of the four members twice.
bool scan_body(std::string_view text, BodyLayout *layout, std::string *why);

// The generic form of scan_body(): validates `text` as one JSON object and
// records the top-level members named names[0..count) in spans[0..count).
// False with a short reason for invalid JSON, a non-object, or a named
// member given twice.
bool scan_members(std::string_view text, const std::string_view *names, Span *spans, size_t count,
                  std::string *why);

// Visits the members of an already validated object: on_member(key literal
// with its quotes, raw value text); returning false stops.
void for_each_member(std::string_view object, const std::function<bool(std::string_view, std::string_view)> &on_member);

// Whether a key literal (with quotes) spells `name`.
bool key_equals(std::string_view key_literal, std::string_view name);

// Decodes the JSON string literal `literal` (with its quotes; already
// validated) into UTF-8. Lone surrogate escapes become U+FFFD.
std::string decode_string(std::string_view literal);

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
