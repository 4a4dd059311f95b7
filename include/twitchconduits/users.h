/*
 * twitchconduits: the users registry.
 *
 * An in-memory registry of the application's users, the original library's
 * Users/User (add_user, get_user(key), remove_user(user_id)) without its
 * crashes. Pure data: apart from tc_users_refresh(), nothing here talks to
 * Twitch, every call completes before it returns, and no callback is
 * involved.
 *
 * A user has
 *  - a key: the user's OAuth access token (the original's "key"), or any
 *    opaque application key when the application never refreshes tokens
 *    through the registry. It is a secret: it never appears in error
 *    messages or logs, it is only returned by tc_user_key() and by
 *    tc_user_to_json(..., 1), and the registry's records and the tc_user
 *    snapshots are cleared (OPENSSL_cleanse) when they are freed or
 *    replaced;
 *  - a Twitch user id: 1 to 32 ASCII digits ("141981764");
 *  - optionally (tc_user_record): a refresh token and the OAuth
 *    authorization code (secrets, treated like the key), the login, when the
 *    access token expires, and its scopes;
 *  - the ids of the user's EventSub subscriptions: a set (no duplicates),
 *    each id owned by at most one user of the registry.
 * Keys, refresh tokens and user ids are unique within a registry.
 *
 * Limits: key, refresh token and code 1..4096 bytes; login, each scope and
 * subscription id 1..255 bytes (any bytes but NUL); at most 1024 scopes.
 * Violations fail with TC_EINVAL, naming the argument.
 *
 * Cost: lookups by key, by user id, by refresh token and by subscription id
 * are O(1) (hash indexes). Changing a user (a subscription more or less, a
 * new record, a refresh) is O(size of that user's record), since each
 * user's strings are kept in one block.
 *
 * Thread safety: every tc_users_* function may be called concurrently on
 * the same registry from any thread (readers share a lock, writers take it
 * alone; a change is seen whole or not at all, e.g. a refresh replaces the
 * access and refresh tokens together), except tc_users_free(), which must
 * not race with other calls on that registry. Objects returned by the
 * registry (tc_user, tc_user_id_list) are independent snapshots owned by
 * the caller: later changes to the registry do not affect them. A snapshot
 * may be read from several threads at once; free it exactly once.
 *
 * Every failure sets a one-line tc_last_error_message() that names the
 * offending argument and never contains a secret.
 */
#ifndef TWITCHCONDUITS_USERS_H
#define TWITCHCONDUITS_USERS_H

#include <twitchconduits/common.h>
#include <twitchconduits/conduits.h>

#ifdef __cplusplus
extern "C" {
#endif

/* The registry. */
typedef struct tc_users tc_users;
/* A snapshot of one user. */
typedef struct tc_user tc_user;
/* A snapshot of the user ids in a registry. */
typedef struct tc_user_id_list tc_user_id_list;

/* A new, empty registry; *out is the caller's, freed with tc_users_free(). */
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

/* A deep copy, the caller's: free it with tc_user_free(). */
TC_API tc_status tc_user_dup(tc_user **out, const tc_user *user);
/* Clears the snapshot's secrets and frees it. NULL-safe. Only for snapshots
 * the caller owns (every tc_users_* snapshot, _dup, _sync), never for the
 * one a tc_user_cb was given. */
TC_API void tc_user_free(tc_user *user);
/* {"user_id":"..","login":".."|null,"expires_at":N,"scopes":[..],
 * "subscription_ids":[..]}, plus the secrets "key", "refresh_token" and
 * "code" (those the user has) only with include_key != 0; free with
 * tc_free. */
TC_API tc_status tc_user_to_json(char **out, const tc_user *user, int include_key);

/* ---- The full user record ----------------------------------------------
 *
 * Read through accessors on tc_user (new fields become new accessors, like
 * the rest of this header: tc_user stays opaque); written through
 * tc_user_record, a versioned, append-only struct (new fields go at the end
 * with a version bump; the library reads only the fields of the version the
 * caller names and rejects unknown versions with TC_EVERSION). */

#define TC_USER_RECORD_VERSION 1

typedef struct tc_user_record {
    unsigned int version;       /* TC_USER_RECORD_VERSION */
    const char *key;            /* required: the access token (secret) */
    const char *user_id;        /* required: 1..32 ASCII digits */
    const char *refresh_token;  /* NULL = none (secret) */
    const char *login;          /* NULL = unknown */
    int64_t expires_at;         /* access token expiry, Unix seconds; 0 = unknown */
    const char *const *scopes;  /* may be NULL when scope_count is 0 */
    size_t scope_count;
    const char *code;           /* the OAuth authorization code; NULL = none (secret) */
} tc_user_record;

#define TC_USER_RECORD_INIT TC_VERSIONED_INIT_(tc_user_record, TC_USER_RECORD_VERSION)
/* Fill record with an empty record of `version` (TC_EVERSION if unknown). */
TC_API tc_status tc_user_record_init(tc_user_record *record, unsigned int version);

/* tc_users_add() with the whole record. Every string is copied.
 * TC_ECONFLICT when the user id, the key, the refresh token or one of the
 * subscription ids is already in the registry (the message says which);
 * then nothing is added. */
TC_API tc_status tc_users_add_record(tc_users *users, const tc_user_record *record,
                                     const char *const *subscription_ids, size_t subscription_count);

/* Replaces the record of the user record->user_id; the user keeps its
 * subscriptions. All indexes change together. old_out (nullable) receives
 * the previous record, owned by the caller (tc_user_free); otherwise its
 * secrets are cleared now. TC_ENOTFOUND when there is no such user;
 * TC_ECONFLICT when another user has the new key or refresh token (then
 * nothing changes). */
TC_API tc_status tc_users_replace(tc_user **old_out, tc_users *users, const tc_user_record *record);

/* A snapshot of the user with this refresh token; TC_ENOTFOUND when absent. */
TC_API tc_status tc_users_get_by_refresh_token(tc_user **out, const tc_users *users,
                                               const char *refresh_token);

/* Owned by the snapshot, like the accessors above.
 * NULL when the user has none (or on a bad handle). Secrets: the refresh
 * token and the code are returned only by these explicit accessors and by
 * tc_user_to_json(..., 1). */
TC_API const char *tc_user_refresh_token(const tc_user *user);
TC_API const char *tc_user_login(const tc_user *user);
TC_API const char *tc_user_code(const tc_user *user);
/* Unix seconds; 0 when unknown (or on a bad handle). */
TC_API int64_t tc_user_expires_at(const tc_user *user);
TC_API size_t tc_user_scope_count(const tc_user *user);
/* In the record's order; NULL out of range. */
TC_API const char *tc_user_scope(const tc_user *user, size_t index);

/* ---- Refreshing a user's tokens (OAuth refresh_token grant) ------------
 *
 * `user` is the updated record, borrowed until the callback returns
 * (tc_user_dup to keep it); NULL when status is an error. */
typedef void (*tc_user_cb)(tc_status status, const tc_user *user, void *userdata);

/* Refreshes the tokens of the user `user_id` of `users`: posts the
 * refresh_token grant with c's client id and client secret (in the body,
 * never in a URL, a log or a message) and, on success, replaces the user's
 * access token (its key), refresh token, expiry and scopes in one atomic
 * change of the registry. Follows the async contract of conduits.h: on
 * TC_OK the callback runs exactly once (TC_ECANCELED on tc_conduits_cancel
 * or when c is freed; then the registry is not changed). 5xx and 429 are
 * retried like every request. Failures:
 *  - at once: TC_EINVAL (bad argument), TC_ENOTFOUND (no such user),
 *    TC_ENOCREDENTIALS (the user has no refresh token, or c has no client
 *    secret), TC_ECLOSED (c is being freed);
 *  - in the callback: TC_EAUTH when Twitch rejects the refresh token (400
 *    "Invalid refresh token": the user must authorize the app again; the
 *    registry keeps the old record) or the client credentials (400/403);
 *    TC_ECONFLICT when the user's refresh token was changed by someone
 *    else meanwhile, TC_ENOTFOUND when the user was removed meanwhile (the
 *    new tokens are then discarded); TC_EPROTOCOL on a malformed answer;
 *    the usual network and server errors after every retry.
 * The registry may be freed while a refresh is pending (the refresh then
 * changes nothing anyone can see). */
TC_API tc_status tc_users_refresh(tc_op_id *id_out, tc_conduits *c, tc_users *users, const char *user_id,
                                  tc_user_cb cb, void *userdata);

/* Blocking form: runs c's loop until the refresh completes. *out receives
 * the updated record (tc_user_free) on TC_OK, else NULL. TC_EREENTRANT from
 * inside one of c's callbacks. */
TC_API tc_status tc_users_refresh_sync(tc_user **out, tc_conduits *c, tc_users *users, const char *user_id);

TC_API size_t tc_user_id_list_count(const tc_user_id_list *list);
/* Owned by the list; NULL out of range. */
TC_API const char *tc_user_id_list_get(const tc_user_id_list *list, size_t index);
/* A deep copy, the caller's: free it with tc_user_id_list_free(). */
TC_API tc_status tc_user_id_list_dup(tc_user_id_list **out, const tc_user_id_list *list);
/* NULL-safe. */
TC_API void tc_user_id_list_free(tc_user_id_list *list);
/* {"user_ids":[..]}; free with tc_free. */
TC_API tc_status tc_user_id_list_to_json(char **out, const tc_user_id_list *list);

#ifdef __cplusplus
}
#endif

#endif /* TWITCHCONDUITS_USERS_H */
