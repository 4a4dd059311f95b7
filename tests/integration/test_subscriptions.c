/* Subscriptions against the mock: batch create with per-item results and
 * progress, 409 adoption (no duplicates, nothing lost, even through dropped
 * connections and 5xx), cost budget, streaming list, delete, cleanup and
 * reconcile. */
#include "fixture.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>


/* n specs for broadcasters first..first+n-1; the strings live in `conditions`. */
static tc_subscription_spec *make_specs(size_t n, int first, char (**conditions)[64]) {
    tc_subscription_spec *specs = calloc(n, sizeof *specs);
    size_t i;
    *conditions = calloc(n, sizeof **conditions);
    for (i = 0; i < n; i++) {
        snprintf((*conditions)[i], 64, "{\"broadcaster_user_id\":\"%d\"}", first + (int)i);
        specs[i].type = "stream.online";
        specs[i].version = "1";
        specs[i].condition_json = (*conditions)[i];
    }
    return specs;
}

typedef struct batch_record {
    int calls;
    tc_status status;
    tc_subscription_batch *batch;
    size_t progress_calls;
    size_t last_done, last_total;
} batch_record;

static void record_batch(tc_status status, const tc_subscription_batch *b, void *userdata) {
    batch_record *rec = (batch_record *)userdata;
    rec->calls++;
    rec->status = status;
    if (b != NULL) assert_int_equal(tc_subscription_batch_dup(&rec->batch, b), TC_OK);
}

static void record_progress(size_t done, size_t total, void *userdata) {
    batch_record *rec = (batch_record *)userdata;
    assert_true(done >= rec->last_done);
    rec->progress_calls++;
    rec->last_done = done;
    rec->last_total = total;
}

static batch_record create_batch(tc_conduits *c, const char *conduit, const tc_subscription_spec *specs, size_t n) {
    batch_record rec;
    tc_batch_options bo = TC_BATCH_OPTIONS_INIT;
    tc_op_id id = 0;
    memset(&rec, 0, sizeof rec);
    bo.concurrency = 32;
    bo.progress = record_progress;
    bo.progress_userdata = &rec;
    assert_int_equal(tc_subscriptions_create(&id, c, conduit, specs, n, &bo, record_batch, &rec), TC_OK);
    assert_int_equal(tc_conduits_await(c, id, 120000), TC_OK);
    assert_int_equal(rec.calls, 1);
    return rec;
}

typedef struct page_record {
    size_t pages, items, stop_after;
    int done_calls;
    tc_status done_status;
    char first_id[64];
} page_record;

static int count_page(const tc_subscription_list *page, void *userdata) {
    page_record *rec = (page_record *)userdata;
    if (rec->items == 0 && tc_subscription_list_count(page) > 0) {
        snprintf(rec->first_id, sizeof rec->first_id, "%s", tc_subscription_id(tc_subscription_list_get(page, 0)));
    }
    rec->pages++;
    rec->items += tc_subscription_list_count(page);
    return rec->stop_after != 0 && rec->pages >= rec->stop_after;
}

static void page_done(tc_status status, void *userdata) {
    page_record *rec = (page_record *)userdata;
    rec->done_calls++;
    rec->done_status = status;
}

static page_record list_conduit(tc_conduits *c, const char *conduit, size_t stop_after) {
    page_record rec;
    tc_subscription_filter f = TC_SUBSCRIPTION_FILTER_INIT;
    tc_op_id id = 0;
    memset(&rec, 0, sizeof rec);
    rec.stop_after = stop_after;
    f.conduit_id = conduit;
    assert_int_equal(tc_subscriptions_list(&id, c, &f, count_page, page_done, &rec), TC_OK);
    assert_int_equal(tc_conduits_await(c, id, 60000), TC_OK);
    assert_int_equal(rec.done_calls, 1);
    return rec;
}

static void test_create_then_adopt(void **state) {
    (void)state;
    tcmock_config mc;
    tcmock *m;
    tc_conduits_options o;
    tc_conduits *c;
    char conduit[80];
    char (*conds)[64];
    tc_subscription_spec *specs = make_specs(50, 1000, &conds);
    batch_record first, second;
    page_record pages;
    char *json = NULL;
    size_t i;

    tcmock_config_init(&mc);
    mc.page_size = 7;
    m = fixture_mock(&mc);
    o = fixture_options(m);
    c = fixture_manager(&o);
    fixture_make_conduit(c, 1, conduit);

    first = create_batch(c, conduit, specs, 50);
    assert_int_equal(first.status, TC_OK);
    assert_int_equal(tc_subscription_batch_count(first.batch), 50);
    assert_int_equal(tc_subscription_batch_tally(first.batch, TC_ITEM_CREATED), 50);
    assert_int_equal(tc_subscription_batch_max_total_cost(first.batch), 10000);
    assert_int_equal(tc_subscription_batch_total_cost(first.batch), 50); /* the newest state, not the last answer */
    assert_true(first.progress_calls >= 1);
    assert_int_equal(first.last_done, 50);
    assert_int_equal(first.last_total, 50);
    for (i = 0; i < 50; i++) {
        const tc_subscription *s = tc_subscription_batch_subscription(first.batch, i);
        assert_non_null(s);
        assert_string_equal(tc_subscription_status(s), "enabled");
        assert_string_equal(tc_subscription_type(s), "stream.online");
        assert_string_equal(tc_subscription_transport(s) ? tc_transport_conduit_id(tc_subscription_transport(s)) : "", conduit);
    }
    assert_string_equal(tc_subscription_user_id(tc_subscription_batch_subscription(first.batch, 3)), "1003");

    /* The same specs again: every one adopted with the original id, none created. */
    second = create_batch(c, conduit, specs, 50);
    assert_int_equal(second.status, TC_OK);
    assert_int_equal(tc_subscription_batch_tally(second.batch, TC_ITEM_EXISTED), 50);
    for (i = 0; i < 50; i++) {
        assert_string_equal(tc_subscription_id(tc_subscription_batch_subscription(second.batch, i)),
                            tc_subscription_id(tc_subscription_batch_subscription(first.batch, i)));
    }
    assert_int_equal(tcmock_stat(m, "subscriptions"), 50);
    assert_int_equal(tc_subscription_batch_to_json(&json, second.batch), TC_OK);
    assert_non_null(strstr(json, "\"outcome\":\"existed\""));
    tc_free(json);

    /* Streaming: 50 items in pages of 7, oldest first. */
    pages = list_conduit(c, conduit, 0);
    assert_int_equal(pages.done_status, TC_OK);
    assert_int_equal(pages.items, 50);
    assert_int_equal(pages.pages, 8);
    {
        int found = 0; /* the server's creation order need not be the batch order */
        for (i = 0; i < 50; i++) {
            found |= strcmp(pages.first_id, tc_subscription_id(tc_subscription_batch_subscription(first.batch, i))) == 0;
        }
        assert_true(found);
    }
    /* Stopping early. */
    pages = list_conduit(c, conduit, 2);
    assert_int_equal(pages.done_status, TC_EUSER);
    assert_int_equal(pages.pages, 2);

    tc_subscription_batch_free(first.batch);
    tc_subscription_batch_free(second.batch);
    free(specs);
    free(conds);
    tc_conduits_free(c);
    tcmock_stop(m);
}

/* Faults everywhere, including connections dropped after the server created
 * the subscription: exactly N on the server, no duplicate, every item
 * reported created or existed. */
static void test_no_duplicates_nothing_lost_under_faults(void **state) {
    (void)state;
    enum { N = 10000 };
    tcmock_config mc;
    tcmock *m;
    tc_conduits_options o;
    tc_conduits *c;
    char conduit[80];
    char (*conds)[64];
    tc_subscription_spec *specs = make_specs(N, 5000, &conds);
    batch_record rec;
    page_record pages;

    tcmock_config_init(&mc);
    mc.page_size = 100;
    mc.ratelimit_limit = 1000000; /* this test is about faults, not the bucket */
    m = fixture_mock(&mc);
    o = fixture_options(m);
    o.max_attempts = 10;
    c = fixture_manager(&o);
    fixture_make_conduit(c, 1, conduit);
    assert_int_equal(tcmock_control(m, "config",
                                    "{\"fail_rate\":0.05,\"drop_rate\":0.02,\"drop_after_rate\":0.02,\"seed\":11}"),
                     0);
    rec = create_batch(c, conduit, specs, N);
    assert_int_equal(tcmock_control(m, "config", "{\"fail_rate\":0,\"drop_rate\":0,\"drop_after_rate\":0}"), 0);
    assert_int_equal(rec.status, TC_OK);
    assert_int_equal(tc_subscription_batch_tally(rec.batch, TC_ITEM_CREATED) +
                         tc_subscription_batch_tally(rec.batch, TC_ITEM_EXISTED),
                     N);
    assert_true(tcmock_stat(m, "drops") > 0);
    assert_int_equal(tcmock_stat(m, "subscriptions"), N);
    pages = list_conduit(c, conduit, 0);
    assert_int_equal(pages.items, N);
    tc_subscription_batch_free(rec.batch);
    free(specs);
    free(conds);
    tc_conduits_free(c);
    tcmock_stop(m);
}

static void test_budget_and_bad_specs(void **state) {
    (void)state;
    tcmock *m = fixture_mock(NULL);
    tc_conduits_options o = fixture_options(m);
    tc_conduits *c = fixture_manager(&o);
    char conduit[80];
    char (*conds)[64];
    tc_subscription_spec *specs = make_specs(6, 1, &conds);
    tc_subscription_spec bad = {"stream.online", "1", "[1,2]"};
    batch_record rec;

    fixture_make_conduit(c, 1, conduit);
    assert_int_equal(tcmock_control(m, "config", "{\"max_total_cost\":4}"), 0);
    rec = create_batch(c, conduit, specs, 6);
    assert_int_equal(rec.status, TC_EPARTIAL);
    assert_int_equal(tc_subscription_batch_tally(rec.batch, TC_ITEM_CREATED), 4);
    assert_int_equal(tc_subscription_batch_tally(rec.batch, TC_ITEM_OVER_BUDGET), 2);
    tc_subscription_batch_free(rec.batch);

    memset(&rec, 0, sizeof rec);
    assert_int_equal(tc_subscriptions_create(NULL, c, conduit, &bad, 1, NULL, record_batch, &rec), TC_EINVAL);
    assert_non_null(strstr(tc_last_error_message(), "specs[0].condition_json"));
    assert_int_equal(tc_subscriptions_create(NULL, c, "", specs, 1, NULL, record_batch, &rec), TC_EINVAL);
    assert_int_equal(tc_subscriptions_create(NULL, c, conduit, NULL, 3, NULL, record_batch, &rec), TC_EINVAL);
    {
        tc_subscription_filter two = TC_SUBSCRIPTION_FILTER_INIT;
        page_record pr;
        two.type = "stream.online";
        two.status = "enabled";
        assert_int_equal(tc_subscriptions_list(NULL, c, &two, count_page, page_done, &pr), TC_EINVAL);
        assert_non_null(strstr(tc_last_error_message(), "one filter"));
    }
    assert_int_equal(rec.calls, 0);
    free(specs);
    free(conds);
    tc_conduits_free(c);
    tcmock_stop(m);
}

static void test_delete_cleanup_reconcile(void **state) {
    (void)state;
    tcmock *m = fixture_mock(NULL);
    tc_conduits_options o = fixture_options(m);
    tc_conduits *c = fixture_manager(&o);
    char conduit[80], body[160];
    char (*conds)[64];
    tc_subscription_spec *specs = make_specs(10, 1, &conds);
    batch_record made, rec;
    call_record del;
    tc_op_id id = 0;
    char broken_id[64], extra_id[64], deleted_id[64];

    fixture_make_conduit(c, 1, conduit);
    made = create_batch(c, conduit, specs, 10);
    assert_int_equal(made.status, TC_OK);
    snprintf(deleted_id, sizeof deleted_id, "%s", tc_subscription_id(tc_subscription_batch_subscription(made.batch, 0)));
    snprintf(broken_id, sizeof broken_id, "%s", tc_subscription_id(tc_subscription_batch_subscription(made.batch, 1)));
    snprintf(extra_id, sizeof extra_id, "%s", tc_subscription_id(tc_subscription_batch_subscription(made.batch, 9)));

    /* delete: 204, then "already gone" (404) distinctly. */
    memset(&del, 0, sizeof del);
    assert_int_equal(tc_subscription_delete(&id, c, deleted_id, record_response, &del), TC_OK);
    assert_int_equal(tc_conduits_await(c, id, 10000), TC_OK);
    assert_int_equal(del.status, TC_OK);
    memset(&del, 0, sizeof del);
    assert_int_equal(tc_subscription_delete(&id, c, deleted_id, record_response, &del), TC_OK);
    assert_int_equal(tc_conduits_await(c, id, 10000), TC_OK);
    assert_int_equal(del.status, TC_ENOTFOUND);

    /* cleanup: only the broken one goes. */
    snprintf(body, sizeof body, "{\"id\":\"%s\",\"status\":\"authorization_revoked\"}", broken_id);
    assert_int_equal(tcmock_control(m, "subscriptions/status", body), 0);
    memset(&rec, 0, sizeof rec);
    assert_int_equal(tc_subscriptions_cleanup(&id, c, conduit, 0, NULL, record_batch, &rec), TC_OK);
    assert_int_equal(tc_conduits_await(c, id, 10000), TC_OK);
    assert_int_equal(rec.status, TC_OK);
    assert_int_equal(tc_subscription_batch_count(rec.batch), 1);
    assert_int_equal(tc_subscription_batch_outcome(rec.batch, 0), TC_ITEM_DELETED);
    assert_string_equal(tc_subscription_id(tc_subscription_batch_subscription(rec.batch, 0)), broken_id);
    tc_subscription_batch_free(rec.batch);
    assert_int_equal(tcmock_stat(m, "subscriptions"), 8);

    /* reconcile towards specs[0..7] + one new: messy start = #0 and #1 missing,
     * #8 and #9 extra. Dry run first: a plan, no change. */
    specs[8].condition_json = "{\"broadcaster_user_id\":\"777\"}";
    memset(&rec, 0, sizeof rec);
    assert_int_equal(tc_subscriptions_reconcile(&id, c, conduit, specs, 9, TC_RECONCILE_F_DRY_RUN, NULL, record_batch, &rec),
                     TC_OK);
    assert_int_equal(tc_conduits_await(c, id, 10000), TC_OK);
    assert_int_equal(rec.status, TC_OK);
    assert_int_equal(tc_subscription_batch_tally(rec.batch, TC_ITEM_TO_CREATE), 3);
    assert_int_equal(tc_subscription_batch_tally(rec.batch, TC_ITEM_TO_DELETE), 2);
    assert_int_equal(tc_subscription_batch_tally(rec.batch, TC_ITEM_EXISTED), 6);
    tc_subscription_batch_free(rec.batch);
    assert_int_equal(tcmock_stat(m, "subscriptions"), 8);

    memset(&rec, 0, sizeof rec);
    assert_int_equal(tc_subscriptions_reconcile(&id, c, conduit, specs, 9, 0, NULL, record_batch, &rec), TC_OK);
    assert_int_equal(tc_conduits_await(c, id, 10000), TC_OK);
    assert_int_equal(rec.status, TC_OK);
    assert_int_equal(tc_subscription_batch_tally(rec.batch, TC_ITEM_CREATED), 3);
    assert_int_equal(tc_subscription_batch_tally(rec.batch, TC_ITEM_DELETED), 2);
    assert_int_equal(tc_subscription_batch_tally(rec.batch, TC_ITEM_EXISTED), 6);
    tc_subscription_batch_free(rec.batch);
    assert_int_equal(tcmock_stat(m, "subscriptions"), 9);

    /* Second run: a no-op. */
    memset(&rec, 0, sizeof rec);
    assert_int_equal(tc_subscriptions_reconcile(&id, c, conduit, specs, 9, 0, NULL, record_batch, &rec), TC_OK);
    assert_int_equal(tc_conduits_await(c, id, 10000), TC_OK);
    assert_int_equal(tc_subscription_batch_count(rec.batch), 9);
    assert_int_equal(tc_subscription_batch_tally(rec.batch, TC_ITEM_EXISTED), 9);
    tc_subscription_batch_free(rec.batch);
    (void)extra_id;

    tc_subscription_batch_free(made.batch);
    free(specs);
    free(conds);
    tc_conduits_free(c);
    tcmock_stop(m);
}

static void test_cancel_a_long_batch(void **state) {
    (void)state;
    tcmock *m = fixture_mock(NULL);
    tc_conduits_options o = fixture_options(m);
    tc_conduits *c = fixture_manager(&o);
    char conduit[80];
    char (*conds)[64];
    tc_subscription_spec *specs = make_specs(200, 1, &conds);
    batch_record rec;
    tc_batch_options bo = TC_BATCH_OPTIONS_INIT;
    tc_op_id id = 0;

    fixture_make_conduit(c, 1, conduit);
    assert_int_equal(tcmock_control(m, "config", "{\"latency_ms\":50}"), 0);
    memset(&rec, 0, sizeof rec);
    bo.concurrency = 4;
    assert_int_equal(tc_subscriptions_create(&id, c, conduit, specs, 200, &bo, record_batch, &rec), TC_OK);
    {
        double deadline = now_ms() + 10000;
        while (tcmock_stat(m, "subscriptions_created") < 8) {
            if (now_ms() > deadline) fail_msg("the batch never got going");
            tc_conduits_wait(c, 10);
        }
    }
    assert_int_equal(tc_conduits_cancel(c, id), TC_OK);
    assert_int_equal(tc_conduits_await(c, id, 10000), TC_OK);
    assert_int_equal(rec.calls, 1);
    assert_int_equal(rec.status, TC_ECANCELED);
    /* The rest of the batch stops: far fewer than 200 were sent. */
    run_all(c, 10000);
    assert_true(tcmock_stat(m, "subscriptions_created") < 100);
    free(specs);
    free(conds);
    tc_conduits_free(c);
    tcmock_stop(m);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_create_then_adopt),
        cmocka_unit_test(test_no_duplicates_nothing_lost_under_faults),
        cmocka_unit_test(test_budget_and_bad_specs),
        cmocka_unit_test(test_delete_cleanup_reconcile),
        cmocka_unit_test(test_cancel_a_long_batch),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
