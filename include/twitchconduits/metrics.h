/*
 * twitchconduits: the library's counters as metrics, in the OpenMetrics text
 * format (which Prometheus scrapes; content type
 * "application/openmetrics-text; version=1.0.0; charset=utf-8").
 *
 * One call renders everything a manager knows: its own counters (tc_stat),
 * the operations waiting for delivery, every live listener created on it
 * (label `listener`, the listener's base URL) and every live runner (label
 * `conduit_id`), with each runner shard's state, events, duplicates,
 * reconnects, last event time and assignment latency (labels `conduit_id`,
 * `shard_id`). Metric names start with "twitchconduits_"; counter names are
 * the tc_*_stat_name() strings. No secret, token or callback URL ever
 * appears in the text.
 *
 * Thread-safe; callable from any thread, including a callback.
 */
#ifndef TWITCHCONDUITS_METRICS_H
#define TWITCHCONDUITS_METRICS_H

#include <twitchconduits/common.h>
#include <twitchconduits/conduits.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Render the metrics of `c` and its listeners and runners into a new string
 * ending with "# EOF\n"; free it with tc_free. TC_EINVAL for a bad handle or
 * out == NULL. */
TC_API tc_status tc_metrics_render(char **out, const tc_conduits *c);

#ifdef __cplusplus
}
#endif

#endif /* TWITCHCONDUITS_METRICS_H */
