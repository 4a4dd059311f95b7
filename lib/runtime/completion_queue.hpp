// The completion queue: the one place user callbacks are run from.
//
// Every submitted operation is registered here (begin), finished exactly
// once from the I/O thread (complete), and delivered on whichever thread
// calls process(). It owns the pollable fd (an eventfd, readable while
// deliveries are ready) and the reentrancy bookkeeping behind
// TC_EREENTRANT and the deferred free.
#pragma once

#include "util/stats.hpp"

#include <twitchconduits/common.h>

#include <condition_variable>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <unordered_map>

namespace tc::runtime {

struct Completion {
    tc_status status = TC_OK;
    int http_status = 0;
    std::string message;              // becomes tc_last_error_message() in the callback
    std::function<void()> deliver;    // calls the user's callback (callback form)

    // The pull form (the operation was submitted without a callback): the
    // completion waits in the queue until take() hands it out, carrying
    // what the callback would have been given.
    bool pull = false;
    int kind = 0;                     // a tc_completion_kind: which object `result` is
    std::shared_ptr<void> result;     // that object, or nullptr
    void *userdata = nullptr;
    std::string source;               // an event's route key or shard id
    std::function<void()> on_release; // runs when the taken completion is freed (pages)
};

// A pull-form completion of `kind` for `userdata`, with no result yet.
Completion pull_form(int kind, void *userdata);

class CompletionQueue {
public:
    explicit CompletionQueue(util::Stats &stats) : stats_(stats) {}
    ~CompletionQueue();
    CompletionQueue(const CompletionQueue &) = delete;
    CompletionQueue &operator=(const CompletionQueue &) = delete;

    bool init(std::string *error);

    // Registers an operation. `cancel` runs (on the calling thread) when the
    // user cancels it; it must arrange for complete() to be called.
    // `deliver_canceled` calls the user's callback with TC_ECANCELED, for the
    // teardown safety net. Returns 0 once the queue is closed.
    tc_op_id begin(std::function<void()> cancel, std::function<void()> deliver_canceled);
    // The same, with the whole TC_ECANCELED completion given (callback or
    // pull form); its status and message are set if it is cancelled.
    tc_op_id begin(std::function<void()> cancel, Completion canceled);
    // Finishes an operation (any thread). A second call for the same id is ignored.
    void complete(tc_op_id id, Completion completion);
    // Queues a delivery that does NOT finish the operation (a progress report
    // or a page of a listing). Ignored once the operation has finished; runs
    // before that operation's completion, in order.
    void notify(tc_op_id id, std::function<void()> deliver);
    void notify(tc_op_id id, Completion report);
    // Between these two calls, completions made on this thread are queued
    // but signalled (fd, waiters) only once, at the end: one wakeup per batch.
    void begin_batch();
    void end_batch();

    // TC_OK when a cancel was requested; TC_ENOTFOUND when unknown or already finished.
    tc_status cancel(tc_op_id id);
    void cancel_all();
    void close();  // begin() fails from now on; runs the close hooks once
    // Runs `hook` when the queue closes (the manager is being freed), so that
    // producers other than operations (the webhook listener) can detach
    // before the queue goes away. Returns an id for remove_close_hook.
    uint64_t add_close_hook(std::function<void()> hook);
    void remove_close_hook(uint64_t id);
    // Safety net at teardown: completes whatever is still unfinished with TC_ECANCELED.
    void cancel_unfinished();
    // The same for one operation (a cancel that found no engine job to stop).
    void cancel_unfinished_one(tc_op_id id);

    // Runs ready deliveries on this thread; returns how many ran.
    int process();
    // Hands out the next pull-form completion (with its operation's id and
    // whether it is the final one), waiting up to timeout_ms (-1 = no
    // limit); false when none came or wakeup() was called. Its on_release is
    // wrapped so that it does nothing once the queue is closed.
    bool take(tc_op_id *id, bool *final, Completion *out, int timeout_ms);
    size_t ready_to_take() const;
    // Blocks until deliveries are ready, wakeup(), or the timeout (-1 = none).
    tc_status wait(int timeout_ms);
    void wakeup();
    // Blocks until `id` is no longer pending (dispatch-thread mode).
    tc_status wait_delivered(tc_op_id id, int timeout_ms);
    // Blocks until nothing is pending (dispatch-thread mode).
    tc_status wait_idle(int timeout_ms);

    int fd() const { return event_fd_; }
    size_t pending() const;
    bool is_pending(tc_op_id id) const;
    bool has_ready() const;
    // True while this thread is running one of this queue's callbacks.
    bool in_callback() const;

private:
    struct Entry {
        std::function<void()> cancel;
        Completion canceled;  // delivered when cancelled before completing
        bool completed = false;
    };
    // Open until close(): a taken page's on_release may still run after the
    // manager is gone; it checks this first.
    struct Liveness {
        std::mutex mu;
        bool open = true;
    };

    void signal_fd_locked();
    void cancel_entry_locked(tc_op_id id, Entry &entry);
    void drain_fd_locked();

    util::Stats &stats_;
    int event_fd_ = -1;
    mutable std::mutex mu_;
    std::condition_variable ready_cv_;      // ready_ became non-empty, or wakeup()
    std::condition_variable delivered_cv_;  // an operation left ops_
    std::unordered_map<tc_op_id, Entry> ops_;
    struct Ready {
        tc_op_id id;
        bool final;  // false for notify()
        Completion completion;
    };
    void push_locked(Ready item);
    void finish_pull_locked(tc_op_id id);

    std::deque<Ready> ready_;   // the callback form, for process()
    std::deque<Ready> pulled_;  // the pull form, for take()
    std::shared_ptr<Liveness> alive_ = std::make_shared<Liveness>();
    tc_op_id next_id_ = 1;
    bool closed_ = false;
    std::unordered_map<uint64_t, std::function<void()>> close_hooks_;
    uint64_t next_hook_id_ = 1;
    bool woken_ = false;       // for wait()
    bool take_woken_ = false;  // for take()
    bool fd_signaled_ = false;
    bool batch_pending_ = false;  // completions queued during a batch, not yet signalled
};

}  // namespace tc::runtime
