/* tcctl demo: the whole workflow against the bundled mock (in process, on a
 * free loopback port), through the public C API, every step checked:
 *
 *   token -> create conduit -> start the embedded listener -> assign webhook
 *   shards (the mock's challenges pass through the listener) -> create a batch
 *   of subscriptions -> signed events arrive verified -> a tampered one is
 *   rejected -> a resend is acknowledged but not dispatched twice -> a flaky
 *   server (retries) -> a revocation -> cleanup -> a tc_runner runs a second,
 *   mixed conduit (2 webhook + 2 WebSocket shards) -> events over both
 *   transports -> a dropped socket is re-associated (new session) -> a
 *   session_reconnect hand-over -> the runner stops -> delete the conduit ->
 *   summary.
 *
 * Exit 0 only when every check passed, 1 otherwise. */
#define _POSIX_C_SOURCE 200809L

#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "tcctl.h"
#include "tcmock.h"

#define DEMO_SHARDS 2
#define DEMO_SUBS 50
#define DEMO_EVENTS 6
#define RUN_SHARDS 4 /* the runner's conduit: shards 0, 1 webhook; 2, 3 WebSocket */
#define RUN_WEBHOOK_SHARDS 2
#define MAX_SEEN 64
#define WAIT_MS 10000

typedef struct demo_step {
    char title[128];
    int ok;
    double ms;
} demo_step;

typedef struct demo {
    tcmock *mock;
    tc_conduits *c;
    tc_listener *l;
    int failures;
    double started;
    /* the step being run */
    int step_no;
    int in_step;
    double step_started;
    int step_ok;
    tcctl_buf checks, notes; /* JSON array items of the current step */
    tcctl_buf steps_json;    /* JSON array items of the finished steps */
    demo_step steps[24];
    /* what the listener delivered (callbacks run on this thread) */
    size_t notifications, verifications, revocations, rejections;
    char seen[MAX_SEEN][96];
    unsigned seen_times[MAX_SEEN];
    size_t seen_n;
    char last_reject[128];
    /* While a shard update is in flight, the mock's challenges may arrive
     * before its answer: their lines wait here until the shards are shown,
     * so that the output reads assignment first, then its verification. */
    int hold_verifications;
    char held[4][512];
    size_t held_n;
    /* the runner (its callbacks run on this thread too) */
    tc_runner *runner;
    int run_ready, run_done;
    tc_status run_done_status;
    size_t run_events_webhook, run_events_ws; /* the demo's own events (ids "demo-run-*") */
    int run_lost[RUN_SHARDS];                 /* times each shard was reported lost */
    int run_enabled[RUN_SHARDS];              /* the last report said enabled */
    char run_session[RUN_SHARDS][128];        /* with this session */
    /* what the mock sent to the listener (steps 6-10), for the summary */
    long listener_sent, listener_revocations;
    int resends;
} demo;

static double now_ms(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec * 1000.0 + (double)ts.tv_nsec / 1e6;
}

/* ---- steps, checks and notes: printed as they happen, or collected for --json ---- */

static void vformat(char *out, size_t n, const char *fmt, va_list ap) { vsnprintf(out, n, fmt, ap); }

static void step_end(demo *d) {
    demo_step *s;
    if (!d->in_step) return;
    d->in_step = 0;
    s = &d->steps[d->step_no - 1];
    s->ok = d->step_ok;
    s->ms = now_ms() - d->step_started;
    if (tcctl_json_mode()) {
        tcctl_buf_add(&d->steps_json, d->steps_json.len ? "," : "");
        tcctl_buf_addf(&d->steps_json, "{\"step\":%d,\"title\":", d->step_no);
        tcctl_buf_json_str(&d->steps_json, s->title);
        tcctl_buf_addf(&d->steps_json, ",\"ok\":%s,\"ms\":%.1f,\"checks\":[%s],\"notes\":[%s]}", s->ok ? "true" : "false",
                       s->ms, d->checks.data != NULL ? d->checks.data : "", d->notes.data != NULL ? d->notes.data : "");
    }
    tcctl_buf_free(&d->checks);
    tcctl_buf_free(&d->notes);
}

static void step(demo *d, const char *title) {
    step_end(d);
    if (d->step_no >= (int)(sizeof d->steps / sizeof d->steps[0])) return;
    d->step_no++;
    d->in_step = 1;
    d->step_ok = 1;
    d->step_started = now_ms();
    snprintf(d->steps[d->step_no - 1].title, sizeof d->steps[0].title, "%s", title);
    if (!tcctl_json_mode()) tcctl_out("\n%s== %d. %s%s\n", tcctl_color("\033[1m"), d->step_no, title, tcctl_reset());
}

static int check(demo *d, int ok, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 3, 4)))
#endif
    ;
static int check(demo *d, int ok, const char *fmt, ...) {
    char what[512];
    va_list ap;
    va_start(ap, fmt);
    vformat(what, sizeof what, fmt, ap);
    va_end(ap);
    if (!ok) {
        d->failures++;
        d->step_ok = 0;
    }
    if (tcctl_json_mode()) {
        tcctl_buf_add(&d->checks, d->checks.len ? "," : "");
        tcctl_buf_add(&d->checks, "{\"what\":");
        tcctl_buf_json_str(&d->checks, what);
        tcctl_buf_addf(&d->checks, ",\"ok\":%s}", ok ? "true" : "false");
        if (!ok) tcctl_err("demo step %d failed: %s", d->step_no, what);
    } else if (ok) {
        tcctl_out("   %sok%s    %s\n", tcctl_color("\033[32m"), tcctl_reset(), what);
    } else {
        tcctl_out("   %sFAIL%s  %s\n", tcctl_color("\033[31m"), tcctl_reset(), what);
    }
    return ok;
}

static void note(demo *d, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 2, 3)))
#endif
    ;
static void note(demo *d, const char *fmt, ...) {
    char text[512];
    va_list ap;
    va_start(ap, fmt);
    vformat(text, sizeof text, fmt, ap);
    va_end(ap);
    if (tcctl_json_mode()) {
        tcctl_buf_add(&d->notes, d->notes.len ? "," : "");
        tcctl_buf_json_str(&d->notes, text);
    } else {
        tcctl_out("          %s\n", text);
    }
}

/* ---- the listener's callbacks (run inside tc_conduits_poll on this thread) ---- */

/* A verification line, as on_event() prints it, kept for later. */
static void vformat_held(char *out, size_t size, const char *what, const char *route, const char *id) {
    snprintf(out, size, "<- %s %s via route %s (id %.40s)", tcctl_webhook_kind_name(TC_EVENT_VERIFICATION), what,
             route, id);
}

static void on_event(tc_status st, const char *route, const tc_event *msg, void *ud) {
    demo *d = (demo *)ud;
    char what[256];
    size_t k;
    if (st != TC_OK || msg == NULL) return;
    switch (tc_event_kind_get(msg)) {
    case TC_EVENT_NOTIFICATION: d->notifications++; break;
    case TC_EVENT_VERIFICATION: d->verifications++; break;
    case TC_EVENT_REVOCATION: d->revocations++; break;
    default: break;
    }
    for (k = 0; k < d->seen_n; k++)
        if (strcmp(d->seen[k], tc_event_id(msg)) == 0) break;
    if (k == d->seen_n && d->seen_n < MAX_SEEN)
        snprintf(d->seen[d->seen_n++], sizeof d->seen[0], "%s", tc_event_id(msg));
    if (k < MAX_SEEN) d->seen_times[k]++;
    tcctl_webhook_describe(msg, what, sizeof what);
    if (d->hold_verifications && tc_event_kind_get(msg) == TC_EVENT_VERIFICATION &&
        d->held_n < sizeof d->held / sizeof d->held[0]) {
        vformat_held(d->held[d->held_n++], sizeof d->held[0], what, route, tc_event_id(msg));
        return;
    }
    note(d, "<- %s %s via route %s (id %.40s)", tcctl_webhook_kind_name(tc_event_kind_get(msg)), what, route,
         tc_event_id(msg));
}

static void on_reject(tc_status st, const char *route, const tc_event *msg, void *ud) {
    demo *d = (demo *)ud;
    if (st != TC_OK || msg == NULL) return;
    d->rejections++;
    snprintf(d->last_reject, sizeof d->last_reject, "%s", tc_strerror(tc_event_status(msg)));
    note(d, "<- rejected on route %s: %s (answered HTTP %d)", route, d->last_reject,
         tc_event_http_status(msg));
}

static unsigned seen_count(const demo *d, const char *id) {
    size_t k;
    for (k = 0; k < d->seen_n; k++)
        if (strcmp(d->seen[k], id) == 0) return d->seen_times[k];
    return 0;
}

/* ---- the runner's callbacks ---- */

static void on_run_event(tc_status st, const char *shard_id, const tc_event *msg, void *ud) {
    demo *d = (demo *)ud;
    const char *id, *via;
    char what[256];
    size_t k;
    if (st != TC_OK || msg == NULL) return;
    id = tc_event_id(msg);
    /* Only the demo's own deliveries count; conduit.shard.disabled events
     * (the runner subscribes to them) are shown but not counted. */
    via = tc_event_transport(msg) == TC_TRANSPORT_WEBSOCKET ? "WebSocket" : "webhook";
    if (strncmp(id, "demo-run-", 9) == 0) {
        if (tc_event_transport(msg) == TC_TRANSPORT_WEBSOCKET)
            d->run_events_ws++;
        else
            d->run_events_webhook++;
    }
    for (k = 0; k < d->seen_n; k++)
        if (strcmp(d->seen[k], id) == 0) break;
    if (k == d->seen_n && d->seen_n < MAX_SEEN) snprintf(d->seen[d->seen_n++], sizeof d->seen[0], "%s", id);
    if (k < MAX_SEEN) d->seen_times[k]++;
    tcctl_webhook_describe(msg, what, sizeof what);
    note(d, "<- %s %s over %s, shard %s (id %.40s)", tcctl_webhook_kind_name(tc_event_kind_get(msg)), what, via,
         shard_id, id);
}

static void on_run_shard(const tc_runner_shard *sh, void *ud) {
    demo *d = (demo *)ud;
    int k = atoi(tc_runner_shard_id(sh));
    tc_runner_shard_state state = tc_runner_shard_state_get(sh);
    const char *session = tc_runner_shard_session_id(sh);
    if (k < 0 || k >= RUN_SHARDS) return;
    if (state == TC_RUNNER_SHARD_LOST) {
        d->run_lost[k]++;
        d->run_enabled[k] = 0;
        note(d, "shard %d lost (%s): %s", k, tc_runner_shard_status(sh), tc_runner_shard_error(sh));
    } else if (state == TC_RUNNER_SHARD_ENABLED && (!d->run_enabled[k] || strcmp(d->run_session[k], session) != 0)) {
        d->run_enabled[k] = 1;
        snprintf(d->run_session[k], sizeof d->run_session[k], "%s", session);
        if (tc_runner_shard_transport(sh) == TC_TRANSPORT_WEBSOCKET)
            note(d, "shard %d enabled: WebSocket session %s (assigned %.1f ms after its welcome)", k, session,
                 tc_runner_shard_assign_latency_ms(sh));
        else
            note(d, "shard %d enabled: webhook %s", k, tc_runner_shard_callback(sh));
    }
}

static void on_run_ready(tc_status st, void *ud) {
    demo *d = (demo *)ud;
    if (st == TC_OK) d->run_ready = 1;
}

static void on_run_done(tc_status st, void *ud) {
    demo *d = (demo *)ud;
    d->run_done_status = st;
    d->run_done = 1;
}

/* The mock's routing (tools/mock/README.md): FNV-1a-64 of the condition's
 * broadcaster_user_id, modulo the shard count. The first broadcaster id
 * from `from` on whose events go to `shard`. */
static int broadcaster_for_shard(int shard, int shard_count, int from) {
    int n;
    for (n = from;; n++) {
        char key[16];
        const unsigned char *p;
        unsigned long long h = 14695981039346656037ULL;
        snprintf(key, sizeof key, "%d", n);
        for (p = (const unsigned char *)key; *p != '\0'; p++) h = (h ^ *p) * 1099511628211ULL;
        if ((int)(h % (unsigned long long)shard_count) == shard) return n;
    }
}

/* Runs the loop until *flag is set or the deadline passes. */
static int wait_flag(demo *d, const int *flag) {
    double deadline = now_ms() + WAIT_MS;
    while (!*flag && now_ms() < deadline) tc_conduits_poll(d->c, 50, NULL);
    return *flag;
}

/* Runs the loop until *counter >= target or the deadline passes. */
static int wait_count(demo *d, const size_t *counter, size_t target) {
    double deadline = now_ms() + WAIT_MS;
    while (*counter < target && now_ms() < deadline) tc_conduits_poll(d->c, 50, NULL);
    return *counter >= target;
}

static int wait_stat(demo *d, tc_listener_stat which, uint64_t target) {
    double deadline = now_ms() + WAIT_MS;
    while (tc_listener_stat_get(d->l, which) < target && now_ms() < deadline) tc_conduits_poll(d->c, 20, NULL);
    tc_conduits_process(d->c, NULL);
    return tc_listener_stat_get(d->l, which) >= target;
}

/* ---- operations: each callback records into an outcome, then we await ---- */

typedef struct outcome {
    tcctl_result r;
    char conduit_id[96];
    int shard_count;
    tc_shard_update_result *update;
    tc_shard_list *shards;
    tc_subscription_batch *batch;
} outcome;

static void on_token(tc_status st, const tc_token *t, void *ud) {
    outcome *o = (outcome *)ud;
    tcctl_result_capture(&o->r, st);
    (void)t;
}

static void on_conduit(tc_status st, const tc_conduit *cd, void *ud) {
    outcome *o = (outcome *)ud;
    tcctl_result_capture(&o->r, st);
    if (cd != NULL) {
        snprintf(o->conduit_id, sizeof o->conduit_id, "%s", tc_conduit_id(cd));
        o->shard_count = tc_conduit_shard_count(cd);
    }
}

static void on_update(tc_status st, const tc_shard_update_result *res, void *ud) {
    outcome *o = (outcome *)ud;
    tcctl_result_capture(&o->r, st);
    if (res != NULL) tc_shard_update_result_dup(&o->update, res);
}

static void on_shards(tc_status st, const tc_shard_list *l, void *ud) {
    outcome *o = (outcome *)ud;
    tcctl_result_capture(&o->r, st);
    if (l != NULL) tc_shard_list_dup(&o->shards, l);
}

static void on_batch(tc_status st, const tc_subscription_batch *b, void *ud) {
    outcome *o = (outcome *)ud;
    tcctl_result_capture(&o->r, st);
    if (b != NULL) tc_subscription_batch_dup(&o->batch, b);
}

static void on_response(tc_status st, const tc_response *resp, void *ud) {
    outcome *o = (outcome *)ud;
    tcctl_result_capture(&o->r, st);
    if (resp != NULL && st != TC_OK) o->r.http_status = tc_response_http_status(resp);
}

static void finish(demo *d, tc_status submitted, const tc_op_id *id, outcome *o) {
    if (submitted != TC_OK) {
        tcctl_result_capture(&o->r, submitted);
        return;
    }
    if (tc_conduits_await(d->c, *id, 60000) != TC_OK) {
        o->r.status = TC_ETIMEDOUT;
        snprintf(o->r.message, sizeof o->r.message, "no answer within 60 s");
    }
}

static const char *why(const outcome *o) {
    return o->r.message[0] != '\0' ? o->r.message : tc_strerror(o->r.status);
}

/* A webhook secret from the system's randomness (never printed). */
static void random_secret(char *out, size_t n) {
    unsigned char raw[20];
    FILE *f = fopen("/dev/urandom", "rb");
    size_t k, got = f != NULL ? fread(raw, 1, sizeof raw, f) : 0;
    if (f != NULL) fclose(f);
    for (k = got; k < sizeof raw; k++) raw[k] = (unsigned char)(rand() ^ (int)(now_ms() * 7.0));
    for (k = 0; k < sizeof raw && 2 * k + 2 < n; k++) snprintf(out + 2 * k, 3, "%02x", raw[k]);
}

static int shards_enabled(demo *d, const char *conduit) {
    outcome o;
    tc_op_id id = 0;
    size_t k, enabled = 0;
    memset(&o, 0, sizeof o);
    finish(d, tc_shards_list(&id, d->c, conduit, NULL, on_shards, &o), &id, &o);
    if (o.shards == NULL) return 0;
    for (k = 0; k < tc_shard_list_count(o.shards); k++)
        if (strcmp(tc_shard_status(tc_shard_list_get(o.shards, k)), "enabled") == 0) enabled++;
    tc_shard_list_free(o.shards);
    return (int)enabled;
}

static int deliver(demo *d, const char *json) { return tcmock_control(d->mock, "deliver", json) == 0; }

static void summary(demo *d, double total_ms) {
    uint64_t http = tc_conduits_stat(d->c, TC_STAT_HTTP_REQUESTS), retries = tc_conduits_stat(d->c, TC_STAT_RETRIES),
             limited = tc_conduits_stat(d->c, TC_STAT_RATE_LIMITED),
             tokens = tc_conduits_stat(d->c, TC_STAT_TOKEN_FETCHES), ops = tc_conduits_stat(d->c, TC_STAT_OPERATIONS);
    uint64_t lreq = d->l != NULL ? tc_listener_stat_get(d->l, TC_LISTENER_STAT_REQUESTS) : 0,
             lrej = d->l != NULL ? tc_listener_stat_get(d->l, TC_LISTENER_STAT_REJECTED) : 0,
             ldup = d->l != NULL ? tc_listener_stat_get(d->l, TC_LISTENER_STAT_DUPLICATES) : 0;
    uint64_t reconnects = tc_runner_stat_get(d->runner, TC_RUNNER_STAT_RECONNECTS),
             handovers = tc_runner_stat_get(d->runner, TC_RUNNER_STAT_HANDOVERS),
             run_dups = tc_runner_stat_get(d->runner, TC_RUNNER_STAT_DUPLICATES);
    long created = tcmock_stat(d->mock, "subscriptions_created"), total_sent = tcmock_stat(d->mock, "events_delivered"),
         challenges = tcmock_stat(d->mock, "challenges_passed");
    /* What the mock sent to the listener (steps 6-10) is new events plus a
     * resend of one of them plus a revocation: say so, so the numbers add up. */
    long sent = d->listener_sent > 0 ? d->listener_sent : 0, revoked = d->listener_revocations > 0 ? d->listener_revocations : 0;
    long fresh = sent - d->resends - revoked;
    int passed = 0, k;
    if (fresh < 0) fresh = 0;
    for (k = 0; k < d->step_no; k++) passed += d->steps[k].ok;
    if (tcctl_json_mode()) {
        tcctl_buf doc = {NULL, 0, 0};
        tcctl_buf_addf(&doc, "{\"ok\":%s,\"steps\":[%s],\"summary\":{", d->failures == 0 ? "true" : "false",
                       d->steps_json.data != NULL ? d->steps_json.data : "");
        tcctl_buf_addf(&doc, "\"steps\":%d,\"steps_passed\":%d,\"checks_failed\":%d,", d->step_no, passed, d->failures);
        tcctl_buf_addf(&doc, "\"subscriptions_created\":%ld,\"challenges_passed\":%ld,\"events_sent\":%ld,", created,
                       challenges, sent);
        tcctl_buf_addf(&doc, "\"events_sent_breakdown\":{\"new_events\":%ld,\"resends\":%d,\"revocations\":%ld},", fresh,
                       d->resends, revoked);
        tcctl_buf_addf(&doc, "\"events_received\":%zu,\"verifications_received\":%zu,\"revocations_received\":%zu,",
                       d->notifications, d->verifications, d->revocations);
        tcctl_buf_addf(&doc, "\"events_rejected\":%llu,\"duplicates\":%llu,\"listener_requests\":%llu,",
                       (unsigned long long)lrej, (unsigned long long)ldup, (unsigned long long)lreq);
        tcctl_buf_addf(&doc, "\"runner\":{\"events_webhook\":%zu,\"events_websocket\":%zu,\"reconnects\":%llu,"
                             "\"handovers\":%llu,\"duplicates\":%llu},\"mock_messages_total\":%ld,",
                       d->run_events_webhook, d->run_events_ws, (unsigned long long)reconnects,
                       (unsigned long long)handovers, (unsigned long long)run_dups, total_sent < 0 ? 0 : total_sent);
        tcctl_buf_addf(&doc, "\"operations\":%llu,\"http_requests\":%llu,\"retries\":%llu,\"rate_limited\":%llu,",
                       (unsigned long long)ops, (unsigned long long)http, (unsigned long long)retries,
                       (unsigned long long)limited);
        tcctl_buf_addf(&doc, "\"token_fetches\":%llu,\"total_ms\":%.1f}}", (unsigned long long)tokens, total_ms);
        tcctl_print_json(doc.data);
        tcctl_buf_free(&doc);
        return;
    } else {
        static const char *const sh[] = {"STEP", "RESULT", "TIME"};
        static const char *const ch[] = {"COUNTER", "VALUE"};
        tcctl_table *t = tcctl_table_new(3, sh);
        char cells[3][160];
        const char *row[3];
        struct {
            const char *name;
            unsigned long long v;
        } counters[] = {
            {"subscriptions created", (unsigned long long)(created < 0 ? 0 : created)},
            {"shard challenges passed", (unsigned long long)(challenges < 0 ? 0 : challenges)},
            {"messages the mock sent to the listener (2xx)", (unsigned long long)sent},
            {"  = new events", (unsigned long long)fresh},
            {"  + resends of an event already sent", (unsigned long long)d->resends},
            {"  + revocations", (unsigned long long)revoked},
            {"events dispatched by the listener (verified, each once)", d->notifications},
            {"verifications dispatched", d->verifications},
            {"revocations dispatched", d->revocations},
            {"events rejected (403, tampered)", (unsigned long long)lrej},
            {"resends acknowledged, not dispatched again", (unsigned long long)ldup},
            {"listener requests", (unsigned long long)lreq},
            {"runner: demo events over webhook", d->run_events_webhook},
            {"runner: demo events over WebSocket", d->run_events_ws},
            {"runner: WebSocket reconnects", (unsigned long long)reconnects},
            {"runner: session_reconnect hand-overs", (unsigned long long)handovers},
            {"messages the mock sent in all (both conduits)", (unsigned long long)(total_sent < 0 ? 0 : total_sent)},
            {"operations", (unsigned long long)ops},
            {"HTTP requests", (unsigned long long)http},
            {"retries", (unsigned long long)retries},
            {"429 answers", (unsigned long long)limited},
            {"token fetches", (unsigned long long)tokens},
        };
        size_t i;
        tcctl_out("\n%s== summary%s\n", tcctl_color("\033[1m"), tcctl_reset());
        for (k = 0; k < d->step_no; k++) {
            snprintf(cells[0], sizeof cells[0], "%d. %s", k + 1, d->steps[k].title);
            snprintf(cells[1], sizeof cells[1], "%s%s%s", tcctl_color(d->steps[k].ok ? "\033[32m" : "\033[31m"),
                     d->steps[k].ok ? "ok" : "FAIL", tcctl_reset());
            snprintf(cells[2], sizeof cells[2], "%.0f ms", d->steps[k].ms);
            row[0] = cells[0], row[1] = cells[1], row[2] = cells[2];
            tcctl_table_row(t, row);
        }
        tcctl_table_print(t);
        tcctl_table_free(t);
        tcctl_out("\n");
        t = tcctl_table_new(2, ch);
        for (i = 0; i < sizeof counters / sizeof counters[0]; i++) {
            snprintf(cells[1], sizeof cells[1], "%llu", counters[i].v);
            row[0] = counters[i].name, row[1] = cells[1];
            tcctl_table_row(t, row);
        }
        snprintf(cells[1], sizeof cells[1], "%.0f ms", total_ms);
        row[0] = "total time", row[1] = cells[1];
        tcctl_table_row(t, row);
        tcctl_table_print(t);
        tcctl_table_free(t);
        tcctl_out("\n%s%s%s\n", tcctl_color(d->failures == 0 ? "\033[32m" : "\033[31m"),
                  d->failures == 0 ? "demo finished: every step passed"
                                   : "demo FAILED: see the FAIL lines above",
                  tcctl_reset());
    }
}

int tcctl_cmd_demo(const tcctl_globals *g, int argc, char **argv) {
    tcctl_flag flags[] = {{"--subs", 1, NULL}};
    static demo d; /* large; one per process */
    static char conditions[1000][64];
    static tc_subscription_spec specs[1000];
    static char sub_ids[1000][96];
    tcmock_config mc;
    tc_conduits_options co = TC_CONDUITS_OPTIONS_INIT;
    tc_listener_options lo = TC_LISTENER_OPTIONS_INIT;
    char secrets[DEMO_SHARDS][48], conduit[96] = "", err[512], body[512];
    char *pos[1];
    int npos, k;
    long nsubs = DEMO_SUBS;
    size_t created = 0;
    tc_op_id id = 0;
    outcome o;
    tc_status st;

    (void)g;
    if (tcctl_parse_flags("demo", argc, argv, flags, 1, pos, 0, &npos) != 0) return TCCTL_EXIT_USAGE;
    if (flags[0].value != NULL && tcctl_parse_int(flags[0].value, DEMO_EVENTS + 1, 1000, &nsubs) != 0)
        return tcctl_usage("demo", "--subs needs an integer in %d..1000", DEMO_EVENTS + 1);
    memset(&d, 0, sizeof d);
    d.started = now_ms();
    signal(SIGPIPE, SIG_IGN);

    tcmock_config_init(&mc);
    mc.allow_http_callbacks = 1; /* the listener is plain http on loopback */
    if (tcmock_start(&d.mock, &mc, err, sizeof err) != 0) {
        tcctl_err("cannot start the bundled mock server: %s", err);
        tcctl_err("hint: the demo needs a free loopback port; check that 127.0.0.1 is usable");
        return TCCTL_EXIT_FAILURE;
    }
    co.client_id = TCCTL_MOCK_CLIENT_ID;
    co.client_secret = TCCTL_MOCK_CLIENT_SECRET;
    co.api_base_url = tcmock_helix_base(d.mock);
    co.auth_base_url = tcmock_auth_base(d.mock);
    co.flags = TC_CONDUITS_F_ALLOW_HTTP_CALLBACKS;
    co.backoff_base_ms = 50;
    tcctl_add_secret(co.client_secret);
    st = tc_conduits_new(&d.c, &co);
    if (st != TC_OK) {
        tcctl_result r;
        tcctl_result_capture(&r, st);
        tcmock_stop(d.mock);
        return tcctl_fail("cannot create the manager", &r);
    }
    if (!tcctl_json_mode()) {
        tcctl_out("twitchconduits %s demo: no credentials, no network\n", tc_version(NULL, NULL, NULL));
        tcctl_out("started the bundled mock Twitch server at %s\n", tcmock_helix_base(d.mock));
    }

    step(&d, "app access token (client credentials)");
    memset(&o, 0, sizeof o);
    finish(&d, tc_token_get(&id, d.c, 0, on_token, &o), &id, &o);
    if (!check(&d, o.r.status == TC_OK, "got an app token (never printed)%s%s", o.r.status ? ": " : "",
               o.r.status ? why(&o) : ""))
        goto done;

    step(&d, "create a conduit with 2 shards");
    memset(&o, 0, sizeof o);
    finish(&d, tc_conduit_create(&id, d.c, DEMO_SHARDS, on_conduit, &o), &id, &o);
    if (!check(&d, o.r.status == TC_OK && o.shard_count == DEMO_SHARDS, "conduit created%s%s",
               o.r.status ? ": " : "", o.r.status ? why(&o) : ""))
        goto done;
    snprintf(conduit, sizeof conduit, "%s", o.conduit_id);
    note(&d, "conduit %s", conduit);

    step(&d, "start the embedded webhook listener");
    lo.port = 0;
    lo.event_cb = on_event;
    lo.event_userdata = &d;
    lo.reject_cb = on_reject;
    lo.reject_userdata = &d;
    st = tc_listener_new(&d.l, d.c, &lo);
    for (k = 0; st == TC_OK && k < DEMO_SHARDS; k++) {
        char route[16];
        random_secret(secrets[k], sizeof secrets[k]);
        tcctl_add_secret(secrets[k]);
        snprintf(route, sizeof route, "shard-%d", k);
        st = tc_listener_add_route(d.l, route, secrets[k]);
    }
    if (!check(&d, st == TC_OK && tc_listener_port(d.l) > 0, "listening on %s (routes shard-0, shard-1)%s%s",
               d.l != NULL ? tc_listener_base_url(d.l) : "-", st ? ": " : "", st ? tc_last_error_message() : ""))
        goto done;

    step(&d, "assign webhook shards (the mock's challenges pass through the listener)");
    {
        tc_transport *tr[DEMO_SHARDS] = {NULL};
        tc_shard_assignment a[DEMO_SHARDS];
        char urls[DEMO_SHARDS][600], ids[DEMO_SHARDS][8];
        int enabled = 0, arrived;
        double deadline;
        memset(&o, 0, sizeof o);
        for (k = 0; k < DEMO_SHARDS; k++) {
            snprintf(urls[k], sizeof urls[k], "%sshard-%d", tc_listener_base_url(d.l), k);
            snprintf(ids[k], sizeof ids[k], "%d", k);
            tc_transport_webhook_new(&tr[k], urls[k], secrets[k]);
            a[k].shard_id = ids[k];
            a[k].transport = tr[k];
        }
        d.hold_verifications = 1;
        finish(&d, tc_shard_update(&id, d.c, conduit, a, DEMO_SHARDS, on_update, &o), &id, &o);
        for (k = 0; k < DEMO_SHARDS; k++) tc_transport_free(tr[k]);
        for (k = 0; o.update != NULL && k < (int)tc_shard_update_result_count(o.update); k++) {
            const tc_shard *s = tc_shard_update_result_shard(o.update, (size_t)k);
            note(&d, "shard %s -> %s: %s", tc_shard_update_result_shard_id(o.update, (size_t)k), urls[k],
                 s != NULL ? tc_shard_status(s) : tc_shard_update_result_message(o.update, (size_t)k));
        }
        d.hold_verifications = 0;
        for (k = 0; k < (int)d.held_n; k++) note(&d, "%s", d.held[k]);
        d.held_n = 0;
        tc_shard_update_result_free(o.update);
        /* The mock challenges each shard as soon as it is assigned: let the
         * listener's verification lines print before the verdicts, so the
         * output reads in the order things happened. */
        arrived = o.r.status == TC_OK && wait_count(&d, &d.verifications, DEMO_SHARDS);
        if (!check(&d, o.r.status == TC_OK, "both shards assigned (pending until their challenge is answered)%s%s",
                   o.r.status ? ": " : "", o.r.status ? why(&o) : ""))
            goto done;
        check(&d, arrived, "%zu of %d challenges arrived through the listener", d.verifications, DEMO_SHARDS);
        deadline = now_ms() + WAIT_MS;
        while ((enabled = shards_enabled(&d, conduit)) < DEMO_SHARDS && now_ms() < deadline)
            tc_conduits_poll(d.c, 50, NULL);
        if (!check(&d, enabled == DEMO_SHARDS, "%d of %d shards enabled (mock: %ld challenges passed)", enabled,
                   DEMO_SHARDS, tcmock_stat(d.mock, "challenges_passed")))
            goto done;
    }

    {
        char title[96];
        tc_batch_options bo = TC_BATCH_OPTIONS_INIT;
        tcctl_progress progress;
        snprintf(title, sizeof title, "create %ld stream.online subscriptions", nsubs);
        step(&d, title);
        for (k = 0; k < nsubs; k++) {
            snprintf(conditions[k], sizeof conditions[k], "{\"broadcaster_user_id\":\"%d\"}", 1000 + k);
            specs[k].type = "stream.online";
            specs[k].version = "1";
            specs[k].condition_json = conditions[k];
        }
        tcctl_progress_start(&progress, "   creating");
        if (progress.active && !tcctl_json_mode()) {
            bo.progress = tcctl_progress_cb;
            bo.progress_userdata = &progress;
        }
        memset(&o, 0, sizeof o);
        finish(&d, tc_subscriptions_create(&id, d.c, conduit, specs, (size_t)nsubs, &bo, on_batch, &o), &id, &o);
        tcctl_progress_end(&progress);
        if (o.batch != NULL) {
            size_t i;
            created = tc_subscription_batch_tally(o.batch, TC_ITEM_CREATED);
            for (i = 0; i < tc_subscription_batch_count(o.batch) && i < 1000; i++) {
                const tc_subscription *s = tc_subscription_batch_subscription(o.batch, i);
                snprintf(sub_ids[i], sizeof sub_ids[i], "%s", s != NULL ? tc_subscription_id(s) : "");
            }
            note(&d, "%zu created, %zu failed; cost %lld of %lld", created,
                 tc_subscription_batch_tally(o.batch, TC_ITEM_FAILED),
                 (long long)tc_subscription_batch_total_cost(o.batch),
                 (long long)tc_subscription_batch_max_total_cost(o.batch));
            tc_subscription_batch_free(o.batch);
        }
        if (!check(&d, o.r.status == TC_OK && created == (size_t)nsubs, "all %ld created%s%s", nsubs,
                   o.r.status ? ": " : "", o.r.status ? why(&o) : ""))
            goto done;
    }

    step(&d, "the mock delivers signed events; they arrive verified through the listener");
    {
        int sent = 0, arrived;
        for (k = 0; k < DEMO_EVENTS; k++) {
            snprintf(body, sizeof body, "{\"subscription_id\":\"%.95s\",\"message_id\":\"demo-event-%d\",\"wait\":true}",
                     sub_ids[k], k + 1);
            sent += deliver(&d, body);
        }
        check(&d, sent == DEMO_EVENTS, "the mock signed and sent %d notifications", sent);
        arrived = wait_count(&d, &d.notifications, DEMO_EVENTS);
        check(&d, arrived, "%zu of %d arrived verified (HMAC-SHA256 signature, timestamp)", d.notifications,
              DEMO_EVENTS);
    }

    step(&d, "a tampered event is rejected");
    {
        long before = tcmock_stat(d.mock, "events_delivered");
        size_t notified = d.notifications;
        int rejected;
        snprintf(body, sizeof body, "{\"subscription_id\":\"%.95s\",\"message_id\":\"demo-tampered\",\"tamper\":true,"
                                    "\"wait\":true}", sub_ids[0]);
        check(&d, deliver(&d, body), "the mock sent an event with one byte changed after signing");
        rejected = wait_stat(&d, TC_LISTENER_STAT_REJECTED, 1) && wait_count(&d, &d.rejections, 1);
        check(&d, rejected, "answered 403 and reported: %s", d.last_reject[0] ? d.last_reject : "(nothing reported)");
        check(&d, d.notifications == notified && seen_count(&d, "demo-tampered") == 0 &&
                      tcmock_stat(d.mock, "events_delivered") == before,
              "not dispatched, not acknowledged");
    }

    step(&d, "a resend (same message id) is acknowledged once, not dispatched twice");
    {
        long before = tcmock_stat(d.mock, "events_delivered");
        d.resends++;
        check(&d, deliver(&d, "{\"resend_of\":\"demo-event-1\",\"wait\":true}"),
              "the mock resent demo-event-1 (Message-Retry 1)");
        check(&d, wait_stat(&d, TC_LISTENER_STAT_DUPLICATES, 1) && tcmock_stat(d.mock, "events_delivered") == before + 1,
              "acknowledged with 2xx as a duplicate");
        check(&d, seen_count(&d, "demo-event-1") == 1 && d.notifications == DEMO_EVENTS,
              "dispatched once only (%u time(s))", seen_count(&d, "demo-event-1"));
    }

    step(&d, "a flaky server: the next 2 answers are 503");
    {
        uint64_t before = tc_conduits_stat(d.c, TC_STAT_RETRIES);
        int ok = tcmock_control(d.mock, "fail_next", "{\"count\":2,\"status\":503}") == 0;
        memset(&o, 0, sizeof o);
        finish(&d, tc_shards_list(&id, d.c, conduit, NULL, on_shards, &o), &id, &o);
        tc_shard_list_free(o.shards);
        check(&d, ok && o.r.status == TC_OK && tc_conduits_stat(d.c, TC_STAT_RETRIES) == before + 2,
              "listing the shards succeeded after %llu retries with backoff%s%s",
              (unsigned long long)(tc_conduits_stat(d.c, TC_STAT_RETRIES) - before), o.r.status ? ": " : "",
              o.r.status ? why(&o) : "");
    }

    step(&d, "a subscription is revoked, then cleanup deletes it");
    {
        size_t deleted = 0;
        snprintf(body, sizeof body, "{\"subscription_id\":\"%.95s\",\"kind\":\"revocation\","
                                    "\"reason\":\"authorization_revoked\",\"wait\":true}", sub_ids[nsubs - 1]);
        check(&d, deliver(&d, body) && wait_count(&d, &d.revocations, 1),
              "the revocation arrived through the listener");
        memset(&o, 0, sizeof o);
        finish(&d, tc_subscriptions_cleanup(&id, d.c, conduit, 0, NULL, on_batch, &o), &id, &o);
        if (o.batch != NULL) {
            deleted = tc_subscription_batch_tally(o.batch, TC_ITEM_DELETED);
            tc_subscription_batch_free(o.batch);
        }
        check(&d, o.r.status == TC_OK && deleted == 1, "cleanup deleted exactly the revoked one (%zu)%s%s", deleted,
              o.r.status ? ": " : "", o.r.status ? why(&o) : "");
    }

    d.listener_sent = tcmock_stat(d.mock, "events_delivered");
    d.listener_revocations = tcmock_stat(d.mock, "revocations_sent");

    /* ---- a second conduit, run by a tc_runner: webhook and WebSocket shards ---- */
    step(&d, "a tc_runner runs a mixed conduit: shards 0, 1 over webhook, 2, 3 over WebSocket");
    {
        tc_runner_options ro = TC_RUNNER_OPTIONS_INIT;
        tc_runner_shard_spec specs_run[RUN_SHARDS];
        static const char *const ids[RUN_SHARDS] = {"0", "1", "2", "3"};
        int enabled = 0;
        for (k = 0; k < RUN_SHARDS; k++) {
            specs_run[k].shard_id = ids[k];
            specs_run[k].transport = k < RUN_WEBHOOK_SHARDS ? TC_TRANSPORT_WEBHOOK : TC_TRANSPORT_WEBSOCKET;
            specs_run[k].webhook_secret = NULL; /* a random one each */
        }
        ro.conduit_id = NULL; /* create one */
        ro.shards = specs_run;
        ro.shards_len = RUN_SHARDS;
        ro.ws_url = tcmock_ws_url(d.mock);
        ro.event_cb = on_run_event;
        ro.event_userdata = &d;
        ro.shard_cb = on_run_shard;
        ro.shard_userdata = &d;
        ro.ready_cb = on_run_ready;
        ro.ready_userdata = &d;
        ro.flags = TC_RUNNER_F_SHRINK_ON_STOP; /* delete the conduit it created when it stops */
        st = tc_runner_start(&d.runner, d.c, &ro, on_run_done, &d);
        if (!check(&d, st == TC_OK, "runner started (WebSocket at %s)%s%s", tcmock_ws_url(d.mock), st ? ": " : "",
                   st ? tc_last_error_message() : ""))
            goto done;
        wait_flag(&d, &d.run_ready);
        for (k = 0; k < RUN_SHARDS; k++) enabled += d.run_enabled[k];
        if (!check(&d, d.run_ready && enabled == RUN_SHARDS,
                   "it created conduit %s and every shard is enabled (%d of %d)", tc_runner_conduit_id(d.runner),
                   enabled, RUN_SHARDS))
            goto done;
    }

    step(&d, "events reach the runner over both transports, once each");
    {
        tc_batch_options bo = TC_BATCH_OPTIONS_INIT;
        int sent = 0;
        for (k = 0; k < RUN_SHARDS; k++) {
            snprintf(conditions[k], sizeof conditions[k], "{\"broadcaster_user_id\":\"%d\"}",
                     broadcaster_for_shard(k, RUN_SHARDS, 5000));
            specs[k].type = "stream.online";
            specs[k].version = "1";
            specs[k].condition_json = conditions[k];
        }
        memset(&o, 0, sizeof o);
        finish(&d, tc_subscriptions_create(&id, d.c, tc_runner_conduit_id(d.runner), specs, RUN_SHARDS, &bo, on_batch,
                                           &o),
               &id, &o);
        created = 0;
        if (o.batch != NULL) {
            size_t i;
            created = tc_subscription_batch_tally(o.batch, TC_ITEM_CREATED);
            for (i = 0; i < tc_subscription_batch_count(o.batch) && i < RUN_SHARDS; i++) {
                const tc_subscription *sub = tc_subscription_batch_subscription(o.batch, i);
                snprintf(sub_ids[i], sizeof sub_ids[i], "%s", sub != NULL ? tc_subscription_id(sub) : "");
            }
            tc_subscription_batch_free(o.batch);
        }
        if (!check(&d, created == RUN_SHARDS, "%zu subscriptions created, one routed to each shard", created))
            goto done;
        for (k = 0; k < RUN_SHARDS; k++) {
            snprintf(body, sizeof body, "{\"subscription_id\":\"%.95s\",\"message_id\":\"demo-run-%d\",\"wait\":true}",
                     sub_ids[k], k);
            sent += deliver(&d, body);
        }
        check(&d, sent == RUN_SHARDS, "the mock sent %d events, one to each shard", sent);
        {
            double deadline = now_ms() + WAIT_MS;
            while (d.run_events_ws + d.run_events_webhook < RUN_SHARDS && now_ms() < deadline)
                tc_conduits_poll(d.c, 50, NULL);
        }
        check(&d, d.run_events_webhook == RUN_WEBHOOK_SHARDS && d.run_events_ws == RUN_SHARDS - RUN_WEBHOOK_SHARDS,
              "%zu arrived over webhook and %zu over WebSocket, through one event callback", d.run_events_webhook,
              d.run_events_ws);
    }

    step(&d, "a dropped WebSocket is re-associated: a new session is enabled");
    {
        char old[128], target[256];
        int lost_before = d.run_lost[2];
        double deadline;
        snprintf(old, sizeof old, "%s", d.run_session[2]);
        snprintf(target, sizeof target, "{\"conduit_id\":\"%.95s\",\"shard_id\":\"2\"}", tc_runner_conduit_id(d.runner));
        check(&d, tcmock_control(d.mock, "ws/drop", target) == 0,
              "the mock dropped shard 2's socket (no close frame)");
        deadline = now_ms() + WAIT_MS;
        while (!(d.run_lost[2] > lost_before && d.run_enabled[2] && strcmp(d.run_session[2], old) != 0) &&
               now_ms() < deadline)
            tc_conduits_poll(d.c, 50, NULL);
        check(&d, d.run_lost[2] > lost_before && d.run_enabled[2] && strcmp(d.run_session[2], old) != 0,
              "reported lost, then enabled again with a new session");
        snprintf(body, sizeof body, "{\"subscription_id\":\"%.95s\",\"message_id\":\"demo-run-after-drop\","
                                    "\"wait\":true}", sub_ids[2]);
        deliver(&d, body);
        deadline = now_ms() + WAIT_MS;
        while (seen_count(&d, "demo-run-after-drop") == 0 && now_ms() < deadline) tc_conduits_poll(d.c, 50, NULL);
        check(&d, seen_count(&d, "demo-run-after-drop") == 1, "the next event for shard 2 arrives on the new session");
    }

    step(&d, "a reconnect hand-over (session_reconnect): no event lost, none twice");
    {
        char target[256];
        uint64_t handovers = tc_runner_stat_get(d.runner, TC_RUNNER_STAT_HANDOVERS);
        int lost_before = d.run_lost[3];
        double deadline;
        snprintf(target, sizeof target, "{\"conduit_id\":\"%.95s\",\"shard_id\":\"3\"}", tc_runner_conduit_id(d.runner));
        check(&d, tcmock_control(d.mock, "ws/reconnect", target) == 0,
              "the mock sent session_reconnect on shard 3's socket");
        /* One event while the hand-over may still be under way, one after. */
        snprintf(body, sizeof body, "{\"subscription_id\":\"%.95s\",\"message_id\":\"demo-run-handover-1\","
                                    "\"wait\":true}", sub_ids[3]);
        deliver(&d, body);
        deadline = now_ms() + WAIT_MS;
        while (tc_runner_stat_get(d.runner, TC_RUNNER_STAT_HANDOVERS) <= handovers && now_ms() < deadline)
            tc_conduits_poll(d.c, 50, NULL);
        check(&d, tc_runner_stat_get(d.runner, TC_RUNNER_STAT_HANDOVERS) > handovers && d.run_lost[3] == lost_before &&
                      d.run_enabled[3],
              "the new socket took over, the old one was closed; the shard stayed enabled");
        snprintf(body, sizeof body, "{\"subscription_id\":\"%.95s\",\"message_id\":\"demo-run-handover-2\","
                                    "\"wait\":true}", sub_ids[3]);
        deliver(&d, body);
        deadline = now_ms() + WAIT_MS;
        while ((seen_count(&d, "demo-run-handover-1") == 0 || seen_count(&d, "demo-run-handover-2") == 0) &&
               now_ms() < deadline)
            tc_conduits_poll(d.c, 50, NULL);
        check(&d, seen_count(&d, "demo-run-handover-1") == 1 && seen_count(&d, "demo-run-handover-2") == 1,
              "both events arrived once (during and after the hand-over)");
    }

    step(&d, "stop the runner: its sockets closed, the conduit it created deleted");
    {
        double deadline;
        tc_runner_stop(d.runner);
        wait_flag(&d, &d.run_done);
        check(&d, d.run_done && d.run_done_status == TC_OK, "the runner stopped (done callback: %s)",
              d.run_done ? tc_strerror(d.run_done_status) : "not called");
        deadline = now_ms() + WAIT_MS;
        while (tcmock_stat(d.mock, "ws_connections") != 0 && now_ms() < deadline) tc_conduits_poll(d.c, 20, NULL);
        check(&d, tcmock_stat(d.mock, "ws_connections") == 0, "the mock has no WebSocket open");
        memset(&o, 0, sizeof o);
        finish(&d, tc_shards_list(&id, d.c, tc_runner_conduit_id(d.runner), NULL, on_shards, &o), &id, &o);
        tc_shard_list_free(o.shards);
        check(&d, o.r.status == TC_ENOTFOUND, "the conduit it created is gone (listing its shards: %s)",
              tc_strerror(o.r.status));
    }

done:
    if (conduit[0] != '\0') {
        step(&d, "delete the conduit");
        memset(&o, 0, sizeof o);
        finish(&d, tc_conduit_delete(&id, d.c, conduit, on_response, &o), &id, &o);
        check(&d, o.r.status == TC_OK, "deleted%s%s", o.r.status ? ": " : "", o.r.status ? why(&o) : "");
        memset(&o, 0, sizeof o);
        finish(&d, tc_conduit_delete(&id, d.c, conduit, on_response, &o), &id, &o);
        check(&d, o.r.status == TC_ENOTFOUND, "deleting it again says not found");
    }
    step_end(&d);
    tc_conduits_process(d.c, NULL);
    summary(&d, now_ms() - d.started);
    tc_runner_free(d.runner); /* stops it if a failed step left it running */
    tc_listener_free(d.l);
    tc_conduits_free(d.c);
    tcmock_stop(d.mock);
    tcctl_buf_free(&d.steps_json);
    return d.failures == 0 ? TCCTL_EXIT_OK : TCCTL_EXIT_FAILURE;
}
