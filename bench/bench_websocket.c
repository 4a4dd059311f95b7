/*
 * bench_websocket: the conduit runner's EventSub WebSocket shards against
 * the bundled mock over loopback.
 *
 * The mock runs in a child process (forked before any thread exists), so
 * this process's memory and CPU are the library's alone. Measured:
 *
 *  1. Holding N WebSocket shards (quick 100, full 1,000): one runner creates
 *     a conduit of N shards and opens N sockets on the manager's one I/O
 *     thread; reported: time until every shard is enabled, resident memory
 *     per socket (RSS after minus RSS before, over N), and the process's CPU
 *     while idle for S seconds with a 2 s keepalive and 1 s Pings on every
 *     socket (keepalives counted), as a share of one core and per socket.
 *  2. Notifications per second through ONE WebSocket shard to event_cb,
 *     against the webhook path (one webhook shard served by the runner's
 *     embedded listener) in the same run with the same generator: M
 *     notifications queued at the mock (/_mock/deliver without waiting, over
 *     a kept-alive connection), timed from the first queued to the last
 *     event_cb; each path checks that every message id arrived exactly once.
 *     Reported: both rates and their ratio (WebSocket / webhook).
 *  3. Recovery after a drop (quick 20, full 100 drops of the one-shard
 *     runner's socket, no close frame): time from /_mock/ws/drop answered to
 *     the shard enabled on a new session; p50 and p99. The runner's backoff
 *     base is 50 ms (full jitter), so a recovery includes up to 50 ms of
 *     deliberate wait.
 *
 * Exit status 1 when a check fails (a shard never enabled, an event lost or
 * duplicated, a recovery timed out), 2 on a usage or set-up error. Figures
 * are reported, not gated.
 */
#define _GNU_SOURCE

#include <inttypes.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <curl/curl.h>
#include <twitchconduits.h>

#include "bench_util.h"
#include "tcmock.h"

#define CLIENT_ID "mockclientid0123456789abcdefghij"
#define CLIENT_SECRET "mocksecret0123456789abcdefghijk"

static int failures;
static void check(int ok, const char *fmt, ...) {
    if (ok) return;
    va_list ap;
    va_start(ap, fmt);
    fprintf(stderr, "check failed: ");
    vfprintf(stderr, fmt, ap);
    fputc('\n', stderr);
    va_end(ap);
    failures++;
}

/* ---- the mock in a child process ---- */

static pid_t mock_pid;
static int mock_port;
static int mock_release_fd = -1;

static int start_mock_child(void) {
    int port_pipe[2], hold_pipe[2];
    if (getenv("TC_BENCH_MOCK_PORT") != NULL) { /* a mock started by hand, e.g. under a debugger */
        mock_port = atoi(getenv("TC_BENCH_MOCK_PORT"));
        return mock_port > 0 ? 0 : -1;
    }
    if (pipe(port_pipe) != 0 || pipe(hold_pipe) != 0) return -1;
    mock_pid = fork();
    if (mock_pid < 0) return -1;
    if (mock_pid == 0) {
        tcmock_config mc;
        tcmock *m = NULL;
        char err[256];
        int port = -1;
        close(port_pipe[0]);
        close(hold_pipe[1]);
        tcmock_config_init(&mc);
        mc.allow_http_callbacks = 1;
        mc.ratelimit_limit = 1000000;
        mc.ws_keepalive_min_s = 1;
        mc.ws_ping_interval_ms = 1000;
        if (tcmock_start(&m, &mc, err, sizeof err) == 0) port = tcmock_port(m);
        else fprintf(stderr, "mock: %s\n", err);
        if (write(port_pipe[1], &port, sizeof port) != (ssize_t)sizeof port) _exit(2);
        char b;
        while (read(hold_pipe[0], &b, 1) > 0) {
        }
        tcmock_stop(m);
        _exit(0);
    }
    close(port_pipe[1]);
    close(hold_pipe[0]);
    mock_release_fd = hold_pipe[1];
    if (read(port_pipe[0], &mock_port, sizeof mock_port) != (ssize_t)sizeof mock_port) mock_port = -1;
    close(port_pipe[0]);
    return mock_port > 0 ? 0 : -1;
}

static void stop_mock_child(void) {
    if (mock_release_fd >= 0) close(mock_release_fd);
    if (mock_pid > 0) waitpid(mock_pid, NULL, 0);
}

/* POST (body != NULL) or GET /_mock/<path> over a kept-alive connection;
 * the HTTP status, the body into out. One handle per thread. */
typedef struct control {
    CURL *easy;
    char *buf;
    size_t len, cap;
} control;

static size_t control_write(char *data, size_t size, size_t n, void *userp) {
    control *c = (control *)userp;
    size_t add = size * n;
    if (c->len + add + 1 > c->cap) {
        size_t cap = (c->len + add + 1) * 2;
        char *b = realloc(c->buf, cap);
        if (b == NULL) return 0;
        c->buf = b;
        c->cap = cap;
    }
    memcpy(c->buf + c->len, data, add);
    c->len += add;
    c->buf[c->len] = '\0';
    return add;
}

static long mock_call(control *c, const char *path, const char *body) {
    char url[256];
    long status = 0;
    struct curl_slist *h = curl_slist_append(NULL, "Content-Type: application/json");
    if (c->easy == NULL) c->easy = curl_easy_init();
    snprintf(url, sizeof url, "http://127.0.0.1:%d/_mock/%s", mock_port, path);
    c->len = 0;
    if (c->buf != NULL) c->buf[0] = '\0';
    curl_easy_setopt(c->easy, CURLOPT_URL, url);
    curl_easy_setopt(c->easy, CURLOPT_HTTPHEADER, h);
    curl_easy_setopt(c->easy, CURLOPT_WRITEFUNCTION, control_write);
    curl_easy_setopt(c->easy, CURLOPT_WRITEDATA, c);
    if (body != NULL) {
        curl_easy_setopt(c->easy, CURLOPT_POSTFIELDS, body);
    } else {
        curl_easy_setopt(c->easy, CURLOPT_HTTPGET, 1L);
    }
    if (curl_easy_perform(c->easy) == CURLE_OK) curl_easy_getinfo(c->easy, CURLINFO_RESPONSE_CODE, &status);
    curl_slist_free_all(h);
    return status;
}

static void control_free(control *c) {
    if (c->easy != NULL) curl_easy_cleanup(c->easy);
    free(c->buf);
}

/* ---- the process ---- */

static long rss_kb(void) {
    FILE *f = fopen("/proc/self/status", "r");
    char line[256];
    long kb = -1;
    if (f == NULL) return -1;
    while (fgets(line, sizeof line, f) != NULL) {
        if (strncmp(line, "VmRSS:", 6) == 0) kb = atol(line + 6);
    }
    fclose(f);
    return kb;
}

static double seconds(void) { return (double)now_ns() / 1e9; }

/* ---- a runner and what its callbacks saw (polling thread = main) ---- */

typedef struct seen {
    long events, errors, dupes;
    int done, ready;
    char *marks; /* per message index: times seen */
    long marks_n;
    char prefix[16];
} seen;

static void on_event(tc_status status, const char *shard_id, const tc_event *msg, void *userdata) {
    seen *s = (seen *)userdata;
    (void)shard_id;
    if (status != TC_OK) {
        s->errors++;
        return;
    }
    s->events++;
    const char *id = tc_event_id(msg);
    size_t plen = strlen(s->prefix);
    if (s->marks != NULL && strncmp(id, s->prefix, plen) == 0) {
        long k = atol(id + plen);
        if (k >= 0 && k < s->marks_n && ++s->marks[k] > 1) s->dupes++;
    }
}

static void on_ready(tc_status status, void *userdata) {
    (void)status;
    ((seen *)userdata)->ready = 1;
}

static void on_done(tc_status status, void *userdata) {
    (void)status;
    ((seen *)userdata)->done = 1;
}

static tc_conduits *new_manager(void) {
    char helix[128], auth[128];
    tc_conduits_options o = TC_CONDUITS_OPTIONS_INIT;
    tc_conduits *c = NULL;
    snprintf(helix, sizeof helix, "http://127.0.0.1:%d/helix", mock_port);
    snprintf(auth, sizeof auth, "http://127.0.0.1:%d/oauth2", mock_port);
    o.client_id = CLIENT_ID;
    o.client_secret = CLIENT_SECRET;
    o.api_base_url = helix;
    o.auth_base_url = auth;
    o.flags = TC_CONDUITS_F_ALLOW_HTTP_CALLBACKS;
    o.random_seed = 7;
    if (tc_conduits_new(&c, &o) != TC_OK) {
        fprintf(stderr, "bench_websocket: tc_conduits_new: %s\n", tc_last_error_message());
        exit(2);
    }
    return c;
}

static tc_runner *start_runner(tc_conduits *c, int shards, tc_transport_type transport, seen *s) {
    char ws_url[128];
    tc_runner_options o = TC_RUNNER_OPTIONS_INIT;
    tc_runner *r = NULL;
    snprintf(ws_url, sizeof ws_url, "ws://127.0.0.1:%d/ws", mock_port);
    o.shard_count = shards;
    o.default_transport = transport;
    o.ws_url = ws_url;
    o.keepalive_timeout_s = 2;
    o.list_interval_s = -1;
    o.reconnect_base_ms = 50;
    o.reconnect_max_ms = 1000;
    o.flags = TC_RUNNER_F_NO_DISABLED_SUB | TC_RUNNER_F_SHRINK_ON_STOP;
    o.event_cb = on_event;
    o.event_userdata = s;
    o.ready_cb = on_ready;
    o.ready_userdata = s;
    if (tc_runner_start(&r, c, &o, on_done, s) != TC_OK) {
        fprintf(stderr, "bench_websocket: tc_runner_start: %s\n", tc_last_error_message());
        exit(2);
    }
    return r;
}

/* Polls until *flag or the deadline; 0 on time-out. */
static int poll_until(tc_conduits *c, const int *flag, double timeout_s) {
    const double deadline = seconds() + timeout_s;
    while (!*flag) {
        if (seconds() > deadline) return 0;
        tc_conduits_poll(c, 20, NULL);
    }
    return 1;
}

static void stop_runner(tc_conduits *c, tc_runner *r, seen *s) {
    tc_runner_stop(r);
    check(poll_until(c, &s->done, 30), "the runner did not stop within 30 s");
    tc_runner_free(r);
}

/* A stream.online subscription on the runner's conduit. */
static void subscribe(control *ctl, tc_conduits *c, tc_runner *r, char *sub_id, size_t len) {
    static int serial;
    tc_request_options q = TC_REQUEST_OPTIONS_INIT;
    char body[512];
    tc_response *resp = NULL;
    size_t blen = 0;
    (void)ctl;
    snprintf(body, sizeof body,
             "{\"type\":\"stream.online\",\"version\":\"1\",\"condition\":{\"broadcaster_user_id\":\"%d\"},"
             "\"transport\":{\"method\":\"conduit\",\"conduit_id\":\"%s\"}}",
             1337 + ++serial, tc_runner_conduit_id(r));
    q.method = TC_POST;
    q.path = "/eventsub/subscriptions";
    q.body = body;
    if (tc_request_sync(&resp, c, &q) != TC_OK) {
        fprintf(stderr, "bench_websocket: cannot subscribe: %s\n", tc_last_error_message());
        exit(2);
    }
    const char *b = tc_response_body(resp, &blen);
    const char *p = strstr(b, "\"id\":\"");
    if (p == NULL) exit(2);
    p += 6;
    snprintf(sub_id, len, "%.*s", (int)(strchr(p, '"') - p), p);
    tc_response_free(resp);
}

/* 2. M notifications through one shard; events per second. */
static double throughput(tc_conduits *c, tc_runner *r, seen *s, control *ctl, long m, const char *prefix) {
    char sub[64], body[256];
    subscribe(ctl, c, r, sub, sizeof sub);
    snprintf(s->prefix, sizeof s->prefix, "%s-", prefix);
    s->marks = calloc((size_t)m, 1);
    s->marks_n = m;
    s->events = s->dupes = 0;
    const double t0 = seconds();
    long queued = 0;
    while (queued < m || s->events < m) {
        /* Queue in slices, draining callbacks in between. */
        for (int k = 0; k < 50 && queued < m; ++k, ++queued) {
            snprintf(body, sizeof body, "{\"subscription_id\":\"%s\",\"message_id\":\"%s-%ld\"}", sub, prefix, queued);
            if (mock_call(ctl, "deliver", body) != 202) {
                fprintf(stderr, "bench_websocket: deliver refused: %s\n", ctl->buf);
                exit(2);
            }
        }
        tc_conduits_poll(c, queued < m ? 0 : 20, NULL);
        if (seconds() - t0 > 120) break;
    }
    const double elapsed = seconds() - t0;
    long missing = 0;
    for (long k = 0; k < m; ++k) missing += s->marks[k] == 0;
    check(missing == 0 && s->dupes == 0 && s->errors == 0, "%s: %ld missing, %ld duplicated, %ld errors", prefix,
          missing, s->dupes, s->errors);
    free(s->marks);
    s->marks = NULL;
    return (double)m / elapsed;
}

static int shard0_recovered(tc_runner *r, const char *old) {
    tc_runner_shard *sh = NULL;
    if (tc_runner_shard_at(&sh, r, 0) != TC_OK) return 0;
    const int ok = tc_runner_shard_state_get(sh) == TC_RUNNER_SHARD_ENABLED &&
                   strcmp(tc_runner_shard_session_id(sh), old) != 0;
    tc_runner_shard_free(sh);
    return ok;
}

int main(int argc, char **argv) {
    int quick = 0;
    for (int i = 1; i < argc; ++i) {
        if (strcmp(argv[i], "--quick") == 0) {
            quick = 1;
        } else {
            fprintf(stderr, "usage: bench_websocket [--quick]\n");
            return 2;
        }
    }
    const int n_sockets = quick ? 100 : 1000;
    const double idle_s = quick ? 3 : 5;
    const long n_events = quick ? 2000 : 20000;
    const int n_drops = quick ? 20 : 100;

    struct rlimit rl;
    if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < rl.rlim_max) {
        rl.rlim_cur = rl.rlim_max;
        setrlimit(RLIMIT_NOFILE, &rl);
    }
    if (start_mock_child() != 0) {
        fprintf(stderr, "bench_websocket: the mock did not start\n");
        return 2;
    }
    curl_global_init(CURL_GLOBAL_DEFAULT);
    if (!tc_runner_websocket_supported()) {
        fprintf(stderr, "bench_websocket: this libcurl has no WebSocket support\n");
        stop_mock_child();
        return 2;
    }
    control ctl = {NULL, NULL, 0, 0};
    printf("bench_websocket: %s form; %d sockets, %.0f s idle, %ld notifications per path, %d drops\n",
           quick ? "quick" : "full", n_sockets, idle_s, n_events, n_drops);

    /* 1. N sockets. */
    {
        tc_conduits *c = new_manager();
        seen s;
        memset(&s, 0, sizeof s);
        tc_request_options warm = TC_REQUEST_OPTIONS_INIT;
        tc_response *resp = NULL;
        warm.path = "/eventsub/conduits";
        tc_request_sync(&resp, c, &warm); /* token and threads exist before the baseline */
        tc_response_free(resp);
        const long rss0 = rss_kb();
        const double t0 = seconds();
        tc_runner *r = start_runner(c, n_sockets, TC_TRANSPORT_WEBSOCKET, &s);
        check(poll_until(c, &s.ready, 120), "%d shards were not all enabled within 120 s", n_sockets);
        const double up_s = seconds() - t0;
        const long rss1 = rss_kb();
        double cpu0, cpu1;
        long sw0, sw1;
        const uint64_t ka0 = tc_runner_stat_get(r, TC_RUNNER_STAT_WS_KEEPALIVES);
        process_usage(&cpu0, &sw0);
        const double i0 = seconds();
        while (seconds() - i0 < idle_s) tc_conduits_poll(c, 100, NULL);
        process_usage(&cpu1, &sw1);
        const double idle_wall = seconds() - i0;
        const uint64_t keepalives = tc_runner_stat_get(r, TC_RUNNER_STAT_WS_KEEPALIVES) - ka0;
        const double cpu_share = (cpu1 - cpu0) / idle_wall;
        printf("sockets: %d shards enabled in %.2f s; RSS %+ld kB, %.1f kB per socket\n", n_sockets, up_s, rss1 - rss0,
               (double)(rss1 - rss0) / n_sockets);
        printf("idle: %.1f s with %" PRIu64 " keepalives and 1 s Pings on every socket: CPU %.2f%% of a core, "
               "%.2f us/s per socket, %ld context switches\n",
               idle_wall, keepalives, cpu_share * 100.0, cpu_share * 1e6 / n_sockets, sw1 - sw0);
        check(keepalives >= (uint64_t)n_sockets, "only %" PRIu64 " keepalives for %d sockets", keepalives, n_sockets);
        check(tc_runner_stat_get(r, TC_RUNNER_STAT_KEEPALIVE_TIMEOUTS) == 0, "a socket was declared dead while idle");
        stop_runner(c, r, &s);
        tc_conduits_free(c);
    }

    /* 2. and 3. One WebSocket shard against one webhook shard. */
    {
        tc_conduits *c = new_manager();
        seen ws, hook;
        memset(&ws, 0, sizeof ws);
        memset(&hook, 0, sizeof hook);
        tc_runner *rws = start_runner(c, 1, TC_TRANSPORT_WEBSOCKET, &ws);
        tc_runner *rhook = start_runner(c, 1, TC_TRANSPORT_WEBHOOK, &hook);
        check(poll_until(c, &ws.ready, 30) && poll_until(c, &hook.ready, 30), "the one-shard runners did not start");
        /* Alternate which path goes first; keep each path's best round. */
        double best_ws = 0, best_hook = 0;
        for (int round = 0; round < 2; ++round) {
            char p1[16], p2[16];
            snprintf(p1, sizeof p1, "ws%d", round);
            snprintf(p2, sizeof p2, "hook%d", round);
            double a, b;
            if (round == 0) {
                a = throughput(c, rws, &ws, &ctl, n_events / 2, p1);
                b = throughput(c, rhook, &hook, &ctl, n_events / 2, p2);
            } else {
                b = throughput(c, rhook, &hook, &ctl, n_events / 2, p2);
                a = throughput(c, rws, &ws, &ctl, n_events / 2, p1);
            }
            if (a > best_ws) best_ws = a;
            if (b > best_hook) best_hook = b;
            printf("round %d: websocket %8.0f events/s, webhook %8.0f events/s, ratio %.2f\n", round, a, b, a / b);
        }
        printf("throughput: websocket %.0f events/s, webhook (embedded listener) %.0f events/s, ratio %.2f "
               "(same mock, same generator)\n",
               best_ws, best_hook, best_ws / best_hook);

        /* 3. Drops. */
        double *rec = calloc((size_t)n_drops, sizeof *rec);
        int done = 0;
        for (int k = 0; k < n_drops; ++k) {
            char session[128], body[256];
            tc_runner_shard *sh = NULL;
            tc_runner_shard_at(&sh, rws, 0);
            snprintf(session, sizeof session, "%s", tc_runner_shard_session_id(sh));
            tc_runner_shard_free(sh);
            snprintf(body, sizeof body, "{\"session_id\":\"%s\"}", session);
            if (mock_call(&ctl, "ws/drop", body) != 200) {
                check(0, "drop %d refused: %s", k, ctl.buf);
                break;
            }
            const double t0 = seconds();
            while (!shard0_recovered(rws, session) && seconds() - t0 < 10) tc_conduits_poll(c, 1, NULL);
            if (!shard0_recovered(rws, session)) {
                check(0, "drop %d: no new session within 10 s", k);
                break;
            }
            rec[done++] = (seconds() - t0) * 1000.0;
        }
        if (done > 0) {
            qsort(rec, (size_t)done, sizeof *rec, cmp_double);
            printf("recovery: %d drops, drop -> new session enabled p50 %.1f ms, p99 %.1f ms, max %.1f ms "
                   "(backoff base 50 ms, full jitter)\n",
                   done, rec[done / 2], rec[(done * 99) / 100 < done ? (done * 99) / 100 : done - 1], rec[done - 1]);
        }
        free(rec);
        stop_runner(c, rws, &ws);
        stop_runner(c, rhook, &hook);
        tc_conduits_free(c);
    }
    control_free(&ctl);
    curl_global_cleanup();
    stop_mock_child();
    printf("checks: %s\n", failures == 0 ? "all passed" : "FAILED");
    return failures == 0 ? 0 : 1;
}
