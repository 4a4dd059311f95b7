/* The name functions of every public enum: each frozen value has a distinct
 * name of the documented shape, values outside the enum have none (NULL), and
 * a few spellings that tcctl and the bindings rely on. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <twitchconduits.h>

#include <string.h>

typedef const char *(*name_fn)(int);

/* Values first..last all named, distinct, made of `alphabet`; first-1 and
 * last+1 unnamed. */
static void check_names(name_fn name_of, int first, int last, const char *alphabet) {
    for (int i = first; i <= last; ++i) {
        const char *name = name_of(i);
        if (name == NULL) fail_msg("value %d has no name", i);
        assert_true(strlen(name) > 0);
        if (strspn(name, alphabet) != strlen(name)) fail_msg("name \"%s\" has a character outside [%s]", name, alphabet);
        for (int j = first; j < i; ++j) assert_string_not_equal(name, name_of(j));
    }
    assert_null(name_of(first - 1));
    assert_null(name_of(last + 1));
}

#define LOWER "abcdefghijklmnopqrstuvwxyz_"
#define UPPER "ABCDEFGHIJKLMNOPQRSTUVWXYZ_"

static const char *status_name(int v) { return tc_status_name(v); }
static const char *log_level_name(int v) { return tc_log_level_name((tc_log_level)v); }
static const char *method_name(int v) { return tc_method_name((tc_method)v); }
static const char *outcome_name(int v) { return tc_item_outcome_name((tc_item_outcome)v); }
static const char *view_change_name(int v) { return tc_view_change_name((tc_view_change)v); }
static const char *transport_name(int v) { return tc_transport_type_name((tc_transport_type)v); }
static const char *webhook_kind_name(int v) { return tc_event_kind_name((tc_event_kind)v); }
static const char *stat_name(int v) { return tc_stat_name((tc_stat)v); }
static const char *listener_stat_name(int v) { return tc_listener_stat_name((tc_listener_stat)v); }
static const char *runner_stat_name(int v) { return tc_runner_stat_name((tc_runner_stat)v); }
static const char *shard_state_name(int v) { return tc_runner_shard_state_name((tc_runner_shard_state)v); }

static void test_every_enum_is_named(void **state) {
    (void)state;
    /* tc_status counts down: TC_ESTALE is the last (most negative) value. */
    for (int v = TC_ESTALE; v <= TC_OK; ++v) {
        const char *name = tc_status_name(v);
        assert_non_null(name);
        assert_int_equal(strncmp(name, "TC_", 3), 0);
        assert_int_equal(strspn(name, UPPER), strlen(name));
        for (int w = TC_ESTALE; w < v; ++w) assert_string_not_equal(name, tc_status_name(w));
    }
    assert_null(status_name(TC_ESTALE - 1));
    assert_null(status_name(1));
    check_names(log_level_name, TC_LOG_ERROR, TC_LOG_DEBUG, LOWER);
    check_names(method_name, TC_GET, TC_DELETE, UPPER);
    check_names(outcome_name, TC_ITEM_CREATED, TC_ITEM_TO_DELETE, LOWER);
    check_names(view_change_name, TC_VIEW_SYNCED, TC_VIEW_SHARD_STATUS, LOWER);
    check_names(transport_name, TC_TRANSPORT_WEBHOOK, TC_TRANSPORT_OTHER, LOWER);
    check_names(webhook_kind_name, TC_EVENT_REJECTED, TC_EVENT_REVOCATION, LOWER);
    check_names(stat_name, TC_STAT_HTTP_REQUESTS, TC_STAT_TOKEN_VALIDATIONS, LOWER);
    check_names(listener_stat_name, TC_LISTENER_STAT_REQUESTS, TC_LISTENER_STAT_QUEUED, LOWER);
    check_names(runner_stat_name, TC_RUNNER_STAT_EVENTS, TC_RUNNER_STAT_FENCE_REJECTS, LOWER);
    /* The shard state's name predates the others: "unknown" out of range. */
    for (int v = TC_RUNNER_SHARD_STARTING; v <= TC_RUNNER_SHARD_NOT_OWNED; ++v) {
        assert_int_equal(strspn(shard_state_name(v), LOWER), strlen(shard_state_name(v)));
        for (int w = TC_RUNNER_SHARD_STARTING; w < v; ++w) assert_string_not_equal(shard_state_name(v), shard_state_name(w));
    }
    assert_string_equal(shard_state_name(TC_RUNNER_SHARD_NOT_OWNED + 1), "unknown");
}

static void test_spellings(void **state) {
    (void)state;
    assert_string_equal(tc_status_name(TC_ENOTFOUND), "TC_ENOTFOUND");
    assert_string_equal(tc_status_name(TC_OK), "TC_OK");
    assert_string_equal(tc_status_name(TC_ESTALE), "TC_ESTALE");
    assert_string_equal(tc_method_name(TC_PATCH), "PATCH");
    assert_string_equal(tc_item_outcome_name(TC_ITEM_OVER_BUDGET), "over_budget");
    assert_string_equal(tc_item_outcome_name(TC_ITEM_TO_CREATE), "to_create");
    assert_string_equal(tc_view_change_name(TC_VIEW_SHARD_STATUS), "shard_status");
    assert_string_equal(tc_transport_type_name(TC_TRANSPORT_WEBSOCKET), "websocket");
    assert_string_equal(tc_event_kind_name(TC_EVENT_REVOCATION), "revocation");
    assert_string_equal(tc_log_level_name(TC_LOG_WARN), "warn");
    assert_string_equal(tc_stat_name(TC_STAT_RATE_LIMITED), "rate_limited");
    assert_string_equal(tc_listener_stat_name(TC_LISTENER_STAT_DUPLICATES), "duplicates");
    assert_string_equal(tc_runner_stat_name(TC_RUNNER_STAT_WS_CONNECTS), "ws_connects");
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_every_enum_is_named),
        cmocka_unit_test(test_spellings),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
