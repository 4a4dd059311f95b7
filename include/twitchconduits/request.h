/*
 * twitchconduits: tc_request(), a generic Helix call done right.
 *
 * The library adds the Authorization and Client-Id headers (fetching or
 * refreshing the app token as needed), retries network errors, timeouts and
 * 500/502/503/504 with exponential backoff and full jitter, waits out 429s
 * until Ratelimit-Reset, and paces requests from the Ratelimit-* headers so
 * that bulk work slows down before it is refused.
 */
#ifndef TWITCHCONDUITS_REQUEST_H
#define TWITCHCONDUITS_REQUEST_H

#include <twitchconduits/conduits.h>

#ifdef __cplusplus
extern "C" {
#endif

/* The outcome of one HTTP call, after every retry. */
typedef struct tc_response tc_response;

/* One query parameter; the library percent-encodes both parts. */
typedef struct tc_param {
    const char *name;
    const char *value;
} tc_param;

/* The caller says this request is idempotent: retry it even when it is a
 * POST the server may already have acted on (a dropped connection or a 5xx
 * after the request was sent), e.g. subscription creation that adopts 409s.
 * GET, PUT, PATCH and DELETE are always retried; a POST without this flag
 * only when the connection could not be made at all. */
#define TC_REQUEST_F_IDEMPOTENT (1u << 0)

#define TC_REQUEST_OPTIONS_VERSION 2

/* Append-only; the library copies everything before tc_request() returns. */
typedef struct tc_request_options {
    unsigned int version;      /* TC_REQUEST_OPTIONS_VERSION */
    tc_method method;
    const char *path;          /* below the Helix base, e.g. "/eventsub/conduits" */
    const tc_param *query;     /* may be NULL when query_count is 0 */
    size_t query_count;
    const char *body;          /* JSON text, sent with Content-Type: application/json */
    size_t body_len;           /* 0 with a non-NULL body means strlen(body) */
    unsigned int flags;        /* TC_REQUEST_F_* */
    long timeout_ms;           /* per attempt; 0 = the manager's default */
    int max_attempts;          /* 0 = the manager's default */
    /* Version 2: this request's total deadline (see the manager's
     * request_deadline_ms); 0 = the manager's; -1 = none. */
    long deadline_ms;
} tc_request_options;

#define TC_REQUEST_OPTIONS_INIT TC_VERSIONED_INIT_(tc_request_options, TC_REQUEST_OPTIONS_VERSION)

/* Fill opts with the defaults of `version`, writing only the fields that
 * version has (TC_EVERSION if unknown). */
TC_API tc_status tc_request_options_init(tc_request_options *opts, unsigned int version);

/* Completion: status is TC_OK for a 2xx answer; otherwise the error (mapped
 * from the HTTP status where there was one). `response` is never NULL and
 * is borrowed until the callback returns (tc_response_dup to keep it). */
typedef void (*tc_response_cb)(tc_status status, const tc_response *response, void *userdata);

/* Send a Helix request. id_out (nullable) receives the operation id. req
 * and everything it points to is copied before the call returns. */
TC_API tc_status tc_request(tc_op_id *id_out, tc_conduits *c, const tc_request_options *req,
                            tc_response_cb cb, void *userdata);

/* Blocking form for scripts: runs the loop until this request completes.
 * Returns the completion status; *out receives the response (free it with
 * tc_response_free) whenever the request was submitted, else NULL. */
TC_API tc_status tc_request_sync(tc_response **out, tc_conduits *c, const tc_request_options *req);

/* Accessors. Strings are owned by the response: valid until it is freed
 * (inside a callback: until the callback returns). */
TC_API tc_status tc_response_status(const tc_response *r);     /* the completion status */
TC_API int tc_response_http_status(const tc_response *r);      /* 0 when no HTTP answer */
TC_API const char *tc_response_body(const tc_response *r, size_t *len_out); /* never NULL */
/* A response header by case-insensitive name; NULL when absent. */
TC_API const char *tc_response_header(const tc_response *r, const char *name);
TC_API int tc_response_attempts(const tc_response *r);         /* HTTP attempts made */
/* Twitch's "message" on an error, or what went wrong on the network; "" on success. */
TC_API const char *tc_response_message(const tc_response *r);
TC_API double tc_response_elapsed_ms(const tc_response *r);    /* submit to completion */

/* A deep copy, the caller's: free it with tc_response_free(). */
TC_API tc_status tc_response_dup(tc_response **out, const tc_response *r);
/* NULL-safe. Only for responses the caller owns (_sync, _dup), never for one
 * a callback was given. */
TC_API void tc_response_free(tc_response *r);
/* {"status":..,"http_status":..,"attempts":..,"message":..,"body":..}; free with tc_free. */
TC_API tc_status tc_response_to_json(char **out, const tc_response *r);

#ifdef __cplusplus
}
#endif

#endif /* TWITCHCONDUITS_REQUEST_H */
