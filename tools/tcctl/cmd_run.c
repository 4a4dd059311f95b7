/* tcctl shards run CONDUIT_ID [SHARD...]: be those shards of the conduit over
 * EventSub WebSocket (a tc_runner keeps them enabled across drops, stalls,
 * reconnects and close codes) and print one line per event and per shard
 * change, until SIGINT/SIGTERM, --count or --timeout-s. */
#define _POSIX_C_SOURCE 200809L

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "tcctl.h"

#define MAX_RUN_SHARDS 256

/* What was last printed about one shard, so that a line is printed only
 * when something a reader cares about changed. */
typedef struct printed_shard {
    char id[16];
    int enabled;       /* the last line said "enabled" */
    char session[128]; /* with this session */
    int ours;          /* --group: a line said we run it (enabled or lost) since the last not_owned */
} printed_shard;

typedef struct run_state {
    long count_limit; /* 0 = no limit */
    long received;    /* notifications and revocations printed */
    int done;         /* done_cb ran */
    tcctl_result done_result;
    tc_conduits *c;
    printed_shard *shards;
    size_t shards_n, shards_cap;
} run_state;





static printed_shard *printed(run_state *s, const char *id) {
    size_t k;
    for (k = 0; k < s->shards_n; k++)
        if (strcmp(s->shards[k].id, id) == 0) return &s->shards[k];
    if (s->shards_n == s->shards_cap) {
        size_t cap = s->shards_cap ? s->shards_cap * 2 : 16;
        printed_shard *grown = realloc(s->shards, cap * sizeof *grown);
        if (grown == NULL) return NULL;
        s->shards = grown;
        s->shards_cap = cap;
    }
    memset(&s->shards[s->shards_n], 0, sizeof s->shards[0]);
    snprintf(s->shards[s->shards_n].id, sizeof s->shards[0].id, "%s", id);
    return &s->shards[s->shards_n++];
}

/* A shard line: on every loss (with the status Twitch now gives the shard)
 * and on every (re)assignment, i.e. when it becomes enabled or is enabled
 * with a new session. Connecting/assigning in between print nothing; the
 * runner's own stop (state "stopped") neither. */
static void on_shard(const tc_runner_shard *sh, void *ud) {
    run_state *s = (run_state *)ud;
    tc_runner_shard_state state = tc_runner_shard_state_get(sh);
    const char *id = tc_runner_shard_id(sh), *session = tc_runner_shard_session_id(sh);
    const char *status, *reason = NULL;
    printed_shard *p = printed(s, id);
    if (p == NULL) return;
    if (state == TC_RUNNER_SHARD_ENABLED) {
        if (p->enabled && strcmp(p->session, session) == 0) return;
        status = "enabled";
        p->enabled = 1;
        p->ours = 1;
        snprintf(p->session, sizeof p->session, "%s", session);
    } else if (state == TC_RUNNER_SHARD_NOT_OWNED) {
        /* --group: another worker owns it now (only said after we had it). */
        if (!p->ours) return;
        status = "not_owned";
        reason = tc_runner_shard_error(sh);
        p->enabled = 0;
        p->ours = 0;
    } else if (state == TC_RUNNER_SHARD_LOST) {
        status = tc_runner_shard_status(sh);
        /* Twitch's status as last seen may still read "enabled": the shard
         * is not, and the line must not say so. */
        if (status[0] == '\0' || strcmp(status, "enabled") == 0) status = "websocket_disconnected";
        reason = tc_runner_shard_error(sh);
        p->enabled = 0;
        p->ours = 1;
    } else {
        return;
    }
    if (tcctl_json_mode()) {
        tcctl_buf b = {NULL, 0, 0};
        tcctl_buf_add(&b, "{\"kind\":\"shard\",\"shard_id\":");
        tcctl_buf_json_str(&b, id);
        tcctl_buf_add(&b, ",\"session_id\":");
        tcctl_buf_json_str(&b, session);
        tcctl_buf_add(&b, ",\"status\":");
        tcctl_buf_json_str(&b, status);
        if (reason != NULL) {
            tcctl_buf_add(&b, ",\"reason\":");
            tcctl_buf_json_str(&b, reason);
            tcctl_buf_addf(&b, ",\"reconnects\":%llu", (unsigned long long)tc_runner_shard_reconnects(sh));
        }
        tcctl_buf_add(&b, "}");
        tcctl_print_json(b.data);
        tcctl_buf_free(&b);
    } else {
        char when[48];
        tcctl_now_text(when, sizeof when);
        if (reason == NULL)
            tcctl_out("%s  %sshard %-6s%s  enabled  session %s\n", when, tcctl_color("\033[36m"), id, tcctl_reset(),
                      session[0] != '\0' ? session : "-");
        else if (state == TC_RUNNER_SHARD_NOT_OWNED)
            tcctl_out("%s  %sshard %-6s%s  not owned: %s\n", when, tcctl_color("\033[33m"), id, tcctl_reset(),
                      reason[0] != '\0' ? reason : "another worker owns it");
        else
            tcctl_out("%s  %sshard %-6s%s  %s: %s (reconnecting)\n", when, tcctl_color("\033[33m"), id, tcctl_reset(),
                      status, reason[0] != '\0' ? reason : "lost");
    }
    fflush(stdout);
}

static void on_event(tc_status st, const char *shard_id, const tc_event *msg, void *ud) {
    run_state *s = (run_state *)ud;
    tc_event_kind kind;
    if (st != TC_OK || msg == NULL) return;
    kind = tc_event_kind_get(msg);
    if (kind != TC_EVENT_NOTIFICATION && kind != TC_EVENT_REVOCATION) return;
    /* Past --count: received, but not printed (as listen does). */
    if (s->count_limit > 0 && s->received >= s->count_limit) return;
    if (tcctl_json_mode()) {
        tcctl_buf b = {NULL, 0, 0};
        size_t event_len = 0;
        const char *event = tc_event_event_json(msg, &event_len);
        tcctl_buf_add(&b, kind == TC_EVENT_NOTIFICATION ? "{\"kind\":\"notification\"" : "{\"kind\":\"revocation\"");
        tcctl_buf_add(&b, ",\"shard_id\":");
        tcctl_buf_json_str(&b, shard_id);
        tcctl_buf_add(&b, ",\"message_id\":");
        tcctl_buf_json_str(&b, tc_event_id(msg));
        tcctl_buf_add(&b, ",\"type\":");
        tcctl_buf_json_str(&b, tc_event_subscription_type(msg));
        tcctl_buf_add(&b, ",\"version\":");
        tcctl_buf_json_str(&b, tc_event_subscription_version(msg));
        tcctl_buf_add(&b, ",\"subscription_id\":");
        tcctl_buf_json_str(&b, tc_event_subscription_id(msg));
        if (kind == TC_EVENT_NOTIFICATION) {
            /* The event exactly as received (the decoder checked it is JSON). */
            tcctl_buf_add(&b, ",\"event\":");
            if (event_len > 0)
                tcctl_buf_addf(&b, "%.*s", (int)event_len, event);
            else
                tcctl_buf_add(&b, "null");
        } else {
            tcctl_buf_add(&b, ",\"reason\":");
            tcctl_buf_json_str(&b, tc_event_revocation_reason(msg));
        }
        tcctl_buf_add(&b, "}");
        tcctl_print_json(b.data);
        tcctl_buf_free(&b);
    } else {
        char when[48], what[256];
        tcctl_now_text(when, sizeof when);
        tcctl_webhook_describe(msg, what, sizeof what);
        tcctl_out("%s  %s%-12s%s  %s  shard %s  %s\n", when,
                  tcctl_color(kind == TC_EVENT_REVOCATION ? "\033[33m" : "\033[32m"), tcctl_webhook_kind_name(kind),
                  tcctl_reset(), what, shard_id, tc_event_id(msg));
    }
    fflush(stdout);
    s->received++;
    if (s->count_limit > 0 && s->received >= s->count_limit) tcctl_stop_request();
}

static void on_done(tc_status st, void *ud) {
    run_state *s = (run_state *)ud;
    tcctl_result_capture(&s->done_result, st);
    s->done = 1;
}

/* SHARD... : decimal shard ids, each once. */
static int check_shard_ids(char **ids, int n) {
    int k, j;
    long v;
    for (k = 0; k < n; k++) {
        if (tcctl_parse_int(ids[k], 0, 19999, &v) != 0 || (ids[k][0] == '0' && ids[k][1] != '\0'))
            return tcctl_usage("shards", "shard id '%.20s' is not a decimal number in 0..19999", ids[k]);
        for (j = 0; j < k; j++)
            if (strcmp(ids[j], ids[k]) == 0) return tcctl_usage("shards", "shard %s is given twice", ids[k]);
    }
    return 0;
}

int tcctl_cmd_shards_run(const tcctl_globals *g, int argc, char **argv) {
    tcctl_flag flags[] = {{"--count", 1, NULL},  {"--timeout-s", 1, NULL}, {"--keepalive-s", 1, NULL},
                          {"--group", 1, NULL},  {"--redis", 1, NULL},     {"--worker-id", 1, NULL},
                          {"--lease-ttl-ms", 1, NULL}};
    enum { F_COUNT, F_TIMEOUT, F_KEEPALIVE, F_GROUP, F_REDIS, F_WORKER, F_LEASE_TTL, F_N };
    static tc_runner_shard_spec specs[MAX_RUN_SHARDS];
    tc_runner_options ro = TC_RUNNER_OPTIONS_INIT;
    run_state s;
    tc_runner *r = NULL;
    tc_status st;
    char *pos[MAX_RUN_SHARDS + 1];
    int npos, k, rc = TCCTL_EXIT_OK, stop_sent = 0, timed_out = 0;
    long timeout_s = 0, keepalive_s = 0, lease_ttl_ms = 0;
    double deadline = 0;

    memset(&s, 0, sizeof s);
    if (tcctl_parse_flags("shards", argc, argv, flags, F_N, pos, MAX_RUN_SHARDS + 1, &npos) != 0)
        return TCCTL_EXIT_USAGE;
    if (npos < 1) return tcctl_usage("shards", "usage: shards run CONDUIT_ID [SHARD...] [--count N] [--timeout-s S]");
    if (check_shard_ids(pos + 1, npos - 1) != 0) return TCCTL_EXIT_USAGE;
    if (flags[F_COUNT].value != NULL && tcctl_parse_int(flags[F_COUNT].value, 1, 1000000000L, &s.count_limit) != 0)
        return tcctl_usage("shards", "--count needs a positive integer");
    if (flags[F_TIMEOUT].value != NULL && tcctl_parse_int(flags[F_TIMEOUT].value, 1, 31536000L, &timeout_s) != 0)
        return tcctl_usage("shards", "--timeout-s needs a positive number of seconds");
    if (flags[F_KEEPALIVE].value != NULL && tcctl_parse_int(flags[F_KEEPALIVE].value, 10, 600, &keepalive_s) != 0)
        return tcctl_usage("shards", "--keepalive-s needs an integer in 10..600 (Twitch's range)");
    /* A group of workers sharing the conduit's shards through Redis leases. */
    if ((flags[F_GROUP].value == NULL) != (flags[F_REDIS].value == NULL))
        return tcctl_usage("shards", "--group and --redis go together (a group's leases live in Redis)");
    if (flags[F_GROUP].value == NULL && (flags[F_WORKER].value != NULL || flags[F_LEASE_TTL].value != NULL))
        return tcctl_usage("shards", "--worker-id and --lease-ttl-ms need --group and --redis");
    if (flags[F_GROUP].value != NULL && npos > 1)
        return tcctl_usage("shards", "--group shares every shard of the conduit: give no SHARD");
    if (flags[F_LEASE_TTL].value != NULL && tcctl_parse_int(flags[F_LEASE_TTL].value, 300, 600000, &lease_ttl_ms) != 0)
        return tcctl_usage("shards", "--lease-ttl-ms needs an integer in 300..600000");

    for (k = 1; k < npos; k++) {
        specs[k - 1].shard_id = pos[k];
        specs[k - 1].transport = TC_TRANSPORT_WEBSOCKET;
        specs[k - 1].webhook_secret = NULL;
    }
    ro.conduit_id = pos[0];
    ro.shards = npos > 1 ? specs : NULL;
    ro.shards_len = (size_t)(npos - 1);
    ro.default_transport = TC_TRANSPORT_WEBSOCKET;
    ro.ws_url = g->ws_url;
    ro.keepalive_timeout_s = (int)keepalive_s;
    ro.event_cb = on_event;
    ro.event_userdata = &s;
    ro.shard_cb = on_shard;
    ro.shard_userdata = &s;
    ro.group = flags[F_GROUP].value;
    ro.redis_url = flags[F_REDIS].value;
    ro.worker_id = flags[F_WORKER].value;
    ro.lease_ttl_ms = lease_ttl_ms;

    /* Block the stop signals before any library thread exists, so every
     * thread inherits the mask and only the stop watcher receives them. */
    tcctl_stop_block_signals();

    rc = tcctl_client_new(g, 0, &s.c);
    if (rc != 0) return rc;
    st = tc_runner_start(&r, s.c, &ro, on_done, &s);
    if (st != TC_OK) {
        tcctl_result res;
        tcctl_result_capture(&res, st);
        if (st == TC_EINVAL) {
            tcctl_usage("shards", "%s%s", res.message,
                        strstr(res.message, "ws_url") != NULL     ? " (see --ws-url / TWITCH_EVENTSUB_WS_URL)"
                        : strstr(res.message, "redis_url") != NULL ? " (see --redis)"
                        : strstr(res.message, "worker_id") != NULL ? " (see --worker-id)"
                                                                   : "");
            rc = TCCTL_EXIT_USAGE;
        } else {
            rc = tcctl_fail("cannot run the shards", &res);
        }
        tc_conduits_free(s.c);
        return rc;
    }
    if (!tcctl_json_mode())
        tcctl_err("running %s of conduit %s over %s; SIGINT/SIGTERM (Ctrl-C) stops", npos > 1 ? "the given shards" : "every shard",
                  pos[0], g->ws_url != NULL ? g->ws_url : "wss://eventsub.wss.twitch.tv/ws");
    if (tcctl_stop_watch(s.c) != 0) {
        tcctl_err("cannot start the signal thread");
        tc_runner_free(r);
        tc_conduits_free(s.c);
        return TCCTL_EXIT_FAILURE;
    }
    if (timeout_s > 0) deadline = tcctl_mono_ms() + (double)timeout_s * 1000.0;
    while (!s.done) {
        int wait_ms = -1;
        if (!stop_sent && deadline > 0 && tcctl_mono_ms() >= deadline) timed_out = 1;
        if (!stop_sent && (tcctl_stop_requested() || timed_out)) {
            /* Closes every socket with a close frame; done_cb follows. */
            tc_runner_stop(r);
            stop_sent = 1;
        }
        if (!stop_sent && deadline > 0) {
            double left = deadline - tcctl_mono_ms();
            wait_ms = left > 60000.0 ? 60000 : (int)left + 1;
        }
        tc_conduits_poll(s.c, wait_ms, NULL);
    }
    fflush(stdout);
    if (s.done_result.status != TC_OK) {
        rc = tcctl_fail("cannot run the shards", &s.done_result);
    } else if (timed_out && s.count_limit > 0 && s.received < s.count_limit) {
        tcctl_err("timed out after %lds with %ld of %ld events", timeout_s, s.received, s.count_limit);
        rc = TCCTL_EXIT_TIMEOUT;
    }
    tc_runner_free(r);
    tcctl_stop_unwatch();
    tc_conduits_free(s.c);
    free(s.shards);
    return rc;
}
