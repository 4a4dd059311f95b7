#include "events/ws_message.hpp"

#include "events/classify.hpp"

#include <cstdlib>

namespace tc::events {

namespace {

bool is_string(std::string_view v) { return !v.empty() && v.front() == '"'; }
bool is_object(std::string_view v) { return !v.empty() && v.front() == '{'; }

// The string members of a validated object that are named; others ignored.
struct Strings {
    std::string_view names[6];
    std::string values[6];
    bool found[6] = {};
    size_t count = 0;
};

void read_strings(std::string_view object, Strings *s) {
    for_each_member(object, [&](std::string_view key, std::string_view value) {
        for (size_t k = 0; k < s->count; ++k) {
            if (is_string(value) && key_equals(key, s->names[k])) {
                s->values[k] = decode_string(value);
                s->found[k] = true;
            }
        }
        return true;
    });
}

bool fail(std::string *why, std::string text) {
    *why = "EventSub WebSocket message: " + std::move(text);
    return false;
}

// payload.session of a welcome or reconnect.
bool read_session(std::string_view session, WsSession *out, bool welcome, std::string *why) {
    bool keepalive_ok = !welcome;
    bool url_ok = welcome;
    for_each_member(session, [&](std::string_view key, std::string_view value) {
        if (key_equals(key, "id") && is_string(value)) {
            out->id = decode_string(value);
        } else if (key_equals(key, "status") && is_string(value)) {
            out->status = decode_string(value);
        } else if (key_equals(key, "keepalive_timeout_seconds")) {
            if (value == "null") {
                keepalive_ok = !welcome;
            } else if (!value.empty() && value.front() >= '0' && value.front() <= '9' && value.size() <= 6 &&
                       value.find_first_not_of("0123456789") == std::string_view::npos) {
                out->keepalive_timeout_s = std::atoi(std::string(value).c_str());
                keepalive_ok = true;
            } else {
                keepalive_ok = false;
            }
        } else if (key_equals(key, "reconnect_url")) {
            if (is_string(value)) {
                out->reconnect_url = decode_string(value);
                url_ok = welcome || !out->reconnect_url.empty();
            } else {
                url_ok = welcome && value == "null";
            }
        }
        return true;
    });
    if (out->id.empty()) return fail(why, "payload.session needs a string \"id\"");
    if (!keepalive_ok) return fail(why, "payload.session.keepalive_timeout_seconds is missing or not a whole number");
    if (!url_ok) return fail(why, "payload.session.reconnect_url is missing or not a URL string");
    return true;
}

}  // namespace

const char *ws_message_type_name(WsMessageType type) {
    switch (type) {
    case WsMessageType::Welcome: return "session_welcome";
    case WsMessageType::Keepalive: return "session_keepalive";
    case WsMessageType::Notification: return "notification";
    case WsMessageType::Revocation: return "revocation";
    case WsMessageType::Reconnect: return "session_reconnect";
    }
    return "unknown";
}

bool decode_ws_message(std::string_view text, WsMessage *out, std::string *why) {
    *out = WsMessage{};
    static constexpr std::string_view kTop[] = {"metadata", "payload"};
    Span top[2];
    std::string scan_why;
    if (!scan_members(text, kTop, top, 2, &scan_why)) return fail(why, scan_why);
    if (!top[0].found || !is_object(top[0].in(text))) return fail(why, "needs a \"metadata\" object");
    if (!top[1].found || !is_object(top[1].in(text))) return fail(why, "needs a \"payload\" object");
    const std::string_view metadata = top[0].in(text);
    const std::string_view payload = top[1].in(text);

    Strings meta;
    meta.names[0] = "message_id", meta.names[1] = "message_type", meta.names[2] = "message_timestamp";
    meta.count = 3;
    read_strings(metadata, &meta);
    if (!meta.found[0] || meta.values[0].empty()) return fail(why, "metadata needs a string \"message_id\"");
    if (!meta.found[1]) return fail(why, "metadata needs a string \"message_type\"");
    if (!meta.found[2] || !parse_timestamp(meta.values[2], &out->timestamp_ms)) {
        return fail(why, "metadata needs an RFC 3339 \"message_timestamp\"");
    }
    const std::string &type = meta.values[1];
    out->message_id = meta.values[0];
    out->timestamp = meta.values[2];

    std::string_view session, subscription, event;
    bool has_event = false;
    for_each_member(payload, [&](std::string_view key, std::string_view value) {
        if (key_equals(key, "session")) session = value;
        else if (key_equals(key, "subscription")) subscription = value;
        else if (key_equals(key, "event")) event = value, has_event = true;
        return true;
    });

    if (type == "session_keepalive") {
        out->type = WsMessageType::Keepalive;
        return true;
    }
    if (type == "session_welcome" || type == "session_reconnect") {
        const bool welcome = type == "session_welcome";
        out->type = welcome ? WsMessageType::Welcome : WsMessageType::Reconnect;
        if (!is_object(session)) return fail(why, type + " needs a payload.session object");
        return read_session(session, &out->session, welcome, why);
    }
    const bool notification = type == "notification";
    if (!notification && type != "revocation") {
        return fail(why, "unknown message_type \"" + type.substr(0, 64) + "\"");
    }
    out->type = notification ? WsMessageType::Notification : WsMessageType::Revocation;
    if (!is_object(subscription)) return fail(why, type + " needs a payload.subscription object");
    SubscriptionFields sub;
    read_subscription(subscription, &sub);
    if (!sub.has_type || !sub.has_version) return fail(why, type + ": payload.subscription needs type and version");
    if (notification && !has_event) return fail(why, "notification needs payload.event");
    if (!notification && !sub.has_status) return fail(why, "revocation: payload.subscription needs a status");

    Message &m = out->event;
    m.kind = notification ? TC_EVENT_NOTIFICATION : TC_EVENT_REVOCATION;
    m.status = TC_OK;
    m.http_status = 0;  // nothing to answer on a socket
    m.transport = TC_TRANSPORT_WEBSOCKET;
    m.message_id = out->message_id;
    m.timestamp = out->timestamp;
    m.timestamp_ms = out->timestamp_ms;
    m.subscription_json = std::string(subscription);
    m.subscription_id = std::move(sub.id);
    m.subscription_type = std::move(sub.type);
    m.subscription_version = std::move(sub.version);
    m.subscription_status = std::move(sub.status);
    if (notification) {
        m.event_json = std::string(event);
        if (m.subscription_type == "conduit.shard.disabled" && is_object(event) &&
            !read_shard_disabled(m.event_json, &m.conduit_id, &m.shard_id, &m.shard_status)) {
            m.conduit_id.clear(), m.shard_id.clear(), m.shard_status.clear();
        }
    }
    return true;
}

}  // namespace tc::events
