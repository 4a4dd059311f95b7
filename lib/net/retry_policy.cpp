#include "net/retry_policy.hpp"

#include <curl/curl.h>

#include <algorithm>
#include <cstdint>
#include <cstdlib>

namespace tc::net {

namespace {

constexpr int64_t kResetJitterMs = 100;  // spreads a herd of waiters after a reset

// The request surely never reached the server: safe to retry even a POST.
bool never_sent(int curl_code) {
    return curl_code == CURLE_COULDNT_CONNECT || curl_code == CURLE_COULDNT_RESOLVE_HOST ||
           curl_code == CURLE_COULDNT_RESOLVE_PROXY;
}

bool retryable_curl(int curl_code) {
    switch (curl_code) {
    case CURLE_COULDNT_CONNECT:
    case CURLE_COULDNT_RESOLVE_HOST:
    case CURLE_COULDNT_RESOLVE_PROXY:
    case CURLE_OPERATION_TIMEDOUT:
    case CURLE_SEND_ERROR:
    case CURLE_RECV_ERROR:
    case CURLE_GOT_NOTHING:
    case CURLE_PARTIAL_FILE:
    case CURLE_HTTP2:
    case CURLE_HTTP2_STREAM:
    case CURLE_SSL_CONNECT_ERROR:  // a reset during the handshake; bad certificates are 60
        return true;
    default:
        return false;
    }
}

// Plain decimal digits, saturating at INT64_MAX; -1 for anything else (signs,
// exponents, dates): a value a server got wrong is ignored, never trusted.
int64_t parse_seconds(const std::string *text) {
    if (text == nullptr || text->empty()) return -1;
    int64_t seconds = 0;
    for (char ch : *text) {
        if (ch < '0' || ch > '9') return -1;
        seconds = seconds > (INT64_MAX - 9) / 10 ? INT64_MAX : seconds * 10 + (ch - '0');
    }
    return seconds;
}

bool retryable_http(int status) {
    return status == 500 || status == 502 || status == 503 || status == 504;
}

}  // namespace

bool RetryPolicy::is_bucket_429(const HttpResult &result) {
    if (result.http_status != 429) return false;
    const std::string *remaining = find_header(result.headers, "Ratelimit-Remaining");
    return remaining == nullptr || std::strtol(remaining->c_str(), nullptr, 10) <= 0;
}

int64_t RetryPolicy::ms_until_reset(const HttpResult &result, int64_t now_unix_ms) {
    const int64_t seconds = parse_seconds(find_header(result.headers, "Ratelimit-Reset"));
    if (seconds <= 0) return -1;
    const int64_t reset_ms = seconds > INT64_MAX / 1000 ? INT64_MAX : seconds * 1000;
    return std::max<int64_t>(0, reset_ms - now_unix_ms);
}

int64_t RetryPolicy::ms_from_retry_after(const HttpResult &result) {
    const int64_t seconds = parse_seconds(find_header(result.headers, "Retry-After"));
    if (seconds < 0) return -1;
    return seconds > INT64_MAX / 1000 ? INT64_MAX : seconds * 1000;
}

int64_t RetryPolicy::backoff_ms(int attempt) const {
    int64_t ceiling = config_.backoff_base_ms;
    for (int i = 1; i < attempt && ceiling < config_.backoff_max_ms; ++i) {
        if (ceiling > INT64_MAX / 2) break;  // doubling again would overflow; the cap applies anyway
        ceiling *= 2;
    }
    return jitter_.uniform_ms(std::min(ceiling, config_.backoff_max_ms));
}

RetryDecision RetryPolicy::decide(const HttpResult &result, tc_method method, bool unsafe_ok,
                                  int attempt, int max_attempts, int64_t now_unix_ms, int rate_limit_waits) const {
    RetryDecision d;
    if (result.canceled || result.too_large) return d;
    const bool is_post = method == TC_POST;

    if (result.curl_code != 0) {
        if (!retryable_curl(result.curl_code)) return d;
        if (is_post && !unsafe_ok && !never_sent(result.curl_code)) {
            d.why = "not retrying a POST that may have reached the server";
            return d;
        }
        d.why = "network: " + result.error;
        d.delay_ms = backoff_ms(attempt);
    } else if (result.http_status == 429) {
        if (!is_bucket_429(result)) return d;  // a Twitch limit: waiting will not help
        d.bucket_429 = true;
        int64_t wait = ms_until_reset(result, now_unix_ms);
        if (wait < 0) wait = ms_from_retry_after(result);
        if (wait < 0) {
            d.delay_ms = backoff_ms(attempt);
        } else {
            if (wait > config_.ratelimit_max_wait_ms) {
                d.why = "rate limited for longer than ratelimit_max_wait_ms";
                return d;
            }
            d.delay_ms = wait + jitter_.uniform_ms(kResetJitterMs);
        }
        d.why = "rate limited (429)";
    } else if (retryable_http(result.http_status)) {
        if (is_post && !unsafe_ok) {
            d.why = "not retrying a POST that may have reached the server";
            return d;
        }
        d.why = "server error " + std::to_string(result.http_status);
        d.delay_ms = backoff_ms(attempt);
        const int64_t asked = ms_from_retry_after(result);
        if (asked > d.delay_ms) d.delay_ms = std::min(asked, std::max(d.delay_ms, config_.backoff_max_ms));
    } else {
        return d;
    }
    if (d.bucket_429 ? rate_limit_waits >= kMaxRateLimitWaits : attempt - rate_limit_waits >= max_attempts) {
        d.why = "gave up after " + std::to_string(attempt) + " attempts; last: " + d.why;
        return d;
    }
    d.retry = true;
    return d;
}

}  // namespace tc::net
