// Typed OAuth endpoints: the validate and revoke calls and their answers.
// (The client-credentials grant lives in net/token_provider, which owns it.)
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

}  // namespace tc::helix
