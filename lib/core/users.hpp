// The users registry behind tc_users: users (key, Twitch user id, a set of
// subscription ids) with O(1) lookup by key, by user id and by subscription id.
//
// Memory layout, chosen to keep the per-user overhead small:
//  - each user is ONE heap block (UserBlock): a 16-byte header, one 32-bit
//    offset per subscription, then the NUL-terminated strings back to back;
//  - three open-addressing indexes (linear probing, backward-shift deletion,
//    load between 1/2 and 3/4: capacities grow by 1.5x, not 2x, and a hash
//    maps to its home slot by multiply-shift, so any capacity works) hold
//    16-byte slots {32 hash bits, ordinal, block pointer}: a probe compares
//    hash bits first and touches the block only on a likely match, and
//    growth rehashes without reading a string.
// A snapshot for the caller is a byte copy of the block (one allocation).
// Changing a user's subscriptions builds a new block and re-points that
// user's index entries: O(subscriptions of that user).
//
// Locking: one std::shared_mutex. Lookups and snapshots take it shared;
// changes take it exclusive. Validation, hashing and building a new user's
// block happen before the lock is taken.
#pragma once

#include <twitchconduits/common.h>

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <shared_mutex>
#include <string>
#include <string_view>
#include <vector>

namespace tc::core {

// Limits (documented in include/twitchconduits/users.h).
constexpr size_t kMaxUserKeyBytes = 4096;
constexpr size_t kMaxUserIdDigits = 32;
constexpr size_t kMaxSubscriptionIdBytes = 255;

// One user in one block: this header, uint32_t offsets[sub_count] (from the
// block start to each subscription id), then "key\0user_id\0sub0\0sub1\0...".
// Trivially copyable: a copy of `size` bytes is a complete, independent user.
struct UserBlock {
    uint32_t tag;        // free for the owner (the C API's handle tag); 0 inside the registry
    uint32_t size;       // bytes in the whole block
    uint32_t key_len;
    uint32_t sub_count;

    std::string_view key() const;
    std::string_view user_id() const;
    std::string_view subscription(size_t index) const;  // index < sub_count
    const char *key_cstr() const;
    const char *user_id_cstr() const;
    const char *subscription_cstr(size_t index) const;  // index < sub_count

    // A new block (malloc); nullptr when the size does not fit in 32 bits.
    // Throws std::bad_alloc when out of memory.
    static UserBlock *make(std::string_view key, std::string_view user_id, const std::string_view *subs,
                           size_t sub_count);
    // A byte copy with the given tag. Throws std::bad_alloc.
    static UserBlock *copy(const UserBlock *from, uint32_t tag);
    // Clears the block (it may hold a secret key) and frees it. NULL-safe.
    static void destroy(UserBlock *block) noexcept;
};

struct UserBlockDeleter {
    void operator()(UserBlock *b) const noexcept { UserBlock::destroy(b); }
};
using UserPtr = std::unique_ptr<UserBlock, UserBlockDeleter>;

// The registry's hash: 64-bit, seeded, 8 bytes per step.
uint64_t users_hash(std::string_view s, uint64_t seed);

// One open-addressing index of user blocks. Not synchronized (Users locks).
class UserIndex {
public:
    struct Slot {
        uint32_t hash_hi;   // the top 32 bits of the entry's hash; also its home slot
        uint32_t ordinal;   // which subscription of the user (0 for keys and user ids)
        UserBlock *user;    // nullptr: empty slot
    };

    UserIndex();
    ~UserIndex();
    UserIndex(const UserIndex &) = delete;
    UserIndex &operator=(const UserIndex &) = delete;

    size_t size() const { return size_; }
    size_t capacity() const { return cap_; }
    size_t bytes() const { return capacity() * sizeof(Slot); }

    // Makes room for `extra` more entries, so that insert() cannot fail.
    // Throws std::bad_alloc (and then changes nothing).
    void reserve_more(size_t extra);
    // Adds an entry; its key must not be present. Call reserve_more first.
    void insert(uint64_t hash, UserBlock *user, uint32_t ordinal);
    // The first entry with this hash for which match(slot) holds, or nullptr.
    template <class Match>
    const Slot *find(uint64_t hash, Match &&match) const;
    // Replaces the entry (hash, user, ordinal) by (hash, new_user, new_ordinal).
    // False when there is no such entry.
    bool repoint(uint64_t hash, const UserBlock *user, uint32_t ordinal, UserBlock *new_user,
                 uint32_t new_ordinal);
    // Removes the entry (hash, user, ordinal); false when there is none.
    bool erase(uint64_t hash, const UserBlock *user, uint32_t ordinal);

    // Slots for iteration (skip those whose user is nullptr).
    const Slot *slots() const { return slots_; }
    // The home slot of a stored hash_hi (multiply-shift: any capacity works).
    size_t home(uint32_t hash_hi) const {
        return static_cast<size_t>((static_cast<uint64_t>(hash_hi) * cap_) >> 32);
    }
    // The slot after i, wrapping around.
    size_t next(size_t i) const { return i + 1 == cap_ ? 0 : i + 1; }

private:
    Slot *locate(uint64_t hash, const UserBlock *user, uint32_t ordinal);
    void rehash(size_t capacity);
    void erase_at(size_t index);

    Slot *slots_ = nullptr;
    size_t cap_ = 0;
    size_t size_ = 0;
};

template <class Match>
const UserIndex::Slot *UserIndex::find(uint64_t hash, Match &&match) const {
    const uint32_t hi = static_cast<uint32_t>(hash >> 32);
    for (size_t i = home(hi);; i = next(i)) {
        const Slot &s = slots_[i];
        if (s.user == nullptr) return nullptr;
        if (s.hash_hi == hi && match(s)) return &s;
    }
}

// What a registry holds, for measurements and tests.
struct UsersStats {
    size_t users = 0;
    size_t subscriptions = 0;
    size_t block_bytes = 0;   // sum of the user blocks' sizes (before malloc's own overhead)
    size_t index_bytes = 0;   // the three indexes' slot arrays
};

class Users {
public:
    // seed 0: a random hash seed from the CSPRNG.
    explicit Users(uint64_t seed = 0);
    ~Users();
    Users(const Users &) = delete;
    Users &operator=(const Users &) = delete;

    // Every function reports failure as a status plus a one-line message in
    // *why that names the argument and never contains a key. Arguments are
    // the caller's strings; the C API has checked them for NULL already.
    // `subs` may repeat ids (kept once).
    tc_status add(std::string_view key, std::string_view user_id, const std::string_view *subs, size_t sub_count,
                  std::string *why);
    tc_status get_by_key(std::string_view key, UserPtr *out, std::string *why) const;
    tc_status get_by_user_id(std::string_view user_id, UserPtr *out, std::string *why) const;
    tc_status get_by_subscription(std::string_view subscription_id, UserPtr *out, std::string *why) const;
    // `removed` (nullable) receives the removed user's block.
    tc_status remove(std::string_view user_id, UserPtr *removed, std::string *why);
    tc_status add_subscription(std::string_view user_id, std::string_view subscription_id, std::string *why);
    tc_status remove_subscription(std::string_view user_id, std::string_view subscription_id, std::string *why);

    size_t count() const { return count_.load(std::memory_order_relaxed); }
    // Every user id, in ascending numeric order.
    std::vector<std::string> user_ids() const;

    UsersStats stats() const;
    // Checks that the three indexes and the blocks agree exactly; false with
    // a description of the first inconsistency. For tests.
    bool check_invariants(std::string *why) const;

    // Argument checks shared with the C API (messages name `name`).
    static tc_status check_key(std::string_view key, std::string *why);
    static tc_status check_user_id(std::string_view user_id, std::string *why);
    static tc_status check_subscription_id(std::string_view id, const std::string &name, std::string *why);

private:
    const UserBlock *find_key(std::string_view key, uint64_t hash) const;
    const UserBlock *find_user_id(std::string_view user_id, uint64_t hash) const;
    const UserIndex::Slot *find_subscription(std::string_view id, uint64_t hash) const;
    // Replaces `old_block` by `fresh` in every index; `drop` is the ordinal of
    // a subscription that `fresh` no longer has (its entry must be gone
    // already), or UINT32_MAX.
    void repoint_all(const UserBlock *old_block, UserBlock *fresh, uint32_t drop);

    const uint64_t seed_;
    mutable std::shared_mutex mu_;
    UserIndex by_key_;
    UserIndex by_id_;
    UserIndex by_sub_;
    std::atomic<size_t> count_{0};
    size_t block_bytes_ = 0;
};

}  // namespace tc::core
