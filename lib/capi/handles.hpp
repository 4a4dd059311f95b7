// The structs behind the public opaque handles. Each starts with a tag that
// entry points check, so a wrong or freed pointer is usually reported as
// TC_EINVAL instead of crashing.
#pragma once

#include "core/manager.hpp"
#include "net/http.hpp"
#include "util/metrics_registry.hpp"

#include <twitchconduits.h>

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

namespace tc::capi {
constexpr uint32_t kConduitsTag = 0x54434d47u;  // "TCMG"
constexpr uint32_t kResponseTag = 0x54435253u;  // "TCRS"
constexpr uint32_t kTokenTag = 0x54435454u;     // "TCTT"
constexpr uint32_t kDeadTag = 0xdeadc0deu;
}  // namespace tc::capi

struct tc_conduits {
    uint32_t tag = tc::capi::kConduitsTag;
    std::unique_ptr<tc::core::Manager> manager;
    // The manager's own counters in its metrics registry; declared after
    // `manager`, so it is removed before the manager is destroyed.
    tc::util::MetricsRegistration metrics;
};

struct tc_response {
    uint32_t tag = tc::capi::kResponseTag;
    tc_status status = TC_OK;
    int http_status = 0;
    int attempts = 0;
    double elapsed_ms = 0;
    std::string body;
    std::string message;
    tc::net::Headers headers;
};

struct tc_token {
    uint32_t tag = tc::capi::kTokenTag;
    std::string access_token;
    std::string client_id;
    int64_t expires_at = 0;
    bool validated = false;
    bool has_login = false;
    std::string login;
    bool has_user_id = false;
    std::string user_id;
    std::vector<std::string> scopes;
};

namespace tc::capi {

inline bool valid(const tc_conduits *c) { return c != nullptr && c->tag == kConduitsTag && c->manager; }
inline bool valid(const tc_response *r) { return r != nullptr && r->tag == kResponseTag; }
inline bool valid(const tc_token *t) { return t != nullptr && t->tag == kTokenTag; }

}  // namespace tc::capi
