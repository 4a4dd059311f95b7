/* tcctl listen: run the embedded webhook listener in the foreground and print
 * one line per verified message, until SIGINT/SIGTERM, --count or --timeout-s. */
#define _POSIX_C_SOURCE 200809L

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "tcctl.h"

typedef struct listen_state {
    long count_limit; /* 0 = no limit */
    long received;
    tc_conduits *c;
} listen_state;

/* The library's name of a kind, never NULL. */
const char *tcctl_webhook_kind_name(tc_event_kind kind) {
    const char *name = tc_event_kind_name(kind);
    return name != NULL ? name : "unknown";
}

void tcctl_webhook_describe(const tc_event *msg, char *out, size_t n) {
    tc_event_kind kind = tc_event_kind_get(msg);
    const char *type = tc_event_subscription_type(msg);
    const char *version = tc_event_subscription_version(msg);
    if (kind == TC_EVENT_VERIFICATION && tc_event_conduit_id(msg)[0] != '\0')
        snprintf(out, n, "conduit %s shard %s", tc_event_conduit_id(msg), tc_event_shard_id(msg));
    else if (kind == TC_EVENT_REVOCATION)
        snprintf(out, n, "%s v%s (%s)", type, version, tc_event_revocation_reason(msg));
    else
        snprintf(out, n, "%s v%s", type[0] != '\0' ? type : "-", version[0] != '\0' ? version : "-");
}

static void on_event(tc_status st, const char *route, const tc_event *msg, void *ud) {
    listen_state *s = (listen_state *)ud;
    (void)route;
    if (st != TC_OK || msg == NULL) return;
    /* Past --count: acknowledged already, but not printed (documented). */
    if (s->count_limit > 0 && s->received >= s->count_limit) return;
    if (tcctl_json_mode()) {
        char *json = NULL;
        if (tc_event_to_json(&json, msg) == TC_OK) tcctl_print_json(json);
        tc_free(json);
    } else {
        char when[48], what[256];
        tc_event_kind kind = tc_event_kind_get(msg);
        tcctl_now_text(when, sizeof when);
        tcctl_webhook_describe(msg, what, sizeof what);
        tcctl_out("%s  %s%-12s%s  %s  %s\n", when, tcctl_color(kind == TC_EVENT_REVOCATION ? "\033[33m" : "\033[32m"),
                  tcctl_webhook_kind_name(kind), tcctl_reset(), what, tc_event_id(msg));
    }
    fflush(stdout);
    s->received++;
    if (s->count_limit > 0 && s->received >= s->count_limit) tcctl_stop_request();
}

static void on_reject(tc_status st, const char *route, const tc_event *msg, void *ud) {
    const char *id;
    (void)ud;
    (void)route;
    if (st != TC_OK || msg == NULL) return;
    id = tc_event_id(msg);
    /* The reason and what identifies the request; never the secret or the expected signature. */
    tcctl_err("rejected request: %s (answered HTTP %d)%s%.128s: %s", tc_strerror(tc_event_status(msg)),
              tc_event_http_status(msg), id[0] != '\0' ? ", message id " : "", id,
              tc_event_error(msg));
    fflush(stderr);
}


int tcctl_cmd_listen(const tcctl_globals *g, int argc, char **argv) {
    tcctl_flag flags[] = {{"--port", 1, NULL},  {"--bind", 1, NULL},  {"--prefix", 1, NULL}, {"--route", 1, NULL},
                          {"--secret", 1, NULL}, {"--count", 1, NULL}, {"--timeout-s", 1, NULL},
                          {"--tls-cert", 1, NULL}, {"--tls-key", 1, NULL}};
    enum { F_PORT, F_BIND, F_PREFIX, F_ROUTE, F_SECRET, F_COUNT, F_TIMEOUT, F_TLS_CERT, F_TLS_KEY, F_N };
    tc_listener_options lo = TC_LISTENER_OPTIONS_INIT;
    tc_conduits_options co = TC_CONDUITS_OPTIONS_INIT;
    listen_state s;
    tc_listener *l = NULL;
    tc_status st;
    char *pos[1];
    const char *secret, *route;
    int npos, rc = TCCTL_EXIT_OK;
    long v, timeout_s = 0;
    double deadline = 0;
    char url[600];

    memset(&s, 0, sizeof s);
    if (tcctl_parse_flags("listen", argc, argv, flags, F_N, pos, 0, &npos) != 0) return TCCTL_EXIT_USAGE;
    secret = flags[F_SECRET].value != NULL ? flags[F_SECRET].value : getenv("TWITCH_WEBHOOK_SECRET");
    if (secret != NULL && secret[0] == '\0') secret = NULL;
    tcctl_add_secret(secret);
    if (secret == NULL)
        return tcctl_usage("listen", "needs the webhook signing secret: set TWITCH_WEBHOOK_SECRET (or pass --secret)");
    if (flags[F_PORT].value != NULL) {
        if (tcctl_parse_int(flags[F_PORT].value, 0, 65535, &v) != 0)
            return tcctl_usage("listen", "--port needs an integer in 0..65535 (0 picks a free port)");
        lo.port = (int)v;
    }
    if (flags[F_COUNT].value != NULL && tcctl_parse_int(flags[F_COUNT].value, 1, 1000000000L, &s.count_limit) != 0)
        return tcctl_usage("listen", "--count needs a positive integer");
    if (flags[F_TIMEOUT].value != NULL && tcctl_parse_int(flags[F_TIMEOUT].value, 1, 31536000L, &timeout_s) != 0)
        return tcctl_usage("listen", "--timeout-s needs a positive number of seconds");
    route = flags[F_ROUTE].value != NULL ? flags[F_ROUTE].value : "tcctl";
    lo.bind_address = flags[F_BIND].value;
    lo.path_prefix = flags[F_PREFIX].value;
    lo.tls_cert_file = flags[F_TLS_CERT].value;
    lo.tls_key_file = flags[F_TLS_KEY].value;
    lo.event_cb = on_event;
    lo.event_userdata = &s;
    lo.reject_cb = on_reject;

    /* The listener needs a manager (its events are dispatched through the
     * manager's completion queue) but never talks to Twitch: without
     * credentials a placeholder client id and token are used. */
    co.client_id = g->client_id != NULL ? g->client_id : "tcctl-listen";
    co.client_secret = g->client_secret;
    co.app_token = g->client_secret == NULL ? (g->app_token != NULL ? g->app_token : "tcctl-listen-unused") : NULL;

    /* Block the stop signals before any library thread exists, so every
     * thread inherits the mask and only the stop watcher receives them. */
    tcctl_stop_block_signals();

    st = tc_conduits_new(&s.c, &co);
    if (st != TC_OK) {
        tcctl_result r;
        tcctl_result_capture(&r, st);
        return tcctl_fail("cannot set up the listener's manager", &r);
    }
    st = tc_listener_new(&l, s.c, &lo);
    if (st == TC_OK) st = tc_listener_add_route(l, route, secret);
    if (st != TC_OK) {
        tcctl_result r;
        tcctl_result_capture(&r, st);
        if (st == TC_EINVAL) {
            tcctl_usage("listen", "%s", r.message);
            rc = TCCTL_EXIT_USAGE;
        } else {
            rc = tcctl_fail("cannot start the listener", &r);
            if (st == TC_ENETWORK) tcctl_err("hint: pick another --port (0 picks a free one) or --bind address");
        }
        tc_listener_free(l);
        tc_conduits_free(s.c);
        return rc;
    }
    snprintf(url, sizeof url, "%s%s", tc_listener_base_url(l), route);
    if (tcctl_json_mode()) {
        tcctl_buf b = {NULL, 0, 0};
        tcctl_buf_add(&b, "{\"kind\":\"listening\",\"callback_url\":");
        tcctl_buf_json_str(&b, url);
        tcctl_buf_add(&b, ",\"base_url\":");
        tcctl_buf_json_str(&b, tc_listener_base_url(l));
        tcctl_buf_add(&b, ",\"route\":");
        tcctl_buf_json_str(&b, route);
        tcctl_buf_addf(&b, ",\"port\":%d}", tc_listener_port(l));
        tcctl_print_json(b.data);
        tcctl_buf_free(&b);
    } else {
        tcctl_out("%s\n", url);
    }
    fflush(stdout);

    if (tcctl_stop_watch(s.c) != 0) {
        tcctl_err("cannot start the signal thread");
        tc_listener_free(l);
        tc_conduits_free(s.c);
        return TCCTL_EXIT_FAILURE;
    }
    if (timeout_s > 0) deadline = tcctl_mono_ms() + (double)timeout_s * 1000.0;
    while (!tcctl_stop_requested()) {
        int wait_ms = -1;
        if (deadline > 0) {
            double left = deadline - tcctl_mono_ms();
            if (left <= 0) break;
            wait_ms = left > 60000.0 ? 60000 : (int)left + 1;
        }
        tc_conduits_poll(s.c, wait_ms, NULL);
    }
    /* Stop accepting, then deliver what was already acknowledged (unless
     * --count is reached: those are then left unprinted). */
    tc_listener_free(l);
    if (s.count_limit == 0 || s.received < s.count_limit) tc_conduits_process(s.c, NULL);
    fflush(stdout);
    if (!tcctl_stop_requested() && s.count_limit > 0 && s.received < s.count_limit) {
        tcctl_err("timed out after %lds with %ld of %ld messages", timeout_s, s.received, s.count_limit);
        rc = TCCTL_EXIT_TIMEOUT;
    }
    tcctl_stop_unwatch();
    tc_conduits_free(s.c);
    return rc;
}
