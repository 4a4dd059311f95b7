#include "coord/balance.hpp"

#include <algorithm>
#include <cmath>
#include <map>

namespace tc::coord {

namespace {

uint64_t fnv1a(uint64_t h, std::string_view s) {
    for (unsigned char c : s) h = (h ^ c) * 1099511628211ull;
    return h;
}

// splitmix64's finalizer: FNV alone leaves the high bits of similar ids
// correlated, which skews argmax towards some workers.
uint64_t mix(uint64_t z) {
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
}

}  // namespace

uint64_t rendezvous_weight(std::string_view worker, std::string_view shard) {
    uint64_t h = fnv1a(14695981039346656037ull, worker);
    h = fnv1a(h ^ 0xff, shard);  // a separator, so ("ab","c") != ("a","bc")
    return mix(h);
}

std::string rendezvous_owner(std::string_view shard, const std::vector<std::string> &workers) {
    const std::string *best = nullptr;
    uint64_t best_w = 0;
    for (const auto &w : workers) {
        const uint64_t weight = rendezvous_weight(w, shard);
        if (best == nullptr || weight > best_w || (weight == best_w && w < *best)) {
            best = &w;
            best_w = weight;
        }
    }
    return best != nullptr ? *best : std::string();
}

RoundPlan plan_round(const std::string &me, std::vector<std::string> live, const std::vector<std::string> &shards,
                     const std::set<std::string> &held) {
    if (std::find(live.begin(), live.end(), me) == live.end()) live.push_back(me);
    RoundPlan plan;
    for (const auto &shard : shards) {
        const bool mine = rendezvous_owner(shard, live) == me;
        const bool holding = held.count(shard) != 0;
        if (mine && !holding) plan.acquire.push_back(shard);
        if (!mine && holding) plan.release.push_back(shard);
    }
    return plan;
}

BalanceStats balance_stats(const std::vector<std::string> &workers, const std::vector<std::string> &shards) {
    BalanceStats st;
    st.workers = workers.size();
    st.shards = shards.size();
    if (workers.empty()) return st;
    std::map<std::string, size_t> counts;
    for (const auto &w : workers) counts[w] = 0;
    for (const auto &s : shards) ++counts[rendezvous_owner(s, workers)];
    st.min = shards.size();
    double sum = 0, sq = 0;
    for (const auto &kv : counts) {
        st.min = std::min(st.min, kv.second);
        st.max = std::max(st.max, kv.second);
        sum += static_cast<double>(kv.second);
    }
    st.mean = sum / static_cast<double>(counts.size());
    for (const auto &kv : counts) sq += (static_cast<double>(kv.second) - st.mean) * (static_cast<double>(kv.second) - st.mean);
    st.stddev = std::sqrt(sq / static_cast<double>(counts.size()));
    return st;
}

size_t moved_shards(const std::vector<std::string> &before, const std::vector<std::string> &after,
                    const std::vector<std::string> &shards) {
    size_t moved = 0;
    for (const auto &s : shards) moved += rendezvous_owner(s, before) != rendezvous_owner(s, after) ? 1 : 0;
    return moved;
}

}  // namespace tc::coord
