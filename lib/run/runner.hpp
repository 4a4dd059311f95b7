// The conduit runner: owns shards of one conduit and keeps them enabled,
// WebSocket shards with a socket each on the I/O loop, webhook shards through
// an embedded listener. Its state lives on the loop thread; the user sees it
// through snapshots (under a mutex) and callbacks delivered by the manager's
// completion queue. The decisions it takes come from run/policy.
#pragma once

#include "coord/coordinator.hpp"
#include "core/manager.hpp"
#include "events/dedupe.hpp"
#include "events/listener.hpp"
#include "events/verifier.hpp"
#include "net/websocket.hpp"
#include "util/random.hpp"

#include <twitchconduits/runner.h>

#include <array>
#include <atomic>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

namespace tc::run {

struct ShardSpec {
    std::string id;
    tc_transport_type transport = TC_TRANSPORT_WEBSOCKET;
    std::string secret;  // webhook; "" = random
};

// What the user sees of one shard.
struct ShardSnapshot {
    std::string id;
    tc_runner_shard_state state = TC_RUNNER_SHARD_STARTING;
    std::string status;
    tc_transport_type transport = TC_TRANSPORT_WEBSOCKET;
    std::string session_id;
    std::string callback;
    std::string error;
    uint64_t reconnects = 0;
    int64_t last_event_ms = 0;
    double assign_latency_ms = -1;
    uint64_t events = 0;
    uint64_t duplicates = 0;
};

// A group of workers sharing the conduit's shards through Redis leases.
struct GroupConfig {
    std::string name;  // "" = no group
    coord::RedisAddress address;
    std::string worker_id;
    int64_t lease_ttl_ms = 15000;
};

struct RunnerConfig {
    std::string conduit_id;  // "" = create
    int shard_count = 0;
    std::vector<ShardSpec> shards;  // empty = all / 0..shard_count-1
    tc_transport_type default_transport = TC_TRANSPORT_WEBSOCKET;
    std::string ws_url = "wss://eventsub.wss.twitch.tv/ws";
    int keepalive_s = 0;
    bool need_listener = false;
    events::ListenerConfig listener;
    std::string callback_base;  // "" = the listener's base URL
    int64_t list_interval_ms = 60000;  // <= 0: never
    size_t max_message_bytes = 1u << 20;
    int64_t keepalive_margin_ms = 3000;
    int64_t backoff_base_ms = 500;
    int64_t backoff_cap_ms = 30000;
    bool subscribe_disabled = true;
    bool shrink_on_stop = false;
    GroupConfig group;
    // event_cb NULL (the pull form): every event is queued as a pull-form
    // TC_COMPLETION_EVENT carrying event_userdata, and the embedded
    // listener hands webhook events to the runner on its own thread, so
    // nothing needs a thread that runs callbacks.
    bool pull_events = false;
    void *event_userdata = nullptr;
    // Called on the user's thread (queue deliveries).
    std::function<void(tc_status, const std::string &shard_id, events::Message &&msg)> on_ws_event;
    std::function<void(tc_status, const std::string &shard_id, const tc_event *msg)> on_webhook_event;
    std::function<void(const ShardSnapshot &)> on_shard;
    std::function<void(tc_status)> on_ready;
    std::function<void(tc_status)> on_done;
};

class Runner : public std::enable_shared_from_this<Runner> {
public:
    static constexpr int kStatCount = 17;

    // Validates what can be checked at once, creates the listener when
    // webhook shards are wanted, registers the operation and starts on the
    // loop thread.
    static std::shared_ptr<Runner> start(core::Manager &manager, RunnerConfig config, tc_status *status,
                                         std::string *error);
    ~Runner();

    // Any thread. `status` is what done_cb gets (TC_OK for stop, TC_ECANCELED for free).
    void stop(tc_status status);

    std::string conduit_id() const;
    std::string callback_base() const;
    std::vector<ShardSnapshot> snapshots() const;
    uint64_t stat(int which) const;
    // Group runners: the coordinator's view as JSON; "" without a group.
    std::string group_json() const;
    // Opaque pointer that stays valid as long as the runner (for C strings).
    const char *conduit_id_cstr() const;

    // The embedded listener's trampoline (user thread).
    void on_listener_event(tc_status status, const char *route_key, const tc_event *msg);
    struct Shared;  // what outlives the runner for queued listener deliveries

private:
    struct Shard;

    Runner(core::Manager &manager, RunnerConfig config);

    // Loop thread.
    void begin();
    void on_conduits(net::CallResult &&r);
    void with_conduit(int current_count);
    void launch_shards(int shard_count);
    void subscribe_disabled();
    void start_shard(Shard &s);
    void connect(Shard &s, const std::string &url, bool handover);
    void on_ws_message(Shard &s, uint64_t socket_serial, std::string &&text);
    void on_ws_end(Shard &s, uint64_t socket_serial, const net::WsEnd &end);
    void retire_old_socket(Shard &s);
    void drop_retiring(Shard &s, int code);
    void on_challenge_passed(const std::string &shard_id);
    void mark_enabled(Shard &s);
    void arm_watchdog(Shard &s, int64_t deadline_ms);
    void lose(Shard &s, const std::string &status, const std::string &why, bool backoff);
    void schedule_reconnect(Shard &s, bool backoff);
    void assign(Shard &s);
    void on_assigned(Shard &s, uint64_t attempt_serial, net::CallResult &&r);
    void deliver_event(Shard &s, events::Message &&m);
    void handle_shard_disabled(const std::string &shard_id, const std::string &status, const std::string &session);
    void list_shards(const std::string &after);
    void schedule_list();
    void publish(Shard &s);
    void check_ready();
    // Groups (loop thread): leases come and go through the coordinator.
    void start_coordinator();
    void on_granted(const std::string &shard_id, uint64_t token);
    void on_revoked(const std::string &shard_id, bool lost, const std::string &why);
    void drop_shard(Shard &s, const std::string &why);
    void on_fenced(Shard &s, uint64_t attempt_serial, coord::Fence fence);
    void send_assignment(Shard &s, uint64_t attempt_serial);
    void retry_assign(Shard &s, const std::string &why);
    void shrink_or_finish();
    void begin_stop(tc_status status);
    bool any_socket_open() const;
    void after_sockets_closed();
    void finish_stop();
    void teardown();
    Shard *find(const std::string &id);
    void count(int which, uint64_t n = 1) { stats_[static_cast<size_t>(which)].fetch_add(n); }
    uint64_t submit(net::Call call, std::function<void(net::CallResult &&)> then);
    // The pull form of an event (see RunnerConfig::pull_events).
    void queue_event(const std::string &shard_id, events::Message m);
    bool queue_delivery(std::function<void(tc_status)> deliver);

    core::Manager &manager_;
    RunnerConfig config_;
    // The runner keeps itself alive until it has stopped (teardown), so
    // freeing the handle never cuts a stop (or its shrink) short.
    std::shared_ptr<Runner> self_;
    std::shared_ptr<Shared> shared_;
    tc_op_id op_ = 0;
    struct Link {
        std::mutex mu;
        bool manager_alive = true;
        uint64_t close_hook = 0;
    };
    std::shared_ptr<Link> link_ = std::make_shared<Link>();

    // Loop thread only.
    std::vector<std::unique_ptr<Shard>> shards_;
    std::unique_ptr<events::Listener> listener_;
    events::DedupeStore dedupe_{100000, 20 * 60 * 1000};
    int original_count_ = -1;  // before we grew it
    bool created_conduit_ = false;
    bool stopping_ = false;
    bool torn_down_ = false;
    bool ready_sent_ = false;
    tc_status stop_status_ = TC_OK;
    uint64_t list_timer_ = 0;
    uint64_t stop_timer_ = 0;
    bool stop_sockets_done_ = false;
    std::vector<uint64_t> jobs_;
    util::Jitter jitter_;  // seeded from the manager's random_seed (reproducible tests)
    // Group mode: the coordinator's thread posts its events to the loop.
    std::unique_ptr<coord::Coordinator> coordinator_;
    bool group_round_done_ = false;

    mutable std::mutex mu_;  // guards what the user thread reads
    std::string conduit_id_;
    std::string callback_base_;
    std::vector<ShardSnapshot> snapshots_;
    std::array<std::atomic<uint64_t>, kStatCount> stats_{};
};

}  // namespace tc::run
