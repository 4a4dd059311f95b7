#include "fixture.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <string.h>
#include <time.h>

tcmock *fixture_mock(const tcmock_config *cfg) {
    tcmock_config defaults;
    char err[256] = {0};
    tcmock *m = NULL;
    if (cfg == NULL) {
        tcmock_config_init(&defaults);
        cfg = &defaults;
    }
    if (tcmock_start(&m, cfg, err, sizeof err) != 0) {
        fail_msg("mock did not start: %s", err);
    }
    return m;
}

tc_conduits_options fixture_options(const tcmock *m) {
    tc_conduits_options o = TC_CONDUITS_OPTIONS_INIT;
    o.client_id = "mockclientid0123456789abcdefghij";
    o.client_secret = "mocksecret0123456789abcdefghijk";
    o.api_base_url = tcmock_helix_base(m);
    o.auth_base_url = tcmock_auth_base(m);
    o.backoff_base_ms = 5;
    o.backoff_max_ms = 40;
    o.random_seed = 42;
    return o;
}

tc_conduits *fixture_manager(const tc_conduits_options *opts) {
    tc_conduits *c = NULL;
    tc_status st = tc_conduits_new(&c, opts);
    if (st != TC_OK) fail_msg("tc_conduits_new: %s: %s", tc_strerror(st), tc_last_error_message());
    return c;
}

tc_request_options fixture_get_conduits(void) {
    tc_request_options r = TC_REQUEST_OPTIONS_INIT;
    r.method = TC_GET;
    r.path = "/eventsub/conduits";
    return r;
}

void record_response(tc_status status, const tc_response *r, void *userdata) {
    call_record *rec = (call_record *)userdata;
    size_t len = 0;
    const char *body = tc_response_body(r, &len);
    rec->calls++;
    rec->status = status;
    rec->http_status = tc_response_http_status(r);
    rec->attempts = tc_response_attempts(r);
    rec->elapsed_ms = tc_response_elapsed_ms(r);
    snprintf(rec->message, sizeof rec->message, "%s", tc_response_message(r));
    snprintf(rec->body, sizeof rec->body, "%.*s", (int)(len < 1000 ? len : 1000), body);
}

void record_done(tc_status status, void *userdata) {
    call_record *rec = (call_record *)userdata;
    rec->calls++;
    rec->status = status;
    rec->http_status = tc_last_http_status();
    snprintf(rec->message, sizeof rec->message, "%s", status == TC_OK ? "" : tc_last_error_message());
    rec->body[0] = '\0';
}

void run_all(tc_conduits *c, int timeout_ms) {
    tc_status st = tc_conduits_run(c, timeout_ms);
    if (st != TC_OK) fail_msg("tc_conduits_run: %s (%zu pending)", tc_strerror(st), tc_conduits_pending(c));
}

double now_ms(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec * 1000.0 + (double)ts.tv_nsec / 1e6;
}

typedef struct made_conduit {
    tc_status status;
    char id[80];
} made_conduit;

static void record_made_conduit(tc_status status, const tc_conduit *conduit, void *userdata) {
    made_conduit *rec = (made_conduit *)userdata;
    rec->status = status;
    if (conduit != NULL) snprintf(rec->id, sizeof rec->id, "%s", tc_conduit_id(conduit));
}

void fixture_make_conduit(tc_conduits *c, int shards, char *id_out) {
    made_conduit rec = {TC_ERROR, ""};
    tc_op_id id = 0;
    assert_int_equal(tc_conduit_create(&id, c, shards, record_made_conduit, &rec), TC_OK);
    assert_int_equal(tc_conduits_await(c, id, 10000), TC_OK);
    if (rec.status != TC_OK) fail_msg("creating a conduit: %s", tc_strerror(rec.status));
    snprintf(id_out, 80, "%s", rec.id);
}

void fixture_warm_up(tc_conduits *c) {
    tc_request_options r = fixture_get_conduits();
    tc_response *resp = NULL;
    tc_status st = tc_request_sync(&resp, c, &r);
    tc_response_free(resp);
    if (st != TC_OK) fail_msg("warm-up request: %s: %s", tc_strerror(st), tc_last_error_message());
}
