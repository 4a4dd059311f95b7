// net/pacer: client-side pacing from Ratelimit-* headers. The API takes
// TimePoints, so time is synthetic here: nothing sleeps.
#include "unit.hpp"

#include "net/pacer.hpp"

#include <cmath>

using tc::net::HttpResult;
using tc::net::Pacer;
using tc::util::Millis;
using tc::util::TimePoint;

namespace {

constexpr int64_t kUnixS = 1700000000;  // the wall clock at T0, whole seconds
constexpr int64_t kUnixMs = kUnixS * 1000;

const TimePoint T0 = tc::util::now();
TimePoint at(int64_t ms) { return T0 + Millis(ms); }
int64_t unix_at(int64_t ms) { return kUnixMs + ms; }

// Headers as Twitch sends them; nullptr leaves a header out.
HttpResult answer(const char *limit, const char *remaining, const char *reset, int status = 200) {
    HttpResult r;
    r.http_status = status;
    if (limit != nullptr) r.headers.emplace_back("Ratelimit-Limit", limit);
    if (remaining != nullptr) r.headers.emplace_back("Ratelimit-Remaining", remaining);
    if (reset != nullptr) r.headers.emplace_back("Ratelimit-Reset", reset);
    return r;
}

// Limit and remaining as numbers, reset `reset_in_s` seconds after T0.
HttpResult answer(int limit, int remaining, int64_t reset_in_s) {
    const std::string l = std::to_string(limit), r = std::to_string(remaining),
                      s = std::to_string(kUnixS + reset_in_s);
    return answer(l.c_str(), r.c_str(), s.c_str());
}

// The pacer's view of one attempt, sent and answered at synthetic times
// (ms after T0); the wall clock moves in step with the steady clock.
Pacer::Sent send(Pacer &p, int64_t t) { return p.on_send(at(t), unix_at(t)); }
void finish(Pacer &p, int64_t t, const HttpResult &r, const Pacer::Sent &sent) {
    p.on_finish(at(t), r, unix_at(t), sent);
}

// One attempt sent and answered at `t` (how the first headers arrive).
void exchange(Pacer &p, int64_t t, const HttpResult &r) { finish(p, t, r, send(p, t)); }

void assert_points(const Pacer &p, double expected) {
    if (std::fabs(p.points() - expected) > 1e-6) {
        print_error("points() = %f, expected %f\n", p.points(), expected);
        fail();
    }
}

}  // namespace

static void disabled_pacer_always_allows(void **) {
    Pacer p(false);
    exchange(p, 0, answer(800, 0, 60));
    for (int i = 0; i < 50; ++i) send(p, 0);
    assert_true(p.may_send(at(0)));
    TC_ASSERT_EQ(p.wait_ms(at(0)), 0);
    exchange(p, 1, answer("800", "0", std::to_string(kUnixS + 60).c_str(), 429));
    assert_true(p.may_send(at(1)));
    TC_ASSERT_EQ(p.wait_ms(at(1)), 0);
}

static void unknown_until_headers(void **) {
    Pacer p(true);
    assert_false(p.known());
    assert_true(p.may_send(at(0)));
    TC_ASSERT_EQ(p.wait_ms(at(0)), 0);
    Pacer::Sent seq[5];
    for (auto &s : seq) s = send(p, 0);
    assert_false(p.known());
    assert_true(p.may_send(at(0)));
    // Incomplete or unusable headers teach it nothing.
    const std::string reset = std::to_string(kUnixS + 60);
    finish(p, 1, answer(nullptr, nullptr, nullptr), seq[0]);
    finish(p, 1, answer("800", nullptr, reset.c_str()), seq[1]);
    finish(p, 1, answer(nullptr, "0", reset.c_str()), seq[2]);
    finish(p, 1, answer("0", "0", reset.c_str()), seq[3]);
    finish(p, 1, answer("many", "0", reset.c_str()), seq[4]);
    assert_false(p.known());
    assert_true(p.may_send(at(1)));
    TC_ASSERT_EQ(p.wait_ms(at(1)), 0);
}

static void headers_make_it_known(void **) {
    Pacer p(true);
    exchange(p, 0, answer(800, 799, 60));
    assert_true(p.known());
    assert_points(p, 799);
    assert_true(p.may_send(at(0)));
    TC_ASSERT_EQ(p.wait_ms(at(0)), 0);
}

static void lower_case_headers(void **) {
    // HTTP/2 delivers header names in lower case.
    Pacer p(true);
    HttpResult r;
    r.http_status = 200;
    r.headers = {{"ratelimit-limit", "800"},
                 {"ratelimit-remaining", "0"},
                 {"ratelimit-reset", std::to_string(kUnixS + 30)}};
    exchange(p, 0, r);
    assert_true(p.known());
    assert_false(p.may_send(at(0)));
}

static void blocks_when_points_run_out_counting_in_flight(void **) {
    Pacer p(true);
    exchange(p, 0, answer(800, 3, 60));
    for (int i = 0; i < 3; ++i) {
        assert_true(p.may_send(at(0)));
        send(p, 0);
    }
    // Three requests in flight spent the three points the server reported.
    assert_false(p.may_send(at(0)));
    int64_t w = p.wait_ms(at(0));
    TC_ASSERT_BETWEEN(w, 1, 60000 + 1);
}

static void fresh_headers_subtract_requests_still_in_flight(void **) {
    Pacer p(true);
    exchange(p, 0, answer(800, 10, 60));
    Pacer::Sent s[4];
    for (auto &x : s) x = send(p, 0);
    assert_points(p, 6);
    // The server counted the first of the four; three are still in flight.
    finish(p, 0, answer(800, 9, 60), s[0]);
    assert_points(p, 6);
    finish(p, 0, answer(800, 8, 60), s[1]);
    assert_points(p, 6);
    // Other clients of the same bucket spent points meanwhile: server truth wins.
    finish(p, 0, answer(800, 2, 60), s[2]);  // one left in flight
    assert_points(p, 1);
    assert_true(p.may_send(at(0)));
    auto last = send(p, 0);
    assert_false(p.may_send(at(0)));
    finish(p, 0, answer(800, 0, 60), s[3]);
    finish(p, 0, answer(800, 0, 60), last);
    assert_false(p.may_send(at(0)));
    assert_true(p.points() <= 0 + 1e-9);
}

static void late_answer_never_raises_the_estimate(void **) {
    Pacer p(true);
    exchange(p, 0, answer(800, 10, 60));
    auto a = send(p, 0);
    auto b = send(p, 0);
    assert_points(p, 8);
    // b is answered first; a's answer describes an older bucket.
    finish(p, 1, answer(800, 8, 60), b);
    assert_points(p, 7);
    finish(p, 1, answer(800, 9, 60), a);
    assert_points(p, 7);
}

static void late_answer_may_lower_the_estimate(void **) {
    Pacer p(true);
    exchange(p, 0, answer(800, 10, 60));
    auto a = send(p, 0);
    auto b = send(p, 0);
    finish(p, 0, answer(800, 2, 60), b);
    assert_points(p, 1);
    finish(p, 0, answer(800, 0, 60), a);
    assert_points(p, 0);
    assert_false(p.may_send(at(0)));
}

static void late_answer_does_not_move_the_reset(void **) {
    // Few points spent, so the refill rate is the slow default (4 a minute)
    // and only the reset time can make the bucket full again soon.
    Pacer p(true);
    exchange(p, 0, answer(4, 2, 60));
    auto a = send(p, 0);
    auto b = send(p, 0);
    finish(p, 0, answer(4, 0, 60), b);
    finish(p, 0, answer(4, 0, 1), a);  // stale: claims a reset in 1 s
    assert_false(p.may_send(at(2000)));
    assert_true(p.may_send(at(60000)));
}

static void failed_attempt_without_headers_keeps_the_point_spent(void **) {
    Pacer p(true);
    exchange(p, 0, answer(800, 5, 60));
    auto a = send(p, 0);
    send(p, 0);
    assert_points(p, 3);
    finish(p, 0, HttpResult{}, a);  // e.g. a dropped connection
    assert_points(p, 3);
    assert_true(p.known());
}

static void wait_is_bounded_by_the_reset(void **) {
    // Few points spent: the observed rate says little, so the default rate
    // (limit per minute) would say 15 s. The reset in 1 s is sooner.
    Pacer p(true);
    exchange(p, 0, answer(4, 0, 1));
    assert_false(p.may_send(at(0)));
    int64_t w = p.wait_ms(at(0));
    TC_ASSERT_BETWEEN(w, 1, 1000 + 1);  // 1 ms of rounding margin at most
    assert_false(p.may_send(at(500)));
    assert_true(p.may_send(at(w)));
    TC_ASSERT_EQ(p.wait_ms(at(w)), 0);
    // The bucket is full again after the reset.
    assert_points(p, 4);
}

static void wait_by_refill_rate(void **) {
    // 800 points spent, full in 60 s: about 13 points a second come back.
    Pacer p(true);
    exchange(p, 0, answer(800, 0, 60));
    assert_false(p.may_send(at(0)));
    int64_t w = p.wait_ms(at(0));
    TC_ASSERT_BETWEEN(w, 1, 60000 + 1);
    TC_ASSERT_BETWEEN(w, 70, 200);  // one point at 800/60000 per ms is 75 ms
    // Waiting part of it does not make the remaining wait longer.
    int64_t w2 = p.wait_ms(at(w / 2));
    TC_ASSERT_BETWEEN(w2, 1, w);
    assert_false(p.may_send(at(w / 2)));
    assert_true(p.may_send(at(w)));
}

static void slow_answer_measures_the_rate_from_the_send(void **) {
    // Sent at T0, answered 30 s later with an empty bucket that is full 60 s
    // after T0: 800 points came back over at most 60 s, not 30 s.
    Pacer p(true);
    auto s = send(p, 0);
    finish(p, 30000, answer(800, 0, 60), s);
    assert_false(p.may_send(at(30000)));
    TC_ASSERT_BETWEEN(p.wait_ms(at(30000)), 70, 200);  // ~75 ms per point, not ~38
}

static void refills_over_time(void **) {
    // 60 points a minute: one point per second.
    Pacer p(true);
    exchange(p, 0, answer(60, 0, 60));
    assert_false(p.may_send(at(0)));
    assert_false(p.may_send(at(500)));
    assert_true(p.may_send(at(1100)));
    auto s = send(p, 1100);
    assert_false(p.may_send(at(1100)));
    assert_false(p.may_send(at(1500)));
    assert_true(p.may_send(at(2200)));
    // Past the reset the bucket is full, minus the request still in flight.
    assert_true(p.may_send(at(60000)));
    assert_points(p, 59);
    // The request fails without headers: its slot frees, and the next
    // refill brings the estimate up to the whole bucket.
    finish(p, 60000, HttpResult{}, s);
    assert_true(p.may_send(at(61000)));
    assert_points(p, 60);
}

static void without_a_usable_reset_it_refills_by_rate(void **) {
    // No Ratelimit-Reset (or one already past by our clock): no promise of a
    // full bucket, so points come back at the default limit-per-minute rate.
    const std::string past = std::to_string(kUnixS - 5);
    HttpResult no_reset = answer("60", "0", nullptr);
    HttpResult past_reset = answer("60", "0", past.c_str());
    for (const HttpResult *r : {&no_reset, &past_reset}) {
        Pacer p(true);
        exchange(p, 0, *r);
        assert_true(p.known());
        assert_false(p.may_send(at(0)));
        assert_false(p.may_send(at(500)));
        assert_true(p.may_send(at(1100)));
    }
}

static void refill_never_exceeds_limit_minus_in_flight(void **) {
    Pacer p(true);
    exchange(p, 0, answer(10, 10, 1));
    send(p, 0);
    send(p, 0);
    assert_points(p, 8);
    for (int64_t t = 1000; t <= 600000; t += 59000) {
        assert_true(p.may_send(at(t)));
        assert_true(p.points() <= 8 + 1e-9);
    }
    assert_points(p, 8);
}

static void answer_with_fewer_points_lowers_the_estimate(void **) {
    // Another client of the same bucket spent points: the next answer says so.
    Pacer p(true);
    exchange(p, 0, answer(800, 700, 60));
    assert_points(p, 700);
    exchange(p, 0, answer(800, 3, 60));
    assert_points(p, 3);
    exchange(p, 0, answer(800, 0, 60));
    assert_false(p.may_send(at(0)));
}

static void a_new_limit_starts_over(void **) {
    // The bucket size changed (e.g. another token): the old estimate is void.
    Pacer p(true);
    exchange(p, 0, answer(800, 0, 60));
    assert_false(p.may_send(at(0)));
    exchange(p, 10, answer(1200, 1100, 60));
    assert_true(p.may_send(at(10)));
    assert_points(p, 1100);
}

static void wait_is_zero_exactly_when_sending_is_allowed(void **) {
    Pacer p(true);
    exchange(p, 0, answer(120, 5, 30));
    int blocked = 0;
    int64_t t = 0;
    while (t < 3000) {  // time only moves forward, as on the loop thread
        if (p.may_send(at(t))) {
            TC_ASSERT_EQ(p.wait_ms(at(t)), 0);
            send(p, t);
            t += 7;
        } else {
            ++blocked;
            int64_t w = p.wait_ms(at(t));
            TC_ASSERT_BETWEEN(w, 1, 30000 + 1);
            t += w;
            // Waiting as told is enough.
            assert_true(p.may_send(at(t)));
        }
    }
    assert_true(blocked > 0);
}

static void time_going_backwards_adds_nothing(void **) {
    Pacer p(true);
    exchange(p, 5000, answer(60, 0, 60));
    assert_false(p.may_send(at(0)));
    assert_points(p, 0);
}


// Finding 3 of the hardening issue: numbers from a server are not trusted.
// Whatever Ratelimit-* headers say, the pacer never waits longer than one
// refill window (60 s), and nonsense values leave its model as it was.
static void absurd_numbers_are_ignored(void **) {
    const std::string reset = std::to_string(kUnixS + 60);
    const char *bad_limits[] = {"0.0001", "0.5", "-800", "1e300", "1e12", "nan", "inf", "-inf", "800x"};
    for (const char *limit : bad_limits) {
        Pacer p(true);
        exchange(p, 0, answer(limit, "0", reset.c_str()));
        if (p.known()) print_error("Ratelimit-Limit: %s was believed\n", limit);
        assert_false(p.known());
        assert_true(p.may_send(at(0)));
        TC_ASSERT_EQ(p.wait_ms(at(0)), 0);
    }
    const char *bad_remaining[] = {"-1e300", "-1", "1e300", "801", "nan", "-inf", "5 points"};
    for (const char *remaining : bad_remaining) {
        Pacer p(true);
        exchange(p, 0, answer(800, 700, 60));
        // The same attempt answered without headers is the control.
        Pacer control(true);
        exchange(control, 0, answer(800, 700, 60));
        exchange(control, 1, answer(nullptr, nullptr, nullptr));
        exchange(p, 1, answer("800", remaining, reset.c_str()));
        if (std::fabs(p.points() - control.points()) > 1e-6) {
            print_error("Ratelimit-Remaining: %s was believed\n", remaining);
        }
        assert_points(p, control.points());
        TC_ASSERT_EQ(p.wait_ms(at(1)), 0);
    }
}

static void wait_is_bounded_whatever_the_headers_say(void **) {
    const char *limits[] = {"800", "1", "0.0001", "1e300", "-1e300", "1e-300", "60"};
    const char *remainings[] = {"0", "-1", "-1e300", "1e300", "1e-300", "799"};
    const std::string resets[] = {std::to_string(kUnixS), std::to_string(kUnixS + 1), std::to_string(kUnixS + 3599),
                                  "1e300", "-1e300", "0", "1e-300", std::to_string(kUnixS - 100000),
                                  "99999999999999999999999999"};
    for (const char *limit : limits) {
        for (const char *remaining : remainings) {
            for (const std::string &reset : resets) {
                Pacer p(true);
                Pacer::Sent early = send(p, 0);
                exchange(p, 0, answer(limit, remaining, reset.c_str()));
                finish(p, 1, answer(limit, remaining, reset.c_str()), early);
                // Waiting as told gets a request out within a few windows,
                // and no single wait is longer than one.
                int64_t t = 1;
                while (!p.may_send(at(t))) {
                    const int64_t w = p.wait_ms(at(t));
                    if (w < 1 || w > 60000 || t > 300000) {
                        print_error("limit %s remaining %s reset %s: wait %lld ms at %lld\n", limit, remaining,
                                    reset.c_str(), static_cast<long long>(w), static_cast<long long>(t));
                        fail();
                    }
                    t += w;
                }
            }
        }
    }
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(disabled_pacer_always_allows),
        cmocka_unit_test(unknown_until_headers),
        cmocka_unit_test(headers_make_it_known),
        cmocka_unit_test(lower_case_headers),
        cmocka_unit_test(blocks_when_points_run_out_counting_in_flight),
        cmocka_unit_test(fresh_headers_subtract_requests_still_in_flight),
        cmocka_unit_test(late_answer_never_raises_the_estimate),
        cmocka_unit_test(late_answer_may_lower_the_estimate),
        cmocka_unit_test(late_answer_does_not_move_the_reset),
        cmocka_unit_test(failed_attempt_without_headers_keeps_the_point_spent),
        cmocka_unit_test(wait_is_bounded_by_the_reset),
        cmocka_unit_test(wait_by_refill_rate),
        cmocka_unit_test(slow_answer_measures_the_rate_from_the_send),
        cmocka_unit_test(refills_over_time),
        cmocka_unit_test(without_a_usable_reset_it_refills_by_rate),
        cmocka_unit_test(refill_never_exceeds_limit_minus_in_flight),
        cmocka_unit_test(answer_with_fewer_points_lowers_the_estimate),
        cmocka_unit_test(a_new_limit_starts_over),
        cmocka_unit_test(wait_is_zero_exactly_when_sending_is_allowed),
        cmocka_unit_test(time_going_backwards_adds_nothing),
        cmocka_unit_test(absurd_numbers_are_ignored),
        cmocka_unit_test(wait_is_bounded_whatever_the_headers_say),
    };
    return cmocka_run_group_tests_name("pacer", tests, nullptr, nullptr);
}
