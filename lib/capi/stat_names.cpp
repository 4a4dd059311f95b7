#include "capi/stat_names.hpp"

#include "capi/guard.hpp"
#include "events/listener.hpp"
#include "run/runner.hpp"
#include "util/stats.hpp"

#include <twitchconduits.h>

namespace tc::capi {

namespace {

// In enum order; the static_asserts below fail the build when an enum grows
// without its name.
constexpr StatName kManager[] = {
    {"http_requests", "HTTP attempts sent (Helix and OAuth)"},
    {"retries", "HTTP attempts that were retries"},
    {"rate_limited", "429 answers received"},
    {"token_fetches", "app token requests sent"},
    {"pacing_delays", "requests held back by client-side pacing"},
    {"operations", "operations completed (callbacks run)"},
    {"connections", "new connections opened (not reused)"},
    {"token_validations", "scheduled token validations sent"},
};
static_assert(sizeof kManager / sizeof kManager[0] == util::Stats::kCount, "a tc_stat without a name");

constexpr StatName kListener[] = {
    {"requests", "requests answered"},
    {"dispatched", "messages handed to the completion queue"},
    {"duplicates", "duplicates answered and not dispatched"},
    {"rejected", "requests answered 400/403/413 by a route's verifier"},
    {"not_found", "requests answered 404 or 405"},
    {"too_large", "requests answered 413 from Content-Length"},
    {"unavailable", "requests answered 503"},
};
static_assert(sizeof kListener / sizeof kListener[0] == events::Listener::kStatCount,
              "a tc_listener_stat without a name");

constexpr StatName kRunner[] = {
    {"events", "notifications and revocations delivered"},
    {"duplicates", "messages received again and not delivered"},
    {"ws_connects", "WebSocket connections opened"},
    {"ws_welcomes", "session_welcome messages"},
    {"ws_keepalives", "session_keepalive messages"},
    {"assigns", "successful shard assignments"},
    {"assign_failures", "shard updates that failed (then retried)"},
    {"reconnects", "WebSocket reconnects after a loss"},
    {"handovers", "session_reconnect hand-overs completed"},
    {"keepalive_timeouts", "sockets declared dead by the keepalive watchdog"},
    {"protocol_errors", "bad frames or messages"},
    {"repairs", "shards repaired after a shard.disabled event or a listing"},
    {"shard_lists", "periodic shard listings completed"},
};
static_assert(sizeof kRunner / sizeof kRunner[0] == run::Runner::kStatCount, "a tc_runner_stat without a name");

template <size_t N>
const StatName *table(const StatName (&names)[N], size_t *count) {
    *count = N;
    return names;
}

template <class Enum>
const char *name_of(const StatName *names, size_t count, Enum which) {
    int raw = raw_enum(which);
    return raw >= 0 && static_cast<size_t>(raw) < count ? names[raw].name : nullptr;
}

}  // namespace

const StatName *manager_stat_names(size_t *count) { return table(kManager, count); }
const StatName *listener_stat_names(size_t *count) { return table(kListener, count); }
const StatName *runner_stat_names(size_t *count) { return table(kRunner, count); }

}  // namespace tc::capi

extern "C" {

TC_API const char *tc_stat_name(tc_stat which) {
    size_t n = 0;
    const tc::capi::StatName *names = tc::capi::manager_stat_names(&n);
    return tc::capi::name_of(names, n, which);
}

TC_API const char *tc_listener_stat_name(tc_listener_stat which) {
    size_t n = 0;
    const tc::capi::StatName *names = tc::capi::listener_stat_names(&n);
    return tc::capi::name_of(names, n, which);
}

TC_API const char *tc_runner_stat_name(tc_runner_stat which) {
    size_t n = 0;
    const tc::capi::StatName *names = tc::capi::runner_stat_names(&n);
    return tc::capi::name_of(names, n, which);
}

}  // extern "C"
