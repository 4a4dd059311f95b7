#include "helix/oauth.hpp"

#include "util/clock.hpp"
#include "util/json.hpp"
#include "util/url.hpp"

namespace tc::helix {

net::Call validate_call(const std::string &token) {
    net::Call call;
    call.target = net::Call::Target::Auth;
    call.method = TC_GET;
    call.path = "/validate";
    call.extra_headers.emplace_back("Authorization", "OAuth " + token);
    return call;
}

net::Call revoke_call(const std::string &client_id, const std::string &token) {
    net::Call call;
    call.target = net::Call::Target::Auth;
    call.method = TC_POST;
    call.path = "/revoke";
    call.has_body = true;
    call.content_type = "application/x-www-form-urlencoded";
    call.body = util::encode_params({{"client_id", client_id}, {"token", token}});
    call.unsafe_retry = true;  // revoking twice is harmless
    return call;
}

bool parse_validate(const std::string &body, TokenInfo *out, std::string *error) {
    util::JsonPtr json = util::json_parse(body);
    if (!json || !cJSON_IsObject(json.get())) {
        *error = "validate: the answer is not a JSON object";
        return false;
    }
    const char *client_id = util::json_string(json.get(), "client_id");
    if (client_id == nullptr) {
        *error = "validate: the answer has no client_id";
        return false;
    }
    *out = TokenInfo{};
    out->client_id = client_id;
    if (const char *login = util::json_string(json.get(), "login")) {
        out->has_login = true;
        out->login = login;
    }
    if (const char *user_id = util::json_string(json.get(), "user_id")) {
        out->has_user_id = true;
        out->user_id = user_id;
    }
    const cJSON *scopes = cJSON_GetObjectItemCaseSensitive(json.get(), "scopes");
    const cJSON *scope = nullptr;
    if (cJSON_IsArray(scopes)) {
        cJSON_ArrayForEach(scope, scopes) {  // null or [] for app tokens
            if (cJSON_IsString(scope)) out->scopes.emplace_back(scope->valuestring);
        }
    }
    out->expires_in = util::clamp_seconds(util::json_number(json.get(), "expires_in", 0));
    return true;
}

}  // namespace tc::helix
