// helix codecs for conduits, shards and subscriptions: Twitch's shapes in and
// out, the per-shard errors of a 202, canonical conditions, the 409 id, and
// the checks made before sending.
#include "unit.hpp"

#include "helix/conduits.hpp"
#include "helix/shards.hpp"
#include "helix/subscriptions.hpp"
#include "helix/validate.hpp"

using namespace tc::helix;

static ShardAssignment websocket(const char *id, const char *session) {
    ShardAssignment a;
    a.shard_id = id;
    a.transport.type = TC_TRANSPORT_WEBSOCKET;
    a.transport.method = "websocket";
    a.transport.session_id = std::string(session);
    return a;
}

static void shard_update_outcomes_follow_the_request_order(void **) {
    // The reference's 202 example: two updated, one error; shard "5" is in neither.
    const std::string body =
        "{\"data\":[{\"id\":\"0\",\"status\":\"enabled\",\"transport\":{\"method\":\"webhook\",\"callback\":\"https://a\"}},"
        "{\"id\":\"1\",\"status\":\"webhook_callback_verification_pending\",\"transport\":{\"method\":\"webhook\",\"callback\":\"https://b\"}}],"
        "\"errors\":[{\"id\":\"3\",\"message\":\"The shard id is outside of the conduit's range.\",\"code\":\"invalid_parameter\"}]}";
    std::vector<ShardAssignment> items{websocket("3", "s"), websocket("1", "s"), websocket("5", "s"), websocket("0", "s")};
    items[3].transport.secret = std::string("kept-secret-123");
    std::vector<ShardOutcome> out;
    std::string error;
    assert_true(parse_shard_update(body, items, &out, &error));
    assert_int_equal(out.size(), 4);
    TC_ASSERT_STR(out[0].shard_id, "3");
    assert_false(out[0].ok);
    assert_false(out[0].unmentioned);
    TC_ASSERT_STR(out[0].code, "invalid_parameter");
    assert_true(out[1].ok);
    TC_ASSERT_STR(out[1].shard.status, "webhook_callback_verification_pending");
    assert_false(out[2].ok);
    assert_true(out[2].unmentioned);
    assert_true(out[3].ok);
    TC_ASSERT_STR(out[3].shard.transport.secret.value_or(""), "kept-secret-123");
    // A 200 without "data" is not an answer we understand.
    out.clear();
    assert_false(parse_shard_update("{\"errors\":[]}", items, &out, &error));
    assert_false(parse_shard_update("not json", items, &out, &error));
}

static void shard_page_and_cursor(void **) {
    std::vector<Shard> shards;
    std::string cursor, error;
    assert_true(parse_shard_page(
        "{\"data\":[{\"id\":\"4\",\"status\":\"websocket_disconnected\",\"transport\":{\"method\":\"websocket\","
        "\"session_id\":\"ad1c\",\"connected_at\":\"2020-11-10T14:32:18Z\",\"disconnected_at\":\"2020-11-11T14:32:18Z\"}}],"
        "\"pagination\":{\"cursor\":\"abc\"}}",
        &shards, &cursor, &error));
    TC_ASSERT_STR(cursor, "abc");
    assert_int_equal(shards.size(), 1);
    TC_ASSERT_STR(shards[0].transport.disconnected_at.value_or(""), "2020-11-11T14:32:18Z");
    assert_true(parse_shard_page("{\"data\":[],\"pagination\":{}}", &shards, &cursor, &error));
    TC_ASSERT_STR(cursor, "");
    // An unknown status is kept as it is (open set), a shard without transport is not a shard.
    shards.clear();
    assert_true(parse_shard_page("{\"data\":[{\"id\":\"1\",\"status\":\"brand_new_status\",\"transport\":{\"method\":\"carrier_pigeon\"}}]}",
                                 &shards, &cursor, &error));
    TC_ASSERT_STR(shards[0].status, "brand_new_status");
    assert_int_equal(shards[0].transport.type, TC_TRANSPORT_OTHER);
    assert_false(parse_shard_page("{\"data\":[{\"id\":\"1\",\"status\":\"enabled\"}]}", &shards, &cursor, &error));
}

static void update_body_sends_only_what_twitch_accepts(void **) {
    ShardAssignment hook;
    hook.shard_id = "0";
    hook.transport.type = TC_TRANSPORT_WEBHOOK;
    hook.transport.method = "webhook";
    hook.transport.callback = std::string("https://example.com/cb");
    hook.transport.secret = std::string("0123456789abcdef");
    tc::net::Call call = update_shards_call("c1", {hook, websocket("1", "sess")});
    TC_ASSERT_STR(call.body,
                  "{\"conduit_id\":\"c1\",\"shards\":[{\"id\":\"0\",\"transport\":{\"method\":\"webhook\",\"callback\":"
                  "\"https://example.com/cb\",\"secret\":\"0123456789abcdef\"}},{\"id\":\"1\",\"transport\":{\"method\":"
                  "\"websocket\",\"session_id\":\"sess\"}}]}");
    assert_int_equal(call.method, TC_PATCH);
    // Listing leaves empty filters out instead of sending status=&after=.
    tc::net::Call list = list_shards_call("c1", "", "");
    assert_int_equal(list.query.size(), 1);
}

static void conduit_calls_put_the_id_where_twitch_wants_it(void **) {
    TC_ASSERT_STR(update_conduit_call("abc", 5).body, "{\"id\":\"abc\",\"shard_count\":5}");
    tc::net::Call del = delete_conduit_call("abc");
    assert_int_equal(del.query.size(), 1);
    TC_ASSERT_STR(del.query[0].first, "id");
    assert_false(create_conduit_call(2).unsafe_retry);  // 5 per client id: never re-sent blindly
    std::vector<Conduit> list;
    std::string error;
    assert_true(parse_conduits("{\"data\":[{\"id\":\"x\",\"shard_count\":15}]}", &list, &error));
    assert_int_equal(list[0].shard_count, 15);
    assert_false(parse_conduits("{\"data\":[{\"id\":\"x\"}]}", &list, &error));
}

static void canonical_conditions_compare_equal(void **) {
    TC_ASSERT_STR(canonical_json("{\"user_id\":\"2\", \"broadcaster_user_id\":\"1\"}"),
                  "{\"broadcaster_user_id\":\"1\",\"user_id\":\"2\"}");
    TC_ASSERT_STR(canonical_json("{\"b\":{\"z\":1,\"a\":2},\"a\":[3,1]}"), "{\"a\":[3,1],\"b\":{\"a\":2,\"z\":1}}");
    TC_ASSERT_STR(canonical_json("[1]"), "");
    TC_ASSERT_STR(canonical_json("nope"), "");
    TC_ASSERT_STR(condition_user("{\"user_id\":\"9\",\"broadcaster_user_id\":\"7\"}"), "7");
    TC_ASSERT_STR(condition_user("{\"to_broadcaster_user_id\":\"8\"}"), "8");
    TC_ASSERT_STR(condition_user("{\"client_id\":\"x\"}"), "");
}

static void conflict_id_and_budget(void **) {
    TC_ASSERT_STR(conflict_id("{\"error\":\"Conflict\",\"status\":409,\"message\":\"subscription already exists\",\"id\":\"s1\"}"), "s1");
    TC_ASSERT_STR(conflict_id("{\"data\":[{\"id\":\"s2\"}]}"), "s2");
    TC_ASSERT_STR(conflict_id("{\"message\":\"subscription already exists\"}"), "");
    TC_ASSERT_STR(conflict_id("<html>"), "");
    assert_true(is_over_budget("Maximum total cost reached"));
    assert_false(is_over_budget("exceeds the number of subscriptions that you may create with the same combination"));
}

static void subscription_page_and_created(void **) {
    const std::string sub =
        "{\"id\":\"s1\",\"status\":\"enabled\",\"type\":\"stream.online\",\"version\":\"1\",\"condition\":{\"broadcaster_user_id\":\"1\"},"
        "\"created_at\":\"2020-11-10T20:08:33.12345678Z\",\"transport\":{\"method\":\"conduit\",\"conduit_id\":\"c1\"},\"cost\":1}";
    Subscription s;
    CostInfo cost;
    std::string error;
    assert_true(parse_created("{\"data\":[" + sub + "],\"total\":1,\"total_cost\":1,\"max_total_cost\":10000}", &s, &cost, &error));
    TC_ASSERT_STR(s.transport.conduit_id.value_or(""), "c1");
    TC_ASSERT_EQ(cost.max_total_cost, 10000);
    assert_false(parse_created("{\"data\":[]}", &s, &cost, &error));
    std::vector<Subscription> page;
    std::string cursor;
    assert_true(parse_subscription_page("{\"total\":2,\"data\":[" + sub + "," + sub + "],\"pagination\":{\"cursor\":\"n\"}}",
                                        &page, &cursor, &cost, &error));
    assert_int_equal(page.size(), 2);
    TC_ASSERT_STR(cursor, "n");
    CostInfo merged;
    merge_cost(&merged, CostInfo{5, 5, 10000});
    merge_cost(&merged, CostInfo{3, 3, 10000});  // an older answer arriving late
    TC_ASSERT_EQ(merged.total_cost, 5);
    tc::net::Call create = create_subscription_call("c1", {"stream.online", "1", "{\"broadcaster_user_id\":\"1\"}"});
    assert_true(create.unsafe_retry);  // safe: a repeat answers 409, which is adopted
}

static void validation_before_sending(void **) {
    TC_ASSERT_STR(check_shard_count(1), "");
    TC_ASSERT_STR(check_shard_count(20000), "");
    assert_false(check_shard_count(0).empty());
    assert_false(check_shard_count(20001).empty());
    TC_ASSERT_STR(check_webhook("https://example.com/cb", "0123456789", false), "");
    TC_ASSERT_STR(check_webhook("https://example.com:443/cb", "0123456789", false), "");
    assert_false(check_webhook("https://example.com:8443/cb", "0123456789", false).empty());
    assert_false(check_webhook("https://example.com/cb", "012345678", false).empty());        // 9 characters
    assert_false(check_webhook("https://example.com/cb", std::string(101, 'a'), false).empty());
    assert_false(check_webhook("https://example.com/cb", "0123456789\xc3\xa9", false).empty());  // not ASCII
    assert_false(check_webhook("http://127.0.0.1:8080/cb", "0123456789", false).empty());
    TC_ASSERT_STR(check_webhook("http://127.0.0.1:8080/cb", "0123456789", true), "");
    assert_false(check_webhook("http://example.com/cb", "0123456789", true).empty());        // loopback only
}

// The no-DOM page decoder reads what cJSON's lookups read: the first member
// of a name, a wrong type as absent, escaped keys, a leading BOM; conditions
// come out as canonical_json prints them, whatever their order or escapes.
static void page_decoder_reads_what_cjson_read(void **) {
    const std::string item =
        "{\"id\":\"s1\",\"id\":\"second\",\"st\\u0061tus\":\"enabled\",\"type\":\"t\",\"version\":\"1\","
        "\"condition\":{\"user_id\":\"9\",\"broadcaster_user_id\":\"\",\"x\":{\"b\":1.50,\"a\":[true,null,\"\\/\"]}},"
        "\"created_at\":1,\"cost\":1.0,\"transport\":{\"method\":\"conduit\",\"conduit_id\":7,\"conduit_id\":\"late\"}}";
    std::vector<Subscription> page;
    std::string cursor = "stale", error;
    CostInfo cost;
    assert_true(parse_subscription_page("\xEF\xBB\xBF {\"data\":[" + item + "],\"data\":\"ignored\",\"total\":\"2\","
                                        "\"total_cost\":3,\"pagination\":{\"cursor\":\"a\\u0062c\"}}",
                                        &page, &cursor, &cost, &error));
    assert_int_equal(page.size(), 1);
    TC_ASSERT_STR(page[0].id, "s1");
    TC_ASSERT_STR(page[0].status, "enabled");
    TC_ASSERT_STR(page[0].created_at, "");  // not a string: absent
    assert_int_equal(page[0].cost, 1);
    assert_false(page[0].transport.conduit_id.has_value());  // the first conduit_id is a number
    TC_ASSERT_STR(page[0].condition, canonical_json("{\"user_id\":\"9\",\"broadcaster_user_id\":\"\",\"x\":{\"b\":1.50,\"a\":[true,null,\"/\"]}}"));
    TC_ASSERT_STR(page[0].condition, "{\"broadcaster_user_id\":\"\",\"user_id\":\"9\",\"x\":{\"a\":[true,null,\"/\"],\"b\":1.5}}");
    TC_ASSERT_STR(page[0].user, "9");  // broadcaster_user_id is empty
    TC_ASSERT_STR(cursor, "abc");
    TC_ASSERT_EQ(cost.total, -1);  // "2" is not a number
    TC_ASSERT_EQ(cost.total_cost, 3);

    // A plain condition in key order is copied as it is; its user by priority.
    page.clear();
    const std::string plain =
        "{\"id\":\"s\",\"status\":\"enabled\",\"type\":\"t\",\"version\":\"1\",\"transport\":{\"method\":\"webhook\"},"
        "\"condition\":{ \"a\" : \"\xc3\xa9\", \"to_broadcaster_user_id\":\"3\",\"user_id\":\"2\" }}";
    assert_true(parse_subscription_page("{\"data\":[" + plain + "]}", &page, &cursor, &cost, &error));
    TC_ASSERT_STR(page[0].condition, "{\"a\":\"\xc3\xa9\",\"to_broadcaster_user_id\":\"3\",\"user_id\":\"2\"}");
    TC_ASSERT_STR(page[0].user, "2");
    TC_ASSERT_STR(cursor, "");
    assert_false(page[0].transport.callback.has_value());
}

static void page_decoder_refuses_in_one_line(void **) {
    std::vector<Subscription> page;
    std::vector<Shard> shards;
    std::string cursor, error;
    CostInfo cost;
    struct Case {
        const char *body;
        const char *error;
    } cases[] = {
        {"", "the answer is not JSON"},
        {"{\"data\":[]} trailing", "the answer is not JSON"},
        {"{\"data\":[\"\x01\"]}", "the answer is not JSON"},
        {"{\"data\":[\"\xff\"]}", "the answer is not JSON"},
        {"[1,2]", "the answer has no \"data\" array"},
        {"{\"data\":{}}", "the answer has no \"data\" array"},
        {"{\"data\":[1]}", "subscription without id, type, version, status, condition or transport"},
        {"{\"data\":[{\"id\":\"s\",\"status\":\"e\",\"type\":\"t\",\"version\":\"1\",\"condition\":{},\"transport\":{}}]}",
         "transport without a method"},
    };
    for (const Case &c : cases) {
        error.clear();
        assert_false(parse_subscription_page(c.body, &page, &cursor, &cost, &error));
        TC_ASSERT_STR(error, c.error);
    }
    assert_false(parse_shard_page("{\"data\":[{\"id\":\"1\",\"status\":2,\"transport\":{}}]}", &shards, &cursor, &error));
    TC_ASSERT_STR(error, "shard without id, status or transport");
    assert_false(parse_shard_page(std::string(200, '[') + std::string(200, ']'), &shards, &cursor, &error));
    TC_ASSERT_STR(error, "the answer is not JSON");  // nested deeper than the scanner's 128 levels
    Subscription s;
    assert_false(parse_created("{\"data\":[1,2]}", &s, &cost, &error));
    TC_ASSERT_STR(error, "expected one subscription in the answer");
    TC_ASSERT_STR(conflict_id("{\"id\":\"a\"} x"), "");
    TC_ASSERT_STR(conflict_id("{\"id\":5,\"data\":[{\"id\":\"d\"}]}"), "d");
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(shard_update_outcomes_follow_the_request_order),
        cmocka_unit_test(shard_page_and_cursor),
        cmocka_unit_test(update_body_sends_only_what_twitch_accepts),
        cmocka_unit_test(conduit_calls_put_the_id_where_twitch_wants_it),
        cmocka_unit_test(canonical_conditions_compare_equal),
        cmocka_unit_test(conflict_id_and_budget),
        cmocka_unit_test(subscription_page_and_created),
        cmocka_unit_test(validation_before_sending),
        cmocka_unit_test(page_decoder_reads_what_cjson_read),
        cmocka_unit_test(page_decoder_refuses_in_one_line),
    };
    return cmocka_run_group_tests_name("helix_codecs", tests, nullptr, nullptr);
}
