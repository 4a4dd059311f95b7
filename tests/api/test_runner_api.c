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
static void on_event(tc_status status, const char *shard_id, const tc_event *msg, void *userdata) {
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

/* Version 2: the group fields, checked before anything starts. */
static void test_group_bad_arguments(void **state) {
    tc_conduits *c = manager();
    tc_runner_options good = TC_RUNNER_OPTIONS_INIT, o;
    tc_runner_shard_spec spec = {"0", TC_TRANSPORT_WEBSOCKET, NULL};
    (void)state;
    good.event_cb = on_event;
    good.conduit_id = "conduit-1";
    good.group = "bots";
    good.redis_url = "redis://127.0.0.1:9";
#define BAD(field_change, arg)                       \
    do {                                             \
        o = good;                                    \
        field_change;                                \
        start_fails(c, &o, on_done, TC_EINVAL, arg); \
    } while (0)
    BAD(o.group = "", "group");
    BAD(o.group = "has space", "group");
    BAD(o.group = "{tag}", "group");
    BAD(o.redis_url = NULL, "redis_url");
    BAD(o.redis_url = "http://127.0.0.1:6379", "redis_url");
    BAD(o.redis_url = "redis://h:99999", "redis_url");
    BAD(o.redis_url = "unix://relative.sock", "redis_url");
    BAD(o.worker_id = "", "worker_id");
    BAD(o.worker_id = "a b", "worker_id");
    BAD(o.lease_ttl_ms = 299, "lease_ttl_ms");
    BAD(o.lease_ttl_ms = 600001, "lease_ttl_ms");
    BAD(o.conduit_id = NULL, "conduit_id");
    BAD((o.shards = &spec, o.shards_len = 1), "shards");
    BAD(o.default_transport = TC_TRANSPORT_WEBHOOK, "default_transport");
    BAD(o.flags = TC_RUNNER_F_SHRINK_ON_STOP, "flags");
    /* Group fields without a group are a mistake, not ignored. */
    BAD((o.group = NULL, o.lease_ttl_ms = 1000), "group");
    BAD((o.group = NULL, o.worker_id = "w1"), "group");
    /* A secret in the URL never reaches the message. */
    o = good;
    o.redis_url = "redis://:pw-s3cret@h:0";
    start_fails(c, &o, on_done, TC_EINVAL, "redis_url");
    assert_null(strstr(tc_last_error_message(), "pw-s3cret"));
#undef BAD
    assert_int_equal(done_calls, 0);
    tc_conduits_free(c);
}

/* A version-1 caller's struct is shorter: init writes only its fields and
 * start never reads the group fields. */
static void test_version_1_options(void **state) {
    struct {
        tc_runner_options o;
        char guard[64];
    } v1;
    tc_conduits *c = manager();
    tc_runner *r = NULL;
    (void)state;
    memset(&v1, 0x5a, sizeof v1);
    assert_int_equal(tc_runner_options_init(&v1.o, 1), TC_OK);
    assert_int_equal(v1.o.version, 1);
    assert_int_equal(v1.o.flags, 0);
    /* The bytes where version 2 put its fields are untouched. */
    assert_int_equal(((unsigned char *)&v1.o)[offsetof(tc_runner_options, group)], 0x5a);
    v1.o.event_cb = on_event;
    v1.o.conduit_id = "c";
    assert_int_equal(tc_runner_start(&r, c, &v1.o, on_done, NULL), TC_OK); /* garbage past flags: ignored */
    tc_runner_free(r);
    tc_conduits_free(c);
    {
        tc_runner_options o2;
        assert_int_equal(tc_runner_options_init(&o2, 2), TC_OK);
        assert_null(o2.group);
        assert_null(o2.redis_url);
        assert_null(o2.worker_id);
        assert_int_equal(o2.lease_ttl_ms, 0);
    }
}

static void test_group_functions(void **state) {
    char *json = (char *)0x1;
    (void)state;
    expect_failure(tc_runner_group_to_json(NULL, NULL), TC_EINVAL, "out");
    expect_failure(tc_runner_group_to_json(&json, NULL), TC_EINVAL, "r");
    assert_null(json);
    expect_failure(tc_runner_group_owners(NULL, "redis://h", "g", "c", 0), TC_EINVAL, "out");
    json = (char *)0x1;
    expect_failure(tc_runner_group_owners(&json, NULL, "g", "c", 0), TC_EINVAL, "redis_url");
    assert_null(json);
    expect_failure(tc_runner_group_owners(&json, "redis://h", NULL, "c", 0), TC_EINVAL, "group");
    expect_failure(tc_runner_group_owners(&json, "redis://h", "a b", "c", 0), TC_EINVAL, "group");
    expect_failure(tc_runner_group_owners(&json, "redis://h", "g", NULL, 0), TC_EINVAL, "conduit_id");
    expect_failure(tc_runner_group_owners(&json, "redis://h", "g", "", 0), TC_EINVAL, "conduit_id");
    expect_failure(tc_runner_group_owners(&json, "redis://h", "g", "c", -1), TC_EINVAL, "timeout_ms");
    expect_failure(tc_runner_group_owners(&json, "ftp://h", "g", "c", 0), TC_EINVAL, "redis_url");
    /* Nothing listens on port 9 (discard): a clear network error, no password. */
    expect_failure(tc_runner_group_owners(&json, "redis://:pw-s3cret@127.0.0.1:9", "g", "c", 500), TC_ENETWORK,
                   "127.0.0.1:9");
    assert_null(strstr(tc_last_error_message(), "pw-s3cret"));
    assert_null(json);
    assert_string_equal(tc_runner_shard_state_name(TC_RUNNER_SHARD_NOT_OWNED), "not_owned");
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
    assert_int_equal(tc_event_transport(NULL), TC_TRANSPORT_WEBHOOK);
    assert_string_equal(tc_event_session_id(NULL), "");
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
        cmocka_unit_test(test_group_bad_arguments),
        cmocka_unit_test(test_version_1_options),
        cmocka_unit_test(test_group_functions),
        cmocka_unit_test(test_null_handles),
        cmocka_unit_test(test_running_handle),
    };
    return cmocka_run_group_tests_name("runner-api", tests, NULL, NULL);
}
