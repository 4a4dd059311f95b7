#include "net/pacer.hpp"

#include <algorithm>
#include <cmath>
#include <cstdlib>

namespace tc::net {

namespace {
constexpr double kDefaultWindowMs = 60000.0;  // Twitch refills `limit` points per minute
constexpr double kMinObservedSpent = 5.0;     // below this the 1 s header rounding dominates
constexpr double kMaxPromiseMs = 3600000.0;   // a Reset further away than an hour is not believed
// Twitch's bucket holds 800 points; a limit outside [1, 1e6] is a broken or
// hostile server, and believing it would stall the client (a tiny limit means
// a refill rate of nearly zero) or overflow the arithmetic.
constexpr double kMinLimit = 1.0;
constexpr double kMaxLimit = 1e6;
// The refill rate learned from a reset is at most a whole bucket per second.
constexpr double kMinFullRefillMs = 1000.0;

// A finite number and nothing else (surrounding blanks allowed).
bool parse_number(const std::string *text, double *out) {
    if (text == nullptr) return false;
    // Fast path for what Twitch sends (plain digits), checked on every
    // answer; anything else goes through strtod as before.
    if (!text->empty() && text->size() <= 15) {
        double digits = 0;
        bool plain = true;
        for (char ch : *text) {
            if (ch < '0' || ch > '9') {
                plain = false;
                break;
            }
            digits = digits * 10 + (ch - '0');
        }
        if (plain) {
            *out = digits;
            return true;
        }
    }
    char *end = nullptr;
    double v = std::strtod(text->c_str(), &end);
    if (end == text->c_str() || !std::isfinite(v)) return false;
    while (*end == ' ' || *end == '\t') ++end;
    if (*end != '\0') return false;
    *out = v;
    return true;
}
}  // namespace

void Pacer::refill(util::TimePoint now) {
    if (!known_) return;
    const double ceiling = limit_ - in_flight_;
    if (full_at_ != util::TimePoint{} && now >= full_at_) {
        // The server said the bucket is full by now; in-flight requests are not in that.
        points_ = std::max(points_, ceiling);
        full_at_ = util::TimePoint{};  // one jump per promise: later sends are ours to count
    }
    double elapsed = static_cast<double>(util::millis_between(updated_, now));
    if (elapsed > 0) {
        points_ = std::min(points_ + elapsed * rate_per_ms_, ceiling);
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
    // Rounded up, but no extra millisecond per point (that alone costs ~5% at 50/s).
    // Never longer than one window: the caller asks again then, so a model
    // gone wrong costs a minute, not forever (and the cast stays in range).
    const double wait = std::min({by_rate, by_reset, kDefaultWindowMs});
    return std::max<int64_t>(1, static_cast<int64_t>(std::ceil(wait)));
}

Pacer::Sent Pacer::on_send(util::TimePoint now, int64_t now_unix_ms) {
    ++in_flight_;
    if (known_) {
        refill(now);
        points_ -= 1.0;
    }
    return Sent{now_unix_ms};
}

// The estimate only ever rises through our own model (refill at a rate that
// is never above the server's, and the server's promise of a full bucket);
// answers only lower it. Answers arrive out of the order the server handled
// the requests, so a "remaining" value can be stale in either direction.
void Pacer::on_finish(util::TimePoint now, const HttpResult &result, int64_t now_unix_ms, const Sent &sent) {
    if (in_flight_ > 0) --in_flight_;
    double limit = 0, remaining = 0;
    if (!parse_number(find_header(result.headers, "Ratelimit-Limit"), &limit) ||
        !parse_number(find_header(result.headers, "Ratelimit-Remaining"), &remaining)) {
        return;
    }
    if (limit < kMinLimit || limit > kMaxLimit || remaining < 0 || remaining > limit) return;  // nonsense
    const double fresh = remaining - in_flight_;
    if (!known_ || limit != limit_) {
        known_ = true;
        limit_ = limit;
        rate_per_ms_ = limit / kDefaultWindowMs;
        points_ = fresh;
        full_at_ = util::TimePoint{};
        updated_ = now;
    } else {
        refill(now);
        points_ = std::min(points_, fresh);
    }
    double reset_s = 0;
    if (!parse_number(find_header(result.headers, "Ratelimit-Reset"), &reset_s)) return;
    const double until_full_ms = reset_s * 1000.0 - static_cast<double>(now_unix_ms);
    if (until_full_ms > kMaxPromiseMs) return;  // nonsense; keep the model we have
    if (until_full_ms > 0) {
        // The latest promise wins: it accounts for the most consumption.
        auto promised = now + util::Millis(static_cast<int64_t>(until_full_ms));
        if (promised > full_at_) full_at_ = promised;
    }
    // A lower bound of the refill rate: at least `spent - 1` points (Remaining
    // is floored) come back between the server's handling, which happened after
    // we sent, and the reset, which is rounded up.
    const double spent = limit - remaining - 1.0;
    const double from_send_ms = reset_s * 1000.0 - static_cast<double>(sent.unix_ms);
    if (spent >= kMinObservedSpent && from_send_ms > 0) {
        rate_per_ms_ = std::min(std::max(rate_per_ms_, spent / from_send_ms), limit_ / kMinFullRefillMs);
    }
}

}  // namespace tc::net
