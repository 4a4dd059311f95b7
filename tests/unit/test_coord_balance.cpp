// coord/balance: rendezvous hashing over a group's live workers, the round
// plan, and a simulation at 100 workers x 20,000 shards (moves per join and
// leave, balance quality), printed as TAP comments.
#include "unit.hpp"

#include "coord/balance.hpp"

#include <algorithm>
#include <cstdio>

using namespace tc::coord;

namespace {

std::vector<std::string> ids(const char *prefix, int n) {
    std::vector<std::string> out;
    for (int k = 0; k < n; ++k) out.push_back(prefix + std::to_string(k));
    return out;
}

void owner_is_deterministic_and_order_free(void **) {
    std::vector<std::string> w = {"a:1", "b:2", "c:3"};
    std::vector<std::string> r = {"c:3", "a:1", "b:2"};
    for (const auto &s : ids("", 200)) {
        const std::string o = rendezvous_owner(s, w);
        assert_true(std::find(w.begin(), w.end(), o) != w.end());
        TC_ASSERT_STR(rendezvous_owner(s, r), o);
    }
    TC_ASSERT_STR(rendezvous_owner("0", {}), "");
    TC_ASSERT_STR(rendezvous_owner("0", {"only"}), "only");
    // The separator: ("ab","c") and ("a","bc") weigh differently.
    assert_true(rendezvous_weight("ab", "c") != rendezvous_weight("a", "bc"));
}

void plan_takes_ours_and_gives_up_others(void **) {
    const std::vector<std::string> shards = ids("", 300);
    const std::vector<std::string> live = {"w1", "w2", "w3"};
    // Nothing held: acquire exactly ours, release nothing.
    RoundPlan p = plan_round("w1", live, shards, {});
    assert_true(p.release.empty());
    for (const auto &s : p.acquire) TC_ASSERT_STR(rendezvous_owner(s, live), "w1");
    TC_ASSERT_BETWEEN(p.acquire.size(), 60, 140);  // about a third
    // Holding everything: release the others', acquire nothing.
    std::set<std::string> all(shards.begin(), shards.end());
    p = plan_round("w1", live, shards, all);
    assert_true(p.acquire.empty());
    TC_ASSERT_EQ(p.release.size(), 300 - plan_round("w1", live, shards, {}).acquire.size());
    // A worker missing from the live set (its heartbeat not seen yet) counts itself in.
    p = plan_round("w4", live, shards, {});
    std::vector<std::string> with4 = live;
    with4.push_back("w4");
    for (const auto &s : p.acquire) TC_ASSERT_STR(rendezvous_owner(s, with4), "w4");
    assert_false(p.acquire.empty());
    // Alone: every shard.
    TC_ASSERT_EQ(plan_round("solo", {}, shards, {}).acquire.size(), 300);
}

void every_shard_has_exactly_one_target(void **) {
    const std::vector<std::string> shards = ids("", 1000);
    const std::vector<std::string> live = ids("host:", 7);
    std::vector<int> seen(shards.size(), 0);
    for (const auto &w : live) {
        for (const auto &s : plan_round(w, live, shards, {}).acquire) ++seen[static_cast<size_t>(std::stoi(s))];
    }
    for (int n : seen) TC_ASSERT_EQ(n, 1);
}

// The simulation: 100 workers, 20,000 shards.
void simulation_100_workers_20000_shards(void **) {
    const std::vector<std::string> shards = ids("", 20000);
    std::vector<std::string> workers = ids("worker-", 100);
    const BalanceStats st = balance_stats(workers, shards);
    printf("# balance 100 workers x 20000 shards: min %zu max %zu mean %.1f stddev %.2f (max/mean %.3f)\n", st.min,
           st.max, st.mean, st.stddev, st.max / st.mean);
    TC_ASSERT_EQ(st.mean, 200);
    // Binomial spread (sd ~14): far from 0 or 2x.
    TC_ASSERT_BETWEEN(st.min, 120, 200);
    TC_ASSERT_BETWEEN(st.max, 200, 280);

    size_t join_total = 0, leave_total = 0, join_max = 0, leave_max = 0;
    const int rounds = 4;  // each round hashes 20,000 shards x ~100 workers several times
    for (int k = 0; k < rounds; ++k) {
        std::vector<std::string> joined = workers;
        joined.push_back("joiner-" + std::to_string(k));
        const size_t moved_join = moved_shards(workers, joined, shards);
        std::vector<std::string> left = workers;
        left.erase(left.begin() + k * 7);
        const size_t moved_leave = moved_shards(workers, left, shards);
        // A leave moves exactly the leaver's shards; a join exactly the joiner's.
        size_t leaver_had = 0, joiner_gets = 0;
        for (const auto &s : shards) {
            leaver_had += rendezvous_owner(s, workers) == workers[static_cast<size_t>(k * 7)] ? 1 : 0;
            joiner_gets += rendezvous_owner(s, joined) == joined.back() ? 1 : 0;
        }
        TC_ASSERT_EQ(moved_leave, leaver_had);
        TC_ASSERT_EQ(moved_join, joiner_gets);
        join_total += moved_join;
        leave_total += moved_leave;
        join_max = std::max(join_max, moved_join);
        leave_max = std::max(leave_max, moved_leave);
    }
    printf("# moves per join: mean %.1f max %zu (ideal 20000/101 = 198.0); per leave: mean %.1f max %zu (ideal 200)\n",
           static_cast<double>(join_total) / rounds, join_max, static_cast<double>(leave_total) / rounds, leave_max);
    TC_ASSERT_BETWEEN(join_max, 100, 300);
    TC_ASSERT_BETWEEN(leave_max, 100, 300);
}

}  // namespace

int main() {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(owner_is_deterministic_and_order_free),
        cmocka_unit_test(plan_takes_ours_and_gives_up_others),
        cmocka_unit_test(every_shard_has_exactly_one_target),
        cmocka_unit_test(simulation_100_workers_20000_shards),
    };
    return cmocka_run_group_tests(tests, nullptr, nullptr);
}
