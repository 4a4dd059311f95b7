/* tcctl mock: the bundled mock Twitch server in the foreground until SIGINT/SIGTERM. */
#define _POSIX_C_SOURCE 200809L

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tcctl.h"
#include "tcmock.h"

static int parse_rate(const char *text, double *out) {
    char *end = NULL;
    double d;
    errno = 0;
    d = strtod(text, &end);
    if (errno != 0 || end == text || *end != '\0' || !(d >= 0.0 && d <= 1.0)) return -1;
    *out = d;
    return 0;
}

/* The environment lines that point tcctl (and the library's examples) at
 * this mock, as "NAME=value" pairs. A client secret given by flag is the
 * user's: it is left out (a placeholder says so) rather than printed. */
typedef struct mock_env {
    const char *name;
    const char *value;
} mock_env;

enum { MOCK_ENV_LINES = 5 };

static void mock_env_lines(const tcmock *m, const tcmock_config *cfg, mock_env env[MOCK_ENV_LINES]) {
    const mock_env lines[MOCK_ENV_LINES] = {
        {"TWITCH_API_BASE", tcmock_helix_base(m)},
        {"TWITCH_AUTH_BASE", tcmock_auth_base(m)},
        {"TWITCH_EVENTSUB_WS_URL", tcmock_ws_url(m)},
        {"TWITCH_CLIENT_ID", cfg->client_id != NULL ? cfg->client_id : TCCTL_MOCK_CLIENT_ID},
        {"TWITCH_CLIENT_SECRET", cfg->client_secret != NULL ? NULL : TCCTL_MOCK_CLIENT_SECRET},
    };
    memcpy(env, lines, sizeof lines);
}

/* Prints the lines to paste. The mock's default secret goes out unredacted
 * on purpose: it is a published test value, and it may well be registered
 * as a secret already (TWITCH_CLIENT_SECRET from an earlier paste), which
 * would print "***" where the value must be. */
static void print_mock_env(const mock_env *env, const char *url) {
    size_t k;
    tcctl_out("\n# point tcctl at this mock: paste these lines, or use 'tcctl --mock %s COMMAND'\n", url);
    for (k = 0; k < MOCK_ENV_LINES; k++) {
        if (env[k].value == NULL)
            tcctl_out("export %s='the --client-secret you gave the mock'\n", env[k].name);
        else if (strcmp(env[k].value, TCCTL_MOCK_CLIENT_SECRET) == 0)
            tcctl_print_raw("export TWITCH_CLIENT_SECRET=" TCCTL_MOCK_CLIENT_SECRET "\n");
        else
            tcctl_out("export %s=%s\n", env[k].name, env[k].value);
    }
}

int tcctl_cmd_mock(const tcctl_globals *g, int argc, char **argv) {
    tcctl_flag flags[] = {{"--port", 1, NULL},       {"--page-size", 1, NULL}, {"--max-total-cost", 1, NULL},
                          {"--latency-ms", 1, NULL}, {"--fail-rate", 1, NULL}, {"--ratelimit", 1, NULL},
                          {"--seed", 1, NULL},       {"--allow-http-callbacks", 0, NULL},
                          {"--ws-keepalive-s", 1, NULL},       {"--ws-keepalive-min-s", 1, NULL},
                          {"--ws-ping-interval-ms", 1, NULL},  {"--ws-pong-timeout-ms", 1, NULL},
                          {"--ws-assign-timeout-ms", 1, NULL}, {"--ws-reconnect-grace-ms", 1, NULL}};
    enum { F_PORT, F_PAGE, F_COST, F_LATENCY, F_FAIL, F_RATELIMIT, F_SEED, F_ALLOW_HTTP, F_WS_FIRST, F_N = F_WS_FIRST + 6 };
    /* The WebSocket server's knobs, in the order of the flags above. */
    struct {
        long *field;
        long min, max;
    } ws_knobs[6];
    int i;
    tcmock_config cfg;
    tcmock *m = NULL;
    char *pos[1];
    char err[512], url[256];
    mock_env env[MOCK_ENV_LINES];
    size_t k;
    int npos;
    long v;

    if (tcctl_parse_flags("mock", argc, argv, flags, F_N, pos, 0, &npos) != 0) return TCCTL_EXIT_USAGE;
    tcmock_config_init(&cfg);
    if (flags[F_PORT].value != NULL) {
        if (tcctl_parse_int(flags[F_PORT].value, 0, 65535, &v) != 0)
            return tcctl_usage("mock", "--port needs an integer in 0..65535");
        cfg.port = (unsigned short)v;
    }
    if (flags[F_PAGE].value != NULL) {
        if (tcctl_parse_int(flags[F_PAGE].value, 1, 100000, &v) != 0)
            return tcctl_usage("mock", "--page-size needs an integer in 1..100000");
        cfg.page_size = (int)v;
    }
    if (flags[F_COST].value != NULL) {
        if (tcctl_parse_int(flags[F_COST].value, 0, 1000000000L, &v) != 0)
            return tcctl_usage("mock", "--max-total-cost needs an integer in 0..1000000000");
        cfg.max_total_cost = v;
    }
    if (flags[F_LATENCY].value != NULL) {
        if (tcctl_parse_int(flags[F_LATENCY].value, 0, 600000, &v) != 0)
            return tcctl_usage("mock", "--latency-ms needs an integer in 0..600000");
        cfg.latency_ms = (int)v;
    }
    if (flags[F_FAIL].value != NULL && parse_rate(flags[F_FAIL].value, &cfg.fail_rate) != 0)
        return tcctl_usage("mock", "--fail-rate needs a number in 0..1");
    if (flags[F_RATELIMIT].value != NULL) {
        if (tcctl_parse_int(flags[F_RATELIMIT].value, 1, 1000000000L, &v) != 0)
            return tcctl_usage("mock", "--ratelimit needs an integer in 1..1000000000");
        cfg.ratelimit_limit = (int)v;
    }
    if (flags[F_SEED].value != NULL) {
        if (tcctl_parse_int(flags[F_SEED].value, 0, 2147483647L, &v) != 0)
            return tcctl_usage("mock", "--seed needs a non-negative integer");
        cfg.seed = (unsigned long long)v;
    }
    if (flags[F_ALLOW_HTTP].value != NULL) cfg.allow_http_callbacks = 1;
    ws_knobs[0].field = &cfg.ws_keepalive_s;
    ws_knobs[1].field = &cfg.ws_keepalive_min_s;
    ws_knobs[2].field = &cfg.ws_ping_interval_ms;
    ws_knobs[3].field = &cfg.ws_pong_timeout_ms;
    ws_knobs[4].field = &cfg.ws_assign_timeout_ms;
    ws_knobs[5].field = &cfg.ws_reconnect_grace_ms;
    for (i = 0; i < 6; ++i) {
        ws_knobs[i].min = i < 2 ? 1 : i == 5 ? 1 : 0;
        ws_knobs[i].max = i < 2 ? 600 : 3600000;
    }
    for (i = 0; i < 6; ++i) {
        char why[128];
        const char *text = flags[F_WS_FIRST + i].value;
        if (text == NULL) continue;
        if (tcctl_parse_int(text, ws_knobs[i].min, ws_knobs[i].max, &v) != 0) {
            snprintf(why, sizeof why, "%s needs an integer in %ld..%ld", flags[F_WS_FIRST + i].name, ws_knobs[i].min,
                     ws_knobs[i].max);
            return tcctl_usage("mock", why);
        }
        *ws_knobs[i].field = v;
    }
    /* Only credentials given as flags configure the mock; the environment's are for Twitch. */
    if (g->client_id_from_flag) cfg.client_id = g->client_id;
    if (g->client_secret_from_flag) cfg.client_secret = g->client_secret;

    /* Block the stop signals before the server starts its threads, so that
     * they inherit the mask and only the stop watcher receives them. */
    tcctl_stop_block_signals();
    if (tcctl_stop_signal_fd() < 0) {
        tcctl_err("cannot start the signal thread");
        return TCCTL_EXIT_FAILURE;
    }

    if (tcmock_start(&m, &cfg, err, sizeof err) != 0) {
        tcctl_err("cannot start the mock server: %s", err);
        tcctl_err("pick another --port (0 chooses a free one)");
        return TCCTL_EXIT_FAILURE;
    }
    snprintf(url, sizeof url, "%s", tcmock_auth_base(m));
    if (strlen(url) > strlen("/oauth2")) url[strlen(url) - strlen("/oauth2")] = '\0';
    mock_env_lines(m, &cfg, env);
    if (tcctl_json_mode()) {
        tcctl_buf b = {NULL, 0, 0};
        tcctl_buf_add(&b, "{\"url\":");
        tcctl_buf_json_str(&b, url);
        tcctl_buf_addf(&b, ",\"port\":%u,\"helix_base\":", (unsigned)tcmock_port(m));
        tcctl_buf_json_str(&b, tcmock_helix_base(m));
        tcctl_buf_add(&b, ",\"auth_base\":");
        tcctl_buf_json_str(&b, tcmock_auth_base(m));
        tcctl_buf_add(&b, ",\"ws_url\":");
        tcctl_buf_json_str(&b, tcmock_ws_url(m));
        tcctl_buf_add(&b, ",\"env\":{");
        for (k = 0; k < MOCK_ENV_LINES; k++) {
            if (env[k].value == NULL) continue;
            tcctl_buf_addf(&b, "%s\"%s\":", k > 0 ? "," : "", env[k].name);
            tcctl_buf_json_str(&b, env[k].value);
        }
        tcctl_buf_add(&b, "}}\n");
        tcctl_print_raw(b.data); /* unredacted, as print_mock_env explains */
        tcctl_buf_free(&b);
    } else {
        tcctl_out("tc-mock listening on %s\n", url);
        tcctl_out("helix base: %s\nauth base: %s\nwebsocket: %s\n", tcmock_helix_base(m), tcmock_auth_base(m),
                  tcmock_ws_url(m));
        print_mock_env(env, url);
    }
    tcctl_stop_wait_signal();
    tcmock_stop(m);
    return TCCTL_EXIT_OK;
}
