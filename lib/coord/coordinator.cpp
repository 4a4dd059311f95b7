#include "coord/coordinator.hpp"

#include "coord/balance.hpp"

#include <algorithm>

namespace tc::coord {

Coordinator::Coordinator(CoordinatorConfig config, Events events)
    : config_(std::move(config)), events_(std::move(events)), keys_(config_.group, config_.conduit_id),
      // A Redis call waits at most a third of a round (250 ms at least, for
      // loaded machines): a round's two round trips stay well inside the lease.
      client_(config_.address, std::max<int64_t>(config_.lease_ttl_ms / 9, 250)), jitter_(config_.seed) {
    for (int k = 0; k < config_.shard_count; ++k) shards_.push_back(std::to_string(k));
}

Coordinator::~Coordinator() {
    stop();
    if (thread_.joinable()) thread_.join();
}

void Coordinator::start() {
    std::lock_guard<std::mutex> lock(mu_);
    if (started_) return;
    started_ = true;
    thread_ = std::thread([this] { run(); });
}

void Coordinator::check(const std::string &shard, std::function<void(Fence)> done) {
    {
        std::lock_guard<std::mutex> lock(mu_);
        if (!stop_requested_) {
            checks_.push_back(Check{shard, std::move(done)});
            cv_.notify_all();
            return;
        }
    }
    done(Fence::Unknown);  // stopping: no more updates
}

void Coordinator::stop() {
    std::lock_guard<std::mutex> lock(mu_);
    stop_requested_ = true;
    cv_.notify_all();
}

CoordinatorStatus Coordinator::status() const {
    std::lock_guard<std::mutex> lock(mu_);
    return status_;
}

void Coordinator::set_redis_state(const std::string &state, const std::string &error) {
    CoordinatorStatus copy;
    {
        std::lock_guard<std::mutex> lock(mu_);
        if (status_.redis == state && status_.error == error) return;
        status_.redis = state;
        status_.error = error;
        copy = status_;
    }
    if (events_.status_changed) events_.status_changed(copy);
}

void Coordinator::run() {
    util::TimePoint next_round = util::now();
    for (;;) {
        {
            std::unique_lock<std::mutex> lock(mu_);
            cv_.wait_until(lock, next_round, [&] { return stop_requested_ || !checks_.empty(); });
            if (stop_requested_) break;
        }
        serve_checks();
        if (util::now() < next_round) continue;
        round();
        // The start-up's quiet round is short: nobody holds anything yet.
        int64_t wait = heartbeats_ == 1 && failures_ == 0 && !first_round_done_
                           ? std::min<int64_t>(round_interval_ms(), 500)
                           : round_interval_ms();
        if (!client_.connected()) {
            // Reconnect with full jitter, growing from 100 ms to one round.
            int64_t cap = 100;
            for (int k = 1; k < failures_ && cap < wait; ++k) cap *= 2;
            wait = std::min(wait, 50 + jitter_.uniform_ms(std::min(cap, wait)));
        }
        next_round = util::now() + std::chrono::milliseconds(wait);
    }
    shut_down();
}

void Coordinator::serve_checks() {
    for (;;) {
        Check c;
        {
            std::lock_guard<std::mutex> lock(mu_);
            if (checks_.empty()) return;
            c = std::move(checks_.front());
            checks_.pop_front();
        }
        auto it = held_.find(c.shard);
        if (it == held_.end()) {
            c.done(Fence::NotOurs);
            continue;
        }
        RedisReply reply;
        std::string why;
        if (!client_.connected() || !client_.command(check_command(keys_, c.shard, config_.worker_id, it->second.token,
                                                                   config_.lease_ttl_ms / 4),
                                                     &reply, &why)) {
            if (!why.empty()) set_redis_state("unreachable", why);
            c.done(Fence::Unknown);
            continue;
        }
        const long long v = integer_reply(reply);
        if (v == 1) {
            c.done(Fence::Ours);
            continue;
        }
        if (v != 0) {
            c.done(Fence::Unknown);  // ours but nearly expired, or an error reply: after a renewal
            continue;
        }
        {
            std::lock_guard<std::mutex> lock(mu_);
            ++status_.fence_rejects;
            ++status_.lost;
            status_.held.erase(c.shard);
        }
        held_.erase(it);
        c.done(Fence::NotOurs);
        if (events_.revoked) events_.revoked(c.shard, true, "the lease is no longer ours (fencing check)");
    }
}

void Coordinator::round() {
    std::string why;
    std::vector<Command> first;
    first.push_back(heartbeat_command(keys_, config_.worker_id, config_.lease_ttl_ms, config_.shard_count));
    std::vector<std::string> renewing;
    for (const auto &kv : held_) {
        renewing.push_back(kv.first);
        first.push_back(renew_command(keys_, kv.first, config_.worker_id, kv.second.token, config_.lease_ttl_ms));
    }
    std::vector<RedisReply> replies;
    std::vector<std::string> live;
    if (!client_.pipeline(first, &replies, &why) || !workers_reply(replies[0], &live)) {
        if (why.empty()) why = "redis: unexpected heartbeat reply: " + replies[0].str;
        ++failures_;
        quiet_rounds_ = 2;
        set_redis_state("unreachable", why);
        return;
    }
    failures_ = 0;
    set_redis_state("connected", "");
    std::vector<std::pair<std::string, std::string>> lost;  // shard, why
    for (size_t k = 0; k < renewing.size(); ++k) {
        const long long token = integer_reply(replies[k + 1]);
        Held &h = held_[renewing[k]];
        if (token > 0) {
            h.token = static_cast<uint64_t>(token);
        } else if (token == 0) {
            lost.emplace_back(renewing[k], "another worker holds the lease now");
            held_.erase(renewing[k]);
        }
    }
    if (quiet_rounds_ > 0) {
        // Announce ourselves (and renew) without taking shards: at start-up,
        // workers started together see each other first; after Redis came
        // back (maybe empty), every holder re-takes its leases before anyone
        // acquires, so nothing changes hands.
        --quiet_rounds_;
        ++heartbeats_;
        return;
    }
    ++heartbeats_;
    std::set<std::string> held_ids;
    for (const auto &kv : held_) held_ids.insert(kv.first);
    const RoundPlan plan = plan_round(config_.worker_id, live, shards_, held_ids);

    std::vector<Command> second;
    std::vector<std::pair<std::string, std::string>> given_up;
    for (const auto &shard : plan.release) {
        second.push_back(release_command(keys_, shard, config_.worker_id, held_[shard].token));
        given_up.emplace_back(shard, "rebalanced to " + rendezvous_owner(shard, live));
        held_.erase(shard);
    }
    for (const auto &shard : plan.acquire) second.push_back(acquire_command(keys_, shard, config_.worker_id, config_.lease_ttl_ms));
    // Tell the runner about releases before Redis frees the leases: the
    // socket closes while the next owner is still acquiring.
    for (const auto &g : given_up) {
        if (events_.revoked) events_.revoked(g.first, false, g.second);
    }
    for (const auto &l : lost) {
        if (events_.revoked) events_.revoked(l.first, true, l.second);
    }
    std::vector<std::pair<std::string, uint64_t>> granted;
    if (!second.empty()) {
        if (!client_.pipeline(second, &replies, &why)) {
            ++failures_;
            quiet_rounds_ = 2;
            set_redis_state("unreachable", why);
            // Releases that did not arrive expire with their TTL; acquisitions
            // that did arrive are renewed-or-reclaimed by nobody: they expire too.
        } else {
            for (size_t k = 0; k < plan.acquire.size(); ++k) {
                const long long token = integer_reply(replies[plan.release.size() + k]);
                if (token <= 0) continue;  // held by another worker still (it gives it up on its round)
                held_[plan.acquire[k]] = Held{static_cast<uint64_t>(token)};
                granted.emplace_back(plan.acquire[k], static_cast<uint64_t>(token));
            }
        }
    }
    {
        std::lock_guard<std::mutex> lock(mu_);
        ++status_.rounds;
        status_.live_workers = live.size();
        status_.acquired += granted.size();
        status_.released += given_up.size();
        status_.lost += lost.size();
        status_.held.clear();
        for (const auto &kv : held_) status_.held[kv.first] = kv.second.token;
    }
    for (const auto &g : granted) {
        if (events_.granted) events_.granted(g.first, g.second);
    }
    if (!first_round_done_) {
        first_round_done_ = true;
        if (events_.first_round) events_.first_round();
    }
}

void Coordinator::shut_down() {
    std::deque<Check> pending;
    {
        std::lock_guard<std::mutex> lock(mu_);
        pending.swap(checks_);
    }
    for (auto &c : pending) {
        if (c.done) c.done(Fence::Unknown);
    }
    std::vector<Command> bye;
    for (const auto &kv : held_) bye.push_back(release_command(keys_, kv.first, config_.worker_id, kv.second.token));
    bye.push_back(leave_command(keys_, config_.worker_id));
    std::vector<RedisReply> replies;
    std::string why;
    const size_t released = held_.size();
    // One attempt: unreachable, the leases expire with their TTL instead.
    const bool ok = client_.pipeline(bye, &replies, &why);
    held_.clear();
    client_.disconnect();
    {
        std::lock_guard<std::mutex> lock(mu_);
        if (ok) status_.released += released;
        status_.held.clear();
        status_.redis = "stopped";
        status_.error = ok ? "" : why;
    }
    if (events_.stopped) events_.stopped();
}

}  // namespace tc::coord
