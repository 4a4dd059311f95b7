// The manager behind tc_conduits: owns the logger, counters, the request
// engine with its I/O thread, the token provider, the completion queue and
// the optional dispatch thread, and starts operations on them.
#pragma once

#include "core/serializer.hpp"
#include "core/view.hpp"
#include "runtime/completion_queue.hpp"
#include "net/engine.hpp"
#include "net/token_provider.hpp"
#include "net/token_validator.hpp"
#include "util/log.hpp"
#include "util/metrics_registry.hpp"
#include "util/random.hpp"
#include "util/stats.hpp"

#include <twitchconduits/completion.h>

#include <atomic>
#include <mutex>
#include <functional>
#include <memory>
#include <string>
#include <thread>
#include <vector>

namespace tc::core {

struct ManagerConfig {
    std::string client_id;
    std::string client_secret;
    std::string app_token;
    std::string callback_url;
    int64_t token_refresh_margin_s = 3600;
    int64_t token_validate_interval_s = 3600;  // -1 = never
    int64_t max_list_pages = 10000;            // pages one listing may follow
    bool dispatch_thread = false;
    bool allow_http_callbacks = false;
    uint64_t random_seed = 0;
    tc_log_cb log_cb = nullptr;
    void *log_userdata = nullptr;
    tc_log_level log_level = TC_LOG_ERROR;
    net::EngineConfig engine;
};

// What a pull-form TC_COMPLETION_VIEW_CHANGE carries.
struct ViewChangeReport {
    tc_view_change change;
    std::string id;
};

// Loop-thread state of one operation, shared with its cancel hook.
struct OpState {
    tc_op_id id = 0;
    // Engine jobs in flight: one for most operations, up to the batch
    // window for batches. The first lives inline, so a single request
    // allocates nothing here.
    uint64_t first_job = 0;
    std::vector<uint64_t> more_jobs;
    bool canceled = false;  // composite operations check this between steps

    void add_job(uint64_t job) {
        if (first_job == 0) {
            first_job = job;
        } else {
            more_jobs.push_back(job);
        }
    }
    void forget_job(uint64_t job) {
        if (first_job == job) {
            first_job = 0;
            return;
        }
        for (size_t i = 0; i < more_jobs.size(); ++i) {
            if (more_jobs[i] == job) {
                more_jobs[i] = more_jobs.back();
                more_jobs.pop_back();
                return;
            }
        }
    }
    // A copy: cancelling a job runs its callback, which forgets it.
    std::vector<uint64_t> jobs() const {
        std::vector<uint64_t> all(more_jobs);
        if (first_job != 0) all.push_back(first_job);
        return all;
    }
};

class Manager {
public:
    static std::unique_ptr<Manager> create(ManagerConfig config, tc_status *status, std::string *error);
    ~Manager();
    Manager(const Manager &) = delete;
    Manager &operator=(const Manager &) = delete;

    // Starts an operation: registers it, then runs `start` on the loop thread.
    // `start` must eventually call finish(). `canceled` is its TC_ECANCELED
    // completion (callback or pull form). TC_ECLOSED once shutdown has begun.
    tc_status start_op(tc_op_id *id_out, std::function<void(const std::shared_ptr<OpState> &)> start,
                       runtime::Completion canceled);
    // Loop thread: one HTTP step of an operation. `then` runs exactly once on
    // the loop thread with the result (TC_ECANCELED if the operation was
    // cancelled; then nothing is sent and `then` runs at once).
    void step(const std::shared_ptr<OpState> &op, net::Call call, std::function<void(net::CallResult &&)> then);
    // Loop thread: an engine call whose result `make` turns into the completion.
    void run_call(const std::shared_ptr<OpState> &op, net::Call call,
                  std::function<runtime::Completion(net::CallResult &&)> make);
    // Any thread: finishes an operation (later calls for the same id are ignored).
    void finish(const std::shared_ptr<OpState> &op, runtime::Completion completion);
    // Any thread: a delivery that does not finish the operation (progress, pages).
    void notify(const std::shared_ptr<OpState> &op, std::function<void()> deliver);
    void notify(const std::shared_ptr<OpState> &op, runtime::Completion report);

    // The synced view (tc_conduits_sync), fed by every successful step().
    View &view() { return view_; }
    // THE hook for received EventSub messages (webhook listener, WebSocket
    // sessions): call it with each verified message before handing it to the
    // user; any thread. Keeps the view current (revocations,
    // conduit.shard.disabled).
    void observe_event(const events::Message &message) { view_.observe_event(message); }
    // The view's change callback (tc_view_set_change_cb), run on the user's
    // thread through the completion queue; nullptr clears it.
    // cb NULL with pull set: changes are queued as pull-form completions.
    void set_view_change_cb(tc_view_change_cb cb, void *userdata, bool pull = false);

    // Cancels everything, stops the threads and delivers what is left on the
    // calling thread. Idempotent.
    void shutdown();

    // Runs ready callbacks on this thread (see CompletionQueue::process), with
    // the work they submit handed to the I/O thread in one batch.
    int process();

    runtime::CompletionQueue &queue() { return queue_; }
    size_t pending() const { return queue_.pending(); }  // tc_conduits_pending
    net::Engine &engine() { return *engine_; }
    net::TokenProvider &tokens() { return *tokens_; }
    util::Logger &logger() { return logger_; }
    // Loop thread: runs conduit-changing operations one at a time per conduit.
    Serializer &per_conduit() { return per_conduit_; }
    const util::Stats &stats() const { return stats_; }
    // Where this manager's listeners and runners register their metrics
    // (tc_metrics_render); shared, so a source may outlive the manager.
    const std::shared_ptr<util::MetricsRegistry> &metrics() const { return metrics_; }
    const ManagerConfig &config() const { return config_; }
    bool dispatch_thread_mode() const { return config_.dispatch_thread; }
    bool on_dispatch_thread() const;

    // Deferred free: tc_conduits_free() from inside a callback sets this, and
    // whoever ran the callback frees the manager once it returns.
    void request_free() {
        queue_.close();  // the handle is as good as gone: refuse new work now
        free_requested_.store(true);
    }
    bool free_requested() const { return free_requested_.load(); }
    // The dispatch thread calls this (set by the C API) to perform a deferred free.
    void set_deferred_free(std::function<void()> destroy) { deferred_free_ = std::move(destroy); }

private:
    explicit Manager(ManagerConfig config);
    bool start(std::string *error);
    void install_view_hook();
    void cancel_on_loop(const std::shared_ptr<OpState> &op);
    void dispatch_main();

    ManagerConfig config_;
    util::Logger logger_;
    util::Stats stats_;
    std::shared_ptr<util::MetricsRegistry> metrics_ = std::make_shared<util::MetricsRegistry>();
    util::Jitter jitter_;
    runtime::CompletionQueue queue_;
    std::unique_ptr<net::Engine> engine_;
    std::unique_ptr<net::TokenProvider> tokens_;
    std::unique_ptr<net::TokenValidator> validator_;  // after engine_ and tokens_: stopped with the engine
    Serializer per_conduit_;
    View view_;
    std::mutex view_cb_mu_;
    tc_view_change_cb view_cb_ = nullptr;
    void *view_cb_userdata_ = nullptr;
    bool view_pull_ = false;
    std::thread dispatch_thread_;
    std::atomic<bool> stop_dispatch_{false};
    std::atomic<bool> free_requested_{false};
    std::function<void()> deferred_free_;
    bool shut_down_ = false;
};

}  // namespace tc::core
