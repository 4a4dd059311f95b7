/*
 * bench_listener: the embedded webhook listener (tc_listener) under a C load
 * generator on loopback with keep-alive, against a do-nothing libmicrohttpd
 * endpoint measured in the same run.
 *
 * Set-up: a manager with dummy credentials (it never calls Twitch), a
 * listener on 127.0.0.1 port 0 with one route and one secret, and a
 * separate thread that drives tc_conduits_poll() so that events are
 * delivered. Before anything is measured, W + N distinct ~1 KB
 * channel.chat.message notifications are signed with tc_webhook_sign(), each
 * with its own message id and a timestamp of "now" (RFC 3339, nanoseconds).
 *
 * Both paths get exactly the same requests (a POST with the seven
 * Twitch-Eventsub-* headers, Content-Type and the signed body), sent by
 * libcurl multi with C requests in flight over C kept-alive connections:
 *   listener  tc_listener: verifies, answers 204, then dispatches the event
 *             to event_cb on the polling thread;
 *   baseline  a minimal libmicrohttpd server in this process, in the same
 *             threading mode as the listener, that reads the body and
 *             answers 204 without verifying anything: what a do-nothing
 *             endpoint costs on this machine.
 * W warm-up requests open the connections on each path; then the N
 * notifications are sent in R rounds (disjoint slices, the same slice to
 * both paths) that alternate which path goes first. A path's throughput is
 * its median round. Latency is per request, from submit to the response as
 * the load generator sees it; for the listener the delay from submit to
 * event_cb is reported as well (the answer goes out before the dispatch).
 *
 * "Expect: 100-continue" is turned off: libcurl would otherwise add it to
 * bodies over 1 KB and wait a round trip for "100 Continue" on some of the
 * requests but not others, which measures the body size rather than the
 * server.
 *
 * Checks (any failure makes the exit status 1): every request of both paths
 * answered 204; every notification delivered to event_cb exactly once, with
 * status TC_OK, the right route key, kind and subscription type; no
 * rejection, duplicate or 404/413/503 in the listener's counters; its
 * request and dispatch counters equal to the requests sent. Exit status 2 on
 * a usage or setup error. The ratio is reported, not gated.
 */
#define _GNU_SOURCE

#include <errno.h>
#include <inttypes.h>
#include <netinet/in.h>
#include <arpa/inet.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <curl/curl.h>
#include <microhttpd.h>

#include <twitchconduits.h>

#include "bench_util.h"

#define ROUTE_KEY "shard-0"
#define WEBHOOK_SECRET "bench-listener-secret-0123456789"
#define SUB_TYPE "channel.chat.message"
#define BODY_TARGET_BYTES 1024
#define MAX_ROUNDS 100
#define MAX_PRINTED_FAILURES 5
#define STALL_LIMIT_NS (60ull * 1000000000ull)
#define DELIVERY_WAIT_NS (10ull * 1000000000ull)




/* Nearest-rank percentile of sorted values. */
static double percentile(const double *sorted, long count, double p) {
    if (count <= 0) return 0.0;
    long rank = (long)(p / 100.0 * (double)count + 0.999999);
    if (rank < 1) rank = 1;
    if (rank > count) rank = count;
    return sorted[rank - 1];
}

static void *xcalloc(size_t n, size_t size) {
    void *p = calloc(n ? n : 1, size);
    if (p == NULL) {
        fprintf(stderr, "bench_listener: out of memory\n");
        exit(2);
    }
    return p;
}

/* ------------------------------------------------------------------------ */
/* The signed notifications. */

typedef struct note {
    char id[48];
    char *body;
    size_t body_len;
    struct curl_slist *headers; /* the request's headers, ready for CURLOPT_HTTPHEADER */
} note;

static unsigned int g_run_tag; /* distinguishes this run's ids from anything else */

/* A UUID-shaped message id that carries the note's index in its last group. */
static void make_id(char *out, size_t cap, long index) {
    snprintf(out, cap, "%08x-6c1e-4b0d-9a57-%012lx", g_run_tag, (unsigned long)index);
}

/* The index encoded by make_id(), or -1 when the id is not one of ours. */
static long parse_id(const char *id) {
    char prefix[16];
    snprintf(prefix, sizeof prefix, "%08x-", g_run_tag);
    if (strncmp(id, prefix, 9) != 0 || strlen(id) != 36 || strncmp(id + 8, "-6c1e-4b0d-9a57-", 16) != 0) return -1;
    char *end = NULL;
    unsigned long long v = strtoull(id + 24, &end, 16);
    if (end == NULL || *end != '\0') return -1;
    return (long)v;
}

static void rfc3339_now(char *out, size_t cap) {
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    struct tm tm;
    gmtime_r(&ts.tv_sec, &tm);
    char date[32];
    strftime(date, sizeof date, "%Y-%m-%dT%H:%M:%S", &tm);
    snprintf(out, cap, "%s.%09ldZ", date, ts.tv_nsec);
}

/* A channel.chat.message notification of about BODY_TARGET_BYTES whose text
 * is `text_len` characters of filler after a per-message prefix. */
static int format_body(char *out, size_t cap, long index, const char *created_at, size_t text_len) {
    char text[BODY_TARGET_BYTES];
    int n = snprintf(text, sizeof text, "message %ld:", index);
    if (n < 0) return -1;
    size_t len = (size_t)n;
    static const char filler[] = " the quick brown fox jumps over the lazy dog";
    while (len < text_len && len + 1 < sizeof text) {
        text[len] = filler[len % (sizeof filler - 1)];
        len++;
    }
    text[len] = '\0';
    return snprintf(
        out, cap,
        "{\"subscription\":{\"id\":\"f1c2a387-161a-49f9-a165-0f21d7a4e1c4\",\"status\":\"enabled\","
        "\"type\":\"" SUB_TYPE "\",\"version\":\"1\","
        "\"condition\":{\"broadcaster_user_id\":\"1971641\",\"user_id\":\"2914196\"},"
        "\"transport\":{\"method\":\"webhook\",\"callback\":\"https://example.com/eventsub/" ROUTE_KEY "\"},"
        "\"created_at\":\"2023-11-06T18:11:47.492253549Z\",\"cost\":0},"
        "\"event\":{\"broadcaster_user_id\":\"1971641\",\"broadcaster_user_login\":\"streamer\","
        "\"broadcaster_user_name\":\"streamer\",\"chatter_user_id\":\"4145994\",\"chatter_user_login\":\"viewer32\","
        "\"chatter_user_name\":\"viewer32\",\"message_id\":\"cc106a89-1814-919d-454c-f4f2f970aae7-%ld\","
        "\"message\":{\"text\":\"%s\",\"fragments\":[{\"type\":\"text\",\"text\":\"%s\",\"cheermote\":null,"
        "\"emote\":null,\"mention\":null}]},\"color\":\"#00FF7F\",\"badges\":[{\"set_id\":\"moderator\",\"id\":\"1\","
        "\"info\":\"\"},{\"set_id\":\"subscriber\",\"id\":\"12\",\"info\":\"16\"}],\"message_type\":\"text\","
        "\"cheer\":null,\"reply\":null,\"channel_points_custom_reward_id\":null,\"sent_at\":\"%s\"}}",
        index, text, text, created_at);
}

static int sign_notes(note *notes, long count) {
    char probe[4096];
    char ts[64];
    rfc3339_now(ts, sizeof ts);
    int base = format_body(probe, sizeof probe, 0, ts, 0);
    if (base < 0) return -1;
    size_t text_len = base < BODY_TARGET_BYTES ? (size_t)(BODY_TARGET_BYTES - base) / 2 : 0;
    for (long i = 0; i < count; ++i) {
        note *m = &notes[i];
        make_id(m->id, sizeof m->id, i);
        rfc3339_now(ts, sizeof ts);
        int n = format_body(probe, sizeof probe, i, ts, text_len);
        if (n < 0 || (size_t)n >= sizeof probe) return -1;
        m->body_len = (size_t)n;
        m->body = malloc(m->body_len + 1);
        if (m->body == NULL) return -1;
        memcpy(m->body, probe, m->body_len + 1);
        char *sig = NULL;
        tc_status st = tc_webhook_sign(&sig, WEBHOOK_SECRET, m->id, ts, m->body, m->body_len);
        if (st != TC_OK) {
            fprintf(stderr, "bench_listener: tc_webhook_sign: %s (%s)\n", tc_strerror(st), tc_last_error_message());
            return -1;
        }
        char line[256];
        struct curl_slist *h = NULL, *t;
#define ADD_HEADER(...)                                   \
    do {                                                  \
        snprintf(line, sizeof line, __VA_ARGS__);         \
        t = curl_slist_append(h, line);                   \
        if (t == NULL) {                                  \
            curl_slist_free_all(h);                       \
            tc_free(sig);                                 \
            return -1;                                    \
        }                                                 \
        h = t;                                            \
    } while (0)
        ADD_HEADER("Content-Type: application/json");
        ADD_HEADER("Expect:");
        ADD_HEADER("Twitch-Eventsub-Message-Id: %s", m->id);
        ADD_HEADER("Twitch-Eventsub-Message-Retry: 0");
        ADD_HEADER("Twitch-Eventsub-Message-Type: notification");
        ADD_HEADER("Twitch-Eventsub-Message-Signature: %s", sig);
        ADD_HEADER("Twitch-Eventsub-Message-Timestamp: %s", ts);
        ADD_HEADER("Twitch-Eventsub-Subscription-Type: " SUB_TYPE);
        ADD_HEADER("Twitch-Eventsub-Subscription-Version: 1");
#undef ADD_HEADER
        m->headers = h;
        tc_free(sig);
    }
    return 0;
}

static void free_notes(note *notes, long count) {
    for (long i = 0; i < count; ++i) {
        free(notes[i].body);
        curl_slist_free_all(notes[i].headers);
    }
    free(notes);
}

/* ------------------------------------------------------------------------ */
/* What event_cb saw. Written on the polling thread; the per-note arrays are
 * read by the main thread only after that thread has been joined. */

static long g_note_count;
static _Atomic uint64_t *g_submit_ns;   /* per note, set by the load generator (listener path) */
static unsigned int *g_delivered;       /* per note: how many times event_cb got it */
static double *g_delivery_us;           /* per note: submit to event_cb */
static atomic_long g_events;            /* event_cb calls with one of our notes, well-formed */
static atomic_long g_bad_events;        /* event_cb calls that were wrong in any way */
static atomic_long g_rejections;        /* reject_cb calls */
static long g_bad_printed;

static void bad_event(const char *fmt, ...) {
    atomic_fetch_add(&g_bad_events, 1);
    if (g_bad_printed++ >= MAX_PRINTED_FAILURES) return;
    va_list ap;
    va_start(ap, fmt);
    fprintf(stderr, "listener: bad delivery: ");
    vfprintf(stderr, fmt, ap);
    fputc('\n', stderr);
    va_end(ap);
}

static void on_event(tc_status status, const char *route_key, const tc_event *msg, void *userdata) {
    (void)userdata;
    uint64_t t = now_ns();
    if (status != TC_OK) {
        bad_event("status %s", tc_strerror(status));
        return;
    }
    const char *id = tc_event_id(msg);
    long idx = parse_id(id);
    if (idx < 0 || idx >= g_note_count) {
        bad_event("unknown message id \"%s\"", id);
        return;
    }
    if (strcmp(route_key, ROUTE_KEY) != 0 || tc_event_kind_get(msg) != TC_EVENT_NOTIFICATION ||
        strcmp(tc_event_subscription_type(msg), SUB_TYPE) != 0) {
        bad_event("message %s: route \"%s\", kind %d, subscription type \"%s\"", id, route_key,
                  (int)tc_event_kind_get(msg), tc_event_subscription_type(msg));
        return;
    }
    size_t ev_len = 0;
    tc_event_event_json(msg, &ev_len);
    if (ev_len == 0) {
        bad_event("message %s: empty event", id);
        return;
    }
    if (g_delivered[idx]++ != 0) {
        bad_event("message %s delivered %u times", id, g_delivered[idx]);
        return;
    }
    uint64_t t0 = atomic_load_explicit(&g_submit_ns[idx], memory_order_acquire);
    g_delivery_us[idx] = t0 != 0 && t >= t0 ? (double)(t - t0) / 1000.0 : -1.0;
    atomic_fetch_add(&g_events, 1);
}

static void on_reject(tc_status status, const char *route_key, const tc_event *msg, void *userdata) {
    (void)status;
    (void)userdata;
    long n = atomic_fetch_add(&g_rejections, 1);
    if (n < MAX_PRINTED_FAILURES) {
        fprintf(stderr, "listener: rejected on route %s: message %s, HTTP %d, %s\n", route_key,
                tc_event_id(msg), tc_event_http_status(msg),
                tc_strerror(tc_event_status(msg)));
    }
}

/* The thread that runs the manager's loop. */
typedef struct poller {
    tc_conduits *c;
    atomic_int stop;
    atomic_long errors;
    pthread_t thread;
} poller;

static void *poller_main(void *arg) {
    poller *p = arg;
    while (!atomic_load(&p->stop)) {
        int ran = 0;
        tc_status st = tc_conduits_poll(p->c, 200, &ran);
        if (st != TC_OK && st != TC_ETIMEDOUT) {
            if (atomic_fetch_add(&p->errors, 1) < MAX_PRINTED_FAILURES) {
                fprintf(stderr, "poller: tc_conduits_poll: %s (%s)\n", tc_strerror(st), tc_last_error_message());
            }
            struct timespec ts = {0, 10 * 1000 * 1000};
            nanosleep(&ts, NULL);
        }
    }
    return NULL;
}

/* ------------------------------------------------------------------------ */
/* The baseline: a do-nothing libmicrohttpd endpoint. */

typedef struct baseline {
    struct MHD_Daemon *daemon;
    struct MHD_Response *no_content;
    atomic_long answered;
    int port;
} baseline;

static enum MHD_Result baseline_request(void *cls, struct MHD_Connection *conn, const char *url, const char *method,
                                        const char *version, const char *upload_data, size_t *upload_data_size,
                                        void **con_cls) {
    (void)url;
    (void)method;
    (void)version;
    (void)upload_data;
    baseline *b = cls;
    static int started;
    if (*con_cls == NULL) {
        *con_cls = &started; /* headers seen; the body comes next */
        return MHD_YES;
    }
    if (*upload_data_size != 0) {
        *upload_data_size = 0; /* read and dropped */
        return MHD_YES;
    }
    atomic_fetch_add(&b->answered, 1);
    return MHD_queue_response(conn, MHD_HTTP_NO_CONTENT, b->no_content);
}

static int baseline_start(baseline *b) {
    memset(b, 0, sizeof *b);
    b->no_content = MHD_create_response_from_buffer(0, NULL, MHD_RESPMEM_PERSISTENT);
    if (b->no_content == NULL) return -1;
    struct sockaddr_in addr;
    memset(&addr, 0, sizeof addr);
    addr.sin_family = AF_INET;
    addr.sin_port = 0;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    /* The listener's mode and limits, so that only the work per request differs. */
    b->daemon = MHD_start_daemon(MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_AUTO, 0, NULL, NULL, baseline_request, b,
                                 MHD_OPTION_SOCK_ADDR, (struct sockaddr *)&addr, MHD_OPTION_CONNECTION_TIMEOUT,
                                 10u, MHD_OPTION_CONNECTION_LIMIT, 256u, MHD_OPTION_CONNECTION_MEMORY_LIMIT,
                                 (size_t)(64 * 1024), MHD_OPTION_END);
    if (b->daemon == NULL) return -1;
    const union MHD_DaemonInfo *info = MHD_get_daemon_info(b->daemon, MHD_DAEMON_INFO_BIND_PORT);
    b->port = info != NULL ? (int)info->port : 0;
    return b->port > 0 ? 0 : -1;
}

static void baseline_stop(baseline *b) {
    if (b->daemon != NULL) MHD_stop_daemon(b->daemon);
    if (b->no_content != NULL) MHD_destroy_response(b->no_content);
}

/* ------------------------------------------------------------------------ */
/* Results, accumulated over the rounds of one path. */

typedef struct result {
    const char *name;
    long requests;       /* sent, every measured round */
    long failed;         /* transfers that failed or were not answered 204 */
    long failures_printed;
    double *latency_us;  /* one per request answered 204 */
    long latency_count;
    int rounds;
    double rps[MAX_ROUNDS];
    long round_requests;
    long connections;    /* new connections during the measured rounds */
    double cpu_s;        /* whole process, summed over the rounds */
    long switches;
    uint64_t t0_ns;      /* of the round in progress */
    double cpu0;
    long sw0;
} result;

static void result_init(result *r, const char *name, long capacity) {
    memset(r, 0, sizeof *r);
    r->name = name;
    r->latency_us = xcalloc((size_t)capacity, sizeof(double));
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

static void round_begin(result *r) {
    r->round_requests = 0;
    process_usage(&r->cpu0, &r->sw0);
    r->t0_ns = now_ns();
}

static void round_end(result *r, uint64_t end_ns) {
    double cpu;
    long sw;
    process_usage(&cpu, &sw);
    uint64_t ns = end_ns - r->t0_ns;
    if (r->rounds < MAX_ROUNDS) r->rps[r->rounds] = ns > 0 ? (double)r->round_requests * 1e9 / (double)ns : 0.0;
    r->rounds++;
    r->cpu_s += cpu - r->cpu0;
    r->switches += sw - r->sw0;
}

static double median_rps(const result *r) {
    double v[MAX_ROUNDS];
    int n = r->rounds < MAX_ROUNDS ? r->rounds : MAX_ROUNDS;
    if (n == 0) return 0.0;
    memcpy(v, r->rps, (size_t)n * sizeof(double));
    qsort(v, (size_t)n, sizeof(double), cmp_double);
    return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2.0;
}

/* ------------------------------------------------------------------------ */
/* The load generator: libcurl multi, one easy handle per slot, kept alive. */

typedef struct slot {
    CURL *easy;
    long note;   /* index of the note in flight */
    uint64_t t0; /* submit time */
} slot;

typedef struct loadgen {
    const char *name;
    CURLM *multi;
    slot *slots;
    int count;
    char url[256];
    int record_submit; /* store submit times for event_cb (listener path) */
} loadgen;

static size_t discard_body(char *data, size_t size, size_t nmemb, void *userdata) {
    (void)data;
    (void)userdata;
    return size * nmemb;
}

static int loadgen_init(loadgen *lg, const char *name, const char *url, int concurrency, int record_submit) {
    memset(lg, 0, sizeof *lg);
    lg->name = name;
    lg->record_submit = record_submit;
    snprintf(lg->url, sizeof lg->url, "%s", url);
    lg->multi = curl_multi_init();
    if (lg->multi == NULL) return -1;
    curl_multi_setopt(lg->multi, CURLMOPT_MAXCONNECTS, (long)concurrency + 4);
    lg->slots = xcalloc((size_t)concurrency, sizeof(slot));
    lg->count = concurrency;
    for (int i = 0; i < concurrency; ++i) {
        CURL *e = curl_easy_init();
        if (e == NULL) return -1;
        lg->slots[i].easy = e;
        curl_easy_setopt(e, CURLOPT_URL, lg->url);
        curl_easy_setopt(e, CURLOPT_POST, 1L);
        curl_easy_setopt(e, CURLOPT_NOSIGNAL, 1L);
        curl_easy_setopt(e, CURLOPT_TCP_NODELAY, 1L);
        curl_easy_setopt(e, CURLOPT_USERAGENT, "Twitch-Eventsub-Bench/1");
        curl_easy_setopt(e, CURLOPT_TIMEOUT_MS, 30000L);
        curl_easy_setopt(e, CURLOPT_CONNECTTIMEOUT_MS, 10000L);
        curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, discard_body);
        curl_easy_setopt(e, CURLOPT_PRIVATE, &lg->slots[i]);
    }
    return 0;
}

static void loadgen_free(loadgen *lg) {
    for (int i = 0; i < lg->count; ++i) {
        if (lg->slots[i].easy == NULL) continue;
        curl_multi_remove_handle(lg->multi, lg->slots[i].easy);
        curl_easy_cleanup(lg->slots[i].easy);
    }
    free(lg->slots);
    if (lg->multi != NULL) curl_multi_cleanup(lg->multi);
}

static int loadgen_submit(loadgen *lg, slot *s, const note *notes, long idx, result *res) {
    const note *m = &notes[idx];
    s->note = idx;
    curl_easy_setopt(s->easy, CURLOPT_HTTPHEADER, m->headers);
    curl_easy_setopt(s->easy, CURLOPT_POSTFIELDS, m->body);
    curl_easy_setopt(s->easy, CURLOPT_POSTFIELDSIZE, (long)m->body_len);
    res->requests++;
    res->round_requests++;
    s->t0 = now_ns();
    if (lg->record_submit) atomic_store_explicit(&g_submit_ns[idx], s->t0, memory_order_release);
    CURLMcode mc = curl_multi_add_handle(lg->multi, s->easy);
    if (mc != CURLM_OK) {
        result_failure(res, "curl_multi_add_handle: %s", curl_multi_strerror(mc));
        return -1;
    }
    return 0;
}

/* POST notes [first, first + n) with the slots in flight. Returns 0, or -1
 * when the loop itself broke (the requests left are counted as failed). The
 * round ends at the last response. */
static int loadgen_run(loadgen *lg, const note *notes, long first, long n, result *res) {
    long next = first, end = first + n, done = 0;
    round_begin(res);
    for (int i = 0; i < lg->count && next < end; ++i) {
        if (loadgen_submit(lg, &lg->slots[i], notes, next++, res) != 0) done++;
    }
    int status = 0;
    uint64_t last_progress = now_ns(), last_done = last_progress;
    while (done < n) {
        int running = 0;
        CURLMcode mc = curl_multi_perform(lg->multi, &running);
        if (mc != CURLM_OK) {
            fprintf(stderr, "%s: curl_multi_perform: %s\n", lg->name, curl_multi_strerror(mc));
            status = -1;
            break;
        }
        CURLMsg *msg;
        int queued = 0;
        while ((msg = curl_multi_info_read(lg->multi, &queued)) != NULL) {
            if (msg->msg != CURLMSG_DONE) continue;
            uint64_t t1 = now_ns();
            CURL *e = msg->easy_handle;
            CURLcode cc = msg->data.result;
            slot *s = NULL;
            curl_easy_getinfo(e, CURLINFO_PRIVATE, (char **)&s);
            long http = 0, connects = 0;
            curl_easy_getinfo(e, CURLINFO_RESPONSE_CODE, &http);
            curl_easy_getinfo(e, CURLINFO_NUM_CONNECTS, &connects);
            res->connections += connects;
            curl_multi_remove_handle(lg->multi, e);
            done++;
            last_progress = last_done = t1;
            if (cc == CURLE_OK && http == 204) {
                res->latency_us[res->latency_count++] = (double)(t1 - s->t0) / 1000.0;
            } else {
                result_failure(res, "message %s: %s, HTTP %ld", notes[s->note].id,
                               cc == CURLE_OK ? "transfer done" : curl_easy_strerror(cc), http);
            }
            while (next < end) {
                if (loadgen_submit(lg, s, notes, next++, res) == 0) break;
                done++;
            }
        }
        if (done >= n) break;
        if (now_ns() - last_progress > STALL_LIMIT_NS) {
            fprintf(stderr, "%s: no response for 60 s\n", lg->name);
            status = -1;
            break;
        }
        curl_multi_poll(lg->multi, NULL, 0, 1000, NULL);
    }
    round_end(res, last_done);
    if (status != 0) {
        res->requests += end - next;
        res->failed += n - done;
        for (int i = 0; i < lg->count; ++i) curl_multi_remove_handle(lg->multi, lg->slots[i].easy);
    }
    return status;
}

/* Wait until event_cb has seen `target` notifications (good or bad); the
 * time the last one took after the round's last response goes to *lag_ns.
 * Notifications that never come (a failure, reported at the end) are
 * remembered as a deficit, so that later rounds do not wait for them again. */
static long g_wait_deficit;

static int wait_deliveries(long target, uint64_t since_ns, uint64_t *lag_ns) {
    uint64_t start = now_ns();
    target -= g_wait_deficit;
    long seen;
    while ((seen = atomic_load(&g_events) + atomic_load(&g_bad_events)) < target) {
        if (now_ns() - start > DELIVERY_WAIT_NS) {
            fprintf(stderr, "listener: %ld of %ld notifications delivered after %llu s\n", seen,
                    target + g_wait_deficit, (unsigned long long)(DELIVERY_WAIT_NS / 1000000000ull));
            g_wait_deficit += target - seen;
            *lag_ns = now_ns() - since_ns;
            return -1;
        }
        struct timespec ts = {0, 50 * 1000};
        nanosleep(&ts, NULL);
    }
    uint64_t t = now_ns();
    *lag_ns = t > since_ns ? t - since_ns : 0;
    return 0;
}

/* ------------------------------------------------------------------------ */

static void usage(FILE *out) {
    fprintf(out,
            "usage: bench_listener [--requests N] [--concurrency C] [--rounds R] [--quick]\n"
            "  --requests N     signed notifications sent to each path (default 50000)\n"
            "  --concurrency C  requests in flight, one kept-alive connection each (default 32)\n"
            "  --rounds R       measured rounds, alternating which path goes first (default 5);\n"
            "                   throughput is the median round\n"
            "  --quick          a small run for CI (N = 5000, R = 3)\n");
}

static long parse_long(const char *flag, const char *v, long min, long max) {
    char *end = NULL;
    errno = 0;
    long n = v ? strtol(v, &end, 10) : 0;
    if (v == NULL || errno != 0 || end == v || *end != '\0' || n < min || n > max) {
        fprintf(stderr, "bench_listener: %s needs an integer in %ld..%ld\n", flag, min, max);
        usage(stderr);
        exit(2);
    }
    return n;
}

static void print_result(result *r, const char *extra) {
    qsort(r->latency_us, (size_t)r->latency_count, sizeof(double), cmp_double);
    printf("%-8s %7ld requests, %ld failed, median %8.0f req/s, latency p50 %.3f ms, p99 %.3f ms, "
           "%ld new connection(s); per request %.1f us CPU, %.2f context switches%s\n",
           r->name, r->requests, r->failed, median_rps(r), percentile(r->latency_us, r->latency_count, 50) / 1000.0,
           percentile(r->latency_us, r->latency_count, 99) / 1000.0, r->connections,
           r->requests > 0 ? r->cpu_s * 1e6 / (double)r->requests : 0.0,
           r->requests > 0 ? (double)r->switches / (double)r->requests : 0.0, extra);
}

int main(int argc, char **argv) {
    long n = 50000;
    int concurrency = 32, rounds = 5;
    for (int i = 1; i < argc; ++i) {
        if (strcmp(argv[i], "--requests") == 0) {
            n = parse_long("--requests", i + 1 < argc ? argv[++i] : NULL, 1, 10000000);
        } else if (strcmp(argv[i], "--concurrency") == 0) {
            concurrency = (int)parse_long("--concurrency", i + 1 < argc ? argv[++i] : NULL, 1, 200);
        } else if (strcmp(argv[i], "--rounds") == 0) {
            rounds = (int)parse_long("--rounds", i + 1 < argc ? argv[++i] : NULL, 1, MAX_ROUNDS);
        } else if (strcmp(argv[i], "--quick") == 0) {
            n = 5000;
            rounds = 3;
        } else if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
            usage(stdout);
            return 0;
        } else {
            fprintf(stderr, "bench_listener: unknown option %s\n", argv[i]);
            usage(stderr);
            return 2;
        }
    }
    if (rounds > n) rounds = (int)n;
    long warmup = n / 10 > 2L * concurrency ? n / 10 : 2L * concurrency;
    long total = warmup + n;

    if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) {
        fprintf(stderr, "bench_listener: curl_global_init failed\n");
        return 2;
    }
    {
        struct timespec ts;
        clock_gettime(CLOCK_REALTIME, &ts);
        g_run_tag = (unsigned int)(ts.tv_nsec ^ ((unsigned long)getpid() << 12) ^ (unsigned long)ts.tv_sec);
    }

    /* Sign everything before anything is measured. */
    note *notes = xcalloc((size_t)total, sizeof(note));
    uint64_t t_sign = now_ns();
    if (sign_notes(notes, total) != 0) {
        fprintf(stderr, "bench_listener: cannot prepare the notifications\n");
        return 2;
    }
    double sign_s = (double)(now_ns() - t_sign) / 1e9;
    g_note_count = total;
    g_submit_ns = xcalloc((size_t)total, sizeof(*g_submit_ns));
    g_delivered = xcalloc((size_t)total, sizeof(*g_delivered));
    g_delivery_us = xcalloc((size_t)total, sizeof(*g_delivery_us));

    /* The manager (never talks to Twitch) and its polling thread. */
    tc_conduits_options copts;
    tc_conduits_options_init(&copts, TC_CONDUITS_OPTIONS_VERSION);
    copts.client_id = "benchclientid0000000000000000000";
    copts.client_secret = "benchclientsecret000000000000000";
    tc_conduits *c = NULL;
    tc_status st = tc_conduits_new(&c, &copts);
    if (st != TC_OK) {
        fprintf(stderr, "bench_listener: tc_conduits_new: %s (%s)\n", tc_strerror(st), tc_last_error_message());
        return 2;
    }
    tc_listener_options lopts;
    tc_listener_options_init(&lopts, TC_LISTENER_OPTIONS_VERSION);
    lopts.bind_address = "127.0.0.1";
    lopts.port = 0;
    lopts.event_cb = on_event;
    lopts.reject_cb = on_reject;
    tc_listener *l = NULL;
    st = tc_listener_new(&l, c, &lopts);
    if (st != TC_OK) {
        fprintf(stderr, "bench_listener: tc_listener_new: %s (%s)\n", tc_strerror(st), tc_last_error_message());
        return 2;
    }
    st = tc_listener_add_route(l, ROUTE_KEY, WEBHOOK_SECRET);
    if (st != TC_OK) {
        fprintf(stderr, "bench_listener: tc_listener_add_route: %s (%s)\n", tc_strerror(st),
                tc_last_error_message());
        return 2;
    }
    poller pol;
    memset(&pol, 0, sizeof pol);
    pol.c = c;
    if (pthread_create(&pol.thread, NULL, poller_main, &pol) != 0) {
        fprintf(stderr, "bench_listener: cannot start the polling thread\n");
        return 2;
    }

    baseline base;
    if (baseline_start(&base) != 0) {
        fprintf(stderr, "bench_listener: cannot start the baseline server\n");
        return 2;
    }

    char url[256];
    snprintf(url, sizeof url, "%s%s", tc_listener_base_url(l), ROUTE_KEY);
    loadgen lg_lis, lg_base;
    char base_url[128];
    snprintf(base_url, sizeof base_url, "http://127.0.0.1:%d/eventsub/%s", base.port, ROUTE_KEY);
    if (loadgen_init(&lg_lis, "listener", url, concurrency, 1) != 0 ||
        loadgen_init(&lg_base, "baseline", base_url, concurrency, 0) != 0) {
        fprintf(stderr, "bench_listener: cannot set up the load generator\n");
        return 2;
    }

    printf("bench_listener: %ld notifications of %zu-%zu bytes per path in %d round(s), concurrency %d, "
           "warm-up %ld; signed in %.2f s; twitchconduits %s, libcurl %s, libmicrohttpd %s; listener %s\n",
           n, notes[0].body_len, notes[total - 1].body_len, rounds, concurrency, warmup, sign_s,
           tc_version(NULL, NULL, NULL), curl_version_info(CURLVERSION_NOW)->version, MHD_get_version(), url);
    fflush(stdout);

    result lis, bas, warm;
    result_init(&lis, "listener", n);
    result_init(&bas, "baseline", n);
    result_init(&warm, "warm-up", 2 * warmup);
    int loop_failed = 0;
    uint64_t lag_ns = 0, max_lag_ns = 0;

    /* Warm-up: the first W notes to each path; connections open. */
    warm.name = "listener warm-up";
    if (loadgen_run(&lg_lis, notes, 0, warmup, &warm) != 0) loop_failed = 1;
    if (wait_deliveries(warmup, now_ns(), &lag_ns) != 0) loop_failed = 1;
    warm.name = "baseline warm-up";
    if (loadgen_run(&lg_base, notes, 0, warmup, &warm) != 0) loop_failed = 1;
    if (loop_failed || warm.failed != 0 || atomic_load(&g_bad_events) != 0 || atomic_load(&g_rejections) != 0) {
        fprintf(stderr, "bench_listener: the warm-up failed (%ld request(s), %ld bad deliveries, %ld rejections); "
                        "not measuring\n",
                warm.failed, atomic_load(&g_bad_events), atomic_load(&g_rejections));
        return 1;
    }

    long first = warmup, delivered_target = warmup;
    for (int r = 0; r < rounds; ++r) {
        long count = n / rounds + (r < n % rounds ? 1 : 0);
        long lis_conn0 = lis.connections, bas_conn0 = bas.connections;
        for (int k = 0; k < 2; ++k) {
            if ((k == 0) == (r % 2 == 0)) {
                if (loadgen_run(&lg_lis, notes, first, count, &lis) != 0) loop_failed = 1;
                uint64_t last_response = now_ns();
                delivered_target += count;
                /* Deliveries finish before the other path starts, so it never
                 * shares the machine with the listener's backlog. */
                if (wait_deliveries(delivered_target, last_response, &lag_ns) != 0) loop_failed = 1;
                if (lag_ns > max_lag_ns) max_lag_ns = lag_ns;
            } else {
                if (loadgen_run(&lg_base, notes, first, count, &bas) != 0) loop_failed = 1;
            }
        }
        first += count;
        printf("round %d: listener %8.0f req/s, baseline %8.0f req/s, ratio %.2f; new connections: listener %ld, "
               "baseline %ld; last event %.2f ms after the last response\n",
               r + 1, lis.rps[r], bas.rps[r], bas.rps[r] > 0 ? lis.rps[r] / bas.rps[r] : 0.0,
               lis.connections - lis_conn0, bas.connections - bas_conn0, (double)lag_ns / 1e6);
        fflush(stdout);
    }

    /* Stop the loop, then free the listener and the manager: anything still
     * queued is delivered on this thread and counted too. */
    atomic_store(&pol.stop, 1);
    tc_conduits_wakeup(c);
    pthread_join(pol.thread, NULL);
    uint64_t stats[TC_LISTENER_STAT_QUEUED + 1];
    for (int i = 0; i <= TC_LISTENER_STAT_QUEUED; ++i) stats[i] = tc_listener_stat_get(l, (tc_listener_stat)i);
    tc_listener_free(l);
    tc_conduits_free(c);
    long base_answered = atomic_load(&base.answered);
    baseline_stop(&base);

    /* Exactly once, for every note. */
    long missing = 0, repeated = 0;
    double *dl = xcalloc((size_t)n, sizeof(double));
    long dl_count = 0, dl_unknown = 0;
    for (long i = 0; i < total; ++i) {
        if (g_delivered[i] == 0) {
            if (missing++ < MAX_PRINTED_FAILURES) fprintf(stderr, "listener: message %s never delivered\n", notes[i].id);
        } else if (g_delivered[i] > 1) {
            repeated++;
        }
        if (i >= warmup && g_delivered[i] > 0) {
            if (g_delivery_us[i] >= 0) {
                dl[dl_count++] = g_delivery_us[i];
            } else {
                dl_unknown++;
            }
        }
    }
    qsort(dl, (size_t)dl_count, sizeof(double), cmp_double);

    char extra[160];
    snprintf(extra, sizeof extra, "; submit to event_cb p50 %.3f ms, p99 %.3f ms", percentile(dl, dl_count, 50) / 1000.0,
             percentile(dl, dl_count, 99) / 1000.0);
    print_result(&lis, extra);
    print_result(&bas, "");

    long checks_failed = 0;
#define CHECK(cond, ...)                       \
    do {                                       \
        if (!(cond)) {                         \
            checks_failed++;                   \
            fprintf(stderr, "check failed: "); \
            fprintf(stderr, __VA_ARGS__);      \
            fputc('\n', stderr);               \
        }                                      \
    } while (0)
    long events = atomic_load(&g_events), bad = atomic_load(&g_bad_events), rejected = atomic_load(&g_rejections);
    CHECK(missing == 0, "%ld notification(s) never delivered", missing);
    CHECK(repeated == 0 && bad == 0, "%ld bad or repeated deliveries", bad);
    CHECK(events == total, "event_cb got %ld notifications, %ld sent", events, total);
    CHECK(rejected == 0, "%ld request(s) rejected", rejected);
    CHECK(dl_unknown == 0, "%ld delivery latencies without a submit time", dl_unknown);
    CHECK(stats[TC_LISTENER_STAT_REQUESTS] == (uint64_t)total, "listener answered %" PRIu64 " requests, %ld sent",
          stats[TC_LISTENER_STAT_REQUESTS], total);
    CHECK(stats[TC_LISTENER_STAT_DISPATCHED] == (uint64_t)total, "listener dispatched %" PRIu64 ", %ld sent",
          stats[TC_LISTENER_STAT_DISPATCHED], total);
    CHECK(stats[TC_LISTENER_STAT_DUPLICATES] + stats[TC_LISTENER_STAT_REJECTED] + stats[TC_LISTENER_STAT_NOT_FOUND] +
                  stats[TC_LISTENER_STAT_TOO_LARGE] + stats[TC_LISTENER_STAT_UNAVAILABLE] ==
              0,
          "listener counted duplicates %" PRIu64 ", rejected %" PRIu64 ", not found %" PRIu64 ", too large %" PRIu64
          ", unavailable %" PRIu64,
          stats[TC_LISTENER_STAT_DUPLICATES], stats[TC_LISTENER_STAT_REJECTED], stats[TC_LISTENER_STAT_NOT_FOUND],
          stats[TC_LISTENER_STAT_TOO_LARGE], stats[TC_LISTENER_STAT_UNAVAILABLE]);
    /* The limits against hostile clients must never touch a well-behaved load. */
    CHECK(stats[TC_LISTENER_STAT_QUEUE_FULL] + stats[TC_LISTENER_STAT_TIMED_OUT] + stats[TC_LISTENER_STAT_DISPLACED] +
                  stats[TC_LISTENER_STAT_AMBIGUOUS] + stats[TC_LISTENER_STAT_DEDUPE_EVICTIONS] ==
              0,
          "listener counted queue full %" PRIu64 ", timed out %" PRIu64 ", displaced %" PRIu64 ", ambiguous %" PRIu64
          ", dedupe evictions %" PRIu64,
          stats[TC_LISTENER_STAT_QUEUE_FULL], stats[TC_LISTENER_STAT_TIMED_OUT], stats[TC_LISTENER_STAT_DISPLACED],
          stats[TC_LISTENER_STAT_AMBIGUOUS], stats[TC_LISTENER_STAT_DEDUPE_EVICTIONS]);
    CHECK(base_answered == total, "baseline answered %ld requests, %ld sent", base_answered, total);
    CHECK(atomic_load(&pol.errors) == 0, "tc_conduits_poll failed %ld time(s)", atomic_load(&pol.errors));
#undef CHECK
    printf("checks: %ld notifications sent to each path (warm-up included); event_cb got %ld, each exactly once: %s; "
           "listener counters: %" PRIu64 " answered, %" PRIu64 " dispatched, %" PRIu64 " duplicates, %" PRIu64
           " rejected; baseline answered %ld; slowest drain %.2f ms after a round's last response\n",
           total, events, missing == 0 && repeated == 0 && bad == 0 ? "yes" : "NO", stats[TC_LISTENER_STAT_REQUESTS],
           stats[TC_LISTENER_STAT_DISPATCHED], stats[TC_LISTENER_STAT_DUPLICATES], stats[TC_LISTENER_STAT_REJECTED],
           base_answered, (double)max_lag_ns / 1e6);

    double lis_rps = median_rps(&lis), bas_rps = median_rps(&bas);
    long failed = lis.failed + bas.failed + checks_failed;
    printf("listener: %.0f req/s, baseline (do-nothing libmicrohttpd) %.0f req/s, ratio %.2f; p50 %.3f ms vs %.3f ms, "
           "p99 %.3f ms vs %.3f ms; %ld failed\n",
           lis_rps, bas_rps, bas_rps > 0 ? lis_rps / bas_rps : 0.0,
           percentile(lis.latency_us, lis.latency_count, 50) / 1000.0,
           percentile(bas.latency_us, bas.latency_count, 50) / 1000.0,
           percentile(lis.latency_us, lis.latency_count, 99) / 1000.0,
           percentile(bas.latency_us, bas.latency_count, 99) / 1000.0, failed);

    loadgen_free(&lg_lis);
    loadgen_free(&lg_base);
    curl_global_cleanup();
    free_notes(notes, total);
    free(dl);
    free(lis.latency_us);
    free(bas.latency_us);
    free(warm.latency_us);
    free((void *)g_submit_ns);
    free(g_delivered);
    free(g_delivery_us);
    return (failed != 0 || loop_failed) ? 1 : 0;
}
