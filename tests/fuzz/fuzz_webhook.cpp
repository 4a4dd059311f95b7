// libFuzzer target: tc_webhook_handle() on arbitrary headers and bodies.
// The input is split into fields by 0xff bytes: message type, then a body.
// Half of the inputs are signed correctly (so the JSON scanner and the
// classifier see arbitrary bodies behind a valid signature); the other half
// get a signature derived from the input, exercising the header checks.
// Whatever happens: *out is set, the status matches, a 2xx answer has the
// classified fields, and the accessors and to_json work.
#include <twitchconduits.h>

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <string>

namespace {

const char kSecret[] = "fuzz-secret-0123456789";
const char kTs[] = "2024-05-01T12:00:00.5Z";

int64_t fixed_clock(void *) { return 1714564800500LL; }

tc_webhook_verifier *verifier() {
    static tc_webhook_verifier *v = [] {
        tc_webhook_options o = TC_WEBHOOK_OPTIONS_INIT;
        o.clock_cb = fixed_clock;
        o.dedupe_capacity = 64;
        tc_webhook_verifier *out = nullptr;
        if (tc_webhook_verifier_new(&out, &o) != TC_OK || tc_webhook_verifier_add_secret(out, kSecret) != TC_OK) {
            abort();
        }
        return out;
    }();
    return v;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    if (size == 0) return 0;
    const bool sign = (data[0] & 1) != 0;
    const int type_pick = (data[0] >> 1) & 3;
    const std::string rest(reinterpret_cast<const char *>(data) + 1, size - 1);
    std::string id = "fuzz-" + std::to_string(rest.size() % 97);
    std::string ts = kTs;
    std::string sig;
    std::string body = rest;
    const char *types[] = {"notification", "webhook_callback_verification", "revocation", "other"};
    if (sign) {
        char *s = nullptr;
        if (tc_webhook_sign(&s, kSecret, id.c_str(), ts.c_str(), body.data(), body.size()) != TC_OK) abort();
        sig = s;
        tc_free(s);
    } else {
        // Unsigned: header values come from the input (NUL-free).
        const size_t cut = rest.find('\xff');
        std::string head = rest.substr(0, cut);
        body = cut == std::string::npos ? std::string() : rest.substr(cut + 1);
        for (char &c : head) {
            if (c == '\0') c = ' ';
        }
        const size_t a = head.size() / 3, b = 2 * head.size() / 3;
        id = head.substr(0, a);
        ts = head.substr(a, b - a);
        sig = head.substr(b);
    }
    const tc_header h[] = {{"twitch-eventsub-message-id", id.c_str()},
                           {"Twitch-Eventsub-Message-Timestamp", ts.c_str()},
                           {"TWITCH-EVENTSUB-MESSAGE-SIGNATURE", sig.c_str()},
                           {"Twitch-Eventsub-Message-Type", types[type_pick]},
                           {"Twitch-Eventsub-Message-Retry", id.c_str()}};
    tc_event *m = nullptr;
    const tc_status st = tc_webhook_handle(&m, verifier(), h, 5, body.data(), body.size());
    if (m == nullptr || tc_event_status(m) != st) abort();
    const int http = tc_event_http_status(m);
    size_t len = 0;
    const char *resp = tc_event_response_body(m, &len);
    if (resp == nullptr || (st == TC_OK) != (http >= 200 && http < 300)) abort();
    if (st == TC_OK) {
        const tc_event_kind k = tc_event_kind_get(m);
        if (k == TC_EVENT_REJECTED || !sign) abort();
        if (k == TC_EVENT_VERIFICATION) {
            size_t clen = 0;
            const char *ch = tc_event_challenge(m, &clen);
            if (http != 200 || clen != len || memcmp(ch, resp, len) != 0) abort();
        } else if (http != 204 || len != 0) {
            abort();
        }
        if (k == TC_EVENT_NOTIFICATION && tc_event_subscription_type(m)[0] == '\0' &&
            strstr(body.c_str(), "type") == nullptr) {
            abort();
        }
    } else if (st != TC_ESIGNATURE && st != TC_EBADREQUEST && st != TC_ESTALE) {
        abort();
    }
    // Shard health: a typed shard exactly when the message says a shard was disabled.
    tc_shard *shard = nullptr;
    const tc_status typed = tc_event_disabled_shard(&shard, m);
    if (tc_event_shard_status(m)[0] == '\0' ? typed != TC_ENOTFOUND
                                                       : (typed != TC_OK && typed != TC_EPROTOCOL)) {
        abort();
    }
    if ((typed == TC_OK) != (shard != nullptr)) abort();
    tc_shard_free(shard);
    char *json = nullptr;
    if (tc_event_to_json(&json, m) != TC_OK || strstr(json, kSecret) != nullptr) abort();
    tc_free(json);
    tc_event_free(m);
    return 0;
}
