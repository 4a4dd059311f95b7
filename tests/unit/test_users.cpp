// core/users: the users registry (key, user id, the optional record fields,
// subscription set) with its four O(1) indexes; every operation and failure
// path, growth and shrinking under load, replace and token rotation, the
// block being cleared when it is freed, and concurrent use from 8 threads
// (and readers during refreshes) with the invariants checked at the end.
#include "unit.hpp"

#include "core/users.hpp"

#include <algorithm>
#include <atomic>
#include <cstring>
#include <random>
#include <set>
#include <string>
#include <thread>
#include <vector>

using tc::core::TokenGrant;
using tc::core::UserBlock;
using tc::core::UserFields;
using tc::core::UserPtr;
using tc::core::Users;
using tc::core::UsersStats;

namespace {

const std::string kSecretKey = "oauth-KEY-9f8e7d6c5b4a";

void check_ok(const Users &users) {
    std::string why;
    if (!users.check_invariants(&why)) {
        print_error("invariant broken: %s\n", why.c_str());
        fail();
    }
}

std::vector<std::string> subs_of(const UserBlock &b) {
    std::vector<std::string> out;
    for (size_t i = 0; i < b.sub_count; ++i) out.emplace_back(b.subscription(i));
    return out;
}

std::vector<std::string> list(std::initializer_list<const char *> items) {
    return std::vector<std::string>(items.begin(), items.end());
}

void assert_subs(const UserBlock &b, const std::vector<std::string> &expected) {
    const std::vector<std::string> got = subs_of(b);
    TC_ASSERT_EQ(got.size(), expected.size());
    for (size_t i = 0; i < got.size(); ++i) TC_ASSERT_STR(got[i], expected[i]);
}

tc_status add(Users &u, const std::string &key, const std::string &id, std::vector<std::string> subs = {},
              std::string *why_out = nullptr) {
    std::vector<std::string_view> views(subs.begin(), subs.end());
    std::string why;
    tc_status st = u.add(key, id, views.data(), views.size(), &why);
    if (why_out != nullptr) *why_out = why;
    return st;
}

// The message is one line, names `word`, and never carries the key.
void assert_message(const std::string &why, const std::string &word) {
    TC_ASSERT_CONTAINS(why, word);
    TC_ASSERT_NOT_CONTAINS(why, kSecretKey);
    TC_ASSERT_NOT_CONTAINS(why, "\n");
}

}  // namespace

// ---------------------------------------------------------------------------
// The block layout

UserFields plain(std::string_view key, std::string_view user_id) {
    UserFields f;
    f.key = key;
    f.user_id = user_id;
    return f;
}

static void block_layout(void **) {
    std::string_view subs[] = {"sub-a", "sub-bb", "s"};
    UserPtr b(UserBlock::make(plain("key", "123"), subs, 3));
    assert_non_null(b.get());
    TC_ASSERT_STR(std::string(b->key()), "key");
    TC_ASSERT_STR(std::string(b->user_id()), "123");
    TC_ASSERT_EQ(b->sub_count, 3);
    assert_subs(*b, list({"sub-a", "sub-bb", "s"}));
    assert_string_equal(b->key_cstr(), "key");
    assert_string_equal(b->user_id_cstr(), "123");
    assert_string_equal(b->subscription_cstr(1), "sub-bb");
    // header + 5+3 offsets + "key\0123\0" + 3 absent strings "\0" + "sub-a\0sub-bb\0s\0"
    TC_ASSERT_EQ(b->size, sizeof(UserBlock) + 8 * sizeof(uint32_t) + 4 + 4 + 3 + 6 + 7 + 2);
    TC_ASSERT_EQ(b->has_refresh_token(), false);
    TC_ASSERT_EQ(b->has_login(), false);
    TC_ASSERT_EQ(b->has_code(), false);
    TC_ASSERT_EQ(b->scope_count, 0);

    UserPtr c(UserBlock::copy(b.get(), 77));
    TC_ASSERT_EQ(c->tag, 77);
    TC_ASSERT_EQ(c->size, b->size);
    assert_subs(*c, list({"sub-a", "sub-bb", "s"}));

    UserPtr none(UserBlock::make(plain("k", "1"), nullptr, 0));
    TC_ASSERT_STR(std::string(none->user_id()), "1");
    TC_ASSERT_EQ(none->sub_count, 0);
    UserBlock::destroy(nullptr);  // NULL-safe

    // Every field, and an empty-but-present login is not "absent".
    UserFields f = plain("acc", "42");
    f.refresh_token = "ref";
    f.login = "";
    f.code = "cd";
    f.expires_at = 1234567890123;
    f.scopes = {"a:b", "c"};
    UserPtr full(UserBlock::make(f, subs, 1));
    TC_ASSERT_STR(std::string(full->refresh_token()), "ref");
    TC_ASSERT_EQ(full->has_login(), true);
    TC_ASSERT_STR(std::string(full->str(UserBlock::kLogin)), "");
    TC_ASSERT_STR(std::string(full->str(UserBlock::kCode)), "cd");
    TC_ASSERT_EQ(full->expires_at, 1234567890123);
    TC_ASSERT_EQ(full->scope_count, 2);
    TC_ASSERT_STR(std::string(full->scope(1)), "c");
    assert_string_equal(full->scope_cstr(0), "a:b");
    assert_subs(*full, list({"sub-a"}));
    const UserFields back = full->fields();
    TC_ASSERT_STR(std::string(*back.refresh_token), "ref");
    TC_ASSERT_EQ(back.scopes.size(), 2);
    TC_ASSERT_EQ(back.expires_at, 1234567890123);
}

static void hash_is_seeded_and_spreads(void **) {
    const uint64_t a = tc::core::users_hash("12345", 1);
    TC_ASSERT_EQ(a == tc::core::users_hash("12345", 1), 1);
    TC_ASSERT_EQ(a == tc::core::users_hash("12345", 2), 0);
    TC_ASSERT_EQ(a == tc::core::users_hash("12346", 1), 0);
    TC_ASSERT_EQ(tc::core::users_hash("", 1) == tc::core::users_hash(std::string_view("\0", 1), 1), 0);
    // Consecutive ids land in different home slots of a small table.
    std::set<uint64_t> homes;
    for (int i = 0; i < 64; ++i) homes.insert(tc::core::users_hash(std::to_string(1000 + i), 7) >> 58);
    TC_ASSERT_BETWEEN(homes.size(), 30, 64);
}

// ---------------------------------------------------------------------------
// The original features: add_user, get_user(key), remove_user(user_id)

static void add_get_remove(void **) {
    Users u(42);
    std::string why;
    TC_ASSERT_EQ(u.count(), 0);
    TC_ASSERT_EQ(add(u, kSecretKey, "1001", {"sa", "sb"}), TC_OK);
    TC_ASSERT_EQ(add(u, "key-2", "1002"), TC_OK);
    TC_ASSERT_EQ(u.count(), 2);

    UserPtr got;
    TC_ASSERT_EQ(u.get_by_key(kSecretKey, &got, &why), TC_OK);
    TC_ASSERT_STR(std::string(got->user_id()), "1001");
    TC_ASSERT_STR(std::string(got->key()), kSecretKey);
    assert_subs(*got, list({"sa", "sb"}));
    TC_ASSERT_EQ(got->tag, 0);

    UserPtr by_id;
    TC_ASSERT_EQ(u.get_by_user_id("1002", &by_id, &why), TC_OK);
    TC_ASSERT_STR(std::string(by_id->key()), "key-2");
    TC_ASSERT_EQ(by_id->sub_count, 0);

    UserPtr by_sub;
    TC_ASSERT_EQ(u.get_by_subscription("sb", &by_sub, &why), TC_OK);
    TC_ASSERT_STR(std::string(by_sub->user_id()), "1001");

    // The snapshot is independent of later changes.
    UserPtr removed;
    TC_ASSERT_EQ(u.remove("1001", &removed, &why), TC_OK);
    TC_ASSERT_STR(std::string(removed->key()), kSecretKey);
    assert_subs(*removed, list({"sa", "sb"}));
    assert_subs(*got, list({"sa", "sb"}));
    TC_ASSERT_EQ(u.count(), 1);
    UserPtr none;
    TC_ASSERT_EQ(u.get_by_key(kSecretKey, &none, &why), TC_ENOTFOUND);
    TC_ASSERT_EQ(u.get_by_subscription("sa", &none, &why), TC_ENOTFOUND);
    assert_null(none.get());
    // The removed user's key, id and subscriptions are free again.
    TC_ASSERT_EQ(add(u, kSecretKey, "1001", {"sa"}), TC_OK);
    // Remove without taking the block.
    TC_ASSERT_EQ(u.remove("1002", nullptr, &why), TC_OK);
    TC_ASSERT_EQ(u.count(), 1);
    check_ok(u);
}

static void add_deduplicates_subscriptions(void **) {
    Users u(1);
    TC_ASSERT_EQ(add(u, "k", "1", {"a", "b", "a", "c", "b"}), TC_OK);
    UserPtr got;
    std::string why;
    TC_ASSERT_EQ(u.get_by_user_id("1", &got, &why), TC_OK);
    assert_subs(*got, list({"a", "b", "c"}));
    // The large-input path (a hash set) keeps first occurrences in order too.
    std::vector<std::string> many;
    for (int i = 0; i < 40; ++i) many.push_back("m" + std::to_string(i % 25));
    TC_ASSERT_EQ(add(u, "k2", "2", many), TC_OK);
    TC_ASSERT_EQ(u.get_by_user_id("2", &got, &why), TC_OK);
    TC_ASSERT_EQ(got->sub_count, 25);
    for (uint32_t i = 0; i < 25; ++i) TC_ASSERT_STR(std::string(got->subscription(i)), "m" + std::to_string(i));
    check_ok(u);
}

static void add_conflicts_change_nothing(void **) {
    Users u(3);
    std::string why;
    TC_ASSERT_EQ(add(u, kSecretKey, "10", {"s1", "s2"}), TC_OK);

    TC_ASSERT_EQ(add(u, "other", "10", {}, &why), TC_ECONFLICT);
    assert_message(why, "user_id 10");
    TC_ASSERT_EQ(add(u, kSecretKey, "11", {}, &why), TC_ECONFLICT);
    assert_message(why, "key");
    TC_ASSERT_CONTAINS(why, "user_id 10");
    TC_ASSERT_EQ(add(u, "k3", "12", {"x", "y", "s2"}, &why), TC_ECONFLICT);
    assert_message(why, "subscription_ids[2]");
    TC_ASSERT_CONTAINS(why, "user_id 10");
    // The index of the first occurrence is named, not the deduplicated one.
    TC_ASSERT_EQ(add(u, "k3", "12", {"x", "x", "s1"}, &why), TC_ECONFLICT);
    assert_message(why, "subscription_ids[2]");

    // Nothing of the refused users was added.
    TC_ASSERT_EQ(u.count(), 1);
    UserPtr got;
    TC_ASSERT_EQ(u.get_by_user_id("12", &got, &why), TC_ENOTFOUND);
    TC_ASSERT_EQ(u.get_by_subscription("x", &got, &why), TC_ENOTFOUND);
    TC_ASSERT_EQ(u.get_by_key("k3", &got, &why), TC_ENOTFOUND);
    check_ok(u);
}

static void invalid_arguments(void **) {
    Users u(4);
    std::string why;
    TC_ASSERT_EQ(add(u, "", "1", {}, &why), TC_EINVAL);
    assert_message(why, "invalid argument: key");
    TC_ASSERT_EQ(add(u, std::string(4097, 'k'), "1", {}, &why), TC_EINVAL);
    assert_message(why, "key");
    TC_ASSERT_EQ(add(u, std::string(4096, 'k'), "1", {}, &why), TC_OK);
    TC_ASSERT_EQ(add(u, std::string("a\0b", 3), "2", {}, &why), TC_EINVAL);
    assert_message(why, "key");

    for (const char *bad : {"", "12a", "-5", "+5", " 5", "5 ", "0x10", "１２"}) {
        TC_ASSERT_EQ(add(u, "k-bad", bad, {}, &why), TC_EINVAL);
        assert_message(why, "invalid argument: user_id");
    }
    TC_ASSERT_EQ(add(u, "k-long", std::string(33, '7'), {}, &why), TC_EINVAL);
    assert_message(why, "user_id");
    TC_ASSERT_EQ(add(u, "k-long", std::string(32, '7'), {}, &why), TC_OK);
    // A rejected user id is never echoed: it could be a key passed by mistake.
    TC_ASSERT_EQ(add(u, "k-x", kSecretKey, {}, &why), TC_EINVAL);
    assert_message(why, "user_id");

    TC_ASSERT_EQ(add(u, "k5", "5", {"ok", ""}, &why), TC_EINVAL);
    assert_message(why, "subscription_ids[1]");
    TC_ASSERT_EQ(add(u, "k5", "5", {std::string(256, 's')}, &why), TC_EINVAL);
    assert_message(why, "subscription_ids[0]");
    TC_ASSERT_EQ(add(u, "k5", "5", {std::string(255, 's')}, &why), TC_OK);

    UserPtr got;
    TC_ASSERT_EQ(u.get_by_key("", &got, &why), TC_EINVAL);
    assert_message(why, "key");
    TC_ASSERT_EQ(u.get_by_user_id("abc", &got, &why), TC_EINVAL);
    assert_message(why, "user_id");
    TC_ASSERT_EQ(u.get_by_subscription("", &got, &why), TC_EINVAL);
    assert_message(why, "subscription_id");
    TC_ASSERT_EQ(u.remove("", nullptr, &why), TC_EINVAL);
    assert_message(why, "user_id");
    TC_ASSERT_EQ(u.add_subscription("x", "s", &why), TC_EINVAL);
    assert_message(why, "user_id");
    TC_ASSERT_EQ(u.add_subscription("5", "", &why), TC_EINVAL);
    assert_message(why, "subscription_id");
    TC_ASSERT_EQ(u.remove_subscription("5", std::string(256, 'z'), &why), TC_EINVAL);
    assert_message(why, "subscription_id");
    TC_ASSERT_EQ(u.remove_subscription("", "s", &why), TC_EINVAL);
    assert_message(why, "user_id");
    TC_ASSERT_EQ(u.count(), 3);
    check_ok(u);
}

static void not_found(void **) {
    Users u(5);
    std::string why;
    UserPtr got;
    TC_ASSERT_EQ(u.get_by_key(kSecretKey, &got, &why), TC_ENOTFOUND);
    assert_message(why, "key");
    TC_ASSERT_EQ(u.get_by_user_id("99", &got, &why), TC_ENOTFOUND);
    assert_message(why, "user_id 99");
    TC_ASSERT_EQ(u.get_by_subscription("nope", &got, &why), TC_ENOTFOUND);
    assert_message(why, "subscription_id");
    // The original crashed here (AttributeError); now a distinct status.
    TC_ASSERT_EQ(u.remove("99", nullptr, &why), TC_ENOTFOUND);
    assert_message(why, "user_id 99");
    TC_ASSERT_EQ(u.add_subscription("99", "s", &why), TC_ENOTFOUND);
    assert_message(why, "user_id 99");
    TC_ASSERT_EQ(u.remove_subscription("99", "s", &why), TC_ENOTFOUND);
    assert_message(why, "user_id 99");
    assert_null(got.get());
}

static void subscription_set(void **) {
    Users u(6);
    std::string why;
    TC_ASSERT_EQ(add(u, "ka", "1", {"s1"}), TC_OK);
    TC_ASSERT_EQ(add(u, "kb", "2"), TC_OK);

    TC_ASSERT_EQ(u.add_subscription("1", "s2", &why), TC_OK);
    TC_ASSERT_EQ(u.add_subscription("1", "s3", &why), TC_OK);
    TC_ASSERT_EQ(u.add_subscription("1", "s2", &why), TC_OK);  // already there: no change
    UserPtr got;
    TC_ASSERT_EQ(u.get_by_user_id("1", &got, &why), TC_OK);
    assert_subs(*got, list({"s1", "s2", "s3"}));
    TC_ASSERT_STR(std::string(got->key()), "ka");

    TC_ASSERT_EQ(u.add_subscription("2", "s2", &why), TC_ECONFLICT);
    assert_message(why, "subscription_id");
    TC_ASSERT_CONTAINS(why, "user_id 1");

    // Remove from the middle: order of the rest is kept, lookups follow.
    TC_ASSERT_EQ(u.remove_subscription("1", "s2", &why), TC_OK);
    TC_ASSERT_EQ(u.get_by_user_id("1", &got, &why), TC_OK);
    assert_subs(*got, list({"s1", "s3"}));
    TC_ASSERT_EQ(u.get_by_subscription("s3", &got, &why), TC_OK);
    TC_ASSERT_STR(std::string(got->user_id()), "1");
    TC_ASSERT_EQ(u.get_by_subscription("s2", &got, &why), TC_ENOTFOUND);
    TC_ASSERT_EQ(u.get_by_key("ka", &got, &why), TC_OK);
    TC_ASSERT_EQ(got->sub_count, 2);

    // Removing one the user does not have, or that another user has.
    TC_ASSERT_EQ(u.remove_subscription("1", "s2", &why), TC_ENOTFOUND);
    assert_message(why, "subscription_id");
    TC_ASSERT_EQ(u.remove_subscription("2", "s1", &why), TC_ENOTFOUND);
    assert_message(why, "subscription_id");

    // A move: from user 1 to user 2.
    TC_ASSERT_EQ(u.remove_subscription("1", "s1", &why), TC_OK);
    TC_ASSERT_EQ(u.add_subscription("2", "s1", &why), TC_OK);
    TC_ASSERT_EQ(u.get_by_subscription("s1", &got, &why), TC_OK);
    TC_ASSERT_STR(std::string(got->user_id()), "2");
    TC_ASSERT_EQ(u.remove_subscription("1", "s3", &why), TC_OK);
    TC_ASSERT_EQ(u.get_by_user_id("1", &got, &why), TC_OK);
    TC_ASSERT_EQ(got->sub_count, 0);
    check_ok(u);
}

static void user_ids_in_numeric_order(void **) {
    Users u(7);
    for (const char *id : {"100", "9", "42", "0", "007", "7", "1000000000000000000000"}) {
        TC_ASSERT_EQ(add(u, std::string("key-") + id, id), TC_OK);
    }
    const std::vector<std::string> ids = u.user_ids();
    const std::vector<std::string> expected = {"0", "7", "007", "9", "42", "100", "1000000000000000000000"};
    TC_ASSERT_EQ(ids.size(), expected.size());
    for (size_t i = 0; i < ids.size(); ++i) TC_ASSERT_STR(ids[i], expected[i]);
    Users empty(8);
    TC_ASSERT_EQ(empty.user_ids().size(), 0);
}

// Many users, removals in random order: exercises growth and the
// backward-shift deletion of all three indexes.
static void grow_and_shrink(void **) {
    Users u(9);
    const int n = 20000;
    std::vector<int> order(n);
    for (int i = 0; i < n; ++i) {
        order[i] = i;
        const std::string id = std::to_string(5000000 + i);
        TC_ASSERT_EQ(add(u, "k" + id, id, {"a" + id, "b" + id}), TC_OK);
    }
    TC_ASSERT_EQ(u.count(), n);
    check_ok(u);
    const UsersStats s = u.stats();
    TC_ASSERT_EQ(s.users, n);
    TC_ASSERT_EQ(s.subscriptions, 2 * n);
    print_message("# %d users with 2 subscriptions: %.1f block bytes + %.1f index bytes per user\n", n,
                  static_cast<double>(s.block_bytes) / n, static_cast<double>(s.index_bytes) / n);

    std::mt19937 rng(12345);
    std::shuffle(order.begin(), order.end(), rng);
    std::string why;
    for (int k = 0; k < n; ++k) {
        const std::string id = std::to_string(5000000 + order[k]);
        if (k % 2 == 0) {
            TC_ASSERT_EQ(u.remove(id, nullptr, &why), TC_OK);
        } else {
            TC_ASSERT_EQ(u.remove_subscription(id, "a" + id, &why), TC_OK);
        }
        if (k % 4999 == 0) check_ok(u);
    }
    check_ok(u);
    TC_ASSERT_EQ(u.count(), n / 2);
    for (int k = 0; k < n; ++k) {
        const std::string id = std::to_string(5000000 + order[k]);
        UserPtr got;
        const tc_status st = u.get_by_subscription("b" + id, &got, &why);
        TC_ASSERT_EQ(st, k % 2 == 0 ? TC_ENOTFOUND : TC_OK);
        TC_ASSERT_EQ(u.get_by_subscription("a" + id, &got, &why), TC_ENOTFOUND);
    }
}

// ---------------------------------------------------------------------------
// Concurrency: 8 threads add, look up, remove and move subscriptions.
//
// Thread t owns the user ids t*1000 .. t*1000+kPerThread-1 (so it knows
// which of them exist) and adds/removes them; every thread looks up users of
// every thread, and moves subscriptions of a shared pool between its own
// users, taking them from whoever owns them. At the end the registry must
// satisfy every invariant and agree with the threads' own bookkeeping.

namespace {
constexpr int kThreads = 8;
constexpr int kPerThread = 64;
constexpr int kPool = 256;
constexpr int kOpsPerThread = 6000;

std::string conc_id(int t, int i) { return std::to_string(100000 + t * 1000 + i); }
std::string conc_key(int t, int i) { return "ck-" + conc_id(t, i); }
std::string pool_sub(int i) { return "pool-" + std::to_string(i); }
}  // namespace

static void concurrent_use(void **) {
    Users u(0);  // a random seed, as in production
    std::atomic<int> unexpected{0};
    std::atomic<long> lookups_ok{0};
    std::vector<std::vector<bool>> present(kThreads, std::vector<bool>(kPerThread, false));
    std::vector<std::thread> threads;

    for (int t = 0; t < kThreads; ++t) {
        threads.emplace_back([&, t] {
            std::mt19937 rng(1000 + t);
            std::vector<bool> &mine = present[t];
            std::string why;
            auto expect = [&](bool ok) {
                if (!ok) unexpected.fetch_add(1);
            };
            for (int op = 0; op < kOpsPerThread; ++op) {
                const int i = static_cast<int>(rng() % kPerThread);
                const std::string id = conc_id(t, i);
                switch (rng() % 8) {
                case 0: {  // add (with a private subscription)
                    const std::string own = "own-" + id;
                    std::string_view subs[] = {own};
                    const tc_status st = u.add(conc_key(t, i), id, subs, 1, &why);
                    expect(st == (mine[i] ? TC_ECONFLICT : TC_OK));
                    mine[i] = true;
                    break;
                }
                case 1: {  // remove
                    UserPtr gone;
                    const tc_status st = u.remove(id, &gone, &why);
                    expect(st == (mine[i] ? TC_OK : TC_ENOTFOUND));
                    if (st == TC_OK) expect(gone->key() == conc_key(t, i));
                    mine[i] = false;
                    break;
                }
                case 2:
                case 3: {  // move a pool subscription to one of my users
                    const std::string sub = pool_sub(static_cast<int>(rng() % kPool));
                    UserPtr owner;
                    const tc_status found = u.get_by_subscription(sub, &owner, &why);
                    expect(found == TC_OK || found == TC_ENOTFOUND);
                    if (found == TC_OK) {
                        const tc_status st = u.remove_subscription(owner->user_id(), sub, &why);
                        // Raced with its owner's removal or another move.
                        expect(st == TC_OK || st == TC_ENOTFOUND);
                    }
                    const tc_status st = u.add_subscription(id, sub, &why);
                    if (mine[i]) {
                        expect(st == TC_OK || st == TC_ECONFLICT);  // conflict: another thread took it first
                    } else {
                        expect(st == TC_ENOTFOUND);
                    }
                    break;
                }
                default: {  // lookups of anyone's users
                    const int ot = static_cast<int>(rng() % kThreads);
                    const int oi = static_cast<int>(rng() % kPerThread);
                    UserPtr a;
                    UserPtr b;
                    const tc_status sa = u.get_by_user_id(conc_id(ot, oi), &a, &why);
                    const tc_status sb = u.get_by_key(conc_key(ot, oi), &b, &why);
                    expect(sa == TC_OK || sa == TC_ENOTFOUND);
                    expect(sb == TC_OK || sb == TC_ENOTFOUND);
                    if (sa == TC_OK) {
                        expect(a->key() == conc_key(ot, oi));
                        // Every snapshot is whole: its own subscription is in it.
                        const std::vector<std::string> subs = subs_of(*a);
                        expect(std::find(subs.begin(), subs.end(), "own-" + conc_id(ot, oi)) != subs.end());
                        lookups_ok.fetch_add(1);
                    }
                    if (ot == t) expect((sa == TC_OK) == mine[oi]);
                    UserPtr c;
                    const tc_status sc = u.get_by_subscription("own-" + conc_id(ot, oi), &c, &why);
                    expect(sc == TC_OK || sc == TC_ENOTFOUND);
                    if (sc == TC_OK) expect(c->user_id() == conc_id(ot, oi));
                    (void)u.count();
                    break;
                }
                }
            }
        });
    }
    for (std::thread &th : threads) th.join();

    TC_ASSERT_EQ(unexpected.load(), 0);
    assert_true(lookups_ok.load() > 0);
    check_ok(u);
    size_t expected_users = 0;
    std::string why;
    for (int t = 0; t < kThreads; ++t) {
        for (int i = 0; i < kPerThread; ++i) {
            UserPtr got;
            const tc_status st = u.get_by_user_id(conc_id(t, i), &got, &why);
            TC_ASSERT_EQ(st, present[t][i] ? TC_OK : TC_ENOTFOUND);
            if (present[t][i]) {
                ++expected_users;
                UserPtr by_key;
                TC_ASSERT_EQ(u.get_by_key(conc_key(t, i), &by_key, &why), TC_OK);
                TC_ASSERT_STR(std::string(by_key->user_id()), conc_id(t, i));
            }
        }
    }
    TC_ASSERT_EQ(u.count(), expected_users);
    TC_ASSERT_EQ(u.user_ids().size(), expected_users);
    // Each pool subscription has at most one owner, and that owner lists it.
    for (int p = 0; p < kPool; ++p) {
        UserPtr owner;
        if (u.get_by_subscription(pool_sub(p), &owner, &why) != TC_OK) continue;
        const std::vector<std::string> subs = subs_of(*owner);
        TC_ASSERT_EQ(std::count(subs.begin(), subs.end(), pool_sub(p)), 1);
    }
}


// ---------------------------------------------------------------------------
// The full record: the refresh-token index through add, replace, remove and
// rotate_tokens.

namespace {
const std::string kRefresh = "refresh-SECRET-0a1b2c";

UserFields record(const std::string &key, const std::string &id, const std::string *refresh) {
    UserFields f = plain(key, id);
    if (refresh != nullptr) f.refresh_token = *refresh;
    f.login = "a-login";  // a literal: UserFields holds views
    f.expires_at = 100;
    f.scopes = {"chat:read"};
    return f;
}

// Finds the user by all three of its strings, or asserts that none finds it.
void assert_indexed(const Users &u, const std::string &key, const std::string &id, const std::string &refresh,
                    bool present) {
    UserPtr a, b, c;
    std::string why;
    TC_ASSERT_EQ(u.get_by_key(key, &a, &why), present ? TC_OK : TC_ENOTFOUND);
    TC_ASSERT_EQ(u.get_by_refresh_token(refresh, &c, &why), present ? TC_OK : TC_ENOTFOUND);
    if (present) {
        TC_ASSERT_EQ(u.get_by_user_id(id, &b, &why), TC_OK);
        TC_ASSERT_STR(std::string(a->user_id()), id);
        TC_ASSERT_STR(std::string(b->refresh_token()), refresh);
        TC_ASSERT_STR(std::string(c->key()), key);
    }
}
}  // namespace

static void record_indexes(void **) {
    Users u(11);
    std::string why;
    std::string_view subs[] = {"s-1", "s-2"};
    const std::string r1 = kRefresh + "1", r2 = kRefresh + "2", r3 = kRefresh + "3";
    TC_ASSERT_EQ(u.add(record("k1", "1", &r1), subs, 2, &why), TC_OK);
    TC_ASSERT_EQ(u.add(record("k2", "2", nullptr), nullptr, 0, &why), TC_OK);
    check_ok(u);
    TC_ASSERT_EQ(u.stats().refresh_tokens, 1);
    assert_indexed(u, "k1", "1", r1, true);

    // Conflicts: another user's refresh token or key; nothing changes.
    TC_ASSERT_EQ(u.add(record("k3", "3", &r1), nullptr, 0, &why), TC_ECONFLICT);
    assert_message(why, "refresh_token");
    TC_ASSERT_NOT_CONTAINS(why, r1);
    TC_ASSERT_EQ(u.replace(record("k2", "1", &r2), nullptr, &why), TC_ECONFLICT);
    assert_message(why, "key");
    TC_ASSERT_EQ(u.replace(record("k2b", "2", &r1), nullptr, &why), TC_ECONFLICT);
    assert_message(why, "refresh_token");
    TC_ASSERT_EQ(u.replace(record("k9", "9", &r3), nullptr, &why), TC_ENOTFOUND);
    check_ok(u);
    assert_indexed(u, "k1", "1", r1, true);

    // Replace: new key and refresh token; the old ones are gone; subs kept.
    UserPtr old;
    TC_ASSERT_EQ(u.replace(record("k1b", "1", &r2), &old, &why), TC_OK);
    TC_ASSERT_STR(std::string(old->key()), "k1");
    check_ok(u);
    assert_indexed(u, "k1", "1", r1, false);
    assert_indexed(u, "k1b", "1", r2, true);
    UserPtr by_sub;
    TC_ASSERT_EQ(u.get_by_subscription("s-2", &by_sub, &why), TC_OK);
    TC_ASSERT_STR(std::string(by_sub->key()), "k1b");
    assert_subs(*by_sub, list({"s-1", "s-2"}));

    // Gaining and losing a refresh token.
    TC_ASSERT_EQ(u.replace(record("k2", "2", &r3), nullptr, &why), TC_OK);
    TC_ASSERT_EQ(u.stats().refresh_tokens, 2);
    TC_ASSERT_EQ(u.replace(record("k2", "2", nullptr), nullptr, &why), TC_OK);
    TC_ASSERT_EQ(u.stats().refresh_tokens, 1);
    UserPtr none;
    TC_ASSERT_EQ(u.get_by_refresh_token(r3, &none, &why), TC_ENOTFOUND);
    check_ok(u);

    // Subscriptions move blocks too; the refresh index follows.
    TC_ASSERT_EQ(u.add_subscription("1", "s-3", &why), TC_OK);
    TC_ASSERT_EQ(u.remove_subscription("1", "s-1", &why), TC_OK);
    check_ok(u);
    assert_indexed(u, "k1b", "1", r2, true);

    // Remove takes every index entry with it.
    TC_ASSERT_EQ(u.remove("1", nullptr, &why), TC_OK);
    check_ok(u);
    assert_indexed(u, "k1b", "1", r2, false);
    TC_ASSERT_EQ(u.get_by_subscription("s-3", &none, &why), TC_ENOTFOUND);
    TC_ASSERT_EQ(u.stats().refresh_tokens, 0);
}

static void rotate_tokens(void **) {
    Users u(12);
    std::string why;
    const std::string r1 = kRefresh + "1", r2 = kRefresh + "2", r3 = kRefresh + "3";
    std::string_view subs[] = {"s"};
    TC_ASSERT_EQ(u.add(record("acc1", "7", &r1), subs, 1, &why), TC_OK);
    TC_ASSERT_EQ(u.add(record("other", "8", &r3), nullptr, 0, &why), TC_OK);

    TokenGrant g;
    g.access_token = "acc2";
    g.refresh_token = std::string_view(r2);
    g.expires_at = 5000;
    std::vector<std::string_view> scopes = {"x", "y"};
    g.scopes = scopes;
    // A refresh that presented a token the user no longer has changes nothing.
    TC_ASSERT_EQ(u.rotate_tokens("7", "stale", g, nullptr, &why), TC_ECONFLICT);
    TC_ASSERT_NOT_CONTAINS(why, "stale");
    TC_ASSERT_EQ(u.rotate_tokens("9", r1, g, nullptr, &why), TC_ENOTFOUND);
    UserPtr updated;
    TC_ASSERT_EQ(u.rotate_tokens("7", r1, g, &updated, &why), TC_OK);
    TC_ASSERT_STR(std::string(updated->key()), "acc2");
    TC_ASSERT_STR(std::string(updated->refresh_token()), r2);
    TC_ASSERT_EQ(updated->expires_at, 5000);
    TC_ASSERT_EQ(updated->scope_count, 2);
    TC_ASSERT_STR(std::string(updated->str(UserBlock::kLogin)), "a-login");  // kept
    assert_subs(*updated, list({"s"}));
    check_ok(u);
    assert_indexed(u, "acc1", "7", r1, false);
    assert_indexed(u, "acc2", "7", r2, true);
    // The old refresh token is used up: presenting it again conflicts.
    TC_ASSERT_EQ(u.rotate_tokens("7", r1, g, nullptr, &why), TC_ECONFLICT);

    // No new refresh token, expiry or scopes in the answer: those are kept.
    TokenGrant bare;
    bare.access_token = "acc3";
    TC_ASSERT_EQ(u.rotate_tokens("7", r2, bare, &updated, &why), TC_OK);
    TC_ASSERT_STR(std::string(updated->refresh_token()), r2);
    TC_ASSERT_EQ(updated->expires_at, 5000);
    TC_ASSERT_EQ(updated->scope_count, 2);
    // An access token that is another user's key conflicts; nothing changes.
    bare.access_token = "other";
    TC_ASSERT_EQ(u.rotate_tokens("7", r2, bare, nullptr, &why), TC_ECONFLICT);
    // An answer outside the limits is a protocol error.
    bare.access_token = "";
    TC_ASSERT_EQ(u.rotate_tokens("7", r2, bare, nullptr, &why), TC_EPROTOCOL);
    check_ok(u);
    assert_indexed(u, "acc3", "7", r2, true);
}

// destroy() clears a block before free(); freed memory cannot be read
// (ASan and valgrind rightly refuse), so what is observable is the clearing
// step itself, on a copy of a block placed in memory the test owns.
static void destroy_clears_the_secrets(void **) {
    const std::string key = "access-SECRET", id = "5";  // outlive the views in f
    UserFields f = record(key, id, &kRefresh);
    f.code = "code-SECRET";
    UserPtr b(UserBlock::make(f, nullptr, 0));
    const size_t size = b->size;
    std::vector<unsigned char> own(size);
    std::memcpy(own.data(), b.get(), size);
    auto *placed = reinterpret_cast<UserBlock *>(own.data());
    TC_ASSERT_STR(std::string(placed->key()), "access-SECRET");
    tc::core::wipe_block(placed);
    for (unsigned char ch : own) TC_ASSERT_EQ(ch, 0);
}

// Readers never see a half-made refresh: each refresh installs the pair
// (acc-N, ref-N) for N = 1, 2, ...; every snapshot a reader gets, by any
// index, must carry a matching pair, and a lookup by the pair's refresh
// token finds the same generation.
static void readers_during_refresh(void **) {
    Users u(0);
    std::string why;
    const std::string first_ref = "ref-0";
    TC_ASSERT_EQ(u.add(record("acc-0", "77", &first_ref), nullptr, 0, &why), TC_OK);
    TC_ASSERT_EQ(u.add(record("bystander", "78", nullptr), nullptr, 0, &why), TC_OK);
    constexpr int kRefreshes = 3000;
    std::atomic<bool> done{false};
    std::atomic<int> torn{0};
    std::atomic<long> reads{0};
    std::vector<std::thread> readers;
    for (int t = 0; t < 3; ++t) {
        readers.emplace_back([&, t] {
            std::string w;
            while (!done.load(std::memory_order_acquire)) {
                UserPtr s;
                if (u.get_by_user_id("77", &s, &w) != TC_OK) {
                    torn.fetch_add(1);
                    continue;
                }
                const std::string key(s->key()), ref(s->refresh_token());
                if (key.substr(4) != ref.substr(4)) torn.fetch_add(1);
                // By the refresh token just seen: the same user or, if a
                // refresh happened in between, not found; never another.
                UserPtr again;
                const tc_status st = u.get_by_refresh_token(ref, &again, &w);
                if (st == TC_OK && std::string(again->key()) != key) torn.fetch_add(1);
                if (st != TC_OK && st != TC_ENOTFOUND) torn.fetch_add(1);
                if (t == 0) {
                    UserPtr other;
                    if (u.get_by_key("bystander", &other, &w) != TC_OK) torn.fetch_add(1);
                }
                reads.fetch_add(1);
            }
        });
    }
    // The refreshes start once the readers are reading and go on until they
    // have read a while (bounded: a starved reader cannot hang the test).
    while (reads.load() < 3) std::this_thread::yield();
    int n = 0;
    while (n < kRefreshes || (reads.load() < 1000 && n < 20 * kRefreshes)) {
        ++n;
        const std::string acc = "acc-" + std::to_string(n), ref = "ref-" + std::to_string(n);
        const std::string used = "ref-" + std::to_string(n - 1);
        TokenGrant g;
        g.access_token = acc;
        g.refresh_token = std::string_view(ref);
        TC_ASSERT_EQ(u.rotate_tokens("77", used, g, nullptr, &why), TC_OK);
    }
    done.store(true, std::memory_order_release);
    for (std::thread &th : readers) th.join();
    TC_ASSERT_EQ(torn.load(), 0);
    assert_true(reads.load() > 0);
    check_ok(u);
    assert_indexed(u, "acc-" + std::to_string(n), "77", "ref-" + std::to_string(n), true);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(block_layout),
        cmocka_unit_test(hash_is_seeded_and_spreads),
        cmocka_unit_test(add_get_remove),
        cmocka_unit_test(add_deduplicates_subscriptions),
        cmocka_unit_test(add_conflicts_change_nothing),
        cmocka_unit_test(invalid_arguments),
        cmocka_unit_test(not_found),
        cmocka_unit_test(subscription_set),
        cmocka_unit_test(user_ids_in_numeric_order),
        cmocka_unit_test(grow_and_shrink),
        cmocka_unit_test(concurrent_use),
        cmocka_unit_test(record_indexes),
        cmocka_unit_test(rotate_tokens),
        cmocka_unit_test(destroy_clears_the_secrets),
        cmocka_unit_test(readers_during_refresh),
    };
    return cmocka_run_group_tests_name("users", tests, nullptr, nullptr);
}
