#include "core/users.hpp"

#include "util/random.hpp"

#include <openssl/crypto.h>

#include <algorithm>
#include <cassert>
#include <chrono>
#include <climits>
#include <cstdlib>
#include <cstring>
#include <mutex>
#include <new>
#include <unordered_set>

namespace tc::core {

namespace {

inline uint64_t step(uint64_t h, uint64_t v) {
    h = (h ^ v) * 0xbf58476d1ce4e5b9ull;
    return h ^ (h >> 31);
}

std::string decimal(size_t n) { return std::to_string(n); }

constexpr size_t kNoDrop = SIZE_MAX;

}  // namespace

// ---------------------------------------------------------------------------
// UserBlock

namespace {
inline const char *block_base(const UserBlock *b) { return reinterpret_cast<const char *>(b); }
inline const uint32_t *block_offsets(const UserBlock *b) {
    return reinterpret_cast<const uint32_t *>(block_base(b) + sizeof(UserBlock));
}
}  // namespace

std::string_view UserBlock::str(size_t index) const {
    const uint32_t *off = block_offsets(this);
    const size_t begin = off[index];
    const size_t end = (index + 1 < string_count() ? off[index + 1] : size) - 1;
    return {block_base(this) + begin, end - begin};
}

const char *UserBlock::cstr(size_t index) const { return block_base(this) + block_offsets(this)[index]; }

UserFields UserBlock::fields() const {
    UserFields f;
    f.key = key();
    f.user_id = user_id();
    if (has_refresh_token()) f.refresh_token = str(kRefresh);
    if (has_login()) f.login = str(kLogin);
    if (has_code()) f.code = str(kCode);
    f.expires_at = expires_at;
    f.scopes.reserve(scope_count);
    for (size_t i = 0; i < scope_count; ++i) f.scopes.push_back(scope(i));
    return f;
}

UserBlock *UserBlock::make(const UserFields &f, const std::string_view *subs, size_t sub_count) {
    // Sizes are bounded by the argument checks except the number of
    // subscriptions; everything must fit the 32-bit offsets.
    const uint64_t limit = UINT32_MAX;
    const std::string_view fixed[kFixedStrings] = {f.key, f.user_id, f.refresh_token.value_or(std::string_view()),
                                                   f.login.value_or(std::string_view()),
                                                   f.code.value_or(std::string_view())};
    const size_t strings = kFixedStrings + f.scopes.size() + sub_count;
    if (sub_count > (limit - sizeof(UserBlock)) / (sizeof(uint32_t) + 2)) return nullptr;
    uint64_t total = sizeof(UserBlock) + sizeof(uint32_t) * static_cast<uint64_t>(strings);
    for (const std::string_view &s : fixed) total += s.size() + 1;
    for (const std::string_view &s : f.scopes) total += s.size() + 1;
    for (size_t i = 0; i < sub_count; ++i) {
        total += subs[i].size() + 1;
        if (total > limit) return nullptr;
    }
    if (total > limit) return nullptr;
    void *mem = std::malloc(static_cast<size_t>(total));
    if (mem == nullptr) throw std::bad_alloc();
    auto *b = static_cast<UserBlock *>(mem);
    b->tag = 0;
    b->size = static_cast<uint32_t>(total);
    b->sub_count = static_cast<uint32_t>(sub_count);
    b->scope_count = static_cast<uint16_t>(f.scopes.size());
    b->present = static_cast<uint16_t>((f.refresh_token ? kHasRefresh : 0) | (f.login ? kHasLogin : 0) |
                                       (f.code ? kHasCode : 0));
    b->expires_at = f.expires_at;
    char *base = static_cast<char *>(mem);
    auto *off = reinterpret_cast<uint32_t *>(base + sizeof(UserBlock));
    size_t pos = sizeof(UserBlock) + sizeof(uint32_t) * strings;
    size_t n = 0;
    auto put = [&](std::string_view s) {
        off[n++] = static_cast<uint32_t>(pos);
        if (!s.empty()) std::memcpy(base + pos, s.data(), s.size());
        pos += s.size();
        base[pos++] = '\0';
    };
    for (const std::string_view &s : fixed) put(s);
    for (const std::string_view &s : f.scopes) put(s);
    for (size_t i = 0; i < sub_count; ++i) put(subs[i]);
    assert(pos == total && n == strings);
    return b;
}

UserBlock *UserBlock::copy(const UserBlock *from, uint32_t tag) {
    void *mem = std::malloc(from->size);
    if (mem == nullptr) throw std::bad_alloc();
    std::memcpy(mem, from, from->size);
    auto *b = static_cast<UserBlock *>(mem);
    b->tag = tag;
    return b;
}

void wipe_block(UserBlock *block) noexcept { OPENSSL_cleanse(block, block->size); }

void UserBlock::destroy(UserBlock *block) noexcept {
    if (block == nullptr) return;
    wipe_block(block);
    std::free(block);
}

// ---------------------------------------------------------------------------
// Hash

uint64_t users_hash(std::string_view s, uint64_t seed) {
    const char *p = s.data();
    size_t n = s.size();
    uint64_t h = seed ^ (static_cast<uint64_t>(n) * 0x9e3779b97f4a7c15ull);
    while (n >= 8) {
        uint64_t v;
        std::memcpy(&v, p, 8);
        h = step(h, v);
        p += 8;
        n -= 8;
    }
    if (n > 0) {
        uint64_t v = 0;
        std::memcpy(&v, p, n);
        h = step(h, v);
    }
    // Final avalanche, so that every bit of the result depends on every bit.
    h ^= h >> 30;
    h *= 0xbf58476d1ce4e5b9ull;
    h ^= h >> 27;
    h *= 0x94d049bb133111ebull;
    h ^= h >> 31;
    return h;
}

// ---------------------------------------------------------------------------
// Users: argument checks

namespace {
// A secret-or-text argument: 1..max bytes, no NUL. Never echoes the value.
tc_status check_text(std::string_view s, const std::string &name, size_t max, std::string *why) {
    if (s.empty()) {
        *why = "invalid argument: " + name + " (empty)";
        return TC_EINVAL;
    }
    if (s.size() > max) {
        *why = "invalid argument: " + name + " (longer than " + decimal(max) + " bytes)";
        return TC_EINVAL;
    }
    if (std::memchr(s.data(), '\0', s.size()) != nullptr) {
        *why = "invalid argument: " + name + " (contains a NUL byte)";
        return TC_EINVAL;
    }
    return TC_OK;
}
}  // namespace

tc_status Users::check_key(std::string_view key, std::string *why) {
    return check_text(key, "key", kMaxUserKeyBytes, why);
}

tc_status Users::check_user_id(std::string_view user_id, std::string *why) {
    // Never echo a rejected value: a key passed by mistake must not leak.
    if (user_id.empty()) {
        *why = "invalid argument: user_id (empty)";
        return TC_EINVAL;
    }
    bool digits = user_id.size() <= kMaxUserIdDigits;
    for (size_t i = 0; digits && i < user_id.size(); ++i) digits = user_id[i] >= '0' && user_id[i] <= '9';
    if (!digits) {
        *why = "invalid argument: user_id (must be 1 to " + decimal(kMaxUserIdDigits) + " ASCII digits)";
        return TC_EINVAL;
    }
    return TC_OK;
}

tc_status Users::check_subscription_id(std::string_view id, const std::string &name, std::string *why) {
    return check_text(id, name, kMaxSubscriptionIdBytes, why);
}

tc_status Users::check_fields(const UserFields &f, std::string *why) {
    tc_status st = check_key(f.key, why);
    if (st == TC_OK) st = check_user_id(f.user_id, why);
    if (st == TC_OK && f.refresh_token) st = check_text(*f.refresh_token, "refresh_token", kMaxUserKeyBytes, why);
    if (st == TC_OK && f.login) st = check_text(*f.login, "login", kMaxSubscriptionIdBytes, why);
    if (st == TC_OK && f.code) st = check_text(*f.code, "code", kMaxUserKeyBytes, why);
    if (st == TC_OK && f.expires_at < 0) {
        *why = "invalid argument: expires_at (negative)";
        st = TC_EINVAL;
    }
    if (st == TC_OK && f.scopes.size() > kMaxUserScopes) {
        *why = "invalid argument: scope_count (more than " + decimal(kMaxUserScopes) + ")";
        st = TC_EINVAL;
    }
    for (size_t i = 0; st == TC_OK && i < f.scopes.size(); ++i) {
        st = check_text(f.scopes[i], "scopes[" + decimal(i) + "]", kMaxSubscriptionIdBytes, why);
    }
    return st;
}


// ---------------------------------------------------------------------------
// UserIndex

UserIndex::UserIndex() { rehash(16); }

UserIndex::~UserIndex() { std::free(slots_); }

void UserIndex::rehash(size_t capacity) {
    auto *fresh = static_cast<Slot *>(std::calloc(capacity, sizeof(Slot)));
    if (fresh == nullptr) throw std::bad_alloc();
    Slot *old = slots_;
    const size_t old_cap = cap_;
    slots_ = fresh;
    cap_ = capacity;
    for (size_t i = 0; i < old_cap; ++i) {
        if (old[i].user == nullptr) continue;
        size_t j = home(old[i].hash_hi);
        while (slots_[j].user != nullptr) j = next(j);
        slots_[j] = old[i];
    }
    std::free(old);
}

void UserIndex::reserve_more(size_t extra) {
    // hash_hi has 32 bits: the home function spreads over at most 2^32 slots.
    constexpr uint64_t kMaxCapacity = std::min<uint64_t>(uint64_t{1} << 32, SIZE_MAX / sizeof(Slot));
    if (extra > kMaxCapacity - size_) throw std::bad_alloc();
    const uint64_t need = static_cast<uint64_t>(size_) + extra;
    uint64_t cap = cap_;
    // Keep the load at or below 3/4; grow by half, which keeps it above 1/2.
    while (need > cap / 4 * 3) {
        cap += cap / 2;
        if (cap > kMaxCapacity) throw std::bad_alloc();
    }
    if (cap != cap_) rehash(static_cast<size_t>(cap));
}

void UserIndex::insert(uint64_t hash, UserBlock *user, uint32_t ordinal) {
    assert(size_ + 1 <= (capacity() / 4) * 3);
    const uint32_t hi = static_cast<uint32_t>(hash >> 32);
    size_t i = home(hi);
    while (slots_[i].user != nullptr) i = next(i);
    slots_[i] = Slot{hi, ordinal, user};
    ++size_;
}

UserIndex::Slot *UserIndex::locate(uint64_t hash, const UserBlock *user, uint32_t ordinal) {
    const uint32_t hi = static_cast<uint32_t>(hash >> 32);
    for (size_t i = home(hi);; i = next(i)) {
        Slot &s = slots_[i];
        if (s.user == nullptr) return nullptr;
        if (s.user == user && s.ordinal == ordinal && s.hash_hi == hi) return &s;
    }
}

bool UserIndex::repoint(uint64_t hash, const UserBlock *user, uint32_t ordinal, UserBlock *new_user,
                        uint32_t new_ordinal) {
    Slot *s = locate(hash, user, ordinal);
    if (s == nullptr) return false;
    s->user = new_user;
    s->ordinal = new_ordinal;
    return true;
}

bool UserIndex::erase(uint64_t hash, const UserBlock *user, uint32_t ordinal) {
    Slot *s = locate(hash, user, ordinal);
    if (s == nullptr) return false;
    erase_at(static_cast<size_t>(s - slots_));
    return true;
}

// Backward-shift deletion: entries after the hole move into it when that
// keeps them at or after their home slot, so no tombstones are needed.
void UserIndex::erase_at(size_t index) {
    // Distance going forward (with wrap-around) from slot a to slot b.
    auto dist = [this](size_t a, size_t b) { return b >= a ? b - a : b + cap_ - a; };
    size_t hole = index;
    for (size_t j = next(index); slots_[j].user != nullptr; j = next(j)) {
        if (dist(home(slots_[j].hash_hi), j) >= dist(hole, j)) {
            slots_[hole] = slots_[j];
            hole = j;
        }
    }
    slots_[hole] = Slot{0, 0, nullptr};
    --size_;
}

// ---------------------------------------------------------------------------
// Users

namespace {
uint64_t pick_seed(uint64_t seed) {
    if (seed != 0) return seed;
    if (util::secure_random_bytes(&seed, sizeof seed) && seed != 0) return seed;
    // No CSPRNG: the seed only spreads entries, so a clock value will do.
    return static_cast<uint64_t>(std::chrono::steady_clock::now().time_since_epoch().count()) | 1u;
}
}  // namespace

Users::Users(uint64_t seed) : seed_(pick_seed(seed)) {}

Users::~Users() {
    const UserIndex::Slot *slots = by_id_.slots();
    for (size_t i = 0; i < by_id_.capacity(); ++i) UserBlock::destroy(slots[i].user);
}

UserBlock *Users::find_key(std::string_view key) const {
    const UserIndex::Slot *s = by_key_.find(hash(key), [&](const UserIndex::Slot &e) { return e.user->key() == key; });
    return s != nullptr ? s->user : nullptr;
}

UserBlock *Users::find_user_id(std::string_view user_id) const {
    const UserIndex::Slot *s =
        by_id_.find(hash(user_id), [&](const UserIndex::Slot &e) { return e.user->user_id() == user_id; });
    return s != nullptr ? s->user : nullptr;
}

UserBlock *Users::find_refresh(std::string_view refresh_token) const {
    const UserIndex::Slot *s = by_refresh_.find(
        hash(refresh_token), [&](const UserIndex::Slot &e) { return e.user->refresh_token() == refresh_token; });
    return s != nullptr ? s->user : nullptr;
}

const UserIndex::Slot *Users::find_subscription(std::string_view id) const {
    return by_sub_.find(hash(id), [&](const UserIndex::Slot &e) { return e.user->subscription(e.ordinal) == id; });
}

tc_status Users::check_free(const UserFields &f, const UserBlock *self, std::string *why) const {
    if (const UserBlock *other = find_key(f.key); other != nullptr && other != self) {
        *why = "conflict: key is already registered to user_id " + std::string(other->user_id());
        return TC_ECONFLICT;
    }
    if (f.refresh_token) {
        if (const UserBlock *other = find_refresh(*f.refresh_token); other != nullptr && other != self) {
            *why = "conflict: refresh_token is already registered to user_id " + std::string(other->user_id());
            return TC_ECONFLICT;
        }
    }
    return TC_OK;
}

void Users::swap_block(UserBlock *old_block, UserBlock *fresh, size_t drop) {
    const bool key_changes = old_block->key() != fresh->key();
    const bool refresh_changes = old_block->has_refresh_token() != fresh->has_refresh_token() ||
                                 old_block->refresh_token() != fresh->refresh_token();
    // Room first (the only step that can throw); nothing has changed yet.
    if (key_changes) by_key_.reserve_more(1);
    if (refresh_changes && fresh->has_refresh_token()) by_refresh_.reserve_more(1);

    bool ok = by_id_.repoint(hash(old_block->user_id()), old_block, 0, fresh, 0);
    if (key_changes) {
        ok = by_key_.erase(hash(old_block->key()), old_block, 0) && ok;
        by_key_.insert(hash(fresh->key()), fresh, 0);
    } else {
        ok = by_key_.repoint(hash(old_block->key()), old_block, 0, fresh, 0) && ok;
    }
    if (refresh_changes) {
        if (old_block->has_refresh_token()) ok = by_refresh_.erase(hash(old_block->refresh_token()), old_block, 0) && ok;
        if (fresh->has_refresh_token()) by_refresh_.insert(hash(fresh->refresh_token()), fresh, 0);
    } else if (old_block->has_refresh_token()) {
        ok = by_refresh_.repoint(hash(old_block->refresh_token()), old_block, 0, fresh, 0) && ok;
    }
    for (size_t i = 0, to = 0; i < old_block->sub_count; ++i) {
        if (i == drop) continue;
        ok = by_sub_.repoint(hash(old_block->subscription(i)), old_block, static_cast<uint32_t>(i), fresh,
                             static_cast<uint32_t>(to++)) &&
             ok;
    }
    assert(ok && "an index lost an entry");
    (void)ok;
    block_bytes_ = block_bytes_ - old_block->size + fresh->size;
}

tc_status Users::add(std::string_view key, std::string_view user_id, const std::string_view *subs, size_t sub_count,
                     std::string *why) {
    UserFields f;
    f.key = key;
    f.user_id = user_id;
    return add(f, subs, sub_count, why);
}

tc_status Users::add(const UserFields &fields, const std::string_view *subs, size_t sub_count, std::string *why) {
    tc_status st = check_fields(fields, why);
    for (size_t i = 0; st == TC_OK && i < sub_count; ++i) {
        st = check_subscription_id(subs[i], "subscription_ids[" + decimal(i) + "]", why);
    }
    if (st != TC_OK) return st;

    // The set: first occurrences, in order. Small sets need no allocation.
    constexpr size_t kInline = 8;
    std::string_view inline_views[kInline];
    uint64_t inline_hashes[kInline];
    std::vector<std::string_view> heap_views;
    std::vector<uint64_t> heap_hashes;
    std::string_view *unique = inline_views;
    uint64_t *sub_hashes = inline_hashes;
    if (sub_count > kInline) {
        heap_views.resize(sub_count);
        heap_hashes.resize(sub_count);
        unique = heap_views.data();
        sub_hashes = heap_hashes.data();
    }
    size_t unique_count = 0;
    if (sub_count <= 16) {
        for (size_t i = 0; i < sub_count; ++i) {
            if (std::find(unique, unique + unique_count, subs[i]) == unique + unique_count) {
                unique[unique_count++] = subs[i];
            }
        }
    } else {
        std::unordered_set<std::string_view> seen;
        seen.reserve(sub_count);
        for (size_t i = 0; i < sub_count; ++i) {
            if (seen.insert(subs[i]).second) unique[unique_count++] = subs[i];
        }
    }
    for (size_t i = 0; i < unique_count; ++i) sub_hashes[i] = hash(unique[i]);
    const uint64_t key_hash = hash(fields.key);
    const uint64_t id_hash = hash(fields.user_id);
    const uint64_t refresh_hash = fields.refresh_token ? hash(*fields.refresh_token) : 0;

    UserPtr block(UserBlock::make(fields, unique, unique_count));
    if (!block) {
        *why = "invalid argument: subscription_count (too many subscriptions for one user)";
        return TC_EINVAL;
    }

    std::unique_lock<std::shared_mutex> lock(mu_);
    if (find_user_id(fields.user_id) != nullptr) {
        *why = "conflict: user_id " + std::string(fields.user_id) + " is already registered";
        return TC_ECONFLICT;
    }
    st = check_free(fields, nullptr, why);
    if (st != TC_OK) return st;
    for (size_t i = 0; i < unique_count; ++i) {
        if (const UserIndex::Slot *s = find_subscription(unique[i])) {
            // Name the first occurrence in the caller's array.
            const size_t origin = static_cast<size_t>(std::find(subs, subs + sub_count, unique[i]) - subs);
            *why = "conflict: subscription_ids[" + decimal(origin) + "] already belongs to user_id " +
                   std::string(s->user->user_id());
            return TC_ECONFLICT;
        }
    }
    // Room first: after these, nothing below can fail.
    by_id_.reserve_more(1);
    by_key_.reserve_more(1);
    if (fields.refresh_token) by_refresh_.reserve_more(1);
    by_sub_.reserve_more(unique_count);
    UserBlock *b = block.release();
    by_id_.insert(id_hash, b, 0);
    by_key_.insert(key_hash, b, 0);
    if (fields.refresh_token) by_refresh_.insert(refresh_hash, b, 0);
    for (size_t i = 0; i < unique_count; ++i) by_sub_.insert(sub_hashes[i], b, static_cast<uint32_t>(i));
    block_bytes_ += b->size;
    count_.fetch_add(1, std::memory_order_relaxed);
    return TC_OK;
}

tc_status Users::replace_locked(UserBlock *old_block, const UserFields &fields, UserPtr *old_out, UserPtr *updated,
                                std::string *why) {
    tc_status st = check_free(fields, old_block, why);
    if (st != TC_OK) return st;
    std::vector<std::string_view> subs(old_block->sub_count);
    for (size_t i = 0; i < subs.size(); ++i) subs[i] = old_block->subscription(i);
    UserPtr fresh(UserBlock::make(fields, subs.data(), subs.size()));
    if (!fresh) {
        *why = "invalid argument: the record is too large";
        return TC_EINVAL;
    }
    UserPtr copy;
    if (updated != nullptr) copy.reset(UserBlock::copy(fresh.get(), 0));
    swap_block(old_block, fresh.get(), kNoDrop);
    fresh.release();
    if (old_out != nullptr) old_out->reset(old_block);
    if (updated != nullptr) *updated = std::move(copy);
    return TC_OK;
}

tc_status Users::replace(const UserFields &fields, UserPtr *old, std::string *why) {
    tc_status st = check_fields(fields, why);
    if (st != TC_OK) return st;
    UserPtr gone;  // freed (and cleared) after the lock is released
    {
        std::unique_lock<std::shared_mutex> lock(mu_);
        UserBlock *b = find_user_id(fields.user_id);
        if (b == nullptr) {
            *why = "not found: no user with user_id " + std::string(fields.user_id);
            return TC_ENOTFOUND;
        }
        st = replace_locked(b, fields, &gone, nullptr, why);
    }
    if (st == TC_OK && old != nullptr) *old = std::move(gone);
    return st;
}

tc_status Users::rotate_tokens(std::string_view user_id, std::string_view used_refresh_token,
                               const TokenGrant &grant, UserPtr *updated, std::string *why) {
    UserPtr gone;  // freed (and cleared) after the lock is released
    std::unique_lock<std::shared_mutex> lock(mu_);
    UserBlock *b = find_user_id(user_id);
    if (b == nullptr) {
        *why = "not found: user_id " + std::string(user_id) + " was removed while its tokens were refreshed";
        return TC_ENOTFOUND;
    }
    if (!b->has_refresh_token() || b->refresh_token() != used_refresh_token) {
        *why = "conflict: the refresh token of user_id " + std::string(user_id) +
               " changed while it was being refreshed";
        return TC_ECONFLICT;
    }
    UserFields f = b->fields();
    f.key = grant.access_token;
    if (grant.refresh_token) f.refresh_token = grant.refresh_token;
    if (grant.expires_at > 0) f.expires_at = grant.expires_at;
    if (grant.scopes) f.scopes = *grant.scopes;
    tc_status st = check_fields(f, why);
    if (st != TC_OK) {
        // The server's answer does not fit the registry's limits.
        *why = "the token endpoint's answer was rejected: " + *why;
        return TC_EPROTOCOL;
    }
    st = replace_locked(b, f, &gone, updated, why);
    lock.unlock();
    return st;
}

tc_status Users::get_by_key(std::string_view key, UserPtr *out, std::string *why) const {
    tc_status st = check_key(key, why);
    if (st != TC_OK) return st;
    std::shared_lock<std::shared_mutex> lock(mu_);
    const UserBlock *b = find_key(key);
    if (b == nullptr) {
        *why = "not found: no user has this key";
        return TC_ENOTFOUND;
    }
    out->reset(UserBlock::copy(b, 0));
    return TC_OK;
}

tc_status Users::get_by_user_id(std::string_view user_id, UserPtr *out, std::string *why) const {
    tc_status st = check_user_id(user_id, why);
    if (st != TC_OK) return st;
    std::shared_lock<std::shared_mutex> lock(mu_);
    const UserBlock *b = find_user_id(user_id);
    if (b == nullptr) {
        *why = "not found: no user with user_id " + std::string(user_id);
        return TC_ENOTFOUND;
    }
    out->reset(UserBlock::copy(b, 0));
    return TC_OK;
}

tc_status Users::get_by_refresh_token(std::string_view refresh_token, UserPtr *out, std::string *why) const {
    tc_status st = check_text(refresh_token, "refresh_token", kMaxUserKeyBytes, why);
    if (st != TC_OK) return st;
    std::shared_lock<std::shared_mutex> lock(mu_);
    const UserBlock *b = find_refresh(refresh_token);
    if (b == nullptr) {
        *why = "not found: no user has this refresh_token";
        return TC_ENOTFOUND;
    }
    out->reset(UserBlock::copy(b, 0));
    return TC_OK;
}

tc_status Users::get_by_subscription(std::string_view subscription_id, UserPtr *out, std::string *why) const {
    tc_status st = check_subscription_id(subscription_id, "subscription_id", why);
    if (st != TC_OK) return st;
    std::shared_lock<std::shared_mutex> lock(mu_);
    const UserIndex::Slot *s = find_subscription(subscription_id);
    if (s == nullptr) {
        *why = "not found: no user has this subscription_id";
        return TC_ENOTFOUND;
    }
    out->reset(UserBlock::copy(s->user, 0));
    return TC_OK;
}

tc_status Users::remove(std::string_view user_id, UserPtr *removed, std::string *why) {
    tc_status st = check_user_id(user_id, why);
    if (st != TC_OK) return st;
    UserPtr gone;  // freed (and cleared) after the lock is released
    {
        std::unique_lock<std::shared_mutex> lock(mu_);
        UserBlock *b = find_user_id(user_id);
        if (b == nullptr) {
            *why = "not found: no user with user_id " + std::string(user_id);
            return TC_ENOTFOUND;
        }
        bool ok = by_key_.erase(hash(b->key()), b, 0);
        if (b->has_refresh_token()) ok = by_refresh_.erase(hash(b->refresh_token()), b, 0) && ok;
        for (size_t i = 0; i < b->sub_count; ++i) {
            ok = by_sub_.erase(hash(b->subscription(i)), b, static_cast<uint32_t>(i)) && ok;
        }
        ok = by_id_.erase(hash(b->user_id()), b, 0) && ok;
        assert(ok && "an index lost an entry");
        (void)ok;
        block_bytes_ -= b->size;
        count_.fetch_sub(1, std::memory_order_relaxed);
        gone.reset(b);
    }
    if (removed != nullptr) *removed = std::move(gone);
    return TC_OK;
}

tc_status Users::add_subscription(std::string_view user_id, std::string_view subscription_id, std::string *why) {
    tc_status st = check_user_id(user_id, why);
    if (st == TC_OK) st = check_subscription_id(subscription_id, "subscription_id", why);
    if (st != TC_OK) return st;
    const uint64_t sub_hash = hash(subscription_id);
    UserPtr old;  // freed after the lock is released
    std::unique_lock<std::shared_mutex> lock(mu_);
    UserBlock *b = find_user_id(user_id);
    if (b == nullptr) {
        *why = "not found: no user with user_id " + std::string(user_id);
        return TC_ENOTFOUND;
    }
    if (const UserIndex::Slot *s = find_subscription(subscription_id)) {
        if (s->user == b) return TC_OK;  // a set: already there
        *why = "conflict: subscription_id already belongs to user_id " + std::string(s->user->user_id());
        return TC_ECONFLICT;
    }
    std::vector<std::string_view> subs(b->sub_count + size_t{1});
    for (size_t i = 0; i < b->sub_count; ++i) subs[i] = b->subscription(i);
    subs[b->sub_count] = subscription_id;
    UserPtr fresh(UserBlock::make(b->fields(), subs.data(), subs.size()));
    if (!fresh) {
        *why = "invalid argument: subscription_id (too many subscriptions for one user)";
        return TC_EINVAL;
    }
    by_sub_.reserve_more(1);
    UserBlock *nb = fresh.get();
    swap_block(b, nb, kNoDrop);  // key and refresh token unchanged: reserves nothing, cannot throw
    fresh.release();
    by_sub_.insert(sub_hash, nb, b->sub_count);
    old.reset(b);
    lock.unlock();
    return TC_OK;
}

tc_status Users::remove_subscription(std::string_view user_id, std::string_view subscription_id,
                                     std::string *why) {
    tc_status st = check_user_id(user_id, why);
    if (st == TC_OK) st = check_subscription_id(subscription_id, "subscription_id", why);
    if (st != TC_OK) return st;
    const uint64_t sub_hash = hash(subscription_id);
    UserPtr old;  // freed after the lock is released
    std::unique_lock<std::shared_mutex> lock(mu_);
    UserBlock *b = find_user_id(user_id);
    if (b == nullptr) {
        *why = "not found: no user with user_id " + std::string(user_id);
        return TC_ENOTFOUND;
    }
    const UserIndex::Slot *s = find_subscription(subscription_id);
    if (s == nullptr || s->user != b) {
        *why = "not found: user_id " + std::string(user_id) + " has no such subscription_id";
        return TC_ENOTFOUND;
    }
    const uint32_t drop = s->ordinal;
    std::vector<std::string_view> subs;
    subs.reserve(b->sub_count);
    for (size_t i = 0; i < b->sub_count; ++i) {
        if (i != drop) subs.push_back(b->subscription(i));
    }
    UserPtr fresh(UserBlock::make(b->fields(), subs.data(), subs.size()));
    assert(fresh);  // smaller than a block that exists
    bool ok = by_sub_.erase(sub_hash, b, drop);
    assert(ok);
    (void)ok;
    swap_block(b, fresh.get(), drop);  // cannot throw: nothing to reserve
    fresh.release();
    old.reset(b);
    lock.unlock();
    return TC_OK;
}

namespace {
// Numeric order of digit strings of any length; equal values (leading
// zeros) shortest first.
bool numeric_less(const std::string &a, const std::string &b) {
    const size_t za = std::min(a.find_first_not_of('0'), a.size());
    const size_t zb = std::min(b.find_first_not_of('0'), b.size());
    const size_t la = a.size() - za;
    const size_t lb = b.size() - zb;
    if (la != lb) return la < lb;
    const int c = a.compare(za, la, b, zb, lb);
    if (c != 0) return c < 0;
    return a.size() < b.size();
}
}  // namespace

std::vector<std::string> Users::user_ids() const {
    std::vector<std::string> ids;
    {
        std::shared_lock<std::shared_mutex> lock(mu_);
        ids.reserve(by_id_.size());
        const UserIndex::Slot *slots = by_id_.slots();
        for (size_t i = 0; i < by_id_.capacity(); ++i) {
            if (slots[i].user != nullptr) ids.emplace_back(slots[i].user->user_id());
        }
    }
    std::sort(ids.begin(), ids.end(), numeric_less);
    return ids;
}

UsersStats Users::stats() const {
    std::shared_lock<std::shared_mutex> lock(mu_);
    UsersStats s;
    s.users = by_id_.size();
    s.subscriptions = by_sub_.size();
    s.refresh_tokens = by_refresh_.size();
    s.block_bytes = block_bytes_;
    s.index_bytes = by_key_.bytes() + by_id_.bytes() + by_refresh_.bytes() + by_sub_.bytes();
    return s;
}

bool Users::check_invariants(std::string *why) const {
    std::shared_lock<std::shared_mutex> lock(mu_);
    auto bad = [why](std::string text) {
        *why = std::move(text);
        return false;
    };
    if (by_id_.size() != count_.load() || by_key_.size() != count_.load()) {
        return bad("index sizes differ from the user count");
    }
    // Every slot is reachable from its home slot and carries its string's hash.
    struct Named {
        const UserIndex *index;
        const char *name;
    };
    for (const Named &n : {Named{&by_key_, "key"}, Named{&by_id_, "user_id"}, Named{&by_refresh_, "refresh_token"},
                           Named{&by_sub_, "subscription"}}) {
        const UserIndex &ix = *n.index;
        size_t occupied = 0;
        for (size_t i = 0; i < ix.capacity(); ++i) {
            const UserIndex::Slot &s = ix.slots()[i];
            if (s.user == nullptr) continue;
            ++occupied;
            for (size_t j = ix.home(s.hash_hi); j != i; j = ix.next(j)) {
                if (ix.slots()[j].user == nullptr) return bad(std::string(n.name) + " index: unreachable slot");
            }
            std::string_view text;
            if (&ix == &by_key_) {
                text = s.user->key();
            } else if (&ix == &by_id_) {
                text = s.user->user_id();
            } else if (&ix == &by_refresh_) {
                if (!s.user->has_refresh_token()) return bad("refresh_token index: a user without one");
                text = s.user->refresh_token();
            } else {
                if (s.ordinal >= s.user->sub_count) return bad("subscription index: ordinal out of range");
                text = s.user->subscription(s.ordinal);
            }
            if (s.hash_hi != static_cast<uint32_t>(hash(text) >> 32)) {
                return bad(std::string(n.name) + " index: stale hash");
            }
            if (find_user_id(s.user->user_id()) != s.user) {
                return bad(std::string(n.name) + " index: entry of a user that is not registered");
            }
        }
        if (occupied != ix.size()) return bad(std::string(n.name) + " index: size is wrong");
    }
    size_t subs = 0, refresh = 0, bytes = 0;
    for (size_t i = 0; i < by_id_.capacity(); ++i) {
        const UserBlock *b = by_id_.slots()[i].user;
        if (b == nullptr) continue;
        subs += b->sub_count;
        bytes += b->size;
        if (b->tag != 0) return bad("a registered block carries a tag");
        std::string ignored;
        if (check_fields(b->fields(), &ignored) != TC_OK) return bad("a registered user has an invalid field");
        if (find_key(b->key()) != b) return bad("key index: user missing");
        if (b->has_refresh_token()) {
            ++refresh;
            if (find_refresh(b->refresh_token()) != b) return bad("refresh_token index: user missing");
        }
        for (size_t k = 0; k < b->sub_count; ++k) {
            const UserIndex::Slot *s = find_subscription(b->subscription(k));
            if (s == nullptr || s->user != b || s->ordinal != k) {
                return bad("subscription index: user " + std::string(b->user_id()) + " subscription " +
                           decimal(k) + " is missing or duplicated");
            }
        }
    }
    if (subs != by_sub_.size()) return bad("subscription index size differs from the users' subscriptions");
    if (refresh != by_refresh_.size()) return bad("refresh_token index size differs from the users' tokens");
    if (bytes != block_bytes_) return bad("block byte count is wrong");
    return true;
}

}  // namespace tc::core
