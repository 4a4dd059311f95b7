#include "capi/options.hpp"

#include "capi/guard.hpp"

#include <unistd.h>

#include <cerrno>
#include <cstddef>
#include <cstring>

namespace tc::capi {

namespace {

constexpr const char *kTwitchHelix = "https://api.twitch.tv/helix";
constexpr const char *kTwitchAuth = "https://id.twitch.tv/oauth2";
constexpr unsigned int kKnownFlags =
    TC_CONDUITS_F_DISPATCH_THREAD | TC_CONDUITS_F_NO_PACING | TC_CONDUITS_F_ALLOW_HTTP_CALLBACKS;

std::string str(const char *s) { return s != nullptr ? std::string(s) : std::string(); }

bool is_http_url(const std::string &url) {
    return (url.rfind("https://", 0) == 0 && url.size() > 8) || (url.rfind("http://", 0) == 0 && url.size() > 7);
}

tc_status bad(std::string *error, const std::string &message) {
    *error = message;
    return TC_EINVAL;
}

tc_status base_url(const char *given, const char *fallback, const char *field, std::string *out,
                   std::string *error) {
    *out = given != nullptr ? given : fallback;
    if (!is_http_url(*out)) return bad(error, std::string(field) + ": must be an http:// or https:// URL");
    while (!out->empty() && out->back() == '/') out->pop_back();
    return TC_OK;
}

}  // namespace

size_t conduits_options_size(unsigned int version) {
    if (version >= 3) return sizeof(tc_conduits_options);
    if (version == 2) return offsetof(tc_conduits_options, request_deadline_ms);
    return offsetof(tc_conduits_options, token_validate_interval_s);
}

tc_status config_from_options(const tc_conduits_options *opts, core::ManagerConfig *out, std::string *error) {
    if (opts == nullptr) return bad(error, "invalid argument: opts (client_id is required)");
    if (opts->version == 0 || opts->version > TC_CONDUITS_OPTIONS_VERSION) {
        *error = "opts->version " + std::to_string(opts->version) + " is not supported (this library knows 1.." +
                 std::to_string(TC_CONDUITS_OPTIONS_VERSION) + ")";
        return TC_EVERSION;
    }
    core::ManagerConfig &c = *out;
    c.client_id = str(opts->client_id);
    c.client_secret = str(opts->client_secret);
    c.app_token = str(opts->app_token);
    c.callback_url = str(opts->callback_url);
    if (c.client_id.empty()) return bad(error, "client_id is required");
    if (c.client_secret.empty() && c.app_token.empty()) {
        return bad(error, "client_secret or app_token is required");
    }
    if (!c.callback_url.empty() && !is_http_url(c.callback_url)) {
        return bad(error, "callback_url: must be an http:// or https:// URL");
    }
    net::EngineConfig &e = c.engine;
    e.client_id = c.client_id;
    tc_status st = base_url(opts->api_base_url, kTwitchHelix, "api_base_url", &e.api_base, error);
    if (st != TC_OK) return st;
    st = base_url(opts->auth_base_url, kTwitchAuth, "auth_base_url", &e.auth_base, error);
    if (st != TC_OK) return st;
    if (opts->ca_file != nullptr) {
        if (access(opts->ca_file, R_OK) != 0) {
            return bad(error, std::string("ca_file: cannot read it: ") + std::strerror(errno));
        }
        e.transport.ca_file = opts->ca_file;
    }
    if (opts->connect_timeout_ms < 0) return bad(error, "connect_timeout_ms must not be negative");
    if (opts->request_timeout_ms < 0) return bad(error, "request_timeout_ms must not be negative");
    if (opts->max_attempts < 0 || opts->max_attempts > 100) return bad(error, "max_attempts must be 0..100");
    if (opts->backoff_base_ms < 0 || opts->backoff_max_ms < 0) return bad(error, "backoff times must not be negative");
    if (opts->ratelimit_max_wait_ms < 0) return bad(error, "ratelimit_max_wait_ms must not be negative");
    if (opts->max_concurrency < 0 || opts->max_concurrency > 10000) return bad(error, "max_concurrency must be 0..10000");
    if (opts->token_refresh_margin_s < 0) return bad(error, "token_refresh_margin_s must not be negative");
    if ((opts->flags & ~kKnownFlags) != 0) return bad(error, "flags has unknown bits");
    const int log_level = raw_enum(opts->log_level);
    if (log_level < TC_LOG_ERROR || log_level > TC_LOG_DEBUG) {
        return bad(error, "log_level must be a tc_log_level value");
    }
    if (opts->connect_timeout_ms > 0) e.transport.connect_timeout_ms = opts->connect_timeout_ms;
    if (opts->request_timeout_ms > 0) e.request_timeout_ms = opts->request_timeout_ms;
    if (opts->max_attempts > 0) e.retry.max_attempts = opts->max_attempts;
    if (opts->backoff_base_ms > 0) e.retry.backoff_base_ms = opts->backoff_base_ms;
    if (opts->backoff_max_ms > 0) e.retry.backoff_max_ms = opts->backoff_max_ms;
    if (e.retry.backoff_max_ms < e.retry.backoff_base_ms) e.retry.backoff_max_ms = e.retry.backoff_base_ms;
    if (opts->ratelimit_max_wait_ms > 0) e.retry.ratelimit_max_wait_ms = opts->ratelimit_max_wait_ms;
    if (opts->max_concurrency > 0) e.max_concurrency = opts->max_concurrency;
    if (opts->max_response_bytes > 0) e.transport.max_response_bytes = opts->max_response_bytes;
    e.transport.max_connections = e.max_concurrency + 4;  // + OAuth and headroom
    e.transport.user_agent = std::string("twitchconduits/") + TC_VERSION_STRING;
    e.pacing = (opts->flags & TC_CONDUITS_F_NO_PACING) == 0;
    if (opts->token_refresh_margin_s > 0) c.token_refresh_margin_s = opts->token_refresh_margin_s;
    c.dispatch_thread = (opts->flags & TC_CONDUITS_F_DISPATCH_THREAD) != 0;
    c.allow_http_callbacks = (opts->flags & TC_CONDUITS_F_ALLOW_HTTP_CALLBACKS) != 0;
    c.log_cb = opts->log_cb;
    c.log_userdata = opts->log_userdata;
    c.log_level = opts->log_level;
    c.random_seed = opts->random_seed;
    if (opts->version >= 2) {  // fields a version-1 caller's struct does not have
        if (opts->token_validate_interval_s < -1) return bad(error, "token_validate_interval_s must be -1 or more");
        if (opts->token_validate_interval_s != 0) c.token_validate_interval_s = opts->token_validate_interval_s;
    }
    if (opts->version >= 3) {
        if (opts->request_deadline_ms < -1) return bad(error, "request_deadline_ms must be -1 or more");
        if (opts->request_deadline_ms != 0) e.request_deadline_ms = opts->request_deadline_ms > 0 ? opts->request_deadline_ms : 0;
        if (opts->max_list_pages < 0) return bad(error, "max_list_pages must not be negative");
        if (opts->max_list_pages > 0) c.max_list_pages = opts->max_list_pages;
    }
    return TC_OK;
}

}  // namespace tc::capi
