/*
 * twitchconduits: the users registry.
 *
 * An in-memory registry of the application's users, the original library's
 * Users/User (add_user, get_user(key), remove_user(user_id)) without its
 * crashes. Pure data: nothing here talks to Twitch, every call completes
 * before it returns, and no callback is involved.
 *
 * A user has
 *  - a key: an opaque application key (e.g. what the application routes a
 *    user's requests by). It may be a token, so it is treated as a secret:
 *    it never appears in error messages or logs, it is only returned by
 *    tc_user_key() and by tc_user_to_json(..., 1), and the registry's
 *    records and the tc_user snapshots are cleared when they are freed;
 *  - a Twitch user id: 1 to 32 ASCII digits ("141981764");
 *  - the ids of the user's EventSub subscriptions: a set (no duplicates),
 *    each id owned by at most one user of the registry.
 * Keys and user ids are unique within a registry.
 *
 * Limits: key 1..4096 bytes, subscription id 1..255 bytes (any bytes but
 * NUL). Violations fail with TC_EINVAL, naming the argument.
 *
 * Cost: lookups by key, by user id and by subscription id are O(1) (hash
 * indexes). Adding or removing a subscription is O(number of that user's
 * subscriptions), since each user's strings are kept in one block.
 *
 * Thread safety: every tc_users_* function may be called concurrently on
 * the same registry from any thread (readers share a lock, writers take it
 * alone), except tc_users_free(), which must not race with other calls on
 * that registry. Objects returned by the registry (tc_user, tc_user_id_list)
 * are independent snapshots owned by the caller: later changes to the
 * registry do not affect them. A snapshot may be read from several threads
 * at once; free it exactly once.
 *
 * Every failure sets a one-line tc_last_error_message() that names the
 * offending argument and never contains a key.
 */
#ifndef TWITCHCONDUITS_USERS_H
#define TWITCHCONDUITS_USERS_H

#include <twitchconduits/common.h>

#ifdef __cplusplus
extern "C" {
#endif

/* The registry. */
typedef struct tc_users tc_users;
/* A snapshot of one user. */
typedef struct tc_user tc_user;
/* A snapshot of the user ids in a registry. */
typedef struct tc_user_id_list tc_user_id_list;

/* A new, empty registry. */
TC_API tc_status tc_users_new(tc_users **out);

/* Free a registry and every user in it. NULL-safe. Snapshots taken from it
 * stay valid. */
TC_API void tc_users_free(tc_users *users);

/* The original add_user(key, user_id, subscriptions). subscription_ids may be
 * NULL when subscription_count is 0; repeated ids in it are kept once.
 * TC_ECONFLICT when the user id, the key or one of the subscription ids is
 * already in the registry (the message says which); then nothing is added. */
TC_API tc_status tc_users_add(tc_users *users, const char *key, const char *user_id,
                              const char *const *subscription_ids, size_t subscription_count);

/* The original get_user(key): a snapshot of the user with this key, owned by
 * the caller (tc_user_free). TC_ENOTFOUND when no user has it. */
TC_API tc_status tc_users_get_by_key(tc_user **out, const tc_users *users, const char *key);

/* A snapshot of the user with this user id; TC_ENOTFOUND when absent. */
TC_API tc_status tc_users_get_by_user_id(tc_user **out, const tc_users *users, const char *user_id);

/* A snapshot of the user that owns this subscription id; TC_ENOTFOUND when
 * no user does. */
TC_API tc_status tc_users_get_by_subscription(tc_user **out, const tc_users *users,
                                              const char *subscription_id);

/* The original remove_user(user_id). removed_out (nullable) receives the
 * removed user, owned by the caller (tc_user_free): the one race-free way to
 * learn which subscriptions it had. TC_ENOTFOUND when absent. */
TC_API tc_status tc_users_remove(tc_user **removed_out, tc_users *users, const char *user_id);

/* Add a subscription id to a user's set. TC_OK without change when the user
 * already has it; TC_ENOTFOUND when there is no such user; TC_ECONFLICT when
 * another user owns it. */
TC_API tc_status tc_users_add_subscription(tc_users *users, const char *user_id,
                                           const char *subscription_id);

/* Remove a subscription id from a user's set. TC_ENOTFOUND when there is no
 * such user or the user does not have it (the message says which). */
TC_API tc_status tc_users_remove_subscription(tc_users *users, const char *user_id,
                                              const char *subscription_id);

/* How many users the registry holds; 0 with TC_EINVAL's message on a bad
 * handle. */
TC_API size_t tc_users_count(const tc_users *users);

/* A snapshot of every user id, in ascending numeric order, owned by the
 * caller (tc_user_id_list_free). The registry offers no iteration callback:
 * a snapshot cannot deadlock or observe a half-made change. */
TC_API tc_status tc_users_list(tc_user_id_list **out, const tc_users *users);

/* User accessors; strings are owned by the snapshot. The key is a secret:
 * only this explicit accessor and tc_user_to_json(..., 1) return it. */
TC_API const char *tc_user_key(const tc_user *user);      /* "" on a bad handle */
TC_API const char *tc_user_user_id(const tc_user *user);  /* "" on a bad handle */
TC_API size_t tc_user_subscription_count(const tc_user *user);
/* In the order they were added; NULL out of range. */
TC_API const char *tc_user_subscription_id(const tc_user *user, size_t index);

TC_API tc_status tc_user_dup(tc_user **out, const tc_user *user);
TC_API void tc_user_free(tc_user *user);
/* {"user_id":"..","subscription_ids":[..]}, plus "key" only with
 * include_key != 0; free with tc_free. */
TC_API tc_status tc_user_to_json(char **out, const tc_user *user, int include_key);

TC_API size_t tc_user_id_list_count(const tc_user_id_list *list);
/* Owned by the list; NULL out of range. */
TC_API const char *tc_user_id_list_get(const tc_user_id_list *list, size_t index);
TC_API tc_status tc_user_id_list_dup(tc_user_id_list **out, const tc_user_id_list *list);
TC_API void tc_user_id_list_free(tc_user_id_list *list);
/* {"user_ids":[..]}; free with tc_free. */
TC_API tc_status tc_user_id_list_to_json(char **out, const tc_user_id_list *list);

#ifdef __cplusplus
}
#endif

#endif /* TWITCHCONDUITS_USERS_H */
