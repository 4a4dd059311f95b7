// net/retry_policy: which outcomes are retried, after how long, and when
// the policy gives up.
#include "unit.hpp"

#include "net/retry_policy.hpp"

#include <curl/curl.h>

#include <algorithm>
#include <vector>

using tc::net::HttpResult;
using tc::net::RetryConfig;
using tc::net::RetryDecision;
using tc::net::RetryPolicy;
using tc::util::Jitter;

namespace {

constexpr int64_t kNowUnixMs = 1700000000000;  // a fixed "now" for Ratelimit-Reset arithmetic
constexpr int64_t kNowUnixS = kNowUnixMs / 1000;
constexpr int64_t kResetJitterMaxMs = 100;

RetryConfig config(int64_t base = 200, int64_t cap = 10000, int64_t max_wait = 65000) {
    RetryConfig c;
    c.max_attempts = 5;
    c.backoff_base_ms = base;
    c.backoff_max_ms = cap;
    c.ratelimit_max_wait_ms = max_wait;
    return c;
}

HttpResult curl_failure(int code) {
    HttpResult r;
    r.curl_code = code;
    r.error = "curl says no";
    return r;
}

HttpResult http(int status, tc::net::Headers headers = {}) {
    HttpResult r;
    r.http_status = status;
    r.headers = std::move(headers);
    return r;
}

HttpResult limited(const char *remaining, const char *reset) {
    tc::net::Headers h = {{"Ratelimit-Limit", "800"}};
    if (remaining != nullptr) h.emplace_back("Ratelimit-Remaining", remaining);
    if (reset != nullptr) h.emplace_back("Ratelimit-Reset", reset);
    return http(429, std::move(h));
}

std::string reset_in(int64_t seconds) { return std::to_string(kNowUnixS + seconds); }

int64_t ceiling_for(int64_t base, int64_t cap, int attempt) {
    int64_t c = base;
    for (int i = 1; i < attempt && c < cap; ++i) c *= 2;
    return std::min(c, cap);
}

const tc_method kAllMethods[] = {TC_GET, TC_POST, TC_PATCH, TC_PUT, TC_DELETE};

const int kRetryableCurl[] = {CURLE_COULDNT_CONNECT, CURLE_COULDNT_RESOLVE_HOST, CURLE_COULDNT_RESOLVE_PROXY,
                              CURLE_OPERATION_TIMEDOUT, CURLE_SEND_ERROR, CURLE_RECV_ERROR,
                              CURLE_GOT_NOTHING, CURLE_PARTIAL_FILE, CURLE_HTTP2, CURLE_HTTP2_STREAM,
                              CURLE_SSL_CONNECT_ERROR};
// These may have reached the server.
const int kMaybeSentCurl[] = {CURLE_OPERATION_TIMEDOUT, CURLE_SEND_ERROR, CURLE_RECV_ERROR, CURLE_GOT_NOTHING,
                              CURLE_PARTIAL_FILE, CURLE_HTTP2, CURLE_HTTP2_STREAM, CURLE_SSL_CONNECT_ERROR};
// These surely did not.
const int kNeverSentCurl[] = {CURLE_COULDNT_CONNECT, CURLE_COULDNT_RESOLVE_HOST, CURLE_COULDNT_RESOLVE_PROXY};

}  // namespace

static void retryable_curl_codes(void **) {
    Jitter j(1);
    RetryPolicy p(config(), j);
    for (int code : kRetryableCurl) {
        for (tc_method m : {TC_GET, TC_PATCH, TC_PUT, TC_DELETE}) {
            RetryDecision d = p.decide(curl_failure(code), m, false, 1, 5, kNowUnixMs);
            if (!d.retry) print_error("curl code %d, method %d not retried\n", code, static_cast<int>(m));
            assert_true(d.retry);
            assert_false(d.bucket_429);
            TC_ASSERT_BETWEEN(d.delay_ms, 0, 200);
            TC_ASSERT_CONTAINS(d.why, "curl says no");
        }
    }
}

static void non_retryable_curl_codes(void **) {
    Jitter j(1);
    RetryPolicy p(config(), j);
    const int codes[] = {CURLE_UNSUPPORTED_PROTOCOL, CURLE_URL_MALFORMAT,     CURLE_PEER_FAILED_VERIFICATION,
                         CURLE_SSL_CACERT_BADFILE,   CURLE_SSL_CERTPROBLEM,   CURLE_WRITE_ERROR,
                         CURLE_READ_ERROR,           CURLE_OUT_OF_MEMORY,     CURLE_ABORTED_BY_CALLBACK,
                         CURLE_TOO_MANY_REDIRECTS,   CURLE_BAD_FUNCTION_ARGUMENT, CURLE_FAILED_INIT};
    for (int code : codes) {
        for (tc_method m : kAllMethods) {
            for (bool unsafe_ok : {false, true}) {
                RetryDecision d = p.decide(curl_failure(code), m, unsafe_ok, 1, 5, kNowUnixMs);
                if (d.retry) print_error("curl code %d retried\n", code);
                assert_false(d.retry);
                assert_false(d.bucket_429);
            }
        }
    }
}

static void retryable_http_statuses(void **) {
    Jitter j(2);
    RetryPolicy p(config(), j);
    for (int status : {500, 502, 503, 504}) {
        for (tc_method m : {TC_GET, TC_PATCH, TC_PUT, TC_DELETE}) {
            RetryDecision d = p.decide(http(status), m, false, 1, 5, kNowUnixMs);
            assert_true(d.retry);
            assert_false(d.bucket_429);
            TC_ASSERT_BETWEEN(d.delay_ms, 0, 200);
            TC_ASSERT_CONTAINS(d.why, std::to_string(status));
        }
    }
}

static void non_retryable_http_statuses(void **) {
    Jitter j(3);
    RetryPolicy p(config(), j);
    const int statuses[] = {0, 200, 201, 202, 204, 301, 304, 400, 401, 403, 404, 405, 409, 410, 413, 422, 501, 505, 599};
    for (int status : statuses) {
        for (tc_method m : kAllMethods) {
            for (bool unsafe_ok : {false, true}) {
                RetryDecision d = p.decide(http(status), m, unsafe_ok, 1, 5, kNowUnixMs);
                if (d.retry) print_error("HTTP %d retried\n", status);
                assert_false(d.retry);
                assert_false(d.bucket_429);
            }
        }
    }
}

static void post_not_retried_once_it_may_have_arrived(void **) {
    Jitter j(4);
    RetryPolicy p(config(), j);
    for (int code : kMaybeSentCurl) {
        RetryDecision d = p.decide(curl_failure(code), TC_POST, false, 1, 5, kNowUnixMs);
        if (d.retry) print_error("POST retried after curl code %d\n", code);
        assert_false(d.retry);
        TC_ASSERT_CONTAINS(d.why, "POST");
        // ...unless the caller said repeating it is safe.
        d = p.decide(curl_failure(code), TC_POST, true, 1, 5, kNowUnixMs);
        assert_true(d.retry);
        TC_ASSERT_BETWEEN(d.delay_ms, 0, 200);
    }
    for (int status : {500, 502, 503, 504}) {
        RetryDecision d = p.decide(http(status), TC_POST, false, 1, 5, kNowUnixMs);
        assert_false(d.retry);
        TC_ASSERT_CONTAINS(d.why, "POST");
        d = p.decide(http(status), TC_POST, true, 1, 5, kNowUnixMs);
        assert_true(d.retry);
    }
}

static void post_retried_when_it_never_left(void **) {
    Jitter j(5);
    RetryPolicy p(config(), j);
    for (int code : kNeverSentCurl) {
        RetryDecision d = p.decide(curl_failure(code), TC_POST, false, 1, 5, kNowUnixMs);
        if (!d.retry) print_error("POST not retried after curl code %d\n", code);
        assert_true(d.retry);
        TC_ASSERT_BETWEEN(d.delay_ms, 0, 200);
    }
}

static void post_bucket_429_is_retried(void **) {
    // The server refused the request outright: repeating it is safe.
    Jitter j(6);
    RetryPolicy p(config(), j);
    std::string reset = reset_in(2);
    RetryDecision d = p.decide(limited("0", reset.c_str()), TC_POST, false, 1, 5, kNowUnixMs);
    assert_true(d.retry);
    assert_true(d.bucket_429);
}

static void canceled_and_too_large_never_retried(void **) {
    Jitter j(7);
    RetryPolicy p(config(), j);
    HttpResult r = curl_failure(CURLE_COULDNT_CONNECT);
    r.canceled = true;
    assert_false(p.decide(r, TC_GET, true, 1, 5, kNowUnixMs).retry);
    r = http(503);
    r.too_large = true;
    assert_false(p.decide(r, TC_GET, true, 1, 5, kNowUnixMs).retry);
    r = limited("0", nullptr);
    r.canceled = true;
    RetryDecision d = p.decide(r, TC_GET, true, 1, 5, kNowUnixMs);
    assert_false(d.retry);
    assert_false(d.bucket_429);
}

static void is_bucket_429_cases(void **) {
    assert_true(RetryPolicy::is_bucket_429(limited("0", nullptr)));
    assert_true(RetryPolicy::is_bucket_429(limited(nullptr, nullptr)));  // absent: assume the bucket
    assert_true(RetryPolicy::is_bucket_429(limited("-1", nullptr)));
    assert_false(RetryPolicy::is_bucket_429(limited("1", nullptr)));
    assert_false(RetryPolicy::is_bucket_429(limited("799", nullptr)));
    assert_true(RetryPolicy::is_bucket_429(http(429, {{"ratelimit-remaining", "0"}})));  // HTTP/2 case
    assert_false(RetryPolicy::is_bucket_429(http(429, {{"RATELIMIT-REMAINING", "12"}})));
    // Only a 429 can be one.
    assert_false(RetryPolicy::is_bucket_429(http(200, {{"Ratelimit-Remaining", "0"}})));
    assert_false(RetryPolicy::is_bucket_429(http(503, {})));
}

static void twitch_limit_429_not_retried(void **) {
    // "Conduit limit reached" and friends: 429 with points left. Waiting will not help.
    Jitter j(8);
    RetryPolicy p(config(), j);
    std::string reset = reset_in(1);
    for (tc_method m : kAllMethods) {
        RetryDecision d = p.decide(limited("5", reset.c_str()), m, true, 1, 5, kNowUnixMs);
        assert_false(d.retry);
        assert_false(d.bucket_429);
    }
}

static void ms_until_reset_cases(void **) {
    TC_ASSERT_EQ(RetryPolicy::ms_until_reset(limited("0", nullptr), kNowUnixMs), -1);
    std::string r = reset_in(10);
    TC_ASSERT_EQ(RetryPolicy::ms_until_reset(limited("0", r.c_str()), kNowUnixMs), 10000);
    TC_ASSERT_EQ(RetryPolicy::ms_until_reset(limited("0", r.c_str()), kNowUnixMs + 250), 9750);
    r = reset_in(-3);  // already past: no wait
    TC_ASSERT_EQ(RetryPolicy::ms_until_reset(limited("0", r.c_str()), kNowUnixMs), 0);
    TC_ASSERT_EQ(RetryPolicy::ms_until_reset(limited("0", "0"), kNowUnixMs), -1);
    TC_ASSERT_EQ(RetryPolicy::ms_until_reset(limited("0", "-5"), kNowUnixMs), -1);
    TC_ASSERT_EQ(RetryPolicy::ms_until_reset(limited("0", "soon"), kNowUnixMs), -1);
    TC_ASSERT_EQ(RetryPolicy::ms_until_reset(limited("0", ""), kNowUnixMs), -1);
    TC_ASSERT_EQ(RetryPolicy::ms_until_reset(http(429, {{"ratelimit-reset", std::to_string(kNowUnixS + 2)}}),
                                             kNowUnixMs),
                 2000);
}

static void bucket_429_waits_until_reset(void **) {
    Jitter j(9);
    RetryPolicy p(config(), j);
    std::string reset = reset_in(5);
    for (int i = 0; i < 200; ++i) {
        RetryDecision d = p.decide(limited("0", reset.c_str()), TC_GET, false, 1, 5, kNowUnixMs);
        assert_true(d.retry);
        assert_true(d.bucket_429);
        TC_ASSERT_BETWEEN(d.delay_ms, 5000, 5000 + kResetJitterMaxMs);
        TC_ASSERT_CONTAINS(d.why, "429");
    }
    // Remaining absent counts as an empty bucket.
    RetryDecision d = p.decide(limited(nullptr, reset.c_str()), TC_GET, false, 1, 5, kNowUnixMs);
    assert_true(d.retry);
    assert_true(d.bucket_429);
    TC_ASSERT_BETWEEN(d.delay_ms, 5000, 5000 + kResetJitterMaxMs);
    // A reset already past: retry at once (plus the herd jitter).
    std::string past = reset_in(-1);
    d = p.decide(limited("0", past.c_str()), TC_GET, false, 1, 5, kNowUnixMs);
    assert_true(d.retry);
    TC_ASSERT_BETWEEN(d.delay_ms, 0, kResetJitterMaxMs);
}

static void bucket_429_without_reset_backs_off(void **) {
    Jitter j(10);
    RetryPolicy p(config(100, 10000), j);
    for (int attempt = 1; attempt <= 4; ++attempt) {
        RetryDecision d = p.decide(limited("0", nullptr), TC_GET, false, attempt, 5, kNowUnixMs);
        assert_true(d.retry);
        assert_true(d.bucket_429);
        TC_ASSERT_BETWEEN(d.delay_ms, 0, ceiling_for(100, 10000, attempt));
    }
    RetryDecision d = p.decide(limited("0", "garbage"), TC_GET, false, 1, 5, kNowUnixMs);
    assert_true(d.retry);
    TC_ASSERT_BETWEEN(d.delay_ms, 0, 100);
}

static void reset_beyond_max_wait_gives_up(void **) {
    Jitter j(11);
    RetryPolicy p(config(200, 10000, 3000), j);
    std::string at_limit = reset_in(3);  // exactly ratelimit_max_wait_ms away: still waited out
    RetryDecision d = p.decide(limited("0", at_limit.c_str()), TC_GET, false, 1, 5, kNowUnixMs);
    assert_true(d.retry);
    TC_ASSERT_BETWEEN(d.delay_ms, 3000, 3000 + kResetJitterMaxMs);
    std::string beyond = reset_in(4);
    d = p.decide(limited("0", beyond.c_str()), TC_GET, false, 1, 5, kNowUnixMs);
    assert_false(d.retry);
    assert_true(d.bucket_429);
    TC_ASSERT_CONTAINS(d.why, "ratelimit_max_wait_ms");
    // One millisecond over is over.
    d = p.decide(limited("0", at_limit.c_str()), TC_GET, false, 1, 5, kNowUnixMs - 1);
    assert_false(d.retry);
}

static void attempts_cap(void **) {
    Jitter j(12);
    RetryPolicy p(config(), j);
    // The caller's max_attempts rules (a request can override the manager's).
    for (int max : {1, 2, 5, 7}) {
        for (int attempt = 1; attempt <= max + 1; ++attempt) {
            RetryDecision d = p.decide(http(503), TC_GET, false, attempt, max, kNowUnixMs);
            assert_int_equal(d.retry, attempt < max);
            if (!d.retry) {
                TC_ASSERT_CONTAINS(d.why, "gave up after " + std::to_string(attempt) + " attempts");
                TC_ASSERT_CONTAINS(d.why, "503");
            }
        }
    }
    // Waiting out the bucket does not use up max_attempts...
    std::string reset = reset_in(1);
    RetryDecision d = p.decide(limited("0", reset.c_str()), TC_GET, false, 3, 3, kNowUnixMs);
    assert_true(d.retry);
    assert_true(d.bucket_429);
    // ...and attempts that were 429 waits do not count against it either...
    d = p.decide(http(503), TC_GET, false, 5, 3, kNowUnixMs, 3);
    assert_true(d.retry);
    d = p.decide(http(503), TC_GET, false, 6, 3, kNowUnixMs, 3);
    assert_false(d.retry);
    // ...but the number of waits is bounded.
    d = p.decide(limited("0", reset.c_str()), TC_GET, false, 40, 3, kNowUnixMs, RetryPolicy::kMaxRateLimitWaits);
    assert_false(d.retry);
    assert_true(d.bucket_429);
    TC_ASSERT_CONTAINS(d.why, "gave up");
    d = p.decide(curl_failure(CURLE_COULDNT_CONNECT), TC_POST, false, 2, 2, kNowUnixMs);
    assert_false(d.retry);
    TC_ASSERT_CONTAINS(d.why, "gave up");
}

static void backoff_full_jitter_bounds(void **) {
    const int64_t base = 100, cap = 1000;
    Jitter j(20240601);
    RetryPolicy p(config(base, cap), j);
    int64_t prev_max = -1;
    for (int attempt = 1; attempt <= 8; ++attempt) {
        const int64_t ceiling = ceiling_for(base, cap, attempt);
        int64_t lo = INT64_MAX, hi = -1;
        for (int i = 0; i < 4000; ++i) {
            int64_t d = p.backoff_ms(attempt);
            TC_ASSERT_BETWEEN(d, 0, ceiling);
            lo = std::min(lo, d);
            hi = std::max(hi, d);
        }
        // Full jitter: the whole range is used.
        TC_ASSERT_BETWEEN(lo, 0, ceiling / 20);
        TC_ASSERT_BETWEEN(hi, ceiling - ceiling / 20, ceiling);
        // Ceilings grow until the cap, then stay.
        if (ceiling < cap) {
            assert_true(hi > prev_max);
        } else {
            TC_ASSERT_BETWEEN(hi, cap - cap / 20, cap);
        }
        prev_max = hi;
    }
    // Ceilings: 100, 200, 400, 800, then the cap.
    TC_ASSERT_EQ(ceiling_for(base, cap, 4), 800);
    TC_ASSERT_EQ(ceiling_for(base, cap, 5), 1000);
}

static void backoff_odd_attempts_and_configs(void **) {
    Jitter j(99);
    RetryPolicy p(config(100, 1000), j);
    for (int i = 0; i < 200; ++i) {
        TC_ASSERT_BETWEEN(p.backoff_ms(0), 0, 100);
        TC_ASSERT_BETWEEN(p.backoff_ms(-3), 0, 100);
        TC_ASSERT_BETWEEN(p.backoff_ms(1000000), 0, 1000);
    }
    // Base above the cap: the cap wins.
    RetryPolicy capped(config(5000, 1000), j);
    for (int i = 0; i < 200; ++i) TC_ASSERT_BETWEEN(capped.backoff_ms(1), 0, 1000);
    // Zero base: no waiting at all.
    RetryPolicy zero(config(0, 1000), j);
    for (int attempt = 1; attempt < 10; ++attempt) TC_ASSERT_EQ(zero.backoff_ms(attempt), 0);
    // A cap that is reached only after many doublings (see test_known_bugs for INT64_MAX).
    RetryPolicy big(config(1000, int64_t(1) << 40), j);
    for (int attempt = 1; attempt <= 100; ++attempt) {
        TC_ASSERT_BETWEEN(big.backoff_ms(attempt), 0, int64_t(1) << 40);
    }
    assert_int_equal(p.config().backoff_base_ms, 100);
    assert_int_equal(p.config().backoff_max_ms, 1000);
}

static void decisions_are_reproducible_with_a_seed(void **) {
    Jitter ja(777), jb(777);
    RetryPolicy a(config(), ja), b(config(), jb);
    std::string reset = reset_in(1);
    for (int attempt = 1; attempt <= 4; ++attempt) {
        TC_ASSERT_EQ(a.decide(http(503), TC_GET, false, attempt, 5, kNowUnixMs).delay_ms,
                     b.decide(http(503), TC_GET, false, attempt, 5, kNowUnixMs).delay_ms);
        TC_ASSERT_EQ(a.decide(limited("0", reset.c_str()), TC_GET, false, attempt, 5, kNowUnixMs).delay_ms,
                     b.decide(limited("0", reset.c_str()), TC_GET, false, attempt, 5, kNowUnixMs).delay_ms);
    }
}

static void decide_delay_follows_attempt(void **) {
    Jitter j(31337);
    RetryPolicy p(config(100, 100000), j);
    for (int attempt = 1; attempt <= 6; ++attempt) {
        int64_t hi = 0;
        for (int i = 0; i < 500; ++i) {
            RetryDecision d = p.decide(http(502), TC_GET, false, attempt, 100, kNowUnixMs);
            assert_true(d.retry);
            TC_ASSERT_BETWEEN(d.delay_ms, 0, ceiling_for(100, 100000, attempt));
            hi = std::max(hi, d.delay_ms);
        }
        if (attempt > 1) assert_true(hi > ceiling_for(100, 100000, attempt - 1));
    }
}


// Finding 3 of the hardening issue: Retry-After (delta-seconds) is honoured
// for 429 without a usable Ratelimit-Reset and for 503, but never trusted
// beyond the configured bounds; anything that is not plain digits is ignored.
static void retry_after_is_honoured_within_bounds(void **) {
    Jitter j(4242);
    RetryPolicy p(config(200, 10000, 65000), j);
    TC_ASSERT_EQ(RetryPolicy::ms_from_retry_after(http(503, {{"Retry-After", "3"}})), 3000);
    TC_ASSERT_EQ(RetryPolicy::ms_from_retry_after(http(503, {{"retry-after", "0"}})), 0);
    for (const char *bad : {"", "-1", "1e300", "3.5", "soon", "Wed, 21 Oct 2015 07:28:00 GMT", " 7x"}) {
        TC_ASSERT_EQ(RetryPolicy::ms_from_retry_after(http(503, {{"Retry-After", bad}})), -1);
    }
    TC_ASSERT_EQ(RetryPolicy::ms_from_retry_after(http(503, {})), -1);
    // Saturates instead of overflowing.
    TC_ASSERT_EQ(RetryPolicy::ms_from_retry_after(http(503, {{"Retry-After", "99999999999999999999999999"}})),
                 INT64_MAX);

    for (int i = 0; i < 100; ++i) {
        // 503: at least what the server asked, at most backoff_max_ms.
        RetryDecision d = p.decide(http(503, {{"Retry-After", "3"}}), TC_GET, false, 1, 5, kNowUnixMs);
        assert_true(d.retry);
        TC_ASSERT_BETWEEN(d.delay_ms, 3000, 3000);
        d = p.decide(http(503, {{"Retry-After", "99999999999999999999999999"}}), TC_GET, false, 1, 5, kNowUnixMs);
        assert_true(d.retry);
        TC_ASSERT_BETWEEN(d.delay_ms, 0, 10000);
        for (const char *bad : {"-1", "1e300", "nan", "-99999999999999999999"}) {
            d = p.decide(http(503, {{"Retry-After", bad}}), TC_GET, false, 1, 5, kNowUnixMs);
            assert_true(d.retry);
            TC_ASSERT_BETWEEN(d.delay_ms, 0, 200);  // plain backoff, as without the header
        }
        // A bucket 429 without a usable reset waits as Retry-After says, up to ratelimit_max_wait_ms.
        d = p.decide(http(429, {{"Ratelimit-Remaining", "0"}, {"Retry-After", "4"}}), TC_GET, false, 1, 5,
                     kNowUnixMs);
        assert_true(d.retry);
        TC_ASSERT_BETWEEN(d.delay_ms, 4000, 4000 + kResetJitterMaxMs);
        d = p.decide(http(429, {{"Ratelimit-Remaining", "0"}, {"Ratelimit-Reset", "1e300"}, {"Retry-After", "-5"}}),
                     TC_GET, false, 1, 5, kNowUnixMs);
        assert_true(d.retry);
        TC_ASSERT_BETWEEN(d.delay_ms, 0, 200);
        d = p.decide(http(429, {{"Ratelimit-Remaining", "0"}, {"Retry-After", "99999999999999999999999999"}}),
                     TC_GET, false, 1, 5, kNowUnixMs);
        assert_false(d.retry);  // longer than ratelimit_max_wait_ms: give up now rather than hang
        TC_ASSERT_CONTAINS(d.why, "ratelimit_max_wait_ms");
    }
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(retryable_curl_codes),
        cmocka_unit_test(non_retryable_curl_codes),
        cmocka_unit_test(retryable_http_statuses),
        cmocka_unit_test(non_retryable_http_statuses),
        cmocka_unit_test(post_not_retried_once_it_may_have_arrived),
        cmocka_unit_test(post_retried_when_it_never_left),
        cmocka_unit_test(post_bucket_429_is_retried),
        cmocka_unit_test(canceled_and_too_large_never_retried),
        cmocka_unit_test(is_bucket_429_cases),
        cmocka_unit_test(twitch_limit_429_not_retried),
        cmocka_unit_test(ms_until_reset_cases),
        cmocka_unit_test(bucket_429_waits_until_reset),
        cmocka_unit_test(bucket_429_without_reset_backs_off),
        cmocka_unit_test(reset_beyond_max_wait_gives_up),
        cmocka_unit_test(attempts_cap),
        cmocka_unit_test(backoff_full_jitter_bounds),
        cmocka_unit_test(backoff_odd_attempts_and_configs),
        cmocka_unit_test(decisions_are_reproducible_with_a_seed),
        cmocka_unit_test(decide_delay_follows_attempt),
        cmocka_unit_test(retry_after_is_honoured_within_bounds),
    };
    return cmocka_run_group_tests_name("retry_policy", tests, nullptr, nullptr);
}
