// util/last_error: the thread-local message and HTTP status behind
// tc_last_error_message() and tc_last_http_status().
#include "unit.hpp"

#include "util/last_error.hpp"

#include <thread>

using namespace tc::util;

static void set_get_clear(void **) {
    set_last_error("first");
    assert_string_equal(last_error(), "first");
    set_last_error("second");
    assert_string_equal(last_error(), "second");
    clear_last_error();
    assert_string_equal(last_error(), "");
    set_last_error("");
    assert_string_equal(last_error(), "");
}

static void message_is_one_line(void **) {
    set_last_error("line one\nline two\r\nline three\r");
    assert_string_equal(last_error(), "line one line two  line three ");
    clear_last_error();
}

static void http_status(void **) {
    set_last_http_status(429);
    assert_int_equal(last_http_status(), 429);
    set_last_http_status(0);
    assert_int_equal(last_http_status(), 0);
}

static void thread_local_state(void **) {
    set_last_error("main thread");
    set_last_http_status(503);
    std::string seen_message;
    int seen_status = -1;
    std::string after_set;
    std::thread t([&] {
        seen_message = last_error();
        seen_status = last_http_status();
        set_last_error("other thread");
        set_last_http_status(404);
        after_set = last_error();
    });
    t.join();
    TC_ASSERT_STR(seen_message, "");
    assert_int_equal(seen_status, 0);
    TC_ASSERT_STR(after_set, "other thread");
    assert_string_equal(last_error(), "main thread");
    assert_int_equal(last_http_status(), 503);
    clear_last_error();
    set_last_http_status(0);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(set_get_clear),
        cmocka_unit_test(message_is_one_line),
        cmocka_unit_test(http_status),
        cmocka_unit_test(thread_local_state),
    };
    return cmocka_run_group_tests_name("last_error", tests, nullptr, nullptr);
}
