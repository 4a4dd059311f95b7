/*
 * twitchconduits: an embedded HTTP listener for EventSub webhooks.
 *
 * For applications that want the library to own the callback endpoint. The
 * listener serves one path prefix; each webhook shard (or callback) is a
 * route, told apart by a non-secret route key in the path:
 *
 *     <base_url><route_key>      e.g. http://127.0.0.1:8080/eventsub/shard-0
 *
 * Each route has its own tc_webhook_verifier (its own secrets and dedupe
 * store); requests are checked exactly as tc_webhook_handle() describes. The
 * route key is part of the URL, so it is never a secret: never put a webhook
 * secret in it.
 *
 * Acknowledge first, then dispatch. The HTTP answer is sent at once on the
 * listener's own thread (a 204 for a notification or revocation, the raw
 * challenge for a verification, 400/403/413 for rejected requests). Only
 * once a 2xx answer has been fully written is the message handed to the
 * manager's completion queue, as an operation of its own, so event_cb runs
 * where every other callback runs: on the thread that calls
 * tc_conduits_process()/poll()/run() (caller-driven mode), or on the
 * dispatch thread (TC_CONDUITS_F_DISPATCH_THREAD). It never runs on the
 * listener's thread. Duplicates are answered 2xx and never dispatched. If
 * the 2xx could not be written (the client went away) the message id is
 * forgotten again, so Twitch's redelivery is dispatched.
 *
 * Answers decided by the listener itself (counted, never reported): 404 for
 * a path outside the prefix or an unknown route key, 405 for a method other
 * than POST, 413 when Content-Length is over max_body_bytes, 400 for
 * ambiguous framing (two different Content-Length headers, Content-Length
 * with Transfer-Encoding, a Transfer-Encoding other than one "chunked"),
 * 503 once the manager is being freed or, for a new notification or
 * revocation, when max_queued_events messages are waiting for event_cb
 * (nothing is acknowledged or recorded then: Twitch redelivers; challenges
 * are always answered).
 *
 * Limits (a hostile client stalls nothing and exhausts nothing):
 * at most max_connections connections, max_connections_per_ip of them from
 * one address (beyond, a new connection is closed at once; behind a reverse
 * proxy every connection comes from the proxy's address). Each request must
 * bring its complete head within head_timeout_s of the connection's start
 * (or of the previous answer on a kept-alive connection) and be answered
 * within request_timeout_s, however slowly it trickles bytes; timeout_s
 * closes connections that send nothing at all. When max_connections are
 * open, a new connection displaces the connection that has been reading a
 * request head the longest. Messages waiting for event_cb are bounded by
 * max_queued_events (beyond: 503), reports waiting for reject_cb by
 * max_queued_rejects (beyond: dropped and counted). The process needs a
 * descriptor per connection: raise RLIMIT_NOFILE above max_connections.
 *
 * Deployment: Twitch only calls https:// callbacks on port 443. The usual
 * set-up is this listener on loopback (the default, 127.0.0.1) behind a
 * TLS-terminating reverse proxy that forwards <prefix>... to it. The
 * listener can also terminate TLS itself (tls_cert_file/tls_key_file, e.g.
 * bound to 0.0.0.0:443 with a certificate for the callback's host name).
 *
 * Lifetime: a listener belongs to one manager. Free listeners before their
 * manager. Freeing the manager first is nevertheless safe: the listener
 * detaches from it (requests are answered 503 from then on) and only
 * tc_listener_free() remains to be called. A listener is not an operation:
 * it does not count in tc_conduits_pending(), so tc_conduits_run() returns
 * when the events already received have been delivered; a program that
 * serves events keeps calling tc_conduits_poll() (or watches the fd).
 *
 * Events already queued when the listener is freed are still delivered;
 * when the manager is freed, queued events are delivered on the freeing
 * thread (status TC_OK; TC_ECANCELED only for one caught mid-handover).
 *
 * Thread safety: every function may be called from any thread, including
 * from inside a callback; tc_listener_free() must not race with other calls
 * on the same listener.
 */
#ifndef TWITCHCONDUITS_LISTENER_H
#define TWITCHCONDUITS_LISTENER_H

#include <twitchconduits/common.h>
#include <twitchconduits/conduits.h>
#include <twitchconduits/webhook.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef struct tc_listener tc_listener;

/*
 * A delivered message. status is TC_OK, or TC_ECANCELED when the manager was
 * freed while the message was being handed over. route_key and msg are
 * borrowed until the callback returns (tc_event_dup() to keep
 * msg). event_cb gets notifications, verifications and revocations (see
 * tc_event_kind_get()); reject_cb gets requests a route's verifier
 * rejected (kind TC_EVENT_REJECTED, the reason in
 * tc_event_status()).
 */
typedef void (*tc_listener_cb)(tc_status status, const char *route_key, const tc_event *msg,
                               void *userdata);

#define TC_LISTENER_OPTIONS_VERSION 3

/* Options for tc_listener_new(). Strings are copied; 0/NULL fields take the
 * default given beside them. Append-only. */
typedef struct tc_listener_options {
    unsigned int version;        /* TC_LISTENER_OPTIONS_VERSION */
    const char *bind_address;    /* numeric IPv4 or IPv6 address; NULL = "127.0.0.1" */
    int port;                    /* 0 = a free port (see tc_listener_port()) */
    const char *path_prefix;     /* starts and ends with '/'; NULL = "/eventsub/" */
    size_t max_body_bytes;       /* larger requests get 413; 0 = 1 MiB */
    unsigned int timeout_s;      /* idle connections are closed after this; 0 = 10 */
    /* Simultaneous connections; 0 = 1024 (version 1 and 2 callers get 1024
     * too). Beyond it, a new connection displaces the one that has been
     * reading its request head the longest (see Limits above). */
    unsigned int max_connections;
    tc_listener_cb event_cb;     /* NULL = the pull form (completion.h) */
    void *event_userdata;
    tc_listener_cb reject_cb;    /* NULL = rejections are only counted */
    void *reject_userdata;
    /* Options for each route's verifier (copied; its max_body_bytes is
     * replaced by the listener's). NULL = the defaults. */
    const tc_webhook_options *webhook;
    /* Version 2: serve HTTPS with this certificate chain and private key
     * (PEM files, read once by tc_listener_new()); both or neither. The base
     * URL then starts with https://. NULL = plain HTTP. */
    const char *tls_cert_file;
    const char *tls_key_file;
    /* Version 3: limits against slow or flooding clients (see Limits above);
     * version 1 and 2 callers get the defaults. */
    unsigned int max_connections_per_ip; /* 0 = 64 */
    unsigned int head_timeout_s;         /* request head complete within; 0 = 10 */
    unsigned int request_timeout_s;      /* whole request, answer included; 0 = 30 */
    size_t max_queued_events;            /* messages waiting for event_cb; 0 = 10000 */
    size_t max_queued_rejects;           /* reports waiting for reject_cb; 0 = 1000 */
} tc_listener_options;

#define TC_LISTENER_OPTIONS_INIT TC_VERSIONED_INIT_(tc_listener_options, TC_LISTENER_OPTIONS_VERSION)

/* Fill opts with the defaults of `version` (TC_EVERSION if unknown). */
TC_API tc_status tc_listener_options_init(tc_listener_options *opts, unsigned int version);

/* Bind and start listening on a library-owned thread; *out is the
 * caller's, freed with tc_listener_free(); opts and what it points to are
 * copied. TC_EINVAL names the field at fault; TC_ENETWORK when the address
 * cannot be bound; TC_ECLOSED when the manager is being freed. */
TC_API tc_status tc_listener_new(tc_listener **out, tc_conduits *c, const tc_listener_options *opts);

/* Stop listening (in-flight requests finish first) and free. NULL-safe. */
TC_API void tc_listener_free(tc_listener *l);

/* The bound port; -1 on a bad handle. */
TC_API int tc_listener_port(const tc_listener *l);

/* "http(s)://<address>:<port><prefix>", owned by the listener and valid
 * until tc_listener_free() ("" on a bad handle). Append a route key to get
 * that route's callback URL. */
TC_API const char *tc_listener_base_url(const tc_listener *l);

/* Serve `route_key` (1..64 characters of A-Z a-z 0-9 '-' '_'), accepting
 * signatures made with `secret` (see tc_webhook_verifier_add_secret()); both
 * are copied.
 * TC_ECONFLICT when the route exists. */
TC_API tc_status tc_listener_add_route(tc_listener *l, const char *route_key, const char *secret);

/* Stop serving a route (404 from now on). TC_ENOTFOUND when unknown. */
TC_API tc_status tc_listener_remove_route(tc_listener *l, const char *route_key);

/* Secret rotation for one route, as tc_webhook_verifier_add_secret() /
 * _remove_secret(). TC_ENOTFOUND when the route is unknown. */
TC_API tc_status tc_listener_add_secret(tc_listener *l, const char *route_key, const char *secret);
TC_API tc_status tc_listener_remove_secret(tc_listener *l, const char *route_key, const char *secret);

/* Serve the manager's metrics (what tc_metrics_render() gives: the manager,
 * its listeners and runners) as OpenMetrics text on GET
 * <path_prefix><route_key>, e.g. "/eventsub/metrics" for Prometheus to
 * scrape. Off by default; NULL or "" turns it off again. The route key
 * follows the webhook route rules and must not be a webhook route's
 * (TC_ECONFLICT); adding a webhook route with the metrics key fails too.
 * The text holds no secret, but conduit ids and counters: on a listener
 * reachable from outside, choose a key as hard to guess as a secret. */
TC_API tc_status tc_listener_serve_metrics(tc_listener *l, const char *route_key);

/* Counters kept since tc_listener_new() (and one gauge). Frozen values. */
typedef enum tc_listener_stat {
    TC_LISTENER_STAT_REQUESTS = 0,      /* requests answered */
    TC_LISTENER_STAT_DISPATCHED = 1,    /* messages handed to the completion queue */
    TC_LISTENER_STAT_DUPLICATES = 2,    /* duplicates answered and not dispatched */
    TC_LISTENER_STAT_REJECTED = 3,      /* answered 400/403/413 by a route's verifier */
    TC_LISTENER_STAT_NOT_FOUND = 4,     /* answered 404 or 405 */
    TC_LISTENER_STAT_TOO_LARGE = 5,     /* answered 413 from Content-Length */
    TC_LISTENER_STAT_UNAVAILABLE = 6,   /* answered 503: the manager was gone */
    TC_LISTENER_STAT_QUEUE_FULL = 7,    /* answered 503: max_queued_events were waiting */
    TC_LISTENER_STAT_REJECTS_DROPPED = 8, /* reject reports dropped: max_queued_rejects were waiting */
    TC_LISTENER_STAT_TIMED_OUT = 9,     /* connections closed for missing head_timeout_s/request_timeout_s */
    TC_LISTENER_STAT_DISPLACED = 10,    /* slow connections closed to make room (max_connections) */
    TC_LISTENER_STAT_AMBIGUOUS = 11,    /* answered 400 for ambiguous framing */
    TC_LISTENER_STAT_DEDUPE_EVICTIONS = 12, /* tc_webhook_verifier_dedupe_evictions(), all routes */
    /* Not a counter: messages and reject reports waiting to be delivered now. */
    TC_LISTENER_STAT_QUEUED = 13
} tc_listener_stat;

/* Read a counter; 0 for a bad handle or unknown counter. */
TC_API uint64_t tc_listener_stat_get(const tc_listener *l, tc_listener_stat which);
/* The counter's stable snake_case name ("requests", "dispatched", ...; a
 * static string); NULL for an unknown value. */
TC_API const char *tc_listener_stat_name(tc_listener_stat which);

#ifdef __cplusplus
}
#endif

#endif /* TWITCHCONDUITS_LISTENER_H */
