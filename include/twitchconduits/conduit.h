/*
 * twitchconduits: conduits (get_conduits, create_conduit, update_conduit,
 * delete_conduit of the original library). Every operation follows the async
 * contract of conduits.h: its callback runs exactly once.
 */
#ifndef TWITCHCONDUITS_CONDUIT_H
#define TWITCHCONDUITS_CONDUIT_H

#include <twitchconduits/conduits.h>
#include <twitchconduits/request.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef struct tc_conduit tc_conduit;
typedef struct tc_conduit_list tc_conduit_list;

/* `conduit` / `list` are NULL when status is an error; tc_last_error_message()
 * and tc_last_http_status() describe the failure inside the callback.
 * Otherwise they are borrowed until the callback returns (_dup to keep). */
typedef void (*tc_conduit_cb)(tc_status status, const tc_conduit *conduit, void *userdata);
typedef void (*tc_conduit_list_cb)(tc_status status, const tc_conduit_list *list, void *userdata);

/* The application's conduits. */
TC_API tc_status tc_conduits_list(tc_op_id *id_out, tc_conduits *c, tc_conduit_list_cb cb, void *userdata);
/* A new conduit with 1..20000 shards. Twitch allows 5 per client id: the 6th
 * completes with TC_ERATELIMIT and Twitch's message (never retried). */
TC_API tc_status tc_conduit_create(tc_op_id *id_out, tc_conduits *c, int shard_count, tc_conduit_cb cb,
                                   void *userdata);
/* Resize a conduit. Shrinking drops the shards at and above the new count. */
TC_API tc_status tc_conduit_update(tc_op_id *id_out, tc_conduits *c, const char *conduit_id, int shard_count,
                                   tc_conduit_cb cb, void *userdata);
/* Delete a conduit (its subscriptions become "conduit_deleted"). An unknown
 * conduit completes with TC_ENOTFOUND. */
TC_API tc_status tc_conduit_delete(tc_op_id *id_out, tc_conduits *c, const char *conduit_id, tc_response_cb cb,
                                   void *userdata);

/* Owned by the conduit, valid until it is freed. */
TC_API const char *tc_conduit_id(const tc_conduit *conduit);
TC_API int tc_conduit_shard_count(const tc_conduit *conduit);
/* A deep copy, the caller's: free it with tc_conduit_free(). */
TC_API tc_status tc_conduit_dup(tc_conduit **out, const tc_conduit *conduit);
/* NULL-safe. Only for conduits the caller owns (_dup), never for one a
 * callback was given or one borrowed from a list. */
TC_API void tc_conduit_free(tc_conduit *conduit);
/* Free *out with tc_free. */
TC_API tc_status tc_conduit_to_json(char **out, const tc_conduit *conduit);

TC_API size_t tc_conduit_list_count(const tc_conduit_list *list);
/* Borrowed from the list, valid until it is freed; NULL out of range. */
TC_API const tc_conduit *tc_conduit_list_get(const tc_conduit_list *list, size_t index);
/* A deep copy, the caller's: free it with tc_conduit_list_free(). */
TC_API tc_status tc_conduit_list_dup(tc_conduit_list **out, const tc_conduit_list *list);
/* NULL-safe. Only for lists the caller owns (_dup, tc_view_conduits). */
TC_API void tc_conduit_list_free(tc_conduit_list *list);
/* Free *out with tc_free. */
TC_API tc_status tc_conduit_list_to_json(char **out, const tc_conduit_list *list);

#ifdef __cplusplus
}
#endif

#endif /* TWITCHCONDUITS_CONDUIT_H */
