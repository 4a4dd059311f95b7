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

Completion pull_form(int kind, void *userdata) {
    Completion c;
    c.pull = true;
    c.kind = kind;
    c.userdata = userdata;
    return c;
}

tc_op_id CompletionQueue::begin(std::function<void()> cancel, std::function<void()> deliver_canceled) {
    Completion canceled;
    canceled.deliver = std::move(deliver_canceled);
    return begin(std::move(cancel), std::move(canceled));
}

tc_op_id CompletionQueue::begin(std::function<void()> cancel, Completion canceled) {
    std::lock_guard<std::mutex> lock(mu_);
    if (closed_) return 0;
    tc_op_id id = next_id_++;
    ops_.emplace(id, Entry{std::move(cancel), std::move(canceled), false});
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
    it->second.canceled = Completion{};
    push_locked(Ready{id, true, std::move(completion)});
}

void CompletionQueue::notify(tc_op_id id, std::function<void()> deliver) {
    Completion c;
    c.deliver = std::move(deliver);
    notify(id, std::move(c));
}

void CompletionQueue::notify(tc_op_id id, Completion report) {
    std::lock_guard<std::mutex> lock(mu_);
    auto it = ops_.find(id);
    if (it == ops_.end() || it->second.completed) return;
    push_locked(Ready{id, false, std::move(report)});
}

// A pull-form operation has nothing left to run once its final completion
// is queued: it stops being pending (cancel says ENOTFOUND, await returns).
void CompletionQueue::finish_pull_locked(tc_op_id id) {
    ops_.erase(id);
    delivered_cv_.notify_all();
}

void CompletionQueue::push_locked(Ready item) {
    if (item.completion.pull) {
        if (item.final) finish_pull_locked(item.id);
        pulled_.push_back(std::move(item));
    } else {
        ready_.push_back(std::move(item));
    }
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
    // Status and message are set only now: most operations are never
    // cancelled, so begin() keeps the canceled completion cheap.
    Completion canceled = std::move(entry.canceled);
    canceled.status = TC_ECANCELED;
    canceled.http_status = 0;
    canceled.message = "operation canceled";
    // May erase `entry` (the pull form): nothing of it is used after this.
    push_locked(Ready{id, true, std::move(canceled)});
}

void CompletionQueue::cancel_unfinished() {
    std::lock_guard<std::mutex> lock(mu_);
    std::vector<tc_op_id> ids;
    ids.reserve(ops_.size());
    for (auto &op : ops_) ids.push_back(op.first);
    for (tc_op_id id : ids) {
        auto it = ops_.find(id);
        if (it != ops_.end()) cancel_entry_locked(id, it->second);
    }
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
    {
        // Waits for a taken page's on_release that is running right now.
        std::lock_guard<std::mutex> lock(alive_->mu);
        alive_->open = false;
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
        if (pulled_.empty()) drain_fd_locked();
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

bool CompletionQueue::take(tc_op_id *id, bool *final, Completion *out, int timeout_ms) {
    std::unique_lock<std::mutex> lock(mu_);
    if (timeout_ms != 0) wait_for(ready_cv_, lock, timeout_ms, [this] { return !pulled_.empty() || take_woken_; });
    take_woken_ = false;
    if (pulled_.empty()) return false;
    Ready item = std::move(pulled_.front());
    pulled_.pop_front();
    if (pulled_.empty() && ready_.empty()) drain_fd_locked();
    lock.unlock();
    if (item.final) stats_.add(TC_STAT_OPERATIONS);
    *id = item.id;
    *final = item.final;
    *out = std::move(item.completion);
    if (out->on_release) {
        out->on_release = [alive = alive_, hook = std::move(out->on_release)] {
            std::lock_guard<std::mutex> guard(alive->mu);
            if (alive->open) hook();
        };
    }
    return true;
}

size_t CompletionQueue::ready_to_take() const {
    std::lock_guard<std::mutex> lock(mu_);
    return pulled_.size();
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
    take_woken_ = true;
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

