/* tcctl: the manager, waiting for operations, errors and exit codes. */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "tcctl.h"

int tcctl_exit_code(tc_status st) {
    switch (st) {
    case TC_OK: return TCCTL_EXIT_OK;
    case TC_EPARTIAL: return TCCTL_EXIT_PARTIAL;
    case TC_ENOCREDENTIALS: return TCCTL_EXIT_CREDENTIALS;
    case TC_ETIMEDOUT: return TCCTL_EXIT_TIMEOUT;
    default: return TCCTL_EXIT_FAILURE;
    }
}

int tcctl_usage(const char *cmd, const char *fmt, ...) {
    char text[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(text, sizeof text, fmt, ap);
    va_end(ap);
    tcctl_err("%s%s%s", cmd != NULL && cmd[0] != '\0' ? cmd : "", cmd != NULL && cmd[0] != '\0' ? ": " : "", text);
    tcctl_err("run 'tcctl %s%s--help' for usage", cmd != NULL ? cmd : "", cmd != NULL && cmd[0] != '\0' ? " " : "");
    return TCCTL_EXIT_USAGE;
}

int tcctl_client_new(const tcctl_globals *g, unsigned int extra_flags, tc_conduits **out) {
    tc_conduits_options opts = TC_CONDUITS_OPTIONS_INIT;
    tc_status st;
    *out = NULL;
    if (g->client_id == NULL || (g->client_secret == NULL && g->app_token == NULL)) {
        const char *missing = g->client_id == NULL ? "no client id" : "no client secret or app token";
        if (tcctl_json_mode()) {
            tcctl_buf b = {NULL, 0, 0};
            tcctl_buf_add(&b, "{\"error\":{\"status\":");
            tcctl_buf_addf(&b, "%d,\"name\":\"missing_credentials\",\"message\":", (int)TC_ENOCREDENTIALS);
            tcctl_buf_json_str(&b, missing);
            tcctl_buf_add(&b, ",\"http_status\":0}}");
            tcctl_print_json(b.data);
            tcctl_buf_free(&b);
        }
        tcctl_err("missing credentials: %s", missing);
        tcctl_err("set TWITCH_CLIENT_ID and TWITCH_CLIENT_SECRET (or TWITCH_APP_TOKEN), or pass "
                  "--client-id/--client-secret (or --app-token)");
        return TCCTL_EXIT_CREDENTIALS;
    }
    opts.client_id = g->client_id;
    opts.client_secret = g->client_secret;
    opts.app_token = g->app_token;
    opts.api_base_url = g->api_base;
    opts.auth_base_url = g->auth_base;
    opts.ca_file = g->ca_file;
    opts.flags = extra_flags;
    if (g->concurrency > 0) opts.max_concurrency = (int)g->concurrency; /* --concurrency: N in flight, no more */
    /* --timeout-s: the library's total deadline of each request, every retry and wait included. */
    if (g->timeout_s > 0) opts.request_deadline_ms = g->timeout_s * 1000L;
    st = tc_conduits_new(out, &opts);
    if (st != TC_OK) {
        tcctl_result r;
        tcctl_result_capture(&r, st);
        return st == TC_EINVAL ? (tcctl_fail("cannot set up the client", &r), TCCTL_EXIT_USAGE)
                               : tcctl_fail("cannot set up the client", &r);
    }
    return 0;
}

void tcctl_result_capture(tcctl_result *r, tc_status status) {
    r->status = status;
    r->http_status = tc_last_http_status();
    snprintf(r->message, sizeof r->message, "%s", status == TC_OK ? "" : tc_last_error_message());
}

tc_status tcctl_finish(tc_conduits *c, tc_status submitted, const tc_op_id *id, tcctl_result *r) {
    if (submitted != TC_OK) {
        r->http_status = 0;
        r->status = submitted;
        snprintf(r->message, sizeof r->message, "%s", tc_last_error_message());
        return submitted;
    }
    tc_conduits_await(c, *id, -1);
    return r->status;
}

/* What the running command names by its arguments (see tcctl_set_id_kind). */
static const char *id_kind = NULL;

void tcctl_set_id_kind(const char *kind) { id_kind = kind; }

/* What to try next, by status. A 404 means "no such object" only when the
 * command names one by an id; otherwise the server lacks the endpoint. */
static const char *hint_for(tc_status st, char *buf, size_t n) {
    switch (st) {
    case TC_EAUTH:
        return "check the client id and secret (or the app token); 'tcctl token --validate' tests them";
    case TC_ENOCREDENTIALS:
        return "set TWITCH_CLIENT_SECRET or pass --client-secret so a new app token can be fetched";
    case TC_ENOTFOUND:
        if (id_kind == NULL)
            return "the server has no such endpoint: check --api-base (TWITCH_API_BASE) and --auth-base "
                   "(TWITCH_AUTH_BASE)";
        snprintf(buf, n, "check the %s id ('tcctl %s list' shows what exists)", id_kind,
                 strcmp(id_kind, "subscription") == 0 ? "subs" : "conduits");
        return buf;
    case TC_EFORBIDDEN: return "the app token lacks the authorization this call needs";
    case TC_ERATELIMIT: return "wait and retry, or delete what is no longer needed (limits are per client id)";
    case TC_ENETWORK: return "check the network and --api-base/--auth-base, then retry";
    case TC_ETIMEDOUT:
        return "the server did not answer in time: check the network and --api-base/--auth-base, or allow more "
               "with --timeout-s";
    case TC_ETLS: return "check the server certificate, or pass --ca-file with the right CA bundle";
    case TC_ESERVER: return "Twitch had a server error; retry later";
    case TC_EBADREQUEST:
    case TC_EINVAL: return "check the arguments (see --help)";
    case TC_EPARTIAL: return "some items failed: see the per-item results above";
    default: return NULL;
    }
}

static const char *status_name(tc_status st) {
    switch (st) {
    case TC_EAUTH: return "auth";
    case TC_EFORBIDDEN: return "forbidden";
    case TC_ENOTFOUND: return "not_found";
    case TC_ECONFLICT: return "conflict";
    case TC_ERATELIMIT: return "rate_limited";
    case TC_ESERVER: return "server_error";
    case TC_ENETWORK: return "network";
    case TC_ETIMEDOUT: return "timeout";
    case TC_ETLS: return "tls";
    case TC_EBADREQUEST: return "bad_request";
    case TC_EINVAL: return "invalid_argument";
    case TC_EPARTIAL: return "partial";
    case TC_ENOCREDENTIALS: return "missing_credentials";
    default: return "error";
    }
}

int tcctl_fail(const char *what, const tcctl_result *r) {
    char hint_buf[160], http_text[32];
    const char *hint = hint_for(r->status, hint_buf, sizeof hint_buf);
    const char *msg = r->message[0] != '\0' ? r->message : tc_strerror(r->status);
    if (tcctl_json_mode()) {
        tcctl_buf b = {NULL, 0, 0};
        tcctl_buf_addf(&b, "{\"error\":{\"status\":%d,\"name\":", (int)r->status);
        tcctl_buf_json_str(&b, status_name(r->status));
        tcctl_buf_add(&b, ",\"message\":");
        tcctl_buf_json_str(&b, msg);
        tcctl_buf_addf(&b, ",\"http_status\":%d}}", r->http_status);
        tcctl_print_json(b.data);
        tcctl_buf_free(&b);
    }
    snprintf(http_text, sizeof http_text, "HTTP %d", r->http_status);
    /* The status once: the message may say it already ("HTTP 404" when the body had none). */
    if (r->http_status > 0 && strstr(msg, http_text) == NULL)
        tcctl_err("%s%s: %s (%s)%s", tcctl_color("\033[31m"), what, msg, http_text, tcctl_reset());
    else
        tcctl_err("%s%s: %s%s", tcctl_color("\033[31m"), what, msg, tcctl_reset());
    if (hint != NULL) tcctl_err("hint: %s", hint);
    return tcctl_exit_code(r->status);
}
