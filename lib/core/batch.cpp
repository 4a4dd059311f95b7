#include "core/batch.hpp"

namespace tc::core {

Batch::Batch(Manager &m, std::shared_ptr<OpState> op, size_t count, BatchConfig config, Task task,
             std::function<void(BatchResult &&)> finished)
    : m_(m), op_(std::move(op)), config_(std::move(config)), task_(std::move(task)), finished_(std::move(finished)) {
    result_.items.resize(count);
    if (config_.concurrency <= 0) config_.concurrency = 16;
    if (config_.progress_every == 0) config_.progress_every = count >= 100 ? count / 100 : 1;
}

void Batch::start() {
    if (result_.items.empty()) {
        finished_(std::move(result_));
        return;
    }
    launch_more();
}

void Batch::launch_more() {
    auto self = shared_from_this();
    while (next_ < result_.items.size() && in_flight_ < static_cast<size_t>(config_.concurrency)) {
        size_t index = next_++;
        if (op_->canceled) {
            record(index, BatchItem{});  // stays TC_ITEM_CANCELED
            continue;
        }
        ++in_flight_;
        task_(index, [self, index](BatchItem &&item) {
            --self->in_flight_;
            self->record(index, std::move(item));
            self->launch_more();
        });
    }
}

void Batch::record(size_t index, BatchItem &&item) {
    result_.items[index] = std::move(item);
    ++done_;
    const size_t total = result_.items.size();
    if (config_.progress && (done_ - last_progress_ >= config_.progress_every || done_ == total)) {
        last_progress_ = done_;
        auto progress = config_.progress;
        size_t done = done_;
        m_.notify(op_, [progress, done, total] { progress(done, total); });
    }
    if (done_ == total && in_flight_ == 0) {
        auto finished = std::move(finished_);
        finished_ = nullptr;
        if (finished) finished(std::move(result_));
    }
}

}  // namespace tc::core
