/*
 * Public-API tests of <twitchconduits/runner.h> and the webhook message's
 * transport accessors, through <twitchconduits.h> and the shared library
 * only: NULL and invalid arguments get the documented status and a one-line
 * message naming the argument; *out is always set; accessors are safe on
 * NULL; a runner that cannot start never calls done_cb.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <twitchconduits.h>

#include <stdio.h>
#include <string.h>

static void expect_failure(tc_status got, tc_status want, const char *arg) {
    const char *msg = tc_last_error_message();
    assert_int_equal(got, want);
    assert_non_null(msg);
    assert_null(strchr(msg, '\n'));
    if (arg != NULL && strstr(msg, arg) == NULL) fail_msg("message \"%s\" does not name \"%s\"", msg, arg);
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

static int done_calls;
static void on_done(tc_status status, void *userdata) {
    (void)status;
    (void)userdata;
    done_calls++;
}
static void on_event(tc_status status, const char *shard_id, const tc_webhook_message *msg, void *userdata) {
    (void)status;
    (void)shard_id;
    (void)msg;
    (void)userdata;
}

static void test_options_init(void **state) {
    tc_runner_options o;
    (void)state;
    expect_failure(tc_runner_options_init(NULL, TC_RUNNER_OPTIONS_VERSION), TC_EINVAL, "opts");
    expect_failure(tc_runner_options_init(&o, 0), TC_EVERSION, "version");
    expect_failure(tc_runner_options_init(&o, TC_RUNNER_OPTIONS_VERSION + 1), TC_EVERSION, "version");
    assert_int_equal(tc_runner_options_init(&o, TC_RUNNER_OPTIONS_VERSION), TC_OK);
    assert_int_equal(o.version, TC_RUNNER_OPTIONS_VERSION);
    assert_int_equal(o.default_transport, TC_TRANSPORT_WEBSOCKET);
    assert_null(o.event_cb);
    assert_int_equal(tc_runner_websocket_supported(), 1); /* CI installs a libcurl with ws */
}

/* tc_runner_start() with `o` fails with `want` naming `arg`, *out NULL. */
static void start_fails(tc_conduits *c, const tc_runner_options *o, tc_runner_done_cb done, tc_status want,
                        const char *arg) {
    tc_runner *r = (tc_runner *)0x1;
    expect_failure(tc_runner_start(&r, c, o, done, NULL), want, arg);
    assert_null(r);
}

static void test_start_bad_arguments(void **state) {
    tc_conduits *c = manager();
    tc_runner_options good = TC_RUNNER_OPTIONS_INIT, o;
    tc_runner_shard_spec specs[2] = {{"0", TC_TRANSPORT_WEBSOCKET, NULL}, {"0", TC_TRANSPORT_WEBSOCKET, NULL}};
    (void)state;
    good.event_cb = on_event;

    expect_failure(tc_runner_start(NULL, c, &good, on_done, NULL), TC_EINVAL, "out");
    start_fails(NULL, &good, on_done, TC_EINVAL, "c");
    start_fails((tc_conduits *)&good, &good, on_done, TC_EINVAL, "c"); /* not a manager */
    start_fails(c, NULL, on_done, TC_EINVAL, "opts");
    start_fails(c, &good, NULL, TC_EINVAL, "done_cb");
#define BAD(field_change, arg)            \
    do {                                  \
        o = good;                         \
        field_change;                     \
        start_fails(c, &o, on_done, TC_EINVAL, arg); \
    } while (0)
    o = good;
    o.version = 0;
    start_fails(c, &o, on_done, TC_EVERSION, "version");
    o.version = TC_RUNNER_OPTIONS_VERSION + 1;
    start_fails(c, &o, on_done, TC_EVERSION, "version");
    BAD(o.event_cb = NULL, "event_cb");
    BAD(o.shard_count = -1, "shard_count");
    BAD(o.shard_count = 20001, "shard_count");
    BAD((o.shards = NULL, o.shards_len = 1), "shards");
    BAD(o.default_transport = TC_TRANSPORT_CONDUIT, "default_transport");
    BAD(o.default_transport = (tc_transport_type)99, "default_transport");
    BAD(o.keepalive_timeout_s = -1, "keepalive_timeout_s");
    BAD(o.keepalive_timeout_s = 601, "keepalive_timeout_s");
    BAD(o.list_interval_s = -2, "list_interval_s");
    BAD(o.max_message_bytes = ((size_t)64 << 20) + 1, "max_message_bytes");
    BAD(o.keepalive_margin_ms = -1, "keepalive_margin_ms");
    BAD(o.reconnect_base_ms = -1, "reconnect_base_ms");
    BAD(o.reconnect_max_ms = -1, "reconnect_max_ms");
    BAD(o.flags = 0x80u, "flags");
    BAD(o.conduit_id = "", "conduit_id");
    BAD(o.ws_url = "https://example.com/ws", "ws_url");
    BAD((o.shards = specs, o.shards_len = 2), "given twice");
    specs[1].shard_id = "one";
    BAD((o.shards = specs, o.shards_len = 2), "shards[1].shard_id");
    specs[1].shard_id = NULL;
    BAD((o.shards = specs, o.shards_len = 2), "shards[1].shard_id");
    specs[1].shard_id = "1";
    specs[1].transport = TC_TRANSPORT_CONDUIT;
    BAD((o.shards = specs, o.shards_len = 2), "shards[1].transport");
    specs[1].transport = TC_TRANSPORT_WEBHOOK;
    specs[1].webhook_secret = "short";
    BAD((o.shards = specs, o.shards_len = 2), "webhook_secret");
#undef BAD
    assert_int_equal(done_calls, 0);
    tc_conduits_free(c);
    assert_int_equal(done_calls, 0);
}

static void test_null_handles(void **state) {
    tc_runner_shard *s = (tc_runner_shard *)0x1;
    char *json = (char *)0x1;
    (void)state;
    expect_failure(tc_runner_stop(NULL), TC_EINVAL, "r");
    tc_runner_free(NULL);
    assert_string_equal(tc_runner_conduit_id(NULL), "");
    assert_string_equal(tc_runner_webhook_base_url(NULL), "");
    assert_int_equal(tc_runner_shard_count(NULL), 0);
    expect_failure(tc_runner_shard_at(NULL, NULL, 0), TC_EINVAL, "out");
    expect_failure(tc_runner_shard_at(&s, NULL, 0), TC_EINVAL, "r");
    assert_null(s);
    s = (tc_runner_shard *)0x1;
    expect_failure(tc_runner_shard_get(NULL, NULL, "0"), TC_EINVAL, "out");
    expect_failure(tc_runner_shard_get(&s, NULL, "0"), TC_EINVAL, "r");
    assert_null(s);
    s = (tc_runner_shard *)0x1;
    expect_failure(tc_runner_shard_dup(NULL, NULL), TC_EINVAL, "out");
    expect_failure(tc_runner_shard_dup(&s, NULL), TC_EINVAL, "s");
    assert_null(s);
    tc_runner_shard_free(NULL);
    assert_string_equal(tc_runner_shard_id(NULL), "");
    assert_int_equal(tc_runner_shard_state_get(NULL), TC_RUNNER_SHARD_STOPPED);
    assert_string_equal(tc_runner_shard_status(NULL), "");
    assert_int_equal(tc_runner_shard_transport(NULL), TC_TRANSPORT_OTHER);
    assert_string_equal(tc_runner_shard_session_id(NULL), "");
    assert_string_equal(tc_runner_shard_callback(NULL), "");
    assert_string_equal(tc_runner_shard_error(NULL), "");
    assert_int_equal(tc_runner_shard_reconnects(NULL), 0);
    assert_int_equal(tc_runner_shard_last_event_ms(NULL), 0);
    assert_true(tc_runner_shard_assign_latency_ms(NULL) < 0);
    assert_int_equal(tc_runner_shard_events(NULL), 0);
    assert_int_equal(tc_runner_shard_duplicates(NULL), 0);
    expect_failure(tc_runner_shard_to_json(NULL, NULL), TC_EINVAL, "out");
    expect_failure(tc_runner_shard_to_json(&json, NULL), TC_EINVAL, "s");
    assert_null(json);
    assert_int_equal(tc_runner_stat_get(NULL, TC_RUNNER_STAT_EVENTS), 0);
    /* State names, including values outside the enum. */
    assert_string_equal(tc_runner_shard_state_name(TC_RUNNER_SHARD_STARTING), "starting");
    assert_string_equal(tc_runner_shard_state_name(TC_RUNNER_SHARD_CONNECTING), "connecting");
    assert_string_equal(tc_runner_shard_state_name(TC_RUNNER_SHARD_ASSIGNING), "assigning");
    assert_string_equal(tc_runner_shard_state_name(TC_RUNNER_SHARD_ENABLED), "enabled");
    assert_string_equal(tc_runner_shard_state_name(TC_RUNNER_SHARD_LOST), "lost");
    assert_string_equal(tc_runner_shard_state_name(TC_RUNNER_SHARD_STOPPED), "stopped");
    assert_string_equal(tc_runner_shard_state_name((tc_runner_shard_state)42), "unknown");
    /* The webhook message's transport accessors. */
    assert_int_equal(tc_webhook_message_transport(NULL), TC_TRANSPORT_WEBHOOK);
    assert_string_equal(tc_webhook_message_session_id(NULL), "");
}

/* A runner that started (its conduit cannot be reached): handles and
 * lookups on it, then freeing it while it runs calls done_cb once. */
static void test_running_handle(void **state) {
    tc_conduits *c = manager();
    tc_runner_options o = TC_RUNNER_OPTIONS_INIT;
    tc_runner *r = NULL;
    tc_runner_shard *s = (tc_runner_shard *)0x1;
    (void)state;
    done_calls = 0;
    o.conduit_id = "no-such-conduit";
    o.event_cb = on_event;
    assert_int_equal(tc_runner_start(&r, c, &o, on_done, NULL), TC_OK);
    assert_non_null(r);
    assert_string_equal(tc_runner_webhook_base_url(r), ""); /* no webhook shards */
    expect_failure(tc_runner_shard_get(&s, r, NULL), TC_EINVAL, "shard_id");
    assert_null(s);
    assert_int_equal(tc_runner_stat_get(r, (tc_runner_stat)999), 0);
    assert_int_equal(tc_runner_stop(r), TC_OK);
    assert_int_equal(tc_runner_stop(r), TC_OK);
    assert_int_equal(tc_conduits_run(c, 20000), TC_OK);
    assert_int_equal(done_calls, 1);
    tc_runner_free(r);
    tc_conduits_free(c);
    assert_int_equal(done_calls, 1);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_options_init),
        cmocka_unit_test(test_start_bad_arguments),
        cmocka_unit_test(test_null_handles),
        cmocka_unit_test(test_running_handle),
    };
    return cmocka_run_group_tests_name("runner-api", tests, NULL, NULL);
}
