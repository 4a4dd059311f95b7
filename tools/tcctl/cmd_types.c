/* tcctl types [FILTER]: the subscription-type catalogue built into the library. */
#include <stdio.h>
#include <string.h>

#include "tcctl.h"

/* "a, b" from a counted list of strings (into buf). */
static void join(tcctl_buf *b, const tc_event_type *t, size_t (*count)(const tc_event_type *),
                 const char *(*at)(const tc_event_type *, size_t), const char *sep) {
    size_t k;
    for (k = 0; k < count(t); k++) tcctl_buf_addf(b, "%s%s", k > 0 ? sep : "", at(t, k));
}

static void condition_text(tcctl_buf *b, const tc_event_type *t) {
    size_t g, k;
    join(b, t, tc_event_type_required_count, tc_event_type_required, ",");
    for (g = 0; g < tc_event_type_one_of_count(t); g++) {
        tcctl_buf_add(b, b->len > 0 ? ",one of " : "one of ");
        for (k = 0; k < tc_event_type_one_of_size(t, g); k++)
            tcctl_buf_addf(b, "%s%s", k > 0 ? "|" : "", tc_event_type_one_of(t, g, k));
    }
    if (tc_event_type_optional_count(t) > 0) {
        tcctl_buf_add(b, b->len > 0 ? " [" : "[");
        join(b, t, tc_event_type_optional_count, tc_event_type_optional, ",");
        tcctl_buf_add(b, "]");
    }
}

static int matches(const tc_event_type *t, const char *filter) {
    return filter == NULL || strstr(tc_event_type_name(t), filter) != NULL;
}

int tcctl_cmd_types(const tcctl_globals *g, int argc, char **argv) {
    tcctl_flag flags[] = {{"--withdrawn", 0, NULL}};
    char *pos[1];
    int npos = 0;
    const char *filter;
    size_t k, total, shown = 0;
    int withdrawn;
    (void)g;
    if (tcctl_parse_flags("types", argc, argv, flags, 1, pos, 1, &npos) != 0) return TCCTL_EXIT_USAGE;
    filter = npos > 0 ? pos[0] : NULL;
    withdrawn = flags[0].value != NULL;
    total = withdrawn ? tc_catalogue_withdrawn_count() : tc_catalogue_count();
    if (tcctl_json_mode()) {
        tcctl_buf out = {NULL, 0, 0};
        tcctl_buf_add(&out, "[");
        for (k = 0; k < total; k++) {
            const tc_event_type *t = withdrawn ? tc_catalogue_withdrawn_at(k) : tc_catalogue_at(k);
            char *json = NULL;
            if (!matches(t, filter) || tc_event_type_to_json(&json, t) != TC_OK) continue;
            tcctl_buf_addf(&out, "%s%s", shown++ > 0 ? "," : "", json);
            tc_free(json);
        }
        tcctl_buf_add(&out, "]");
        tcctl_print_json(out.data);
        tcctl_buf_free(&out);
    } else {
        static const char *const headers[] = {"TYPE", "VERSION", "STATUS", "CONDITION", "TRANSPORTS", "SCOPES"};
        tcctl_table *table = tcctl_table_new(6, headers);
        for (k = 0; k < total; k++) {
            const tc_event_type *t = withdrawn ? tc_catalogue_withdrawn_at(k) : tc_catalogue_at(k);
            tcctl_buf cond = {NULL, 0, 0}, transports = {NULL, 0, 0}, scopes = {NULL, 0, 0}, version = {NULL, 0, 0};
            const char *row[6];
            if (!matches(t, filter)) continue;
            condition_text(&cond, t);
            tcctl_buf_addf(&transports, "%s%s%s", tc_event_type_allows(t, TC_TRANSPORT_WEBHOOK) ? "webhook " : "",
                           tc_event_type_allows(t, TC_TRANSPORT_WEBSOCKET) ? "websocket " : "",
                           tc_event_type_allows(t, TC_TRANSPORT_CONDUIT) ? "conduit" : "");
            join(&scopes, t, tc_event_type_scope_count, tc_event_type_scope, " + ");
            if (withdrawn)
                tcctl_buf_addf(&version, "%s (use %s)", tc_event_type_version(t), tc_event_type_replaced_by(t));
            else
                tcctl_buf_addf(&version, "%s%s", tc_event_type_version(t), tc_event_type_is_newest(t) ? "" : " (older)");
            row[0] = tc_event_type_name(t);
            row[1] = version.data;
            row[2] = tc_event_type_status(t);
            row[3] = cond.data;
            row[4] = transports.data;
            row[5] = scopes.len > 0 ? scopes.data : "none";
            tcctl_table_row(table, row);
            shown++;
            tcctl_buf_free(&cond);
            tcctl_buf_free(&transports);
            tcctl_buf_free(&scopes);
            tcctl_buf_free(&version);
        }
        if (shown > 0) tcctl_table_print(table);
        tcctl_table_free(table);
        tcctl_out("%zu of %zu %s (Twitch docs of %s)\n", shown, total,
                  withdrawn ? "withdrawn versions" : "type versions", tc_catalogue_snapshot());
    }
    if (shown == 0 && filter != NULL) {
        tcctl_err("no subscription type matches '%.80s'", filter);
        return TCCTL_EXIT_FAILURE;
    }
    return TCCTL_EXIT_OK;
}
