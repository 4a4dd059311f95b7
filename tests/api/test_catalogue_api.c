/*
 * Public-API tests of the subscription-type catalogue
 * (<twitchconduits/catalogue.h>): lookups and their documented failures,
 * iteration, every accessor on NULL and on a pointer that is not an entry.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <twitchconduits.h>

#include <stdio.h>
#include <string.h>

#define EXPECT_STATUS(expr, want, word)                                                            \
    do {                                                                                           \
        int st_ = (int)(expr);                                                                     \
        const char *m_ = tc_last_error_message();                                                  \
        if (st_ != (int)(want))                                                                    \
            fail_msg("%s returned %d (%s), expected %d; message: \"%s\"", #expr, st_, tc_strerror(st_), \
                     (int)(want), m_);                                                             \
        if (strstr(m_, word) == NULL) fail_msg("%s: message \"%s\" lacks \"%s\"", #expr, m_, word); \
        if (strchr(m_, '\n') != NULL) fail_msg("%s: message spans lines", #expr);                  \
    } while (0)

static void test_find(void **state) {
    const tc_event_type *t = NULL;
    (void)state;
    assert_int_equal(tc_catalogue_find(&t, "channel.follow", NULL), TC_OK);
    assert_string_equal(tc_event_type_name(t), "channel.follow");
    assert_string_equal(tc_event_type_version(t), "2");
    assert_int_equal(tc_event_type_is_newest(t), 1);
    assert_int_equal(tc_catalogue_find(&t, "channel.update", ""), TC_OK);
    assert_string_equal(tc_event_type_version(t), "2");
    assert_int_equal(tc_catalogue_find(&t, "channel.update", "1"), TC_OK);
    assert_string_equal(tc_event_type_status(t), "deprecated");
    assert_int_equal(tc_event_type_is_newest(t), 0);
    assert_int_equal(tc_catalogue_find(&t, "channel.guest_star_session.begin", NULL), TC_OK);
    assert_string_equal(tc_event_type_version(t), "beta");
    assert_string_equal(tc_event_type_status(t), "beta");

    /* A withdrawn version: TC_EGONE, the entry, and what to use instead. */
    t = NULL;
    EXPECT_STATUS(tc_catalogue_find(&t, "channel.follow", "1"), TC_EGONE, "use version 2");
    assert_non_null(t);
    assert_string_equal(tc_event_type_status(t), "withdrawn");
    assert_string_equal(tc_event_type_replaced_by(t), "2");
    /* A version the type does not have (yet): the versions it has. */
    t = tc_catalogue_at(0);
    EXPECT_STATUS(tc_catalogue_find(&t, "channel.chat.message", "2"), TC_ENOTFOUND, "versions: 1");
    assert_null(t);
    EXPECT_STATUS(tc_catalogue_find(&t, "automod.message.hold", "3"), TC_ENOTFOUND, "versions: 1, 2");
    EXPECT_STATUS(tc_catalogue_find(&t, "no.such.type", NULL), TC_ENOTFOUND, "no.such.type");
    /* "type@version" is the by-name syntax, not a type name. */
    EXPECT_STATUS(tc_catalogue_find(&t, "channel.follow@", NULL), TC_ENOTFOUND, "version");
}

static void test_bad_arguments(void **state) {
    const tc_event_type *t = tc_catalogue_at(0);
    (void)state;
    EXPECT_STATUS(tc_catalogue_find(NULL, "stream.online", NULL), TC_EINVAL, "out");
    EXPECT_STATUS(tc_catalogue_find(&t, NULL, NULL), TC_EINVAL, "type");
    assert_null(t);
    EXPECT_STATUS(tc_catalogue_find(&t, "", NULL), TC_EINVAL, "type");
    assert_null(tc_catalogue_at(tc_catalogue_count()));
    assert_null(tc_catalogue_at((size_t)-1));
    assert_null(tc_catalogue_withdrawn_at(tc_catalogue_withdrawn_count()));
    {
        char *json = (char *)"sentinel";
        EXPECT_STATUS(tc_event_type_to_json(&json, NULL), TC_EINVAL, "t");
        assert_null(json);
        EXPECT_STATUS(tc_event_type_to_json(NULL, tc_catalogue_at(0)), TC_EINVAL, "out");
    }
}

/* Every accessor refuses NULL and a pointer that is not a catalogue entry. */
static void test_accessors_on_bad_handles(void **state) {
    static const char not_an_entry[256] = {0};
    const tc_event_type *bad[3];
    size_t k;
    (void)state;
    bad[0] = NULL;
    bad[1] = (const tc_event_type *)not_an_entry;
    bad[2] = (const tc_event_type *)((const char *)tc_catalogue_at(1) + 1); /* inside the table, misaligned */
    for (k = 0; k < 3; ++k) {
        const tc_event_type *t = bad[k];
        char *json = NULL;
        assert_null(tc_event_type_name(t));
        assert_null(tc_event_type_version(t));
        assert_null(tc_event_type_status(t));
        assert_int_equal(tc_event_type_is_newest(t), 0);
        assert_int_equal(tc_event_type_required_count(t), 0);
        assert_null(tc_event_type_required(t, 0));
        assert_int_equal(tc_event_type_optional_count(t), 0);
        assert_null(tc_event_type_optional(t, 0));
        assert_int_equal(tc_event_type_one_of_count(t), 0);
        assert_int_equal(tc_event_type_one_of_size(t, 0), 0);
        assert_null(tc_event_type_one_of(t, 0, 0));
        assert_int_equal(tc_event_type_allows(t, TC_TRANSPORT_CONDUIT), 0);
        assert_int_equal(tc_event_type_app_token_only(t), 0);
        assert_int_equal(tc_event_type_scope_count(t), 0);
        assert_null(tc_event_type_scope(t, 0));
        assert_null(tc_event_type_authorizer(t));
        assert_int_equal(tc_event_type_app_token_scope_count(t), 0);
        assert_null(tc_event_type_app_token_scope(t, 0));
        assert_null(tc_event_type_create_body_extra(t));
        assert_null(tc_event_type_replaced_by(t));
        EXPECT_STATUS(tc_event_type_to_json(&json, t), TC_EINVAL, "t");
    }
}

static void test_entries(void **state) {
    const tc_event_type *t = NULL;
    size_t i, newest = 0;
    (void)state;
    assert_string_equal(tc_catalogue_snapshot(), "2026-05-30");
    for (i = 0; i < tc_catalogue_count(); ++i) {
        const tc_event_type *e = tc_catalogue_at(i);
        assert_non_null(tc_event_type_name(e));
        assert_int_equal(tc_event_type_allows(e, TC_TRANSPORT_CONDUIT), 1);
        newest += (size_t)tc_event_type_is_newest(e);
        if (i > 0) assert_true(strcmp(tc_event_type_name(tc_catalogue_at(i - 1)), tc_event_type_name(e)) <= 0);
    }
    assert_int_equal(newest, 79);

    assert_int_equal(tc_catalogue_find(&t, "channel.raid", NULL), TC_OK);
    assert_int_equal(tc_event_type_required_count(t), 0);
    assert_int_equal(tc_event_type_one_of_count(t), 1);
    assert_int_equal(tc_event_type_one_of_size(t, 0), 2);
    assert_string_equal(tc_event_type_one_of(t, 0, 1), "to_broadcaster_user_id");
    assert_null(tc_event_type_one_of(t, 0, 2));
    assert_int_equal(tc_event_type_one_of_size(t, 1), 0);
    assert_string_equal(tc_event_type_authorizer(t), "none");

    assert_int_equal(tc_catalogue_find(&t, "channel.chat.message", NULL), TC_OK);
    assert_int_equal(tc_event_type_required_count(t), 2);
    assert_string_equal(tc_event_type_required(t, 1), "user_id");
    assert_string_equal(tc_event_type_scope(t, 0), "user:read:chat");
    assert_int_equal(tc_event_type_app_token_scope_count(t), 1);
    assert_string_equal(tc_event_type_app_token_scope(t, 0), "user:bot");
    assert_null(tc_event_type_app_token_scope(t, 1));

    assert_int_equal(tc_catalogue_find(&t, "conduit.shard.disabled", NULL), TC_OK);
    assert_int_equal(tc_event_type_app_token_only(t), 1);
    assert_int_equal(tc_event_type_allows(t, TC_TRANSPORT_WEBSOCKET), 0);
    assert_int_equal(tc_event_type_allows(t, TC_TRANSPORT_WEBHOOK), 1);
    assert_int_equal(tc_event_type_allows(t, (tc_transport_type)77), 0);
    assert_string_equal(tc_event_type_optional(t, 0), "conduit_id");

    assert_int_equal(tc_catalogue_find(&t, "drop.entitlement.grant", NULL), TC_OK);
    assert_string_equal(tc_event_type_create_body_extra(t), "{\"is_batching_enabled\":true}");
    {
        char *json = NULL;
        assert_int_equal(tc_event_type_to_json(&json, t), TC_OK);
        assert_non_null(strstr(json, "\"create_body_extra\":{\"is_batching_enabled\":true}"));
        assert_non_null(strstr(json, "\"condition_optional\":[\"category_id\",\"campaign_id\"]"));
        tc_free(json);
    }
}

static void batch_cb(tc_status st, const tc_subscription_batch *b, void *ud) {
    (void)st;
    (void)b;
    (void)ud;
    fail_msg("a refused submission must not call back");
}

/* tc_subscriptions_create_by_type: what is refused at submission (nothing
 * runs, no callback); per-item problems are the integration tests' part. */
static void test_create_by_type_bad_arguments(void **state) {
    tc_conduits_options o = TC_CONDUITS_OPTIONS_INIT;
    tc_conduits *c = NULL;
    tc_batch_options bo = TC_BATCH_OPTIONS_INIT;
    tc_op_id id = 99;
    const char *types[] = {"stream.online", NULL};
    const char *cond = "{\"broadcaster_user_id\":\"1\"}";
    (void)state;
    o.client_id = "client";
    o.client_secret = "secret-value";
    o.api_base_url = "http://127.0.0.1:9/helix";
    o.auth_base_url = "http://127.0.0.1:9/oauth2";
    assert_int_equal(tc_conduits_new(&c, &o), TC_OK);
    EXPECT_STATUS(tc_subscriptions_create_by_type(&id, NULL, "x", types, 1, cond, 0, NULL, batch_cb, NULL), TC_EINVAL, "c");
    assert_int_equal(id, 0);
    EXPECT_STATUS(tc_subscriptions_create_by_type(NULL, c, NULL, types, 1, cond, 0, NULL, batch_cb, NULL), TC_EINVAL, "conduit_id");
    EXPECT_STATUS(tc_subscriptions_create_by_type(NULL, c, "", types, 1, cond, 0, NULL, batch_cb, NULL), TC_EINVAL, "conduit_id");
    EXPECT_STATUS(tc_subscriptions_create_by_type(NULL, c, "x", NULL, 1, cond, 0, NULL, batch_cb, NULL), TC_EINVAL, "types");
    EXPECT_STATUS(tc_subscriptions_create_by_type(NULL, c, "x", types, 2, cond, 0, NULL, batch_cb, NULL), TC_EINVAL, "types[1]");
    types[1] = "";
    EXPECT_STATUS(tc_subscriptions_create_by_type(NULL, c, "x", types, 2, cond, 0, NULL, batch_cb, NULL), TC_EINVAL, "types[1]");
    EXPECT_STATUS(tc_subscriptions_create_by_type(NULL, c, "x", types, 1, NULL, 0, NULL, batch_cb, NULL), TC_EINVAL, "condition_json");
    EXPECT_STATUS(tc_subscriptions_create_by_type(NULL, c, "x", types, 1, "[1]", 0, NULL, batch_cb, NULL), TC_EINVAL, "condition_json");
    EXPECT_STATUS(tc_subscriptions_create_by_type(NULL, c, "x", types, 1, "{\"a\":", 0, NULL, batch_cb, NULL), TC_EINVAL, "condition_json");
    EXPECT_STATUS(tc_subscriptions_create_by_type(NULL, c, "x", types, 1, cond, 0x80, NULL, batch_cb, NULL), TC_EINVAL, "flags");
    bo.version = 0;
    EXPECT_STATUS(tc_subscriptions_create_by_type(NULL, c, "x", types, 1, cond, 0, &bo, batch_cb, NULL), TC_EVERSION, "version");
    bo.version = TC_BATCH_OPTIONS_VERSION;
    bo.concurrency = -1;
    EXPECT_STATUS(tc_subscriptions_create_by_type(NULL, c, "x", types, 1, cond, 0, &bo, batch_cb, NULL), TC_EINVAL, "concurrency");
    tc_conduits_free(c);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_find),
        cmocka_unit_test(test_bad_arguments),
        cmocka_unit_test(test_accessors_on_bad_handles),
        cmocka_unit_test(test_entries),
        cmocka_unit_test(test_create_by_type_bad_arguments),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
