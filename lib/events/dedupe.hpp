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
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

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
    // One recorded id. Ids up to kInline bytes (Twitch's are 36-character
    // UUIDs) are kept inside the entry: no allocation per message.
    struct Entry {
        static constexpr size_t kInline = 48;
        Entry(int64_t seen, uint64_t number, size_t h, std::string_view text);
        std::string_view id() const { return {heap ? heap.get() : inline_text, len}; }

        int64_t seen_ms;
        uint64_t seq;
        size_t hash;
        size_t len;
        char inline_text[kInline];
        std::unique_ptr<char[]> heap;  // longer ids
    };
    // A slot of the index: the sequence number of a live entry (0: empty)
    // and its id's hash.
    struct Slot {
        uint64_t seq = 0;
        size_t hash = 0;
    };
    void evict(int64_t now_ms, size_t room);
    const Entry &entry(uint64_t seq) const { return order_[seq - order_.front().seq]; }
    // The slot holding `id`, or else the empty slot where it would go.
    size_t probe(std::string_view id, size_t hash) const;
    size_t slot_of(uint64_t seq, size_t hash) const;  // the slot holding seq, or index_.size()
    void erase_slot(size_t slot);
    void grow();

    const size_t capacity_;
    const int64_t ttl_ms_;
    const int64_t replay_window_ms_;
    uint64_t early_evictions_ = 0;
    mutable std::mutex mu_;
    uint64_t next_seq_ = 1;
    // order_ holds every id in insertion order with consecutive sequence
    // numbers, so an entry is found from its number alone. index_ is an
    // open-addressing table (linear probing, at most half full, deletion by
    // backward shift) of the live entries: a look-up costs a hash and
    // usually one cache line, and recording an id allocates no node. An
    // entry whose id was forgotten (or recorded again) has no slot and is
    // dropped when it reaches the front.
    std::vector<Slot> index_;
    size_t live_ = 0;
    std::deque<Entry> order_;
};

}  // namespace tc::events
