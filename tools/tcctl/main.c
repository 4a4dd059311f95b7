/* tcctl: entry point — global flags, then dispatch to the command. */
#include <stdio.h>
#include <string.h>

#include "tcctl.h"

typedef int (*command_fn)(const tcctl_globals *g, int argc, char **argv);

static const struct {
    const char *name;
    command_fn fn;
} commands[] = {
    {"token", tcctl_cmd_token},   {"conduits", tcctl_cmd_conduits}, {"shards", tcctl_cmd_shards},
    {"subs", tcctl_cmd_subs},     {"mock", tcctl_cmd_mock},
    {"listen", tcctl_cmd_listen}, {"demo", tcctl_cmd_demo},
    {"types", tcctl_cmd_types},
};

int main(int argc, char **argv) {
    tcctl_globals g;
    size_t k;
    int n = tcctl_parse_globals(argc, argv, &g);
    if (n < 0) return TCCTL_EXIT_USAGE;
    tcctl_output_init(g.json);
    tcctl_add_secret(g.client_secret);
    tcctl_add_secret(g.app_token);

    if (n < 2) {
        if (g.help) {
            tcctl_help("");
            return TCCTL_EXIT_OK;
        }
        return tcctl_usage("", "no command given");
    }
    if (strcmp(argv[1], "help") == 0) {
        const char *topic = n > 2 ? argv[2] : "";
        if (!tcctl_has_help(topic)) return tcctl_usage("", "no help for '%s'", topic);
        tcctl_help(topic);
        return TCCTL_EXIT_OK;
    }
    for (k = 0; k < sizeof commands / sizeof commands[0]; k++) {
        if (strcmp(argv[1], commands[k].name) == 0) {
            if (g.help) {
                tcctl_help(commands[k].name);
                return TCCTL_EXIT_OK;
            }
            return commands[k].fn(&g, n - 2, argv + 2);
        }
    }
    if (argv[1][0] == '-') {
        char name[64];
        size_t len = strcspn(argv[1], "=");
        if (len >= sizeof name) len = sizeof name - 1;
        memcpy(name, argv[1], len);
        name[len] = '\0';
        return tcctl_usage("", "unknown option %s", name);
    }
    return tcctl_usage("", "unknown command '%.40s'", argv[1]);
}
