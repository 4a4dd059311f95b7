/* tcctl shards owners CONDUIT_ID --group NAME --redis URL: who owns which
 * shard of a runner group (`shards run --group`), read from Redis. Needs no
 * Twitch credentials: the group's workers record the shard count. */
#include <stdio.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "tcctl.h"

static void print_table(const char *json, const char *conduit_id, const char *group) {
    cJSON *root = cJSON_Parse(json);
    const cJSON *shards = cJSON_GetObjectItemCaseSensitive(root, "shards");
    const cJSON *it;
    int rows = 0;
    cJSON_ArrayForEach(it, shards) {
        const cJSON *owner = cJSON_GetObjectItemCaseSensitive(it, "owner");
        const cJSON *left = cJSON_GetObjectItemCaseSensitive(it, "lease_ms_left");
        const cJSON *token = cJSON_GetObjectItemCaseSensitive(it, "fencing_token");
        const cJSON *id = cJSON_GetObjectItemCaseSensitive(it, "shard_id");
        if (rows++ == 0) tcctl_out("%-6s  %-40s  %13s  %13s\n", "SHARD", "OWNER", "LEASE_MS_LEFT", "FENCING_TOKEN");
        if (cJSON_IsString(owner))
            tcctl_out("%-6s  %-40s  %13.0f  %13.0f\n", cJSON_IsString(id) ? id->valuestring : "?", owner->valuestring,
                      cJSON_IsNumber(left) ? left->valuedouble : 0.0, cJSON_IsNumber(token) ? token->valuedouble : 0.0);
        else
            tcctl_out("%-6s  %-40s  %13s  %13s\n", cJSON_IsString(id) ? id->valuestring : "?", "(nobody)", "-", "-");
    }
    if (rows == 0) tcctl_out("no worker of group %s has run conduit %s lately\n", group, conduit_id);
    cJSON_Delete(root);
}

int tcctl_cmd_shards_owners(const tcctl_globals *g, int argc, char **argv) {
    tcctl_flag flags[] = {{"--group", 1, NULL}, {"--redis", 1, NULL}};
    enum { F_GROUP, F_REDIS, F_N };
    char *pos[2];
    int npos;
    char *json = NULL;
    tc_status st;
    (void)g;
    if (tcctl_parse_flags("shards", argc, argv, flags, F_N, pos, 2, &npos) != 0) return TCCTL_EXIT_USAGE;
    if (npos != 1 || flags[F_GROUP].value == NULL || flags[F_REDIS].value == NULL)
        return tcctl_usage("shards", "usage: shards owners CONDUIT_ID --group NAME --redis URL");
    st = tc_runner_group_owners(&json, flags[F_REDIS].value, flags[F_GROUP].value, pos[0], 0);
    if (st != TC_OK) {
        tcctl_result res;
        tcctl_result_capture(&res, st);
        if (st == TC_EINVAL) return tcctl_usage("shards", "%s", res.message);
        return tcctl_fail("cannot read the group's owners", &res);
    }
    if (tcctl_json_mode())
        tcctl_print_json(json);
    else
        print_table(json, pos[0], flags[F_GROUP].value);
    tc_free(json);
    return TCCTL_EXIT_OK;
}
