/*
 * twitchconduits: EventSub subscriptions routed to a conduit — create many
 * with a result per item (never a duplicate, never a lost one), list page by
 * page, delete, clean up, and reconcile towards a desired set.
 */
#ifndef TWITCHCONDUITS_SUBSCRIPTION_H
#define TWITCHCONDUITS_SUBSCRIPTION_H

#include <twitchconduits/conduits.h>
#include <twitchconduits/request.h>
#include <twitchconduits/shard.h>
#include <twitchconduits/transport.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef struct tc_subscription tc_subscription;
/* One page of a listing. */
typedef struct tc_subscription_list tc_subscription_list;
/* Per-item results of a batch (create, cleanup, reconcile). */
typedef struct tc_subscription_batch tc_subscription_batch;

/* What to subscribe to. condition_json is a JSON object, e.g.
 * "{\"broadcaster_user_id\":\"1337\"}". */
typedef struct tc_subscription_spec {
    const char *type;    /* e.g. "stream.online" */
    const char *version; /* e.g. "1" */
    const char *condition_json;
} tc_subscription_spec;

/* The outcome of one batch item. Frozen values. */
typedef enum tc_item_outcome {
    TC_ITEM_CREATED = 0,     /* created now */
    TC_ITEM_EXISTED = 1,     /* already existed (409 or found): adopted, not an error */
    TC_ITEM_FAILED = 2,      /* see the item's status and message */
    TC_ITEM_OVER_BUDGET = 3, /* refused: max_total_cost reached */
    TC_ITEM_CANCELED = 4,    /* not done: the batch was cancelled */
    TC_ITEM_DELETED = 5,     /* deleted now */
    TC_ITEM_GONE = 6,        /* was already deleted (404): not an error */
    TC_ITEM_TO_CREATE = 7,   /* dry run: would be created */
    TC_ITEM_TO_DELETE = 8    /* dry run: would be deleted */
} tc_item_outcome;

/* "created", "existed", "failed", "over_budget", "canceled", "deleted", "gone",
 * "to_create", "to_delete"; NULL for an unknown value. */
TC_API const char *tc_item_outcome_name(tc_item_outcome outcome);

/* `batch` is borrowed until the callback returns (tc_subscription_batch_dup
 * to keep it). */
typedef void (*tc_subscription_batch_cb)(tc_status status, const tc_subscription_batch *batch, void *userdata);
/* Progress of a long batch, on the same thread as completions. */
typedef void (*tc_progress_cb)(size_t done, size_t total, void *userdata);

#define TC_BATCH_OPTIONS_VERSION 1
typedef struct tc_batch_options {
    unsigned int version;       /* TC_BATCH_OPTIONS_VERSION */
    int concurrency;            /* > 0: that many requests in flight, fixed. 0 (default): adaptive,
                                 * an in-flight window that starts at 16 (or at the rate-limit
                                 * points left, when known), grows while latency stays flat,
                                 * halves on 429/5xx/timeouts, stays within the manager's
                                 * max_concurrency and never launches more than the pacer's
                                 * points left (see docs/design.md) */
    tc_progress_cb progress;    /* NULL = none */
    void *progress_userdata;
    size_t progress_every;      /* items between progress calls; 0 = about 1% */
} tc_batch_options;
#define TC_BATCH_OPTIONS_INIT TC_VERSIONED_INIT_(tc_batch_options, TC_BATCH_OPTIONS_VERSION)
/* Fill opts with the defaults of `version` (TC_EVERSION if unknown). */
TC_API tc_status tc_batch_options_init(tc_batch_options *opts, unsigned int version);

/* Create subscriptions on a conduit (specs and opts are copied before the
 * call returns). A subscription that already exists (409)
 * is adopted and reported TC_ITEM_EXISTED; POSTs are retried safely because
 * of that. The completion is TC_OK when no item failed, TC_EPARTIAL
 * otherwise; `batch` is always given once the batch ran. */
TC_API tc_status tc_subscriptions_create(tc_op_id *id_out, tc_conduits *c, const char *conduit_id,
                                         const tc_subscription_spec *specs, size_t count,
                                         const tc_batch_options *opts, tc_subscription_batch_cb cb,
                                         void *userdata);

/* tc_subscriptions_create_by_type: ignore `types` and subscribe to the newest
 * version of every type whose whole condition `condition_json` fills. */
#define TC_BY_TYPE_F_ALL_FILLABLE (1u << 0)

/* The original create_subscriptions(types, condition): subscribe a conduit to
 * types given by name, with one condition object for all of them.
 *  - types[i] is "channel.follow" (its newest version, from the catalogue,
 *    <twitchconduits/catalogue.h>) or "channel.follow@2" (that version);
 *  - each type's condition is built from condition_json (a JSON object of
 *    strings, e.g. {"broadcaster_user_id":"1","moderator_user_id":"2"}): the
 *    keys the type requires, its optional keys when present, exactly one key
 *    of a one-of group (channel.raid); other keys are dropped;
 *  - an item that cannot be built fails on its own, before anything is sent:
 *    TC_ENOTFOUND (unknown type, or a version it does not have: the message
 *    lists the versions), TC_EGONE (a withdrawn version: the message names
 *    its replacement), TC_EINVAL (a condition field missing: the message
 *    names it). The others run as tc_subscriptions_create() does (bounded
 *    concurrency, 409 adoption, per-item results; progress counts them only).
 * Items are the types in order; with TC_BY_TYPE_F_ALL_FILLABLE (types may
 * then be NULL) one per type filled, in catalogue order. Completion: TC_OK
 * when no item failed, TC_EPARTIAL otherwise. TC_EINVAL at submission for a
 * NULL or empty types[i] or a condition that is not a JSON object. */
TC_API tc_status tc_subscriptions_create_by_type(tc_op_id *id_out, tc_conduits *c, const char *conduit_id,
                                                 const char *const *types, size_t type_count,
                                                 const char *condition_json, unsigned int flags,
                                                 const tc_batch_options *opts, tc_subscription_batch_cb cb,
                                                 void *userdata);

/* At most one filter may be set (Twitch's rule); all NULL lists everything. */
#define TC_SUBSCRIPTION_FILTER_VERSION 1
typedef struct tc_subscription_filter {
    unsigned int version; /* TC_SUBSCRIPTION_FILTER_VERSION */
    const char *status;
    const char *type;
    const char *user_id;
    const char *subscription_id;
    const char *conduit_id;
} tc_subscription_filter;
#define TC_SUBSCRIPTION_FILTER_INIT TC_VERSIONED_INIT_(tc_subscription_filter, TC_SUBSCRIPTION_FILTER_VERSION)
/* Fill filter with "no filter" for `version` (TC_EVERSION if unknown). */
TC_API tc_status tc_subscription_filter_init(tc_subscription_filter *filter, unsigned int version);

/* Called once per page, in order, on the completion thread; while it runs the
 * next page is fetched (never more than one ahead), so memory stays about two
 * pages whatever the total.
 * Return non-zero to stop: the listing then completes with TC_EUSER. */
typedef int (*tc_subscription_page_cb)(const tc_subscription_list *page, void *userdata);

/* List subscriptions, streaming pages to page_cb; done_cb runs once at the
 * end with the listing's status (TC_OK, TC_EUSER when page_cb stopped it,
 * or the error; tc_last_error_message() and tc_last_http_status() say
 * more). page_cb and done_cb both NULL: the pull form, each page a
 * TC_COMPLETION_PAGE (see completion.h); one of them NULL: TC_EINVAL. */
TC_API tc_status tc_subscriptions_list(tc_op_id *id_out, tc_conduits *c, const tc_subscription_filter *filter,
                                       tc_subscription_page_cb page_cb, tc_done_cb done_cb, void *userdata);

/* Delete one subscription. An unknown id completes with TC_ENOTFOUND
 * ("already gone"), distinct from failures. */
TC_API tc_status tc_subscription_delete(tc_op_id *id_out, tc_conduits *c, const char *subscription_id,
                                        tc_response_cb cb, void *userdata);

/* Delete what is not enabled. Include webhook_callback_verification_pending ones too. */
#define TC_CLEANUP_F_INCLUDE_PENDING (1u << 0)
/* The original clean_up_subscriptions(), scoped: deletes the subscriptions of
 * `conduit_id` (NULL = every subscription of the application) whose status is
 * not "enabled", keeping those still pending verification unless asked. */
TC_API tc_status tc_subscriptions_cleanup(tc_op_id *id_out, tc_conduits *c, const char *conduit_id,
                                          unsigned int flags, const tc_batch_options *opts,
                                          tc_subscription_batch_cb cb, void *userdata);

/* Only report the plan (TC_ITEM_TO_CREATE / TC_ITEM_TO_DELETE / TC_ITEM_EXISTED). */
#define TC_RECONCILE_F_DRY_RUN (1u << 0)
/* Make the conduit's subscriptions equal `specs`: create what is missing,
 * adopt what exists and is enabled, delete what is extra or not enabled
 * (recreating it when it is wanted). Items: the specs in order, then the
 * deletions. A second run over the same state does nothing. */
TC_API tc_status tc_subscriptions_reconcile(tc_op_id *id_out, tc_conduits *c, const char *conduit_id,
                                            const tc_subscription_spec *specs, size_t count, unsigned int flags,
                                            const tc_batch_options *opts, tc_subscription_batch_cb cb,
                                            void *userdata);

/* Subscription accessors: strings and the transport are owned by the
 * subscription, valid until it is freed. */
TC_API const char *tc_subscription_id(const tc_subscription *s);
TC_API const char *tc_subscription_type(const tc_subscription *s);
TC_API const char *tc_subscription_version(const tc_subscription *s);
TC_API const char *tc_subscription_status(const tc_subscription *s); /* open set */
TC_API const char *tc_subscription_condition(const tc_subscription *s); /* JSON object text */
TC_API const char *tc_subscription_created_at(const tc_subscription *s);
TC_API int tc_subscription_cost(const tc_subscription *s);
TC_API const tc_transport *tc_subscription_transport(const tc_subscription *s);
/* The user the subscription belongs to: the condition's broadcaster_user_id,
 * else user_id, else to_broadcaster_user_id; NULL when it names no user. */
TC_API const char *tc_subscription_user_id(const tc_subscription *s);
/* A deep copy, the caller's: free it with tc_subscription_free(). */
TC_API tc_status tc_subscription_dup(tc_subscription **out, const tc_subscription *s);
/* NULL-safe. Only for subscriptions the caller owns (_dup), never for one
 * borrowed from a list or batch. */
TC_API void tc_subscription_free(tc_subscription *s);
/* Free *out with tc_free. */
TC_API tc_status tc_subscription_to_json(char **out, const tc_subscription *s);

TC_API size_t tc_subscription_list_count(const tc_subscription_list *list);
/* Borrowed from the list, valid until it is freed; NULL out of range. */
TC_API const tc_subscription *tc_subscription_list_get(const tc_subscription_list *list, size_t index);
/* The page's total/total_cost/max_total_cost as Twitch reported them. */
TC_API int64_t tc_subscription_list_total(const tc_subscription_list *list);
TC_API int64_t tc_subscription_list_total_cost(const tc_subscription_list *list);
TC_API int64_t tc_subscription_list_max_total_cost(const tc_subscription_list *list);

/* Batch accessors: strings and subscriptions are borrowed from the batch,
 * valid until it is freed (inside the callback: until it returns). */
TC_API size_t tc_subscription_batch_count(const tc_subscription_batch *b);
TC_API tc_item_outcome tc_subscription_batch_outcome(const tc_subscription_batch *b, size_t index);
TC_API tc_status tc_subscription_batch_status(const tc_subscription_batch *b, size_t index);
TC_API const char *tc_subscription_batch_message(const tc_subscription_batch *b, size_t index);
/* The subscription created, adopted or deleted by that item; NULL if none. */
TC_API const tc_subscription *tc_subscription_batch_subscription(const tc_subscription_batch *b, size_t index);
/* How many items ended with `outcome`. */
TC_API size_t tc_subscription_batch_tally(const tc_subscription_batch *b, tc_item_outcome outcome);
/* Twitch's latest cost accounting seen during the batch (-1 if none). */
TC_API int64_t tc_subscription_batch_total(const tc_subscription_batch *b);
TC_API int64_t tc_subscription_batch_total_cost(const tc_subscription_batch *b);
TC_API int64_t tc_subscription_batch_max_total_cost(const tc_subscription_batch *b);
/* A deep copy, the caller's: free it with tc_subscription_batch_free(). */
TC_API tc_status tc_subscription_batch_dup(tc_subscription_batch **out, const tc_subscription_batch *b);
/* NULL-safe. Only for batches the caller owns (_dup), never for the one a
 * callback was given. */
TC_API void tc_subscription_batch_free(tc_subscription_batch *b);
/* Free *out with tc_free. */
TC_API tc_status tc_subscription_batch_to_json(char **out, const tc_subscription_batch *b);

/* ---- Lists owned by the caller ---- */

/* A deep copy, the caller's: free it with tc_subscription_list_free(). */
TC_API tc_status tc_subscription_list_dup(tc_subscription_list **out, const tc_subscription_list *list);
/* NULL-safe. Only for lists the caller owns (dup, tc_view_subscriptions). */
TC_API void tc_subscription_list_free(tc_subscription_list *list);
/* {"data":[..]}; free with tc_free. */
TC_API tc_status tc_subscription_list_to_json(char **out, const tc_subscription_list *list);

/* ---- The synced view ----
 *
 * The original start() + sync_subscriptions(): an in-memory picture of the
 * application's conduits, their shards and every subscription, held by the
 * manager. tc_conduits_sync() loads it (all pages; one page in flight at a
 * time). From then on the library keeps it current from what it sees itself:
 *  - its own successful calls: subscription create (also by type, reconcile)
 *    and delete (also cleanup), conduit create / update / delete (a deleted
 *    conduit leaves the view; its subscriptions stay, as conduit_deleted,
 *    as they do at Twitch until deleted), shard updates, and the
 *    same calls made through tc_request();
 *  - the events handed to the manager's listener: a revocation sets that
 *    subscription's status, conduit.shard.disabled sets that shard's status.
 * It goes stale when something else changes Twitch's state: another process
 * or the Twitch console, events delivered elsewhere or missed, or a status
 * Twitch changes without an event. Call tc_conduits_sync() again to re-load
 * (the view is replaced as a whole when the load completes; a failed load
 * leaves it as it was).
 * Queries return snapshots owned by the caller and may run on any thread.
 * Memory: the view holds every subscription of the application. */

/* What changed. Frozen values. */
typedef enum tc_view_change {
    TC_VIEW_SYNCED = 0,               /* loaded or re-loaded as a whole */
    TC_VIEW_SUBSCRIPTION_ADDED = 1,
    TC_VIEW_SUBSCRIPTION_REMOVED = 2,
    TC_VIEW_SUBSCRIPTION_STATUS = 3,  /* its status changed (a revocation) */
    TC_VIEW_CONDUIT_ADDED = 4,
    TC_VIEW_CONDUIT_REMOVED = 5,
    TC_VIEW_CONDUIT_UPDATED = 6,      /* shard count */
    TC_VIEW_SHARD_STATUS = 7          /* id is "CONDUIT_ID/SHARD_ID" */
} tc_view_change;

/* "synced", "subscription_added", ..., "shard_status" (the constant's name after
 * TC_VIEW_, lower case; static strings); NULL for an unknown value. */
TC_API const char *tc_view_change_name(tc_view_change change);

/* Called once per change, on the thread that runs completions (process /
 * poll / await, or the dispatch thread), after the view changed. id: the
 * subscription or conduit id ("" for TC_VIEW_SYNCED), valid during the call. */
typedef void (*tc_view_change_cb)(tc_view_change change, const char *id, void *userdata);

/* Set (or clear, with NULL) the change callback. */
TC_API tc_status tc_view_set_change_cb(tc_conduits *c, tc_view_change_cb cb, void *userdata);

/* Load the view: the conduits, each conduit's shards, every subscription.
 * cb gets the outcome; the view is usable once it ran with TC_OK. */
TC_API tc_status tc_conduits_sync(tc_op_id *id_out, tc_conduits *c, tc_done_cb cb, void *userdata);

/* 1 once a sync has completed. */
TC_API int tc_view_is_synced(const tc_conduits *c);

/* What to select; every NULL field matches all. user_id matches a
 * subscription whose condition names it (broadcaster_user_id, user_id,
 * moderator_user_id, from_/to_broadcaster_user_id). */
#define TC_VIEW_QUERY_VERSION 1
typedef struct tc_view_query {
    unsigned int version; /* TC_VIEW_QUERY_VERSION */
    const char *conduit_id;
    const char *user_id;
    const char *type;
    const char *status;
} tc_view_query;
#define TC_VIEW_QUERY_INIT TC_VERSIONED_INIT_(tc_view_query, TC_VIEW_QUERY_VERSION)
/* Fill query with "everything" for `version` (TC_EVERSION if unknown). */
TC_API tc_status tc_view_query_init(tc_view_query *query, unsigned int version);

/* The subscriptions matching `query` (NULL = all), oldest first; free with
 * tc_subscription_list_free. TC_EINVAL before a sync (the message says so). */
TC_API tc_status tc_view_subscriptions(tc_subscription_list **out, const tc_conduits *c, const tc_view_query *query);
/* How many match (0 before a sync or on bad arguments, with the message set). */
TC_API size_t tc_view_count(const tc_conduits *c, const tc_view_query *query);
/* The conduits; free with tc_conduit_list_free. */
TC_API tc_status tc_view_conduits(tc_conduit_list **out, const tc_conduits *c);
/* A conduit's shards; free with tc_shard_list_free. TC_ENOTFOUND when the
 * view has no such conduit. Webhook secrets are not known (Twitch never
 * returns them). */
TC_API tc_status tc_view_shards(tc_shard_list **out, const tc_conduits *c, const char *conduit_id);

#ifdef __cplusplus
}
#endif

#endif /* TWITCHCONDUITS_SUBSCRIPTION_H */
