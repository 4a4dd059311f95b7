/* The README's "A tour of the C API" as a whole program: README.md shows this
 * file from its #include on (tests/tools/test_readme.py checks that), and the
 * examples test builds it and runs it against the mock.
 *   cc tour.c $(pkg-config --cflags --libs twitchconduits)
 *   TWITCH_CLIENT_ID=... TWITCH_CLIENT_SECRET=... ./a.out */
#include <twitchconduits.h>

#include <stdio.h>
#include <stdlib.h>

/* Asynchronous completions run exactly once, on the thread that polls. */
static void on_done(tc_status st, const tc_response *r, void *ud) {
    printf("async: %s, HTTP %d: %s\n", tc_strerror(st), tc_response_http_status(r), tc_response_body(r, NULL));
    *(tc_status *)ud = st;
}

int main(void) {
    tc_conduits_options opts = TC_CONDUITS_OPTIONS_INIT;
    opts.client_id = getenv("TWITCH_CLIENT_ID");
    opts.client_secret = getenv("TWITCH_CLIENT_SECRET");
    opts.api_base_url = getenv("TWITCH_API_BASE");   /* NULL = https://api.twitch.tv/helix */
    opts.auth_base_url = getenv("TWITCH_AUTH_BASE"); /* NULL = https://id.twitch.tv/oauth2 */

    tc_conduits *c = NULL;
    if (tc_conduits_new(&c, &opts) != TC_OK) {
        fprintf(stderr, "%s\n", tc_last_error_message());
        return 1;
    }

    /* Blocking form, for scripts. */
    tc_request_options req = TC_REQUEST_OPTIONS_INIT;
    req.method = TC_POST;
    req.path = "/eventsub/conduits";
    req.body = "{\"shard_count\":4}";
    tc_response *resp = NULL;
    tc_status st = tc_request_sync(&resp, c, &req);
    printf("%s: HTTP %d after %d attempt(s): %s\n", tc_strerror(st), tc_response_http_status(resp),
           tc_response_attempts(resp), tc_response_body(resp, NULL));
    if (st != TC_OK) fprintf(stderr, "%s\n", tc_last_error_message());
    tc_response_free(resp);

    /* Asynchronous form: submit, then drive callbacks from your loop. */
    tc_status listed = TC_ERROR;
    req.method = TC_GET;
    req.body = NULL;
    if (tc_request(NULL, c, &req, on_done, &listed) != TC_OK) fprintf(stderr, "%s\n", tc_last_error_message());
    while (tc_conduits_pending(c) > 0) tc_conduits_poll(c, 1000, NULL);

    tc_conduits_free(c); /* anything still pending completes with TC_ECANCELED */
    return st == TC_OK && listed == TC_OK ? 0 : 1;
}
