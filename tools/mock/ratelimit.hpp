// Helix-style token bucket per client id (reference §5): capacity `limit`,
// refilled continuously at limit/window points per second, 1 point per call.
// Not thread-safe on its own: State::mu guards it.
#pragma once

#include <chrono>
#include <string>
#include <unordered_map>

namespace tcm {

class RateLimiter {
 public:
  using Clock = std::chrono::steady_clock;

  struct Verdict {
    bool allowed = true;
    long limit = 0;
    long remaining = 0;        // whole points left after this request
    long long reset_epoch = 0;  // Unix seconds, rounded up, when the bucket is full
  };

  RateLimiter(long limit, double window_s) { configure(limit, window_s); }

  // New limits start every bucket full again, so a test that shrinks the
  // bucket gets exactly `limit` calls before the first 429.
  void configure(long limit, double window_s);

  // Take one point from `client`'s bucket if it has one.
  Verdict charge(const std::string &client, Clock::time_point now, double epoch_now);

  // The headers as they stand, without taking a point.
  Verdict peek(const std::string &client, Clock::time_point now, double epoch_now);

 private:
  struct Bucket {
    double points;
    Clock::time_point last;
  };

  Bucket &bucket(const std::string &client, Clock::time_point now);
  Verdict verdict(const Bucket &b, bool allowed, double epoch_now) const;

  long limit_ = 800;
  double per_second_ = 800.0 / 60.0;
  std::unordered_map<std::string, Bucket> buckets_;
};

}  // namespace tcm
