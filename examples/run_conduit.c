/*
 * run_conduit: the library *is* the shards of a conduit. A runner creates a
 * two-shard conduit, runs shard 0 over an EventSub WebSocket and shard 1 as
 * a webhook through its embedded listener, keeps both enabled, and prints
 * every event. Against the bundled mock (started in-process on loopback) it
 * delivers one event to each shard, drops shard 0's socket, waits for the
 * runner to re-assign a new session, delivers again and stops; exit 0 only
 * if all three events arrived exactly once. README quotes the part between
 * the "snippet" markers.
 */
#define _POSIX_C_SOURCE 200809L

#include <twitchconduits.h>

#include "tcmock.h"

#include <stdio.h>
#include <string.h>

/* ---- snippet ---- */
/* Every event of every shard, whichever its transport (the runner itself
 * also subscribes to conduit.shard.disabled and acts on it). */
static void on_event(tc_status st, const char *shard_id, const tc_event *msg, void *ud) {
    int *events = ud;
    if (st != TC_OK) return; /* TC_ECANCELED: the manager was freed */
    printf("shard %s (%s): %s %s\n", shard_id,
           tc_event_transport(msg) == TC_TRANSPORT_WEBSOCKET ? "websocket" : "webhook",
           tc_event_subscription_type(msg), tc_event_event_json(msg, NULL));
    if (strcmp(tc_event_subscription_type(msg), "stream.online") == 0) ++*events;
}

static void on_shard(const tc_runner_shard *s, void *ud) {
    (void)ud;
    printf("shard %s: %s (Twitch: %s) %s\n", tc_runner_shard_id(s),
           tc_runner_shard_state_name(tc_runner_shard_state_get(s)), tc_runner_shard_status(s),
           tc_runner_shard_error(s));
}

static void on_done(tc_status st, void *ud) {
    *(tc_status *)ud = st;
    printf("runner stopped: %s\n", tc_strerror(st));
}

/* Runs shard 0 over WebSocket and shard 1 over webhook until tc_runner_stop(). */
static tc_runner *run_conduit(tc_conduits *c, const char *ws_url, int *events, tc_status *done) {
    static const tc_runner_shard_spec shards[] = {
        {"0", TC_TRANSPORT_WEBSOCKET, NULL},
        {"1", TC_TRANSPORT_WEBHOOK, NULL}, /* a random secret */
    };
    tc_runner_options o = TC_RUNNER_OPTIONS_INIT;
    tc_runner *r = NULL;
    o.conduit_id = NULL;  /* create one (or give an id: grown if it is smaller) */
    o.shards = shards;
    o.shards_len = 2;
    o.ws_url = ws_url;    /* NULL = wss://eventsub.wss.twitch.tv/ws */
    o.webhook_callback_base = NULL; /* your public https URL; NULL = the listener's own */
    o.event_cb = on_event;
    o.event_userdata = events;
    o.shard_cb = on_shard;
    if (tc_runner_start(&r, c, &o, on_done, done) != TC_OK) {
        fprintf(stderr, "tc_runner_start: %s\n", tc_last_error_message());
        return NULL;
    }
    return r; /* then drive callbacks: tc_conduits_run()/poll(), or the dispatch thread */
}
/* ---- snippet end ---- */

static int shard_ready(const tc_runner *r, const char *id, const char *not_session) {
    tc_runner_shard *s = NULL;
    if (tc_runner_shard_get(&s, r, id) != TC_OK) return 0;
    const int ok = tc_runner_shard_state_get(s) == TC_RUNNER_SHARD_ENABLED &&
                   (not_session == NULL || strcmp(tc_runner_shard_session_id(s), not_session) != 0);
    tc_runner_shard_free(s);
    return ok;
}

static int wait_until(tc_conduits *c, int (*cond)(void *), void *arg) {
    for (int k = 0; k < 500 && !cond(arg); ++k) tc_conduits_poll(c, 20, NULL);
    return cond(arg);
}

typedef struct state {
    tc_runner *r;
    const char *old_session;
    int *events, want;
} state;
static int both_ready(void *a) {
    state *s = a;
    return shard_ready(s->r, "0", s->old_session) && shard_ready(s->r, "1", NULL);
}
static int enough_events(void *a) {
    state *s = a;
    return *s->events >= s->want;
}

/* The mock routes by the condition's broadcaster id: one per shard. */
static int subscribe_and_deliver(tcmock *m, tc_conduits *c, const char *conduit, const char *broadcaster,
                                 const char *message_id) {
    char body[512];
    tc_request_options q = TC_REQUEST_OPTIONS_INIT;
    tc_response *resp = NULL;
    snprintf(body, sizeof body,
             "{\"type\":\"stream.online\",\"version\":\"1\",\"condition\":{\"broadcaster_user_id\":\"%s\"},"
             "\"transport\":{\"method\":\"conduit\",\"conduit_id\":\"%s\"}}",
             broadcaster, conduit);
    q.method = TC_POST;
    q.path = "/eventsub/subscriptions";
    q.body = body;
    tc_status st = tc_request_sync(&resp, c, &q);
    int http = tc_response_http_status(resp);
    const char *b = tc_response_body(resp, NULL);
    const char *id = strstr(b, "\"id\":\"");
    char sub[64] = "";
    if (id != NULL) snprintf(sub, sizeof sub, "%.36s", id + 6);
    tc_response_free(resp);
    if (st != TC_OK && http != 409) return -1;
    snprintf(body, sizeof body, "{\"subscription_id\":\"%s\",\"message_id\":\"%s\",\"wait\":true}", sub, message_id);
    return tcmock_control(m, "deliver", body);
}

int main(void) {
    tcmock_config mc;
    tcmock *m = NULL;
    char err[256];
    tcmock_config_init(&mc);
    mc.allow_http_callbacks = 1; /* the listener is plain http on 127.0.0.1 */
    if (tcmock_start(&m, &mc, err, sizeof err) != 0) {
        fprintf(stderr, "mock: %s\n", err);
        return 1;
    }
    tc_conduits_options co = TC_CONDUITS_OPTIONS_INIT;
    tc_conduits *c = NULL;
    co.client_id = "mockclientid0123456789abcdefghij";
    co.client_secret = "mocksecret0123456789abcdefghijk";
    co.api_base_url = tcmock_helix_base(m);
    co.auth_base_url = tcmock_auth_base(m);
    co.flags = TC_CONDUITS_F_ALLOW_HTTP_CALLBACKS;
    if (tc_conduits_new(&c, &co) != TC_OK) return 1;

    int events = 0, ok = 1;
    tc_status done = TC_ERROR;
    tc_runner *r = run_conduit(c, tcmock_ws_url(m), &events, &done);
    state s = {r, NULL, &events, 0};
    if (r == NULL || !wait_until(c, both_ready, &s)) {
        fprintf(stderr, "the shards were not enabled\n");
        return 1;
    }
    const char *conduit = tc_runner_conduit_id(r);
    /* "1345" routes to shard 0 and "1337" to shard 1 of two (FNV-1a). */
    ok &= subscribe_and_deliver(m, c, conduit, "1345", "example-ws-1") == 0;
    ok &= subscribe_and_deliver(m, c, conduit, "1337", "example-hook-1") == 0;
    s.want = 2;
    ok &= wait_until(c, enough_events, &s);

    /* The socket drops; the runner reconnects and assigns the new session. */
    tc_runner_shard *sh = NULL;
    char old[128], body[256];
    tc_runner_shard_get(&sh, r, "0");
    snprintf(old, sizeof old, "%s", tc_runner_shard_session_id(sh));
    tc_runner_shard_free(sh);
    snprintf(body, sizeof body, "{\"session_id\":\"%s\"}", old);
    ok &= tcmock_control(m, "ws/drop", body) == 0;
    s.old_session = old;
    ok &= wait_until(c, both_ready, &s);
    ok &= subscribe_and_deliver(m, c, conduit, "1345", "example-ws-2") == 0;
    s.want = 3;
    ok &= wait_until(c, enough_events, &s);

    tc_runner_stop(r);
    ok &= tc_conduits_run(c, 10000) == TC_OK && done == TC_OK;
    printf("%d stream.online events, reconnects: %llu\n", events,
           (unsigned long long)tc_runner_stat_get(r, TC_RUNNER_STAT_RECONNECTS));
    ok &= events == 3;
    tc_runner_free(r);
    tc_conduits_free(c);
    tcmock_stop(m);
    printf("%s\n", ok ? "run_conduit: ok" : "run_conduit: FAILED");
    return ok ? 0 : 1;
}
