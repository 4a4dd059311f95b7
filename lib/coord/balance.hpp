// Who should own which shard: rendezvous (highest-random-weight) hashing over
// the live workers of a group. Every worker computes the same answer from the
// same live set, with no coordination beyond agreeing on that set, and a
// worker joining or leaving moves only the shards it gains or had (about
// shards/workers of them): the minimum. Pure functions; the coordinator only
// carries out the plan.
#pragma once

#include <cstdint>
#include <set>
#include <string>
#include <string_view>
#include <vector>

namespace tc::coord {

// The weight of (worker, shard): a 64-bit hash of both, well mixed.
uint64_t rendezvous_weight(std::string_view worker, std::string_view shard);

// The worker among `workers` that a shard belongs to ("" when there is none).
// Ties (practically impossible) go to the smaller worker id.
std::string rendezvous_owner(std::string_view shard, const std::vector<std::string> &workers);

// What one worker does in a balancing round.
struct RoundPlan {
    std::vector<std::string> acquire;  // ours by the hash and not held: try to take (free ones only)
    std::vector<std::string> release;  // held but another live worker's by the hash: give up
};

// `live` is the group's live set (me is added when missing: a worker that
// just renewed its heartbeat is live); `held` the shards whose leases we hold.
RoundPlan plan_round(const std::string &me, std::vector<std::string> live, const std::vector<std::string> &shards,
                     const std::set<std::string> &held);

// Balance quality of an assignment: per-worker shard counts.
struct BalanceStats {
    size_t workers = 0;
    size_t shards = 0;
    size_t min = 0;
    size_t max = 0;
    double mean = 0;
    double stddev = 0;
};
BalanceStats balance_stats(const std::vector<std::string> &workers, const std::vector<std::string> &shards);

// How many shards change owner between two live sets.
size_t moved_shards(const std::vector<std::string> &before, const std::vector<std::string> &after,
                    const std::vector<std::string> &shards);

}  // namespace tc::coord
