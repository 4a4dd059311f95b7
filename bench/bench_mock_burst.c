/*
 * bench_mock_burst: tc-mock under a burst of simultaneous connections.
 *
 * One process opens N connections to a tc-mock child at once (libcurl multi,
 * every easy handle added before the first byte moves, a fresh connection
 * each, no reuse) and sends on each one GET /helix/eventsub/conduits with a
 * valid app token: a cheap Helix route that goes through auth, rate limit
 * (set out of the way) and the injected latency. Cases, each with a fresh
 * mock:
 *   latency 0      the raw accept-and-answer capacity;
 *   latency 20 ms  the workload;
 *   latency 1 s    a hold: every connection waits at the mock at the same
 *                  time, so the peak of connections open with a request in
 *                  flight shows whether the mock holds all N at once.
 * Each case runs against the mock as shipped (epoll thread pool, waiting
 * requests suspended) and against the same binary in its old mode, one
 * thread per connection (TCMOCK_THREAD_PER_CONNECTION=1), as the baseline.
 *
 * Printed per run: connections attempted, answered 200, refused (connect
 * failed), other failures (reset, empty reply, timeout, non-200), time to
 * serve all, the peak of requests in flight, the mock's peak thread count
 * (sampled from /proc while the burst runs) and requests the mock counted.
 * Exit status 1 when the shipped mode refuses or fails any connection (the
 * baseline's failures are reported, not gated); 2 on a usage or setup error.
 *
 * usage: bench_mock_burst TC_MOCK [--quick] [--connections N]
 *   default N = 10000; --quick: N = 2000 and no baseline hold case.
 * The client needs N + a few descriptors: RLIMIT_NOFILE is raised to its hard
 * limit, and N is lowered (with a note) when even that is too small.
 */
#define _GNU_SOURCE
#include <curl/curl.h>
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#include "bench_util.h"

#define CLIENT_ID "burstclient"
#define CLIENT_SECRET "burstsecret"
#define TRANSFER_TIMEOUT_S 120L

typedef struct {
    pid_t pid;
    int out_fd;
    int port;
} mock_proc;

typedef struct {
    long attempted, ok, refused, failed, bad_status;
    long peak_in_flight, peak_threads, mock_requests;
    double seconds;
} burst_result;

static long in_flight, peak_in_flight;

static size_t discard(char *p, size_t size, size_t n, void *ud) {
    (void)p;
    (void)ud;
    return size * n;
}

typedef struct {
    char buf[4096];
    size_t len;
} grow_buf;

static size_t keep(char *p, size_t size, size_t n, void *ud) {
    grow_buf *b = ud;
    size_t k = size * n;
    if (b->len + k >= sizeof b->buf) k = sizeof b->buf - 1 - b->len;
    memcpy(b->buf + b->len, p, k);
    b->len += k;
    b->buf[b->len] = '\0';
    return size * n;
}

/* Called once the connection is up, before the request goes out. */
static int on_connected(void *ud, char *ip, char *local_ip, int port, int local_port) {
    *(char *)ud = 1;
    (void)ip;
    (void)local_ip;
    (void)port;
    (void)local_port;
    if (++in_flight > peak_in_flight) peak_in_flight = in_flight;
    return CURL_PREREQFUNC_OK;
}

static long threads_of(pid_t pid) {
    char path[64], line[256];
    snprintf(path, sizeof path, "/proc/%d/status", (int)pid);
    FILE *f = fopen(path, "r");
    if (!f) return -1;
    long n = -1;
    while (fgets(line, sizeof line, f))
        if (sscanf(line, "Threads: %ld", &n) == 1) break;
    fclose(f);
    return n;
}

/* Starts tc-mock and reads its port from "tc-mock listening on http://127.0.0.1:PORT". */
static int mock_start(const char *exe, int thread_per_connection, long latency_ms, mock_proc *m) {
    int fds[2];
    if (pipe(fds) != 0) return -1;
    char latency[32];
    snprintf(latency, sizeof latency, "%ld", latency_ms);
    pid_t pid = fork();
    if (pid < 0) return -1;
    if (pid == 0) {
        dup2(fds[1], STDOUT_FILENO);
        close(fds[0]);
        close(fds[1]);
        if (thread_per_connection)
            setenv("TCMOCK_THREAD_PER_CONNECTION", "1", 1);
        else
            unsetenv("TCMOCK_THREAD_PER_CONNECTION");
        execl(exe, exe, "--client-id", CLIENT_ID, "--client-secret", CLIENT_SECRET, "--ratelimit", "1000000000",
              "--latency-ms", latency, (char *)NULL);
        _exit(127);
    }
    close(fds[1]);
    char line[256];
    size_t len = 0;
    while (len + 1 < sizeof line) {
        ssize_t r = read(fds[0], line + len, 1);
        if (r <= 0) break;
        if (line[len] == '\n') break;
        ++len;
    }
    line[len] = '\0';
    const char *colon = strrchr(line, ':');
    m->pid = pid;
    m->out_fd = fds[0];
    m->port = colon && strstr(line, "listening on http://127.0.0.1:") ? atoi(colon + 1) : 0;
    if (m->port <= 0) {
        fprintf(stderr, "bench_mock_burst: tc-mock did not start (first line: \"%s\")\n", line);
        kill(pid, SIGKILL);
        waitpid(pid, NULL, 0);
        close(fds[0]);
        return -1;
    }
    return 0;
}

/* SIGTERM, then the exit status: 0 when the mock stopped cleanly within 30 s
 * (after that it is killed). */
static int mock_stop(mock_proc *m) {
    int status = 0;
    kill(m->pid, SIGTERM);
    uint64_t give_up = now_ns() + 30000000000ull;
    pid_t r;
    while ((r = waitpid(m->pid, &status, WNOHANG)) == 0 && now_ns() < give_up) usleep(10000);
    if (r == 0) {
        fprintf(stderr, "bench_mock_burst: tc-mock did not stop within 30 s of SIGTERM; killed\n");
        kill(m->pid, SIGKILL);
        waitpid(m->pid, &status, 0);
        status = 1 << 8;
    }
    close(m->out_fd);
    return WIFEXITED(status) && WEXITSTATUS(status) == 0 ? 0 : -1;
}

static int simple_request(const char *url, const char *post, grow_buf *out) {
    CURL *h = curl_easy_init();
    if (!h) return -1;
    out->len = 0;
    out->buf[0] = '\0';
    curl_easy_setopt(h, CURLOPT_URL, url);
    if (post) curl_easy_setopt(h, CURLOPT_POSTFIELDS, post);
    curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, keep);
    curl_easy_setopt(h, CURLOPT_WRITEDATA, out);
    curl_easy_setopt(h, CURLOPT_TIMEOUT, 30L);
    CURLcode rc = curl_easy_perform(h);
    long code = 0;
    curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &code);
    curl_easy_cleanup(h);
    return rc == CURLE_OK && code == 200 ? 0 : -1;
}

static long stat_of(const grow_buf *stats, const char *name) {
    char key[64];
    snprintf(key, sizeof key, "\"%s\":", name);
    const char *p = strstr(stats->buf, key);
    return p ? strtol(p + strlen(key), NULL, 10) : -1;
}

static int run_burst(const mock_proc *m, long n, burst_result *res) {
    char base[64], url[128], auth[256], token_url[128];
    snprintf(base, sizeof base, "http://127.0.0.1:%d", m->port);
    snprintf(token_url, sizeof token_url, "%s/oauth2/token", base);
    grow_buf b;
    if (simple_request(token_url, "client_id=" CLIENT_ID "&client_secret=" CLIENT_SECRET "&grant_type=client_credentials",
                       &b) != 0) {
        fprintf(stderr, "bench_mock_burst: no app token from the mock\n");
        return -1;
    }
    const char *t = strstr(b.buf, "\"access_token\":\"");
    if (!t) return -1;
    t += strlen("\"access_token\":\"");
    const char *end = strchr(t, '"');
    if (!end || end - t > 100) return -1;
    snprintf(auth, sizeof auth, "Authorization: Bearer %.*s", (int)(end - t), t);
    snprintf(url, sizeof url, "%s/helix/eventsub/conduits", base);

    struct curl_slist *headers = curl_slist_append(NULL, auth);
    headers = curl_slist_append(headers, "Client-Id: " CLIENT_ID);
    CURLM *multi = curl_multi_init();
    CURL **easy = calloc((size_t)n, sizeof *easy);
    char *connected = calloc((size_t)n, 1);
    if (!headers || !multi || !easy || !connected) return -1;
    memset(res, 0, sizeof *res);
    in_flight = peak_in_flight = 0;
    for (long i = 0; i < n; ++i) {
        CURL *h = easy[i] = curl_easy_init();
        if (!h) return -1;
        curl_easy_setopt(h, CURLOPT_URL, url);
        curl_easy_setopt(h, CURLOPT_HTTPHEADER, headers);
        curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, discard);
        curl_easy_setopt(h, CURLOPT_FRESH_CONNECT, 1L);
        curl_easy_setopt(h, CURLOPT_FORBID_REUSE, 1L);
        curl_easy_setopt(h, CURLOPT_TIMEOUT, TRANSFER_TIMEOUT_S);
        curl_easy_setopt(h, CURLOPT_PREREQFUNCTION, on_connected);
        curl_easy_setopt(h, CURLOPT_PREREQDATA, &connected[i]);
        curl_easy_setopt(h, CURLOPT_PRIVATE, &connected[i]);
        curl_multi_add_handle(multi, h);
    }
    res->attempted = n;
    res->peak_threads = threads_of(m->pid);
    uint64_t start = now_ns(), last_sample = start;
    int running = 1;
    while (running) {
        curl_multi_perform(multi, &running);
        CURLMsg *msg;
        int left;
        while ((msg = curl_multi_info_read(multi, &left))) {
            if (msg->msg != CURLMSG_DONE) continue;
            long code = 0;
            curl_easy_getinfo(msg->easy_handle, CURLINFO_RESPONSE_CODE, &code);
            CURLcode rc = msg->data.result;
            char *was_connected = NULL;
            curl_easy_getinfo(msg->easy_handle, CURLINFO_PRIVATE, &was_connected);
            if (was_connected && *was_connected) --in_flight;
            if (rc == CURLE_OK && code == 200)
                ++res->ok;
            else if (rc == CURLE_OK)
                ++res->bad_status;
            else if (rc == CURLE_COULDNT_CONNECT)
                ++res->refused;
            else
                ++res->failed;
        }
        uint64_t now = now_ns();
        if (now - last_sample > 20000000ull) {  // 20 ms
            long th = threads_of(m->pid);
            if (th > res->peak_threads) res->peak_threads = th;
            last_sample = now;
        }
        if (running) curl_multi_poll(multi, NULL, 0, 20, NULL);
    }
    res->seconds = (double)(now_ns() - start) / 1e9;
    res->peak_in_flight = peak_in_flight;
    for (long i = 0; i < n; ++i) {
        curl_multi_remove_handle(multi, easy[i]);
        curl_easy_cleanup(easy[i]);
    }
    free(easy);
    free(connected);
    curl_multi_cleanup(multi);
    curl_slist_free_all(headers);

    char stats_url[128];
    snprintf(stats_url, sizeof stats_url, "%s/_mock/stats", base);
    res->mock_requests = simple_request(stats_url, NULL, &b) == 0 ? stat_of(&b, "helix_requests") : -1;
    return 0;
}

static void print_result(const char *mode, long latency_ms, const burst_result *r) {
    printf("%-22s latency %4ld ms: %5ld attempted, %5ld answered 200, %5ld refused, %5ld failed, %4ld non-200; "
           "%7.3f s to serve all; peak in flight %5ld; mock threads peak %5ld; mock counted %ld\n",
           mode, latency_ms, r->attempted, r->ok, r->refused, r->failed, r->bad_status, r->seconds, r->peak_in_flight,
           r->peak_threads, r->mock_requests);
    fflush(stdout);
}

static long fit_to_fd_limit(long n) {
    struct rlimit rl;
    if (getrlimit(RLIMIT_NOFILE, &rl) != 0) return n;
    if (rl.rlim_cur < rl.rlim_max) {
        rl.rlim_cur = rl.rlim_max;
        setrlimit(RLIMIT_NOFILE, &rl);
        getrlimit(RLIMIT_NOFILE, &rl);
    }
    const long margin = 64;
    if (rl.rlim_cur != RLIM_INFINITY && (long)rl.rlim_cur < n + margin) {
        long fit = (long)rl.rlim_cur - margin;
        printf("note: RLIMIT_NOFILE hard limit %ld: %ld connections instead of %ld\n", (long)rl.rlim_cur, fit, n);
        return fit;
    }
    return n;
}

int main(int argc, char **argv) {
    if (argc < 2) {
        fprintf(stderr, "usage: bench_mock_burst TC_MOCK [--quick] [--connections N]\n");
        return 2;
    }
    const char *exe = argv[1];
    long n = 10000;
    int quick = 0;
    for (int i = 2; i < argc; ++i) {
        if (!strcmp(argv[i], "--quick")) {
            quick = 1;
            n = 2000;
        } else if (!strcmp(argv[i], "--connections") && i + 1 < argc) {
            n = strtol(argv[++i], NULL, 10);
        } else {
            fprintf(stderr, "bench_mock_burst: unknown argument %s\n", argv[i]);
            return 2;
        }
    }
    if (n <= 0) return 2;
    n = fit_to_fd_limit(n);
    signal(SIGPIPE, SIG_IGN);
    if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) return 2;

    printf("bench_mock_burst: %ld simultaneous connections (one GET /helix/eventsub/conduits each, fresh "
           "connection, no reuse) to tc-mock; baseline: the same binary with a thread per connection\n",
           n);
    const long latencies[] = {0, 20, 1000};
    int gate_failed = 0;
    double shipped_s[3] = {0}, baseline_s[3] = {0};
    for (int li = 0; li < 3; ++li) {
        for (int tpc = 0; tpc <= 1; ++tpc) {
            if (quick && tpc && latencies[li] == 1000) continue;
            mock_proc m;
            burst_result r;
            if (mock_start(exe, tpc, latencies[li], &m) != 0) return 2;
            int ran = run_burst(&m, n, &r);
            int stopped = mock_stop(&m);
            if (ran != 0) return 2;
            print_result(tpc ? "thread-per-connection" : "epoll pool", latencies[li], &r);
            (tpc ? baseline_s : shipped_s)[li] = r.seconds;
            if (!tpc && (r.ok != n || r.mock_requests != n)) gate_failed = 1;
            if (stopped != 0) {
                fprintf(stderr, "bench_mock_burst: tc-mock did not exit cleanly after SIGTERM\n");
                if (!tpc) gate_failed = 1;
            }
        }
    }
    for (int li = 0; li < 3; ++li)
        if (shipped_s[li] > 0 && baseline_s[li] > 0)
            printf("latency %4ld ms: time to serve all, epoll pool / thread-per-connection = %.2f\n", latencies[li],
                   shipped_s[li] / baseline_s[li]);
    printf("result: the shipped mode %s all %ld connections\n", gate_failed ? "did NOT serve" : "served", n);
    curl_global_cleanup();
    return gate_failed ? 1 : 0;
}
