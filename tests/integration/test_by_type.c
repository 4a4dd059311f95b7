/* Subscribing by type names (tc_subscriptions_create_by_type) against the
 * mock: versions from the catalogue, conditions built from one object,
 * per-item failures before anything is sent (a missing condition field, an
 * unknown type, a version the type does not have, a withdrawn version), 409
 * adoption on a second run, and "every type this user id can fill". */
#include "fixture.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <string.h>

typedef struct batch_record {
    int calls;
    tc_status status;
    tc_subscription_batch *batch;
} batch_record;

static void record_batch(tc_status status, const tc_subscription_batch *b, void *userdata) {
    batch_record *rec = (batch_record *)userdata;
    rec->calls++;
    rec->status = status;
    if (b != NULL) assert_int_equal(tc_subscription_batch_dup(&rec->batch, b), TC_OK);
}

static batch_record by_type(tc_conduits *c, const char *conduit, const char *const *types, size_t n,
                            const char *condition, unsigned flags) {
    batch_record rec;
    tc_op_id id = 0;
    memset(&rec, 0, sizeof rec);
    assert_int_equal(tc_subscriptions_create_by_type(&id, c, conduit, types, n, condition, flags, NULL, record_batch, &rec),
                     TC_OK);
    assert_int_equal(tc_conduits_await(c, id, 60000), TC_OK);
    assert_int_equal(rec.calls, 1);
    assert_non_null(rec.batch);
    return rec;
}

static void expect_item(const tc_subscription_batch *b, size_t i, tc_item_outcome outcome, tc_status status,
                        const char *message_part) {
    const char *msg = tc_subscription_batch_message(b, i);
    if (tc_subscription_batch_outcome(b, i) != outcome || tc_subscription_batch_status(b, i) != status)
        fail_msg("item %zu: outcome %d status %d (%s), expected %d / %d", i, (int)tc_subscription_batch_outcome(b, i),
                 (int)tc_subscription_batch_status(b, i), msg, (int)outcome, (int)status);
    if (message_part != NULL && strstr(msg, message_part) == NULL)
        fail_msg("item %zu: message \"%s\" lacks \"%s\"", i, msg, message_part);
}

static const char *const kTypes[] = {
    "channel.follow",         /* 0: newest (2), needs broadcaster + moderator */
    "stream.online",          /* 1: only broadcaster_user_id is kept */
    "channel.chat.message",   /* 2: needs user_id, not given */
    "no.such.type",           /* 3: unknown */
    "channel.follow@1",       /* 4: withdrawn */
    "channel.chat.message@2", /* 5: a version it does not have (yet) */
    "channel.raid",           /* 6: needs one of from/to */
    "automod.message.hold@1", /* 7: an older version, on request */
};
#define N_TYPES (sizeof kTypes / sizeof kTypes[0])
static const char kCondition[] = "{\"broadcaster_user_id\":\"1001\",\"moderator_user_id\":\"1002\",\"extra\":\"x\"}";

static void test_by_names(void **state) {
    tcmock *m = fixture_mock(NULL);
    tc_conduits_options o = fixture_options(m);
    tc_conduits *c = fixture_manager(&o);
    char conduit[80];
    batch_record rec;
    const tc_subscription *s;
    (void)state;
    fixture_make_conduit(c, 1, conduit);

    rec = by_type(c, conduit, kTypes, N_TYPES, kCondition, 0);
    assert_int_equal(rec.status, TC_EPARTIAL);
    assert_int_equal(tc_subscription_batch_count(rec.batch), N_TYPES);
    expect_item(rec.batch, 0, TC_ITEM_CREATED, TC_OK, NULL);
    s = tc_subscription_batch_subscription(rec.batch, 0);
    assert_string_equal(tc_subscription_type(s), "channel.follow");
    assert_string_equal(tc_subscription_version(s), "2");
    assert_string_equal(tc_subscription_condition(s), "{\"broadcaster_user_id\":\"1001\",\"moderator_user_id\":\"1002\"}");
    expect_item(rec.batch, 1, TC_ITEM_CREATED, TC_OK, NULL);
    s = tc_subscription_batch_subscription(rec.batch, 1);
    assert_string_equal(tc_subscription_version(s), "1");
    assert_string_equal(tc_subscription_condition(s), "{\"broadcaster_user_id\":\"1001\"}");
    expect_item(rec.batch, 2, TC_ITEM_FAILED, TC_EINVAL, "user_id");
    expect_item(rec.batch, 3, TC_ITEM_FAILED, TC_ENOTFOUND, "no.such.type");
    expect_item(rec.batch, 4, TC_ITEM_FAILED, TC_EGONE, "use version 2");
    expect_item(rec.batch, 5, TC_ITEM_FAILED, TC_ENOTFOUND, "versions: 1");
    expect_item(rec.batch, 6, TC_ITEM_FAILED, TC_EINVAL, "to_broadcaster_user_id");
    expect_item(rec.batch, 7, TC_ITEM_CREATED, TC_OK, NULL);
    assert_string_equal(tc_subscription_version(tc_subscription_batch_subscription(rec.batch, 7)), "1");
    assert_null(tc_subscription_batch_subscription(rec.batch, 2));
    assert_int_equal(tc_subscription_batch_tally(rec.batch, TC_ITEM_FAILED), 5);
    /* The failed items never reached the server. */
    assert_int_equal(tcmock_stat(m, "subscriptions_created"), 3);
    tc_subscription_batch_free(rec.batch);

    /* Again: the same three are adopted, nothing is duplicated. */
    rec = by_type(c, conduit, kTypes, N_TYPES, kCondition, 0);
    expect_item(rec.batch, 0, TC_ITEM_EXISTED, TC_OK, NULL);
    expect_item(rec.batch, 1, TC_ITEM_EXISTED, TC_OK, NULL);
    expect_item(rec.batch, 7, TC_ITEM_EXISTED, TC_OK, NULL);
    assert_int_equal(tcmock_stat(m, "subscriptions"), 3);
    tc_subscription_batch_free(rec.batch);

    /* Only failures: the batch still completes, TC_EPARTIAL, nothing sent. */
    rec = by_type(c, conduit, kTypes + 3, 1, "{}", 0);
    assert_int_equal(rec.status, TC_EPARTIAL);
    expect_item(rec.batch, 0, TC_ITEM_FAILED, TC_ENOTFOUND, "no.such.type");
    tc_subscription_batch_free(rec.batch);
    /* No types at all: an empty batch. */
    rec = by_type(c, conduit, NULL, 0, "{}", 0);
    assert_int_equal(rec.status, TC_OK);
    assert_int_equal(tc_subscription_batch_count(rec.batch), 0);
    tc_subscription_batch_free(rec.batch);
    assert_int_equal(tcmock_stat(m, "subscriptions_created"), 3);

    tc_conduits_free(c);
    tcmock_stop(m);
}

/* Every newest type whose whole condition one user id fills. */
static void test_all_fillable(void **state) {
    tcmock *m = fixture_mock(NULL);
    tc_conduits_options o = fixture_options(m);
    tc_conduits *c = fixture_manager(&o);
    char conduit[80];
    batch_record rec;
    size_t i, k, expected = 0;
    (void)state;
    fixture_make_conduit(c, 1, conduit);
    for (i = 0; i < tc_catalogue_count(); i++) {
        const tc_event_type *t = tc_catalogue_at(i);
        int fits = tc_event_type_is_newest(t) && tc_event_type_one_of_count(t) == 0;
        for (k = 0; fits && k < tc_event_type_required_count(t); k++) {
            const char *key = tc_event_type_required(t, k);
            fits = strcmp(key, "broadcaster_user_id") == 0 || strcmp(key, "moderator_user_id") == 0 ||
                   strcmp(key, "user_id") == 0;
        }
        expected += (size_t)fits;
    }
    assert_true(expected > 60);
    rec = by_type(c, conduit, NULL, 0,
                  "{\"broadcaster_user_id\":\"7\",\"moderator_user_id\":\"7\",\"user_id\":\"7\"}",
                  TC_BY_TYPE_F_ALL_FILLABLE);
    assert_int_equal(rec.status, TC_OK);
    assert_int_equal(tc_subscription_batch_count(rec.batch), expected);
    assert_int_equal(tc_subscription_batch_tally(rec.batch, TC_ITEM_CREATED), expected);
    for (i = 0; i < expected; i++) {
        const char *type = tc_subscription_type(tc_subscription_batch_subscription(rec.batch, i));
        assert_true(strcmp(type, "channel.raid") != 0 && strcmp(type, "drop.entitlement.grant") != 0);
    }
    assert_int_equal(tcmock_stat(m, "subscriptions"), expected);
    tc_subscription_batch_free(rec.batch);
    tc_conduits_free(c);
    tcmock_stop(m);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_by_names),
        cmocka_unit_test(test_all_fillable),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
