/*
 * The C baseline of the bindings' benchmarks: the same Helix request the
 * bindings' benchmarks send (GET /eventsub/conduits), completed from C with
 * the plain C API, one at a time and then `concurrency` at a time.
 *
 *   bench_c_requests API_BASE AUTH_BASE COUNT CONCURRENCY
 *
 * Prints one line a script can parse:
 *   sequential_us=<wall us per request> concurrent_us=<wall us per request>
 * The caller raises the mock's rate limit first (POST /_mock/config
 * {"ratelimit_limit":1000000}) so that no 429 wait is measured. Each
 * binding's benchmark runs this against the same mock in the same run
 * and prints its own cost as a ratio to these numbers.
 */
#define _POSIX_C_SOURCE 200809L
#include <twitchconduits.h>

#include <stdio.h>
#include <stdlib.h>
#include <time.h>

static double now_us(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec * 1e6 + (double)ts.tv_nsec / 1e3;
}

static int failures = 0;

static void on_response(tc_status st, const tc_response *r, void *ud) {
    (void)r;
    (void)ud;
    if (st != TC_OK) failures++;
}

static int submit(tc_conduits *c, tc_op_id *id) {
    tc_request_options req = TC_REQUEST_OPTIONS_INIT;
    req.method = TC_GET;
    req.path = "/eventsub/conduits";
    return tc_request(id, c, &req, on_response, NULL) == TC_OK;
}

int main(int argc, char **argv) {
    if (argc != 5) {
        fprintf(stderr, "usage: %s API_BASE AUTH_BASE COUNT CONCURRENCY\n", argv[0]);
        return 2;
    }
    int count = atoi(argv[3]), concurrency = atoi(argv[4]);
    if (count <= 0 || concurrency <= 0) return 2;
    tc_conduits_options o = TC_CONDUITS_OPTIONS_INIT;
    o.client_id = "mockclientid0123456789abcdefghij";
    o.client_secret = "mocksecret0123456789abcdefghijk";
    o.api_base_url = argv[1];
    o.auth_base_url = argv[2];
    o.flags = TC_CONDUITS_F_NO_PACING;
    tc_conduits *c = NULL;
    if (tc_conduits_new(&c, &o) != TC_OK) {
        fprintf(stderr, "tc_conduits_new: %s\n", tc_last_error_message());
        return 1;
    }
    tc_op_id id = 0;
    /* Warm-up: the token and the connections. */
    for (int i = 0; i < concurrency; i++) submit(c, &id);
    tc_conduits_run(c, 30000);

    double t0 = now_us();
    for (int i = 0; i < count; i++) {
        if (!submit(c, &id)) failures++;
        tc_conduits_await(c, id, 30000);
    }
    double sequential = (now_us() - t0) / count;

    t0 = now_us();
    int sent = 0;
    while (sent < count) {
        while (sent < count && (int)tc_conduits_pending(c) < concurrency) {
            if (!submit(c, &id)) failures++;
            sent++;
        }
        tc_conduits_poll(c, 1000, NULL);
    }
    tc_conduits_run(c, 30000);
    double concurrent = (now_us() - t0) / count;

    tc_conduits_free(c);
    printf("sequential_us=%.2f concurrent_us=%.2f failures=%d\n", sequential, concurrent, failures);
    return failures == 0 ? 0 : 1;
}
