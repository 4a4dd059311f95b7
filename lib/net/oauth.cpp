#include "net/oauth.hpp"

#include "util/clock.hpp"
#include "util/json.hpp"
#include "util/url.hpp"

#include <openssl/crypto.h>

#include <cstring>

namespace tc::net {

namespace {
// A POST to the token endpoint with `params` as its form body: credentials go
// in the body, never in the URL.
Call token_grant_call(const util::Params &params) {
    Call call;
    call.target = Call::Target::Auth;
    call.method = TC_POST;
    call.path = "/token";
    call.has_body = true;
    call.content_type = "application/x-www-form-urlencoded";
    call.body = util::encode_params(params);
    return call;
}
}  // namespace

Call client_credentials_call(const std::string &client_id, const std::string &client_secret) {
    Call call = token_grant_call(
        {{"client_id", client_id}, {"client_secret", client_secret}, {"grant_type", "client_credentials"}});
    call.unsafe_retry = true;  // a second grant is harmless
    return call;
}

bool parse_token_answer(const std::string &body, std::string *access_token, int64_t *expires_in_s, std::string *error) {
    util::JsonPtr json = util::json_parse(body);
    const char *access = json ? util::json_string(json.get(), "access_token") : nullptr;
    if (access == nullptr || *access == '\0') {
        *error = "app token response has no access_token";
        return false;
    }
    *access_token = access;
    *expires_in_s = util::clamp_seconds(util::json_number(json.get(), "expires_in", 0));
    return true;
}

Call validate_call(const std::string &token) {
    Call call;
    call.target = Call::Target::Auth;
    call.method = TC_GET;
    call.path = "/validate";
    call.extra_headers.emplace_back("Authorization", "OAuth " + token);
    return call;
}

Call revoke_call(const std::string &client_id, const std::string &token) {
    Call call;
    call.target = Call::Target::Auth;
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

tc_status read_validate(const CallResult &r, TokenInfo *info, std::string *message) {
    *message = r.message;
    if (r.status != TC_OK) return r.status;
    return parse_validate(r.http.body, info, message) ? TC_OK : TC_EPROTOCOL;
}

void wipe_string(std::string &s) {
    if (!s.empty()) OPENSSL_cleanse(&s[0], s.size());
    s.clear();
}

void RefreshedTokens::wipe() {
    wipe_string(access_token);
    wipe_string(refresh_token);
}

Call refresh_call(const std::string &client_id, const std::string &client_secret,
                       const std::string &refresh_token) {
    Call call = token_grant_call({{"client_id", client_id},
                                  {"client_secret", client_secret},
                                  {"grant_type", "refresh_token"},
                                  {"refresh_token", refresh_token}});
    // A 5xx or 429 means no grant was made, so a retry is safe; after a lost
    // answer a retry can at worst get 400 (the token was rotated), which is
    // reported as such.
    call.unsafe_retry = true;
    return call;
}

namespace {
// Clears the token strings of a parsed answer before the tree is freed.
struct ScrubTokens {
    cJSON *tree;
    ~ScrubTokens() {
        if (tree == nullptr) return;
        for (const char *name : {"access_token", "refresh_token"}) {
            cJSON *item = cJSON_GetObjectItemCaseSensitive(tree, name);
            if (cJSON_IsString(item)) OPENSSL_cleanse(item->valuestring, std::strlen(item->valuestring));
        }
    }
};
}  // namespace

bool parse_refresh(const std::string &body, RefreshedTokens *out, std::string *error) {
    util::JsonPtr json = util::json_parse(body);
    const ScrubTokens scrub{json.get()};
    if (!json || !cJSON_IsObject(json.get())) {
        *error = "refresh: the answer is not a JSON object";
        return false;
    }
    const char *access = util::json_string(json.get(), "access_token");
    if (access == nullptr || *access == '\0') {
        *error = "refresh: the answer has no access_token";
        return false;
    }
    out->wipe();
    out->has_refresh_token = false;
    out->expires_in = 0;
    out->has_scopes = false;
    out->scopes.clear();
    out->access_token = access;
    const cJSON *refresh = cJSON_GetObjectItemCaseSensitive(json.get(), "refresh_token");
    if (cJSON_IsString(refresh) && refresh->valuestring[0] != '\0') {
        out->has_refresh_token = true;
        out->refresh_token = refresh->valuestring;
    } else if (refresh != nullptr && !cJSON_IsNull(refresh) && !cJSON_IsString(refresh)) {
        // null or "" mean none (the old one stays); anything else is malformed.
        *error = "refresh: refresh_token is not a string";
        out->wipe();
        return false;
    }
    out->expires_in = util::clamp_seconds(util::json_number(json.get(), "expires_in", 0));
    const cJSON *scopes = cJSON_GetObjectItemCaseSensitive(json.get(), "scope");
    out->has_scopes = cJSON_IsArray(scopes);
    const cJSON *scope = nullptr;
    if (out->has_scopes) {
        cJSON_ArrayForEach(scope, scopes) {
            if (!cJSON_IsString(scope)) {
                *error = "refresh: scope is not an array of strings";
                out->wipe();
                out->has_refresh_token = false;
                return false;
            }
            out->scopes.emplace_back(scope->valuestring);
        }
    }
    return true;
}

tc_status read_refresh(const std::string &user_id, CallResult &r, RefreshedTokens *out, std::string *message) {
    const int http = r.http.http_status;
    if (r.status != TC_OK) {
        *message = r.message;
        // 400 "Invalid refresh token" (expired, revoked, already used) and bad
        // client credentials (400/403) are authorization failures.
        if (http != 400 && http != 401 && http != 403) return r.status;
        *message = "refreshing the tokens of user_id " + user_id + " was refused (HTTP " + std::to_string(http) +
                   ": " + r.message + ")" + (http == 400 ? "; the user must authorize the app again" : "");
        return TC_EAUTH;
    }
    const bool parsed = parse_refresh(r.http.body, out, message);
    wipe_string(r.http.body);
    return parsed ? TC_OK : TC_EPROTOCOL;
}

}  // namespace tc::net
