/* What a hostile or broken Helix server must not be able to do to a listing:
 * make it run forever (hardening finding 4). The server is a local responder
 * (hostile.h) whose cursors never end. */
#include "fixture.h"
#include "hostile.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <string.h>

enum { CURSOR_AB, CURSOR_NEVER_REPEATS };

static void subscription_pages(int n, const char *path, const char *after, hostile_reply *out, void *userdata) {
    const int mode = *(const int *)userdata;
    char cursor[64];
    (void)path;
    (void)after;
    if (mode == CURSOR_AB) {
        snprintf(cursor, sizeof cursor, "%s", n % 2 == 0 ? "A" : "B");
    } else {
        snprintf(cursor, sizeof cursor, "cursor-%d", n);
    }
    snprintf(out->body, sizeof out->body,
             "{\"data\":[],\"total\":0,\"total_cost\":0,\"max_total_cost\":10000,\"pagination\":{\"cursor\":\"%s\"}}",
             cursor);
}

static int count_pages(const tc_subscription_list *page, void *userdata) {
    (void)page;
    (*(int *)userdata)++;
    return 0;
}

typedef struct listing {
    int pages;
    call_record done;
} listing;

static void on_listed(tc_status status, void *userdata) { record_done(status, &((listing *)userdata)->done); }

static int list_against(int mode, long max_list_pages, listing *out) {
    hostile *h = hostile_start(subscription_pages, &mode);
    tc_conduits_options o = TC_CONDUITS_OPTIONS_INIT;
    tc_conduits *c;
    int requests;
    o.client_id = "hostileclient";
    o.app_token = "hostiletoken";
    o.api_base_url = hostile_helix_base(h);
    o.max_list_pages = max_list_pages;
    c = fixture_manager(&o);
    memset(out, 0, sizeof *out);
    assert_int_equal(tc_subscriptions_list(NULL, c, NULL, count_pages, on_listed, out), TC_OK);
    run_all(c, 20000);
    assert_int_equal(out->done.calls, 1);
    tc_conduits_free(c);
    requests = hostile_requests(h);
    hostile_stop(h);
    return requests;
}

static void test_alternating_cursors_are_a_cycle(void **state) {
    listing l;
    (void)state;
    int requests = list_against(CURSOR_AB, 0, &l);
    print_message("A/B cursors: %s after %d requests: %s\n", tc_strerror(l.done.status), requests, l.done.message);
    assert_int_equal(l.done.status, TC_EPROTOCOL);
    assert_non_null(strstr(l.done.message, "cursor"));
    assert_true(requests <= 3);
}

static void test_endless_cursors_stop_at_the_page_cap(void **state) {
    listing l;
    (void)state;
    int requests = list_against(CURSOR_NEVER_REPEATS, 50, &l);
    print_message("endless cursors: %s after %d requests: %s\n", tc_strerror(l.done.status), requests, l.done.message);
    assert_int_equal(l.done.status, TC_EPROTOCOL);
    assert_non_null(strstr(l.done.message, "max_list_pages"));
    assert_int_equal(requests, 50);
    assert_int_equal(l.pages, 49); /* every page before the limit reached the callback */
}

static void shard_pages(int n, const char *path, const char *after, hostile_reply *out, void *userdata) {
    (void)path;
    (void)after;
    (void)userdata;
    /* A cycle of three: a, b, c, a, ... */
    snprintf(out->body, sizeof out->body,
             "{\"data\":[{\"id\":\"%d\",\"status\":\"enabled\",\"transport\":{\"method\":\"webhook\","
             "\"callback\":\"https://example.com/cb\"}}],\"pagination\":{\"cursor\":\"%c\"}}",
             n, "abc"[n % 3]);
}

static void on_shards(tc_status status, const tc_shard_list *list, void *userdata) {
    call_record *rec = (call_record *)userdata;
    (void)list;
    rec->calls++;
    rec->status = status;
    snprintf(rec->message, sizeof rec->message, "%s", tc_last_error_message());
}

static void test_shard_listing_has_the_same_guard(void **state) {
    hostile *h = hostile_start(shard_pages, NULL);
    tc_conduits_options o = TC_CONDUITS_OPTIONS_INIT;
    tc_conduits *c;
    call_record rec;
    (void)state;
    o.client_id = "hostileclient";
    o.app_token = "hostiletoken";
    o.api_base_url = hostile_helix_base(h);
    c = fixture_manager(&o);
    memset(&rec, 0, sizeof rec);
    assert_int_equal(tc_shards_list(NULL, c, "conduit", NULL, on_shards, &rec), TC_OK);
    run_all(c, 20000);
    print_message("cycle of three: %s after %d requests: %s\n", tc_strerror(rec.status), hostile_requests(h),
                  rec.message);
    assert_int_equal(rec.calls, 1);
    assert_int_equal(rec.status, TC_EPROTOCOL);
    assert_non_null(strstr(rec.message, "cursor"));
    assert_true(hostile_requests(h) <= 4);
    tc_conduits_free(c);
    hostile_stop(h);
}

/* The next page is fetched while the user reads the current one: a failure
 * of that prefetched page is reported only after the page callback returns,
 * and never replaces the callback's own decision to stop. */
static void failing_second_page(int n, const char *path, const char *after, hostile_reply *out, void *userdata) {
    (void)path;
    (void)after;
    (void)userdata;
    if (n == 0) {
        snprintf(out->body, sizeof out->body,
                 "{\"data\":[{\"id\":\"s1\",\"status\":\"enabled\",\"type\":\"stream.online\",\"version\":\"1\","
                 "\"condition\":{\"broadcaster_user_id\":\"1\"},\"created_at\":\"2020-11-10T20:08:33Z\","
                 "\"transport\":{\"method\":\"conduit\",\"conduit_id\":\"c\"},\"cost\":0}],"
                 "\"total\":2,\"total_cost\":0,\"max_total_cost\":10000,\"pagination\":{\"cursor\":\"next\"}}");
        return;
    }
    out->status = 400;
    snprintf(out->body, sizeof out->body, "{\"error\":\"Bad Request\",\"status\":400,\"message\":\"broken page\"}");
}

typedef struct prefetch_run {
    int stop;             /* the page callback's answer */
    int pages;
    int pages_at_done;    /* pages seen when the completion ran */
    size_t items;
    call_record done;
} prefetch_run;

static int on_prefetch_page(const tc_subscription_list *page, void *userdata) {
    prefetch_run *r = (prefetch_run *)userdata;
    r->pages++;
    r->items += tc_subscription_list_count(page);
    return r->stop;
}

static void on_prefetch_done(tc_status status, void *userdata) {
    prefetch_run *r = (prefetch_run *)userdata;
    r->pages_at_done = r->pages;
    record_done(status, &r->done);
}

static void list_with_failing_second_page(int stop, prefetch_run *run) {
    hostile *h = hostile_start(failing_second_page, NULL);
    tc_conduits_options o = TC_CONDUITS_OPTIONS_INIT;
    tc_conduits *c;
    o.client_id = "hostileclient";
    o.app_token = "hostiletoken";
    o.api_base_url = hostile_helix_base(h);
    c = fixture_manager(&o);
    memset(run, 0, sizeof *run);
    run->stop = stop;
    assert_int_equal(tc_subscriptions_list(NULL, c, NULL, on_prefetch_page, on_prefetch_done, run), TC_OK);
    run_all(c, 20000);
    tc_conduits_free(c);
    assert_true(hostile_requests(h) <= 2);
    hostile_stop(h);
}

static void test_prefetched_page_failure_comes_after_the_page(void **state) {
    prefetch_run run;
    (void)state;
    list_with_failing_second_page(0, &run);
    assert_int_equal(run.done.calls, 1);
    assert_int_equal(run.done.status, TC_EBADREQUEST);
    assert_int_equal(run.pages, 1);
    assert_int_equal(run.pages_at_done, 1);
    assert_int_equal(run.items, 1);

    list_with_failing_second_page(1, &run); /* stops at the first page */
    assert_int_equal(run.done.calls, 1);
    assert_int_equal(run.done.status, TC_EUSER);
    assert_int_equal(run.pages, 1);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_alternating_cursors_are_a_cycle),
        cmocka_unit_test(test_endless_cursors_stop_at_the_page_cap),
        cmocka_unit_test(test_shard_listing_has_the_same_guard),
        cmocka_unit_test(test_prefetched_page_failure_comes_after_the_page),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
