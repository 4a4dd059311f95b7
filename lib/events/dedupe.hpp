// The set of webhook message ids seen recently, bounded in entries and age,
// so that a redelivery is acknowledged without being dispatched twice and a
// flood cannot grow it without limit. Thread-safe.
//
// The guarantee is exact: an id is remembered for ttl_ms after it was first
// seen unless `capacity` newer ids arrived meanwhile. An id dropped for room
// while younger than the replay window (the time in which the same signed
// message would pass the timestamp check again) is counted in
// early_evictions(): each one is a redelivery that could be dispatched twice.
#pragma once

#include <cstddef>
#include <cstdint>
#include <deque>
#include <mutex>
#include <string>
#include <string_view>
#include <unordered_map>

namespace tc::events {

class DedupeStore {
public:
    // Keeps at most `capacity` ids (>= 1), each for `ttl_ms` (> 0) after it
    // was first seen; the oldest go first when full. replay_window_ms <= 0
    // means ttl_ms.
    DedupeStore(size_t capacity, int64_t ttl_ms, int64_t replay_window_ms = 0);

    // Records `id` seen at `now_ms`. True when it is new; false when it was
    // already recorded and has not expired (then nothing changes).
    bool insert(std::string_view id, int64_t now_ms);

    // Whether `id` is recorded and not expired at `now_ms`.
    bool contains(std::string_view id, int64_t now_ms);

    // Drops `id`; false when it was not recorded.
    bool forget(std::string_view id);

    size_t size() const;

    // Ids dropped to make room while younger than the replay window.
    uint64_t early_evictions() const;

private:
    struct Entry {
        int64_t seen_ms;
        uint64_t seq;
        std::string id;
    };
    void evict(int64_t now_ms, size_t room);

    const size_t capacity_;
    const int64_t ttl_ms_;
    const int64_t replay_window_ms_;
    uint64_t early_evictions_ = 0;
    mutable std::mutex mu_;
    uint64_t next_seq_ = 1;
    // id -> sequence number of its live entry in order_. The keys are views
    // of the ids stored in order_ (a deque keeps its elements in place when
    // it grows or shrinks at the ends), so each id is stored once and a
    // lookup allocates nothing. order_ is in insertion order; entries whose
    // id was forgotten (or re-recorded) no longer match the map and are
    // dropped when they reach the front.
    std::unordered_map<std::string_view, uint64_t> seen_;
    std::deque<Entry> order_;
};

}  // namespace tc::events
