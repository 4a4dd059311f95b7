/* A conduit runner against the mock, for the runner's integration tests: the
 * mock with short WebSocket timings, a manager, a subscription to deliver
 * through, and a record of every callback (run on the polling test thread)
 * that counts message ids exactly. */
#ifndef TC_TEST_RUNNER_HARNESS_H
#define TC_TEST_RUNNER_HARNESS_H

#include "fixture.h"

#include <pthread.h>

#define RH_MAX_IDS 4096
#define RH_MAX_SHARDS 8

typedef struct rh_shard_seen {
    char id[16];
    int changes;                 /* shard callbacks */
    int enabled_count;           /* callbacks in state enabled */
    int lost_count;              /* callbacks in state lost */
    tc_runner_shard_state state; /* last seen */
    char session[128];           /* last seen session */
    char status[64];
    char error[256];
    char last_lost_error[256];
    char last_lost_status[64];
} rh_shard_seen;

typedef struct rh {
    tcmock *m;
    tc_conduits *c;
    tc_runner *r;
    char conduit[80];
    char sub_id[64];
    /* Callbacks (test thread). */
    int done_calls;
    tc_status done_status;
    int ready_calls;
    int events;
    int event_errors; /* status != TC_OK, or a message without an id */
    char ids[RH_MAX_IDS][48];
    int id_counts[RH_MAX_IDS];
    int id_count;
    char last_transport[16];
    rh_shard_seen shards[RH_MAX_SHARDS];
    int shard_seen;
} rh;

/* Starts the mock (allow_http_callbacks, ws_keepalive_min_s 1, pings off,
 * assign timeout 2 s, reconnect grace 2 s) and a manager. */
void rh_setup(rh *h);
/* Frees the runner (if any), the manager and the mock. */
void rh_teardown(rh *h);
/* Options with the harness's callbacks, the mock's ws URL, a 1 s keepalive, a
 * 400 ms margin, 20..200 ms backoffs, no periodic listing. */
tc_runner_options rh_options(rh *h);
/* tc_runner_start() that must succeed. */
void rh_start(rh *h, const tc_runner_options *o);
/* Creates a stream.online subscription on h->conduit (sub_id). */
void rh_subscribe(rh *h);
/* The same for another broadcaster id, its id into id_out. */
void rh_subscribe_to(rh *h, const char *broadcaster, char *id_out, size_t id_len);
/* The shard the mock routes a key to (FNV-1a-64 mod shard_count). */
int rh_route(const char *key, int shard_count);

/* Polls until cond(h, arg) or fails the test after timeout_ms naming `what`. */
typedef int (*rh_cond)(rh *h, const void *arg);
void rh_wait(rh *h, rh_cond cond, const void *arg, int timeout_ms, const char *what);
/* Common conditions. */
int rh_ready(rh *h, const void *unused);
int rh_done(rh *h, const void *unused);
int rh_events_at_least(rh *h, const void *n /* const int* */);
/* Every shard the runner owns is enabled, with a session (WebSocket) that
 * differs from the one in arg (const char* per shard 0; NULL = any). */
int rh_shard0_enabled_not(rh *h, const void *old_session);
int rh_all_enabled(rh *h, const void *unused);

/* The seen-record of a shard id (created on first use). */
rh_shard_seen *rh_shard(rh *h, const char *id);
/* How many times `id` reached the event callback. */
int rh_seen(const rh *h, const char *id);

/* A snapshot of shard `id` copied out: state, session, status, error. */
typedef struct rh_snap {
    tc_runner_shard_state state;
    char session[128], status[64], error[256], callback[256];
    uint64_t reconnects, events, duplicates;
    double latency_ms;
} rh_snap;
rh_snap rh_snapshot(rh *h, const char *id);

/* POST /_mock/<path> over a fresh loopback connection; returns the HTTP
 * status and copies the body into out (may be NULL). */
int rh_mock_post(rh *h, const char *path, const char *body, char *out, size_t outlen);
/* The same with printf formatting; fails the test unless 2xx. */
void rh_mockf(rh *h, const char *path, const char *fmt, ...);
/* A Helix request through the manager (tc_request_sync; a GET gets
 * ?conduit_id=<h->conduit>); the body into out. */
int rh_helix(rh *h, tc_method method, const char *path, const char *body, char *out, size_t outlen);
/* Twitch's status and session of one shard, from Get Conduit Shards. */
void rh_twitch_shard(rh *h, const char *shard_id, char *status, size_t slen, char *session, size_t sesslen);

/* Delivers notifications from a thread while the test disrupts the socket:
 * ids "<prefix>-<k>" for k < n, each with wait:true; records which ones the
 * mock reports delivered. pause/paused let a test hold it between messages. */
typedef struct rh_feeder {
    rh *h;
    char prefix[32];
    int n;
    int delivered[RH_MAX_IDS]; /* 1 = the mock wrote it to a socket or shard */
    pthread_t thread;
    pthread_mutex_t mu;
    int sent;        /* attempted so far */
    int pause;       /* set by the test */
    int paused;      /* the feeder is holding */
    int stop;
    const char *broadcaster; /* routing key; NULL = 1337 */
} rh_feeder;
void rh_feeder_start(rh_feeder *f, rh *h, const char *prefix, int n);
int rh_feeder_sent(rh_feeder *f);
/* Holds the feeder between two messages and waits until it holds. */
void rh_feeder_hold(rh_feeder *f, int hold);
void rh_feeder_join(rh_feeder *f);
/* Waits until every message the feeder got delivered reached the callback,
 * then checks each reached it exactly once; returns how many. */
int rh_feeder_check(rh_feeder *f, int timeout_ms);

#endif
