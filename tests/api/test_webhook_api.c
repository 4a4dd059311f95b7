/*
 * Public-API tests of <twitchconduits/webhook.h>, through <twitchconduits.h>
 * and the shared library only:
 *
 *  - every new function with NULL / invalid arguments: the documented
 *    tc_status and a one-line tc_last_error_message() naming the argument;
 *  - tc_webhook_handle() always sets *out, even on bad arguments;
 *  - accessors are safe on NULL and on freed handles;
 *  - a vector from the reference end to end, and the secret never leaks.
 */
#define _POSIX_C_SOURCE 200809L

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <twitchconduits.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define SECRET "this_is_a_test_secret_123"
#define MSG_ID "e76c6bd4-55c9-4987-8304-da1588d8988b"
#define MSG_TS "2023-07-19T10:11:12.634234626Z"
#define SIG_C "sha256=f3504d8def4ba3dc97cec27178a44f6a2543cd0e9a94625133c07a329409d12a"

static const char body_c[] =
    "{\"subscription\":{\"id\":\"f1c2a387-161a-49f9-a165-0f21d7a4e1c4\",\"status\":\"enabled\",\"type\":\"stream."
    "online\",\"version\":\"1\",\"cost\":0,\"condition\":{\"broadcaster_user_id\":\"1337\"},\"transport\":{"
    "\"method\":\"conduit\",\"conduit_id\":\"bfcfc993-26b1-b876-44d9-afe75a379dac\"},\"created_at\":\"2019-11-16T10:"
    "11:12.634234626Z\"},\"event\":{\"id\":\"9001\",\"broadcaster_user_id\":\"1337\",\"broadcaster_user_login\":"
    "\"cool_user\",\"broadcaster_user_name\":\"Cool_User\",\"type\":\"live\",\"started_at\":\"2020-10-11T10:11:12."
    "123Z\"}}";

static char sentinel_storage;
#define OUT_SENTINEL ((void *)&sentinel_storage)

static void expect_failure(tc_status got, tc_status want, const char *word)
{
    const char *msg = tc_last_error_message();
    assert_int_equal(got, want);
    assert_non_null(msg);
    assert_true(msg[0] != '\0');
    assert_null(strchr(msg, '\n'));
    assert_null(strstr(msg, SECRET));
    if (word != NULL && strstr(msg, word) == NULL) {
        print_error("message \"%s\" does not name \"%s\"\n", msg, word);
        fail();
    }
}

static int64_t fixed_clock(void *ud)
{
    return *(const int64_t *)ud;
}

static int64_t clock_c = 1689761472634LL + 5000; /* MSG_TS + 5 s */

static tc_webhook_verifier *make_verifier(void)
{
    tc_webhook_options o;
    tc_webhook_verifier *v = NULL;
    assert_int_equal(tc_webhook_options_init(&o, TC_WEBHOOK_OPTIONS_VERSION), TC_OK);
    o.clock_cb = fixed_clock;
    o.clock_userdata = &clock_c;
    assert_int_equal(tc_webhook_verifier_new(&v, &o), TC_OK);
    assert_int_equal(tc_webhook_verifier_add_secret(v, SECRET), TC_OK);
    return v;
}

static void options_and_new(void **state)
{
    tc_webhook_options o = TC_WEBHOOK_OPTIONS_INIT;
    tc_webhook_verifier *v = (tc_webhook_verifier *)OUT_SENTINEL;
    (void)state;
    expect_failure(tc_webhook_options_init(NULL, 1), TC_EINVAL, "opts");
    expect_failure(tc_webhook_options_init(&o, 0), TC_EVERSION, "version");
    expect_failure(tc_webhook_options_init(&o, TC_WEBHOOK_OPTIONS_VERSION + 1), TC_EVERSION, "version");
    expect_failure(tc_webhook_verifier_new(NULL, NULL), TC_EINVAL, "out");
    o.version = 99;
    expect_failure(tc_webhook_verifier_new(&v, &o), TC_EVERSION, "version");
    assert_null(v);
    o.version = TC_WEBHOOK_OPTIONS_VERSION;
    o.max_age_s = -1;
    expect_failure(tc_webhook_verifier_new(&v, &o), TC_EINVAL, "max_age_s");
    o.max_age_s = 0;
    o.max_future_s = -5;
    expect_failure(tc_webhook_verifier_new(&v, &o), TC_EINVAL, "max_future_s");
    o.max_future_s = 0;
    o.dedupe_ttl_s = -1;
    expect_failure(tc_webhook_verifier_new(&v, &o), TC_EINVAL, "dedupe_ttl_s");
    o.dedupe_ttl_s = 0;
    o.dedupe_capacity = (size_t)-1;
    expect_failure(tc_webhook_verifier_new(&v, &o), TC_EINVAL, "dedupe_capacity");
    assert_int_equal(tc_webhook_verifier_new(&v, NULL), TC_OK);
    assert_non_null(v);
    tc_webhook_verifier_free(v);
    tc_webhook_verifier_free(NULL);
}

static void secrets_bad_input(void **state)
{
    tc_webhook_verifier *v = make_verifier();
    (void)state;
    expect_failure(tc_webhook_verifier_add_secret(NULL, SECRET), TC_EINVAL, "verifier");
    expect_failure(tc_webhook_verifier_add_secret(v, NULL), TC_EINVAL, "secret");
    expect_failure(tc_webhook_verifier_add_secret(v, "short"), TC_EINVAL, "secret");
    expect_failure(tc_webhook_verifier_add_secret((tc_webhook_verifier *)body_c, SECRET), TC_EINVAL, "verifier");
    expect_failure(tc_webhook_verifier_remove_secret(NULL, SECRET), TC_EINVAL, "verifier");
    expect_failure(tc_webhook_verifier_remove_secret(v, NULL), TC_EINVAL, "secret");
    expect_failure(tc_webhook_verifier_remove_secret(v, "not-a-secret-we-have"), TC_ENOTFOUND, "secret");
    assert_int_equal(tc_webhook_verifier_secret_count(NULL), 0);
    expect_failure(TC_EINVAL, TC_EINVAL, "verifier");
    assert_int_equal(tc_webhook_verifier_secret_count(v), 1);
    expect_failure(tc_webhook_verifier_forget(NULL, "x"), TC_EINVAL, "verifier");
    expect_failure(tc_webhook_verifier_forget(v, NULL), TC_EINVAL, "message_id");
    expect_failure(tc_webhook_verifier_forget(v, "never-seen"), TC_ENOTFOUND, "message_id");
    assert_int_equal(tc_webhook_verifier_dedupe_evictions(NULL), 0);
    expect_failure(TC_EINVAL, TC_EINVAL, "verifier");
    assert_int_equal(tc_webhook_verifier_dedupe_evictions((tc_webhook_verifier *)body_c), 0);
    expect_failure(TC_EINVAL, TC_EINVAL, "verifier");
    assert_int_equal(tc_webhook_verifier_dedupe_evictions(v), 0);
    tc_webhook_verifier_free(v);
}

static void handle_bad_input(void **state)
{
    tc_webhook_verifier *v = make_verifier();
    tc_event *m = (tc_event *)OUT_SENTINEL;
    const tc_header h[] = {{"Twitch-Eventsub-Message-Id", MSG_ID}, {NULL, "x"}};
    const tc_header hv[] = {{"Twitch-Eventsub-Message-Id", NULL}};
    (void)state;
    expect_failure(tc_webhook_handle(NULL, v, h, 1, body_c, 3), TC_EINVAL, "out");

    expect_failure(tc_webhook_handle(&m, NULL, h, 1, body_c, 3), TC_EINVAL, "verifier");
    assert_non_null(m);
    assert_int_equal(tc_event_http_status(m), 500);
    assert_int_equal(tc_event_kind_get(m), TC_EVENT_REJECTED);
    assert_int_equal(tc_event_status(m), TC_EINVAL);
    tc_event_free(m);

    m = (tc_event *)OUT_SENTINEL;
    expect_failure(tc_webhook_handle(&m, v, NULL, 1, body_c, 3), TC_EINVAL, "headers");
    assert_non_null(m);
    tc_event_free(m);
    expect_failure(tc_webhook_handle(&m, v, h, 2, body_c, 3), TC_EINVAL, "headers");
    assert_non_null(strstr(tc_last_error_message(), "name"));
    tc_event_free(m);
    expect_failure(tc_webhook_handle(&m, v, hv, 1, body_c, 3), TC_EINVAL, "headers");
    assert_non_null(strstr(tc_last_error_message(), "value"));
    tc_event_free(m);
    expect_failure(tc_webhook_handle(&m, v, h, 1, NULL, 3), TC_EINVAL, "body");
    tc_event_free(m);

    /* No headers and no body: a normal rejection, not a bad argument. */
    expect_failure(tc_webhook_handle(&m, v, NULL, 0, NULL, 0), TC_ESIGNATURE, "missing");
    assert_int_equal(tc_event_http_status(m), 403);
    tc_event_free(m);
    tc_webhook_verifier_free(v);
}

static void sign_bad_input(void **state)
{
    char *out = (char *)OUT_SENTINEL;
    (void)state;
    expect_failure(tc_webhook_sign(NULL, SECRET, "i", "t", "b", 1), TC_EINVAL, "out_header_value");
    expect_failure(tc_webhook_sign(&out, NULL, "i", "t", "b", 1), TC_EINVAL, "secret");
    assert_null(out);
    expect_failure(tc_webhook_sign(&out, "tiny", "i", "t", "b", 1), TC_EINVAL, "secret");
    expect_failure(tc_webhook_sign(&out, SECRET, NULL, "t", "b", 1), TC_EINVAL, "message_id");
    expect_failure(tc_webhook_sign(&out, SECRET, "i", NULL, "b", 1), TC_EINVAL, "timestamp");
    expect_failure(tc_webhook_sign(&out, SECRET, "i", "t", NULL, 1), TC_EINVAL, "body");
    assert_int_equal(tc_webhook_sign(&out, SECRET, "i", "t", NULL, 0), TC_OK);
    assert_int_equal(strlen(out), 71);
    tc_free(out);
    assert_int_equal(tc_webhook_sign(&out, SECRET, MSG_ID, MSG_TS, body_c, sizeof body_c - 1), TC_OK);
    assert_string_equal(out, SIG_C);
    tc_free(out);
}

static void message_accessors(void **state)
{
    tc_webhook_verifier *v = make_verifier();
    tc_event *m = NULL, *copy = (tc_event *)OUT_SENTINEL;
    const tc_header h[] = {
        {"Twitch-Eventsub-Message-Id", MSG_ID},          {"Twitch-Eventsub-Message-Timestamp", MSG_TS},
        {"Twitch-Eventsub-Message-Signature", SIG_C},    {"Twitch-Eventsub-Message-Type", "notification"},
        {"Twitch-Eventsub-Message-Retry", "2"},
    };
    char *json = (char *)OUT_SENTINEL;
    size_t len = 99;
    (void)state;

    /* NULL handles: defaults, no crash. */
    assert_int_equal(tc_event_kind_get(NULL), TC_EVENT_REJECTED);
    assert_int_equal(tc_event_status(NULL), TC_EINVAL);
    assert_int_equal(tc_event_http_status(NULL), 0);
    assert_string_equal(tc_event_content_type(NULL), "");
    assert_string_equal(tc_event_response_body(NULL, &len), "");
    assert_int_equal(len, 0);
    assert_string_equal(tc_event_id(NULL), "");
    assert_string_equal(tc_event_timestamp(NULL), "");
    assert_true(tc_event_timestamp_ms(NULL) == 0);
    assert_int_equal(tc_event_retry(NULL), -1);
    assert_int_equal(tc_event_is_duplicate(NULL), 0);
    assert_string_equal(tc_event_subscription_id(NULL), "");
    assert_string_equal(tc_event_subscription_type(NULL), "");
    assert_string_equal(tc_event_subscription_version(NULL), "");
    assert_string_equal(tc_event_event_json(NULL, NULL), "");
    assert_string_equal(tc_event_subscription_json(NULL, NULL), "");
    assert_string_equal(tc_event_challenge(NULL, NULL), "");
    assert_string_equal(tc_event_revocation_reason(NULL), "");
    assert_string_equal(tc_event_error(NULL), "");
    assert_string_equal(tc_event_shard_status(NULL), "");
    assert_string_equal(tc_event_conduit_id(NULL), "");
    assert_string_equal(tc_event_shard_id(NULL), "");
    expect_failure(tc_event_dup(NULL, NULL), TC_EINVAL, "out");
    expect_failure(tc_event_dup(&copy, NULL), TC_EINVAL, "msg");
    assert_null(copy);
    expect_failure(tc_event_to_json(NULL, NULL), TC_EINVAL, "out");
    expect_failure(tc_event_to_json(&json, NULL), TC_EINVAL, "msg");
    assert_null(json);
    tc_event_free(NULL);

    assert_int_equal(tc_webhook_handle(&m, v, h, 5, body_c, sizeof body_c - 1), TC_OK);
    assert_int_equal(tc_event_kind_get(m), TC_EVENT_NOTIFICATION);
    assert_int_equal(tc_event_http_status(m), 204);
    assert_int_equal(tc_event_retry(m), 2);
    assert_true(tc_event_timestamp_ms(m) == 1689761472634LL);
    assert_string_equal(tc_event_subscription_type(m), "stream.online");
    assert_string_equal(tc_event_event_json(m, &len),
                        "{\"id\":\"9001\",\"broadcaster_user_id\":\"1337\",\"broadcaster_user_login\":\"cool_user\","
                        "\"broadcaster_user_name\":\"Cool_User\",\"type\":\"live\",\"started_at\":"
                        "\"2020-10-11T10:11:12.123Z\"}");
    assert_int_equal(tc_event_dup(&copy, m), TC_OK);
    tc_event_free(m);
    assert_string_equal(tc_event_subscription_type(copy), "stream.online");
    assert_int_equal(tc_event_to_json(&json, copy), TC_OK);
    assert_null(strstr(json, SECRET));
    assert_non_null(strstr(json, "\"kind\":\"notification\""));
    tc_free(json);
    tc_event_free(copy);

    /* The same message again: a duplicate, still 204. */
    assert_int_equal(tc_webhook_handle(&m, v, h, 5, body_c, sizeof body_c - 1), TC_OK);
    assert_int_equal(tc_event_is_duplicate(m), 1);
    tc_event_free(m);
    assert_int_equal(tc_webhook_verifier_forget(v, MSG_ID), TC_OK);
    tc_webhook_verifier_free(v);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(options_and_new),
        cmocka_unit_test(secrets_bad_input),
        cmocka_unit_test(handle_bad_input),
        cmocka_unit_test(sign_bad_input),
        cmocka_unit_test(message_accessors),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
