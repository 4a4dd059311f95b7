#define _DEFAULT_SOURCE /* usleep */
#include "runner_harness.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stdint.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

/* ---- callbacks (test thread) ---- */

static void on_event(tc_status status, const char *shard_id, const tc_event *msg, void *userdata) {
    rh *h = (rh *)userdata;
    const char *id = tc_event_id(msg);
    (void)shard_id;
    if (status != TC_OK || id == NULL || id[0] == '\0') {
        h->event_errors++;
        return;
    }
    h->events++;
    snprintf(h->last_transport, sizeof h->last_transport, "%s",
             tc_event_transport(msg) == TC_TRANSPORT_WEBSOCKET ? "websocket" : "webhook");
    for (int k = 0; k < h->id_count; ++k) {
        if (strcmp(h->ids[k], id) == 0) {
            h->id_counts[k]++;
            return;
        }
    }
    if (h->id_count < RH_MAX_IDS) {
        snprintf(h->ids[h->id_count], sizeof h->ids[0], "%s", id);
        h->id_counts[h->id_count++] = 1;
    }
}

rh_shard_seen *rh_shard(rh *h, const char *id) {
    for (int k = 0; k < h->shard_seen; ++k) {
        if (strcmp(h->shards[k].id, id) == 0) return &h->shards[k];
    }
    if (h->shard_seen == RH_MAX_SHARDS) fail_msg("too many shards seen");
    rh_shard_seen *s = &h->shards[h->shard_seen++];
    memset(s, 0, sizeof *s);
    snprintf(s->id, sizeof s->id, "%s", id);
    return s;
}

static void on_shard(const tc_runner_shard *shard, void *userdata) {
    rh *h = (rh *)userdata;
    rh_shard_seen *s = rh_shard(h, tc_runner_shard_id(shard));
    s->changes++;
    s->state = tc_runner_shard_state_get(shard);
    snprintf(s->session, sizeof s->session, "%s", tc_runner_shard_session_id(shard));
    snprintf(s->status, sizeof s->status, "%s", tc_runner_shard_status(shard));
    snprintf(s->error, sizeof s->error, "%s", tc_runner_shard_error(shard));
    if (s->state == TC_RUNNER_SHARD_ENABLED) s->enabled_count++;
    if (s->state == TC_RUNNER_SHARD_LOST) {
        s->lost_count++;
        snprintf(s->last_lost_error, sizeof s->last_lost_error, "%s", s->error);
        snprintf(s->last_lost_status, sizeof s->last_lost_status, "%s", s->status);
    }
}

static void on_ready(tc_status status, void *userdata) {
    rh *h = (rh *)userdata;
    assert_int_equal(status, TC_OK);
    h->ready_calls++;
}

static void on_done(tc_status status, void *userdata) {
    rh *h = (rh *)userdata;
    h->done_calls++;
    h->done_status = status;
}

/* ---- set-up ---- */

void rh_setup(rh *h) {
    tcmock_config mc;
    memset(h, 0, sizeof *h);
    tcmock_config_init(&mc);
    mc.allow_http_callbacks = 1;
    mc.ws_keepalive_min_s = 1;
    mc.ws_ping_interval_ms = 0;
    mc.ws_assign_timeout_ms = 2000;
    mc.ws_reconnect_grace_ms = 2000;
    h->m = fixture_mock(&mc);
    tc_conduits_options o = fixture_options(h->m);
    o.flags = TC_CONDUITS_F_ALLOW_HTTP_CALLBACKS;
    h->c = fixture_manager(&o);
}

void rh_teardown(rh *h) {
    tc_runner_free(h->r);
    h->r = NULL;
    tc_conduits_free(h->c);
    tcmock_stop(h->m);
}

tc_runner_options rh_options(rh *h) {
    tc_runner_options o = TC_RUNNER_OPTIONS_INIT;
    o.conduit_id = h->conduit[0] != '\0' ? h->conduit : NULL;
    o.ws_url = tcmock_ws_url(h->m);
    o.keepalive_timeout_s = 1;
    o.keepalive_margin_ms = 400;
    o.reconnect_base_ms = 20;
    o.reconnect_max_ms = 200;
    o.list_interval_s = -1;
    o.event_cb = on_event;
    o.event_userdata = h;
    o.shard_cb = on_shard;
    o.shard_userdata = h;
    o.ready_cb = on_ready;
    o.ready_userdata = h;
    return o;
}

void rh_start(rh *h, const tc_runner_options *o) {
    tc_status st = tc_runner_start(&h->r, h->c, o, on_done, h);
    if (st != TC_OK) fail_msg("tc_runner_start: %s: %s", tc_strerror(st), tc_last_error_message());
}

typedef struct one_sub {
    tc_status status;
    char id[64];
} one_sub;

static void on_batch(tc_status status, const tc_subscription_batch *b, void *userdata) {
    one_sub *o = (one_sub *)userdata;
    o->status = status;
    if (b != NULL && tc_subscription_batch_subscription(b, 0) != NULL) {
        snprintf(o->id, sizeof o->id, "%s", tc_subscription_id(tc_subscription_batch_subscription(b, 0)));
    }
}

void rh_subscribe(rh *h) { rh_subscribe_to(h, "1337", h->sub_id, sizeof h->sub_id); }

void rh_subscribe_to(rh *h, const char *broadcaster, char *id_out, size_t id_len) {
    char condition[96];
    snprintf(condition, sizeof condition, "{\"broadcaster_user_id\":\"%s\"}", broadcaster);
    tc_subscription_spec spec = {"stream.online", "1", condition};
    one_sub sub = {TC_ERROR, ""};
    tc_op_id id = 0;
    assert_int_equal(tc_subscriptions_create(&id, h->c, h->conduit, &spec, 1, NULL, on_batch, &sub), TC_OK);
    assert_int_equal(tc_conduits_await(h->c, id, 10000), TC_OK);
    assert_int_equal(sub.status, TC_OK);
    snprintf(id_out, id_len, "%s", sub.id);
}

int rh_route(const char *key, int shard_count) {
    uint64_t hash = 14695981039346656037ull;
    for (const unsigned char *p = (const unsigned char *)key; *p != '\0'; ++p) {
        hash ^= *p;
        hash *= 1099511628211ull;
    }
    return (int)(hash % (uint64_t)shard_count);
}

/* ---- waiting ---- */

void rh_wait(rh *h, rh_cond cond, const void *arg, int timeout_ms, const char *what) {
    double deadline = now_ms() + timeout_ms;
    while (!cond(h, arg)) {
        if (now_ms() > deadline) fail_msg("timed out after %d ms waiting for %s", timeout_ms, what);
        tc_conduits_poll(h->c, 20, NULL);
    }
}

int rh_ready(rh *h, const void *unused) {
    (void)unused;
    return h->ready_calls > 0;
}

int rh_done(rh *h, const void *unused) {
    (void)unused;
    return h->done_calls > 0;
}

int rh_events_at_least(rh *h, const void *n) { return h->events >= *(const int *)n; }

rh_snap rh_snapshot(rh *h, const char *id) {
    rh_snap out;
    tc_runner_shard *s = NULL;
    memset(&out, 0, sizeof out);
    if (tc_runner_shard_get(&s, h->r, id) != TC_OK) fail_msg("the runner does not know shard %s", id);
    out.state = tc_runner_shard_state_get(s);
    snprintf(out.session, sizeof out.session, "%s", tc_runner_shard_session_id(s));
    snprintf(out.status, sizeof out.status, "%s", tc_runner_shard_status(s));
    snprintf(out.error, sizeof out.error, "%s", tc_runner_shard_error(s));
    snprintf(out.callback, sizeof out.callback, "%s", tc_runner_shard_callback(s));
    out.reconnects = tc_runner_shard_reconnects(s);
    out.events = tc_runner_shard_events(s);
    out.duplicates = tc_runner_shard_duplicates(s);
    out.latency_ms = tc_runner_shard_assign_latency_ms(s);
    tc_runner_shard_free(s);
    return out;
}

int rh_shard0_enabled_not(rh *h, const void *old_session) {
    rh_snap s = rh_snapshot(h, "0");
    if (s.state != TC_RUNNER_SHARD_ENABLED || s.session[0] == '\0') return 0;
    return old_session == NULL || strcmp(s.session, (const char *)old_session) != 0;
}

int rh_all_enabled(rh *h, const void *unused) {
    (void)unused;
    size_t n = tc_runner_shard_count(h->r);
    if (n == 0) return 0;
    for (size_t k = 0; k < n; ++k) {
        tc_runner_shard *s = NULL;
        assert_int_equal(tc_runner_shard_at(&s, h->r, k), TC_OK);
        int ok = tc_runner_shard_state_get(s) == TC_RUNNER_SHARD_ENABLED;
        tc_runner_shard_free(s);
        if (!ok) return 0;
    }
    return 1;
}

int rh_seen(const rh *h, const char *id) {
    for (int k = 0; k < h->id_count; ++k) {
        if (strcmp(h->ids[k], id) == 0) return h->id_counts[k];
    }
    return 0;
}

/* ---- talking to the mock ---- */

int rh_mock_post(rh *h, const char *path, const char *body, char *out, size_t outlen) {
    struct sockaddr_in a;
    char head[512];
    enum { kReply = 1 << 16 };
    char *reply = malloc(kReply); /* the feeder thread posts too */
    size_t got = 0;
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    const size_t blen = body != NULL ? strlen(body) : 0;
    if (fd < 0 || reply == NULL) fail_msg("socket or malloc failed");
    memset(&a, 0, sizeof a);
    a.sin_family = AF_INET;
    a.sin_port = htons(tcmock_port(h->m));
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (connect(fd, (struct sockaddr *)&a, sizeof a) != 0) fail_msg("cannot connect to the mock");
    snprintf(head, sizeof head,
             "%s /_mock/%s HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
             "Content-Length: %zu\r\nConnection: close\r\n\r\n",
             body != NULL ? "POST" : "GET", path, blen);
    if (write(fd, head, strlen(head)) < 0 || (blen > 0 && write(fd, body, blen) < 0)) fail_msg("write failed");
    for (;;) {
        ssize_t n = read(fd, reply + got, kReply - 1 - got);
        if (n <= 0) break;
        got += (size_t)n;
        if (got == kReply - 1) break;
    }
    close(fd);
    reply[got] = '\0';
    int status = 0;
    if (sscanf(reply, "HTTP/1.%*d %d", &status) != 1) status = 0;
    if (out != NULL && outlen > 0) {
        const char *b = strstr(reply, "\r\n\r\n");
        snprintf(out, outlen, "%s", b != NULL ? b + 4 : "");
    }
    free(reply);
    if (status == 0) fail_msg("no HTTP answer from the mock for %s", path);
    return status;
}

void rh_mockf(rh *h, const char *path, const char *fmt, ...) {
    char body[2048], answer[1024];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(body, sizeof body, fmt, ap);
    va_end(ap);
    int st = rh_mock_post(h, path, body, answer, sizeof answer);
    if (st < 200 || st > 299) fail_msg("the mock answered %d to %s %s: %s", st, path, body, answer);
}

int rh_helix(rh *h, tc_method method, const char *path, const char *body, char *out, size_t outlen) {
    tc_request_options r = TC_REQUEST_OPTIONS_INIT;
    tc_response *resp = NULL;
    size_t len = 0;
    tc_param q = {"conduit_id", h->conduit};
    r.method = method;
    r.path = path;
    r.body = body;
    if (method == TC_GET) {
        r.query = &q;
        r.query_count = 1;
    }
    tc_status st = tc_request_sync(&resp, h->c, &r);
    int http = tc_response_http_status(resp);
    const char *b = tc_response_body(resp, &len);
    if (out != NULL) snprintf(out, outlen, "%.*s", (int)len, b);
    tc_response_free(resp);
    if (st != TC_OK && http == 0) fail_msg("helix %s: %s", path, tc_strerror(st));
    return http;
}

/* Pulls "key":"value" after `from` in a JSON text (test-only, flat values). */
static void json_field(const char *from, const char *key, char *out, size_t outlen) {
    char pat[64];
    snprintf(pat, sizeof pat, "\"%s\":\"", key);
    const char *p = strstr(from, pat);
    out[0] = '\0';
    if (p == NULL) return;
    p += strlen(pat);
    const char *e = strchr(p, '"');
    if (e == NULL) return;
    snprintf(out, outlen, "%.*s", (int)(e - p), p);
}

void rh_twitch_shard(rh *h, const char *shard_id, char *status, size_t slen, char *session, size_t sesslen) {
    char body[16384], pat[32];
    assert_int_equal(rh_helix(h, TC_GET, "/eventsub/conduits/shards", NULL, body, sizeof body), 200);
    snprintf(pat, sizeof pat, "{\"id\":\"%s\"", shard_id);
    const char *p = strstr(body, pat);
    if (p == NULL) fail_msg("shard %s is not listed: %s", shard_id, body);
    json_field(p, "status", status, slen);
    if (session != NULL) json_field(p, "session_id", session, sesslen);
}

/* ---- the feeder ---- */

static void *feeder_main(void *arg) {
    rh_feeder *f = (rh_feeder *)arg;
    char body[512], answer[2048];
    for (int k = 0; k < f->n; ++k) {
        pthread_mutex_lock(&f->mu);
        while (f->pause && !f->stop) {
            f->paused = 1;
            pthread_mutex_unlock(&f->mu);
            usleep(1000);
            pthread_mutex_lock(&f->mu);
        }
        f->paused = 0;
        const int stop = f->stop;
        pthread_mutex_unlock(&f->mu);
        if (stop) break;
        snprintf(body, sizeof body,
                 "{\"subscription_id\":\"%s\",\"message_id\":\"%s-%d\",\"event\":{\"broadcaster_user_id\":\"%s\"},"
                 "\"wait\":true}",
                 f->h->sub_id, f->prefix, k, f->broadcaster != NULL ? f->broadcaster : "1337");
        int st = rh_mock_post(f->h, "deliver", body, answer, sizeof answer);
        pthread_mutex_lock(&f->mu);
        f->delivered[k] = st == 200 && strstr(answer, "\"delivered\":true") != NULL;
        f->sent = k + 1;
        pthread_mutex_unlock(&f->mu);
    }
    pthread_mutex_lock(&f->mu);
    f->paused = 1;
    pthread_mutex_unlock(&f->mu);
    return NULL;
}

void rh_feeder_start(rh_feeder *f, rh *h, const char *prefix, int n) {
    const char *broadcaster = f->broadcaster;
    memset(f, 0, sizeof *f);
    f->broadcaster = broadcaster;
    f->h = h;
    f->n = n < RH_MAX_IDS ? n : RH_MAX_IDS;
    snprintf(f->prefix, sizeof f->prefix, "%s", prefix);
    pthread_mutex_init(&f->mu, NULL);
    if (pthread_create(&f->thread, NULL, feeder_main, f) != 0) fail_msg("pthread_create");
}

int rh_feeder_sent(rh_feeder *f) {
    pthread_mutex_lock(&f->mu);
    int n = f->sent;
    pthread_mutex_unlock(&f->mu);
    return n;
}

void rh_feeder_hold(rh_feeder *f, int hold) {
    pthread_mutex_lock(&f->mu);
    f->pause = hold;
    pthread_mutex_unlock(&f->mu);
    if (!hold) return;
    double deadline = now_ms() + 10000;
    for (;;) {
        pthread_mutex_lock(&f->mu);
        int paused = f->paused;
        pthread_mutex_unlock(&f->mu);
        if (paused) return;
        if (now_ms() > deadline) fail_msg("the feeder never paused");
        tc_conduits_poll(f->h->c, 5, NULL);
    }
}

void rh_feeder_join(rh_feeder *f) {
    /* Keep the callbacks flowing while the feeder finishes. */
    for (;;) {
        pthread_mutex_lock(&f->mu);
        int finished = f->paused && (f->sent == f->n || f->stop);
        pthread_mutex_unlock(&f->mu);
        if (finished) break;
        tc_conduits_poll(f->h->c, 5, NULL);
    }
    pthread_join(f->thread, NULL);
    pthread_mutex_destroy(&f->mu);
}

int rh_feeder_check(rh_feeder *f, int timeout_ms) {
    char id[64];
    int want = 0;
    for (int k = 0; k < f->n; ++k) want += f->delivered[k];
    double deadline = now_ms() + timeout_ms;
    for (;;) {
        int have = 0;
        for (int k = 0; k < f->n; ++k) {
            snprintf(id, sizeof id, "%s-%d", f->prefix, k);
            if (f->delivered[k] && rh_seen(f->h, id) > 0) have++;
        }
        if (have == want) break;
        if (now_ms() > deadline) fail_msg("%d of %d delivered messages reached the callback", have, want);
        tc_conduits_poll(f->h->c, 20, NULL);
    }
    for (int k = 0; k < f->n; ++k) {
        snprintf(id, sizeof id, "%s-%d", f->prefix, k);
        int seen = rh_seen(f->h, id);
        if (seen > 1) fail_msg("%s reached the callback %d times", id, seen);
        /* A message the mock could not write anywhere cannot have arrived. */
        if (!f->delivered[k] && seen != 0) fail_msg("%s arrived but the mock did not deliver it", id);
    }
    return want;
}
