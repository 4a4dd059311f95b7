// Bounded, age-evicted set of message ids.
#include "events/dedupe.hpp"

namespace tc::events {

DedupeStore::DedupeStore(size_t capacity, int64_t ttl_ms, int64_t replay_window_ms)
    : capacity_(capacity == 0 ? 1 : capacity),
      ttl_ms_(ttl_ms <= 0 ? 1 : ttl_ms),
      replay_window_ms_(replay_window_ms <= 0 ? ttl_ms_ : replay_window_ms) {
    // Buckets for the usual sizes up front: growing the table rehashes every
    // id, which showed in the webhook benchmark. Larger stores grow on demand.
    constexpr size_t kReserveAtMost = 1u << 16;
    seen_.reserve(capacity_ < kReserveAtMost ? capacity_ : kReserveAtMost);
}

// Drops expired entries, then the oldest until `room` more fit.
void DedupeStore::evict(int64_t now_ms, size_t room) {
    while (!order_.empty()) {
        const Entry &front = order_.front();
        const bool expired = now_ms - front.seen_ms >= ttl_ms_;
        if (!expired && order_.size() + room <= capacity_) break;
        // Erase the map's key before the string it views goes away.
        auto it = seen_.find(front.id);
        if (it != seen_.end() && it->second == front.seq) {
            seen_.erase(it);
            if (now_ms - front.seen_ms < replay_window_ms_) early_evictions_++;  // still replayable
        }
        order_.pop_front();
    }
}

bool DedupeStore::insert(std::string_view id, int64_t now_ms) {
    std::lock_guard<std::mutex> lock(mu_);
    evict(now_ms, 0);
    if (seen_.find(id) != seen_.end()) return false;
    evict(now_ms, 1);
    const uint64_t seq = next_seq_++;
    order_.push_back(Entry{now_ms, seq, std::string(id)});
    seen_.emplace(std::string_view(order_.back().id), seq);
    return true;
}

bool DedupeStore::contains(std::string_view id, int64_t now_ms) {
    std::lock_guard<std::mutex> lock(mu_);
    evict(now_ms, 0);
    return seen_.find(id) != seen_.end();
}

bool DedupeStore::forget(std::string_view id) {
    std::lock_guard<std::mutex> lock(mu_);
    return seen_.erase(id) > 0;
}

uint64_t DedupeStore::early_evictions() const {
    std::lock_guard<std::mutex> lock(mu_);
    return early_evictions_;
}

size_t DedupeStore::size() const {
    std::lock_guard<std::mutex> lock(mu_);
    return seen_.size();
}

}  // namespace tc::events
