// Names and one-line descriptions of the public counters (tc_stat,
// tc_listener_stat, tc_runner_stat): the name functions and the metrics
// exposition read the same tables.
#pragma once

#include <cstddef>

namespace tc::capi {

struct StatName {
    const char *name;  // snake_case, stable: part of metric names
    const char *help;
};

// The tables, indexed by the enum's value; `*count` gets their length.
const StatName *manager_stat_names(size_t *count);
const StatName *listener_stat_names(size_t *count);
const StatName *runner_stat_names(size_t *count);

}  // namespace tc::capi
