#include "events/listener.hpp"

#include <microhttpd.h>
#include <openssl/crypto.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include <cstdlib>
#include <cstring>
#include <vector>

namespace tc::events {

namespace {

struct MessageDeleter {
    void operator()(tc_webhook_message *m) const { tc_webhook_message_free(m); }
};
using MessagePtr = std::unique_ptr<tc_webhook_message, MessageDeleter>;

// One message on its way to a user callback; runs exactly once.
struct Delivery {
    tc_listener_cb cb;
    void *userdata;
    std::string route_key;
    MessagePtr msg;
    void run(tc_status status) const { cb(status, route_key.c_str(), msg.get(), userdata); }
};

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

void on_completed_c(void *cls, MHD_Connection *, void **con_cls, MHD_RequestTerminationCode toe) noexcept {
    try {
        static_cast<Listener *>(cls)->on_completed(*con_cls, toe == MHD_REQUEST_TERMINATED_COMPLETED_OK);
    } catch (...) {
    }
    *con_cls = nullptr;
}

}  // namespace

struct Listener::Route {
    std::string key;
    tc_webhook_verifier *verifier = nullptr;
    ~Route() { tc_webhook_verifier_free(verifier); }
};

struct Listener::Request {
    std::shared_ptr<Route> route;
    std::string body;
    bool too_large = false;
    bool answered = false;
    MessagePtr msg;  // handled; dispatched once the answer is written
};

Listener::Listener(ListenerConfig config) : config_(std::move(config)), link_(std::make_shared<QueueLink>()) {}

std::unique_ptr<Listener> Listener::create(net::CompletionQueue &queue, ListenerConfig config, tc_status *status,
                                           std::string *error) {
    config.webhook.max_body_bytes = config.max_body_bytes;
    // Reject bad verifier options now rather than at the first add_route.
    tc_webhook_verifier *probe = nullptr;
    tc_status st = tc_webhook_verifier_new(&probe, &config.webhook);
    tc_webhook_verifier_free(probe);
    if (st != TC_OK) {
        *status = st;
        *error = std::string("webhook options: ") + tc_last_error_message();
        return nullptr;
    }
    std::unique_ptr<Listener> l(new Listener(std::move(config)));
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
    daemon_ = MHD_start_daemon(flags, 0, nullptr, nullptr, &on_request_c, this,
                               MHD_OPTION_SOCK_ADDR, reinterpret_cast<sockaddr *>(&addr),
                               MHD_OPTION_NOTIFY_COMPLETED, &on_completed_c, this,
                               MHD_OPTION_CONNECTION_TIMEOUT, config_.timeout_s,
                               MHD_OPTION_CONNECTION_LIMIT, config_.max_connections,
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
    auto route = std::make_shared<Route>();
    route->key = key;
    tc_status st = tc_webhook_verifier_new(&route->verifier, &config_.webhook);
    if (st == TC_OK) st = tc_webhook_verifier_add_secret(route->verifier, secret);
    if (st != TC_OK) {
        *error = tc_last_error_message();
        return st;
    }
    std::lock_guard<std::mutex> lock(routes_mu_);
    if (!routes_.emplace(key, std::move(route)).second) {
        *error = "route " + key + " already exists";
        return TC_ECONFLICT;
    }
    return TC_OK;
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
    return TC_OK;
}

tc_status Listener::add_secret(const std::string &key, const char *secret, std::string *error) {
    auto route = find_route(key);
    if (!route) {
        *error = "no route " + key;
        return TC_ENOTFOUND;
    }
    tc_status st = tc_webhook_verifier_add_secret(route->verifier, secret);
    if (st != TC_OK) *error = tc_last_error_message();
    return st;
}

tc_status Listener::remove_secret(const std::string &key, const char *secret, std::string *error) {
    auto route = find_route(key);
    if (!route) {
        *error = "no route " + key;
        return TC_ENOTFOUND;
    }
    tc_status st = tc_webhook_verifier_remove_secret(route->verifier, secret);
    if (st != TC_OK) *error = tc_last_error_message();
    return st;
}

uint64_t Listener::stat(int which) const {
    if (which < 0 || which >= kStatCount) return 0;
    return stats_[static_cast<size_t>(which)].load(std::memory_order_relaxed);
}

bool Listener::attached() {
    std::lock_guard<std::mutex> lock(link_->mu);
    return link_->queue != nullptr;
}

bool Listener::dispatch(tc_listener_cb cb, void *userdata, const std::string &route_key, tc_webhook_message *msg,
                        bool event) {
    auto d = std::make_shared<Delivery>(Delivery{cb, userdata, route_key, MessagePtr(msg)});
    std::lock_guard<std::mutex> lock(link_->mu);
    if (link_->queue == nullptr) return false;
    // Each message is an operation of its own, finished at once: the queue
    // delivers it on the user's thread (or the dispatch thread) exactly once.
    tc_op_id id = link_->queue->begin(nullptr, [d] { d->run(TC_ECANCELED); });
    if (id == 0) return false;
    if (event && config_.observe) config_.observe(d->msg.get());
    net::Completion done;
    done.status = TC_OK;
    done.http_status = tc_webhook_message_http_status(d->msg.get());
    done.deliver = [d] { d->run(TC_OK); };
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
        std::string path = url != nullptr ? url : "";
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
    tc_webhook_message *raw = nullptr;
    tc_webhook_handle(&raw, rq.route->verifier, headers.data(), headers.size(), rq.body.data(), rq.body.size());
    MessagePtr msg(raw);
    if (!msg) return respond_text(conn, MHD_HTTP_INTERNAL_SERVER_ERROR, "internal error");
    size_t len = 0;
    const char *body = tc_webhook_message_response_body(msg.get(), &len);
    int http = tc_webhook_message_http_status(msg.get());
    MHD_Result ret = respond(conn, static_cast<unsigned int>(http), tc_webhook_message_content_type(msg.get()),
                             body, len);
    if (tc_webhook_message_kind(msg.get()) == TC_WEBHOOK_REJECTED) {
        count(TC_LISTENER_STAT_REJECTED);
        if (config_.reject_cb != nullptr) rq.msg = std::move(msg);
    } else if (tc_webhook_message_is_duplicate(msg.get())) {
        count(TC_LISTENER_STAT_DUPLICATES);  // answered again, never dispatched again
    } else {
        rq.msg = std::move(msg);  // dispatched once the answer is written (on_completed)
    }
    return ret;
}

void Listener::on_completed(void *request, bool completed_ok) {
    std::unique_ptr<Request> rq(static_cast<Request *>(request));
    if (!rq || !rq->msg) return;
    tc_webhook_message *msg = rq->msg.release();
    if (tc_webhook_message_kind(msg) == TC_WEBHOOK_REJECTED) {
        dispatch(config_.reject_cb, config_.reject_userdata, rq->route->key, msg, false);
        return;
    }
    std::string id = tc_webhook_message_id(msg);
    if (completed_ok && dispatch(config_.event_cb, config_.event_userdata, rq->route->key, msg, true)) return;
    // The acknowledgement did not get out (or there is no one to deliver to):
    // forget the id so that Twitch's redelivery is dispatched.
    tc_webhook_verifier_forget(rq->route->verifier, id.c_str());
    if (!completed_ok) tc_webhook_message_free(msg);
}

}  // namespace tc::events
