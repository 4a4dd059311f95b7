// Registering listeners and runners as metric sources of their manager
// (tc_metrics_render).
#pragma once

#include "util/metrics_registry.hpp"

#include <memory>

namespace tc::events {
class Listener;
}
namespace tc::run {
class Runner;
}

namespace tc::capi {

// The listener must stay alive until the registration is reset.
util::MetricsRegistration register_listener_metrics(const std::shared_ptr<util::MetricsRegistry> &registry,
                                                    const events::Listener *listener);
// Holds the runner weakly: a runner gone first renders nothing.
util::MetricsRegistration register_runner_metrics(const std::shared_ptr<util::MetricsRegistry> &registry,
                                                  const std::weak_ptr<run::Runner> &runner);

}  // namespace tc::capi
