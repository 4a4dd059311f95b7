// HMAC-SHA256 from two prepared SHA-256 states (see hmac.hpp).
//
// The low-level SHA256_* functions are deprecated in OpenSSL 3 in favour of
// EVP, but they are the same SHA-256 code (SHA-NI/AVX2 where the CPU has
// them) and their context is a plain struct that can be copied: EVP's copy
// goes through the provider and allocates. Only SHA-256 is done this way.
#define OPENSSL_SUPPRESS_DEPRECATED
#include "events/hmac.hpp"

#include <openssl/crypto.h>
#include <openssl/sha.h>

#include <cstring>
#include <stdexcept>

namespace tc::events {
namespace {

constexpr size_t kBlock = 64;  // SHA-256 block size

// A SHA-256 state that has absorbed key ^ pad (one block).
bool padded_state(SHA256_CTX *ctx, const unsigned char key[kBlock], unsigned char pad) {
    unsigned char block[kBlock];
    for (size_t i = 0; i < kBlock; ++i) block[i] = key[i] ^ pad;
    const bool ok = SHA256_Init(ctx) == 1 && SHA256_Update(ctx, block, kBlock) == 1;
    OPENSSL_cleanse(block, sizeof block);
    return ok;
}

}  // namespace

struct HmacSha256::States {
    SHA256_CTX inner;
    SHA256_CTX outer;
};

HmacSha256::HmacSha256(std::string_view key) : states_(new States) {
    unsigned char k[kBlock] = {0};
    bool ok = true;
    if (key.size() > kBlock) {  // RFC 2104: long keys are hashed first
        ok = SHA256(reinterpret_cast<const unsigned char *>(key.data()), key.size(), k) != nullptr;
    } else {
        std::memcpy(k, key.data(), key.size());
    }
    ok = ok && padded_state(&states_->inner, k, 0x36) && padded_state(&states_->outer, k, 0x5c);
    OPENSSL_cleanse(k, sizeof k);
    if (!ok) {
        OPENSSL_cleanse(states_, sizeof *states_);
        delete states_;
        throw std::runtime_error("SHA-256 failed");
    }
}

HmacSha256::~HmacSha256() {
    OPENSSL_cleanse(states_, sizeof *states_);  // the key-dependent states
    delete states_;
}

bool HmacSha256::mac(const std::string_view *parts, size_t count, unsigned char out[32]) const {
    SHA256_CTX ctx = states_->inner;
    bool ok = true;
    for (size_t i = 0; i < count; ++i) ok = ok && SHA256_Update(&ctx, parts[i].data(), parts[i].size()) == 1;
    unsigned char inner_hash[32];
    ok = ok && SHA256_Final(inner_hash, &ctx) == 1;
    ctx = states_->outer;
    ok = ok && SHA256_Update(&ctx, inner_hash, sizeof inner_hash) == 1 && SHA256_Final(out, &ctx) == 1;
    OPENSSL_cleanse(inner_hash, sizeof inner_hash);
    OPENSSL_cleanse(&ctx, sizeof ctx);
    return ok;
}

}  // namespace tc::events
