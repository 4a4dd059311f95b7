/* The embedded webhook listener over real loopback sockets: acknowledge
 * first, then dispatch on the caller's thread (or the dispatch thread);
 * challenges, tampering, duplicates, routing, size limits, and teardown
 * with events still queued. */
#define _GNU_SOURCE /* mkdtemp */
#include "fixture.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stdint.h>
#include <cmocka.h>

#include <curl/curl.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>
#include <pthread.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define SECRET_A "secret-aaaa-0123456789"
#define SECRET_B "secret-bbbb-9876543210"

static const char *const kNotification =
    "{\"subscription\":{\"id\":\"sub-1\",\"status\":\"enabled\",\"type\":\"channel.follow\",\"version\":\"2\","
    "\"cost\":0,\"condition\":{\"broadcaster_user_id\":\"1\"},\"transport\":{\"method\":\"conduit\","
    "\"conduit_id\":\"c-1\"},\"created_at\":\"2024-01-01T00:00:00Z\"},"
    "\"event\":{\"user_id\":\"42\",\"user_login\":\"kappa\"}}";
static const char *const kShardChallenge =
    "{\"challenge\":\"pogchamp-kappa-360noscope-vohiyo\",\"conduit_shard\":{\"conduit_id\":\"c-1\",\"shard\":\"0\"}}";

/* What the callbacks saw. Guarded by mu: the dispatch-thread test reads it
 * from the test thread. */
typedef struct seen {
    pthread_mutex_t mu;
    int events;
    int rejects;
    int canceled;
    tc_status last_status;
    tc_event_kind kind;
    pthread_t thread;
    char route[80];
    char id[80];
    char type[80];
    char event[256];
    char challenge[80];
    tc_status reject_status;
} seen;

static void on_event(tc_status status, const char *route_key, const tc_event *msg, void *userdata) {
    seen *s = userdata;
    pthread_mutex_lock(&s->mu);
    s->events++;
    if (status == TC_ECANCELED) s->canceled++;
    s->last_status = status;
    s->kind = tc_event_kind_get(msg);
    s->thread = pthread_self();
    snprintf(s->route, sizeof s->route, "%s", route_key);
    snprintf(s->id, sizeof s->id, "%s", tc_event_id(msg));
    snprintf(s->type, sizeof s->type, "%s", tc_event_subscription_type(msg));
    snprintf(s->event, sizeof s->event, "%s", tc_event_event_json(msg, NULL));
    snprintf(s->challenge, sizeof s->challenge, "%s", tc_event_challenge(msg, NULL));
    pthread_mutex_unlock(&s->mu);
}

static void on_reject(tc_status status, const char *route_key, const tc_event *msg, void *userdata) {
    seen *s = userdata;
    (void)status;
    (void)route_key;
    pthread_mutex_lock(&s->mu);
    s->rejects++;
    s->reject_status = tc_event_status(msg);
    pthread_mutex_unlock(&s->mu);
}

static int count_events(seen *s) {
    int n;
    pthread_mutex_lock(&s->mu);
    n = s->events;
    pthread_mutex_unlock(&s->mu);
    return n;
}

static tc_conduits *make_manager(unsigned int flags) {
    tc_conduits_options o;
    tc_conduits *c = NULL;
    assert_int_equal(tc_conduits_options_init(&o, TC_CONDUITS_OPTIONS_VERSION), TC_OK);
    o.client_id = "listener-test-client";
    o.app_token = "listener-test-token";
    o.flags = flags;
    assert_int_equal(tc_conduits_new(&c, &o), TC_OK);
    return c;
}

static tc_listener *make_listener(tc_conduits *c, seen *s) {
    tc_listener_options lo;
    tc_listener *l = NULL;
    assert_int_equal(tc_listener_options_init(&lo, TC_LISTENER_OPTIONS_VERSION), TC_OK);
    lo.max_body_bytes = 4096;
    lo.event_cb = on_event;
    lo.event_userdata = s;
    lo.reject_cb = on_reject;
    lo.reject_userdata = s;
    assert_int_equal(tc_listener_new(&l, c, &lo), TC_OK);
    assert_true(tc_listener_port(l) > 0);
    assert_int_equal(tc_listener_add_route(l, "shard-a", SECRET_A), TC_OK);
    return l;
}

typedef struct reply {
    long status;
    char body[256];
    size_t len;
} reply;

static size_t on_body(char *data, size_t size, size_t n, void *userp) {
    reply *r = userp;
    size_t total = size * n;
    size_t room = sizeof r->body - 1 - r->len;
    size_t take = total < room ? total : room;
    memcpy(r->body + r->len, data, take);
    r->len += take;
    r->body[r->len] = '\0';
    return total;
}

static void now_rfc3339(char *buf, size_t size) {
    time_t t = time(NULL);
    struct tm tm;
    gmtime_r(&t, &tm);
    strftime(buf, size, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

/* The CA that post() trusts for an https:// listener (NULL: the system's). */
static const char *g_trusted_ca = NULL;

/* POSTs `body` to base_url + path, signed with `secret` unless `tamper`,
 * which changes one byte of the body after signing. */
static reply post(const tc_listener *l, const char *path, const char *secret, const char *id, const char *type,
                  const char *body, size_t body_len, int tamper) {
    reply r;
    char url[256], ts[40], h[5][160];
    char *sig = NULL, *sent;
    struct curl_slist *hs = NULL;
    CURL *e = curl_easy_init();
    int i;
    memset(&r, 0, sizeof r);
    now_rfc3339(ts, sizeof ts);
    assert_int_equal(tc_webhook_sign(&sig, secret, id, ts, body, body_len), TC_OK);
    snprintf(h[0], sizeof h[0], "Twitch-Eventsub-Message-Id: %s", id);
    snprintf(h[1], sizeof h[1], "Twitch-Eventsub-Message-Timestamp: %s", ts);
    snprintf(h[2], sizeof h[2], "Twitch-Eventsub-Message-Signature: %s", sig);
    snprintf(h[3], sizeof h[3], "Twitch-Eventsub-Message-Type: %s", type);
    snprintf(h[4], sizeof h[4], "Content-Type: application/json");
    for (i = 0; i < 5; i++) hs = curl_slist_append(hs, h[i]);
    hs = curl_slist_append(hs, "Expect:");
    tc_free(sig);
    sent = malloc(body_len + 1);
    memcpy(sent, body, body_len);
    if (tamper) sent[body_len / 2] ^= 0x01;
    snprintf(url, sizeof url, "%s%s", tc_listener_base_url(l), path);
    curl_easy_setopt(e, CURLOPT_URL, url);
    curl_easy_setopt(e, CURLOPT_HTTPHEADER, hs);
    curl_easy_setopt(e, CURLOPT_POSTFIELDS, sent);
    curl_easy_setopt(e, CURLOPT_POSTFIELDSIZE, (long)body_len);
    curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, on_body);
    curl_easy_setopt(e, CURLOPT_WRITEDATA, &r);
    curl_easy_setopt(e, CURLOPT_TIMEOUT_MS, 10000L);
    if (g_trusted_ca != NULL) curl_easy_setopt(e, CURLOPT_CAINFO, g_trusted_ca);
    assert_int_equal(curl_easy_perform(e), CURLE_OK);
    curl_easy_getinfo(e, CURLINFO_RESPONSE_CODE, &r.status);
    curl_easy_cleanup(e);
    curl_slist_free_all(hs);
    free(sent);
    return r;
}

static reply notify(const tc_listener *l, const char *route, const char *secret, const char *id) {
    return post(l, route, secret, id, "notification", kNotification, strlen(kNotification), 0);
}

/* Runs process() until `want` events were seen or 5 s pass. */
static void process_until(tc_conduits *c, seen *s, int want) {
    double deadline = now_ms() + 5000;
    while (count_events(s) < want && now_ms() < deadline) {
        tc_status st = tc_conduits_poll(c, 50, NULL);
        assert_true(st == TC_OK || st == TC_ETIMEDOUT);
    }
}

/* The listener hands a message over once its answer is written, which the
 * client may see a moment earlier: wait for the handover. */
static void wait_dispatched(const tc_listener *l, uint64_t want) {
    double deadline = now_ms() + 5000;
    while (tc_listener_stat_get(l, TC_LISTENER_STAT_DISPATCHED) < want && now_ms() < deadline) {
        struct timespec ts = {0, 1000 * 1000};
        nanosleep(&ts, NULL);
    }
    assert_int_equal(tc_listener_stat_get(l, TC_LISTENER_STAT_DISPATCHED), want);
}

static void init_seen(seen *s) {
    memset(s, 0, sizeof *s);
    pthread_mutex_init(&s->mu, NULL);
}

static void test_ack_first_then_dispatch(void **state) {
    seen s;
    tc_conduits *c = make_manager(0);
    tc_listener *l;
    reply r;
    int ran = 0;
    (void)state;
    init_seen(&s);
    l = make_listener(c, &s);
    assert_true(strncmp(tc_listener_base_url(l), "http://127.0.0.1:", 17) == 0);

    /* Answered before this thread ran the loop at all. */
    r = notify(l, "shard-a", SECRET_A, "msg-1");
    assert_int_equal(r.status, 204);
    assert_int_equal(r.len, 0);
    assert_int_equal(count_events(&s), 0);

    process_until(c, &s, 1);
    assert_int_equal(tc_conduits_process(c, &ran), TC_OK);
    assert_int_equal(s.events, 1);
    assert_int_equal(s.last_status, TC_OK);
    assert_int_equal(s.kind, TC_EVENT_NOTIFICATION);
    assert_true(pthread_equal(s.thread, pthread_self()));
    assert_string_equal(s.route, "shard-a");
    assert_string_equal(s.id, "msg-1");
    assert_string_equal(s.type, "channel.follow");
    assert_string_equal(s.event, "{\"user_id\":\"42\",\"user_login\":\"kappa\"}");
    assert_int_equal(tc_listener_stat_get(l, TC_LISTENER_STAT_DISPATCHED), 1);

    tc_listener_free(l);
    tc_conduits_free(c);
    pthread_mutex_destroy(&s.mu);
}

static void test_shard_challenge_answered_raw(void **state) {
    seen s;
    tc_conduits *c = make_manager(0);
    tc_listener *l;
    reply r;
    (void)state;
    init_seen(&s);
    l = make_listener(c, &s);
    r = post(l, "shard-a", SECRET_A, "chal-1", "webhook_callback_verification", kShardChallenge,
             strlen(kShardChallenge), 0);
    assert_int_equal(r.status, 200);
    assert_string_equal(r.body, "pogchamp-kappa-360noscope-vohiyo");
    process_until(c, &s, 1);
    assert_int_equal(s.events, 1);
    assert_int_equal(s.kind, TC_EVENT_VERIFICATION);
    assert_string_equal(s.challenge, "pogchamp-kappa-360noscope-vohiyo");
    tc_listener_free(l);
    tc_conduits_free(c);
    pthread_mutex_destroy(&s.mu);
}

static void test_tampered_duplicate_unknown_oversized(void **state) {
    seen s;
    tc_conduits *c = make_manager(0);
    tc_listener *l;
    reply r;
    char *big;
    (void)state;
    init_seen(&s);
    l = make_listener(c, &s);

    r = post(l, "shard-a", SECRET_A, "msg-t", "notification", kNotification, strlen(kNotification), 1);
    assert_int_equal(r.status, 403);
    r = notify(l, "shard-a", "wrong-secret-123456", "msg-w");
    assert_int_equal(r.status, 403);

    r = notify(l, "shard-a", SECRET_A, "msg-d");
    assert_int_equal(r.status, 204);
    r = notify(l, "shard-a", SECRET_A, "msg-d");
    assert_int_equal(r.status, 204);

    r = notify(l, "nope", SECRET_A, "msg-u");
    assert_int_equal(r.status, 404);
    r = notify(l, "shard-a/extra", SECRET_A, "msg-u2");
    assert_int_equal(r.status, 404);

    big = malloc(8192);
    memset(big, ' ', 8191);
    big[0] = '{';
    big[8190] = '}';
    big[8191] = '\0';
    r = post(l, "shard-a", SECRET_A, "msg-big", "notification", big, 8191, 0);
    assert_int_equal(r.status, 413);
    free(big);

    process_until(c, &s, 1);
    /* Let anything that should not be there show up. */
    tc_conduits_poll(c, 200, NULL);
    assert_int_equal(s.events, 1);
    assert_string_equal(s.id, "msg-d");
    assert_int_equal(s.rejects, 2);
    assert_int_equal(s.reject_status, TC_ESIGNATURE);
    assert_int_equal(tc_listener_stat_get(l, TC_LISTENER_STAT_DUPLICATES), 1);
    assert_int_equal(tc_listener_stat_get(l, TC_LISTENER_STAT_REJECTED), 2);
    assert_int_equal(tc_listener_stat_get(l, TC_LISTENER_STAT_NOT_FOUND), 2);
    assert_int_equal(tc_listener_stat_get(l, TC_LISTENER_STAT_TOO_LARGE), 1);
    assert_int_equal(tc_listener_stat_get(l, TC_LISTENER_STAT_REQUESTS), 7);
    tc_listener_free(l);
    tc_conduits_free(c);
    pthread_mutex_destroy(&s.mu);
}

static void test_two_routes_two_secrets(void **state) {
    seen s;
    tc_conduits *c = make_manager(0);
    tc_listener *l;
    (void)state;
    init_seen(&s);
    l = make_listener(c, &s);
    assert_int_equal(tc_listener_add_route(l, "shard-b", SECRET_B), TC_OK);
    assert_int_equal(tc_listener_add_route(l, "shard-b", SECRET_B), TC_ECONFLICT);
    assert_int_equal(tc_listener_add_route(l, "bad/key", SECRET_B), TC_EINVAL);

    assert_int_equal(notify(l, "shard-b", SECRET_A, "m-1").status, 403);
    assert_int_equal(notify(l, "shard-a", SECRET_B, "m-2").status, 403);
    assert_int_equal(notify(l, "shard-b", SECRET_B, "m-3").status, 204);
    process_until(c, &s, 1);
    assert_int_equal(s.events, 1);
    assert_string_equal(s.route, "shard-b");
    assert_string_equal(s.id, "m-3");

    /* Rotation on one route leaves the other alone. */
    assert_int_equal(tc_listener_add_secret(l, "shard-b", SECRET_A), TC_OK);
    assert_int_equal(notify(l, "shard-b", SECRET_A, "m-4").status, 204);
    assert_int_equal(tc_listener_remove_secret(l, "shard-b", SECRET_B), TC_OK);
    assert_int_equal(notify(l, "shard-b", SECRET_B, "m-5").status, 403);
    assert_int_equal(tc_listener_remove_route(l, "shard-b"), TC_OK);
    assert_int_equal(notify(l, "shard-b", SECRET_A, "m-6").status, 404);
    assert_int_equal(tc_listener_add_secret(l, "shard-b", SECRET_A), TC_ENOTFOUND);
    process_until(c, &s, 2);
    assert_int_equal(s.events, 2);
    assert_string_equal(s.id, "m-4");
    tc_listener_free(l);
    tc_conduits_free(c);
    pthread_mutex_destroy(&s.mu);
}

static void test_dispatch_thread_mode(void **state) {
    seen s;
    tc_conduits *c = make_manager(TC_CONDUITS_F_DISPATCH_THREAD);
    tc_listener *l;
    double deadline;
    (void)state;
    init_seen(&s);
    l = make_listener(c, &s);
    assert_int_equal(notify(l, "shard-a", SECRET_A, "dt-1").status, 204);
    deadline = now_ms() + 5000;
    while (count_events(&s) < 1 && now_ms() < deadline) {
        struct timespec ts = {0, 5 * 1000 * 1000};
        nanosleep(&ts, NULL);
    }
    pthread_mutex_lock(&s.mu);
    assert_int_equal(s.events, 1);
    assert_false(pthread_equal(s.thread, pthread_self()));
    assert_string_equal(s.id, "dt-1");
    pthread_mutex_unlock(&s.mu);
    assert_int_equal(tc_conduits_process(c, NULL), TC_EBUSY);
    tc_listener_free(l);
    tc_conduits_free(c);
    pthread_mutex_destroy(&s.mu);
}

/* Queued events survive the listener's free and are delivered exactly once,
 * even when the manager is freed without processing them. */
static void test_free_with_events_pending(void **state) {
    seen s;
    tc_conduits *c = make_manager(0);
    tc_listener *l;
    (void)state;
    init_seen(&s);
    l = make_listener(c, &s);
    assert_int_equal(notify(l, "shard-a", SECRET_A, "p-1").status, 204);
    assert_int_equal(notify(l, "shard-a", SECRET_A, "p-2").status, 204);
    assert_int_equal(notify(l, "shard-a", SECRET_A, "p-3").status, 204);
    wait_dispatched(l, 3);
    tc_listener_free(l);
    assert_int_equal(s.events, 0);
    tc_conduits_free(c); /* delivers what is queued on this thread */
    assert_int_equal(s.events, 3);
    assert_int_equal(s.canceled, 0);
    pthread_mutex_destroy(&s.mu);
}

/* The manager freed first: the listener detaches, answers 503, and its own
 * free is still clean. */
static void test_manager_freed_first(void **state) {
    seen s;
    tc_conduits *c = make_manager(0);
    tc_listener *l;
    (void)state;
    init_seen(&s);
    l = make_listener(c, &s);
    assert_int_equal(tc_conduits_pending(c), 0); /* a listener is not an operation */
    assert_int_equal(notify(l, "shard-a", SECRET_A, "f-1").status, 204);
    wait_dispatched(l, 1);
    tc_conduits_free(c);
    assert_int_equal(s.events, 1);
    assert_int_equal(notify(l, "shard-a", SECRET_A, "f-2").status, 503);
    assert_int_equal(tc_listener_stat_get(l, TC_LISTENER_STAT_UNAVAILABLE), 1);
    tc_listener_free(l);
    assert_int_equal(s.events, 1);
    pthread_mutex_destroy(&s.mu);
}

/* A client that stops sending mid-request is disconnected after timeout_s. */
static void test_slow_client_times_out(void **state) {
    seen s;
    tc_conduits *c = make_manager(0);
    tc_listener_options lo = TC_LISTENER_OPTIONS_INIT;
    tc_listener *l = NULL;
    struct sockaddr_in sa;
    const char *partial = "POST /eventsub/shard-a HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\n{";
    char buf[64];
    double start;
    ssize_t n;
    int fd;
    (void)state;
    init_seen(&s);
    lo.event_cb = on_event;
    lo.event_userdata = &s;
    lo.timeout_s = 1;
    assert_int_equal(tc_listener_new(&l, c, &lo), TC_OK);
    assert_int_equal(tc_listener_add_route(l, "shard-a", SECRET_A), TC_OK);
    fd = socket(AF_INET, SOCK_STREAM, 0);
    assert_true(fd >= 0);
    memset(&sa, 0, sizeof sa);
    sa.sin_family = AF_INET;
    sa.sin_port = htons((uint16_t)tc_listener_port(l));
    sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    assert_int_equal(connect(fd, (struct sockaddr *)&sa, sizeof sa), 0);
    assert_int_equal(send(fd, partial, strlen(partial), 0), (ssize_t)strlen(partial));
    start = now_ms();
    n = recv(fd, buf, sizeof buf, 0); /* blocks until the listener gives up */
    assert_true(n <= 0);
    assert_true(now_ms() - start < 5000);
    assert_true(now_ms() - start > 500);
    close(fd);
    tc_listener_free(l);
    tc_conduits_free(c);
    assert_int_equal(s.events, 0);
    pthread_mutex_destroy(&s.mu);
}

/* event_cb NULL: events and rejects are pulled with tc_conduits_next(); a
 * pulled event counts against max_queued_events until it is freed. */
static void test_pull_form(void **state) {
    tc_conduits *c = make_manager(0);
    tc_listener_options lo = TC_LISTENER_OPTIONS_INIT;
    tc_listener *l = NULL;
    tc_completion *done = NULL, *held = NULL;
    int marker = 0;
    (void)state;
    lo.event_userdata = &marker;
    lo.reject_userdata = &lo;
    lo.max_queued_events = 1;
    assert_int_equal(tc_listener_new(&l, c, &lo), TC_OK);
    assert_int_equal(tc_listener_add_route(l, "shard-a", SECRET_A), TC_OK);

    assert_int_equal(notify(l, "shard-a", SECRET_A, "pull-1").status, 204);
    assert_int_equal(tc_conduits_next(c, &held, 5000), TC_OK);
    assert_int_equal(tc_completion_kind_get(held), TC_COMPLETION_EVENT);
    assert_int_equal(tc_completion_status(held), TC_OK);
    assert_int_equal(tc_completion_op(held), 0);
    assert_ptr_equal(tc_completion_userdata(held), &marker);
    assert_string_equal(tc_completion_source(held), "shard-a");
    assert_string_equal(tc_event_id(tc_completion_event(held)), "pull-1");
    assert_int_equal(tc_event_kind_get(tc_completion_event(held)), TC_EVENT_NOTIFICATION);

    /* Held and not freed: the bound of 1 is reached, the next one is 503. */
    assert_int_equal(notify(l, "shard-a", SECRET_A, "pull-2").status, 503);
    tc_completion_free(held);
    assert_int_equal(notify(l, "shard-a", SECRET_A, "pull-2").status, 204);
    assert_int_equal(tc_conduits_next(c, &done, 5000), TC_OK);
    assert_string_equal(tc_event_id(tc_completion_event(done)), "pull-2");
    tc_completion_free(done);

    /* A tampered request, with no reject_cb, is pulled as a reject. */
    assert_int_equal(post(l, "shard-a", SECRET_A, "pull-3", "notification", kNotification,
                          strlen(kNotification), 1).status, 403);
    assert_int_equal(tc_conduits_next(c, &done, 5000), TC_OK);
    assert_int_equal(tc_completion_kind_get(done), TC_COMPLETION_REJECT);
    assert_ptr_equal(tc_completion_userdata(done), &lo);
    assert_int_equal(tc_event_kind_get(tc_completion_event(done)), TC_EVENT_REJECTED);
    assert_int_equal(tc_event_status(tc_completion_event(done)), TC_ESIGNATURE);
    tc_completion_free(done);

    /* A duplicate is answered, never queued again. */
    assert_int_equal(notify(l, "shard-a", SECRET_A, "pull-2").status, 204);
    assert_int_equal(tc_conduits_next(c, &done, 200), TC_ETIMEDOUT);

    /* An event left in the queue is freed with the manager. */
    assert_int_equal(notify(l, "shard-a", SECRET_A, "pull-4").status, 204);
    wait_dispatched(l, 3);
    tc_listener_free(l);
    tc_conduits_free(c);
}

static void test_options_checked(void **state) {
    seen s;
    tc_conduits *c = make_manager(0);
    tc_listener_options lo = TC_LISTENER_OPTIONS_INIT;
    tc_listener *l = (tc_listener *)&s;
    (void)state;
    init_seen(&s);
    lo.event_cb = on_event;
    lo.bind_address = "localhost";
    assert_int_equal(tc_listener_new(&l, c, &lo), TC_EINVAL);
    assert_non_null(strstr(tc_last_error_message(), "bind_address"));
    lo.bind_address = NULL;
    lo.path_prefix = "eventsub";
    assert_int_equal(tc_listener_new(&l, c, &lo), TC_EINVAL);
    lo.path_prefix = "/hooks/";
    {
        /* The listener's verifier options are checked when it starts, by name. */
        tc_webhook_options wo = TC_WEBHOOK_OPTIONS_INIT;
        wo.max_age_s = -1;
        lo.webhook = &wo;
        assert_int_equal(tc_listener_new(&l, c, &lo), TC_EINVAL);
        assert_null(l);
        assert_non_null(strstr(tc_last_error_message(), "webhook options: invalid argument: opts->max_age_s"));
        wo.max_age_s = 0;
        wo.dedupe_capacity = (size_t)1 << 27;
        assert_int_equal(tc_listener_new(&l, c, &lo), TC_EINVAL);
        assert_non_null(strstr(tc_last_error_message(), "opts->dedupe_capacity"));
        lo.webhook = NULL;
    }
    lo.version = 99;
    assert_int_equal(tc_listener_new(&l, c, &lo), TC_EVERSION);
    lo.version = TC_LISTENER_OPTIONS_VERSION;
    assert_int_equal(tc_listener_new(&l, c, &lo), TC_OK);
    assert_non_null(strstr(tc_listener_base_url(l), "/hooks/"));
    assert_int_equal(tc_listener_port(NULL), -1);
    {
        tc_listener *twin = NULL;
        lo.port = tc_listener_port(l); /* taken */
        assert_int_equal(tc_listener_new(&twin, c, &lo), TC_ENETWORK);
        assert_null(twin);
    }
    tc_listener_free(l);
    tc_listener_free(NULL);
    /* A caller built against version 1 has no TLS fields: init and new stay
     * inside its struct (an exact-size heap block, watched by ASan/valgrind). */
    {
        const size_t v1_size = offsetof(tc_listener_options, tls_cert_file);
        unsigned char *block = malloc(v1_size);
        tc_listener_cb cb = on_event;
        assert_non_null(block);
        assert_int_equal(tc_listener_options_init((tc_listener_options *)block, 1), TC_OK);
        memcpy(block + offsetof(tc_listener_options, event_cb), &cb, sizeof cb);
        l = NULL;
        assert_int_equal(tc_listener_new(&l, c, (tc_listener_options *)block), TC_OK);
        assert_int_equal(strncmp(tc_listener_base_url(l), "http://", 7), 0);
        tc_listener_free(l);
        free(block);
    }
    assert_int_equal(tc_conduits_run(c, 1000), TC_OK); /* nothing pending: a listener is not an operation */
    assert_int_equal(tc_conduits_pending(c), 0);
    tc_conduits_free(c);
    pthread_mutex_destroy(&s.mu);
}

/* The listener terminates TLS itself: a client that trusts the test CA gets
 * the same answers over https; bad or half-given files are refused by name. */
static void test_tls(void **state) {
    char dir[] = "/tmp/tc-listener-tls-XXXXXX";
    char err[256], ca[300], cert[300], key[300];
    tc_conduits *c = make_manager(0);
    tc_listener_options lo;
    tc_listener *l = NULL;
    seen s;
    reply r;
    (void)state;
    init_seen(&s);
    assert_non_null(mkdtemp(dir));
    assert_int_equal(tcmock_make_test_ca(dir, err, sizeof err), 0);
    snprintf(ca, sizeof ca, "%s/ca.pem", dir);
    snprintf(cert, sizeof cert, "%s/server.pem", dir);
    snprintf(key, sizeof key, "%s/server.key", dir);

    assert_int_equal(tc_listener_options_init(&lo, TC_LISTENER_OPTIONS_VERSION), TC_OK);
    lo.event_cb = on_event;
    lo.event_userdata = &s;
    lo.tls_cert_file = cert;
    assert_int_equal(tc_listener_new(&l, c, &lo), TC_EINVAL); /* key missing */
    assert_non_null(strstr(tc_last_error_message(), "tls_key_file"));
    lo.tls_key_file = "/nonexistent/server.key";
    assert_int_equal(tc_listener_new(&l, c, &lo), TC_EINVAL);
    assert_non_null(strstr(tc_last_error_message(), "tls_key_file"));
    lo.tls_key_file = ca; /* a certificate is not a key */
    assert_int_equal(tc_listener_new(&l, c, &lo), TC_ENETWORK);
    lo.tls_key_file = key;
    assert_int_equal(tc_listener_new(&l, c, &lo), TC_OK);
    assert_int_equal(strncmp(tc_listener_base_url(l), "https://127.0.0.1:", 18), 0);
    assert_int_equal(tc_listener_add_route(l, "shard-a", SECRET_A), TC_OK);

    g_trusted_ca = ca;
    r = notify(l, "shard-a", SECRET_A, "tls-1");
    assert_int_equal(r.status, 204);
    r = post(l, "shard-a", SECRET_A, "tls-2", "notification", kNotification, strlen(kNotification), 1);
    assert_int_equal(r.status, 403);
    g_trusted_ca = NULL;
    process_until(c, &s, 1);
    assert_int_equal(s.events, 1);
    assert_string_equal(s.id, "tls-1");

    /* Without the test CA a client refuses the listener's certificate. */
    {
        CURL *e = curl_easy_init();
        char url[256];
        snprintf(url, sizeof url, "%sshard-a", tc_listener_base_url(l));
        curl_easy_setopt(e, CURLOPT_URL, url);
        curl_easy_setopt(e, CURLOPT_POSTFIELDS, "{}");
        curl_easy_setopt(e, CURLOPT_TIMEOUT_MS, 10000L);
        assert_int_equal(curl_easy_perform(e), CURLE_PEER_FAILED_VERIFICATION);
        curl_easy_cleanup(e);
    }
    tc_listener_free(l);
    tc_conduits_free(c);
    remove(ca);
    remove(cert);
    remove(key);
    rmdir(dir);
    pthread_mutex_destroy(&s.mu);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_ack_first_then_dispatch),
        cmocka_unit_test(test_shard_challenge_answered_raw),
        cmocka_unit_test(test_tampered_duplicate_unknown_oversized),
        cmocka_unit_test(test_two_routes_two_secrets),
        cmocka_unit_test(test_dispatch_thread_mode),
        cmocka_unit_test(test_free_with_events_pending),
        cmocka_unit_test(test_manager_freed_first),
        cmocka_unit_test(test_slow_client_times_out),
        cmocka_unit_test(test_pull_form),
        cmocka_unit_test(test_options_checked),
        cmocka_unit_test(test_tls),
    };
    int rc;
    curl_global_init(CURL_GLOBAL_DEFAULT);
    rc = cmocka_run_group_tests(tests, NULL, NULL);
    curl_global_cleanup();
    return rc;
}
