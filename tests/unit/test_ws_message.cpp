// events/ws_message: every EventSub WebSocket message type, and the clear
// errors for everything else (bad JSON, missing fields, unknown types).
#include "unit.hpp"

#include "events/ws_message.hpp"

#include <string>

using tc::events::decode_ws_message;
using tc::events::WsMessage;
using tc::events::WsMessageType;

namespace {

const std::string kMeta = R"("message_id":"m-1","message_timestamp":"2023-07-19T14:56:51.634234626Z")";

std::string frame(const std::string &type, const std::string &payload, const std::string &extra_meta = "") {
    return "{\"metadata\":{" + kMeta + ",\"message_type\":\"" + type + "\"" + extra_meta + "},\"payload\":" + payload +
           "}";
}

void expect_error(const std::string &text, const char *needle) {
    WsMessage m;
    std::string why;
    assert_false(decode_ws_message(text, &m, &why));
    if (why.find(needle) == std::string::npos) {
        print_error("why = \"%s\", expected it to mention \"%s\"\n", why.c_str(), needle);
        fail();
    }
}

void welcome(void **) {
    WsMessage m;
    std::string why;
    const std::string t = frame("session_welcome",
                                R"({"session":{"id":"AQoQ","status":"connected","connected_at":"2023-07-19T14:56:51.616329898Z","keepalive_timeout_seconds":10,"reconnect_url":null}})");
    assert_true(decode_ws_message(t, &m, &why));
    assert_int_equal(static_cast<int>(m.type), static_cast<int>(WsMessageType::Welcome));
    TC_ASSERT_STR(m.message_id, "m-1");
    TC_ASSERT_STR(m.session.id, "AQoQ");
    TC_ASSERT_EQ(m.session.keepalive_timeout_s, 10);
    TC_ASSERT_STR(m.session.reconnect_url, "");
    assert_true(m.timestamp_ms > 0);
}

void keepalive(void **) {
    WsMessage m;
    std::string why;
    assert_true(decode_ws_message(frame("session_keepalive", "{}"), &m, &why));
    assert_int_equal(static_cast<int>(m.type), static_cast<int>(WsMessageType::Keepalive));
}

void reconnect(void **) {
    WsMessage m;
    std::string why;
    const std::string t = frame("session_reconnect",
                                R"({"session":{"id":"AQoQ","status":"reconnecting","keepalive_timeout_seconds":null,"reconnect_url":"wss://example.test/ws?x=1\u0026y=2"}})");
    assert_true(decode_ws_message(t, &m, &why));
    assert_int_equal(static_cast<int>(m.type), static_cast<int>(WsMessageType::Reconnect));
    TC_ASSERT_STR(m.session.reconnect_url, "wss://example.test/ws?x=1&y=2");
    TC_ASSERT_EQ(m.session.keepalive_timeout_s, -1);
}

void notification(void **) {
    WsMessage m;
    std::string why;
    const std::string t = frame(
        "notification",
        R"({"subscription":{"id":"s-1","status":"enabled","type":"stream.online","version":"1","cost":0,"condition":{"broadcaster_user_id":"1"},"transport":{"method":"conduit","conduit_id":"c"}},"event":{"id":"9001","broadcaster_user_id":"1"}})",
        R"(,"subscription_type":"stream.online","subscription_version":"1")");
    assert_true(decode_ws_message(t, &m, &why));
    assert_int_equal(static_cast<int>(m.type), static_cast<int>(WsMessageType::Notification));
    assert_int_equal(m.event.kind, TC_EVENT_NOTIFICATION);
    assert_int_equal(m.event.transport, TC_TRANSPORT_WEBSOCKET);
    TC_ASSERT_STR(m.event.message_id, "m-1");
    TC_ASSERT_STR(m.event.subscription_id, "s-1");
    TC_ASSERT_STR(m.event.subscription_type, "stream.online");
    TC_ASSERT_STR(m.event.event_json, R"({"id":"9001","broadcaster_user_id":"1"})");
}

void shard_disabled(void **) {
    WsMessage m;
    std::string why;
    const std::string t = frame(
        "notification",
        R"({"subscription":{"id":"s-2","status":"enabled","type":"conduit.shard.disabled","version":"1"},"event":{"conduit_id":"c-9","shard_id":"4","status":"websocket_disconnected","transport":{"method":"websocket","session_id":"old"}}})");
    assert_true(decode_ws_message(t, &m, &why));
    TC_ASSERT_STR(m.event.conduit_id, "c-9");
    TC_ASSERT_STR(m.event.shard_id, "4");
    TC_ASSERT_STR(m.event.shard_status, "websocket_disconnected");
}

void revocation(void **) {
    WsMessage m;
    std::string why;
    const std::string t = frame("revocation",
                                R"({"subscription":{"id":"s-1","status":"authorization_revoked","type":"channel.follow","version":"2"}})");
    assert_true(decode_ws_message(t, &m, &why));
    assert_int_equal(m.event.kind, TC_EVENT_REVOCATION);
    TC_ASSERT_STR(m.event.subscription_status, "authorization_revoked");
}

void errors(void **) {
    expect_error("", "not a JSON object");
    expect_error("[1]", "not a JSON object");
    expect_error("{\"metadata\":{}", "not valid JSON");
    expect_error("{\"metadata\":{},\"metadata\":{}}", "twice");
    expect_error("{\"payload\":{}}", "metadata");
    expect_error("{\"metadata\":{}}", "payload");
    expect_error(frame("session_welcome", "{}").replace(frame("session_welcome", "{}").find("\"message_id\":\"m-1\","),
                                                        std::string("\"message_id\":\"m-1\",").size(), ""),
                 "message_id");
    expect_error("{\"metadata\":{\"message_id\":\"x\",\"message_type\":\"session_keepalive\",\"message_timestamp\":\"yesterday\"},\"payload\":{}}",
                 "message_timestamp");
    expect_error(frame("session_party", "{}"), "unknown message_type \"session_party\"");
    expect_error(frame("session_welcome", "{}"), "payload.session");
    expect_error(frame("session_welcome", R"({"session":{"id":"a","keepalive_timeout_seconds":"ten"}})"),
                 "keepalive_timeout_seconds");
    expect_error(frame("session_welcome", R"({"session":{"keepalive_timeout_seconds":10}})"), "\"id\"");
    expect_error(frame("session_reconnect", R"({"session":{"id":"a","reconnect_url":null}})"), "reconnect_url");
    expect_error(frame("notification", R"({"subscription":{"type":"a","version":"1"}})"), "payload.event");
    expect_error(frame("notification", R"({"subscription":{"type":"a"},"event":{}})"), "type and version");
    expect_error(frame("revocation", R"({"subscription":{"type":"a","version":"1"}})"), "status");
    expect_error(frame("session_keepalive", "{}") + "x", "data after");
}

}  // namespace

int main() {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(welcome),      cmocka_unit_test(keepalive),  cmocka_unit_test(reconnect),
        cmocka_unit_test(notification), cmocka_unit_test(shard_disabled), cmocka_unit_test(revocation),
        cmocka_unit_test(errors),
    };
    return cmocka_run_group_tests(tests, nullptr, nullptr);
}
