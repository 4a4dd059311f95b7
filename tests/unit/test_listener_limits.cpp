// The listener's pure limits: connection deadlines, ambiguous request
// framing, and the dedupe store's count of ids dropped inside their replay
// window (with an injected clock).
#include "unit.hpp"

#include "events/connection_guard.hpp"
#include "events/dedupe.hpp"
#include "events/listener.hpp"

#include <twitchconduits.h>

#include <cstring>
#include <string>
#include <vector>

namespace {

using tc::events::ConnectionPhase;

void deadlines(void **) {
    tc::events::GuardLimits l;
    l.head_ms = 1000;
    l.request_ms = 5000;
    TC_ASSERT_EQ(tc::events::connection_deadline(ConnectionPhase::head, 200, l), 1200);
    // The request deadline counts from the start of the head, not from its end.
    TC_ASSERT_EQ(tc::events::connection_deadline(ConnectionPhase::request, 200, l), 5200);
    TC_ASSERT_EQ(tc::events::connection_deadline(ConnectionPhase::closing, 200, l), INT64_MAX);
}

const char *framing(std::vector<tc_header> hs) { return tc::events::ambiguous_framing(hs.data(), hs.size()); }

void ambiguous_framing(void **) {
    assert_null(framing({}));
    assert_null(framing({{"Content-Length", "12"}, {"Host", "x"}}));
    assert_null(framing({{"Content-Length", "12"}, {"content-length", "12"}}));  // the same value twice
    assert_null(framing({{"Transfer-Encoding", "chunked"}}));
    assert_null(framing({{"transfer-encoding", "Chunked"}}));
    TC_ASSERT_CONTAINS(framing({{"Content-Length", "12"}, {"CONTENT-LENGTH", "13"}}), "Content-Length");
    TC_ASSERT_CONTAINS(framing({{"Content-Length", "12"}, {"Transfer-Encoding", "chunked"}}), "together");
    TC_ASSERT_CONTAINS(framing({{"Transfer-Encoding", "chunked"}, {"Content-Length", "12"}}), "together");
    TC_ASSERT_CONTAINS(framing({{"Transfer-Encoding", "gzip, chunked"}}), "chunked");
    TC_ASSERT_CONTAINS(framing({{"Transfer-Encoding", "chunked"}, {"Transfer-Encoding", "chunked"}}), "chunked");
    TC_ASSERT_CONTAINS(framing({{"Transfer-Encoding", "identity"}}), "chunked");
}

// An id pushed out for room counts while a replay of it would still pass
// the timestamp check (younger than the window), and not from the window's
// end on.
void early_evictions_boundary(void **) {
    tc::events::DedupeStore s(2, 20000, 1000);
    assert_true(s.insert("a", 0));
    assert_true(s.insert("b", 10));
    assert_true(s.insert("c", 999));  // "a" goes at age 999: inside the window
    TC_ASSERT_EQ(s.early_evictions(), 1);
    assert_true(s.insert("d", 1010));  // "b" goes at age 1000: the window is over
    TC_ASSERT_EQ(s.early_evictions(), 1);
    assert_true(s.insert("e", 1010));  // "c" goes at age 11
    TC_ASSERT_EQ(s.early_evictions(), 2);
    // Expired ids and forgotten ones are not evictions.
    assert_true(s.forget("d"));
    assert_true(s.insert("f", 30000));
    assert_true(s.insert("g", 30000));
    TC_ASSERT_EQ(s.early_evictions(), 2);
    // Without a window the TTL is the window.
    tc::events::DedupeStore t(1, 500);
    assert_true(t.insert("a", 0));
    assert_true(t.insert("b", 499));
    TC_ASSERT_EQ(t.early_evictions(), 1);
    assert_true(t.insert("c", 999));
    TC_ASSERT_EQ(t.early_evictions(), 1);
}

int64_t clock_of(void *userdata) { return *static_cast<int64_t *>(userdata); }

constexpr const char *kSecret = "unit-secret-0123456789";
constexpr const char *kBody =
    "{\"subscription\":{\"id\":\"s\",\"type\":\"channel.follow\",\"version\":\"2\"},\"event\":{\"user_id\":\"1\"}}";
constexpr const char *kTs = "2024-05-01T12:00:00Z";
constexpr int64_t kTsMs = 1714564800000;

// Handles a signed notification with id `id`; true when it is new (not a duplicate).
bool deliver(tc_webhook_verifier *v, const std::string &id) {
    char *sig = nullptr;
    assert_int_equal(tc_webhook_sign(&sig, kSecret, id.c_str(), kTs, kBody, strlen(kBody)), TC_OK);
    const tc_header hs[] = {{"Twitch-Eventsub-Message-Id", id.c_str()},
                            {"Twitch-Eventsub-Message-Timestamp", kTs},
                            {"Twitch-Eventsub-Message-Signature", sig},
                            {"Twitch-Eventsub-Message-Type", "notification"}};
    tc_event *m = nullptr;
    assert_int_equal(tc_webhook_handle(&m, v, hs, 4, kBody, strlen(kBody)), TC_OK);
    const bool fresh = tc_event_is_duplicate(m) == 0;
    tc_event_free(m);
    tc_free(sig);
    return fresh;
}

// The exact guarantee through the public API: with dedupe_capacity ids
// accepted inside the replay window (max_age_s + max_future_s), the oldest
// is dropped, counted, and its redelivery is dispatched again (the window's
// end is tested on the store itself, above).
void verifier_counts_evictions_inside_window(void **) {
    tc_webhook_options o = TC_WEBHOOK_OPTIONS_INIT;
    int64_t now = kTsMs;
    o.dedupe_capacity = 2;
    o.max_age_s = 600;
    o.max_future_s = 60;
    o.clock_cb = clock_of;
    o.clock_userdata = &now;
    tc_webhook_verifier *v = nullptr;
    assert_int_equal(tc_webhook_verifier_new(&v, &o), TC_OK);
    assert_int_equal(tc_webhook_verifier_add_secret(v, kSecret), TC_OK);
    assert_true(deliver(v, "m-1"));
    assert_true(deliver(v, "m-2"));
    assert_false(deliver(v, "m-1"));
    TC_ASSERT_EQ(tc_webhook_verifier_dedupe_evictions(v), 0);
    assert_true(deliver(v, "m-3"));  // "m-1" dropped 0 s after it was seen
    TC_ASSERT_EQ(tc_webhook_verifier_dedupe_evictions(v), 1);
    assert_true(deliver(v, "m-1"));  // the double dispatch the counter announced
    TC_ASSERT_EQ(tc_webhook_verifier_dedupe_evictions(v), 2);  // that pushed "m-2" out
    TC_ASSERT_EQ(tc_webhook_verifier_dedupe_evictions(nullptr), 0);
    tc_webhook_verifier_free(v);
}

}  // namespace

int main() {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(deadlines),
        cmocka_unit_test(ambiguous_framing),
        cmocka_unit_test(early_evictions_boundary),
        cmocka_unit_test(verifier_counts_evictions_inside_window),
    };
    return cmocka_run_group_tests(tests, nullptr, nullptr);
}
