// libFuzzer target: the EventSub WebSocket message decoder on arbitrary
// text. Whatever happens: no crash, a refusal always says why, an accepted
// message has the fields its type requires, and decoding is deterministic.
#include "events/ws_message.hpp"

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

using tc::events::WsMessage;
using tc::events::WsMessageType;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    const std::string_view text(reinterpret_cast<const char *>(data), size);
    WsMessage m;
    std::string why;
    const bool ok = tc::events::decode_ws_message(text, &m, &why);
    if (!ok) {
        if (why.empty()) abort();
        return 0;
    }
    if (m.message_id.empty() || m.timestamp.empty()) abort();
    switch (m.type) {
    case WsMessageType::Welcome:
        if (m.session.id.empty() || m.session.keepalive_timeout_s < 0) abort();
        break;
    case WsMessageType::Reconnect:
        if (m.session.id.empty() || m.session.reconnect_url.empty()) abort();
        break;
    case WsMessageType::Notification:
        if (m.event.kind != TC_EVENT_NOTIFICATION || m.event.event_json.empty()) abort();
        if (m.event.transport != TC_TRANSPORT_WEBSOCKET || m.event.subscription_json.empty()) abort();
        break;
    case WsMessageType::Revocation:
        if (m.event.kind != TC_EVENT_REVOCATION || m.event.subscription_status.empty()) abort();
        break;
    case WsMessageType::Keepalive: break;
    }
    WsMessage again;
    std::string why2;
    if (!tc::events::decode_ws_message(text, &again, &why2) || again.message_id != m.message_id ||
        again.event.event_json != m.event.event_json || again.session.id != m.session.id) {
        abort();
    }
    return 0;
}
