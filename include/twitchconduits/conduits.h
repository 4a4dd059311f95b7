/*
 * twitchconduits: the manager handle and its event loop.
 *
 * Async contract (every binding relies on it):
 *  - An operation that talks to Twitch checks its arguments, queues the work
 *    and returns at once. If it returns TC_OK its callback runs EXACTLY ONCE
 *    later (success, error, or TC_ECANCELED when cancelled or when the manager
 *    is freed). If it returns an error the callback never runs.
 *  - Results passed to a callback are borrowed until the callback returns;
 *    use the type's _dup or _to_json to keep them.
 *  - Network I/O runs on a library-owned I/O thread, so timers, retries and
 *    keep-alive progress whatever the caller does. Callbacks never run there:
 *      * caller-driven (default): callbacks run on the thread that calls
 *        tc_conduits_process() / tc_conduits_poll() / tc_conduits_run() /
 *        tc_conduits_await() or a *_sync() call; tc_conduits_fd() becomes
 *        readable when callbacks are ready, for select/poll/epoll loops.
 *      * TC_CONDUITS_F_DISPATCH_THREAD: a library-owned thread runs them;
 *        wait/process/poll then return TC_EBUSY.
 *  - Inside a callback you may submit and cancel work and call
 *    tc_conduits_free() (deferred until the callback returns); the loop
 *    functions and *_sync() calls return TC_EREENTRANT there.
 *  - Thread safety: submit, cancel, wakeup and the accessors may be called
 *    from any thread; the loop functions by one thread at a time;
 *    tc_conduits_free() must not race with other calls on the same handle.
 */
#ifndef TWITCHCONDUITS_CONDUITS_H
#define TWITCHCONDUITS_CONDUITS_H

#include <twitchconduits/common.h>

#ifdef __cplusplus
extern "C" {
#endif

/* The manager: credentials, the token, the request engine and the loop. */
typedef struct tc_conduits tc_conduits;

/* Run callbacks on a library-owned thread instead of the caller's. */
#define TC_CONDUITS_F_DISPATCH_THREAD (1u << 0)
/* Do not slow requests down from the Ratelimit-* headers (429s are still
 * waited out). Meant for benchmarks that measure the pacing itself. */
#define TC_CONDUITS_F_NO_PACING (1u << 1)
/* Accept http:// webhook callbacks on loopback (127.0.0.1, localhost) when
 * assigning shards, for tests against a local mock. Twitch itself only
 * accepts https on port 443. */
#define TC_CONDUITS_F_ALLOW_HTTP_CALLBACKS (1u << 2)

#define TC_CONDUITS_OPTIONS_VERSION 3

/* Options for tc_conduits_new(). Every string is copied; NULL/0 fields take
 * the default given beside them. Append-only: new fields go at the end with a
 * new TC_CONDUITS_OPTIONS_VERSION. */
typedef struct tc_conduits_options {
    unsigned int version;          /* TC_CONDUITS_OPTIONS_VERSION */
    const char *client_id;         /* required: your application's client id */
    const char *client_secret;     /* NULL only when app_token is given */
    const char *app_token;         /* an app access token to use; NULL = fetch one */
    const char *callback_url;      /* default webhook callback for new shards */
    const char *api_base_url;      /* NULL = "https://api.twitch.tv/helix" */
    const char *auth_base_url;     /* NULL = "https://id.twitch.tv/oauth2" */
    const char *ca_file;           /* PEM CA bundle; NULL = the system store */
    long connect_timeout_ms;       /* 0 = 10000 */
    long request_timeout_ms;       /* per attempt; 0 = 30000 */
    int max_attempts;              /* per request, including the first; 0 = 5 */
    long backoff_base_ms;          /* first retry waits up to this; 0 = 200 */
    long backoff_max_ms;           /* cap of the exponential backoff; 0 = 10000 */
    long ratelimit_max_wait_ms;    /* longest 429 wait before failing; 0 = 65000 */
    int max_concurrency;           /* simultaneous transfers; 0 = 128 */
    size_t max_response_bytes;     /* larger bodies fail with TC_ETOOLARGE; 0 = 16 MiB */
    long token_refresh_margin_s;   /* refresh this long before expiry; 0 = 3600 */
    unsigned int flags;            /* TC_CONDUITS_F_* */
    tc_log_cb log_cb;              /* NULL = no logging */
    void *log_userdata;
    tc_log_level log_level;        /* most verbose level passed to log_cb */
    uint64_t random_seed;          /* jitter seed; 0 = from the system CSPRNG */
    /* Version 2. Twitch asks apps to validate their token hourly: every this
     * many seconds the app token is sent to oauth2/validate, and a token
     * Twitch no longer accepts is dropped (the next request fetches a new
     * one). 0 = 3600; -1 = never. */
    long token_validate_interval_s;
    /* Version 3. Longest time one request may take from its first attempt,
     * every retry and wait (429 resets, backoff) included; it then completes
     * with TC_ETIMEDOUT. Time queued behind the manager's other requests
     * before the first attempt does not count. 0 = 120000; -1 = none. */
    long request_deadline_ms;
    /* Version 3. Most pages one listing follows before it fails with
     * TC_EPROTOCOL (a server whose cursors never end); a cursor seen twice
     * in one listing fails it at once. 0 = 10000. */
    long max_list_pages;
} tc_conduits_options;

#define TC_CONDUITS_OPTIONS_INIT TC_VERSIONED_INIT_(tc_conduits_options, TC_CONDUITS_OPTIONS_VERSION)

/* Fill opts with the defaults of `version` (TC_EVERSION if unknown). */
TC_API tc_status tc_conduits_options_init(tc_conduits_options *opts, unsigned int version);

/* Create a manager; *out is the caller's, freed with tc_conduits_free().
 * opts and its strings are copied. Fails with TC_EINVAL (message says which
 * field) when client_id is missing, or when neither client_secret nor
 * app_token is given. */
TC_API tc_status tc_conduits_new(tc_conduits **out, const tc_conduits_options *opts);

/* Free a manager: pending operations complete with TC_ECANCELED (operations
 * that had already finished complete with their result) on the calling
 * thread, then everything is released. Called from inside a callback, the
 * free happens when the callback returns. NULL-safe. */
TC_API void tc_conduits_free(tc_conduits *c);

/* Block until callbacks are ready, tc_conduits_wakeup() is called, or
 * timeout_ms passes (-1 = no limit). Runs no callback.
 * TC_OK: ready or woken; TC_ETIMEDOUT: nothing happened. */
TC_API tc_status tc_conduits_wait(tc_conduits *c, int timeout_ms);

/* Run the callbacks that are ready, without blocking. ran_out (nullable)
 * receives how many ran. */
TC_API tc_status tc_conduits_process(tc_conduits *c, int *ran_out);

/* tc_conduits_wait() then tc_conduits_process(). */
TC_API tc_status tc_conduits_poll(tc_conduits *c, int timeout_ms, int *ran_out);

/* Make a blocked tc_conduits_wait() return. Safe from any thread and from
 * signal-free contexts such as a binding's interrupt hook. */
TC_API tc_status tc_conduits_wakeup(tc_conduits *c);

/* A file descriptor that is readable while callbacks are ready (level
 * triggered; tc_conduits_process() drains it). -1 with TC_EINVAL on a bad
 * handle. Do not read or close it. */
TC_API int tc_conduits_fd(const tc_conduits *c);

/* Run the loop until no operation is pending (TC_OK) or timeout_ms passes
 * (TC_ETIMEDOUT; -1 = no limit). In dispatch-thread mode it only waits. */
TC_API tc_status tc_conduits_run(tc_conduits *c, int timeout_ms);

/* Run the loop until operation `id` has completed and its callback has
 * returned (TC_OK), or timeout_ms passes (TC_ETIMEDOUT). An id that is not
 * pending (finished or never issued) returns TC_OK at once. */
TC_API tc_status tc_conduits_await(tc_conduits *c, tc_op_id id, int timeout_ms);

/* Cancel one operation: its callback runs later with TC_ECANCELED.
 * TC_ENOTFOUND when it is unknown or already finished. */
TC_API tc_status tc_conduits_cancel(tc_conduits *c, tc_op_id id);

/* Cancel every pending operation (not those submitted by the callbacks). */
TC_API tc_status tc_conduits_cancel_all(tc_conduits *c);

/* How many operations are pending (callback not yet run). 0 on a bad handle. */
TC_API size_t tc_conduits_pending(const tc_conduits *c);

/* Counters kept since tc_conduits_new(). Frozen values. */
typedef enum tc_stat {
    TC_STAT_HTTP_REQUESTS = 0,   /* HTTP attempts sent (Helix and OAuth) */
    TC_STAT_RETRIES = 1,         /* attempts that were retries */
    TC_STAT_RATE_LIMITED = 2,    /* 429 answers received */
    TC_STAT_TOKEN_FETCHES = 3,   /* token requests sent */
    TC_STAT_PACING_DELAYS = 4,   /* requests held back by client-side pacing */
    TC_STAT_OPERATIONS = 5,      /* operations completed (callbacks run) */
    TC_STAT_CONNECTIONS = 6,     /* new connections opened (not reused) */
    TC_STAT_TOKEN_VALIDATIONS = 7 /* scheduled token validations sent */
} tc_stat;

/* Read a counter; 0 for a bad handle or unknown counter. */
TC_API uint64_t tc_conduits_stat(const tc_conduits *c, tc_stat which);
/* The counter's stable snake_case name ("http_requests", "retries", ...; a
 * static string), as used in metric names (see metrics.h); NULL for an
 * unknown value. */
TC_API const char *tc_stat_name(tc_stat which);

#ifdef __cplusplus
}
#endif

#endif /* TWITCHCONDUITS_CONDUITS_H */
