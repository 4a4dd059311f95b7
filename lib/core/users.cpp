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
// Users

namespace {
uint64_t pick_seed(uint64_t seed) {
    if (seed != 0) return seed;
    if (util::secure_random_bytes(&seed, sizeof seed) && seed != 0) return seed;
    // No CSPRNG: the seed only spreads entries, so a clock value will do.
    return static_cast<uint64_t>(std::chrono::steady_clock::now().time_since_epoch().count()) | 1u;
}

// Moves the entry `from` of `index` to the text `to` of block `fresh`,
// reusing its node: no allocation. The maps are never above their load
// limit after extract(), so insert() does not rehash.
template <class Index>
void rebind(Index &index, std::string_view from, std::string_view to, UserBlock *fresh) noexcept {
    auto node = index.extract(from);
    assert(!node.empty() && "an index lost an entry");
    node.key() = to;
    node.mapped() = fresh;
    index.insert(std::move(node));
}
}  // namespace

Users::Users(uint64_t seed)
    : seed_(pick_seed(seed)),
      by_key_(16, ViewHash{seed_}),
      by_id_(16, ViewHash{seed_}),
      by_refresh_(16, ViewHash{seed_}),
      by_sub_(16, ViewHash{seed_}) {}

Users::~Users() {
    for (auto &entry : by_id_) UserBlock::destroy(entry.second);
}

UserBlock *Users::find(const Index &index, std::string_view text) const {
    auto it = index.find(text);
    return it != index.end() ? it->second : nullptr;
}

tc_status Users::check_free(const UserFields &f, const UserBlock *self, std::string *why) const {
    if (const UserBlock *other = find(by_key_, f.key); other != nullptr && other != self) {
        *why = "conflict: key is already registered to user_id " + std::string(other->user_id());
        return TC_ECONFLICT;
    }
    if (f.refresh_token) {
        if (const UserBlock *other = find(by_refresh_, *f.refresh_token); other != nullptr && other != self) {
            *why = "conflict: refresh_token is already registered to user_id " + std::string(other->user_id());
            return TC_ECONFLICT;
        }
    }
    return TC_OK;
}

void Users::swap_block(UserBlock *old_block, UserBlock *fresh, size_t drop) {
    // The one step that may allocate, first: if it throws, nothing changed.
    if (fresh->has_refresh_token() && !old_block->has_refresh_token()) {
        by_refresh_.emplace(fresh->refresh_token(), fresh);
    }
    // No allocation from here on.
    rebind(by_id_, old_block->user_id(), fresh->user_id(), fresh);
    rebind(by_key_, old_block->key(), fresh->key(), fresh);
    if (old_block->has_refresh_token()) {
        if (fresh->has_refresh_token()) {
            rebind(by_refresh_, old_block->refresh_token(), fresh->refresh_token(), fresh);
        } else {
            by_refresh_.erase(old_block->refresh_token());
        }
    }
    for (size_t i = 0, to = 0; i < old_block->sub_count; ++i) {
        if (i == drop) continue;
        rebind(by_sub_, old_block->subscription(i), fresh->subscription(to++), fresh);
    }
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

    // The set: first occurrences, in order.
    std::vector<std::string_view> unique;
    unique.reserve(sub_count);
    if (sub_count <= 16) {
        for (size_t i = 0; i < sub_count; ++i) {
            if (std::find(unique.begin(), unique.end(), subs[i]) == unique.end()) unique.push_back(subs[i]);
        }
    } else {
        std::unordered_set<std::string_view> seen;
        seen.reserve(sub_count);
        for (size_t i = 0; i < sub_count; ++i) {
            if (seen.insert(subs[i]).second) unique.push_back(subs[i]);
        }
    }

    UserPtr block(UserBlock::make(fields, unique.data(), unique.size()));
    if (!block) {
        *why = "invalid argument: subscription_count (too many subscriptions for one user)";
        return TC_EINVAL;
    }
    UserBlock *b = block.get();

    std::unique_lock<std::shared_mutex> lock(mu_);
    if (find(by_id_, fields.user_id) != nullptr) {
        *why = "conflict: user_id " + std::string(fields.user_id) + " is already registered";
        return TC_ECONFLICT;
    }
    st = check_free(fields, nullptr, why);
    if (st != TC_OK) return st;
    for (size_t i = 0; i < unique.size(); ++i) {
        if (const UserBlock *owner = find(by_sub_, unique[i])) {
            // Name the first occurrence in the caller's array.
            const size_t origin = static_cast<size_t>(std::find(subs, subs + sub_count, unique[i]) - subs);
            *why = "conflict: subscription_ids[" + decimal(origin) + "] already belongs to user_id " +
                   std::string(owner->user_id());
            return TC_ECONFLICT;
        }
    }
    // Inserted in an order that can be undone if an allocation fails.
    std::vector<Index *> done;
    try {
        by_id_.emplace(b->user_id(), b);
        done.push_back(&by_id_);
        by_key_.emplace(b->key(), b);
        done.push_back(&by_key_);
        if (b->has_refresh_token()) {
            by_refresh_.emplace(b->refresh_token(), b);
            done.push_back(&by_refresh_);
        }
        for (size_t i = 0; i < b->sub_count; ++i) by_sub_.emplace(b->subscription(i), b);
    } catch (...) {
        for (size_t i = 0; i < b->sub_count; ++i) {
            auto it = by_sub_.find(b->subscription(i));
            if (it != by_sub_.end() && it->second == b) by_sub_.erase(it);
        }
        if (!done.empty()) by_id_.erase(b->user_id());
        if (done.size() > 1) by_key_.erase(b->key());
        if (done.size() > 2) by_refresh_.erase(b->refresh_token());
        throw;
    }
    block.release();
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
    // Same subscriptions as a block that exists: the size fits.
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
        UserBlock *b = find(by_id_, fields.user_id);
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
    UserBlock *b = find(by_id_, user_id);
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
    const UserBlock *b = find(by_key_, key);
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
    const UserBlock *b = find(by_id_, user_id);
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
    const UserBlock *b = find(by_refresh_, refresh_token);
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
    const UserBlock *b = find(by_sub_, subscription_id);
    if (b == nullptr) {
        *why = "not found: no user has this subscription_id";
        return TC_ENOTFOUND;
    }
    out->reset(UserBlock::copy(b, 0));
    return TC_OK;
}

tc_status Users::remove(std::string_view user_id, UserPtr *removed, std::string *why) {
    tc_status st = check_user_id(user_id, why);
    if (st != TC_OK) return st;
    UserPtr gone;  // freed (and cleared) after the lock is released
    {
        std::unique_lock<std::shared_mutex> lock(mu_);
        UserBlock *b = find(by_id_, user_id);
        if (b == nullptr) {
            *why = "not found: no user with user_id " + std::string(user_id);
            return TC_ENOTFOUND;
        }
        by_key_.erase(b->key());
        if (b->has_refresh_token()) by_refresh_.erase(b->refresh_token());
        for (size_t i = 0; i < b->sub_count; ++i) by_sub_.erase(b->subscription(i));
        by_id_.erase(b->user_id());
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
    UserPtr old;  // freed after the lock is released
    std::unique_lock<std::shared_mutex> lock(mu_);
    UserBlock *b = find(by_id_, user_id);
    if (b == nullptr) {
        *why = "not found: no user with user_id " + std::string(user_id);
        return TC_ENOTFOUND;
    }
    if (const UserBlock *owner = find(by_sub_, subscription_id)) {
        if (owner == b) return TC_OK;  // a set: already there
        *why = "conflict: subscription_id already belongs to user_id " + std::string(owner->user_id());
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
    // The new entry first (it allocates); then the moves, which cannot fail.
    auto added = by_sub_.emplace(fresh->subscription(b->sub_count), fresh.get());
    try {
        swap_block(b, fresh.get(), kNoDrop);
    } catch (...) {
        by_sub_.erase(added.first);
        throw;
    }
    fresh.release();
    old.reset(b);
    lock.unlock();
    return TC_OK;
}

tc_status Users::remove_subscription(std::string_view user_id, std::string_view subscription_id,
                                     std::string *why) {
    tc_status st = check_user_id(user_id, why);
    if (st == TC_OK) st = check_subscription_id(subscription_id, "subscription_id", why);
    if (st != TC_OK) return st;
    UserPtr old;  // freed after the lock is released
    std::unique_lock<std::shared_mutex> lock(mu_);
    UserBlock *b = find(by_id_, user_id);
    if (b == nullptr) {
        *why = "not found: no user with user_id " + std::string(user_id);
        return TC_ENOTFOUND;
    }
    auto it = by_sub_.find(subscription_id);
    if (it == by_sub_.end() || it->second != b) {
        *why = "not found: user_id " + std::string(user_id) + " has no such subscription_id";
        return TC_ENOTFOUND;
    }
    size_t drop = 0;
    while (b->subscription(drop) != subscription_id) ++drop;
    std::vector<std::string_view> subs;
    subs.reserve(b->sub_count);
    for (size_t i = 0; i < b->sub_count; ++i) {
        if (i != drop) subs.push_back(b->subscription(i));
    }
    UserPtr fresh(UserBlock::make(b->fields(), subs.data(), subs.size()));
    assert(fresh);  // smaller than a block that exists
    by_sub_.erase(it);
    swap_block(b, fresh.get(), drop);  // no refresh-token change: cannot throw
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
        for (const auto &entry : by_id_) ids.emplace_back(entry.first);
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
    // A node: the next pointer plus the (view, block) pair; the hash is not
    // cached (the hasher is noexcept). Buckets: one pointer each.
    constexpr size_t kNode = sizeof(void *) + sizeof(Index::value_type);
    for (const Index *ix : {&by_key_, &by_id_, &by_refresh_, &by_sub_}) {
        s.index_bytes += ix->bucket_count() * sizeof(void *) + ix->size() * kNode;
    }
    return s;
}

bool Users::check_invariants(std::string *why) const {
    std::shared_lock<std::shared_mutex> lock(mu_);
    auto bad = [why](std::string text) {
        *why = std::move(text);
        return false;
    };
    const size_t n = count_.load();
    if (by_id_.size() != n || by_key_.size() != n) return bad("index sizes differ from the user count");
    // Every entry's view points into its own block (never into a freed one)
    // and its text is that block's string.
    auto inside = [](std::string_view v, const UserBlock *b) {
        const char *lo = reinterpret_cast<const char *>(b);
        return v.data() >= lo && v.data() + v.size() < lo + b->size;
    };
    struct Named {
        const Index *index;
        const char *name;
    };
    for (const Named &ix : {Named{&by_key_, "key"}, Named{&by_id_, "user_id"}, Named{&by_refresh_, "refresh_token"},
                            Named{&by_sub_, "subscription"}}) {
        for (const auto &entry : *ix.index) {
            const UserBlock *b = entry.second;
            if (!inside(entry.first, b)) return bad(std::string(ix.name) + " index: a view outside its block");
            if (find(by_id_, b->user_id()) != b) {
                return bad(std::string(ix.name) + " index: entry of a user that is not registered");
            }
        }
    }
    size_t subs = 0, refresh = 0, bytes = 0;
    for (const auto &entry : by_id_) {
        const UserBlock *b = entry.second;
        subs += b->sub_count;
        bytes += b->size;
        if (b->tag != 0) return bad("a registered block carries a tag");
        std::string ignored;
        if (check_fields(b->fields(), &ignored) != TC_OK) return bad("a registered user has an invalid field");
        if (entry.first != b->user_id()) return bad("user_id index: wrong text");
        if (find(by_key_, b->key()) != b) return bad("key index: user missing");
        if (b->has_refresh_token()) {
            ++refresh;
            if (find(by_refresh_, b->refresh_token()) != b) return bad("refresh_token index: user missing");
        }
        for (size_t k = 0; k < b->sub_count; ++k) {
            if (find(by_sub_, b->subscription(k)) != b) {
                return bad("subscription index: user " + std::string(b->user_id()) + " subscription " +
                           decimal(k) + " is missing or another user's");
            }
        }
    }
    if (subs != by_sub_.size()) return bad("subscription index size differs from the users' subscriptions");
    if (refresh != by_refresh_.size()) return bad("refresh_token index size differs from the users' tokens");
    if (bytes != block_bytes_) return bad("block byte count is wrong");
    return true;
}

}  // namespace tc::core
