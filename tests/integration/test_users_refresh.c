/* tc_users_refresh against the mock over loopback: the refresh_token grant
 * rotates both tokens and the registry's indexes follow atomically; a used
 * (rotated) refresh token is refused with TC_EAUTH and changes nothing;
 * 503 and 429 are retried, a lasting 5xx fails; cancel, free with the
 * refresh pending, the registry freed or the user removed meanwhile; no
 * secret in logs or messages; readers on another thread during refreshes. */
#include "fixture.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stdint.h>
#include <cmocka.h>

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define CLIENT_SECRET "mocksecret0123456789abcdefghijk"
#define SEED_REFRESH "seedrefresh-Vb7Nq2Kd9Lm"
#define OLD_ACCESS "oldaccess-Rf4Tg8Yh1Uj"
#define USER_ID "5001"
#define LOOP_MS 15000

/* The mock issues SEED_REFRESH (or `refresh`) to USER_ID, as if the user
 * had authorized the app. */
static void mock_issue(tcmock *m, const char *refresh) {
    char body[256];
    snprintf(body, sizeof body,
             "{\"refresh_token\":\"%s\",\"user_id\":\"" USER_ID "\",\"login\":\"refreshme\","
             "\"scopes\":[\"moderator:read:followers\",\"user:read:chat\"]}",
             refresh);
    assert_int_equal(tcmock_control(m, "user_tokens", body), 0);
}

static tc_users *registry_with_user(const char *refresh) {
    tc_users *u = NULL;
    tc_user_record r = TC_USER_RECORD_INIT;
    static const char *const subs[] = {"sub-a", "sub-b"};
    r.key = OLD_ACCESS;
    r.user_id = USER_ID;
    r.refresh_token = refresh;
    r.login = "refreshme";
    assert_int_equal(tc_users_new(&u), TC_OK);
    assert_int_equal(tc_users_add_record(u, &r, subs, 2), TC_OK);
    return u;
}

/* Asserts the registry holds USER_ID with exactly this key and refresh
 * token, by every index, and that `gone_key`/`gone_refresh` find nothing. */
static void assert_user_tokens(const tc_users *u, const char *key, const char *refresh, const char *gone_key,
                               const char *gone_refresh) {
    tc_user *a = NULL, *b = NULL, *c = NULL, *d = NULL;
    assert_int_equal(tc_users_get_by_user_id(&a, u, USER_ID), TC_OK);
    assert_string_equal(tc_user_key(a), key);
    assert_string_equal(tc_user_refresh_token(a), refresh);
    assert_int_equal(tc_users_get_by_key(&b, u, key), TC_OK);
    assert_string_equal(tc_user_user_id(b), USER_ID);
    assert_int_equal(tc_users_get_by_refresh_token(&c, u, refresh), TC_OK);
    assert_string_equal(tc_user_user_id(c), USER_ID);
    assert_int_equal(tc_users_get_by_subscription(&d, u, "sub-b"), TC_OK);
    assert_string_equal(tc_user_key(d), key);
    tc_user_free(a);
    tc_user_free(b);
    tc_user_free(c);
    tc_user_free(d);
    if (gone_key != NULL) assert_int_equal(tc_users_get_by_key(&a, u, gone_key), TC_ENOTFOUND);
    if (gone_refresh != NULL) assert_int_equal(tc_users_get_by_refresh_token(&a, u, gone_refresh), TC_ENOTFOUND);
}

/* Every log line, for the secret checks. */
typedef struct log_sink {
    char text[65536];
    size_t len;
} log_sink;

static void keep_log(tc_log_level level, const char *message, void *userdata) {
    log_sink *s = (log_sink *)userdata;
    int n;
    (void)level;
    n = snprintf(s->text + s->len, sizeof s->text - s->len, "%s\n", message);
    if (n > 0 && s->len + (size_t)n < sizeof s->text) s->len += (size_t)n;
}

typedef struct refresh_record {
    int calls;
    tc_status status;
    char message[512];
    char key[128];
    char refresh[256];
} refresh_record;

static void record_refresh(tc_status status, const tc_user *user, void *userdata) {
    refresh_record *r = (refresh_record *)userdata;
    r->calls++;
    r->status = status;
    snprintf(r->message, sizeof r->message, "%s", tc_last_error_message());
    if (user != NULL) {
        snprintf(r->key, sizeof r->key, "%s", tc_user_key(user));
        snprintf(r->refresh, sizeof r->refresh, "%s", tc_user_refresh_token(user));
    }
}

static void assert_no_secret(const char *text, const char *const *secrets, size_t n) {
    size_t i;
    for (i = 0; i < n; i++) {
        if (secrets[i][0] != '\0' && strstr(text, secrets[i]) != NULL)
            fail_msg("a secret (#%zu) leaked into: %s", i, text);
    }
}

/* ------------------------------------------------------------------------ */

static void test_refresh_rotates_both_tokens(void **state) {
    tcmock *m = fixture_mock(NULL);
    log_sink *logs = calloc(1, sizeof *logs);
    tc_conduits_options o = fixture_options(m);
    tc_conduits *c;
    tc_users *u = registry_with_user(SEED_REFRESH);
    tc_user *updated = NULL, *again = NULL;
    char key1[128], refresh1[256];
    const time_t before = time(NULL);
    (void)state;

    o.log_cb = keep_log;
    o.log_userdata = logs;
    o.log_level = TC_LOG_DEBUG;
    c = fixture_manager(&o);
    mock_issue(m, SEED_REFRESH);

    assert_int_equal(tc_users_refresh_sync(&updated, c, u, USER_ID), TC_OK);
    assert_non_null(updated);
    snprintf(key1, sizeof key1, "%s", tc_user_key(updated));
    snprintf(refresh1, sizeof refresh1, "%s", tc_user_refresh_token(updated));
    assert_string_not_equal(key1, OLD_ACCESS);
    assert_string_not_equal(refresh1, SEED_REFRESH);
    /* Expiry from expires_in (the mock's default 5011271 s), scopes from the answer. */
    assert_in_range(tc_user_expires_at(updated), before + 5011271 - 5, time(NULL) + 5011271 + 5);
    assert_int_equal(tc_user_scope_count(updated), 2);
    assert_string_equal(tc_user_scope(updated, 1), "user:read:chat");
    assert_string_equal(tc_user_login(updated), "refreshme");
    assert_int_equal(tc_user_subscription_count(updated), 2);
    tc_user_free(updated);
    assert_user_tokens(u, key1, refresh1, OLD_ACCESS, SEED_REFRESH);

    /* The new refresh token works in turn, and rotates again. */
    assert_int_equal(tc_users_refresh_sync(&again, c, u, USER_ID), TC_OK);
    assert_string_not_equal(tc_user_refresh_token(again), refresh1);
    assert_user_tokens(u, tc_user_key(again), tc_user_refresh_token(again), key1, refresh1);
    assert_int_equal(tcmock_stat(m, "token_requests"), 2);
    {
        const char *secrets[] = {CLIENT_SECRET, SEED_REFRESH, OLD_ACCESS, key1, refresh1, tc_user_key(again),
                                 tc_user_refresh_token(again)};
        assert_true(logs->len > 0); /* DEBUG logging did run */
        assert_no_secret(logs->text, secrets, sizeof secrets / sizeof secrets[0]);
    }
    tc_user_free(again);
    tc_conduits_free(c);
    tc_users_free(u);
    free(logs);
    tcmock_stop(m);
}

/* Two registries hold the same refresh token: the first refresh uses it up,
 * so the second is refused (400 "Invalid refresh token" -> TC_EAUTH) and
 * its registry keeps the old record. */
static void test_used_refresh_token_is_refused(void **state) {
    tcmock *m = fixture_mock(NULL);
    tc_conduits_options o = fixture_options(m);
    tc_conduits *c = fixture_manager(&o);
    tc_users *first = registry_with_user(SEED_REFRESH);
    tc_users *second = registry_with_user(SEED_REFRESH);
    tc_user *out = NULL;
    refresh_record rec;
    (void)state;

    mock_issue(m, SEED_REFRESH);
    assert_int_equal(tc_users_refresh_sync(&out, c, first, USER_ID), TC_OK);
    tc_user_free(out);
    out = NULL;

    memset(&rec, 0, sizeof rec);
    assert_int_equal(tc_users_refresh(NULL, c, second, USER_ID, record_refresh, &rec), TC_OK);
    run_all(c, LOOP_MS);
    assert_int_equal(rec.calls, 1);
    assert_int_equal(rec.status, TC_EAUTH);
    assert_non_null(strstr(rec.message, "Invalid refresh token"));
    assert_non_null(strstr(rec.message, "authorize"));
    {
        const char *secrets[] = {CLIENT_SECRET, SEED_REFRESH, OLD_ACCESS};
        assert_no_secret(rec.message, secrets, 3);
    }
    assert_user_tokens(second, OLD_ACCESS, SEED_REFRESH, NULL, NULL);
    /* The sync form reports the same, with no user. */
    out = (tc_user *)&rec;
    assert_int_equal(tc_users_refresh_sync(&out, c, second, USER_ID), TC_EAUTH);
    assert_null(out);

    /* A wrong client secret (403 "invalid client secret") is TC_EAUTH too,
     * and does not use the refresh token up. */
    {
        tc_conduits_options bad = fixture_options(m);
        tc_conduits *wrong;
        tc_user *first_user = NULL;
        bad.client_secret = "wrongsecret-Pz6Xc3Vb8";
        wrong = fixture_manager(&bad);
        assert_int_equal(tc_users_get_by_user_id(&first_user, first, USER_ID), TC_OK);
        memset(&rec, 0, sizeof rec);
        assert_int_equal(tc_users_refresh(NULL, wrong, first, USER_ID, record_refresh, &rec), TC_OK);
        run_all(wrong, LOOP_MS);
        assert_int_equal(rec.calls, 1);
        assert_int_equal(rec.status, TC_EAUTH);
        assert_non_null(strstr(rec.message, "403"));
        assert_null(strstr(rec.message, "wrongsecret-Pz6Xc3Vb8"));
        assert_null(strstr(rec.message, tc_user_refresh_token(first_user)));
        assert_user_tokens(first, tc_user_key(first_user), tc_user_refresh_token(first_user), NULL, NULL);
        tc_conduits_free(wrong);
        /* The right secret still works with the same refresh token. */
        assert_int_equal(tc_users_refresh_sync(&out, c, first, USER_ID), TC_OK);
        tc_user_free(out);
        tc_user_free(first_user);
    }
    tc_conduits_free(c);
    tc_users_free(first);
    tc_users_free(second);
    tcmock_stop(m);
}

/* 503 and a bucket 429 from the token endpoint are retried; a 500 on every
 * attempt fails with TC_ESERVER and changes nothing. */
static void test_retries_and_server_errors(void **state) {
    tcmock_config mc;
    tcmock *m;
    tc_conduits_options o;
    tc_conduits *c;
    tc_users *u = registry_with_user(SEED_REFRESH);
    tc_user *out = NULL;
    char key[128], refresh[256];
    (void)state;

    tcmock_config_init(&mc);
    mc.faults_on_oauth = 1;
    m = fixture_mock(&mc);
    o = fixture_options(m);
    o.max_attempts = 3;
    c = fixture_manager(&o);
    mock_issue(m, SEED_REFRESH);

    assert_int_equal(tcmock_control(m, "fail_next", "{\"count\":1,\"status\":503}"), 0);
    assert_int_equal(tc_users_refresh_sync(&out, c, u, USER_ID), TC_OK);
    assert_int_equal(tcmock_stat(m, "token_requests"), 2);
    snprintf(key, sizeof key, "%s", tc_user_key(out));
    snprintf(refresh, sizeof refresh, "%s", tc_user_refresh_token(out));
    tc_user_free(out);
    assert_user_tokens(u, key, refresh, OLD_ACCESS, SEED_REFRESH);

    assert_int_equal(tcmock_control(m, "fail_next",
                                    "{\"count\":1,\"status\":429,\"ratelimit_remaining\":0,"
                                    "\"ratelimit_reset_in_s\":0}"),
                     0);
    assert_int_equal(tc_users_refresh_sync(&out, c, u, USER_ID), TC_OK);
    assert_int_equal(tcmock_stat(m, "token_requests"), 4);
    snprintf(key, sizeof key, "%s", tc_user_key(out));
    snprintf(refresh, sizeof refresh, "%s", tc_user_refresh_token(out));
    tc_user_free(out);
    assert_user_tokens(u, key, refresh, NULL, NULL);

    assert_int_equal(tcmock_control(m, "fail_next", "{\"count\":3,\"status\":500}"), 0);
    out = NULL;
    assert_int_equal(tc_users_refresh_sync(&out, c, u, USER_ID), TC_ESERVER);
    assert_null(out);
    assert_int_equal(tcmock_stat(m, "token_requests"), 7);
    assert_user_tokens(u, key, refresh, NULL, NULL);
    tc_conduits_free(c);
    tc_users_free(u);
    tcmock_stop(m);
}

/* Cancel and free with the refresh pending: TC_ECANCELED exactly once and
 * the registry untouched. */
static void test_cancel_and_free_pending(void **state) {
    tcmock *m = fixture_mock(NULL);
    tc_conduits_options o = fixture_options(m);
    tc_conduits *c = fixture_manager(&o);
    tc_users *u = registry_with_user(SEED_REFRESH);
    refresh_record rec;
    tc_op_id id = 0;
    (void)state;

    mock_issue(m, SEED_REFRESH);
    assert_int_equal(tcmock_control(m, "config", "{\"latency_ms\":1500}"), 0);
    memset(&rec, 0, sizeof rec);
    assert_int_equal(tc_users_refresh(&id, c, u, USER_ID, record_refresh, &rec), TC_OK);
    assert_true(id != 0);
    assert_int_equal(tc_conduits_cancel(c, id), TC_OK);
    run_all(c, LOOP_MS);
    assert_int_equal(rec.calls, 1);
    assert_int_equal(rec.status, TC_ECANCELED);
    assert_user_tokens(u, OLD_ACCESS, SEED_REFRESH, NULL, NULL);

    memset(&rec, 0, sizeof rec);
    assert_int_equal(tc_users_refresh(NULL, c, u, USER_ID, record_refresh, &rec), TC_OK);
    tc_conduits_free(c);
    assert_int_equal(rec.calls, 1);
    assert_int_equal(rec.status, TC_ECANCELED);
    assert_user_tokens(u, OLD_ACCESS, SEED_REFRESH, NULL, NULL);
    tc_users_free(u);
    tcmock_stop(m);
}

/* The registry may be freed, or the user removed, while the grant is in
 * flight. */
static void test_registry_changes_meanwhile(void **state) {
    tcmock *m = fixture_mock(NULL);
    tc_conduits_options o = fixture_options(m);
    tc_conduits *c = fixture_manager(&o);
    tc_users *u = registry_with_user(SEED_REFRESH);
    refresh_record rec;
    (void)state;

    mock_issue(m, SEED_REFRESH);
    memset(&rec, 0, sizeof rec);
    assert_int_equal(tc_users_refresh(NULL, c, u, USER_ID, record_refresh, &rec), TC_OK);
    tc_users_free(u); /* the pending refresh keeps the registry alive */
    run_all(c, LOOP_MS);
    assert_int_equal(rec.calls, 1);
    assert_int_equal(rec.status, TC_OK);
    assert_true(rec.key[0] != '\0' && strcmp(rec.key, OLD_ACCESS) != 0);

    /* Removed meanwhile: the new tokens are discarded, TC_ENOTFOUND. The
     * mock holds its answers 300 ms, so the change below comes first. */
    assert_int_equal(tcmock_control(m, "config", "{\"latency_ms\":300}"), 0);
    u = registry_with_user("seedrefresh-second");
    mock_issue(m, "seedrefresh-second");
    memset(&rec, 0, sizeof rec);
    assert_int_equal(tc_users_refresh(NULL, c, u, USER_ID, record_refresh, &rec), TC_OK);
    assert_int_equal(tc_users_remove(NULL, u, USER_ID), TC_OK);
    run_all(c, LOOP_MS);
    assert_int_equal(rec.calls, 1);
    assert_int_equal(rec.status, TC_ENOTFOUND);
    assert_int_equal(tc_users_count(u), 0);

    /* Replaced meanwhile (another refresh token): TC_ECONFLICT, the
     * replacement stays. */
    {
        tc_user_record r = TC_USER_RECORD_INIT;
        static const char *const subs[] = {"sub-a", "sub-b"};
        r.key = OLD_ACCESS;
        r.user_id = USER_ID;
        r.refresh_token = "seedrefresh-third";
        assert_int_equal(tc_users_add_record(u, &r, subs, 2), TC_OK);
        mock_issue(m, "seedrefresh-third");
        memset(&rec, 0, sizeof rec);
        assert_int_equal(tc_users_refresh(NULL, c, u, USER_ID, record_refresh, &rec), TC_OK);
        r.refresh_token = "replaced-by-the-app";
        assert_int_equal(tc_users_replace(NULL, u, &r), TC_OK);
        run_all(c, LOOP_MS);
        assert_int_equal(rec.calls, 1);
        assert_int_equal(rec.status, TC_ECONFLICT);
        assert_user_tokens(u, OLD_ACCESS, "replaced-by-the-app", NULL, "seedrefresh-third");
    }
    tc_conduits_free(c);
    tc_users_free(u);
    tcmock_stop(m);
}

/* Readers on another thread while the I/O thread applies refreshes: every
 * snapshot is whole (its key and refresh token find the same generation or,
 * after a newer refresh, nothing). Meant for TSan. */
typedef struct reader_state {
    tc_users *users;
    volatile int stop;
    pthread_mutex_t mu;
    int torn;
    long reads;
} reader_state;

static void *reader(void *arg) {
    reader_state *s = (reader_state *)arg;
    for (;;) {
        tc_user *a = NULL, *b = NULL;
        tc_status st;
        int stop;
        pthread_mutex_lock(&s->mu);
        stop = s->stop;
        pthread_mutex_unlock(&s->mu);
        if (stop) break;
        if (tc_users_get_by_user_id(&a, s->users, USER_ID) != TC_OK) {
            pthread_mutex_lock(&s->mu);
            s->torn++;
            pthread_mutex_unlock(&s->mu);
            continue;
        }
        st = tc_users_get_by_refresh_token(&b, s->users, tc_user_refresh_token(a));
        pthread_mutex_lock(&s->mu);
        if (st == TC_OK && strcmp(tc_user_key(a), tc_user_key(b)) != 0) s->torn++;
        if (st != TC_OK && st != TC_ENOTFOUND) s->torn++;
        s->reads++;
        pthread_mutex_unlock(&s->mu);
        tc_user_free(a);
        tc_user_free(b);
    }
    return NULL;
}

static void test_readers_during_refreshes(void **state) {
    tcmock *m = fixture_mock(NULL);
    tc_conduits_options o = fixture_options(m);
    tc_conduits *c = fixture_manager(&o);
    reader_state s;
    pthread_t threads[2];
    int i;
    (void)state;

    memset(&s, 0, sizeof s);
    s.users = registry_with_user(SEED_REFRESH);
    pthread_mutex_init(&s.mu, NULL);
    mock_issue(m, SEED_REFRESH);
    for (i = 0; i < 2; i++) assert_int_equal(pthread_create(&threads[i], NULL, reader, &s), 0);
    {
        /* The readers are running before the first refresh. */
        const double deadline = now_ms() + LOOP_MS;
        long reads = 0;
        while (reads == 0 && now_ms() < deadline) {
            pthread_mutex_lock(&s.mu);
            reads = s.reads;
            pthread_mutex_unlock(&s.mu);
        }
        assert_true(reads > 0);
    }
    for (i = 0; i < 20; i++) {
        tc_user *out = NULL;
        assert_int_equal(tc_users_refresh_sync(&out, c, s.users, USER_ID), TC_OK);
        tc_user_free(out);
    }
    pthread_mutex_lock(&s.mu);
    s.stop = 1;
    pthread_mutex_unlock(&s.mu);
    for (i = 0; i < 2; i++) pthread_join(threads[i], NULL);
    assert_int_equal(s.torn, 0);
    assert_true(s.reads > 0);
    assert_int_equal(tcmock_stat(m, "token_requests"), 20);
    pthread_mutex_destroy(&s.mu);
    tc_conduits_free(c);
    tc_users_free(s.users);
    tcmock_stop(m);
}


/* The blocking form refuses to run inside one of the manager's callbacks
 * (it would wait for itself). */
typedef struct nested {
    tc_conduits *c;
    tc_users *u;
    int calls;
    tc_status outer, inner;
    tc_user *inner_out;
} nested;

static void refresh_inside(tc_status status, const tc_user *user, void *userdata) {
    nested *n = (nested *)userdata;
    (void)user;
    n->calls++;
    n->outer = status;
    n->inner_out = (tc_user *)n; /* must be reset to NULL */
    n->inner = tc_users_refresh_sync(&n->inner_out, n->c, n->u, USER_ID);
}

static void test_sync_inside_a_callback(void **state) {
    tcmock *m = fixture_mock(NULL);
    tc_conduits_options o = fixture_options(m);
    nested n;
    (void)state;
    memset(&n, 0, sizeof n);
    n.c = fixture_manager(&o);
    n.u = registry_with_user(SEED_REFRESH);
    mock_issue(m, SEED_REFRESH);
    assert_int_equal(tc_users_refresh(NULL, n.c, n.u, USER_ID, refresh_inside, &n), TC_OK);
    run_all(n.c, LOOP_MS);
    assert_int_equal(n.calls, 1);
    assert_int_equal(n.outer, TC_OK);
    assert_int_equal(n.inner, TC_EREENTRANT);
    assert_null(n.inner_out);
    assert_int_equal(tcmock_stat(m, "token_requests"), 1);
    tc_conduits_free(n.c);
    tc_users_free(n.u);
    tcmock_stop(m);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_refresh_rotates_both_tokens),
        cmocka_unit_test(test_used_refresh_token_is_refused),
        cmocka_unit_test(test_retries_and_server_errors),
        cmocka_unit_test(test_cancel_and_free_pending),
        cmocka_unit_test(test_registry_changes_meanwhile),
        cmocka_unit_test(test_readers_during_refreshes),
        cmocka_unit_test(test_sync_inside_a_callback),
    };
    return cmocka_run_group_tests_name("users_refresh", tests, NULL, NULL);
}
