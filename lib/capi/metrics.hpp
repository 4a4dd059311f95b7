// Registering listeners and runners as metric sources of their manager
// (tc_metrics_render).
#pragma once

#include "util/metrics_registry.hpp"

#include <memory>
#include <string>

namespace tc::core {
class Manager;
}
namespace tc::events {
class Listener;
}
namespace tc::run {
class Runner;
}

namespace tc::capi {

// The manager's own counters and pending operations; the manager must stay
// alive until the registration is reset.
util::MetricsRegistration register_manager_metrics(const core::Manager *manager);
// The listener must stay alive until the registration is reset.
util::MetricsRegistration register_listener_metrics(const std::shared_ptr<util::MetricsRegistry> &registry,
                                                    const events::Listener *listener);
// Holds the runner weakly: a runner gone first renders nothing.
util::MetricsRegistration register_runner_metrics(const std::shared_ptr<util::MetricsRegistry> &registry,
                                                  const std::weak_ptr<run::Runner> &runner);

// The exposition of every source registered (OpenMetrics text, "# EOF").
std::string render_metrics(const util::MetricsRegistry &registry);

}  // namespace tc::capi
