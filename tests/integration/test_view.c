/* The synced view against the mock: tc_conduits_sync() loads it, and it stays
 * equal to what Twitch holds (checked against a fresh sync) as the library
 * creates, deletes, cleans up, resizes and deletes conduits, and as
 * revocations arrive through the manager's listener; queries by conduit,
 * user, type and status; the change callback. */
#include "fixture.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define SECRET "view-test-secret-0123456789"

typedef struct changes {
    int count[8];
} changes;

static void on_change(tc_view_change kind, const char *id, void *userdata) {
    changes *ch = (changes *)userdata;
    assert_non_null(id);
    if ((int)kind >= 0 && (int)kind < 8) ch->count[kind]++;
}

static int revocations;
static void on_event(tc_status status, const char *route, const tc_event *msg, void *userdata) {
    (void)status;
    (void)route;
    (void)userdata;
    if (tc_event_kind_get(msg) == TC_EVENT_REVOCATION) revocations++;
}

static void on_response(tc_status status, const tc_response *r, void *userdata) {
    (void)r;
    *(tc_status *)userdata = status;
}

static void on_done(tc_status status, void *userdata) { *(tc_status *)userdata = status; }

static void on_batch(tc_status status, const tc_subscription_batch *b, void *userdata) {
    (void)b;
    *(tc_status *)userdata = status;
}

static void on_update(tc_status status, const tc_shard_update_result *r, void *userdata) {
    (void)r;
    *(tc_status *)userdata = status;
}

static void on_conduit(tc_status status, const tc_conduit *cd, void *userdata) {
    (void)cd;
    *(tc_status *)userdata = status;
}

static void sync_view(tc_conduits *c) {
    tc_status st = TC_ERROR;
    tc_op_id id = 0;
    assert_int_equal(tc_conduits_sync(&id, c, on_done, &st), TC_OK);
    assert_int_equal(tc_conduits_await(c, id, 20000), TC_OK);
    assert_int_equal(st, TC_OK);
    assert_int_equal(tc_view_is_synced(c), 1);
}

static void by_type(tc_conduits *c, const char *conduit, const char *type, const char *cond) {
    tc_status st = TC_ERROR;
    tc_op_id id = 0;
    assert_int_equal(tc_subscriptions_create_by_type(&id, c, conduit, &type, 1, cond, 0, NULL, on_batch, &st), TC_OK);
    assert_int_equal(tc_conduits_await(c, id, 20000), TC_OK);
    assert_int_equal(st, TC_OK);
}

static size_t count_where(tc_conduits *c, const char *conduit, const char *user, const char *type, const char *status) {
    tc_view_query q = TC_VIEW_QUERY_INIT;
    tc_subscription_list *list = NULL;
    size_t n;
    q.conduit_id = conduit;
    q.user_id = user;
    q.type = type;
    q.status = status;
    assert_int_equal(tc_view_subscriptions(&list, c, &q), TC_OK);
    n = tc_subscription_list_count(list);
    assert_int_equal(tc_view_count(c, &q), n);
    tc_subscription_list_free(list);
    return n;
}

/* The id of the first subscription of `type` in the view. */
static void id_of(tc_conduits *c, const char *type, char *out, size_t cap) {
    tc_view_query q = TC_VIEW_QUERY_INIT;
    tc_subscription_list *list = NULL;
    q.type = type;
    assert_int_equal(tc_view_subscriptions(&list, c, &q), TC_OK);
    assert_true(tc_subscription_list_count(list) >= 1);
    snprintf(out, cap, "%s", tc_subscription_id(tc_subscription_list_get(list, 0)));
    tc_subscription_list_free(list);
}

/* The view as JSON: its subscriptions and conduits (caller frees). */
static char *view_json(tc_conduits *c) {
    tc_subscription_list *subs = NULL;
    tc_conduit_list *conduits = NULL;
    char *a = NULL, *b = NULL, *out;
    assert_int_equal(tc_view_subscriptions(&subs, c, NULL), TC_OK);
    assert_int_equal(tc_view_conduits(&conduits, c), TC_OK);
    assert_int_equal(tc_subscription_list_to_json(&a, subs), TC_OK);
    assert_int_equal(tc_conduit_list_to_json(&b, conduits), TC_OK);
    out = malloc(strlen(a) + strlen(b) + 2);
    sprintf(out, "%s\n%s", a, b);
    tc_free(a);
    tc_free(b);
    tc_subscription_list_free(subs);
    tc_conduit_list_free(conduits);
    return out;
}

/* The incrementally kept view equals a fresh load of Twitch's state. */
static void expect_view_matches_twitch(tc_conduits *c) {
    char *kept = view_json(c), *fresh;
    sync_view(c);
    fresh = view_json(c);
    assert_string_equal(kept, fresh);
    free(kept);
    free(fresh);
}

static void poll_until(tc_conduits *c, const int *counter, int want) {
    double deadline = now_ms() + 10000;
    while (*counter < want) {
        if (now_ms() > deadline) fail_msg("timed out (%d of %d)", *counter, want);
        tc_conduits_poll(c, 20, NULL);
    }
}

static void test_view_follows_changes(void **state) {
    tcmock *m = fixture_mock(NULL);
    tc_conduits_options o = fixture_options(m);
    tc_conduits *c;
    tc_listener_options lo = TC_LISTENER_OPTIONS_INIT;
    tc_listener *l = NULL;
    tc_transport *hook = NULL;
    tc_shard_assignment a;
    tc_shard_list *shards = NULL;
    tc_conduit_list *conduits = NULL;
    tc_subscription_list *list = NULL;
    changes ch;
    char conduit[80], callback[256], sub_id[64], body[256];
    tc_status st = TC_ERROR;
    tc_op_id id = 0;
    (void)state;
    memset(&ch, 0, sizeof ch);
    revocations = 0;
    assert_int_equal(tcmock_control(m, "config", "{\"allow_http_callbacks\":true}"), 0);
    o.flags = TC_CONDUITS_F_ALLOW_HTTP_CALLBACKS;
    c = fixture_manager(&o);

    /* Before a sync there is no view. */
    assert_int_equal(tc_view_is_synced(c), 0);
    assert_int_equal(tc_view_subscriptions(&list, c, NULL), TC_EINVAL);
    assert_non_null(strstr(tc_last_error_message(), "tc_conduits_sync"));
    assert_int_equal(tc_view_count(c, NULL), 0);

    lo.event_cb = on_event;
    assert_int_equal(tc_listener_new(&l, c, &lo), TC_OK);
    assert_int_equal(tc_listener_add_route(l, "shard0", SECRET), TC_OK);
    fixture_make_conduit(c, 1, conduit);
    snprintf(callback, sizeof callback, "%sshard0", tc_listener_base_url(l));
    assert_int_equal(tc_transport_webhook_new(&hook, callback, SECRET), TC_OK);
    a.shard_id = "0";
    a.transport = hook;
    assert_int_equal(tc_shard_update(&id, c, conduit, &a, 1, on_update, &st), TC_OK);
    assert_int_equal(tc_conduits_await(c, id, 10000), TC_OK);
    assert_int_equal(st, TC_OK);

    /* Made before the sync: the sync finds them. */
    by_type(c, conduit, "stream.online", "{\"broadcaster_user_id\":\"1337\"}");
    by_type(c, conduit, "channel.follow", "{\"broadcaster_user_id\":\"1337\",\"moderator_user_id\":\"1338\"}");
    assert_int_equal(tc_view_set_change_cb(c, on_change, &ch), TC_OK);
    sync_view(c);
    tc_conduits_process(c, NULL);
    assert_int_equal(ch.count[TC_VIEW_SYNCED], 1);
    assert_int_equal(tc_view_count(c, NULL), 2);
    assert_int_equal(tc_view_conduits(&conduits, c), TC_OK);
    assert_int_equal(tc_conduit_list_count(conduits), 1);
    tc_conduit_list_free(conduits);
    assert_int_equal(tc_view_shards(&shards, c, conduit), TC_OK);
    assert_int_equal(tc_shard_list_count(shards), 1);
    assert_string_equal(tc_transport_method_name(tc_shard_transport(tc_shard_list_get(shards, 0))), "webhook");
    tc_shard_list_free(shards);
    assert_int_equal(tc_view_shards(&shards, c, "no-such-conduit"), TC_ENOTFOUND);

    /* Queries. */
    assert_int_equal(count_where(c, conduit, NULL, NULL, NULL), 2);
    assert_int_equal(count_where(c, NULL, "1337", NULL, NULL), 2);
    assert_int_equal(count_where(c, NULL, "1338", NULL, NULL), 1); /* the moderator */
    assert_int_equal(count_where(c, NULL, "1338", "stream.online", NULL), 0);
    assert_int_equal(count_where(c, NULL, NULL, "channel.follow", "enabled"), 1);
    assert_int_equal(count_where(c, "other-conduit", NULL, NULL, NULL), 0);
    assert_int_equal(count_where(c, NULL, "9999", NULL, NULL), 0);

    /* The library's own calls keep it current. */
    by_type(c, conduit, "stream.offline", "{\"broadcaster_user_id\":\"1337\"}");
    assert_int_equal(tc_view_count(c, NULL), 3);
    tc_conduits_process(c, NULL);
    assert_int_equal(ch.count[TC_VIEW_SUBSCRIPTION_ADDED], 1);

    /* A revocation through the manager's listener: that status, then cleanup removes it. */
    id_of(c, "stream.online", sub_id, sizeof sub_id);
    snprintf(body, sizeof body, "{\"subscription_id\":\"%s\",\"kind\":\"revocation\",\"reason\":\"authorization_revoked\",\"wait\":true}", sub_id);
    assert_int_equal(tcmock_control(m, "deliver", body), 0);
    poll_until(c, &revocations, 1);
    assert_int_equal(count_where(c, NULL, NULL, NULL, "authorization_revoked"), 1);
    assert_int_equal(count_where(c, NULL, NULL, NULL, "enabled"), 2);
    assert_int_equal(ch.count[TC_VIEW_SUBSCRIPTION_STATUS], 1);
    expect_view_matches_twitch(c);
    assert_int_equal(tc_subscriptions_cleanup(&id, c, conduit, 0, NULL, on_batch, &st), TC_OK);
    assert_int_equal(tc_conduits_await(c, id, 10000), TC_OK);
    assert_int_equal(st, TC_OK);
    assert_int_equal(tc_view_count(c, NULL), 2);
    assert_int_equal(count_where(c, NULL, NULL, NULL, "authorization_revoked"), 0);

    /* A single delete, and a delete of what is already gone. */
    id_of(c, "stream.offline", sub_id, sizeof sub_id);
    assert_int_equal(tc_subscription_delete(&id, c, sub_id, on_response, &st), TC_OK);
    assert_int_equal(tc_conduits_await(c, id, 10000), TC_OK);
    assert_int_equal(st, TC_OK);
    assert_int_equal(tc_view_count(c, NULL), 1);
    expect_view_matches_twitch(c);

    /* Conduit resize and delete. */
    assert_int_equal(tc_conduit_update(&id, c, conduit, 3, on_conduit, &st), TC_OK);
    assert_int_equal(tc_conduits_await(c, id, 10000), TC_OK);
    assert_int_equal(st, TC_OK);
    assert_int_equal(tc_view_conduits(&conduits, c), TC_OK);
    assert_int_equal(tc_conduit_shard_count(tc_conduit_list_get(conduits, 0)), 3);
    tc_conduit_list_free(conduits);
    assert_int_equal(tc_view_shards(&shards, c, conduit), TC_OK);
    assert_int_equal(tc_shard_list_count(shards), 3);
    tc_shard_list_free(shards);
    assert_int_equal(tc_conduit_delete(&id, c, conduit, on_response, &st), TC_OK);
    assert_int_equal(tc_conduits_await(c, id, 10000), TC_OK);
    assert_int_equal(st, TC_OK);
    assert_int_equal(tc_view_conduits(&conduits, c), TC_OK);
    assert_int_equal(tc_conduit_list_count(conduits), 0);
    tc_conduit_list_free(conduits);
    assert_int_equal(count_where(c, NULL, NULL, NULL, "conduit_deleted"), 1);
    tc_conduits_process(c, NULL);
    assert_int_equal(ch.count[TC_VIEW_CONDUIT_REMOVED], 1);
    assert_int_equal(ch.count[TC_VIEW_CONDUIT_UPDATED], 1);
    expect_view_matches_twitch(c);

    /* Bad queries. */
    {
        tc_view_query q = TC_VIEW_QUERY_INIT;
        q.type = "";
        assert_int_equal(tc_view_subscriptions(&list, c, &q), TC_EINVAL);
        assert_null(list);
        q.type = NULL;
        q.version = 9;
        assert_int_equal(tc_view_subscriptions(&list, c, &q), TC_EVERSION);
        assert_int_equal(tc_view_count(c, &q), 0);
    }
    assert_int_equal(tc_view_set_change_cb(c, NULL, NULL), TC_OK);
    tc_transport_free(hook);
    tc_listener_free(l);
    tc_conduits_free(c);
    tcmock_stop(m);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_view_follows_changes),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
