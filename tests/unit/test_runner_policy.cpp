// run/policy: backoff, watchdog deadline, close codes, repair decisions,
// growth, and the WebSocket detection the runner relies on.
#include "unit.hpp"

#include "net/websocket.hpp"
#include "run/policy.hpp"

using namespace tc::run;

namespace {

void backoff(void **) {
    TC_ASSERT_EQ(backoff_delay_ms(0, 500, 30000, 0.99), 0);  // first connection: no wait
    TC_ASSERT_EQ(backoff_delay_ms(1, 500, 30000, 1.0), 500);
    TC_ASSERT_EQ(backoff_delay_ms(2, 500, 30000, 1.0), 1000);
    TC_ASSERT_EQ(backoff_delay_ms(3, 500, 30000, 0.5), 1000);
    TC_ASSERT_EQ(backoff_delay_ms(10, 500, 30000, 1.0), 30000);   // capped
    TC_ASSERT_EQ(backoff_delay_ms(1000, 500, 30000, 1.0), 30000);  // no overflow
    TC_ASSERT_EQ(backoff_delay_ms(5, 500, 30000, 0.0), 0);         // full jitter reaches 0
    TC_ASSERT_EQ(backoff_delay_ms(3, 500, 30000, 7.0), 2000);      // draws are clamped to [0, 1]
}

void watchdog(void **) {
    TC_ASSERT_EQ(watchdog_deadline_ms(10, 3000), 13000);
    TC_ASSERT_EQ(watchdog_deadline_ms(-1, 3000), 13000);  // unknown: Twitch's default of 10 s
    TC_ASSERT_EQ(watchdog_deadline_ms(1, 500), 1500);
    TC_ASSERT_EQ(watchdog_deadline_ms(600, -5), 600000);
}

void close_codes(void **) {
    const char *statuses[] = {"websocket_internal_error", "websocket_received_inbound_traffic",
                              "websocket_failed_ping_pong", "websocket_disconnected", "websocket_failed_to_reconnect",
                              "websocket_network_timeout", "websocket_network_error", "websocket_failed_to_reconnect"};
    for (int code = 4000; code <= 4007; ++code) {
        CloseAdvice a = advise_close(code);
        TC_ASSERT_STR(a.status, statuses[code - 4000]);
        assert_true(a.reason.find(std::to_string(code)) != std::string::npos);
    }
    assert_true(advise_close(4001).our_bug);
    assert_true(advise_close(4003).our_bug);
    assert_false(advise_close(4003).backoff);  // assign again at once
    assert_false(advise_close(4004).backoff);
    assert_false(advise_close(4007).backoff);
    assert_true(advise_close(4005).backoff);
    TC_ASSERT_STR(advise_close(1006).status, "websocket_disconnected");
}

void repair(void **) {
    OwnedShard ws;
    ws.transport = TC_TRANSPORT_WEBSOCKET;
    ws.settled = true;
    ws.session_id = "s1";
    ShardView v;
    v.transport = TC_TRANSPORT_WEBSOCKET;
    v.status = "enabled";
    v.session_id = "s1";
    assert_int_equal(static_cast<int>(needs_repair(v, ws)), static_cast<int>(Repair::None));
    v.session_id = "s0";  // Twitch still has an older session
    assert_int_equal(static_cast<int>(needs_repair(v, ws)), static_cast<int>(Repair::Reconnect));
    v.session_id = "s1";
    v.status = "websocket_disconnected";
    assert_int_equal(static_cast<int>(needs_repair(v, ws)), static_cast<int>(Repair::Reconnect));
    ws.settled = false;  // already reconnecting: leave it alone
    assert_int_equal(static_cast<int>(needs_repair(v, ws)), static_cast<int>(Repair::None));

    OwnedShard hook;
    hook.transport = TC_TRANSPORT_WEBHOOK;
    hook.settled = true;
    hook.callback = "https://x/eventsub/shard-1";
    ShardView w;
    w.transport = TC_TRANSPORT_WEBHOOK;
    w.callback = hook.callback;
    w.status = "enabled";
    assert_int_equal(static_cast<int>(needs_repair(w, hook)), static_cast<int>(Repair::None));
    w.status = "webhook_callback_verification_pending";
    assert_int_equal(static_cast<int>(needs_repair(w, hook)), static_cast<int>(Repair::None));
    w.status = "notification_failures_exceeded";
    assert_int_equal(static_cast<int>(needs_repair(w, hook)), static_cast<int>(Repair::Reassign));
    w.status = "enabled";
    w.callback = "https://someone-else/";
    assert_int_equal(static_cast<int>(needs_repair(w, hook)), static_cast<int>(Repair::Reassign));
}

void growth_and_urls(void **) {
    TC_ASSERT_EQ(grow_to(2, 4), 4);
    TC_ASSERT_EQ(grow_to(4, 4), 0);
    TC_ASSERT_EQ(grow_to(5, 1), 0);
    TC_ASSERT_STR(ws_connect_url("wss://e/ws", 0), "wss://e/ws");
    TC_ASSERT_STR(ws_connect_url("wss://e/ws", 30), "wss://e/ws?keepalive_timeout_seconds=30");
    TC_ASSERT_STR(ws_connect_url("ws://e/ws?a=1", 10), "ws://e/ws?a=1&keepalive_timeout_seconds=10");
}

void websocket_detection(void **) {
    const char *with[] = {"http", "https", "ws", "wss", nullptr};
    const char *without[] = {"http", "https", "smtp", nullptr};
    const char *plain_only[] = {"ws", nullptr};
    assert_true(tc::net::websocket_protocols_supported(with));
    assert_false(tc::net::websocket_protocols_supported(without));
    assert_false(tc::net::websocket_protocols_supported(plain_only));
    assert_false(tc::net::websocket_protocols_supported(nullptr));
    const std::string msg = tc::net::kWebSocketUnsupported;
    assert_true(msg.find("8.11") != std::string::npos && msg.find("bookworm-backports") != std::string::npos);
}

}  // namespace

int main() {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(backoff), cmocka_unit_test(watchdog), cmocka_unit_test(close_codes),
        cmocka_unit_test(repair),  cmocka_unit_test(growth_and_urls), cmocka_unit_test(websocket_detection),
    };
    return cmocka_run_group_tests(tests, nullptr, nullptr);
}
