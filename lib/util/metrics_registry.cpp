#include "util/metrics_registry.hpp"

namespace tc::util {

uint64_t MetricsRegistry::add(Collector collector) {
    std::lock_guard<std::mutex> lock(mu_);
    uint64_t id = next_id_++;
    collectors_.emplace(id, std::move(collector));
    return id;
}

void MetricsRegistry::remove(uint64_t id) {
    std::lock_guard<std::mutex> lock(mu_);
    collectors_.erase(id);
}

void MetricsRegistry::collect(MetricFamilies &out) const {
    std::lock_guard<std::mutex> lock(mu_);
    for (const auto &entry : collectors_) entry.second(out);
}

}  // namespace tc::util
