/* tcctl token [--validate]: what is known about the app access token. */
#define _POSIX_C_SOURCE 200809L

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "tcctl.h"

typedef struct token_out {
    tcctl_result r;
    tc_token *token;
} token_out;

static void on_token(tc_status st, const tc_token *t, void *ud) {
    token_out *o = (token_out *)ud;
    tcctl_result_capture(&o->r, st);
    if (t != NULL) tc_token_dup(&o->token, t);
}

static void print_token(const tc_token *t) {
    const char *headers[] = {"FIELD", "VALUE"};
    tcctl_table *table = tcctl_table_new(2, headers);
    char when[64] = "-", scopes[512] = "";
    int64_t exp = tc_token_expires_at(t);
    size_t k, used = 0;
    const char *row[2];
    if (exp > 0) {
        time_t tt = (time_t)exp;
        struct tm tm;
        long left = (long)(exp - (int64_t)time(NULL));
        gmtime_r(&tt, &tm);
        strftime(when, sizeof when, "%Y-%m-%dT%H:%M:%SZ", &tm);
        snprintf(when + strlen(when), sizeof when - strlen(when), " (in %ldh %ldm)", left / 3600, (left % 3600) / 60);
    }
    for (k = 0; k < tc_token_scope_count(t) && used < sizeof scopes; k++)
        used += (size_t)snprintf(scopes + used, sizeof scopes - used, "%s%s", k ? " " : "", tc_token_scope(t, k));
    row[0] = "client_id", row[1] = tc_token_client_id(t);
    tcctl_table_row(table, row);
    row[0] = "expires_at", row[1] = when;
    tcctl_table_row(table, row);
    row[0] = "validated", row[1] = tc_token_is_validated(t) ? "yes" : "no";
    tcctl_table_row(table, row);
    row[0] = "login", row[1] = tc_token_login(t) != NULL ? tc_token_login(t) : "(app token)";
    tcctl_table_row(table, row);
    row[0] = "scopes", row[1] = scopes;
    tcctl_table_row(table, row);
    tcctl_table_print(table);
    tcctl_table_free(table);
}

typedef struct revoke_out {
    tcctl_result r;
    int http_status;
} revoke_out;

static void on_revoked(tc_status st, const tc_response *resp, void *ud) {
    revoke_out *o = (revoke_out *)ud;
    tcctl_result_capture(&o->r, st);
    o->http_status = resp != NULL ? tc_response_http_status(resp) : 0;
    if (st != TC_OK && resp != NULL) {
        o->r.http_status = o->http_status;
        if (tc_response_message(resp)[0] != '\0')
            snprintf(o->r.message, sizeof o->r.message, "%s", tc_response_message(resp));
    }
}

/* token revoke: the token given with --app-token / TWITCH_APP_TOKEN. */
static int cmd_revoke(const tcctl_globals *g) {
    tcctl_globals only_token = *g;
    tc_conduits *c = NULL;
    tc_op_id id = 0;
    revoke_out o;
    int rc;
    if (g->app_token == NULL)
        return tcctl_usage("token", "revoke needs the token to revoke: set TWITCH_APP_TOKEN or pass --app-token "
                                    "(tcctl does not keep the tokens it fetches)");
    /* Revoke exactly that token: no client secret, so nothing new is fetched. */
    only_token.client_secret = NULL;
    rc = tcctl_client_new(&only_token, 0, &c);
    if (rc != 0) return rc;
    memset(&o, 0, sizeof o);
    if (tcctl_finish(c, tc_token_revoke(&id, c, on_revoked, &o), &id, &o.r) != TC_OK) {
        rc = tcctl_fail("cannot revoke the token", &o.r);
    } else {
        if (tcctl_json_mode()) {
            char doc[64];
            snprintf(doc, sizeof doc, "{\"revoked\":true,\"http_status\":%d}", o.http_status);
            tcctl_print_json(doc);
        } else {
            tcctl_out("%srevoked%s the app token (HTTP %d); it no longer works anywhere\n", tcctl_color("\033[32m"),
                      tcctl_reset(), o.http_status);
        }
        rc = TCCTL_EXIT_OK;
    }
    tc_conduits_free(c);
    return rc;
}

int tcctl_cmd_token(const tcctl_globals *g, int argc, char **argv) {
    tcctl_flag flags[] = {{"--validate", 0, NULL}};
    char *pos[2];
    int npos, rc, validate;
    tc_conduits *c = NULL;
    tc_op_id id = 0;
    token_out o = {{TC_OK, 0, ""}, NULL};
    tc_status st;

    if (tcctl_parse_flags("token", argc, argv, flags, 1, pos, 1, &npos) != 0) return TCCTL_EXIT_USAGE;
    validate = flags[0].value != NULL;
    if (npos == 1) {
        if (strcmp(pos[0], "revoke") == 0) {
            if (validate) return tcctl_usage("token", "revoke does not take --validate");
            return cmd_revoke(g);
        }
        if (strcmp(pos[0], "validate") == 0) validate = 1;
        else if (strcmp(pos[0], "get") != 0)
            return tcctl_usage("token", "unknown subcommand '%.40s' (get, validate, revoke)", pos[0]);
    }
    rc = tcctl_client_new(g, 0, &c);
    if (rc != 0) return rc;
    if (validate)
        st = tcctl_finish(c, tc_token_validate(&id, c, on_token, &o), &id, &o.r);
    else
        st = tcctl_finish(c, tc_token_get(&id, c, 0, on_token, &o), &id, &o.r);
    if (st != TC_OK || o.token == NULL) {
        rc = tcctl_fail(validate ? "token validation failed" : "cannot get an app token", &o.r);
    } else {
        if (tcctl_json_mode()) {
            char *json = NULL;
            if (tc_token_to_json(&json, o.token, 0) == TC_OK) tcctl_print_json(json);
            tc_free(json);
        } else {
            print_token(o.token);
        }
        rc = TCCTL_EXIT_OK;
    }
    tc_token_free(o.token);
    tc_conduits_free(c);
    return rc;
}
