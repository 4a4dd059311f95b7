// The webhook body classifier and the small readers built on the shared
// no-DOM scanner (util/json_scan).
#include "events/classify.hpp"

namespace tc::events {

namespace {
using util::json_scan::members;
using util::json_scan::Scanner;
bool key_is(std::string_view literal, std::string_view name) { return util::key_equals(literal, name); }
}  // namespace

bool scan_body(std::string_view text, BodyLayout *layout, std::string *why) {
    *layout = BodyLayout{};
    Scanner sc(text);
    sc.ws();
    if (sc.i >= sc.n || sc.s[sc.i] != '{') {
        *why = "the body is not a JSON object";
        return false;
    }
    // The subscription's string members, seen while the object is validated
    // (one pass over the body instead of a second walk over the member).
    auto on_subscription_member = [&](Span key, Span val) {
        if (text[val.begin] != '"') return true;
        const std::string_view k = key.in(text);
        if (key_is(k, "id")) {
            layout->sub_id = val;
        } else if (key_is(k, "type")) {
            layout->sub_type = val;
        } else if (key_is(k, "version")) {
            layout->sub_version = val;
        } else if (key_is(k, "status")) {
            layout->sub_status = val;
        }
        return true;
    };
    const char *dup = nullptr;
    auto scan_member = [&](Span key) {
        const std::string_view k = key.in(text);
        Span *slot = nullptr;
        const char *name = nullptr;
        if (key_is(k, "subscription")) {
            slot = &layout->subscription, name = "subscription";
        } else if (key_is(k, "event")) {
            slot = &layout->event, name = "event";
        } else if (key_is(k, "challenge")) {
            slot = &layout->challenge, name = "challenge";
        } else if (key_is(k, "conduit_shard")) {
            slot = &layout->conduit_shard, name = "conduit_shard";
        }
        Span val{sc.i, 0, true};
        const bool fields = slot == &layout->subscription && !slot->found && sc.i < sc.n && sc.s[sc.i] == '{';
        if (!(fields ? sc.object(2, on_subscription_member) : sc.value(1))) return false;
        val.end = sc.i;
        if (slot == nullptr) return true;
        if (slot->found) {
            dup = name;
            return false;
        }
        *slot = val;
        return true;
    };
    if (!sc.object_values(1, scan_member)) {
        *why = dup != nullptr ? std::string("the body has \"") + dup + "\" twice" : "the body is not valid JSON";
        return false;
    }
    sc.ws();
    if (sc.i != sc.n) {
        *why = "the body has data after the JSON object";
        return false;
    }
    return true;
}

void read_subscription(std::string_view object, SubscriptionFields *out) {
    *out = SubscriptionFields{};
    members(object, [&](Span key, Span val) {
        const std::string_view k = key.in(object);
        const std::string_view v = val.in(object);
        if (v.empty() || v.front() != '"') return true;
        if (key_is(k, "id")) {
            out->id = decode_string(v);
        } else if (key_is(k, "type")) {
            out->type = decode_string(v), out->has_type = true;
        } else if (key_is(k, "version")) {
            out->version = decode_string(v), out->has_version = true;
        } else if (key_is(k, "status")) {
            out->status = decode_string(v), out->has_status = true;
        }
        return true;
    });
}

bool read_conduit_shard(std::string_view object, std::string *conduit_id, std::string *shard_id) {
    bool has_conduit = false;
    members(object, [&](Span key, Span val) {
        const std::string_view k = key.in(object);
        const std::string_view v = val.in(object);
        if (key_is(k, "conduit_id") && !v.empty() && v.front() == '"') {
            *conduit_id = decode_string(v);
            has_conduit = true;
        } else if (key_is(k, "shard") && !v.empty()) {
            if (v.front() == '"') {
                *shard_id = decode_string(v);
            } else if (v.front() == '-' || (v.front() >= '0' && v.front() <= '9')) {
                *shard_id = std::string(v);
            }
        }
        return true;
    });
    return has_conduit;
}

bool read_shard_disabled(std::string_view event, std::string *conduit_id, std::string *shard_id,
                         std::string *status) {
    members(event, [&](Span key, Span val) {
        const std::string_view k = key.in(event);
        const std::string_view v = val.in(event);
        if (v.empty() || v.front() != '"') return true;
        if (key_is(k, "conduit_id")) *conduit_id = decode_string(v);
        else if (key_is(k, "shard_id")) *shard_id = decode_string(v);
        else if (key_is(k, "status")) *status = decode_string(v);
        return true;
    });
    return !conduit_id->empty() && !shard_id->empty() && !status->empty();
}

}  // namespace tc::events
