/* tcctl: global flags (anywhere before `--`) and per-command flags. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tcctl.h"

static const char *env_value(const char *name) {
    const char *v = getenv(name);
    return v != NULL && v[0] != '\0' ? v : NULL;
}

/* Matches "--name" or "--name=value"; *inline_value gets the part after '='. */
static int flag_matches(const char *arg, const char *name, const char **inline_value) {
    size_t n = strlen(name);
    if (strncmp(arg, name, n) != 0) return 0;
    if (arg[n] == '\0') {
        *inline_value = NULL;
        return 1;
    }
    if (arg[n] == '=') {
        *inline_value = arg + n + 1;
        return 1;
    }
    return 0;
}

/* The text of the global --timeout-s, handed to commands that list it too. */
static const char *global_timeout_text = NULL;

/* A numeric global option's value ("--name N" or "--name=N") in [min, max];
 * advances *in past it. -1 after printing a usage error. */
static int numeric_global(int argc, char **argv, int *in, const char *name, const char *inline_value, long min,
                          long max, long *out, const char **text) {
    const char *value = inline_value != NULL ? inline_value : (*in + 1 < argc ? argv[*in + 1] : NULL);
    if (value == NULL || tcctl_parse_int(value, min, max, out) != 0) {
        tcctl_err("%s needs an integer in %ld..%ld (see tcctl --help)", name, min, max);
        return -1;
    }
    *in += inline_value != NULL ? 1 : 2;
    if (text != NULL) *text = value;
    return 0;
}

/* --mock URL: Helix, OAuth and WebSocket URLs below URL, and the mock's
 * default credentials (an app token from the environment is ignored);
 * flags given explicitly still win. Runs before the environment is read. */
static int apply_mock(tcctl_globals *g) {
    static char api[512], auth[512], ws[512];
    const char *url = g->mock_url, *scheme_end;
    size_t len = strlen(url);
    int https = strncmp(url, "https://", 8) == 0;
    if (!https && strncmp(url, "http://", 7) != 0) {
        tcctl_err("--mock needs the mock's http:// or https:// URL (the first line of 'tcctl mock')");
        return -1;
    }
    while (len > 0 && url[len - 1] == '/') len--;
    scheme_end = url + (https ? 8 : 7);
    if (len + 16 > sizeof api || url + len <= scheme_end) {
        tcctl_err("--mock needs the mock's http:// or https:// URL (the first line of 'tcctl mock')");
        return -1;
    }
    snprintf(api, sizeof api, "%.*s/helix", (int)len, url);
    snprintf(auth, sizeof auth, "%.*s/oauth2", (int)len, url);
    snprintf(ws, sizeof ws, "%s%.*s/ws", https ? "wss://" : "ws://", (int)(url + len - scheme_end), scheme_end);
    if (g->api_base == NULL) g->api_base = api;
    if (g->auth_base == NULL) g->auth_base = auth;
    if (g->ws_url == NULL) g->ws_url = ws;
    if (!g->client_id_from_flag) g->client_id = TCCTL_MOCK_CLIENT_ID;
    if (!g->client_secret_from_flag) g->client_secret = TCCTL_MOCK_CLIENT_SECRET;
    return 0;
}

int tcctl_parse_globals(int argc, char **argv, tcctl_globals *g) {
    static const struct {
        const char *name;
        size_t offset;
    } valued[] = {
        {"--api-base", offsetof(tcctl_globals, api_base)},
        {"--auth-base", offsetof(tcctl_globals, auth_base)},
        {"--client-id", offsetof(tcctl_globals, client_id)},
        {"--client-secret", offsetof(tcctl_globals, client_secret)},
        {"--app-token", offsetof(tcctl_globals, app_token)},
        {"--ca-file", offsetof(tcctl_globals, ca_file)},
        {"--ws-url", offsetof(tcctl_globals, ws_url)},
        {"--mock", offsetof(tcctl_globals, mock_url)},
    };
    int in = 1, out = 1, after_dashdash = 0;
    memset(g, 0, sizeof *g);
    while (in < argc) {
        const char *arg = argv[in];
        const char *inline_value = NULL;
        size_t k;
        int matched = 0;
        if (after_dashdash) {
            argv[out++] = argv[in++];
            continue;
        }
        if (strcmp(arg, "--") == 0) {
            after_dashdash = 1;
            argv[out++] = argv[in++];
            continue;
        }
        if (strcmp(arg, "--json") == 0) {
            g->json = 1;
            in++;
            continue;
        }
        if (strcmp(arg, "--help") == 0 || strcmp(arg, "-h") == 0) {
            g->help = 1;
            in++;
            continue;
        }
        if (flag_matches(arg, "--concurrency", &inline_value)) {
            if (numeric_global(argc, argv, &in, "--concurrency", inline_value, 1, 1000, &g->concurrency, NULL) != 0)
                return -1;
            continue;
        }
        if (flag_matches(arg, "--timeout-s", &inline_value)) {
            if (numeric_global(argc, argv, &in, "--timeout-s", inline_value, 1, 31536000L, &g->timeout_s,
                               &global_timeout_text) != 0)
                return -1;
            continue;
        }
        for (k = 0; k < sizeof valued / sizeof valued[0]; k++) {
            if (flag_matches(arg, valued[k].name, &inline_value)) {
                const char *value = inline_value;
                if (value == NULL) {
                    if (in + 1 >= argc) {
                        tcctl_err("%s needs a value (see tcctl --help)", valued[k].name);
                        return -1;
                    }
                    value = argv[in + 1];
                    in++;
                }
                in++;
                *(const char **)((char *)g + valued[k].offset) = value;
                if (strcmp(valued[k].name, "--client-id") == 0) g->client_id_from_flag = 1;
                if (strcmp(valued[k].name, "--client-secret") == 0) g->client_secret_from_flag = 1;
                matched = 1;
                break;
            }
        }
        if (!matched) argv[out++] = argv[in++];
    }
    argv[out] = NULL;
    /* --mock before the environment, which usually holds the real Twitch settings. */
    if (g->mock_url != NULL && apply_mock(g) != 0) return -1;
    if (g->client_id == NULL) g->client_id = env_value("TWITCH_CLIENT_ID");
    if (g->client_secret == NULL) g->client_secret = env_value("TWITCH_CLIENT_SECRET");
    if (g->app_token == NULL && g->mock_url == NULL) g->app_token = env_value("TWITCH_APP_TOKEN");
    if (g->api_base == NULL) g->api_base = env_value("TWITCH_API_BASE");
    if (g->auth_base == NULL) g->auth_base = env_value("TWITCH_AUTH_BASE");
    if (g->ws_url == NULL) g->ws_url = env_value("TWITCH_EVENTSUB_WS_URL");
    if (g->client_secret != NULL && g->client_secret[0] == '\0') g->client_secret = NULL;
    if (g->app_token != NULL && g->app_token[0] == '\0') g->app_token = NULL;
    return out;
}

int tcctl_parse_flags(const char *cmd, int argc, char **argv, tcctl_flag *flags, size_t n, char **pos,
                      int max_pos, int *npos) {
    int i, only_positional = 0;
    size_t k;
    *npos = 0;
    for (k = 0; k < n; k++) flags[k].value = NULL;
    for (i = 0; i < argc; i++) {
        const char *arg = argv[i];
        if (!only_positional && strcmp(arg, "--") == 0) {
            only_positional = 1;
            continue;
        }
        if (!only_positional && arg[0] == '-' && arg[1] != '\0') {
            const char *inline_value = NULL;
            int matched = 0;
            for (k = 0; k < n; k++) {
                if (!flag_matches(arg, flags[k].name, &inline_value)) continue;
                matched = 1;
                if (!flags[k].takes_value) {
                    if (inline_value != NULL) {
                        tcctl_usage(cmd, "%s takes no value", flags[k].name);
                        return -1;
                    }
                    flags[k].value = "1";
                } else if (inline_value != NULL) {
                    flags[k].value = inline_value;
                } else if (i + 1 < argc) {
                    flags[k].value = argv[++i];
                } else {
                    tcctl_usage(cmd, "%s needs a value", flags[k].name);
                    return -1;
                }
                break;
            }
            if (!matched) {
                /* Print only the flag's name: a mistyped secret flag's value must not leak. */
                char name[64];
                size_t len = strcspn(arg, "=");
                if (len >= sizeof name) len = sizeof name - 1;
                memcpy(name, arg, len);
                name[len] = '\0';
                tcctl_usage(cmd, "unknown option %s", name);
                return -1;
            }
            continue;
        }
        if (*npos >= max_pos) {
            tcctl_usage(cmd, "too many arguments");
            return -1;
        }
        pos[(*npos)++] = argv[i];
    }
    for (k = 0; k < n; k++)
        if (flags[k].value == NULL && strcmp(flags[k].name, "--timeout-s") == 0) flags[k].value = global_timeout_text;
    return 0;
}

int tcctl_parse_int(const char *text, long min, long max, long *out) {
    char *end = NULL;
    long v;
    if (text == NULL || text[0] < '0' || text[0] > '9') return -1;
    errno = 0;
    v = strtol(text, &end, 10);
    if (errno != 0 || end == text || *end != '\0' || v < min || v > max) return -1;
    *out = v;
    return 0;
}
