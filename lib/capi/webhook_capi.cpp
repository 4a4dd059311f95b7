// tc_webhook_*: framework-neutral webhook verification (pure, no I/O).
#include "capi/guard.hpp"
#include "capi/options_init.hpp"
#include "capi/objects.hpp"
#include "capi/webhook_message.hpp"
#include "events/verifier.hpp"
#include "helix/codec.hpp"
#include "util/json.hpp"

#include <twitchconduits/webhook.h>

#include <memory>
#include <string>

struct tc_webhook_verifier {
    uint32_t tag = tc::capi::kWebhookVerifierTag;
    std::unique_ptr<tc::events::Verifier> verifier;
};

using tc::capi::fail;
using tc::capi::guarded;

namespace {

bool valid(const tc_webhook_verifier *v) {
    return v != nullptr && v->tag == tc::capi::kWebhookVerifierTag && v->verifier;
}
bool valid(const tc_event *m) { return m != nullptr && m->tag == tc::capi::kWebhookMessageTag; }

// The answer when not even a message could be allocated: a static object
// that tc_event_free() leaves alone.
tc_event *out_of_memory_message() {
    static tc_event *const msg = [] {
        static tc_event storage;
        storage.m.status = TC_ENOMEM;
        storage.m.http_status = 500;
        return &storage;
    }();
    return msg;
}

const char *kind_name(tc_event_kind k) {
    switch (k) {
    case TC_EVENT_NOTIFICATION: return "notification";
    case TC_EVENT_VERIFICATION: return "webhook_callback_verification";
    case TC_EVENT_REVOCATION: return "revocation";
    default: return "rejected";
    }
}

const char *text_out(const std::string &s, size_t *len) {
    if (len != nullptr) *len = s.size();
    return s.c_str();
}

const char *empty_out(size_t *len) {
    if (len != nullptr) *len = 0;
    return "";
}

}  // namespace

extern "C" {

TC_API tc_status tc_webhook_options_init(tc_webhook_options *opts, unsigned int version) {
    const tc_webhook_options defaults = TC_WEBHOOK_OPTIONS_INIT;
    return tc::capi::init_versioned("tc_webhook_options_init", opts, version, TC_WEBHOOK_OPTIONS_VERSION, defaults, tc::capi::whole<tc_webhook_options>);
}

TC_API tc_status tc_webhook_verifier_new(tc_webhook_verifier **out, const tc_webhook_options *opts) {
    TC_CHECK_ARG(out != nullptr, "out");
    *out = nullptr;
    tc_webhook_options o = TC_WEBHOOK_OPTIONS_INIT;
    if (opts != nullptr) {
        if (opts->version == 0 || opts->version > TC_WEBHOOK_OPTIONS_VERSION) {
            return fail(TC_EVERSION, "opts->version " + std::to_string(opts->version) +
                                         " is not supported (this library knows 1.." +
                                         std::to_string(TC_WEBHOOK_OPTIONS_VERSION) + ")");
        }
        o = *opts;
    }
    return guarded([&]() -> tc_status {
        tc::events::WebhookConfig c;
        std::string why;
        if (!tc::events::webhook_config_from_options(o, &c, &why)) return fail(TC_EINVAL, why);
        auto v = std::make_unique<tc_webhook_verifier>();
        v->verifier = std::make_unique<tc::events::Verifier>(c);
        *out = v.release();
        return TC_OK;
    });
}

TC_API void tc_webhook_verifier_free(tc_webhook_verifier *verifier) {
    if (!valid(verifier)) return;
    verifier->tag = tc::capi::kWebhookDeadTag;
    delete verifier;
}

TC_API tc_status tc_webhook_verifier_add_secret(tc_webhook_verifier *verifier, const char *secret) {
    TC_CHECK_ARG(valid(verifier), "verifier");
    TC_CHECK_ARG(secret != nullptr, "secret");
    return guarded([&]() -> tc_status {
        std::string why;
        const tc_status st = verifier->verifier->add_secret(secret, &why);
        return st == TC_OK ? TC_OK : fail(st, why);
    });
}

TC_API tc_status tc_webhook_verifier_remove_secret(tc_webhook_verifier *verifier, const char *secret) {
    TC_CHECK_ARG(valid(verifier), "verifier");
    TC_CHECK_ARG(secret != nullptr, "secret");
    return guarded([&]() -> tc_status {
        std::string why;
        const tc_status st = verifier->verifier->remove_secret(secret, &why);
        return st == TC_OK ? TC_OK : fail(st, why);
    });
}

TC_API size_t tc_webhook_verifier_secret_count(const tc_webhook_verifier *verifier) {
    if (!valid(verifier)) {
        fail(TC_EINVAL, "invalid argument: verifier");
        return 0;
    }
    return verifier->verifier->secret_count();
}

TC_API uint64_t tc_webhook_verifier_dedupe_evictions(const tc_webhook_verifier *verifier) {
    if (!valid(verifier)) {
        fail(TC_EINVAL, "invalid argument: verifier");
        return 0;
    }
    return verifier->verifier->dedupe_evictions();
}

TC_API tc_status tc_webhook_verifier_forget(tc_webhook_verifier *verifier, const char *message_id) {
    TC_CHECK_ARG(valid(verifier), "verifier");
    TC_CHECK_ARG(message_id != nullptr, "message_id");
    return guarded([&]() -> tc_status {
        if (!verifier->verifier->forget(message_id)) {
            return fail(TC_ENOTFOUND, "message_id: not recorded");
        }
        return TC_OK;
    });
}

TC_API tc_status tc_webhook_handle(tc_event **out, tc_webhook_verifier *verifier, const tc_header *headers,
                                   size_t header_count, const char *body, size_t body_len) {
    TC_CHECK_ARG(out != nullptr, "out");
    *out = nullptr;
    return guarded([&]() -> tc_status {
        auto msg = std::make_unique<tc_event>();
        tc::events::Message &m = msg->m;
        auto bad_argument = [&](const std::string &what) {
            m.status = TC_EINVAL;
            m.http_status = 500;
            m.content_type = "text/plain";
            m.response_body = "internal server error";
            m.why = "invalid argument: " + what;
            *out = msg.release();
            return fail(TC_EINVAL, (*out)->m.why);
        };
        if (!valid(verifier)) return bad_argument("verifier");
        if (headers == nullptr && header_count != 0) return bad_argument("headers");
        if (body == nullptr && body_len != 0) return bad_argument("body");
        for (size_t k = 0; k < header_count; ++k) {
            if (headers[k].name == nullptr) return bad_argument("headers[" + std::to_string(k) + "].name (NULL)");
            if (headers[k].value == nullptr) return bad_argument("headers[" + std::to_string(k) + "].value (NULL)");
        }
        try {
            verifier->verifier->handle(headers, header_count, std::string_view(body == nullptr ? "" : body, body_len),
                                       &m);
        } catch (const std::bad_alloc &) {
            *out = out_of_memory_message();
            return fail(TC_ENOMEM, "out of memory");
        }
        const tc_status st = m.status;
        *out = msg.release();
        return st == TC_OK ? TC_OK : fail(st, (*out)->m.why);
    });
}

TC_API tc_status tc_webhook_sign(char **out_header_value, const char *secret, const char *message_id,
                                 const char *timestamp, const char *body, size_t body_len) {
    TC_CHECK_ARG(out_header_value != nullptr, "out_header_value");
    *out_header_value = nullptr;
    TC_CHECK_ARG(secret != nullptr, "secret");
    TC_CHECK_ARG(message_id != nullptr, "message_id");
    TC_CHECK_ARG(timestamp != nullptr, "timestamp");
    TC_CHECK_ARG(body != nullptr || body_len == 0, "body");
    if (!tc::events::valid_secret(secret)) {
        return fail(TC_EINVAL, "invalid argument: secret (must be 10 to 100 printable ASCII characters)");
    }
    return guarded([&]() -> tc_status {
        const std::string sig = tc::events::sign(secret, message_id, timestamp,
                                                 std::string_view(body == nullptr ? "" : body, body_len));
        char *text = tc::capi::dup_for_caller(sig);
        if (text == nullptr) return fail(TC_ENOMEM, "out of memory");
        *out_header_value = text;
        return TC_OK;
    });
}

TC_API tc_event_kind tc_event_kind_get(const tc_event *msg) {
    return valid(msg) ? msg->m.kind : TC_EVENT_REJECTED;
}

TC_API tc_status tc_event_status(const tc_event *msg) {
    return valid(msg) ? msg->m.status : TC_EINVAL;
}

TC_API int tc_event_http_status(const tc_event *msg) {
    return valid(msg) ? msg->m.http_status : 0;
}

TC_API const char *tc_event_content_type(const tc_event *msg) {
    return valid(msg) ? msg->m.content_type : "";
}

TC_API const char *tc_event_response_body(const tc_event *msg, size_t *len) {
    return valid(msg) ? text_out(msg->m.response_body, len) : empty_out(len);
}

TC_API const char *tc_event_id(const tc_event *msg) {
    return valid(msg) ? msg->m.message_id.c_str() : "";
}

TC_API const char *tc_event_timestamp(const tc_event *msg) {
    return valid(msg) ? msg->m.timestamp.c_str() : "";
}

TC_API int64_t tc_event_timestamp_ms(const tc_event *msg) {
    return valid(msg) ? msg->m.timestamp_ms : 0;
}

TC_API int tc_event_retry(const tc_event *msg) { return valid(msg) ? msg->m.retry : -1; }

TC_API int tc_event_is_duplicate(const tc_event *msg) {
    return valid(msg) && msg->m.duplicate ? 1 : 0;
}

TC_API const char *tc_event_subscription_id(const tc_event *msg) {
    return valid(msg) ? msg->m.subscription_id.c_str() : "";
}

TC_API const char *tc_event_subscription_type(const tc_event *msg) {
    return valid(msg) ? msg->m.subscription_type.c_str() : "";
}

TC_API const char *tc_event_subscription_version(const tc_event *msg) {
    return valid(msg) ? msg->m.subscription_version.c_str() : "";
}

TC_API const char *tc_event_event_json(const tc_event *msg, size_t *len) {
    return valid(msg) ? text_out(msg->m.event_json, len) : empty_out(len);
}

TC_API const char *tc_event_subscription_json(const tc_event *msg, size_t *len) {
    return valid(msg) ? text_out(msg->m.subscription_json, len) : empty_out(len);
}

TC_API const char *tc_event_challenge(const tc_event *msg, size_t *len) {
    return valid(msg) ? text_out(msg->m.challenge, len) : empty_out(len);
}

TC_API const char *tc_event_revocation_reason(const tc_event *msg) {
    return valid(msg) && msg->m.kind == TC_EVENT_REVOCATION ? msg->m.subscription_status.c_str() : "";
}

TC_API const char *tc_event_error(const tc_event *msg) {
    return valid(msg) && msg->m.kind == TC_EVENT_REJECTED ? msg->m.why.c_str() : "";
}

TC_API const char *tc_event_conduit_id(const tc_event *msg) {
    return valid(msg) ? msg->m.conduit_id.c_str() : "";
}

TC_API const char *tc_event_shard_id(const tc_event *msg) {
    return valid(msg) ? msg->m.shard_id.c_str() : "";
}

TC_API const char *tc_event_shard_status(const tc_event *msg) {
    return valid(msg) ? msg->m.shard_status.c_str() : "";
}

TC_API tc_status tc_event_disabled_shard(tc_shard **out, const tc_event *msg) {
    TC_CHECK_ARG(out != nullptr, "out");
    *out = nullptr;
    TC_CHECK_ARG(valid(msg), "msg");
    const tc::events::Message &m = msg->m;
    if (m.shard_status.empty()) return fail(TC_ENOTFOUND, "the message is not a conduit.shard.disabled notification");
    return guarded([&]() -> tc_status {
        // The event names the shard "shard_id"; the shard decoder wants Twitch's shard shape.
        tc::util::JsonPtr event = tc::util::json_parse(m.event_json);
        if (!event) return fail(TC_ERROR, "internal error: stored event is not JSON");
        tc::util::JsonPtr shard(cJSON_CreateObject());
        if (!shard || !cJSON_AddStringToObject(shard.get(), "id", m.shard_id.c_str()) ||
            !cJSON_AddStringToObject(shard.get(), "status", m.shard_status.c_str())) {
            return fail(TC_ENOMEM, "out of memory");
        }
        cJSON *transport = cJSON_DetachItemFromObjectCaseSensitive(event.get(), "transport");
        if (transport == nullptr) transport = cJSON_CreateObject();
        if (transport == nullptr) return fail(TC_ENOMEM, "out of memory");
        cJSON_AddItemToObject(shard.get(), "transport", transport);
        tc::helix::Shard decoded;
        std::string why;
        if (!tc::helix::decode_shard(shard.get(), &decoded, &why)) {
            return fail(TC_EPROTOCOL, "conduit.shard.disabled event: " + why);
        }
        *out = new tc_shard(tc::capi::make_shard(std::move(decoded)));
        return TC_OK;
    });
}

TC_API tc_transport_type tc_event_transport(const tc_event *msg) {
    return valid(msg) ? msg->m.transport : TC_TRANSPORT_WEBHOOK;
}

TC_API const char *tc_event_session_id(const tc_event *msg) {
    return valid(msg) ? msg->m.session_id.c_str() : "";
}

TC_API tc_status tc_event_dup(tc_event **out, const tc_event *msg) {
    TC_CHECK_ARG(out != nullptr, "out");
    *out = nullptr;
    TC_CHECK_ARG(valid(msg), "msg");
    return guarded([&] {
        *out = new tc_event(*msg);
        return TC_OK;
    });
}

TC_API void tc_event_free(tc_event *msg) {
    if (!valid(msg) || msg == out_of_memory_message()) return;
    msg->tag = tc::capi::kWebhookDeadTag;
    delete msg;
}

TC_API tc_status tc_event_to_json(char **out, const tc_event *msg) {
    TC_CHECK_ARG(out != nullptr, "out");
    *out = nullptr;
    TC_CHECK_ARG(valid(msg), "msg");
    return guarded([&]() -> tc_status {
        const tc::events::Message &m = msg->m;
        tc::util::JsonPtr root(cJSON_CreateObject());
        if (!root) return fail(TC_ENOMEM, "out of memory");
        cJSON *r = root.get();
        bool ok = cJSON_AddStringToObject(r, "kind", kind_name(m.kind)) != nullptr &&
                  cJSON_AddStringToObject(r, "transport", tc::helix::transport_type_name(m.transport)) != nullptr &&
                  cJSON_AddNumberToObject(r, "status", m.status) != nullptr &&
                  cJSON_AddNumberToObject(r, "http_status", m.http_status) != nullptr;
        if (ok && m.transport == TC_TRANSPORT_WEBSOCKET) {
            ok = cJSON_AddStringToObject(r, "session_id", m.session_id.c_str()) != nullptr;
        }
        if (ok && !m.message_id.empty()) {
            ok = cJSON_AddStringToObject(r, "message_id", m.message_id.c_str()) != nullptr &&
                 cJSON_AddStringToObject(r, "timestamp", m.timestamp.c_str()) != nullptr;
        }
        if (ok && m.kind != TC_EVENT_REJECTED) {
            ok = cJSON_AddNumberToObject(r, "retry", m.retry) != nullptr &&
                 cJSON_AddBoolToObject(r, "duplicate", m.duplicate ? 1 : 0) != nullptr;
        }
        if (ok && m.kind == TC_EVENT_REJECTED && !m.why.empty()) {
            ok = cJSON_AddStringToObject(r, "error", m.why.c_str()) != nullptr;
        }
        if (ok && !m.subscription_type.empty()) {
            ok = cJSON_AddStringToObject(r, "subscription_type", m.subscription_type.c_str()) != nullptr &&
                 cJSON_AddStringToObject(r, "subscription_version", m.subscription_version.c_str()) != nullptr;
        }
        if (ok && m.kind == TC_EVENT_REVOCATION) {
            ok = cJSON_AddStringToObject(r, "reason", m.subscription_status.c_str()) != nullptr;
        }
        if (ok && m.kind == TC_EVENT_VERIFICATION) {
            ok = cJSON_AddItemToObject(r, "challenge", cJSON_CreateString(m.challenge.c_str()));
        }
        if (ok && !m.conduit_id.empty()) {
            ok = cJSON_AddStringToObject(r, "conduit_id", m.conduit_id.c_str()) != nullptr &&
                 cJSON_AddStringToObject(r, "shard_id", m.shard_id.c_str()) != nullptr;
        }
        if (ok && !m.shard_status.empty()) {
            ok = cJSON_AddStringToObject(r, "shard_status", m.shard_status.c_str()) != nullptr;
        }
        // The raw members were validated when the message was handled.
        for (const auto &[name, text] : {std::pair<const char *, const std::string *>{"subscription", &m.subscription_json},
                                         {"event", &m.event_json}}) {
            if (!ok || text->empty()) continue;
            tc::util::JsonPtr sub = tc::util::json_parse(*text);
            if (!sub) return fail(TC_ERROR, std::string("internal error: stored ") + name + " is not JSON");
            ok = cJSON_AddItemToObject(r, name, sub.release());
        }
        if (!ok) return fail(TC_ENOMEM, "out of memory");
        char *text = tc::capi::dup_for_caller(tc::util::json_print(r));
        if (text == nullptr) return fail(TC_ENOMEM, "out of memory");
        *out = text;
        return TC_OK;
    });
}

}  // extern "C"

const tc::events::Message *tc::capi::webhook_message(const tc_event *m) { return ::valid(m) ? &m->m : nullptr; }
