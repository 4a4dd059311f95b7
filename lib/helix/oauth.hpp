// Typed OAuth endpoints: validate, revoke and the refresh_token grant, and
// their answers. (The client-credentials grant lives in net/token_provider,
// which owns it.)
#pragma once

#include "net/engine.hpp"

#include <cstdint>
#include <string>
#include <vector>

namespace tc::helix {

struct TokenInfo {
    std::string client_id;
    bool has_login = false;
    std::string login;
    bool has_user_id = false;
    std::string user_id;
    std::vector<std::string> scopes;
    int64_t expires_in = 0;
};

// GET /validate with "Authorization: OAuth <token>".
net::Call validate_call(const std::string &token);
// POST /revoke with client_id and token in a form body (never in the URL).
net::Call revoke_call(const std::string &client_id, const std::string &token);
// Parses a 200 validate body; false (with a message) when it is malformed.
bool parse_validate(const std::string &body, TokenInfo *out, std::string *error);

// What a refresh_token grant answers (DOC-AUTH refresh-tokens). Holds
// secrets: wipe() clears them.
struct RefreshedTokens {
    std::string access_token;
    bool has_refresh_token = false;  // Twitch sends one; absent, null or "" = keep the old
    std::string refresh_token;
    int64_t expires_in = 0;          // 0 = not given
    bool has_scopes = false;
    std::vector<std::string> scopes;
    ~RefreshedTokens() { wipe(); }
    void wipe();
};

// POST /token with grant_type=refresh_token: client id, client secret and
// the refresh token in a form body (never in the URL). Retried on 5xx/429:
// such an answer means no grant was made.
net::Call refresh_call(const std::string &client_id, const std::string &client_secret,
                       const std::string &refresh_token);
// Parses a 200 refresh body; false (with a message naming no secret) when
// it is malformed.
bool parse_refresh(const std::string &body, RefreshedTokens *out, std::string *error);
// Clears a string that held a secret (OPENSSL_cleanse) and empties it.
void wipe_string(std::string &s);

}  // namespace tc::helix
