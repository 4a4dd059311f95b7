// The OAuth endpoints of the auth server (Call::Target::Auth), on the wire:
// the client-credentials grant (asked for by net/token_provider), validate,
// revoke and the refresh_token grant, and what their answers mean. What is
// done with them (dropping, renewing, forgetting a token) is the
// TokenProvider's; capi only converts results to tc_* objects.
#pragma once

#include "net/engine.hpp"

#include <twitchconduits/common.h>

#include <cstdint>
#include <string>
#include <vector>

namespace tc::net {

// POST /token with grant_type=client_credentials: client id and secret in a
// form body (never in the URL). Retried on 5xx/429: a second grant is harmless.
Call client_credentials_call(const std::string &client_id, const std::string &client_secret);
// False (with a one-line *error) unless `body` is JSON with a non-empty
// string access_token; *expires_in_s is clamped to 0..ten years (0 = not given).
bool parse_token_answer(const std::string &body, std::string *access_token, int64_t *expires_in_s, std::string *error);

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
Call validate_call(const std::string &token);
// POST /revoke with client_id and token in a form body (never in the URL).
Call revoke_call(const std::string &client_id, const std::string &token);
// Parses a 200 validate body; false (with a message) when it is malformed.
bool parse_validate(const std::string &body, TokenInfo *out, std::string *error);
// A validate call's outcome: its own status, or TC_EPROTOCOL when a 2xx
// answer is malformed; *info is filled on TC_OK. *message is the error text.
tc_status read_validate(const CallResult &r, TokenInfo *info, std::string *message);

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
Call refresh_call(const std::string &client_id, const std::string &client_secret,
                       const std::string &refresh_token);
// Parses a 200 refresh body; false (with a message naming no secret) when
// it is malformed.
bool parse_refresh(const std::string &body, RefreshedTokens *out, std::string *error);
// A refresh_token grant's outcome for `user_id`: TC_OK with *out filled;
// TC_EAUTH when Twitch refused it (400 invalid refresh token, 401/403 bad
// client credentials), naming the user and saying when the user must
// authorize the app again; TC_EPROTOCOL for a malformed answer; else the
// call's own status. The answer's body (it holds the tokens) is wiped.
tc_status read_refresh(const std::string &user_id, CallResult &r, RefreshedTokens *out, std::string *message);
// Clears a string that held a secret (OPENSSL_cleanse) and empties it.
void wipe_string(std::string &s);

}  // namespace tc::net
