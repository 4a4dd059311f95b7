// One worker of a group: a thread of its own that talks to Redis (so the I/O
// loop never waits for it), heartbeats, renews the leases it holds, gives up
// the shards the balance moves to another worker, takes the free ones the
// balance gives it, and answers fencing checks before shard updates.
//
// Every round (a third of the lease TTL) is two pipelined round trips:
// heartbeat + renewals, then releases + acquisitions. What changes is told
// through Events, on the coordinator's thread, in order; the user of this
// class posts them to its own thread.
//
// While Redis cannot be reached the worker keeps what it holds (its sockets
// keep running), takes nothing new, answers every fencing check "unknown",
// and reconnects with a jittered backoff; back in touch, each renewal says
// whether the lease is still ours (another worker may have taken it: it is
// then given up).
#pragma once

#include "coord/lease_store.hpp"
#include "coord/redis_client.hpp"
#include "util/clock.hpp"
#include "util/random.hpp"

#include <condition_variable>
#include <deque>
#include <functional>
#include <map>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

namespace tc::coord {

struct CoordinatorConfig {
    RedisAddress address;
    std::string group;
    std::string conduit_id;
    std::string worker_id;
    int64_t lease_ttl_ms = 15000;
    int shard_count = 0;  // shards "0".."shard_count-1"
    uint64_t seed = 0;    // reconnect jitter; 0 = random
};

// Whether a shard update may go out now.
enum class Fence { Ours, NotOurs, Unknown };

struct CoordinatorStatus {
    std::string redis = "connecting";  // connecting, connected, unreachable, stopped
    std::string error;                 // why unreachable (never a password)
    size_t live_workers = 0;
    std::map<std::string, uint64_t> held;  // shard -> fencing token
    uint64_t rounds = 0;
    uint64_t acquired = 0, released = 0, lost = 0, fence_rejects = 0;
};

class Coordinator {
public:
    struct Events {
        std::function<void(const std::string &shard, uint64_t token)> granted;
        // lost: another worker holds it now (close at once); else we gave it up to `why`.
        std::function<void(const std::string &shard, bool lost, const std::string &why)> revoked;
        std::function<void(const CoordinatorStatus &)> status_changed;  // redis state or error changed
        std::function<void()> first_round;
        std::function<void()> stopped;  // after stop(): leases released, group left
    };

    Coordinator(CoordinatorConfig config, Events events);
    ~Coordinator();  // stops (releasing what it holds) and joins
    Coordinator(const Coordinator &) = delete;
    Coordinator &operator=(const Coordinator &) = delete;

    void start();
    // The fencing check before a shard update; `done` runs on the
    // coordinator's thread. NotOurs also revokes the shard (Events::revoked).
    void check(const std::string &shard, std::function<void(Fence)> done);
    // Release every lease, leave the group, then Events::stopped. Once.
    void stop();
    CoordinatorStatus status() const;
    const CoordinatorConfig &config() const { return config_; }

private:
    struct Held {
        uint64_t token = 0;
    };
    struct Check {
        std::string shard;
        std::function<void(Fence)> done;
    };

    void run();
    void round();
    void serve_checks();
    void shut_down();
    void set_redis_state(const std::string &state, const std::string &error);
    int64_t round_interval_ms() const { return std::max<int64_t>(config_.lease_ttl_ms / 3, 50); }

    CoordinatorConfig config_;
    Events events_;
    LeaseKeys keys_;
    RedisClient client_;
    std::vector<std::string> shards_;
    util::Jitter jitter_;

    // Coordinator thread only.
    std::map<std::string, Held> held_;
    bool first_round_done_ = false;
    int heartbeats_ = 0;  // rounds in which Redis answered
    int quiet_rounds_ = 1;  // rounds that only heartbeat and renew (start-up, after an outage)
    int failures_ = 0;

    mutable std::mutex mu_;
    std::condition_variable cv_;
    bool stop_requested_ = false;
    bool started_ = false;
    std::deque<Check> checks_;
    CoordinatorStatus status_;
    std::thread thread_;
};

}  // namespace tc::coord
