/*
 * twitchconduits: conduit shards — list them, assign transports to them with
 * a result per shard, and create_shard() of the original library.
 */
#ifndef TWITCHCONDUITS_SHARD_H
#define TWITCHCONDUITS_SHARD_H

#include <twitchconduits/conduit.h>
#include <twitchconduits/conduits.h>
#include <twitchconduits/transport.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef struct tc_shard tc_shard;
typedef struct tc_shard_list tc_shard_list;
typedef struct tc_shard_update_result tc_shard_update_result;

/* `shard` / `list` are NULL when status is an error, otherwise borrowed
 * until the callback returns (_dup to keep). */
typedef void (*tc_shard_cb)(tc_status status, const tc_shard *shard, void *userdata);
typedef void (*tc_shard_list_cb)(tc_status status, const tc_shard_list *list, void *userdata);
/* `result` is non-NULL exactly when status is TC_OK or TC_EPARTIAL (Twitch
 * answered with a result per shard): inspect every item. For any other status
 * it is NULL; tc_last_error_message() and tc_last_http_status() say why. The
 * result is borrowed for the callback's duration (tc_shard_update_result_dup
 * keeps it). */
typedef void (*tc_shard_update_cb)(tc_status status, const tc_shard_update_result *result, void *userdata);

/* Every shard of a conduit that has a transport, following every page.
 * status_filter: NULL for all, or one shard status such as "enabled". */
TC_API tc_status tc_shards_list(tc_op_id *id_out, tc_conduits *c, const char *conduit_id,
                                const char *status_filter, tc_shard_list_cb cb, void *userdata);

/* One shard and the transport to assign to it. tc_shard_update() copies
 * both before it returns. */
typedef struct tc_shard_assignment {
    const char *shard_id;
    const tc_transport *transport; /* webhook (with its secret) or websocket */
} tc_shard_assignment;

/* Assign transports to one or many shards in one call. Each assignment is
 * checked first (TC_EINVAL names the bad item). Twitch answers per shard: the
 * completion is TC_OK when every shard was updated and TC_EPARTIAL when any
 * failed, with each item's outcome in the result (same order as given). */
TC_API tc_status tc_shard_update(tc_op_id *id_out, tc_conduits *c, const char *conduit_id,
                                 const tc_shard_assignment *assignments, size_t count, tc_shard_update_cb cb,
                                 void *userdata);

/* create_shard(): assign the first shard without a transport to a new webhook
 * transport, growing the conduit by one when every shard is taken. The
 * callback is callback_url (NULL = the manager's callback_url) followed by
 * "/" and route_key when route_key is not NULL; the secret comes from the
 * system CSPRNG (64 hex characters) and is never put in the URL. The shard
 * passed to the callback carries the transport with its secret.
 * callback_url and route_key are copied. */
TC_API tc_status tc_shard_create(tc_op_id *id_out, tc_conduits *c, const char *conduit_id,
                                 const char *callback_url, const char *route_key, tc_shard_cb cb, void *userdata);

/* Safe scale-down: remove shard `shard_id` from a conduit. The last shard's
 * transport moves into the freed slot, then the conduit shrinks by one (the
 * order Twitch's docs recommend; shrinking alone would drop the wrong shard).
 * Twitch never returns webhook secrets, so when the last shard is a webhook
 * pass its transport (with the secret) as last_transport; for a websocket
 * shard, or when removing the last shard itself, pass NULL. Completes with
 * the resized conduit. Runs one at a time per conduit with tc_shard_create.
 * last_transport is copied before the call returns. */
TC_API tc_status tc_shard_remove(tc_op_id *id_out, tc_conduits *c, const char *conduit_id, const char *shard_id,
                                 const tc_transport *last_transport, tc_conduit_cb cb, void *userdata);

/* Owned by the shard, valid until it is freed. */
TC_API const char *tc_shard_id(const tc_shard *shard);
/* Twitch's status string (an open set: unknown values are kept as they are). */
TC_API const char *tc_shard_status(const tc_shard *shard);
/* Borrowed from the shard, valid until it is freed (tc_transport_dup to keep). */
TC_API const tc_transport *tc_shard_transport(const tc_shard *shard);
/* A deep copy, the caller's: free it with tc_shard_free(). */
TC_API tc_status tc_shard_dup(tc_shard **out, const tc_shard *shard);
/* NULL-safe. Only for shards the caller owns (_dup, tc_event_disabled_shard),
 * never for one a callback was given or one borrowed from a list or result. */
TC_API void tc_shard_free(tc_shard *shard);
/* Free *out with tc_free. */
TC_API tc_status tc_shard_to_json(char **out, const tc_shard *shard, int include_secret);

TC_API size_t tc_shard_list_count(const tc_shard_list *list);
/* Borrowed from the list, valid until it is freed; NULL out of range. */
TC_API const tc_shard *tc_shard_list_get(const tc_shard_list *list, size_t index);
/* A deep copy, the caller's: free it with tc_shard_list_free(). */
TC_API tc_status tc_shard_list_dup(tc_shard_list **out, const tc_shard_list *list);
/* NULL-safe. Only for lists the caller owns (_dup, tc_view_shards). */
TC_API void tc_shard_list_free(tc_shard_list *list);
/* Free *out with tc_free. */
TC_API tc_status tc_shard_list_to_json(char **out, const tc_shard_list *list);

/* Per-shard outcomes of tc_shard_update(), in the order of the assignments.
 * Strings and shards are borrowed from the result, valid until it is freed. */
TC_API size_t tc_shard_update_result_count(const tc_shard_update_result *r);
TC_API const char *tc_shard_update_result_shard_id(const tc_shard_update_result *r, size_t index);
/* TC_OK, or the error for that shard (TC_EBADREQUEST for Twitch's per-shard
 * errors, TC_EPROTOCOL when Twitch's answer did not mention the shard). */
TC_API tc_status tc_shard_update_result_status(const tc_shard_update_result *r, size_t index);
TC_API const char *tc_shard_update_result_message(const tc_shard_update_result *r, size_t index);
TC_API const char *tc_shard_update_result_code(const tc_shard_update_result *r, size_t index);
/* The updated shard as Twitch reports it; NULL when that item failed. */
TC_API const tc_shard *tc_shard_update_result_shard(const tc_shard_update_result *r, size_t index);
TC_API size_t tc_shard_update_result_failed(const tc_shard_update_result *r);
/* A deep copy, the caller's: free it with tc_shard_update_result_free(). */
TC_API tc_status tc_shard_update_result_dup(tc_shard_update_result **out, const tc_shard_update_result *r);
/* NULL-safe. Only for results the caller owns (_dup). */
TC_API void tc_shard_update_result_free(tc_shard_update_result *r);
/* Free *out with tc_free. */
TC_API tc_status tc_shard_update_result_to_json(char **out, const tc_shard_update_result *r);

#ifdef __cplusplus
}
#endif

#endif /* TWITCHCONDUITS_SHARD_H */
