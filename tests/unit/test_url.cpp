// util/url: RFC 3986 percent-encoding, query strings and URL joining.
#include "unit.hpp"

#include "util/url.hpp"

#include <cstdio>

using tc::util::encode_params;
using tc::util::join_url;
using tc::util::Params;
using tc::util::percent_encode;

static bool is_unreserved(unsigned char c) {
    if (c >= 'A' && c <= 'Z') return true;
    if (c >= 'a' && c <= 'z') return true;
    if (c >= '0' && c <= '9') return true;
    return c == '-' || c == '.' || c == '_' || c == '~';
}

static void unreserved_pass_through(void **) {
    const std::string all =
        "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~";
    TC_ASSERT_STR(percent_encode(all), all);
}

static void every_other_byte_is_encoded_uppercase(void **) {
    int encoded = 0;
    for (int b = 0; b < 256; ++b) {
        const unsigned char c = static_cast<unsigned char>(b);
        const std::string in(1, static_cast<char>(c));
        const std::string out = percent_encode(in);
        if (is_unreserved(c)) {
            TC_ASSERT_STR(out, in);
            continue;
        }
        char expected[4];
        std::snprintf(expected, sizeof expected, "%%%02X", b);
        TC_ASSERT_STR(out, expected);
        ++encoded;
    }
    TC_ASSERT_EQ(encoded, 256 - 66);
}

static void reserved_characters(void **) {
    TC_ASSERT_STR(percent_encode(" "), "%20");
    TC_ASSERT_STR(percent_encode("a b&c=d/e?f#g+h%i"), "a%20b%26c%3Dd%2Fe%3Ff%23g%2Bh%25i");
    TC_ASSERT_STR(percent_encode(":@!$'()*,;[]"), "%3A%40%21%24%27%28%29%2A%2C%3B%5B%5D");
    // A callback URL as a query value: nothing of it survives unencoded.
    TC_ASSERT_STR(percent_encode("https://example.com/cb?x=1"),
                  "https%3A%2F%2Fexample.com%2Fcb%3Fx%3D1");
}

static void unicode_and_control_bytes(void **) {
    TC_ASSERT_STR(percent_encode("\xC3\xA9"), "%C3%A9");                          // é
    TC_ASSERT_STR(percent_encode("\xE6\x97\xA5\xE6\x9C\xAC"), "%E6%97%A5%E6%9C%AC");  // 日本
    TC_ASSERT_STR(percent_encode("\xF0\x9F\x98\x80"), "%F0%9F%98%80");            // 😀
    TC_ASSERT_STR(percent_encode(std::string("a\0b", 3)), "a%00b");
    TC_ASSERT_STR(percent_encode("\r\n\t\x7F\xFF"), "%0D%0A%09%7F%FF");
    TC_ASSERT_STR(percent_encode(""), "");
}

static void encode_params_cases(void **) {
    TC_ASSERT_STR(encode_params({}), "");
    TC_ASSERT_STR(encode_params({{"a", "1"}}), "a=1");
    TC_ASSERT_STR(encode_params({{"a", "1"}, {"b", "2"}, {"a", "3"}}), "a=1&b=2&a=3");
    TC_ASSERT_STR(encode_params({{"k", ""}}), "k=");
    TC_ASSERT_STR(encode_params({{"", "v"}}), "=v");
    TC_ASSERT_STR(encode_params({{"a b", "c&d=e"}}), "a%20b=c%26d%3De");
    TC_ASSERT_STR(encode_params({{"user", "\xC3\xA9t\xC3\xA9"}}), "user=%C3%A9t%C3%A9");
}

static void join_url_slashes(void **) {
    const Params none;
    TC_ASSERT_STR(join_url("https://api.twitch.tv/helix", "/eventsub/conduits", none),
                  "https://api.twitch.tv/helix/eventsub/conduits");
    TC_ASSERT_STR(join_url("https://api.twitch.tv/helix/", "/eventsub/conduits", none),
                  "https://api.twitch.tv/helix/eventsub/conduits");
    TC_ASSERT_STR(join_url("https://api.twitch.tv/helix", "eventsub/conduits", none),
                  "https://api.twitch.tv/helix/eventsub/conduits");
    TC_ASSERT_STR(join_url("https://api.twitch.tv/helix/", "eventsub/conduits", none),
                  "https://api.twitch.tv/helix/eventsub/conduits");
    TC_ASSERT_STR(join_url("http://127.0.0.1:8080///", "/x", none), "http://127.0.0.1:8080/x");
    TC_ASSERT_STR(join_url("https://id.twitch.tv/oauth2", "", none), "https://id.twitch.tv/oauth2");
    TC_ASSERT_STR(join_url("https://id.twitch.tv/oauth2/", "", none), "https://id.twitch.tv/oauth2");
}

static void join_url_query(void **) {
    TC_ASSERT_STR(join_url("https://h/helix", "/eventsub/conduits/shards",
                           {{"conduit_id", "abc-123"}, {"status", "enabled"}}),
                  "https://h/helix/eventsub/conduits/shards?conduit_id=abc-123&status=enabled");
    // Values are encoded, including characters that would end the query.
    TC_ASSERT_STR(join_url("https://h", "/x", {{"after", "a+b/c=="}}),
                  "https://h/x?after=a%2Bb%2Fc%3D%3D");
    // A path that already has a query gets '&'.
    TC_ASSERT_STR(join_url("https://h", "/x?first=1", {{"second", "2"}}),
                  "https://h/x?first=1&second=2");
    // No params: no '?'.
    TC_ASSERT_STR(join_url("https://h", "/x", {}), "https://h/x");
    TC_ASSERT_STR(join_url("https://h/", "", {{"a", "1"}}), "https://h?a=1");
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(unreserved_pass_through),
        cmocka_unit_test(every_other_byte_is_encoded_uppercase),
        cmocka_unit_test(reserved_characters),
        cmocka_unit_test(unicode_and_control_bytes),
        cmocka_unit_test(encode_params_cases),
        cmocka_unit_test(join_url_slashes),
        cmocka_unit_test(join_url_query),
    };
    return cmocka_run_group_tests_name("url", tests, nullptr, nullptr);
}
