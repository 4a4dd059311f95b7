/* tcctl shards list ID [--status S] | assign ID SHARD... (--webhook URL --secret S | --session ID)
 *             | create ID --webhook URL [--route KEY] | remove ID SHARD [--webhook URL --secret S]
 *             | run ID [SHARD...] (cmd_run.c) */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tcctl.h"

#define MAX_SHARDS 256

typedef struct shard_out {
    tcctl_result r;
    tc_shard_list *list;
    tc_shard_update_result *update;
    char *created_json; /* tc_shard_create: the shard with its new secret */
    char created_id[16];
    char created_callback[512];
    int shard_count;    /* tc_shard_remove: the conduit's new size */
} shard_out;

static void on_list(tc_status st, const tc_shard_list *l, void *ud) {
    shard_out *o = (shard_out *)ud;
    tcctl_result_capture(&o->r, st);
    if (l != NULL) tc_shard_list_dup(&o->list, l);
}

static void on_shard(tc_status st, const tc_shard *sh, void *ud) {
    shard_out *o = (shard_out *)ud;
    tcctl_result_capture(&o->r, st);
    if (sh != NULL) {
        const tc_transport *tr = tc_shard_transport(sh);
        char *json = NULL;
        if (tc_shard_to_json(&json, sh, 1) == TC_OK) {
            o->created_json = json;
            snprintf(o->created_id, sizeof o->created_id, "%s", tc_shard_id(sh));
            snprintf(o->created_callback, sizeof o->created_callback, "%s", tc_transport_callback(tr));
        }
    }
}

static void on_conduit(tc_status st, const tc_conduit *cd, void *ud) {
    shard_out *o = (shard_out *)ud;
    tcctl_result_capture(&o->r, st);
    if (cd != NULL) o->shard_count = tc_conduit_shard_count(cd);
}

static void on_update(tc_status st, const tc_shard_update_result *res, void *ud) {
    shard_out *o = (shard_out *)ud;
    tcctl_result_capture(&o->r, st);
    if (res != NULL) tc_shard_update_result_dup(&o->update, res);
}

/* Prints {"conduit_id":ID, ...rest of the object json...}. */
static void print_with_conduit(const char *conduit_id, const char *key, const char *json) {
    tcctl_buf b = {NULL, 0, 0};
    tcctl_buf_add(&b, "{\"conduit_id\":");
    tcctl_buf_json_str(&b, conduit_id);
    if (key != NULL) {
        tcctl_buf_addf(&b, ",\"%s\":%s}", key, json);
    } else if (json[0] == '{' && json[1] != '}') {
        tcctl_buf_add(&b, ",");
        tcctl_buf_add(&b, json + 1);
    } else {
        tcctl_buf_add(&b, "}");
    }
    tcctl_print_json(b.data);
    tcctl_buf_free(&b);
}

static void transport_cells(const tc_transport *tr, const char **method, const char **target) {
    *method = tr != NULL ? tc_transport_method_name(tr) : NULL;
    *target = NULL;
    if (tr == NULL) return;
    if (tc_transport_callback(tr) != NULL) *target = tc_transport_callback(tr);
    else if (tc_transport_session_id(tr) != NULL) *target = tc_transport_session_id(tr);
}

static int cmd_list(tc_conduits *c, const char *conduit_id, const char *status) {
    shard_out o;
    tc_op_id id = 0;
    int rc = 0;
    memset(&o, 0, sizeof o);
    if (tcctl_finish(c, tc_shards_list(&id, c, conduit_id, status, on_list, &o), &id, &o.r) != TC_OK ||
        o.list == NULL)
        return tcctl_fail("cannot list the shards", &o.r);
    if (tcctl_json_mode()) {
        char *json = NULL;
        tc_shard_list_to_json(&json, o.list);
        print_with_conduit(conduit_id, "shards", json != NULL ? json : "[]");
        tc_free(json);
    } else {
        static const char *const headers[] = {"ID", "STATUS", "METHOD", "CALLBACK/SESSION"};
        tcctl_table *t = tcctl_table_new(4, headers);
        size_t k;
        for (k = 0; k < tc_shard_list_count(o.list); k++) {
            const tc_shard *s = tc_shard_list_get(o.list, k);
            const char *row[4];
            row[0] = tc_shard_id(s);
            row[1] = tc_shard_status(s);
            transport_cells(tc_shard_transport(s), &row[2], &row[3]);
            tcctl_table_row(t, row);
        }
        if (tcctl_table_rows(t) == 0)
            tcctl_out("no shard of %s has a transport (assign one with 'tcctl shards assign')\n", conduit_id);
        else
            tcctl_table_print(t);
        tcctl_table_free(t);
    }
    tc_shard_list_free(o.list);
    return rc;
}

static int cmd_assign(tc_conduits *c, const char *conduit_id, char **shards, int count, const tc_transport *tr) {
    tc_shard_assignment items[MAX_SHARDS];
    shard_out o;
    tc_op_id id = 0;
    int k, rc;
    memset(&o, 0, sizeof o);
    for (k = 0; k < count; k++) {
        items[k].shard_id = shards[k];
        items[k].transport = tr;
    }
    tcctl_finish(c, tc_shard_update(&id, c, conduit_id, items, (size_t)count, on_update, &o), &id, &o.r);
    if (o.update == NULL) {
        rc = tcctl_fail("cannot assign the shards", &o.r);
        return o.r.status == TC_EINVAL ? TCCTL_EXIT_USAGE : rc;
    }
    if (tcctl_json_mode()) {
        char *json = NULL;
        tc_shard_update_result_to_json(&json, o.update);
        print_with_conduit(conduit_id, NULL, json != NULL ? json : "{}");
        tc_free(json);
    } else {
        static const char *const headers[] = {"SHARD", "RESULT", "STATUS", "MESSAGE"};
        tcctl_table *t = tcctl_table_new(4, headers);
        size_t i;
        for (i = 0; i < tc_shard_update_result_count(o.update); i++) {
            const tc_shard *s = tc_shard_update_result_shard(o.update, i);
            const char *row[4];
            row[0] = tc_shard_update_result_shard_id(o.update, i);
            row[1] = tc_shard_update_result_status(o.update, i) == TC_OK ? "assigned" : "failed";
            row[2] = s != NULL ? tc_shard_status(s) : NULL;
            row[3] = tc_shard_update_result_message(o.update, i);
            tcctl_table_row(t, row);
        }
        tcctl_table_print(t);
        tcctl_table_free(t);
    }
    if (o.r.status == TC_EPARTIAL)
        tcctl_err("%zu of %zu shards were not assigned; see MESSAGE, fix and re-run for those shards",
                  tc_shard_update_result_failed(o.update), tc_shard_update_result_count(o.update));
    else if (o.r.status != TC_OK)
        tcctl_err("shard assignment failed: %s", o.r.message);
    tc_shard_update_result_free(o.update);
    return tcctl_exit_code(o.r.status);
}

/* create_shard: the secret is generated by the library and shown here once. */
static int cmd_create(tc_conduits *c, const char *conduit_id, const char *callback, const char *route) {
    shard_out o;
    tc_op_id id = 0;
    memset(&o, 0, sizeof o);
    if (tcctl_finish(c, tc_shard_create(&id, c, conduit_id, callback, route, on_shard, &o), &id, &o.r) != TC_OK ||
        o.created_json == NULL) {
        int rc = tcctl_fail("cannot create a shard", &o.r);
        return o.r.status == TC_EINVAL ? TCCTL_EXIT_USAGE : rc;
    }
    if (tcctl_json_mode()) {
        print_with_conduit(conduit_id, "shard", o.created_json);
    } else {
        tcctl_out("shard %s of %s -> %s\n", o.created_id, conduit_id, o.created_callback);
        tcctl_out("its signing secret is only in the --json output: run with --json and store it now\n");
    }
    tc_free(o.created_json);
    return TCCTL_EXIT_OK;
}

static int cmd_remove(tc_conduits *c, const char *conduit_id, const char *shard, const tc_transport *last) {
    shard_out o;
    tc_op_id id = 0;
    memset(&o, 0, sizeof o);
    if (tcctl_finish(c, tc_shard_remove(&id, c, conduit_id, shard, last, on_conduit, &o), &id, &o.r) != TC_OK) {
        int rc = tcctl_fail("cannot remove the shard", &o.r);
        return o.r.status == TC_EINVAL ? TCCTL_EXIT_USAGE : rc;
    }
    if (tcctl_json_mode()) {
        tcctl_buf b = {NULL, 0, 0};
        tcctl_buf_add(&b, "{\"conduit_id\":");
        tcctl_buf_json_str(&b, conduit_id);
        tcctl_buf_addf(&b, ",\"removed\":");
        tcctl_buf_json_str(&b, shard);
        tcctl_buf_addf(&b, ",\"shard_count\":%d}", o.shard_count);
        tcctl_print_json(b.data);
        tcctl_buf_free(&b);
    } else {
        tcctl_out("removed shard %s: %s now has %d shards\n", shard, conduit_id, o.shard_count);
    }
    return TCCTL_EXIT_OK;
}

int tcctl_cmd_shards(const tcctl_globals *g, int argc, char **argv) {
    tcctl_flag flags[] = {{"--status", 1, NULL},   {"--webhook", 1, NULL},
                          {"--secret", 1, NULL},   {"--session", 1, NULL},
                          {"--allow-http-callbacks", 0, NULL}, {"--route", 1, NULL}};
    enum { F_STATUS, F_WEBHOOK, F_SECRET, F_SESSION, F_ALLOW_HTTP, F_ROUTE };
    char *pos[MAX_SHARDS + 2];
    int npos, rc;
    tc_conduits *c = NULL;
    tc_transport *tr = NULL;
    const char *sub, *secret;

    tcctl_set_id_kind("conduit"); /* every subcommand acts on CONDUIT_ID */
    if (argc > 0 && strcmp(argv[0], "run") == 0) return tcctl_cmd_shards_run(g, argc - 1, argv + 1);
    if (argc > 0 && strcmp(argv[0], "owners") == 0) return tcctl_cmd_shards_owners(g, argc - 1, argv + 1);
    if (tcctl_parse_flags("shards", argc, argv, flags, sizeof flags / sizeof flags[0], pos, MAX_SHARDS + 2, &npos) != 0)
        return TCCTL_EXIT_USAGE;
    secret = flags[F_SECRET].value != NULL ? flags[F_SECRET].value : getenv("TWITCH_WEBHOOK_SECRET");
    if (secret != NULL && secret[0] == '\0') secret = NULL;
    tcctl_add_secret(secret);
    if (npos == 0) return tcctl_usage("shards", "missing subcommand (list, assign, create, remove, run)");
    if (flags[F_ROUTE].value != NULL && strcmp(pos[0], "create") != 0)
        return tcctl_usage("shards", "--route goes with create only");
    sub = pos[0];
    if (strcmp(sub, "list") == 0) {
        if (npos != 2) return tcctl_usage("shards", "usage: shards list CONDUIT_ID [--status STATUS]");
        if (flags[F_WEBHOOK].value || flags[F_SECRET].value || flags[F_SESSION].value || flags[F_ALLOW_HTTP].value)
            return tcctl_usage("shards", "list takes only --status");
        rc = tcctl_client_new(g, 0, &c);
        if (rc != 0) return rc;
        rc = cmd_list(c, pos[1], flags[F_STATUS].value);
    } else if (strcmp(sub, "assign") == 0) {
        tc_status st;
        if (npos < 3) return tcctl_usage("shards", "usage: shards assign CONDUIT_ID SHARD... (--webhook URL | --session ID)");
        if (flags[F_STATUS].value) return tcctl_usage("shards", "assign does not take --status");
        if ((flags[F_WEBHOOK].value != NULL) == (flags[F_SESSION].value != NULL))
            return tcctl_usage("shards", "assign needs exactly one of --webhook URL or --session ID");
        if (flags[F_WEBHOOK].value != NULL) {
            if (secret == NULL)
                return tcctl_usage("shards", "--webhook needs a signing secret: pass --secret or set TWITCH_WEBHOOK_SECRET");
            st = tc_transport_webhook_new(&tr, flags[F_WEBHOOK].value, secret);
        } else {
            if (flags[F_SECRET].value != NULL) return tcctl_usage("shards", "--secret goes with --webhook only");
            st = tc_transport_websocket_new(&tr, flags[F_SESSION].value);
        }
        if (st != TC_OK) return tcctl_usage("shards", "%s", tc_last_error_message());
        rc = tcctl_client_new(g, flags[F_ALLOW_HTTP].value ? TC_CONDUITS_F_ALLOW_HTTP_CALLBACKS : 0u, &c);
        if (rc == 0) rc = cmd_assign(c, pos[1], pos + 2, npos - 2, tr);
    } else if (strcmp(sub, "create") == 0) {
        if (npos != 2) return tcctl_usage("shards", "usage: shards create CONDUIT_ID --webhook URL [--route KEY]");
        if (flags[F_WEBHOOK].value == NULL) return tcctl_usage("shards", "create needs --webhook URL");
        if (flags[F_SECRET].value || flags[F_SESSION].value || flags[F_STATUS].value)
            return tcctl_usage("shards", "create takes only --webhook, --route and --allow-http-callbacks");
        rc = tcctl_client_new(g, flags[F_ALLOW_HTTP].value ? TC_CONDUITS_F_ALLOW_HTTP_CALLBACKS : 0u, &c);
        if (rc == 0) rc = cmd_create(c, pos[1], flags[F_WEBHOOK].value, flags[F_ROUTE].value);
    } else if (strcmp(sub, "remove") == 0) {
        if (npos != 3) return tcctl_usage("shards", "usage: shards remove CONDUIT_ID SHARD [--webhook URL --secret S]");
        if (flags[F_STATUS].value || flags[F_SESSION].value)
            return tcctl_usage("shards", "remove takes only --webhook and --secret (the last shard's, when it is a webhook)");
        if (flags[F_WEBHOOK].value != NULL) {
            if (secret == NULL) return tcctl_usage("shards", "--webhook needs the last shard's --secret");
            if (tc_transport_webhook_new(&tr, flags[F_WEBHOOK].value, secret) != TC_OK)
                return tcctl_usage("shards", "%s", tc_last_error_message());
        }
        rc = tcctl_client_new(g, 0u, &c);
        if (rc == 0) rc = cmd_remove(c, pos[1], pos[2], tr);
    } else {
        return tcctl_usage("shards", "unknown subcommand '%.40s' (list, assign, create, remove, run)", sub);
    }
    tc_transport_free(tr);
    tc_conduits_free(c);
    return rc;
}
