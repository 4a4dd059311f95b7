/* The bindings' bridge (bindings/common/tcb.c) from C, against the mock over
 * real sockets: futures in both delivery modes (ready queue, notify on the
 * dispatch thread), refused submissions, errors, cancellation, freeing with
 * work pending, collected listings, listener events, webhook handling, and
 * subscribing by type names with the synced view's changes as futures.
 * It runs under ASan, TSan and valgrind like every C test, which is where the
 * bridge's reference counting is proven. */
#include "fixture.h"
#include "tcb.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stdint.h>
#include <cmocka.h>

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define SECRET "bridge-shard-secret-0123456789"

static tcb_client *bridge_client(tcmock *m, long long flags) {
    tcb_config *cfg = tcb_config_new();
    char helix[256], auth[256];
    snprintf(helix, sizeof helix, "%s", tcmock_helix_base(m));
    snprintf(auth, sizeof auth, "%s", tcmock_auth_base(m));
    assert_int_equal(tcb_config_set_string(cfg, "client_id", "mockclientid0123456789abcdefghij"), TC_OK);
    assert_int_equal(tcb_config_set_string(cfg, "client_secret", "mocksecret0123456789abcdefghijk"), TC_OK);
    assert_int_equal(tcb_config_set_string(cfg, "api_base_url", helix), TC_OK);
    assert_int_equal(tcb_config_set_string(cfg, "auth_base_url", auth), TC_OK);
    assert_int_equal(tcb_config_set_int(cfg, "backoff_base_ms", 5), TC_OK);
    assert_int_equal(tcb_config_set_int(cfg, "random_seed", 7), TC_OK);
    assert_int_equal(tcb_config_set_int(cfg, "flags", flags), TC_OK);
    tcb_client *cl = tcb_client_new(cfg);
    tcb_config_free(cfg);
    assert_non_null(cl);
    return cl;
}

/* Waits for f, then takes the operation's reference back from the queue. */
static void complete(tcb_client *cl, tcb_future *f) {
    assert_int_equal(tcb_client_wait_for(cl, f, 10000), TC_OK);
    tcb_future *ready = tcb_client_next_ready(cl);
    assert_ptr_equal(ready, f);
    tcb_future_release(ready);
}

static void test_config_rejects_bad_input(void **state) {
    (void)state;
    tcb_config *cfg = tcb_config_new();
    assert_int_equal(tcb_config_set_string(cfg, "no_such_option", "x"), TC_EINVAL);
    assert_int_equal(tcb_config_set_int(cfg, "no_such_option", 1), TC_EINVAL);
    assert_int_equal(tcb_config_set_int(cfg, "max_attempts", -1), TC_EINVAL);
    assert_int_equal(tcb_config_set_int(cfg, "max_attempts", 1LL << 40), TC_EINVAL);
    assert_int_equal(tcb_config_set_string(NULL, "client_id", "x"), TC_EINVAL);
    /* No client id: the manager refuses, the bridge says why. */
    assert_null(tcb_client_new(cfg));
    assert_int_equal(tcb_last_status(), TC_EINVAL);
    assert_non_null(strstr(tc_last_error_message(), "client_id"));
    tcb_config_free(cfg);
    assert_null(tcb_client_new(NULL));
    tcb_client_free(NULL);
    tcb_future_release(NULL);
}

static void test_future_through_ready_queue(void **state) {
    (void)state;
    tcmock *m = fixture_mock(NULL);
    tcb_client *cl = bridge_client(m, 0);
    tcb_future *f = tcb_conduit_create(cl, 3, 42);
    assert_non_null(f);
    assert_int_not_equal(tcb_future_op_id(f), 0);
    complete(cl, f);
    assert_int_equal(tcb_future_status(f), TC_OK);
    assert_int_equal(tcb_future_kind(f), TCB_KIND_CONDUIT);
    assert_int_equal(tcb_future_token(f), 42);
    assert_int_equal(tc_conduit_shard_count(tcb_future_conduit(f)), 3);
    assert_null(tcb_future_shard(f));
    char *json = tcb_future_result_json(f, 0);
    assert_non_null(strstr(json, "\"shard_count\":3"));
    tc_free(json);
    assert_int_equal(tcb_future_cancel(f), TC_ENOTFOUND); /* already over */
    tcb_future_release(f);

    /* A Twitch error: status, HTTP status and message, nothing else. */
    f = tcb_conduit_delete(cl, "no-such-conduit", 43);
    complete(cl, f);
    assert_int_equal(tcb_future_status(f), TC_ENOTFOUND);
    assert_int_equal(tcb_future_http_status(f), 404);
    assert_true(strlen(tcb_future_error(f)) > 0);
    assert_null(tcb_client_next_ready(cl));
    tcb_future_release(f);
    tcb_client_free(cl);
    tcmock_stop(m);
}

static void test_refused_submission_is_complete_and_unqueued(void **state) {
    (void)state;
    tcmock *m = fixture_mock(NULL);
    tcb_client *cl = bridge_client(m, 0);
    tcb_future *f = tcb_conduit_create(cl, 0, 1);
    assert_true(tcb_future_done(f));
    assert_int_equal(tcb_future_status(f), TC_EINVAL);
    assert_true(strlen(tcb_future_error(f)) > 0);
    assert_int_equal(tcb_client_poll(cl, 0), 0);
    assert_null(tcb_client_next_ready(cl));
    tcb_future_release(f);
    /* Missing builders and a missing client are refused the same way. */
    f = tcb_subscriptions_create(cl, "x", NULL, 0, 2);
    assert_int_equal(tcb_future_status(f), TC_EINVAL);
    assert_non_null(strstr(tcb_future_error(f), "specs"));
    tcb_future_release(f);
    f = tcb_conduits_list(NULL, 3);
    assert_true(tcb_future_done(f));
    assert_int_equal(tcb_future_status(f), TC_EINVAL);
    assert_non_null(strstr(tcb_future_error(f), "client"));
    tcb_future_release(f);
    tcb_client_free(cl);
    tcmock_stop(m);
}

static void test_cancel_and_free_with_pending(void **state) {
    (void)state;
    tcmock *m = fixture_mock(NULL);
    tcb_client *cl = bridge_client(m, 0);
    tcb_future *warm = tcb_conduits_list(cl, 0);
    complete(cl, warm);
    tcb_future_release(warm);
    assert_int_equal(tcmock_control(m, "config", "{\"latency_ms\":2000}"), 0);

    tcb_future *cancelled = tcb_conduits_list(cl, 1);
    assert_int_equal(tcb_future_cancel(cancelled), TC_OK);
    complete(cl, cancelled);
    assert_int_equal(tcb_future_status(cancelled), TC_ECANCELED);
    tcb_future_release(cancelled);

    /* Freed with three in flight: each completes with TC_ECANCELED and stays
     * readable through the reference the caller still holds. */
    tcb_future *pending[3];
    for (int i = 0; i < 3; i++) pending[i] = tcb_conduits_list(cl, (unsigned long long)i);
    assert_int_equal(tcb_client_pending(cl), 3);
    tcb_client_free(cl);
    for (int i = 0; i < 3; i++) {
        assert_true(tcb_future_done(pending[i]));
        assert_int_equal(tcb_future_status(pending[i]), TC_ECANCELED);
        assert_null(tcb_future_conduit_list(pending[i]));
        tcb_future_release(pending[i]);
    }
    tcmock_stop(m);
}

/* Notify mode: futures arrive on the dispatch thread. */
typedef struct notified {
    pthread_mutex_t mu;
    pthread_cond_t cv;
    int count, failures;
    pthread_t thread;
    int other_thread;
} notified;

static void on_notify(tcb_future *f, void *userdata) {
    notified *n = userdata;
    pthread_mutex_lock(&n->mu);
    n->count++;
    if (tcb_future_status(f) != TC_OK) n->failures++;
    if (!pthread_equal(pthread_self(), n->thread)) n->other_thread++;
    pthread_cond_broadcast(&n->cv);
    pthread_mutex_unlock(&n->mu);
    tcb_future_release(f); /* the operation's reference */
}

static void test_notify_on_dispatch_thread(void **state) {
    (void)state;
    enum { N = 20 };
    tcmock *m = fixture_mock(NULL);
    tcb_client *cl = bridge_client(m, TC_CONDUITS_F_DISPATCH_THREAD);
    notified n = {PTHREAD_MUTEX_INITIALIZER, PTHREAD_COND_INITIALIZER, 0, 0, pthread_self(), 0};
    tcb_client_set_notify(cl, on_notify, &n);
    tcb_pairs *query = tcb_pairs_new();
    assert_int_equal(tcb_pairs_add(query, "first", "1"), TC_OK);
    tcb_future *f[N];
    for (int i = 0; i < N; i++) f[i] = tcb_request(cl, TC_GET, "/eventsub/conduits", query, NULL, 0, (unsigned)i);
    tcb_pairs_free(query);
    struct timespec deadline;
    clock_gettime(CLOCK_REALTIME, &deadline);
    deadline.tv_sec += 10;
    pthread_mutex_lock(&n.mu);
    while (n.count < N && pthread_cond_timedwait(&n.cv, &n.mu, &deadline) == 0) {
    }
    assert_int_equal(n.count, N);
    assert_int_equal(n.failures, 0);
    assert_int_equal(n.other_thread, N);
    pthread_mutex_unlock(&n.mu);
    assert_int_equal(tcb_client_poll(cl, 0), 0); /* nothing queued in notify mode */
    for (int i = 0; i < N; i++) {
        const tc_response *r = tcb_future_response(f[i]);
        assert_int_equal(tc_response_http_status(r), 200);
        tcb_future_release(f[i]);
    }
    tcb_client_free(cl);
    tcmock_stop(m);
}

static void test_subscriptions_batch_and_listing(void **state) {
    (void)state;
    enum { N = 25 };
    tcmock *m = fixture_mock(NULL);
    assert_int_equal(tcmock_control(m, "config", "{\"page_size\":7}"), 0);
    tcb_client *cl = bridge_client(m, 0);
    tcb_future *conduit = tcb_conduit_create(cl, 1, 0);
    complete(cl, conduit);
    const char *conduit_id = tc_conduit_id(tcb_future_conduit(conduit));

    tcb_specs *specs = tcb_specs_new();
    char cond[64];
    for (int i = 0; i < N; i++) {
        snprintf(cond, sizeof cond, "{\"broadcaster_user_id\":\"%d\"}", 1000 + i);
        assert_int_equal(tcb_specs_add(specs, "stream.online", "1", cond), TC_OK);
    }
    assert_int_equal(tcb_specs_add(specs, NULL, "1", "{}"), TC_EINVAL);
    assert_int_equal(tcb_specs_count(specs), N);
    tcb_future *batch = tcb_subscriptions_create(cl, conduit_id, specs, 4, 1);
    complete(cl, batch);
    assert_int_equal(tcb_future_status(batch), TC_OK);
    assert_int_equal(tc_subscription_batch_tally(tcb_future_batch(batch), TC_ITEM_CREATED), N);
    assert_int_equal(tcb_future_progress_done(batch), N);
    assert_int_equal(tcb_future_progress_total(batch), N);

    /* The listing follows every page (7 per page) into one future. */
    tcb_future *list = tcb_subscriptions_list(cl, NULL, NULL, NULL, NULL, conduit_id, 2);
    complete(cl, list);
    assert_int_equal(tcb_future_status(list), TC_OK);
    assert_int_equal(tcb_future_subscription_count(list), N);
    assert_non_null(tcb_future_subscription_get(list, N - 1));
    assert_null(tcb_future_subscription_get(list, N));
    char *json = tcb_future_result_json(list, 0);
    assert_int_equal(json[0], '[');
    assert_non_null(strstr(json, "\"broadcaster_user_id\":\"1024\""));
    tc_free(json);

    /* Reconcile towards the same set: nothing to do. */
    tcb_future *again = tcb_subscriptions_reconcile(cl, conduit_id, specs, TC_RECONCILE_F_DRY_RUN, 0, 3);
    complete(cl, again);
    assert_int_equal(tc_subscription_batch_tally(tcb_future_batch(again), TC_ITEM_EXISTED), N);
    tcb_future_release(again);
    tcb_specs_free(specs);
    tcb_future_release(list);
    tcb_future_release(batch);
    tcb_future_release(conduit);
    tcb_client_free(cl);
    tcmock_stop(m);
}

static void deliver(tcmock *m, const char *fmt, const char *arg) {
    char body[512];
    snprintf(body, sizeof body, fmt, arg);
    if (tcmock_control(m, "deliver", body) != 0) fail_msg("the mock refused to deliver: %s", body);
}

/* Polls until a future of `kind` is ready; returns it (the caller releases). */
static tcb_future *next_of_kind(tcb_client *cl, tcb_kind kind) {
    double deadline = now_ms() + 10000;
    while (now_ms() < deadline) {
        tcb_client_poll(cl, 50);
        tcb_future *f;
        while ((f = tcb_client_next_ready(cl)) != NULL) {
            if (tcb_future_kind(f) == kind) return f;
            tcb_future_release(f);
        }
    }
    fail_msg("no future of kind %d arrived", (int)kind);
    return NULL;
}

static void test_listener_events_and_shard_challenge(void **state) {
    (void)state;
    tcmock *m = fixture_mock(NULL);
    assert_int_equal(tcmock_control(m, "config", "{\"allow_http_callbacks\":true}"), 0);
    tcb_client *cl = bridge_client(m, TC_CONDUITS_F_ALLOW_HTTP_CALLBACKS);
    tc_listener *l = tcb_listener_new(cl, NULL, 0, NULL, 0, 1, 99, NULL, NULL);
    assert_non_null(l);
    assert_int_equal(tc_listener_add_route(l, "shard0", SECRET), TC_OK);
    assert_null(tcb_listener_new(cl, "not-an-address", 0, NULL, 0, 0, 0, NULL, NULL));
    assert_int_equal(tcb_last_status(), TC_EINVAL);
    assert_null(tcb_listener_new(cl, NULL, 0, NULL, 0, 0, 0, "/nonexistent.pem", NULL));
    assert_int_equal(tcb_last_status(), TC_EINVAL);

    tcb_future *conduit = tcb_conduit_create(cl, 1, 0);
    complete(cl, conduit);
    const char *conduit_id = tc_conduit_id(tcb_future_conduit(conduit));
    char callback[256];
    snprintf(callback, sizeof callback, "%sshard0", tc_listener_base_url(l));
    tcb_assignments *a = tcb_assignments_new();
    assert_int_equal(tcb_assignments_add_webhook(a, "0", callback, "short"), TC_EINVAL); /* secret too short */
    assert_int_equal(tcb_assignments_add_webhook(a, "0", callback, SECRET), TC_OK);
    assert_int_equal(tcb_assignments_count(a), 1);
    tcb_future *update = tcb_shard_update(cl, conduit_id, a, 1);
    tcb_assignments_free(a);
    assert_int_equal(tcb_client_wait_for(cl, update, 10000), TC_OK);
    assert_int_equal(tcb_future_status(update), TC_OK);
    assert_int_equal(tc_shard_update_result_failed(tcb_future_shard_update(update)), 0);

    /* The mock's challenge arrives as an event future with the listener's token. */
    tcb_future *ev = next_of_kind(cl, TCB_KIND_EVENT);
    assert_int_equal(tcb_future_token(ev), 99);
    assert_string_equal(tcb_future_route_key(ev), "shard0");
    assert_int_equal(tc_event_kind_get(tcb_future_message(ev)), TC_EVENT_VERIFICATION);
    tcb_future_release(ev);

    tcb_specs *specs = tcb_specs_new();
    tcb_specs_add(specs, "stream.online", "1", "{\"broadcaster_user_id\":\"1337\"}");
    tcb_future *batch = tcb_subscriptions_create(cl, conduit_id, specs, 0, 2);
    tcb_specs_free(specs);
    assert_int_equal(tcb_client_wait_for(cl, batch, 10000), TC_OK);
    const char *sub_id = tc_subscription_id(tc_subscription_batch_subscription(tcb_future_batch(batch), 0));

    deliver(m, "{\"subscription_id\":\"%s\",\"message_id\":\"bridge-1\",\"wait\":true}", sub_id);
    ev = next_of_kind(cl, TCB_KIND_EVENT);
    assert_int_equal(tc_event_kind_get(tcb_future_message(ev)), TC_EVENT_NOTIFICATION);
    assert_string_equal(tc_event_id(tcb_future_message(ev)), "bridge-1");
    char *json = tcb_future_result_json(ev, 0);
    assert_non_null(strstr(json, "\"broadcaster_user_id\":\"1337\""));
    assert_null(strstr(json, SECRET));
    tc_free(json);
    tcb_future_release(ev);

    deliver(m, "{\"subscription_id\":\"%s\",\"tamper\":true,\"wait\":true}", sub_id);
    ev = next_of_kind(cl, TCB_KIND_REJECT);
    assert_int_equal(tc_event_status(tcb_future_message(ev)), TC_ESIGNATURE);
    tcb_future_release(ev);

    tc_listener_free(l);
    tcb_future_release(batch);
    tcb_future_release(update);
    tcb_future_release(conduit);
    tcb_client_free(cl);
    tcmock_stop(m);
}

/* Releases what is ready: operation references of futures already waited for. */
static void drain_ready(tcb_client *cl) {
    tcb_future *f;
    while ((f = tcb_client_next_ready(cl)) != NULL) {
        assert_int_not_equal(tcb_future_kind(f), TCB_KIND_VIEW_CHANGE);
        tcb_future_release(f);
    }
}

/* Subscribing by type names, the synced view's sync and its changes as
 * futures (issue 14): a name list cut at '\n', per-item failures, refused
 * submissions, change futures with the watch's token, stopping the watch,
 * and freeing the client with change futures still queued. */
static void test_by_type_sync_and_view_changes(void **state) {
    (void)state;
    tcmock *m = fixture_mock(NULL);
    tcb_client *cl = bridge_client(m, 0);
    tcb_future *conduit = tcb_conduit_create(cl, 1, 0);
    complete(cl, conduit);
    const char *conduit_id = tc_conduit_id(tcb_future_conduit(conduit));
    const char *cond = "{\"broadcaster_user_id\":\"1001\",\"moderator_user_id\":\"1002\"}";

    assert_int_equal(tcb_view_watch(NULL, 1), TC_EINVAL);
    assert_int_equal(tcb_view_watch(cl, 77), TC_OK);
    tcb_future *sync = tcb_sync_view(cl, 5);
    assert_int_equal(tcb_client_wait_for(cl, sync, 10000), TC_OK);
    assert_int_equal(tcb_future_status(sync), TC_OK);
    assert_int_equal(tcb_future_kind(sync), TCB_KIND_NONE);
    assert_int_equal(tcb_future_view_change(sync), -1);
    assert_int_equal(tc_view_is_synced(tcb_client_manager(cl)), 1);
    tcb_future *ch = next_of_kind(cl, TCB_KIND_VIEW_CHANGE);
    assert_int_equal(tcb_future_token(ch), 77);
    assert_int_equal(tcb_future_view_change(ch), TC_VIEW_SYNCED);
    assert_string_equal(tcb_future_view_id(ch), "");
    tcb_future_release(ch);
    drain_ready(cl); /* the sync's own reference, when it was queued after the change */
    tcb_future_release(sync);

    /* Names cut at '\n': two created, an unknown one and a withdrawn version fail alone. */
    tcb_future *batch = tcb_subscriptions_create_by_type(cl, conduit_id,
                                                         "channel.follow\nstream.online\nno.such.type\nchannel.follow@1",
                                                         cond, 0, 2, 6);
    assert_int_equal(tcb_client_wait_for(cl, batch, 10000), TC_OK);
    assert_int_equal(tcb_future_status(batch), TC_EPARTIAL);
    const tc_subscription_batch *b = tcb_future_batch(batch);
    assert_int_equal(tc_subscription_batch_count(b), 4);
    assert_int_equal(tc_subscription_batch_tally(b, TC_ITEM_CREATED), 2);
    assert_int_equal(tc_subscription_batch_status(b, 2), TC_ENOTFOUND);
    assert_int_equal(tc_subscription_batch_status(b, 3), TC_EGONE);
    char first_id[64];
    snprintf(first_id, sizeof first_id, "%s", tc_subscription_id(tc_subscription_batch_subscription(b, 0)));
    int seen_first = 0;
    tcb_future *f;
    for (int i = 0; i < 2; i++) { /* one change per subscription created (the batch's own future is skipped) */
        f = next_of_kind(cl, TCB_KIND_VIEW_CHANGE);
        assert_int_equal(tcb_future_token(f), 77);
        assert_int_equal(tcb_future_view_change(f), TC_VIEW_SUBSCRIPTION_ADDED);
        seen_first += strcmp(tcb_future_view_id(f), first_id) == 0;
        tcb_future_release(f);
    }
    assert_int_equal(seen_first, 1);
    drain_ready(cl);
    tcb_future_release(batch);
    assert_int_equal(tc_view_count(tcb_client_manager(cl), NULL), 2);

    /* Refused at submission: an empty name, a condition that is not an object. */
    f = tcb_subscriptions_create_by_type(cl, conduit_id, "stream.online\n\nstream.offline", cond, 0, 0, 7);
    assert_true(tcb_future_done(f));
    assert_int_equal(tcb_future_op_id(f), 0);
    assert_int_equal(tcb_future_status(f), TC_EINVAL);
    assert_non_null(strstr(tcb_future_error(f), "types[1]"));
    tcb_future_release(f);
    f = tcb_subscriptions_create_by_type(cl, conduit_id, "stream.online", "[1]", 0, 0, 8);
    assert_int_equal(tcb_future_status(f), TC_EINVAL);
    tcb_future_release(f);
    f = tcb_subscriptions_create_by_type(NULL, conduit_id, "stream.online", cond, 0, 0, 9);
    assert_int_equal(tcb_future_status(f), TC_EINVAL);
    tcb_future_release(f);
    assert_null(tcb_client_next_ready(cl)); /* refused futures are never queued */

    /* No names: an empty batch. */
    f = tcb_subscriptions_create_by_type(cl, conduit_id, NULL, cond, 0, 0, 10);
    complete(cl, f);
    assert_int_equal(tcb_future_status(f), TC_OK);
    assert_int_equal(tc_subscription_batch_count(tcb_future_batch(f)), 0);
    tcb_future_release(f);

    /* Stopped: a change makes no future. */
    assert_int_equal(tcb_view_watch(cl, 0), TC_OK);
    f = tcb_subscriptions_create_by_type(cl, conduit_id, "stream.offline", cond, 0, 0, 11);
    complete(cl, f);
    assert_int_equal(tcb_future_status(f), TC_OK);
    tcb_future_release(f);
    assert_int_equal(tcb_client_poll(cl, 0), 0);
    assert_int_equal(tc_view_count(tcb_client_manager(cl), NULL), 3);

    /* Watched again, changes left queued are released with the client. */
    assert_int_equal(tcb_view_watch(cl, 78), TC_OK);
    f = tcb_sync_view(cl, 12);
    assert_int_equal(tcb_client_wait_for(cl, f, 10000), TC_OK);
    tcb_future_release(f);
    tcb_future_release(conduit);
    tcb_client_free(cl);
    tcmock_stop(m);
}

static void test_webhook_handle_and_users(void **state) {
    (void)state;
    const char *body = "{\"subscription\":{\"id\":\"s\",\"type\":\"stream.online\",\"version\":\"1\"},"
                       "\"event\":{\"broadcaster_user_id\":\"1\"}}";
    char ts[40];
    time_t now = time(NULL);
    strftime(ts, sizeof ts, "%Y-%m-%dT%H:%M:%SZ", gmtime(&now));
    char *sig = tcb_webhook_sign(SECRET, "m-1", ts, body, strlen(body));
    assert_non_null(sig);
    tc_webhook_verifier *v = tcb_webhook_verifier_new(SECRET, 0);
    tcb_pairs *h = tcb_pairs_new();
    tcb_pairs_add(h, "twitch-eventsub-message-id", "m-1");
    tcb_pairs_add(h, "Twitch-Eventsub-Message-Timestamp", ts);
    tcb_pairs_add(h, "Twitch-Eventsub-Message-Signature", sig);
    tcb_pairs_add(h, "Twitch-Eventsub-Message-Type", "notification");
    assert_int_equal(tcb_pairs_count(h), 4);
    tc_event *msg = tcb_webhook_handle(v, h, body, strlen(body));
    assert_int_equal(tcb_last_status(), TC_OK);
    assert_int_equal(tc_event_http_status(msg), 204);
    tc_event_free(msg);
    /* A wrong body under the same signature: 403. */
    msg = tcb_webhook_handle(v, h, "{}", 2);
    assert_int_equal(tcb_last_status(), TC_ESIGNATURE);
    assert_int_equal(tc_event_http_status(msg), 403);
    tc_event_free(msg);
    assert_null(tcb_webhook_verifier_new("short", 0));
    assert_int_equal(tcb_last_status(), TC_EINVAL);
    tcb_pairs_free(h);
    tc_free(sig);
    tc_webhook_verifier_free(v);

    tc_users *u = tcb_users_new();
    assert_int_equal(tcb_users_add(u, "key-1", "1234"), TC_OK);
    assert_int_equal(tc_users_add_subscription(u, "1234", "sub-1"), TC_OK);
    tc_user *found = tcb_users_get_by_subscription(u, "sub-1");
    assert_string_equal(tc_user_user_id(found), "1234");
    char *json = tcb_user_json(found, 0);
    assert_null(strstr(json, "key-1"));
    tc_free(json);
    tc_user_free(found);
    assert_null(tcb_users_get_by_key(u, "nobody"));
    assert_int_equal(tcb_last_status(), TC_ENOTFOUND);
    tc_user_id_list *ids = tcb_users_list(u);
    assert_int_equal(tc_user_id_list_count(ids), 1);
    tc_user_id_list_free(ids);
    tc_user_free(tcb_users_remove(u, "1234"));
    assert_int_equal(tc_users_count(u), 0);
    tc_users_free(u);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_config_rejects_bad_input),
        cmocka_unit_test(test_future_through_ready_queue),
        cmocka_unit_test(test_refused_submission_is_complete_and_unqueued),
        cmocka_unit_test(test_cancel_and_free_with_pending),
        cmocka_unit_test(test_notify_on_dispatch_thread),
        cmocka_unit_test(test_subscriptions_batch_and_listing),
        cmocka_unit_test(test_listener_events_and_shard_challenge),
        cmocka_unit_test(test_webhook_handle_and_users),
        cmocka_unit_test(test_by_type_sync_and_view_changes),
    };
    return cmocka_run_group_tests_name("bridge", tests, NULL, NULL);
}
