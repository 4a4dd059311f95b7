// Scheduled token validation (see token_validator.hpp).
#include "net/token_validator.hpp"

#include "net/oauth.hpp"

namespace tc::net {

TokenValidator::TokenValidator(Engine &engine, TokenProvider &tokens, int64_t interval_ms)
    : engine_(engine), tokens_(tokens), interval_ms_(interval_ms) {}

void TokenValidator::start() {
    if (interval_ms_ <= 0) return;
    engine_.loop().post([this] { schedule(); });
}

void TokenValidator::schedule() { engine_.loop().add_timer(interval_ms_, [this] { check(); }); }

void TokenValidator::check() {
    const TokenSnapshot snap = tokens_.snapshot();
    if (snap.access_token.empty()) {  // nothing held (never fetched, or already dropped)
        schedule();
        return;
    }
    engine_.stats().add(TC_STAT_TOKEN_VALIDATIONS);
    const uint64_t generation = snap.generation;
    engine_.submit(validate_call(snap.access_token), [this, generation](CallResult &&r) {
        if (tokens_.validate_answered(generation, r)) {
            engine_.logger().log(TC_LOG_WARN, "scheduled validation: Twitch no longer accepts the app token; dropping it");
        } else if (r.status != TC_OK && r.status != TC_ECANCELED) {
            engine_.logger().log(TC_LOG_INFO, "scheduled validation failed (%s); trying again next interval",
                                 r.message.c_str());
        }
        if (r.status != TC_ECANCELED) schedule();
    });
}

}  // namespace tc::net
