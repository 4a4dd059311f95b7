/* Bad input to every domain function (transports, conduits, shards,
 * subscriptions): NULL handles, NULL or empty strings, NULL out-pointers,
 * bad counts and versions. Each returns the documented status with a
 * one-line message naming the argument; no callback ever runs; nothing
 * crashes. Public header only. */
#include <twitchconduits.h>

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>

static int callbacks = 0;

static void conduit_cb(tc_status s, const tc_conduit *c, void *u) { (void)s; (void)c; (void)u; callbacks++; }
static void list_cb(tc_status s, const tc_conduit_list *l, void *u) { (void)s; (void)l; (void)u; callbacks++; }
static void response_cb(tc_status s, const tc_response *r, void *u) { (void)s; (void)r; (void)u; callbacks++; }
static void shard_cb(tc_status s, const tc_shard *sh, void *u) { (void)s; (void)sh; (void)u; callbacks++; }
static void shard_list_cb(tc_status s, const tc_shard_list *l, void *u) { (void)s; (void)l; (void)u; callbacks++; }
static void update_cb(tc_status s, const tc_shard_update_result *r, void *u) { (void)s; (void)r; (void)u; callbacks++; }
static void batch_cb(tc_status s, const tc_subscription_batch *b, void *u) { (void)s; (void)b; (void)u; callbacks++; }
static int page_cb(const tc_subscription_list *p, void *u) { (void)p; (void)u; callbacks++; return 0; }
static void done_cb(tc_status s, void *u) { (void)s; (void)u; callbacks++; }

/* The last call failed with `want`, and its message is one line naming `arg`. */
static void expect(tc_status got, tc_status want, const char *arg) {
    const char *msg = tc_last_error_message();
    assert_int_equal(got, want);
    assert_non_null(msg);
    assert_null(strchr(msg, '\n'));
    if (strstr(msg, arg) == NULL) fail_msg("message \"%s\" does not name \"%s\"", msg, arg);
}

static tc_conduits *manager(void) {
    tc_conduits_options o = TC_CONDUITS_OPTIONS_INIT;
    tc_conduits *c = NULL;
    o.client_id = "client";
    o.client_secret = "secret-value";
    o.api_base_url = "http://127.0.0.1:9/helix";
    o.auth_base_url = "http://127.0.0.1:9/oauth2";
    assert_int_equal(tc_conduits_new(&c, &o), TC_OK);
    return c;
}

static void test_transports(void **state) {
    tc_transport *t = (tc_transport *)0x1;
    char *json = (char *)0x1;
    (void)state;
    expect(tc_transport_webhook_new(NULL, "https://a/b", "0123456789"), TC_EINVAL, "out");
    expect(tc_transport_webhook_new(&t, NULL, "0123456789"), TC_EINVAL, "callback_url");
    assert_null(t);
    expect(tc_transport_webhook_new(&t, "https://a/b", NULL), TC_EINVAL, "secret");
    expect(tc_transport_websocket_new(&t, NULL), TC_EINVAL, "session_id");
    expect(tc_transport_conduit_new(&t, ""), TC_EINVAL, "conduit_id");
    expect(tc_transport_dup(&t, NULL), TC_EINVAL, "t");
    expect(tc_transport_to_json(&json, NULL, 0), TC_EINVAL, "t");
    assert_null(json);
    assert_null(tc_transport_callback(NULL));
    assert_null(tc_transport_secret(NULL));
    assert_null(tc_transport_session_id(NULL));
    assert_null(tc_transport_connected_at(NULL));
    assert_null(tc_transport_disconnected_at(NULL));
    assert_null(tc_transport_conduit_id(NULL));
    assert_null(tc_transport_method_name(NULL));
    tc_transport_free(NULL);
}

static void test_conduit_ops(void **state) {
    tc_conduits *c = manager();
    tc_op_id id = 99;
    (void)state;
    expect(tc_conduits_list(&id, NULL, list_cb, NULL), TC_EINVAL, "c");
    assert_int_equal(id, 0);
    expect(tc_conduit_create(NULL, c, 0, conduit_cb, NULL), TC_EINVAL, "shard_count");
    expect(tc_conduit_update(NULL, c, NULL, 1, conduit_cb, NULL), TC_EINVAL, "conduit_id");
    expect(tc_conduit_update(NULL, c, "x", 20001, conduit_cb, NULL), TC_EINVAL, "shard_count");
    expect(tc_conduit_delete(NULL, c, "", response_cb, NULL), TC_EINVAL, "conduit_id");
    assert_null(tc_conduit_id(NULL));
    assert_int_equal(tc_conduit_shard_count(NULL), 0);
    assert_int_equal(tc_conduit_list_count(NULL), 0);
    assert_null(tc_conduit_list_get(NULL, 0));
    tc_conduit_free(NULL);
    tc_conduit_list_free(NULL);
    tc_conduits_free(c);
    assert_int_equal(callbacks, 0);
}

static void test_shard_ops(void **state) {
    tc_conduits *c = manager();
    tc_transport *ws = NULL;
    tc_shard_assignment a = {"0", NULL};
    (void)state;
    assert_int_equal(tc_transport_websocket_new(&ws, "s"), TC_OK);
    expect(tc_shards_list(NULL, NULL, "x", NULL, shard_list_cb, NULL), TC_EINVAL, "c");
    expect(tc_shards_list(NULL, c, NULL, NULL, shard_list_cb, NULL), TC_EINVAL, "conduit_id");
    expect(tc_shards_list(NULL, c, "x", "", shard_list_cb, NULL), TC_EINVAL, "status_filter");
    expect(tc_shard_update(NULL, c, "x", &a, 1, update_cb, NULL), TC_EINVAL, "assignments[0].transport");
    a.transport = ws;
    expect(tc_shard_update(NULL, c, "x", &a, 0, update_cb, NULL), TC_EINVAL, "assignments");
    expect(tc_shard_create(NULL, c, NULL, "https://a/b", NULL, shard_cb, NULL), TC_EINVAL, "conduit_id");
    expect(tc_shard_create(NULL, c, "x", "https://a/b", "", shard_cb, NULL), TC_EINVAL, "route_key");
    expect(tc_shard_remove(NULL, c, "x", NULL, NULL, conduit_cb, NULL), TC_EINVAL, "shard_id");
    expect(tc_shard_remove(NULL, c, "x", "-1", NULL, conduit_cb, NULL), TC_EINVAL, "shard_id");
    assert_null(tc_shard_id(NULL));
    assert_null(tc_shard_status(NULL));
    assert_null(tc_shard_transport(NULL));
    assert_int_equal(tc_shard_list_count(NULL), 0);
    assert_int_equal(tc_shard_update_result_count(NULL), 0);
    assert_int_equal(tc_shard_update_result_failed(NULL), 0);
    assert_null(tc_shard_update_result_shard(NULL, 0));
    expect(tc_shard_update_result_status(NULL, 0), TC_EINVAL, "r");
    tc_shard_free(NULL);
    tc_shard_list_free(NULL);
    tc_shard_update_result_free(NULL);
    tc_transport_free(ws);
    tc_conduits_free(c);
    assert_int_equal(callbacks, 0);
}

static void test_subscription_ops(void **state) {
    tc_conduits *c = manager();
    tc_subscription_spec spec = {"stream.online", "1", "{\"broadcaster_user_id\":\"1\"}"};
    tc_batch_options bo = TC_BATCH_OPTIONS_INIT;
    tc_subscription_filter f = TC_SUBSCRIPTION_FILTER_INIT;
    tc_subscription_batch *b = NULL;
    (void)state;
    expect(tc_subscriptions_create(NULL, NULL, "x", &spec, 1, NULL, batch_cb, NULL), TC_EINVAL, "c");
    expect(tc_subscriptions_create(NULL, c, "", &spec, 1, NULL, batch_cb, NULL), TC_EINVAL, "conduit_id");
    spec.type = "";
    expect(tc_subscriptions_create(NULL, c, "x", &spec, 1, NULL, batch_cb, NULL), TC_EINVAL, "specs[0].type");
    spec.type = "stream.online";
    spec.version = NULL;
    expect(tc_subscriptions_create(NULL, c, "x", &spec, 1, NULL, batch_cb, NULL), TC_EINVAL, "specs[0].version");
    spec.version = "1";
    bo.version = 0;
    expect(tc_subscriptions_create(NULL, c, "x", &spec, 1, &bo, batch_cb, NULL), TC_EVERSION, "version");
    bo.version = TC_BATCH_OPTIONS_VERSION;
    bo.concurrency = -1;
    expect(tc_subscriptions_create(NULL, c, "x", &spec, 1, &bo, batch_cb, NULL), TC_EINVAL, "concurrency");
    expect(tc_subscriptions_list(NULL, c, &f, NULL, done_cb, NULL), TC_EINVAL, "both or neither");
    expect(tc_subscriptions_list(NULL, c, &f, page_cb, NULL, NULL), TC_EINVAL, "both or neither");
    f.version = 7;
    expect(tc_subscriptions_list(NULL, c, &f, page_cb, done_cb, NULL), TC_EVERSION, "version");
    f.version = TC_SUBSCRIPTION_FILTER_VERSION;
    f.user_id = "";
    expect(tc_subscriptions_list(NULL, c, &f, page_cb, done_cb, NULL), TC_EINVAL, "user_id");
    expect(tc_subscription_delete(NULL, c, NULL, response_cb, NULL), TC_EINVAL, "subscription_id");
    expect(tc_subscriptions_cleanup(NULL, c, "", 0, NULL, batch_cb, NULL), TC_EINVAL, "conduit_id");
    expect(tc_subscriptions_cleanup(NULL, c, NULL, 0x80, NULL, batch_cb, NULL), TC_EINVAL, "flags");
    expect(tc_subscriptions_reconcile(NULL, c, NULL, &spec, 1, 0, NULL, batch_cb, NULL), TC_EINVAL, "conduit_id");
    expect(tc_subscriptions_reconcile(NULL, c, "x", &spec, 1, 0x80, NULL, batch_cb, NULL), TC_EINVAL, "flags");
    expect(tc_subscriptions_reconcile(NULL, c, "x", NULL, 2, 0, NULL, batch_cb, NULL), TC_EINVAL, "specs");
    assert_null(tc_subscription_id(NULL));
    assert_null(tc_subscription_user_id(NULL));
    assert_int_equal(tc_subscription_cost(NULL), 0);
    assert_int_equal(tc_subscription_list_count(NULL), 0);
    assert_int_equal(tc_subscription_list_total(NULL), -1);
    assert_int_equal(tc_subscription_batch_count(NULL), 0);
    assert_int_equal(tc_subscription_batch_tally(NULL, TC_ITEM_CREATED), 0);
    expect(tc_subscription_batch_status(NULL, 0), TC_EINVAL, "b");
    expect(tc_subscription_batch_dup(&b, NULL), TC_EINVAL, "b");
    assert_null(b);
    tc_subscription_free(NULL);
    tc_subscription_batch_free(NULL);
    tc_conduits_free(c);
    assert_int_equal(callbacks, 0);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_transports),
        cmocka_unit_test(test_conduit_ops),
        cmocka_unit_test(test_shard_ops),
        cmocka_unit_test(test_subscription_ops),
    };
    return cmocka_run_group_tests_name("domain-badinput", tests, NULL, NULL);
}
