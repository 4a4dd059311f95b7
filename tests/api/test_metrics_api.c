/* Public-API tests of the metrics: NULL and invalid arguments, and a
 * manager's exposition before it sent anything (the counter names are in
 * test_names_api.c). */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <twitchconduits.h>

#include <string.h>

static void expect(tc_status got, tc_status want, const char *word) {
    const char *msg = tc_last_error_message();
    if (got != want) fail_msg("returned %d, expected %d (%s)", (int)got, (int)want, msg);
    if (strstr(msg, word) == NULL) fail_msg("message \"%s\" does not name \"%s\"", msg, word);
}

static void test_render_bad_arguments(void **state) {
    char *text = (char *)0x1;
    int not_a_manager = 42;
    (void)state;
    expect(tc_metrics_render(NULL, NULL), TC_EINVAL, "out");
    expect(tc_metrics_render(&text, NULL), TC_EINVAL, "c");
    assert_null(text);
    text = (char *)0x1;
    expect(tc_metrics_render(&text, (const tc_conduits *)&not_a_manager), TC_EINVAL, "c");
    assert_null(text);
}

static void test_render_idle_manager(void **state) {
    tc_conduits_options o = TC_CONDUITS_OPTIONS_INIT;
    tc_conduits *c = NULL;
    char *text = NULL;
    (void)state;
    o.client_id = "cid-7f3a";
    o.client_secret = "secret-value";
    o.api_base_url = "http://127.0.0.1:9/helix";
    o.auth_base_url = "http://127.0.0.1:9/oauth2";
    assert_int_equal(tc_conduits_new(&c, &o), TC_OK);
    assert_int_equal(tc_metrics_render(&text, c), TC_OK);
    assert_non_null(strstr(text, "twitchconduits_http_requests_total 0\n"));
    assert_non_null(strstr(text, "twitchconduits_build_info{version=\"" TC_VERSION_STRING "\"} 1\n"));
    assert_null(strstr(text, "secret-value"));
    assert_null(strstr(text, "cid-7f3a"));
    assert_string_equal(text + strlen(text) - 6, "# EOF\n");
    tc_free(text);
    tc_conduits_free(c);
}

static void on_event(tc_status st, const char *route_key, const tc_event *msg, void *ud) {
    (void)st, (void)route_key, (void)msg, (void)ud;
}

/* The metrics route: bad arguments, and its key shared with webhook routes. */
static void test_serve_metrics_arguments(void **state) {
    tc_conduits_options o = TC_CONDUITS_OPTIONS_INIT;
    tc_listener_options lo = TC_LISTENER_OPTIONS_INIT;
    tc_conduits *c = NULL;
    tc_listener *l = NULL;
    int not_a_listener = 7;
    (void)state;
    o.client_id = "cid-7f3a";
    o.client_secret = "secret-value";
    o.api_base_url = "http://127.0.0.1:9/helix";
    o.auth_base_url = "http://127.0.0.1:9/oauth2";
    assert_int_equal(tc_conduits_new(&c, &o), TC_OK);
    lo.event_cb = on_event;
    assert_int_equal(tc_listener_new(&l, c, &lo), TC_OK);

    expect(tc_listener_serve_metrics(NULL, "metrics"), TC_EINVAL, "l");
    expect(tc_listener_serve_metrics((tc_listener *)&not_a_listener, "metrics"), TC_EINVAL, "l");
    expect(tc_listener_serve_metrics(l, "a/b"), TC_EINVAL, "route_key");
    assert_int_equal(tc_listener_add_route(l, "hook", "0123456789abcdef"), TC_OK);
    expect(tc_listener_serve_metrics(l, "hook"), TC_ECONFLICT, "hook");
    assert_int_equal(tc_listener_serve_metrics(l, "metrics"), TC_OK);
    expect(tc_listener_add_route(l, "metrics", "0123456789abcdef"), TC_ECONFLICT, "metrics");
    assert_int_equal(tc_listener_serve_metrics(l, "other"), TC_OK); /* moved */
    assert_int_equal(tc_listener_add_route(l, "metrics", "0123456789abcdef"), TC_OK);
    assert_int_equal(tc_listener_serve_metrics(l, ""), TC_OK); /* off */
    assert_int_equal(tc_listener_serve_metrics(l, NULL), TC_OK);
    tc_listener_free(l);
    tc_conduits_free(c);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_render_bad_arguments),
        cmocka_unit_test(test_render_idle_manager),
        cmocka_unit_test(test_serve_metrics_arguments),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
