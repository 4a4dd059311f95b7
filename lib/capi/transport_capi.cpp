// tc_transport_*: building and reading transports.
#include "capi/guard.hpp"
#include "capi/objects.hpp"
#include "helix/codec.hpp"
#include "helix/validate.hpp"

using tc::capi::fail;
using tc::capi::guarded;
using tc::capi::valid;

namespace {

tc_status make_transport(tc_transport **out, tc::helix::Transport value) {
    return guarded([&] {
        auto t = std::make_unique<tc_transport>();
        t->value = std::move(value);
        *out = t.release();
        return TC_OK;
    });
}

const char *opt(const tc_transport *t, const std::optional<std::string> tc::helix::Transport::*field) {
    if (!valid(t)) return nullptr;
    const auto &v = t->value.*field;
    return v ? v->c_str() : nullptr;
}

}  // namespace

extern "C" {

TC_API tc_status tc_transport_webhook_new(tc_transport **out, const char *callback_url, const char *secret) {
    TC_CHECK_ARG(out != nullptr, "out");
    *out = nullptr;
    TC_CHECK_ARG(callback_url != nullptr && callback_url[0] != '\0', "callback_url");
    TC_CHECK_ARG(secret != nullptr, "secret");
    // Loopback http is allowed here; whether Twitch (or the manager's flag)
    // accepts it is checked when the transport is assigned.
    std::string problem = tc::helix::check_webhook(callback_url, secret, true);
    if (!problem.empty()) return fail(TC_EINVAL, "invalid argument: " + problem);
    tc::helix::Transport v;
    v.type = TC_TRANSPORT_WEBHOOK;
    v.method = "webhook";
    v.callback = std::string(callback_url);
    v.secret = std::string(secret);
    return make_transport(out, std::move(v));
}

TC_API tc_status tc_transport_websocket_new(tc_transport **out, const char *session_id) {
    TC_CHECK_ARG(out != nullptr, "out");
    *out = nullptr;
    TC_CHECK_ARG(session_id != nullptr && session_id[0] != '\0', "session_id");
    tc::helix::Transport v;
    v.type = TC_TRANSPORT_WEBSOCKET;
    v.method = "websocket";
    v.session_id = std::string(session_id);
    return make_transport(out, std::move(v));
}

TC_API tc_status tc_transport_conduit_new(tc_transport **out, const char *conduit_id) {
    TC_CHECK_ARG(out != nullptr, "out");
    *out = nullptr;
    TC_CHECK_ARG(conduit_id != nullptr && conduit_id[0] != '\0', "conduit_id");
    tc::helix::Transport v;
    v.type = TC_TRANSPORT_CONDUIT;
    v.method = "conduit";
    v.conduit_id = std::string(conduit_id);
    return make_transport(out, std::move(v));
}

TC_API tc_transport_type tc_transport_method(const tc_transport *t) {
    return valid(t) ? t->value.type : TC_TRANSPORT_OTHER;
}

TC_API const char *tc_transport_method_name(const tc_transport *t) {
    return valid(t) ? t->value.method.c_str() : nullptr;
}

TC_API const char *tc_transport_callback(const tc_transport *t) { return opt(t, &tc::helix::Transport::callback); }
TC_API const char *tc_transport_secret(const tc_transport *t) { return opt(t, &tc::helix::Transport::secret); }
TC_API const char *tc_transport_session_id(const tc_transport *t) {
    return opt(t, &tc::helix::Transport::session_id);
}
TC_API const char *tc_transport_connected_at(const tc_transport *t) {
    return opt(t, &tc::helix::Transport::connected_at);
}
TC_API const char *tc_transport_disconnected_at(const tc_transport *t) {
    return opt(t, &tc::helix::Transport::disconnected_at);
}
TC_API const char *tc_transport_conduit_id(const tc_transport *t) {
    return opt(t, &tc::helix::Transport::conduit_id);
}

TC_API tc_status tc_transport_dup(tc_transport **out, const tc_transport *t) {
    TC_CHECK_ARG(out != nullptr, "out");
    *out = nullptr;
    TC_CHECK_ARG(valid(t), "t");
    return make_transport(out, t->value);
}

TC_API void tc_transport_free(tc_transport *t) {
    if (!valid(t)) return;
    t->tag = tc::capi::kDeadTag;
    delete t;
}

TC_API tc_status tc_transport_to_json(char **out, const tc_transport *t, int include_secret) {
    TC_CHECK_ARG(out != nullptr, "out");
    *out = nullptr;
    TC_CHECK_ARG(valid(t), "t");
    return guarded([&] { return tc::capi::json_out(out, tc::helix::encode_transport(t->value, include_secret != 0)); });
}

}  // extern "C"
