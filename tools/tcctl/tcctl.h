/*
 * tcctl: shared declarations of the command-line tool. Everything it does with
 * Twitch goes through the public C API (<twitchconduits.h>).
 */
#ifndef TCCTL_H
#define TCCTL_H

#include <stddef.h>

#include <twitchconduits.h>

/* Exit codes (documented in `tcctl --help`). */
enum {
    TCCTL_EXIT_OK = 0,
    TCCTL_EXIT_FAILURE = 1, /* Twitch or network error */
    TCCTL_EXIT_USAGE = 2,
    TCCTL_EXIT_PARTIAL = 3, /* some items of a batch failed (TC_EPARTIAL) */
    TCCTL_EXIT_CREDENTIALS = 4,
    TCCTL_EXIT_TIMEOUT = 5  /* a request's deadline (--timeout-s) passed, or listen/shards run --count
                               not reached within --timeout-s */
};

/* ---- args.c: global flags and per-command flag parsing ---- */

typedef struct tcctl_globals {
    int json;
    int help;
    const char *api_base;
    const char *auth_base;
    const char *client_id;
    const char *client_secret;
    const char *app_token;
    const char *ca_file;
    int client_id_from_flag;     /* given on the command line (not from the env) */
    int client_secret_from_flag;
    const char *ws_url;          /* --ws-url / TWITCH_EVENTSUB_WS_URL; NULL = Twitch's */
    long concurrency;            /* --concurrency N: batches run N in flight; 0 = the library's adaptive window */
    long timeout_s;              /* --timeout-s S: each request to Twitch, retries and waits included; 0 = the
                                    library's default deadline */
    const char *mock_url;        /* --mock URL: the bases, WebSocket URL and credentials of that tcctl mock */
} tcctl_globals;

/* The bundled mock's default credentials (tools/mock/README.md): test values, not secrets. */
#define TCCTL_MOCK_CLIENT_ID "mockclientid0123456789abcdefghij"
#define TCCTL_MOCK_CLIENT_SECRET "mocksecret0123456789abcdefghijk"

/* One command flag. takes_value: 0 = boolean, 1 = needs a value. */
typedef struct tcctl_flag {
    const char *name; /* "--type" */
    int takes_value;
    const char *value; /* set by tcctl_parse_flags: the value, or "1" for a boolean */
} tcctl_flag;

/* Removes the global flags from anywhere in argv (before `--`), filling g and
 * applying the environment defaults. Returns the new argc, or -1 after
 * printing a usage error. */
int tcctl_parse_globals(int argc, char **argv, tcctl_globals *g);

/* Parses what is left of a command's arguments: flags from `flags` (count n,
 * "--name value" or "--name=value") and positional arguments, which are
 * collected in pos (at most max_pos; *npos receives how many). Returns 0, or
 * -1 after printing a usage error naming the command.
 * --timeout-s is a global option (it bounds each request to Twitch); a
 * command that runs until stopped (listen, shards run) also lists it among
 * its flags to bound its run time, and receives the global's value there. */
int tcctl_parse_flags(const char *cmd, int argc, char **argv, tcctl_flag *flags, size_t n, char **pos,
                      int max_pos, int *npos);

/* A strict non-negative decimal integer in [min, max]; -1 on error. */
int tcctl_parse_int(const char *text, long min, long max, long *out);

/* ---- output.c: tables, JSON, colours, progress, messages ---- */

/* Registers a secret: every message tcctl prints has it replaced by "***". */
void tcctl_add_secret(const char *secret);
/* Configures output once the globals are known. */
void tcctl_output_init(int json);
int tcctl_json_mode(void);
/* Colour escape or "" (only on a terminal, never with --json or NO_COLOR). */
const char *tcctl_color(const char *ansi);
const char *tcctl_reset(void);

/* printf to stderr with "tcctl: " in front, secrets redacted. */
void tcctl_err(const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 1, 2)))
#endif
    ;
/* printf to stdout, secrets redacted. */
void tcctl_out(const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 1, 2)))
#endif
    ;

/* A growable string. */
typedef struct tcctl_buf {
    char *data;
    size_t len, cap;
} tcctl_buf;
void tcctl_buf_add(tcctl_buf *b, const char *text);
void tcctl_buf_addf(tcctl_buf *b, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 2, 3)))
#endif
    ;
/* Appends text as a quoted JSON string (NULL gives null). */
void tcctl_buf_json_str(tcctl_buf *b, const char *text);
void tcctl_buf_free(tcctl_buf *b);

/* A table: header cells, then rows; printed with aligned columns. */
typedef struct tcctl_table tcctl_table;
tcctl_table *tcctl_table_new(size_t columns, const char *const *headers);
/* Adds a row of `columns` cells (copied; NULL prints "-"). */
void tcctl_table_row(tcctl_table *t, const char *const *cells);
size_t tcctl_table_rows(const tcctl_table *t);
void tcctl_table_print(const tcctl_table *t);
void tcctl_table_free(tcctl_table *t);

/* Prints text on stdout as it is: no escaping, no redaction (tcctl's own
 * texts only). Every other printing function goes through the same
 * stop-aware writer (see output.c). */
void tcctl_print_raw(const char *text);
/* Prints one JSON document on stdout (secrets redacted), with a newline. */
void tcctl_print_json(const char *json);

/* A progress bar with rate and ETA on stderr, only when stderr is a terminal. */
typedef struct tcctl_progress {
    double started_ms;
    int active;
    const char *label;
} tcctl_progress;
void tcctl_progress_start(tcctl_progress *p, const char *label);
void tcctl_progress_cb(size_t done, size_t total, void *userdata); /* a tc_progress_cb */
void tcctl_progress_end(tcctl_progress *p);

/* ---- client.c: the manager, credentials, errors and exit codes ---- */

/* Creates the manager from the globals. extra_flags: TC_CONDUITS_F_*. On
 * failure prints what to do and returns the exit code (4 without
 * credentials), else 0 with *out set. */
int tcctl_client_new(const tcctl_globals *g, unsigned int extra_flags, tc_conduits **out);

/* The result of one operation, captured inside its callback. */
typedef struct tcctl_result {
    tc_status status;
    int http_status;
    char message[512];
} tcctl_result;
/* Records status, tc_last_http_status() and tc_last_error_message(). */
void tcctl_result_capture(tcctl_result *r, tc_status status);

/* Waits for a submitted operation; when the submit itself failed, records it
 * in r. Returns r->status. */
tc_status tcctl_finish(tc_conduits *c, tc_status submitted, const tc_op_id *id, tcctl_result *r);

/* What the command names by an id argument ("conduit", "subscription";
 * NULL, the default: none). It chooses the hint of a 404: that id is
 * unknown, or, for a command without one, the server lacks the endpoint. */
void tcctl_set_id_kind(const char *kind);
/* Reports a failed operation (stderr, plus the JSON error document with
 * --json) with a hint of what to do next; returns the exit code. */
int tcctl_fail(const char *what, const tcctl_result *r);
/* The exit code for a completion status. */
int tcctl_exit_code(tc_status st);
/* Prints a usage error plus a pointer to the command's help; returns 2. */
int tcctl_usage(const char *cmd, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 2, 3)))
#endif
    ;

/* ---- commands: argv starts after the command word ---- */
int tcctl_cmd_token(const tcctl_globals *g, int argc, char **argv);
int tcctl_cmd_conduits(const tcctl_globals *g, int argc, char **argv);
int tcctl_cmd_shards(const tcctl_globals *g, int argc, char **argv);
int tcctl_cmd_subs(const tcctl_globals *g, int argc, char **argv);
int tcctl_cmd_mock(const tcctl_globals *g, int argc, char **argv);
int tcctl_cmd_listen(const tcctl_globals *g, int argc, char **argv);
int tcctl_cmd_demo(const tcctl_globals *g, int argc, char **argv);
int tcctl_cmd_types(const tcctl_globals *g, int argc, char **argv);

/* cmd_listen.c, shared with the demo: a webhook message in words. */
const char *tcctl_webhook_kind_name(tc_event_kind kind);
/* "stream.online v1", "conduit ID shard N", "type v1 (reason)". */
void tcctl_webhook_describe(const tc_event *msg, char *out, size_t n);

/* cmd_run.c: `shards run` (argv starts after the word "run"). */
int tcctl_cmd_shards_run(const tcctl_globals *g, int argc, char **argv);
/* cmd_owners.c: tcctl shards owners CONDUIT_ID --group NAME --redis URL */
int tcctl_cmd_shards_owners(const tcctl_globals *g, int argc, char **argv);

/* stop.c: how long-running commands stop. Block SIGINT/SIGTERM (and ignore
 * SIGPIPE) before any library thread exists: a thread then waits for them,
 * sets the stop flag and marks the signal fd readable. Once the manager
 * exists, watch it (a signal also wakes c; -1 if the thread could not
 * start); unwatch before freeing c. The flag can also be set by the command
 * itself (--count reached), which does not touch the signal fd. Commands
 * that never block the signals are simply killed by them. */
void tcctl_stop_block_signals(void);
int tcctl_stop_watch(tc_conduits *c);
void tcctl_stop_unwatch(void);
void tcctl_stop_request(void);
int tcctl_stop_requested(void);
/* Readable once SIGINT/SIGTERM arrived (never drained); -1 when signals are
 * not blocked (they kill the process instead). For output.c's writes. */
int tcctl_stop_signal_fd(void);
/* Blocks until SIGINT/SIGTERM arrives; -1 when signals are not blocked. */
int tcctl_stop_wait_signal(void);
/* Monotonic milliseconds, for deadlines. */
double tcctl_mono_ms(void);
/* "2025-01-31T12:00:00.123Z": now, for the line being printed. */
void tcctl_now_text(char *out, size_t n);

/* help.c: help texts. `topic` is "" (global), "token", "conduits", ... */
void tcctl_help(const char *topic);
int tcctl_has_help(const char *topic);

#endif /* TCCTL_H */
