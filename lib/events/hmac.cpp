// HMAC-SHA256 from two prepared SHA-256 states (see hmac.hpp).
#include "events/hmac.hpp"

#include <openssl/crypto.h>
#include <openssl/evp.h>

#include <cstring>
#include <memory>
#include <new>
#include <stdexcept>

namespace tc::events {
namespace {

constexpr size_t kBlock = 64;  // SHA-256 block size

const EVP_MD *sha256() {
    static const EVP_MD *const md = EVP_MD_fetch(nullptr, "SHA256", nullptr);
    return md;
}

struct MdCtxDeleter {
    void operator()(EVP_MD_CTX *c) const { EVP_MD_CTX_free(c); }
};

// One scratch context per thread, reused for every message.
EVP_MD_CTX *scratch() {
    thread_local std::unique_ptr<EVP_MD_CTX, MdCtxDeleter> ctx(EVP_MD_CTX_new());
    return ctx.get();
}

// A SHA-256 state that has absorbed key ^ pad (one block).
EVP_MD_CTX *padded_state(const unsigned char key[kBlock], unsigned char pad) {
    unsigned char block[kBlock];
    for (size_t i = 0; i < kBlock; ++i) block[i] = key[i] ^ pad;
    EVP_MD_CTX *ctx = EVP_MD_CTX_new();
    const bool ok = ctx != nullptr && EVP_DigestInit_ex(ctx, sha256(), nullptr) == 1 &&
                    EVP_DigestUpdate(ctx, block, kBlock) == 1;
    OPENSSL_cleanse(block, sizeof block);
    if (!ok) {
        EVP_MD_CTX_free(ctx);
        throw std::runtime_error("SHA-256 init failed");
    }
    return ctx;
}

}  // namespace

HmacSha256::HmacSha256(std::string_view key) {
    if (sha256() == nullptr) throw std::runtime_error("OpenSSL has no SHA-256");
    unsigned char k[kBlock] = {0};
    if (key.size() > kBlock) {  // RFC 2104: long keys are hashed first
        unsigned int len = 0;
        if (EVP_Digest(key.data(), key.size(), k, &len, sha256(), nullptr) != 1) {
            throw std::runtime_error("SHA-256 failed");
        }
    } else {
        std::memcpy(k, key.data(), key.size());
    }
    try {
        inner_ = padded_state(k, 0x36);
        outer_ = padded_state(k, 0x5c);
    } catch (...) {
        OPENSSL_cleanse(k, sizeof k);
        EVP_MD_CTX_free(inner_);
        throw;
    }
    OPENSSL_cleanse(k, sizeof k);
}

HmacSha256::~HmacSha256() {
    EVP_MD_CTX_free(inner_);  // frees (and clears) the key-dependent states
    EVP_MD_CTX_free(outer_);
}

bool HmacSha256::mac(const std::string_view *parts, size_t count, unsigned char out[32]) const {
    EVP_MD_CTX *ctx = scratch();
    if (ctx == nullptr || EVP_MD_CTX_copy_ex(ctx, inner_) != 1) return false;
    for (size_t i = 0; i < count; ++i) {
        if (EVP_DigestUpdate(ctx, parts[i].data(), parts[i].size()) != 1) return false;
    }
    unsigned char inner_hash[32];
    unsigned int len = 0;
    bool ok = EVP_DigestFinal_ex(ctx, inner_hash, &len) == 1 && len == 32 && EVP_MD_CTX_copy_ex(ctx, outer_) == 1 &&
              EVP_DigestUpdate(ctx, inner_hash, sizeof inner_hash) == 1 && EVP_DigestFinal_ex(ctx, out, &len) == 1 &&
              len == 32;
    OPENSSL_cleanse(inner_hash, sizeof inner_hash);
    return ok;
}

}  // namespace tc::events
