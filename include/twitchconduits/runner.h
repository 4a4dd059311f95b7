/*
 * twitchconduits: running a conduit.
 *
 * A runner *is* the shards of a conduit: it opens an EventSub WebSocket per
 * WebSocket shard (on the manager's I/O thread, no thread per socket) and
 * serves webhook shards through an embedded listener (one route and one
 * secret per shard), assigns every shard to its transport, and keeps every
 * shard it owns enabled:
 *
 *  - WebSocket: on each session_welcome the session is PATCHed onto its shard
 *    at once (Twitch closes an unassigned socket after 10 s); a socket that
 *    is silent for keepalive_timeout_seconds plus a margin is dead and is
 *    replaced; session_reconnect is a hand-over (the reconnect_url is opened
 *    as given, the old socket keeps delivering until the new welcome, then
 *    is closed; a new session id is re-assigned); close codes 4000-4007 and
 *    drops lead to a new connection after an exponential backoff with full
 *    jitter (4004/4007: to the base URL), and the NEW session is assigned.
 *  - Webhook: each shard's callback is <callback base><route key>, with the
 *    route key "shard-<id>"; the shard is PATCHed with its callback and
 *    secret and re-assigned whenever Twitch reports it not enabled.
 *  - Repair: the runner subscribes to conduit.shard.disabled for its
 *    conduit (condition client_id + conduit_id; skipped when Twitch refuses)
 *    and lists the conduit's shards every list_interval_s; a shard it owns
 *    that is not enabled (or, for WebSocket, assigned to another session) is
 *    repaired. Shards it does not own are never touched.
 *
 * One event path: notifications and revocations from both transports reach
 * event_cb as a tc_event (see webhook.h;
 * tc_event_transport() and _session_id() tell them apart), on the
 * thread that runs the manager's callbacks (tc_conduits_process()/poll()/
 * run(), or the dispatch thread), exactly like the listener's events.
 * Messages are deduplicated by message id across shards, reconnects and
 * hand-overs: a message id is delivered once.
 *
 * Lifetime: tc_runner_start() returns at once; the runner's work is an
 * operation of the manager (it counts in tc_conduits_pending(), so
 * tc_conduits_run() keeps running while it runs) and done_cb runs exactly
 * once when it has stopped: TC_OK after tc_runner_stop(), an error when it
 * could not start (e.g. TC_ENOTFOUND for a conduit that does not exist, or
 * TC_ENOTSUPPORTED when WebSocket shards are asked for and the libcurl in
 * use has no WebSocket support), TC_ECANCELED when the manager is freed
 * while it runs. Stopping closes every socket with a close frame (1000).
 * Free the handle with tc_runner_free() after done_cb (or at any time:
 * freeing a running runner stops it; done_cb still runs exactly once).
 * Freeing the manager first is safe; only tc_runner_free() remains to call.
 *
 * Thread safety: every function may be called from any thread, including
 * from inside a callback; tc_runner_free() must not race with other calls
 * on the same runner.
 *
 * Groups (options version 2, `group` + `redis_url`): many runners, in any
 * number of processes on any number of hosts, share the shards of one
 * conduit. Each shard is owned by at most one worker through a lease in
 * Redis (TTL lease_ttl_ms, renewed every third of it) carrying a fencing
 * token that grows with every new owner; the token is checked in Redis right
 * before each shard update the worker sends, so a worker that was paused or
 * cut off past its lease does not overwrite the new owner's assignment.
 * Workers heartbeat into the group; shards are spread over the live workers
 * by rendezvous hashing (a join or leave moves only the shards that must
 * move). A shard the runner does not own is in state
 * TC_RUNNER_SHARD_NOT_OWNED and is never touched. A killed worker's shards
 * are taken over within the lease TTL plus one round; a stopped runner
 * releases its leases (the next owner assigns within a round). While Redis
 * cannot be reached the runner keeps the sockets it has, takes no new
 * shards, updates no shard (tc_runner_group_to_json() says "unreachable")
 * and reconnects with a backoff. Without hiredis at build time a group
 * fails with TC_ENOTSUPPORTED. Group runners run WebSocket shards.
 */
#ifndef TWITCHCONDUITS_RUNNER_H
#define TWITCHCONDUITS_RUNNER_H

#include <twitchconduits/common.h>
#include <twitchconduits/conduits.h>
#include <twitchconduits/listener.h>
#include <twitchconduits/transport.h>
#include <twitchconduits/webhook.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef struct tc_runner tc_runner;
/* A snapshot of one shard's health (see the accessors below). */
typedef struct tc_runner_shard tc_runner_shard;

/* Where a shard is in its life. Frozen values. */
typedef enum tc_runner_shard_state {
    TC_RUNNER_SHARD_STARTING = 0,   /* not yet connected or assigned */
    TC_RUNNER_SHARD_CONNECTING = 1, /* WebSocket: waiting for a welcome */
    TC_RUNNER_SHARD_ASSIGNING = 2,  /* the shard update is in flight (or being retried) */
    TC_RUNNER_SHARD_ENABLED = 3,    /* assigned; receiving events */
    TC_RUNNER_SHARD_LOST = 4,       /* the transport failed; reconnecting/re-assigning after a backoff */
    TC_RUNNER_SHARD_STOPPED = 5,    /* the runner stopped */
    TC_RUNNER_SHARD_NOT_OWNED = 6   /* group: another worker owns it (or nobody yet) */
} tc_runner_shard_state;

/* One shard to run. */
typedef struct tc_runner_shard_spec {
    const char *shard_id;          /* "0", "1", ... */
    tc_transport_type transport;   /* TC_TRANSPORT_WEBSOCKET or TC_TRANSPORT_WEBHOOK */
    const char *webhook_secret;    /* webhook: 10..100 ASCII characters; NULL = a random one */
} tc_runner_shard_spec;

/* An event from any shard. status is TC_OK, or TC_ECANCELED when the
 * manager was freed while it was being handed over. shard_id and msg are
 * borrowed until the callback returns (tc_event_dup() to keep). */
typedef void (*tc_runner_event_cb)(tc_status status, const char *shard_id, const tc_event *msg,
                                   void *userdata);
/* A shard changed state (or status, session, error). The snapshot is
 * borrowed until the callback returns. */
typedef void (*tc_runner_shard_cb)(const tc_runner_shard *shard, void *userdata);
/* The runner stopped (done_cb), or every shard was enabled once (ready_cb,
 * TC_OK; never called when the runner stops first). */
typedef void (*tc_runner_done_cb)(tc_status status, void *userdata);

/* Flags for tc_runner_options.flags. */
#define TC_RUNNER_F_NO_DISABLED_SUB 0x1u /* do not subscribe to conduit.shard.disabled */
#define TC_RUNNER_F_SHRINK_ON_STOP 0x2u  /* on stop, shrink a conduit the runner grew back to its
                                            old size (or delete one it created) */

#define TC_RUNNER_OPTIONS_VERSION 2

/* Options for tc_runner_start(). Strings and arrays are copied; 0/NULL
 * fields take the default given beside them. Append-only. */
typedef struct tc_runner_options {
    unsigned int version;             /* TC_RUNNER_OPTIONS_VERSION */
    const char *conduit_id;           /* NULL = create a conduit */
    /* Shards the conduit must have at least: a smaller conduit is grown
     * (tc_conduit_update). 0 = enough for `shards`; with shards NULL too,
     * every shard of an existing conduit (1 for a new one). */
    int shard_count;
    /* The shards to run. NULL = shards 0..shard_count-1 (all of an existing
     * conduit when shard_count is 0), each over default_transport. */
    const tc_runner_shard_spec *shards;
    size_t shards_len;
    /* TC_TRANSPORT_WEBSOCKET (the INIT/_init value) or _WEBHOOK. The one
     * field whose 0 is not its default: 0 is TC_TRANSPORT_WEBHOOK. */
    tc_transport_type default_transport;
    const char *ws_url;               /* NULL = "wss://eventsub.wss.twitch.tv/ws" */
    int keepalive_timeout_s;          /* 0 = the server's default; 10..600 is asked for in the URL */
    /* Webhook shards: the embedded listener the runner creates (its
     * event_cb/reject_cb are ignored: events go to this event_cb). NULL =
     * the listener defaults (127.0.0.1, a free port). */
    const tc_listener_options *listener;
    /* The public URL Twitch calls for webhook shards, to which the route key
     * is appended (e.g. "https://bot.example.com/eventsub/"); NULL = the
     * listener's base URL (only useful behind a proxy or with a mock). */
    const char *webhook_callback_base;
    tc_runner_event_cb event_cb;      /* NULL = the pull form (completion.h) */
    void *event_userdata;
    tc_runner_shard_cb shard_cb;      /* NULL = none */
    void *shard_userdata;
    tc_runner_done_cb ready_cb;       /* NULL = none */
    void *ready_userdata;
    long list_interval_s;             /* periodic shard list; 0 = 60; -1 = never */
    size_t max_message_bytes;         /* largest WebSocket message; 0 = 1 MiB */
    long keepalive_margin_ms;         /* silence allowed beyond keepalive_timeout_seconds; 0 = 3000 */
    long reconnect_base_ms;           /* first backoff; 0 = 500 */
    long reconnect_max_ms;            /* backoff cap; 0 = 30000 */
    unsigned int flags;               /* TC_RUNNER_F_* */
    /* Version 2: run as one worker of a group (see "Groups" above). */
    const char *group;                /* NULL = no group (every shard given is ours, as in version 1) */
    const char *redis_url;            /* with group: redis://[:password@]host[:port][/db] or unix:///path */
    const char *worker_id;            /* NULL = "<hostname>:<pid>"; unique in the group */
    long lease_ttl_ms;                /* 0 = 15000; 300..600000 */
} tc_runner_options;

/* Like TC_VERSIONED_INIT_ (common.h), plus default_transport: its 0 is
 * TC_TRANSPORT_WEBHOOK (enum values are frozen), so this macro and
 * tc_runner_options_init() set TC_TRANSPORT_WEBSOCKET, and a designated
 * initialiser that leaves it out asks for webhook shards. */
#ifdef __cplusplus
#define TC_RUNNER_OPTIONS_INIT                                                           \
    ([]() {                                                                              \
        tc_runner_options tc_init_value_ = tc_runner_options();                          \
        tc_init_value_.version = TC_RUNNER_OPTIONS_VERSION;                              \
        tc_init_value_.default_transport = TC_TRANSPORT_WEBSOCKET;                       \
        return tc_init_value_;                                                           \
    }())
#else
#define TC_RUNNER_OPTIONS_INIT \
    { .version = TC_RUNNER_OPTIONS_VERSION, .default_transport = TC_TRANSPORT_WEBSOCKET }
#endif

/* Fill opts with the defaults of `version` (TC_EVERSION if unknown). */
TC_API tc_status tc_runner_options_init(tc_runner_options *opts, unsigned int version);

/* 1 when the libcurl in use speaks WebSocket (ws/wss), else 0. Without it,
 * runners with WebSocket shards fail with TC_ENOTSUPPORTED and a message
 * naming the fix (libcurl 8.11+ built with WebSockets; on Debian 12 from
 * bookworm-backports); everything else works. */
TC_API int tc_runner_websocket_supported(void);

/*
 * Start running a conduit. Checks the options (TC_EINVAL names the field;
 * TC_ENOTSUPPORTED for WebSocket shards without WebSocket support;
 * TC_ENETWORK when the listener cannot bind; TC_ECLOSED when the manager is
 * being freed) and returns at once with *out set (the caller's, freed with
 * tc_runner_free(); opts and everything it points to are copied); the work
 * happens on the I/O thread. done_cb (required) runs exactly once when the
 * runner stops.
 */
TC_API tc_status tc_runner_start(tc_runner **out, tc_conduits *c, const tc_runner_options *opts,
                                 tc_runner_done_cb done_cb, void *userdata);

/* Stop: close every socket with a close frame, remove the listener's
 * routes (and shrink the conduit with TC_RUNNER_F_SHRINK_ON_STOP); done_cb
 * then runs with TC_OK. TC_OK also when already stopping or stopped. */
TC_API tc_status tc_runner_stop(tc_runner *r);

/* Free the handle; a running runner is stopped first. NULL-safe. */
TC_API void tc_runner_free(tc_runner *r);

/* The conduit id once known (given, or created), else "". Owned by r,
 * valid until tc_runner_free(r); a "" returned before the id was known
 * stays "": ask again. */
TC_API const char *tc_runner_conduit_id(const tc_runner *r);

/* The callback URL base of webhook shards ("" without webhook shards).
 * Owned by r, valid until tc_runner_free(r). */
TC_API const char *tc_runner_webhook_base_url(const tc_runner *r);

/* How many shards the runner owns (0 until the conduit is known), and a
 * snapshot of one by index or by id (TC_ENOTFOUND). Free with
 * tc_runner_shard_free(). */
TC_API size_t tc_runner_shard_count(const tc_runner *r);
TC_API tc_status tc_runner_shard_at(tc_runner_shard **out, const tc_runner *r, size_t index);
TC_API tc_status tc_runner_shard_get(tc_runner_shard **out, const tc_runner *r, const char *shard_id);
/* A copy, the caller's: free it with tc_runner_shard_free(). */
TC_API tc_status tc_runner_shard_dup(tc_runner_shard **out, const tc_runner_shard *s);
/* NULL-safe. Only for snapshots the caller owns (_at, _get, _dup), never
 * for the one a tc_runner_shard_cb was given. */
TC_API void tc_runner_shard_free(tc_runner_shard *s);

/* Snapshot accessors. Strings are owned by the snapshot, valid until it is
 * freed (inside a shard_cb: until it returns), never NULL. */
TC_API const char *tc_runner_shard_id(const tc_runner_shard *s);
TC_API tc_runner_shard_state tc_runner_shard_state_get(const tc_runner_shard *s);
/* "starting", "connecting", "assigning", "enabled", "lost", "stopped",
 * "not_owned" (static strings). */
TC_API const char *tc_runner_shard_state_name(tc_runner_shard_state state);
/* Twitch's status of the shard as last seen ("enabled",
 * "websocket_disconnected", ...); "" when not known yet. */
TC_API const char *tc_runner_shard_status(const tc_runner_shard *s);
TC_API tc_transport_type tc_runner_shard_transport(const tc_runner_shard *s);
/* The current WebSocket session id ("" for webhook shards or none yet). */
TC_API const char *tc_runner_shard_session_id(const tc_runner_shard *s);
/* Webhook shards: the callback URL (never the secret). */
TC_API const char *tc_runner_shard_callback(const tc_runner_shard *s);
/* Why the shard was last lost, one line (e.g. "close 4003 (connection
 * unused)", "keepalive timeout", "binary frame"); "" when never lost. */
TC_API const char *tc_runner_shard_error(const tc_runner_shard *s);
/* New connections / re-assignments after the first one. */
TC_API uint64_t tc_runner_shard_reconnects(const tc_runner_shard *s);
/* Unix milliseconds of the last notification or revocation; 0 = none. */
TC_API int64_t tc_runner_shard_last_event_ms(const tc_runner_shard *s);
/* Milliseconds from the last welcome to the shard's assignment; -1 = none. */
TC_API double tc_runner_shard_assign_latency_ms(const tc_runner_shard *s);
/* Notifications and revocations received on this shard, and how many of
 * them were duplicates (not delivered). */
TC_API uint64_t tc_runner_shard_events(const tc_runner_shard *s);
TC_API uint64_t tc_runner_shard_duplicates(const tc_runner_shard *s);
/* {"shard_id":..,"state":..,"status":..,"transport":"websocket",
 * "session_id":..,"callback":..,"error":..,"reconnects":..,
 * "last_event_ms":..,"assign_latency_ms":..,"events":..,"duplicates":..};
 * never a secret. Free with tc_free. */
TC_API tc_status tc_runner_shard_to_json(char **out, const tc_runner_shard *s);

/* Counters kept since tc_runner_start(). Frozen values. */
typedef enum tc_runner_stat {
    TC_RUNNER_STAT_EVENTS = 0,             /* notifications and revocations delivered */
    TC_RUNNER_STAT_DUPLICATES = 1,         /* received again and not delivered */
    TC_RUNNER_STAT_WS_CONNECTS = 2,        /* WebSocket connections opened */
    TC_RUNNER_STAT_WS_WELCOMES = 3,        /* session_welcome messages */
    TC_RUNNER_STAT_WS_KEEPALIVES = 4,      /* session_keepalive messages */
    TC_RUNNER_STAT_ASSIGNS = 5,            /* successful shard assignments */
    TC_RUNNER_STAT_ASSIGN_FAILURES = 6,    /* shard updates that failed (then retried) */
    TC_RUNNER_STAT_RECONNECTS = 7,         /* WebSocket reconnects after a loss */
    TC_RUNNER_STAT_HANDOVERS = 8,          /* session_reconnect hand-overs completed */
    TC_RUNNER_STAT_KEEPALIVE_TIMEOUTS = 9, /* sockets declared dead by the watchdog */
    TC_RUNNER_STAT_PROTOCOL_ERRORS = 10,   /* bad frames or messages (binary, bad JSON, too large, ...) */
    TC_RUNNER_STAT_REPAIRS = 11,           /* shards repaired after a shard.disabled event or a listing */
    TC_RUNNER_STAT_SHARD_LISTS = 12,       /* periodic shard listings completed */
    TC_RUNNER_STAT_LEASES_ACQUIRED = 13,   /* group: shard leases taken */
    TC_RUNNER_STAT_LEASES_RELEASED = 14,   /* group: shard leases given up (rebalance or stop) */
    TC_RUNNER_STAT_LEASES_LOST = 15,       /* group: leases found held by another worker */
    TC_RUNNER_STAT_FENCE_REJECTS = 16      /* group: shard updates not sent: the fencing check failed */
} tc_runner_stat;

/* Read a counter; 0 for a bad handle or unknown counter. */
TC_API uint64_t tc_runner_stat_get(const tc_runner *r, tc_runner_stat which);
/* The counter's stable snake_case name ("events", "ws_connects", ...; a
 * static string); NULL for an unknown value. */
TC_API const char *tc_runner_stat_name(tc_runner_stat which);

/* A group runner's view of its group: {"group":..,"worker_id":..,
 * "redis":"connecting"|"connected"|"unreachable"|"stopped","error":..,
 * "live_workers":N,"owned":[{"shard_id":"0","fencing_token":N},...]};
 * never a password. TC_ENOTFOUND for a runner without a group. Free with
 * tc_free. */
TC_API tc_status tc_runner_group_to_json(char **out, const tc_runner *r);

/* Who owns which shard of conduit_id in a group, read from Redis (blocks
 * for at most about timeout_ms; 0 = 2000):
 * {"shards":[{"shard_id":"0","owner":"ID"|null,"lease_ms_left":N,
 * "fencing_token":N},...]} over the shard count the group's workers last
 * recorded (none: an empty list). TC_ENETWORK when Redis cannot be reached,
 * TC_ENOTSUPPORTED without hiredis. Free with tc_free. */
TC_API tc_status tc_runner_group_owners(char **out, const char *redis_url, const char *group, const char *conduit_id,
                                        long timeout_ms);

#ifdef __cplusplus
}
#endif

#endif /* TWITCHCONDUITS_RUNNER_H */
