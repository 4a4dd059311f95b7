/* Every versioned struct has an _init(opts, version): bad arguments and
 * versions are refused, the defaults equal the INIT macro's, and an older
 * version writes nothing past its own fields. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <twitchconduits.h>

#include <string.h>

/* Bad arguments and versions are refused, naming the function; then `got`
 * holds the current version's defaults (compared field by field below:
 * padding bytes are not part of a struct's value). */
#define CHECK_INIT(got, init_fn, current)                                         \
    do {                                                                          \
        memset(&(got), 0x5a, sizeof(got));                                        \
        assert_int_equal(init_fn(NULL, current), TC_EINVAL);                      \
        assert_int_equal(init_fn(&(got), 0), TC_EVERSION);                        \
        assert_int_equal(init_fn(&(got), (current) + 1), TC_EVERSION);            \
        assert_non_null(strstr(tc_last_error_message(), #init_fn));               \
        assert_int_equal(init_fn(&(got), current), TC_OK);                        \
        assert_int_equal((got).version, current);                                 \
    } while (0)

static void test_defaults_equal_the_init_macros(void **state) {
    tc_request_options r;
    const tc_request_options r0 = TC_REQUEST_OPTIONS_INIT;
    tc_batch_options b;
    const tc_batch_options b0 = TC_BATCH_OPTIONS_INIT;
    tc_subscription_filter f;
    tc_view_query q;
    tc_user_record u;
    (void)state;
    CHECK_INIT(r, tc_request_options_init, TC_REQUEST_OPTIONS_VERSION);
    assert_int_equal(r.method, r0.method);
    assert_true(r.path == NULL && r.query == NULL && r.body == NULL);
    assert_true(r.query_count == 0 && r.body_len == 0 && r.flags == r0.flags);
    assert_true(r.timeout_ms == r0.timeout_ms && r.max_attempts == r0.max_attempts && r.deadline_ms == r0.deadline_ms);
    CHECK_INIT(b, tc_batch_options_init, TC_BATCH_OPTIONS_VERSION);
    assert_true(b.concurrency == b0.concurrency && b.progress == NULL && b.progress_userdata == NULL);
    assert_true(b.progress_every == b0.progress_every);
    CHECK_INIT(f, tc_subscription_filter_init, TC_SUBSCRIPTION_FILTER_VERSION);
    assert_true(f.status == NULL && f.type == NULL && f.user_id == NULL && f.subscription_id == NULL &&
                f.conduit_id == NULL);
    CHECK_INIT(q, tc_view_query_init, TC_VIEW_QUERY_VERSION);
    assert_true(q.conduit_id == NULL && q.user_id == NULL && q.type == NULL && q.status == NULL);
    CHECK_INIT(u, tc_user_record_init, TC_USER_RECORD_VERSION);
    assert_true(u.key == NULL && u.user_id == NULL && u.refresh_token == NULL && u.login == NULL);
    assert_true(u.expires_at == 0 && u.scopes == NULL && u.scope_count == 0 && u.code == NULL);
}

/* A version-1 caller's tc_request_options ends before deadline_ms. */
static void test_old_version_writes_only_its_fields(void **state) {
    tc_request_options o;
    (void)state;
    memset(&o, 0x5a, sizeof o);
    o.deadline_ms = 12345;
    assert_int_equal(tc_request_options_init(&o, 1), TC_OK);
    assert_int_equal(o.version, 1);
    assert_int_equal(o.method, TC_GET);
    assert_null(o.path);
    assert_int_equal(o.max_attempts, 0);
    assert_int_equal(o.deadline_ms, 12345); /* past the end of version 1: untouched */
}

/* An initialised struct is accepted where it is used. */
static void test_initialised_structs_work(void **state) {
    tc_conduits_options co = TC_CONDUITS_OPTIONS_INIT;
    tc_conduits *c = NULL;
    tc_view_query q;
    tc_subscription_list *list = NULL;
    (void)state;
    co.client_id = "cid";
    co.client_secret = "secret-value";
    co.api_base_url = "http://127.0.0.1:9/helix";
    co.auth_base_url = "http://127.0.0.1:9/oauth2";
    assert_int_equal(tc_conduits_new(&c, &co), TC_OK);
    assert_int_equal(tc_view_query_init(&q, TC_VIEW_QUERY_VERSION), TC_OK);
    /* Refused for want of a sync, not for the query. */
    assert_int_equal(tc_view_subscriptions(&list, c, &q), TC_EINVAL);
    assert_non_null(strstr(tc_last_error_message(), "sync"));
    q.version = 99;
    assert_int_equal(tc_view_subscriptions(&list, c, &q), TC_EVERSION);
    assert_null(list);
    tc_conduits_free(c);
}

/* Zero means default: the four older _init functions write their version
 * and zero everywhere else (the runner's default_transport aside), so a C
 * designated initialiser naming only version is as good as _init. */
static void test_zero_is_every_default(void **state) {
    tc_conduits_options c;
    tc_listener_options l;
    tc_webhook_options w;
    tc_runner_options r;
    (void)state;
    CHECK_INIT(c, tc_conduits_options_init, TC_CONDUITS_OPTIONS_VERSION);
    assert_true(c.client_id == NULL && c.client_secret == NULL && c.app_token == NULL && c.callback_url == NULL);
    assert_true(c.api_base_url == NULL && c.auth_base_url == NULL && c.ca_file == NULL);
    assert_true(c.connect_timeout_ms == 0 && c.request_timeout_ms == 0 && c.max_attempts == 0);
    assert_true(c.backoff_base_ms == 0 && c.backoff_max_ms == 0 && c.ratelimit_max_wait_ms == 0);
    assert_true(c.max_concurrency == 0 && c.max_response_bytes == 0 && c.token_refresh_margin_s == 0);
    assert_true(c.flags == 0 && c.log_cb == NULL && c.log_userdata == NULL && c.log_level == 0);
    assert_true(c.random_seed == 0 && c.token_validate_interval_s == 0 && c.request_deadline_ms == 0 &&
                c.max_list_pages == 0);
    CHECK_INIT(l, tc_listener_options_init, TC_LISTENER_OPTIONS_VERSION);
    assert_true(l.bind_address == NULL && l.port == 0 && l.path_prefix == NULL && l.max_body_bytes == 0);
    assert_true(l.timeout_s == 0 && l.max_connections == 0 && l.event_cb == NULL && l.event_userdata == NULL);
    assert_true(l.reject_cb == NULL && l.reject_userdata == NULL && l.webhook == NULL);
    assert_true(l.tls_cert_file == NULL && l.tls_key_file == NULL && l.max_connections_per_ip == 0);
    assert_true(l.head_timeout_s == 0 && l.request_timeout_s == 0 && l.max_queued_events == 0 &&
                l.max_queued_rejects == 0);
    CHECK_INIT(w, tc_webhook_options_init, TC_WEBHOOK_OPTIONS_VERSION);
    assert_true(w.max_age_s == 0 && w.max_future_s == 0 && w.dedupe_capacity == 0 && w.dedupe_ttl_s == 0);
    assert_true(w.max_body_bytes == 0 && w.clock_cb == NULL && w.clock_userdata == NULL);
    CHECK_INIT(r, tc_runner_options_init, TC_RUNNER_OPTIONS_VERSION);
    assert_int_equal(r.default_transport, TC_TRANSPORT_WEBSOCKET); /* the one non-zero default */
    assert_true(r.conduit_id == NULL && r.shard_count == 0 && r.shards == NULL && r.shards_len == 0);
    assert_true(r.ws_url == NULL && r.keepalive_timeout_s == 0 && r.listener == NULL &&
                r.webhook_callback_base == NULL);
    assert_true(r.event_cb == NULL && r.event_userdata == NULL && r.shard_cb == NULL && r.shard_userdata == NULL);
    assert_true(r.ready_cb == NULL && r.ready_userdata == NULL && r.list_interval_s == 0 && r.max_message_bytes == 0);
    assert_true(r.keepalive_margin_ms == 0 && r.reconnect_base_ms == 0 && r.reconnect_max_ms == 0 && r.flags == 0);
    assert_true(r.group == NULL && r.redis_url == NULL && r.worker_id == NULL && r.lease_ttl_ms == 0);
}

/* A C designated initialiser with the version alone is accepted where the
 * struct is used, exactly like the INIT macro. */
static void test_designated_initialiser_works(void **state) {
    tc_conduits_options co = { .version = TC_CONDUITS_OPTIONS_VERSION,
                               .client_id = "cid",
                               .client_secret = "secret-value",
                               .api_base_url = "http://127.0.0.1:9/helix",
                               .auth_base_url = "http://127.0.0.1:9/oauth2" };
    tc_conduits *c = NULL;
    (void)state;
    assert_int_equal(tc_conduits_new(&c, &co), TC_OK);
    tc_conduits_free(c);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_defaults_equal_the_init_macros),
        cmocka_unit_test(test_old_version_writes_only_its_fields),
        cmocka_unit_test(test_initialised_structs_work),
        cmocka_unit_test(test_zero_is_every_default),
        cmocka_unit_test(test_designated_initialiser_works),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
