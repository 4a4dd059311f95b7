// tc_runner_*: running a conduit (run/runner).
#include "capi/guard.hpp"
#include "capi/options_init.hpp"
#include "capi/handles.hpp"
#include "capi/listener_config.hpp"
#include "capi/metrics.hpp"
#include "capi/objects.hpp"
#include "capi/webhook_message.hpp"
#include "coord/lease_store.hpp"
#include "coord/redis_client.hpp"
#include "events/verifier.hpp"
#include "helix/codec.hpp"
#include "net/websocket.hpp"
#include "run/runner.hpp"
#include "util/json.hpp"

#include <twitchconduits/runner.h>

#include <cstring>
#include <unistd.h>
#include <memory>
#include <string>

namespace tc::capi {
constexpr uint32_t kRunnerTag = 0x5443524eu;       // "TCRN"
constexpr uint32_t kRunnerShardTag = 0x54435254u;  // "TCRT"
}  // namespace tc::capi

struct tc_runner {
    uint32_t tag = tc::capi::kRunnerTag;
    std::shared_ptr<tc::run::Runner> runner;
    std::string callback_base;
    tc::util::MetricsRegistration metrics;
};

struct tc_runner_shard {
    uint32_t tag = tc::capi::kRunnerShardTag;
    tc::run::ShardSnapshot s;
};

using tc::capi::fail;
using tc::capi::guarded;

namespace {

bool valid_runner(const tc_runner *r) { return r != nullptr && r->tag == tc::capi::kRunnerTag && r->runner; }
bool valid_shard(const tc_runner_shard *s) { return s != nullptr && s->tag == tc::capi::kRunnerShardTag; }

void noop_listener_cb(tc_status, const char *, const tc_event *, void *) {}

bool valid_shard_id(const char *id) {
    if (id == nullptr || id[0] == '\0' || std::strlen(id) > 9) return false;
    for (const char *p = id; *p != '\0'; ++p) {
        if (*p < '0' || *p > '9') return false;
    }
    return true;
}

bool runner_transport(int t) { return t == TC_TRANSPORT_WEBSOCKET || t == TC_TRANSPORT_WEBHOOK; }

// What a caller compiled against an older header has of the struct.
size_t runner_options_size(unsigned int version) {
    return version >= 2 ? sizeof(tc_runner_options) : offsetof(tc_runner_options, group);
}

// Group names and worker ids go into Redis keys and logs: printable ASCII
// without spaces or braces (the braces are the key's cluster hash tag).
bool valid_name(const char *s, size_t max) {
    if (s == nullptr || s[0] == '\0' || std::strlen(s) > max) return false;
    for (const char *p = s; *p != '\0'; ++p) {
        if (*p <= ' ' || *p > '~' || *p == '{' || *p == '}') return false;
    }
    return true;
}

std::string default_worker_id() {
    char host[256] = {0};
    if (gethostname(host, sizeof host - 1) != 0 || host[0] == '\0') std::strcpy(host, "localhost");
    return std::string(host) + ":" + std::to_string(static_cast<long>(getpid()));
}

// Version 2: the group fields.
tc_status group_from_options(const tc_runner_options *o, tc::run::RunnerConfig *cfg) {
    if (o->version < 2 || o->group == nullptr) {
        TC_CHECK_ARG(o->version < 2 || (o->redis_url == nullptr && o->worker_id == nullptr && o->lease_ttl_ms == 0),
                     "opts->group (redis_url, worker_id and lease_ttl_ms go with a group)");
        return TC_OK;
    }
    TC_CHECK_ARG(valid_name(o->group, 64), "opts->group (1..64 printable characters, no spaces or braces)");
    TC_CHECK_ARG(o->redis_url != nullptr, "opts->redis_url (a group needs redis://host:port or unix:///path)");
    TC_CHECK_ARG(o->worker_id == nullptr || valid_name(o->worker_id, 128),
                 "opts->worker_id (1..128 printable characters, no spaces or braces)");
    TC_CHECK_ARG(o->lease_ttl_ms == 0 || (o->lease_ttl_ms >= 300 && o->lease_ttl_ms <= 600000),
                 "opts->lease_ttl_ms (300..600000)");
    TC_CHECK_ARG(o->conduit_id != nullptr, "opts->conduit_id (a group runs an existing conduit)");
    TC_CHECK_ARG(o->shards == nullptr, "opts->shards (a group shares every shard of the conduit)");
    TC_CHECK_ARG(o->default_transport == TC_TRANSPORT_WEBSOCKET, "opts->default_transport (a group runs WebSocket shards)");
    TC_CHECK_ARG((o->flags & TC_RUNNER_F_SHRINK_ON_STOP) == 0, "opts->flags (a group worker never shrinks the conduit)");
    std::string why;
    if (!tc::coord::parse_redis_url(o->redis_url, &cfg->group.address, &why)) {
        return fail(TC_EINVAL, "invalid argument: opts->redis_url: " + why);
    }
    if (!tc::coord::RedisClient::available()) {
        return fail(TC_ENOTSUPPORTED, "runner groups need Redis support: this library was built without hiredis "
                                      "(install libhiredis-dev and rebuild)");
    }
    cfg->group.name = o->group;
    cfg->group.worker_id = o->worker_id != nullptr ? o->worker_id : default_worker_id();
    if (o->lease_ttl_ms != 0) cfg->group.lease_ttl_ms = o->lease_ttl_ms;
    return TC_OK;
}

tc_status config_from_options(const tc_runner_options *o, tc_runner_done_cb done_cb, void *userdata,
                              tc::run::RunnerConfig *cfg) {
    TC_CHECK_ARG(o != nullptr, "opts");
    if (o->version == 0 || o->version > TC_RUNNER_OPTIONS_VERSION) {
        return fail(TC_EVERSION, "tc_runner_options: version " + std::to_string(o->version) + " is not supported");
    }
    TC_CHECK_ARG(done_cb != nullptr, "done_cb");
    TC_CHECK_ARG(o->shard_count >= 0 && o->shard_count <= 20000, "opts->shard_count (0..20000)");
    TC_CHECK_ARG(o->shards != nullptr || o->shards_len == 0, "opts->shards");
    TC_CHECK_ARG(o->shards_len <= 20000, "opts->shards_len");
    TC_CHECK_ARG(runner_transport(tc::capi::raw_enum(o->default_transport)), "opts->default_transport");
    TC_CHECK_ARG(o->keepalive_timeout_s >= 0 && o->keepalive_timeout_s <= 600, "opts->keepalive_timeout_s (0..600)");
    TC_CHECK_ARG(o->list_interval_s >= -1 && o->list_interval_s <= 86400, "opts->list_interval_s (-1..86400)");
    TC_CHECK_ARG(o->max_message_bytes <= (64u << 20), "opts->max_message_bytes (up to 64 MiB)");
    TC_CHECK_ARG(o->keepalive_margin_ms >= 0 && o->keepalive_margin_ms <= 600000, "opts->keepalive_margin_ms");
    TC_CHECK_ARG(o->reconnect_base_ms >= 0 && o->reconnect_base_ms <= 600000, "opts->reconnect_base_ms");
    TC_CHECK_ARG(o->reconnect_max_ms >= 0 && o->reconnect_max_ms <= 3600000, "opts->reconnect_max_ms");
    TC_CHECK_ARG((o->flags & ~(TC_RUNNER_F_NO_DISABLED_SUB | TC_RUNNER_F_SHRINK_ON_STOP)) == 0, "opts->flags");
    if (o->conduit_id != nullptr) {
        TC_CHECK_ARG(o->conduit_id[0] != '\0' && std::strlen(o->conduit_id) <= 128, "opts->conduit_id");
        cfg->conduit_id = o->conduit_id;
    }
    cfg->shard_count = o->shard_count;
    cfg->default_transport = o->default_transport;
    bool webhook = o->shards == nullptr && o->default_transport == TC_TRANSPORT_WEBHOOK;
    for (size_t k = 0; k < o->shards_len; ++k) {
        const tc_runner_shard_spec &sp = o->shards[k];
        const std::string where = "opts->shards[" + std::to_string(k) + "]";
        if (!valid_shard_id(sp.shard_id)) return fail(TC_EINVAL, "invalid argument: " + where + ".shard_id (a shard number)");
        if (!runner_transport(tc::capi::raw_enum(sp.transport))) {
            return fail(TC_EINVAL, "invalid argument: " + where + ".transport (websocket or webhook)");
        }
        if (sp.webhook_secret != nullptr && !tc::events::valid_secret(sp.webhook_secret)) {
            return fail(TC_EINVAL, "invalid argument: " + where + ".webhook_secret (10..100 printable ASCII characters)");
        }
        for (const auto &seen : cfg->shards) {
            if (seen.id == sp.shard_id) return fail(TC_EINVAL, "invalid argument: " + where + ".shard_id given twice");
        }
        cfg->shards.push_back(tc::run::ShardSpec{sp.shard_id, sp.transport, sp.webhook_secret ? sp.webhook_secret : ""});
        webhook = webhook || sp.transport == TC_TRANSPORT_WEBHOOK;
    }
    if (o->ws_url != nullptr) {
        const std::string url = o->ws_url;
        if (url.rfind("ws://", 0) != 0 && url.rfind("wss://", 0) != 0) {
            return fail(TC_EINVAL, "invalid argument: opts->ws_url must start with ws:// or wss://");
        }
        cfg->ws_url = url;
    }
    cfg->keepalive_s = o->keepalive_timeout_s;
    if (webhook) {
        cfg->need_listener = true;
        tc_listener_options lo = TC_LISTENER_OPTIONS_INIT;
        if (o->listener != nullptr) {
            if (o->listener->version == 0 || o->listener->version > TC_LISTENER_OPTIONS_VERSION) {
                return fail(TC_EVERSION, "opts->listener: version is not supported");
            }
            std::memcpy(&lo, o->listener,
                        o->listener->version >= 2 ? sizeof lo : offsetof(tc_listener_options, tls_cert_file));
        }
        lo.event_cb = &noop_listener_cb;  // replaced by the runner's own
        tc_status st = tc::capi::listener_config_from_options(&lo, &cfg->listener);
        if (st != TC_OK) return st;
        if (o->webhook_callback_base != nullptr) cfg->callback_base = o->webhook_callback_base;
    }
    cfg->list_interval_ms = o->list_interval_s == 0 ? 60000 : o->list_interval_s * 1000;
    if (o->max_message_bytes != 0) cfg->max_message_bytes = o->max_message_bytes;
    if (o->keepalive_margin_ms != 0) cfg->keepalive_margin_ms = o->keepalive_margin_ms;
    if (o->reconnect_base_ms != 0) cfg->backoff_base_ms = o->reconnect_base_ms;
    if (o->reconnect_max_ms != 0) cfg->backoff_cap_ms = o->reconnect_max_ms;
    cfg->subscribe_disabled = (o->flags & TC_RUNNER_F_NO_DISABLED_SUB) == 0;
    cfg->shrink_on_stop = (o->flags & TC_RUNNER_F_SHRINK_ON_STOP) != 0;
    tc_status gst = group_from_options(o, cfg);
    if (gst != TC_OK) return gst;

    tc_runner_event_cb event_cb = o->event_cb;
    void *event_ud = o->event_userdata;
    cfg->pull_events = event_cb == nullptr;
    cfg->event_userdata = event_ud;
    cfg->on_ws_event = [event_cb, event_ud](tc_status st, const std::string &shard, tc::events::Message &&m) {
        tc_event msg;
        msg.m = std::move(m);
        event_cb(st, shard.c_str(), &msg, event_ud);
        msg.tag = tc::capi::kWebhookDeadTag;
    };
    cfg->on_webhook_event = [event_cb, event_ud](tc_status st, const std::string &shard, const tc_event *m) {
        event_cb(st, shard.c_str(), m, event_ud);
    };
    if (o->shard_cb != nullptr) {
        tc_runner_shard_cb shard_cb = o->shard_cb;
        void *shard_ud = o->shard_userdata;
        cfg->on_shard = [shard_cb, shard_ud](const tc::run::ShardSnapshot &s) {
            tc_runner_shard snap;
            snap.s = s;
            shard_cb(&snap, shard_ud);
            snap.tag = tc::capi::kDeadTag;
        };
    }
    if (o->ready_cb != nullptr) {
        tc_runner_done_cb ready = o->ready_cb;
        void *ready_ud = o->ready_userdata;
        cfg->on_ready = [ready, ready_ud](tc_status st) { ready(st, ready_ud); };
    }
    cfg->on_done = [done_cb, userdata](tc_status st) { done_cb(st, userdata); };
    return TC_OK;
}

const char *state_name(tc_runner_shard_state st) {
    switch (st) {
    case TC_RUNNER_SHARD_STARTING: return "starting";
    case TC_RUNNER_SHARD_CONNECTING: return "connecting";
    case TC_RUNNER_SHARD_ASSIGNING: return "assigning";
    case TC_RUNNER_SHARD_ENABLED: return "enabled";
    case TC_RUNNER_SHARD_LOST: return "lost";
    case TC_RUNNER_SHARD_STOPPED: return "stopped";
    case TC_RUNNER_SHARD_NOT_OWNED: return "not_owned";
    }
    return "unknown";
}

}  // namespace

extern "C" {

TC_API tc_status tc_runner_options_init(tc_runner_options *opts, unsigned int version) {
    const tc_runner_options defaults = TC_RUNNER_OPTIONS_INIT;
    return tc::capi::init_versioned("tc_runner_options_init", opts, version, TC_RUNNER_OPTIONS_VERSION, defaults, runner_options_size);
}

TC_API int tc_runner_websocket_supported(void) { return tc::net::websocket_supported() ? 1 : 0; }

TC_API tc_status tc_runner_start(tc_runner **out, tc_conduits *c, const tc_runner_options *opts,
                                 tc_runner_done_cb done_cb, void *userdata) {
    return guarded([&]() -> tc_status {
        TC_CHECK_ARG(out != nullptr, "out");
        *out = nullptr;
        TC_CHECK_ARG(tc::capi::valid(c), "c");
        if (c->manager->free_requested()) return fail(TC_ECLOSED, "the manager is being freed");
        tc::run::RunnerConfig cfg;
        tc_status st = config_from_options(opts, done_cb, userdata, &cfg);
        if (st != TC_OK) return st;
        std::string error;
        auto handle = std::make_unique<tc_runner>();
        // Webhook events the runner's listener verifies keep the synced view current, as
        // tc_listener_new's do (WebSocket events reach it from the runner itself).
        tc::core::Manager *manager = c->manager.get();
        cfg.listener.observe = [manager](const tc_event *msg) {
            if (const tc::events::Message *m = tc::capi::webhook_message(msg)) manager->observe_event(*m);
        };
        handle->runner = tc::run::Runner::start(*c->manager, std::move(cfg), &st, &error);
        if (!handle->runner) return fail(st, error);
        handle->callback_base = handle->runner->callback_base();
        handle->metrics = tc::capi::register_runner_metrics(c->manager->metrics(), handle->runner);
        *out = handle.release();
        return TC_OK;
    });
}

TC_API tc_status tc_runner_stop(tc_runner *r) {
    TC_CHECK_ARG(valid_runner(r), "r");
    return guarded([&] {
        r->runner->stop(TC_OK);
        return TC_OK;
    });
}

TC_API void tc_runner_free(tc_runner *r) {
    if (!valid_runner(r)) return;
    guarded([&] {
        r->metrics.reset();
        r->runner->stop(TC_ECANCELED);
        r->runner.reset();
        r->tag = tc::capi::kDeadTag;
        delete r;
        return TC_OK;
    });
}

TC_API const char *tc_runner_conduit_id(const tc_runner *r) {
    return valid_runner(r) ? r->runner->conduit_id_cstr() : "";
}

TC_API const char *tc_runner_webhook_base_url(const tc_runner *r) {
    return valid_runner(r) ? r->callback_base.c_str() : "";
}

TC_API size_t tc_runner_shard_count(const tc_runner *r) {
    return valid_runner(r) ? r->runner->snapshots().size() : 0;
}

TC_API tc_status tc_runner_shard_at(tc_runner_shard **out, const tc_runner *r, size_t index) {
    TC_CHECK_ARG(out != nullptr, "out");
    *out = nullptr;
    TC_CHECK_ARG(valid_runner(r), "r");
    return guarded([&]() -> tc_status {
        auto all = r->runner->snapshots();
        if (index >= all.size()) return fail(TC_ENOTFOUND, "index " + std::to_string(index) + " is out of range");
        auto s = std::make_unique<tc_runner_shard>();
        s->s = std::move(all[index]);
        *out = s.release();
        return TC_OK;
    });
}

TC_API tc_status tc_runner_shard_get(tc_runner_shard **out, const tc_runner *r, const char *shard_id) {
    TC_CHECK_ARG(out != nullptr, "out");
    *out = nullptr;
    TC_CHECK_ARG(valid_runner(r), "r");
    TC_CHECK_ARG(shard_id != nullptr, "shard_id");
    return guarded([&]() -> tc_status {
        for (auto &snap : r->runner->snapshots()) {
            if (snap.id != shard_id) continue;
            auto s = std::make_unique<tc_runner_shard>();
            s->s = std::move(snap);
            *out = s.release();
            return TC_OK;
        }
        return fail(TC_ENOTFOUND, "the runner does not own that shard");
    });
}

TC_API tc_status tc_runner_shard_dup(tc_runner_shard **out, const tc_runner_shard *s) {
    TC_CHECK_ARG(out != nullptr, "out");
    *out = nullptr;
    TC_CHECK_ARG(valid_shard(s), "s");
    return guarded([&] {
        auto copy = std::make_unique<tc_runner_shard>();
        copy->s = s->s;
        *out = copy.release();
        return TC_OK;
    });
}

TC_API void tc_runner_shard_free(tc_runner_shard *s) {
    if (!valid_shard(s)) return;
    s->tag = tc::capi::kDeadTag;
    delete s;
}

TC_API const char *tc_runner_shard_id(const tc_runner_shard *s) { return valid_shard(s) ? s->s.id.c_str() : ""; }

TC_API tc_runner_shard_state tc_runner_shard_state_get(const tc_runner_shard *s) {
    return valid_shard(s) ? s->s.state : TC_RUNNER_SHARD_STOPPED;
}

TC_API const char *tc_runner_shard_state_name(tc_runner_shard_state state) {
    return state_name(static_cast<tc_runner_shard_state>(tc::capi::raw_enum(state)));
}

TC_API const char *tc_runner_shard_status(const tc_runner_shard *s) {
    return valid_shard(s) ? s->s.status.c_str() : "";
}

TC_API tc_transport_type tc_runner_shard_transport(const tc_runner_shard *s) {
    return valid_shard(s) ? s->s.transport : TC_TRANSPORT_OTHER;
}

TC_API const char *tc_runner_shard_session_id(const tc_runner_shard *s) {
    return valid_shard(s) ? s->s.session_id.c_str() : "";
}

TC_API const char *tc_runner_shard_callback(const tc_runner_shard *s) {
    return valid_shard(s) ? s->s.callback.c_str() : "";
}

TC_API const char *tc_runner_shard_error(const tc_runner_shard *s) { return valid_shard(s) ? s->s.error.c_str() : ""; }

TC_API uint64_t tc_runner_shard_reconnects(const tc_runner_shard *s) { return valid_shard(s) ? s->s.reconnects : 0; }

TC_API int64_t tc_runner_shard_last_event_ms(const tc_runner_shard *s) {
    return valid_shard(s) ? s->s.last_event_ms : 0;
}

TC_API double tc_runner_shard_assign_latency_ms(const tc_runner_shard *s) {
    return valid_shard(s) ? s->s.assign_latency_ms : -1;
}

TC_API uint64_t tc_runner_shard_events(const tc_runner_shard *s) { return valid_shard(s) ? s->s.events : 0; }

TC_API uint64_t tc_runner_shard_duplicates(const tc_runner_shard *s) { return valid_shard(s) ? s->s.duplicates : 0; }

TC_API tc_status tc_runner_shard_to_json(char **out, const tc_runner_shard *s) {
    TC_CHECK_ARG(out != nullptr, "out");
    *out = nullptr;
    TC_CHECK_ARG(valid_shard(s), "s");
    return guarded([&]() -> tc_status {
        const tc::run::ShardSnapshot &x = s->s;
        tc::util::JsonPtr root(cJSON_CreateObject());
        if (!root) return fail(TC_ENOMEM, "out of memory");
        cJSON *o = root.get();
        bool ok = cJSON_AddStringToObject(o, "shard_id", x.id.c_str()) &&
                  cJSON_AddStringToObject(o, "state", state_name(x.state)) &&
                  cJSON_AddStringToObject(o, "status", x.status.c_str()) &&
                  cJSON_AddStringToObject(o, "transport", tc::helix::transport_type_name(x.transport)) &&
                  cJSON_AddStringToObject(o, "session_id", x.session_id.c_str()) &&
                  cJSON_AddStringToObject(o, "callback", x.callback.c_str()) &&
                  cJSON_AddStringToObject(o, "error", x.error.c_str()) &&
                  cJSON_AddNumberToObject(o, "reconnects", static_cast<double>(x.reconnects)) &&
                  cJSON_AddNumberToObject(o, "last_event_ms", static_cast<double>(x.last_event_ms)) &&
                  cJSON_AddNumberToObject(o, "assign_latency_ms", x.assign_latency_ms) &&
                  cJSON_AddNumberToObject(o, "events", static_cast<double>(x.events)) &&
                  cJSON_AddNumberToObject(o, "duplicates", static_cast<double>(x.duplicates));
        if (!ok) return fail(TC_ENOMEM, "out of memory");
        char *text = tc::capi::dup_for_caller(tc::util::json_print(o));
        if (text == nullptr) return fail(TC_ENOMEM, "out of memory");
        *out = text;
        return TC_OK;
    });
}

TC_API uint64_t tc_runner_stat_get(const tc_runner *r, tc_runner_stat which) {
    if (!valid_runner(r)) return 0;
    return r->runner->stat(tc::capi::raw_enum(which));
}

TC_API tc_status tc_runner_group_to_json(char **out, const tc_runner *r) {
    TC_CHECK_ARG(out != nullptr, "out");
    *out = nullptr;
    TC_CHECK_ARG(valid_runner(r), "r");
    return guarded([&]() -> tc_status {
        const std::string json = r->runner->group_json();
        if (json.empty()) return fail(TC_ENOTFOUND, "the runner is not part of a group");
        char *text = tc::capi::dup_for_caller(json);
        if (text == nullptr) return fail(TC_ENOMEM, "out of memory");
        *out = text;
        return TC_OK;
    });
}

TC_API tc_status tc_runner_group_owners(char **out, const char *redis_url, const char *group, const char *conduit_id,
                                        long timeout_ms) {
    TC_CHECK_ARG(out != nullptr, "out");
    *out = nullptr;
    TC_CHECK_ARG(redis_url != nullptr, "redis_url");
    TC_CHECK_ARG(valid_name(group, 64), "group (1..64 printable characters, no spaces or braces)");
    TC_CHECK_ARG(conduit_id != nullptr && conduit_id[0] != '\0' && std::strlen(conduit_id) <= 128, "conduit_id");
    TC_CHECK_ARG(timeout_ms >= 0 && timeout_ms <= 600000, "timeout_ms (0..600000)");
    return guarded([&]() -> tc_status {
        tc::coord::RedisAddress address;
        std::string why;
        if (!tc::coord::parse_redis_url(redis_url, &address, &why)) return fail(TC_EINVAL, "invalid argument: redis_url: " + why);
        if (!tc::coord::RedisClient::available()) {
            return fail(TC_ENOTSUPPORTED, "built without hiredis (install libhiredis-dev and rebuild)");
        }
        tc::coord::RedisClient client(address, timeout_ms == 0 ? 2000 : timeout_ms);
        std::vector<tc::coord::ShardOwner> owners;
        if (!tc::coord::read_owners(client, tc::coord::LeaseKeys(group, conduit_id), &owners, &why)) {
            return fail(TC_ENETWORK, why);
        }
        char *text = tc::capi::dup_for_caller(tc::coord::owners_json(owners));
        if (text == nullptr) return fail(TC_ENOMEM, "out of memory");
        *out = text;
        return TC_OK;
    });
}

}  // extern "C"
