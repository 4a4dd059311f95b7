#include "helix/oauth.hpp"

#include "util/clock.hpp"
#include "util/json.hpp"
#include "util/url.hpp"

#include <openssl/crypto.h>

#include <cstring>

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

void wipe_string(std::string &s) {
    if (!s.empty()) OPENSSL_cleanse(&s[0], s.size());
    s.clear();
}

void RefreshedTokens::wipe() {
    wipe_string(access_token);
    wipe_string(refresh_token);
}

net::Call refresh_call(const std::string &client_id, const std::string &client_secret,
                       const std::string &refresh_token) {
    net::Call call;
    call.target = net::Call::Target::Auth;
    call.method = TC_POST;
    call.path = "/token";
    call.has_body = true;
    call.content_type = "application/x-www-form-urlencoded";
    call.body = util::encode_params({{"client_id", client_id},
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

}  // namespace tc::helix
