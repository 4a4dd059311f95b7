// net/oauth: parsing the /validate and refresh_token-grant answers, what a
// validate or refresh outcome means, and the shape of the client-credentials,
// validate, revoke and refresh calls (credentials in a header or form body,
// never the URL).
#include "unit.hpp"

#include "net/oauth.hpp"

using tc::net::parse_validate;
using tc::net::TokenInfo;

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
    tc::net::Call call = tc::net::validate_call(token);
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
    tc::net::Call call = tc::net::revoke_call("my-client", token);
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


static void refresh_call_shape(void **) {
    const std::string refresh = "ref/resh+tok=en&x";
    tc::net::Call call = tc::net::refresh_call("my-client", "s3cret&", refresh);
    assert_true(call.target == tc::net::Call::Target::Auth);
    assert_int_equal(call.method, TC_POST);
    TC_ASSERT_STR(call.path, "/token");
    assert_int_equal(call.query.size(), 0);
    assert_true(call.has_body);
    TC_ASSERT_STR(call.content_type, "application/x-www-form-urlencoded");
    TC_ASSERT_STR(call.body, "client_id=my-client&client_secret=s3cret%26&grant_type=refresh_token"
                             "&refresh_token=ref%2Fresh%2Btok%3Den%26x");
    assert_true(call.unsafe_retry);  // 5xx/429 retried: no grant was made
    TC_ASSERT_NOT_CONTAINS(call.path, "s3cret");
    TC_ASSERT_NOT_CONTAINS(call.path, "ref");
}

static void client_credentials_call_shape(void **) {
    tc::net::Call call = tc::net::client_credentials_call("my-client", "s3cret&x");
    assert_true(call.target == tc::net::Call::Target::Auth);
    assert_int_equal(call.method, TC_POST);
    TC_ASSERT_STR(call.path, "/token");
    assert_int_equal(call.query.size(), 0);
    assert_true(call.has_body);
    TC_ASSERT_STR(call.content_type, "application/x-www-form-urlencoded");
    TC_ASSERT_STR(call.body, "client_id=my-client&client_secret=s3cret%26x&grant_type=client_credentials");
    assert_true(call.unsafe_retry);  // a second grant is harmless
    TC_ASSERT_NOT_CONTAINS(call.path, "s3cret");
}

static tc::net::CallResult answer(tc_status status, int http, const std::string &body, const char *message = "") {
    tc::net::CallResult r;
    r.status = status;
    r.http.http_status = http;
    r.http.body = body;
    r.message = message;
    return r;
}

static void validate_outcomes(void **) {
    tc::net::TokenInfo info;
    std::string message;
    tc::net::CallResult ok = answer(TC_OK, 200, "{\"client_id\":\"c\",\"scopes\":[\"a\"],\"expires_in\":60}");
    assert_int_equal(tc::net::read_validate(ok, &info, &message), TC_OK);
    TC_ASSERT_STR(info.client_id, "c");
    assert_int_equal(info.expires_in, 60);
    tc::net::CallResult bad = answer(TC_OK, 200, "[]");
    assert_int_equal(tc::net::read_validate(bad, &info, &message), TC_EPROTOCOL);
    TC_ASSERT_CONTAINS(message, "validate");
    tc::net::CallResult refused = answer(TC_EAUTH, 401, "{}", "invalid access token");
    assert_int_equal(tc::net::read_validate(refused, &info, &message), TC_EAUTH);
    TC_ASSERT_STR(message, "invalid access token");
}

static void refresh_outcomes(void **) {
    tc::net::RefreshedTokens t;
    std::string message;
    tc::net::CallResult ok = answer(TC_OK, 200, "{\"access_token\":\"acc\",\"refresh_token\":\"ref\",\"expires_in\":5}");
    assert_int_equal(tc::net::read_refresh("42", ok, &t, &message), TC_OK);
    TC_ASSERT_STR(t.access_token, "acc");
    TC_ASSERT_STR(t.refresh_token, "ref");
    assert_true(ok.http.body.empty());  // the answer held the tokens: wiped
    // Refused: 400 (the refresh token is dead: authorize again), 401/403 (client credentials).
    tc::net::CallResult dead = answer(TC_EBADREQUEST, 400, "{}", "Invalid refresh token");
    assert_int_equal(tc::net::read_refresh("42", dead, &t, &message), TC_EAUTH);
    TC_ASSERT_STR(message, "refreshing the tokens of user_id 42 was refused (HTTP 400: Invalid refresh token); "
                           "the user must authorize the app again");
    tc::net::CallResult creds = answer(TC_EFORBIDDEN, 403, "{}", "invalid client secret");
    assert_int_equal(tc::net::read_refresh("42", creds, &t, &message), TC_EAUTH);
    TC_ASSERT_STR(message, "refreshing the tokens of user_id 42 was refused (HTTP 403: invalid client secret)");
    // Anything else keeps the call's own status and message.
    tc::net::CallResult down = answer(TC_ESERVER, 503, "", "HTTP 503");
    assert_int_equal(tc::net::read_refresh("42", down, &t, &message), TC_ESERVER);
    TC_ASSERT_STR(message, "HTTP 503");
    tc::net::CallResult odd = answer(TC_OK, 200, "{\"refresh_token\":\"ref\"}");
    assert_int_equal(tc::net::read_refresh("42", odd, &t, &message), TC_EPROTOCOL);
    TC_ASSERT_CONTAINS(message, "access_token");
    TC_ASSERT_NOT_CONTAINS(message, "ref\"");
}

static void refresh_answers(void **) {
    tc::net::RefreshedTokens t;
    std::string error;
    // Twitch's documented answer (no expires_in in the doc's example).
    assert_true(tc::net::parse_refresh("{\"access_token\":\"1ssjqsqfy6bads1ws7m03gras79zfr\",\"refresh_token\":"
                                         "\"eyJfMzUtNDU0OC4MWYwLTQ5MDY5ODY4NGNlMSJ9%asdfasdf=\",\"scope\":"
                                         "[\"channel:read:subscriptions\",\"channel:manage:polls\"],"
                                         "\"token_type\":\"bearer\"}",
                                         &t, &error));
    TC_ASSERT_STR(t.access_token, "1ssjqsqfy6bads1ws7m03gras79zfr");
    assert_true(t.has_refresh_token);
    TC_ASSERT_STR(t.refresh_token, "eyJfMzUtNDU0OC4MWYwLTQ5MDY5ODY4NGNlMSJ9%asdfasdf=");
    TC_ASSERT_EQ(t.expires_in, 0);
    assert_true(t.has_scopes);
    TC_ASSERT_EQ(t.scopes.size(), 2);
    TC_ASSERT_STR(t.scopes[1], "channel:manage:polls");
    // expires_in given; no refresh token (null) and no scope: keep the old ones.
    assert_true(tc::net::parse_refresh("{\"access_token\":\"a\",\"expires_in\":14400,\"refresh_token\":null}", &t,
                                         &error));
    TC_ASSERT_EQ(t.expires_in, 14400);
    assert_false(t.has_refresh_token);
    assert_false(t.has_scopes);
    assert_true(tc::net::parse_refresh("{\"access_token\":\"a\",\"refresh_token\":\"\",\"scope\":[]}", &t, &error));
    assert_false(t.has_refresh_token);  // empty: none
    assert_true(t.has_scopes);
    TC_ASSERT_EQ(t.scopes.size(), 0);
    // wipe() clears the secrets.
    t.access_token = "secret-access";
    t.refresh_token = "secret-refresh";
    t.wipe();
    assert_true(t.access_token.empty());
    assert_true(t.refresh_token.empty());
}

static void malformed_refresh_answers(void **) {
    const char *const bad[] = {
        "",                                                     // not JSON
        "[]",                                                   // not an object
        "{}",                                                   // no access_token
        "{\"access_token\":\"\"}",                              // empty
        "{\"access_token\":7}",                                 // not a string
        "{\"access_token\":\"SECRETa\",\"refresh_token\":5}",   // refresh token not a string
        "{\"access_token\":\"SECRETa\",\"scope\":[\"a\",1]}",   // a scope not a string
    };
    for (const char *body : bad) {
        tc::net::RefreshedTokens t;
        std::string error;
        if (tc::net::parse_refresh(body, &t, &error)) {
            print_error("accepted: %s\n", body);
            fail();
        }
        TC_ASSERT_CONTAINS(error, "refresh");
        TC_ASSERT_NOT_CONTAINS(error, "SECRET");
        assert_true(t.access_token.empty());  // nothing half-parsed is left
    }
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
        cmocka_unit_test(refresh_call_shape),
        cmocka_unit_test(refresh_answers),
        cmocka_unit_test(malformed_refresh_answers),
        cmocka_unit_test(client_credentials_call_shape),
        cmocka_unit_test(validate_outcomes),
        cmocka_unit_test(refresh_outcomes),
    };
    return cmocka_run_group_tests_name("oauth_parse", tests, nullptr, nullptr);
}
