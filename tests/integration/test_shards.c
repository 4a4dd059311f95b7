/* Shard operations against the mock: listing across pages, assigning
 * transports with a result per shard (partial failures visible), the webhook
 * challenge, create_shard growing the conduit, and validation before sending. */
#include "fixture.h"
#include "responder.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define SECRET "0123456789abcdef0123"


typedef struct shards_record {
    int calls;
    tc_status status;
    tc_shard_list *list; /* kept with _dup */
} shards_record;

static void record_shards(tc_status status, const tc_shard_list *list, void *userdata) {
    shards_record *rec = (shards_record *)userdata;
    rec->calls++;
    rec->status = status;
    if (list != NULL) assert_int_equal(tc_shard_list_dup(&rec->list, list), TC_OK);
}

static tc_shard_list *list_shards(tc_conduits *c, const char *conduit, const char *status) {
    shards_record rec = {0, TC_ERROR, NULL};
    tc_op_id id = 0;
    assert_int_equal(tc_shards_list(&id, c, conduit, status, record_shards, &rec), TC_OK);
    assert_int_equal(tc_conduits_await(c, id, 10000), TC_OK);
    assert_int_equal(rec.calls, 1);
    assert_int_equal(rec.status, TC_OK);
    return rec.list;
}

/* The status of one shard, "" when it is not listed. */
static const char *status_of(const tc_shard_list *list, const char *shard_id) {
    size_t i;
    for (i = 0; i < tc_shard_list_count(list); i++) {
        const tc_shard *s = tc_shard_list_get(list, i);
        if (strcmp(tc_shard_id(s), shard_id) == 0) return tc_shard_status(s);
    }
    return "";
}

/* Waits (bounded) until a shard reaches `want`. */
static void wait_for_status(tc_conduits *c, const char *conduit, const char *shard_id, const char *want) {
    double deadline = now_ms() + 10000;
    for (;;) {
        tc_shard_list *list = list_shards(c, conduit, NULL);
        int done = strcmp(status_of(list, shard_id), want) == 0;
        tc_shard_list_free(list);
        if (done) return;
        if (now_ms() > deadline) fail_msg("shard %s never reached %s", shard_id, want);
        tc_conduits_wait(c, 20);
    }
}

typedef struct update_record {
    int calls;
    tc_status status;
    tc_shard_update_result *result;
} update_record;

static void record_update(tc_status status, const tc_shard_update_result *result, void *userdata) {
    update_record *rec = (update_record *)userdata;
    rec->calls++;
    rec->status = status;
    if (result != NULL) assert_int_equal(tc_shard_update_result_dup(&rec->result, result), TC_OK);
}

static tc_conduits *manager_for(tcmock *m) {
    tc_conduits_options o = fixture_options(m);
    o.flags = TC_CONDUITS_F_ALLOW_HTTP_CALLBACKS;
    return fixture_manager(&o);
}

static void test_assign_with_per_shard_results(void **state) {
    (void)state;
    tcmock *m = fixture_mock(NULL);
    tc_conduits *c;
    responder *web = responder_start(1);
    char conduit[80], callback[128];
    tc_transport *hook = NULL, *ws = NULL;
    tc_shard_assignment a[3];
    update_record rec = {0, TC_ERROR, NULL};
    tc_shard_list *list;
    tc_op_id id = 0;
    char *json = NULL;

    assert_int_equal(tcmock_control(m, "config", "{\"allow_http_callbacks\":true}"), 0);
    assert_int_equal(tcmock_control(m, "sessions", "{\"session_id\":\"session-one\"}"), 0);
    c = manager_for(m);
    fixture_make_conduit(c, 4, conduit);

    /* A fresh conduit lists no shards: only assigned ones are. */
    list = list_shards(c, conduit, NULL);
    assert_int_equal(tc_shard_list_count(list), 0);
    tc_shard_list_free(list);

    snprintf(callback, sizeof callback, "%s/eventsub/shard-0", responder_url(web));
    assert_int_equal(tc_transport_webhook_new(&hook, callback, SECRET), TC_OK);
    assert_int_equal(tc_transport_websocket_new(&ws, "session-one"), TC_OK);
    a[0].shard_id = "0";
    a[0].transport = hook;
    a[1].shard_id = "1";
    a[1].transport = ws;
    a[2].shard_id = "9"; /* outside the conduit's range */
    a[2].transport = ws;
    assert_int_equal(tc_shard_update(&id, c, conduit, a, 3, record_update, &rec), TC_OK);
    assert_int_equal(tc_conduits_await(c, id, 10000), TC_OK);
    assert_int_equal(rec.calls, 1);
    /* A 202 with errors[] is a partial failure, never a success. */
    assert_int_equal(rec.status, TC_EPARTIAL);
    assert_non_null(rec.result);
    assert_int_equal(tc_shard_update_result_count(rec.result), 3);
    assert_int_equal(tc_shard_update_result_failed(rec.result), 1);
    assert_string_equal(tc_shard_update_result_shard_id(rec.result, 0), "0");
    assert_int_equal(tc_shard_update_result_status(rec.result, 0), TC_OK);
    assert_string_equal(tc_shard_status(tc_shard_update_result_shard(rec.result, 0)),
                        "webhook_callback_verification_pending");
    assert_int_equal(tc_shard_update_result_status(rec.result, 1), TC_OK);
    assert_string_equal(tc_shard_status(tc_shard_update_result_shard(rec.result, 1)), "enabled");
    assert_int_equal(tc_shard_update_result_status(rec.result, 2), TC_EBADREQUEST);
    assert_null(tc_shard_update_result_shard(rec.result, 2));
    assert_non_null(strstr(tc_shard_update_result_message(rec.result, 2), "range"));
    assert_string_equal(tc_shard_update_result_code(rec.result, 2), "invalid_parameter");
    assert_int_equal(tc_shard_update_result_to_json(&json, rec.result), TC_OK);
    assert_null(strstr(json, SECRET));
    tc_free(json);
    tc_shard_update_result_free(rec.result);

    /* The webhook shard passes the challenge through our endpoint and becomes enabled. */
    wait_for_status(c, conduit, "0", "enabled");
    assert_true(responder_challenges(web) >= 1);
    list = list_shards(c, conduit, "enabled");
    assert_int_equal(tc_shard_list_count(list), 2);
    assert_int_equal(tc_transport_method(tc_shard_transport(tc_shard_list_get(list, 0))), TC_TRANSPORT_WEBHOOK);
    assert_null(tc_transport_secret(tc_shard_transport(tc_shard_list_get(list, 0)))); /* Twitch never returns it */
    tc_shard_list_free(list);

    tc_transport_free(hook);
    tc_transport_free(ws);
    tc_conduits_free(c);
    responder_stop(web);
    tcmock_stop(m);
}

static void test_failed_challenge_is_visible(void **state) {
    (void)state;
    tcmock *m = fixture_mock(NULL);
    tc_conduits *c;
    responder *web = responder_start(0);
    char conduit[80], callback[128];
    tc_transport *hook = NULL;
    tc_shard_assignment a;
    update_record rec = {0, TC_ERROR, NULL};
    tc_op_id id = 0;

    assert_int_equal(tcmock_control(m, "config", "{\"allow_http_callbacks\":true}"), 0);
    c = manager_for(m);
    fixture_make_conduit(c, 1, conduit);
    snprintf(callback, sizeof callback, "%s/cb", responder_url(web));
    assert_int_equal(tc_transport_webhook_new(&hook, callback, SECRET), TC_OK);
    a.shard_id = "0";
    a.transport = hook;
    assert_int_equal(tc_shard_update(&id, c, conduit, &a, 1, record_update, &rec), TC_OK);
    assert_int_equal(tc_conduits_await(c, id, 10000), TC_OK);
    assert_int_equal(rec.status, TC_OK);
    tc_shard_update_result_free(rec.result);
    wait_for_status(c, conduit, "0", "webhook_callback_verification_failed");
    tc_transport_free(hook);
    tc_conduits_free(c);
    responder_stop(web);
    tcmock_stop(m);
}

static void test_listing_follows_every_cursor(void **state) {
    (void)state;
    tcmock_config mc;
    tcmock *m;
    tc_conduits *c;
    char conduit[80];
    tc_shard_assignment a[40];
    tc_transport *ws = NULL;
    char ids[40][8];
    update_record rec = {0, TC_ERROR, NULL};
    tc_shard_list *list;
    tc_op_id id = 0;
    int i;

    tcmock_config_init(&mc);
    mc.page_size = 3;
    m = fixture_mock(&mc);
    assert_int_equal(tcmock_control(m, "sessions", "{\"session_id\":\"s\"}"), 0);
    c = manager_for(m);
    fixture_make_conduit(c, 40, conduit);
    assert_int_equal(tc_transport_websocket_new(&ws, "s"), TC_OK);
    for (i = 0; i < 40; i++) {
        snprintf(ids[i], sizeof ids[i], "%d", i);
        a[i].shard_id = ids[i];
        a[i].transport = ws;
    }
    assert_int_equal(tc_shard_update(&id, c, conduit, a, 40, record_update, &rec), TC_OK);
    assert_int_equal(tc_conduits_await(c, id, 10000), TC_OK);
    assert_int_equal(rec.status, TC_OK);
    tc_shard_update_result_free(rec.result);
    list = list_shards(c, conduit, NULL);
    assert_int_equal(tc_shard_list_count(list), 40); /* 14 pages of 3 */
    tc_shard_list_free(list);
    tc_transport_free(ws);
    tc_conduits_free(c);
    tcmock_stop(m);
}

typedef struct shard_record {
    int calls;
    tc_status status;
    tc_shard *shard;
    char message[256];
} shard_record;

static void record_shard(tc_status status, const tc_shard *shard, void *userdata) {
    shard_record *rec = (shard_record *)userdata;
    rec->calls++;
    rec->status = status;
    snprintf(rec->message, sizeof rec->message, "%s", status == TC_OK ? "" : tc_last_error_message());
    if (shard != NULL) assert_int_equal(tc_shard_dup(&rec->shard, shard), TC_OK);
}

static void test_create_shard_fills_then_grows(void **state) {
    (void)state;
    tcmock *m = fixture_mock(NULL);
    tc_conduits *c;
    responder *web = responder_start(1);
    char conduit[80], base[128];
    shard_record recs[3];
    tc_op_id ids[3];
    const tc_transport *t;
    int i;

    assert_int_equal(tcmock_control(m, "config", "{\"allow_http_callbacks\":true}"), 0);
    c = manager_for(m);
    fixture_make_conduit(c, 2, conduit);
    snprintf(base, sizeof base, "%s/eventsub", responder_url(web));
    memset(recs, 0, sizeof recs);
    /* Three at once: they must not pick the same shard. */
    assert_int_equal(tc_shard_create(&ids[0], c, conduit, base, "alpha", record_shard, &recs[0]), TC_OK);
    assert_int_equal(tc_shard_create(&ids[1], c, conduit, base, "beta", record_shard, &recs[1]), TC_OK);
    assert_int_equal(tc_shard_create(&ids[2], c, conduit, base, "gamma", record_shard, &recs[2]), TC_OK);
    run_all(c, 10000);
    for (i = 0; i < 3; i++) {
        assert_int_equal(recs[i].calls, 1);
        assert_int_equal(recs[i].status, TC_OK);
    }
    assert_string_equal(tc_shard_id(recs[0].shard), "0");
    assert_string_equal(tc_shard_id(recs[1].shard), "1");
    assert_string_equal(tc_shard_id(recs[2].shard), "2"); /* the conduit grew to 3 */
    t = tc_shard_transport(recs[2].shard);
    assert_non_null(strstr(tc_transport_callback(t), "/eventsub/gamma"));
    assert_int_equal(strlen(tc_transport_secret(t)), 64);
    assert_null(strstr(tc_transport_callback(t), tc_transport_secret(t))); /* never in the URL */
    assert_string_not_equal(tc_transport_secret(tc_shard_transport(recs[0].shard)), tc_transport_secret(t));
    for (i = 0; i < 3; i++) tc_shard_free(recs[i].shard);
    tc_conduits_free(c);
    responder_stop(web);
    tcmock_stop(m);
}

typedef struct resized_record {
    int calls;
    tc_status status;
    int shard_count;
    char message[256];
} resized_record;

static void record_resized(tc_status status, const tc_conduit *conduit, void *userdata) {
    resized_record *rec = (resized_record *)userdata;
    rec->calls++;
    rec->status = status;
    rec->shard_count = conduit != NULL ? tc_conduit_shard_count(conduit) : -1;
    snprintf(rec->message, sizeof rec->message, "%s", status == TC_OK ? "" : tc_last_error_message());
}

static resized_record remove_shard(tc_conduits *c, const char *conduit, const char *shard, const tc_transport *last) {
    resized_record rec;
    tc_op_id id = 0;
    memset(&rec, 0, sizeof rec);
    assert_int_equal(tc_shard_remove(&id, c, conduit, shard, last, record_resized, &rec), TC_OK);
    assert_int_equal(tc_conduits_await(c, id, 10000), TC_OK);
    assert_int_equal(rec.calls, 1);
    return rec;
}

/* The transport of shard `id`'s session, "" when unassigned. */
static const char *session_of(const tc_shard_list *list, const char *shard_id) {
    size_t i;
    for (i = 0; i < tc_shard_list_count(list); i++) {
        const tc_shard *s = tc_shard_list_get(list, i);
        const char *session = tc_transport_session_id(tc_shard_transport(s));
        if (strcmp(tc_shard_id(s), shard_id) == 0) return session != NULL ? session : tc_transport_callback(tc_shard_transport(s));
    }
    return "";
}

static void test_safe_scale_down(void **state) {
    (void)state;
    tcmock *m = fixture_mock(NULL);
    tc_conduits *c;
    responder *web = responder_start(1);
    char conduit[80], callback[128];
    tc_transport *ws[3], *hook = NULL, *wrong = NULL;
    tc_shard_assignment a[3];
    update_record rec = {0, TC_ERROR, NULL};
    tc_shard_list *list;
    resized_record r;
    tc_op_id id = 0;
    const char *names[3] = {"sess-0", "sess-1", "sess-2"};
    const char *shard_ids[3] = {"0", "1", "2"};
    int i;

    assert_int_equal(tcmock_control(m, "config", "{\"allow_http_callbacks\":true}"), 0);
    c = manager_for(m);
    fixture_make_conduit(c, 3, conduit);
    for (i = 0; i < 3; i++) {
        char body[64];
        snprintf(body, sizeof body, "{\"session_id\":\"%s\"}", names[i]);
        assert_int_equal(tcmock_control(m, "sessions", body), 0);
        assert_int_equal(tc_transport_websocket_new(&ws[i], names[i]), TC_OK);
        a[i].shard_id = shard_ids[i];
        a[i].transport = ws[i];
    }
    assert_int_equal(tc_shard_update(&id, c, conduit, a, 3, record_update, &rec), TC_OK);
    assert_int_equal(tc_conduits_await(c, id, 10000), TC_OK);
    assert_int_equal(rec.status, TC_OK);
    tc_shard_update_result_free(rec.result);

    /* Remove shard 0: shard 2's session moves into it, then the conduit shrinks. */
    r = remove_shard(c, conduit, "0", NULL);
    assert_int_equal(r.status, TC_OK);
    assert_int_equal(r.shard_count, 2);
    list = list_shards(c, conduit, NULL);
    assert_string_equal(session_of(list, "0"), "sess-2");
    assert_string_equal(session_of(list, "1"), "sess-1");
    assert_string_equal(session_of(list, "2"), "");
    tc_shard_list_free(list);

    /* Make the last shard a webhook: moving it needs its secret. */
    snprintf(callback, sizeof callback, "%s/cb", responder_url(web));
    assert_int_equal(tc_transport_webhook_new(&hook, callback, SECRET), TC_OK);
    a[0].shard_id = "1";
    a[0].transport = hook;
    memset(&rec, 0, sizeof rec);
    assert_int_equal(tc_shard_update(&id, c, conduit, a, 1, record_update, &rec), TC_OK);
    assert_int_equal(tc_conduits_await(c, id, 10000), TC_OK);
    tc_shard_update_result_free(rec.result);
    r = remove_shard(c, conduit, "0", NULL);
    assert_int_equal(r.status, TC_EINVAL);
    assert_non_null(strstr(r.message, "secret"));
    assert_int_equal(tc_transport_webhook_new(&wrong, "https://elsewhere.example/cb", SECRET), TC_OK);
    r = remove_shard(c, conduit, "0", wrong);
    assert_int_equal(r.status, TC_EINVAL);
    r = remove_shard(c, conduit, "0", hook);
    assert_int_equal(r.status, TC_OK);
    assert_int_equal(r.shard_count, 1);
    list = list_shards(c, conduit, NULL);
    assert_string_equal(session_of(list, "0"), callback);
    tc_shard_list_free(list);

    /* A conduit keeps one shard; unknown shards are refused before anything changes. */
    r = remove_shard(c, conduit, "0", NULL);
    assert_int_equal(r.status, TC_EINVAL);
    r = remove_shard(c, conduit, "5", NULL);
    assert_int_equal(r.status, TC_EINVAL);
    assert_int_equal(tc_shard_remove(NULL, c, conduit, "x", NULL, record_resized, &r), TC_EINVAL);

    for (i = 0; i < 3; i++) tc_transport_free(ws[i]);
    tc_transport_free(hook);
    tc_transport_free(wrong);
    tc_conduits_free(c);
    responder_stop(web);
    tcmock_stop(m);
}

static void test_validation_before_sending(void **state) {
    (void)state;
    tcmock *m = fixture_mock(NULL);
    tc_conduits_options o = fixture_options(m);
    tc_conduits *strict = fixture_manager(&o); /* no loopback http allowed */
    tc_transport *hook = NULL;
    tc_shard_assignment a;
    update_record rec = {0, TC_ERROR, NULL};
    shard_record srec;

    assert_int_equal(tc_transport_webhook_new(&hook, "http://127.0.0.1:1/cb", SECRET), TC_OK);
    a.shard_id = "0";
    a.transport = hook;
    assert_int_equal(tc_shard_update(NULL, strict, "c", &a, 1, record_update, &rec), TC_EINVAL);
    assert_non_null(strstr(tc_last_error_message(), "assignments[0]"));
    assert_non_null(strstr(tc_last_error_message(), "https"));
    a.shard_id = "";
    assert_int_equal(tc_shard_update(NULL, strict, "c", &a, 1, record_update, &rec), TC_EINVAL);
    assert_int_equal(tc_shard_update(NULL, strict, "c", NULL, 1, record_update, &rec), TC_EINVAL);
    assert_int_equal(tc_shard_update(NULL, strict, "c", &a, 0, record_update, &rec), TC_EINVAL);
    assert_int_equal(tc_shards_list(NULL, strict, "c", "", NULL, NULL), TC_EINVAL);
    memset(&srec, 0, sizeof srec);
    assert_int_equal(tc_shard_create(NULL, strict, "c", NULL, NULL, record_shard, &srec), TC_EINVAL);
    assert_non_null(strstr(tc_last_error_message(), "callback_url"));
    assert_int_equal(tc_shard_create(NULL, strict, "c", "https://example.com/cb", "a/b", record_shard, &srec), TC_EINVAL);
    assert_non_null(strstr(tc_last_error_message(), "route_key"));
    run_all(strict, 1000);
    assert_int_equal(rec.calls + srec.calls, 0);
    assert_int_equal(tcmock_stat(m, "helix_requests"), 0);
    tc_transport_free(hook);
    tc_conduits_free(strict);
    tcmock_stop(m);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_assign_with_per_shard_results),
        cmocka_unit_test(test_failed_challenge_is_visible),
        cmocka_unit_test(test_listing_follows_every_cursor),
        cmocka_unit_test(test_create_shard_fills_then_grows),
        cmocka_unit_test(test_safe_scale_down),
        cmocka_unit_test(test_validation_before_sending),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
