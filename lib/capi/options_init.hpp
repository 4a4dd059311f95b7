// The shared body of every tc_*_init(opts, version) for a versioned struct:
// check the arguments, then write the defaults of exactly the fields the
// caller's version has (an older caller's struct is shorter).
#pragma once

#include "capi/guard.hpp"

#include <cstring>
#include <string>

namespace tc::capi {

// size_of(version) is sizeof the struct as that version declares it.
template <class T, class SizeOf>
tc_status init_versioned(const char *function, T *opts, unsigned int version, unsigned int current,
                         const T &defaults, SizeOf size_of) {
    if (opts == nullptr) return fail(TC_EINVAL, "invalid argument: opts");
    if (version == 0 || version > current) {
        return fail(TC_EVERSION, std::string(function) + ": version " + std::to_string(version) +
                                     " is not supported (this library knows 1.." + std::to_string(current) + ")");
    }
    std::memcpy(opts, &defaults, size_of(version));
    opts->version = version;
    return TC_OK;
}

// For structs that have had one version so far.
template <class T>
size_t whole(unsigned int) {
    return sizeof(T);
}

}  // namespace tc::capi
