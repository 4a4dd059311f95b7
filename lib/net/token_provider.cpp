#include "net/token_provider.hpp"

#include "net/oauth.hpp"

#include <algorithm>

namespace tc::net {

namespace {
constexpr int64_t kDefaultMarginS = 3600;
}

TokenProvider::TokenProvider(Engine &engine, std::string client_id, std::string client_secret,
                             std::string app_token, int64_t refresh_margin_s)
    : engine_(engine),
      client_id_(std::move(client_id)),
      client_secret_(std::move(client_secret)),
      token_(std::move(app_token)),
      refresh_margin_ms_((refresh_margin_s > 0 ? refresh_margin_s : kDefaultMarginS) * 1000) {
    if (!token_.empty()) generation_ = 1;
    engine_.logger().add_secret(client_secret_);
    engine_.logger().add_secret(token_);
}

int64_t TokenProvider::margin_ms() const {
    // Short-lived tokens (tests, mocks) refresh at half-life rather than never.
    return lifetime_ms_ > 0 ? std::min(refresh_margin_ms_, lifetime_ms_ / 2) : refresh_margin_ms_;
}

bool TokenProvider::current(std::string *token, uint64_t *generation) {
    if (token_.empty() || rejected_) return false;
    const auto now = util::now();
    if (expires_at_ != util::TimePoint{}) {
        if (now >= expires_at_) return false;
        if (renewable() && !fetching_ && util::millis_between(now, expires_at_) <= margin_ms()) {
            engine_.logger().log(TC_LOG_INFO, "app token expires soon; refreshing in the background");
            start_fetch();
        }
    }
    *token = token_;
    *generation = generation_;
    return true;
}

void TokenProvider::refresh(bool force, Ready ready) {
    std::string unused;
    uint64_t generation = 0;
    if (!force && current(&unused, &generation)) {
        // Already usable: answer on the next loop turn, never inside the caller.
        engine_.loop().add_timer(0, [ready] { ready(TC_OK, std::string()); });
        return;
    }
    if (!renewable()) {
        std::string message = rejected_ ? "the app token was rejected and there is no client secret to renew it"
                                        : "no client secret to fetch a new app token";
        tc_status status = rejected_ ? TC_EAUTH : TC_ENOCREDENTIALS;
        engine_.loop().add_timer(0, [ready, status, message] { ready(status, message); });
        return;
    }
    waiters_.push_back(std::move(ready));
    if (!fetching_) start_fetch();
}

void TokenProvider::start_fetch() {
    fetching_ = true;
    Call call = client_credentials_call(client_id_, client_secret_);
    engine_.logger().log(TC_LOG_INFO, "requesting an app access token");
    engine_.stats().add(TC_STAT_TOKEN_FETCHES);
    engine_.submit(std::move(call), [this](CallResult &&result) { on_fetched(std::move(result)); });
}

void TokenProvider::on_fetched(CallResult &&result) {
    fetching_ = false;
    if (result.status != TC_OK) {
        tc_status status = result.status;
        // Bad client id (400) or secret (403) at the token endpoint are credential problems.
        if (result.http.http_status == 400 || result.http.http_status == 403) status = TC_EAUTH;
        engine_.logger().log(TC_LOG_ERROR, "app token request failed: %s", result.message.c_str());
        settle(status, "app token request failed: " + result.message);
        return;
    }
    std::string access, error;
    int64_t expires_in = 0;
    if (!parse_token_answer(result.http.body, &access, &expires_in, &error)) {
        settle(TC_EPROTOCOL, error);
        return;
    }
    engine_.logger().add_secret(access);
    token_ = access;
    rejected_ = false;
    ++generation_;
    proven_ = false;
    if (expires_in > 0) {
        lifetime_ms_ = expires_in * 1000;
        expires_at_ = util::now() + util::Millis(lifetime_ms_);
        expires_at_unix_ = util::unix_millis_now() / 1000 + expires_in;
    } else {
        lifetime_ms_ = 0;
        expires_at_ = util::TimePoint{};
        expires_at_unix_ = 0;
    }
    engine_.logger().log(TC_LOG_INFO, "got an app access token (expires in %lld s)", static_cast<long long>(expires_in));
    settle(TC_OK, std::string());
}

void TokenProvider::settle(tc_status status, const std::string &message) {
    std::vector<Ready> waiters;
    waiters.swap(waiters_);
    for (auto &ready : waiters) ready(status, message);
}

void TokenProvider::invalidate(uint64_t generation) {
    if (generation != generation_ || token_.empty()) return;  // a newer token already replaced it
    if (renewable()) {
        token_.clear();
    } else {
        rejected_ = true;
    }
}

bool TokenProvider::validate_answered(uint64_t generation, const CallResult &result) {
    if (result.http.http_status != 401) return false;
    invalidate(generation);
    return true;
}

void TokenProvider::revoke_answered(uint64_t generation, const CallResult &result) {
    // 400 "Invalid token": it is already dead; forget it either way (unless a newer one replaced it).
    if ((result.status == TC_OK || result.http.http_status == 400) && generation == generation_) forget();
}

void TokenProvider::forget() {
    token_.clear();
    expires_at_ = util::TimePoint{};
    expires_at_unix_ = 0;
    lifetime_ms_ = 0;
}

TokenSnapshot TokenProvider::snapshot() const {
    TokenSnapshot s;
    s.access_token = rejected_ ? std::string() : token_;
    s.client_id = client_id_;
    s.expires_at_unix = expires_at_unix_;
    s.generation = generation_;
    return s;
}

void TokenProvider::cancel_waiters() { settle(TC_ECANCELED, "operation canceled"); }

}  // namespace tc::net
