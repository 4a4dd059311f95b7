// libFuzzer target: events::Verifier::handle() on arbitrary headers and
// bodies (the code tc_webhook_handle() and the embedded listener run; no
// C API file is linked). The input is split into fields by 0xff bytes:
// message type, then a body. Half of the inputs are signed correctly (so the
// JSON scanner and the classifier see arbitrary bodies behind a valid
// signature); the other half get a signature derived from the input,
// exercising the header checks. Whatever happens: the status matches the
// answer, a 2xx answer has the classified fields, every JSON member kept is
// JSON cJSON accepts, and no text carries the secret.
#include "events/verifier.hpp"
#include "util/json.hpp"

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <string>

namespace {

const char kSecret[] = "fuzz-secret-0123456789";
const char kTs[] = "2024-05-01T12:00:00.5Z";

int64_t fixed_clock(void *) { return 1714564800500LL; }

tc::events::Verifier &verifier() {
    static tc::events::Verifier *v = [] {
        tc::events::WebhookConfig c;
        c.clock_ms = fixed_clock;
        c.dedupe_capacity = 64;
        auto *out = new tc::events::Verifier(c);
        std::string why;
        if (out->add_secret(kSecret, &why) != TC_OK) abort();
        return out;
    }();
    return *v;
}

// A kept JSON member is empty or a whole JSON value (the scanner's spans
// against cJSON's parser).
bool json_or_empty(const std::string &text) { return text.empty() || tc::util::json_parse(text) != nullptr; }

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
        sig = tc::events::sign(kSecret, id, ts, body);
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
    tc::events::Message m;
    verifier().handle(h, 5, body, &m);
    const tc_status st = m.status;
    const int http = m.http_status;
    if ((st == TC_OK) != (http >= 200 && http < 300)) abort();
    if (st == TC_OK) {
        const tc_event_kind k = m.kind;
        if (k == TC_EVENT_REJECTED || !sign) abort();
        if (k == TC_EVENT_VERIFICATION) {
            if (http != 200 || m.response_body != m.challenge) abort();
        } else if (http != 204 || !m.response_body.empty()) {
            abort();
        }
        if (k == TC_EVENT_NOTIFICATION && m.subscription_type.empty() && strstr(body.c_str(), "type") == nullptr) {
            abort();
        }
    } else if (st != TC_ESIGNATURE && st != TC_EBADREQUEST && st != TC_ESTALE) {
        abort();
    } else if (m.kind != TC_EVENT_REJECTED || m.why.empty()) {
        abort();
    }
    // Shard health: only a conduit.shard.disabled notification names a disabled shard.
    if (!m.shard_status.empty() &&
        (m.kind != TC_EVENT_NOTIFICATION || m.subscription_type != "conduit.shard.disabled" || m.shard_id.empty())) {
        abort();
    }
    if (!json_or_empty(m.event_json) || !json_or_empty(m.subscription_json)) abort();
    if (m.why.find(kSecret) != std::string::npos || m.response_body.find(kSecret) != std::string::npos) abort();
    return 0;
}
