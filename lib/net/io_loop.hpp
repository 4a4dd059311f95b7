// The I/O thread: one libcurl multi handle, a task queue other threads post
// to, and timers. Everything that touches curl runs on this thread, so the
// rest of the engine needs no locks. No user callback ever runs here.
#pragma once

#include "net/http.hpp"
#include "util/clock.hpp"

#include <curl/curl.h>

#include <atomic>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <unordered_map>
#include <vector>

namespace tc::net {

struct TransportConfig {
    std::string ca_file;          // empty = system store
    long connect_timeout_ms = 10000;
    size_t max_response_bytes = 16u << 20;
    long max_connections = 32;
    std::string user_agent;
};

class IoLoop {
public:
    using Task = std::function<void()>;
    using TransferDone = std::function<void(HttpResult &&)>;
    using TimerId = uint64_t;

    explicit IoLoop(TransportConfig config);
    ~IoLoop();
    IoLoop(const IoLoop &) = delete;
    IoLoop &operator=(const IoLoop &) = delete;

    bool start(std::string *error);
    // Runs the shutdown hook and cancels every transfer on the loop thread,
    // then joins it. Idempotent; must not be called from the loop thread.
    void stop();

    // Any thread. Tasks posted after stop() are dropped.
    void post(Task task);
    void wakeup();

    // While one of these lives on a thread, posts from that thread to this
    // loop do not wake it; the guard wakes it once at the end. Callbacks that
    // each submit new work then cost one wakeup per batch, not per request.
    class DeferWakeups {
    public:
        explicit DeferWakeups(IoLoop &loop);
        ~DeferWakeups();
        DeferWakeups(const DeferWakeups &) = delete;
        DeferWakeups &operator=(const DeferWakeups &) = delete;

    private:
        IoLoop &loop_;
        IoLoop *outer_;
    };
    bool on_loop_thread() const;

    // Loop thread only. `done` runs on the loop thread exactly once.
    uint64_t start_transfer(HttpRequest request, TransferDone done);
    void cancel_transfer(uint64_t id);
    TimerId add_timer(int64_t delay_ms, Task task);
    void cancel_timer(TimerId id);
    size_t active_transfers() const { return transfers_.size(); }
    // Loop thread only. Drives an easy handle the caller configured and owns
    // (a WebSocket): `done` runs once when libcurl finishes it, with
    // canceled = true when the loop stops first. detach() removes it
    // without calling `done`.
    using EasyDone = std::function<void(CURLcode code, bool canceled)>;
    bool attach(CURL *easy, EasyDone done);
    void detach(CURL *easy);
    bool stopping() const { return stopping_.load(); }
    const TransportConfig &config() const { return config_; }
    // Called on the loop thread when stop() begins, before transfers are cancelled.
    void set_shutdown_hook(Task hook) { shutdown_hook_ = std::move(hook); }
    // Called on the loop thread around each turn's work (tasks, timers,
    // finished transfers), e.g. to hand results over in one batch.
    void set_turn_hooks(Task before, Task after) {
        turn_begin_ = std::move(before);
        turn_end_ = std::move(after);
    }

private:
    struct Transfer;

    void run();
    void run_tasks();
    void run_due_timers();
    void drain_finished();
    int poll_timeout_ms() const;
    void finish(Transfer *t, HttpResult &&result);
    CURL *new_easy() const;
    CURL *take_easy();
    void give_back_easy(CURL *easy);
    bool configure(Transfer &t);

    static size_t on_body(char *data, size_t size, size_t n, void *userp);
    static size_t on_header(char *data, size_t size, size_t n, void *userp);

    TransportConfig config_;
    CURLM *multi_ = nullptr;
    std::thread thread_;
    std::thread::id thread_id_;
    std::atomic<bool> stopping_{false};
    std::atomic<bool> wakeup_deferred_{false};
    bool running_ = false;

    mutable std::mutex tasks_mu_;
    std::vector<Task> tasks_;
    bool accepting_ = true;  // guarded by tasks_mu_

    using TransferMap = std::unordered_map<uint64_t, std::unique_ptr<Transfer>>;
    TransferMap transfers_;
    std::unordered_map<CURL *, EasyDone> attached_;
    uint64_t next_transfer_id_ = 1;
    std::vector<CURL *> idle_easies_;

    using TimerMap = std::multimap<util::TimePoint, std::pair<TimerId, Task>>;
    using TimerIndex = std::unordered_map<TimerId, TimerMap::iterator>;
    TimerMap timers_;
    TimerIndex timer_index_;
    TimerId next_timer_id_ = 1;
    // Nodes of finished transfers and timers (with their Transfer object),
    // reused by the next ones: each request starts a transfer and a deadline
    // timer, and allocating their nodes anew cost five allocator calls.
    std::vector<TransferMap::node_type> spare_transfers_;
    std::vector<TimerMap::node_type> spare_timers_;
    std::vector<TimerIndex::node_type> spare_timer_index_;
    Task shutdown_hook_;
    Task turn_begin_;
    Task turn_end_;
};

}  // namespace tc::net
