/*
 * bench_subscriptions: bulk subscription work against the in-process mock
 * Twitch server, each part against a floor or a baseline measured in the
 * same run.
 *
 *   1. create      N tc_subscriptions_create items (stream.online v1, one
 *                  broadcaster id each) with latency_ms 20 on every answer,
 *                  the rate limit out of the way: first with the adaptive
 *                  window (batch concurrency 0) on a manager with the default
 *                  max_concurrency (or --max-concurrency), then with the old
 *                  fixed 32 on max_concurrency 64. Floor: N x 20 ms / the
 *                  window the library settled on (it logs it at INFO).
 *                  Baseline: a sequential client (raw libcurl, one keep-alive
 *                  connection, one POST at a time: the original library's
 *                  pattern without its unbounded burst) and the library with
 *                  batch concurrency 1, both on a sample of S items against a
 *                  second mock with the same settings, projected to N.
 *                  Checks: every item CREATED, and the mock ends with exactly
 *                  N subscriptions, N created, no 429.
 *   2. ratelimit   M items (latency 0) against a small bucket of B points
 *                  refilled over W seconds (default 50 + 20/s), bucket full
 *                  at the start. Floor: (M - B) / rate. Run twice on fresh
 *                  managers: adaptive with pacing (the defaults; target: 0
 *                  answers 429, <= 1.05x the floor) and fixed 32 with
 *                  TC_CONDUITS_F_NO_PACING (429s waited out).
 *   3. list        L subscriptions (page_size 100) created fast through
 *                  parallel batches, L/10 of them on a conduit of their own;
 *                  then tc_subscriptions_list with a page callback that only
 *                  counts, timed, once filtered to that conduit (L/10 items)
 *                  and once over everything (L items). Baseline: raw libcurl
 *                  fetching the same pages one after the other (no parsing).
 *                  Then both listings again with a page callback that samples
 *                  RSS (/proc/self/statm, every page) and heap in use
 *                  (mallinfo2, ~50 times per listing: it is slow on a big
 *                  heap): the peak growth during a listing, over what was in
 *                  use when it started (after creation and malloc_trim), must
 *                  not grow with the count beyond about one page (checked).
 *                  The mock keeps its subscriptions in this process too, which
 *                  is why only the growth during the listing is the library's.
 *
 * Exit status: 0 when every item, count and listing checked out; 1 when any
 * failed (failures are counted and the first few printed); 2 on a usage or
 * setup error. Time ratios are reported against their targets, not gated:
 * shared CI machines are too noisy for that.
 */
#define _GNU_SOURCE

#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#if defined(__GLIBC__)
#include <malloc.h>
#endif

#include <curl/curl.h>
#include <pthread.h>

#include <twitchconduits.h>

#include "tcmock.h"

#include "bench_util.h"

#define MOCK_CLIENT_ID "mockclientid0123456789abcdefghij"
#define MOCK_CLIENT_SECRET "mocksecret0123456789abcdefghijk"
#define SUB_TYPE "stream.online"
#define SUB_VERSION "1"
#define MAX_PRINTED_FAILURES 8
#define COND_LEN 48

/* ------------------------------------------------------------------------ */
/* Clocks, memory, failures */


static double secs_since(uint64_t t0) { return (double)(now_ns() - t0) / 1e9; }

/* Bytes the allocator has handed out and not got back (whole process). */
static long long heap_in_use(void) {
#if defined(__GLIBC__) && (__GLIBC__ > 2 || (__GLIBC__ == 2 && __GLIBC_MINOR__ >= 33))
    struct mallinfo2 mi = mallinfo2();
    return (long long)(mi.uordblks + mi.hblkhd);
#else
    return -1;
#endif
}

/* Resident set size (VmRSS), bytes. */
static long long rss_bytes(void) {
    long long pages_total = 0, pages_rss = -1;
    FILE *f = fopen("/proc/self/statm", "r");
    if (f == NULL) return -1;
    if (fscanf(f, "%lld %lld", &pages_total, &pages_rss) != 2) pages_rss = -1;
    fclose(f);
    return pages_rss < 0 ? -1 : pages_rss * (long long)sysconf(_SC_PAGESIZE);
}

/* Give freed memory back to the system so RSS deltas mean new pages. */
static void trim_heap(void) {
#if defined(__GLIBC__)
    malloc_trim(0);
#endif
}

static double mib(long long bytes) { return (double)bytes / (1024.0 * 1024.0); }

static int g_max_concurrency; /* part 1's adaptive run; 0 = the library's default */
static long g_failed;  /* failed items and failed checks, all parts */
static long g_printed;

static void failure(const char *fmt, ...) {
    g_failed++;
    if (g_printed > MAX_PRINTED_FAILURES) return;
    if (g_printed++ == MAX_PRINTED_FAILURES) {
        fprintf(stderr, "bench_subscriptions: further failures are counted, not printed\n");
        return;
    }
    va_list ap;
    va_start(ap, fmt);
    fprintf(stderr, "bench_subscriptions: FAILED: ");
    vfprintf(stderr, fmt, ap);
    fputc('\n', stderr);
    va_end(ap);
}

static void die(const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    fprintf(stderr, "bench_subscriptions: ");
    vfprintf(stderr, fmt, ap);
    fputc('\n', stderr);
    va_end(ap);
    exit(2);
}

/* ------------------------------------------------------------------------ */
/* Mock and manager set-up */

static tcmock *start_mock(void) {
    tcmock_config cfg;
    tcmock_config_init(&cfg);
    cfg.port = 0;
    cfg.ratelimit_limit = 100000000; /* out of the way unless a part lowers it */
    cfg.max_total_cost = 1000000;    /* stream.online costs 1: room for every part */
    cfg.page_size = 100;
    tcmock *m = NULL;
    char err[256];
    if (tcmock_start(&m, &cfg, err, sizeof err) != 0) die("cannot start the mock: %s", err);
    return m;
}

static void mock_config(tcmock *m, const char *fmt, ...) {
    char body[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(body, sizeof body, fmt, ap);
    va_end(ap);
    if (tcmock_control(m, "config", body) != 0) die("the mock refused config %s", body);
}

static void on_log(tc_log_level level, const char *message, void *userdata);

static tc_conduits *new_manager(tcmock *m, int max_concurrency, unsigned int flags) {
    tc_conduits_options opts;
    tc_conduits_options_init(&opts, TC_CONDUITS_OPTIONS_VERSION);
    opts.client_id = MOCK_CLIENT_ID;
    opts.client_secret = MOCK_CLIENT_SECRET;
    opts.api_base_url = tcmock_helix_base(m);
    opts.auth_base_url = tcmock_auth_base(m);
    opts.max_concurrency = max_concurrency;
    opts.flags = flags;
    opts.random_seed = 42;
    opts.log_cb = on_log;
    opts.log_level = TC_LOG_INFO;
    tc_conduits *c = NULL;
    tc_status st = tc_conduits_new(&c, &opts);
    if (st != TC_OK) die("tc_conduits_new: %s (%s)", tc_strerror(st), tc_last_error_message());
    /* The token first, so no measured run pays for it. */
    tc_token *tok = NULL;
    st = tc_token_get_sync(&tok, c, 0);
    if (st != TC_OK) die("tc_token_get_sync: %s (%s)", tc_strerror(st), tc_last_error_message());
    tc_token_free(tok);
    return c;
}

/* The manager's current access token, for the raw baselines. */
static char *access_token(tc_conduits *c) {
    tc_token *tok = NULL;
    tc_status st = tc_token_get_sync(&tok, c, 0);
    if (st != TC_OK) die("tc_token_get_sync: %s (%s)", tc_strerror(st), tc_last_error_message());
    char *copy = strdup(tc_token_access_token(tok));
    tc_token_free(tok);
    if (copy == NULL) die("out of memory");
    return copy;
}

typedef struct conduit_result {
    tc_status status;
    char id[128];
} conduit_result;

static void on_conduit(tc_status status, const tc_conduit *conduit, void *userdata) {
    conduit_result *r = userdata;
    r->status = status;
    if (status == TC_OK) snprintf(r->id, sizeof r->id, "%s", tc_conduit_id(conduit));
}

static void create_conduit(tc_conduits *c, char *id_out, size_t len) {
    conduit_result r = {TC_ERROR, ""};
    tc_op_id id = 0;
    tc_status st = tc_conduit_create(&id, c, 1, on_conduit, &r);
    if (st == TC_OK) st = tc_conduits_await(c, id, 30000);
    if (st != TC_OK || r.status != TC_OK) {
        die("tc_conduit_create: %s (%s)", tc_strerror(st != TC_OK ? st : r.status), tc_last_error_message());
    }
    snprintf(id_out, len, "%s", r.id);
}

/* ------------------------------------------------------------------------ */
/* Specs: one broadcaster id per item, from `first_id` on. */

typedef struct specs {
    tc_subscription_spec *v;
    char *conditions; /* COND_LEN bytes each */
    size_t n;
} specs;

static specs make_specs(long first_id, size_t n) {
    specs s;
    s.n = n;
    s.v = calloc(n > 0 ? n : 1, sizeof *s.v);
    s.conditions = malloc((n > 0 ? n : 1) * COND_LEN);
    if (s.v == NULL || s.conditions == NULL) die("out of memory");
    for (size_t i = 0; i < n; ++i) {
        char *cond = s.conditions + i * COND_LEN;
        snprintf(cond, COND_LEN, "{\"broadcaster_user_id\":\"%ld\"}", first_id + (long)i);
        s.v[i].type = SUB_TYPE;
        s.v[i].version = SUB_VERSION;
        s.v[i].condition_json = cond;
    }
    return s;
}

static void free_specs(specs *s) {
    free(s->v);
    free(s->conditions);
    memset(s, 0, sizeof *s);
}

/* ------------------------------------------------------------------------ */
/* One tc_subscriptions_create batch */

typedef struct batch_run {
    const char *label;
    int done;
    tc_status status;
    size_t count;
    size_t created;
    uint64_t t0, t1; /* submit, completion callback */
} batch_run;

static const char *outcome_name(tc_item_outcome o) {
    switch (o) {
    case TC_ITEM_CREATED: return "created";
    case TC_ITEM_EXISTED: return "existed";
    case TC_ITEM_FAILED: return "failed";
    case TC_ITEM_OVER_BUDGET: return "over budget";
    case TC_ITEM_CANCELED: return "canceled";
    case TC_ITEM_DELETED: return "deleted";
    case TC_ITEM_GONE: return "gone";
    case TC_ITEM_TO_CREATE: return "to create";
    case TC_ITEM_TO_DELETE: return "to delete";
    }
    return "unknown";
}

static void on_batch(tc_status status, const tc_subscription_batch *batch, void *userdata) {
    batch_run *r = userdata;
    r->t1 = now_ns();
    r->done = 1;
    r->status = status;
    if (batch == NULL) {
        failure("%s: batch completed with %s and no results (%s)", r->label, tc_strerror(status),
                tc_last_error_message());
        return;
    }
    r->count = tc_subscription_batch_count(batch);
    r->created = tc_subscription_batch_tally(batch, TC_ITEM_CREATED);
    for (size_t i = 0; i < r->count; ++i) {
        tc_item_outcome o = tc_subscription_batch_outcome(batch, i);
        if (o == TC_ITEM_CREATED && tc_subscription_batch_subscription(batch, i) != NULL) continue;
        failure("%s: item %zu %s: %s (%s)", r->label, i, outcome_name(o),
                tc_strerror(tc_subscription_batch_status(batch, i)), tc_subscription_batch_message(batch, i));
    }
}

/* Submit a batch; the caller awaits it (alone or with others). */
static tc_op_id submit_batch(tc_conduits *c, const char *conduit_id, const tc_subscription_spec *v, size_t n,
                             int concurrency, batch_run *r, const char *label) {
    memset(r, 0, sizeof *r);
    r->label = label;
    r->status = TC_ERROR;
    tc_batch_options opts = TC_BATCH_OPTIONS_INIT;
    opts.concurrency = concurrency;
    tc_op_id id = 0;
    r->t0 = now_ns();
    tc_status st = tc_subscriptions_create(&id, c, conduit_id, v, n, &opts, on_batch, r);
    if (st != TC_OK) die("%s: tc_subscriptions_create: %s (%s)", label, tc_strerror(st), tc_last_error_message());
    return id;
}

static void await_batch(tc_conduits *c, tc_op_id id, batch_run *r, size_t expected, int timeout_ms) {
    tc_status st = tc_conduits_await(c, id, timeout_ms);
    if (st != TC_OK || !r->done) {
        failure("%s: not finished after %d ms (%s); cancelling", r->label, timeout_ms, tc_strerror(st));
        tc_conduits_cancel(c, id);
        tc_conduits_await(c, id, 30000);
        if (!r->done) die("%s: the batch did not complete after cancelling", r->label);
    }
    if (r->count != expected) failure("%s: %zu results for %zu items", r->label, r->count, expected);
    if (r->status != TC_OK && r->created == expected) {
        failure("%s: every item created but the batch completed with %s", r->label, tc_strerror(r->status));
    }
}

static double batch_seconds(const batch_run *r) { return (double)(r->t1 - r->t0) / 1e9; }

/* Check a mock counter against what the run must have left. */
static void expect_stat(tcmock *m, const char *name, long base, long expected, const char *part) {
    long got = tcmock_stat(m, name) - base;
    if (got != expected) failure("%s: the mock's %s moved by %ld, expected %ld", part, name, got, expected);
}

/* ------------------------------------------------------------------------ */
/* Raw libcurl baselines */

typedef struct buffer {
    char *p;
    size_t len, cap;
} buffer;

static size_t on_body(char *data, size_t size, size_t n, void *userp) {
    buffer *b = userp;
    size_t bytes = size * n;
    if (b->len + bytes + 1 > b->cap) {
        size_t cap = b->cap ? b->cap : 4096;
        while (b->len + bytes + 1 > cap) cap *= 2;
        char *p = realloc(b->p, cap);
        if (p == NULL) return 0;
        b->p = p;
        b->cap = cap;
    }
    memcpy(b->p + b->len, data, bytes);
    b->len += bytes;
    b->p[b->len] = '\0';
    return bytes;
}

typedef struct raw_client {
    CURL *easy;
    struct curl_slist *headers;
    buffer body;
} raw_client;

static void raw_init(raw_client *rc, const char *token, int json_body) {
    memset(rc, 0, sizeof *rc);
    rc->easy = curl_easy_init();
    if (rc->easy == NULL) die("curl_easy_init failed");
    char auth[512];
    snprintf(auth, sizeof auth, "Authorization: Bearer %s", token);
    rc->headers = curl_slist_append(rc->headers, auth);
    rc->headers = curl_slist_append(rc->headers, "Client-Id: " MOCK_CLIENT_ID);
    rc->headers = curl_slist_append(rc->headers, "Accept: application/json");
    if (json_body) rc->headers = curl_slist_append(rc->headers, "Content-Type: application/json");
    if (rc->headers == NULL) die("out of memory");
    curl_easy_setopt(rc->easy, CURLOPT_HTTPHEADER, rc->headers);
    curl_easy_setopt(rc->easy, CURLOPT_WRITEFUNCTION, on_body);
    curl_easy_setopt(rc->easy, CURLOPT_WRITEDATA, &rc->body);
    curl_easy_setopt(rc->easy, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(rc->easy, CURLOPT_TIMEOUT_MS, 30000L);
}

static void raw_free(raw_client *rc) {
    curl_easy_cleanup(rc->easy);
    curl_slist_free_all(rc->headers);
    free(rc->body.p);
}

/* One request on the client's keep-alive connection; the HTTP status, or -1. */
static long raw_perform(raw_client *rc, const char *url, const char *post_body) {
    rc->body.len = 0;
    if (rc->body.p) rc->body.p[0] = '\0';
    curl_easy_setopt(rc->easy, CURLOPT_URL, url);
    if (post_body != NULL) {
        curl_easy_setopt(rc->easy, CURLOPT_POSTFIELDS, post_body);
    } else {
        curl_easy_setopt(rc->easy, CURLOPT_HTTPGET, 1L);
    }
    CURLcode rc_code = curl_easy_perform(rc->easy);
    if (rc_code != CURLE_OK) {
        failure("raw libcurl: %s: %s", url, curl_easy_strerror(rc_code));
        return -1;
    }
    long http = 0;
    curl_easy_getinfo(rc->easy, CURLINFO_RESPONSE_CODE, &http);
    return http;
}

/* Sequential creation: the next POST only after the previous answer. */
static size_t raw_create_sequential(const char *helix_base, const char *token, const char *conduit_id,
                                    const specs *s) {
    raw_client rc;
    raw_init(&rc, token, 1);
    char url[512], body[512];
    snprintf(url, sizeof url, "%s/eventsub/subscriptions", helix_base);
    size_t created = 0;
    for (size_t i = 0; i < s->n; ++i) {
        snprintf(body, sizeof body,
                 "{\"type\":\"%s\",\"version\":\"%s\",\"condition\":%s,"
                 "\"transport\":{\"method\":\"conduit\",\"conduit_id\":\"%s\"}}",
                 s->v[i].type, s->v[i].version, s->v[i].condition_json, conduit_id);
        long http = raw_perform(&rc, url, body);
        if (http == 202) {
            created++;
        } else if (http > 0) {
            failure("raw sequential create: item %zu: HTTP %ld: %.200s", i, http, rc.body.p ? rc.body.p : "");
        }
    }
    raw_free(&rc);
    return created;
}

/* Page through the listing; items counted by their "created_at" keys. */
static size_t raw_list(const char *helix_base, const char *token, long *pages_out, size_t *page_bytes_out) {
    raw_client rc;
    raw_init(&rc, token, 0);
    char base[512], url[1024], cursor[512] = "";
    snprintf(base, sizeof base, "%s/eventsub/subscriptions", helix_base);
    size_t items = 0, max_bytes = 0;
    long pages = 0;
    for (;;) {
        if (cursor[0] != '\0') {
            snprintf(url, sizeof url, "%s?after=%s", base, cursor);
        } else {
            snprintf(url, sizeof url, "%s", base);
        }
        long http = raw_perform(&rc, url, NULL);
        if (http != 200) {
            if (http > 0) failure("raw list: page %ld: HTTP %ld", pages + 1, http);
            break;
        }
        pages++;
        if (rc.body.len > max_bytes) max_bytes = rc.body.len;
        for (const char *p = rc.body.p; (p = strstr(p, "\"created_at\":")) != NULL; p++) items++;
        const char *pag = strstr(rc.body.p, "\"pagination\":");
        const char *cur = pag ? strstr(pag, "\"cursor\":\"") : NULL;
        if (cur == NULL) break;
        cur += strlen("\"cursor\":\"");
        const char *end = strchr(cur, '"');
        if (end == NULL || (size_t)(end - cur) >= sizeof cursor) {
            failure("raw list: unreadable cursor on page %ld", pages);
            break;
        }
        memcpy(cursor, cur, (size_t)(end - cur));
        cursor[end - cur] = '\0';
    }
    raw_free(&rc);
    *pages_out = pages;
    *page_bytes_out = max_bytes;
    return items;
}

/* ------------------------------------------------------------------------ */
/* Part 1: bulk creation with latency */

#define CREATE_LATENCY_MS 20
#define CREATE_CONCURRENCY 32
#define CREATE_MAX_CONCURRENCY 64

/* The adaptive window's report: the library logs one line per batch at INFO. */
typedef struct window_report {
    int ended, peak, limit, halvings;
    double srtt_ms, base_ms;
} window_report;

static pthread_mutex_t g_window_lock = PTHREAD_MUTEX_INITIALIZER;
static window_report g_window;

static void on_log(tc_log_level level, const char *message, void *userdata) {
    (void)level;
    (void)userdata;
    window_report w;
    memset(&w, 0, sizeof w);
    size_t items = 0;
    if (sscanf(message,
               "batch of %zu: adaptive window ended at %d (at most %d in flight, limit %d), round trip %lf ms "
               "(lowest %lf ms), %d halving",
               &items, &w.ended, &w.peak, &w.limit, &w.srtt_ms, &w.base_ms, &w.halvings) == 7) {
        pthread_mutex_lock(&g_window_lock);
        g_window = w;
        pthread_mutex_unlock(&g_window_lock);
    }
}

static window_report last_window(void) {
    pthread_mutex_lock(&g_window_lock);
    window_report w = g_window;
    memset(&g_window, 0, sizeof g_window);
    pthread_mutex_unlock(&g_window_lock);
    return w;
}

typedef struct create_run {
    double seconds;
    window_report window;
} create_run;

/* One measured creation of n items on a fresh mock; concurrency 0 = adaptive. */
static create_run create_measured(long n, int concurrency, int max_concurrency) {
    create_run out;
    memset(&out, 0, sizeof out);
    tcmock *m = start_mock();
    tc_conduits *c = new_manager(m, max_concurrency, 0);
    char conduit[128];
    create_conduit(c, conduit, sizeof conduit);
    mock_config(m, "{\"latency_ms\":%d}", CREATE_LATENCY_MS);
    specs s = make_specs(100000000L, (size_t)n);
    long subs0 = tcmock_stat(m, "subscriptions"), created0 = tcmock_stat(m, "subscriptions_created");
    long limited0 = tcmock_stat(m, "rate_limited"), helix0 = tcmock_stat(m, "helix_requests");
    uint64_t retries0 = tc_conduits_stat(c, TC_STAT_RETRIES);
    uint64_t conns0 = tc_conduits_stat(c, TC_STAT_CONNECTIONS);
    char label[64];
    if (concurrency > 0) {
        snprintf(label, sizeof label, "create, fixed %d", concurrency);
    } else {
        snprintf(label, sizeof label, "create, adaptive");
    }

    last_window();
    batch_run r;
    tc_op_id id = submit_batch(c, conduit, s.v, s.n, concurrency, &r, label);
    await_batch(c, id, &r, s.n, (int)((double)n * CREATE_LATENCY_MS * 10.0) + 120000);
    out.seconds = batch_seconds(&r);
    if (concurrency <= 0) out.window = last_window();

    long helix = tcmock_stat(m, "helix_requests") - helix0;
    printf("  library, %s: %zu of %ld created in %.2f s (%.0f items/s); %ld Helix requests, %" PRIu64
           " retries, %" PRIu64 " new connections",
           label, r.created, n, out.seconds, (double)n / out.seconds, helix,
           tc_conduits_stat(c, TC_STAT_RETRIES) - retries0, tc_conduits_stat(c, TC_STAT_CONNECTIONS) - conns0);
    if (concurrency <= 0) {
        printf("; window settled at %d (at most %d in flight, limit %d), round trip %.1f ms (lowest %.1f ms), %d "
               "halving(s)",
               out.window.ended, out.window.peak, out.window.limit, out.window.srtt_ms, out.window.base_ms,
               out.window.halvings);
        if (out.window.ended <= 0) failure("%s: the library logged no window report", label);
    }
    printf("\n");
    if (r.created != (size_t)n) failure("%s: %zu of %ld items created", label, r.created, n);
    expect_stat(m, "subscriptions", subs0, n, label);
    expect_stat(m, "subscriptions_created", created0, n, label);
    expect_stat(m, "rate_limited", limited0, 0, label);
    fflush(stdout);
    tc_conduits_free(c);
    free_specs(&s);
    tcmock_stop(m);
    return out;
}

static void part_create(long n, long sample) {
    printf("\n[1] create: %ld items, latency %d ms per answer; adaptive (manager max_concurrency %d%s), then fixed "
           "%d in flight (max_concurrency %d)\n",
           n, CREATE_LATENCY_MS, g_max_concurrency, g_max_concurrency == 0 ? " = the default" : "",
           CREATE_CONCURRENCY, CREATE_MAX_CONCURRENCY);
    fflush(stdout);

    /* Baselines on a mock of their own, so the measured mock holds exactly N. */
    tcmock *mb = start_mock();
    tc_conduits *cb = new_manager(mb, CREATE_MAX_CONCURRENCY, 0);
    char conduit_b[128];
    create_conduit(cb, conduit_b, sizeof conduit_b);
    mock_config(mb, "{\"latency_ms\":%d}", CREATE_LATENCY_MS);
    char *token = access_token(cb);

    specs raw_specs = make_specs(500000000L, (size_t)sample);
    uint64_t t0 = now_ns();
    size_t raw_created = raw_create_sequential(tcmock_helix_base(mb), token, conduit_b, &raw_specs);
    double raw_s = secs_since(t0);
    if (raw_created != raw_specs.n) failure("raw sequential create: %zu of %zu created", raw_created, raw_specs.n);
    double raw_projected = raw_s / (double)sample * (double)n;
    printf("  sequential raw libcurl (one POST at a time): %ld in %.2f s, %.1f ms/item; "
           "PROJECTED to %ld: %.1f s\n",
           sample, raw_s, raw_s * 1000.0 / (double)sample, n, raw_projected);
    fflush(stdout);

    specs one_specs = make_specs(600000000L, (size_t)sample);
    batch_run one;
    tc_op_id id = submit_batch(cb, conduit_b, one_specs.v, one_specs.n, 1, &one, "library, concurrency 1");
    await_batch(cb, id, &one, one_specs.n, 120000);
    double one_s = batch_seconds(&one);
    double one_projected = one_s / (double)sample * (double)n;
    printf("  library, batch concurrency 1:                %ld in %.2f s, %.1f ms/item; PROJECTED to %ld: %.1f s\n",
           sample, one_s, one_s * 1000.0 / (double)sample, n, one_projected);
    expect_stat(mb, "subscriptions", 0, 2 * sample, "create baselines");
    tc_conduits_free(cb);
    free(token);
    free_specs(&raw_specs);
    free_specs(&one_specs);
    tcmock_stop(mb);

    /* The measured runs, each on a fresh mock: adaptive (the default), then the old fixed 32. */
    create_run adaptive = create_measured(n, 0, g_max_concurrency);
    create_run fixed = create_measured(n, CREATE_CONCURRENCY, CREATE_MAX_CONCURRENCY);

    double window = adaptive.window.ended > 0 ? adaptive.window.ended : 1;
    double floor_s = (double)n * CREATE_LATENCY_MS / 1000.0 / window;
    double ratio = adaptive.seconds / floor_s;
    double fixed_floor_s = (double)n * CREATE_LATENCY_MS / 1000.0 / CREATE_CONCURRENCY;
    printf("create: %ld in %.2f s adaptive (window settled at %d, at most %d in flight, %d halving(s)), floor at "
           "that window %.2f s, ratio %.2f (target <= 1.25%s); fixed %d in flight %.2f s (floor %.2f s, %.2fx the "
           "adaptive time); sequential raw libcurl %.1f s PROJECTED from %ld (%.1fx slower), library at "
           "concurrency 1 %.1f s PROJECTED (%.1fx)\n",
           n, adaptive.seconds, adaptive.window.ended, adaptive.window.peak, adaptive.window.halvings, floor_s, ratio,
           ratio <= 1.25 ? "" : ", NOT MET", CREATE_CONCURRENCY, fixed.seconds, fixed_floor_s,
           fixed.seconds / adaptive.seconds, raw_projected, sample, raw_projected / adaptive.seconds, one_projected,
           one_projected / adaptive.seconds);
    fflush(stdout);
}

/* ------------------------------------------------------------------------ */
/* Part 2: a small rate-limit bucket */

#define RL_CONCURRENCY 32

typedef struct rl_result {
    double seconds;
    long mock_429;
    uint64_t lib_429, pacing_delays, retries;
    size_t created;
} rl_result;

/* concurrency 0 = adaptive on a manager with the default max_concurrency. */
static rl_result rl_run(tcmock *m, long n, int bucket, double window_s, unsigned int flags, int concurrency,
                        const char *label, long first_id) {
    rl_result res;
    memset(&res, 0, sizeof res);
    /* Forget the previous run's subscriptions and buckets; set-up unlimited. */
    if (tcmock_control(m, "reset", NULL) != 0) die("cannot reset the mock");
    mock_config(m, "{\"latency_ms\":0,\"ratelimit_limit\":100000000,\"ratelimit_window_s\":60}");
    tc_conduits *c = new_manager(m, concurrency > 0 ? concurrency : 0, flags);
    char conduit[128];
    create_conduit(c, conduit, sizeof conduit);
    specs s = make_specs(first_id, (size_t)n);
    /* Changing the limit refills every bucket: the run starts with B points. */
    mock_config(m, "{\"ratelimit_limit\":%d,\"ratelimit_window_s\":%g}", bucket, window_s);
    long limited0 = tcmock_stat(m, "rate_limited"), subs0 = tcmock_stat(m, "subscriptions");
    uint64_t l0 = tc_conduits_stat(c, TC_STAT_RATE_LIMITED), p0 = tc_conduits_stat(c, TC_STAT_PACING_DELAYS);
    uint64_t r0 = tc_conduits_stat(c, TC_STAT_RETRIES);

    double rate = bucket / window_s;
    double floor_s = n > bucket ? (double)(n - bucket) / rate : 0.0;
    batch_run r;
    tc_op_id id = submit_batch(c, conduit, s.v, s.n, concurrency, &r, label);
    await_batch(c, id, &r, s.n, (int)(floor_s * 10000.0) + 120000);
    res.seconds = batch_seconds(&r);
    res.created = r.created;
    res.mock_429 = tcmock_stat(m, "rate_limited") - limited0;
    res.lib_429 = tc_conduits_stat(c, TC_STAT_RATE_LIMITED) - l0;
    res.pacing_delays = tc_conduits_stat(c, TC_STAT_PACING_DELAYS) - p0;
    res.retries = tc_conduits_stat(c, TC_STAT_RETRIES) - r0;
    if (r.created != (size_t)n) failure("%s: %zu of %ld items created", label, r.created, n);
    expect_stat(m, "subscriptions", subs0, n, label);
    printf("  %-12s %zu of %ld created in %.2f s (ratio to floor %.2f); the mock answered %ld with 429 (library "
           "saw %" PRIu64 "), %" PRIu64 " retries, %" PRIu64 " requests held back by pacing\n",
           label, r.created, n, res.seconds, floor_s > 0 ? res.seconds / floor_s : 0.0, res.mock_429, res.lib_429,
           res.retries, res.pacing_delays);
    fflush(stdout);
    tc_conduits_free(c);
    free_specs(&s);
    return res;
}

static void part_ratelimit(long n, int bucket, double window_s) {
    double rate = bucket / window_s;
    double floor_s = n > bucket ? (double)(n - bucket) / rate : 0.0;
    printf("\n[2] ratelimit: %ld items, latency 0, bucket %d points refilled over %g s (%.1f/s), full at the start, "
           "adaptive concurrency (paced), fixed %d (paced, and without pacing); floor (N - bucket) / rate = %.2f s\n",
           n, bucket, window_s, rate, RL_CONCURRENCY, floor_s);
    fflush(stdout);
    tcmock *m = start_mock();
    rl_result paced = rl_run(m, n, bucket, window_s, 0, 0, "paced", 200000000L);
    rl_result paced_fixed = rl_run(m, n, bucket, window_s, 0, RL_CONCURRENCY, "paced, fixed", 250000000L);
    rl_result unpaced = rl_run(m, n, bucket, window_s, TC_CONDUITS_F_NO_PACING, RL_CONCURRENCY, "no pacing", 300000000L);
    tcmock_stop(m);

    double ratio = floor_s > 0 ? paced.seconds / floor_s : 0.0;
    double ratio_np = floor_s > 0 ? unpaced.seconds / floor_s : 0.0;
    printf("ratelimit: %ld in %.2f s, floor %.2f s, ratio %.2f (target <= 1.05%s), %ld answered 429 (target 0%s); "
           "fixed %d paced: %.2f s, ratio %.2f, %ld answered 429; NO_PACING: %.2f s, ratio %.2f, %ld answered 429\n",
           n, paced.seconds, floor_s, ratio, ratio <= 1.05 ? "" : ", NOT MET", paced.mock_429,
           paced.mock_429 == 0 ? "" : ", NOT MET", RL_CONCURRENCY, paced_fixed.seconds,
           floor_s > 0 ? paced_fixed.seconds / floor_s : 0.0, paced_fixed.mock_429, unpaced.seconds, ratio_np, unpaced.mock_429);
    fflush(stdout);
}

/* ------------------------------------------------------------------------ */
/* Part 3: listing */

#define LIST_CREATE_BATCH 10000
#define LIST_PARALLEL_BATCHES 4
#define LIST_BATCH_CONCURRENCY 32
#define LIST_ROUNDS 3


/* The median of n (odd) values; sorts them. */
static double median(double *v, int n) {
    qsort(v, (size_t)n, sizeof *v, cmp_double);
    return v[n / 2];
}

typedef struct list_run {
    size_t items;
    long pages;
    int done;
    tc_status status;
    int http;
    char message[256];
    long long heap0, rss0;
    long long heap_peak, rss_peak; /* growth over heap0 / rss0 */
    int64_t total;                 /* "total" of the last page */
    int sample;                    /* sample memory in the page callback */
    long heap_every;               /* pages between heap samples */
} list_run;

/* RSS on every call; heap in use (mallinfo2, which walks the allocator's
 * free lists and costs tens of milliseconds once the mock holds 100,000
 * subscriptions) on every heap_every-th page and at the end. Memory that
 * built up page after page would show in any late sample. */
static void sample_memory(list_run *r, int final) {
    long long rss = rss_bytes() - r->rss0;
    if (rss > r->rss_peak) r->rss_peak = rss;
    if (!final && r->pages % r->heap_every != 0) return;
    long long heap = heap_in_use() - r->heap0;
    if (heap > r->heap_peak) r->heap_peak = heap;
}

static int on_page(const tc_subscription_list *page, void *userdata) {
    list_run *r = userdata;
    r->items += tc_subscription_list_count(page);
    r->pages++;
    r->total = tc_subscription_list_total(page);
    if (r->sample) sample_memory(r, 0);
    return 0;
}

static void on_list_done(tc_status status, void *userdata) {
    list_run *r = userdata;
    r->done = 1;
    r->status = status;
    r->http = tc_last_http_status();
    snprintf(r->message, sizeof r->message, "%s", status == TC_OK ? "" : tc_last_error_message());
    if (r->sample) sample_memory(r, 1);
}

/* One listing; `conduit_id` NULL lists everything. With `sample`, the page
 * callback samples memory (see sample_memory: far costlier than the page
 * itself, so never in a timed listing); without, it only counts. Returns its
 * seconds. */
static double list_once(tc_conduits *c, const char *conduit_id, size_t expected, int sample, list_run *r,
                        const char *label) {
    memset(r, 0, sizeof *r);
    r->status = TC_ERROR;
    r->sample = sample;
    r->heap_every = (long)(expected / 100 / 50) > 1 ? (long)(expected / 100 / 50) : 1; /* ~50 samples */
    tc_subscription_filter filter = TC_SUBSCRIPTION_FILTER_INIT;
    filter.conduit_id = conduit_id;
    trim_heap();
    r->heap0 = heap_in_use();
    r->rss0 = rss_bytes();
    uint64_t t0 = now_ns();
    tc_op_id id = 0;
    tc_status st = tc_subscriptions_list(&id, c, &filter, on_page, on_list_done, r);
    if (st != TC_OK) die("%s: tc_subscriptions_list: %s (%s)", label, tc_strerror(st), tc_last_error_message());
    st = tc_conduits_await(c, id, 600000);
    double secs = secs_since(t0);
    if (st != TC_OK || !r->done) {
        failure("%s: not finished after 600 s (%s)", label, tc_strerror(st));
        tc_conduits_cancel(c, id);
        tc_conduits_await(c, id, 30000);
        if (!r->done) die("%s: the listing did not complete after cancelling", label);
    }
    if (r->status != TC_OK) {
        failure("%s: completed with %s, HTTP %d: %s", label, tc_strerror(r->status), r->http, r->message);
    }
    if (r->items != expected) failure("%s: %zu items listed, expected %zu", label, r->items, expected);
    return secs;
}

static void part_list(long n) {
    long small_n = n / 10;
    printf("\n[3] list: %ld subscriptions (%ld on conduit A, %ld on conduit B), page_size 100\n", n, small_n,
           n - small_n);
    fflush(stdout);
    tcmock *m = start_mock();
    tc_conduits *c = new_manager(m, LIST_PARALLEL_BATCHES * LIST_BATCH_CONCURRENCY, 0);
    char conduit_a[128], conduit_b[128];
    create_conduit(c, conduit_a, sizeof conduit_a);
    create_conduit(c, conduit_b, sizeof conduit_b);

    /* Create: batches of LIST_CREATE_BATCH, LIST_PARALLEL_BATCHES at a time. */
    specs s = make_specs(400000000L, (size_t)n);
    long subs0 = tcmock_stat(m, "subscriptions");
    uint64_t t0 = now_ns();
    size_t next = 0, created = 0;
    while (next < s.n) {
        batch_run runs[LIST_PARALLEL_BATCHES];
        tc_op_id ids[LIST_PARALLEL_BATCHES];
        size_t sizes[LIST_PARALLEL_BATCHES];
        int k = 0;
        for (; k < LIST_PARALLEL_BATCHES && next < s.n; ++k) {
            /* The first small_n items go to conduit A, the rest to B; a batch never straddles. */
            size_t end = next + LIST_CREATE_BATCH;
            if (next < (size_t)small_n && end > (size_t)small_n) end = (size_t)small_n;
            if (end > s.n) end = s.n;
            sizes[k] = end - next;
            ids[k] = submit_batch(c, next < (size_t)small_n ? conduit_a : conduit_b, s.v + next, sizes[k],
                                  LIST_BATCH_CONCURRENCY, &runs[k], "list set-up create");
            next = end;
        }
        for (int j = 0; j < k; ++j) {
            await_batch(c, ids[j], &runs[j], sizes[j], 600000);
            created += runs[j].created;
        }
    }
    double create_s = secs_since(t0);
    printf("  set-up: %zu created in %.2f s (%.0f items/s, %d batches of up to %d in parallel, concurrency %d each)\n",
           created, create_s, (double)created / create_s, LIST_PARALLEL_BATCHES, LIST_CREATE_BATCH,
           LIST_BATCH_CONCURRENCY);
    if (created != (size_t)n) failure("list set-up: %zu of %ld items created", created, n);
    expect_stat(m, "subscriptions", subs0, n, "list set-up");
    free_specs(&s);
    fflush(stdout);

    /* Timed, LIST_ROUNDS rounds alternating which path goes first, median
     * per path: raw libcurl over the same pages (the baseline), the library
     * over conduit A (L/10) and over everything (L), its page callback only
     * counting. */
    char *token = access_token(c);
    long raw_pages = 0;
    size_t page_bytes = 0, raw_items = 0;
    double raw_t[LIST_ROUNDS], small_t[LIST_ROUNDS], large_t[LIST_ROUNDS];
    list_run small, large;
    for (int round = 0; round < LIST_ROUNDS; ++round) {
        for (int k = 0; k < 2; ++k) {
            if ((k == 0) == (round % 2 == 0)) {
                t0 = now_ns();
                raw_items = raw_list(tcmock_helix_base(m), token, &raw_pages, &page_bytes);
                raw_t[round] = secs_since(t0);
                if (raw_items != (size_t)n) failure("raw list: %zu items listed, expected %ld", raw_items, n);
            } else {
                small_t[round] = list_once(c, conduit_a, (size_t)small_n, 0, &small, "list conduit A");
                large_t[round] = list_once(c, NULL, (size_t)n, 0, &large, "list all");
                if (large.total != n) {
                    failure("list all: the pages report total %" PRId64 ", expected %ld", large.total, n);
                }
            }
        }
        printf("  round %d: raw libcurl %.2f s, library %.2f s (all), %.3f s (conduit A)\n", round + 1, raw_t[round],
               large_t[round], small_t[round]);
    }
    free(token);
    double raw_s = median(raw_t, LIST_ROUNDS), small_s = median(small_t, LIST_ROUNDS);
    double large_s = median(large_t, LIST_ROUNDS);
    printf("  raw libcurl: %zu in %ld pages, median %.2f s (%.0f items/s); largest page body %zu bytes\n", raw_items,
           raw_pages, raw_s, (double)raw_items / raw_s, page_bytes);
    printf("  library, %ld (conduit A): %ld pages, median %.3f s (%.0f items/s)\n", small_n, small.pages, small_s,
           (double)small_n / small_s);
    printf("  library, %ld (all):       %ld pages, median %.2f s (%.0f items/s); last page says total %" PRId64 "\n",
           n, large.pages, large_s, (double)n / large_s, large.total);

    /* Memory: the same two listings again, sampling in the page callback. */
    list_run small_mem, large_mem;
    list_once(c, conduit_a, (size_t)small_n, 1, &small_mem, "list conduit A (memory)");
    list_once(c, NULL, (size_t)n, 1, &large_mem, "list all (memory)");
    printf("  peak growth while listing, over what was in use at its start: %ld items heap %+.2f MiB, RSS %+.2f MiB; "
           "%ld items heap %+.2f MiB, RSS %+.2f MiB\n",
           small_n, mib(small_mem.heap_peak), mib(small_mem.rss_peak), n, mib(large_mem.heap_peak),
           mib(large_mem.rss_peak));

    /* "About one page": what the library may hold for one page (body, parse
     * tree, decoded items), with the allocator's slack; never below 1 MiB. */
    long long page_allowance = (long long)page_bytes * 16;
    if (page_allowance < 1024 * 1024) page_allowance = 1024 * 1024;
    long long heap_extra = large_mem.heap_peak - small_mem.heap_peak;
    long long rss_extra = large_mem.rss_peak - small_mem.rss_peak;
    int memory_ok = heap_extra <= page_allowance && rss_extra <= page_allowance;
    double ratio = raw_s > 0 ? large_s / raw_s : 0.0;
    double linear = small_s > 0 ? large_s / (small_s * (double)n / (double)small_n) : 0.0;
    printf("list: %ld in %.2f s, raw libcurl %.2f s, ratio %.2f (target <= 3.00%s); time per item %.2fx that of the %ld listing; peak "
           "growth heap %+.2f MiB / RSS %+.2f MiB vs %+.2f / %+.2f MiB for %ld, difference %+.2f / %+.2f MiB (target "
           "<= about one page, %.2f MiB%s)\n",
           n, large_s, raw_s, ratio, ratio <= 3.0 ? "" : ", NOT MET", linear, small_n, mib(large_mem.heap_peak), mib(large_mem.rss_peak),
           mib(small_mem.heap_peak), mib(small_mem.rss_peak), small_n, mib(heap_extra), mib(rss_extra),
           mib(page_allowance), memory_ok ? "" : ", NOT MET");
    if (!memory_ok) failure("list: memory grew with the count (heap %+lld, RSS %+lld bytes beyond the smaller listing)",
                            heap_extra, rss_extra);
    fflush(stdout);
    tc_conduits_free(c);
    tcmock_stop(m);
}

/* ------------------------------------------------------------------------ */

static void usage(FILE *out) {
    fprintf(out,
            "usage: bench_subscriptions [--quick] [--create N] [--sample S] [--rate-items M] [--bucket B]\n"
            "                           [--window W] [--list L] [--only 1|2|3]\n"
            "  --create N      part 1: items created with 20 ms latency (default 10000; quick 1000)\n"
            "  --sample S      part 1: items of the sequential baselines, projected to N (default 100; quick 50)\n"
            "  --rate-items M  part 2: items created under the small bucket (default 600; quick 150)\n"
            "  --bucket B      part 2: bucket size in points (default 50)\n"
            "  --window W      part 2: seconds to refill the whole bucket (default 2.5: 50 + 20/s)\n"
            "  --list L        part 3: subscriptions listed (default 100000; quick 10000)\n"
            "  --max-concurrency M  part 1: the manager's max_concurrency for the adaptive run (default 0: the\n"
            "                  library's default)\n"
            "  --only K        run only part K\n"
            "  --quick         the small sizes, for CI\n");
}

static long parse_long(const char *flag, const char *v, long min, long max) {
    char *end = NULL;
    errno = 0;
    long n = v ? strtol(v, &end, 10) : 0;
    if (v == NULL || errno != 0 || end == v || *end != '\0' || n < min || n > max) {
        fprintf(stderr, "bench_subscriptions: %s needs an integer in %ld..%ld\n", flag, min, max);
        usage(stderr);
        exit(2);
    }
    return n;
}

int main(int argc, char **argv) {
    long create_n = -1, sample = -1, rate_n = -1, bucket = -1, list_n = -1, only = 0;
    double window = -1;
    int quick = 0;
    for (int i = 1; i < argc; ++i) {
        const char *a = argv[i];
        const char *v = i + 1 < argc ? argv[i + 1] : NULL;
        if (strcmp(a, "--quick") == 0) {
            quick = 1;
            continue;
        }
        if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0) {
            usage(stdout);
            return 0;
        }
        if (strcmp(a, "--create") == 0) {
            create_n = parse_long(a, v, 1, 10000000);
        } else if (strcmp(a, "--sample") == 0) {
            sample = parse_long(a, v, 1, 100000);
        } else if (strcmp(a, "--rate-items") == 0) {
            rate_n = parse_long(a, v, 1, 1000000);
        } else if (strcmp(a, "--bucket") == 0) {
            bucket = parse_long(a, v, 1, 100000);
        } else if (strcmp(a, "--window") == 0) {
            char *end = NULL;
            window = v != NULL ? strtod(v, &end) : 0;
            if (v == NULL || end == v || *end != '\0' || !(window >= 0.1 && window <= 3600)) {
                fprintf(stderr, "bench_subscriptions: --window needs seconds in 0.1..3600\n");
                usage(stderr);
                return 2;
            }
        } else if (strcmp(a, "--list") == 0) {
            list_n = parse_long(a, v, 10, 900000);
        } else if (strcmp(a, "--max-concurrency") == 0) {
            g_max_concurrency = (int)parse_long(a, v, 0, 10000);
        } else if (strcmp(a, "--only") == 0) {
            only = parse_long(a, v, 1, 3);
        } else {
            fprintf(stderr, "bench_subscriptions: unknown option %s\n", a);
            usage(stderr);
            return 2;
        }
        ++i;
    }
    if (create_n < 0) create_n = quick ? 1000 : 10000;
    if (sample < 0) sample = quick ? 50 : 100;
    if (rate_n < 0) rate_n = quick ? 150 : 600;
    if (bucket < 0) bucket = 50;
    if (window < 0) window = 2.5; /* 50 points + 20/s */
    if (list_n < 0) list_n = quick ? 10000 : 100000;

    if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) die("curl_global_init failed");
    printf("bench_subscriptions%s: twitchconduits %s, libcurl %s\n", quick ? " --quick" : "",
           tc_version(NULL, NULL, NULL), curl_version_info(CURLVERSION_NOW)->version);
    fflush(stdout);

    uint64_t t0 = now_ns();
    if (only == 0 || only == 1) part_create(create_n, sample);
    if (only == 0 || only == 2) part_ratelimit(rate_n, (int)bucket, (double)window);
    if (only == 0 || only == 3) part_list(list_n);

    printf("\nbench_subscriptions: %.1f s in all, %ld failure(s)\n", secs_since(t0), g_failed);
    curl_global_cleanup();
    return g_failed != 0 ? 1 : 0;
}
