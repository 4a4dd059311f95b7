/*
 * twitchconduits: completions you pull, the way curl_multi_info_read() hands
 * out finished transfers.
 *
 * The manager has ONE completion queue. Every operation can complete through
 * it in either of two forms, chosen per operation at submission:
 *  - callback form: give a callback; it runs where conduits.h says
 *    (tc_conduits_process() and friends, or the dispatch thread);
 *  - pull form: give NULL as the completion callback; the operation's
 *    completion waits in the queue as a tc_completion until a thread takes
 *    it with tc_conduits_next(). The userdata given at submission comes back
 *    in tc_completion_userdata(), so one integer or pointer per operation is
 *    enough to route results (that is how the Go, Ruby and Python bindings
 *    work).
 * Both forms keep the async contract of conduits.h: a submission that
 * returned TC_OK completes EXACTLY ONCE (a final completion), with
 * TC_ECANCELED when cancelled or when the manager is freed first.
 * A listing can also report pages, and a batch progress, before its final
 * completion (non-final completions, always in order, all before the final
 * one).
 *
 * What pull form means for each submission:
 *  - every operation with a `cb` (or a `done_cb` and a `page_cb`, for
 *    tc_subscriptions_list): NULL selects the pull form;
 *  - tc_subscriptions_list: with page_cb NULL too, each page is a
 *    TC_COMPLETION_PAGE; the page after the one already prefetched is only
 *    fetched once the caller freed the previous page's completion, so memory
 *    stays about two pages however long the listing; cancel the operation
 *    to stop early (its final completion is then TC_ECANCELED);
 *  - batches (create, create_by_type, cleanup, reconcile): with
 *    opts->progress NULL and opts->progress_every > 0, progress is reported
 *    as TC_COMPLETION_PROGRESS every progress_every items;
 *  - the listener (listener.h): an event_cb of NULL queues each event as a
 *    TC_COMPLETION_EVENT and each rejected request as a TC_COMPLETION_REJECT
 *    (unless a reject_cb is given), their source being the route key; a
 *    queued event counts against max_queued_events until it is freed;
 *  - the runner (runner.h): an event_cb of NULL queues each event of every
 *    shard, WebSocket or webhook, as a TC_COMPLETION_EVENT whose source is
 *    the shard id (shard_cb, ready_cb and done_cb stay callbacks);
 *  - the synced view: tc_view_pull_changes() queues its changes as
 *    TC_COMPLETION_VIEW_CHANGE.
 * The pull form never runs user code on a library thread, and
 * tc_conduits_next() may be called from any thread, in both loop modes
 * (it returns no callback-form completion and runs no callback).
 * tc_conduits_fd() is readable while either form has something ready.
 *
 * A tc_completion is owned by the caller once taken: free it exactly once
 * with tc_completion_free(). It does not refer to its manager: it stays
 * valid, with everything it holds, after the manager is freed.
 */
#ifndef TWITCHCONDUITS_COMPLETION_H
#define TWITCHCONDUITS_COMPLETION_H

#include <twitchconduits/conduit.h>
#include <twitchconduits/conduits.h>
#include <twitchconduits/request.h>
#include <twitchconduits/shard.h>
#include <twitchconduits/subscription.h>
#include <twitchconduits/token.h>
#include <twitchconduits/users.h>
#include <twitchconduits/webhook.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef struct tc_completion tc_completion;

/* What a completion holds: which result accessor gives something. Frozen
 * values. A failed operation has its kind but no result object (the
 * accessor gives NULL), except RESPONSE, which always has one. */
typedef enum tc_completion_kind {
    TC_COMPLETION_DONE = 0,         /* status only: tc_subscriptions_list's end, tc_conduits_sync */
    TC_COMPLETION_RESPONSE = 1,     /* tc_completion_response(): tc_request, deletes, tc_token_revoke */
    TC_COMPLETION_TOKEN = 2,        /* tc_completion_token() */
    TC_COMPLETION_USER = 3,         /* tc_completion_user(): tc_users_refresh */
    TC_COMPLETION_CONDUIT = 4,      /* tc_completion_conduit() */
    TC_COMPLETION_CONDUIT_LIST = 5, /* tc_completion_conduit_list() */
    TC_COMPLETION_SHARD = 6,        /* tc_completion_shard() */
    TC_COMPLETION_SHARD_LIST = 7,   /* tc_completion_shard_list() */
    TC_COMPLETION_SHARD_UPDATE = 8, /* tc_completion_shard_update() */
    TC_COMPLETION_BATCH = 9,        /* tc_completion_batch(): create, create_by_type, cleanup, reconcile */
    TC_COMPLETION_PAGE = 10,        /* not final: tc_completion_page(), one page of a listing */
    TC_COMPLETION_PROGRESS = 11,    /* not final: tc_completion_progress() */
    TC_COMPLETION_EVENT = 12,       /* tc_completion_event() and tc_completion_source() */
    TC_COMPLETION_REJECT = 13,      /* the same accessors: a request the listener rejected */
    TC_COMPLETION_VIEW_CHANGE = 14  /* tc_completion_view_change() and tc_completion_view_id() */
    /* Append new kinds here; never renumber. */
} tc_completion_kind;

/* "done", "response", "token", ..., "view_change" (the constant's name after
 * TC_COMPLETION_, lower case); NULL for an unknown value. */
TC_API const char *tc_completion_kind_name(tc_completion_kind kind);

/* Take the next pull-form completion, waiting up to timeout_ms for one (0 =
 * just look, -1 = no limit). TC_OK with *out set (free it with
 * tc_completion_free); TC_ETIMEDOUT with *out NULL when none came (also when
 * tc_conduits_wakeup() interrupted the wait); TC_EINVAL on bad arguments.
 * Completions come out in the order they finished; an operation's pages or
 * progress always come before its final completion. Any thread; several
 * threads may take at once (each completion goes to exactly one). */
TC_API tc_status tc_conduits_next(tc_conduits *c, tc_completion **out, int timeout_ms);

/* How many pull-form completions are waiting to be taken. */
TC_API size_t tc_conduits_ready(const tc_conduits *c);

/* NULL-safe. For a TC_COMPLETION_PAGE, this is what lets the listing fetch
 * further (see above). */
TC_API void tc_completion_free(tc_completion *done);

/* The operation's id as its submission returned it; 0 for events, rejects
 * and view changes, which belong to no operation. */
TC_API tc_op_id tc_completion_op(const tc_completion *done);
TC_API tc_completion_kind tc_completion_kind_get(const tc_completion *done);
/* 1 for the operation's last completion, 0 for a page or progress report
 * (events, rejects and view changes are final: 1). */
TC_API int tc_completion_is_final(const tc_completion *done);
/* TC_OK, TC_EPARTIAL (a batch with failed items: the batch is given), or
 * the error; TC_EINVAL on a bad handle. */
TC_API tc_status tc_completion_status(const tc_completion *done);
/* The HTTP status of the answer that decided it; 0 when there was none. */
TC_API int tc_completion_http_status(const tc_completion *done);
/* One line saying why it failed (what tc_last_error_message() says inside
 * the callback form); "" on success. Owned by the completion. */
TC_API const char *tc_completion_message(const tc_completion *done);
/* The userdata given at submission (the listener's event_userdata or
 * reject_userdata, the runner's event_userdata, tc_view_pull_changes()'s). */
TC_API void *tc_completion_userdata(const tc_completion *done);

/* Results, borrowed from the completion (valid until tc_completion_free;
 * _dup them to keep them longer); NULL when the completion holds another
 * kind or no result. */
TC_API const tc_response *tc_completion_response(const tc_completion *done);
TC_API const tc_token *tc_completion_token(const tc_completion *done);
TC_API const tc_user *tc_completion_user(const tc_completion *done);
TC_API const tc_conduit *tc_completion_conduit(const tc_completion *done);
TC_API const tc_conduit_list *tc_completion_conduit_list(const tc_completion *done);
TC_API const tc_shard *tc_completion_shard(const tc_completion *done);
TC_API const tc_shard_list *tc_completion_shard_list(const tc_completion *done);
TC_API const tc_shard_update_result *tc_completion_shard_update(const tc_completion *done);
TC_API const tc_subscription_batch *tc_completion_batch(const tc_completion *done);
TC_API const tc_subscription_list *tc_completion_page(const tc_completion *done);
TC_API const tc_event *tc_completion_event(const tc_completion *done);
/* An event's or reject's source: the listener's route key, or the runner's
 * shard id; "" for other kinds. */
TC_API const char *tc_completion_source(const tc_completion *done);
/* A TC_COMPLETION_PROGRESS: items done and in all (either pointer may be
 * NULL). TC_EINVAL for other kinds. */
TC_API tc_status tc_completion_progress(const tc_completion *done, size_t *done_items, size_t *total_items);
/* A TC_COMPLETION_VIEW_CHANGE: what changed (a tc_view_change value), -1
 * for other kinds; and the subscription or conduit id ("" for
 * TC_VIEW_SYNCED and for other kinds). */
TC_API int tc_completion_view_change(const tc_completion *done);
TC_API const char *tc_completion_view_id(const tc_completion *done);

/* Queue every change of the synced view as a TC_COMPLETION_VIEW_CHANGE
 * carrying `userdata` (enable != 0), or stop (enable == 0). Replaces a
 * callback set with tc_view_set_change_cb(), and the other way round. */
TC_API tc_status tc_view_pull_changes(tc_conduits *c, int enable, void *userdata);

#ifdef __cplusplus
}
#endif

#endif /* TWITCHCONDUITS_COMPLETION_H */
