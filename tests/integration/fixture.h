/* Shared set-up for integration tests: a mock Twitch server on loopback and
 * managers pointed at it, plus small helpers for counting callbacks. */
#ifndef TC_TEST_FIXTURE_H
#define TC_TEST_FIXTURE_H

#include <twitchconduits.h>

#include "tcmock.h"

#include <stddef.h>

/* Starts a mock with `cfg` (NULL = defaults). Fails the test on error. */
tcmock *fixture_mock(const tcmock_config *cfg);

/* Options pointing at `m` with its default credentials, short backoffs and
 * a fixed jitter seed. */
tc_conduits_options fixture_options(const tcmock *m);

/* tc_conduits_new() that fails the test on error. */
tc_conduits *fixture_manager(const tc_conduits_options *opts);

/* A GET of /eventsub/conduits. */
tc_request_options fixture_get_conduits(void);

/* Records each completion of one request. */
typedef struct call_record {
    int calls;          /* how many times the callback ran: must end at 1 */
    tc_status status;
    int http_status;
    int attempts;
    double elapsed_ms;
    char message[256];
    char body[1024];
} call_record;

/* A tc_response_cb that fills a call_record (userdata). */
void record_response(tc_status status, const tc_response *r, void *userdata);
/* A tc_done_cb that fills a call_record (userdata): status, HTTP status and
 * message; no attempts, elapsed time or body. */
void record_done(tc_status status, void *userdata);

/* One successful GET, so the token and a connection exist before a test
 * scripts faults for the requests that follow. */
void fixture_warm_up(tc_conduits *c);

/* Creates a conduit with `shards` shards (failing the test otherwise) and
 * copies its id into id_out (at least 80 bytes). */
void fixture_make_conduit(tc_conduits *c, int shards, char *id_out);

/* Runs the loop until nothing is pending; fails the test after timeout_ms. */
void run_all(tc_conduits *c, int timeout_ms);

/* Milliseconds on a monotonic clock. */
double now_ms(void);

#endif
