/*
 * twitchconduits: the app access token (client-credentials grant).
 *
 * The manager fetches a token when the first request needs one, refreshes it
 * ahead of expiry, and on a 401 refreshes it once for all in-flight requests
 * (single flight) and retries each of them once. A token given in the
 * options is used as is; without a client secret it cannot be renewed.
 */
#ifndef TWITCHCONDUITS_TOKEN_H
#define TWITCHCONDUITS_TOKEN_H

#include <twitchconduits/conduits.h>
#include <twitchconduits/request.h>

#ifdef __cplusplus
extern "C" {
#endif

/* An app access token and what is known about it. */
typedef struct tc_token tc_token;

/* `token` is NULL when status is an error; otherwise borrowed until the
 * callback returns (tc_token_dup to keep it). */
typedef void (*tc_token_cb)(tc_status status, const tc_token *token, void *userdata);

/* The original get_access_token(): the current token, fetching one when there
 * is none or it is near expiry; force_refresh != 0 always fetches a new one. */
TC_API tc_status tc_token_get(tc_op_id *id_out, tc_conduits *c, int force_refresh,
                              tc_token_cb cb, void *userdata);

/* Ask Twitch (oauth2/validate) about the current token: fills client id,
 * scopes, login/user id (NULL for app tokens) and remaining lifetime. An
 * invalid token completes with TC_EAUTH. */
TC_API tc_status tc_token_validate(tc_op_id *id_out, tc_conduits *c, tc_token_cb cb, void *userdata);

/* Revoke the current token at Twitch and forget it; the next request fetches
 * a new one. */
TC_API tc_status tc_token_revoke(tc_op_id *id_out, tc_conduits *c, tc_response_cb cb, void *userdata);

/* Blocking forms for scripts. *out is owned by the caller (tc_token_free). */
TC_API tc_status tc_token_get_sync(tc_token **out, tc_conduits *c, int force_refresh);
TC_API tc_status tc_token_validate_sync(tc_token **out, tc_conduits *c);

/* Accessors. Strings are owned by the token, valid until it is freed. The
 * access token is a secret: it is only returned by this explicit accessor
 * and by tc_token_to_json(..., 1). */
TC_API const char *tc_token_access_token(const tc_token *t);
TC_API const char *tc_token_client_id(const tc_token *t);     /* "" if unknown */
TC_API int64_t tc_token_expires_at(const tc_token *t);        /* Unix seconds; 0 if unknown */
TC_API int tc_token_is_validated(const tc_token *t);          /* 1 after tc_token_validate */
TC_API const char *tc_token_login(const tc_token *t);         /* NULL for app tokens */
TC_API const char *tc_token_user_id(const tc_token *t);       /* NULL for app tokens */
TC_API size_t tc_token_scope_count(const tc_token *t);
TC_API const char *tc_token_scope(const tc_token *t, size_t index); /* NULL out of range */

/* A deep copy, the caller's: free it with tc_token_free(). */
TC_API tc_status tc_token_dup(tc_token **out, const tc_token *t);
/* NULL-safe. Only for tokens the caller owns (_sync, _dup), never for one a
 * callback was given. */
TC_API void tc_token_free(tc_token *t);
/* JSON of the token; the access token itself only with include_secret != 0.
 * Free *out with tc_free. */
TC_API tc_status tc_token_to_json(char **out, const tc_token *t, int include_secret);

#ifdef __cplusplus
}
#endif

#endif /* TWITCHCONDUITS_TOKEN_H */
