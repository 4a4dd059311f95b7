// Time sources: steady time for timers and deadlines, wall time for the
// Unix-epoch values Twitch sends (Ratelimit-Reset, token expiry).
#pragma once

#include <chrono>
#include <cstdint>

namespace tc::util {

using SteadyClock = std::chrono::steady_clock;
using TimePoint = SteadyClock::time_point;
using Millis = std::chrono::milliseconds;

inline TimePoint now() { return SteadyClock::now(); }

inline int64_t unix_millis_now() {
    return std::chrono::duration_cast<Millis>(std::chrono::system_clock::now().time_since_epoch())
        .count();
}

inline int64_t millis_between(TimePoint from, TimePoint to) {
    return std::chrono::duration_cast<Millis>(to - from).count();
}

// A duration in seconds from the network, made safe to compute with: NaN and
// negatives become 0, anything above ten years becomes ten years.
inline int64_t clamp_seconds(double seconds) {
    constexpr double kTenYears = 10.0 * 365 * 24 * 3600;
    if (!(seconds > 0)) return 0;
    return static_cast<int64_t>(seconds < kTenYears ? seconds : kTenYears);
}

}  // namespace tc::util
