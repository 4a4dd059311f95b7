// The app access token: client-credentials grant, expiry tracking with an
// early background refresh, a single-flight refresh that every waiting
// request shares, and what a validate or revoke answer means for the token
// (net/oauth has their wire format, net/token_validator the hourly check).
// Every token rule lives here; capi only converts. Loop thread only (except
// the constructor).
#pragma once

#include "net/engine.hpp"
#include "util/clock.hpp"

#include <twitchconduits/common.h>

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

namespace tc::net {

struct TokenSnapshot {
    std::string access_token;
    std::string client_id;
    int64_t expires_at_unix = 0;  // 0 = unknown
    uint64_t generation = 0;
};

class TokenProvider {
public:
    using Ready = std::function<void(tc_status status, const std::string &message)>;

    TokenProvider(Engine &engine, std::string client_id, std::string client_secret,
                  std::string app_token, int64_t refresh_margin_s);

    // A usable token right now (starting an early refresh when near expiry).
    bool current(std::string *token, uint64_t *generation);
    // True while a fetch is in flight or one would start for the next caller.
    bool renewable() const { return !client_secret_.empty(); }
    // Fetches a token unless one is already in flight; `ready` runs when it
    // settles (on the loop thread). force = fetch even if the current one is fine.
    void refresh(bool force, Ready ready);
    // A 401 came back for a request sent with `generation`: drop that token
    // (unless a newer one already replaced it).
    void invalidate(uint64_t generation);
    // True while `generation` is the token in use (not yet replaced or dropped).
    bool is_current(uint64_t generation) const { return generation == generation_ && !token_.empty() && !rejected_; }
    // A request sent with `generation` was answered without a 401: the token
    // worked, so a later 401 on it means it wore out, not that it is refused.
    void confirm(uint64_t generation) {
        if (generation == generation_) proven_ = true;
    }
    bool proven(uint64_t generation) const { return generation == generation_ && proven_; }
    // A validate call for `generation` came back: a 401 drops that token
    // (true), anything else changes nothing.
    bool validate_answered(uint64_t generation, const CallResult &result);
    // A revoke call for `generation` came back: revoked (or 400, already
    // invalid) forgets it, unless a newer token replaced it meanwhile.
    void revoke_answered(uint64_t generation, const CallResult &result);
    // Forget the token entirely (after a revoke).
    void forget();
    TokenSnapshot snapshot() const;
    // Settle every waiter with TC_ECANCELED (shutdown).
    void cancel_waiters();

private:
    void start_fetch();
    void on_fetched(CallResult &&result);
    void settle(tc_status status, const std::string &message);
    int64_t margin_ms() const;

    Engine &engine_;
    std::string client_id_;
    std::string client_secret_;
    std::string token_;
    uint64_t generation_ = 0;
    util::TimePoint expires_at_{};     // steady; {} = unknown (never expires locally)
    int64_t expires_at_unix_ = 0;
    int64_t lifetime_ms_ = 0;
    int64_t refresh_margin_ms_;
    bool fetching_ = false;
    bool rejected_ = false;            // a caller-supplied token got a 401
    bool proven_ = false;              // the current token got an answer other than 401
    std::vector<Ready> waiters_;
};

}  // namespace tc::net
