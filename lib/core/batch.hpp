// Runs the items of a batch with bounded concurrency, records one outcome
// per item, reports progress on the user's thread, and finishes once every
// item has an outcome. Items not started when the operation is cancelled
// end as TC_ITEM_CANCELED. Loop thread only.
//
// Concurrency is either fixed (BatchConfig::concurrency > 0) or adaptive
// (0): an in-flight window steered by core/concurrency_window (a probe
// flight, then the room in the rate-limit bucket; grows while latency stays
// flat, halves on 429/5xx/timeouts), within the engine's max_concurrency, and
// never launching more than the pacer's estimate of the points left (one
// request may always wait at the engine's gate).
#pragma once

#include "core/concurrency_window.hpp"
#include "core/manager.hpp"
#include "helix/types.hpp"

#include <twitchconduits/subscription.h>

#include <functional>
#include <memory>
#include <string>
#include <vector>

namespace tc::core {

struct BatchItem {
    tc_item_outcome outcome = TC_ITEM_CANCELED;
    tc_status status = TC_ECANCELED;
    std::string message = "operation canceled";
    bool has_subscription = false;
    helix::Subscription subscription;
};

struct BatchResult {
    std::vector<BatchItem> items;
    helix::CostInfo cost;
};

struct BatchConfig {
    int concurrency = 0;  // > 0: fixed; 0: adaptive
    size_t progress_every = 0;  // 0 = about 1% of the items
    // The progress report to queue (built by the C API in the form the
    // caller chose); empty = no reports.
    std::function<runtime::Completion(size_t done, size_t total)> progress;
};

class Batch : public std::enable_shared_from_this<Batch> {
public:
    using Done = std::function<void(BatchItem &&)>;
    // Works on item `index`; calls `done` exactly once.
    using Task = std::function<void(size_t index, Done done)>;

    Batch(Manager &m, std::shared_ptr<OpState> op, size_t count, BatchConfig config, Task task,
          std::function<void(BatchResult &&)> finished);

    void start();
    // Shared cost accounting: tasks report what Twitch said.
    helix::CostInfo &cost() { return result_.cost; }

private:
    void launch_more();
    bool pacer_allows_launch() const;
    struct Launch {
        util::TimePoint at;
        uint64_t seq = 0;
        bool window_full = false;
    };
    void adapt(const Launch &launch, const BatchItem &item);
    void record(size_t index, BatchItem &&item);
    void log_window() const;

    Manager &m_;
    std::shared_ptr<OpState> op_;
    BatchConfig config_;
    Task task_;
    std::function<void(BatchResult &&)> finished_;
    BatchResult result_;
    size_t next_ = 0;
    size_t in_flight_ = 0;
    size_t done_ = 0;
    size_t last_progress_ = 0;

    // Adaptive mode only.
    bool adaptive_ = false;
    WindowLimits limits_;
    WindowState window_;
    uint64_t launched_ = 0;
    uint64_t retries_seen_ = 0;  // the manager's retry counter when last looked at
    int peak_window_ = 0;
};

}  // namespace tc::core
