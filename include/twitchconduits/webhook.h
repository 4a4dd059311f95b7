/*
 * twitchconduits: framework-neutral EventSub webhook handling.
 *
 * Give tc_webhook_handle() the request's headers and raw body, exactly as
 * received; it answers what to send back (HTTP status, content type, body)
 * and what arrived (a notification, a challenge, a revocation, or a rejected
 * request). It does no I/O and calls no callback, so any HTTP framework (or
 * a Go/Ruby/Python binding) can call it from its request handler.
 *
 * What it checks, in this order:
 *  1. the body size (over max_body_bytes: 413, TC_ETOOLARGE);
 *  2. the headers, whose names are matched case-insensitively:
 *     Twitch-Eventsub-Message-Id, -Message-Timestamp, -Message-Signature and
 *     -Message-Type are required; any of the seven Twitch-Eventsub-* headers
 *     given twice, an empty or over-long id, a timestamp that is not
 *     RFC 3339, or a signature that is not "sha256=" + 64 hex digits (either
 *     case) is rejected with 403 and TC_ESIGNATURE;
 *  3. the signature: HMAC-SHA256 over id + timestamp (the header texts
 *     verbatim) + the raw body, computed with every secret of the verifier
 *     and compared in constant time. A mismatch is 403, TC_ESIGNATURE;
 *  4. the timestamp: older than max_age_s or further than max_future_s in
 *     the future is 403, TC_ESTALE. The answer never says which secret was
 *     tried or what the expected signature is;
 *  5. the body: it must be one JSON object (strict RFC 8259, UTF-8) whose
 *     shape fits the message type: a notification needs "subscription" (an
 *     object with string "type" and "version") and "event"; a
 *     webhook_callback_verification needs a string "challenge" (with
 *     "subscription" for a subscription, "conduit_shard" for a conduit
 *     shard); a revocation needs "subscription". Otherwise 400,
 *     TC_EBADREQUEST. An unknown message type is 400 as well;
 *  6. duplicates: a message id already accepted within dedupe_ttl_s gets the
 *     same answer again (2xx, the challenge for a challenge), and the message
 *     is flagged tc_event_is_duplicate(): do not dispatch it again.
 *     Ids are recorded only for messages that passed 1-5.
 *
 * Answers: notification and revocation 204 with no body; challenge 200,
 * "text/plain", the raw challenge (send exactly response_len bytes);
 * rejections 400/403/413 with a short "text/plain" body that reveals nothing.
 *
 * The subscription type and version reported are the ones in the signed
 * body; the unsigned Twitch-Eventsub-Subscription-* headers are ignored.
 * The event is not parsed: tc_event_event_json() returns its raw
 * JSON text, a copy of the bytes of the body.
 *
 * The dedupe store holds at most dedupe_capacity ids, each for dedupe_ttl_s;
 * the oldest are dropped first. Only authentic messages are recorded, so a
 * flood of forged requests cannot push ids out. The guarantee: no message
 * is dispatched twice as long as fewer than dedupe_capacity messages are
 * accepted within max_age_s + max_future_s (with the defaults, 100000 in
 * 660 s: about 150 messages/s per verifier, sustained); beyond that, the
 * ids dropped early are counted (tc_webhook_verifier_dedupe_evictions()).
 *
 * Secrets: one verifier per webhook shard (or per callback); during a
 * rotation add the new secret before updating the shard and remove the old
 * one afterwards: meanwhile both are accepted. Secrets never appear in a
 * message, a log or JSON, and are wiped when removed.
 *
 * Thread safety: tc_webhook_handle() and the secret functions may be called
 * concurrently on one verifier from any thread; tc_webhook_verifier_free()
 * must not race with them. A tc_event is immutable: read it from
 * any thread, free it exactly once.
 */
#ifndef TWITCHCONDUITS_WEBHOOK_H
#define TWITCHCONDUITS_WEBHOOK_H

#include <twitchconduits/common.h>
#include <twitchconduits/shard.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Verifies and classifies webhook requests for one shard or callback. */
typedef struct tc_webhook_verifier tc_webhook_verifier;
/* One handled request: the answer and the classified message. */
typedef struct tc_event tc_event;

/* One request header as the HTTP framework gives it. */
typedef struct tc_header {
    const char *name;
    const char *value;
} tc_header;

/* What a request turned out to be. Values are frozen. */
typedef enum tc_event_kind {
    TC_EVENT_REJECTED = 0,     /* not answered 2xx: see the status */
    TC_EVENT_NOTIFICATION = 1, /* an event */
    TC_EVENT_VERIFICATION = 2, /* a challenge (subscription or conduit shard) */
    TC_EVENT_REVOCATION = 3    /* a subscription was revoked */
} tc_event_kind;

/* "rejected", "notification", "verification", "revocation" (static
 * strings); NULL for an unknown value. */
TC_API const char *tc_event_kind_name(tc_event_kind kind);

/* Returns the current time in milliseconds since the Unix epoch. */
typedef int64_t (*tc_clock_cb)(void *userdata);

#define TC_WEBHOOK_OPTIONS_VERSION 1

/* Options for tc_webhook_verifier_new(). 0/NULL fields take the default
 * given beside them. Append-only, like every options struct. */
typedef struct tc_webhook_options {
    unsigned int version;     /* TC_WEBHOOK_OPTIONS_VERSION */
    long max_age_s;           /* reject older timestamps; 0 = 600 (Twitch's advice) */
    long max_future_s;        /* reject timestamps further ahead; 0 = 60 */
    size_t dedupe_capacity;   /* message ids remembered at most; 0 = 100000 */
    long dedupe_ttl_s;        /* how long an id is remembered; 0 = 2 * max_age_s */
    size_t max_body_bytes;    /* larger bodies get 413; 0 = 1 MiB */
    tc_clock_cb clock_cb;     /* NULL = the system's real-time clock */
    void *clock_userdata;
} tc_webhook_options;

#define TC_WEBHOOK_OPTIONS_INIT TC_VERSIONED_INIT_(tc_webhook_options, TC_WEBHOOK_OPTIONS_VERSION)

/* Fill opts with the defaults of `version` (TC_EVERSION if unknown). */
TC_API tc_status tc_webhook_options_init(tc_webhook_options *opts, unsigned int version);

/* A verifier with no secret yet (opts may be NULL for the defaults; it is
 * copied); *out is the caller's, freed with tc_webhook_verifier_free().
 * clock_userdata is passed to clock_cb as it is, never freed.
 * TC_EINVAL names the field when a value is negative or out of range
 * (max_age_s and dedupe_ttl_s up to 30 days, max_future_s up to 1 day). */
TC_API tc_status tc_webhook_verifier_new(tc_webhook_verifier **out, const tc_webhook_options *opts);

/* Free a verifier, wiping its secrets. NULL-safe. Messages it produced
 * stay valid. */
TC_API void tc_webhook_verifier_free(tc_webhook_verifier *verifier);

/* Accept signatures made with `secret` (10..100 printable ASCII characters,
 * as Twitch requires). TC_OK when already present; TC_ETOOLARGE beyond 16
 * secrets. The secret is copied. */
TC_API tc_status tc_webhook_verifier_add_secret(tc_webhook_verifier *verifier, const char *secret);

/* Stop accepting `secret`. TC_ENOTFOUND when the verifier does not have it. */
TC_API tc_status tc_webhook_verifier_remove_secret(tc_webhook_verifier *verifier, const char *secret);

/* How many secrets the verifier accepts; 0 on a bad handle. */
TC_API size_t tc_webhook_verifier_secret_count(const tc_webhook_verifier *verifier);

/* Forget a recorded message id, so that Twitch's redelivery of it is
 * dispatched again (for an application whose processing failed after the
 * message was accepted). TC_ENOTFOUND when the id is not recorded. */
TC_API tc_status tc_webhook_verifier_forget(tc_webhook_verifier *verifier, const char *message_id);

/* Message ids the dedupe store had to drop to make room (dedupe_capacity
 * newer ids arrived) while a replay of them would still pass the timestamp
 * check (younger than max_age_s + max_future_s). Each one is a redelivery
 * that may be dispatched twice: raise dedupe_capacity above the number of
 * messages this verifier accepts in max_age_s + max_future_s. 0 on a bad
 * handle. */
TC_API uint64_t tc_webhook_verifier_dedupe_evictions(const tc_webhook_verifier *verifier);

/*
 * Handle one request. headers[0..header_count) may contain any headers
 * (unrelated ones are ignored); body is the raw body, body_len bytes (NULL
 * only when body_len is 0).
 *
 * *out is always set, whatever the result (except when out itself is NULL,
 * and on TC_ENOMEM, where it may be NULL): send its http_status, content
 * type and response body, then free it with tc_event_free().
 * Returns TC_OK when the answer is 2xx (duplicates included) and otherwise
 * the reason: TC_ESIGNATURE, TC_ESTALE, TC_EBADREQUEST, TC_ETOOLARGE, or
 * TC_EINVAL for a bad argument or a verifier without secrets (answer 500).
 */
TC_API tc_status tc_webhook_handle(tc_event **out, tc_webhook_verifier *verifier,
                                   const tc_header *headers, size_t header_count, const char *body,
                                   size_t body_len);

/* "sha256=<64 lowercase hex digits>": the Twitch-Eventsub-Message-Signature
 * of a message, for mocks and tests. Free *out_header_value with tc_free. */
TC_API tc_status tc_webhook_sign(char **out_header_value, const char *secret, const char *message_id,
                                 const char *timestamp, const char *body, size_t body_len);

/* Accessors. Strings are owned by the message, valid until it is freed
 * (inside a callback: until the callback returns), and never NULL ("" when
 * absent or on a bad handle). The `len` out-parameters may be NULL; they
 * give lengths for texts that may contain NUL bytes. */
TC_API tc_event_kind tc_event_kind_get(const tc_event *msg);
/* The tc_status tc_webhook_handle() returned for it. */
TC_API tc_status tc_event_status(const tc_event *msg);
/* The HTTP status to answer; 0 on a bad handle. */
TC_API int tc_event_http_status(const tc_event *msg);
/* "text/plain", or "" when the answer has no body (204). */
TC_API const char *tc_event_content_type(const tc_event *msg);
TC_API const char *tc_event_response_body(const tc_event *msg, size_t *len);
/* Twitch-Eventsub-Message-Id and -Timestamp as received. */
TC_API const char *tc_event_id(const tc_event *msg);
TC_API const char *tc_event_timestamp(const tc_event *msg);
/* The timestamp in milliseconds since the Unix epoch; 0 when unknown. */
TC_API int64_t tc_event_timestamp_ms(const tc_event *msg);
/* Twitch-Eventsub-Message-Retry; -1 when absent or not a number. */
TC_API int tc_event_retry(const tc_event *msg);
/* 1 when the id was already accepted: answer, but do not dispatch again. */
TC_API int tc_event_is_duplicate(const tc_event *msg);
/* subscription.id / .type / .version from the body. */
TC_API const char *tc_event_subscription_id(const tc_event *msg);
TC_API const char *tc_event_subscription_type(const tc_event *msg);
TC_API const char *tc_event_subscription_version(const tc_event *msg);
/* The raw JSON text of "event" (notifications) and "subscription". */
TC_API const char *tc_event_event_json(const tc_event *msg, size_t *len);
TC_API const char *tc_event_subscription_json(const tc_event *msg, size_t *len);
/* The decoded challenge (verifications). */
TC_API const char *tc_event_challenge(const tc_event *msg, size_t *len);
/* subscription.status of a revocation, e.g. "authorization_revoked". */
TC_API const char *tc_event_revocation_reason(const tc_event *msg);
/* Why a request was rejected, one line for logs (e.g. "webhook timestamp is
 * 900 s old (max_age_s is 600)"); never a secret, an expected signature or
 * unauthenticated header text. "" for accepted messages. */
TC_API const char *tc_event_error(const tc_event *msg);
/* The conduit and shard a message is about: conduit_shard.conduit_id and
 * .shard of a conduit shard challenge, or event.conduit_id and .shard_id of
 * a conduit.shard.disabled notification. */
TC_API const char *tc_event_conduit_id(const tc_event *msg);
TC_API const char *tc_event_shard_id(const tc_event *msg);
/* Shard health. For a conduit.shard.disabled notification (subscribe to it
 * with condition {"client_id":"<yours>"} to learn when Twitch disables one
 * of your shards), the disabled shard's status, e.g.
 * "webhook_callback_verification_failed" or "websocket_disconnected"; ""
 * for any other message. */
TC_API const char *tc_event_shard_status(const tc_event *msg);
/* The disabled shard of a conduit.shard.disabled notification as a shard
 * object (id, status, transport as Twitch reported it; no secret), ready to
 * be re-assigned with tc_shard_update(). Free with tc_shard_free().
 * TC_ENOTFOUND for any other message. */
TC_API tc_status tc_event_disabled_shard(tc_shard **out, const tc_event *msg);

/* Which transport delivered the message: TC_TRANSPORT_WEBHOOK (a request
 * handled by tc_webhook_handle() or the listener) or TC_TRANSPORT_WEBSOCKET
 * (an EventSub WebSocket message received by a tc_runner; its
 * http_status is 0, since nothing is answered on a socket, and its retry
 * is -1). */
TC_API tc_transport_type tc_event_transport(const tc_event *msg);
/* The WebSocket session that received the message; "" for webhooks. */
TC_API const char *tc_event_session_id(const tc_event *msg);

/* A deep copy, the caller's: free it with tc_event_free(). */
TC_API tc_status tc_event_dup(tc_event **out, const tc_event *msg);
/* NULL-safe. Only for events the caller owns (tc_webhook_handle, _dup),
 * never for one a listener or runner callback was given. */
TC_API void tc_event_free(tc_event *msg);
/* {"kind":"notification","transport":"webhook"|"websocket","status":0,
 * "http_status":204,"session_id":.. (websocket only),"message_id":..,
 * "timestamp":..,"retry":..,"duplicate":false,"subscription_type":..,
 * "subscription_version":..,"subscription":{..},"event":{..}, ...}; the
 * fields present depend on the kind. Never contains a secret. Free with
 * tc_free. */
TC_API tc_status tc_event_to_json(char **out, const tc_event *msg);

#ifdef __cplusplus
}
#endif

#endif /* TWITCHCONDUITS_WEBHOOK_H */
