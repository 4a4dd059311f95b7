// The C boundary's error discipline: every entry point returns a tc_status,
// sets the thread-local message on failure, and never lets an exception out.
#pragma once

#include "util/last_error.hpp"

#include <twitchconduits/common.h>

#include <cstring>
#include <exception>
#include <new>
#include <string>

namespace tc::capi {

inline tc_status fail(tc_status status, const std::string &message) {
    util::set_last_error(message);
    return status;
}

template <class F>
tc_status guarded(F &&body) noexcept {
    try {
        return body();
    } catch (const std::bad_alloc &) {
        return fail(TC_ENOMEM, "out of memory");
    } catch (const std::exception &e) {
        return fail(TC_ERROR, std::string("internal error: ") + e.what());
    } catch (...) {
        return fail(TC_ERROR, "internal error");
    }
}

// The integer inside an enum a caller passed. Reading a C enum that holds an
// out-of-range value through its enum type is undefined in C++, so bad
// values from C are read as plain bytes before they are checked.
template <class Enum>
int raw_enum(const Enum &value) {
    static_assert(sizeof(Enum) == sizeof(int), "C enums are int-sized on our ABIs");
    int raw = 0;
    std::memcpy(&raw, &value, sizeof raw);
    return raw;
}

// Duplicates a std::string into memory the caller frees with tc_free().
char *dup_for_caller(const std::string &text);

}  // namespace tc::capi

#include "util/json.hpp"

namespace tc::capi {

// Prints `json` into *out (for the *_to_json functions); TC_ENOMEM on failure.
tc_status json_out(char **out, const util::JsonPtr &json);

}  // namespace tc::capi

#define TC_CHECK_ARG(cond, name)                                              \
    do {                                                                      \
        if (!(cond)) return ::tc::capi::fail(TC_EINVAL, "invalid argument: " name); \
    } while (0)
