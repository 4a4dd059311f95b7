#include "net/pacer.hpp"

#include <algorithm>
#include <cmath>
#include <cstdlib>

namespace tc::net {

namespace {
constexpr double kDefaultWindowMs = 60000.0;  // Twitch refills `limit` points per minute
constexpr double kMinObservedSpent = 5.0;     // below this the 1 s header rounding dominates

bool parse_number(const std::string *text, double *out) {
    if (text == nullptr) return false;
    char *end = nullptr;
    double v = std::strtod(text->c_str(), &end);
    if (end == text->c_str() || !std::isfinite(v)) return false;
    *out = v;
    return true;
}
}  // namespace

void Pacer::refill(util::TimePoint now) {
    if (!known_) return;
    if (now >= full_at_ && full_at_ != util::TimePoint{}) {
        points_ = std::max(points_, limit_ - in_flight_);
    }
    double elapsed = static_cast<double>(util::millis_between(updated_, now));
    if (elapsed > 0) {
        points_ = std::min(points_ + elapsed * rate_per_ms_, limit_ - in_flight_);
        updated_ = now;
    }
}

bool Pacer::may_send(util::TimePoint now) {
    if (!enabled_ || !known_) return true;
    refill(now);
    return points_ >= 1.0;
}

int64_t Pacer::wait_ms(util::TimePoint now) {
    if (may_send(now)) return 0;
    double need = 1.0 - points_;
    double by_rate = rate_per_ms_ > 0 ? need / rate_per_ms_ : kDefaultWindowMs;
    double by_reset = full_at_ > now ? static_cast<double>(util::millis_between(now, full_at_)) : by_rate;
    return static_cast<int64_t>(std::ceil(std::min(by_rate, by_reset))) + 1;
}

void Pacer::on_send(util::TimePoint now) {
    ++in_flight_;
    if (!known_) return;
    refill(now);
    points_ -= 1.0;
}

void Pacer::on_finish(util::TimePoint now, const HttpResult &result, int64_t now_unix_ms) {
    if (in_flight_ > 0) --in_flight_;
    double limit = 0, remaining = 0, reset_s = 0;
    if (!parse_number(find_header(result.headers, "Ratelimit-Limit"), &limit) ||
        !parse_number(find_header(result.headers, "Ratelimit-Remaining"), &remaining) || limit <= 0) {
        return;
    }
    const bool have_reset = parse_number(find_header(result.headers, "Ratelimit-Reset"), &reset_s);
    known_ = true;
    limit_ = limit;
    rate_per_ms_ = limit / kDefaultWindowMs;
    double until_full_ms = have_reset ? reset_s * 1000.0 - static_cast<double>(now_unix_ms) : -1;
    if (until_full_ms > 0) {
        full_at_ = now + util::Millis(static_cast<int64_t>(until_full_ms));
        // Reset is rounded up to whole seconds, so this rate errs on the slow side.
        double spent = limit - remaining;
        if (spent >= kMinObservedSpent) rate_per_ms_ = spent / until_full_ms;
    } else {
        full_at_ = now;
    }
    // Fresh server truth, minus whatever is still in flight.
    points_ = remaining - in_flight_;
    updated_ = now;
}

}  // namespace tc::net
