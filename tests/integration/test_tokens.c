/* The app token provider against the mock: lazy fetch, single-flight refresh
 * on 401, expiry, credentials errors, caller-supplied tokens, validate and
 * revoke, and that no secret ever reaches logs or JSON. */
#include "fixture.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define CLIENT_SECRET "mocksecret0123456789abcdefghijk"

static void test_50_requests_after_expiry_share_one_refresh(void **state) {
    (void)state;
    tcmock *m = fixture_mock(NULL);
    tc_conduits_options o = fixture_options(m);
    tc_conduits *c;
    tc_request_options r = fixture_get_conduits();
    tc_response *resp = NULL;
    call_record recs[50];
    int i;

    o.max_concurrency = 64;
    c = fixture_manager(&o);
    assert_int_equal(tc_request_sync(&resp, c, &r), TC_OK);
    tc_response_free(resp);
    assert_int_equal(tcmock_stat(m, "token_requests"), 1);

    assert_int_equal(tcmock_control(m, "expire_tokens", NULL), 0);
    memset(recs, 0, sizeof recs);
    for (i = 0; i < 50; i++) assert_int_equal(tc_request(NULL, c, &r, record_response, &recs[i]), TC_OK);
    run_all(c, 10000);
    for (i = 0; i < 50; i++) {
        assert_int_equal(recs[i].calls, 1);
        assert_int_equal(recs[i].status, TC_OK);
        assert_in_range(recs[i].attempts, 1, 2);
    }
    /* Exactly one new token for all fifty. */
    assert_int_equal(tcmock_stat(m, "token_requests"), 2);
    assert_int_equal(tc_conduits_stat(c, TC_STAT_TOKEN_FETCHES), 2);
    assert_true(tcmock_stat(m, "unauthorized") >= 1);
    tc_conduits_free(c);
    tcmock_stop(m);
}

static void test_token_invalid_after_n_calls_is_replaced(void **state) {
    (void)state;
    tcmock_config mc;
    tcmock *m;
    tc_conduits_options o;
    tc_conduits *c;
    tc_request_options r = fixture_get_conduits();
    tc_response *resp = NULL;
    int i;

    tcmock_config_init(&mc);
    mc.token_expire_after_calls = 3;
    m = fixture_mock(&mc);
    o = fixture_options(m);
    c = fixture_manager(&o);
    for (i = 0; i < 7; i++) {
        assert_int_equal(tc_request_sync(&resp, c, &r), TC_OK);
        tc_response_free(resp);
    }
    /* 7 calls at 3 per token: tokens for calls 1-3, 4-6, 7. */
    assert_int_equal(tcmock_stat(m, "token_requests"), 3);
    tc_conduits_free(c);
    tcmock_stop(m);
}

static void test_short_lived_token_is_refreshed_ahead_of_time(void **state) {
    (void)state;
    tcmock_config mc;
    tcmock *m;
    tc_conduits_options o;
    tc_conduits *c;
    tc_request_options r = fixture_get_conduits();
    tc_response *resp = NULL;
    double deadline;

    tcmock_config_init(&mc);
    mc.token_expires_in = 2; /* refresh margin becomes half the lifetime: 1 s */
    m = fixture_mock(&mc);
    o = fixture_options(m);
    c = fixture_manager(&o);
    assert_int_equal(tc_request_sync(&resp, c, &r), TC_OK);
    tc_response_free(resp);
    assert_int_equal(tcmock_stat(m, "token_requests"), 1);
    /* Keep calling until the background refresh has happened (bounded). */
    deadline = now_ms() + 5000;
    while (tcmock_stat(m, "token_requests") < 2 && now_ms() < deadline) {
        assert_int_equal(tc_request_sync(&resp, c, &r), TC_OK);
        tc_response_free(resp);
        tc_conduits_wait(c, 50);
    }
    assert_int_equal(tcmock_stat(m, "token_requests"), 2);
    /* No request ever had to be answered 401 to make that happen. */
    assert_int_equal(tcmock_stat(m, "unauthorized"), 0);
    tc_conduits_free(c);
    tcmock_stop(m);
}

static void test_wrong_secret_and_unknown_client(void **state) {
    (void)state;
    tcmock *m = fixture_mock(NULL);
    tc_conduits_options o = fixture_options(m);
    tc_conduits *c;
    tc_request_options r = fixture_get_conduits();
    tc_response *resp = NULL;

    o.client_secret = "definitely-not-the-secret";
    c = fixture_manager(&o);
    assert_int_equal(tc_request_sync(&resp, c, &r), TC_EAUTH);
    assert_non_null(strstr(tc_response_message(resp), "invalid client secret"));
    assert_null(strstr(tc_response_message(resp), "definitely-not-the-secret"));
    tc_response_free(resp);
    tc_conduits_free(c);

    o = fixture_options(m);
    o.client_id = "nobody";
    c = fixture_manager(&o);
    assert_int_equal(tc_request_sync(&resp, c, &r), TC_EAUTH);
    assert_non_null(strstr(tc_response_message(resp), "invalid client"));
    tc_response_free(resp);
    tc_conduits_free(c);
    tcmock_stop(m);
}

static void test_caller_supplied_token(void **state) {
    (void)state;
    tcmock *m = fixture_mock(NULL);
    tc_conduits_options o = fixture_options(m);
    tc_conduits *fetcher = fixture_manager(&o);
    tc_conduits *c;
    tc_token *tok = NULL;
    tc_request_options r = fixture_get_conduits();
    tc_response *resp = NULL;
    char token[128];

    assert_int_equal(tc_token_get_sync(&tok, fetcher, 0), TC_OK);
    snprintf(token, sizeof token, "%s", tc_token_access_token(tok));
    tc_token_free(tok);

    o.client_secret = NULL;
    o.app_token = token;
    c = fixture_manager(&o);
    assert_int_equal(tc_request_sync(&resp, c, &r), TC_OK);
    tc_response_free(resp);
    assert_int_equal(tcmock_stat(m, "token_requests"), 1); /* only the fetcher's */
    /* A forced refresh is impossible without a client secret. */
    assert_int_equal(tc_token_get_sync(&tok, c, 1), TC_ENOCREDENTIALS);
    assert_null(tok);
    assert_int_equal(tc_token_get_sync(&tok, c, 0), TC_OK);
    assert_string_equal(tc_token_access_token(tok), token);
    tc_token_free(tok);

    /* Once Twitch rejects it there is no way to renew it: a clear EAUTH. */
    assert_int_equal(tcmock_control(m, "expire_tokens", NULL), 0);
    assert_int_equal(tc_request_sync(&resp, c, &r), TC_EAUTH);
    assert_non_null(strstr(tc_response_message(resp), "no client secret"));
    tc_response_free(resp);
    assert_int_equal(tc_token_get_sync(&tok, c, 1), TC_EAUTH);
    assert_null(tok);
    tc_conduits_free(c);
    tc_conduits_free(fetcher);
    tcmock_stop(m);
}

/* Twitch asks for hourly validation: a token Twitch has dropped is noticed
 * by the scheduled check and replaced before the next request needs it. */
static void test_scheduled_validation_drops_a_dead_token(void **state) {
    (void)state;
    tcmock *m = fixture_mock(NULL);
    tc_conduits_options o = fixture_options(m);
    tc_request_options r = fixture_get_conduits();
    tc_response *resp = NULL;
    tc_conduits *c;
    double deadline;

    o.token_validate_interval_s = 1;
    c = fixture_manager(&o);
    fixture_warm_up(c);
    assert_int_equal(tc_conduits_stat(c, TC_STAT_TOKEN_FETCHES), 1);
    assert_int_equal(tcmock_control(m, "expire_tokens", NULL), 0);
    deadline = now_ms() + 10000;
    while (tcmock_stat(m, "validate_requests") < 1) {
        if (now_ms() > deadline) fail_msg("no scheduled validation within 10 s");
        tc_conduits_wait(c, 50);
    }
    /* The check's answer drops the token on the I/O thread; the next request
     * then starts with a fresh token and never sees a 401. */
    deadline = now_ms() + 10000;
    for (;;) {
        tc_token *t = NULL;
        tc_status st = tc_token_get_sync(&t, c, 0);
        int renewed = st == TC_OK && tc_conduits_stat(c, TC_STAT_TOKEN_FETCHES) == 2;
        tc_token_free(t);
        if (renewed) break;
        if (now_ms() > deadline) fail_msg("the dead token was never replaced");
        tc_conduits_wait(c, 50);
    }
    assert_true(tc_conduits_stat(c, TC_STAT_TOKEN_VALIDATIONS) >= 1);
    assert_int_equal(tc_request_sync(&resp, c, &r), TC_OK);
    assert_int_equal(tc_response_attempts(resp), 1);
    tc_response_free(resp);
    tc_conduits_free(c);

    /* -1 turns it off; a bad value is refused by name. */
    o.token_validate_interval_s = -1;
    c = fixture_manager(&o);
    tc_conduits_free(c);
    o.token_validate_interval_s = -2;
    assert_int_equal(tc_conduits_new(&c, &o), TC_EINVAL);
    assert_non_null(strstr(tc_last_error_message(), "token_validate_interval_s"));
    tcmock_stop(m);
}

static void test_get_validate_revoke(void **state) {
    (void)state;
    tcmock *m = fixture_mock(NULL);
    tc_conduits_options o = fixture_options(m);
    tc_conduits *c = fixture_manager(&o);
    tc_token *tok = NULL, *again = NULL, *valid = NULL;
    tc_response *resp = NULL;
    tc_request_options r = fixture_get_conduits();
    call_record rec;
    char first[128];

    assert_int_equal(tc_token_get_sync(&tok, c, 0), TC_OK);
    assert_int_equal(strlen(tc_token_access_token(tok)), 30);
    assert_string_equal(tc_token_client_id(tok), "mockclientid0123456789abcdefghij");
    assert_true(tc_token_expires_at(tok) > 0);
    assert_int_equal(tc_token_is_validated(tok), 0);
    snprintf(first, sizeof first, "%s", tc_token_access_token(tok));

    /* A second get reuses it; force_refresh fetches a new one. */
    assert_int_equal(tc_token_get_sync(&again, c, 0), TC_OK);
    assert_string_equal(tc_token_access_token(again), first);
    tc_token_free(again);
    assert_int_equal(tc_token_get_sync(&again, c, 1), TC_OK);
    assert_string_not_equal(tc_token_access_token(again), first);
    tc_token_free(again);
    assert_int_equal(tcmock_stat(m, "token_requests"), 2);

    assert_int_equal(tc_token_validate_sync(&valid, c), TC_OK);
    assert_int_equal(tc_token_is_validated(valid), 1);
    assert_string_equal(tc_token_client_id(valid), "mockclientid0123456789abcdefghij");
    assert_null(tc_token_login(valid));
    assert_null(tc_token_user_id(valid));
    assert_int_equal(tc_token_scope_count(valid), 0);
    assert_null(tc_token_scope(valid, 0));
    tc_token_free(valid);

    memset(&rec, 0, sizeof rec);
    assert_int_equal(tc_token_revoke(NULL, c, record_response, &rec), TC_OK);
    run_all(c, 5000);
    assert_int_equal(rec.calls, 1);
    assert_int_equal(rec.status, TC_OK);
    assert_int_equal(rec.http_status, 200);
    assert_int_equal(tcmock_stat(m, "revoke_requests"), 1);
    /* The next request fetches a fresh token. */
    assert_int_equal(tc_request_sync(&resp, c, &r), TC_OK);
    tc_response_free(resp);
    assert_int_equal(tcmock_stat(m, "token_requests"), 3);

    /* Validating a token the server no longer knows: EAUTH, and it is dropped. */
    assert_int_equal(tcmock_control(m, "expire_tokens", NULL), 0);
    assert_int_equal(tc_token_validate_sync(&valid, c), TC_EAUTH);
    assert_null(valid);
    assert_int_equal(tc_request_sync(&resp, c, &r), TC_OK);
    assert_int_equal(tc_response_attempts(resp), 1); /* no 401 round trip: already dropped */
    tc_response_free(resp);
    tc_token_free(tok);
    tc_conduits_free(c);
    tcmock_stop(m);
}

/* Captures every log line of a manager. */
typedef struct log_capture {
    char *text;
    size_t len;
    int lines;
} log_capture;

static void capture_log(tc_log_level level, const char *message, void *userdata) {
    log_capture *cap = (log_capture *)userdata;
    size_t n = strlen(message);
    char *grown = realloc(cap->text, cap->len + n + 16);
    (void)level;
    assert_non_null(grown);
    cap->text = grown;
    memcpy(cap->text + cap->len, message, n);
    cap->len += n;
    cap->text[cap->len++] = '\n';
    cap->text[cap->len] = '\0';
    cap->lines++;
}

static void assert_absent(const char *haystack, const char *secret) {
    if (haystack != NULL && strstr(haystack, secret) != NULL) fail_msg("secret leaked into: %s", haystack);
}

static void test_no_secret_in_logs_errors_or_json(void **state) {
    (void)state;
    tcmock *m = fixture_mock(NULL);
    tc_conduits_options o = fixture_options(m);
    tc_conduits *c;
    log_capture cap = {NULL, 0, 0};
    tc_token *tok = NULL;
    tc_response *resp = NULL;
    tc_request_options r = fixture_get_conduits();
    char tokens[4][64];
    char *json = NULL;
    int ntokens = 0, i;

    o.log_cb = capture_log;
    o.log_userdata = &cap;
    o.log_level = TC_LOG_DEBUG;
    c = fixture_manager(&o);

    /* A full run: fetch, request, retries, 401 refresh, validate, revoke, failures. */
    assert_int_equal(tc_token_get_sync(&tok, c, 0), TC_OK);
    snprintf(tokens[ntokens++], 64, "%s", tc_token_access_token(tok));
    assert_int_equal(tc_token_to_json(&json, tok, 0), TC_OK);
    assert_absent(json, tokens[0]);
    tc_free(json);
    assert_int_equal(tc_token_to_json(&json, tok, 1), TC_OK);
    assert_non_null(strstr(json, tokens[0])); /* only when explicitly asked */
    tc_free(json);
    tc_token_free(tok);

    assert_int_equal(tcmock_control(m, "fail_next", "{\"count\":2,\"status\":503}"), 0);
    assert_int_equal(tc_request_sync(&resp, c, &r), TC_OK);
    assert_int_equal(tc_response_to_json(&json, resp), TC_OK);
    for (i = 0; i < ntokens; i++) assert_absent(json, tokens[i]);
    assert_absent(json, CLIENT_SECRET);
    tc_free(json);
    tc_response_free(resp);

    assert_int_equal(tcmock_control(m, "expire_tokens", NULL), 0);
    assert_int_equal(tc_request_sync(&resp, c, &r), TC_OK);
    tc_response_free(resp);
    assert_int_equal(tc_token_get_sync(&tok, c, 0), TC_OK);
    snprintf(tokens[ntokens++], 64, "%s", tc_token_access_token(tok));
    tc_token_free(tok);
    assert_int_equal(tc_token_validate_sync(&tok, c), TC_OK);
    tc_token_free(tok);
    {
        tc_op_id id = 0;
        call_record rec;
        memset(&rec, 0, sizeof rec);
        assert_int_equal(tc_token_revoke(&id, c, record_response, &rec), TC_OK);
        assert_int_equal(tc_conduits_await(c, id, 5000), TC_OK);
        assert_int_equal(rec.status, TC_OK);
    }
    assert_int_equal(tc_token_get_sync(&tok, c, 0), TC_OK);
    snprintf(tokens[ntokens++], 64, "%s", tc_token_access_token(tok));
    tc_token_free(tok);
    tc_conduits_free(c);

    /* A failing run with a wrong secret that must not be echoed either. */
    o.client_secret = "wrong-secret-value-123";
    c = fixture_manager(&o);
    assert_int_equal(tc_request_sync(&resp, c, &r), TC_EAUTH);
    assert_absent(tc_response_message(resp), "wrong-secret-value-123");
    assert_absent(tc_last_error_message(), "wrong-secret-value-123");
    tc_response_free(resp);
    tc_conduits_free(c);

    assert_true(cap.lines > 10);
    assert_absent(cap.text, CLIENT_SECRET);
    assert_absent(cap.text, "wrong-secret-value-123");
    for (i = 0; i < ntokens; i++) assert_absent(cap.text, tokens[i]);
    free(cap.text);
    tcmock_stop(m);
}


/* Hardening finding 11: tokens that die after fewer calls than the requests
 * in flight. A request can meet a 401 more than once while other requests
 * keep wearing tokens out; each time its token was already replaced it must
 * be retried (bounded), so nothing fails. */
static void test_token_life_shorter_than_concurrency(void **state) {
    enum { N = 150, ROUNDS = 3 };
    (void)state;
    tcmock_config mc;
    tcmock *m;
    tc_conduits_options o;
    tc_conduits *c;
    tc_request_options r = fixture_get_conduits();
    static call_record recs[N];
    int i, round, failed = 0;

    tcmock_config_init(&mc);
    mc.token_expire_after_calls = 12;
    m = fixture_mock(&mc);
    o = fixture_options(m);
    o.max_concurrency = 16;
    c = fixture_manager(&o);
    for (round = 0; round < ROUNDS; round++) {
        memset(recs, 0, sizeof recs);
        for (i = 0; i < N; i++) assert_int_equal(tc_request(NULL, c, &r, record_response, &recs[i]), TC_OK);
        run_all(c, 60000);
        for (i = 0; i < N; i++) {
            assert_int_equal(recs[i].calls, 1);
            if (recs[i].status != TC_OK) {
                failed++;
                print_message("request %d failed: %s (%s)\n", i, tc_strerror(recs[i].status), recs[i].message);
            }
        }
    }
    print_message("%d of %d failed; %ld tokens fetched, %ld answered 401\n", failed, N * ROUNDS,
                  tcmock_stat(m, "token_requests"), tcmock_stat(m, "unauthorized"));
    assert_int_equal(failed, 0);
    assert_true(tcmock_stat(m, "unauthorized") > 10); /* tokens really did die mid-flight */
    tc_conduits_free(c);
    tcmock_stop(m);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_50_requests_after_expiry_share_one_refresh),
        cmocka_unit_test(test_token_invalid_after_n_calls_is_replaced),
        cmocka_unit_test(test_short_lived_token_is_refreshed_ahead_of_time),
        cmocka_unit_test(test_wrong_secret_and_unknown_client),
        cmocka_unit_test(test_caller_supplied_token),
        cmocka_unit_test(test_get_validate_revoke),
        cmocka_unit_test(test_scheduled_validation_drops_a_dead_token),
        cmocka_unit_test(test_no_secret_in_logs_errors_or_json),
        cmocka_unit_test(test_token_life_shorter_than_concurrency),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
