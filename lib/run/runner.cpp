#include "run/runner.hpp"

#include "events/classify.hpp"
#include "events/event.hpp"
#include "events/ws_message.hpp"
#include "helix/conduits.hpp"
#include "helix/shards.hpp"
#include "helix/subscriptions.hpp"
#include "run/policy.hpp"
#include "util/json.hpp"
#include "util/random.hpp"

#include <twitchconduits/completion.h>

#include <algorithm>
#include <cstdlib>

namespace tc::run {

namespace {

constexpr int kMaxAssignAttempts = 4;  // then the socket is replaced
constexpr int64_t kRetireGraceMs = 2000;
constexpr int64_t kStopGraceMs = 1000;  // stop waits this long for the servers' Close echoes  // a hand-over's old socket waits this long for the Close echo

std::string random_secret() {
    unsigned char bytes[24];
    if (!util::secure_random_bytes(bytes, sizeof bytes)) return {};
    static const char hex[] = "0123456789abcdef";
    std::string out;
    for (unsigned char b : bytes) out += hex[b >> 4], out += hex[b & 15];
    return out;
}

// event.transport.session_id of a conduit.shard.disabled event ("" if none).
std::string disabled_session(const std::string &event_json) {
    std::string session;
    events::for_each_member(event_json, [&](std::string_view key, std::string_view value) {
        if (!events::key_equals(key, "transport") || value.empty() || value.front() != '{') return true;
        events::for_each_member(value, [&](std::string_view k, std::string_view v) {
            if (events::key_equals(k, "session_id") && !v.empty() && v.front() == '"') {
                session = events::decode_string(v);
            }
            return true;
        });
        return false;
    });
    return session;
}

}  // namespace

// Keeps the user's webhook callback reachable for listener deliveries still
// queued after the runner is gone; released by a last queued operation.
struct Runner::Shared {
    std::weak_ptr<Runner> runner;
};

struct Runner::Shard {
    size_t index = 0;
    ShardSpec spec;
    ShardSnapshot snap;
    // WebSocket
    std::unique_ptr<net::WebSocket> socket;  // current
    uint64_t socket_serial = 0;
    std::unique_ptr<net::WebSocket> next;  // hand-over target, until its welcome
    uint64_t next_serial = 0;
    // After a hand-over to a NEW session: the old socket keeps delivering
    // until the new session is assigned (else the shard would be disabled
    // in between and events dropped).
    std::unique_ptr<net::WebSocket> retiring;
    uint64_t retiring_serial = 0;
    std::string retiring_session;
    uint64_t retiring_timer = 0;
    std::string session_id;        // of the current socket's welcome
    std::string assigned_session;  // last session Twitch accepted
    int keepalive_s = -1;
    util::TimePoint welcome_at{};
    uint64_t watchdog = 0;
    uint64_t retry_timer = 0;
    int failures = 0;  // consecutive, for the backoff
    int assign_failures = 0;
    // Group mode: whether we hold the shard's lease (always true without a group).
    bool owned = true;
    uint64_t token = 0;  // the lease's fencing token when granted
    // Both
    bool assigning = false;
    uint64_t assign_serial = 0;
    bool ever_enabled = false;
    ShardSnapshot published;  // what the shard callback last saw
    bool published_once = false;
    // Webhook
    bool challenge_passed = false;  // the current assignment's challenge came through the listener
    std::string route_key;
    std::string secret;
};

namespace {
void listener_trampoline(tc_status status, const char *route_key, const tc_event *msg, void *userdata);
}

Runner::Runner(core::Manager &manager, RunnerConfig config)
    : manager_(manager), config_(std::move(config)),
      // Not the manager's own sequence, but derived from its seed: a fixed
      // random_seed gives reproducible backoffs (0 = from the CSPRNG).
      jitter_(manager.config().random_seed == 0 ? 0 : manager.config().random_seed ^ 0x52554e4e4552ull) {}

Runner::~Runner() {
    std::lock_guard<std::mutex> lock(link_->mu);
    if (link_->manager_alive && link_->close_hook != 0) manager_.queue().remove_close_hook(link_->close_hook);
}

std::shared_ptr<Runner> Runner::start(core::Manager &manager, RunnerConfig config, tc_status *status,
                                      std::string *error) {
    bool any_ws = config.shards.empty() ? config.default_transport == TC_TRANSPORT_WEBSOCKET : false;
    bool any_webhook = config.shards.empty() ? config.default_transport == TC_TRANSPORT_WEBHOOK : false;
    for (const auto &s : config.shards) {
        any_ws = any_ws || s.transport == TC_TRANSPORT_WEBSOCKET;
        any_webhook = any_webhook || s.transport == TC_TRANSPORT_WEBHOOK;
    }
    if (any_ws && !net::websocket_supported()) {
        *status = TC_ENOTSUPPORTED;
        *error = net::kWebSocketUnsupported;
        return nullptr;
    }
    std::shared_ptr<Runner> r(new Runner(manager, std::move(config)));
    r->shared_ = std::make_shared<Shared>();
    r->shared_->runner = r;
    if (any_webhook) {
        events::ListenerConfig lc = r->config_.listener;
        lc.event_cb = &listener_trampoline;
        lc.event_userdata = r->shared_.get();
        lc.direct = r->config_.pull_events;
        lc.reject_cb = nullptr;
        r->listener_ = events::Listener::create(manager.queue(), std::move(lc), status, error);
        if (!r->listener_) return nullptr;
        r->callback_base_ = r->config_.callback_base.empty() ? r->listener_->base_url() : r->config_.callback_base;
    }
    std::weak_ptr<Runner> weak = r;
    auto link = r->link_;
    core::Manager *m = &manager;
    {
        std::lock_guard<std::mutex> lock(link->mu);
        link->close_hook = manager.queue().add_close_hook([weak, link, m] {
            {
                std::lock_guard<std::mutex> l(link->mu);
                link->manager_alive = false;
            }
            if (auto self = weak.lock()) m->engine().loop().post([self] { self->teardown(); });
        });
    }
    r->op_ = manager.queue().begin(
        [weak] {
            if (auto self = weak.lock()) self->stop(TC_ECANCELED);
        },
        [on_done = r->config_.on_done] {
            if (on_done) on_done(TC_ECANCELED);
        });
    if (r->op_ == 0 || link->close_hook == 0) {
        *status = TC_ECLOSED;
        *error = "the manager is being freed";
        r->listener_.reset();
        return nullptr;
    }
    r->self_ = r;
    manager.engine().loop().post([r] { r->begin(); });
    *status = TC_OK;
    return r;
}

// ---- user-thread views ----

std::string Runner::conduit_id() const {
    std::lock_guard<std::mutex> lock(mu_);
    return conduit_id_;
}

const char *Runner::conduit_id_cstr() const {
    std::lock_guard<std::mutex> lock(mu_);
    // Set once. Until then a static "": a pointer into the empty string would
    // dangle (and race) when the I/O thread assigns the id.
    return conduit_id_.empty() ? "" : conduit_id_.c_str();
}

std::string Runner::callback_base() const {
    std::lock_guard<std::mutex> lock(mu_);
    return callback_base_;
}

std::vector<ShardSnapshot> Runner::snapshots() const {
    std::lock_guard<std::mutex> lock(mu_);
    return snapshots_;
}

uint64_t Runner::stat(int which) const {
    if (which < 0 || which >= kStatCount) return 0;
    return stats_[static_cast<size_t>(which)].load();
}

std::string Runner::group_json() const {
    if (config_.group.name.empty()) return {};
    coord::CoordinatorStatus st;  // "connecting" until the conduit is known and the coordinator runs
    {
        std::lock_guard<std::mutex> lock(mu_);  // coordinator_ is set on the loop thread
        if (coordinator_) st = coordinator_->status();
    }
    util::JsonPtr root(cJSON_CreateObject());
    cJSON_AddStringToObject(root.get(), "group", config_.group.name.c_str());
    cJSON_AddStringToObject(root.get(), "worker_id", config_.group.worker_id.c_str());
    cJSON_AddStringToObject(root.get(), "redis", st.redis.c_str());
    cJSON_AddStringToObject(root.get(), "error", st.error.c_str());
    cJSON_AddNumberToObject(root.get(), "live_workers", static_cast<double>(st.live_workers));
    cJSON *owned = cJSON_AddArrayToObject(root.get(), "owned");
    for (const auto &kv : st.held) {
        cJSON *item = cJSON_CreateObject();
        cJSON_AddItemToArray(owned, item);
        cJSON_AddStringToObject(item, "shard_id", kv.first.c_str());
        cJSON_AddNumberToObject(item, "fencing_token", static_cast<double>(kv.second));
    }
    return util::json_print(root.get());
}

void Runner::stop(tc_status status) {
    std::lock_guard<std::mutex> lock(link_->mu);
    if (!link_->manager_alive) return;
    auto self = shared_from_this();
    manager_.engine().loop().post([self, status] { self->begin_stop(status); });
}

// Stopping: every socket gets a Close frame (1000) and the runner waits for
// the server's echo (a clean close, not a drop), at most kStopGraceMs; then
// the conduit is shrunk if asked and done_cb runs.
void Runner::begin_stop(tc_status status) {
    if (stopping_ || torn_down_) return;
    stopping_ = true;
    stop_status_ = status;
    net::IoLoop &loop = manager_.engine().loop();
    if (list_timer_ != 0) loop.cancel_timer(list_timer_);
    list_timer_ = 0;
    for (auto &s : shards_) {
        if (s->next) s->next->close(1000, "");
        s->next.reset();
        if (s->socket) s->socket->close_gracefully(1000);
        if (s->retiring) s->retiring->close_gracefully(1000);
        if (s->watchdog != 0) loop.cancel_timer(s->watchdog);
        if (s->retry_timer != 0) loop.cancel_timer(s->retry_timer);
        if (s->retiring_timer != 0) loop.cancel_timer(s->retiring_timer);
        s->watchdog = s->retry_timer = s->retiring_timer = 0;
        s->snap.state = TC_RUNNER_SHARD_STOPPED;
        publish(*s);
    }
    std::weak_ptr<Runner> weak = shared_from_this();
    stop_timer_ = loop.add_timer(kStopGraceMs, [weak] {
        if (auto self = weak.lock()) {
            self->stop_timer_ = 0;
            self->after_sockets_closed();
        }
    });
    if (!any_socket_open()) after_sockets_closed();
}

bool Runner::any_socket_open() const {
    for (const auto &s : shards_) {
        if (s->socket || s->retiring || s->next) return true;
    }
    return false;
}

void Runner::after_sockets_closed() {
    if (stop_sockets_done_ || torn_down_) return;
    stop_sockets_done_ = true;
    if (stop_timer_ != 0) manager_.engine().loop().cancel_timer(stop_timer_);
    stop_timer_ = 0;
    for (auto &s : shards_) {  // a server that never echoed is cut off
        if (s->socket) s->socket->close(1000, "");
        if (s->retiring) s->retiring->close(1000, "");
        s->socket.reset();
        s->retiring.reset();
    }
    if (coordinator_) {
        // Leases go after the sockets: the next owner assigns a shard we no
        // longer listen on. The coordinator's `stopped` event continues.
        coordinator_->stop();
        return;
    }
    shrink_or_finish();
}

void Runner::shrink_or_finish() {
    if (torn_down_) return;
    auto self = shared_from_this();
    const std::string conduit = conduit_id();
    if (config_.shrink_on_stop && !conduit.empty() && stop_status_ == TC_OK &&
        (created_conduit_ || original_count_ > 0)) {
        net::Call call = created_conduit_ ? helix::delete_conduit_call(conduit)
                                          : helix::update_conduit_call(conduit, original_count_);
        submit(std::move(call), [self](net::CallResult &&) { self->finish_stop(); });
        return;
    }
    finish_stop();
}

// ---- loop thread ----

uint64_t Runner::submit(net::Call call, std::function<void(net::CallResult &&)> then) {
    std::weak_ptr<Runner> weak = shared_from_this();
    auto id = std::make_shared<uint64_t>(0);
    *id = manager_.engine().submit(std::move(call), [weak, id, then = std::move(then)](net::CallResult &&r) {
        auto self = weak.lock();
        if (!self) return;
        self->jobs_.erase(std::remove(self->jobs_.begin(), self->jobs_.end(), *id), self->jobs_.end());
        if (self->torn_down_) return;
        then(std::move(r));
    });
    jobs_.push_back(*id);
    return *id;
}

void Runner::queue_event(const std::string &shard_id, events::Message m) {
    runtime::Completion done = runtime::pull_form(TC_COMPLETION_EVENT, config_.event_userdata);
    auto event = std::make_shared<tc_event>();
    event->m = std::move(m);
    done.http_status = event->m.http_status;
    done.result = std::move(event);
    done.source = shard_id;
    std::lock_guard<std::mutex> lock(link_->mu);  // the queue outlives no close hook
    if (!link_->manager_alive) return;
    runtime::CompletionQueue &q = manager_.queue();
    tc_op_id id = q.begin(nullptr, done);
    if (id != 0) q.complete(id, std::move(done));
}

bool Runner::queue_delivery(std::function<void(tc_status)> deliver) {
    auto d = std::make_shared<std::function<void(tc_status)>>(std::move(deliver));
    runtime::CompletionQueue &q = manager_.queue();
    tc_op_id id = q.begin(nullptr, [d] { (*d)(TC_ECANCELED); });
    if (id == 0) return false;
    runtime::Completion done;
    done.deliver = [d] { (*d)(TC_OK); };
    q.complete(id, std::move(done));
    return true;
}

void Runner::begin() {
    if (stopping_ || torn_down_) return;
    int wanted = config_.shard_count;
    for (const auto &s : config_.shards) wanted = std::max(wanted, std::atoi(s.id.c_str()) + 1);
    if (config_.conduit_id.empty()) {
        const int count = std::max(wanted, 1);
        submit(helix::create_conduit_call(count), [this, count](net::CallResult &&r) {
            std::vector<helix::Conduit> list;
            std::string why;
            if (r.status != TC_OK || !helix::parse_conduits(r.http.body, &list, &why) || list.empty()) {
                stop_status_ = r.status != TC_OK ? r.status : TC_EPROTOCOL;
                manager_.logger().log(TC_LOG_ERROR, "runner: cannot create a conduit: %s", r.message.c_str());
                stopping_ = true;
                finish_stop();
                return;
            }
            created_conduit_ = true;
            {
                std::lock_guard<std::mutex> lock(mu_);
                conduit_id_ = list[0].id;
            }
            launch_shards(list[0].shard_count > 0 ? list[0].shard_count : count);
        });
        return;
    }
    submit(helix::list_conduits_call(), [this, wanted](net::CallResult &&r) {
        std::vector<helix::Conduit> list;
        std::string why;
        const helix::Conduit *found = nullptr;
        if (r.status == TC_OK && helix::parse_conduits(r.http.body, &list, &why)) {
            for (const auto &c : list) {
                if (c.id == config_.conduit_id) found = &c;
            }
        }
        if (found == nullptr) {
            stop_status_ = r.status != TC_OK ? r.status : TC_ENOTFOUND;
            stopping_ = true;
            finish_stop();
            return;
        }
        {
            std::lock_guard<std::mutex> lock(mu_);
            conduit_id_ = found->id;
        }
        const int current = found->shard_count;
        const int target = grow_to(current, wanted);
        if (target == 0) {
            launch_shards(current);
            return;
        }
        submit(helix::update_conduit_call(found->id, target), [this, current, target](net::CallResult &&u) {
            if (u.status != TC_OK) {
                stop_status_ = u.status;
                stopping_ = true;
                finish_stop();
                return;
            }
            original_count_ = current;
            launch_shards(target);
        });
    });
}

void Runner::launch_shards(int shard_count) {
    std::vector<ShardSpec> specs = config_.shards;
    if (specs.empty()) {
        const int n = config_.shard_count > 0 ? config_.shard_count : shard_count;
        for (int k = 0; k < n; ++k) specs.push_back(ShardSpec{std::to_string(k), config_.default_transport, ""});
    }
    for (auto &spec : specs) {
        auto s = std::make_unique<Shard>();
        s->index = shards_.size();
        s->snap.id = spec.id;
        s->snap.transport = spec.transport;
        if (spec.transport == TC_TRANSPORT_WEBHOOK) {
            s->route_key = "shard-" + spec.id;
            s->secret = spec.secret.empty() ? random_secret() : spec.secret;
            s->snap.callback = callback_base_ + s->route_key;
        }
        s->spec = std::move(spec);
        shards_.push_back(std::move(s));
    }
    {
        std::lock_guard<std::mutex> lock(mu_);
        snapshots_.clear();
        for (auto &s : shards_) snapshots_.push_back(s->snap);
    }
    if (config_.subscribe_disabled) subscribe_disabled();
    if (!config_.group.name.empty()) {
        // A group worker owns nothing until the coordinator grants leases.
        for (auto &s : shards_) {
            s->owned = false;
            s->snap.state = TC_RUNNER_SHARD_NOT_OWNED;
            publish(*s);
        }
        start_coordinator();
    } else {
        for (auto &s : shards_) start_shard(*s);
    }
    schedule_list();
}

void Runner::start_coordinator() {
    coord::CoordinatorConfig cc;
    cc.address = config_.group.address;
    cc.group = config_.group.name;
    cc.conduit_id = conduit_id();
    cc.worker_id = config_.group.worker_id;
    cc.lease_ttl_ms = config_.group.lease_ttl_ms;
    cc.shard_count = static_cast<int>(shards_.size());
    cc.seed = manager_.config().random_seed == 0 ? 0 : manager_.config().random_seed ^ 0x434f4f5244ull;
    // The coordinator's thread reaches the runner only through the loop,
    // and only while the manager lives.
    std::weak_ptr<Runner> weak = shared_from_this();
    auto link = link_;
    core::Manager *m = &manager_;
    auto post = [weak, link, m](std::function<void(Runner &)> f) {
        std::lock_guard<std::mutex> lock(link->mu);
        if (!link->manager_alive) return;
        m->engine().loop().post([weak, f = std::move(f)] {
            auto self = weak.lock();
            if (self && !self->torn_down_) f(*self);
        });
    };
    coord::Coordinator::Events ev;
    ev.granted = [post](const std::string &shard, uint64_t token) {
        post([shard, token](Runner &r) { r.on_granted(shard, token); });
    };
    ev.revoked = [post](const std::string &shard, bool lost, const std::string &why) {
        post([shard, lost, why](Runner &r) { r.on_revoked(shard, lost, why); });
    };
    ev.status_changed = [post](const coord::CoordinatorStatus &st) {
        const std::string state = st.redis, error = st.error;
        post([state, error](Runner &r) {
            if (state == "unreachable") {
                r.manager_.logger().log(TC_LOG_WARN,
                                        "runner: redis unreachable (%s): keeping the shards we own, taking none, "
                                        "updating none until it is back",
                                        error.c_str());
            } else {
                r.manager_.logger().log(TC_LOG_INFO, "runner: redis %s", state.c_str());
            }
        });
    };
    ev.first_round = [post] {
        post([](Runner &r) {
            r.group_round_done_ = true;
            r.check_ready();
        });
    };
    ev.stopped = [post] { post([](Runner &r) { r.shrink_or_finish(); }); };
    auto coordinator = std::make_unique<coord::Coordinator>(std::move(cc), std::move(ev));
    coordinator->start();
    std::lock_guard<std::mutex> lock(mu_);
    coordinator_ = std::move(coordinator);
}

void Runner::on_granted(const std::string &shard_id, uint64_t token) {
    Shard *s = find(shard_id);
    if (s == nullptr || stopping_ || torn_down_ || s->owned) return;
    count(TC_RUNNER_STAT_LEASES_ACQUIRED);
    manager_.logger().log(TC_LOG_INFO, "runner: shard %s: lease acquired (fencing token %llu)", shard_id.c_str(),
                          static_cast<unsigned long long>(token));
    s->owned = true;
    s->token = token;
    s->failures = 0;
    s->assign_failures = 0;
    s->snap.error.clear();
    start_shard(*s);
}

void Runner::on_revoked(const std::string &shard_id, bool lost, const std::string &why) {
    Shard *s = find(shard_id);
    if (s == nullptr || stopping_ || torn_down_ || !s->owned) return;
    count(lost ? TC_RUNNER_STAT_LEASES_LOST : TC_RUNNER_STAT_LEASES_RELEASED);
    manager_.logger().log(lost ? TC_LOG_WARN : TC_LOG_INFO, "runner: shard %s: lease %s: %s", shard_id.c_str(),
                          lost ? "lost" : "given up", why.c_str());
    drop_shard(*s, (lost ? "lease lost: " : "lease given up: ") + why);
}

// The shard is no longer ours: nothing more is sent for it. Its socket is
// closed gracefully (frames already on their way are still delivered, as in a
// hand-over) and nothing reconnects it.
void Runner::drop_shard(Shard &s, const std::string &why) {
    net::IoLoop &loop = manager_.engine().loop();
    s.owned = false;
    s.assigning = false;
    ++s.assign_serial;
    if (s.watchdog != 0) loop.cancel_timer(s.watchdog);
    if (s.retry_timer != 0) loop.cancel_timer(s.retry_timer);
    s.watchdog = s.retry_timer = 0;
    if (s.next) s.next->close(1000, "");
    s.next.reset();
    if (s.socket) {
        drop_retiring(s, 1000);
        s.retiring = std::move(s.socket);
        s.retiring_serial = s.socket_serial;
        s.retiring_session = s.session_id;
        retire_old_socket(s);
    }
    s.session_id.clear();
    s.assigned_session.clear();
    s.snap.state = TC_RUNNER_SHARD_NOT_OWNED;
    s.snap.status.clear();
    s.snap.session_id.clear();
    s.snap.error = why;
    publish(s);
}

void Runner::subscribe_disabled() {
    const std::string &client = manager_.config().client_id;
    if (client.empty()) return;
    helix::SubscriptionSpec spec;
    spec.type = "conduit.shard.disabled";
    spec.version = "1";
    spec.condition = helix::canonical_json("{\"client_id\":\"" + client + "\",\"conduit_id\":\"" + conduit_id() + "\"}");
    submit(helix::create_subscription_call(conduit_id(), spec), [this](net::CallResult &&r) {
        if (r.status != TC_OK && r.http.http_status != 409) {
            manager_.logger().log(TC_LOG_WARN, "runner: no conduit.shard.disabled subscription (%s); relying on listings",
                                  r.message.c_str());
        }
    });
}

void Runner::start_shard(Shard &s) {
    if (s.spec.transport == TC_TRANSPORT_WEBHOOK) {
        std::string why;
        if (!listener_ || listener_->add_route(s.route_key, s.secret.c_str(), &why) != TC_OK) {
            s.snap.state = TC_RUNNER_SHARD_LOST;
            s.snap.error = "cannot serve the webhook route: " + why;
            publish(s);
            return;
        }
        assign(s);
        return;
    }
    connect(s, ws_connect_url(config_.ws_url, config_.keepalive_s), false);
}

void Runner::connect(Shard &s, const std::string &url, bool handover) {
    count(TC_RUNNER_STAT_WS_CONNECTS);
    const uint64_t serial = handover ? ++s.next_serial + (1ull << 40) : ++s.socket_serial;
    Shard *sp = &s;
    net::WsHandlers h;
    h.on_message = [this, sp, serial](std::string &&text) { on_ws_message(*sp, serial, std::move(text)); };
    h.on_end = [this, sp, serial](const net::WsEnd &end) { on_ws_end(*sp, serial, end); };
    auto socket = net::WebSocket::open(manager_.engine().loop(), url, config_.max_message_bytes, std::move(h));
    if (handover) {
        s.next_serial = serial;
        s.next = std::move(socket);
        return;
    }
    s.socket = std::move(socket);
    s.session_id.clear();
    s.snap.state = TC_RUNNER_SHARD_CONNECTING;
    publish(s);
    const long connect_ms = manager_.engine().loop().config().connect_timeout_ms;
    arm_watchdog(s, connect_ms + watchdog_deadline_ms(config_.keepalive_s, config_.keepalive_margin_ms));
}

void Runner::arm_watchdog(Shard &s, int64_t deadline_ms) {
    net::IoLoop &loop = manager_.engine().loop();
    if (s.watchdog != 0) loop.cancel_timer(s.watchdog);
    Shard *sp = &s;
    s.watchdog = loop.add_timer(deadline_ms, [this, sp, deadline_ms] {
        Shard &sh = *sp;
        sh.watchdog = 0;
        if (!sh.socket || stopping_) return;
        count(TC_RUNNER_STAT_KEEPALIVE_TIMEOUTS);
        sh.socket->close(1000, "");
        sh.socket.reset();
        lose(sh, "websocket_disconnected", "keepalive timeout (no message for " + std::to_string(deadline_ms) + " ms)",
             true);
    });
}

void Runner::on_ws_message(Shard &s, uint64_t serial, std::string &&text) {
    if (stopping_ || torn_down_) return;
    const bool current = s.socket && serial == s.socket_serial;
    const bool handover = s.next && serial == s.next_serial;
    const bool retiring = s.retiring && serial == s.retiring_serial;
    if (!current && !handover && !retiring) return;
    events::WsMessage msg;
    std::string why;
    if (!events::decode_ws_message(text, &msg, &why)) {
        count(TC_RUNNER_STAT_PROTOCOL_ERRORS);
        manager_.logger().log(TC_LOG_WARN, "runner: shard %s: %s", s.spec.id.c_str(), why.c_str());
        if (retiring) {
            drop_retiring(s, 1002);
            return;
        }
        if (handover) {
            s.next->close(1002, "");
            s.next.reset();
            return;
        }
        s.socket->close(1002, "");
        s.socket.reset();
        lose(s, "websocket_disconnected", why, true);
        return;
    }
    if (retiring) {
        // The old socket of a hand-over: only its events still count.
        if (msg.type == events::WsMessageType::Notification || msg.type == events::WsMessageType::Revocation) {
            msg.event.session_id = s.retiring_session;
            deliver_event(s, std::move(msg.event));
        }
        return;
    }
    if (current) {
        const int keepalive = msg.type == events::WsMessageType::Welcome ? msg.session.keepalive_timeout_s : s.keepalive_s;
        if (msg.type != events::WsMessageType::Welcome || !handover) {
            arm_watchdog(s, watchdog_deadline_ms(keepalive, config_.keepalive_margin_ms));
        }
    }
    switch (msg.type) {
    case events::WsMessageType::Welcome: {
        count(TC_RUNNER_STAT_WS_WELCOMES);
        if (handover) {
            // The new socket took over. With the same session the old one
            // is closed now; with a new session it keeps delivering until
            // the new session is assigned (retire_old_socket).
            if (s.socket) {
                drop_retiring(s, 1000);
                s.retiring = std::move(s.socket);
                s.retiring_serial = s.socket_serial;
                s.retiring_session = s.session_id;
            }
            s.socket = std::move(s.next);
            s.socket_serial = serial;
            count(TC_RUNNER_STAT_HANDOVERS);
            if (msg.session.id == s.assigned_session) retire_old_socket(s);
        }
        s.session_id = msg.session.id;
        s.keepalive_s = msg.session.keepalive_timeout_s;
        s.welcome_at = util::now();
        s.snap.session_id = s.session_id;
        arm_watchdog(s, watchdog_deadline_ms(s.keepalive_s, config_.keepalive_margin_ms));
        if (handover && s.session_id == s.assigned_session) {
            publish(s);
            return;
        }
        s.assign_failures = 0;
        assign(s);
        return;
    }
    case events::WsMessageType::Keepalive: count(TC_RUNNER_STAT_WS_KEEPALIVES); return;
    case events::WsMessageType::Reconnect:
        if (current && !s.next) connect(s, msg.session.reconnect_url, true);
        return;
    case events::WsMessageType::Notification:
    case events::WsMessageType::Revocation:
        msg.event.session_id = current ? s.session_id : std::string();
        deliver_event(s, std::move(msg.event));
        return;
    }
}

void Runner::on_ws_end(Shard &s, uint64_t serial, const net::WsEnd &end) {
    // The last socket of a stop finishes the runner (teardown drops self_):
    // stay alive until this handler returns.
    std::shared_ptr<Runner> keep = shared_from_this();
    if (s.retiring && serial == s.retiring_serial) {
        drop_retiring(s, 1000);  // the hand-over's old socket: nothing depends on it
        if (stopping_ && !torn_down_ && !any_socket_open()) after_sockets_closed();
        return;
    }
    if (s.next && serial == s.next_serial) {
        manager_.logger().log(TC_LOG_WARN, "runner: shard %s: hand-over socket failed: %s", s.spec.id.c_str(),
                              end.detail.c_str());
        s.next.reset();
        return;
    }
    if (!s.socket || serial != s.socket_serial) return;
    s.socket.reset();
    if (stopping_ && !torn_down_ && !any_socket_open()) after_sockets_closed();
    if (stopping_ || torn_down_ || end.why == net::WsEnd::Why::Canceled) return;
    if (s.next) {
        // The old socket went first: the hand-over socket becomes current.
        s.socket = std::move(s.next);
        s.socket_serial = s.next_serial;
        return;
    }
    switch (end.why) {
    case net::WsEnd::Why::Closed: {
        const CloseAdvice a = advise_close(end.close_code);
        lose(s, a.status, a.reason, a.backoff);
        return;
    }
    case net::WsEnd::Why::ProtocolError:
        count(TC_RUNNER_STAT_PROTOCOL_ERRORS);
        lose(s, "websocket_disconnected", end.detail, true);
        return;
    default: lose(s, "websocket_disconnected", end.detail, true); return;
    }
}

void Runner::lose(Shard &s, const std::string &status, const std::string &why, bool backoff) {
    manager_.logger().log(TC_LOG_INFO, "runner: shard %s lost: %s", s.spec.id.c_str(), why.c_str());
    if (s.watchdog != 0) manager_.engine().loop().cancel_timer(s.watchdog);
    s.watchdog = 0;
    retire_old_socket(s);
    s.assigning = false;
    ++s.assign_serial;  // an update in flight no longer counts
    s.snap.state = TC_RUNNER_SHARD_LOST;
    s.snap.status = status;
    s.snap.error = why;
    publish(s);
    schedule_reconnect(s, backoff);
}

void Runner::schedule_reconnect(Shard &s, bool backoff) {
    if (stopping_ || torn_down_) return;
    net::IoLoop &loop = manager_.engine().loop();
    if (s.retry_timer != 0) loop.cancel_timer(s.retry_timer);
    ++s.failures;
    const int64_t cap = backoff_delay_ms(s.failures, config_.backoff_base_ms, config_.backoff_cap_ms, 1.0);
    const int64_t wait = backoff ? jitter_.uniform_ms(cap) : 0;
    Shard *sp = &s;
    s.retry_timer = loop.add_timer(wait, [this, sp] {
        sp->retry_timer = 0;
        if (stopping_ || torn_down_ || !sp->owned) return;
        count(TC_RUNNER_STAT_RECONNECTS);
        ++sp->snap.reconnects;
        if (sp->spec.transport == TC_TRANSPORT_WEBHOOK) {
            assign(*sp);
        } else {
            connect(*sp, ws_connect_url(config_.ws_url, config_.keepalive_s), false);
        }
    });
}

void Runner::assign(Shard &s) {
    s.assigning = true;
    s.challenge_passed = false;
    const uint64_t serial = ++s.assign_serial;
    s.snap.state = TC_RUNNER_SHARD_ASSIGNING;
    publish(s);
    if (coordinator_) {
        // The fencing check, right before the update: only the lease's
        // current holder may move the shard (answered on the loop).
        std::weak_ptr<Runner> weak = shared_from_this();
        auto link = link_;
        core::Manager *m = &manager_;
        Shard *sp = &s;
        coordinator_->check(s.spec.id, [weak, link, m, sp, serial](coord::Fence fence) {
            std::lock_guard<std::mutex> lock(link->mu);
            if (!link->manager_alive) return;
            m->engine().loop().post([weak, sp, serial, fence] {
                auto self = weak.lock();
                if (self && !self->torn_down_) self->on_fenced(*sp, serial, fence);
            });
        });
        return;
    }
    send_assignment(s, serial);
}

void Runner::on_fenced(Shard &s, uint64_t serial, coord::Fence fence) {
    if (stopping_ || !s.owned || serial != s.assign_serial) return;
    switch (fence) {
    case coord::Fence::Ours: send_assignment(s, serial); return;
    case coord::Fence::NotOurs:
        count(TC_RUNNER_STAT_FENCE_REJECTS);
        count(TC_RUNNER_STAT_LEASES_LOST);
        drop_shard(s, "lease lost: the fencing check refused the shard update");
        return;
    case coord::Fence::Unknown:
        s.assigning = false;
        retry_assign(s, "the lease cannot be confirmed (redis unreachable or the lease about to expire)");
        return;
    }
}

void Runner::send_assignment(Shard &s, uint64_t serial) {
    helix::ShardAssignment a;
    a.shard_id = s.spec.id;
    if (s.spec.transport == TC_TRANSPORT_WEBHOOK) {
        a.transport.type = TC_TRANSPORT_WEBHOOK;
        a.transport.method = "webhook";
        a.transport.callback = s.snap.callback;
        a.transport.secret = s.secret;
    } else {
        a.transport.type = TC_TRANSPORT_WEBSOCKET;
        a.transport.method = "websocket";
        a.transport.session_id = s.session_id;
    }
    auto items = std::make_shared<std::vector<helix::ShardAssignment>>();
    items->push_back(std::move(a));
    Shard *sp = &s;
    submit(helix::update_shards_call(conduit_id(), *items),
           [this, sp, serial, items](net::CallResult &&r) { on_assigned(*sp, serial, std::move(r)); });
    (void)items;
}

void Runner::on_assigned(Shard &s, uint64_t serial, net::CallResult &&r) {
    if (stopping_ || serial != s.assign_serial) return;
    s.assigning = false;
    std::vector<helix::ShardOutcome> outcomes;
    std::string why = r.message;
    helix::ShardAssignment probe;
    probe.shard_id = s.spec.id;
    bool ok = r.status == TC_OK &&
              helix::parse_shard_update(r.http.body, std::vector<helix::ShardAssignment>{probe}, &outcomes, &why) &&
              !outcomes.empty() && outcomes[0].ok;
    if (r.status == TC_OK && !outcomes.empty() && !outcomes[0].ok) why = outcomes[0].message;
    if (!ok) {
        retry_assign(s, "shard update failed: " + why);
        return;
    }
    count(TC_RUNNER_STAT_ASSIGNS);
    s.assign_failures = 0;
    s.failures = 0;
    s.snap.status = outcomes[0].shard.status;
    if (s.spec.transport == TC_TRANSPORT_WEBSOCKET) {
        s.assigned_session = s.session_id;
        s.snap.assign_latency_ms =
            static_cast<double>(std::chrono::duration_cast<std::chrono::microseconds>(util::now() - s.welcome_at).count()) /
            1000.0;
        retire_old_socket(s);
        mark_enabled(s);
        return;
    }
    // A webhook shard is enabled once Twitch says so: its challenge came
    // through our listener (maybe before this answer), or a listing shows it.
    if (s.snap.status == "enabled" || s.challenge_passed) {
        mark_enabled(s);
        return;
    }
    publish(s);  // still assigning: verification pending
}

// An update that failed (or could not be sent): retry it after a backoff on
// the same socket (or route); after kMaxAssignAttempts, a new socket.
void Runner::retry_assign(Shard &s, const std::string &why) {
    count(TC_RUNNER_STAT_ASSIGN_FAILURES);
    s.snap.error = why;
    manager_.logger().log(TC_LOG_WARN, "runner: shard %s: %s", s.spec.id.c_str(), s.snap.error.c_str());
    ++s.assign_failures;
    const bool ws = s.spec.transport == TC_TRANSPORT_WEBSOCKET;
    if (ws && (!s.socket || s.assign_failures >= kMaxAssignAttempts)) {
        if (s.socket) s.socket->close(1000, "");
        s.socket.reset();
        lose(s, "websocket_disconnected", s.snap.error, true);
        return;
    }
    net::IoLoop &loop = manager_.engine().loop();
    const int64_t wait =
        jitter_.uniform_ms(backoff_delay_ms(s.assign_failures, config_.backoff_base_ms, config_.backoff_cap_ms, 1.0));
    Shard *sp = &s;
    s.assigning = true;
    ++s.assign_serial;
    if (s.retry_timer != 0) loop.cancel_timer(s.retry_timer);
    s.retry_timer = loop.add_timer(wait, [this, sp] {
        sp->retry_timer = 0;
        if (!stopping_ && !torn_down_ && sp->owned) assign(*sp);
    });
    publish(s);
}

void Runner::mark_enabled(Shard &s) {
    if (s.spec.transport == TC_TRANSPORT_WEBHOOK) s.snap.status = "enabled";
    s.snap.state = TC_RUNNER_SHARD_ENABLED;
    s.ever_enabled = true;
    publish(s);
    check_ready();
}

// Twitch no longer routes to the old socket: close it gracefully, so what it
// already carries (unread frames) is still delivered before the server's
// Close echo; a server that never echoes is cut off after a while.
void Runner::retire_old_socket(Shard &s) {
    if (!s.retiring || s.retiring_timer != 0) return;
    s.retiring->close_gracefully(1000);
    Shard *sp = &s;
    const uint64_t serial = s.retiring_serial;
    s.retiring_timer = manager_.engine().loop().add_timer(kRetireGraceMs, [sp, serial] {
        sp->retiring_timer = 0;
        if (sp->retiring && sp->retiring_serial == serial) sp->retiring.reset();
    });
}

void Runner::drop_retiring(Shard &s, int code) {
    if (s.retiring) s.retiring->close(code, "");
    s.retiring.reset();
    if (s.retiring_timer != 0) manager_.engine().loop().cancel_timer(s.retiring_timer);
    s.retiring_timer = 0;
}

void Runner::on_challenge_passed(const std::string &shard_id) {
    Shard *s = find(shard_id);
    if (s == nullptr || stopping_ || torn_down_ || s->spec.transport != TC_TRANSPORT_WEBHOOK) return;
    s->challenge_passed = true;
    if (!s->assigning && s->snap.state == TC_RUNNER_SHARD_ASSIGNING) mark_enabled(*s);
}

void Runner::deliver_event(Shard &s, events::Message &&m) {
    ++s.snap.events;
    s.snap.last_event_ms = util::unix_millis_now();
    const bool fresh = dedupe_.insert(m.message_id, util::unix_millis_now());
    if (!fresh) {
        ++s.snap.duplicates;
        count(TC_RUNNER_STAT_DUPLICATES);
    }
    {
        std::lock_guard<std::mutex> lock(mu_);
        if (s.index < snapshots_.size()) {
            snapshots_[s.index].events = s.snap.events;
            snapshots_[s.index].duplicates = s.snap.duplicates;
            snapshots_[s.index].last_event_ms = s.snap.last_event_ms;
        }
    }
    if (!fresh) return;
    if (!m.shard_status.empty() && m.conduit_id == conduit_id()) {
        handle_shard_disabled(m.shard_id, m.shard_status, disabled_session(m.event_json));
    }
    count(TC_RUNNER_STAT_EVENTS);
    manager_.observe_event(m);  // the synced view (revocations, conduit.shard.disabled)
    auto msg = std::make_shared<events::Message>(std::move(m));
    if (config_.pull_events) return queue_event(s.spec.id, std::move(*msg));
    auto cb = config_.on_ws_event;
    std::string shard_id = s.spec.id;
    queue_delivery([cb, msg, shard_id](tc_status status) {
        if (cb) cb(status, shard_id, std::move(*msg));
    });
}

void Runner::handle_shard_disabled(const std::string &shard_id, const std::string &status, const std::string &session) {
    Shard *s = find(shard_id);
    if (s == nullptr || !s->owned || stopping_ || torn_down_) return;  // not ours
    if (s->spec.transport == TC_TRANSPORT_WEBHOOK) {
        if (s->assigning) return;
        count(TC_RUNNER_STAT_REPAIRS);
        s->snap.status = status;
        s->snap.error = "Twitch disabled the shard: " + status;
        assign(*s);
        return;
    }
    if (!session.empty() && session != s->session_id) return;  // about a session we already replaced
    if (!s->socket || s->snap.state != TC_RUNNER_SHARD_ENABLED) return;
    count(TC_RUNNER_STAT_REPAIRS);
    s->socket->close(1000, "");
    s->socket.reset();
    lose(*s, status, "Twitch disabled the shard: " + status, false);
}

void Runner::on_listener_event(tc_status status, const char *route_key, const tc_event *msg) {
    std::string key = route_key != nullptr ? route_key : "";
    const std::string shard_id = key.rfind("shard-", 0) == 0 ? key.substr(6) : key;
    const events::Message &m = msg->m;
    const std::string &id = m.message_id;
    const bool fresh = status != TC_OK || dedupe_.insert(id, util::unix_millis_now());
    {
        std::lock_guard<std::mutex> lock(mu_);
        for (auto &snap : snapshots_) {
            if (snap.id != shard_id) continue;
            ++snap.events;
            if (!fresh) ++snap.duplicates;
            snap.last_event_ms = util::unix_millis_now();
        }
    }
    if (!fresh) {
        count(TC_RUNNER_STAT_DUPLICATES);
        return;
    }
    if (m.kind == TC_EVENT_VERIFICATION) {
        // Answered by the listener: the shard's assignment is verified.
        if (status != TC_OK) return;
        std::lock_guard<std::mutex> lock(link_->mu);
        if (link_->manager_alive) {
            auto self = shared_from_this();
            manager_.engine().loop().post([self, shard_id] { self->on_challenge_passed(shard_id); });
        }
        return;
    }
    count(TC_RUNNER_STAT_EVENTS);
    const std::string &shard_status = m.shard_status;
    if (status == TC_OK && !shard_status.empty() && conduit_id() == m.conduit_id) {
        std::string disabled = m.shard_id;
        std::string session = disabled_session(m.event_json);
        std::lock_guard<std::mutex> lock(link_->mu);
        if (link_->manager_alive) {
            auto self = shared_from_this();
            manager_.engine().loop().post([self, disabled, shard_status, session] {
                self->handle_shard_disabled(disabled, shard_status, session);
            });
        }
    }
    if (config_.pull_events) return queue_event(shard_id, msg->m);
    if (config_.on_webhook_event) config_.on_webhook_event(status, shard_id, msg);
}

void Runner::schedule_list() {
    if (config_.list_interval_ms <= 0 || stopping_ || torn_down_) return;
    list_timer_ = manager_.engine().loop().add_timer(config_.list_interval_ms, [this] {
        list_timer_ = 0;
        list_shards("");
    });
}

void Runner::list_shards(const std::string &after) {
    if (stopping_ || torn_down_) return;
    submit(helix::list_shards_call(conduit_id(), "", after), [this](net::CallResult &&r) {
        std::vector<helix::Shard> page;
        std::string cursor, why;
        if (r.status != TC_OK || !helix::parse_shard_page(r.http.body, &page, &cursor, &why)) {
            schedule_list();
            return;
        }
        for (const auto &listed : page) {
            Shard *s = find(listed.id);
            if (s == nullptr || !s->owned) continue;  // not ours: never touched
            ShardView view;
            view.transport = listed.transport.type;
            view.status = listed.status;
            view.session_id = listed.transport.session_id.value_or("");
            view.callback = listed.transport.callback.value_or("");
            OwnedShard ours;
            ours.transport = s->spec.transport;
            // A webhook shard waiting for its challenge is settled too: the
            // listing decides between enabled, still pending and failed.
            ours.settled = !s->assigning && !s->next &&
                           (s->snap.state == TC_RUNNER_SHARD_ENABLED ||
                            (s->spec.transport == TC_TRANSPORT_WEBHOOK && s->snap.state == TC_RUNNER_SHARD_ASSIGNING));
            ours.session_id = s->assigned_session;
            ours.callback = s->snap.callback;
            const Repair repair = needs_repair(view, ours);
            if (repair == Repair::None) {
                if (ours.settled && s->snap.state == TC_RUNNER_SHARD_ASSIGNING && listed.status == "enabled") {
                    mark_enabled(*s);
                } else if (ours.settled && s->snap.status != listed.status) {
                    s->snap.status = listed.status;
                    publish(*s);
                }
                continue;
            }
            count(TC_RUNNER_STAT_REPAIRS);
            s->snap.error = "Twitch lists the shard as " + listed.status;
            if (repair == Repair::Reassign) {
                s->snap.status = listed.status;
                assign(*s);
            } else {
                if (s->socket) s->socket->close(1000, "");
                s->socket.reset();
                lose(*s, listed.status, s->snap.error, false);
            }
        }
        if (!cursor.empty()) {
            list_shards(cursor);
            return;
        }
        count(TC_RUNNER_STAT_SHARD_LISTS);
        schedule_list();
    });
}

Runner::Shard *Runner::find(const std::string &id) {
    for (auto &s : shards_) {
        if (s->spec.id == id) return s.get();
    }
    return nullptr;
}

void Runner::publish(Shard &s) {
    {
        std::lock_guard<std::mutex> lock(mu_);
        if (s.index < snapshots_.size()) snapshots_[s.index] = s.snap;
    }
    // The callback is for changes a user acts on: state, Twitch's status,
    // session or callback. A retry's new error text alone is only in the
    // snapshot (tc_runner_shard_get).
    const ShardSnapshot &last = s.published;
    if (s.published_once && last.state == s.snap.state && last.status == s.snap.status &&
        last.session_id == s.snap.session_id && last.callback == s.snap.callback) {
        return;
    }
    s.published = s.snap;
    s.published_once = true;
    if (!config_.on_shard) return;
    auto cb = config_.on_shard;
    auto snap = std::make_shared<ShardSnapshot>(s.snap);
    queue_delivery([cb, snap](tc_status status) {
        if (status == TC_OK) cb(*snap);
    });
}

void Runner::check_ready() {
    if (ready_sent_) return;
    if (!config_.group.name.empty() && !group_round_done_) return;
    for (auto &s : shards_) {
        if (s->owned && !s->ever_enabled) return;
    }
    ready_sent_ = true;
    auto cb = config_.on_ready;
    if (cb) queue_delivery([cb](tc_status status) { cb(status); });
}

void Runner::finish_stop() {
    runtime::Completion done;
    done.status = stop_status_;
    auto cb = config_.on_done;
    const tc_status st = stop_status_;
    done.message = st == TC_OK ? "" : (st == TC_ENOTFOUND ? "conduit not found" : "the runner stopped");
    done.deliver = [cb, st] {
        if (cb) cb(st);
    };
    manager_.queue().complete(op_, std::move(done));
    teardown();
}

void Runner::teardown() {
    if (torn_down_) return;
    // Every caller holds its own reference: this is released at the end.
    std::shared_ptr<Runner> keep = std::move(self_);
    torn_down_ = true;
    stopping_ = true;
    net::IoLoop &loop = manager_.engine().loop();
    if (list_timer_ != 0) loop.cancel_timer(list_timer_);
    if (stop_timer_ != 0) loop.cancel_timer(stop_timer_);
    list_timer_ = stop_timer_ = 0;
    for (auto &s : shards_) {
        if (s->socket) s->socket->close(1000, "");
        if (s->next) s->next->close(1000, "");
        if (s->retiring) s->retiring->close(1000, "");
        s->socket.reset();
        s->next.reset();
        s->retiring.reset();
        if (s->watchdog != 0) loop.cancel_timer(s->watchdog);
        if (s->retry_timer != 0) loop.cancel_timer(s->retry_timer);
        if (s->retiring_timer != 0) loop.cancel_timer(s->retiring_timer);
        s->watchdog = s->retry_timer = s->retiring_timer = 0;
    }
    if (coordinator_) coordinator_->stop();  // releases what it holds; joined when the runner goes
    std::vector<uint64_t> jobs;
    jobs.swap(jobs_);
    for (uint64_t id : jobs) manager_.engine().cancel(id);
    listener_.reset();
    // Listener deliveries still queued reach the trampoline with this
    // Shared; free it only after them (the queue delivers in order).
    auto shared = std::make_shared<std::shared_ptr<Shared>>(std::move(shared_));
    runtime::CompletionQueue &q = manager_.queue();
    tc_op_id id = q.begin(nullptr, [shared] { shared->reset(); });
    if (id != 0) {
        runtime::Completion done;
        done.deliver = [shared] { shared->reset(); };
        q.complete(id, std::move(done));
    }
}

namespace {
void listener_trampoline(tc_status status, const char *route_key, const tc_event *msg, void *userdata) {
    auto *shared = static_cast<Runner::Shared *>(userdata);
    if (auto r = shared->runner.lock()) r->on_listener_event(status, route_key, msg);
}
}  // namespace

}  // namespace tc::run
