/* tc_request against the mock over loopback: success, retries with backoff,
 * POST safety, 429 handling, pacing, timeouts, size limits, HTTP errors. */
#include "fixture.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <string.h>

static void test_get_succeeds_with_ratelimit_headers(void **state) {
    (void)state;
    tcmock *m = fixture_mock(NULL);
    tc_conduits_options o = fixture_options(m);
    tc_conduits *c = fixture_manager(&o);
    tc_request_options r = fixture_get_conduits();
    tc_response *resp = NULL;

    assert_int_equal(tc_request_sync(&resp, c, &r), TC_OK);
    assert_non_null(resp);
    assert_int_equal(tc_response_http_status(resp), 200);
    assert_int_equal(tc_response_attempts(resp), 1);
    assert_string_equal(tc_response_body(resp, NULL), "{\"data\":[]}");
    assert_non_null(tc_response_header(resp, "ratelimit-limit"));
    assert_non_null(tc_response_header(resp, "Ratelimit-Remaining"));
    assert_null(tc_response_header(resp, "X-Not-There"));
    assert_string_equal(tc_response_message(resp), "");
    tc_response_free(resp);
    assert_int_equal(tcmock_stat(m, "token_requests"), 1);
    assert_int_equal(tc_conduits_stat(c, TC_STAT_TOKEN_FETCHES), 1);
    assert_int_equal(tc_conduits_stat(c, TC_STAT_HTTP_REQUESTS), 2);
    tc_conduits_free(c);
    tcmock_stop(m);
}

static void test_post_body_and_query_reach_the_server(void **state) {
    (void)state;
    tcmock *m = fixture_mock(NULL);
    tc_conduits_options o = fixture_options(m);
    tc_conduits *c = fixture_manager(&o);
    tc_request_options r = TC_REQUEST_OPTIONS_INIT;
    tc_response *resp = NULL;
    char id[64] = {0};
    char body[128];
    const char *p;

    r.method = TC_POST;
    r.path = "/eventsub/conduits";
    r.body = "{\"shard_count\":3}";
    assert_int_equal(tc_request_sync(&resp, c, &r), TC_OK);
    assert_int_equal(tc_response_http_status(resp), 200);
    p = strstr(tc_response_body(resp, NULL), "\"id\":\"");
    assert_non_null(p);
    sscanf(p + 6, "%63[^\"]", id);
    tc_response_free(resp);

    /* PATCH with a body, then DELETE with a query parameter that needs no encoding help. */
    snprintf(body, sizeof body, "{\"id\":\"%s\",\"shard_count\":7}", id);
    r.method = TC_PATCH;
    r.body = body;
    assert_int_equal(tc_request_sync(&resp, c, &r), TC_OK);
    assert_non_null(strstr(tc_response_body(resp, NULL), "\"shard_count\":7"));
    tc_response_free(resp);

    {
        tc_param q = {"id", id};
        tc_request_options del = TC_REQUEST_OPTIONS_INIT;
        del.method = TC_DELETE;
        del.path = "/eventsub/conduits";
        del.query = &q;
        del.query_count = 1;
        assert_int_equal(tc_request_sync(&resp, c, &del), TC_OK);
        assert_int_equal(tc_response_http_status(resp), 204);
        tc_response_free(resp);
        /* Deleting it again: 404 with Twitch's message. */
        assert_int_equal(tc_request_sync(&resp, c, &del), TC_ENOTFOUND);
        assert_int_equal(tc_response_http_status(resp), 404);
        assert_string_equal(tc_response_message(resp), "not found");
        assert_string_equal(tc_last_error_message(), "not found");
        assert_int_equal(tc_response_attempts(resp), 1);
        tc_response_free(resp);
    }
    tc_conduits_free(c);
    tcmock_stop(m);
}

static void test_5xx_is_retried_until_success(void **state) {
    (void)state;
    tcmock *m = fixture_mock(NULL);
    tc_conduits_options o = fixture_options(m);
    tc_conduits *c = fixture_manager(&o);
    tc_request_options r = fixture_get_conduits();
    tc_response *resp = NULL;

    fixture_warm_up(c);
    assert_int_equal(tcmock_control(m, "fail_next", "{\"count\":3,\"status\":503}"), 0);
    assert_int_equal(tc_request_sync(&resp, c, &r), TC_OK);
    assert_int_equal(tc_response_attempts(resp), 4);
    assert_int_equal(tc_response_http_status(resp), 200);
    tc_response_free(resp);
    assert_int_equal(tc_conduits_stat(c, TC_STAT_RETRIES), 3);
    tc_conduits_free(c);
    tcmock_stop(m);
}

static void test_5xx_gives_up_after_max_attempts(void **state) {
    (void)state;
    tcmock *m = fixture_mock(NULL);
    tc_conduits_options o = fixture_options(m);
    tc_conduits *c;
    tc_request_options r = fixture_get_conduits();
    tc_response *resp = NULL;

    o.max_attempts = 2;
    c = fixture_manager(&o);
    fixture_warm_up(c);
    assert_int_equal(tcmock_control(m, "fail_next", "{\"count\":5,\"status\":500}"), 0);
    assert_int_equal(tc_request_sync(&resp, c, &r), TC_ESERVER);
    assert_int_equal(tc_response_attempts(resp), 2);
    assert_int_equal(tc_response_http_status(resp), 500);
    assert_string_equal(tc_response_message(resp), "Internal Server Error");
    tc_response_free(resp);
    /* A per-request override wins over the manager's default. */
    r.max_attempts = 4;
    assert_int_equal(tc_request_sync(&resp, c, &r), TC_OK);
    assert_int_equal(tc_response_attempts(resp), 4);
    tc_response_free(resp);
    tc_conduits_free(c);
    tcmock_stop(m);
}

static void test_post_is_retried_only_when_marked_safe(void **state) {
    (void)state;
    tcmock *m = fixture_mock(NULL);
    tc_conduits_options o = fixture_options(m);
    tc_conduits *c = fixture_manager(&o);
    tc_request_options r = TC_REQUEST_OPTIONS_INIT;
    tc_response *resp = NULL;

    r.method = TC_POST;
    r.path = "/eventsub/conduits";
    r.body = "{\"shard_count\":1}";
    assert_int_equal(tc_request_sync(&resp, c, &r), TC_OK);
    tc_response_free(resp);

    assert_int_equal(tcmock_control(m, "fail_next", "{\"count\":1,\"status\":503}"), 0);
    assert_int_equal(tc_request_sync(&resp, c, &r), TC_ESERVER);
    assert_int_equal(tc_response_attempts(resp), 1);
    tc_response_free(resp);

    assert_int_equal(tcmock_control(m, "drop_next", "{\"count\":1}"), 0);
    assert_int_equal(tc_request_sync(&resp, c, &r), TC_ENETWORK);
    assert_int_equal(tc_response_attempts(resp), 1);
    tc_response_free(resp);

    r.flags = TC_REQUEST_F_IDEMPOTENT;
    assert_int_equal(tcmock_control(m, "fail_next", "{\"count\":1,\"status\":503}"), 0);
    assert_int_equal(tc_request_sync(&resp, c, &r), TC_OK);
    assert_int_equal(tc_response_attempts(resp), 2);
    tc_response_free(resp);
    tc_conduits_free(c);
    tcmock_stop(m);
}

static void test_dropped_connection_is_retried_for_get(void **state) {
    (void)state;
    tcmock *m = fixture_mock(NULL);
    tc_conduits_options o = fixture_options(m);
    tc_conduits *c = fixture_manager(&o);
    tc_request_options r = fixture_get_conduits();
    tc_response *resp = NULL;

    fixture_warm_up(c);
    assert_int_equal(tcmock_control(m, "drop_next", "{\"count\":2}"), 0);
    assert_int_equal(tc_request_sync(&resp, c, &r), TC_OK);
    /* libcurl itself re-sends once when a reused connection dies before any
     * byte of the answer; that resend is not one of our attempts. */
    assert_in_range(tc_response_attempts(resp), 2, 3);
    tc_response_free(resp);
    assert_int_equal(tcmock_stat(m, "drops"), 2);
    tc_conduits_free(c);
    tcmock_stop(m);
}

static void test_bucket_429_waits_until_reset(void **state) {
    (void)state;
    tcmock *m = fixture_mock(NULL);
    tc_conduits_options o = fixture_options(m);
    tc_conduits *c = fixture_manager(&o);
    tc_request_options r = fixture_get_conduits();
    tc_response *resp = NULL;
    double start;

    fixture_warm_up(c);
    assert_int_equal(tcmock_control(m, "fail_next",
                                    "{\"count\":1,\"status\":429,\"ratelimit_reset_in_s\":1,\"ratelimit_remaining\":0}"),
                     0);
    start = now_ms();
    assert_int_equal(tc_request_sync(&resp, c, &r), TC_OK);
    assert_int_equal(tc_response_attempts(resp), 2);
    /* The mock's reset is ceil(now + 1) epoch seconds: at least ~1 s away. */
    assert_true(now_ms() - start >= 900.0);
    tc_response_free(resp);
    assert_int_equal(tc_conduits_stat(c, TC_STAT_RATE_LIMITED), 1);
    tc_conduits_free(c);
    tcmock_stop(m);
}

static void test_429_longer_than_max_wait_fails(void **state) {
    (void)state;
    tcmock *m = fixture_mock(NULL);
    tc_conduits_options o = fixture_options(m);
    tc_conduits *c;
    tc_request_options r = fixture_get_conduits();
    tc_response *resp = NULL;
    double start;

    o.ratelimit_max_wait_ms = 500;
    c = fixture_manager(&o);
    fixture_warm_up(c);
    assert_int_equal(tcmock_control(m, "fail_next",
                                    "{\"count\":1,\"status\":429,\"ratelimit_reset_in_s\":30,\"ratelimit_remaining\":0}"),
                     0);
    start = now_ms();
    assert_int_equal(tc_request_sync(&resp, c, &r), TC_ERATELIMIT);
    assert_true(now_ms() - start < 5000);
    assert_int_equal(tc_response_attempts(resp), 1);
    assert_int_equal(tc_response_http_status(resp), 429);
    tc_response_free(resp);
    tc_conduits_free(c);
    tcmock_stop(m);
}

static void test_twitch_limit_429_is_not_retried(void **state) {
    (void)state;
    tcmock *m = fixture_mock(NULL);
    tc_conduits_options o = fixture_options(m);
    tc_conduits *c = fixture_manager(&o);
    tc_request_options r = TC_REQUEST_OPTIONS_INIT;
    tc_response *resp = NULL;
    int i;

    r.method = TC_POST;
    r.path = "/eventsub/conduits";
    r.body = "{\"shard_count\":1}";
    for (i = 0; i < 5; i++) {
        assert_int_equal(tc_request_sync(&resp, c, &r), TC_OK);
        tc_response_free(resp);
    }
    assert_int_equal(tc_request_sync(&resp, c, &r), TC_ERATELIMIT);
    assert_int_equal(tc_response_attempts(resp), 1);
    assert_string_equal(tc_response_message(resp), "Conduit limit reached");
    tc_response_free(resp);
    tc_conduits_free(c);
    tcmock_stop(m);
}

static void test_bad_request_maps_to_ebadrequest(void **state) {
    (void)state;
    tcmock *m = fixture_mock(NULL);
    tc_conduits_options o = fixture_options(m);
    tc_conduits *c = fixture_manager(&o);
    tc_request_options r = TC_REQUEST_OPTIONS_INIT;
    tc_response *resp = NULL;

    r.method = TC_POST;
    r.path = "/eventsub/conduits";
    r.body = "{\"shard_count\":0}";
    assert_int_equal(tc_request_sync(&resp, c, &r), TC_EBADREQUEST);
    assert_int_equal(tc_response_http_status(resp), 400);
    assert_true(strlen(tc_response_message(resp)) > 0);
    tc_response_free(resp);
    r.body = "{not json";
    assert_int_equal(tc_request_sync(&resp, c, &r), TC_EBADREQUEST);
    tc_response_free(resp);
    tc_conduits_free(c);
    tcmock_stop(m);
}

static void test_timeout_is_retried_then_reported(void **state) {
    (void)state;
    tcmock_config mc;
    tcmock *m;
    tc_conduits_options o;
    tc_conduits *c;
    tc_request_options r = fixture_get_conduits();
    call_record rec;
    tc_response *resp = NULL;

    tcmock_config_init(&mc);
    m = fixture_mock(&mc);
    o = fixture_options(m);
    o.max_attempts = 2;
    c = fixture_manager(&o);
    assert_int_equal(tc_request_sync(&resp, c, &r), TC_OK); /* token first, without latency */
    tc_response_free(resp);
    assert_int_equal(tcmock_control(m, "config", "{\"latency_ms\":400}"), 0);
    memset(&rec, 0, sizeof rec);
    r.timeout_ms = 100;
    assert_int_equal(tc_request(NULL, c, &r, record_response, &rec), TC_OK);
    run_all(c, 5000);
    assert_int_equal(rec.calls, 1);
    assert_int_equal(rec.status, TC_ETIMEDOUT);
    assert_int_equal(rec.attempts, 2);
    assert_int_equal(rec.http_status, 0);
    tc_conduits_free(c);
    tcmock_stop(m);
}

static void test_oversized_response_fails_cleanly(void **state) {
    (void)state;
    tcmock *m = fixture_mock(NULL);
    tc_conduits_options o = fixture_options(m);
    tc_conduits *c;
    tc_request_options r = TC_REQUEST_OPTIONS_INIT;
    tc_response *resp = NULL;
    int i;

    o.max_response_bytes = 150; /* room for the token answer, not for five conduits */
    c = fixture_manager(&o);
    r.method = TC_POST;
    r.path = "/eventsub/conduits";
    r.body = "{\"shard_count\":1}";
    for (i = 0; i < 5; i++) {
        assert_int_equal(tc_request_sync(&resp, c, &r), TC_OK);
        tc_response_free(resp);
    }
    r = fixture_get_conduits();
    assert_int_equal(tc_request_sync(&resp, c, &r), TC_ETOOLARGE);
    assert_int_equal(tc_response_attempts(resp), 1);
    assert_int_equal(tc_response_http_status(resp), 0);
    tc_response_free(resp);
    tc_conduits_free(c);
    tcmock_stop(m);
}

static void test_connection_refused_is_a_network_error(void **state) {
    (void)state;
    tc_conduits_options o = TC_CONDUITS_OPTIONS_INIT;
    tc_conduits *c;
    tc_request_options r = fixture_get_conduits();
    tc_response *resp = NULL;

    o.client_id = "id";
    o.client_secret = "secret-value";
    o.api_base_url = "http://127.0.0.1:9/helix";
    o.auth_base_url = "http://127.0.0.1:9/oauth2";
    o.max_attempts = 3;
    o.backoff_base_ms = 1;
    o.backoff_max_ms = 5;
    c = fixture_manager(&o);
    /* The token request fails first: the request reports that failure. */
    assert_int_equal(tc_request_sync(&resp, c, &r), TC_ENETWORK);
    assert_non_null(strstr(tc_response_message(resp), "app token request failed"));
    tc_response_free(resp);
    assert_int_equal(tc_conduits_stat(c, TC_STAT_HTTP_REQUESTS), 3);
    tc_conduits_free(c);
}

static void test_pacing_avoids_429s(void **state) {
    (void)state;
    tcmock_config mc;
    tcmock *m;
    tc_conduits_options o;
    tc_conduits *c;
    tc_request_options r = fixture_get_conduits();
    call_record recs[40];
    int i;

    tcmock_config_init(&mc);
    mc.ratelimit_limit = 20;
    mc.ratelimit_window_s = 1.0;
    m = fixture_mock(&mc);
    o = fixture_options(m);
    o.max_concurrency = 8;
    c = fixture_manager(&o);
    memset(recs, 0, sizeof recs);
    for (i = 0; i < 40; i++) assert_int_equal(tc_request(NULL, c, &r, record_response, &recs[i]), TC_OK);
    run_all(c, 20000);
    for (i = 0; i < 40; i++) {
        assert_int_equal(recs[i].calls, 1);
        assert_int_equal(recs[i].status, TC_OK);
    }
    assert_int_equal(tcmock_stat(m, "rate_limited"), 0);
    assert_true(tc_conduits_stat(c, TC_STAT_PACING_DELAYS) > 0);
    tc_conduits_free(c);
    tcmock_stop(m);
}

static void test_without_pacing_429s_are_waited_out(void **state) {
    (void)state;
    tcmock_config mc;
    tcmock *m;
    tc_conduits_options o;
    tc_conduits *c;
    tc_request_options r = fixture_get_conduits();
    call_record recs[40];
    int i;

    tcmock_config_init(&mc);
    mc.ratelimit_limit = 20;
    mc.ratelimit_window_s = 1.0;
    m = fixture_mock(&mc);
    o = fixture_options(m);
    o.max_concurrency = 8;
    o.max_attempts = 10;
    o.flags = TC_CONDUITS_F_NO_PACING;
    c = fixture_manager(&o);
    memset(recs, 0, sizeof recs);
    for (i = 0; i < 40; i++) assert_int_equal(tc_request(NULL, c, &r, record_response, &recs[i]), TC_OK);
    run_all(c, 20000);
    for (i = 0; i < 40; i++) {
        assert_int_equal(recs[i].calls, 1);
        assert_int_equal(recs[i].status, TC_OK);
    }
    assert_true(tcmock_stat(m, "rate_limited") > 0);
    assert_int_equal(tc_conduits_stat(c, TC_STAT_PACING_DELAYS), 0);
    tc_conduits_free(c);
    tcmock_stop(m);
}


/* Hardening finding 5: a request has a total deadline. A server that answers
 * 429 with a reset a second ahead every time would otherwise keep it alive
 * for 32 waits, and one that never answers for max_attempts timeouts. */
static void test_deadline_ends_an_endless_429_loop(void **state) {
    (void)state;
    tcmock *m = fixture_mock(NULL);
    tc_conduits_options o = fixture_options(m);
    tc_conduits *c;
    tc_request_options r = fixture_get_conduits();
    tc_response *resp = NULL;
    double start, took;

    o.request_deadline_ms = 2500;
    c = fixture_manager(&o);
    fixture_warm_up(c);
    assert_int_equal(tcmock_control(m, "fail_next",
                                    "{\"count\":40,\"status\":429,\"ratelimit_reset_in_s\":1,\"ratelimit_remaining\":0}"),
                     0);
    start = now_ms();
    assert_int_equal(tc_request_sync(&resp, c, &r), TC_ETIMEDOUT);
    took = now_ms() - start;
    print_message("429 loop ended after %.0f ms, %d attempts: %s\n", took, tc_response_attempts(resp),
                  tc_response_message(resp));
    assert_true(took < 2500 + 1500);
    assert_true(tc_response_attempts(resp) >= 2);
    assert_int_equal(tc_response_http_status(resp), 429); /* the last answer travels with the timeout */
    assert_non_null(strstr(tc_response_message(resp), "deadline"));
    tc_response_free(resp);
    tc_conduits_free(c);
    tcmock_stop(m);
}

static void test_deadline_ends_a_silent_server(void **state) {
    (void)state;
    tcmock *m = fixture_mock(NULL);
    tc_conduits_options o = fixture_options(m);
    tc_conduits *c;
    tc_request_options r = fixture_get_conduits();
    call_record rec;
    double start, took;

    o.request_deadline_ms = 800;
    o.request_timeout_ms = 30000;
    c = fixture_manager(&o);
    fixture_warm_up(c);
    assert_int_equal(tcmock_control(m, "config", "{\"latency_ms\":5000}"), 0);
    memset(&rec, 0, sizeof rec);
    start = now_ms();
    assert_int_equal(tc_request(NULL, c, &r, record_response, &rec), TC_OK);
    run_all(c, 10000);
    took = now_ms() - start;
    print_message("silent server: gave up after %.0f ms\n", took);
    assert_int_equal(rec.calls, 1);
    assert_int_equal(rec.status, TC_ETIMEDOUT);
    assert_int_equal(rec.attempts, 1);
    assert_non_null(strstr(rec.message, "deadline"));
    assert_true(took >= 700 && took < 800 + 1500);
    assert_int_equal(tcmock_control(m, "config", "{\"latency_ms\":0}"), 0);
    tc_conduits_free(c);
    tcmock_stop(m);
}

static void test_per_request_deadline_overrides_the_managers(void **state) {
    (void)state;
    tcmock *m = fixture_mock(NULL);
    tc_conduits_options o = fixture_options(m);
    tc_conduits *c;
    tc_request_options r = fixture_get_conduits();
    call_record rec;
    double start;

    o.request_deadline_ms = 60000;
    c = fixture_manager(&o);
    fixture_warm_up(c);
    assert_int_equal(tcmock_control(m, "config", "{\"latency_ms\":3000}"), 0);
    memset(&rec, 0, sizeof rec);
    r.deadline_ms = 500;
    start = now_ms();
    assert_int_equal(tc_request(NULL, c, &r, record_response, &rec), TC_OK);
    run_all(c, 10000);
    assert_int_equal(rec.status, TC_ETIMEDOUT);
    assert_true(now_ms() - start < 500 + 1500);
    /* Below -1 is refused. */
    r.deadline_ms = -2;
    assert_int_equal(tc_request(NULL, c, &r, record_response, &rec), TC_EINVAL);
    assert_non_null(strstr(tc_last_error_message(), "deadline_ms"));
    assert_int_equal(tcmock_control(m, "config", "{\"latency_ms\":0}"), 0);
    tc_conduits_free(c);
    tcmock_stop(m);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_get_succeeds_with_ratelimit_headers),
        cmocka_unit_test(test_post_body_and_query_reach_the_server),
        cmocka_unit_test(test_5xx_is_retried_until_success),
        cmocka_unit_test(test_5xx_gives_up_after_max_attempts),
        cmocka_unit_test(test_post_is_retried_only_when_marked_safe),
        cmocka_unit_test(test_dropped_connection_is_retried_for_get),
        cmocka_unit_test(test_bucket_429_waits_until_reset),
        cmocka_unit_test(test_429_longer_than_max_wait_fails),
        cmocka_unit_test(test_twitch_limit_429_is_not_retried),
        cmocka_unit_test(test_bad_request_maps_to_ebadrequest),
        cmocka_unit_test(test_timeout_is_retried_then_reported),
        cmocka_unit_test(test_oversized_response_fails_cleanly),
        cmocka_unit_test(test_connection_refused_is_a_network_error),
        cmocka_unit_test(test_pacing_avoids_429s),
        cmocka_unit_test(test_without_pacing_429s_are_waited_out),
        cmocka_unit_test(test_deadline_ends_an_endless_429_loop),
        cmocka_unit_test(test_deadline_ends_a_silent_server),
        cmocka_unit_test(test_per_request_deadline_overrides_the_managers),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
