// The adaptive in-flight window of a batch: how many of its requests may be
// in flight at once. A pure policy (no clock, no I/O): the batch feeds it one
// sample per finished item and reads the window back.
//
// Shape (see docs/design.md, "Adaptive batch concurrency"):
// - A probe flight of kInitialWindow. Its first answer refreshes the
//   pacer's view of the bucket (an estimate from earlier answers may be stale:
//   other processes share the client id's bucket), and the window jumps to
//   the room the bucket has for this batch, within the limits.
// - Slow start: +1 per item that finished with flat latency while the window
//   was full, so the window doubles every round trip.
// - Then additive increase: +1 per round trip (+1/window per such item).
// - Latency rising (smoothed RTT above the flat band): hold, leave slow start.
//   Latency well above it (the server queues): -1 per round trip, never
//   below kQueueingFloor.
// - Congestion (a 429, a 5xx, a timeout or a network failure, retried or
//   final): halve, at most once per round trip: items launched before the
//   last halving cannot halve it again.
// - Always within [limits.min, limits.max].
#pragma once

#include <cstdint>

namespace tc::core {

struct WindowLimits {
    int min = 1;   // congestion never takes the window below this
    int max = 32;  // the manager's max_concurrency
};

struct WindowState {
    double window = 16;
    bool slow_start = true;
    double base_rtt_ms = 0;    // the lowest round trip seen (0 = none yet)
    double srtt_ms = 0;        // smoothed round trip (0 = none yet)
    uint64_t recover_seq = 0;  // items launched before this launch number cannot halve the window again
    int halvings = 0;          // congestion events acted on (for logs and tests)
    bool probed = false;       // the probe flight answered: the bucket jump is done
};

struct WindowSample {
    double rtt_ms = 0;         // launch to result of this item
    bool congested = false;    // it met a 429, 5xx, timeout or network failure
    uint64_t launch_seq = 0;   // the number of launches before this item's own
    uint64_t launched = 0;     // launches so far (the next item gets this number)
    bool window_full = false;  // the window limited launches when this item was launched
    double bucket_room = -1;   // requests the bucket has room for now, this batch's in flight included; < 0 unknown
};

// Latency within base * kFlatRatio + kFlatSlackMs counts as flat: the slack
// absorbs scheduling noise of a loaded machine at sub-millisecond latencies.
constexpr double kFlatRatio = 1.25;
constexpr double kFlatSlackMs = 2.0;
// Above base * kQueueRatio + 2 * kFlatSlackMs the server is queueing.
constexpr double kQueueRatio = 2.0;
// Latency alone never shrinks the window below this: at a few requests in
// flight the queue they cause is negligible, and only errors say "slower".
constexpr int kQueueingFloor = 8;
// The first window when nothing better is known (the old fixed default).
constexpr int kInitialWindow = 16;

// The first window of a batch: the probe flight, kInitialWindow within the limits.
WindowState initial_window(const WindowLimits &limits);

// The window after one finished item.
WindowState next_window(const WindowState &state, const WindowSample &sample, const WindowLimits &limits);

// The whole number of requests the window allows now, within the limits.
int window_size(const WindowState &state, const WindowLimits &limits);

}  // namespace tc::core
