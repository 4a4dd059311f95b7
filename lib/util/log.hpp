// Logging with redaction: every credential the library knows is registered
// here, and every message is scrubbed of them before the user's sink sees it.
#pragma once

#include <twitchconduits/common.h>

#include <mutex>
#include <string>
#include <vector>

namespace tc::util {

class Logger {
public:
    Logger(tc_log_cb sink, void *userdata, tc_log_level level);

    bool enabled(tc_log_level level) const { return sink_ != nullptr && level <= level_; }

    // printf-style; the formatted text is redacted before it reaches the sink.
    void log(tc_log_level level, const char *fmt, ...) const
#if defined(__GNUC__)
        __attribute__((format(printf, 3, 4)))
#endif
        ;

    // Registers a secret (token, client secret, webhook secret) to scrub.
    // Short strings are ignored: they would redact ordinary words.
    void add_secret(const std::string &secret);

    // Replaces every registered secret in `text` with "[REDACTED]".
    std::string redact(std::string text) const;

private:
    void redact_locked(std::string &text) const;

    tc_log_cb sink_;
    void *userdata_;
    tc_log_level level_;
    mutable std::mutex mu_;  // guards secrets_ and serialises sink calls
    std::vector<std::string> secrets_;
};

}  // namespace tc::util
