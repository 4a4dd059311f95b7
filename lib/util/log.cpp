#include "util/log.hpp"

#include <algorithm>
#include <cstdarg>
#include <cstdio>

namespace tc::util {

namespace {
constexpr size_t kMinSecretLength = 6;
constexpr size_t kMaxRememberedSecrets = 64;  // old tokens stay redacted for a while
const char kRedacted[] = "[REDACTED]";
constexpr size_t kMaxMessageLength = 1023;
}  // namespace

Logger::Logger(tc_log_cb sink, void *userdata, tc_log_level level)
    : sink_(sink), userdata_(userdata), level_(level) {}

void Logger::add_secret(const std::string &secret) {
    if (secret.size() < kMinSecretLength) return;
    std::lock_guard<std::mutex> lock(mu_);
    if (std::find(secrets_.begin(), secrets_.end(), secret) != secrets_.end()) return;
    if (secrets_.size() >= kMaxRememberedSecrets) secrets_.erase(secrets_.begin());
    secrets_.push_back(secret);
}

static void replace_all(std::string &text, const std::string &needle) {
    size_t pos = 0;
    while ((pos = text.find(needle, pos)) != std::string::npos) {
        text.replace(pos, needle.size(), kRedacted);
        pos += sizeof(kRedacted) - 1;
    }
}

void Logger::redact_locked(std::string &text) const {
    for (const auto &secret : secrets_) replace_all(text, secret);
}

std::string Logger::redact(std::string text) const {
    std::lock_guard<std::mutex> lock(mu_);
    redact_locked(text);
    return text;
}

void Logger::log(tc_log_level level, const char *fmt, ...) const {
    if (!enabled(level)) return;
    va_list ap;
    va_start(ap, fmt);
    va_list again;
    va_copy(again, ap);
    int needed = vsnprintf(nullptr, 0, fmt, ap);
    va_end(ap);
    std::string text;
    if (needed > 0) {
        text.resize(static_cast<size_t>(needed) + 1);
        vsnprintf(&text[0], text.size(), fmt, again);
        text.resize(static_cast<size_t>(needed));
    }
    va_end(again);
    std::lock_guard<std::mutex> lock(mu_);
    // Redact the whole text before shortening it, so no secret is ever cut in two.
    redact_locked(text);
    if (text.size() > kMaxMessageLength) text.resize(kMaxMessageLength);
    sink_(level, text.c_str(), userdata_);
}

}  // namespace tc::util
