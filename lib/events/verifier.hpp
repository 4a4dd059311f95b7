// Webhook verification as a pure function of (headers, raw body, secrets,
// clock): HMAC-SHA256 over id + timestamp + body compared in constant time,
// a replay window, duplicate suppression, and classification of the body.
#pragma once

#include "events/dedupe.hpp"

#include <twitchconduits/common.h>
#include <twitchconduits/webhook.h>

#include <cstddef>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

namespace tc::events {

struct WebhookConfig {
    int64_t max_age_ms = 600000;
    int64_t max_future_ms = 60000;
    size_t dedupe_capacity = 100000;
    int64_t dedupe_ttl_ms = 1200000;
    size_t max_body_bytes = 1u << 20;
    int64_t (*clock_ms)(void *userdata) = nullptr;  // nullptr = the system clock
    void *clock_userdata = nullptr;
};

// What to answer and what arrived. Strings from a rejected request are left
// empty, except id and timestamp of an authentic but stale one.
struct Message {
    tc_event_kind kind = TC_EVENT_REJECTED;
    tc_status status = TC_OK;
    int http_status = 500;
    const char *content_type = "";  // static text
    std::string response_body;
    std::string message_id;
    std::string timestamp;
    int64_t timestamp_ms = 0;
    int retry = -1;
    std::string subscription_id;
    std::string subscription_type;
    std::string subscription_version;
    std::string subscription_status;
    bool duplicate = false;
    std::string event_json;
    std::string subscription_json;
    std::string challenge;
    std::string conduit_id;    // conduit shard challenges and conduit.shard.disabled
    std::string shard_id;      // likewise
    std::string shard_status;  // conduit.shard.disabled: the disabled shard's status
    std::string why;  // one line, no secret, no unauthenticated header text
    tc_transport_type transport = TC_TRANSPORT_WEBHOOK;  // which transport delivered it
    std::string session_id;    // WebSocket: the session that received it
};

// One secret, keyed once: every message only copies the prepared state.
class SecretKey;

class Verifier {
public:
    static constexpr size_t kMaxSecrets = 16;

    explicit Verifier(const WebhookConfig &config);
    ~Verifier();

    // TC_OK (also when already present), TC_EINVAL for a secret that is not
    // 10..100 printable ASCII characters, TC_ETOOLARGE beyond kMaxSecrets.
    tc_status add_secret(std::string_view secret, std::string *why);
    // TC_OK, or TC_ENOTFOUND.
    tc_status remove_secret(std::string_view secret, std::string *why);
    size_t secret_count() const;

    // Fills *out; never throws except std::bad_alloc.
    void handle(const tc_header *headers, size_t count, std::string_view body, Message *out);

    // Forgets a recorded message id (so a redelivery is dispatched again).
    bool forget(std::string_view message_id) { return dedupe_.forget(message_id); }
    // Ids dropped from a full dedupe store within their replay window.
    uint64_t dedupe_evictions() const { return dedupe_.early_evictions(); }

    int64_t now_ms() const;

private:
    using SecretSet = std::vector<std::shared_ptr<const SecretKey>>;
    std::shared_ptr<const SecretSet> secrets() const;

    WebhookConfig config_;
    mutable std::mutex secrets_mu_;
    std::shared_ptr<const SecretSet> secrets_;
    DedupeStore dedupe_;
};

// tc_webhook_options -> WebhookConfig (0 fields take their defaults): false
// with *why ("invalid argument: opts->max_age_s") when a field is out of
// range. The options' version is the caller's to check.
bool webhook_config_from_options(const tc_webhook_options &opts, WebhookConfig *out, std::string *why);

// Secret rule of Update Conduit Shards: 10..100 printable ASCII characters.
bool valid_secret(std::string_view secret);

// "sha256=<64 lowercase hex>" for the message; the secret must be valid.
std::string sign(std::string_view secret, std::string_view id, std::string_view timestamp, std::string_view body);

// RFC 3339 date-time ("2021-02-19T23:47:00.8091512Z", any fraction length,
// Z or a numeric offset, 't'/'z' accepted) to Unix milliseconds.
bool parse_timestamp(std::string_view text, int64_t *unix_ms);

}  // namespace tc::events
