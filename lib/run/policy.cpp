#include "run/policy.hpp"

#include <algorithm>

namespace tc::run {

int64_t backoff_delay_ms(int attempt, int64_t base_ms, int64_t cap_ms, double unit) {
    if (attempt <= 0 || base_ms <= 0 || cap_ms <= 0) return 0;
    int64_t ceiling = base_ms;
    for (int k = 1; k < attempt && ceiling < cap_ms; ++k) ceiling *= 2;
    ceiling = std::min(ceiling, cap_ms);
    unit = std::clamp(unit, 0.0, 1.0);
    return static_cast<int64_t>(unit * static_cast<double>(ceiling));
}

int64_t watchdog_deadline_ms(int keepalive_timeout_s, int64_t margin_ms) {
    const int64_t keepalive = keepalive_timeout_s > 0 ? keepalive_timeout_s : 10;
    return keepalive * 1000 + std::max<int64_t>(margin_ms, 0);
}

CloseAdvice advise_close(int code) {
    CloseAdvice a;
    switch (code) {
    case 4000: a.status = "websocket_internal_error"; a.reason = "close 4000 (internal server error)"; break;
    case 4001:
        a.status = "websocket_received_inbound_traffic";
        a.reason = "close 4001 (client sent inbound traffic)";
        a.our_bug = true;
        break;
    case 4002: a.status = "websocket_failed_ping_pong"; a.reason = "close 4002 (client failed ping-pong)"; break;
    case 4003:
        // Not assigned within 10 s of the welcome: connect and assign at once.
        a.status = "websocket_disconnected";
        a.reason = "close 4003 (connection unused)";
        a.our_bug = true;
        a.backoff = false;
        break;
    case 4004:
        a.status = "websocket_failed_to_reconnect";
        a.reason = "close 4004 (reconnect grace time expired)";
        a.backoff = false;
        break;
    case 4005: a.status = "websocket_network_timeout"; a.reason = "close 4005 (network timeout)"; break;
    case 4006: a.status = "websocket_network_error"; a.reason = "close 4006 (network error)"; break;
    case 4007:
        a.status = "websocket_failed_to_reconnect";
        a.reason = "close 4007 (invalid reconnect)";
        a.backoff = false;
        break;
    default:
        a.status = "websocket_disconnected";
        a.reason = "close " + std::to_string(code);
        break;
    }
    return a;
}

Repair needs_repair(const ShardView &twitch, const OwnedShard &ours) {
    if (!ours.settled) return Repair::None;  // already being (re)assigned
    if (ours.transport == TC_TRANSPORT_WEBHOOK) {
        if (twitch.transport != TC_TRANSPORT_WEBHOOK || twitch.callback != ours.callback) return Repair::Reassign;
        return twitch.status == "enabled" || twitch.status == "webhook_callback_verification_pending"
                   ? Repair::None
                   : Repair::Reassign;
    }
    if (twitch.transport != TC_TRANSPORT_WEBSOCKET || twitch.session_id != ours.session_id) return Repair::Reconnect;
    return twitch.status == "enabled" ? Repair::None : Repair::Reconnect;
}

int grow_to(int current, int wanted) { return current < wanted ? wanted : 0; }

std::string ws_connect_url(const std::string &base, int keepalive_s) {
    if (keepalive_s <= 0) return base;
    return base + (base.find('?') == std::string::npos ? "?" : "&") +
           "keepalive_timeout_seconds=" + std::to_string(keepalive_s);
}

}  // namespace tc::run
