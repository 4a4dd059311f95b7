// Webhook verification: headers, HMAC, replay window, classification, dedupe.
#include "events/verifier.hpp"

#include "events/classify.hpp"
#include "events/hmac.hpp"

#include <openssl/crypto.h>
#include <openssl/evp.h>

#include <algorithm>
#include <chrono>
#include <cstring>
#include <new>
#include <stdexcept>

namespace tc::events {

// ---------------------------------------------------------------------------
// Secrets

class SecretKey {
public:
    explicit SecretKey(std::string_view secret) : secret_(secret), hmac_(secret) {}
    ~SecretKey() { OPENSSL_cleanse(secret_.data(), secret_.size()); }
    SecretKey(const SecretKey &) = delete;
    SecretKey &operator=(const SecretKey &) = delete;

    bool is(std::string_view secret) const {
        return secret.size() == secret_.size() && CRYPTO_memcmp(secret.data(), secret_.data(), secret.size()) == 0;
    }

    // HMAC(id + timestamp + body) into out[32]. False on an OpenSSL failure.
    bool mac(std::string_view id, std::string_view ts, std::string_view body, unsigned char out[32]) const {
        const std::string_view parts[] = {id, ts, body};
        return hmac_.mac(parts, 3, out);
    }

private:
    std::string secret_;
    HmacSha256 hmac_;
};

bool valid_secret(std::string_view secret) {
    if (secret.size() < 10 || secret.size() > 100) return false;
    return std::all_of(secret.begin(), secret.end(), [](char c) { return c >= 0x20 && c <= 0x7e; });
}

std::string sign(std::string_view secret, std::string_view id, std::string_view timestamp, std::string_view body) {
    SecretKey key(secret);
    unsigned char mac[32];
    if (!key.mac(id, timestamp, body, mac)) throw std::runtime_error("HMAC-SHA256 failed");
    static const char digits[] = "0123456789abcdef";
    std::string out = "sha256=";
    for (unsigned char b : mac) {
        out.push_back(digits[b >> 4]);
        out.push_back(digits[b & 15]);
    }
    return out;
}

// ---------------------------------------------------------------------------
// Timestamps

namespace {

int64_t days_from_civil(int64_t y, unsigned m, unsigned d) {
    y -= m <= 2;
    const int64_t era = (y >= 0 ? y : y - 399) / 400;
    const unsigned yoe = static_cast<unsigned>(y - era * 400);
    const unsigned doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + static_cast<int64_t>(doe) - 719468;
}

bool fixed_digits(std::string_view s, size_t at, size_t count, int *out) {
    if (at + count > s.size()) return false;
    int v = 0;
    for (size_t k = 0; k < count; ++k) {
        const char c = s[at + k];
        if (c < '0' || c > '9') return false;
        v = v * 10 + (c - '0');
    }
    *out = v;
    return true;
}

}  // namespace

bool parse_timestamp(std::string_view s, int64_t *unix_ms) {
    int year, month, day, hour, minute, second;
    if (!fixed_digits(s, 0, 4, &year) || s.size() < 20 || s[4] != '-' || !fixed_digits(s, 5, 2, &month) ||
        s[7] != '-' || !fixed_digits(s, 8, 2, &day) || (s[10] != 'T' && s[10] != 't') ||
        !fixed_digits(s, 11, 2, &hour) || s[13] != ':' || !fixed_digits(s, 14, 2, &minute) || s[16] != ':' ||
        !fixed_digits(s, 17, 2, &second)) {
        return false;
    }
    static const int month_days[] = {31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    if (month < 1 || month > 12 || day < 1 || day > month_days[month - 1]) return false;
    const bool leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
    if (month == 2 && day == 29 && !leap) return false;
    if (hour > 23 || minute > 59 || second > 60) return false;
    size_t i = 19;
    int64_t millis = 0;
    if (i < s.size() && s[i] == '.') {
        ++i;
        size_t count = 0;
        while (i < s.size() && s[i] >= '0' && s[i] <= '9') {
            if (count < 3) millis = millis * 10 + (s[i] - '0');
            ++count, ++i;
        }
        if (count == 0) return false;
        for (size_t k = count; k < 3; ++k) millis *= 10;
    }
    int64_t offset_s = 0;
    if (i < s.size() && (s[i] == 'Z' || s[i] == 'z')) {
        ++i;
    } else if (i < s.size() && (s[i] == '+' || s[i] == '-')) {
        int oh, om;
        if (!fixed_digits(s, i + 1, 2, &oh) || i + 3 >= s.size() || s[i + 3] != ':' ||
            !fixed_digits(s, i + 4, 2, &om) || oh > 23 || om > 59) {
            return false;
        }
        offset_s = (s[i] == '+' ? 1 : -1) * (oh * 3600 + om * 60);
        i += 6;
    } else {
        return false;
    }
    if (i != s.size()) return false;
    const int64_t days = days_from_civil(year, static_cast<unsigned>(month), static_cast<unsigned>(day));
    const int64_t secs = days * 86400 + hour * 3600 + minute * 60 + second - offset_s;
    *unix_ms = secs * 1000 + millis;
    return true;
}

// ---------------------------------------------------------------------------
// Headers

namespace {

enum HeaderIndex { kId, kTimestamp, kSignature, kType, kRetry, kSubType, kSubVersion, kHeaderCount };

const char *const kHeaderNames[kHeaderCount] = {
    "Twitch-Eventsub-Message-Id",        "Twitch-Eventsub-Message-Timestamp",
    "Twitch-Eventsub-Message-Signature", "Twitch-Eventsub-Message-Type",
    "Twitch-Eventsub-Message-Retry",     "Twitch-Eventsub-Subscription-Type",
    "Twitch-Eventsub-Subscription-Version",
};

// The headers in lower case, for matching.
constexpr const char *kHeaderLower[kHeaderCount] = {
    "twitch-eventsub-message-id",        "twitch-eventsub-message-timestamp",
    "twitch-eventsub-message-signature", "twitch-eventsub-message-type",
    "twitch-eventsub-message-retry",     "twitch-eventsub-subscription-type",
    "twitch-eventsub-subscription-version",
};

// One header name as a pattern compared eight bytes at a time: `fold` has
// 0x20 (the bit ASCII case flips) where the name has a letter, so
// (byte | fold) == lower holds exactly for both cases of a letter and for
// the very byte elsewhere. Header matching runs for every header of every
// message; a byte at a time it was a tenth of the path besides the HMAC.
struct HeaderPattern {
    static constexpr size_t kMax = 40;
    char lower[kMax] = {};
    char fold[kMax] = {};
    size_t len = 0;
};

struct HeaderPatterns {
    HeaderPattern p[kHeaderCount];
    constexpr HeaderPatterns() {
        for (int h = 0; h < kHeaderCount; ++h) {
            const char *name = kHeaderLower[h];
            size_t k = 0;
            for (; name[k] != '\0'; ++k) {
                p[h].lower[k] = name[k];
                p[h].fold[k] = name[k] >= 'a' && name[k] <= 'z' ? 0x20 : 0;
            }
            p[h].len = k;
        }
    }
};
constexpr HeaderPatterns kPatterns;

uint64_t load8(const char *p) {
    uint64_t v;
    std::memcpy(&v, p, sizeof v);
    return v;
}

// Whether `name` (exactly pattern.len bytes long) is the pattern's header, in any case.
bool matches(const char *name, const HeaderPattern &pattern) {
    size_t k = 0;
    for (; k + 8 <= pattern.len; k += 8) {
        if ((load8(name + k) | load8(pattern.fold + k)) != load8(pattern.lower + k)) return false;
    }
    for (; k < pattern.len; ++k) {
        if ((name[k] | pattern.fold[k]) != pattern.lower[k]) return false;
    }
    return true;
}

// Which of the seven headers `name` is, or -1. Only names of a matching
// length are compared, so most headers cost a strlen.
int header_index(const char *name) {
    if ((name[0] | 0x20) != 't') return -1;  // most other headers end here, without a strlen
    const size_t len = std::strlen(name);
    for (int h = 0; h < kHeaderCount; ++h) {
        if (len == kPatterns.p[h].len && matches(name, kPatterns.p[h])) return h;
    }
    return -1;
}

// Hex digit values by table (-1: not a hex digit).
struct HexTable {
    signed char table[256] = {};
    constexpr HexTable() {
        for (int c = 0; c < 256; ++c) table[c] = -1;
        for (int c = '0'; c <= '9'; ++c) table[c] = static_cast<signed char>(c - '0');
        for (int c = 'a'; c <= 'f'; ++c) table[c] = static_cast<signed char>(c - 'a' + 10);
        for (int c = 'A'; c <= 'F'; ++c) table[c] = static_cast<signed char>(c - 'A' + 10);
    }
};
constexpr HexTable kHex;

bool decode_signature(std::string_view v, unsigned char out[32]) {
    static const char prefix[] = "sha256=";
    if (v.size() != sizeof prefix - 1 + 64 || std::memcmp(v.data(), prefix, sizeof prefix - 1) != 0) return false;
    const unsigned char *hex = reinterpret_cast<const unsigned char *>(v.data()) + sizeof prefix - 1;
    int bad = 0;
    for (size_t k = 0; k < 32; ++k) {
        const int hi = kHex.table[hex[2 * k]], lo = kHex.table[hex[2 * k + 1]];
        bad |= hi | lo;  // negative once any digit is not hex
        out[k] = static_cast<unsigned char>(hi << 4 | lo);
    }
    return bad >= 0;
}

bool valid_message_id(std::string_view id) {
    if (id.empty() || id.size() > 255) return false;
    return std::all_of(id.begin(), id.end(), [](char c) { return c > 0x20 && c < 0x7f; });
}

int parse_retry(const char *v) {
    if (v == nullptr || *v == '\0') return -1;
    int n = 0;
    for (int k = 0; v[k] != '\0'; ++k) {
        if (k >= 9 || v[k] < '0' || v[k] > '9') return -1;
        n = n * 10 + (v[k] - '0');
    }
    return n;
}

void reject(Message *m, tc_status status, int http, std::string why) {
    m->kind = TC_EVENT_REJECTED;
    m->status = status;
    m->http_status = http;
    m->content_type = "text/plain";
    switch (http) {
    case 400: m->response_body = "bad request"; break;
    case 403: m->response_body = "forbidden"; break;
    case 413: m->response_body = "payload too large"; break;
    default: m->response_body = "internal server error"; break;
    }
    m->why = std::move(why);
}

}  // namespace

// ---------------------------------------------------------------------------
// Verifier

Verifier::Verifier(const WebhookConfig &config)
    : config_(config),
      secrets_(std::make_shared<const SecretSet>()),
      // A message passes the timestamp check again for up to max_age +
      // max_future after it was first accepted: its replay window.
      dedupe_(config.dedupe_capacity, config.dedupe_ttl_ms, config.max_age_ms + config.max_future_ms) {}

Verifier::~Verifier() = default;

int64_t Verifier::now_ms() const {
    if (config_.clock_ms != nullptr) return config_.clock_ms(config_.clock_userdata);
    return std::chrono::duration_cast<std::chrono::milliseconds>(
               std::chrono::system_clock::now().time_since_epoch())
        .count();
}

std::shared_ptr<const Verifier::SecretSet> Verifier::secrets() const {
    std::lock_guard<std::mutex> lock(secrets_mu_);
    return secrets_;
}

tc_status Verifier::add_secret(std::string_view secret, std::string *why) {
    if (!valid_secret(secret)) {
        *why = "invalid argument: secret (must be 10 to 100 printable ASCII characters)";
        return TC_EINVAL;
    }
    auto key = std::make_shared<const SecretKey>(secret);
    std::lock_guard<std::mutex> lock(secrets_mu_);
    for (const auto &k : *secrets_) {
        if (k->is(secret)) return TC_OK;
    }
    if (secrets_->size() >= kMaxSecrets) {
        *why = "secret: the verifier already has " + std::to_string(kMaxSecrets) + " secrets";
        return TC_ETOOLARGE;
    }
    auto next = std::make_shared<SecretSet>(*secrets_);
    next->push_back(std::move(key));
    secrets_ = std::move(next);
    return TC_OK;
}

tc_status Verifier::remove_secret(std::string_view secret, std::string *why) {
    std::lock_guard<std::mutex> lock(secrets_mu_);
    auto next = std::make_shared<SecretSet>();
    for (const auto &k : *secrets_) {
        if (!k->is(secret)) next->push_back(k);
    }
    if (next->size() == secrets_->size()) {
        *why = "secret: the verifier does not have this secret";
        return TC_ENOTFOUND;
    }
    secrets_ = std::move(next);
    return TC_OK;
}

size_t Verifier::secret_count() const { return secrets()->size(); }

void Verifier::handle(const tc_header *headers, size_t count, std::string_view body, Message *m) {
    *m = Message{};
    if (body.size() > config_.max_body_bytes) {
        reject(m, TC_ETOOLARGE, 413,
               "webhook body of " + std::to_string(body.size()) + " bytes exceeds max_body_bytes (" +
                   std::to_string(config_.max_body_bytes) + ")");
        return;
    }

    // 1. Headers.
    const char *value[kHeaderCount] = {};
    for (size_t k = 0; k < count; ++k) {
        const int h = header_index(headers[k].name);
        if (h < 0) continue;
        if (value[h] != nullptr) {
            reject(m, TC_ESIGNATURE, 403, std::string("webhook header ") + kHeaderNames[h] + " appears twice");
            return;
        }
        value[h] = headers[k].value;
    }
    for (int h : {kId, kTimestamp, kSignature, kType}) {
        if (value[h] == nullptr) {
            reject(m, TC_ESIGNATURE, 403, std::string("webhook header ") + kHeaderNames[h] + " is missing");
            return;
        }
    }
    const std::string_view id = value[kId];
    const std::string_view ts = value[kTimestamp];
    if (!valid_message_id(id)) {
        reject(m, TC_ESIGNATURE, 403,
               "webhook header Twitch-Eventsub-Message-Id is malformed (1 to 255 visible ASCII characters)");
        return;
    }
    int64_t ts_ms = 0;
    if (!parse_timestamp(ts, &ts_ms)) {
        reject(m, TC_ESIGNATURE, 403, "webhook header Twitch-Eventsub-Message-Timestamp is not an RFC 3339 time");
        return;
    }
    unsigned char given[32];
    if (!decode_signature(value[kSignature], given)) {
        reject(m, TC_ESIGNATURE, 403,
               "webhook header Twitch-Eventsub-Message-Signature is malformed (expected sha256= and 64 hex digits)");
        return;
    }

    // 2. Signature, with every secret (no early exit: which one matched is
    // not observable).
    const std::shared_ptr<const SecretSet> keys = secrets();
    if (keys->empty()) {
        reject(m, TC_EINVAL, 500, "invalid argument: verifier (no secret added)");
        return;
    }
    int match = 0;
    for (const auto &key : *keys) {
        unsigned char expected[32];
        if (!key->mac(id, ts, body, expected)) throw std::runtime_error("HMAC-SHA256 failed");
        match |= CRYPTO_memcmp(expected, given, sizeof given) == 0;
        OPENSSL_cleanse(expected, sizeof expected);
    }
    if (!match) {
        reject(m, TC_ESIGNATURE, 403, "webhook signature does not match");
        return;
    }

    // 3. Replay window. From here on the headers are authentic.
    const int64_t now = now_ms();
    if (now - ts_ms > config_.max_age_ms) {
        reject(m, TC_ESTALE, 403,
               "webhook timestamp is " + std::to_string((now - ts_ms) / 1000) + " s old (max_age_s is " +
                   std::to_string(config_.max_age_ms / 1000) + ")");
        m->message_id = std::string(id), m->timestamp = std::string(ts), m->timestamp_ms = ts_ms;
        return;
    }
    if (ts_ms - now > config_.max_future_ms) {
        reject(m, TC_ESTALE, 403,
               "webhook timestamp is " + std::to_string((ts_ms - now) / 1000) + " s in the future (max_future_s is " +
                   std::to_string(config_.max_future_ms / 1000) + ")");
        m->message_id = std::string(id), m->timestamp = std::string(ts), m->timestamp_ms = ts_ms;
        return;
    }

    // 4. Body.
    const std::string_view type = value[kType];
    tc_event_kind kind;
    if (type == "notification") {
        kind = TC_EVENT_NOTIFICATION;
    } else if (type == "webhook_callback_verification") {
        kind = TC_EVENT_VERIFICATION;
    } else if (type == "revocation") {
        kind = TC_EVENT_REVOCATION;
    } else {
        reject(m, TC_EBADREQUEST, 400, "webhook header Twitch-Eventsub-Message-Type has an unknown value");
        return;
    }
    BodyLayout layout;
    std::string why;
    if (!scan_body(body, &layout, &why)) {
        reject(m, TC_EBADREQUEST, 400, "webhook " + why.substr(4));  // "the body ..." -> "webhook body ..."
        return;
    }
    const bool sub_is_object = layout.subscription.found && body[layout.subscription.begin] == '{';
    // The subscription's string members were found by scan_body.
    std::string sub_type = sub_is_object ? decode_string(layout.sub_type.in(body)) : std::string();
    switch (kind) {
    case TC_EVENT_NOTIFICATION:
        if (!sub_is_object || !layout.sub_type.found || !layout.sub_version.found || !layout.event.found) {
            reject(m, TC_EBADREQUEST, 400,
                   "webhook notification body needs \"subscription\" (with type and version) and \"event\"");
            return;
        }
        m->event_json = std::string(layout.event.in(body));
        if (sub_type == "conduit.shard.disabled" && body[layout.event.begin] == '{' &&
            !read_shard_disabled(m->event_json, &m->conduit_id, &m->shard_id, &m->shard_status)) {
            m->conduit_id.clear(), m->shard_id.clear(), m->shard_status.clear();  // authentic but odd: no typed view
        }
        break;
    case TC_EVENT_VERIFICATION:
        if (!layout.challenge.found || body[layout.challenge.begin] != '"') {
            reject(m, TC_EBADREQUEST, 400, "webhook challenge body needs a string \"challenge\"");
            return;
        }
        if (layout.conduit_shard.found) {
            if (body[layout.conduit_shard.begin] != '{' ||
                !read_conduit_shard(layout.conduit_shard.in(body), &m->conduit_id, &m->shard_id)) {
                reject(m, TC_EBADREQUEST, 400, "webhook challenge body has a malformed \"conduit_shard\"");
                return;
            }
        }
        m->challenge = decode_string(layout.challenge.in(body));
        break;
    default:  // revocation
        if (!sub_is_object) {
            reject(m, TC_EBADREQUEST, 400, "webhook revocation body needs \"subscription\"");
            return;
        }
        break;
    }
    if (layout.subscription.found && !sub_is_object) {
        reject(m, TC_EBADREQUEST, 400, "webhook body has a \"subscription\" that is not an object");
        return;
    }

    m->kind = kind;
    m->status = TC_OK;
    m->message_id = std::string(id);
    m->timestamp = std::string(ts);
    m->timestamp_ms = ts_ms;
    m->retry = parse_retry(value[kRetry]);
    if (sub_is_object) {
        m->subscription_json = std::string(layout.subscription.in(body));
        m->subscription_id = decode_string(layout.sub_id.in(body));
        m->subscription_type = std::move(sub_type);
        m->subscription_version = decode_string(layout.sub_version.in(body));
        m->subscription_status = decode_string(layout.sub_status.in(body));
    }
    if (kind == TC_EVENT_VERIFICATION) {
        m->http_status = 200;
        m->content_type = "text/plain";
        m->response_body = m->challenge;
    } else {
        m->http_status = 204;
    }

    // 5. Duplicates: acknowledged the same way, flagged, not recorded again.
    m->duplicate = !dedupe_.insert(id, now);
}

bool webhook_config_from_options(const tc_webhook_options &o, WebhookConfig *out, std::string *why) {
    constexpr int64_t kMaxWindowS = 30LL * 86400;
    const char *bad = nullptr;
    if (o.max_age_s < 0 || o.max_age_s > kMaxWindowS) {
        bad = "opts->max_age_s";
    } else if (o.max_future_s < 0 || o.max_future_s > 86400) {
        bad = "opts->max_future_s";
    } else if (o.dedupe_ttl_s < 0 || o.dedupe_ttl_s > 2 * kMaxWindowS) {
        bad = "opts->dedupe_ttl_s";
    } else if (o.dedupe_capacity > (size_t{1} << 26)) {
        bad = "opts->dedupe_capacity";
    }
    if (bad != nullptr) {
        *why = std::string("invalid argument: ") + bad;
        return false;
    }
    out->max_age_ms = (o.max_age_s == 0 ? 600 : o.max_age_s) * 1000LL;
    out->max_future_ms = (o.max_future_s == 0 ? 60 : o.max_future_s) * 1000LL;
    out->dedupe_capacity = o.dedupe_capacity == 0 ? 100000 : o.dedupe_capacity;
    out->dedupe_ttl_ms = o.dedupe_ttl_s == 0 ? 2 * out->max_age_ms : o.dedupe_ttl_s * 1000LL;
    out->max_body_bytes = o.max_body_bytes == 0 ? (size_t{1} << 20) : o.max_body_bytes;
    out->clock_ms = o.clock_cb;
    out->clock_userdata = o.clock_userdata;
    return true;
}

}  // namespace tc::events
