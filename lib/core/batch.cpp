#include "core/batch.hpp"

#include <algorithm>

namespace tc::core {

namespace {

// Outcomes that say "the server or the path is struggling", as opposed to an
// answer about the item itself. Retried ones show in the retry counter.
bool congestion_status(const BatchItem &item) {
    if (item.outcome != TC_ITEM_FAILED) return false;
    return item.status == TC_ESERVER || item.status == TC_ETIMEDOUT || item.status == TC_ENETWORK ||
           item.status == TC_ERATELIMIT;
}

}  // namespace

Batch::Batch(Manager &m, std::shared_ptr<OpState> op, size_t count, BatchConfig config, Task task,
             std::function<void(BatchResult &&)> finished)
    : m_(m), op_(std::move(op)), config_(std::move(config)), task_(std::move(task)), finished_(std::move(finished)) {
    result_.items.resize(count);
    adaptive_ = config_.concurrency <= 0;
    if (adaptive_) {
        const net::Engine &engine = m_.engine();
        limits_.max = std::max(1, engine.config().max_concurrency);
        window_ = initial_window(limits_);
        retries_seen_ = m_.stats().get(TC_STAT_RETRIES);
    }
    if (config_.progress_every == 0) config_.progress_every = count >= 100 ? count / 100 : 1;
}

void Batch::start() {
    if (result_.items.empty()) {
        finished_(std::move(result_));
        return;
    }
    launch_more();
}

// The pacer counts every request in flight as spent, so while it says a
// point is left a new request goes out at once; below that, one request of
// the batch may wait at the engine's gate for the next point. More would
// only queue there, ahead of everyone else's calls.
bool Batch::pacer_allows_launch() const {
    const net::Engine &engine = m_.engine();
    if (!engine.config().pacing || !engine.pacer().known()) return true;
    return in_flight_ == 0 || engine.pacer().points() >= 1.0;
}

void Batch::launch_more() {
    auto self = shared_from_this();
    while (next_ < result_.items.size()) {
        size_t limit = adaptive_ ? static_cast<size_t>(window_size(window_, limits_))
                                 : static_cast<size_t>(config_.concurrency);
        if (in_flight_ >= limit) break;
        if (adaptive_ && !pacer_allows_launch()) break;
        size_t index = next_++;
        if (op_->canceled) {
            record(index, BatchItem{});  // stays TC_ITEM_CANCELED
            continue;
        }
        ++in_flight_;
        Launch launch{util::now(), launched_++, in_flight_ >= limit};
        peak_window_ = std::max(peak_window_, static_cast<int>(in_flight_));
        task_(index, [self, index, launch](BatchItem &&item) {
            --self->in_flight_;
            if (self->adaptive_) self->adapt(launch, item);
            self->record(index, std::move(item));
            self->launch_more();
        });
    }
}

void Batch::adapt(const Launch &launch, const BatchItem &item) {
    if (item.outcome == TC_ITEM_CANCELED) return;
    WindowSample sample;
    sample.rtt_ms = static_cast<double>(std::chrono::duration_cast<std::chrono::microseconds>(util::now() - launch.at).count()) / 1000.0;
    const uint64_t retries = m_.stats().get(TC_STAT_RETRIES);
    sample.congested = retries != retries_seen_ || congestion_status(item);
    retries_seen_ = retries;
    sample.launch_seq = launch.seq;
    sample.launched = launched_;
    sample.window_full = launch.window_full;
    const net::Engine &engine = m_.engine();
    if (engine.config().pacing && engine.pacer().known()) {
        sample.bucket_room = engine.pacer().points() + static_cast<double>(in_flight_);
    }
    window_ = next_window(window_, sample, limits_);
}

void Batch::log_window() const {
    m_.logger().log(TC_LOG_INFO,
                    "batch of %zu: adaptive window ended at %d (at most %d in flight, limit %d), round trip %.1f ms "
                    "(lowest %.1f ms), %d halving(s)",
                    result_.items.size(), window_size(window_, limits_), peak_window_, limits_.max, window_.srtt_ms,
                    window_.base_rtt_ms, window_.halvings);
}

void Batch::record(size_t index, BatchItem &&item) {
    result_.items[index] = std::move(item);
    ++done_;
    const size_t total = result_.items.size();
    if (config_.progress && (done_ - last_progress_ >= config_.progress_every || done_ == total)) {
        last_progress_ = done_;
        m_.notify(op_, config_.progress(done_, total));
    }
    if (done_ == total && in_flight_ == 0) {
        if (adaptive_) log_window();
        auto finished = std::move(finished_);
        finished_ = nullptr;
        if (finished) finished(std::move(result_));
    }
}

}  // namespace tc::core
