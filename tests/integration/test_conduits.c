/* Conduit operations against the mock: list, create, resize, delete, the
 * 5-conduit limit, validation before sending, and 404s. */
#include "fixture.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct conduit_record {
    int calls;
    tc_status status;
    int http_status;
    char id[80];
    int shard_count;
    char message[256];
} conduit_record;

static void record_conduit(tc_status status, const tc_conduit *conduit, void *userdata) {
    conduit_record *rec = (conduit_record *)userdata;
    rec->calls++;
    rec->status = status;
    rec->http_status = tc_last_http_status();
    snprintf(rec->message, sizeof rec->message, "%s", status == TC_OK ? "" : tc_last_error_message());
    if (conduit != NULL) {
        snprintf(rec->id, sizeof rec->id, "%s", tc_conduit_id(conduit));
        rec->shard_count = tc_conduit_shard_count(conduit);
    } else {
        assert_true(status != TC_OK);
    }
}

typedef struct list_record {
    int calls;
    tc_status status;
    size_t count;
    char json[2048];
} list_record;

static void record_list(tc_status status, const tc_conduit_list *list, void *userdata) {
    list_record *rec = (list_record *)userdata;
    char *json = NULL;
    rec->calls++;
    rec->status = status;
    rec->count = tc_conduit_list_count(list);
    if (list != NULL && tc_conduit_list_to_json(&json, list) == TC_OK) {
        snprintf(rec->json, sizeof rec->json, "%s", json);
        tc_free(json);
    }
}

/* Creates a conduit and returns its record (asserting success). */
static conduit_record create(tc_conduits *c, int shards) {
    conduit_record rec;
    tc_op_id id = 0;
    memset(&rec, 0, sizeof rec);
    assert_int_equal(tc_conduit_create(&id, c, shards, record_conduit, &rec), TC_OK);
    assert_int_equal(tc_conduits_await(c, id, 10000), TC_OK);
    assert_int_equal(rec.calls, 1);
    return rec;
}

static void test_create_list_update_delete(void **state) {
    (void)state;
    tcmock *m = fixture_mock(NULL);
    tc_conduits_options o = fixture_options(m);
    tc_conduits *c = fixture_manager(&o);
    conduit_record made = create(c, 3), resized;
    list_record list;
    call_record del;
    tc_op_id id = 0;

    assert_int_equal(made.status, TC_OK);
    assert_int_equal(made.http_status, 200);
    assert_int_equal(strlen(made.id), 36);
    assert_int_equal(made.shard_count, 3);

    memset(&list, 0, sizeof list);
    assert_int_equal(tc_conduits_list(&id, c, record_list, &list), TC_OK);
    assert_int_equal(tc_conduits_await(c, id, 10000), TC_OK);
    assert_int_equal(list.status, TC_OK);
    assert_int_equal(list.count, 1);
    assert_non_null(strstr(list.json, made.id));
    assert_non_null(strstr(list.json, "\"shard_count\":3"));

    memset(&resized, 0, sizeof resized);
    assert_int_equal(tc_conduit_update(&id, c, made.id, 7, record_conduit, &resized), TC_OK);
    assert_int_equal(tc_conduits_await(c, id, 10000), TC_OK);
    assert_int_equal(resized.status, TC_OK);
    assert_string_equal(resized.id, made.id);
    assert_int_equal(resized.shard_count, 7);

    memset(&del, 0, sizeof del);
    assert_int_equal(tc_conduit_delete(&id, c, made.id, record_response, &del), TC_OK);
    assert_int_equal(tc_conduits_await(c, id, 10000), TC_OK);
    assert_int_equal(del.status, TC_OK);
    assert_int_equal(del.http_status, 204);

    /* Gone: delete and update both say not found, distinctly. */
    memset(&del, 0, sizeof del);
    assert_int_equal(tc_conduit_delete(&id, c, made.id, record_response, &del), TC_OK);
    assert_int_equal(tc_conduits_await(c, id, 10000), TC_OK);
    assert_int_equal(del.status, TC_ENOTFOUND);
    assert_int_equal(del.http_status, 404);
    memset(&resized, 0, sizeof resized);
    assert_int_equal(tc_conduit_update(&id, c, made.id, 2, record_conduit, &resized), TC_OK);
    assert_int_equal(tc_conduits_await(c, id, 10000), TC_OK);
    assert_int_equal(resized.status, TC_ENOTFOUND);
    assert_string_equal(resized.message, "not found");

    memset(&list, 0, sizeof list);
    assert_int_equal(tc_conduits_list(&id, c, record_list, &list), TC_OK);
    assert_int_equal(tc_conduits_await(c, id, 10000), TC_OK);
    assert_int_equal(list.count, 0);
    assert_string_equal(list.json, "[]");
    tc_conduits_free(c);
    tcmock_stop(m);
}

static void test_sixth_conduit_is_refused_once(void **state) {
    (void)state;
    tcmock *m = fixture_mock(NULL);
    tc_conduits_options o = fixture_options(m);
    tc_conduits *c = fixture_manager(&o);
    conduit_record rec;
    int i;

    for (i = 0; i < 5; i++) assert_int_equal(create(c, 1).status, TC_OK);
    rec = create(c, 1);
    assert_int_equal(rec.status, TC_ERATELIMIT);
    assert_int_equal(rec.http_status, 429);
    assert_string_equal(rec.message, "Conduit limit reached");
    /* Exactly one attempt: a Twitch limit is not waited out. */
    assert_int_equal(tcmock_stat(m, "rate_limited"), 1);
    tc_conduits_free(c);
    tcmock_stop(m);
}

static void test_create_is_not_resent_after_a_drop(void **state) {
    (void)state;
    tcmock *m = fixture_mock(NULL);
    tc_conduits_options o = fixture_options(m);
    tc_conduits *c = fixture_manager(&o);
    conduit_record rec;
    list_record list;
    tc_op_id id = 0;

    assert_int_equal(create(c, 1).status, TC_OK); /* warm the token and a connection */
    /* The mock creates the conduit, then drops the connection. */
    assert_int_equal(tcmock_control(m, "drop_next", "{\"count\":1,\"after\":true}"), 0);
    rec = create(c, 1);
    assert_int_equal(rec.status, TC_ENETWORK);
    memset(&list, 0, sizeof list);
    assert_int_equal(tc_conduits_list(&id, c, record_list, &list), TC_OK);
    assert_int_equal(tc_conduits_await(c, id, 10000), TC_OK);
    /* One created by the dropped request, none duplicated by a resend. */
    assert_int_equal(list.count, 2);
    tc_conduits_free(c);
    tcmock_stop(m);
}

static void test_validation_before_sending(void **state) {
    (void)state;
    tcmock *m = fixture_mock(NULL);
    tc_conduits_options o = fixture_options(m);
    tc_conduits *c = fixture_manager(&o);
    conduit_record rec;

    memset(&rec, 0, sizeof rec);
    assert_int_equal(tc_conduit_create(NULL, c, 0, record_conduit, &rec), TC_EINVAL);
    assert_non_null(strstr(tc_last_error_message(), "shard_count"));
    assert_int_equal(tc_conduit_create(NULL, c, 20001, record_conduit, &rec), TC_EINVAL);
    assert_int_equal(tc_conduit_update(NULL, c, "", 1, record_conduit, &rec), TC_EINVAL);
    assert_non_null(strstr(tc_last_error_message(), "conduit_id"));
    assert_int_equal(tc_conduit_update(NULL, c, "x", -1, record_conduit, &rec), TC_EINVAL);
    assert_int_equal(tc_conduit_delete(NULL, c, NULL, record_response, &rec), TC_EINVAL);
    assert_int_equal(tc_conduit_create(NULL, NULL, 1, record_conduit, &rec), TC_EINVAL);
    run_all(c, 1000);
    assert_int_equal(rec.calls, 0);
    assert_int_equal(tcmock_stat(m, "helix_requests"), 0); /* nothing was sent */
    tc_conduits_free(c);
    tcmock_stop(m);
}

static void test_cancel_and_free_with_pending_conduit_ops(void **state) {
    (void)state;
    tcmock *m = fixture_mock(NULL);
    tc_conduits_options o = fixture_options(m);
    tc_conduits *c = fixture_manager(&o);
    conduit_record recs[4];
    list_record list;
    tc_op_id id = 0;
    int i;

    assert_int_equal(create(c, 1).status, TC_OK);
    assert_int_equal(tcmock_control(m, "config", "{\"latency_ms\":1500}"), 0);
    memset(recs, 0, sizeof recs);
    memset(&list, 0, sizeof list);
    assert_int_equal(tc_conduits_list(&id, c, record_list, &list), TC_OK);
    for (i = 0; i < 4; i++) assert_int_equal(tc_conduit_create(NULL, c, 1, record_conduit, &recs[i]), TC_OK);
    assert_int_equal(tc_conduits_cancel(c, id), TC_OK);
    assert_int_equal(tc_conduits_await(c, id, 1000), TC_OK);
    assert_int_equal(list.calls, 1);
    assert_int_equal(list.status, TC_ECANCELED);
    tc_conduits_free(c);
    for (i = 0; i < 4; i++) {
        assert_int_equal(recs[i].calls, 1);
        assert_int_equal(recs[i].status, TC_ECANCELED);
    }
    tcmock_stop(m);
}

static void test_objects_dup_and_json(void **state) {
    (void)state;
    tc_transport *t = NULL, *copy = NULL;
    char *json = NULL;

    assert_int_equal(tc_transport_webhook_new(&t, "https://example.com/cb", "0123456789abcdef"), TC_OK);
    assert_int_equal(tc_transport_method(t), TC_TRANSPORT_WEBHOOK);
    assert_string_equal(tc_transport_method_name(t), "webhook");
    assert_string_equal(tc_transport_callback(t), "https://example.com/cb");
    assert_string_equal(tc_transport_secret(t), "0123456789abcdef");
    assert_null(tc_transport_session_id(t));
    assert_int_equal(tc_transport_to_json(&json, t, 0), TC_OK);
    assert_null(strstr(json, "0123456789abcdef"));
    assert_string_equal(json, "{\"method\":\"webhook\",\"callback\":\"https://example.com/cb\"}");
    tc_free(json);
    assert_int_equal(tc_transport_to_json(&json, t, 1), TC_OK);
    assert_non_null(strstr(json, "\"secret\":\"0123456789abcdef\""));
    tc_free(json);
    assert_int_equal(tc_transport_dup(&copy, t), TC_OK);
    tc_transport_free(t);
    assert_string_equal(tc_transport_secret(copy), "0123456789abcdef");
    tc_transport_free(copy);

    /* Twitch's rules, checked at construction with a message naming the problem. */
    assert_int_equal(tc_transport_webhook_new(&t, "https://example.com/cb", "short"), TC_EINVAL);
    assert_non_null(strstr(tc_last_error_message(), "secret"));
    assert_null(strstr(tc_last_error_message(), "short"));
    assert_int_equal(tc_transport_webhook_new(&t, "https://example.com:8443/cb", "0123456789abcdef"), TC_EINVAL);
    assert_non_null(strstr(tc_last_error_message(), "443"));
    assert_int_equal(tc_transport_webhook_new(&t, "ftp://example.com/cb", "0123456789abcdef"), TC_EINVAL);
    assert_int_equal(tc_transport_websocket_new(&t, ""), TC_EINVAL);
    assert_int_equal(tc_transport_websocket_new(&t, "AQoQexAW"), TC_OK);
    assert_int_equal(tc_transport_method(t), TC_TRANSPORT_WEBSOCKET);
    tc_transport_free(t);
    assert_int_equal(tc_transport_conduit_new(&t, "bfcfc993-26b1"), TC_OK);
    assert_string_equal(tc_transport_conduit_id(t), "bfcfc993-26b1");
    tc_transport_free(t);
    tc_transport_free(NULL);
    assert_int_equal(tc_transport_method(NULL), TC_TRANSPORT_OTHER);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_create_list_update_delete),
        cmocka_unit_test(test_sixth_conduit_is_refused_once),
        cmocka_unit_test(test_create_is_not_resent_after_a_drop),
        cmocka_unit_test(test_validation_before_sending),
        cmocka_unit_test(test_cancel_and_free_with_pending_conduit_ops),
        cmocka_unit_test(test_objects_dup_and_json),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
