// util/log: level filtering, printf formatting, and redaction of every
// registered secret before the user's sink sees the text.
#include "unit.hpp"

#include "util/log.hpp"

#include <atomic>
#include <mutex>
#include <thread>
#include <utility>
#include <vector>

using tc::util::Logger;

namespace {

struct Capture {
    std::mutex mu;
    std::vector<std::pair<tc_log_level, std::string>> lines;
    std::atomic<int> in_sink{0};
    std::atomic<bool> overlapped{false};
};

void sink(tc_log_level level, const char *message, void *userdata) {
    auto *cap = static_cast<Capture *>(userdata);
    if (cap->in_sink.fetch_add(1) != 0) cap->overlapped = true;
    {
        std::lock_guard<std::mutex> lock(cap->mu);
        cap->lines.emplace_back(level, message);
    }
    cap->in_sink.fetch_sub(1);
}

const std::string kToken = "k9x2abcdefghij0123456789tokn";
const std::string kClientSecret = "cs-7f3b9d2e1a6c4b8d0e5f";
const std::string kWebhookSecret = "webhook-secret-0123456789";

}  // namespace

static void sink_gets_formatted_text_level_and_userdata(void **) {
    Capture cap;
    Logger log(sink, &cap, TC_LOG_DEBUG);
    log.log(TC_LOG_WARN, "shard %d of %s: %s", 3, "conduit", "ok");
    assert_int_equal(cap.lines.size(), 1);
    assert_int_equal(cap.lines[0].first, TC_LOG_WARN);
    TC_ASSERT_STR(cap.lines[0].second, "shard 3 of conduit: ok");
}

static void every_registered_secret_is_redacted(void **) {
    Capture cap;
    Logger log(sink, &cap, TC_LOG_DEBUG);
    log.add_secret(kToken);
    log.add_secret(kClientSecret);
    log.add_secret(kWebhookSecret);
    log.log(TC_LOG_INFO, "Authorization: Bearer %s client_secret=%s&x=1 secret \"%s\"", kToken.c_str(),
            kClientSecret.c_str(), kWebhookSecret.c_str());
    assert_int_equal(cap.lines.size(), 1);
    const std::string &text = cap.lines[0].second;
    TC_ASSERT_STR(text, "Authorization: Bearer [REDACTED] client_secret=[REDACTED]&x=1 secret \"[REDACTED]\"");
    TC_ASSERT_NOT_CONTAINS(text, kToken);
    TC_ASSERT_NOT_CONTAINS(text, kClientSecret);
    TC_ASSERT_NOT_CONTAINS(text, kWebhookSecret);
}

static void every_occurrence_is_redacted(void **) {
    Logger log(nullptr, nullptr, TC_LOG_DEBUG);
    log.add_secret(kToken);
    TC_ASSERT_STR(log.redact(kToken + kToken + " " + kToken), "[REDACTED][REDACTED] [REDACTED]");
    TC_ASSERT_STR(log.redact("a" + kToken + "b" + kToken), "a[REDACTED]b[REDACTED]");
    TC_ASSERT_STR(log.redact("nothing secret here"), "nothing secret here");
    TC_ASSERT_STR(log.redact(""), "");
}

static void short_secrets_are_ignored(void **) {
    Logger log(nullptr, nullptr, TC_LOG_DEBUG);
    log.add_secret("");
    log.add_secret("a");
    log.add_secret("abcde");  // 5 characters: would redact ordinary words
    TC_ASSERT_STR(log.redact("a abcde abcdef"), "a abcde abcdef");
    log.add_secret("abcdef");  // 6 characters: long enough
    TC_ASSERT_STR(log.redact("a abcde abcdef"), "a abcde [REDACTED]");
}

static void secret_registered_later_applies_to_later_messages(void **) {
    Capture cap;
    Logger log(sink, &cap, TC_LOG_DEBUG);
    log.log(TC_LOG_INFO, "first %s", "public-value-123");
    log.add_secret("public-value-123");
    log.log(TC_LOG_INFO, "second %s", "public-value-123");
    assert_int_equal(cap.lines.size(), 2);
    TC_ASSERT_STR(cap.lines[0].second, "first public-value-123");
    TC_ASSERT_STR(cap.lines[1].second, "second [REDACTED]");
}

static void duplicate_registration_is_harmless(void **) {
    Logger log(nullptr, nullptr, TC_LOG_DEBUG);
    for (int i = 0; i < 10; ++i) log.add_secret(kToken);
    TC_ASSERT_STR(log.redact("x" + kToken + "y"), "x[REDACTED]y");
}

static void recent_tokens_stay_redacted(void **) {
    // A refreshing token provider registers a new token each time; the most
    // recent 64 must all stay redacted.
    Logger log(nullptr, nullptr, TC_LOG_DEBUG);
    std::vector<std::string> tokens;
    for (int i = 0; i < 100; ++i) {
        tokens.push_back("token-" + std::to_string(1000 + i) + "-zzzz");
        log.add_secret(tokens.back());
    }
    for (size_t i = tokens.size() - 64; i < tokens.size(); ++i) {
        TC_ASSERT_STR(log.redact("<" + tokens[i] + ">"), "<[REDACTED]>");
    }
}

static void secret_in_long_message_is_redacted(void **) {
    Capture cap;
    Logger log(sink, &cap, TC_LOG_DEBUG);
    log.add_secret(kToken);
    const std::string pad(900, 'p');
    log.log(TC_LOG_ERROR, "%s%s", pad.c_str(), kToken.c_str());
    assert_int_equal(cap.lines.size(), 1);
    TC_ASSERT_STR(cap.lines[0].second, pad + "[REDACTED]");
}

static void level_filtering(void **) {
    const tc_log_level levels[] = {TC_LOG_ERROR, TC_LOG_WARN, TC_LOG_INFO, TC_LOG_DEBUG};
    for (tc_log_level threshold : levels) {
        Capture cap;
        Logger log(sink, &cap, threshold);
        for (tc_log_level l : levels) {
            assert_int_equal(log.enabled(l), l <= threshold);
            log.log(l, "level %d", static_cast<int>(l));
        }
        assert_int_equal(cap.lines.size(), static_cast<size_t>(threshold) + 1);
        for (size_t i = 0; i < cap.lines.size(); ++i) {
            assert_int_equal(cap.lines[i].first, levels[i]);
            TC_ASSERT_STR(cap.lines[i].second, "level " + std::to_string(i));
        }
    }
}

static void no_sink_means_disabled(void **) {
    Logger log(nullptr, nullptr, TC_LOG_DEBUG);
    assert_false(log.enabled(TC_LOG_ERROR));
    assert_false(log.enabled(TC_LOG_DEBUG));
    log.add_secret(kToken);
    log.log(TC_LOG_ERROR, "dropped %s", kToken.c_str());  // must not crash
}

static void concurrent_logging_is_serialised_and_redacted(void **) {
    Capture cap;
    Logger log(sink, &cap, TC_LOG_DEBUG);
    log.add_secret(kToken);
    std::vector<std::thread> threads;
    for (int t = 0; t < 4; ++t) {
        threads.emplace_back([&log, t] {
            for (int i = 0; i < 200; ++i) {
                log.add_secret("thread-" + std::to_string(t) + "-secret");
                log.log(TC_LOG_INFO, "%d %s thread-%d-secret", i, kToken.c_str(), t);
            }
        });
    }
    for (auto &th : threads) th.join();
    assert_false(cap.overlapped.load());
    assert_int_equal(cap.lines.size(), 800);
    for (const auto &line : cap.lines) {
        TC_ASSERT_NOT_CONTAINS(line.second, kToken);
        TC_ASSERT_NOT_CONTAINS(line.second, "-secret");
    }
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(sink_gets_formatted_text_level_and_userdata),
        cmocka_unit_test(every_registered_secret_is_redacted),
        cmocka_unit_test(every_occurrence_is_redacted),
        cmocka_unit_test(short_secrets_are_ignored),
        cmocka_unit_test(secret_registered_later_applies_to_later_messages),
        cmocka_unit_test(duplicate_registration_is_harmless),
        cmocka_unit_test(recent_tokens_stay_redacted),
        cmocka_unit_test(secret_in_long_message_is_redacted),
        cmocka_unit_test(level_filtering),
        cmocka_unit_test(no_sink_means_disabled),
        cmocka_unit_test(concurrent_logging_is_serialised_and_redacted),
    };
    return cmocka_run_group_tests_name("log_redaction", tests, nullptr, nullptr);
}
