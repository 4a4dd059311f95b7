// net/http: case-insensitive header lookup and method names.
#include "unit.hpp"

#include "net/http.hpp"

using tc::net::find_header;
using tc::net::Headers;
using tc::net::method_name;

static void find_header_cases(void **) {
    Headers h = {{"Content-Type", "application/json"},
                 {"ratelimit-remaining", "799"},  // HTTP/2 sends lower case
                 {"RATELIMIT-LIMIT", "800"},
                 {"X-Dup", "first"},
                 {"x-dup", "second"},
                 {"Empty", ""}};
    const std::string *v = find_header(h, "content-type");
    assert_non_null(v);
    TC_ASSERT_STR(*v, "application/json");
    v = find_header(h, "Ratelimit-Remaining");
    assert_non_null(v);
    TC_ASSERT_STR(*v, "799");
    v = find_header(h, "Ratelimit-Limit");
    assert_non_null(v);
    TC_ASSERT_STR(*v, "800");
    v = find_header(h, "X-DUP");
    assert_non_null(v);
    TC_ASSERT_STR(*v, "first");
    v = find_header(h, "empty");
    assert_non_null(v);
    TC_ASSERT_STR(*v, "");
    assert_null(find_header(h, "Ratelimit-Reset"));
    assert_null(find_header(h, "Content-Typ"));
    assert_null(find_header(h, ""));
    assert_null(find_header(Headers{}, "Content-Type"));
}

static void method_names(void **) {
    assert_string_equal(method_name(TC_GET), "GET");
    assert_string_equal(method_name(TC_POST), "POST");
    assert_string_equal(method_name(TC_PATCH), "PATCH");
    assert_string_equal(method_name(TC_PUT), "PUT");
    assert_string_equal(method_name(TC_DELETE), "DELETE");
    assert_string_equal(method_name(static_cast<tc_method>(7)), "GET");
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(find_header_cases),
        cmocka_unit_test(method_names),
    };
    return cmocka_run_group_tests_name("http", tests, nullptr, nullptr);
}
