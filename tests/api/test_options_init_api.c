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

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_defaults_equal_the_init_macros),
        cmocka_unit_test(test_old_version_writes_only_its_fields),
        cmocka_unit_test(test_initialised_structs_work),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
