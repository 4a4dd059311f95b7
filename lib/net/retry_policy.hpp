// Decides whether a finished attempt is retried and after how long:
// exponential backoff with full jitter for network errors, timeouts and
// 500/502/503/504; bucket 429s wait until Ratelimit-Reset (or Retry-After
// without one), and a 503's Retry-After lengthens the backoff up to its cap. POSTs are retried
// only when the request never left, or when the caller marked them safe.
#pragma once

#include "net/http.hpp"
#include "util/random.hpp"

#include <cstdint>
#include <string>

namespace tc::net {

struct RetryConfig {
    int max_attempts = 5;
    int64_t backoff_base_ms = 200;
    int64_t backoff_max_ms = 10000;
    int64_t ratelimit_max_wait_ms = 65000;
};

struct RetryDecision {
    bool retry = false;
    int64_t delay_ms = 0;
    bool bucket_429 = false;   // the server's rate-limit bucket is empty
    std::string why;           // for logs and, when giving up, the message
};

class RetryPolicy {
public:
    RetryPolicy(RetryConfig config, util::Jitter &jitter) : config_(config), jitter_(jitter) {}

    // attempt: attempts made so far (1 after the first); rate_limit_waits: how
    // many of them ended in a bucket 429. Waiting out the bucket does not use up
    // max_attempts (each wait is bounded by ratelimit_max_wait_ms instead, and
    // their number by kMaxRateLimitWaits), so a busy bucket never fails a request
    // that would succeed after the reset.
    RetryDecision decide(const HttpResult &result, tc_method method, bool unsafe_ok, int attempt,
                         int max_attempts, int64_t now_unix_ms, int rate_limit_waits = 0) const;

    static constexpr int kMaxRateLimitWaits = 32;

    // Full jitter: uniform in [0, min(cap, base * 2^(attempt-1))].
    int64_t backoff_ms(int attempt) const;

    const RetryConfig &config() const { return config_; }

    // A bucket 429 (retry after the reset) as opposed to a Twitch limit such
    // as "Conduit limit reached", which answers 429 with points remaining.
    static bool is_bucket_429(const HttpResult &result);
    // Milliseconds until Ratelimit-Reset, or -1 when the header is missing.
    static int64_t ms_until_reset(const HttpResult &result, int64_t now_unix_ms);
    // Retry-After as delta-seconds in milliseconds (saturating at INT64_MAX),
    // or -1 when missing or not plain digits (HTTP dates are not used).
    static int64_t ms_from_retry_after(const HttpResult &result);

private:
    RetryConfig config_;
    util::Jitter &jitter_;
};

}  // namespace tc::net
