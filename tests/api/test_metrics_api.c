/* Public-API tests of the metrics: NULL and invalid arguments, the counter
 * name functions over every frozen value, and a manager's exposition before
 * it sent anything. */
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

/* Every value up to the last frozen one has a distinct snake_case name; one
 * past it and negative values have none. */
static void check_names(const char *(*name_of)(int), int count) {
    for (int i = 0; i < count; ++i) {
        const char *name = name_of(i);
        assert_non_null(name);
        assert_true(strlen(name) > 0);
        assert_int_equal(strspn(name, "abcdefghijklmnopqrstuvwxyz_"), strlen(name));
        for (int j = 0; j < i; ++j) assert_string_not_equal(name, name_of(j));
    }
    assert_null(name_of(count));
    assert_null(name_of(-1));
}

static const char *stat_name(int i) { return tc_stat_name((tc_stat)i); }
static const char *listener_stat_name(int i) { return tc_listener_stat_name((tc_listener_stat)i); }
static const char *runner_stat_name(int i) { return tc_runner_stat_name((tc_runner_stat)i); }

static void test_stat_names(void **state) {
    (void)state;
    check_names(stat_name, TC_STAT_TOKEN_VALIDATIONS + 1);
    check_names(listener_stat_name, TC_LISTENER_STAT_UNAVAILABLE + 1);
    check_names(runner_stat_name, TC_RUNNER_STAT_SHARD_LISTS + 1);
    assert_string_equal(tc_stat_name(TC_STAT_RATE_LIMITED), "rate_limited");
    assert_string_equal(tc_listener_stat_name(TC_LISTENER_STAT_DUPLICATES), "duplicates");
    assert_string_equal(tc_runner_stat_name(TC_RUNNER_STAT_WS_CONNECTS), "ws_connects");
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_render_bad_arguments),
        cmocka_unit_test(test_render_idle_manager),
        cmocka_unit_test(test_stat_names),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
