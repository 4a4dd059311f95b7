/*
 * bench_request: the cost of tc_request() against the floor for any libcurl
 * client, measured in one run against the in-process mock Twitch server.
 *
 * Both paths send the same N requests (GET /helix/eventsub/conduits with a
 * Bearer token, Client-Id and Accept headers) with C requests in flight:
 *   library  tc_request() on a manager with max_concurrency = C and no pacing;
 *            every completion callback submits the next request, and the
 *            caller drives the loop with tc_conduits_poll().
 *   raw      libcurl multi with C reused easy handles (keep-alive), driven by
 *            curl_multi_perform() + curl_multi_poll().
 * Each path is warmed up first (connections open, token fetched, caches warm),
 * then measured in R rounds that alternate which path goes first; a path's
 * throughput is its median round. The ratio is the median of the rounds'
 * ratios: each round runs both paths back to back, so a pair sees the same
 * machine, and one round disturbed by the rest of the machine does not
 * decide the ratio.
 *
 * Reported per path: throughput, latency p50/p99 (submit to completion as the
 * caller sees it), failed requests, and whole-process costs per request:
 * allocator calls, CPU time, context switches and (where perf_event_open
 * allows it) user-space instructions. The mock runs in this process, so those costs include the
 * mock's share; it is the same for both paths, so library minus raw is the
 * library's own overhead. Heap in use (mallinfo2) before and after the
 * measured library run shows whether the library keeps memory per request.
 *
 * Exit status: 0 when every request succeeded, 1 when any failed, 2 on a
 * usage or setup error. A ratio below the 0.90 target is reported, not
 * failed: shared CI machines are too noisy to gate on it.
 */
#define _GNU_SOURCE

#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

#if defined(__GLIBC__)
#include <malloc.h>
#endif
#if defined(__linux__)
#include <linux/perf_event.h>
#include <sys/syscall.h>
#endif

#include <curl/curl.h>

#include <twitchconduits.h>

#include "tcmock.h"

#include "bench_util.h"

#define MOCK_CLIENT_ID "mockclientid0123456789abcdefghij"
#define MOCK_CLIENT_SECRET "mocksecret0123456789abcdefghijk"
#define REQUEST_PATH "/eventsub/conduits"
#define MAX_PRINTED_FAILURES 5
#define STALL_LIMIT_NS (60ull * 1000000000ull)

/* ------------------------------------------------------------------------ */
/* Allocation counting.
 *
 * The executable defines malloc and friends, which the dynamic linker binds
 * every shared object to (libtwitchconduits, libcurl, libstdc++), and forwards
 * to glibc's own allocator. The counters are process-wide. Built only when
 * meson found glibc's __libc_malloc and no sanitizer owns the allocator. */

static atomic_ullong g_alloc_calls; /* malloc, calloc, realloc, aligned forms */
static atomic_llong g_live_blocks;  /* blocks handed out minus blocks freed */

#ifdef BENCH_COUNT_MALLOC
extern void *__libc_malloc(size_t size);
extern void *__libc_calloc(size_t n, size_t size);
extern void *__libc_realloc(void *ptr, size_t size);
extern void *__libc_memalign(size_t alignment, size_t size);
extern void __libc_free(void *ptr);

static void count_alloc(const void *p, long long new_blocks) {
    atomic_fetch_add_explicit(&g_alloc_calls, 1, memory_order_relaxed);
    if (p != NULL) atomic_fetch_add_explicit(&g_live_blocks, new_blocks, memory_order_relaxed);
}

void *malloc(size_t size) {
    void *p = __libc_malloc(size);
    count_alloc(p, 1);
    return p;
}

void *calloc(size_t n, size_t size) {
    void *p = __libc_calloc(n, size);
    count_alloc(p, 1);
    return p;
}

void *realloc(void *ptr, size_t size) {
    void *p = __libc_realloc(ptr, size);
    if (ptr == NULL) {
        count_alloc(p, 1);
    } else if (size == 0) {
        atomic_fetch_sub_explicit(&g_live_blocks, 1, memory_order_relaxed); /* glibc frees */
    } else {
        count_alloc(p, 0);
    }
    return p;
}

void free(void *ptr) {
    if (ptr != NULL) atomic_fetch_sub_explicit(&g_live_blocks, 1, memory_order_relaxed);
    __libc_free(ptr);
}

void *memalign(size_t alignment, size_t size) {
    void *p = __libc_memalign(alignment, size);
    count_alloc(p, 1);
    return p;
}

void *aligned_alloc(size_t alignment, size_t size) { return memalign(alignment, size); }

int posix_memalign(void **out, size_t alignment, size_t size) {
    if (alignment % sizeof(void *) != 0 || (alignment & (alignment - 1)) != 0) return EINVAL;
    void *p = memalign(alignment, size);
    if (p == NULL) return ENOMEM;
    *out = p;
    return 0;
}
#define HAVE_ALLOC_COUNT 1
#else
#define HAVE_ALLOC_COUNT 0
#endif

/* ------------------------------------------------------------------------ */
/* Clocks and counters. */



static size_t heap_in_use(void) {
#if defined(__GLIBC__) && (__GLIBC__ > 2 || (__GLIBC__ == 2 && __GLIBC_MINOR__ >= 33))
    struct mallinfo2 mi = mallinfo2();
    return mi.uordblks + mi.hblkhd;
#else
    return 0;
#endif
}

/* User-space instructions of the whole process. Opened before any thread
 * exists, with inherit, so threads created later (the library's I/O thread,
 * the mock's threads) are counted too. -1 when the kernel refuses. */
static int g_perf_fd = -1;
static char g_perf_note[160] = "not built on Linux";

static void perf_open(void) {
#if defined(__linux__)
    struct perf_event_attr attr;
    memset(&attr, 0, sizeof attr);
    attr.type = PERF_TYPE_HARDWARE;
    attr.size = sizeof attr;
    attr.config = PERF_COUNT_HW_INSTRUCTIONS;
    attr.inherit = 1;
    attr.exclude_kernel = 1;
    attr.exclude_hv = 1;
    long fd = syscall(SYS_perf_event_open, &attr, 0, -1, -1, PERF_FLAG_FD_CLOEXEC);
    if (fd < 0) {
        snprintf(g_perf_note, sizeof g_perf_note, "perf_event_open: %s", strerror(errno));
        return;
    }
    g_perf_fd = (int)fd;
#endif
}

static uint64_t perf_read(void) {
    uint64_t v = 0;
    if (g_perf_fd >= 0 && read(g_perf_fd, &v, sizeof v) != (ssize_t)sizeof v) v = 0;
    return v;
}

/* A snapshot of the process-wide counters around one measured run. */
typedef struct costs {
    uint64_t wall_ns;
    double cpu_s;
    long switches;
    unsigned long long alloc_calls;
    long long live_blocks;
    uint64_t instructions;
} costs;

static costs costs_now(void) {
    costs c;
    c.wall_ns = now_ns();
    process_usage(&c.cpu_s, &c.switches);
    c.alloc_calls = atomic_load(&g_alloc_calls);
    c.live_blocks = atomic_load(&g_live_blocks);
    c.instructions = perf_read();
    return c;
}

/* ------------------------------------------------------------------------ */
/* Results, accumulated over the rounds of one path. */

#define MAX_ROUNDS 100

typedef struct result {
    const char *name;
    long requests;        /* requests attempted, every round */
    long failed;          /* submissions refused + completions that were not HTTP 200 */
    double *latency_us;   /* one per successful request, every round */
    long latency_count;
    long failures_printed;
    int rounds;
    double rps[MAX_ROUNDS];   /* throughput of each round */
    long round_requests;      /* of the round in progress */
    costs before;             /* of the round in progress */
    costs total;              /* deltas summed over the rounds */
    long new_connections;     /* connections opened during the measured rounds */
    long round_connections;   /* of the last round */
} result;

static void result_init(result *r, const char *name, long capacity) {
    memset(r, 0, sizeof *r);
    r->name = name;
    r->latency_us = calloc((size_t)(capacity > 0 ? capacity : 1), sizeof(double));
    if (r->latency_us == NULL) {
        fprintf(stderr, "bench_request: out of memory\n");
        exit(2);
    }
}

static void round_begin(result *r) {
    r->round_requests = 0;
    r->round_connections = 0;
    r->before = costs_now();
}

static void round_end(result *r) {
    costs after = costs_now();
    uint64_t ns = after.wall_ns - r->before.wall_ns;
    if (r->rounds < MAX_ROUNDS) r->rps[r->rounds] = ns > 0 ? (double)r->round_requests * 1e9 / (double)ns : 0.0;
    r->rounds++;
    r->total.wall_ns += ns;
    r->total.cpu_s += after.cpu_s - r->before.cpu_s;
    r->total.switches += after.switches - r->before.switches;
    r->total.alloc_calls += after.alloc_calls - r->before.alloc_calls;
    r->total.live_blocks += after.live_blocks - r->before.live_blocks;
    r->total.instructions += after.instructions - r->before.instructions;
}

static void result_failure(result *r, const char *fmt, ...) {
    r->failed++;
    if (r->failures_printed > MAX_PRINTED_FAILURES) return;
    if (r->failures_printed++ == MAX_PRINTED_FAILURES) {
        fprintf(stderr, "%s: further failures are counted, not printed\n", r->name);
        return;
    }
    va_list ap;
    va_start(ap, fmt);
    fprintf(stderr, "%s: request failed: ", r->name);
    vfprintf(stderr, fmt, ap);
    fputc('\n', stderr);
    va_end(ap);
}


/* Nearest-rank percentile of sorted values. */
static double percentile(const double *sorted, long count, double p) {
    if (count == 0) return 0.0;
    long rank = (long)(p / 100.0 * (double)count + 0.999999);
    if (rank < 1) rank = 1;
    if (rank > count) rank = count;
    return sorted[rank - 1];
}

/* The median of n values (sorted in place); 0 when there are none. */
static double median_of(double *v, int n) {
    if (n == 0) return 0.0;
    qsort(v, (size_t)n, sizeof(double), cmp_double);
    return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2.0;
}

/* The median of the rounds' library/raw ratios (rounds where both ran). */
static double median_round_ratio(const result *lib, const result *raw) {
    double v[MAX_ROUNDS];
    int n = 0;
    for (int i = 0; i < lib->rounds && i < raw->rounds && i < MAX_ROUNDS; ++i) {
        if (raw->rps[i] > 0) v[n++] = lib->rps[i] / raw->rps[i];
    }
    return median_of(v, n);
}

/* The median round's throughput: one disturbed round does not move it. */
static double median_rps(const result *r) {
    double v[MAX_ROUNDS];
    int n = r->rounds < MAX_ROUNDS ? r->rounds : MAX_ROUNDS;
    memcpy(v, r->rps, (size_t)n * sizeof(double));
    return median_of(v, n);
}

static double per_request(double total, const result *r) {
    return r->requests > 0 ? total / (double)r->requests : 0.0;
}

static void result_print(result *r) {
    qsort(r->latency_us, (size_t)r->latency_count, sizeof(double), cmp_double);
    printf("%-8s %7ld requests, %ld failed, median %8.0f req/s, latency p50 %.3f ms, p99 %.3f ms, "
           "%ld new connection(s)\n",
           r->name, r->requests, r->failed, median_rps(r), percentile(r->latency_us, r->latency_count, 50) / 1000.0,
           percentile(r->latency_us, r->latency_count, 99) / 1000.0, r->new_connections);
}

/* ------------------------------------------------------------------------ */
/* Path (a): tc_request(), caller-driven. */

typedef struct lib_run lib_run;

typedef struct lib_slot {
    lib_run *run;
    uint64_t t0;
} lib_slot;

struct lib_run {
    tc_conduits *c;
    tc_request_options req;
    long target, submitted, done;
    result *res;
    lib_slot *slots;
};

static void lib_on_done(tc_status status, const tc_response *resp, void *userdata);

/* Submit the next request from this slot, if any remain. */
static void lib_submit(lib_slot *s) {
    lib_run *run = s->run;
    while (run->submitted < run->target) {
        run->submitted++;
        run->res->requests++;
        run->res->round_requests++;
        s->t0 = now_ns();
        tc_status st = tc_request(NULL, run->c, &run->req, lib_on_done, s);
        if (st == TC_OK) return;
        run->done++;
        result_failure(run->res, "tc_request: %s (%s)", tc_strerror(st), tc_last_error_message());
    }
}

static void lib_on_done(tc_status status, const tc_response *resp, void *userdata) {
    lib_slot *s = userdata;
    lib_run *run = s->run;
    uint64_t t1 = now_ns();
    run->done++;
    size_t body_len = 0;
    tc_response_body(resp, &body_len);
    int http = tc_response_http_status(resp);
    if (status == TC_OK && http == 200 && body_len > 0) {
        run->res->latency_us[run->res->latency_count++] = (double)(t1 - s->t0) / 1000.0;
    } else {
        result_failure(run->res, "%s, HTTP %d, %d attempt(s): %s", tc_strerror(status), http,
                       tc_response_attempts(resp), tc_response_message(resp));
    }
    lib_submit(s);
}

/* Run n requests with `concurrency` in flight. Returns 0, or -1 when the loop
 * itself failed (counted as failures of the requests left). */
static int lib_run_requests(tc_conduits *c, long n, int concurrency, result *res) {
    lib_run run;
    memset(&run, 0, sizeof run);
    tc_request_options req = TC_REQUEST_OPTIONS_INIT;
    req.method = TC_GET;
    req.path = REQUEST_PATH;
    run.c = c;
    run.req = req;
    run.target = n;
    run.res = res;
    run.slots = calloc((size_t)concurrency, sizeof(lib_slot));
    if (run.slots == NULL) return -1;

    round_begin(res);
    for (int i = 0; i < concurrency; ++i) {
        run.slots[i].run = &run;
        lib_submit(&run.slots[i]);
    }
    uint64_t last_progress = now_ns();
    int rc = 0;
    while (run.done < run.target) {
        int ran = 0;
        tc_status st = tc_conduits_poll(c, 1000, &ran);
        if (st != TC_OK && st != TC_ETIMEDOUT) {
            fprintf(stderr, "library: tc_conduits_poll: %s (%s)\n", tc_strerror(st), tc_last_error_message());
            rc = -1;
            break;
        }
        uint64_t t = now_ns();
        if (ran > 0) {
            last_progress = t;
        } else if (t - last_progress > STALL_LIMIT_NS) {
            fprintf(stderr, "library: no completion for 60 s with %zu operation(s) pending\n",
                    tc_conduits_pending(c));
            rc = -1;
            break;
        }
    }
    round_end(res);
    if (rc != 0) {
        /* Stop submitting, then let every pending callback run (counting a
         * failure with TC_ECANCELED) so that no slot is used after we return. */
        long unsubmitted = n - run.submitted;
        run.target = run.submitted;
        tc_conduits_cancel_all(c);
        tc_conduits_run(c, 10000);
        res->requests += unsubmitted;
        res->failed += unsubmitted + (run.target - run.done);
        if (tc_conduits_pending(c) != 0) return rc; /* slots may still be referenced: keep them */
    }
    free(run.slots);
    return rc;
}

/* ------------------------------------------------------------------------ */
/* Path (b): raw libcurl multi, the floor for a libcurl client. */

typedef struct raw_slot {
    CURL *easy;
    char *body;
    size_t len, cap;
    uint64_t t0;
} raw_slot;

typedef struct raw_client {
    CURLM *multi;
    struct curl_slist *headers;
    raw_slot *slots;
    int count;
    char url[256];
} raw_client;

static size_t raw_on_body(char *data, size_t size, size_t nmemb, void *userdata) {
    raw_slot *s = userdata;
    size_t n = size * nmemb;
    if (s->len + n > s->cap) {
        size_t cap = s->cap ? s->cap : 1024;
        while (cap < s->len + n) cap *= 2;
        char *p = realloc(s->body, cap);
        if (p == NULL) return 0; /* fails the transfer */
        s->body = p;
        s->cap = cap;
    }
    memcpy(s->body + s->len, data, n);
    s->len += n;
    return n;
}

static int raw_client_init(raw_client *rc, const char *helix_base, const char *token, int concurrency) {
    memset(rc, 0, sizeof *rc);
    snprintf(rc->url, sizeof rc->url, "%s%s", helix_base, REQUEST_PATH);
    char auth[512];
    snprintf(auth, sizeof auth, "Authorization: Bearer %s", token);
    rc->headers = curl_slist_append(rc->headers, auth);
    rc->headers = curl_slist_append(rc->headers, "Client-Id: " MOCK_CLIENT_ID);
    rc->headers = curl_slist_append(rc->headers, "Accept: application/json");
    memset(auth, 0, sizeof auth);
    rc->multi = curl_multi_init();
    rc->slots = calloc((size_t)concurrency, sizeof(raw_slot));
    if (rc->headers == NULL || rc->multi == NULL || rc->slots == NULL) return -1;
    curl_multi_setopt(rc->multi, CURLMOPT_MAXCONNECTS, (long)concurrency + 4);
    rc->count = concurrency;
    for (int i = 0; i < concurrency; ++i) {
        raw_slot *s = &rc->slots[i];
        CURL *e = curl_easy_init();
        if (e == NULL) return -1;
        s->easy = e;
        curl_easy_setopt(e, CURLOPT_URL, rc->url);
        curl_easy_setopt(e, CURLOPT_HTTPHEADER, rc->headers);
        curl_easy_setopt(e, CURLOPT_HTTPGET, 1L);
        curl_easy_setopt(e, CURLOPT_NOSIGNAL, 1L);
        curl_easy_setopt(e, CURLOPT_ACCEPT_ENCODING, "");
        curl_easy_setopt(e, CURLOPT_USERAGENT, "bench_request-raw/1");
        curl_easy_setopt(e, CURLOPT_TIMEOUT_MS, 30000L);
        curl_easy_setopt(e, CURLOPT_CONNECTTIMEOUT_MS, 10000L);
        curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, raw_on_body);
        curl_easy_setopt(e, CURLOPT_WRITEDATA, s);
        curl_easy_setopt(e, CURLOPT_PRIVATE, s);
    }
    return 0;
}

static void raw_client_free(raw_client *rc) {
    for (int i = 0; i < rc->count; ++i) {
        if (rc->slots[i].easy != NULL) {
            curl_multi_remove_handle(rc->multi, rc->slots[i].easy);
            curl_easy_cleanup(rc->slots[i].easy);
        }
        free(rc->slots[i].body);
    }
    free(rc->slots);
    if (rc->multi != NULL) curl_multi_cleanup(rc->multi);
    curl_slist_free_all(rc->headers);
}

static int raw_start(raw_client *rc, raw_slot *s, result *res) {
    s->len = 0;
    s->t0 = now_ns();
    res->requests++;
    res->round_requests++;
    CURLMcode mc = curl_multi_add_handle(rc->multi, s->easy);
    if (mc != CURLM_OK) {
        result_failure(res, "curl_multi_add_handle: %s", curl_multi_strerror(mc));
        return -1;
    }
    return 0;
}

static int raw_run_requests(raw_client *rc, long n, result *res) {
    long submitted = 0, done = 0;
    round_begin(res);
    for (int i = 0; i < rc->count && submitted < n; ++i) {
        submitted++;
        if (raw_start(rc, &rc->slots[i], res) != 0) done++;
    }
    int rc_status = 0;
    uint64_t last_progress = now_ns();
    while (done < n) {
        int running = 0;
        CURLMcode mc = curl_multi_perform(rc->multi, &running);
        if (mc != CURLM_OK) {
            fprintf(stderr, "raw: curl_multi_perform: %s\n", curl_multi_strerror(mc));
            rc_status = -1;
            break;
        }
        CURLMsg *msg;
        int queued = 0;
        while ((msg = curl_multi_info_read(rc->multi, &queued)) != NULL) {
            if (msg->msg != CURLMSG_DONE) continue;
            uint64_t t1 = now_ns();
            CURL *e = msg->easy_handle;
            CURLcode result_code = msg->data.result;
            raw_slot *s = NULL;
            curl_easy_getinfo(e, CURLINFO_PRIVATE, (char **)&s);
            long http = 0, connects = 0;
            curl_easy_getinfo(e, CURLINFO_RESPONSE_CODE, &http);
            curl_easy_getinfo(e, CURLINFO_NUM_CONNECTS, &connects);
            res->round_connections += connects;
            res->new_connections += connects;
            curl_multi_remove_handle(rc->multi, e);
            done++;
            last_progress = t1;
            if (result_code == CURLE_OK && http == 200 && s->len > 0) {
                res->latency_us[res->latency_count++] = (double)(t1 - s->t0) / 1000.0;
            } else {
                result_failure(res, "%s, HTTP %ld",
                               result_code == CURLE_OK ? "transfer done" : curl_easy_strerror(result_code), http);
            }
            while (submitted < n) {
                submitted++;
                if (raw_start(rc, s, res) == 0) break;
                done++;
            }
        }
        if (done >= n) break;
        if (now_ns() - last_progress > STALL_LIMIT_NS) {
            fprintf(stderr, "raw: no completion for 60 s\n");
            rc_status = -1;
            break;
        }
        curl_multi_poll(rc->multi, NULL, 0, 1000, NULL);
    }
    round_end(res);
    if (rc_status != 0) {
        res->requests += n - submitted;
        res->failed += n - done;
        for (int i = 0; i < rc->count; ++i) curl_multi_remove_handle(rc->multi, rc->slots[i].easy);
    }
    return rc_status;
}

/* ------------------------------------------------------------------------ */

static void usage(FILE *out) {
    fprintf(out,
            "usage: bench_request [--requests N] [--concurrency C] [--rounds R] [--quick]\n"
            "  --requests N     requests per path and round (default 20000)\n"
            "  --concurrency C  requests in flight (default 64)\n"
            "  --rounds R       measured rounds, alternating which path goes first (default 5);\n"
            "                   throughput is the median round\n"
            "  --quick          a small run for CI (N = 3000, R = 9)\n"
            "  --fail-rate F    make the mock answer 5xx to this fraction of requests (0..1), to\n"
            "                   check that failures are counted (the library retries them)\n");
}

static long parse_long(const char *flag, const char *v, long min, long max) {
    char *end = NULL;
    errno = 0;
    long n = v ? strtol(v, &end, 10) : 0;
    if (v == NULL || errno != 0 || end == v || *end != '\0' || n < min || n > max) {
        fprintf(stderr, "bench_request: %s needs an integer in %ld..%ld\n", flag, min, max);
        usage(stderr);
        exit(2);
    }
    return n;
}

static void print_cost_line(const char *what, double lib, double raw, const char *unit) {
    printf("  %-24s library %9.1f, raw libcurl %9.1f, library overhead %+9.1f%s%s\n", what, lib, raw, lib - raw,
           *unit ? " " : "", unit);
}

int main(int argc, char **argv) {
    long n = 20000;
    int concurrency = 64, rounds = 5;
    double fail_rate = 0.0;
    for (int i = 1; i < argc; ++i) {
        if (strcmp(argv[i], "--requests") == 0) {
            n = parse_long("--requests", i + 1 < argc ? argv[++i] : NULL, 1, 100000000);
        } else if (strcmp(argv[i], "--concurrency") == 0) {
            concurrency = (int)parse_long("--concurrency", i + 1 < argc ? argv[++i] : NULL, 1, 1024);
        } else if (strcmp(argv[i], "--rounds") == 0) {
            rounds = (int)parse_long("--rounds", i + 1 < argc ? argv[++i] : NULL, 1, MAX_ROUNDS);
        } else if (strcmp(argv[i], "--fail-rate") == 0) {
            const char *v = i + 1 < argc ? argv[++i] : "";
            char *end = NULL;
            fail_rate = strtod(v, &end);
            if (end == v || *end != '\0' || !(fail_rate >= 0.0 && fail_rate <= 1.0)) {
                fprintf(stderr, "bench_request: --fail-rate needs a number in 0..1\n");
                return 2;
            }
        } else if (strcmp(argv[i], "--quick") == 0) {
            n = 3000; /* rounds of ~0.1 s: more of them, so the median pair is a steady one */
            rounds = 9;
        } else if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
            usage(stdout);
            return 0;
        } else {
            fprintf(stderr, "bench_request: unknown option %s\n", argv[i]);
            usage(stderr);
            return 2;
        }
    }
    long warmup = n / 10 > 2L * concurrency ? n / 10 : 2L * concurrency;

    /* Before any thread exists, so that every thread is counted. */
    perf_open();
    if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) {
        fprintf(stderr, "bench_request: curl_global_init failed\n");
        return 2;
    }

    tcmock_config mcfg;
    tcmock_config_init(&mcfg);
    mcfg.port = 0;
    mcfg.ratelimit_limit = 100000000; /* never limits: we measure the client, not the pacing */
    mcfg.fail_rate = fail_rate;
    tcmock *mock = NULL;
    char err[256];
    if (tcmock_start(&mock, &mcfg, err, sizeof err) != 0) {
        fprintf(stderr, "bench_request: cannot start the mock: %s\n", err);
        return 2;
    }

    tc_conduits_options opts;
    tc_conduits_options_init(&opts, TC_CONDUITS_OPTIONS_VERSION);
    opts.client_id = MOCK_CLIENT_ID;
    opts.client_secret = MOCK_CLIENT_SECRET;
    opts.api_base_url = tcmock_helix_base(mock);
    opts.auth_base_url = tcmock_auth_base(mock);
    opts.max_concurrency = concurrency;
    opts.flags = TC_CONDUITS_F_NO_PACING;
    tc_conduits *c = NULL;
    tc_status st = tc_conduits_new(&c, &opts);
    if (st != TC_OK) {
        fprintf(stderr, "bench_request: tc_conduits_new: %s (%s)\n", tc_strerror(st), tc_last_error_message());
        return 2;
    }

    /* One app token for both paths. */
    tc_token *tok = NULL;
    st = tc_token_get_sync(&tok, c, 0);
    if (st != TC_OK) {
        fprintf(stderr, "bench_request: tc_token_get_sync: %s (%s)\n", tc_strerror(st), tc_last_error_message());
        return 2;
    }
    raw_client raw;
    if (raw_client_init(&raw, tcmock_helix_base(mock), tc_token_access_token(tok), concurrency) != 0) {
        fprintf(stderr, "bench_request: cannot set up the raw libcurl client\n");
        return 2;
    }
    tc_token_free(tok);

    printf("bench_request: %ld requests per path and round, %d round(s), concurrency %d, warm-up %ld; "
           "twitchconduits %s, libcurl %s, mock %s\n",
           n, rounds, concurrency, warmup, tc_version(NULL, NULL, NULL), curl_version_info(CURLVERSION_NOW)->version,
           tcmock_helix_base(mock));
    fflush(stdout);

    result lib_res, raw_res, warm;
    result_init(&lib_res, "library", n * rounds);
    result_init(&raw_res, "raw", n * rounds);
    result_init(&warm, "warm-up", 2 * warmup); /* both paths */

    /* Warm-up: token fetched, connections open and caches filled on both paths. */
    int loop_failed = 0;
    warm.name = "library warm-up";
    if (lib_run_requests(c, warmup, concurrency, &warm) != 0) loop_failed = 1;
    warm.name = "raw warm-up";
    if (raw_run_requests(&raw, warmup, &warm) != 0) loop_failed = 1;
    if (loop_failed || warm.failed != 0) {
        fprintf(stderr, "bench_request: %ld warm-up request(s) failed; not measuring\n", warm.failed);
        return 1;
    }

    uint64_t lib_http0 = tc_conduits_stat(c, TC_STAT_HTTP_REQUESTS);
    uint64_t lib_retries0 = tc_conduits_stat(c, TC_STAT_RETRIES);
    long mock_429_0 = tcmock_stat(mock, "rate_limited");
    long mock_helix0 = tcmock_stat(mock, "helix_requests");
    long long heap_delta = 0;

    for (int r = 0; r < rounds; ++r) {
        /* Alternate which path goes first so neither always runs on a
         * machine the other has just warmed (or disturbed). */
        for (int k = 0; k < 2; ++k) {
            if ((k == 0) == (r % 2 == 0)) {
                size_t heap0 = heap_in_use();
                uint64_t conns0 = tc_conduits_stat(c, TC_STAT_CONNECTIONS);
                if (lib_run_requests(c, n, concurrency, &lib_res) != 0) loop_failed = 1;
                heap_delta += (long long)heap_in_use() - (long long)heap0;
                lib_res.round_connections = (long)(tc_conduits_stat(c, TC_STAT_CONNECTIONS) - conns0);
                lib_res.new_connections += lib_res.round_connections;
            } else {
                if (raw_run_requests(&raw, n, &raw_res) != 0) loop_failed = 1;
            }
        }
        printf("round %d: library %8.0f req/s, raw libcurl %8.0f req/s, ratio %.2f; new connections: library %ld, "
               "raw %ld\n",
               r + 1, lib_res.rps[r], raw_res.rps[r], raw_res.rps[r] > 0 ? lib_res.rps[r] / raw_res.rps[r] : 0.0,
               lib_res.round_connections, raw_res.round_connections);
        fflush(stdout);
    }

    result_print(&lib_res);
    result_print(&raw_res);
    printf("checks: library made %" PRIu64 " HTTP attempts (%" PRIu64 " retries); the mock answered %ld Helix "
           "requests for %ld sent, %ld of them with 429\n",
           tc_conduits_stat(c, TC_STAT_HTTP_REQUESTS) - lib_http0, tc_conduits_stat(c, TC_STAT_RETRIES) - lib_retries0,
           tcmock_stat(mock, "helix_requests") - mock_helix0, lib_res.requests + raw_res.requests,
           tcmock_stat(mock, "rate_limited") - mock_429_0);

    printf("per request, whole process (the in-process mock's share is in both):\n");
#if HAVE_ALLOC_COUNT
    print_cost_line("allocator calls", per_request((double)lib_res.total.alloc_calls, &lib_res),
                    per_request((double)raw_res.total.alloc_calls, &raw_res), "");
#else
    printf("  allocator calls          not counted (needs glibc and no sanitizer)\n");
#endif
    print_cost_line("CPU time", per_request(lib_res.total.cpu_s * 1e6, &lib_res),
                    per_request(raw_res.total.cpu_s * 1e6, &raw_res), "us");
    print_cost_line("context switches", per_request((double)lib_res.total.switches, &lib_res),
                    per_request((double)raw_res.total.switches, &raw_res), "");
    if (g_perf_fd >= 0) {
        print_cost_line("user-space instructions", per_request((double)lib_res.total.instructions, &lib_res),
                        per_request((double)raw_res.total.instructions, &raw_res), "");
    } else {
        printf("  user-space instructions  not measured (%s)\n", g_perf_note);
    }
    printf("memory across the library rounds (%ld requests, whole process): heap in use %+lld bytes (mallinfo2)",
           lib_res.requests, heap_delta);
#if HAVE_ALLOC_COUNT
    printf(", live blocks %+lld", lib_res.total.live_blocks);
#endif
    printf("\n");

    double lib_rps = median_rps(&lib_res), raw_rps = median_rps(&raw_res);
    /* Truncated to the two decimals shown, so the verdict matches the text. */
    double ratio = (double)(long)(median_round_ratio(&lib_res, &raw_res) * 100.0) / 100.0;
    long failed = lib_res.failed + raw_res.failed;
    printf("request: library %.0f req/s, raw libcurl %.0f req/s (medians), ratio %.2f (median of the rounds' ratios; "
           "target >= 0.90%s), %ld failed\n",
           lib_rps, raw_rps, ratio, ratio >= 0.9 ? "" : ", NOT MET", failed);

    tc_conduits_free(c);
    raw_client_free(&raw);
    tcmock_stop(mock);
    curl_global_cleanup();
    free(lib_res.latency_us);
    free(raw_res.latency_us);
    free(warm.latency_us);
    return (failed != 0 || loop_failed) ? 1 : 0;
}
