#include "core/concurrency_window.hpp"

#include <algorithm>
#include <cmath>

namespace tc::core {

namespace {

constexpr double kRttGain = 1.0 / 8.0;  // EWMA gain of the smoothed round trip (as TCP's SRTT)

double clamp_window(double w, const WindowLimits &limits) {
    const double lo = std::max(1, limits.min);
    const double hi = std::max(lo, static_cast<double>(limits.max));
    return std::min(std::max(w, lo), hi);
}

}  // namespace

WindowState initial_window(const WindowLimits &limits) {
    WindowState s;
    s.window = clamp_window(kInitialWindow, limits);
    return s;
}

WindowState next_window(const WindowState &state, const WindowSample &sample, const WindowLimits &limits) {
    WindowState s = state;
    if (sample.congested) {
        // Every item of the flight that met the trouble reports it; one halving per flight.
        if (sample.launch_seq >= s.recover_seq) {
            s.window = s.window / 2;
            s.slow_start = false;
            s.recover_seq = sample.launched;
            ++s.halvings;
        }
        s.window = clamp_window(s.window, limits);
        return s;
    }
    const double rtt = std::isfinite(sample.rtt_ms) ? std::max(0.0, sample.rtt_ms) : 0.0;
    s.base_rtt_ms = s.base_rtt_ms > 0 ? std::min(s.base_rtt_ms, rtt) : rtt;
    s.srtt_ms = s.srtt_ms > 0 ? s.srtt_ms + (rtt - s.srtt_ms) * kRttGain : rtt;

    if (!s.probed) {
        // The first answer of the batch: the bucket's room is fresh now.
        s.probed = true;
        if (s.slow_start && std::isfinite(sample.bucket_room) && sample.bucket_room > s.window) {
            s.window = clamp_window(std::floor(sample.bucket_room), limits);
            return s;
        }
    }
    const double flat_limit = s.base_rtt_ms * kFlatRatio + kFlatSlackMs;
    const double queue_limit = s.base_rtt_ms * kQueueRatio + 2 * kFlatSlackMs;
    if (s.srtt_ms <= flat_limit) {
        // Growing a window that did not limit anything would only build up a burst.
        if (sample.window_full) s.window += s.slow_start ? 1.0 : 1.0 / s.window;
    } else {
        s.slow_start = false;
        if (s.srtt_ms > queue_limit && s.window > kQueueingFloor) {
            s.window = std::max<double>(kQueueingFloor, s.window - 1.0 / s.window);
        }
    }
    s.window = clamp_window(s.window, limits);
    return s;
}

int window_size(const WindowState &state, const WindowLimits &limits) {
    return static_cast<int>(std::floor(clamp_window(state.window, limits)));
}

}  // namespace tc::core
