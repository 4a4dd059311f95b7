// Randomness: a seedable PRNG for retry jitter (reproducible in tests) and a
// CSPRNG for anything secret.
#pragma once

#include <cstdint>
#include <mutex>
#include <random>
#include <string>

namespace tc::util {

// Fills buf with cryptographically secure random bytes; false on failure.
bool secure_random_bytes(void *buf, size_t len);

// Thread-safe jitter source; seed 0 means "seed from the CSPRNG".
class Jitter {
public:
    explicit Jitter(uint64_t seed);
    // Uniform in [0, upper_ms].
    int64_t uniform_ms(int64_t upper_ms);

private:
    std::mutex mu_;
    std::mt19937_64 rng_;
};

}  // namespace tc::util
