// The embedded webhook listener: libmicrohttpd on its own thread answers each
// request at once (through a route's events::Verifier) and, once a 2xx
// answer is written, hands the message to the manager's completion queue as
// an operation of its own. User callbacks therefore run wherever the queue's
// deliveries run, never on the listener's thread.
#pragma once

#include "events/connection_guard.hpp"
#include "events/verifier.hpp"
#include "runtime/completion_queue.hpp"

#include <twitchconduits/listener.h>

#include <array>
#include <functional>
#include <atomic>
#include <memory>
#include <mutex>
#include <string>
#include <unordered_map>

struct MHD_Daemon;
struct MHD_Connection;

namespace tc::events {

struct ListenerConfig {
    std::string bind_address = "127.0.0.1";
    int port = 0;
    std::string prefix = "/eventsub/";
    size_t max_body_bytes = 1u << 20;
    unsigned int timeout_s = 10;
    unsigned int max_connections = 1024;
    unsigned int max_connections_per_ip = 64;
    unsigned int head_timeout_s = 10;     // the request head must be in within this
    unsigned int request_timeout_s = 30;  // the whole request, answer included
    size_t max_queued_events = 10000;     // beyond: notifications are answered 503
    size_t max_queued_rejects = 1000;     // beyond: reject reports are dropped (counted)
    tc_listener_cb event_cb = nullptr;
    void *event_userdata = nullptr;
    tc_listener_cb reject_cb = nullptr;
    // event_cb NULL: the pull form. Events (and rejects, without a
    // reject_cb) are queued as pull-form completions.
    bool pull = false;
    // For an internal consumer (the runner): event_cb runs on the
    // listener's own thread once the answer is written, not through the
    // queue; it must be thread-safe and never block.
    bool direct = false;
    void *reject_userdata = nullptr;
    tc_webhook_options webhook{};  // max_body_bytes is forced to the listener's
    std::string tls_cert_pem;      // both set: serve HTTPS
    std::string tls_key_pem;       // wiped when the listener is freed
    // Sees each accepted message just before it is handed over, while the
    // queue (hence the manager) is alive: the manager's view learns from it.
    std::function<void(const tc_event *)> observe;
};

// The listener's tie to its manager's queue. `queue` is non-null exactly
// while the queue is open and the listener attached; it is cut (under `mu`)
// either by the listener's destructor or, when the manager is freed first, by
// the queue's close hook, which runs before the queue is destroyed. Every use
// of the queue holds `mu`.
struct QueueLink {
    std::mutex mu;
    runtime::CompletionQueue *queue = nullptr;
    uint64_t close_hook = 0;
};

// How many messages and reject reports the listener has in the queue (or
// holds until their answer is written). Shared with the deliveries, which
// may outlive the listener.
struct QueueBudget {
    std::atomic<size_t> events{0};
    std::atomic<size_t> rejects{0};
};

// Why a request's body framing is ambiguous (two different Content-Length
// values, Content-Length with Transfer-Encoding, a Transfer-Encoding other
// than one "chunked"): a front proxy may frame it differently from
// libmicrohttpd, so it is refused before verification. nullptr when clear.
class QueueSlot;  // a message's place in the listener's queue budget

const char *ambiguous_framing(const tc_header *headers, size_t count);

class Listener {
public:
    // TC_EINVAL for a bad webhook option, TC_ECLOSED when the queue is closed,
    // TC_ENETWORK when the address cannot be bound.
    static std::unique_ptr<Listener> create(runtime::CompletionQueue &queue, ListenerConfig config, tc_status *status,
                                            std::string *error);
    ~Listener();
    Listener(const Listener &) = delete;
    Listener &operator=(const Listener &) = delete;

    int port() const { return port_; }
    const std::string &base_url() const { return base_url_; }

    tc_status add_route(const std::string &key, const char *secret, std::string *error);
    tc_status remove_route(const std::string &key, std::string *error);
    tc_status add_secret(const std::string &key, const char *secret, std::string *error);
    tc_status remove_secret(const std::string &key, const char *secret, std::string *error);

    // GET <prefix><key> answers 200 with render()'s text (OpenMetrics), from
    // the listener's thread; an empty key stops it. TC_ECONFLICT when a
    // webhook route has that key. render must be thread-safe.
    tc_status set_metrics_route(const std::string &key, std::function<std::string()> render, std::string *error);

    uint64_t stat(int which) const;
    static bool valid_route_key(const std::string &key);
    static constexpr int kStatCount = 14;

private:
    struct Route;
    struct Request;

    Listener(ListenerConfig config, const WebhookConfig &webhook);
    bool start(std::string *error);
    std::shared_ptr<Route> find_route(const std::string &key);
    void count(int which) { stats_[static_cast<size_t>(which)].fetch_add(1, std::memory_order_relaxed); }
    bool attached();
    // Hands msg to the queue for cb; `event` counts it as dispatched (before
    // the handover). False when the manager is gone.
    bool dispatch(tc_listener_cb cb, void *userdata, const std::string &route_key, tc_event *msg,
                  QueueSlot slot, bool event);

    int finish_request(MHD_Connection *conn, Request &rq);
    uint64_t dedupe_evictions() const;
    // Whether msg, accepted, would overfill the queue (challenges never do).
    bool queue_full_for(const Message &m) const;

public:
    // MHD thread only (called from the daemon's C callbacks).
    int on_request(MHD_Connection *conn, const char *url, const char *method, const char *upload_data,
                   size_t *upload_data_size, void **con_cls);
    void on_completed(MHD_Connection *conn, void *request, bool completed_ok);
    void on_connection(MHD_Connection *conn, void **socket_context, bool started);

private:

    ListenerConfig config_;
    WebhookConfig webhook_;  // config_.webhook, checked; every route's verifier gets it
    std::shared_ptr<QueueLink> link_;
    mutable std::mutex routes_mu_;
    std::unordered_map<std::string, std::shared_ptr<Route>> routes_;
    std::string metrics_key_;                 // under routes_mu_; "" = not served
    std::function<std::string()> metrics_render_;
    bool serve_metrics(MHD_Connection *conn, const std::string &path, int *answer);
    uint64_t removed_routes_evictions_ = 0;  // dedupe evictions of routes gone (routes_mu_)
    std::shared_ptr<QueueBudget> budget_;
    std::unique_ptr<ConnectionGuard> guard_;  // before daemon_: outlives it
    std::array<std::atomic<uint64_t>, kStatCount> stats_{};
    MHD_Daemon *daemon_ = nullptr;
    int port_ = 0;
    std::string base_url_;
};

}  // namespace tc::events
