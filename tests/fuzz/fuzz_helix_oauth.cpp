// libFuzzer target: the two OAuth answers on arbitrary bytes: the token of a
// client-credentials grant (net::parse_token_answer) and a validate answer
// (helix::parse_validate). No crash; a refusal is one line; an accepted
// answer has what it must (a token, a client id) and lifetimes in 0..10 years.
#include "fuzz_helix_common.hpp"

#include "net/oauth.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    constexpr int64_t kTenYears = 10LL * 365 * 24 * 3600;
    const std::string body(reinterpret_cast<const char *>(data), size);
    std::string token, error;
    int64_t expires_in = -1;
    if (tc::net::parse_token_answer(body, &token, &expires_in, &error)) {
        if (token.empty() || expires_in < 0 || expires_in > kTenYears) abort();
    } else {
        fuzz_helix::check_error(error);
    }
    tc::net::TokenInfo info;
    error.clear();
    if (tc::net::parse_validate(body, &info, &error)) {
        if (info.expires_in < 0 || info.expires_in > kTenYears) abort();
        if (!info.has_login && !info.login.empty()) abort();
        if (!info.has_user_id && !info.user_id.empty()) abort();
    } else {
        fuzz_helix::check_error(error);
    }
    return 0;
}
