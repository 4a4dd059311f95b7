/*
 * pkgconfig_consumer: the smallest complete twitchconduits program.
 *
 * Build against an installed library:
 *   cc pkgconfig_consumer.c $(pkg-config --cflags --libs twitchconduits)
 *
 * Run against Twitch:
 *   TWITCH_CLIENT_ID=... TWITCH_CLIENT_SECRET=... ./a.out
 * or against the mock server (tc-mock prints its port):
 *   TWITCH_API_BASE=http://127.0.0.1:PORT/helix TWITCH_AUTH_BASE=http://127.0.0.1:PORT/oauth2 ...
 */
#define _POSIX_C_SOURCE 200809L /* gmtime_r */

#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include <twitchconduits.h>

/* An environment variable, or NULL when it is unset or empty. */
static const char *env(const char *name) {
    const char *v = getenv(name);
    return (v != NULL && v[0] != '\0') ? v : NULL;
}

/* Print why a call failed. Call it right after the failing call: the
 * message is thread-local and the next tc_ call replaces it. */
static void report(const char *what, tc_status status) {
    fprintf(stderr, "%s failed: %s: %s\n", what, tc_strerror(status), tc_last_error_message());
}

int main(void) {
    const char *client_id = env("TWITCH_CLIENT_ID");
    const char *client_secret = env("TWITCH_CLIENT_SECRET");
    if (client_id == NULL || client_secret == NULL) {
        fprintf(stderr, "set TWITCH_CLIENT_ID and TWITCH_CLIENT_SECRET "
                        "(and optionally TWITCH_API_BASE, TWITCH_AUTH_BASE)\n");
        return 2;
    }
    printf("twitchconduits %s\n", tc_version(NULL, NULL, NULL));

    /* 1. A manager: credentials, token, request engine. */
    tc_conduits_options opts = TC_CONDUITS_OPTIONS_INIT;
    opts.client_id = client_id;
    opts.client_secret = client_secret;
    opts.api_base_url = env("TWITCH_API_BASE");   /* NULL: the real Twitch */
    opts.auth_base_url = env("TWITCH_AUTH_BASE");

    tc_conduits *c = NULL;
    tc_status st = tc_conduits_new(&c, &opts);
    if (st != TC_OK) {
        report("tc_conduits_new", st);
        return 1;
    }

    /* 2. An app access token. It is a secret: print only when it expires. */
    tc_token *token = NULL;
    st = tc_token_get_sync(&token, c, 0);
    if (st != TC_OK) {
        report("tc_token_get_sync", st);
        tc_conduits_free(c);
        return 1;
    }
    time_t expires = (time_t)tc_token_expires_at(token);
    char when[64] = "unknown";
    struct tm tm_utc;
    if (expires != 0 && gmtime_r(&expires, &tm_utc) != NULL) {
        strftime(when, sizeof when, "%Y-%m-%d %H:%M:%S UTC", &tm_utc);
    }
    printf("app token expires at %s (in %lld s)\n", when, (long long)(expires - time(NULL)));
    tc_token_free(token);

    /* 3. List the conduits: GET /helix/eventsub/conduits. The library adds
     * the Authorization and Client-Id headers and retries what is safe. */
    tc_request_options req = TC_REQUEST_OPTIONS_INIT;
    req.method = TC_GET;
    req.path = "/eventsub/conduits";

    tc_response *resp = NULL;
    st = tc_request_sync(&resp, c, &req);
    if (st != TC_OK) {
        report("GET /eventsub/conduits", st);
        if (resp != NULL) { /* set whenever the request was submitted */
            fprintf(stderr, "HTTP %d: %s\n", tc_response_http_status(resp), tc_response_message(resp));
            tc_response_free(resp);
        }
        tc_conduits_free(c);
        return 1;
    }
    size_t len = 0;
    const char *body = tc_response_body(resp, &len);
    printf("GET /eventsub/conduits: HTTP %d\n%.*s\n", tc_response_http_status(resp), (int)len, body);

    tc_response_free(resp);
    tc_conduits_free(c);
    return 0;
}
