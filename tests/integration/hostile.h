/* A hostile Helix server for tests of what a real one never does: cursors
 * that never end or cycle, absurd rate-limit headers. Every GET below
 * /helix is answered by the test's function; the manager under test is
 * given an app token, so no OAuth endpoint is needed. */
#ifndef TC_TEST_HOSTILE_H
#define TC_TEST_HOSTILE_H

#include <stddef.h>

typedef struct hostile_reply {
    int status;            /* HTTP status (200 when left 0) */
    char body[4096];       /* the JSON body */
    char headers[8][2][128]; /* extra response headers: name, value ("" ends) */
} hostile_reply;

/* Fills *out for the n-th request (0-based) of `path` (below /helix) whose
 * "after" query parameter is `after` ("" when absent). */
typedef void (*hostile_answer_fn)(int n, const char *path, const char *after, hostile_reply *out, void *userdata);

typedef struct hostile hostile;

/* Starts on a free loopback port; fails the test on error. */
hostile *hostile_start(hostile_answer_fn answer, void *userdata);
/* "http://127.0.0.1:PORT/helix" */
const char *hostile_helix_base(const hostile *h);
/* How many requests were answered so far. */
int hostile_requests(hostile *h);
void hostile_stop(hostile *h);

#endif
