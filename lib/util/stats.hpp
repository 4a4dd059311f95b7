// Counters behind tc_conduits_stat(); updated from any thread.
#pragma once

#include <twitchconduits/conduits.h>

#include <atomic>
#include <cstdint>

namespace tc::util {

class Stats {
public:
    static constexpr int kCount = 8;  // TC_STAT_* values are 0..kCount-1

    void add(tc_stat which, uint64_t n = 1) {
        if (valid(which)) counters_[which].fetch_add(n, std::memory_order_relaxed);
    }
    uint64_t get(tc_stat which) const {
        return valid(which) ? counters_[which].load(std::memory_order_relaxed) : 0;
    }
    static bool valid(int which) { return which >= 0 && which < kCount; }

private:
    std::atomic<uint64_t> counters_[kCount] = {};
};

}  // namespace tc::util
