/* The embedded listener against hostile clients, over real loopback
 * sockets: 1,000 slowloris connections while real requests are answered,
 * the per-address and total connection limits, head and whole-request
 * deadlines that trickled bytes do not extend, ambiguous framing refused
 * before verification, and the bounded queue behind a stalled consumer.
 * Slow clients come from other loopback addresses (127.0.0.2...), real ones
 * from 127.0.0.1. */
#define _GNU_SOURCE
#include "fixture.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stdint.h>
#include <cmocka.h>

#include <curl/curl.h>
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define SECRET "limits-secret-0123456789"
#define ROUTE "shard-a"
#define SLOW_HEAD "POST /eventsub/" ROUTE " HTTP/1.1\r\nHost: x\r\nX-Pad: "

static const char *const kBody =
    "{\"subscription\":{\"id\":\"sub-1\",\"status\":\"enabled\",\"type\":\"channel.follow\",\"version\":\"2\","
    "\"cost\":0,\"condition\":{\"broadcaster_user_id\":\"1\"},\"transport\":{\"method\":\"conduit\","
    "\"conduit_id\":\"c-1\"},\"created_at\":\"2024-01-01T00:00:00Z\"},"
    "\"event\":{\"user_id\":\"42\",\"user_login\":\"kappa\"}}";

static const char *const kChallenge =
    "{\"challenge\":\"pogchamp-kappa-360noscope-vohiyo\",\"conduit_shard\":{\"conduit_id\":\"c-1\",\"shard\":\"0\"}}";

/* ---------------------------------------------------------------------- */
/* What the callbacks saw (guarded by mu). */

#define MAX_IDS 4096

typedef struct seen {
    pthread_mutex_t mu;
    int events;
    int rejects;
    int duplicates;
    unsigned char delivered[MAX_IDS]; /* times id "q-<n>" reached event_cb */
} seen;

static void on_event(tc_status status, const char *route_key, const tc_event *msg, void *userdata) {
    seen *s = userdata;
    int n = -1;
    (void)status;
    (void)route_key;
    pthread_mutex_lock(&s->mu);
    s->events++;
    if (tc_event_is_duplicate(msg)) s->duplicates++;
    if (sscanf(tc_event_id(msg), "q-%d", &n) == 1 && n >= 0 && n < MAX_IDS) s->delivered[n]++;
    pthread_mutex_unlock(&s->mu);
}

static void on_reject(tc_status status, const char *route_key, const tc_event *msg, void *userdata) {
    seen *s = userdata;
    (void)status;
    (void)route_key;
    (void)msg;
    pthread_mutex_lock(&s->mu);
    s->rejects++;
    pthread_mutex_unlock(&s->mu);
}

static int seen_count(seen *s, const int *field) {
    int n;
    pthread_mutex_lock(&s->mu);
    n = *field;
    pthread_mutex_unlock(&s->mu);
    return n;
}

static seen *new_seen(void) {
    seen *s = calloc(1, sizeof *s);
    assert_non_null(s);
    pthread_mutex_init(&s->mu, NULL);
    return s;
}

static void free_seen(seen *s) {
    pthread_mutex_destroy(&s->mu);
    free(s);
}

static tc_conduits *make_manager(void) {
    tc_conduits_options o;
    tc_conduits *c = NULL;
    assert_int_equal(tc_conduits_options_init(&o, TC_CONDUITS_OPTIONS_VERSION), TC_OK);
    o.client_id = "limits-test-client";
    o.app_token = "limits-test-token";
    assert_int_equal(tc_conduits_new(&c, &o), TC_OK);
    return c;
}

static tc_listener_options base_options(seen *s) {
    tc_listener_options lo;
    assert_int_equal(tc_listener_options_init(&lo, TC_LISTENER_OPTIONS_VERSION), TC_OK);
    lo.event_cb = on_event;
    lo.event_userdata = s;
    return lo;
}

static tc_listener *start_listener(tc_conduits *c, const tc_listener_options *lo) {
    tc_listener *l = NULL;
    assert_int_equal(tc_listener_new(&l, c, lo), TC_OK);
    assert_int_equal(tc_listener_add_route(l, ROUTE, SECRET), TC_OK);
    return l;
}

/* Polls the manager until *field reaches want (or 10 s pass). */
static void process_until(tc_conduits *c, seen *s, const int *field, int want) {
    double deadline = now_ms() + 10000;
    while (seen_count(s, field) < want && now_ms() < deadline) {
        tc_status st = tc_conduits_poll(c, 50, NULL);
        assert_true(st == TC_OK || st == TC_ETIMEDOUT);
    }
    assert_int_equal(seen_count(s, field), want);
}

static void raise_fd_limit(rlim_t want) {
    struct rlimit rl;
    assert_int_equal(getrlimit(RLIMIT_NOFILE, &rl), 0);
    if (rl.rlim_cur < want) {
        rl.rlim_cur = rl.rlim_max < want ? rl.rlim_max : want;
        assert_int_equal(setrlimit(RLIMIT_NOFILE, &rl), 0);
        assert_int_equal(getrlimit(RLIMIT_NOFILE, &rl), 0);
    }
    if (rl.rlim_cur < want) fail_msg("RLIMIT_NOFILE is %ld, this test needs %ld", (long)rl.rlim_cur, (long)want);
}

/* ---------------------------------------------------------------------- */
/* Raw sockets */

/* A connection to the listener from loopback address 127.0.0.<host>. */
static int connect_from(int host, int port) {
    struct sockaddr_in src, dst;
    int one = 1;
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    assert_true(fd >= 0);
    setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    memset(&src, 0, sizeof src);
    src.sin_family = AF_INET;
    src.sin_addr.s_addr = htonl(0x7f000000u | (unsigned)host);
    assert_int_equal(bind(fd, (struct sockaddr *)&src, sizeof src), 0);
    memset(&dst, 0, sizeof dst);
    dst.sin_family = AF_INET;
    dst.sin_port = htons((uint16_t)port);
    dst.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    assert_int_equal(connect(fd, (struct sockaddr *)&dst, sizeof dst), 0);
    return fd;
}

static void send_all(int fd, const char *data, size_t len) {
    while (len > 0) {
        ssize_t n = send(fd, data, len, MSG_NOSIGNAL);
        assert_true(n > 0);
        data += n;
        len -= (size_t)n;
    }
}

/* Best effort: a closed peer is what some tests wait for. */
static void trickle(int fd) { (void)send(fd, "a", 1, MSG_NOSIGNAL | MSG_DONTWAIT); }

/* Waits up to timeout_ms for the server to close fd (end of stream or
 * reset); true when it did. Any answer bytes before the close are read. */
static int wait_closed(int fd, int timeout_ms) {
    double deadline = now_ms() + timeout_ms;
    char buf[512];
    for (;;) {
        int left = (int)(deadline - now_ms());
        struct pollfd p = {fd, POLLIN, 0};
        if (poll(&p, 1, left > 0 ? left : 0) > 0) {
            ssize_t n = recv(fd, buf, sizeof buf, MSG_DONTWAIT);
            if (n == 0 || (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK)) return 1;
        }
        if (now_ms() >= deadline) return 0;
    }
}

/* True while the server has neither answered nor closed fd. */
static int still_open(int fd) {
    struct pollfd p = {fd, POLLIN, 0};
    return poll(&p, 1, 0) == 0;
}

static void rfc3339_now(char *buf, size_t size) {
    time_t t = time(NULL);
    struct tm tm;
    gmtime_r(&t, &tm);
    strftime(buf, size, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

/* The signed Twitch headers for message `id` with body kBody, each line
 * ending in CRLF. */
static void signed_headers(char *out, size_t size, const char *id) {
    char ts[40];
    char *sig = NULL;
    rfc3339_now(ts, sizeof ts);
    assert_int_equal(tc_webhook_sign(&sig, SECRET, id, ts, kBody, strlen(kBody)), TC_OK);
    snprintf(out, size,
             "Twitch-Eventsub-Message-Id: %s\r\nTwitch-Eventsub-Message-Timestamp: %s\r\n"
             "Twitch-Eventsub-Message-Signature: %s\r\nTwitch-Eventsub-Message-Type: notification\r\n",
             id, ts, sig);
    tc_free(sig);
}

/* Sends a raw request on a fresh connection and returns the HTTP status of
 * the answer (0 when the connection closed without one). */
static int raw_request(int port, const char *request) {
    char buf[1024];
    size_t got = 0;
    int status = 0;
    double deadline = now_ms() + 5000;
    int fd = connect_from(1, port);
    send_all(fd, request, strlen(request));
    while (got < sizeof buf - 1 && now_ms() < deadline) {
        struct pollfd p = {fd, POLLIN, 0};
        ssize_t n;
        if (poll(&p, 1, 100) <= 0) continue;
        n = recv(fd, buf + got, sizeof buf - 1 - got, 0);
        if (n <= 0) break;
        got += (size_t)n;
        buf[got] = '\0';
        if (strstr(buf, "\r\n\r\n") != NULL) break;
    }
    buf[got] = '\0';
    if (sscanf(buf, "HTTP/1.1 %d", &status) != 1) status = 0;
    close(fd);
    return status;
}

/* ---------------------------------------------------------------------- */
/* Signed requests through libcurl (one handle: kept alive between calls) */

static size_t discard(char *data, size_t size, size_t n, void *userp) {
    (void)data;
    (void)userp;
    return size * n;
}

/* POSTs `text` signed as message `id` of `type` (tampered after signing
 * when asked); returns the HTTP status, 0 when the transfer failed. The
 * answer's body goes to answer (NULL: discarded). */
static long post_as(CURL *e, const tc_listener *l, const char *id, const char *type, const char *text, int tamper,
                    char *answer, size_t answer_size) {
    char url[256], ts[40], h[4][160];
    char *sig = NULL, *body = strdup(text);
    FILE *sink = answer != NULL ? fmemopen(answer, answer_size, "w") : NULL;
    struct curl_slist *hs = NULL;
    long status = 0;
    int i;
    assert_non_null(body);
    rfc3339_now(ts, sizeof ts);
    assert_int_equal(tc_webhook_sign(&sig, SECRET, id, ts, text, strlen(text)), TC_OK);
    if (tamper) body[10] ^= 0x01;
    snprintf(h[0], sizeof h[0], "Twitch-Eventsub-Message-Id: %s", id);
    snprintf(h[1], sizeof h[1], "Twitch-Eventsub-Message-Timestamp: %s", ts);
    snprintf(h[2], sizeof h[2], "Twitch-Eventsub-Message-Signature: %s", sig);
    snprintf(h[3], sizeof h[3], "Twitch-Eventsub-Message-Type: %s", type);
    for (i = 0; i < 4; i++) hs = curl_slist_append(hs, h[i]);
    hs = curl_slist_append(hs, "Expect:");
    tc_free(sig);
    snprintf(url, sizeof url, "%s%s", tc_listener_base_url(l), ROUTE);
    curl_easy_setopt(e, CURLOPT_URL, url);
    curl_easy_setopt(e, CURLOPT_HTTPHEADER, hs);
    curl_easy_setopt(e, CURLOPT_POSTFIELDS, body);
    curl_easy_setopt(e, CURLOPT_POSTFIELDSIZE, (long)strlen(body));
    curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, sink != NULL ? NULL : discard);
    curl_easy_setopt(e, CURLOPT_WRITEDATA, sink);
    curl_easy_setopt(e, CURLOPT_TIMEOUT_MS, 10000L);
    if (curl_easy_perform(e) == CURLE_OK) curl_easy_getinfo(e, CURLINFO_RESPONSE_CODE, &status);
    if (sink != NULL) fclose(sink);
    curl_slist_free_all(hs);
    free(body);
    return status;
}

static long post_signed(CURL *e, const tc_listener *l, const char *id, int tamper) {
    return post_as(e, l, id, "notification", kBody, tamper, NULL, 0);
}

/* ---------------------------------------------------------------------- */
/* Finding 1: slowloris */

#define SLOW_CONNECTIONS 1000
#define SLOW_PER_ADDRESS 50 /* under the default per-address limit (64) */
#define REAL_REQUESTS 20

/* With the default limits, 1,000 connections trickling their request heads
 * (from 20 addresses) leave the listener answering real signed requests
 * promptly, and all of them stay open: nothing is displaced or timed out
 * while there is room. */
static void test_thousand_slow_connections(void **state) {
    seen *s = new_seen();
    tc_conduits *c = make_manager();
    tc_listener_options lo = base_options(s);
    tc_listener *l;
    int *fds = calloc(SLOW_CONNECTIONS, sizeof *fds);
    double worst = 0, total = 0;
    int i, r, open_count = 0;
    (void)state;
    assert_non_null(fds);
    raise_fd_limit(2 * SLOW_CONNECTIONS + 256);
    /* Deadlines far away, so that only the connection limits are at work
     * here however slow the machine (deadlines have their own test). */
    lo.timeout_s = 120;
    lo.head_timeout_s = 120;
    lo.request_timeout_s = 120;
    l = start_listener(c, &lo);
    for (i = 0; i < SLOW_CONNECTIONS; i++) {
        fds[i] = connect_from(2 + i / SLOW_PER_ADDRESS, tc_listener_port(l));
        send_all(fds[i], SLOW_HEAD, strlen(SLOW_HEAD));
    }
    for (r = 0; r < REAL_REQUESTS; r++) {
        CURL *e = curl_easy_init();
        char id[32];
        double start, took;
        for (i = 0; i < SLOW_CONNECTIONS; i++) trickle(fds[i]); /* a byte each between real requests */
        snprintf(id, sizeof id, "q-%d", r);
        start = now_ms();
        assert_int_equal(post_signed(e, l, id, 0), 204);
        took = now_ms() - start;
        total += took;
        if (took > worst) worst = took;
        curl_easy_cleanup(e);
    }
    for (i = 0; i < SLOW_CONNECTIONS; i++) open_count += still_open(fds[i]);
    printf("# %d slow connections: %d real requests, mean %.1f ms, worst %.1f ms; %d slow still open\n",
           SLOW_CONNECTIONS, REAL_REQUESTS, total / REAL_REQUESTS, worst, open_count);
    /* Generous bound: a loaded 2-core machine (or valgrind) answers in far less. */
    assert_true(worst < 5000);
    assert_int_equal(open_count, SLOW_CONNECTIONS);
    assert_int_equal(tc_listener_stat_get(l, TC_LISTENER_STAT_DISPLACED), 0);
    assert_int_equal(tc_listener_stat_get(l, TC_LISTENER_STAT_TIMED_OUT), 0);
    process_until(c, s, &s->events, REAL_REQUESTS);
    for (i = 0; i < SLOW_CONNECTIONS; i++) close(fds[i]);
    free(fds);
    tc_listener_free(l);
    tc_conduits_free(c);
    free_seen(s);
}

/* Beyond max_connections_per_ip, a new connection from that address is
 * closed at once; other addresses are unaffected. */
static void test_per_address_limit(void **state) {
    seen *s = new_seen();
    tc_conduits *c = make_manager();
    tc_listener_options lo = base_options(s);
    tc_listener *l;
    CURL *e = curl_easy_init();
    int fds[4], extra, i;
    (void)state;
    lo.max_connections_per_ip = 4;
    l = start_listener(c, &lo);
    for (i = 0; i < 4; i++) {
        fds[i] = connect_from(2, tc_listener_port(l));
        send_all(fds[i], SLOW_HEAD, strlen(SLOW_HEAD));
    }
    extra = connect_from(2, tc_listener_port(l));
    assert_true(wait_closed(extra, 5000));
    for (i = 0; i < 4; i++) assert_true(still_open(fds[i]));
    assert_int_equal(post_signed(e, l, "q-1", 0), 204); /* 127.0.0.1 has its own share */
    close(extra);
    for (i = 0; i < 4; i++) close(fds[i]);
    curl_easy_cleanup(e);
    tc_listener_free(l);
    tc_conduits_free(c);
    free_seen(s);
}

/* Trickling a byte every 100 ms keeps an idle timeout from ever firing; the
 * head deadline and the whole-request deadline close such connections
 * anyway, and nothing is dispatched. */
static void test_head_and_request_deadlines(void **state) {
    seen *s = new_seen();
    tc_conduits *c = make_manager();
    tc_listener_options lo = base_options(s);
    tc_listener *l;
    const char *body_head = "POST /eventsub/" ROUTE " HTTP/1.1\r\nHost: x\r\nContent-Length: 1000\r\n\r\n{";
    double start, head_closed = -1, body_closed = -1;
    int slow_head, slow_body;
    (void)state;
    lo.timeout_s = 60; /* idle timeout: never reached by a trickle */
    lo.head_timeout_s = 1;
    lo.request_timeout_s = 2;
    l = start_listener(c, &lo);
    start = now_ms();
    slow_head = connect_from(2, tc_listener_port(l));
    slow_body = connect_from(3, tc_listener_port(l));
    send_all(slow_head, SLOW_HEAD, strlen(SLOW_HEAD));
    send_all(slow_body, body_head, strlen(body_head));
    while ((head_closed < 0 || body_closed < 0) && now_ms() - start < 15000) {
        if (head_closed < 0) {
            if (wait_closed(slow_head, 0)) head_closed = now_ms() - start;
            else trickle(slow_head);
        }
        if (body_closed < 0) {
            if (wait_closed(slow_body, 0)) body_closed = now_ms() - start;
            else trickle(slow_body);
        }
        {
            struct timespec ts = {0, 100 * 1000 * 1000};
            nanosleep(&ts, NULL);
        }
    }
    printf("# head deadline 1 s: closed after %.0f ms; request deadline 2 s: closed after %.0f ms\n", head_closed,
           body_closed);
    assert_true(head_closed >= 900 && head_closed < 6000);
    assert_true(body_closed >= 1900 && body_closed < 7000);
    assert_int_equal(tc_listener_stat_get(l, TC_LISTENER_STAT_TIMED_OUT), 2);
    close(slow_head);
    close(slow_body);
    tc_listener_free(l);
    tc_conduits_free(c);
    assert_int_equal(s->events, 0);
    free_seen(s);
}

/* At max_connections, a new connection displaces the one that has been
 * reading its head the longest: the real request is answered. */
static void test_full_table_displaces_oldest_head(void **state) {
    seen *s = new_seen();
    tc_conduits *c = make_manager();
    tc_listener_options lo = base_options(s);
    tc_listener *l;
    CURL *e = curl_easy_init();
    int fds[8], i;
    (void)state;
    lo.max_connections = 8;
    lo.head_timeout_s = 120;
    lo.request_timeout_s = 120;
    lo.timeout_s = 120;
    l = start_listener(c, &lo);
    for (i = 0; i < 8; i++) {
        fds[i] = connect_from(2, tc_listener_port(l));
        send_all(fds[i], SLOW_HEAD, strlen(SLOW_HEAD));
        /* One at a time, so that "oldest" is well defined. */
        assert_true(wait_closed(fds[i], 20) == 0);
    }
    assert_int_equal(post_signed(e, l, "q-1", 0), 204);
    assert_true(wait_closed(fds[0], 5000));
    for (i = 1; i < 8; i++) assert_true(still_open(fds[i]));
    assert_int_equal(tc_listener_stat_get(l, TC_LISTENER_STAT_DISPLACED), 1);
    for (i = 0; i < 8; i++) close(fds[i]);
    curl_easy_cleanup(e);
    tc_listener_free(l);
    tc_conduits_free(c);
    free_seen(s);
}

/* ---------------------------------------------------------------------- */
/* Finding 12: ambiguous framing */

static void test_ambiguous_framing_refused(void **state) {
    seen *s = new_seen();
    tc_conduits *c = make_manager();
    tc_listener_options lo = base_options(s);
    tc_listener *l;
    char headers[512], request[2048];
    const size_t len = strlen(kBody);
    const char *start = "POST /eventsub/" ROUTE " HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n";
    (void)state;
    l = start_listener(c, &lo);
    /* Two different Content-Length values (the first one is right). */
    signed_headers(headers, sizeof headers, "q-1");
    snprintf(request, sizeof request, "%s%sContent-Length: %zu\r\nContent-Length: %zu\r\n\r\n%s", start, headers, len,
             len + 7, kBody);
    assert_int_equal(raw_request(tc_listener_port(l), request), 400);
    /* Content-Length with a chunked body. */
    signed_headers(headers, sizeof headers, "q-2");
    snprintf(request, sizeof request,
             "%s%sContent-Length: %zu\r\nTransfer-Encoding: chunked\r\n\r\n%zx\r\n%s\r\n0\r\n\r\n", start, headers,
             len, len, kBody);
    assert_int_equal(raw_request(tc_listener_port(l), request), 400);
    /* A transfer coding libmicrohttpd does not decode. */
    signed_headers(headers, sizeof headers, "q-3");
    snprintf(request, sizeof request, "%s%sTransfer-Encoding: gzip, chunked\r\n\r\n%zx\r\n%s\r\n0\r\n\r\n", start,
             headers, len, kBody);
    assert_int_equal(raw_request(tc_listener_port(l), request), 400);
    assert_int_equal(tc_listener_stat_get(l, TC_LISTENER_STAT_AMBIGUOUS), 3);
    /* The same signed request framed once, either way, is fine. */
    signed_headers(headers, sizeof headers, "q-4");
    snprintf(request, sizeof request, "%s%sContent-Length: %zu\r\n\r\n%s", start, headers, len, kBody);
    assert_int_equal(raw_request(tc_listener_port(l), request), 204);
    signed_headers(headers, sizeof headers, "q-5");
    snprintf(request, sizeof request, "%s%sTransfer-Encoding: chunked\r\n\r\n%zx\r\n%s\r\n0\r\n\r\n", start, headers,
             len, kBody);
    assert_int_equal(raw_request(tc_listener_port(l), request), 204);
    process_until(c, s, &s->events, 2);
    assert_int_equal(s->delivered[4] + s->delivered[5], 2);
    assert_int_equal(tc_listener_stat_get(l, TC_LISTENER_STAT_REJECTED), 0); /* never reached verification */
    tc_listener_free(l);
    tc_conduits_free(c);
    free_seen(s);
}

/* ---------------------------------------------------------------------- */
/* Finding 2: the bounded queue */

#define FLOOD 2000
#define QUEUE_BOUND 100

static long rss_kib(void) {
    long pages = 0, resident = 0;
    FILE *f = fopen("/proc/self/statm", "r");
    if (f == NULL) return 0;
    if (fscanf(f, "%ld %ld", &pages, &resident) != 2) resident = 0;
    fclose(f);
    return resident * (sysconf(_SC_PAGESIZE) / 1024);
}

/* Nobody processes the manager: beyond max_queued_events, notifications are
 * answered 503 (and not recorded, so Twitch's redelivery is taken later);
 * every message answered 2xx is delivered exactly once when the consumer
 * catches up. */
static void test_stalled_consumer_events(void **state) {
    seen *s = new_seen();
    tc_conduits *c = make_manager();
    tc_listener_options lo = base_options(s);
    tc_listener *l;
    CURL *e = curl_easy_init();
    unsigned char *acked = calloc(FLOOD, 1);
    int i, ok = 0, unavailable = 0, first_refused = -1;
    long rss_start = 0;
    (void)state;
    assert_non_null(acked);
    lo.max_queued_events = QUEUE_BOUND;
    l = start_listener(c, &lo);
    for (i = 0; i < FLOOD; i++) {
        char id[32];
        long st;
        snprintf(id, sizeof id, "q-%d", i);
        st = post_signed(e, l, id, 0);
        if (st == 204) {
            ok++;
            acked[i] = 1;
        } else {
            assert_int_equal(st, 503);
            unavailable++;
            if (first_refused < 0) first_refused = i;
        }
        if (i == FLOOD / 10) rss_start = rss_kib();
        assert_true(tc_listener_stat_get(l, TC_LISTENER_STAT_QUEUED) <= QUEUE_BOUND);
    }
    printf("# %d notifications, consumer stalled: %d answered 204, %d answered 503; RSS %ld -> %ld KiB\n", FLOOD, ok,
           unavailable, rss_start, rss_kib());
    assert_int_equal(ok, QUEUE_BOUND);
    assert_int_equal(unavailable, FLOOD - QUEUE_BOUND);
    assert_int_equal(tc_listener_stat_get(l, TC_LISTENER_STAT_QUEUE_FULL), FLOOD - QUEUE_BOUND);
    assert_int_equal(tc_listener_stat_get(l, TC_LISTENER_STAT_QUEUED), QUEUE_BOUND);
    /* Full: a duplicate is still acknowledged (and not queued), and a
     * challenge is still answered (failing it would fail the shard). */
    assert_int_equal(post_signed(e, l, "q-0", 0), 204);
    {
        char answer[128] = "";
        assert_int_equal(post_as(e, l, "challenge-1", "webhook_callback_verification", kChallenge, 0, answer,
                                 sizeof answer),
                         200);
        assert_string_equal(answer, "pogchamp-kappa-360noscope-vohiyo");
    }
    assert_int_equal(tc_listener_stat_get(l, TC_LISTENER_STAT_QUEUE_FULL), FLOOD - QUEUE_BOUND);
    /* The consumer catches up: exactly the acknowledged ones, once each. */
    process_until(c, s, &s->events, QUEUE_BOUND + 1); /* the challenge too */
    for (i = 0; i < FLOOD; i++) assert_int_equal(s->delivered[i], acked[i]);
    assert_int_equal(tc_listener_stat_get(l, TC_LISTENER_STAT_QUEUED), 0);
    /* A refused message was not recorded: its redelivery is taken. */
    {
        char id[32];
        snprintf(id, sizeof id, "q-%d", first_refused);
        assert_int_equal(post_signed(e, l, id, 0), 204);
        process_until(c, s, &s->events, QUEUE_BOUND + 2);
        assert_int_equal(s->delivered[first_refused], 1);
        assert_int_equal(s->duplicates, 0);
    }
    curl_easy_cleanup(e);
    free(acked);
    tc_listener_free(l);
    tc_conduits_free(c);
    free_seen(s);
}

/* Reject reports beyond max_queued_rejects are dropped and counted; they
 * never take the room of real messages. */
static void test_stalled_consumer_rejects(void **state) {
    seen *s = new_seen();
    tc_conduits *c = make_manager();
    tc_listener_options lo = base_options(s);
    tc_listener *l;
    CURL *e = curl_easy_init();
    int i;
    (void)state;
    lo.reject_cb = on_reject;
    lo.reject_userdata = s;
    lo.max_queued_rejects = 50;
    lo.max_queued_events = 10;
    l = start_listener(c, &lo);
    for (i = 0; i < 500; i++) {
        char id[32];
        snprintf(id, sizeof id, "bad-%d", i);
        assert_int_equal(post_signed(e, l, id, 1), 403);
        assert_true(tc_listener_stat_get(l, TC_LISTENER_STAT_QUEUED) <= 50);
    }
    assert_int_equal(tc_listener_stat_get(l, TC_LISTENER_STAT_REJECTED), 500);
    assert_int_equal(tc_listener_stat_get(l, TC_LISTENER_STAT_REJECTS_DROPPED), 450);
    assert_int_equal(tc_listener_stat_get(l, TC_LISTENER_STAT_QUEUED), 50);
    assert_int_equal(post_signed(e, l, "q-7", 0), 204);
    process_until(c, s, &s->rejects, 50);
    process_until(c, s, &s->events, 1);
    assert_int_equal(tc_listener_stat_get(l, TC_LISTENER_STAT_QUEUED), 0);
    curl_easy_cleanup(e);
    tc_listener_free(l);
    tc_conduits_free(c);
    free_seen(s);
}

/* ---------------------------------------------------------------------- */
/* Options */

static void test_limit_options(void **state) {
    seen *s = new_seen();
    tc_conduits *c = make_manager();
    tc_listener_options lo = base_options(s);
    tc_listener *l = NULL;
    (void)state;
    lo.max_connections_per_ip = 70000;
    assert_int_equal(tc_listener_new(&l, c, &lo), TC_EINVAL);
    assert_non_null(strstr(tc_last_error_message(), "max_connections_per_ip"));
    lo = base_options(s);
    lo.head_timeout_s = 3601;
    assert_int_equal(tc_listener_new(&l, c, &lo), TC_EINVAL);
    assert_non_null(strstr(tc_last_error_message(), "head_timeout_s"));
    lo = base_options(s);
    lo.request_timeout_s = 5; /* below the default head deadline (10) */
    assert_int_equal(tc_listener_new(&l, c, &lo), TC_EINVAL);
    assert_non_null(strstr(tc_last_error_message(), "request_timeout_s"));
    lo = base_options(s);
    lo.max_queued_events = (size_t)1 << 30;
    assert_int_equal(tc_listener_new(&l, c, &lo), TC_EINVAL);
    assert_non_null(strstr(tc_last_error_message(), "max_queued_events"));
    lo = base_options(s);
    lo.max_queued_rejects = (size_t)1 << 30;
    assert_int_equal(tc_listener_new(&l, c, &lo), TC_EINVAL);
    assert_non_null(strstr(tc_last_error_message(), "max_queued_rejects"));
    assert_null(l);
    /* A caller built against version 2 has no limit fields: init and new
     * stay inside its struct (an exact-size heap block, watched by
     * ASan/valgrind) and the defaults apply. */
    {
        const size_t v2_size = offsetof(tc_listener_options, max_connections_per_ip);
        unsigned char *block = malloc(v2_size);
        tc_listener_cb cb = on_event;
        assert_non_null(block);
        assert_int_equal(tc_listener_options_init((tc_listener_options *)block, 2), TC_OK);
        memcpy(block + offsetof(tc_listener_options, event_cb), &cb, sizeof cb);
        assert_int_equal(tc_listener_new(&l, c, (tc_listener_options *)block), TC_OK);
        assert_true(tc_listener_port(l) > 0);
        tc_listener_free(l);
        free(block);
    }
    assert_int_equal(tc_listener_stat_get(NULL, TC_LISTENER_STAT_QUEUED), 0);
    tc_conduits_free(c);
    free_seen(s);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_thousand_slow_connections),
        cmocka_unit_test(test_per_address_limit),
        cmocka_unit_test(test_head_and_request_deadlines),
        cmocka_unit_test(test_full_table_displaces_oldest_head),
        cmocka_unit_test(test_ambiguous_framing_refused),
        cmocka_unit_test(test_stalled_consumer_events),
        cmocka_unit_test(test_stalled_consumer_rejects),
        cmocka_unit_test(test_limit_options),
    };
    int rc;
    curl_global_init(CURL_GLOBAL_DEFAULT);
    rc = cmocka_run_group_tests(tests, NULL, NULL);
    curl_global_cleanup();
    return rc;
}
