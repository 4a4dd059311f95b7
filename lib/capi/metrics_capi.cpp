// tc_metrics_render and the collectors of listeners and runners.
#include "capi/metrics.hpp"

#include "capi/guard.hpp"
#include "capi/handles.hpp"
#include "capi/stat_names.hpp"
#include "events/listener.hpp"
#include "run/runner.hpp"
#include "util/openmetrics.hpp"

#include <twitchconduits.h>

#include <string>
#include <vector>

namespace tc::capi {

namespace {

constexpr const char *kPrefix = "twitchconduits_";

std::vector<std::string> shard_state_names() {
    std::vector<std::string> names;
    for (int s = TC_RUNNER_SHARD_STARTING; s <= TC_RUNNER_SHARD_STOPPED; ++s)
        names.emplace_back(tc_runner_shard_state_name(static_cast<tc_runner_shard_state>(s)));
    return names;
}

void collect_manager(const core::Manager &manager, const tc_conduits *c, util::MetricFamilies &out) {
    out.info(std::string(kPrefix) + "build", "the library's version", {{"version", tc_version(nullptr, nullptr, nullptr)}});
    size_t count = 0;
    const StatName *names = manager_stat_names(&count);
    for (size_t i = 0; i < count; ++i)
        out.counter(kPrefix + std::string(names[i].name), names[i].help, {},
                    manager.stats().get(static_cast<tc_stat>(i)));
    out.gauge(std::string(kPrefix) + "pending_operations", "operations submitted and not yet delivered", {},
              static_cast<double>(tc_conduits_pending(c)));
}

void collect_runner(const run::Runner &runner, util::MetricFamilies &out) {
    const std::string conduit = runner.conduit_id();
    const std::string prefix = std::string(kPrefix) + "runner_";
    size_t count = 0;
    const StatName *names = runner_stat_names(&count);
    for (size_t i = 0; i < count; ++i)
        out.counter(prefix + names[i].name, names[i].help, {{"conduit_id", conduit}},
                    runner.stat(static_cast<int>(i)));
    static const std::vector<std::string> states = shard_state_names();
    for (const run::ShardSnapshot &s : runner.snapshots()) {
        util::MetricLabels labels{{"conduit_id", conduit}, {"shard_id", s.id}};
        out.stateset(prefix + "shard_state", "the runner's state of each shard", labels, states,
                     tc_runner_shard_state_name(s.state));
        out.counter(prefix + "shard_events", "notifications and revocations received on the shard", labels,
                    s.events);
        out.counter(prefix + "shard_duplicates", "messages received again on the shard and not delivered",
                    labels, s.duplicates);
        out.counter(prefix + "shard_reconnects", "connections or assignments after the shard's first", labels,
                    s.reconnects);
        if (s.last_event_ms > 0)
            out.gauge(prefix + "shard_last_event_timestamp_seconds", "when the shard last received an event",
                      labels, static_cast<double>(s.last_event_ms) / 1000.0);
        if (s.assign_latency_ms >= 0)
            out.gauge(prefix + "shard_assign_latency_seconds", "from the last welcome to the shard's assignment",
                      labels, s.assign_latency_ms / 1000.0);
    }
}

}  // namespace

util::MetricsRegistration register_listener_metrics(const std::shared_ptr<util::MetricsRegistry> &registry,
                                                    const events::Listener *listener) {
    return util::MetricsRegistration(registry, [listener](util::MetricFamilies &out) {
        const std::string prefix = std::string(kPrefix) + "listener_";
        size_t count = 0;
        const StatName *names = listener_stat_names(&count);
        for (size_t i = 0; i < count; ++i)
            out.counter(prefix + names[i].name, names[i].help, {{"listener", listener->base_url()}},
                        listener->stat(static_cast<int>(i)));
    });
}

util::MetricsRegistration register_runner_metrics(const std::shared_ptr<util::MetricsRegistry> &registry,
                                                  const std::weak_ptr<run::Runner> &runner) {
    return util::MetricsRegistration(registry, [runner](util::MetricFamilies &out) {
        if (auto alive = runner.lock()) collect_runner(*alive, out);
    });
}

}  // namespace tc::capi

extern "C" {

TC_API tc_status tc_metrics_render(char **out, const tc_conduits *c) {
    using tc::capi::fail;
    if (out == nullptr) return fail(TC_EINVAL, "invalid argument: out");
    *out = nullptr;
    if (!tc::capi::valid(c)) return fail(TC_EINVAL, "invalid argument: c");
    return tc::capi::guarded([&]() -> tc_status {
        tc::util::MetricFamilies families;
        tc::capi::collect_manager(*c->manager, c, families);
        c->manager->metrics()->collect(families);
        char *text = tc::capi::dup_for_caller(families.render());
        if (text == nullptr) return fail(TC_ENOMEM, "out of memory");
        *out = text;
        return TC_OK;
    });
}

}  // extern "C"
