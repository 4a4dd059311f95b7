/* The pull form of completion (completion.h) against the mock: operations
 * submitted without a callback come out of tc_conduits_next() with their
 * kind, status, userdata and result; listings page by page, each further
 * page fetched only once the previous one was freed; cancel, teardown and
 * bad arguments. */
#include "fixture.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stdint.h>
#include <cmocka.h>

#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define UD(n) ((void *)(uintptr_t)(n))

/* Takes the next completion or fails the test. */
static tc_completion *next_or_fail(tc_conduits *c, int timeout_ms) {
    tc_completion *done = NULL;
    tc_status st = tc_conduits_next(c, &done, timeout_ms);
    if (st != TC_OK) fail_msg("tc_conduits_next: %s: %s", tc_strerror(st), tc_last_error_message());
    assert_non_null(done);
    return done;
}

static void make_conduit_pulled(tc_conduits *c, char *id_out) {
    tc_op_id op = 0;
    tc_completion *done;
    assert_int_equal(tc_conduit_create(&op, c, 2, NULL, UD(7)), TC_OK);
    assert_true(op != 0);
    done = next_or_fail(c, 10000);
    assert_int_equal(tc_completion_kind_get(done), TC_COMPLETION_CONDUIT);
    assert_int_equal(tc_completion_status(done), TC_OK);
    assert_int_equal(tc_completion_op(done), op);
    assert_ptr_equal(tc_completion_userdata(done), UD(7));
    assert_int_equal(tc_completion_is_final(done), 1);
    assert_string_equal(tc_completion_message(done), "");
    assert_int_equal(tc_conduit_shard_count(tc_completion_conduit(done)), 2);
    /* Every other accessor gives nothing for this kind. */
    assert_null(tc_completion_response(done));
    assert_null(tc_completion_batch(done));
    assert_null(tc_completion_page(done));
    assert_null(tc_completion_event(done));
    assert_int_equal(tc_completion_view_change(done), -1);
    assert_int_equal(tc_completion_progress(done, NULL, NULL), TC_EINVAL);
    snprintf(id_out, 80, "%s", tc_conduit_id(tc_completion_conduit(done)));
    tc_completion_free(done);
    assert_int_equal(tc_conduits_pending(c), 0);
}

static void test_operation_pulled(void **state) {
    tcmock *m = fixture_mock(NULL);
    tc_conduits_options o = fixture_options(m);
    tc_conduits *c = fixture_manager(&o);
    char conduit[80];
    tc_op_id op = 0;
    tc_completion *done;
    (void)state;
    make_conduit_pulled(c, conduit);

    /* A failure keeps its kind, status, HTTP status and message; a
     * response-kind completion always has its response. */
    assert_int_equal(tc_conduit_delete(&op, c, "no-such-conduit", NULL, UD(8)), TC_OK);
    done = next_or_fail(c, 10000);
    assert_int_equal(tc_completion_kind_get(done), TC_COMPLETION_RESPONSE);
    assert_int_equal(tc_completion_status(done), TC_ENOTFOUND);
    assert_int_equal(tc_completion_http_status(done), 404);
    assert_true(tc_completion_message(done)[0] != '\0');
    assert_non_null(tc_completion_response(done));
    assert_int_equal(tc_response_http_status(tc_completion_response(done)), 404);
    tc_completion_free(done);

    /* Nothing else is waiting: next times out. */
    assert_int_equal(tc_conduits_ready(c), 0);
    done = (tc_completion *)&op;
    assert_int_equal(tc_conduits_next(c, &done, 0), TC_ETIMEDOUT);
    assert_null(done);
    tc_conduits_free(c);
    tcmock_stop(m);
}

static int callbacks_run;
static void on_conduits(tc_status st, const tc_conduit_list *l, void *ud) {
    (void)st;
    (void)l;
    (void)ud;
    callbacks_run++;
}

static void test_both_forms_share_the_queue(void **state) {
    tcmock *m = fixture_mock(NULL);
    tc_conduits_options o = fixture_options(m);
    tc_conduits *c = fixture_manager(&o);
    tc_op_id cb_op = 0, pull_op = 0;
    tc_completion *done;
    struct pollfd pfd;
    (void)state;
    callbacks_run = 0;
    assert_int_equal(tc_conduits_list(&cb_op, c, on_conduits, NULL), TC_OK);
    assert_int_equal(tc_conduits_list(&pull_op, c, NULL, UD(1)), TC_OK);
    /* The pull form's completion does not run the callback, and the fd is
     * readable while it waits. */
    assert_int_equal(tc_conduits_await(c, pull_op, 10000), TC_OK);
    pfd.fd = tc_conduits_fd(c);
    pfd.events = POLLIN;
    assert_int_equal(poll(&pfd, 1, 10000), 1);
    done = next_or_fail(c, 10000);
    assert_int_equal(tc_completion_op(done), pull_op);
    assert_int_equal(tc_completion_kind_get(done), TC_COMPLETION_CONDUIT_LIST);
    assert_non_null(tc_completion_conduit_list(done));
    tc_completion_free(done);
    assert_int_equal(tc_conduits_await(c, cb_op, 10000), TC_OK);
    assert_int_equal(callbacks_run, 1);
    assert_int_equal(tc_conduits_ready(c), 0);
    tc_conduits_free(c);
    tcmock_stop(m);
}

static void test_batch_progress_and_listing_pages(void **state) {
    enum { N = 25 };
    tcmock_config mc;
    tcmock *m;
    tc_conduits_options o;
    tc_conduits *c;
    char conduit[80], conds[N][64];
    tc_subscription_spec specs[N];
    tc_batch_options bo = TC_BATCH_OPTIONS_INIT;
    tc_subscription_filter f = TC_SUBSCRIPTION_FILTER_INIT;
    tc_op_id op = 0;
    tc_completion *done;
    size_t progress = 0, last_done = 0, pages = 0, items = 0, i;
    (void)state;
    tcmock_config_init(&mc);
    mc.page_size = 7;
    m = fixture_mock(&mc);
    o = fixture_options(m);
    c = fixture_manager(&o);
    make_conduit_pulled(c, conduit);
    for (i = 0; i < N; i++) {
        snprintf(conds[i], sizeof conds[i], "{\"broadcaster_user_id\":\"%d\"}", 700 + (int)i);
        specs[i].type = "stream.online";
        specs[i].version = "1";
        specs[i].condition_json = conds[i];
    }
    bo.progress_every = 5;
    assert_int_equal(tc_subscriptions_create(&op, c, conduit, specs, N, &bo, NULL, UD(3)), TC_OK);
    for (;;) {
        done = next_or_fail(c, 30000);
        assert_int_equal(tc_completion_op(done), op);
        assert_ptr_equal(tc_completion_userdata(done), UD(3));
        if (tc_completion_kind_get(done) == TC_COMPLETION_PROGRESS) {
            size_t d = 0, t = 0;
            assert_int_equal(tc_completion_is_final(done), 0);
            assert_int_equal(tc_completion_progress(done, &d, &t), TC_OK);
            assert_int_equal(t, N);
            assert_true(d > last_done);
            last_done = d;
            progress++;
            tc_completion_free(done);
            continue;
        }
        assert_int_equal(tc_completion_kind_get(done), TC_COMPLETION_BATCH);
        assert_int_equal(tc_completion_status(done), TC_OK);
        assert_int_equal(tc_subscription_batch_tally(tc_completion_batch(done), TC_ITEM_CREATED), N);
        tc_completion_free(done);
        break;
    }
    assert_int_equal(progress, N / 5);
    assert_int_equal(last_done, N);

    /* Without progress_every the pull form reports no progress: the batch
     * (all 25 adopted now) is the only completion. */
    bo.progress_every = 0;
    assert_int_equal(tc_subscriptions_create(&op, c, conduit, specs, N, &bo, NULL, UD(12)), TC_OK);
    done = next_or_fail(c, 30000);
    assert_int_equal(tc_completion_kind_get(done), TC_COMPLETION_BATCH);
    assert_int_equal(tc_subscription_batch_tally(tc_completion_batch(done), TC_ITEM_EXISTED), N);
    tc_completion_free(done);
    assert_int_equal(tc_conduits_ready(c), 0);

    /* 25 subscriptions, 7 per page: 4 pages, then the end. While a page is
     * held, nothing more arrives (one page is prefetched, not handed over). */
    f.conduit_id = conduit;
    assert_int_equal(tc_subscriptions_list(&op, c, &f, NULL, NULL, UD(4)), TC_OK);
    for (;;) {
        done = next_or_fail(c, 10000);
        assert_int_equal(tc_completion_op(done), op);
        if (tc_completion_kind_get(done) != TC_COMPLETION_PAGE) break;
        assert_int_equal(tc_completion_is_final(done), 0);
        pages++;
        items += tc_subscription_list_count(tc_completion_page(done));
        if (pages == 1) {
            tc_completion *more = NULL;
            assert_int_equal(tc_conduits_next(c, &more, 300), TC_ETIMEDOUT);
        }
        tc_completion_free(done);
    }
    assert_int_equal(tc_completion_kind_get(done), TC_COMPLETION_DONE);
    assert_int_equal(tc_completion_status(done), TC_OK);
    assert_int_equal(tc_completion_is_final(done), 1);
    tc_completion_free(done);
    assert_int_equal(pages, 4);
    assert_int_equal(items, N);
    tc_conduits_free(c);
    tcmock_stop(m);
}

static void test_cancel_and_teardown(void **state) {
    tcmock *m = fixture_mock(NULL);
    tc_conduits_options o = fixture_options(m);
    tc_conduits *c = fixture_manager(&o);
    tc_subscription_filter f = TC_SUBSCRIPTION_FILTER_INIT;
    tc_op_id op = 0, list_op = 0;
    tc_completion *done, *page;
    char conduit[80];
    (void)state;
    make_conduit_pulled(c, conduit);
    /* Cancelled at once: the final completion is TC_ECANCELED, same kind
     * and userdata, no result. */
    assert_int_equal(tcmock_control(m, "config", "{\"latency_ms\":2000}"), 0);
    assert_int_equal(tc_conduit_create(&op, c, 1, NULL, UD(9)), TC_OK);
    assert_int_equal(tc_conduits_cancel(c, op), TC_OK);
    done = next_or_fail(c, 10000);
    assert_int_equal(tc_completion_op(done), op);
    assert_int_equal(tc_completion_status(done), TC_ECANCELED);
    assert_int_equal(tc_completion_kind_get(done), TC_COMPLETION_CONDUIT);
    assert_ptr_equal(tc_completion_userdata(done), UD(9));
    assert_null(tc_completion_conduit(done));
    tc_completion_free(done);
    assert_int_equal(tc_conduits_cancel(c, op), TC_ENOTFOUND);
    assert_int_equal(tcmock_control(m, "config", "{\"latency_ms\":0}"), 0);

    /* A page taken and kept, and completions never taken: the manager is
     * freed first; the page stays readable and is freed afterwards. */
    assert_int_equal(tc_subscriptions_list(&list_op, c, &f, NULL, NULL, NULL), TC_OK);
    page = next_or_fail(c, 10000);
    assert_int_equal(tc_completion_kind_get(page), TC_COMPLETION_PAGE);
    assert_int_equal(tc_conduits_list(NULL, c, NULL, NULL), TC_OK);
    assert_int_equal(tc_conduit_create(NULL, c, 1, NULL, NULL), TC_OK);
    tc_conduits_free(c);
    assert_true(tc_subscription_list_count(tc_completion_page(page)) == 0);
    tc_completion_free(page);
    tcmock_stop(m);
}

typedef struct waker {
    tc_conduits *c;
} waker;

static void *wake_later(void *arg) {
    waker *w = (waker *)arg;
    struct timespec ts = {0, 100 * 1000 * 1000};
    nanosleep(&ts, NULL);
    tc_conduits_wakeup(w->c);
    return NULL;
}

static void test_wakeup_and_bad_arguments(void **state) {
    tcmock *m = fixture_mock(NULL);
    tc_conduits_options o = fixture_options(m);
    tc_conduits *c = fixture_manager(&o);
    tc_completion *done = NULL;
    pthread_t t;
    waker w = {c};
    (void)state;
    /* A blocked next (no limit) returns when woken, with nothing. */
    assert_int_equal(pthread_create(&t, NULL, wake_later, &w), 0);
    assert_int_equal(tc_conduits_next(c, &done, -1), TC_ETIMEDOUT);
    assert_null(done);
    pthread_join(t, NULL);

    assert_int_equal(tc_conduits_next(NULL, &done, 0), TC_EINVAL);
    assert_non_null(strstr(tc_last_error_message(), "c"));
    assert_int_equal(tc_conduits_next(c, NULL, 0), TC_EINVAL);
    assert_non_null(strstr(tc_last_error_message(), "out"));
    assert_int_equal(tc_conduits_next(c, &done, -2), TC_EINVAL);
    assert_non_null(strstr(tc_last_error_message(), "timeout_ms"));
    assert_int_equal(tc_conduits_next((tc_conduits *)&w, &done, 0), TC_EINVAL);
    assert_int_equal(tc_conduits_ready(NULL), 0);
    assert_int_equal(tc_view_pull_changes(NULL, 1, NULL), TC_EINVAL);

    /* Accessors on NULL or a wrong handle. */
    tc_completion_free(NULL);
    tc_completion_free((tc_completion *)&w);
    assert_int_equal(tc_completion_op(NULL), 0);
    assert_int_equal(tc_completion_status(NULL), TC_EINVAL);
    assert_int_equal(tc_completion_status((const tc_completion *)&w), TC_EINVAL);
    assert_int_equal(tc_completion_http_status(NULL), 0);
    assert_string_equal(tc_completion_message(NULL), "");
    assert_null(tc_completion_userdata(NULL));
    assert_int_equal(tc_completion_is_final(NULL), 0);
    assert_null(tc_completion_conduit(NULL));
    assert_null(tc_completion_token(NULL));
    assert_null(tc_completion_user(NULL));
    assert_null(tc_completion_shard(NULL));
    assert_null(tc_completion_shard_list(NULL));
    assert_null(tc_completion_shard_update(NULL));
    assert_string_equal(tc_completion_source(NULL), "");
    assert_string_equal(tc_completion_view_id(NULL), "");
    assert_int_equal(tc_completion_progress(NULL, NULL, NULL), TC_EINVAL);

    assert_string_equal(tc_completion_kind_name(TC_COMPLETION_DONE), "done");
    assert_string_equal(tc_completion_kind_name(TC_COMPLETION_SHARD_UPDATE), "shard_update");
    assert_string_equal(tc_completion_kind_name(TC_COMPLETION_VIEW_CHANGE), "view_change");
    assert_null(tc_completion_kind_name((tc_completion_kind)15));
    assert_null(tc_completion_kind_name((tc_completion_kind)-1));
    tc_conduits_free(c);
    tcmock_stop(m);
}

static void test_view_changes_and_token_pulled(void **state) {
    tcmock *m = fixture_mock(NULL);
    tc_conduits_options o = fixture_options(m);
    tc_conduits *c = fixture_manager(&o);
    tc_op_id op = 0;
    tc_completion *done;
    char conduit[80];
    int saw_synced = 0, saw_added = 0, saw_sync_done = 0;
    (void)state;
    assert_int_equal(tc_token_get(&op, c, 0, NULL, UD(5)), TC_OK);
    done = next_or_fail(c, 10000);
    assert_int_equal(tc_completion_kind_get(done), TC_COMPLETION_TOKEN);
    assert_true(tc_token_access_token(tc_completion_token(done))[0] != '\0');
    tc_completion_free(done);

    assert_int_equal(tc_view_pull_changes(c, 1, UD(6)), TC_OK);
    assert_int_equal(tc_conduits_sync(&op, c, NULL, UD(10)), TC_OK);
    while (!saw_sync_done || !saw_synced) {
        done = next_or_fail(c, 10000);
        if (tc_completion_kind_get(done) == TC_COMPLETION_VIEW_CHANGE) {
            assert_int_equal(tc_completion_op(done), 0);
            assert_ptr_equal(tc_completion_userdata(done), UD(6));
            saw_synced += tc_completion_view_change(done) == TC_VIEW_SYNCED;
        } else {
            assert_int_equal(tc_completion_kind_get(done), TC_COMPLETION_DONE);
            assert_int_equal(tc_completion_op(done), op);
            assert_int_equal(tc_completion_status(done), TC_OK);
            saw_sync_done = 1;
        }
        tc_completion_free(done);
    }
    assert_int_equal(tc_conduit_create(&op, c, 1, NULL, UD(11)), TC_OK);
    while (!saw_added) {
        done = next_or_fail(c, 10000);
        if (tc_completion_kind_get(done) == TC_COMPLETION_VIEW_CHANGE &&
            tc_completion_view_change(done) == TC_VIEW_CONDUIT_ADDED) {
            snprintf(conduit, sizeof conduit, "%s", tc_completion_view_id(done));
            saw_added = 1;
        }
        tc_completion_free(done);
    }
    assert_true(conduit[0] != '\0');
    /* Turned off: no more changes are queued. */
    assert_int_equal(tc_view_pull_changes(c, 0, NULL), TC_OK);
    assert_int_equal(tc_conduit_delete(&op, c, conduit, NULL, NULL), TC_OK);
    done = next_or_fail(c, 10000);
    while (tc_completion_kind_get(done) == TC_COMPLETION_CONDUIT) {  /* the create, if not yet taken */
        tc_completion_free(done);
        done = next_or_fail(c, 10000);
    }
    assert_int_equal(tc_completion_kind_get(done), TC_COMPLETION_RESPONSE);
    assert_int_equal(tc_completion_status(done), TC_OK);
    tc_completion_free(done);
    assert_int_equal(tc_conduits_ready(c), 0);
    tc_conduits_free(c);
    tcmock_stop(m);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_operation_pulled),
        cmocka_unit_test(test_both_forms_share_the_queue),
        cmocka_unit_test(test_batch_progress_and_listing_pages),
        cmocka_unit_test(test_cancel_and_teardown),
        cmocka_unit_test(test_wakeup_and_bad_arguments),
        cmocka_unit_test(test_view_changes_and_token_pulled),
    };
    return cmocka_run_group_tests_name("pull", tests, NULL, NULL);
}
