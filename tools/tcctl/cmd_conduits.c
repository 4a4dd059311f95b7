/* tcctl conduits list | create N | resize ID N | delete ID */
#include <stdio.h>
#include <string.h>

#include "tcctl.h"

typedef struct conduit_out {
    tcctl_result r;
    tc_conduit *conduit;
    tc_conduit_list *list;
} conduit_out;

static void on_conduit(tc_status st, const tc_conduit *c, void *ud) {
    conduit_out *o = (conduit_out *)ud;
    tcctl_result_capture(&o->r, st);
    if (c != NULL) tc_conduit_dup(&o->conduit, c);
}

static void on_list(tc_status st, const tc_conduit_list *l, void *ud) {
    conduit_out *o = (conduit_out *)ud;
    tcctl_result_capture(&o->r, st);
    if (l != NULL) tc_conduit_list_dup(&o->list, l);
}

static void on_response(tc_status st, const tc_response *resp, void *ud) {
    conduit_out *o = (conduit_out *)ud;
    tcctl_result_capture(&o->r, st);
    if (st != TC_OK && resp != NULL) {
        o->r.http_status = tc_response_http_status(resp);
        if (tc_response_message(resp)[0] != '\0')
            snprintf(o->r.message, sizeof o->r.message, "%s", tc_response_message(resp));
    }
}

static const char *const conduit_headers[] = {"ID", "SHARDS"};

static void add_conduit_row(tcctl_table *t, const tc_conduit *c) {
    char shards[32];
    const char *row[2];
    snprintf(shards, sizeof shards, "%d", tc_conduit_shard_count(c));
    row[0] = tc_conduit_id(c);
    row[1] = shards;
    tcctl_table_row(t, row);
}

/* {"conduit":{...}} or a one-row table. */
static void print_conduit(const char *verb, const tc_conduit *c) {
    if (tcctl_json_mode()) {
        char *json = NULL;
        tcctl_buf b = {NULL, 0, 0};
        tc_conduit_to_json(&json, c);
        tcctl_buf_addf(&b, "{\"conduit\":%s}", json != NULL ? json : "null");
        tcctl_print_json(b.data);
        tcctl_buf_free(&b);
        tc_free(json);
    } else {
        tcctl_table *t = tcctl_table_new(2, conduit_headers);
        tcctl_out("%s%s%s conduit %s\n", tcctl_color("\033[32m"), verb, tcctl_reset(), tc_conduit_id(c));
        add_conduit_row(t, c);
        tcctl_table_print(t);
        tcctl_table_free(t);
    }
}

static int parse_shard_count(const char *text, long *out) {
    if (tcctl_parse_int(text, 1, 20000, out) != 0) {
        tcctl_usage("conduits", "shard count must be an integer in 1..20000");
        return -1;
    }
    return 0;
}

int tcctl_cmd_conduits(const tcctl_globals *g, int argc, char **argv) {
    char *pos[4];
    int npos, rc;
    const char *sub;
    tc_conduits *c = NULL;
    tc_op_id id = 0;
    conduit_out o;
    long n = 0;

    memset(&o, 0, sizeof o);
    if (tcctl_parse_flags("conduits", argc, argv, NULL, 0, pos, 4, &npos) != 0) return TCCTL_EXIT_USAGE;
    if (npos == 0) return tcctl_usage("conduits", "missing subcommand (list, create, resize, delete)");
    sub = pos[0];
    if (strcmp(sub, "list") == 0) {
        if (npos != 1) return tcctl_usage("conduits", "list takes no arguments");
    } else if (strcmp(sub, "create") == 0) {
        if (npos != 2) return tcctl_usage("conduits", "usage: conduits create SHARD_COUNT");
        if (parse_shard_count(pos[1], &n) != 0) return TCCTL_EXIT_USAGE;
    } else if (strcmp(sub, "resize") == 0) {
        if (npos != 3) return tcctl_usage("conduits", "usage: conduits resize CONDUIT_ID SHARD_COUNT");
        if (parse_shard_count(pos[2], &n) != 0) return TCCTL_EXIT_USAGE;
    } else if (strcmp(sub, "delete") == 0) {
        if (npos != 2) return tcctl_usage("conduits", "usage: conduits delete CONDUIT_ID");
    } else {
        return tcctl_usage("conduits", "unknown subcommand '%.40s' (list, create, resize, delete)", sub);
    }

    if (strcmp(sub, "resize") == 0 || strcmp(sub, "delete") == 0) tcctl_set_id_kind("conduit");
    rc = tcctl_client_new(g, 0, &c);
    if (rc != 0) return rc;

    if (strcmp(sub, "list") == 0) {
        if (tcctl_finish(c, tc_conduits_list(&id, c, on_list, &o), &id, &o.r) != TC_OK || o.list == NULL) {
            rc = tcctl_fail("cannot list conduits", &o.r);
        } else if (tcctl_json_mode()) {
            char *json = NULL;
            tcctl_buf b = {NULL, 0, 0};
            tc_conduit_list_to_json(&json, o.list);
            tcctl_buf_addf(&b, "{\"conduits\":%s}", json != NULL ? json : "[]");
            tcctl_print_json(b.data);
            tcctl_buf_free(&b);
            tc_free(json);
        } else {
            tcctl_table *t = tcctl_table_new(2, conduit_headers);
            size_t k;
            for (k = 0; k < tc_conduit_list_count(o.list); k++) add_conduit_row(t, tc_conduit_list_get(o.list, k));
            if (tcctl_table_rows(t) == 0)
                tcctl_out("no conduits (create one with 'tcctl conduits create N')\n");
            else
                tcctl_table_print(t);
            tcctl_table_free(t);
        }
    } else if (strcmp(sub, "create") == 0) {
        if (tcctl_finish(c, tc_conduit_create(&id, c, (int)n, on_conduit, &o), &id, &o.r) != TC_OK ||
            o.conduit == NULL)
            rc = tcctl_fail("cannot create the conduit", &o.r);
        else
            print_conduit("created", o.conduit);
    } else if (strcmp(sub, "resize") == 0) {
        if (tcctl_finish(c, tc_conduit_update(&id, c, pos[1], (int)n, on_conduit, &o), &id, &o.r) != TC_OK ||
            o.conduit == NULL)
            rc = tcctl_fail("cannot resize the conduit", &o.r);
        else
            print_conduit("resized", o.conduit);
    } else {
        if (tcctl_finish(c, tc_conduit_delete(&id, c, pos[1], on_response, &o), &id, &o.r) != TC_OK) {
            rc = tcctl_fail("cannot delete the conduit", &o.r);
        } else if (tcctl_json_mode()) {
            tcctl_buf b = {NULL, 0, 0};
            tcctl_buf_add(&b, "{\"deleted\":");
            tcctl_buf_json_str(&b, pos[1]);
            tcctl_buf_add(&b, "}");
            tcctl_print_json(b.data);
            tcctl_buf_free(&b);
        } else {
            tcctl_out("%sdeleted%s conduit %s\n", tcctl_color("\033[32m"), tcctl_reset(), pos[1]);
        }
    }
    if (rc == 0 && o.r.status != TC_OK) rc = tcctl_exit_code(o.r.status);
    tc_conduit_free(o.conduit);
    tc_conduit_list_free(o.list);
    tc_conduits_free(c);
    return rc;
}
