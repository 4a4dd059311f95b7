// Bounded, age-evicted set of message ids.
#include "events/dedupe.hpp"

#include <cstring>
#include <functional>

namespace tc::events {

namespace {
constexpr size_t kInitialSlots = 1024;  // a power of two; grows by doubling
}

DedupeStore::DedupeStore(size_t capacity, int64_t ttl_ms, int64_t replay_window_ms)
    : capacity_(capacity == 0 ? 1 : capacity),
      ttl_ms_(ttl_ms <= 0 ? 1 : ttl_ms),
      replay_window_ms_(replay_window_ms <= 0 ? ttl_ms_ : replay_window_ms),
      index_(kInitialSlots) {}

DedupeStore::Entry::Entry(int64_t seen, uint64_t number, size_t h, std::string_view text)
    : seen_ms(seen), seq(number), hash(h), len(text.size()) {
    char *to = inline_text;
    if (len > kInline) {
        heap.reset(new char[len]);
        to = heap.get();
    }
    if (len > 0) std::memcpy(to, text.data(), len);
}

size_t DedupeStore::probe(std::string_view id, size_t hash) const {
    const size_t mask = index_.size() - 1;
    for (size_t i = hash & mask;; i = (i + 1) & mask) {
        const Slot &slot = index_[i];
        if (slot.seq == 0 || (slot.hash == hash && entry(slot.seq).id() == id)) return i;
    }
}

size_t DedupeStore::slot_of(uint64_t seq, size_t hash) const {
    const size_t mask = index_.size() - 1;
    for (size_t i = hash & mask;; i = (i + 1) & mask) {
        if (index_[i].seq == seq) return i;
        if (index_[i].seq == 0) return index_.size();
    }
}

// Backward-shift deletion: moves later members of the probe run into the
// hole so that no look-up stops early at it.
void DedupeStore::erase_slot(size_t hole) {
    const size_t mask = index_.size() - 1;
    for (size_t j = (hole + 1) & mask; index_[j].seq != 0; j = (j + 1) & mask) {
        const size_t home = index_[j].hash & mask;
        // Movable when its home is not cyclically within (hole, j].
        const bool movable = hole <= j ? (home <= hole || home > j) : (home <= hole && home > j);
        if (movable) {
            index_[hole] = index_[j];
            hole = j;
        }
    }
    index_[hole] = Slot{};
    --live_;
}

void DedupeStore::grow() {
    std::vector<Slot> old(index_.size() * 2);
    old.swap(index_);
    const size_t mask = index_.size() - 1;
    for (const Slot &slot : old) {
        if (slot.seq == 0) continue;
        size_t i = slot.hash & mask;
        while (index_[i].seq != 0) i = (i + 1) & mask;
        index_[i] = slot;
    }
}

// Drops expired entries, then the oldest until `room` more fit.
void DedupeStore::evict(int64_t now_ms, size_t room) {
    while (!order_.empty()) {
        const Entry &front = order_.front();
        const bool expired = now_ms - front.seen_ms >= ttl_ms_;
        if (!expired && order_.size() + room <= capacity_) break;
        const size_t slot = slot_of(front.seq, front.hash);
        if (slot != index_.size()) {  // still live (not forgotten or recorded again)
            erase_slot(slot);
            if (now_ms - front.seen_ms < replay_window_ms_) early_evictions_++;  // still replayable
        }
        order_.pop_front();
    }
}

bool DedupeStore::insert(std::string_view id, int64_t now_ms) {
    std::lock_guard<std::mutex> lock(mu_);
    evict(now_ms, 0);
    const size_t hash = std::hash<std::string_view>{}(id);
    if (index_[probe(id, hash)].seq != 0) return false;
    evict(now_ms, 1);
    if ((live_ + 1) * 2 > index_.size()) grow();
    const uint64_t seq = next_seq_;
    order_.emplace_back(now_ms, seq, hash, id);
    ++next_seq_;  // only now: the numbers in order_ stay consecutive even if push_back threw
    index_[probe(id, hash)] = Slot{seq, hash};  // eviction and growth move slots: probe again
    ++live_;
    return true;
}

bool DedupeStore::contains(std::string_view id, int64_t now_ms) {
    std::lock_guard<std::mutex> lock(mu_);
    evict(now_ms, 0);
    return index_[probe(id, std::hash<std::string_view>{}(id))].seq != 0;
}

bool DedupeStore::forget(std::string_view id) {
    std::lock_guard<std::mutex> lock(mu_);
    const size_t slot = probe(id, std::hash<std::string_view>{}(id));
    if (index_[slot].seq == 0) return false;
    erase_slot(slot);
    return true;
}

uint64_t DedupeStore::early_evictions() const {
    std::lock_guard<std::mutex> lock(mu_);
    return early_evictions_;
}

size_t DedupeStore::size() const {
    std::lock_guard<std::mutex> lock(mu_);
    return live_;
}

}  // namespace tc::events
