// util/random: the seedable jitter source and the CSPRNG wrapper.
#include "unit.hpp"

#include "util/random.hpp"

#include <climits>
#include <cstring>
#include <thread>
#include <vector>

using tc::util::Jitter;
using tc::util::secure_random_bytes;

static void non_positive_upper_gives_zero(void **) {
    Jitter j(1);
    TC_ASSERT_EQ(j.uniform_ms(0), 0);
    TC_ASSERT_EQ(j.uniform_ms(-1), 0);
    TC_ASSERT_EQ(j.uniform_ms(INT64_MIN), 0);
}

static void uniform_stays_in_bounds_and_reaches_both_ends(void **) {
    Jitter j(12345);
    bool saw0 = false, saw1 = false;
    for (int i = 0; i < 1000; ++i) {
        int64_t v = j.uniform_ms(1);
        TC_ASSERT_BETWEEN(v, 0, 1);
        saw0 |= v == 0;
        saw1 |= v == 1;
    }
    assert_true(saw0 && saw1);
    int64_t lo = INT64_MAX, hi = -1;
    for (int i = 0; i < 5000; ++i) {
        int64_t v = j.uniform_ms(1000);
        TC_ASSERT_BETWEEN(v, 0, 1000);
        lo = v < lo ? v : lo;
        hi = v > hi ? v : hi;
    }
    TC_ASSERT_BETWEEN(lo, 0, 10);
    TC_ASSERT_BETWEEN(hi, 990, 1000);
    TC_ASSERT_BETWEEN(j.uniform_ms(INT64_MAX), 0, INT64_MAX);
}

static void same_seed_same_sequence(void **) {
    Jitter a(42), b(42), c(43);
    bool differs = false;
    for (int i = 0; i < 100; ++i) {
        int64_t va = a.uniform_ms(1000000), vb = b.uniform_ms(1000000), vc = c.uniform_ms(1000000);
        TC_ASSERT_EQ(va, vb);
        differs |= va != vc;
    }
    assert_true(differs);
}

static void seed_zero_uses_csprng(void **) {
    Jitter j(0);
    for (int i = 0; i < 100; ++i) TC_ASSERT_BETWEEN(j.uniform_ms(50), 0, 50);
}

static void concurrent_draws(void **) {
    Jitter j(7);
    std::vector<std::thread> threads;
    std::vector<int> bad(4, 0);
    for (int t = 0; t < 4; ++t) {
        threads.emplace_back([&j, &bad, t] {
            for (int i = 0; i < 2000; ++i) {
                int64_t v = j.uniform_ms(100);
                if (v < 0 || v > 100) ++bad[t];
            }
        });
    }
    for (auto &th : threads) th.join();
    for (int b : bad) TC_ASSERT_EQ(b, 0);
}

static void secure_bytes(void **) {
    unsigned char a[32], b[32];
    std::memset(a, 0, sizeof a);
    std::memset(b, 0, sizeof b);
    assert_true(secure_random_bytes(a, sizeof a));
    assert_true(secure_random_bytes(b, sizeof b));
    assert_true(std::memcmp(a, b, sizeof a) != 0);
    assert_true(secure_random_bytes(a, 0));
    // Lengths beyond what OpenSSL takes are refused before the buffer is touched.
    assert_false(secure_random_bytes(a, static_cast<size_t>(INT_MAX) + 1));
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(non_positive_upper_gives_zero),
        cmocka_unit_test(uniform_stays_in_bounds_and_reaches_both_ends),
        cmocka_unit_test(same_seed_same_sequence),
        cmocka_unit_test(seed_zero_uses_csprng),
        cmocka_unit_test(concurrent_draws),
        cmocka_unit_test(secure_bytes),
    };
    return cmocka_run_group_tests_name("jitter", tests, nullptr, nullptr);
}
