// Client-side pacing from Twitch's Ratelimit-* headers: keeps a conservative
// estimate of the points left in the server's bucket (counting requests in
// flight as spent) so bulk work slows down before the server answers 429.
// Loop thread only.
#pragma once

#include "net/http.hpp"
#include "util/clock.hpp"

namespace tc::net {

class Pacer {
public:
    explicit Pacer(bool enabled) : enabled_(enabled) {}

    // True when a request may be sent now.
    bool may_send(util::TimePoint now);
    // Milliseconds until may_send() can turn true (0 when it already is).
    int64_t wait_ms(util::TimePoint now);

    // What on_finish() needs to know about the attempt it answers.
    struct Sent {
        int64_t unix_ms = 0;  // wall time of sending
    };
    Sent on_send(util::TimePoint now, int64_t now_unix_ms);
    // Every answered or failed attempt, with the response headers if any.
    void on_finish(util::TimePoint now, const HttpResult &result, int64_t now_unix_ms, const Sent &sent);

    bool known() const { return known_; }
    double points() const { return points_; }

private:
    void refill(util::TimePoint now);

    bool enabled_;
    bool known_ = false;     // headers seen at least once
    double limit_ = 0;
    double points_ = 0;      // estimated points left, in-flight requests subtracted
    double rate_per_ms_ = 0; // refill rate
    util::TimePoint updated_{};
    util::TimePoint full_at_{}; // when the server promised a full bucket; {} = no promise pending
    int in_flight_ = 0;
};

}  // namespace tc::net
