/* The conduit runner's WebSocket shards against the mock's EventSub
 * WebSocket server over loopback: every close code, drops, stalls and
 * reconnect hand-overs while events flow (each delivered message reaches the
 * callback exactly once), the 4003 of an unassigned socket, refused
 * assignments, and bad frames from the server. */
#include "runner_harness.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* One WebSocket shard on a new one-shard conduit with a subscription. */
static void start_one(rh *h, tc_runner_options *o) {
    fixture_make_conduit(h->c, 1, h->conduit);
    rh_subscribe(h);
    tc_runner_options defaults = rh_options(h);
    if (o == NULL) o = &defaults;
    o->conduit_id = h->conduit;
    rh_start(h, o);
    rh_wait(h, rh_ready, NULL, 10000, "the shard's first assignment");
}

static void deliver_one(rh *h, const char *id) {
    rh_mockf(h, "deliver", "{\"subscription_id\":\"%s\",\"message_id\":\"%s\",\"wait\":true}", h->sub_id, id);
}

static int seen_one(rh *h, const void *id) { return rh_seen(h, (const char *)id) > 0; }

static void stop_and_check(rh *h) {
    assert_int_equal(tc_runner_stop(h->r), TC_OK);
    rh_wait(h, rh_done, NULL, 10000, "done_cb");
    run_all(h->c, 5000);
    assert_int_equal(h->done_calls, 1);
    assert_int_equal(h->done_status, TC_OK);
    assert_int_equal(h->event_errors, 0);
}

static void test_enabled_and_events(void **state) {
    (void)state;
    rh h;
    char status[64], session[128];
    rh_setup(&h);
    start_one(&h, NULL);
    rh_snap s = rh_snapshot(&h, "0");
    assert_int_equal(s.state, TC_RUNNER_SHARD_ENABLED);
    assert_string_equal(s.status, "enabled");
    assert_true(s.session[0] != '\0');
    assert_true(s.latency_ms >= 0);
    rh_twitch_shard(&h, "0", status, sizeof status, session, sizeof session);
    assert_string_equal(status, "enabled");
    assert_string_equal(session, s.session);

    deliver_one(&h, "basic-1");
    rh_wait(&h, seen_one, "basic-1", 5000, "basic-1");
    assert_string_equal(h.last_transport, "websocket");
    /* Twitch resending the same id: not delivered twice. */
    rh_mockf(&h, "deliver", "{\"resend_of\":\"basic-1\",\"wait\":true}");
    deliver_one(&h, "basic-2");
    rh_wait(&h, seen_one, "basic-2", 5000, "basic-2");
    assert_int_equal(rh_seen(&h, "basic-1"), 1);
    assert_int_equal(tc_runner_stat_get(h.r, TC_RUNNER_STAT_DUPLICATES), 1);
    assert_int_equal(tc_runner_stat_get(h.r, TC_RUNNER_STAT_EVENTS), 2);
    s = rh_snapshot(&h, "0");
    assert_int_equal(s.events, 3);
    assert_int_equal(s.duplicates, 1);
    stop_and_check(&h);
    rh_teardown(&h);
}


/* Waits until shard 0 is enabled on a session other than `old`, and checks
 * Twitch agrees (the new session is assigned) and an event flows. */
static void expect_recovered(rh *h, const char *old, const char *what) {
    char status[64], session[128], id[64];
    static int serial;
    rh_wait(h, rh_shard0_enabled_not, old, 10000, what);
    rh_snap s = rh_snapshot(h, "0");
    rh_twitch_shard(h, "0", status, sizeof status, session, sizeof session);
    assert_string_equal(status, "enabled");
    assert_string_equal(session, s.session);
    snprintf(id, sizeof id, "after-%d", ++serial);
    deliver_one(h, id);
    rh_wait(h, seen_one, id, 5000, "an event after the recovery");
    assert_int_equal(rh_seen(h, id), 1);
}

static void test_close_codes(void **state) {
    (void)state;
    static const int codes[] = {4000, 4001, 4002, 4003, 4004, 4005, 4006, 4007, 1000};
    static const char *const statuses[] = {"websocket_internal_error", "websocket_received_inbound_traffic",
                                           "websocket_failed_ping_pong", "websocket_disconnected",
                                           "websocket_failed_to_reconnect", "websocket_network_timeout",
                                           "websocket_network_error", "websocket_failed_to_reconnect",
                                           "websocket_disconnected"};
    rh h;
    char want[32];
    rh_setup(&h);
    start_one(&h, NULL);
    for (size_t k = 0; k < sizeof codes / sizeof codes[0]; ++k) {
        rh_snap before = rh_snapshot(&h, "0");
        rh_shard_seen *seen = rh_shard(&h, "0");
        const int lost = seen->lost_count;
        rh_mockf(&h, "ws/close", "{\"conduit_id\":\"%s\",\"shard_id\":\"0\",\"code\":%d}", h.conduit, codes[k]);
        expect_recovered(&h, before.session, "a new session after the close");
        assert_int_equal(seen->lost_count, lost + 1);
        snprintf(want, sizeof want, "close %d", codes[k]);
        if (strstr(seen->last_lost_error, want) == NULL) fail_msg("lost with \"%s\", not %s", seen->last_lost_error, want);
        assert_string_equal(seen->last_lost_status, statuses[k]);
        rh_snap after = rh_snapshot(&h, "0");
        assert_int_equal(after.reconnects, before.reconnects + 1);
    }
    assert_int_equal(tc_runner_stat_get(h.r, TC_RUNNER_STAT_RECONNECTS), 9);
    assert_int_equal(tc_runner_stat_get(h.r, TC_RUNNER_STAT_ASSIGNS), 10);
    stop_and_check(&h);
    rh_teardown(&h);
}

/* Events flow from a thread while the socket is dropped twice; each drop
 * comes after 30 more messages went out, the last 30 after the second
 * recovery. Messages sent while the shard is down are dropped by Twitch
 * (the mock says delivered:false); every delivered one arrives once. */
static void test_drop_while_flowing(void **state) {
    (void)state;
    rh h;
    rh_setup(&h);
    start_one(&h, NULL);
    rh_feeder *f = calloc(1, sizeof *f);
    assert_non_null(f);
    rh_feeder_start(f, &h, "drop", RH_MAX_IDS);
    int mark = 0;
    for (int round = 0; round < 2; ++round) {
        while (rh_feeder_sent(f) < mark + 30) tc_conduits_poll(h.c, 5, NULL);
        const rh_snap before = rh_snapshot(&h, "0");
        rh_mockf(&h, "ws/drop", "{\"session_id\":\"%s\"}", before.session);
        rh_wait(&h, rh_shard0_enabled_not, before.session, 10000, "the shard enabled again");
        mark = rh_feeder_sent(f);
    }
    while (rh_feeder_sent(f) < mark + 30) tc_conduits_poll(h.c, 5, NULL);
    pthread_mutex_lock(&f->mu);
    f->stop = 1;
    pthread_mutex_unlock(&f->mu);
    rh_feeder_join(f);
    assert_true(rh_feeder_check(f, 10000) >= 60);
    free(f);
    rh_shard_seen *seen = rh_shard(&h, "0");
    assert_int_equal(seen->lost_count, 2);
    assert_non_null(strstr(seen->last_lost_error, "without a close frame"));
    stop_and_check(&h);
    rh_teardown(&h);
}

static void reconnect_same(rh *h, const char *session) {
    rh_mockf(h, "ws/reconnect", "{\"session_id\":\"%s\",\"same_session\":true}", session);
}

static void reconnect_new(rh *h, const char *session) {
    rh_mockf(h, "ws/reconnect", "{\"session_id\":\"%s\",\"same_session\":false}", session);
}

static int handovers_at_least(rh *h, const void *n) {
    return tc_runner_stat_get(h->r, TC_RUNNER_STAT_HANDOVERS) >= (uint64_t) * (const int *)n;
}

static void test_reconnect_same_session_while_flowing(void **state) {
    (void)state;
    rh h;
    const int two = 2;
    rh_setup(&h);
    start_one(&h, NULL);
    const rh_snap first = rh_snapshot(&h, "0");
    rh_feeder *f = calloc(1, sizeof *f);
    rh_feeder_start(f, &h, "same", 150);
    for (int round = 0; round < 2; ++round) {
        const int at = (round + 1) * 50;
        const int want = round + 1;
        while (rh_feeder_sent(f) < at) tc_conduits_poll(h.c, 5, NULL);
        reconnect_same(&h, first.session);
        rh_wait(&h, handovers_at_least, &want, 10000, "the hand-over");
    }
    rh_feeder_join(f);
    /* Nothing was lost: the session stayed enabled throughout. */
    assert_int_equal(rh_feeder_check(f, 10000), 150);
    free(f);
    rh_wait(&h, handovers_at_least, &two, 10000, "two hand-overs");
    const rh_snap s = rh_snapshot(&h, "0");
    assert_string_equal(s.session, first.session);
    assert_int_equal(s.state, TC_RUNNER_SHARD_ENABLED);
    assert_int_equal(rh_shard(&h, "0")->lost_count, 0);
    /* The same session is never PATCHed again. */
    assert_int_equal(tc_runner_stat_get(h.r, TC_RUNNER_STAT_ASSIGNS), 1);
    stop_and_check(&h);
    rh_teardown(&h);
}

static void test_reconnect_new_session_while_flowing(void **state) {
    (void)state;
    rh h;
    rh_setup(&h);
    start_one(&h, NULL);
    rh_feeder *f = calloc(1, sizeof *f);
    rh_feeder_start(f, &h, "new", 150);
    for (int round = 0; round < 2; ++round) {
        const int at = (round + 1) * 50;
        const int want = round + 1;
        while (rh_feeder_sent(f) < at) tc_conduits_poll(h.c, 5, NULL);
        const rh_snap before = rh_snapshot(&h, "0");
        reconnect_new(&h, before.session);
        rh_wait(&h, handovers_at_least, &want, 10000, "the hand-over");
        rh_wait(&h, rh_shard0_enabled_not, before.session, 10000, "the new session assigned");
    }
    rh_feeder_join(f);
    /* The old socket delivered until the new session was assigned. */
    assert_int_equal(rh_feeder_check(f, 10000), 150);
    free(f);
    assert_int_equal(rh_shard(&h, "0")->lost_count, 0);
    assert_int_equal(tc_runner_stat_get(h.r, TC_RUNNER_STAT_ASSIGNS), 3);
    assert_int_equal(tcmock_stat(h.m, "shard_disabled_events"), 0);
    stop_and_check(&h);
    rh_teardown(&h);
}

static void test_two_reconnects_in_a_row(void **state) {
    (void)state;
    rh h;
    const int two = 2;
    char body[512];
    rh_setup(&h);
    start_one(&h, NULL);
    const rh_snap first = rh_snapshot(&h, "0");
    /* The second session_reconnect arrives on the first hand-over's socket
     * right after its welcome. */
    rh_mockf(&h, "ws/reconnect", "{\"session_id\":\"%s\",\"same_session\":true}", first.session);
    for (;;) {
        rh_mock_post(&h, "ws/sessions", NULL, body, sizeof body);
        if (strstr(body, "\"assigned\"") != NULL && strstr(body, "reconnecting") == NULL) break;
        tc_conduits_poll(h.c, 5, NULL);
    }
    rh_mockf(&h, "ws/reconnect", "{\"session_id\":\"%s\",\"same_session\":false}", first.session);
    rh_wait(&h, handovers_at_least, &two, 10000, "two hand-overs");
    rh_wait(&h, rh_shard0_enabled_not, first.session, 10000, "the second hand-over's session");
    expect_recovered(&h, first.session, "the shard after two reconnects");
    assert_int_equal(rh_shard(&h, "0")->lost_count, 0);
    stop_and_check(&h);
    rh_teardown(&h);
}

static int keepalive_timeouts(rh *h, const void *unused) {
    (void)unused;
    return tc_runner_stat_get(h->r, TC_RUNNER_STAT_KEEPALIVE_TIMEOUTS) > 0;
}

static void test_stall_while_flowing(void **state) {
    (void)state;
    rh h;
    rh_setup(&h);
    start_one(&h, NULL);
    rh_feeder *f = calloc(1, sizeof *f);
    rh_feeder_start(f, &h, "stall", 100);
    while (rh_feeder_sent(f) < 40) tc_conduits_poll(h.c, 5, NULL);
    /* A stalled socket swallows what is sent to it (as a dead TCP peer
     * would), so the feeder holds while the socket is silent. */
    rh_feeder_hold(f, 1);
    const rh_snap before = rh_snapshot(&h, "0");
    rh_mockf(&h, "ws/stall", "{\"session_id\":\"%s\"}", before.session);
    const double stalled_at = now_ms();
    rh_wait(&h, keepalive_timeouts, NULL, 10000, "the keepalive watchdog");
    /* 1 s keepalive + 400 ms margin: not before that. */
    assert_true(now_ms() - stalled_at >= 1000);
    rh_wait(&h, rh_shard0_enabled_not, before.session, 10000, "a new session after the stall");
    rh_feeder_hold(f, 0);
    rh_feeder_join(f);
    assert_int_equal(rh_feeder_check(f, 10000), 100);
    free(f);
    assert_non_null(strstr(rh_shard(&h, "0")->last_lost_error, "keepalive timeout"));
    stop_and_check(&h);
    rh_teardown(&h);
}

static int lost_with(rh *h, const void *text) {
    rh_shard_seen *s = rh_shard(h, "0");
    return s->lost_count > 0 && strstr(s->last_lost_error, (const char *)text) != NULL;
}

static void test_unassigned_socket_4003(void **state) {
    (void)state;
    rh h;
    rh_setup(&h);
    fixture_make_conduit(h.c, 1, h.conduit);
    rh_subscribe(&h);
    /* Twitch closes a socket not assigned within its timeout: slow Helix
     * answers make the runner miss it. */
    rh_mockf(&h, "config", "{\"latency_ms\":400,\"ws_assign_timeout_ms\":100}");
    tc_runner_options o = rh_options(&h);
    rh_start(&h, &o);
    rh_wait(&h, lost_with, "close 4003", 10000, "a 4003 close");
    assert_true(tcmock_stat(h.m, "ws_closes_4003") >= 1);
    assert_string_equal(rh_shard(&h, "0")->last_lost_status, "websocket_disconnected");
    rh_mockf(&h, "config", "{\"latency_ms\":0,\"ws_assign_timeout_ms\":2000}");
    expect_recovered(&h, NULL, "the reopened socket assigned");
    assert_int_equal(h.ready_calls, 1);
    stop_and_check(&h);
    rh_teardown(&h);
}

static void test_refused_new_session_once(void **state) {
    (void)state;
    rh h;
    rh_setup(&h);
    start_one(&h, NULL);
    const rh_snap before = rh_snapshot(&h, "0");
    rh_mockf(&h, "ws/refuse_assign", "{\"count\":1}");
    rh_mockf(&h, "ws/drop", "{\"session_id\":\"%s\"}", before.session);
    expect_recovered(&h, before.session, "the new session assigned after a refusal");
    assert_int_equal(tc_runner_stat_get(h.r, TC_RUNNER_STAT_ASSIGN_FAILURES), 1);
    /* The refusal was retried on the same socket: one new connection. */
    assert_int_equal(tc_runner_stat_get(h.r, TC_RUNNER_STAT_WS_CONNECTS), 2);
    assert_non_null(strstr(rh_snapshot(&h, "0").error, "shard update failed"));
    stop_and_check(&h);
    rh_teardown(&h);
}

/* A frame the runner must refuse: a protocol error, a reconnect, never a crash. */
static void bad_frame(rh *h, const char *send_body, const char *error) {
    const uint64_t errors = tc_runner_stat_get(h->r, TC_RUNNER_STAT_PROTOCOL_ERRORS);
    const rh_snap before = rh_snapshot(h, "0");
    const int lost = rh_shard(h, "0")->lost_count;
    rh_mockf(h, "ws/send", "{\"session_id\":\"%s\",%s}", before.session, send_body);
    expect_recovered(h, before.session, error);
    assert_int_equal(tc_runner_stat_get(h->r, TC_RUNNER_STAT_PROTOCOL_ERRORS), errors + 1);
    assert_int_equal(rh_shard(h, "0")->lost_count, lost + 1);
    if (strstr(rh_shard(h, "0")->last_lost_error, error) == NULL) {
        fail_msg("lost with \"%s\", expected \"%s\"", rh_shard(h, "0")->last_lost_error, error);
    }
}

static void test_bad_frames(void **state) {
    (void)state;
    rh h;
    rh_setup(&h);
    tc_runner_options o;
    fixture_make_conduit(h.c, 1, h.conduit);
    rh_subscribe(&h);
    o = rh_options(&h);
    o.max_message_bytes = 4096;
    rh_start(&h, &o);
    rh_wait(&h, rh_ready, NULL, 10000, "the first assignment");
    bad_frame(&h, "\"opcode\":\"binary\",\"data\":\"hello\"", "binary frame");
    bad_frame(&h, "\"data\":\"{not json\"", "EventSub WebSocket message");
    bad_frame(&h, "\"size\":100000", "larger than 4096 bytes");
    bad_frame(&h,
              "\"data\":\"{\\\"metadata\\\":{\\\"message_id\\\":\\\"m1\\\",\\\"message_type\\\":\\\"bogus\\\","
              "\\\"message_timestamp\\\":\\\"2024-01-01T00:00:00Z\\\"},\\\"payload\\\":{}}\"",
              "unknown message_type \"bogus\"");
    assert_int_equal(h.event_errors, 0);
    stop_and_check(&h);
    rh_teardown(&h);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_enabled_and_events),
        cmocka_unit_test(test_close_codes),
        cmocka_unit_test(test_drop_while_flowing),
        cmocka_unit_test(test_reconnect_same_session_while_flowing),
        cmocka_unit_test(test_reconnect_new_session_while_flowing),
        cmocka_unit_test(test_two_reconnects_in_a_row),
        cmocka_unit_test(test_stall_while_flowing),
        cmocka_unit_test(test_unassigned_socket_4003),
        cmocka_unit_test(test_refused_new_session_once),
        cmocka_unit_test(test_bad_frames),
    };
    return cmocka_run_group_tests_name("runner-ws", tests, NULL, NULL);
}
