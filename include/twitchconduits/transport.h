/*
 * twitchconduits: transports — where a shard (or a subscription) sends events.
 *
 * A webhook transport carries a callback URL and a signing secret; the secret
 * is write-only towards Twitch (Twitch never returns it), so objects built
 * from Twitch's answers have none, and JSON output omits it unless asked.
 */
#ifndef TWITCHCONDUITS_TRANSPORT_H
#define TWITCHCONDUITS_TRANSPORT_H

#include <twitchconduits/common.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef struct tc_transport tc_transport;

/* Frozen values. */
typedef enum tc_transport_type {
    TC_TRANSPORT_WEBHOOK = 0,
    TC_TRANSPORT_WEBSOCKET = 1,
    TC_TRANSPORT_CONDUIT = 2,
    TC_TRANSPORT_OTHER = 3 /* a method this library does not know: see tc_transport_method_name */
} tc_transport_type;

/* "webhook", "websocket", "conduit", "other" (static strings); NULL for an
 * unknown value. */
TC_API const char *tc_transport_type_name(tc_transport_type type);

/* Constructors: *out is the caller's, freed with tc_transport_free(); the
 * strings are copied.
 * A webhook: callback URL (https, port 443 at Twitch) and a secret of 10..100
 * ASCII characters. Checked here; TC_EINVAL names what is wrong. */
TC_API tc_status tc_transport_webhook_new(tc_transport **out, const char *callback_url, const char *secret);
/* A WebSocket session: the session id from the welcome message. */
TC_API tc_status tc_transport_websocket_new(tc_transport **out, const char *session_id);
/* A conduit: what subscriptions use to reach a conduit. */
TC_API tc_status tc_transport_conduit_new(tc_transport **out, const char *conduit_id);

TC_API tc_transport_type tc_transport_method(const tc_transport *t);
TC_API const char *tc_transport_method_name(const tc_transport *t); /* "webhook", ... */
/* Each returns NULL when the transport has no such field; strings are owned
 * by the transport, valid until it is freed. */
TC_API const char *tc_transport_callback(const tc_transport *t);
TC_API const char *tc_transport_secret(const tc_transport *t); /* explicit access to the secret */
TC_API const char *tc_transport_session_id(const tc_transport *t);
TC_API const char *tc_transport_connected_at(const tc_transport *t);
TC_API const char *tc_transport_disconnected_at(const tc_transport *t);
TC_API const char *tc_transport_conduit_id(const tc_transport *t);

/* A deep copy, the caller's: free it with tc_transport_free(). */
TC_API tc_status tc_transport_dup(tc_transport **out, const tc_transport *t);
/* NULL-safe. Only for transports the caller owns (_new, _dup), never for one
 * borrowed from a shard or subscription. */
TC_API void tc_transport_free(tc_transport *t);
/* Twitch's JSON shape; the secret only with include_secret != 0. Free *out
 * with tc_free. */
TC_API tc_status tc_transport_to_json(char **out, const tc_transport *t, int include_secret);

#ifdef __cplusplus
}
#endif

#endif /* TWITCHCONDUITS_TRANSPORT_H */
