// Shared scaffolding for the unit tests: CMocka from C++ plus a few
// assertions that print signed values (CMocka's own print them unsigned).
#pragma once

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

extern "C" {
#include <cmocka.h>
}

#include <string>

// lo <= v <= hi, all compared as long long.
#define TC_ASSERT_BETWEEN(v, lo, hi)                                                           \
    do {                                                                                       \
        long long tc_v_ = static_cast<long long>(v);                                           \
        long long tc_lo_ = static_cast<long long>(lo);                                         \
        long long tc_hi_ = static_cast<long long>(hi);                                         \
        if (!(tc_v_ >= tc_lo_ && tc_v_ <= tc_hi_)) {                                           \
            print_error("%s = %lld, expected in [%lld, %lld]\n", #v, tc_v_, tc_lo_, tc_hi_);   \
            fail();                                                                            \
        }                                                                                      \
    } while (0)

// Signed equality with readable output.
#define TC_ASSERT_EQ(a, b)                                                                     \
    do {                                                                                       \
        long long tc_a_ = static_cast<long long>(a);                                           \
        long long tc_b_ = static_cast<long long>(b);                                           \
        if (tc_a_ != tc_b_) {                                                                  \
            print_error("%s = %lld, expected %s = %lld\n", #a, tc_a_, #b, tc_b_);              \
            fail();                                                                            \
        }                                                                                      \
    } while (0)

// std::string equality with readable output.
#define TC_ASSERT_STR(actual, expected)                                                        \
    do {                                                                                       \
        const std::string tc_s_actual_(actual);                                                \
        const std::string tc_s_expected_(expected);                                            \
        assert_string_equal(tc_s_actual_.c_str(), tc_s_expected_.c_str());                     \
    } while (0)

// `haystack` contains / does not contain `needle`.
#define TC_ASSERT_CONTAINS(haystack, needle)                                                   \
    do {                                                                                       \
        const std::string tc_h_(haystack);                                                     \
        const std::string tc_n_(needle);                                                       \
        if (tc_h_.find(tc_n_) == std::string::npos) {                                          \
            print_error("\"%s\" does not contain \"%s\"\n", tc_h_.c_str(), tc_n_.c_str());     \
            fail();                                                                            \
        }                                                                                      \
    } while (0)

#define TC_ASSERT_NOT_CONTAINS(haystack, needle)                                               \
    do {                                                                                       \
        const std::string tc_h_(haystack);                                                     \
        const std::string tc_n_(needle);                                                       \
        if (tc_h_.find(tc_n_) != std::string::npos) {                                          \
            print_error("\"%s\" contains \"%s\"\n", tc_h_.c_str(), tc_n_.c_str());             \
            fail();                                                                            \
        }                                                                                      \
    } while (0)
