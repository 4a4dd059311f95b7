/* Events end to end over real sockets: the mock Twitch server challenges a
 * webhook shard served by the library's own listener (the shard becomes
 * enabled), then delivers signed notifications to it; resends are answered but
 * never dispatched twice, tampered and stale messages are refused, and a
 * revocation arrives typed. */
#include "fixture.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <string.h>

#define SECRET "e2e-shard-secret-0123456789"

typedef struct seen {
    int verifications, notifications, revocations, rejected;
    tc_status last_reject;
    char conduit_id[80], shard_id[16], type[64], message_id[64], reason[64];
    char event[512];
} seen;

static void on_event(tc_status status, const char *route, const tc_event *msg, void *userdata) {
    seen *s = (seen *)userdata;
    size_t len = 0;
    assert_int_equal(status, TC_OK);
    assert_string_equal(route, "shard0");
    switch (tc_event_kind_get(msg)) {
    case TC_EVENT_VERIFICATION:
        s->verifications++;
        snprintf(s->conduit_id, sizeof s->conduit_id, "%s", tc_event_conduit_id(msg));
        snprintf(s->shard_id, sizeof s->shard_id, "%s", tc_event_shard_id(msg));
        break;
    case TC_EVENT_NOTIFICATION: {
        const char *event = tc_event_event_json(msg, &len);
        s->notifications++;
        snprintf(s->type, sizeof s->type, "%s", tc_event_subscription_type(msg));
        snprintf(s->message_id, sizeof s->message_id, "%s", tc_event_id(msg));
        snprintf(s->event, sizeof s->event, "%.*s", (int)(len < 500 ? len : 500), event);
        break;
    }
    case TC_EVENT_REVOCATION:
        s->revocations++;
        snprintf(s->reason, sizeof s->reason, "%s", tc_event_revocation_reason(msg));
        break;
    default:
        fail_msg("unexpected message kind %d", (int)tc_event_kind_get(msg));
    }
}

static void on_reject(tc_status status, const char *route, const tc_event *msg, void *userdata) {
    seen *s = (seen *)userdata;
    (void)status;
    (void)route;
    s->rejected++;
    s->last_reject = tc_event_status(msg);
}

/* Runs callbacks until *counter reaches want, within 10 s. */
static void wait_for(tc_conduits *c, const int *counter, int want, const char *what) {
    double deadline = now_ms() + 10000;
    while (*counter < want) {
        if (now_ms() > deadline) fail_msg("timed out waiting for %s", what);
        tc_conduits_poll(c, 50, NULL);
    }
}

typedef struct one_id {
    tc_status status;
    char id[64];
} one_id;

static void on_batch(tc_status status, const tc_subscription_batch *b, void *userdata) {
    one_id *o = (one_id *)userdata;
    o->status = status;
    if (b != NULL && tc_subscription_batch_subscription(b, 0) != NULL) {
        snprintf(o->id, sizeof o->id, "%s", tc_subscription_id(tc_subscription_batch_subscription(b, 0)));
    }
}

static void on_update(tc_status status, const tc_shard_update_result *r, void *userdata) {
    (void)r;
    *(tc_status *)userdata = status;
}

static void deliver(tcmock *m, const char *fmt, const char *arg) {
    char body[512];
    snprintf(body, sizeof body, fmt, arg);
    if (tcmock_control(m, "deliver", body) != 0) fail_msg("the mock refused to deliver: %s", body);
}

static void test_mock_to_listener(void **state) {
    (void)state;
    tcmock *m = fixture_mock(NULL);
    tc_conduits_options o = fixture_options(m);
    tc_conduits *c;
    tc_listener_options lo = TC_LISTENER_OPTIONS_INIT;
    tc_listener *l = NULL;
    seen s;
    char conduit[80], callback[256];
    tc_transport *hook = NULL;
    tc_shard_assignment a;
    tc_status updated = TC_ERROR;
    tc_subscription_spec spec = {"stream.online", "1", "{\"broadcaster_user_id\":\"1337\"}"};
    one_id sub = {TC_ERROR, ""};
    tc_op_id id = 0;

    memset(&s, 0, sizeof s);
    assert_int_equal(tcmock_control(m, "config", "{\"allow_http_callbacks\":true}"), 0);
    o.flags = TC_CONDUITS_F_ALLOW_HTTP_CALLBACKS;
    c = fixture_manager(&o);
    lo.event_cb = on_event;
    lo.event_userdata = &s;
    lo.reject_cb = on_reject;
    lo.reject_userdata = &s;
    assert_int_equal(tc_listener_new(&l, c, &lo), TC_OK);
    assert_int_equal(tc_listener_add_route(l, "shard0", SECRET), TC_OK);

    /* The shard's callback is our listener; the mock's challenge must pass. */
    fixture_make_conduit(c, 1, conduit);
    snprintf(callback, sizeof callback, "%sshard0", tc_listener_base_url(l));
    assert_int_equal(tc_transport_webhook_new(&hook, callback, SECRET), TC_OK);
    a.shard_id = "0";
    a.transport = hook;
    assert_int_equal(tc_shard_update(&id, c, conduit, &a, 1, on_update, &updated), TC_OK);
    assert_int_equal(tc_conduits_await(c, id, 10000), TC_OK);
    assert_int_equal(updated, TC_OK);
    wait_for(c, &s.verifications, 1, "the shard challenge");
    assert_string_equal(s.conduit_id, conduit);
    assert_string_equal(s.shard_id, "0");
    {
        double deadline = now_ms() + 10000;
        while (tcmock_stat(m, "challenges_passed") < 1) {
            if (now_ms() > deadline) fail_msg("the mock never saw the challenge answered");
            tc_conduits_poll(c, 20, NULL);
        }
    }

    assert_int_equal(tc_subscriptions_create(&id, c, conduit, &spec, 1, NULL, on_batch, &sub), TC_OK);
    assert_int_equal(tc_conduits_await(c, id, 10000), TC_OK);
    assert_int_equal(sub.status, TC_OK);

    /* A signed notification arrives verified, with its event. */
    deliver(m, "{\"subscription_id\":\"%s\",\"message_id\":\"msg-1\",\"wait\":true}", sub.id);
    wait_for(c, &s.notifications, 1, "the notification");
    assert_string_equal(s.type, "stream.online");
    assert_string_equal(s.message_id, "msg-1");
    assert_non_null(strstr(s.event, "\"broadcaster_user_id\":\"1337\""));

    /* Twitch resends the same message: answered, not dispatched again. */
    deliver(m, "{\"resend_of\":\"%s\",\"wait\":true}", "msg-1");
    assert_int_equal(tc_listener_stat_get(l, TC_LISTENER_STAT_DUPLICATES), 1);

    /* Tampered and stale messages are refused (403), never dispatched. */
    deliver(m, "{\"subscription_id\":\"%s\",\"tamper\":true,\"wait\":true}", sub.id);
    wait_for(c, &s.rejected, 1, "the tampered message's rejection");
    assert_int_equal(s.last_reject, TC_ESIGNATURE);
    deliver(m, "{\"subscription_id\":\"%s\",\"stale_seconds\":900,\"wait\":true}", sub.id);
    wait_for(c, &s.rejected, 2, "the stale message's rejection");
    assert_int_equal(s.last_reject, TC_ESTALE);

    /* A revocation arrives typed, with its reason. */
    deliver(m, "{\"subscription_id\":\"%s\",\"kind\":\"revocation\",\"reason\":\"authorization_revoked\",\"wait\":true}",
            sub.id);
    wait_for(c, &s.revocations, 1, "the revocation");
    assert_string_equal(s.reason, "authorization_revoked");

    run_all(c, 5000);
    assert_int_equal(s.notifications, 1);
    assert_int_equal(tcmock_stat(m, "events_delivered"), 3); /* msg-1, its resend, the revocation */
    tc_transport_free(hook);
    tc_listener_free(l);
    tc_conduits_free(c);
    tcmock_stop(m);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_mock_to_listener),
    };
    return cmocka_run_group_tests_name("events-e2e", tests, NULL, NULL);
}
