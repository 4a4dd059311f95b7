// tc_listener_*: the embedded webhook listener (events/listener).
#include "capi/guard.hpp"
#include "capi/options_init.hpp"
#include "capi/handles.hpp"
#include "capi/listener_config.hpp"
#include "capi/metrics.hpp"
#include "capi/objects.hpp"
#include "events/listener.hpp"

#include <arpa/inet.h>

#include <cstddef>
#include <cstring>
#include <fstream>
#include <memory>
#include <sstream>
#include <string>

namespace tc::capi {
constexpr uint32_t kListenerTag = 0x54434c53u;  // "TCLS"
}  // namespace tc::capi

struct tc_listener {
    uint32_t tag = tc::capi::kListenerTag;
    std::unique_ptr<tc::events::Listener> listener;
    tc::util::MetricsRegistration metrics;  // declared after `listener`: removed before it is destroyed
    std::shared_ptr<tc::util::MetricsRegistry> registry;  // the manager's, for the metrics route
};

using tc::capi::fail;
using tc::capi::guarded;

namespace {

bool valid_listener(const tc_listener *l) { return l != nullptr && l->tag == tc::capi::kListenerTag && l->listener; }

bool valid_prefix(const std::string &p) {
    if (p.size() < 2 || p.size() > 256 || p.front() != '/' || p.back() != '/') return false;
    for (char ch : p) {
        bool ok = (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9') || ch == '-' ||
                  ch == '_' || ch == '.' || ch == '~' || ch == '/';
        if (!ok) return false;
    }
    return true;
}

// The size of tc_listener_options as a caller of `version` knows it.
size_t listener_options_size(unsigned int version) {
    if (version >= 3) return sizeof(tc_listener_options);
    if (version == 2) return offsetof(tc_listener_options, max_connections_per_ip);
    return offsetof(tc_listener_options, tls_cert_file);
}

// Version 3's limits; older callers keep the defaults.
tc_status limits_from_options(const tc_listener_options *opts, tc::events::ListenerConfig *cfg) {
    if (opts->version < 3) return TC_OK;
    if (opts->max_connections_per_ip > 65536) {
        return fail(TC_EINVAL, "invalid argument: max_connections_per_ip above 65536");
    }
    if (opts->max_connections_per_ip != 0) cfg->max_connections_per_ip = opts->max_connections_per_ip;
    if (opts->head_timeout_s > 3600) return fail(TC_EINVAL, "invalid argument: head_timeout_s above 3600");
    if (opts->head_timeout_s != 0) cfg->head_timeout_s = opts->head_timeout_s;
    if (opts->request_timeout_s > 3600) return fail(TC_EINVAL, "invalid argument: request_timeout_s above 3600");
    if (opts->request_timeout_s != 0) cfg->request_timeout_s = opts->request_timeout_s;
    if (cfg->request_timeout_s < cfg->head_timeout_s) {
        return fail(TC_EINVAL, "invalid argument: request_timeout_s below head_timeout_s");
    }
    if (opts->max_queued_events > (size_t{1} << 24)) {
        return fail(TC_EINVAL, "invalid argument: max_queued_events above 16777216");
    }
    if (opts->max_queued_events != 0) cfg->max_queued_events = opts->max_queued_events;
    if (opts->max_queued_rejects > (size_t{1} << 24)) {
        return fail(TC_EINVAL, "invalid argument: max_queued_rejects above 16777216");
    }
    if (opts->max_queued_rejects != 0) cfg->max_queued_rejects = opts->max_queued_rejects;
    return TC_OK;
}

// A whole PEM file; false when it cannot be read or is empty.
bool read_pem(const char *path, std::string *out) {
    std::ifstream in(path, std::ios::binary);
    if (!in) return false;
    std::ostringstream text;
    text << in.rdbuf();
    *out = text.str();
    return !out->empty();
}

tc_status tls_from_options(const tc_listener_options *opts, tc::events::ListenerConfig *cfg) {
    if (opts->version < 2 || (opts->tls_cert_file == nullptr && opts->tls_key_file == nullptr)) return TC_OK;
    if (opts->tls_cert_file == nullptr || opts->tls_key_file == nullptr) {
        return fail(TC_EINVAL, "invalid argument: tls_cert_file and tls_key_file go together");
    }
    if (!read_pem(opts->tls_cert_file, &cfg->tls_cert_pem)) {
        return fail(TC_EINVAL, "invalid argument: tls_cert_file: cannot read it (or it is empty)");
    }
    if (!read_pem(opts->tls_key_file, &cfg->tls_key_pem)) {
        return fail(TC_EINVAL, "invalid argument: tls_key_file: cannot read it (or it is empty)");
    }
    return TC_OK;
}

}  // namespace

namespace tc::capi {
tc_status listener_config_from_options(const tc_listener_options *opts, tc::events::ListenerConfig *cfg) {
    TC_CHECK_ARG(opts != nullptr, "opts");
    if (opts->version == 0 || opts->version > TC_LISTENER_OPTIONS_VERSION) {
        return fail(TC_EVERSION, "tc_listener_options: version " + std::to_string(opts->version) + " is not supported");
    }
    cfg->event_cb = opts->event_cb;
    cfg->pull = opts->event_cb == nullptr;
    cfg->event_userdata = opts->event_userdata;
    cfg->reject_cb = opts->reject_cb;
    cfg->reject_userdata = opts->reject_userdata;
    if (opts->bind_address != nullptr) {
        unsigned char buf[16];
        cfg->bind_address = opts->bind_address;
        if (inet_pton(AF_INET, opts->bind_address, buf) != 1 && inet_pton(AF_INET6, opts->bind_address, buf) != 1) {
            return fail(TC_EINVAL, "invalid argument: bind_address must be a numeric IPv4 or IPv6 address");
        }
    }
    if (opts->port < 0 || opts->port > 65535) return fail(TC_EINVAL, "invalid argument: port must be 0..65535");
    cfg->port = opts->port;
    if (opts->path_prefix != nullptr) {
        cfg->prefix = opts->path_prefix;
        if (!valid_prefix(cfg->prefix)) {
            return fail(TC_EINVAL, "invalid argument: path_prefix must start and end with '/' (unreserved characters only)");
        }
    }
    if (opts->max_body_bytes > (64u << 20)) return fail(TC_EINVAL, "invalid argument: max_body_bytes above 64 MiB");
    if (opts->max_body_bytes != 0) cfg->max_body_bytes = opts->max_body_bytes;
    if (opts->timeout_s > 3600) return fail(TC_EINVAL, "invalid argument: timeout_s above 3600");
    if (opts->timeout_s != 0) cfg->timeout_s = opts->timeout_s;
    if (opts->max_connections > 65536) return fail(TC_EINVAL, "invalid argument: max_connections above 65536");
    if (opts->max_connections != 0) cfg->max_connections = opts->max_connections;
    tc_webhook_options_init(&cfg->webhook, TC_WEBHOOK_OPTIONS_VERSION);
    if (opts->webhook != nullptr) {
        if (opts->webhook->version == 0 || opts->webhook->version > TC_WEBHOOK_OPTIONS_VERSION) {
            return fail(TC_EVERSION, "tc_listener_options: webhook options version " +
                                         std::to_string(opts->webhook->version) + " is not supported");
        }
        cfg->webhook = *opts->webhook;  // version 1 is the whole struct
    }
    tc_status st = limits_from_options(opts, cfg);
    if (st != TC_OK) return st;
    return tls_from_options(opts, cfg);
}
}  // namespace tc::capi

namespace {
using tc::capi::listener_config_from_options;

tc_status check_key(const char *route_key) {
    if (route_key == nullptr || !tc::events::Listener::valid_route_key(route_key)) {
        return fail(TC_EINVAL, "invalid argument: route_key must be 1..64 characters of A-Z a-z 0-9 - _");
    }
    return TC_OK;
}

// The common shape of the route functions: check the handle, the route key
// and (when needed) the secret, then run `op` on the listener.
template <class Op>
tc_status route_call(tc_listener *l, const char *route_key, const char *secret, bool needs_secret, Op op) {
    TC_CHECK_ARG(valid_listener(l), "l");
    tc_status st = check_key(route_key);
    if (st != TC_OK) return st;
    TC_CHECK_ARG(!needs_secret || secret != nullptr, "secret");
    return guarded([&]() -> tc_status {
        std::string error;
        tc_status r = op(*l->listener, &error);
        return r == TC_OK ? TC_OK : fail(r, error);
    });
}

}  // namespace

extern "C" {

TC_API tc_status tc_listener_options_init(tc_listener_options *opts, unsigned int version) {
    const tc_listener_options defaults = TC_LISTENER_OPTIONS_INIT;
    return tc::capi::init_versioned("tc_listener_options_init", opts, version, TC_LISTENER_OPTIONS_VERSION, defaults, listener_options_size);
}

TC_API tc_status tc_listener_new(tc_listener **out, tc_conduits *c, const tc_listener_options *opts) {
    return guarded([&]() -> tc_status {
        TC_CHECK_ARG(out != nullptr, "out");
        *out = nullptr;
        TC_CHECK_ARG(tc::capi::valid(c), "c");
        if (c->manager->free_requested()) return fail(TC_ECLOSED, "the manager is being freed");
        tc::events::ListenerConfig cfg;
        tc_status st = listener_config_from_options(opts, &cfg);
        if (st != TC_OK) return st;
        tc::core::Manager *manager = c->manager.get();
        cfg.observe = [manager](const tc_event *msg) {
            if (const tc::events::Message *m = tc::capi::webhook_message(msg)) manager->observe_event(*m);
        };
        std::string error;
        auto handle = std::make_unique<tc_listener>();
        handle->listener = tc::events::Listener::create(c->manager->queue(), std::move(cfg), &st, &error);
        if (!handle->listener) return fail(st, error);
        handle->metrics = tc::capi::register_listener_metrics(c->manager->metrics(), handle->listener.get());
        handle->registry = c->manager->metrics();
        *out = handle.release();
        return TC_OK;
    });
}

TC_API void tc_listener_free(tc_listener *l) {
    if (!valid_listener(l)) return;
    guarded([&] {
        l->metrics.reset();  // waits for a render that is reading this listener
        l->listener.reset();
        l->tag = tc::capi::kDeadTag;
        delete l;
        return TC_OK;
    });
}

TC_API int tc_listener_port(const tc_listener *l) {
    if (!valid_listener(l)) {
        fail(TC_EINVAL, "invalid argument: l");
        return -1;
    }
    return l->listener->port();
}

TC_API const char *tc_listener_base_url(const tc_listener *l) {
    return valid_listener(l) ? l->listener->base_url().c_str() : "";
}

TC_API tc_status tc_listener_add_route(tc_listener *l, const char *route_key, const char *secret) {
    return route_call(l, route_key, secret, true, [&](tc::events::Listener &x, std::string *e) {
        return x.add_route(route_key, secret, e);
    });
}

TC_API tc_status tc_listener_remove_route(tc_listener *l, const char *route_key) {
    return route_call(l, route_key, nullptr, false, [&](tc::events::Listener &x, std::string *e) {
        return x.remove_route(route_key, e);
    });
}

TC_API tc_status tc_listener_serve_metrics(tc_listener *l, const char *route_key) {
    TC_CHECK_ARG(valid_listener(l), "l");
    const bool off = route_key == nullptr || route_key[0] == '\0';
    if (!off) {
        tc_status st = check_key(route_key);
        if (st != TC_OK) return st;
    }
    return guarded([&]() -> tc_status {
        std::string error;
        std::shared_ptr<tc::util::MetricsRegistry> registry = l->registry;
        tc_status r = l->listener->set_metrics_route(
            off ? std::string() : std::string(route_key),
            [registry] { return tc::capi::render_metrics(*registry); }, &error);
        return r == TC_OK ? TC_OK : fail(r, error);
    });
}

TC_API tc_status tc_listener_add_secret(tc_listener *l, const char *route_key, const char *secret) {
    return route_call(l, route_key, secret, true, [&](tc::events::Listener &x, std::string *e) {
        return x.add_secret(route_key, secret, e);
    });
}

TC_API tc_status tc_listener_remove_secret(tc_listener *l, const char *route_key, const char *secret) {
    return route_call(l, route_key, secret, true, [&](tc::events::Listener &x, std::string *e) {
        return x.remove_secret(route_key, secret, e);
    });
}

TC_API uint64_t tc_listener_stat_get(const tc_listener *l, tc_listener_stat which) {
    if (!valid_listener(l)) return 0;
    return l->listener->stat(tc::capi::raw_enum(which));
}

}  // extern "C"
