// Regression tests for defects found in lib/ by review: each asserts the
// behaviour the library must have (secrets never cut in two by truncation,
// no arithmetic overflow on absurd values from the network or the options).
// Some only show as undefined behaviour, under -fsanitize=undefined.
#include "unit.hpp"

#include "net/oauth.hpp"
#include "net/pacer.hpp"
#include "net/retry_policy.hpp"
#include "util/log.hpp"

#include <algorithm>
#include <climits>

namespace {
std::string g_last;
void sink(tc_log_level, const char *message, void *) { g_last = message; }
}  // namespace

// Log messages are redacted before they are cut to length: a secret that
// straddles the cut must not reach the sink as a half-secret.
static void long_log_message_redacts_before_truncating(void **) {
    tc::util::Logger log(sink, nullptr, TC_LOG_DEBUG);
    const std::string secret = "SECRETTOKENabcdefghijklmnopqrstuvwxyz0123";
    log.add_secret(secret);
    const std::string pad(1000, 'p');
    log.log(TC_LOG_INFO, "%s%s", pad.c_str(), secret.c_str());
    TC_ASSERT_NOT_CONTAINS(g_last, secret.substr(0, 12));
}

// An absurd Ratelimit-Reset is far beyond ratelimit_max_wait_ms: give up,
// instead of overflowing into "reset is now" and retrying at once.
static void absurd_ratelimit_reset_gives_up(void **) {
    tc::util::Jitter jitter(1);
    tc::net::RetryPolicy policy(tc::net::RetryConfig{}, jitter);
    tc::net::HttpResult r;
    r.http_status = 429;
    r.headers = {{"Ratelimit-Remaining", "0"}, {"Ratelimit-Reset", "99999999999999999999"}};
    tc::net::RetryDecision d = policy.decide(r, TC_GET, false, 1, 5, 1700000000000);
    assert_false(d.retry);
}

// An out-of-range expires_in is clamped, not cast (undefined behaviour).
static void validate_expires_in_is_clamped(void **) {
    tc::net::TokenInfo info;
    std::string error;
    bool ok = tc::net::parse_validate("{\"client_id\":\"c\",\"expires_in\":1e300}", &info, &error);
    if (ok) TC_ASSERT_BETWEEN(info.expires_in, 0, INT64_MAX);  // clamped, or else rejected
}

// With backoff_max_ms near LONG_MAX and up to 100 attempts, the doubling
// ceiling must saturate, never wrap around to "no backoff".
static void backoff_with_huge_cap_never_overflows(void **) {
    tc::util::Jitter jitter(1);
    tc::net::RetryConfig config;
    config.backoff_base_ms = 1000;
    config.backoff_max_ms = INT64_MAX;
    tc::net::RetryPolicy policy(config, jitter);
    int collapsed = 0;
    for (int attempt = 1; attempt <= 100; ++attempt) {  // options allow max_attempts up to 100
        int64_t hi = 0;
        for (int i = 0; i < 20; ++i) hi = std::max(hi, policy.backoff_ms(attempt));
        if (hi == 0) ++collapsed;
    }
    TC_ASSERT_EQ(collapsed, 0);
}

// An absurd Ratelimit-Reset must not overflow the steady clock in the pacer
// (visible under UBSan only).
static void pacer_ignores_absurd_reset(void **) {
    tc::net::Pacer pacer(true);
    const tc::util::TimePoint now = tc::util::now();
    tc::net::Pacer::Sent sent = pacer.on_send(now, 1700000000000);
    tc::net::HttpResult r;
    r.http_status = 200;
    r.headers = {{"Ratelimit-Limit", "800"}, {"Ratelimit-Remaining", "0"}, {"Ratelimit-Reset", "1000000000000000"}};
    pacer.on_finish(now, r, 1700000000000, sent);
    assert_false(pacer.may_send(now));
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(long_log_message_redacts_before_truncating),
        cmocka_unit_test(absurd_ratelimit_reset_gives_up),
        cmocka_unit_test(validate_expires_in_is_clamped),
        cmocka_unit_test(backoff_with_huge_cap_never_overflows),
        cmocka_unit_test(pacer_ignores_absurd_reset),
    };
    return cmocka_run_group_tests_name("regressions", tests, nullptr, nullptr);
}
