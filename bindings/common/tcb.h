/*
 * tcb: the bridge every language binding is built on.
 *
 * The C API reports completions through function pointers. Binding those
 * through SWIG three times over is fragile (Ruby procs must never run on a
 * library thread, Python needs the GIL, Go needs cgo trampolines). The bridge
 * turns every completion into a *future*: a record the binding owns, filled
 * by a C callback with copies of the result, then either
 *   - queued on the client's ready queue, which the binding drains on its own
 *     thread after tcb_client_poll() (Ruby, Python: caller-driven mode), or
 *   - handed to a notify function the binding installs (Go: a cgo-exported
 *     trampoline, with the dispatch thread).
 * So only plain data crosses SWIG. Events from the embedded listener arrive
 * the same way, as futures of kind TCB_KIND_EVENT / TCB_KIND_REJECT.
 *
 * Reference counting: a future returned by a submit call holds two
 * references, the caller's and the operation's. The operation's reference
 * goes with the future to the ready queue (tcb_client_next_ready() hands it
 * to the caller) or to the notify function. Release each reference exactly
 * once with tcb_future_release().
 *
 * Submit calls never fail silently: when the C API refuses the work, the
 * future comes back already completed with the error (status, message), and
 * it is NOT queued or notified (one reference only: the caller's). So a
 * binding has one code path: submit, then wait for tcb_future_done().
 *
 * This file is compiled into each binding's extension module; none of it is
 * exported by libtwitchconduits.
 */
#ifndef TWITCHCONDUITS_BINDINGS_TCB_H
#define TWITCHCONDUITS_BINDINGS_TCB_H

#include <twitchconduits.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef struct tcb_config tcb_config;
typedef struct tcb_client tcb_client;
typedef struct tcb_future tcb_future;
typedef struct tcb_specs tcb_specs;
typedef struct tcb_assignments tcb_assignments;
typedef struct tcb_pairs tcb_pairs;

/* ---- configuration: tc_conduits_options by name, so bindings take kwargs ---- */

tcb_config *tcb_config_new(void);
void tcb_config_free(tcb_config *cfg);
/* String options: client_id, client_secret, app_token, callback_url,
 * api_base_url, auth_base_url, ca_file. NULL value clears. TC_EINVAL for an
 * unknown name. */
tc_status tcb_config_set_string(tcb_config *cfg, const char *name, const char *value);
/* Integer options: connect_timeout_ms, request_timeout_ms, max_attempts,
 * backoff_base_ms, backoff_max_ms, ratelimit_max_wait_ms, max_concurrency,
 * max_response_bytes, token_refresh_margin_s, flags (TC_CONDUITS_F_*),
 * random_seed, token_validate_interval_s (-1 = never). TC_EINVAL for an
 * unknown name or a negative value (but that -1). */
tc_status tcb_config_set_int(tcb_config *cfg, const char *name, long long value);

/* ---- the client: a manager plus a ready queue ---- */

/* Create a client from cfg (copied). NULL on failure: see tcb_last_status()
 * and tc_last_error_message(). */
tcb_client *tcb_client_new(const tcb_config *cfg);
/* Free the client: pending operations complete with TC_ECANCELED first (into
 * their futures, which stay valid until released). NULL-safe. */
void tcb_client_free(tcb_client *cl);
/* The manager, for the direct tc_* calls (stats, fd, wakeup). */
tc_conduits *tcb_client_manager(tcb_client *cl);

/* Notify mode: fn(future, userdata) is called for every completed future
 * (instead of queueing it), on whichever thread runs callbacks; fn owns the
 * operation's reference. Set it before submitting work. */
typedef void (*tcb_notify_fn)(tcb_future *f, void *userdata);
void tcb_client_set_notify(tcb_client *cl, tcb_notify_fn fn, void *userdata);

/* Wait up to timeout_ms for completions (-1 = no limit; 0 = just look), then
 * run the C callbacks, which fill futures. Returns how many futures are
 * ready, or a negative tc_status (TC_EBUSY in dispatch-thread mode). */
int tcb_client_poll(tcb_client *cl, int timeout_ms);
/* Poll until `f` is done or timeout_ms passes. TC_OK when done,
 * TC_ETIMEDOUT otherwise. In dispatch-thread mode it waits on the future. */
tc_status tcb_client_wait_for(tcb_client *cl, tcb_future *f, int timeout_ms);
/* The next ready future (the caller now owns the operation's reference), or
 * NULL when none is ready. */
tcb_future *tcb_client_next_ready(tcb_client *cl);
/* Operations submitted and not yet completed. */
size_t tcb_client_pending(tcb_client *cl);
/* Make a blocked poll return (any thread). */
void tcb_client_wakeup(tcb_client *cl);

/* ---- futures ---- */

/* What a future holds once done. Frozen values. */
typedef enum tcb_kind {
    TCB_KIND_NONE = 0,          /* nothing but status (delete) */
    TCB_KIND_TOKEN = 1,         /* tcb_future_token_obj() */
    TCB_KIND_CONDUIT = 2,       /* tcb_future_conduit() */
    TCB_KIND_CONDUIT_LIST = 3,  /* tcb_future_conduit_list() */
    TCB_KIND_SHARD = 4,         /* tcb_future_shard() */
    TCB_KIND_SHARD_LIST = 5,    /* tcb_future_shard_list() */
    TCB_KIND_SHARD_UPDATE = 6,  /* tcb_future_shard_update() */
    TCB_KIND_BATCH = 7,         /* tcb_future_batch() */
    TCB_KIND_SUBSCRIPTIONS = 8, /* tcb_future_subscription_count()/_get() */
    TCB_KIND_RESPONSE = 9,      /* tcb_future_response() */
    TCB_KIND_EVENT = 10,        /* tcb_future_message(), tcb_future_route_key() */
    TCB_KIND_REJECT = 11,       /* same accessors as an event */
    TCB_KIND_VIEW_CHANGE = 12   /* tcb_future_view_change(), tcb_future_view_id() */
} tcb_kind;

void tcb_future_retain(tcb_future *f);
void tcb_future_release(tcb_future *f); /* NULL-safe */
int tcb_future_done(const tcb_future *f);
tcb_kind tcb_future_kind(const tcb_future *f);
/* The token the binding gave at submission (its key for the callback). */
unsigned long long tcb_future_token(const tcb_future *f);
unsigned long long tcb_future_op_id(const tcb_future *f); /* 0 when never submitted */
/* Ask the operation to stop; it completes with TC_ECANCELED. TC_ENOTFOUND
 * once it has completed. */
tc_status tcb_future_cancel(tcb_future *f);
/* Status, HTTP status (0 when none) and message ("" on success) of the
 * completion; only meaningful once done. */
tc_status tcb_future_status(const tcb_future *f);
int tcb_future_http_status(const tcb_future *f);
const char *tcb_future_error(const tcb_future *f);
/* Batch progress so far (create, cleanup, reconcile). */
size_t tcb_future_progress_done(const tcb_future *f);
size_t tcb_future_progress_total(const tcb_future *f);

/* Results, borrowed from the future (valid until its last release); NULL
 * when the future holds another kind or the operation failed. */
const tc_token *tcb_future_token_obj(const tcb_future *f);
const tc_conduit *tcb_future_conduit(const tcb_future *f);
const tc_conduit_list *tcb_future_conduit_list(const tcb_future *f);
const tc_shard *tcb_future_shard(const tcb_future *f);
const tc_shard_list *tcb_future_shard_list(const tcb_future *f);
const tc_shard_update_result *tcb_future_shard_update(const tcb_future *f);
const tc_subscription_batch *tcb_future_batch(const tcb_future *f);
const tc_response *tcb_future_response(const tcb_future *f);
size_t tcb_future_subscription_count(const tcb_future *f);
const tc_subscription *tcb_future_subscription_get(const tcb_future *f, size_t index);
const tc_event *tcb_future_message(const tcb_future *f);
const char *tcb_future_route_key(const tcb_future *f);
/* A TCB_KIND_VIEW_CHANGE future: what changed (a tc_view_change) and the
 * subscription or conduit id ("" for TC_VIEW_SYNCED); -1 / "" otherwise. */
int tcb_future_view_change(const tcb_future *f);
const char *tcb_future_view_id(const tcb_future *f);
/* The result as JSON (the to_json of whatever the future holds; "null" when
 * nothing). Free with tc_free. NULL on failure. */
char *tcb_future_result_json(const tcb_future *f, int include_secret);

/* ---- builders for array arguments ---- */

tcb_specs *tcb_specs_new(void);
void tcb_specs_free(tcb_specs *s);
tc_status tcb_specs_add(tcb_specs *s, const char *type, const char *version, const char *condition_json);
size_t tcb_specs_count(const tcb_specs *s);

tcb_assignments *tcb_assignments_new(void);
void tcb_assignments_free(tcb_assignments *a);
/* A webhook (secret required) or websocket assignment. */
tc_status tcb_assignments_add_webhook(tcb_assignments *a, const char *shard_id, const char *callback_url,
                                      const char *secret);
tc_status tcb_assignments_add_websocket(tcb_assignments *a, const char *shard_id, const char *session_id);
size_t tcb_assignments_count(const tcb_assignments *a);

/* Name/value pairs: request headers for tcb_webhook_handle(), query
 * parameters for tcb_request() (the library percent-encodes them). */
tcb_pairs *tcb_pairs_new(void);
void tcb_pairs_free(tcb_pairs *p);
tc_status tcb_pairs_add(tcb_pairs *p, const char *name, const char *value);
size_t tcb_pairs_count(const tcb_pairs *p);

/* ---- operations: each returns a future (never NULL but on out of memory) ---- */

tcb_future *tcb_token_get(tcb_client *cl, int force_refresh, unsigned long long token);
tcb_future *tcb_token_validate(tcb_client *cl, unsigned long long token);
tcb_future *tcb_token_revoke(tcb_client *cl, unsigned long long token);
tcb_future *tcb_conduits_list(tcb_client *cl, unsigned long long token);
tcb_future *tcb_conduit_create(tcb_client *cl, int shard_count, unsigned long long token);
tcb_future *tcb_conduit_update(tcb_client *cl, const char *conduit_id, int shard_count, unsigned long long token);
tcb_future *tcb_conduit_delete(tcb_client *cl, const char *conduit_id, unsigned long long token);
tcb_future *tcb_shards_list(tcb_client *cl, const char *conduit_id, const char *status_filter,
                            unsigned long long token);
tcb_future *tcb_shard_update(tcb_client *cl, const char *conduit_id, const tcb_assignments *a,
                             unsigned long long token);
tcb_future *tcb_shard_create(tcb_client *cl, const char *conduit_id, const char *callback_url,
                             const char *route_key, unsigned long long token);
/* last_callback/last_secret: the last shard's webhook transport when it is a
 * webhook (Twitch never returns secrets); both NULL otherwise. */
tcb_future *tcb_shard_remove(tcb_client *cl, const char *conduit_id, const char *shard_id,
                             const char *last_callback, const char *last_secret, unsigned long long token);
/* concurrency 0 = the library's default. */
tcb_future *tcb_subscriptions_create(tcb_client *cl, const char *conduit_id, const tcb_specs *specs,
                                     int concurrency, unsigned long long token);
/* At most one filter non-NULL (Twitch's rule). Collects every page. */
tcb_future *tcb_subscriptions_list(tcb_client *cl, const char *status, const char *type, const char *user_id,
                                   const char *subscription_id, const char *conduit_id, unsigned long long token);
tcb_future *tcb_subscription_delete(tcb_client *cl, const char *subscription_id, unsigned long long token);
tcb_future *tcb_subscriptions_cleanup(tcb_client *cl, const char *conduit_id, unsigned int flags,
                                      int concurrency, unsigned long long token);
tcb_future *tcb_subscriptions_reconcile(tcb_client *cl, const char *conduit_id, const tcb_specs *specs,
                                        unsigned int flags, int concurrency, unsigned long long token);
/* tc_subscriptions_create_by_type(): type_list holds the type names
 * ("channel.follow" or "channel.follow@2") separated by '\n'; NULL or ""
 * = no types (with TC_BY_TYPE_F_ALL_FILLABLE: every type the condition
 * fills). */
tcb_future *tcb_subscriptions_create_by_type(tcb_client *cl, const char *conduit_id, const char *type_list,
                                             const char *condition_json, unsigned int flags, int concurrency,
                                             unsigned long long token);
/* tc_conduits_sync(): load the synced view (queried with tc_view_*). Not
 * named tcb_conduits_sync: the shared interface ignores every "_sync" name. */
tcb_future *tcb_sync_view(tcb_client *cl, unsigned long long token);
/* Deliver every change of the synced view as a TCB_KIND_VIEW_CHANGE future
 * with `token` (queued or notified like events); token 0 stops. */
tc_status tcb_view_watch(tcb_client *cl, unsigned long long token);
/* A generic Helix call; query and body may be NULL. */
tcb_future *tcb_request(tcb_client *cl, tc_method method, const char *path, const tcb_pairs *query,
                        const char *body, unsigned int flags, unsigned long long token);

/* ---- the embedded listener: its messages arrive as futures with `token` ---- */

/* bind_address NULL = 127.0.0.1; port 0 = free port; prefix NULL =
 * "/eventsub/"; max_body_bytes 0 = 1 MiB. Rejections are delivered too
 * (TCB_KIND_REJECT) when report_rejects != 0. tls_cert_file/tls_key_file
 * (PEM, both or neither) serve HTTPS. NULL on failure (see
 * tcb_last_status()). */
tc_listener *tcb_listener_new(tcb_client *cl, const char *bind_address, int port, const char *prefix,
                              size_t max_body_bytes, int report_rejects, unsigned long long token,
                              const char *tls_cert_file, const char *tls_key_file);

/* ---- framework-neutral webhook handling (synchronous) ---- */

/* tc_webhook_handle() with a header builder; never NULL but on out of
 * memory: answer with the message's http status and body, then free it. */
tc_event *tcb_webhook_handle(tc_webhook_verifier *v, const tcb_pairs *headers, const char *body,
                                       size_t body_len);
/* The signature header value for a message (tests, mocks); free with
 * tc_free. NULL on failure. */
char *tcb_webhook_sign(const char *secret, const char *message_id, const char *timestamp, const char *body,
                       size_t body_len);
/* A verifier with the default options and one secret; NULL on failure. */
tc_webhook_verifier *tcb_webhook_verifier_new(const char *secret, long max_age_s);

/* ---- plain-pointer forms of out-parameter calls ---- */

/* The status of the last tcb_* call on this thread that returned NULL. */
tc_status tcb_last_status(void);
/* JSON of an object (free with tc_free); NULL with tcb_last_status() set. */
char *tcb_conduit_json(const tc_conduit *x);
char *tcb_shard_json(const tc_shard *x, int include_secret);
char *tcb_event_json(const tc_event *x);
char *tcb_subscription_json(const tc_subscription *x);
tc_event *tcb_event_dup(const tc_event *m);
/* The disabled shard of a conduit.shard.disabled notification (caller
 * frees with tc_shard_free); NULL with TC_ENOTFOUND for other messages. */
tc_shard *tcb_event_disabled_shard(const tc_event *m);
tc_users *tcb_users_new(void);
/* tc_users_add() with no subscriptions (add them with tc_users_add_subscription). */
tc_status tcb_users_add(tc_users *u, const char *key, const char *user_id);
tc_user_id_list *tcb_users_list(const tc_users *u);
tc_user *tcb_users_get_by_key(const tc_users *u, const char *key);
tc_user *tcb_users_get_by_user_id(const tc_users *u, const char *user_id);
tc_user *tcb_users_get_by_subscription(const tc_users *u, const char *subscription_id);
/* Removes and returns the removed user (caller frees). */
tc_user *tcb_users_remove(tc_users *u, const char *user_id);
char *tcb_user_json(const tc_user *x, int include_key);
/* Free text returned by the bridge (same as tc_free). */
void tcb_free_string(char *s);

#ifdef __cplusplus
}
#endif
#endif
