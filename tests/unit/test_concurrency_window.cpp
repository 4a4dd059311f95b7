// core/concurrency_window: the adaptive batch window grows while latency is
// flat, holds when it rises, shrinks slowly when the server queues, halves
// once per flight on congestion, and always stays within its limits.
#include "unit.hpp"

#include "core/concurrency_window.hpp"

#include <cmath>
#include <limits>

using tc::core::initial_window;
using tc::core::kInitialWindow;
using tc::core::kQueueingFloor;
using tc::core::next_window;
using tc::core::window_size;
using tc::core::WindowLimits;
using tc::core::WindowSample;
using tc::core::WindowState;

namespace {

WindowLimits limits(int max, int min = 1) {
    WindowLimits l;
    l.min = min;
    l.max = max;
    return l;
}

// One finished item: `rtt` ms, launched as number `seq` of `launched`.
WindowSample sample(double rtt, bool full = true, uint64_t seq = 0, uint64_t launched = 0, bool congested = false) {
    WindowSample s;
    s.rtt_ms = rtt;
    s.window_full = full;
    s.launch_seq = seq;
    s.launched = launched;
    s.congested = congested;
    return s;
}

// A full flight of the current window at `rtt`, items numbered from *seq.
WindowState flight(WindowState s, const WindowLimits &l, double rtt, uint64_t *seq) {
    const int n = window_size(s, l);
    const uint64_t first = *seq;
    *seq += static_cast<uint64_t>(n);
    for (int i = 0; i < n; ++i) s = next_window(s, sample(rtt, true, first + static_cast<uint64_t>(i), *seq), l);
    return s;
}

void starts_with_a_probe_flight_of_the_old_default(void **) {
    TC_ASSERT_EQ(window_size(initial_window(limits(256)), limits(256)), kInitialWindow);
    // Never above the manager's limit.
    TC_ASSERT_EQ(window_size(initial_window(limits(4)), limits(4)), 4);
}

void first_answer_jumps_to_the_room_in_the_bucket(void **) {
    WindowLimits l = limits(256);
    WindowSample first = sample(20.0, true, 0, 16);
    first.bucket_room = 100.7;
    WindowState s = next_window(initial_window(l), first, l);
    TC_ASSERT_EQ(window_size(s, l), 100);
    assert_true(s.probed);
    // Only once: later answers grow the window one item at a time.
    WindowSample later = sample(20.0, true, 1, 116);
    later.bucket_room = 200;
    s = next_window(s, later, l);
    TC_ASSERT_EQ(window_size(s, l), 101);
}

void the_jump_stays_within_max_concurrency(void **) {
    WindowLimits l = limits(128);
    WindowSample first = sample(20.0, true, 0, 16);
    first.bucket_room = 1e8;
    TC_ASSERT_EQ(window_size(next_window(initial_window(l), first, l), l), 128);
}

void a_small_or_unknown_bucket_does_not_shrink_the_probe(void **) {
    WindowLimits l = limits(256);
    WindowSample first = sample(20.0, true, 0, 16);
    first.bucket_room = 3;  // the pacer caps launches; the window is not the place for it
    WindowState s = next_window(initial_window(l), first, l);
    TC_ASSERT_EQ(window_size(s, l), kInitialWindow + 1);
    first.bucket_room = -1;  // unknown (pacing off, or no Ratelimit headers yet)
    s = next_window(initial_window(l), first, l);
    TC_ASSERT_EQ(window_size(s, l), kInitialWindow + 1);
    first.bucket_room = std::nan("");
    s = next_window(initial_window(l), first, l);
    TC_ASSERT_EQ(window_size(s, l), kInitialWindow + 1);
}

void no_jump_after_congestion(void **) {
    WindowLimits l = limits(256);
    WindowState s = next_window(initial_window(l), sample(20.0, true, 0, 16, true), l);  // a 429 first
    TC_ASSERT_EQ(window_size(s, l), kInitialWindow / 2);
    WindowSample next = sample(20.0, true, 1, 16);
    next.bucket_room = 200;
    s = next_window(s, next, l);
    assert_true(s.window < kInitialWindow / 2 + 1);
}

void slow_start_doubles_per_flight_while_latency_is_flat(void **) {
    WindowLimits l = limits(1000);
    WindowState s = initial_window(l);
    uint64_t seq = 0;
    s = flight(s, l, 20.0, &seq);
    TC_ASSERT_EQ(window_size(s, l), 32);
    s = flight(s, l, 20.5, &seq);
    TC_ASSERT_EQ(window_size(s, l), 64);
    assert_true(s.slow_start);
}

void grows_only_when_the_window_was_the_limit(void **) {
    WindowLimits l = limits(1000);
    WindowState s = initial_window(l);
    for (int i = 0; i < 50; ++i) s = next_window(s, sample(20.0, false, static_cast<uint64_t>(i), 50), l);
    TC_ASSERT_EQ(window_size(s, l), kInitialWindow);
}

void never_above_max_concurrency(void **) {
    WindowLimits l = limits(40);
    WindowState s = initial_window(l);
    uint64_t seq = 0;
    for (int i = 0; i < 10; ++i) s = flight(s, l, 20.0, &seq);
    TC_ASSERT_EQ(window_size(s, l), 40);
    assert_true(s.window <= 40.0);
}

void rising_latency_ends_slow_start_and_holds(void **) {
    WindowLimits l = limits(1000);
    WindowState s = initial_window(l);
    uint64_t seq = 0;
    s = flight(s, l, 20.0, &seq);  // base 20 ms, window 32
    // 1.5x the base: not flat (20 * 1.25 + 2 = 27), not queueing (20 * 2 + 4 = 44).
    // The smoothed round trip crosses 27 ms within a few samples (growing until then).
    for (int i = 0; i < 20; ++i) s = next_window(s, sample(30.0, true, seq, seq + 1), l);
    assert_false(s.slow_start);
    const double held = s.window;
    TC_ASSERT_BETWEEN(window_size(s, l), 33, 44);
    for (int i = 0; i < 200; ++i) s = next_window(s, sample(30.0, true, seq, seq + 1), l);
    assert_true(s.window == held);
}

void queueing_shrinks_by_about_one_per_flight_down_to_the_floor(void **) {
    WindowLimits l = limits(1000);
    WindowState s = initial_window(l);
    uint64_t seq = 0;
    s = flight(s, l, 20.0, &seq);
    s = flight(s, l, 20.0, &seq);  // 64
    TC_ASSERT_EQ(window_size(s, l), 64);
    // The smoothed round trip needs a few samples to cross 44 ms.
    for (int i = 0; i < 64; ++i) s = next_window(s, sample(100.0, true, seq, seq + 1), l);
    TC_ASSERT_BETWEEN(window_size(s, l), 62, 63);
    for (int i = 0; i < 100000; ++i) s = next_window(s, sample(100.0, true, seq, seq + 1), l);
    TC_ASSERT_EQ(window_size(s, l), kQueueingFloor);
    assert_int_equal(s.halvings, 0);
}

void sub_millisecond_jitter_counts_as_flat(void **) {
    WindowLimits l = limits(1000);
    WindowState s = initial_window(l);
    uint64_t seq = 0;
    s = flight(s, l, 0.2, &seq);
    s = flight(s, l, 1.9, &seq);  // 10x the base, but within the 2 ms slack
    TC_ASSERT_EQ(window_size(s, l), 64);
}

void congestion_halves_once_per_flight(void **) {
    WindowLimits l = limits(1000);
    WindowState s = initial_window(l);
    uint64_t seq = 0;
    s = flight(s, l, 20.0, &seq);
    s = flight(s, l, 20.0, &seq);  // 64, launched 48 so far
    const uint64_t flight_start = seq;
    seq += 64;  // the next flight is out
    // Three of its items meet a 429: one halving.
    for (uint64_t k = 0; k < 3; ++k) s = next_window(s, sample(20.0, true, flight_start + k, seq, true), l);
    TC_ASSERT_EQ(window_size(s, l), 32);
    assert_int_equal(s.halvings, 1);
    assert_false(s.slow_start);
    // An item launched after the halving halves again.
    s = next_window(s, sample(20.0, true, seq, seq + 1, true), l);
    TC_ASSERT_EQ(window_size(s, l), 16);
    assert_int_equal(s.halvings, 2);
}

void congestion_never_goes_below_min(void **) {
    WindowLimits l = limits(100, 2);
    WindowState s = initial_window(l);
    for (uint64_t k = 0; k < 20; ++k) s = next_window(s, sample(5.0, true, 10 * k, 10 * k + 1, true), l);
    TC_ASSERT_EQ(window_size(s, l), 2);
}

void after_congestion_growth_is_additive(void **) {
    WindowLimits l = limits(1000);
    WindowState s = initial_window(l);
    uint64_t seq = 0;
    s = flight(s, l, 20.0, &seq);  // 32
    s = next_window(s, sample(20.0, true, seq, seq, true), l);  // 16
    TC_ASSERT_EQ(window_size(s, l), 16);
    // +1/window per item: a little under +1 per flight.
    s = flight(s, l, 20.0, &seq);
    assert_true(s.window > 16.9 && s.window < 17.0);
    s = flight(s, l, 20.0, &seq);
    assert_true(s.window > 17.8 && s.window < 18.0);
}

void nonsense_samples_do_not_break_it(void **) {
    WindowLimits l = limits(64);
    WindowState s = initial_window(l);
    s = next_window(s, sample(std::numeric_limits<double>::infinity()), l);
    s = next_window(s, sample(std::nan("")), l);
    s = next_window(s, sample(-5.0), l);
    TC_ASSERT_BETWEEN(window_size(s, l), 1, 64);
    assert_true(std::isfinite(s.window));
    assert_true(std::isfinite(s.srtt_ms));
    // Limits given upside down still yield a usable window of at least 1.
    WindowLimits odd = limits(0, 0);
    TC_ASSERT_EQ(window_size(initial_window(odd), odd), 1);
}

}  // namespace

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(starts_with_a_probe_flight_of_the_old_default),
        cmocka_unit_test(first_answer_jumps_to_the_room_in_the_bucket),
        cmocka_unit_test(the_jump_stays_within_max_concurrency),
        cmocka_unit_test(a_small_or_unknown_bucket_does_not_shrink_the_probe),
        cmocka_unit_test(no_jump_after_congestion),
        cmocka_unit_test(slow_start_doubles_per_flight_while_latency_is_flat),
        cmocka_unit_test(grows_only_when_the_window_was_the_limit),
        cmocka_unit_test(never_above_max_concurrency),
        cmocka_unit_test(rising_latency_ends_slow_start_and_holds),
        cmocka_unit_test(queueing_shrinks_by_about_one_per_flight_down_to_the_floor),
        cmocka_unit_test(sub_millisecond_jitter_counts_as_flat),
        cmocka_unit_test(congestion_halves_once_per_flight),
        cmocka_unit_test(congestion_never_goes_below_min),
        cmocka_unit_test(after_congestion_growth_is_additive),
        cmocka_unit_test(nonsense_samples_do_not_break_it),
    };
    return cmocka_run_group_tests_name("concurrency_window", tests, nullptr, nullptr);
}
