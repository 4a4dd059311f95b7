/* The async contract over real sockets: exactly-once completion under faults,
 * cancellation, free with pending work, free from inside a callback, the
 * pollable fd, the dispatch thread, and TLS verification with a test CA. */
#define _GNU_SOURCE /* mkdtemp */
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
#include <unistd.h>

static void test_exactly_once_under_faults(void **state) {
    (void)state;
    tcmock_config mc;
    tcmock *m;
    tc_conduits_options o;
    tc_conduits *c;
    tc_request_options r = fixture_get_conduits();
    enum { N = 300 };
    call_record *recs = calloc(N, sizeof *recs);
    int i, ok = 0, failed = 0;

    tcmock_config_init(&mc);
    mc.fail_rate = 0.3;
    mc.drop_rate = 0.1;
    mc.seed = 7;
    m = fixture_mock(&mc);
    o = fixture_options(m);
    o.max_attempts = 8;
    c = fixture_manager(&o);
    for (i = 0; i < N; i++) assert_int_equal(tc_request(NULL, c, &r, record_response, &recs[i]), TC_OK);
    run_all(c, 60000);
    for (i = 0; i < N; i++) {
        assert_int_equal(recs[i].calls, 1);
        if (recs[i].status == TC_OK) ok++;
        else failed++;
    }
    /* With 8 attempts at a 40% fault rate nearly everything gets through. */
    assert_true(ok >= N - 3);
    assert_int_equal(ok + failed, N);
    assert_true(tc_conduits_stat(c, TC_STAT_RETRIES) > 50);
    assert_int_equal(tc_conduits_stat(c, TC_STAT_OPERATIONS), N);
    free(recs);
    tc_conduits_free(c);
    tcmock_stop(m);
}

static void test_cancel_completes_promptly_with_ecanceled(void **state) {
    (void)state;
    tcmock *m = fixture_mock(NULL);
    tc_conduits_options o = fixture_options(m);
    tc_conduits *c = fixture_manager(&o);
    tc_request_options r = fixture_get_conduits();
    call_record rec;
    tc_op_id id = 0;
    double start;

    fixture_warm_up(c);
    /* The answer would take 10 s: completing well before proves the cancel
     * did not wait for it (bounds are loose for slow sanitizer runs). */
    assert_int_equal(tcmock_control(m, "config", "{\"latency_ms\":10000}"), 0);
    memset(&rec, 0, sizeof rec);
    assert_int_equal(tc_request(&id, c, &r, record_response, &rec), TC_OK);
    assert_true(id != 0);
    assert_int_equal(tc_conduits_pending(c), 1);
    start = now_ms();
    assert_int_equal(tc_conduits_cancel(c, id), TC_OK);
    assert_int_equal(tc_conduits_await(c, id, 8000), TC_OK);
    assert_true(now_ms() - start < 5000);
    assert_int_equal(rec.calls, 1);
    assert_int_equal(rec.status, TC_ECANCELED);
    assert_int_equal(tc_conduits_pending(c), 0);
    /* Cancelling it again: it is no longer pending. */
    assert_int_equal(tc_conduits_cancel(c, id), TC_ENOTFOUND);
    /* A retry that is sleeping in backoff can be cancelled too. */
    assert_int_equal(tcmock_control(m, "config", "{\"latency_ms\":0}"), 0);
    assert_int_equal(tcmock_control(m, "fail_next", "{\"count\":1,\"status\":503}"), 0);
    memset(&rec, 0, sizeof rec);
    tc_conduits_free(c);
    o.backoff_base_ms = 10000;
    o.backoff_max_ms = 10000;
    o.random_seed = 1;
    c = fixture_manager(&o);
    assert_int_equal(tc_request(&id, c, &r, record_response, &rec), TC_OK);
    while (tcmock_stat(m, "faults_5xx") < 1) tc_conduits_wait(c, 10);
    start = now_ms();
    assert_int_equal(tc_conduits_cancel(c, id), TC_OK);
    run_all(c, 8000);
    assert_true(now_ms() - start < 5000);
    assert_int_equal(rec.calls, 1);
    assert_int_equal(rec.status, TC_ECANCELED);
    tc_conduits_free(c);
    tcmock_stop(m);
}

static void test_cancel_all(void **state) {
    (void)state;
    tcmock *m = fixture_mock(NULL);
    tc_conduits_options o = fixture_options(m);
    tc_conduits *c = fixture_manager(&o);
    tc_request_options r = fixture_get_conduits();
    call_record recs[20];
    int i;

    assert_int_equal(tcmock_control(m, "config", "{\"latency_ms\":2000}"), 0);
    memset(recs, 0, sizeof recs);
    for (i = 0; i < 20; i++) assert_int_equal(tc_request(NULL, c, &r, record_response, &recs[i]), TC_OK);
    assert_int_equal(tc_conduits_cancel_all(c), TC_OK);
    run_all(c, 5000);
    for (i = 0; i < 20; i++) {
        assert_int_equal(recs[i].calls, 1);
        assert_int_equal(recs[i].status, TC_ECANCELED);
    }
    tc_conduits_free(c);
    tcmock_stop(m);
}

static void test_free_with_pending_cancels_each_once(void **state) {
    (void)state;
    tcmock *m = fixture_mock(NULL);
    tc_conduits_options o = fixture_options(m);
    tc_conduits *c = fixture_manager(&o);
    tc_request_options r = fixture_get_conduits();
    call_record recs[30];
    tc_token *tok = NULL;
    int i;

    assert_int_equal(tc_token_get_sync(&tok, c, 0), TC_OK);
    tc_token_free(tok);
    assert_int_equal(tcmock_control(m, "config", "{\"latency_ms\":1000}"), 0);
    memset(recs, 0, sizeof recs);
    for (i = 0; i < 30; i++) assert_int_equal(tc_request(NULL, c, &r, record_response, &recs[i]), TC_OK);
    tc_conduits_free(c); /* runs every callback on this thread before returning */
    for (i = 0; i < 30; i++) {
        assert_int_equal(recs[i].calls, 1);
        assert_int_equal(recs[i].status, TC_ECANCELED);
    }
    tcmock_stop(m);
}

/* A callback that frees its manager, then submits (which must fail). */
typedef struct free_ctx {
    tc_conduits *c;
    int calls;
    tc_status status;
    tc_status submit_after_free;
    call_record others[5];
} free_ctx;

static void free_in_callback(tc_status status, const tc_response *r, void *userdata) {
    free_ctx *ctx = (free_ctx *)userdata;
    tc_request_options req = fixture_get_conduits();
    call_record ignored;
    (void)r;
    ctx->calls++;
    ctx->status = status;
    tc_conduits_free(ctx->c); /* deferred until this callback returns */
    memset(&ignored, 0, sizeof ignored);
    ctx->submit_after_free = tc_request(NULL, ctx->c, &req, record_response, &ignored);
}

static void test_free_from_inside_a_callback_is_deferred(void **state) {
    (void)state;
    tcmock *m = fixture_mock(NULL);
    tc_conduits_options o = fixture_options(m);
    free_ctx ctx;
    tc_request_options r = fixture_get_conduits();
    tc_op_id id = 0;
    int i;

    memset(&ctx, 0, sizeof ctx);
    ctx.c = fixture_manager(&o);
    assert_int_equal(tc_request(&id, ctx.c, &r, free_in_callback, &ctx), TC_OK);
    assert_int_equal(tcmock_control(m, "config", "{\"latency_ms\":0}"), 0);
    for (i = 0; i < 5; i++) assert_int_equal(tc_request(NULL, ctx.c, &r, record_response, &ctx.others[i]), TC_OK);
    /* Drive until our callback ran; the manager is gone afterwards, so stop using it. */
    while (ctx.calls == 0) {
        tc_conduits_wait(ctx.c, 100);
        tc_conduits_process(ctx.c, NULL);
    }
    assert_int_equal(ctx.calls, 1);
    assert_int_equal(ctx.status, TC_OK);
    assert_int_equal(ctx.submit_after_free, TC_ECLOSED);
    for (i = 0; i < 5; i++) assert_int_equal(ctx.others[i].calls, 1);
    tcmock_stop(m);
}

/* The fd becomes readable when a completion is ready, and process drains it. */
static void test_pollable_fd(void **state) {
    (void)state;
    tcmock *m = fixture_mock(NULL);
    tc_conduits_options o = fixture_options(m);
    tc_conduits *c = fixture_manager(&o);
    tc_request_options r = fixture_get_conduits();
    call_record rec;
    struct pollfd pfd;
    int ran = 0;

    pfd.fd = tc_conduits_fd(c);
    pfd.events = POLLIN;
    assert_true(pfd.fd >= 0);
    assert_int_equal(poll(&pfd, 1, 0), 0);
    memset(&rec, 0, sizeof rec);
    assert_int_equal(tc_request(NULL, c, &r, record_response, &rec), TC_OK);
    assert_int_equal(poll(&pfd, 1, 5000), 1);
    assert_true(pfd.revents & POLLIN);
    assert_int_equal(rec.calls, 0); /* nothing runs until we process */
    assert_int_equal(tc_conduits_process(c, &ran), TC_OK);
    assert_int_equal(ran, 1);
    assert_int_equal(rec.calls, 1);
    assert_int_equal(poll(&pfd, 1, 0), 0);
    assert_int_equal(tc_conduits_wait(c, 0), TC_ETIMEDOUT);
    tc_conduits_free(c);
    tcmock_stop(m);
}

static void *wake_later(void *arg) {
    tc_conduits_wakeup((tc_conduits *)arg);
    return NULL;
}

static void test_wakeup_from_another_thread(void **state) {
    (void)state;
    tcmock *m = fixture_mock(NULL);
    tc_conduits_options o = fixture_options(m);
    tc_conduits *c = fixture_manager(&o);
    pthread_t t;
    double start = now_ms();

    assert_int_equal(pthread_create(&t, NULL, wake_later, c), 0);
    assert_int_equal(tc_conduits_wait(c, 10000), TC_OK);
    assert_true(now_ms() - start < 5000);
    pthread_join(t, NULL);
    tc_conduits_free(c);
    tcmock_stop(m);
}

/* Dispatch-thread mode: callbacks run on the library's thread. */
typedef struct thread_record {
    pthread_mutex_t mu;
    int calls;
    int on_main;
    pthread_t main_thread;
} thread_record;

static void record_thread(tc_status status, const tc_response *r, void *userdata) {
    thread_record *tr = (thread_record *)userdata;
    (void)r;
    assert_int_equal(status, TC_OK);
    pthread_mutex_lock(&tr->mu);
    tr->calls++;
    if (pthread_equal(pthread_self(), tr->main_thread)) tr->on_main++;
    pthread_mutex_unlock(&tr->mu);
}

static void test_dispatch_thread_mode(void **state) {
    (void)state;
    tcmock *m = fixture_mock(NULL);
    tc_conduits_options o = fixture_options(m);
    tc_conduits *c;
    tc_request_options r = fixture_get_conduits();
    thread_record tr;
    tc_response *resp = NULL;
    tc_op_id id = 0;
    int i;

    o.flags = TC_CONDUITS_F_DISPATCH_THREAD;
    c = fixture_manager(&o);
    memset(&tr, 0, sizeof tr);
    pthread_mutex_init(&tr.mu, NULL);
    tr.main_thread = pthread_self();
    for (i = 0; i < 10; i++) assert_int_equal(tc_request(&id, c, &r, record_thread, &tr), TC_OK);
    assert_int_equal(tc_conduits_process(c, NULL), TC_EBUSY);
    assert_int_equal(tc_conduits_wait(c, 0), TC_EBUSY);
    assert_int_equal(tc_conduits_await(c, id, 5000), TC_OK);
    assert_int_equal(tc_conduits_run(c, 5000), TC_OK);
    pthread_mutex_lock(&tr.mu);
    assert_int_equal(tr.calls, 10);
    assert_int_equal(tr.on_main, 0);
    pthread_mutex_unlock(&tr.mu);
    /* Blocking calls work from the user's thread in this mode too. */
    assert_int_equal(tc_request_sync(&resp, c, &r), TC_OK);
    tc_response_free(resp);
    tc_conduits_free(c);
    pthread_mutex_destroy(&tr.mu);
    tcmock_stop(m);
}

/* TLS: the mock serves HTTPS with a CA made for this test. */
static void test_tls_verification_with_test_ca(void **state) {
    (void)state;
    char dir[] = "/tmp/tc-test-ca-XXXXXX";
    char err[256], ca[300], cert[300], key[300];
    tcmock_config mc;
    tcmock *m;
    tc_conduits_options o;
    tc_conduits *c;
    tc_request_options r = fixture_get_conduits();
    tc_response *resp = NULL;

    assert_non_null(mkdtemp(dir));
    assert_int_equal(tcmock_make_test_ca(dir, err, sizeof err), 0);
    snprintf(ca, sizeof ca, "%s/ca.pem", dir);
    snprintf(cert, sizeof cert, "%s/server.pem", dir);
    snprintf(key, sizeof key, "%s/server.key", dir);
    tcmock_config_init(&mc);
    mc.tls_cert_file = cert;
    mc.tls_key_file = key;
    m = fixture_mock(&mc);
    assert_int_equal(strncmp(tcmock_helix_base(m), "https://", 8), 0);

    o = fixture_options(m);
    o.ca_file = ca;
    c = fixture_manager(&o);
    assert_int_equal(tc_request_sync(&resp, c, &r), TC_OK);
    assert_int_equal(tc_response_http_status(resp), 200);
    tc_response_free(resp);
    tc_conduits_free(c);

    /* Without the test CA the system store does not trust it: a TLS error, no retry storm. */
    o.ca_file = NULL;
    c = fixture_manager(&o);
    assert_int_equal(tc_request_sync(&resp, c, &r), TC_ETLS);
    /* The token request failed first, so this request was never sent. */
    assert_int_equal(tc_response_attempts(resp), 0);
    assert_non_null(strstr(tc_response_message(resp), "app token request failed"));
    assert_int_equal(tc_conduits_stat(c, TC_STAT_HTTP_REQUESTS), 1);
    tc_response_free(resp);
    tc_conduits_free(c);
    tcmock_stop(m);

    unlink(ca);
    unlink(cert);
    unlink(key);
    rmdir(dir);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_exactly_once_under_faults),
        cmocka_unit_test(test_cancel_completes_promptly_with_ecanceled),
        cmocka_unit_test(test_cancel_all),
        cmocka_unit_test(test_free_with_pending_cancels_each_once),
        cmocka_unit_test(test_free_from_inside_a_callback_is_deferred),
        cmocka_unit_test(test_pollable_fd),
        cmocka_unit_test(test_wakeup_from_another_thread),
        cmocka_unit_test(test_dispatch_thread_mode),
        cmocka_unit_test(test_tls_verification_with_test_ca),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
