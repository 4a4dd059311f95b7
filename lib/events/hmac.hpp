// HMAC-SHA256 with the key prepared once (RFC 2104 over OpenSSL's SHA-256).
#pragma once

#include <string_view>

typedef struct evp_md_ctx_st EVP_MD_CTX;

namespace tc::events {

// The inner and outer SHA-256 states after absorbing the padded key, so that
// each message costs two context copies and the hashing itself: no provider
// look-up and no allocation per message (EVP_MAC_CTX_dup costs both).
// mac() may be called from many threads at once; the key material is wiped
// on destruction.
class HmacSha256 {
public:
    explicit HmacSha256(std::string_view key);  // throws std::bad_alloc / std::runtime_error
    ~HmacSha256();
    HmacSha256(const HmacSha256 &) = delete;
    HmacSha256 &operator=(const HmacSha256 &) = delete;

    // HMAC over the concatenation of parts[0..count) into out[32]. False on
    // an OpenSSL failure.
    bool mac(const std::string_view *parts, size_t count, unsigned char out[32]) const;

private:
    EVP_MD_CTX *inner_ = nullptr;
    EVP_MD_CTX *outer_ = nullptr;
};

}  // namespace tc::events
