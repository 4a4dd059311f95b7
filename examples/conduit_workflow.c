/*
 * conduit_workflow: the demo. With no arguments it starts the bundled mock
 * Twitch server on a free loopback port (no credentials, no network) and
 * walks through a conduit's life with the library, printing each step:
 *
 *   app token -> create conduit -> list -> resize -> flaky server (retries)
 *   -> rate-limited burst (pacing) -> delete -> summary
 *
 * It exits 0 only if every step really happened. With TWITCH_CLIENT_ID and
 * TWITCH_CLIENT_SECRET set (and optionally TWITCH_API_BASE/TWITCH_AUTH_BASE)
 * it runs the same steps against that server instead.
 */
#define _POSIX_C_SOURCE 200809L

#include <twitchconduits.h>

#include "tcmock.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static int failures = 0;

static double now_ms(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec * 1000.0 + (double)ts.tv_nsec / 1e6;
}

/* An environment variable, or NULL when unset or empty. */
static const char *env(const char *name) {
    const char *v = getenv(name);
    return v != NULL && v[0] != '\0' ? v : NULL;
}

static void step(const char *title) { printf("\n== %s\n", title); }

static int check(int ok, const char *what) {
    printf("   %s %s\n", ok ? "ok  " : "FAIL", what);
    if (!ok) failures++;
    return ok;
}

/* Sends one request and prints its outcome; returns the response (caller frees). */
static tc_response *call(tc_conduits *c, tc_method method, const char *path, const tc_param *query,
                         size_t nquery, const char *body) {
    tc_request_options r = TC_REQUEST_OPTIONS_INIT;
    tc_response *resp = NULL;
    tc_status st;
    r.method = method;
    r.path = path;
    r.query = query;
    r.query_count = nquery;
    r.body = body;
    st = tc_request_sync(&resp, c, &r);
    printf("   %-6s %-22s -> %s (HTTP %d, %d attempt%s, %.1f ms)\n",
           method == TC_GET ? "GET" : method == TC_POST ? "POST" : method == TC_PATCH ? "PATCH" : "DELETE",
           path, st == TC_OK ? "ok" : tc_strerror(st), tc_response_http_status(resp),
           tc_response_attempts(resp), tc_response_attempts(resp) == 1 ? "" : "s",
           tc_response_elapsed_ms(resp));
    if (st != TC_OK) printf("          %s\n", tc_response_message(resp));
    return resp;
}

/* Copies the first "id" string of a body into out. */
static int first_id(const tc_response *resp, char *out, size_t len) {
    const char *p = strstr(tc_response_body(resp, NULL), "\"id\":\"");
    size_t n = 0;
    if (p == NULL) return 0;
    p += 6;
    while (p[n] != '\0' && p[n] != '"' && n + 1 < len) n++;
    memcpy(out, p, n);
    out[n] = '\0';
    return n > 0;
}

typedef struct burst {
    int done, ok;
} burst;

static void count_done(tc_status status, const tc_response *r, void *userdata) {
    burst *b = (burst *)userdata;
    (void)r;
    b->done++;
    if (status == TC_OK) b->ok++;
}

int main(void) {
    const char *env_id = env("TWITCH_CLIENT_ID");
    const char *env_secret = env("TWITCH_CLIENT_SECRET");
    tcmock *mock = NULL;
    tc_conduits_options o = TC_CONDUITS_OPTIONS_INIT;
    tc_conduits *c = NULL;
    tc_token *token = NULL;
    tc_response *resp;
    tc_status st;
    char conduit_id[80] = "";
    char body[160];
    double started = now_ms(), t;
    int i;

    printf("twitchconduits %s demo\n", tc_version(NULL, NULL, NULL));
    if (env_id != NULL && env_secret != NULL) {
        o.client_id = env_id;
        o.client_secret = env_secret;
        o.api_base_url = env("TWITCH_API_BASE");
        o.auth_base_url = env("TWITCH_AUTH_BASE");
        printf("using the credentials from TWITCH_CLIENT_ID / TWITCH_CLIENT_SECRET\n");
    } else {
        tcmock_config mc;
        char err[256];
        tcmock_config_init(&mc);
        mc.ratelimit_limit = 30; /* a small bucket so pacing has something to do */
        mc.ratelimit_window_s = 3.0;
        if (tcmock_start(&mock, &mc, err, sizeof err) != 0) {
            fprintf(stderr, "cannot start the mock server: %s\n", err);
            return 1;
        }
        o.client_id = "mockclientid0123456789abcdefghij";
        o.client_secret = "mocksecret0123456789abcdefghijk";
        o.api_base_url = tcmock_helix_base(mock);
        o.auth_base_url = tcmock_auth_base(mock);
        printf("started the bundled mock Twitch server at %s\n", tcmock_helix_base(mock));
    }
    o.backoff_base_ms = 50;
    o.max_concurrency = 16;
    st = tc_conduits_new(&c, &o);
    if (st != TC_OK) {
        fprintf(stderr, "tc_conduits_new: %s: %s\n", tc_strerror(st), tc_last_error_message());
        tcmock_stop(mock);
        return 1;
    }

    step("1. app access token (client credentials)");
    st = tc_token_get_sync(&token, c, 0);
    if (check(st == TC_OK, "got an app token")) {
        printf("   expires at %lld (the token itself is never printed)\n", (long long)tc_token_expires_at(token));
        tc_token_free(token);
    } else {
        printf("   %s: %s\n", tc_strerror(st), tc_last_error_message());
    }

    step("2. create a conduit with 2 shards");
    resp = call(c, TC_POST, "/eventsub/conduits", NULL, 0, "{\"shard_count\":2}");
    check(tc_response_status(resp) == TC_OK && first_id(resp, conduit_id, sizeof conduit_id), "conduit created");
    printf("   conduit id %s\n", conduit_id);
    tc_response_free(resp);

    step("3. list conduits");
    resp = call(c, TC_GET, "/eventsub/conduits", NULL, 0, NULL);
    check(strstr(tc_response_body(resp, NULL), conduit_id) != NULL, "the new conduit is listed");
    tc_response_free(resp);

    step("4. resize it to 4 shards");
    snprintf(body, sizeof body, "{\"id\":\"%s\",\"shard_count\":4}", conduit_id);
    resp = call(c, TC_PATCH, "/eventsub/conduits", NULL, 0, body);
    check(strstr(tc_response_body(resp, NULL), "\"shard_count\":4") != NULL, "shard_count is 4");
    tc_response_free(resp);

    if (mock != NULL) {
        step("5. a flaky server: the next 2 answers are 503");
        tcmock_control(mock, "fail_next", "{\"count\":2,\"status\":503}");
        resp = call(c, TC_GET, "/eventsub/conduits", NULL, 0, NULL);
        check(tc_response_status(resp) == TC_OK && tc_response_attempts(resp) == 3, "retried with backoff, then ok");
        tc_response_free(resp);

        step("6. a burst of 60 requests against a 30-point bucket: paced, not refused");
        {
            burst b = {0, 0};
            tc_request_options r = TC_REQUEST_OPTIONS_INIT;
            long before = tcmock_stat(mock, "rate_limited");
            r.method = TC_GET;
            r.path = "/eventsub/conduits";
            t = now_ms();
            for (i = 0; i < 60; i++) tc_request(NULL, c, &r, count_done, &b);
            tc_conduits_run(c, 60000);
            printf("   %d/%d ok in %.0f ms, %ld answered 429, %llu held back by pacing\n", b.ok, b.done,
                   now_ms() - t, tcmock_stat(mock, "rate_limited") - before,
                   (unsigned long long)tc_conduits_stat(c, TC_STAT_PACING_DELAYS));
            check(b.ok == 60, "every request succeeded");
        }
    }

    step("7. delete the conduit");
    {
        tc_param q = {"id", conduit_id};
        resp = call(c, TC_DELETE, "/eventsub/conduits", &q, 1, NULL);
        check(tc_response_http_status(resp) == 204, "deleted (204)");
        tc_response_free(resp);
        resp = call(c, TC_DELETE, "/eventsub/conduits", &q, 1, NULL);
        check(tc_response_status(resp) == TC_ENOTFOUND, "deleting again says not found");
        tc_response_free(resp);
    }

    step("summary");
    printf("   %-28s %8llu\n", "HTTP requests", (unsigned long long)tc_conduits_stat(c, TC_STAT_HTTP_REQUESTS));
    printf("   %-28s %8llu\n", "retries", (unsigned long long)tc_conduits_stat(c, TC_STAT_RETRIES));
    printf("   %-28s %8llu\n", "429 answers", (unsigned long long)tc_conduits_stat(c, TC_STAT_RATE_LIMITED));
    printf("   %-28s %8llu\n", "token fetches", (unsigned long long)tc_conduits_stat(c, TC_STAT_TOKEN_FETCHES));
    printf("   %-28s %8llu\n", "new connections", (unsigned long long)tc_conduits_stat(c, TC_STAT_CONNECTIONS));
    printf("   %-28s %8.0f ms\n", "total time", now_ms() - started);
    tc_conduits_free(c);
    tcmock_stop(mock);
    printf("\n%s\n", failures == 0 ? "demo finished: every step passed" : "demo FAILED");
    return failures == 0 ? 0 : 1;
}
