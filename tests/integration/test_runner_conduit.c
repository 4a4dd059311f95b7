/* The conduit runner as a whole against the mock: a conduit mixing webhook
 * (embedded listener) and WebSocket shards, conduit.shard.disabled and the
 * periodic listing repairing shards, growing and shrinking the conduit,
 * never touching a shard it does not own, stopping (close frames, done_cb
 * once) and freeing the manager with sockets open. */
#define _DEFAULT_SOURCE /* usleep */
#include "runner_harness.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static int seen_one(rh *h, const void *id) { return rh_seen(h, (const char *)id) > 0; }

/* A broadcaster id the mock routes to `shard` of `count`. */
static void broadcaster_for(int shard, int count, char *out, size_t len) {
    for (int k = 1; k < 1000; ++k) {
        snprintf(out, len, "%d", 1000 + k);
        if (rh_route(out, count) == shard) return;
    }
    fail_msg("no broadcaster id routes to shard %d", shard);
}

/* The conduit's shard count from Get Conduits. */
static int conduit_shards(rh *h) {
    char body[8192], pat[128];
    assert_int_equal(rh_helix(h, TC_GET, "/eventsub/conduits", NULL, body, sizeof body), 200);
    snprintf(pat, sizeof pat, "\"id\":\"%s\"", h->conduit);
    const char *p = strstr(body, pat);
    if (p == NULL) return -1;
    const char *end = strchr(p, '}');
    const char *n = strstr(p, "\"shard_count\":");
    if (n == NULL || (end != NULL && n > end)) {
        /* shard_count may come before the id inside the object */
        const char *start = p;
        while (start > body && *start != '{') --start;
        n = strstr(start, "\"shard_count\":");
    }
    return n != NULL ? atoi(n + strlen("\"shard_count\":")) : -1;
}

static void stop_and_check(rh *h) {
    assert_int_equal(tc_runner_stop(h->r), TC_OK);
    assert_int_equal(tc_runner_stop(h->r), TC_OK); /* again: still one done_cb */
    rh_wait(h, rh_done, NULL, 10000, "done_cb");
    run_all(h->c, 5000);
    assert_int_equal(h->done_calls, 1);
    assert_int_equal(h->done_status, TC_OK);
    assert_int_equal(h->event_errors, 0);
}

static int shard_enabled(rh *h, const void *id) {
    return rh_snapshot(h, (const char *)id).state == TC_RUNNER_SHARD_ENABLED;
}

static int shard_lost(rh *h, const void *id) { return rh_shard(h, (const char *)id)->lost_count > 0; }

/* The mock counts a challenge once its client has read the answer, which may
 * be a moment after the runner (whose listener wrote it) reports the shard
 * enabled. */
static int challenges_passed_at_least(rh *h, const void *n) {
    return tcmock_stat(h->m, "challenges_passed") >= *(const long *)n;
}

/* Shard 0 over WebSocket, shard 1 over webhook through the embedded listener. */
static void start_mixed(rh *h, unsigned flags, long list_interval_s) {
    static const tc_runner_shard_spec specs[] = {
        {"0", TC_TRANSPORT_WEBSOCKET, NULL},
        {"1", TC_TRANSPORT_WEBHOOK, "mixed-webhook-secret-0123"},
    };
    fixture_make_conduit(h->c, 2, h->conduit);
    tc_runner_options o = rh_options(h);
    o.shards = specs;
    o.shards_len = 2;
    o.flags = flags;
    o.list_interval_s = list_interval_s;
    rh_start(h, &o);
    rh_wait(h, rh_ready, NULL, 10000, "both shards enabled");
}

static void test_mixed_conduit(void **state) {
    (void)state;
    rh h;
    char b0[16], b1[16], sub0[64], sub1[64], status[64], session[128];
    rh_setup(&h);
    start_mixed(&h, 0, -1);
    /* The webhook shard is enabled because its challenge passed. */
    rh_snap hook = rh_snapshot(&h, "1");
    assert_int_equal(hook.state, TC_RUNNER_SHARD_ENABLED);
    assert_string_equal(hook.status, "enabled");
    assert_true(strncmp(hook.callback, tc_runner_webhook_base_url(h.r), strlen(tc_runner_webhook_base_url(h.r))) == 0);
    assert_non_null(strstr(hook.callback, "shard-1"));
    const long one_challenge = 1;
    rh_wait(&h, challenges_passed_at_least, &one_challenge, 5000, "the mock's count of the passed challenge");
    rh_twitch_shard(&h, "1", status, sizeof status, NULL, 0);
    assert_string_equal(status, "enabled");
    rh_twitch_shard(&h, "0", status, sizeof status, session, sizeof session);
    assert_string_equal(status, "enabled");
    assert_string_equal(session, rh_snapshot(&h, "0").session);

    broadcaster_for(0, 2, b0, sizeof b0);
    broadcaster_for(1, 2, b1, sizeof b1);
    rh_subscribe_to(&h, b0, sub0, sizeof sub0);
    rh_subscribe_to(&h, b1, sub1, sizeof sub1);
    rh_mockf(&h, "deliver", "{\"subscription_id\":\"%s\",\"message_id\":\"mixed-ws\",\"wait\":true}", sub0);
    rh_wait(&h, seen_one, "mixed-ws", 5000, "the WebSocket shard's event");
    assert_string_equal(h.last_transport, "websocket");
    rh_mockf(&h, "deliver", "{\"subscription_id\":\"%s\",\"message_id\":\"mixed-hook\",\"wait\":true}", sub1);
    rh_wait(&h, seen_one, "mixed-hook", 5000, "the webhook shard's event");
    assert_string_equal(h.last_transport, "webhook");
    /* A webhook resend is not delivered twice either. */
    rh_mockf(&h, "deliver", "{\"resend_of\":\"mixed-hook\",\"wait\":true}");
    rh_mockf(&h, "deliver", "{\"subscription_id\":\"%s\",\"message_id\":\"mixed-ws-2\",\"wait\":true}", sub0);
    rh_wait(&h, seen_one, "mixed-ws-2", 5000, "the second WebSocket event");
    assert_int_equal(rh_seen(&h, "mixed-hook"), 1);
    /* (the listener itself answered the resend without dispatching it) */
    assert_int_equal(rh_snapshot(&h, "1").events, 1);
    assert_int_equal(rh_snapshot(&h, "0").events, 2);
    stop_and_check(&h);
    /* The listener's route is gone with the runner. */
    assert_int_equal(tc_runner_shard_count(h.r), 2);
    assert_int_equal(rh_snapshot(&h, "1").state, TC_RUNNER_SHARD_STOPPED);
    rh_teardown(&h);
}

/* Takes pulled events until one with message id `want` (counting every id
 * seen in `counts`, keyed by the ids given); fails after 5 s. */
static void pull_until(rh *h, const char *want, const char *shard, const char *transport, int marker_check) {
    double deadline = now_ms() + 5000;
    for (;;) {
        tc_completion *done = NULL;
        const tc_event *e;
        if (now_ms() > deadline) fail_msg("no pulled event %s", want);
        if (tc_conduits_next(h->c, &done, 50) != TC_OK) {
            tc_conduits_poll(h->c, 0, NULL);  /* the shard callbacks */
            continue;
        }
        assert_int_equal(tc_completion_kind_get(done), TC_COMPLETION_EVENT);
        assert_int_equal(tc_completion_op(done), 0);
        assert_int_equal((int)(intptr_t)tc_completion_userdata(done), marker_check);
        e = tc_completion_event(done);
        assert_non_null(e);
        if (strcmp(tc_event_id(e), want) == 0) {
            assert_string_equal(tc_completion_source(done), shard);
            assert_string_equal(tc_transport_type_name(tc_event_transport(e)), transport);
            tc_completion_free(done);
            return;
        }
        fail_msg("pulled %s while waiting for %s", tc_event_id(e), want);
    }
}

/* event_cb NULL: events of both transports are pulled (no thread needs to
 * run callbacks for webhook events to reach the queue), once each. */
static void test_mixed_conduit_pulled(void **state) {
    static const tc_runner_shard_spec specs[] = {
        {"0", TC_TRANSPORT_WEBSOCKET, NULL},
        {"1", TC_TRANSPORT_WEBHOOK, "mixed-webhook-secret-0123"},
    };
    rh h;
    char b0[16], b1[16], sub0[64], sub1[64];
    tc_completion *extra = NULL;
    (void)state;
    rh_setup(&h);
    fixture_make_conduit(h.c, 2, h.conduit);
    tc_runner_options o = rh_options(&h);
    o.shards = specs;
    o.shards_len = 2;
    o.event_cb = NULL;
    o.event_userdata = (void *)(intptr_t)77;
    rh_start(&h, &o);
    rh_wait(&h, rh_ready, NULL, 10000, "both shards enabled");
    broadcaster_for(0, 2, b0, sizeof b0);
    broadcaster_for(1, 2, b1, sizeof b1);
    rh_subscribe_to(&h, b0, sub0, sizeof sub0);
    rh_subscribe_to(&h, b1, sub1, sizeof sub1);
    rh_mockf(&h, "deliver", "{\"subscription_id\":\"%s\",\"message_id\":\"pulled-ws\",\"wait\":true}", sub0);
    pull_until(&h, "pulled-ws", "0", "websocket", 77);
    rh_mockf(&h, "deliver", "{\"subscription_id\":\"%s\",\"message_id\":\"pulled-hook\",\"wait\":true}", sub1);
    pull_until(&h, "pulled-hook", "1", "webhook", 77);
    /* A resend is not pulled twice: the next event pulled is the next one. */
    rh_mockf(&h, "deliver", "{\"resend_of\":\"pulled-hook\",\"wait\":true}");
    rh_mockf(&h, "deliver", "{\"subscription_id\":\"%s\",\"message_id\":\"pulled-ws-2\",\"wait\":true}", sub0);
    pull_until(&h, "pulled-ws-2", "0", "websocket", 77);
    assert_int_equal(h.events, 0); /* no callback ran for an event */
    assert_int_equal(tc_runner_stat_get(h.r, TC_RUNNER_STAT_EVENTS), 3);
    assert_int_equal(tc_runner_stop(h.r), TC_OK);
    rh_wait(&h, rh_done, NULL, 10000, "done_cb");
    assert_int_equal(tc_conduits_next(h.c, &extra, 0), TC_ETIMEDOUT);
    rh_teardown(&h);
}

static int repairs_at_least(rh *h, const void *n) {
    return tc_runner_stat_get(h->r, TC_RUNNER_STAT_REPAIRS) >= (uint64_t) * (const int *)n;
}

static int twitch_enabled(rh *h, const void *shard_id) {
    char status[64];
    rh_twitch_shard(h, (const char *)shard_id, status, sizeof status, NULL, 0);
    return strcmp(status, "enabled") == 0;
}

static void test_shard_disabled_repairs_webhook_shard(void **state) {
    (void)state;
    rh h;
    char body[1024], answer[1024], status[64];
    const int one = 1;
    rh_setup(&h);
    start_mixed(&h, 0, -1);
    const long first = 1;
    rh_wait(&h, challenges_passed_at_least, &first, 5000, "the mock's count of the first challenge");
    const long passed = tcmock_stat(h.m, "challenges_passed");
    /* Someone points shard 1 at the runner's route with a wrong secret: the
     * listener refuses the challenge, Twitch disables the shard and sends
     * conduit.shard.disabled (to shard 0, the enabled one). */
    const rh_snap hook = rh_snapshot(&h, "1");
    snprintf(body, sizeof body,
             "{\"conduit_id\":\"%s\",\"shards\":[{\"id\":\"1\",\"transport\":{\"method\":\"webhook\","
             "\"callback\":\"%s\",\"secret\":\"somebody-elses-secret-42\"}}]}",
             h.conduit, hook.callback);
    assert_int_equal(rh_helix(&h, TC_PATCH, "/eventsub/conduits/shards", body, answer, sizeof answer), 202);
    rh_wait(&h, repairs_at_least, &one, 10000, "the repair");
    rh_wait(&h, twitch_enabled, "1", 10000, "shard 1 enabled again");
    rh_wait(&h, shard_enabled, "1", 10000, "the runner's shard 1 enabled");
    assert_true(tcmock_stat(h.m, "challenges_failed") >= 1);
    const long again = passed + 1;
    rh_wait(&h, challenges_passed_at_least, &again, 5000, "the mock's count of the repaired shard's challenge");
    assert_true(tcmock_stat(h.m, "shard_disabled_events") >= 1);
    rh_twitch_shard(&h, "1", status, sizeof status, NULL, 0);
    assert_string_equal(status, "enabled");
    stop_and_check(&h);
    rh_teardown(&h);
}

static void test_shard_disabled_repairs_websocket_shard(void **state) {
    (void)state;
    rh h;
    const int one = 1;
    rh_setup(&h);
    fixture_make_conduit(h.c, 2, h.conduit);
    tc_runner_options o = rh_options(&h);
    rh_start(&h, &o);
    rh_wait(&h, rh_ready, NULL, 10000, "both shards enabled");
    assert_int_equal(tc_runner_shard_count(h.r), 2);
    /* Twitch considers shard 1's session gone while its socket stays open:
     * only conduit.shard.disabled (delivered on shard 0) tells. */
    const rh_snap before = rh_snapshot(&h, "1");
    rh_mockf(&h, "sessions", "{\"session_id\":\"%s\",\"connected\":false}", before.session);
    rh_wait(&h, repairs_at_least, &one, 10000, "the repair");
    rh_wait(&h, shard_lost, "1", 10000, "shard 1 lost");
    assert_non_null(strstr(rh_shard(&h, "1")->last_lost_error, "Twitch disabled the shard"));
    rh_wait(&h, twitch_enabled, "1", 10000, "shard 1 enabled again");
    rh_wait(&h, shard_enabled, "1", 10000, "the runner's shard 1 enabled");
    assert_string_not_equal(rh_snapshot(&h, "1").session, before.session);
    assert_int_equal(rh_shard(&h, "0")->lost_count, 0);
    stop_and_check(&h);
    rh_teardown(&h);
}

static int lists_at_least(rh *h, const void *n) {
    return tc_runner_stat_get(h->r, TC_RUNNER_STAT_SHARD_LISTS) >= (uint64_t) * (const int *)n;
}

static void test_listing_repairs(void **state) {
    (void)state;
    rh h;
    const int one = 1;
    char manual[64];
    rh_setup(&h);
    /* Three shards; the runner owns 0 and 1; shard 2 is somebody else's. */
    fixture_make_conduit(h.c, 3, h.conduit);
    snprintf(manual, sizeof manual, "manual-session-0123456789");
    rh_mockf(&h, "sessions", "{\"session_id\":\"%s\"}", manual);
    {
        char body[512], answer[1024];
        snprintf(body, sizeof body,
                 "{\"conduit_id\":\"%s\",\"shards\":[{\"id\":\"2\",\"transport\":{\"method\":\"websocket\","
                 "\"session_id\":\"%s\"}}]}",
                 h.conduit, manual);
        assert_int_equal(rh_helix(&h, TC_PATCH, "/eventsub/conduits/shards", body, answer, sizeof answer), 202);
    }
    static const tc_runner_shard_spec specs[] = {
        {"0", TC_TRANSPORT_WEBSOCKET, NULL},
        {"1", TC_TRANSPORT_WEBSOCKET, NULL},
    };
    tc_runner_options o = rh_options(&h);
    o.shards = specs;
    o.shards_len = 2;
    o.flags = TC_RUNNER_F_NO_DISABLED_SUB; /* only the listing can tell */
    o.list_interval_s = 1;
    rh_start(&h, &o);
    rh_wait(&h, rh_ready, NULL, 10000, "shards 0 and 1 enabled");
    assert_int_equal(tc_runner_shard_count(h.r), 2);
    tc_runner_shard *not_ours = NULL;
    assert_int_equal(tc_runner_shard_get(&not_ours, h.r, "2"), TC_ENOTFOUND);
    assert_null(not_ours);

    const rh_snap before = rh_snapshot(&h, "0");
    rh_mockf(&h, "sessions", "{\"session_id\":\"%s\",\"connected\":false}", before.session);
    rh_wait(&h, repairs_at_least, &one, 10000, "the listing's repair");
    rh_wait(&h, rh_shard0_enabled_not, before.session, 10000, "shard 0 on a new session");
    assert_non_null(strstr(rh_shard(&h, "0")->last_lost_error, "Twitch lists the shard as websocket_disconnected"));
    const int lists = (int)tc_runner_stat_get(h.r, TC_RUNNER_STAT_SHARD_LISTS) + 1;
    rh_wait(&h, lists_at_least, &lists, 10000, "another listing");
    /* Shard 2 was listed every time and never touched. */
    {
        char status[64], session[128];
        rh_twitch_shard(&h, "2", status, sizeof status, session, sizeof session);
        assert_string_equal(status, "enabled");
        assert_string_equal(session, manual);
    }
    assert_int_equal(tc_runner_stat_get(h.r, TC_RUNNER_STAT_REPAIRS), 1);
    stop_and_check(&h);
    rh_teardown(&h);
}

static void test_grow_and_shrink(void **state) {
    (void)state;
    rh h;
    const char *early_id;
    rh_setup(&h);
    fixture_make_conduit(h.c, 1, h.conduit);
    tc_runner_options o = rh_options(&h);
    o.shard_count = 3;
    o.flags = TC_RUNNER_F_SHRINK_ON_STOP;
    rh_start(&h, &o);
    rh_wait(&h, rh_ready, NULL, 10000, "three shards enabled");
    assert_int_equal(conduit_shards(&h), 3);
    assert_int_equal(tc_runner_shard_count(h.r), 3);
    assert_true(rh_all_enabled(&h, NULL));
    stop_and_check(&h);
    assert_int_equal(conduit_shards(&h), 1);
    rh_teardown(&h);

    /* A conduit the runner created is deleted on stop. */
    rh_setup(&h);
    o = rh_options(&h);
    o.conduit_id = NULL;
    o.shard_count = 2;
    o.flags = TC_RUNNER_F_SHRINK_ON_STOP;
    rh_start(&h, &o);
    early_id = tc_runner_conduit_id(h.r); /* most likely before the conduit exists */
    rh_wait(&h, rh_ready, NULL, 10000, "the new conduit's shards enabled");
    snprintf(h.conduit, sizeof h.conduit, "%s", tc_runner_conduit_id(h.r));
    assert_true(h.conduit[0] != '\0');
    /* A pointer handed out earlier is still a valid string: "" or the id. */
    assert_true(early_id[0] == '\0' || strcmp(early_id, h.conduit) == 0);
    assert_int_equal(conduit_shards(&h), 2);
    stop_and_check(&h);
    assert_int_equal(conduit_shards(&h), -1);
    rh_teardown(&h);
}

static int no_sockets(rh *h, const void *unused) {
    (void)unused;
    return tcmock_stat(h->m, "ws_connections") == 0;
}

static void test_stop_closes_sockets(void **state) {
    (void)state;
    rh h;
    char status[64];
    rh_setup(&h);
    fixture_make_conduit(h.c, 2, h.conduit);
    tc_runner_options o = rh_options(&h);
    rh_start(&h, &o);
    rh_wait(&h, rh_ready, NULL, 10000, "both shards enabled");
    const long closes = tcmock_stat(h.m, "ws_closes_sent");
    stop_and_check(&h);
    rh_wait(&h, no_sockets, NULL, 5000, "the sockets closed");
    /* Each socket ended with our close frame, which the mock echoed (a
     * dropped connection gets no echo). */
    assert_int_equal(tcmock_stat(h.m, "ws_closes_sent"), closes + 2);
    rh_twitch_shard(&h, "0", status, sizeof status, NULL, 0);
    assert_string_equal(status, "websocket_disconnected");
    assert_int_equal(rh_snapshot(&h, "0").state, TC_RUNNER_SHARD_STOPPED);
    assert_int_equal(tc_runner_stop(h.r), TC_OK);
    run_all(h.c, 2000);
    assert_int_equal(h.done_calls, 1);
    rh_teardown(&h);
}

static void test_free_manager_with_sockets_open(void **state) {
    (void)state;
    rh h;
    rh_setup(&h);
    start_mixed(&h, 0, 1);
    /* The manager goes first: done_cb runs once with TC_ECANCELED, every
     * socket closes; only tc_runner_free() remains. */
    tc_conduits_free(h.c);
    h.c = NULL;
    assert_int_equal(h.done_calls, 1);
    assert_int_equal(h.done_status, TC_ECANCELED);
    assert_int_equal(tc_runner_stop(h.r), TC_OK);
    assert_int_equal(tc_runner_stat_get(h.r, TC_RUNNER_STAT_ASSIGNS), 2);
    tc_runner_free(h.r);
    h.r = NULL;
    double deadline = now_ms() + 5000;
    while (tcmock_stat(h.m, "ws_connections") != 0) {
        if (now_ms() > deadline) fail_msg("the sockets stayed open");
        usleep(10000);
    }
    assert_int_equal(h.done_calls, 1);
    tcmock_stop(h.m);
}

static void test_free_runner_while_running(void **state) {
    (void)state;
    rh h;
    rh_setup(&h);
    fixture_make_conduit(h.c, 1, h.conduit);
    tc_runner_options o = rh_options(&h);
    o.shard_count = 2;
    o.flags = TC_RUNNER_F_SHRINK_ON_STOP;
    rh_start(&h, &o);
    rh_wait(&h, rh_ready, NULL, 10000, "the shards enabled");
    /* Freeing a running runner stops it: done_cb once (TC_ECANCELED), no
     * shrink (only tc_runner_stop shrinks), the sockets closed. */
    tc_runner_free(h.r);
    h.r = NULL;
    rh_wait(&h, rh_done, NULL, 10000, "done_cb");
    run_all(h.c, 5000);
    assert_int_equal(h.done_calls, 1);
    assert_int_equal(h.done_status, TC_ECANCELED);
    rh_wait(&h, no_sockets, NULL, 5000, "the sockets closed");
    rh_teardown(&h);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_mixed_conduit),
        cmocka_unit_test(test_mixed_conduit_pulled),
        cmocka_unit_test(test_shard_disabled_repairs_webhook_shard),
        cmocka_unit_test(test_shard_disabled_repairs_websocket_shard),
        cmocka_unit_test(test_listing_repairs),
        cmocka_unit_test(test_grow_and_shrink),
        cmocka_unit_test(test_stop_closes_sockets),
        cmocka_unit_test(test_free_manager_with_sockets_open),
        cmocka_unit_test(test_free_runner_while_running),
    };
    return cmocka_run_group_tests_name("runner-conduit", tests, NULL, NULL);
}
