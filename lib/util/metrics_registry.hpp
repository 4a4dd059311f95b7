// The metric sources of one manager: its listeners and runners register a
// collector when they are created and remove it before they are destroyed.
// Shared (shared_ptr) by the manager and every source, so either may go
// first. collect() holds the lock while collectors run, so remove() returns
// only once no collector of that source is running.
#pragma once

#include "util/openmetrics.hpp"

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>

namespace tc::util {

class MetricsRegistry {
public:
    using Collector = std::function<void(MetricFamilies &)>;

    uint64_t add(Collector collector);
    void remove(uint64_t id);
    void collect(MetricFamilies &out) const;

private:
    mutable std::mutex mu_;
    uint64_t next_id_ = 1;
    std::map<uint64_t, Collector> collectors_;  // ordered: stable output
};

// One source's place in a registry; removes it when reset or destroyed.
class MetricsRegistration {
public:
    MetricsRegistration() = default;
    MetricsRegistration(std::shared_ptr<MetricsRegistry> registry, MetricsRegistry::Collector collector)
        : registry_(std::move(registry)), id_(registry_->add(std::move(collector))) {}
    ~MetricsRegistration() { reset(); }
    MetricsRegistration(const MetricsRegistration &) = delete;
    MetricsRegistration &operator=(const MetricsRegistration &) = delete;
    MetricsRegistration(MetricsRegistration &&other) noexcept { *this = std::move(other); }
    MetricsRegistration &operator=(MetricsRegistration &&other) noexcept {
        if (this != &other) {
            reset();
            registry_ = std::move(other.registry_);
            id_ = other.id_;
            other.id_ = 0;
        }
        return *this;
    }
    void reset() {
        if (registry_) registry_->remove(id_);
        registry_.reset();
        id_ = 0;
    }

private:
    std::shared_ptr<MetricsRegistry> registry_;
    uint64_t id_ = 0;
};

}  // namespace tc::util
