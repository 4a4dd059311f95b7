// Webhook verification: the published vectors, signatures against OpenSSL,
// every tamper case, the replay window, duplicates and their eviction,
// size limits, secret rotation, classification, and threads.
#include "unit.hpp"

#include "events/classify.hpp"
#include "events/dedupe.hpp"
#include "events/verifier.hpp"

#include <twitchconduits.h>

#include <openssl/evp.h>
#include <openssl/hmac.h>

#include <atomic>
#include <cstring>
#include <deque>
#include <map>
#include <tuple>
#include <random>
#include <set>
#include <string>
#include <thread>
#include <vector>

namespace {

// ---------------------------------------------------------------------------
// The published vectors (reference §6.4), byte for byte.

const char kBodyA[] =
    "{\"subscription\":{\"id\":\"ae2ff348-e102-16be-a3eb-6830c1bf38d2\",\"status\":\"enabled\",\"type\":\"channel."
    "follow\",\"version\":\"1\",\"condition\":{\"broadcaster_user_id\":\"44429626\"},\"transport\":{\"method\":"
    "\"webhook\",\"callback\":\"null\"},\"created_at\":\"2021-02-19T23:47:00.7621315Z\"},\"event\":{\"user_id\":"
    "\"28408015\",\"user_login\":\"testFromUser\",\"user_name\":\"testFromUser\",\"broadcaster_user_id\":"
    "\"44429626\",\"broadcaster_user_login\":\"44429626\",\"broadcaster_user_name\":\"testBroadcaster\"}}";
const char kBodyB[] =
    "{\"challenge\":\"11535768-497e-14ec-8197-ba2cb5341a01\",\"subscription\":{\"id\":\"8d8fa82b-9792-79da-4e11-"
    "a6fa58a7a582\",\"status\":\"webhook_callback_verification_pending\",\"type\":\"channel.subscribe\","
    "\"version\":\"1\",\"condition\":{\"broadcaster_user_id\":\"88525095\"},\"transport\":{\"method\":\"webhook\","
    "\"callback\":\"http://localhost:80/twitch/eventsub\"},\"created_at\":\"2022-02-06T04:03:24.2706497Z\","
    "\"cost\":0}}";
const char kBodyC[] =
    "{\"subscription\":{\"id\":\"f1c2a387-161a-49f9-a165-0f21d7a4e1c4\",\"status\":\"enabled\",\"type\":\"stream."
    "online\",\"version\":\"1\",\"cost\":0,\"condition\":{\"broadcaster_user_id\":\"1337\"},\"transport\":{"
    "\"method\":\"conduit\",\"conduit_id\":\"bfcfc993-26b1-b876-44d9-afe75a379dac\"},\"created_at\":\"2019-11-16T10:"
    "11:12.634234626Z\"},\"event\":{\"id\":\"9001\",\"broadcaster_user_id\":\"1337\",\"broadcaster_user_login\":"
    "\"cool_user\",\"broadcaster_user_name\":\"Cool_User\",\"type\":\"live\",\"started_at\":\"2020-10-11T10:11:12."
    "123Z\"}}";

struct Vector {
    const char *secret, *id, *ts, *body, *sig;
    size_t body_len;
};

const Vector kA = {"secretabcd", "ae2ff348-e102-16be-a3eb-6830c1bf38d2", "2021-02-19T23:47:00.8091512Z", kBodyA,
                   "sha256=d10f5bd9474b7ac7bd7105eb79c2d52768b4d0cd2a135982c3bf5a1d59a78823", sizeof kBodyA - 1};
const Vector kB = {"HELLOabc2321", "8d8fa82b-9792-79da-4e11-a6fa58a7a582", "2022-02-06T04:03:24.2726598Z", kBodyB,
                   "sha256=091f6a5c74fba820f2d50e9d0c5e7650556ee009375af2cc662e610e670bc412", sizeof kBodyB - 1};
const Vector kC = {"this_is_a_test_secret_123", "e76c6bd4-55c9-4987-8304-da1588d8988b",
                   "2023-07-19T10:11:12.634234626Z", kBodyC,
                   "sha256=f3504d8def4ba3dc97cec27178a44f6a2543cd0e9a94625133c07a329409d12a", sizeof kBodyC - 1};

const char kSecret[] = "s3cret-Webhook-Kq9Zt";   // distinctive, to spot leaks
const char kSecret2[] = "s3cret-Rotated-Jw4Xp";

// ---------------------------------------------------------------------------
// Helpers

int64_t clock_of(void *ud) { return static_cast<std::atomic<int64_t> *>(ud)->load(); }

int64_t ms_of(const char *ts) {
    int64_t ms = 0;
    assert_true(tc::events::parse_timestamp(ts, &ms));
    return ms;
}

struct Fixture {
    std::atomic<int64_t> now{0};
    tc_webhook_verifier *v = nullptr;

    explicit Fixture(tc_webhook_options o = TC_WEBHOOK_OPTIONS_INIT) {
        o.clock_cb = clock_of;
        o.clock_userdata = &now;
        assert_int_equal(tc_webhook_verifier_new(&v, &o), TC_OK);
    }
    ~Fixture() { tc_webhook_verifier_free(v); }
};

std::string openssl_sign(const std::string &secret, const std::string &msg) {
    unsigned char mac[EVP_MAX_MD_SIZE];
    unsigned int len = 0;
    assert_non_null(HMAC(EVP_sha256(), secret.data(), static_cast<int>(secret.size()),
                         reinterpret_cast<const unsigned char *>(msg.data()), msg.size(), mac, &len));
    static const char d[] = "0123456789abcdef";
    std::string out = "sha256=";
    for (unsigned k = 0; k < len; ++k) out += d[mac[k] >> 4], out += d[mac[k] & 15];
    return out;
}

struct Req {
    std::string id = "0b7b6f6e-1d2e-4a3b-9c8d-7e6f5a4b3c2d";
    std::string ts = "2024-05-01T12:00:00.123456789Z";
    std::string type = "notification";
    std::string body = std::string(kBodyC);
    std::string sig;  // computed from secret when empty (unless sig_set)
    bool sig_set = false;
    std::string secret = kSecret;
    std::vector<std::pair<std::string, std::string>> extra;
    bool omit[4] = {false, false, false, false};  // id, ts, sig, type
    std::string names[4] = {"Twitch-Eventsub-Message-Id", "Twitch-Eventsub-Message-Timestamp",
                            "Twitch-Eventsub-Message-Signature", "Twitch-Eventsub-Message-Type"};

    std::string signature() const { return sig.empty() && !sig_set ? openssl_sign(secret, id + ts + body) : sig; }
};

struct Result {
    tc_status st;
    tc_event *m;
    ~Result() { tc_event_free(m); }
};

Result *send(Fixture &f, const Req &r, const std::string *body_override = nullptr) {
    const std::string sig = r.signature();
    const std::string *values[4] = {&r.id, &r.ts, &sig, &r.type};
    std::vector<tc_header> h;
    h.push_back({"Content-Type", "application/json"});
    for (int k = 0; k < 4; ++k) {
        if (!r.omit[k]) h.push_back({r.names[k].c_str(), values[k]->c_str()});
    }
    h.push_back({"Twitch-Eventsub-Message-Retry", "0"});
    for (const auto &e : r.extra) h.push_back({e.first.c_str(), e.second.c_str()});
    const std::string &body = body_override != nullptr ? *body_override : r.body;
    auto *res = new Result{TC_OK, nullptr};
    res->st = tc_webhook_handle(&res->m, f.v, h.data(), h.size(), body.data(), body.size());
    assert_non_null(res->m);
    TC_ASSERT_EQ(tc_event_status(res->m), res->st);
    return res;
}

void expect_rejected_at(int line, Result *r, tc_status st, int http) {
    if (r->st != st) print_error("line %d: status %d (%s)\n", line, r->st, tc_last_error_message());
    TC_ASSERT_EQ(r->st, st);
    TC_ASSERT_EQ(tc_event_kind_get(r->m), TC_EVENT_REJECTED);
    TC_ASSERT_EQ(tc_event_http_status(r->m), http);
    TC_ASSERT_STR(tc_event_id(r->m), st == TC_ESTALE ? tc_event_id(r->m) : "");
    TC_ASSERT_STR(tc_event_event_json(r->m, nullptr), "");
    const std::string msg = tc_last_error_message();
    assert_true(!msg.empty());
    assert_true(msg.find('\n') == std::string::npos);
    TC_ASSERT_NOT_CONTAINS(msg, kSecret);
    TC_ASSERT_NOT_CONTAINS(msg, kSecret2);
    // The same reason travels with the message, for whoever logs it later.
    TC_ASSERT_STR(tc_event_error(r->m), msg.c_str());
    delete r;
}

#define expect_rejected(...) expect_rejected_at(__LINE__, __VA_ARGS__)

void expect_ok(Result *r, tc_event_kind kind, bool dup = false) {
    if (r->st != TC_OK) print_error("unexpected failure: %s\n", tc_last_error_message());
    TC_ASSERT_EQ(r->st, TC_OK);
    TC_ASSERT_EQ(tc_event_kind_get(r->m), kind);
    TC_ASSERT_EQ(tc_event_is_duplicate(r->m), dup ? 1 : 0);
    TC_ASSERT_STR(tc_event_error(r->m), "");
    delete r;
}

// ---------------------------------------------------------------------------
// Vectors

void vectors_sign(void **) {
    for (const Vector *v : {&kA, &kB, &kC}) {
        char *sig = nullptr;
        assert_int_equal(tc_webhook_sign(&sig, v->secret, v->id, v->ts, v->body, v->body_len), TC_OK);
        assert_string_equal(sig, v->sig);
        tc_free(sig);
    }
    TC_ASSERT_EQ(kA.body_len, 458);
    TC_ASSERT_EQ(kB.body_len, 385);
    TC_ASSERT_EQ(kC.body_len, 479);
}

Result *send_vector(Fixture &f, const Vector &v, const char *type) {
    Req r;
    r.id = v.id, r.ts = v.ts, r.body = std::string(v.body, v.body_len), r.sig = v.sig, r.type = type;
    return send(f, r);
}

void vectors_verify(void **) {
    for (const Vector *v : {&kA, &kB, &kC}) {
        Fixture f;
        f.now = ms_of(v->ts) + 1000;
        assert_int_equal(tc_webhook_verifier_add_secret(f.v, v->secret), TC_OK);
        const bool challenge = v == &kB;
        Result *r = send_vector(f, *v, challenge ? "webhook_callback_verification" : "notification");
        TC_ASSERT_EQ(r->st, TC_OK);
        TC_ASSERT_STR(tc_event_id(r->m), v->id);
        TC_ASSERT_STR(tc_event_timestamp(r->m), v->ts);
        TC_ASSERT_EQ(tc_event_retry(r->m), 0);
        if (challenge) {
            TC_ASSERT_EQ(tc_event_kind_get(r->m), TC_EVENT_VERIFICATION);
            TC_ASSERT_EQ(tc_event_http_status(r->m), 200);
            TC_ASSERT_STR(tc_event_content_type(r->m), "text/plain");
            size_t len = 0;
            TC_ASSERT_STR(tc_event_response_body(r->m, &len), "11535768-497e-14ec-8197-ba2cb5341a01");
            TC_ASSERT_EQ(len, 36);
            TC_ASSERT_STR(tc_event_challenge(r->m, nullptr), "11535768-497e-14ec-8197-ba2cb5341a01");
            TC_ASSERT_STR(tc_event_subscription_type(r->m), "channel.subscribe");
        } else {
            TC_ASSERT_EQ(tc_event_kind_get(r->m), TC_EVENT_NOTIFICATION);
            TC_ASSERT_EQ(tc_event_http_status(r->m), 204);
            TC_ASSERT_STR(tc_event_content_type(r->m), "");
            TC_ASSERT_STR(tc_event_response_body(r->m, nullptr), "");
            TC_ASSERT_STR(tc_event_subscription_version(r->m), "1");
            // The event is the exact slice of the body.
            const std::string body(v->body, v->body_len);
            const size_t at = body.find("\"event\":") + 8;
            size_t len = 0;
            const char *ev = tc_event_event_json(r->m, &len);
            TC_ASSERT_STR(std::string(ev, len), body.substr(at, body.size() - 1 - at));
            TC_ASSERT_EQ(strlen(ev), len);
        }
        if (v == &kA) TC_ASSERT_STR(tc_event_subscription_type(r->m), "channel.follow");
        if (v == &kC) {
            TC_ASSERT_STR(tc_event_subscription_type(r->m), "stream.online");
            TC_ASSERT_STR(tc_event_subscription_id(r->m), "f1c2a387-161a-49f9-a165-0f21d7a4e1c4");
            size_t len = 0;
            const std::string sub(tc_event_subscription_json(r->m, &len));
            TC_ASSERT_EQ(sub.size(), len);
            assert_true(sub.front() == '{' && sub.back() == '}');
            TC_ASSERT_CONTAINS(sub, "\"conduit_id\":\"bfcfc993-26b1-b876-44d9-afe75a379dac\"");
        }
        delete r;
    }
}

// Randomized messages: the library's signature equals OpenSSL's HMAC, and a
// message signed by OpenSSL verifies.
void random_vectors_match_openssl(void **) {
    std::mt19937_64 rng(12345);
    Fixture f;
    f.now = ms_of("2024-05-01T12:00:00Z");
    assert_int_equal(tc_webhook_verifier_add_secret(f.v, kSecret2), TC_OK);  // stays
    for (int round = 0; round < 300; ++round) {
        std::string secret(10 + rng() % 91, ' ');
        for (char &c : secret) c = static_cast<char>(0x20 + rng() % 95);
        std::string body(rng() % 2000, '\0');
        for (char &c : body) c = static_cast<char>(rng());
        std::string id = "id-" + std::to_string(rng());
        const std::string ts = "2024-05-01T12:00:00." + std::to_string(rng() % 1000000000) + "Z";
        char *sig = nullptr;
        assert_int_equal(tc_webhook_sign(&sig, secret.c_str(), id.c_str(), ts.c_str(), body.data(), body.size()),
                         TC_OK);
        TC_ASSERT_STR(sig, openssl_sign(secret, id + ts + body));
        tc_free(sig);
        if (round % 10 == 0) {
            assert_int_equal(tc_webhook_verifier_add_secret(f.v, secret.c_str()), TC_OK);
            Req r;
            r.secret = secret, r.id = id, r.ts = ts;
            expect_ok(send(f, r), TC_EVENT_NOTIFICATION);
            assert_int_equal(tc_webhook_verifier_remove_secret(f.v, secret.c_str()), TC_OK);
            Req again = r;
            again.id += "x";
            expect_rejected(send(f, again), TC_ESIGNATURE, 403);  // secret removed
        }
    }
}

// ---------------------------------------------------------------------------
// Tampering

struct Setup : Fixture {
    Setup() {
        now = ms_of("2024-05-01T12:00:00.5Z");
        assert_int_equal(tc_webhook_verifier_add_secret(v, kSecret), TC_OK);
    }
};

void tamper_cases(void **) {
    Setup f;
    int n = 0;
    auto fresh = [&] {
        Req r;
        r.id += std::to_string(++n);
        return r;
    };
    expect_ok(send(f, fresh()), TC_EVENT_NOTIFICATION);
    {  // body changed after signing
        Req r = fresh();
        r.sig = r.signature();
        r.body[30] ^= 1;
        expect_rejected(send(f, r), TC_ESIGNATURE, 403);
    }
    {  // id changed after signing
        Req r = fresh();
        r.sig = r.signature();
        r.id += "1";
        expect_rejected(send(f, r), TC_ESIGNATURE, 403);
    }
    {  // timestamp changed after signing (still well-formed and fresh)
        Req r = fresh();
        r.sig = r.signature();
        r.ts = "2024-05-01T12:00:00.123456788Z";
        expect_rejected(send(f, r), TC_ESIGNATURE, 403);
    }
    Req fixed;
    fixed.id = "tamper-fixed";
    const std::string good = fixed.signature();
    for (const std::string &bad : {
             "sha1=" + good.substr(7), "SHA256=" + good.substr(7), "sha256:" + good.substr(7), good.substr(7),
             good.substr(0, good.size() - 1), good + "0", good.substr(0, 10) + "g" + good.substr(11),
             good.substr(0, 10) + " " + good.substr(11), " " + good, good + " ", std::string("sha256="),
             std::string(""), good + ", " + good}) {
        Req r = fresh();
        r.id = fixed.id;  // the id `good` was made for
        r.sig = bad;
        r.sig_set = true;
        expect_rejected(send(f, r), TC_ESIGNATURE, 403);
        TC_ASSERT_STR(tc_event_response_body(nullptr, nullptr), "");
    }
    {  // uppercase hex is the same MAC: accepted
        Req r = fresh();
        std::string s = r.signature();
        for (size_t k = 7; k < s.size(); ++k) s[k] = static_cast<char>(toupper(s[k]));
        r.sig = s;
        expect_ok(send(f, r), TC_EVENT_NOTIFICATION);
    }
    for (int k = 0; k < 4; ++k) {  // each required header missing
        Req r = fresh();
        r.omit[k] = true;
        Result *res = send(f, r);
        TC_ASSERT_CONTAINS(tc_last_error_message(), "missing");
        expect_rejected(res, TC_ESIGNATURE, 403);
    }
    for (int variant = 0; variant < 3; ++variant) {  // header name case
        Req r = fresh();
        for (std::string &name : r.names) {
            for (size_t k = 0; k < name.size(); ++k) {
                if (variant == 0) name[k] = static_cast<char>(tolower(name[k]));
                if (variant == 1) name[k] = static_cast<char>(toupper(name[k]));
                if (variant == 2 && k % 2) name[k] = static_cast<char>(toupper(name[k]));
            }
        }
        expect_ok(send(f, r), TC_EVENT_NOTIFICATION);
    }
    for (int k = 0; k < 4; ++k) {  // each header twice (differently cased)
        Req r = fresh();
        const std::string sig = r.signature();
        const std::string vals[4] = {r.id, r.ts, sig, r.type};
        std::string lowered = r.names[k];
        for (char &c : lowered) c = static_cast<char>(tolower(c));
        r.extra.push_back({lowered, vals[k]});
        Result *res = send(f, r);
        TC_ASSERT_CONTAINS(tc_last_error_message(), "twice");
        expect_rejected(res, TC_ESIGNATURE, 403);
    }
    {  // the optional ones twice too
        Req r = fresh();
        r.extra.push_back({"twitch-eventsub-message-retry", "1"});
        expect_rejected(send(f, r), TC_ESIGNATURE, 403);
    }
    for (const char *id : {"", "has space", "tab\tid", "\x7f"}) {
        Req r = fresh();
        r.id = id;
        expect_rejected(send(f, r), TC_ESIGNATURE, 403);
    }
    {
        Req r = fresh();
        r.id = std::string(256, 'a');
        expect_rejected(send(f, r), TC_ESIGNATURE, 403);
        r.id = std::string(255, 'b');
        expect_ok(send(f, r), TC_EVENT_NOTIFICATION);
    }
    for (const char *ts : {"", "yesterday", "2024-05-01 12:00:00Z", "2024-05-01T12:00:00", "2024-05-01T12:00:00.Z",
                           "2024-13-01T12:00:00Z", "2024-02-30T12:00:00Z", "2024-05-01T24:00:00Z",
                           "2024-05-01T12:00:00Zjunk", "2024-05-01T12:00:00+0100"}) {
        Req r = fresh();
        r.ts = ts;
        expect_rejected(send(f, r), TC_ESIGNATURE, 403);
    }
    {  // an unrelated header with a Twitch-looking prefix is ignored
        Req r = fresh();
        r.extra.push_back({"Twitch-Eventsub-Message-Ids", "x"});
        r.extra.push_back({"Twitch-Eventsub", "x"});
        expect_ok(send(f, r), TC_EVENT_NOTIFICATION);
    }
    {  // the wrong secret
        Req r = fresh();
        r.secret = kSecret2;
        Result *res = send(f, r);
        size_t len = 0;
        TC_ASSERT_STR(tc_event_response_body(res->m, &len), "forbidden");
        TC_ASSERT_STR(tc_event_content_type(res->m), "text/plain");
        expect_rejected(res, TC_ESIGNATURE, 403);
    }
}

// ---------------------------------------------------------------------------
// Replay window

void replay_window(void **) {
    Setup f;
    const int64_t t = ms_of("2024-05-01T12:00:00.123456789Z");
    Req r;
    int n = 0;
    auto at = [&](int64_t now) {
        f.now = now;
        r.id = "replay-" + std::to_string(++n);
        return send(f, r);
    };
    expect_ok(at(t + 600000), TC_EVENT_NOTIFICATION);
    Result *stale = at(t + 600001);
    TC_ASSERT_STR(tc_event_id(stale->m), r.id);  // authentic, so reported
    TC_ASSERT_STR(tc_event_response_body(stale->m, nullptr), "forbidden");
    TC_ASSERT_CONTAINS(tc_last_error_message(), "old");
    expect_rejected(stale, TC_ESTALE, 403);
    expect_ok(at(t - 60000), TC_EVENT_NOTIFICATION);
    Result *future = at(t - 60001);
    TC_ASSERT_CONTAINS(tc_last_error_message(), "future");
    expect_rejected(future, TC_ESTALE, 403);
    // A stale message with a bad signature is a signature failure.
    r.sig = "sha256=" + std::string(64, '0');
    expect_rejected(at(t + 3600000), TC_ESIGNATURE, 403);
    r.sig.clear();
    // Offsets in the timestamp count.
    r.ts = "2024-05-01T14:00:00.123456789+02:00";
    expect_ok(at(t), TC_EVENT_NOTIFICATION);

    tc_webhook_options o = TC_WEBHOOK_OPTIONS_INIT;
    o.max_age_s = 5;
    o.max_future_s = 2;
    Fixture g(o);
    assert_int_equal(tc_webhook_verifier_add_secret(g.v, kSecret), TC_OK);
    Req q;
    g.now = ms_of(q.ts.c_str()) + 5000;
    q.id = "a";
    expect_ok(send(g, q), TC_EVENT_NOTIFICATION);
    g.now = ms_of(q.ts.c_str()) + 5001;
    q.id = "b";
    expect_rejected(send(g, q), TC_ESTALE, 403);
    g.now = ms_of(q.ts.c_str()) - 2001;
    q.id = "c";
    expect_rejected(send(g, q), TC_ESTALE, 403);
}

// ---------------------------------------------------------------------------
// Duplicates

void duplicates(void **) {
    tc_webhook_options o = TC_WEBHOOK_OPTIONS_INIT;
    o.dedupe_ttl_s = 30;
    o.dedupe_capacity = 3;
    Fixture f(o);
    assert_int_equal(tc_webhook_verifier_add_secret(f.v, kSecret), TC_OK);
    Req r;
    const int64_t t = ms_of(r.ts.c_str());
    f.now = t;
    r.id = "dup-1";
    expect_ok(send(f, r), TC_EVENT_NOTIFICATION, false);
    Result *again = send(f, r);
    TC_ASSERT_EQ(tc_event_http_status(again->m), 204);
    expect_ok(again, TC_EVENT_NOTIFICATION, true);
    // A duplicate with a wrong signature is a forgery, not a duplicate.
    Req forged = r;
    forged.secret = kSecret2;
    expect_rejected(send(f, forged), TC_ESIGNATURE, 403);
    // Expired after the TTL.
    f.now = t + 30001;
    expect_ok(send(f, r), TC_EVENT_NOTIFICATION, false);
    expect_ok(send(f, r), TC_EVENT_NOTIFICATION, true);
    // Capacity: three more ids push the first out.
    for (const char *id : {"dup-2", "dup-3", "dup-4"}) {
        r.id = id;
        expect_ok(send(f, r), TC_EVENT_NOTIFICATION, false);
    }
    r.id = "dup-1";
    expect_ok(send(f, r), TC_EVENT_NOTIFICATION, false);
    r.id = "dup-4";
    expect_ok(send(f, r), TC_EVENT_NOTIFICATION, true);
    // forget() lets a redelivery through once.
    assert_int_equal(tc_webhook_verifier_forget(f.v, "dup-4"), TC_OK);
    assert_int_equal(tc_webhook_verifier_forget(f.v, "dup-4"), TC_ENOTFOUND);
    expect_ok(send(f, r), TC_EVENT_NOTIFICATION, false);
    // A repeated challenge is answered with the challenge again.
    Req c;
    c.id = "dup-challenge";
    c.type = "webhook_callback_verification";
    c.body = "{\"challenge\":\"pogchamp-kappa-360noscope-vohiyo\",\"conduit_shard\":{\"conduit_id\":"
             "\"3f1c2a87-161a-49f9-a165-0f21d7a4e1c4\",\"shard\":\"42\"}}";
    for (int k = 0; k < 2; ++k) {
        Result *res = send(f, c);
        TC_ASSERT_EQ(tc_event_http_status(res->m), 200);
        TC_ASSERT_STR(tc_event_response_body(res->m, nullptr), "pogchamp-kappa-360noscope-vohiyo");
        TC_ASSERT_STR(tc_event_conduit_id(res->m), "3f1c2a87-161a-49f9-a165-0f21d7a4e1c4");
        TC_ASSERT_STR(tc_event_shard_id(res->m), "42");
        TC_ASSERT_STR(tc_event_subscription_type(res->m), "");
        expect_ok(res, TC_EVENT_VERIFICATION, k == 1);
    }
    // Rejected messages are not recorded.
    Req bad = r;
    bad.id = "never-ok";
    bad.body = "{\"subscription\":{}}";
    expect_rejected(send(f, bad), TC_EBADREQUEST, 400);
    bad.body = r.body;
    expect_ok(send(f, bad), TC_EVENT_NOTIFICATION, false);
}

void dedupe_store(void **) {
    tc::events::DedupeStore s(2, 1000);
    assert_true(s.insert("a", 0));
    assert_false(s.insert("a", 999));
    assert_true(s.contains("a", 999));
    assert_false(s.contains("a", 1000));
    assert_true(s.insert("a", 1000));
    assert_true(s.insert("b", 1001));
    assert_true(s.insert("c", 1002));  // evicts a
    TC_ASSERT_EQ(s.size(), 2);
    assert_false(s.contains("a", 1002));
    assert_true(s.forget("b"));
    assert_false(s.forget("b"));
    assert_true(s.insert("b", 1003));
    assert_false(s.insert("c", 1003));
    // A flood stays bounded.
    tc::events::DedupeStore big(1000, 60000);
    for (int k = 0; k < 100000; ++k) big.insert("id-" + std::to_string(k), k);
    TC_ASSERT_BETWEEN(big.size(), 1, 1000);
}

// The store's open-addressing index against a plain model of the same rules
// (ids in insertion order, a map to the live entry), over random inserts,
// forgets and look-ups of a small id pool, so that collisions, deletions in
// the middle of probe runs, growth, expiry and eviction for room all occur.
void dedupe_store_model(void **) {
    struct Model {
        Model(size_t c, int64_t t, int64_t w) : capacity(c), ttl(t), window(w) {}
        size_t capacity;
        int64_t ttl, window;
        uint64_t next = 1, early = 0;
        std::deque<std::tuple<std::string, int64_t, uint64_t>> order;
        std::map<std::string, uint64_t> live;
        void evict(int64_t now, size_t room) {
            while (!order.empty()) {
                auto &[id, seen, seq] = order.front();
                if (now - seen < ttl && order.size() + room <= capacity) break;
                auto it = live.find(id);
                if (it != live.end() && it->second == seq) {
                    live.erase(it);
                    if (now - seen < window) ++early;
                }
                order.pop_front();
            }
        }
        bool insert(const std::string &id, int64_t now) {
            evict(now, 0);
            if (live.count(id) != 0) return false;
            evict(now, 1);
            order.emplace_back(id, now, next);
            live[id] = next++;
            return true;
        }
    };
    std::mt19937 rng(12345);
    for (size_t capacity : {1u, 7u, 600u, 5000u}) {
        tc::events::DedupeStore store(capacity, 3000, 1000);
        Model model(capacity, 3000, 1000);
        int64_t now = 0;
        for (int step = 0; step < 40000; ++step) {
            now += static_cast<int64_t>(rng() % 3);
            const unsigned n = rng() % 2500;
            // Some ids longer than those an entry holds inline.
            const std::string id = "id-" + std::to_string(n) + (n % 5 == 0 ? std::string(60, 'x') : std::string());
            const unsigned op = rng() % 10;
            if (op < 7) {
                TC_ASSERT_EQ(store.insert(id, now), model.insert(id, now));
            } else if (op < 9) {
                const bool had = model.live.erase(id) > 0;
                TC_ASSERT_EQ(store.forget(id), had);
            } else {
                model.evict(now, 0);
                TC_ASSERT_EQ(store.contains(id, now), model.live.count(id) != 0);
            }
            TC_ASSERT_EQ(store.size(), model.live.size());
        }
        TC_ASSERT_EQ(store.early_evictions(), model.early);
    }
}

// ---------------------------------------------------------------------------
// Bodies

void body_limits_and_json(void **) {
    tc_webhook_options o = TC_WEBHOOK_OPTIONS_INIT;
    o.max_body_bytes = 600;
    Fixture f(o);
    assert_int_equal(tc_webhook_verifier_add_secret(f.v, kSecret), TC_OK);
    Req r;
    f.now = ms_of(r.ts.c_str());
    int n = 0;
    auto with_body = [&](const std::string &body) {
        r.body = body;
        r.id = "body-" + std::to_string(++n);
        return send(f, r);
    };
    Result *big = with_body(std::string(kBodyC) + std::string(200, ' '));
    TC_ASSERT_EQ(tc_event_http_status(big->m), 413);
    expect_rejected(big, TC_ETOOLARGE, 413);
    // Truncated in transit: the signature no longer matches.
    r.id = "trunc";
    r.body = kBodyC;
    r.sig = r.signature();
    const std::string cut = r.body.substr(0, r.body.size() - 10);
    expect_rejected(send(f, r, &cut), TC_ESIGNATURE, 403);
    r.sig.clear();
    // Correctly signed but not valid JSON, or not the right shape: 400.
    for (const std::string &bad : std::vector<std::string>{
             "", " ", "[]", "null", "\"x\"", cut, std::string(kBodyC) + "x", std::string(kBodyC) + "{}",
             "{\"subscription\":{\"type\":\"a\",\"version\":\"1\"},\"event\":{}", "{\"a\":01}", "{\"a\":1.}",
             "{\"a\":-}", "{\"a\":1e}", "{\"a\":tru}", "{\"a\":\"\\x\"}", "{\"a\":\"\\u12G4\"}",
             std::string("{\"a\":\"\x01\"}"), "{\"a\":\"\xff\"}", "{\"a\":\"\xc0\x80\"}",
             "{\"a\":\"\xed\xa0\x80\"}", "{\"a\" 1}", "{\"a\":1,}", "{,}", "{\"a\":[1,]}", "{\"a\":[1 2]}",
             std::string("{\"a\":1}\0", 8), "{'a':1}",
             "{\"subscription\":{\"type\":\"a\",\"version\":\"1\"}}",                       // no event
             "{\"subscription\":{\"type\":\"a\"},\"event\":{}}",                            // no version
             "{\"subscription\":{\"type\":1,\"version\":\"1\"},\"event\":{}}",              // type not a string
             "{\"subscription\":[],\"event\":{}}",                                          // not an object
             "{\"subscription\":{\"type\":\"a\",\"version\":\"1\"},\"event\":{},\"event\":{}}",  // twice
             "{\"subscription\":{\"type\":\"a\",\"version\":\"1\"},\"ev\\u0065nt\":{},\"event\":{}}",
             std::string(200, '[') + std::string(200, ']')}) {
        Result *res = with_body(bad);
        TC_ASSERT_EQ(tc_event_http_status(res->m), 400);
        TC_ASSERT_STR(tc_event_response_body(res->m, nullptr), "bad request");
        expect_rejected(res, TC_EBADREQUEST, 400);
    }
    // Valid oddities: whitespace, escaped keys, unicode, nested arrays.
    Result *ok = with_body(
        " \r\n{ \"ev\\u0065nt\" : [ {\"t\":\"\\ud83d\\ude00 \xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80\"}, -0.5e+3, true, "
        "false, null ] , \"subscription\" : {\"type\":\"t\\/x\",\"version\":\"2\",\"extra\":{\"type\":\"nested\"}} } ");
    TC_ASSERT_STR(tc_event_subscription_type(ok->m), "t/x");
    TC_ASSERT_STR(tc_event_subscription_version(ok->m), "2");
    assert_true(std::string(tc_event_event_json(ok->m, nullptr)).front() == '[');
    expect_ok(ok, TC_EVENT_NOTIFICATION);
    // Type header vs body.
    r.type = "webhook_callback_verification";
    expect_rejected(with_body(kBodyC), TC_EBADREQUEST, 400);  // no challenge
    r.type = "revocation";
    expect_rejected(with_body("{\"event\":{}}"), TC_EBADREQUEST, 400);
    r.type = "something_new";
    expect_rejected(with_body(kBodyC), TC_EBADREQUEST, 400);
    r.type = "Notification";
    expect_rejected(with_body(kBodyC), TC_EBADREQUEST, 400);
}

void revocation_and_challenges(void **) {
    Setup f;
    Req r;
    f.now = ms_of(r.ts.c_str());
    r.type = "revocation";
    r.body = "{\"subscription\":{\"id\":\"f1c2a387\",\"status\":\"authorization_revoked\",\"type\":\"channel.follow\","
             "\"version\":\"2\",\"cost\":1,\"condition\":{},\"transport\":{\"method\":\"conduit\",\"conduit_id\":\"c\"},"
             "\"created_at\":\"2019-11-16T10:11:12.634234626Z\"}}";
    Result *res = send(f, r);
    TC_ASSERT_EQ(tc_event_http_status(res->m), 204);
    TC_ASSERT_STR(tc_event_revocation_reason(res->m), "authorization_revoked");
    TC_ASSERT_STR(tc_event_subscription_type(res->m), "channel.follow");
    TC_ASSERT_STR(tc_event_subscription_version(res->m), "2");
    char *json = nullptr;
    assert_int_equal(tc_event_to_json(&json, res->m), TC_OK);
    TC_ASSERT_CONTAINS(json, "\"kind\":\"revocation\"");
    TC_ASSERT_CONTAINS(json, "\"reason\":\"authorization_revoked\"");
    TC_ASSERT_NOT_CONTAINS(json, kSecret);
    tc_free(json);
    expect_ok(res, TC_EVENT_REVOCATION);

    // A challenge with escapes and a NUL: answered with the decoded bytes.
    r.type = "webhook_callback_verification";
    r.id = "ch-esc";
    r.body = "{\"challenge\":\"a\\\"b\\\\c\\u0000d\\u00e9\",\"conduit_shard\":{\"conduit_id\":\"x\",\"shard\":7}}";
    res = send(f, r);
    size_t len = 0;
    const char *body = tc_event_response_body(res->m, &len);
    TC_ASSERT_EQ(len, 9);
    assert_memory_equal(body, "a\"b\\c\0d\xc3\xa9", 9);
    TC_ASSERT_STR(tc_event_shard_id(res->m), "7");
    expect_ok(res, TC_EVENT_VERIFICATION);
    r.id = "ch-bad";
    r.body = "{\"challenge\":5}";
    expect_rejected(send(f, r), TC_EBADREQUEST, 400);
    r.body = "{\"challenge\":\"c\",\"conduit_shard\":{\"shard\":\"1\"}}";
    expect_rejected(send(f, r), TC_EBADREQUEST, 400);

    // Notification JSON round-trip, and the dup keeps its fields.
    Req n;
    n.id = "json-1";
    res = send(f, n);
    tc_event *copy = nullptr;
    assert_int_equal(tc_event_dup(&copy, res->m), TC_OK);
    assert_int_equal(tc_event_to_json(&json, copy), TC_OK);
    TC_ASSERT_CONTAINS(json, "\"event\":{\"id\":\"9001\"");
    TC_ASSERT_CONTAINS(json, "\"subscription_type\":\"stream.online\"");
    TC_ASSERT_CONTAINS(json, "\"duplicate\":false");
    TC_ASSERT_NOT_CONTAINS(json, kSecret);
    tc_free(json);
    tc_event_free(copy);
    expect_ok(res, TC_EVENT_NOTIFICATION);
}

// Shard health: conduit.shard.disabled arrives typed, ready for re-assignment.
void shard_disabled(void **) {
    Setup f;
    Req r;
    f.now = ms_of(r.ts.c_str());
    r.id = "disabled-1";
    r.body = "{\"subscription\":{\"id\":\"s1\",\"type\":\"conduit.shard.disabled\",\"version\":\"1\",\"status\":"
             "\"enabled\",\"cost\":0,\"condition\":{\"client_id\":\"abc\"},\"transport\":{\"method\":\"webhook\","
             "\"callback\":\"https://example.com/hook\"},\"created_at\":\"2024-05-01T12:00:00Z\"},"
             "\"event\":{\"conduit_id\":\"bfcfc993\",\"shard_id\":\"4\",\"status\":\"websocket_disconnected\","
             "\"transport\":{\"method\":\"websocket\",\"session_id\":\"ad1c9fc3\",\"connected_at\":"
             "\"2020-11-10T14:32:18.730260295Z\",\"disconnected_at\":\"2020-11-11T14:32:18.730260295Z\"}}}";
    Result *res = send(f, r);
    TC_ASSERT_EQ(res->st, TC_OK);
    TC_ASSERT_STR(tc_event_conduit_id(res->m), "bfcfc993");
    TC_ASSERT_STR(tc_event_shard_id(res->m), "4");
    TC_ASSERT_STR(tc_event_shard_status(res->m), "websocket_disconnected");
    tc_shard *shard = nullptr;
    assert_int_equal(tc_event_disabled_shard(&shard, res->m), TC_OK);
    TC_ASSERT_STR(tc_shard_id(shard), "4");
    TC_ASSERT_STR(tc_shard_status(shard), "websocket_disconnected");
    TC_ASSERT_EQ(tc_transport_method(tc_shard_transport(shard)), TC_TRANSPORT_WEBSOCKET);
    TC_ASSERT_STR(tc_transport_session_id(tc_shard_transport(shard)), "ad1c9fc3");
    TC_ASSERT_STR(tc_transport_disconnected_at(tc_shard_transport(shard)), "2020-11-11T14:32:18.730260295Z");
    tc_shard_free(shard);
    char *json = nullptr;
    assert_int_equal(tc_event_to_json(&json, res->m), TC_OK);
    TC_ASSERT_CONTAINS(json, "\"shard_status\":\"websocket_disconnected\"");
    TC_ASSERT_CONTAINS(json, "\"conduit_id\":\"bfcfc993\"");
    tc_free(json);
    expect_ok(res, TC_EVENT_NOTIFICATION);

    // An event without its transport: the status is still readable, the
    // shard object is refused clearly; other notifications have no typed shard.
    r.id = "disabled-2";
    r.body = "{\"subscription\":{\"type\":\"conduit.shard.disabled\",\"version\":\"1\"},\"event\":{\"conduit_id\":"
             "\"c\",\"shard_id\":\"0\",\"status\":\"webhook_callback_verification_failed\"}}";
    res = send(f, r);
    TC_ASSERT_STR(tc_event_shard_status(res->m), "webhook_callback_verification_failed");
    assert_int_equal(tc_event_disabled_shard(&shard, res->m), TC_EPROTOCOL);
    assert_null(shard);
    TC_ASSERT_CONTAINS(tc_last_error_message(), "transport");
    expect_ok(res, TC_EVENT_NOTIFICATION);
    Req plain;
    plain.id = "not-disabled";
    res = send(f, plain);
    TC_ASSERT_STR(tc_event_shard_status(res->m), "");
    shard = reinterpret_cast<tc_shard *>(1);
    assert_int_equal(tc_event_disabled_shard(&shard, res->m), TC_ENOTFOUND);
    assert_null(shard);
    assert_int_equal(tc_event_disabled_shard(nullptr, res->m), TC_EINVAL);
    assert_int_equal(tc_event_disabled_shard(&shard, nullptr), TC_EINVAL);
    TC_ASSERT_STR(tc_event_shard_status(nullptr), "");
    expect_ok(res, TC_EVENT_NOTIFICATION);
}

// ---------------------------------------------------------------------------
// Secrets

void secret_rotation(void **) {
    Setup f;
    Req old_r, new_r;
    new_r.secret = kSecret2;
    f.now = ms_of(old_r.ts.c_str());
    old_r.id = "rot-1";
    new_r.id = "rot-2";
    expect_rejected(send(f, new_r), TC_ESIGNATURE, 403);
    assert_int_equal(tc_webhook_verifier_add_secret(f.v, kSecret2), TC_OK);
    assert_int_equal(tc_webhook_verifier_add_secret(f.v, kSecret2), TC_OK);  // idempotent
    TC_ASSERT_EQ(tc_webhook_verifier_secret_count(f.v), 2);
    expect_ok(send(f, old_r), TC_EVENT_NOTIFICATION);
    expect_ok(send(f, new_r), TC_EVENT_NOTIFICATION);
    assert_int_equal(tc_webhook_verifier_remove_secret(f.v, kSecret), TC_OK);
    assert_int_equal(tc_webhook_verifier_remove_secret(f.v, kSecret), TC_ENOTFOUND);
    TC_ASSERT_NOT_CONTAINS(tc_last_error_message(), kSecret);
    old_r.id = "rot-3";
    expect_rejected(send(f, old_r), TC_ESIGNATURE, 403);
    new_r.id = "rot-4";
    expect_ok(send(f, new_r), TC_EVENT_NOTIFICATION);
    // No secret at all: 500, TC_EINVAL.
    assert_int_equal(tc_webhook_verifier_remove_secret(f.v, kSecret2), TC_OK);
    new_r.id = "rot-5";
    Result *res = send(f, new_r);
    TC_ASSERT_EQ(tc_event_http_status(res->m), 500);
    TC_ASSERT_EQ(res->st, TC_EINVAL);
    delete res;
    // Secret rules.
    for (const char *bad : {"", "short", "123456789", "has\ttab-inside", "\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9"}) {
        assert_int_equal(tc_webhook_verifier_add_secret(f.v, bad), TC_EINVAL);
        TC_ASSERT_CONTAINS(tc_last_error_message(), "secret");
    }
    assert_int_equal(tc_webhook_verifier_add_secret(f.v, std::string(101, 'x').c_str()), TC_EINVAL);
    assert_int_equal(tc_webhook_verifier_add_secret(f.v, std::string(100, 'x').c_str()), TC_OK);
    for (int k = 1; k < 16; ++k) {
        assert_int_equal(tc_webhook_verifier_add_secret(f.v, ("secret-number-" + std::to_string(k)).c_str()), TC_OK);
    }
    assert_int_equal(tc_webhook_verifier_add_secret(f.v, "one-too-many-secret"), TC_ETOOLARGE);
    TC_ASSERT_EQ(tc_webhook_verifier_secret_count(f.v), 16);
}

// ---------------------------------------------------------------------------
// Internals: timestamps and the scanner

void timestamps(void **) {
    int64_t ms = 0;
    assert_true(tc::events::parse_timestamp("1970-01-01T00:00:00Z", &ms));
    TC_ASSERT_EQ(ms, 0);
    assert_true(tc::events::parse_timestamp("2021-02-19T23:47:00.8091512Z", &ms));
    TC_ASSERT_EQ(ms, 1613778420809LL);
    assert_true(tc::events::parse_timestamp("2021-02-19t23:47:00.8z", &ms));
    TC_ASSERT_EQ(ms, 1613778420800LL);
    assert_true(tc::events::parse_timestamp("2021-02-20T01:47:00.8091512+02:00", &ms));
    TC_ASSERT_EQ(ms, 1613778420809LL);
    assert_true(tc::events::parse_timestamp("2024-02-29T00:00:00Z", &ms));
    assert_false(tc::events::parse_timestamp("2023-02-29T00:00:00Z", &ms));
    assert_true(tc::events::parse_timestamp("2023-07-19T10:11:12.634234626123456Z", &ms));
    TC_ASSERT_EQ(ms % 1000, 634);
    assert_false(tc::events::parse_timestamp("2023-07-19T10:11:12.Z", &ms));
    assert_false(tc::events::parse_timestamp("2023-07-19T10:11:12+01", &ms));
    assert_false(tc::events::parse_timestamp("+2023-07-19T10:11:12Z", &ms));
}

void scanner(void **) {
    using tc::events::decode_string;
    TC_ASSERT_STR(decode_string("\"\\ud83d\\ude00\""), "\xf0\x9f\x98\x80");
    TC_ASSERT_STR(decode_string("\"\\ud83dx\""), "\xef\xbf\xbdx");
    TC_ASSERT_STR(decode_string("\"\\ude00\""), "\xef\xbf\xbd");
    TC_ASSERT_STR(decode_string("\"\\ud83d\\u0041\""), "\xef\xbf\xbd" "A");
    TC_ASSERT_STR(decode_string("\"\\b\\f\\n\\r\\t\\/\""), "\b\f\n\r\t/");
    tc::events::BodyLayout l;
    std::string why;
    const std::string text = "{\"a\":{\"event\":1},\"event\":{\"x\":[1,{\"y\":\"}\"}]}}";
    assert_true(tc::events::scan_body(text, &l, &why));
    assert_true(l.event.found);
    TC_ASSERT_STR(std::string(l.event.in(text)), "{\"x\":[1,{\"y\":\"}\"}]}");
    assert_false(l.subscription.found);
    // Depth: 128 levels pass, 129 fail.
    std::string deep = "{\"e\":" + std::string(127, '[') + std::string(127, ']') + "}";
    assert_true(tc::events::scan_body(deep, &l, &why));
    deep = "{\"e\":" + std::string(128, '[') + std::string(128, ']') + "}";
    assert_false(tc::events::scan_body(deep, &l, &why));

    // The readers walk validated text without re-validating it: strings with
    // escaped quotes and backslashes, brackets inside strings, nested values
    // and whitespace before the members they want.
    const std::string sub = "{ \"condition\" : {\"q\":\"}]\\\"{[\",\"n\":[1,{\"a\":\"\\\\\"}]} ,"
                            "\"cost\":-1.5e3,\"ok\":true,\"id\":\"i\\\"d\",\"type\" :\"t\\\\\","
                            "\"version\":\"2\",\"status\":null}";
    const std::string with_sub = "{\"subscription\":" + sub + "}";
    assert_true(tc::events::scan_body(with_sub, &l, &why));
    // scan_body records the same string members in its one pass.
    TC_ASSERT_STR(decode_string(l.sub_id.in(with_sub)), "i\"d");
    TC_ASSERT_STR(decode_string(l.sub_type.in(with_sub)), "t\\");
    TC_ASSERT_STR(decode_string(l.sub_version.in(with_sub)), "2");
    assert_false(l.sub_status.found);  // null is not a string
    // Escaped keys spell their names; the last string wins; a later
    // non-string leaves the string before it; nested objects are not members.
    const std::string escaped = "{\"subscription\":{\"\\u0069d\":\"x\",\"type\":\"a\",\"t\\u0079pe\":\"b\","
                                "\"version\":\"1\",\"version\":7,\"condition\":{\"status\":\"s\"}}}";
    assert_true(tc::events::scan_body(escaped, &l, &why));
    TC_ASSERT_STR(decode_string(l.sub_id.in(escaped)), "x");
    TC_ASSERT_STR(decode_string(l.sub_type.in(escaped)), "b");
    TC_ASSERT_STR(decode_string(l.sub_version.in(escaped)), "1");
    assert_false(l.sub_status.found);
    // A subscription that is not an object has no members.
    assert_true(tc::events::scan_body("{\"subscription\":\"id\"}", &l, &why));
    assert_false(l.sub_id.found);
    assert_true(tc::util::key_equals("\"\\u0069d\"", "id"));
    assert_false(tc::util::key_equals("\"\\u0069x\"", "id"));
    assert_false(tc::util::key_equals("\"idx\"", "id"));
    assert_true(tc::util::key_equals("\"\"", ""));
    assert_false(tc::util::key_equals("\"i\"", ""));
    tc::events::SubscriptionFields f;
    tc::events::read_subscription(sub, &f);
    TC_ASSERT_STR(f.id, "i\"d");
    TC_ASSERT_STR(f.type, "t\\");
    TC_ASSERT_STR(f.version, "2");
    assert_true(f.has_type && f.has_version && !f.has_status);
}

// ---------------------------------------------------------------------------
// Threads: several verifying at once, sharing ids, while secrets rotate.

void concurrency(void **) {
    Setup f;
    Req base;
    f.now = ms_of(base.ts.c_str());
    constexpr int kThreads = 4, kPerThread = 1500, kDistinct = 2000;
    // Pre-signed requests: thread t sends ids (t * 500 + k) % kDistinct, so
    // ids overlap across threads.
    std::vector<std::vector<std::pair<std::string, std::string>>> work(kThreads);
    for (int t = 0; t < kThreads; ++t) {
        for (int k = 0; k < kPerThread; ++k) {
            const std::string id = "conc-" + std::to_string((t * 500 + k) % kDistinct);
            work[t].push_back({id, openssl_sign(kSecret, id + base.ts + base.body)});
        }
    }
    std::atomic<int> fresh{0}, dups{0}, failures{0};
    std::atomic<bool> stop{false};
    std::thread rotator([&] {
        while (!stop.load()) {
            tc_webhook_verifier_add_secret(f.v, kSecret2);
            tc_webhook_verifier_remove_secret(f.v, kSecret2);
        }
    });
    std::vector<std::thread> threads;
    for (int t = 0; t < kThreads; ++t) {
        threads.emplace_back([&, t] {
            for (const auto &[id, sig] : work[t]) {
                const tc_header h[] = {{"twitch-eventsub-message-id", id.c_str()},
                                       {"twitch-eventsub-message-timestamp", base.ts.c_str()},
                                       {"twitch-eventsub-message-signature", sig.c_str()},
                                       {"twitch-eventsub-message-type", "notification"}};
                tc_event *m = nullptr;
                if (tc_webhook_handle(&m, f.v, h, 4, base.body.data(), base.body.size()) != TC_OK) {
                    failures++;
                } else if (tc_event_is_duplicate(m)) {
                    dups++;
                } else {
                    fresh++;
                }
                tc_event_free(m);
            }
        });
    }
    for (auto &th : threads) th.join();
    stop = true;
    rotator.join();
    TC_ASSERT_EQ(failures.load(), 0);
    std::set<std::string> distinct;
    for (const auto &w : work) {
        for (const auto &p : w) distinct.insert(p.first);
    }
    TC_ASSERT_EQ(fresh.load(), distinct.size());  // each id dispatched exactly once
    TC_ASSERT_EQ(fresh.load() + dups.load(), kThreads * kPerThread);
}

// tc_webhook_options -> WebhookConfig, as the listener reads its options:
// 0 fields take their defaults, out-of-range fields are refused by name.
void config_from_options(void **) {
    tc_webhook_options o = TC_WEBHOOK_OPTIONS_INIT;
    tc::events::WebhookConfig c;
    std::string why;
    TC_ASSERT_EQ(tc::events::webhook_config_from_options(o, &c, &why), true);
    TC_ASSERT_EQ(c.max_age_ms, 600000);
    TC_ASSERT_EQ(c.max_future_ms, 60000);
    TC_ASSERT_EQ(c.dedupe_capacity, 100000u);
    TC_ASSERT_EQ(c.dedupe_ttl_ms, 1200000);
    TC_ASSERT_EQ(c.max_body_bytes, size_t{1} << 20);
    o.max_age_s = 30;
    o.max_future_s = 5;
    o.dedupe_capacity = 7;
    o.max_body_bytes = 100;
    TC_ASSERT_EQ(tc::events::webhook_config_from_options(o, &c, &why), true);
    TC_ASSERT_EQ(c.max_age_ms, 30000);
    TC_ASSERT_EQ(c.max_future_ms, 5000);
    TC_ASSERT_EQ(c.dedupe_ttl_ms, 60000);  // twice the window by default
    TC_ASSERT_EQ(c.dedupe_capacity, 7u);
    TC_ASSERT_EQ(c.max_body_bytes, 100u);
    struct Bad {
        void (*set)(tc_webhook_options *);
        const char *name;
    };
    const Bad bad[] = {
        {[](tc_webhook_options *x) { x->max_age_s = -1; }, "opts->max_age_s"},
        {[](tc_webhook_options *x) { x->max_age_s = 30L * 86400 + 1; }, "opts->max_age_s"},
        {[](tc_webhook_options *x) { x->max_future_s = 86401; }, "opts->max_future_s"},
        {[](tc_webhook_options *x) { x->dedupe_ttl_s = -5; }, "opts->dedupe_ttl_s"},
        {[](tc_webhook_options *x) { x->dedupe_capacity = (size_t{1} << 26) + 1; }, "opts->dedupe_capacity"},
    };
    for (const Bad &b : bad) {
        tc_webhook_options x = TC_WEBHOOK_OPTIONS_INIT;
        b.set(&x);
        why.clear();
        TC_ASSERT_EQ(tc::events::webhook_config_from_options(x, &c, &why), false);
        TC_ASSERT_STR(why, std::string("invalid argument: ") + b.name);
    }
}

}  // namespace

int main() {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(vectors_sign),
        cmocka_unit_test(vectors_verify),
        cmocka_unit_test(random_vectors_match_openssl),
        cmocka_unit_test(tamper_cases),
        cmocka_unit_test(replay_window),
        cmocka_unit_test(duplicates),
        cmocka_unit_test(dedupe_store),
        cmocka_unit_test(dedupe_store_model),
        cmocka_unit_test(body_limits_and_json),
        cmocka_unit_test(revocation_and_challenges),
        cmocka_unit_test(shard_disabled),
        cmocka_unit_test(secret_rotation),
        cmocka_unit_test(timestamps),
        cmocka_unit_test(scanner),
        cmocka_unit_test(concurrency),
        cmocka_unit_test(config_from_options),
    };
    return cmocka_run_group_tests(tests, nullptr, nullptr);
}
