#include "ratelimit.hpp"

#include <algorithm>
#include <cmath>

namespace tcm {

void RateLimiter::configure(long limit, double window_s) {
  limit_ = limit;
  per_second_ = static_cast<double>(limit) / window_s;
  buckets_.clear();  // buckets are created full on next use
}

RateLimiter::Bucket &RateLimiter::bucket(const std::string &client, Clock::time_point now) {
  auto it = buckets_.find(client);
  if (it == buckets_.end()) return buckets_.emplace(client, Bucket{static_cast<double>(limit_), now}).first->second;
  Bucket &b = it->second;
  double elapsed = std::chrono::duration<double>(now - b.last).count();
  if (elapsed > 0) {
    b.points = std::min(static_cast<double>(limit_), b.points + elapsed * per_second_);
    b.last = now;
  }
  return b;
}

RateLimiter::Verdict RateLimiter::verdict(const Bucket &b, bool allowed, double epoch_now) const {
  Verdict v;
  v.allowed = allowed;
  v.limit = limit_;
  v.remaining = static_cast<long>(std::floor(b.points));
  double missing = static_cast<double>(limit_) - b.points;
  v.reset_epoch = static_cast<long long>(std::ceil(epoch_now + std::max(0.0, missing) / per_second_));
  return v;
}

RateLimiter::Verdict RateLimiter::charge(const std::string &client, Clock::time_point now, double epoch_now) {
  Bucket &b = bucket(client, now);
  if (b.points < 1.0) return verdict(b, false, epoch_now);
  b.points -= 1.0;
  return verdict(b, true, epoch_now);
}

RateLimiter::Verdict RateLimiter::peek(const std::string &client, Clock::time_point now, double epoch_now) {
  return verdict(bucket(client, now), true, epoch_now);
}

}  // namespace tcm
