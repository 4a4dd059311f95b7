#include "events/listener.hpp"

#include "events/event.hpp"

#include <twitchconduits/completion.h>

#include <microhttpd.h>
#include <openssl/crypto.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include <strings.h>

#include <algorithm>
#include <cstdlib>
#include <cstring>
#include <new>
#include <vector>

namespace tc::events {

// A place in the listener's bounded queue, held from the moment a message
// is accepted until its callback has run (or it is dropped).
class QueueSlot {
public:
    QueueSlot() = default;
    explicit QueueSlot(std::shared_ptr<QueueBudget> budget, bool event) : budget_(std::move(budget)), event_(event) {
        counter().fetch_add(1, std::memory_order_relaxed);
    }
    QueueSlot(QueueSlot &&other) noexcept : budget_(std::move(other.budget_)), event_(other.event_) {}
    QueueSlot &operator=(QueueSlot &&other) noexcept {
        release();
        budget_ = std::move(other.budget_);
        event_ = other.event_;
        return *this;
    }
    ~QueueSlot() { release(); }
    void release() {
        if (budget_) counter().fetch_sub(1, std::memory_order_relaxed);
        budget_.reset();
    }

private:
    std::atomic<size_t> &counter() { return event_ ? budget_->events : budget_->rejects; }
    std::shared_ptr<QueueBudget> budget_;
    bool event_ = true;
};

namespace {

using MessagePtr = EventPtr;

// One message on its way to a user callback; runs exactly once.
struct Delivery {
    tc_listener_cb cb;
    void *userdata;
    std::string route_key;
    MessagePtr msg;
    QueueSlot slot;
    void run(tc_status status) {
        cb(status, route_key.c_str(), msg.get(), userdata);
        msg.reset();
        slot.release();  // only now does the message stop counting
    }
};

ConnectionGuard::Handle *guard_handle(MHD_Connection *conn) {
    const MHD_ConnectionInfo *info = MHD_get_connection_info(conn, MHD_CONNECTION_INFO_SOCKET_CONTEXT);
    return info != nullptr ? static_cast<ConnectionGuard::Handle *>(info->socket_context) : nullptr;
}

MHD_Result respond(MHD_Connection *conn, unsigned int http_status, const char *content_type, const char *body,
                   size_t len) {
    MHD_Response *resp = MHD_create_response_from_buffer(len, const_cast<char *>(body), MHD_RESPMEM_MUST_COPY);
    if (resp == nullptr) return MHD_NO;
    if (content_type != nullptr && content_type[0] != '\0') {
        MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_TYPE, content_type);
    }
    if (http_status == MHD_HTTP_METHOD_NOT_ALLOWED) MHD_add_response_header(resp, MHD_HTTP_HEADER_ALLOW, "POST");
    MHD_Result ret = MHD_queue_response(conn, http_status, resp);
    MHD_destroy_response(resp);
    return ret;
}

MHD_Result respond_text(MHD_Connection *conn, unsigned int http_status, const char *text) {
    return respond(conn, http_status, "text/plain", text, std::strlen(text));
}

MHD_Result collect_header(void *cls, MHD_ValueKind, const char *key, const char *value) {
    auto *headers = static_cast<std::vector<tc_header> *>(cls);
    headers->push_back(tc_header{key, value != nullptr ? value : ""});
    return MHD_YES;
}

MHD_Result on_request_c(void *cls, MHD_Connection *conn, const char *url, const char *method, const char *,
                        const char *upload_data, size_t *upload_data_size, void **con_cls) noexcept {
    try {
        return static_cast<Listener *>(cls)->on_request(conn, url, method, upload_data, upload_data_size,
                                                        con_cls) != 0
                   ? MHD_YES
                   : MHD_NO;
    } catch (...) {
        return MHD_NO;  // never unwind into C; MHD closes the connection
    }
}

void on_completed_c(void *cls, MHD_Connection *conn, void **con_cls, MHD_RequestTerminationCode toe) noexcept {
    try {
        static_cast<Listener *>(cls)->on_completed(conn, *con_cls, toe == MHD_REQUEST_TERMINATED_COMPLETED_OK);
    } catch (...) {
    }
    *con_cls = nullptr;
}

void on_connection_c(void *cls, MHD_Connection *conn, void **socket_context,
                     MHD_ConnectionNotificationCode code) noexcept {
    try {
        static_cast<Listener *>(cls)->on_connection(conn, socket_context, code == MHD_CONNECTION_NOTIFY_STARTED);
    } catch (...) {
    }
}

bool header_is(const tc_header &h, const char *name) { return strcasecmp(h.name, name) == 0; }

// The C API checks secrets for NULL; other callers get the same answer.
bool secret_given(const char *secret, std::string *error) {
    if (secret != nullptr) return true;
    *error = "invalid argument: secret";
    return false;
}

}  // namespace

struct Listener::Route {
    Route(std::string k, const WebhookConfig &config) : key(std::move(k)), verifier(config) {}
    std::string key;
    Verifier verifier;
};

struct Listener::Request {
    std::shared_ptr<Route> route;
    std::string body;
    bool too_large = false;
    bool answered = false;
    MessagePtr msg;  // handled; dispatched once the answer is written
    QueueSlot slot;  // msg's place in the queue
};

const char *ambiguous_framing(const tc_header *headers, size_t count) {
    const char *length = nullptr;
    size_t encodings = 0;
    bool chunked = false;
    for (size_t i = 0; i < count; i++) {
        const tc_header &h = headers[i];
        if (header_is(h, MHD_HTTP_HEADER_CONTENT_LENGTH)) {
            if (length != nullptr && std::strcmp(length, h.value) != 0) return "two different Content-Length headers";
            length = h.value;
        } else if (header_is(h, MHD_HTTP_HEADER_TRANSFER_ENCODING)) {
            encodings++;
            chunked = strcasecmp(h.value, "chunked") == 0;
        }
    }
    if (encodings > 0 && length != nullptr) return "Content-Length together with Transfer-Encoding";
    if (encodings > 1 || (encodings == 1 && !chunked)) return "a Transfer-Encoding other than one \"chunked\"";
    return nullptr;
}

Listener::Listener(ListenerConfig config, const WebhookConfig &webhook)
    : config_(std::move(config)), webhook_(webhook), link_(std::make_shared<QueueLink>()),
      budget_(std::make_shared<QueueBudget>()) {}

std::unique_ptr<Listener> Listener::create(runtime::CompletionQueue &queue, ListenerConfig config, tc_status *status,
                                           std::string *error) {
    // Reject bad verifier options now rather than at the first add_route.
    WebhookConfig webhook;
    std::string why;
    if (!webhook_config_from_options(config.webhook, &webhook, &why)) {
        *status = TC_EINVAL;
        *error = "webhook options: " + why;
        return nullptr;
    }
    webhook.max_body_bytes = config.max_body_bytes;
    std::unique_ptr<Listener> l(new Listener(std::move(config), webhook));
    {
        std::shared_ptr<QueueLink> link = l->link_;
        std::lock_guard<std::mutex> lock(link->mu);
        // The manager's shutdown closes its queue first: detach then.
        link->close_hook = queue.add_close_hook([link] {
            std::lock_guard<std::mutex> inner(link->mu);
            link->queue = nullptr;
        });
        if (link->close_hook == 0) {
            *status = TC_ECLOSED;
            *error = "the manager is being freed";
            return nullptr;
        }
        link->queue = &queue;
    }
    if (!l->start(error)) {
        *status = TC_ENETWORK;
        return nullptr;  // the destructor removes the close hook
    }
    *status = TC_OK;
    return l;
}

bool Listener::start(std::string *error) {
    sockaddr_storage addr{};
    unsigned int flags = MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_AUTO;
    bool v6 = false;
    auto *sin = reinterpret_cast<sockaddr_in *>(&addr);
    auto *sin6 = reinterpret_cast<sockaddr_in6 *>(&addr);
    if (inet_pton(AF_INET, config_.bind_address.c_str(), &sin->sin_addr) == 1) {
        sin->sin_family = AF_INET;
        sin->sin_port = htons(static_cast<uint16_t>(config_.port));
    } else if (inet_pton(AF_INET6, config_.bind_address.c_str(), &sin6->sin6_addr) == 1) {
        sin6->sin6_family = AF_INET6;
        sin6->sin6_port = htons(static_cast<uint16_t>(config_.port));
        flags |= MHD_USE_IPv6;
        v6 = true;
    } else {
        *error = "bind_address is not a numeric IP address";
        return false;
    }
    const bool tls = !config_.tls_cert_pem.empty();
    if (tls && MHD_is_feature_supported(MHD_FEATURE_TLS) != MHD_YES) {
        *error = "this libmicrohttpd has no TLS support";
        return false;
    }
    if (tls) flags |= MHD_USE_TLS;
    // libmicrohttpd keeps pointers to the PEM texts: they live in config_.
    MHD_OptionItem tls_options[] = {
        {MHD_OPTION_HTTPS_MEM_CERT, 0, const_cast<char *>(config_.tls_cert_pem.c_str())},
        {MHD_OPTION_HTTPS_MEM_KEY, 0, const_cast<char *>(config_.tls_key_pem.c_str())},
        {MHD_OPTION_END, 0, nullptr},
    };
    GuardLimits limits;
    limits.head_ms = static_cast<int64_t>(config_.head_timeout_s) * 1000;
    limits.request_ms = static_cast<int64_t>(config_.request_timeout_s) * 1000;
    limits.max_connections = config_.max_connections;
    guard_ = std::make_unique<ConnectionGuard>(limits);
    // The guard displaces a slow head beyond max_connections; libmicrohttpd's
    // own (hard) limit leaves room for the new connections meanwhile.
    const unsigned int headroom = std::max(8u, config_.max_connections / 16);
    daemon_ = MHD_start_daemon(flags, 0, nullptr, nullptr, &on_request_c, this,
                               MHD_OPTION_SOCK_ADDR, reinterpret_cast<sockaddr *>(&addr),
                               MHD_OPTION_NOTIFY_COMPLETED, &on_completed_c, this,
                               MHD_OPTION_NOTIFY_CONNECTION, &on_connection_c, this,
                               MHD_OPTION_CONNECTION_TIMEOUT, config_.timeout_s,
                               MHD_OPTION_CONNECTION_LIMIT, config_.max_connections + headroom,
                               MHD_OPTION_PER_IP_CONNECTION_LIMIT, config_.max_connections_per_ip,
                               MHD_OPTION_CONNECTION_MEMORY_LIMIT, static_cast<size_t>(64 * 1024),
                               MHD_OPTION_ARRAY, tls ? tls_options : tls_options + 2,
                               MHD_OPTION_END);
    if (daemon_ == nullptr) {
        *error = "cannot listen on " + config_.bind_address + " port " + std::to_string(config_.port) +
                 (tls ? " (or the TLS certificate and key are not a valid PEM pair)" : "");
        return false;
    }
    const MHD_DaemonInfo *info = MHD_get_daemon_info(daemon_, MHD_DAEMON_INFO_BIND_PORT);
    port_ = info != nullptr ? info->port : config_.port;
    std::string host = v6 ? "[" + config_.bind_address + "]" : config_.bind_address;
    base_url_ = (tls ? "https://" : "http://") + host + ":" + std::to_string(port_) + config_.prefix;
    return true;
}

Listener::~Listener() {
    // Joins the daemon's thread; connections still open are reported to
    // on_completed (not completed OK, so nothing more is acknowledged).
    if (daemon_ != nullptr) MHD_stop_daemon(daemon_);
    OPENSSL_cleanse(config_.tls_key_pem.data(), config_.tls_key_pem.size());
    std::lock_guard<std::mutex> lock(link_->mu);
    if (link_->queue != nullptr) {
        link_->queue->remove_close_hook(link_->close_hook);
        link_->queue = nullptr;
    }
}

bool Listener::valid_route_key(const std::string &key) {
    if (key.empty() || key.size() > 64) return false;
    for (char ch : key) {
        bool ok = (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9') || ch == '-' ||
                  ch == '_';
        if (!ok) return false;
    }
    return true;
}

std::shared_ptr<Listener::Route> Listener::find_route(const std::string &key) {
    std::lock_guard<std::mutex> lock(routes_mu_);
    auto it = routes_.find(key);
    return it == routes_.end() ? nullptr : it->second;
}

tc_status Listener::add_route(const std::string &key, const char *secret, std::string *error) {
    if (!secret_given(secret, error)) return TC_EINVAL;
    auto route = std::make_shared<Route>(key, webhook_);
    const tc_status st = route->verifier.add_secret(secret, error);
    if (st != TC_OK) return st;
    std::lock_guard<std::mutex> lock(routes_mu_);
    if (key == metrics_key_) {
        *error = "route " + key + " serves metrics";
        return TC_ECONFLICT;
    }
    if (!routes_.emplace(key, std::move(route)).second) {
        *error = "route " + key + " already exists";
        return TC_ECONFLICT;
    }
    return TC_OK;
}

tc_status Listener::set_metrics_route(const std::string &key, std::function<std::string()> render,
                                      std::string *error) {
    std::lock_guard<std::mutex> lock(routes_mu_);
    if (!key.empty() && routes_.count(key) != 0) {
        *error = "route " + key + " is a webhook route";
        return TC_ECONFLICT;
    }
    metrics_key_ = key;
    metrics_render_ = key.empty() ? nullptr : std::move(render);
    return TC_OK;
}

// A GET of the metrics route: answers it (true, *answer set) or leaves the
// request to the webhook path (false).
bool Listener::serve_metrics(MHD_Connection *conn, const std::string &path, int *answer) {
    std::function<std::string()> render;
    {
        std::lock_guard<std::mutex> lock(routes_mu_);
        if (metrics_key_.empty() || path.size() != config_.prefix.size() + metrics_key_.size() ||
            path.compare(0, config_.prefix.size(), config_.prefix) != 0 ||
            path.compare(config_.prefix.size(), std::string::npos, metrics_key_) != 0)
            return false;
        render = metrics_render_;
    }
    count(TC_LISTENER_STAT_REQUESTS);
    const std::string text = render();  // outside the lock: it reads this listener's counters too
    *answer = respond(conn, MHD_HTTP_OK, "application/openmetrics-text; version=1.0.0; charset=utf-8", text.data(),
                      text.size());
    return true;
}

tc_status Listener::remove_route(const std::string &key, std::string *error) {
    std::shared_ptr<Route> gone;  // freed outside the lock (or by the last request using it)
    std::lock_guard<std::mutex> lock(routes_mu_);
    auto it = routes_.find(key);
    if (it == routes_.end()) {
        *error = "no route " + key;
        return TC_ENOTFOUND;
    }
    gone = std::move(it->second);
    routes_.erase(it);
    removed_routes_evictions_ += gone->verifier.dedupe_evictions();
    return TC_OK;
}

tc_status Listener::add_secret(const std::string &key, const char *secret, std::string *error) {
    auto route = find_route(key);
    if (!route) {
        *error = "no route " + key;
        return TC_ENOTFOUND;
    }
    if (!secret_given(secret, error)) return TC_EINVAL;
    return route->verifier.add_secret(secret, error);
}

tc_status Listener::remove_secret(const std::string &key, const char *secret, std::string *error) {
    auto route = find_route(key);
    if (!route) {
        *error = "no route " + key;
        return TC_ENOTFOUND;
    }
    if (!secret_given(secret, error)) return TC_EINVAL;
    return route->verifier.remove_secret(secret, error);
}

uint64_t Listener::dedupe_evictions() const {
    std::lock_guard<std::mutex> lock(routes_mu_);
    uint64_t total = removed_routes_evictions_;
    for (const auto &entry : routes_) total += entry.second->verifier.dedupe_evictions();
    return total;
}

uint64_t Listener::stat(int which) const {
    switch (which) {
    case TC_LISTENER_STAT_TIMED_OUT:
        return guard_->timed_out();
    case TC_LISTENER_STAT_DISPLACED:
        return guard_->displaced();
    case TC_LISTENER_STAT_DEDUPE_EVICTIONS:
        return dedupe_evictions();
    case TC_LISTENER_STAT_QUEUED:
        return budget_->events.load(std::memory_order_relaxed) + budget_->rejects.load(std::memory_order_relaxed);
    default:
        break;
    }
    if (which < 0 || which >= kStatCount) return 0;
    return stats_[static_cast<size_t>(which)].load(std::memory_order_relaxed);
}

bool Listener::attached() {
    std::lock_guard<std::mutex> lock(link_->mu);
    return link_->queue != nullptr;
}

bool Listener::dispatch(tc_listener_cb cb, void *userdata, const std::string &route_key, tc_event *msg,
                        QueueSlot slot, bool event) {
    auto d = std::make_shared<Delivery>(Delivery{cb, userdata, route_key, MessagePtr(msg), std::move(slot)});
    std::lock_guard<std::mutex> lock(link_->mu);
    if (link_->queue == nullptr) return false;
    // Each message is an operation of its own, finished at once: the queue
    // delivers it on the user's thread (or the dispatch thread) exactly
    // once, or holds it for tc_conduits_next() (the pull form: the message
    // counts against the queue bound until the taker frees it).
    runtime::Completion done;
    if (cb == nullptr) {
        done = runtime::pull_form(event ? TC_COMPLETION_EVENT : TC_COMPLETION_REJECT, userdata);
        done.result = std::shared_ptr<tc_event>(d, d->msg.get());
        done.source = route_key;
    } else {
        done.deliver = [d] { d->run(TC_OK); };
    }
    runtime::Completion canceled = done;
    if (cb != nullptr) canceled.deliver = [d] { d->run(TC_ECANCELED); };
    tc_op_id id = link_->queue->begin(nullptr, std::move(canceled));
    if (id == 0) return false;
    if (event && config_.observe) config_.observe(d->msg.get());
    done.status = TC_OK;
    done.http_status = d->msg->m.http_status;
    // Counted before the handover, so a callback never sees a count without it.
    if (event) count(TC_LISTENER_STAT_DISPATCHED);
    link_->queue->complete(id, std::move(done));
    return true;
}

int Listener::on_request(MHD_Connection *conn, const char *url, const char *method, const char *upload_data,
                         size_t *upload_data_size, void **con_cls) {
    auto *rq = static_cast<Request *>(*con_cls);
    if (rq == nullptr) {
        // First call: headers only. Decide what needs no body before it is read.
        rq = new Request;
        *con_cls = rq;
        if (ConnectionGuard::Handle *h = guard_handle(conn)) guard_->head_complete(*h);
        std::string path = url != nullptr ? url : "";
        int metrics_answer = MHD_NO;
        if (std::strcmp(method, MHD_HTTP_METHOD_GET) == 0 && serve_metrics(conn, path, &metrics_answer)) {
            rq->answered = true;
            return metrics_answer;
        }
        if (std::strcmp(method, MHD_HTTP_METHOD_POST) != 0) {
            rq->answered = true;
            count(TC_LISTENER_STAT_REQUESTS);
            count(TC_LISTENER_STAT_NOT_FOUND);
            return respond_text(conn, MHD_HTTP_METHOD_NOT_ALLOWED, "method not allowed");
        }
        if (path.compare(0, config_.prefix.size(), config_.prefix) == 0) {
            std::string key = path.substr(config_.prefix.size());
            if (valid_route_key(key)) rq->route = find_route(key);
        }
        if (!rq->route) {
            rq->answered = true;
            count(TC_LISTENER_STAT_REQUESTS);
            count(TC_LISTENER_STAT_NOT_FOUND);
            return respond_text(conn, MHD_HTTP_NOT_FOUND, "not found");
        }
        std::vector<tc_header> headers;
        MHD_get_connection_values(conn, MHD_HEADER_KIND, &collect_header, &headers);
        if (ambiguous_framing(headers.data(), headers.size()) != nullptr) {
            rq->answered = true;  // the body is never read; the connection closes after the answer
            count(TC_LISTENER_STAT_REQUESTS);
            count(TC_LISTENER_STAT_AMBIGUOUS);
            return respond_text(conn, MHD_HTTP_BAD_REQUEST, "ambiguous request framing");
        }
        const char *cl = MHD_lookup_connection_value(conn, MHD_HEADER_KIND, MHD_HTTP_HEADER_CONTENT_LENGTH);
        if (cl != nullptr && std::strtoull(cl, nullptr, 10) > config_.max_body_bytes) {
            rq->answered = true;  // MHD then skips "100 Continue" and closes after the answer
            count(TC_LISTENER_STAT_REQUESTS);
            count(TC_LISTENER_STAT_TOO_LARGE);
            return respond_text(conn, 413u /* Content Too Large */, "payload too large");
        }
        return 1;
    }
    if (*upload_data_size != 0) {
        // A body without a declared size: keep reading, stop storing.
        if (!rq->answered && !rq->too_large && rq->body.size() + *upload_data_size <= config_.max_body_bytes) {
            rq->body.append(upload_data, *upload_data_size);
        } else {
            rq->too_large = true;
        }
        *upload_data_size = 0;
        return 1;
    }
    if (rq->answered) return 1;
    rq->answered = true;
    return finish_request(conn, *rq);
}

int Listener::finish_request(MHD_Connection *conn, Request &rq) {
    count(TC_LISTENER_STAT_REQUESTS);
    if (rq.too_large) {
        count(TC_LISTENER_STAT_TOO_LARGE);
        return respond_text(conn, 413u /* Content Too Large */, "payload too large");
    }
    if (!attached()) {
        // Nothing could be dispatched: do not acknowledge, Twitch will retry.
        count(TC_LISTENER_STAT_UNAVAILABLE);
        return respond_text(conn, MHD_HTTP_SERVICE_UNAVAILABLE, "service unavailable");
    }
    std::vector<tc_header> headers;
    MHD_get_connection_values(conn, MHD_HEADER_KIND, &collect_header, &headers);
    MessagePtr msg;
    try {
        msg.reset(new tc_event);
        rq.route->verifier.handle(headers.data(), headers.size(), rq.body, &msg->m);
    } catch (const std::bad_alloc &) {
        count(TC_LISTENER_STAT_REJECTED);  // unverified, so not acknowledged: Twitch will retry
        return respond_text(conn, MHD_HTTP_INTERNAL_SERVER_ERROR, "internal error");
    }
    const Message &m = msg->m;
    if (queue_full_for(m)) {
        // The consumer is behind: acknowledge nothing more rather than hold
        // messages without limit. The id is forgotten, so Twitch's
        // redelivery is taken once there is room.
        rq.route->verifier.forget(m.message_id);
        count(TC_LISTENER_STAT_QUEUE_FULL);
        return respond_text(conn, MHD_HTTP_SERVICE_UNAVAILABLE, "service unavailable");
    }
    MHD_Result ret = respond(conn, static_cast<unsigned int>(m.http_status), m.content_type,
                             m.response_body.data(), m.response_body.size());
    if (m.kind == TC_EVENT_REJECTED) {
        count(TC_LISTENER_STAT_REJECTED);
        if (config_.reject_cb == nullptr && !config_.pull) return ret;
        if (budget_->rejects.load(std::memory_order_relaxed) >= config_.max_queued_rejects) {
            count(TC_LISTENER_STAT_REJECTS_DROPPED);  // a flood of bad requests costs no memory
            return ret;
        }
        rq.slot = QueueSlot(budget_, false);
        rq.msg = std::move(msg);
    } else if (m.duplicate) {
        count(TC_LISTENER_STAT_DUPLICATES);  // answered again, never dispatched again
    } else {
        rq.slot = QueueSlot(budget_, true);
        rq.msg = std::move(msg);  // dispatched once the answer is written (on_completed)
    }
    return ret;
}

bool Listener::queue_full_for(const Message &m) const {
    // A challenge is answered whatever the queue holds: failing it would
    // fail the subscription or shard, and Twitch sends few of them.
    if (m.kind != TC_EVENT_NOTIFICATION && m.kind != TC_EVENT_REVOCATION) return false;
    if (m.duplicate) return false;  // answered again, never queued
    return budget_->events.load(std::memory_order_relaxed) >= config_.max_queued_events;
}

void Listener::on_connection(MHD_Connection *conn, void **socket_context, bool started) {
    if (started) {
        const MHD_ConnectionInfo *info = MHD_get_connection_info(conn, MHD_CONNECTION_INFO_CONNECTION_FD);
        if (info == nullptr) return;
        *socket_context = new ConnectionGuard::Handle(guard_->opened(info->connect_fd));
        return;
    }
    // libmicrohttpd closes the descriptor only after this returns.
    std::unique_ptr<ConnectionGuard::Handle> h(static_cast<ConnectionGuard::Handle *>(*socket_context));
    *socket_context = nullptr;
    if (h) guard_->closed(*h);
}

void Listener::on_completed(MHD_Connection *conn, void *request, bool completed_ok) {
    if (ConnectionGuard::Handle *h = guard_handle(conn)) guard_->answer_written(*h);
    std::unique_ptr<Request> rq(static_cast<Request *>(request));
    if (!rq || !rq->msg) return;
    tc_event *msg = rq->msg.release();
    if (msg->m.kind == TC_EVENT_REJECTED) {
        dispatch(config_.reject_cb, config_.reject_userdata, rq->route->key, msg, std::move(rq->slot), false);
        return;
    }
    std::string id = msg->m.message_id;
    if (completed_ok && config_.direct) {
        if (config_.observe) config_.observe(msg);
        count(TC_LISTENER_STAT_DISPATCHED);
        config_.event_cb(TC_OK, rq->route->key.c_str(), msg, config_.event_userdata);
        free_event(msg);
        return;
    }
    if (completed_ok &&
        dispatch(config_.event_cb, config_.event_userdata, rq->route->key, msg, std::move(rq->slot), true)) {
        return;
    }
    // The acknowledgement did not get out (or there is no one to deliver to):
    // forget the id so that Twitch's redelivery is dispatched.
    rq->route->verifier.forget(id);
    if (!completed_ok) free_event(msg);
}

}  // namespace tc::events
