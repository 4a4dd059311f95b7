#include "util/random.hpp"

#include <openssl/rand.h>

#include <climits>

namespace tc::util {

bool secure_random_bytes(void *buf, size_t len) {
    if (len > static_cast<size_t>(INT_MAX)) return false;
    return RAND_bytes(static_cast<unsigned char *>(buf), static_cast<int>(len)) == 1;
}

static uint64_t initial_seed(uint64_t seed) {
    if (seed != 0) return seed;
    uint64_t s = 0;
    if (!secure_random_bytes(&s, sizeof s) || s == 0) {
        s = std::random_device{}();
    }
    return s;
}

Jitter::Jitter(uint64_t seed) : rng_(initial_seed(seed)) {}

int64_t Jitter::uniform_ms(int64_t upper_ms) {
    if (upper_ms <= 0) return 0;
    std::lock_guard<std::mutex> lock(mu_);
    std::uniform_int_distribution<int64_t> dist(0, upper_ms);
    return dist(rng_);
}

}  // namespace tc::util
