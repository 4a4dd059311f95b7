/* tcctl subs list | create | delete | cleanup | reconcile */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "tcctl.h"

/* ---- shared by the batch commands ---- */

typedef struct batch_out {
    tcctl_result r;
    tc_subscription_batch *batch;
} batch_out;

static void on_batch(tc_status st, const tc_subscription_batch *b, void *ud) {
    batch_out *o = (batch_out *)ud;
    tcctl_result_capture(&o->r, st);
    if (b != NULL) tc_subscription_batch_dup(&o->batch, b);
}

/* The library's name of an outcome ("over_budget", ...), never NULL. */
static const char *outcome_name(tc_item_outcome o) {
    const char *name = tc_item_outcome_name(o);
    return name != NULL ? name : "unknown";
}

static const char *outcome_color(tc_item_outcome o) {
    switch (o) {
    case TC_ITEM_FAILED:
    case TC_ITEM_OVER_BUDGET: return "\033[31m";
    case TC_ITEM_CREATED:
    case TC_ITEM_DELETED: return "\033[32m";
    default: return "";
    }
}

/* Runs a submitted batch to completion, prints it, returns the exit code. */
static int finish_batch(tc_conduits *c, tc_status submitted, const tc_op_id *id, batch_out *o,
                        tcctl_progress *progress, const char *what) {
    size_t k;
    static const tc_item_outcome order[] = {TC_ITEM_CREATED,   TC_ITEM_EXISTED,   TC_ITEM_DELETED,
                                            TC_ITEM_GONE,      TC_ITEM_TO_CREATE, TC_ITEM_TO_DELETE,
                                            TC_ITEM_FAILED,    TC_ITEM_OVER_BUDGET, TC_ITEM_CANCELED};
    tcctl_finish(c, submitted, id, &o->r);
    tcctl_progress_end(progress);
    if (o->batch == NULL) {
        int rc = tcctl_fail(what, &o->r);
        return o->r.status == TC_EINVAL && submitted != TC_OK ? TCCTL_EXIT_USAGE : rc;
    }
    if (tcctl_json_mode()) {
        char *json = NULL;
        tc_subscription_batch_to_json(&json, o->batch);
        tcctl_print_json(json != NULL ? json : "{}");
        tc_free(json);
    } else {
        static const char *const headers[] = {"#", "OUTCOME", "SUBSCRIPTION", "TYPE", "STATUS", "MESSAGE"};
        tcctl_table *t = tcctl_table_new(6, headers);
        tcctl_buf summary = {NULL, 0, 0};
        for (k = 0; k < tc_subscription_batch_count(o->batch); k++) {
            const tc_subscription *s = tc_subscription_batch_subscription(o->batch, k);
            tc_item_outcome oc = tc_subscription_batch_outcome(o->batch, k);
            char idx[24], outcome[64];
            const char *row[6];
            snprintf(idx, sizeof idx, "%zu", k);
            snprintf(outcome, sizeof outcome, "%s%s%s", tcctl_color(outcome_color(oc)), outcome_name(oc),
                     outcome_color(oc)[0] != '\0' ? tcctl_reset() : "");
            row[0] = idx;
            row[1] = outcome;
            row[2] = s != NULL ? tc_subscription_id(s) : NULL;
            row[3] = s != NULL ? tc_subscription_type(s) : NULL;
            row[4] = s != NULL ? tc_subscription_status(s) : NULL;
            row[5] = tc_subscription_batch_message(o->batch, k);
            tcctl_table_row(t, row);
        }
        if (tcctl_table_rows(t) > 0) tcctl_table_print(t);
        tcctl_table_free(t);
        for (k = 0; k < sizeof order / sizeof order[0]; k++) {
            size_t n = tc_subscription_batch_tally(o->batch, order[k]);
            if (n > 0) tcctl_buf_addf(&summary, "%s%zu %s", summary.len ? ", " : "", n, outcome_name(order[k]));
        }
        if (summary.len == 0) tcctl_buf_add(&summary, "nothing to do");
        if (tc_subscription_batch_total_cost(o->batch) >= 0)
            tcctl_buf_addf(&summary, "; cost %lld of %lld", (long long)tc_subscription_batch_total_cost(o->batch),
                           (long long)tc_subscription_batch_max_total_cost(o->batch));
        tcctl_out("%s\n", summary.data);
        tcctl_buf_free(&summary);
    }
    if (o->r.status == TC_EPARTIAL)
        tcctl_err("%zu item(s) failed; see MESSAGE (re-running is safe: existing subscriptions are adopted)",
                  tc_subscription_batch_tally(o->batch, TC_ITEM_FAILED) +
                      tc_subscription_batch_tally(o->batch, TC_ITEM_OVER_BUDGET) +
                      tc_subscription_batch_tally(o->batch, TC_ITEM_CANCELED));
    else if (o->r.status != TC_OK)
        tcctl_err("%s: %s", what, o->r.message);
    tc_subscription_batch_free(o->batch);
    return tcctl_exit_code(o->r.status);
}

static void batch_options(tc_batch_options *bo, tcctl_progress *p, const char *label) {
    tcctl_progress_start(p, label);
    if (p->active) {
        bo->progress = tcctl_progress_cb;
        bo->progress_userdata = p;
    }
}

/* ---- list ---- */

typedef struct list_out {
    tcctl_result r;
    tcctl_table *table;
    tcctl_buf json;
    size_t count;
    int64_t total, total_cost, max_total_cost;
} list_out;

static int on_page(const tc_subscription_list *page, void *ud) {
    list_out *o = (list_out *)ud;
    size_t k;
    o->total = tc_subscription_list_total(page);
    o->total_cost = tc_subscription_list_total_cost(page);
    o->max_total_cost = tc_subscription_list_max_total_cost(page);
    for (k = 0; k < tc_subscription_list_count(page); k++) {
        const tc_subscription *s = tc_subscription_list_get(page, k);
        if (tcctl_json_mode()) {
            char *json = NULL;
            if (tc_subscription_to_json(&json, s) == TC_OK) {
                tcctl_buf_add(&o->json, o->count ? "," : "");
                tcctl_buf_add(&o->json, json);
            }
            tc_free(json);
        } else {
            const tc_transport *tr = tc_subscription_transport(s);
            const char *row[7];
            row[0] = tc_subscription_id(s);
            row[1] = tc_subscription_type(s);
            row[2] = tc_subscription_version(s);
            row[3] = tc_subscription_status(s);
            row[4] = tc_subscription_user_id(s);
            row[5] = tr != NULL ? tc_transport_conduit_id(tr) : NULL;
            row[6] = tc_subscription_created_at(s);
            tcctl_table_row(o->table, row);
        }
        o->count++;
    }
    return 0;
}

static void on_listed(tc_status st, void *ud) { tcctl_result_capture(&((list_out *)ud)->r, st); }

static void on_done(tc_status st, const tc_response *resp, void *ud) {
    list_out *o = (list_out *)ud;
    tcctl_result_capture(&o->r, st);
    if (st != TC_OK && resp != NULL) {
        o->r.http_status = tc_response_http_status(resp);
        if (tc_response_message(resp)[0] != '\0')
            snprintf(o->r.message, sizeof o->r.message, "%s", tc_response_message(resp));
    }
}

static int cmd_list(tc_conduits *c, const tc_subscription_filter *filter) {
    static const char *const headers[] = {"ID", "TYPE", "VERSION", "STATUS", "USER", "CONDUIT", "CREATED"};
    list_out o;
    tc_op_id id = 0;
    int rc = TCCTL_EXIT_OK;
    memset(&o, 0, sizeof o);
    o.total = o.total_cost = o.max_total_cost = -1;
    o.table = tcctl_table_new(7, headers);
    if (tcctl_finish(c, tc_subscriptions_list(&id, c, filter, on_page, on_listed, &o), &id, &o.r) != TC_OK) {
        rc = tcctl_fail("cannot list the subscriptions", &o.r);
    } else if (tcctl_json_mode()) {
        tcctl_buf doc = {NULL, 0, 0};
        tcctl_buf_addf(&doc, "{\"total\":%lld,\"total_cost\":%lld,\"max_total_cost\":%lld,\"subscriptions\":[%s]}",
                       (long long)o.total, (long long)o.total_cost, (long long)o.max_total_cost,
                       o.json.data != NULL ? o.json.data : "");
        tcctl_print_json(doc.data);
        tcctl_buf_free(&doc);
    } else {
        if (o.count == 0)
            tcctl_out("no subscriptions\n");
        else
            tcctl_table_print(o.table);
        if (o.total >= 0)
            tcctl_out("%zu listed; %lld in total, cost %lld of %lld\n", o.count, (long long)o.total,
                      (long long)o.total_cost, (long long)o.max_total_cost);
    }
    tcctl_table_free(o.table);
    tcctl_buf_free(&o.json);
    return rc;
}

/* ---- specs ---- */

typedef struct spec_set {
    tc_subscription_spec *specs;
    char **owned; /* strings to free */
    size_t count, owned_count;
} spec_set;

static char *keep(spec_set *s, char *text) {
    s->owned[s->owned_count++] = text;
    return text;
}

static void spec_set_free(spec_set *s) {
    size_t k;
    for (k = 0; k < s->owned_count; k++) free(s->owned[k]);
    free(s->owned);
    free(s->specs);
}

static char *xstrdup(const char *s) {
    char *d = malloc(strlen(s) + 1);
    if (d == NULL) exit(TCCTL_EXIT_FAILURE);
    strcpy(d, s);
    return d;
}

/* create: N specs from the flags. Returns 0, or 2 after a usage error. */
static int specs_from_flags(spec_set *s, const char *type, const char *version, const char *condition,
                            const char *count_text, const char *from_text) {
    long count = 1, from = 1, k;
    cJSON *cond;
    if (type == NULL || version == NULL) return tcctl_usage("subs", "create needs --type and --version");
    if (count_text != NULL && tcctl_parse_int(count_text, 1, 100000, &count) != 0)
        return tcctl_usage("subs", "--count needs an integer in 1..100000");
    if (from_text != NULL && count_text == NULL) return tcctl_usage("subs", "--broadcaster-from goes with --count");
    if (from_text != NULL && tcctl_parse_int(from_text, 0, 2000000000L, &from) != 0)
        return tcctl_usage("subs", "--broadcaster-from needs a non-negative integer");
    if (condition == NULL && count_text == NULL)
        return tcctl_usage("subs", "create needs --condition JSON (or --count N --broadcaster-from K)");
    cond = cJSON_Parse(condition != NULL ? condition : "{}");
    if (cond == NULL || !cJSON_IsObject(cond)) {
        cJSON_Delete(cond);
        return tcctl_usage("subs", "--condition must be a JSON object, e.g. '{\"broadcaster_user_id\":\"1337\"}'");
    }
    s->specs = calloc((size_t)count, sizeof *s->specs);
    s->owned = calloc((size_t)count + 2, sizeof *s->owned);
    if (s->specs == NULL || s->owned == NULL) exit(TCCTL_EXIT_FAILURE);
    keep(s, xstrdup(type));
    keep(s, xstrdup(version));
    for (k = 0; k < count; k++) {
        char *text;
        if (count_text != NULL) {
            char user[32];
            snprintf(user, sizeof user, "%ld", from + k);
            cJSON_DeleteItemFromObjectCaseSensitive(cond, "broadcaster_user_id");
            cJSON_AddStringToObject(cond, "broadcaster_user_id", user);
        }
        text = cJSON_PrintUnformatted(cond);
        if (text == NULL) exit(TCCTL_EXIT_FAILURE);
        s->specs[k].type = s->owned[0];
        s->specs[k].version = s->owned[1];
        s->specs[k].condition_json = keep(s, xstrdup(text));
        cJSON_free(text);
    }
    s->count = (size_t)count;
    cJSON_Delete(cond);
    return 0;
}

static char *read_all(const char *path) {
    FILE *f = strcmp(path, "-") == 0 ? stdin : fopen(path, "rb");
    tcctl_buf b = {NULL, 0, 0};
    char chunk[4096];
    size_t n;
    if (f == NULL) return NULL;
    while ((n = fread(chunk, 1, sizeof chunk - 1, f)) > 0) {
        chunk[n] = '\0';
        if (memchr(chunk, '\0', n) != NULL) break;
        tcctl_buf_add(&b, chunk);
    }
    if (f != stdin) fclose(f);
    if (b.data == NULL) tcctl_buf_add(&b, "");
    return b.data;
}

/* reconcile: specs from a JSON file. Returns 0, or 2 after a usage error. */
static int specs_from_file(spec_set *s, const char *path) {
    char *text = read_all(path);
    cJSON *root, *item;
    size_t n, k = 0;
    if (text == NULL) return tcctl_usage("subs", "cannot read %s", path);
    root = cJSON_Parse(text);
    free(text);
    if (root == NULL || !cJSON_IsArray(root)) {
        cJSON_Delete(root);
        return tcctl_usage("subs", "%s: expected a JSON array of {\"type\",\"version\",\"condition\"}", path);
    }
    n = (size_t)cJSON_GetArraySize(root);
    s->specs = calloc(n + 1, sizeof *s->specs);
    s->owned = calloc(3 * n + 1, sizeof *s->owned);
    if (s->specs == NULL || s->owned == NULL) exit(TCCTL_EXIT_FAILURE);
    cJSON_ArrayForEach(item, root) {
        const cJSON *type = cJSON_GetObjectItemCaseSensitive(item, "type");
        const cJSON *version = cJSON_GetObjectItemCaseSensitive(item, "version");
        const cJSON *cond = cJSON_GetObjectItemCaseSensitive(item, "condition");
        char *cond_text;
        if (!cJSON_IsString(type) || !cJSON_IsString(version) || !cJSON_IsObject(cond)) {
            cJSON_Delete(root);
            return tcctl_usage("subs", "%s: item %zu needs string \"type\", string \"version\" and object \"condition\"",
                               path, k);
        }
        cond_text = cJSON_PrintUnformatted(cond);
        if (cond_text == NULL) exit(TCCTL_EXIT_FAILURE);
        s->specs[k].type = keep(s, xstrdup(type->valuestring));
        s->specs[k].version = keep(s, xstrdup(version->valuestring));
        s->specs[k].condition_json = keep(s, xstrdup(cond_text));
        cJSON_free(cond_text);
        k++;
    }
    s->count = k;
    cJSON_Delete(root);
    return 0;
}

/* ---- delete ---- */

static int cmd_delete(tc_conduits *c, const char *sub_id) {
    list_out o;
    tc_op_id id = 0;
    memset(&o, 0, sizeof o);
    if (tcctl_finish(c, tc_subscription_delete(&id, c, sub_id, on_done, &o), &id, &o.r) != TC_OK)
        return tcctl_fail("cannot delete the subscription", &o.r);
    if (tcctl_json_mode()) {
        tcctl_buf b = {NULL, 0, 0};
        tcctl_buf_add(&b, "{\"deleted\":");
        tcctl_buf_json_str(&b, sub_id);
        tcctl_buf_add(&b, "}");
        tcctl_print_json(b.data);
        tcctl_buf_free(&b);
    } else {
        tcctl_out("%sdeleted%s subscription %s\n", tcctl_color("\033[32m"), tcctl_reset(), sub_id);
    }
    return TCCTL_EXIT_OK;
}

/* create --types A,B,C --condition JSON, or --all-for-user ID: by type names,
 * versions and conditions from the library's catalogue. */
static int create_by_type(const tcctl_globals *g, const char *conduit, const char *types_csv, const char *condition,
                          const char *user, int spec_flags_too) {
    const char *names[256];
    size_t n = 0;
    char *list = NULL, *cond_text = NULL, *save = NULL, *tok;
    tc_conduits *c = NULL;
    tc_batch_options bo = TC_BATCH_OPTIONS_INIT;
    tcctl_progress progress;
    batch_out o;
    tc_op_id id = 0;
    int rc;
    memset(&o, 0, sizeof o);
    if (spec_flags_too) return tcctl_usage("subs", "--types and --all-for-user do not go with --type, --version or --count");
    if (user != NULL) {
        cJSON *cond;
        if (types_csv != NULL || condition != NULL)
            return tcctl_usage("subs", "--all-for-user ID does not go with --types or --condition");
        if (user[0] == '\0' || strspn(user, "0123456789") != strlen(user))
            return tcctl_usage("subs", "--all-for-user needs a numeric user id");
        cond = cJSON_CreateObject();
        cJSON_AddStringToObject(cond, "broadcaster_user_id", user);
        cJSON_AddStringToObject(cond, "moderator_user_id", user);
        cJSON_AddStringToObject(cond, "user_id", user);
        cond_text = cJSON_PrintUnformatted(cond);
        cJSON_Delete(cond);
        if (cond_text == NULL) exit(TCCTL_EXIT_FAILURE);
    } else {
        cJSON *cond = cJSON_Parse(condition != NULL ? condition : "");
        int ok = cond != NULL && cJSON_IsObject(cond);
        cJSON_Delete(cond);
        if (condition == NULL || !ok)
            return tcctl_usage("subs", "--types needs --condition JSON, a JSON object, e.g. '{\"broadcaster_user_id\":\"1337\"}'");
        list = xstrdup(types_csv);
        for (tok = strtok_r(list, ",", &save); tok != NULL; tok = strtok_r(NULL, ",", &save)) {
            if (n == sizeof names / sizeof names[0]) {
                free(list);
                return tcctl_usage("subs", "--types takes at most 256 names");
            }
            names[n++] = tok;
        }
        if (n == 0) {
            free(list);
            return tcctl_usage("subs", "--types needs at least one type name");
        }
    }
    rc = tcctl_client_new(g, 0, &c);
    if (rc == 0) {
        batch_options(&bo, &progress, "creating");
        rc = finish_batch(c,
                          tc_subscriptions_create_by_type(&id, c, conduit, names, n, user != NULL ? cond_text : condition,
                                                          user != NULL ? TC_BY_TYPE_F_ALL_FILLABLE : 0u, &bo, on_batch,
                                                          &o),
                          &id, &o, &progress, "cannot create the subscriptions");
    }
    cJSON_free(cond_text);
    free(list);
    tc_conduits_free(c);
    return rc;
}

int tcctl_cmd_subs(const tcctl_globals *g, int argc, char **argv) {
    tcctl_flag flags[] = {
        {"--status", 1, NULL},     {"--type", 1, NULL},          {"--user", 1, NULL},
        {"--conduit", 1, NULL},    {"--version", 1, NULL},       {"--condition", 1, NULL},
        {"--count", 1, NULL},      {"--broadcaster-from", 1, NULL}, {"--include-pending", 0, NULL},
        {"--dry-run", 0, NULL},    {"--types", 1, NULL},         {"--all-for-user", 1, NULL},
    };
    enum { F_STATUS, F_TYPE, F_USER, F_CONDUIT, F_VERSION, F_CONDITION, F_COUNT, F_FROM, F_PENDING, F_DRY, F_TYPES,
           F_ALL_FOR_USER, F_N };
    /* Which flags each subcommand accepts (bit per flag). */
    static const struct {
        const char *name;
        int min_pos, max_pos;
        unsigned allowed;
        const char *usage;
    } subs[] = {
        {"list", 1, 1, 1u << F_STATUS | 1u << F_TYPE | 1u << F_USER | 1u << F_CONDUIT,
         "subs list [--status S | --type T | --user U | --conduit C]"},
        {"create", 2, 2,
         1u << F_TYPE | 1u << F_VERSION | 1u << F_CONDITION | 1u << F_COUNT | 1u << F_FROM | 1u << F_TYPES |
             1u << F_ALL_FOR_USER,
         "subs create CONDUIT_ID (--type T --version V | --types A,B[@V]) --condition JSON | --all-for-user ID"},
        {"delete", 2, 2, 0u, "subs delete SUBSCRIPTION_ID"},
        {"cleanup", 2, 2, 1u << F_PENDING, "subs cleanup CONDUIT_ID [--include-pending]"},
        {"reconcile", 3, 3, 1u << F_DRY, "subs reconcile CONDUIT_ID FILE [--dry-run]"},
    };
    char *pos[4];
    int npos, rc, which = -1, k;
    tc_conduits *c = NULL;
    spec_set specs;
    memset(&specs, 0, sizeof specs);

    if (tcctl_parse_flags("subs", argc, argv, flags, F_N, pos, 4, &npos) != 0) return TCCTL_EXIT_USAGE;
    if (npos == 0) return tcctl_usage("subs", "missing subcommand (list, create, delete, cleanup, reconcile)");
    for (k = 0; k < (int)(sizeof subs / sizeof subs[0]); k++)
        if (strcmp(pos[0], subs[k].name) == 0) which = k;
    if (which < 0)
        return tcctl_usage("subs", "unknown subcommand '%.40s' (list, create, delete, cleanup, reconcile)", pos[0]);
    if (npos < subs[which].min_pos || npos > subs[which].max_pos)
        return tcctl_usage("subs", "usage: %s", subs[which].usage);
    for (k = 0; k < F_N; k++)
        if (flags[k].value != NULL && !(subs[which].allowed & (1u << k)))
            return tcctl_usage("subs", "%s does not take %s", subs[which].name, flags[k].name);
    if (which > 0) tcctl_set_id_kind(which == 2 ? "subscription" : "conduit"); /* list names nothing */

    if (which == 0) {
        tc_subscription_filter filter = TC_SUBSCRIPTION_FILTER_INIT;
        int set = (flags[F_STATUS].value != NULL) + (flags[F_TYPE].value != NULL) + (flags[F_USER].value != NULL) +
                  (flags[F_CONDUIT].value != NULL);
        if (set > 1) return tcctl_usage("subs", "list takes at most one of --status, --type, --user, --conduit");
        filter.status = flags[F_STATUS].value;
        filter.type = flags[F_TYPE].value;
        filter.user_id = flags[F_USER].value;
        filter.conduit_id = flags[F_CONDUIT].value;
        rc = tcctl_client_new(g, 0, &c);
        if (rc == 0) rc = cmd_list(c, &filter);
    } else if (which == 2) {
        rc = tcctl_client_new(g, 0, &c);
        if (rc == 0) rc = cmd_delete(c, pos[1]);
    } else {
        tc_batch_options bo = TC_BATCH_OPTIONS_INIT;
        bo.concurrency = (int)g->concurrency;
        tcctl_progress progress;
        batch_out o;
        tc_op_id id = 0;
        memset(&o, 0, sizeof o);
        if (which == 1 && (flags[F_TYPES].value != NULL || flags[F_ALL_FOR_USER].value != NULL)) {
            rc = create_by_type(g, pos[1], flags[F_TYPES].value, flags[F_CONDITION].value, flags[F_ALL_FOR_USER].value,
                                flags[F_TYPE].value != NULL || flags[F_VERSION].value != NULL ||
                                    flags[F_COUNT].value != NULL || flags[F_FROM].value != NULL);
            spec_set_free(&specs);
            return rc;
        }
        if (which == 1) {
            rc = specs_from_flags(&specs, flags[F_TYPE].value, flags[F_VERSION].value, flags[F_CONDITION].value,
                                  flags[F_COUNT].value, flags[F_FROM].value);
        } else if (which == 4) {
            rc = specs_from_file(&specs, pos[2]);
        } else {
            rc = 0;
        }
        if (rc == 0) rc = tcctl_client_new(g, 0, &c);
        if (rc == 0) {
            if (which == 1) {
                batch_options(&bo, &progress, "creating");
                rc = finish_batch(c,
                                  tc_subscriptions_create(&id, c, pos[1], specs.specs, specs.count, &bo, on_batch, &o),
                                  &id, &o, &progress, "cannot create the subscriptions");
            } else if (which == 3) {
                batch_options(&bo, &progress, "cleaning up");
                rc = finish_batch(c,
                                  tc_subscriptions_cleanup(&id, c, pos[1],
                                                           flags[F_PENDING].value ? TC_CLEANUP_F_INCLUDE_PENDING : 0u,
                                                           &bo, on_batch, &o),
                                  &id, &o, &progress, "cannot clean up the subscriptions");
            } else {
                batch_options(&bo, &progress, "reconciling");
                rc = finish_batch(c,
                                  tc_subscriptions_reconcile(&id, c, pos[1], specs.specs, specs.count,
                                                             flags[F_DRY].value ? TC_RECONCILE_F_DRY_RUN : 0u, &bo,
                                                             on_batch, &o),
                                  &id, &o, &progress, "cannot reconcile the subscriptions");
            }
        }
    }
    spec_set_free(&specs);
    tc_conduits_free(c);
    return rc;
}
