/*
 * twitchconduits: EventSub subscriptions routed to a conduit — create many
 * with a result per item (never a duplicate, never a lost one), list page by
 * page, delete, clean up, and reconcile towards a desired set.
 */
#ifndef TWITCHCONDUITS_SUBSCRIPTION_H
#define TWITCHCONDUITS_SUBSCRIPTION_H

#include <twitchconduits/conduits.h>
#include <twitchconduits/request.h>
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
#define TC_BATCH_OPTIONS_INIT { TC_BATCH_OPTIONS_VERSION, 0, NULL, NULL, 0u }

/* Create subscriptions on a conduit. A subscription that already exists (409)
 * is adopted and reported TC_ITEM_EXISTED; POSTs are retried safely because
 * of that. The completion is TC_OK when no item failed, TC_EPARTIAL
 * otherwise; `batch` is always given once the batch ran. */
TC_API tc_status tc_subscriptions_create(tc_op_id *id_out, tc_conduits *c, const char *conduit_id,
                                         const tc_subscription_spec *specs, size_t count,
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
#define TC_SUBSCRIPTION_FILTER_INIT { TC_SUBSCRIPTION_FILTER_VERSION, NULL, NULL, NULL, NULL, NULL }

/* Called once per page, in order, on the completion thread; the next page is
 * fetched only after it returns, so memory stays one page whatever the total.
 * Return non-zero to stop: the listing then completes with TC_EUSER. */
typedef int (*tc_subscription_page_cb)(const tc_subscription_list *page, void *userdata);

/* List subscriptions, streaming pages to page_cb; done_cb runs once at the end. */
TC_API tc_status tc_subscriptions_list(tc_op_id *id_out, tc_conduits *c, const tc_subscription_filter *filter,
                                       tc_subscription_page_cb page_cb, tc_response_cb done_cb, void *userdata);

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

/* Subscription accessors (strings owned by the subscription). */
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
TC_API tc_status tc_subscription_dup(tc_subscription **out, const tc_subscription *s);
TC_API void tc_subscription_free(tc_subscription *s);
TC_API tc_status tc_subscription_to_json(char **out, const tc_subscription *s);

TC_API size_t tc_subscription_list_count(const tc_subscription_list *list);
TC_API const tc_subscription *tc_subscription_list_get(const tc_subscription_list *list, size_t index);
/* The page's total/total_cost/max_total_cost as Twitch reported them. */
TC_API int64_t tc_subscription_list_total(const tc_subscription_list *list);
TC_API int64_t tc_subscription_list_total_cost(const tc_subscription_list *list);
TC_API int64_t tc_subscription_list_max_total_cost(const tc_subscription_list *list);

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
TC_API tc_status tc_subscription_batch_dup(tc_subscription_batch **out, const tc_subscription_batch *b);
TC_API void tc_subscription_batch_free(tc_subscription_batch *b);
TC_API tc_status tc_subscription_batch_to_json(char **out, const tc_subscription_batch *b);

#ifdef __cplusplus
}
#endif

#endif /* TWITCHCONDUITS_SUBSCRIPTION_H */
