// util/json: parsing exactly `len` bytes, typed lookups, compact printing.
#include "unit.hpp"

#include "util/json.hpp"

using tc::util::json_number;
using tc::util::json_parse;
using tc::util::json_print;
using tc::util::json_string;
using tc::util::JsonPtr;

static void parse_valid_and_invalid(void **) {
    JsonPtr j = json_parse(std::string("{\"a\":1}"));
    assert_non_null(j.get());
    assert_true(cJSON_IsObject(j.get()));
    assert_null(json_parse(nullptr, 0).get());
    assert_null(json_parse(std::string()).get());
    assert_null(json_parse(std::string("{")).get());
    assert_null(json_parse(std::string("{\"a\":}")).get());
    assert_null(json_parse(std::string("not json")).get());
    assert_non_null(json_parse(std::string("[1,2]")).get());
    assert_non_null(json_parse(std::string("\"s\"")).get());
}

static void parse_reads_exactly_len_bytes(void **) {
    const char text[] = "{\"a\":1}trailing garbage";
    JsonPtr whole = json_parse(text, 7);
    assert_non_null(whole.get());
    assert_true(json_number(whole.get(), "a", 0) == 1.0);
    assert_null(json_parse(text, 5).get());  // "{\"a\":" is cut short
    // Not NUL-terminated input: a buffer with no terminator within len.
    const char raw[] = {'[', '1', ']', 'x'};
    JsonPtr arr = json_parse(raw, 3);
    assert_non_null(arr.get());
    assert_int_equal(cJSON_GetArraySize(arr.get()), 1);
}

static void string_lookup(void **) {
    JsonPtr j = json_parse(std::string("{\"s\":\"v\",\"n\":2,\"z\":null,\"e\":\"\",\"o\":{}}"));
    assert_non_null(j.get());
    assert_string_equal(json_string(j.get(), "s"), "v");
    assert_string_equal(json_string(j.get(), "e"), "");
    assert_null(json_string(j.get(), "n"));
    assert_null(json_string(j.get(), "z"));
    assert_null(json_string(j.get(), "o"));
    assert_null(json_string(j.get(), "missing"));
    assert_null(json_string(j.get(), "S"));  // case-sensitive
    assert_null(json_string(nullptr, "s"));
}

static void number_lookup(void **) {
    JsonPtr j = json_parse(std::string("{\"n\":2.5,\"i\":-7,\"s\":\"3\",\"b\":true,\"z\":null}"));
    assert_non_null(j.get());
    assert_true(json_number(j.get(), "n", 0) == 2.5);
    assert_true(json_number(j.get(), "i", 0) == -7.0);
    assert_true(json_number(j.get(), "s", 42) == 42.0);
    assert_true(json_number(j.get(), "b", 42) == 42.0);
    assert_true(json_number(j.get(), "z", 42) == 42.0);
    assert_true(json_number(j.get(), "missing", -1) == -1.0);
    assert_true(json_number(nullptr, "n", 9) == 9.0);
}

static void print_compact(void **) {
    JsonPtr j = json_parse(std::string("{ \"a\" : 1 ,\n \"b\" : [ true , null , \"x\" ] }"));
    assert_non_null(j.get());
    TC_ASSERT_STR(json_print(j.get()), "{\"a\":1,\"b\":[true,null,\"x\"]}");
    TC_ASSERT_STR(json_print(nullptr), "");
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(parse_valid_and_invalid),
        cmocka_unit_test(parse_reads_exactly_len_bytes),
        cmocka_unit_test(string_lookup),
        cmocka_unit_test(number_lookup),
        cmocka_unit_test(print_compact),
    };
    return cmocka_run_group_tests_name("json", tests, nullptr, nullptr);
}
