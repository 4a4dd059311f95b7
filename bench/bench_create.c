/*
 * bench_create: the library creating N conduit subscriptions in one batch
 * against a running server (the bundled tc-mock), for bench_vs_twurple.py.
 *
 *   bench_create --api-base URL --auth-base URL --conduit ID --count N
 *                [--first-id K] [--concurrency C]   (C 0 = adaptive, the default)
 *
 * Client id and secret: the mock's defaults, or TWITCH_CLIENT_ID /
 * TWITCH_CLIENT_SECRET. The app token is fetched before the clock starts (as
 * the other contenders' timings do). Prints one JSON line:
 * {"seconds","created","failed","window"} ("window": the adaptive window the
 * batch settled on, from the library's INFO log; 0 with a fixed concurrency).
 * Exit status 0 when every item was created, 1 otherwise, 2 on a usage error.
 */
#define _GNU_SOURCE

#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <twitchconduits.h>

#include "bench_util.h"

static pthread_mutex_t g_lock = PTHREAD_MUTEX_INITIALIZER;
static int g_window;

static void on_log(tc_log_level level, const char *message, void *userdata) {
    (void)level;
    (void)userdata;
    size_t items = 0;
    int window = 0;
    if (sscanf(message, "batch of %zu: adaptive window ended at %d", &items, &window) == 2) {
        pthread_mutex_lock(&g_lock);
        g_window = window;
        pthread_mutex_unlock(&g_lock);
    }
}

typedef struct result {
    tc_status status;
    size_t created, count;
    uint64_t t1;
} result;

static void on_batch(tc_status status, const tc_subscription_batch *batch, void *userdata) {
    result *r = userdata;
    r->t1 = now_ns();
    r->status = status;
    if (batch != NULL) {
        r->count = tc_subscription_batch_count(batch);
        r->created = tc_subscription_batch_tally(batch, TC_ITEM_CREATED);
    }
}

static long number(const char *flag, const char *v, long min, long max) {
    char *end = NULL;
    errno = 0;
    long n = v != NULL ? strtol(v, &end, 10) : 0;
    if (v == NULL || errno != 0 || end == v || *end != '\0' || n < min || n > max) {
        fprintf(stderr, "bench_create: %s needs an integer in %ld..%ld\n", flag, min, max);
        exit(2);
    }
    return n;
}

int main(int argc, char **argv) {
    const char *api = NULL, *auth = NULL, *conduit = NULL;
    long count = 0, first_id = 1000, concurrency = 0;
    for (int i = 1; i < argc; i += 2) {
        const char *v = i + 1 < argc ? argv[i + 1] : NULL;
        if (strcmp(argv[i], "--api-base") == 0) {
            api = v;
        } else if (strcmp(argv[i], "--auth-base") == 0) {
            auth = v;
        } else if (strcmp(argv[i], "--conduit") == 0) {
            conduit = v;
        } else if (strcmp(argv[i], "--count") == 0) {
            count = number(argv[i], v, 1, 1000000);
        } else if (strcmp(argv[i], "--first-id") == 0) {
            first_id = number(argv[i], v, 1, 1000000000);
        } else if (strcmp(argv[i], "--concurrency") == 0) {
            concurrency = number(argv[i], v, 0, 1000);
        } else {
            fprintf(stderr, "bench_create: unknown option %s\n", argv[i]);
            return 2;
        }
    }
    if (api == NULL || auth == NULL || conduit == NULL || count == 0) {
        fprintf(stderr, "usage: bench_create --api-base URL --auth-base URL --conduit ID --count N "
                        "[--first-id K] [--concurrency C]\n");
        return 2;
    }
    const char *id = getenv("TWITCH_CLIENT_ID"), *secret = getenv("TWITCH_CLIENT_SECRET");
    tc_conduits_options opts;
    tc_conduits_options_init(&opts, TC_CONDUITS_OPTIONS_VERSION);
    opts.client_id = id != NULL ? id : "mockclientid0123456789abcdefghij";
    opts.client_secret = secret != NULL ? secret : "mocksecret0123456789abcdefghijk";
    opts.api_base_url = api;
    opts.auth_base_url = auth;
    opts.log_cb = on_log;
    opts.log_level = TC_LOG_INFO;
    if (concurrency > 0) opts.max_concurrency = (int)concurrency;
    tc_conduits *c = NULL;
    tc_status st = tc_conduits_new(&c, &opts);
    tc_token *tok = NULL;
    if (st == TC_OK) st = tc_token_get_sync(&tok, c, 0);
    if (st != TC_OK) {
        fprintf(stderr, "bench_create: %s (%s)\n", tc_strerror(st), tc_last_error_message());
        tc_conduits_free(c);
        return 2;
    }
    tc_token_free(tok);

    tc_subscription_spec *specs = calloc((size_t)count, sizeof *specs);
    char *conditions = malloc((size_t)count * 48);
    if (specs == NULL || conditions == NULL) return 2;
    for (long i = 0; i < count; ++i) {
        char *cond = conditions + i * 48;
        snprintf(cond, 48, "{\"broadcaster_user_id\":\"%ld\"}", first_id + i);
        specs[i].type = "stream.online";
        specs[i].version = "1";
        specs[i].condition_json = cond;
    }
    tc_batch_options bo = TC_BATCH_OPTIONS_INIT;
    bo.concurrency = (int)concurrency;
    result r;
    memset(&r, 0, sizeof r);
    r.status = TC_ERROR;
    tc_op_id op = 0;
    uint64_t t0 = now_ns();
    st = tc_subscriptions_create(&op, c, conduit, specs, (size_t)count, &bo, on_batch, &r);
    if (st == TC_OK) st = tc_conduits_await(c, op, 600000);
    tc_conduits_free(c);
    if (st != TC_OK) {
        fprintf(stderr, "bench_create: %s (%s)\n", tc_strerror(st), tc_last_error_message());
        return 1;
    }
    pthread_mutex_lock(&g_lock);
    int window = g_window;
    pthread_mutex_unlock(&g_lock);
    printf("{\"seconds\":%.6f,\"created\":%zu,\"failed\":%zu,\"window\":%d}\n", (double)(r.t1 - t0) / 1e9, r.created,
           r.count - r.created, window);
    free(specs);
    free(conditions);
    return r.created == (size_t)count ? 0 : 1;
}
