// HMAC-SHA256 with the key prepared once (RFC 2104 over OpenSSL's SHA-256).
#pragma once

#include <string_view>

namespace tc::events {

// The inner and outer SHA-256 states after absorbing the padded key, so that
// each message costs two plain struct copies and the hashing itself: no
// provider look-up and no allocation per message (OpenSSL 3.0's
// EVP_MAC_CTX_dup and EVP_MD_CTX_copy_ex both allocate; the copies alone
// were about a tenth of the webhook path). mac() may be called from many
// threads at once; the key material is wiped on destruction.
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
    struct States;
    States *states_ = nullptr;  // the two prepared SHA256_CTX (opaque here: no OpenSSL in this header)
};

}  // namespace tc::events
