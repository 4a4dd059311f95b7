// Scheduled token validation: Twitch asks applications that keep an OAuth
// session to validate their token hourly (reference §1.2). Every interval the
// current app token is sent to oauth2/validate; a 401 drops it, so the next
// request fetches a new one (or, for a caller-supplied token without a
// secret, fails with TC_EAUTH) instead of discovering it mid-batch.
// Loop thread only, except start().
#pragma once

#include "net/engine.hpp"
#include "net/token_provider.hpp"

#include <cstdint>

namespace tc::net {

class TokenValidator {
public:
    // interval_ms <= 0: never validate.
    TokenValidator(Engine &engine, TokenProvider &tokens, int64_t interval_ms);

    // Any thread: schedules the first check one interval from now.
    void start();

private:
    void schedule();
    void check();

    Engine &engine_;
    TokenProvider &tokens_;
    int64_t interval_ms_;
};

}  // namespace tc::net
