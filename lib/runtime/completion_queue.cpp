#include "runtime/completion_queue.hpp"

#include "util/last_error.hpp"

#include <sys/eventfd.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstring>
#include <vector>

namespace tc::runtime {

namespace {
// The queue whose callback this thread is running (nested managers restore it).
thread_local const CompletionQueue *tl_delivering = nullptr;
// The queue whose completions this thread is batching.
thread_local const CompletionQueue *tl_batching = nullptr;

template <class Pred>
bool wait_for(std::condition_variable &cv, std::unique_lock<std::mutex> &lock, int timeout_ms,
              Pred pred) {
    if (timeout_ms < 0) {
        cv.wait(lock, pred);
        return true;
    }
    return cv.wait_for(lock, std::chrono::milliseconds(timeout_ms), pred);
}
}  // namespace

CompletionQueue::~CompletionQueue() {
    if (event_fd_ >= 0) ::close(event_fd_);
}

bool CompletionQueue::init(std::string *error) {
    event_fd_ = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
    if (event_fd_ < 0) {
        *error = std::string("eventfd: ") + std::strerror(errno);
        return false;
    }
    return true;
}

tc_op_id CompletionQueue::begin(std::function<void()> cancel, std::function<void()> deliver_canceled) {
    std::lock_guard<std::mutex> lock(mu_);
    if (closed_) return 0;
    tc_op_id id = next_id_++;
    ops_.emplace(id, Entry{std::move(cancel), std::move(deliver_canceled), false});
    return id;
}

void CompletionQueue::signal_fd_locked() {
    if (fd_signaled_ || event_fd_ < 0) return;
    uint64_t one = 1;
    ssize_t n = ::write(event_fd_, &one, sizeof one);
    (void)n;  // an eventfd write of 1 cannot fail short of overflow
    fd_signaled_ = true;
}

void CompletionQueue::drain_fd_locked() {
    if (!fd_signaled_ || event_fd_ < 0) return;
    uint64_t value = 0;
    ssize_t n = ::read(event_fd_, &value, sizeof value);
    (void)n;
    fd_signaled_ = false;
}

void CompletionQueue::complete(tc_op_id id, Completion completion) {
    std::lock_guard<std::mutex> lock(mu_);
    auto it = ops_.find(id);
    if (it == ops_.end() || it->second.completed) return;
    it->second.completed = true;
    it->second.cancel = nullptr;
    it->second.deliver_canceled = nullptr;
    push_locked(Ready{id, true, std::move(completion)});
}

void CompletionQueue::notify(tc_op_id id, std::function<void()> deliver) {
    std::lock_guard<std::mutex> lock(mu_);
    auto it = ops_.find(id);
    if (it == ops_.end() || it->second.completed) return;
    Completion c;
    c.deliver = std::move(deliver);
    push_locked(Ready{id, false, std::move(c)});
}

void CompletionQueue::push_locked(Ready item) {
    ready_.push_back(std::move(item));
    if (tl_batching == this) {
        batch_pending_ = true;
        return;
    }
    signal_fd_locked();
    ready_cv_.notify_all();
}

void CompletionQueue::begin_batch() { tl_batching = this; }

void CompletionQueue::end_batch() {
    tl_batching = nullptr;
    std::lock_guard<std::mutex> lock(mu_);
    if (!batch_pending_) return;
    batch_pending_ = false;
    signal_fd_locked();
    ready_cv_.notify_all();
}

tc_status CompletionQueue::cancel(tc_op_id id) {
    std::function<void()> hook;
    {
        std::lock_guard<std::mutex> lock(mu_);
        auto it = ops_.find(id);
        if (it == ops_.end() || it->second.completed) return TC_ENOTFOUND;
        hook = it->second.cancel;
    }
    if (hook) hook();
    return TC_OK;
}

void CompletionQueue::cancel_all() {
    std::vector<std::function<void()>> hooks;
    {
        std::lock_guard<std::mutex> lock(mu_);
        for (auto &op : ops_) {
            if (!op.second.completed && op.second.cancel) hooks.push_back(op.second.cancel);
        }
    }
    for (auto &hook : hooks) hook();
}

void CompletionQueue::cancel_entry_locked(tc_op_id id, Entry &entry) {
    if (entry.completed) return;
    entry.completed = true;
    entry.cancel = nullptr;
    push_locked(Ready{id, true, Completion{TC_ECANCELED, 0, "operation canceled", std::move(entry.deliver_canceled)}});
}

void CompletionQueue::cancel_unfinished() {
    std::lock_guard<std::mutex> lock(mu_);
    for (auto &op : ops_) cancel_entry_locked(op.first, op.second);
}

void CompletionQueue::cancel_unfinished_one(tc_op_id id) {
    std::lock_guard<std::mutex> lock(mu_);
    auto it = ops_.find(id);
    if (it != ops_.end()) cancel_entry_locked(id, it->second);
}

void CompletionQueue::close() {
    std::unordered_map<uint64_t, std::function<void()>> hooks;
    {
        std::lock_guard<std::mutex> lock(mu_);
        closed_ = true;
        hooks.swap(close_hooks_);
    }
    // Outside the lock: a hook may wait for a producer that is inside begin().
    for (auto &hook : hooks) hook.second();
}

uint64_t CompletionQueue::add_close_hook(std::function<void()> hook) {
    std::lock_guard<std::mutex> lock(mu_);
    if (closed_) return 0;
    uint64_t id = next_hook_id_++;
    close_hooks_.emplace(id, std::move(hook));
    return id;
}

void CompletionQueue::remove_close_hook(uint64_t id) {
    std::lock_guard<std::mutex> lock(mu_);
    close_hooks_.erase(id);
}

int CompletionQueue::process() {
    std::deque<Ready> batch;
    {
        std::lock_guard<std::mutex> lock(mu_);
        batch.swap(ready_);
        drain_fd_locked();
    }
    const CompletionQueue *outer = tl_delivering;
    int ran = 0;
    for (auto &item : batch) {
        Completion &c = item.completion;
        if (c.status < 0) {
            util::set_last_error(c.message);
        } else {
            util::clear_last_error();
        }
        util::set_last_http_status(c.http_status);
        tl_delivering = this;
        c.deliver();
        tl_delivering = outer;
        util::set_last_http_status(0);
        c.deliver = nullptr;  // release what the callback captured before signalling
        ++ran;
        if (!item.final) continue;
        stats_.add(TC_STAT_OPERATIONS);
        std::lock_guard<std::mutex> lock(mu_);
        ops_.erase(item.id);
        delivered_cv_.notify_all();
    }
    return ran;
}

tc_status CompletionQueue::wait(int timeout_ms) {
    std::unique_lock<std::mutex> lock(mu_);
    bool ready = wait_for(ready_cv_, lock, timeout_ms, [this] { return !ready_.empty() || woken_; });
    woken_ = false;
    return ready ? TC_OK : TC_ETIMEDOUT;
}

void CompletionQueue::wakeup() {
    std::lock_guard<std::mutex> lock(mu_);
    woken_ = true;
    ready_cv_.notify_all();
}

tc_status CompletionQueue::wait_delivered(tc_op_id id, int timeout_ms) {
    std::unique_lock<std::mutex> lock(mu_);
    bool done = wait_for(delivered_cv_, lock, timeout_ms, [this, id] { return ops_.count(id) == 0; });
    return done ? TC_OK : TC_ETIMEDOUT;
}

tc_status CompletionQueue::wait_idle(int timeout_ms) {
    std::unique_lock<std::mutex> lock(mu_);
    bool done = wait_for(delivered_cv_, lock, timeout_ms, [this] { return ops_.empty(); });
    return done ? TC_OK : TC_ETIMEDOUT;
}

size_t CompletionQueue::pending() const {
    std::lock_guard<std::mutex> lock(mu_);
    return ops_.size();
}

bool CompletionQueue::is_pending(tc_op_id id) const {
    std::lock_guard<std::mutex> lock(mu_);
    return ops_.count(id) != 0;
}

bool CompletionQueue::has_ready() const {
    std::lock_guard<std::mutex> lock(mu_);
    return !ready_.empty();
}

bool CompletionQueue::in_callback() const { return tl_delivering == this; }

}  // namespace tc::runtime

