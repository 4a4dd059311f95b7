/* Public-API tests of the synced view and the caller-owned subscription
 * lists: NULL and invalid arguments, and the view before any sync. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <twitchconduits.h>

#include <string.h>

static void expect(tc_status got, tc_status want, const char *word) {
    const char *msg = tc_last_error_message();
    if (got != want) fail_msg("returned %d, expected %d (%s)", (int)got, (int)want, msg);
    if (strstr(msg, word) == NULL) fail_msg("message \"%s\" does not name \"%s\"", msg, word);
    assert_null(strchr(msg, '\n'));
}

static void done_cb(tc_status st, void *ud) {
    (void)st;
    (void)ud;
}

static void change_cb(tc_view_change kind, const char *id, void *ud) {
    (void)kind;
    (void)id;
    (void)ud;
}

static void test_view_bad_arguments(void **state) {
    tc_conduits_options o = TC_CONDUITS_OPTIONS_INIT;
    tc_conduits *c = NULL;
    tc_subscription_list *subs = (tc_subscription_list *)0x1;
    tc_conduit_list *conduits = (tc_conduit_list *)0x1;
    tc_shard_list *shards = (tc_shard_list *)0x1;
    tc_view_query q = TC_VIEW_QUERY_INIT;
    tc_op_id id = 5;
    char *json = (char *)0x1;
    (void)state;
    o.client_id = "client";
    o.client_secret = "secret-value";
    o.api_base_url = "http://127.0.0.1:9/helix";
    o.auth_base_url = "http://127.0.0.1:9/oauth2";
    assert_int_equal(tc_conduits_new(&c, &o), TC_OK);

    expect(tc_conduits_sync(&id, NULL, done_cb, NULL), TC_EINVAL, "c");
    assert_int_equal(id, 0);
    expect(tc_view_set_change_cb(NULL, change_cb, NULL), TC_EINVAL, "c");
    assert_int_equal(tc_view_set_change_cb(c, NULL, NULL), TC_OK);
    assert_int_equal(tc_view_is_synced(NULL), 0);
    assert_int_equal(tc_view_is_synced(c), 0);

    /* Not synced yet. */
    expect(tc_view_subscriptions(&subs, c, NULL), TC_EINVAL, "tc_conduits_sync");
    assert_null(subs);
    assert_int_equal(tc_view_count(c, NULL), 0);
    expect(tc_view_conduits(&conduits, c), TC_EINVAL, "tc_conduits_sync");
    assert_null(conduits);
    expect(tc_view_shards(&shards, c, "x"), TC_EINVAL, "tc_conduits_sync");
    assert_null(shards);

    /* Bad arguments. */
    expect(tc_view_subscriptions(NULL, c, NULL), TC_EINVAL, "out");
    expect(tc_view_subscriptions(&subs, NULL, NULL), TC_EINVAL, "c");
    expect(tc_view_conduits(NULL, c), TC_EINVAL, "out");
    expect(tc_view_conduits(&conduits, NULL), TC_EINVAL, "c");
    expect(tc_view_shards(NULL, c, "x"), TC_EINVAL, "out");
    expect(tc_view_shards(&shards, c, NULL), TC_EINVAL, "conduit_id");
    expect(tc_view_shards(&shards, c, ""), TC_EINVAL, "conduit_id");
    q.version = 0;
    expect(tc_view_subscriptions(&subs, c, &q), TC_EVERSION, "version");
    q.version = TC_VIEW_QUERY_VERSION;
    q.user_id = "";
    expect(tc_view_subscriptions(&subs, c, &q), TC_EINVAL, "user_id");
    assert_int_equal(tc_view_count(c, &q), 0);
    assert_int_equal(tc_view_count(NULL, NULL), 0);

    /* Caller-owned subscription lists. */
    tc_subscription_list_free(NULL);
    expect(tc_subscription_list_dup(NULL, NULL), TC_EINVAL, "out");
    subs = (tc_subscription_list *)0x1;
    expect(tc_subscription_list_dup(&subs, NULL), TC_EINVAL, "list");
    assert_null(subs);
    expect(tc_subscription_list_to_json(&json, NULL), TC_EINVAL, "list");
    assert_null(json);
    tc_conduits_free(c);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_view_bad_arguments),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
