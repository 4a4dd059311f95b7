// helix/oauth: parsing the /validate answer, and the shape of the validate
// and revoke calls (credentials in a header or form body, never the URL).
#include "unit.hpp"

#include "helix/oauth.hpp"

using tc::helix::parse_validate;
using tc::helix::TokenInfo;

namespace {

bool parse(const std::string &body, TokenInfo *info, std::string *error) {
    return parse_validate(body, info, error);
}

}  // namespace

static void app_token(void **) {
    // App access tokens: login and user_id absent, scopes empty.
    TokenInfo info;
    std::string error;
    assert_true(parse("{\"client_id\":\"wbmytr93xzw8zbg0p1izqyzzc5mbiz\",\"scopes\":[],\"expires_in\":5520838}",
                      &info, &error));
    TC_ASSERT_STR(info.client_id, "wbmytr93xzw8zbg0p1izqyzzc5mbiz");
    assert_false(info.has_login);
    assert_false(info.has_user_id);
    assert_true(info.login.empty());
    assert_true(info.user_id.empty());
    assert_int_equal(info.scopes.size(), 0);
    TC_ASSERT_EQ(info.expires_in, 5520838);
}

static void login_and_user_id_null(void **) {
    TokenInfo info;
    std::string error;
    assert_true(parse("{\"client_id\":\"c\",\"login\":null,\"user_id\":null,\"scopes\":null,\"expires_in\":60}",
                      &info, &error));
    TC_ASSERT_STR(info.client_id, "c");
    assert_false(info.has_login);
    assert_false(info.has_user_id);
    assert_int_equal(info.scopes.size(), 0);
    TC_ASSERT_EQ(info.expires_in, 60);
}

static void user_token_with_scopes(void **) {
    TokenInfo info;
    std::string error;
    assert_true(parse("{\"client_id\":\"c\",\"login\":\"twitchdev\",\"user_id\":\"141981764\","
                      "\"scopes\":[\"channel:read:subscriptions\",\"user:read:email\"],\"expires_in\":3600}",
                      &info, &error));
    assert_true(info.has_login);
    TC_ASSERT_STR(info.login, "twitchdev");
    assert_true(info.has_user_id);
    TC_ASSERT_STR(info.user_id, "141981764");
    assert_int_equal(info.scopes.size(), 2);
    TC_ASSERT_STR(info.scopes[0], "channel:read:subscriptions");
    TC_ASSERT_STR(info.scopes[1], "user:read:email");
}

static void empty_strings_are_present(void **) {
    TokenInfo info;
    std::string error;
    assert_true(parse("{\"client_id\":\"c\",\"login\":\"\",\"user_id\":\"\",\"scopes\":[\"\"]}", &info, &error));
    assert_true(info.has_login);
    assert_true(info.has_user_id);
    assert_int_equal(info.scopes.size(), 1);
    TC_ASSERT_STR(info.scopes[0], "");
}

static void scopes_absent_or_odd(void **) {
    TokenInfo info;
    std::string error;
    assert_true(parse("{\"client_id\":\"c\"}", &info, &error));
    assert_int_equal(info.scopes.size(), 0);
    TC_ASSERT_EQ(info.expires_in, 0);  // absent
    TokenInfo mixed;
    assert_true(parse("{\"client_id\":\"c\",\"scopes\":[\"a:b\",7,null,\"c:d\",{}]}", &mixed, &error));
    assert_int_equal(mixed.scopes.size(), 2);  // non-strings are skipped
    TC_ASSERT_STR(mixed.scopes[0], "a:b");
    TC_ASSERT_STR(mixed.scopes[1], "c:d");
    TokenInfo str;
    assert_true(parse("{\"client_id\":\"c\",\"scopes\":\"a:b\"}", &str, &error));
    assert_int_equal(str.scopes.size(), 0);
}

static void non_string_login_is_absent(void **) {
    TokenInfo info;
    std::string error;
    assert_true(parse("{\"client_id\":\"c\",\"login\":5,\"user_id\":false}", &info, &error));
    assert_false(info.has_login);
    assert_false(info.has_user_id);
}

static void expires_in_variants(void **) {
    TokenInfo info;
    std::string error;
    assert_true(parse("{\"client_id\":\"c\",\"expires_in\":0}", &info, &error));
    TC_ASSERT_EQ(info.expires_in, 0);
    TokenInfo f;
    assert_true(parse("{\"client_id\":\"c\",\"expires_in\":12.9}", &f, &error));
    TC_ASSERT_EQ(f.expires_in, 12);
    TokenInfo s;
    assert_true(parse("{\"client_id\":\"c\",\"expires_in\":\"3600\"}", &s, &error));
    TC_ASSERT_EQ(s.expires_in, 0);  // not a number: absent
}

static void malformed_answers(void **) {
    const char *bodies[] = {
        "",
        "not json",
        "{",
        "{\"client_id\":\"c\"",
        "[\"client_id\",\"c\"]",
        "\"client_id\"",
        "null",
        "42",
        "{}",                             // no client_id
        "{\"client_id\":null}",           // not a string
        "{\"client_id\":123}",
        "{\"Client_Id\":\"c\"}",          // keys are case-sensitive
    };
    for (const char *body : bodies) {
        TokenInfo info;
        std::string error;
        if (parse(body, &info, &error)) print_error("accepted: %s\n", body);
        assert_false(parse(body, &info, &error));
        assert_false(error.empty());
        TC_ASSERT_CONTAINS(error, "validate");
    }
}

static void validate_call_shape(void **) {
    const std::string token = "abcdefghijklmnopqrstuvwxyz0123";
    tc::net::Call call = tc::helix::validate_call(token);
    assert_true(call.target == tc::net::Call::Target::Auth);
    assert_int_equal(call.method, TC_GET);
    TC_ASSERT_STR(call.path, "/validate");
    assert_int_equal(call.query.size(), 0);
    assert_false(call.has_body);
    const std::string *auth = tc::net::find_header(call.extra_headers, "Authorization");
    assert_non_null(auth);
    TC_ASSERT_STR(*auth, "OAuth " + token);
    TC_ASSERT_NOT_CONTAINS(call.path, token);
}

static void revoke_call_shape(void **) {
    const std::string token = "tok/en+with=reserved&chars";
    tc::net::Call call = tc::helix::revoke_call("my-client", token);
    assert_true(call.target == tc::net::Call::Target::Auth);
    assert_int_equal(call.method, TC_POST);
    TC_ASSERT_STR(call.path, "/revoke");
    assert_int_equal(call.query.size(), 0);
    assert_true(call.has_body);
    TC_ASSERT_STR(call.content_type, "application/x-www-form-urlencoded");
    TC_ASSERT_STR(call.body, "client_id=my-client&token=tok%2Fen%2Bwith%3Dreserved%26chars");
    assert_true(call.unsafe_retry);
    TC_ASSERT_NOT_CONTAINS(call.path, "tok");
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(app_token),
        cmocka_unit_test(login_and_user_id_null),
        cmocka_unit_test(user_token_with_scopes),
        cmocka_unit_test(empty_strings_are_present),
        cmocka_unit_test(scopes_absent_or_odd),
        cmocka_unit_test(non_string_login_is_absent),
        cmocka_unit_test(expires_in_variants),
        cmocka_unit_test(malformed_answers),
        cmocka_unit_test(validate_call_shape),
        cmocka_unit_test(revoke_call_shape),
    };
    return cmocka_run_group_tests_name("oauth_parse", tests, nullptr, nullptr);
}
