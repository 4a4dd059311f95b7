// Decodes one EventSub WebSocket text message ({"metadata":{...},
// "payload":{...}}, reference §7.2) without building a DOM: one validating
// pass records where the members lie, and only the small members are
// decoded. Notifications and revocations come out as the same Message the
// webhook path produces, so both transports share one event type.
#pragma once

#include "events/verifier.hpp"

#include <cstdint>
#include <string>
#include <string_view>

namespace tc::events {

enum class WsMessageType { Welcome, Keepalive, Notification, Revocation, Reconnect };

struct WsSession {
    std::string id;
    std::string status;
    int keepalive_timeout_s = -1;  // -1 = null or absent
    std::string reconnect_url;     // "" = null or absent
};

struct WsMessage {
    WsMessageType type = WsMessageType::Keepalive;
    std::string message_id;
    std::string timestamp;
    int64_t timestamp_ms = 0;
    WsSession session;  // Welcome and Reconnect
    Message event;      // Notification and Revocation (transport websocket)
};

// False with one line in *why (never message content) when the text is not
// valid JSON, misses a required member, has one of the wrong type, or has an
// unknown message_type.
bool decode_ws_message(std::string_view text, WsMessage *out, std::string *why);

const char *ws_message_type_name(WsMessageType type);

}  // namespace tc::events
