/*
 * twitchconduits: common definitions shared by every part of the C API.
 *
 * ABI promise: enum values in this header never change and are never reused;
 * public structs only ever grow at the end (their `version` field says which
 * fields the caller knows about). See docs/abi.md.
 */
#ifndef TWITCHCONDUITS_COMMON_H
#define TWITCHCONDUITS_COMMON_H

#include <stddef.h>
#include <stdint.h>

#include <twitchconduits/version.h>

#if defined(_WIN32) && defined(TC_BUILDING_LIBRARY)
#define TC_API __declspec(dllexport)
#elif defined(_WIN32)
#define TC_API __declspec(dllimport)
#elif defined(__GNUC__) && __GNUC__ >= 4
#define TC_API __attribute__((visibility("default")))
#else
#define TC_API
#endif

/*
 * Versioned structs and their *_INIT macros. In every options struct a
 * field's 0/NULL value means its default (the one exception is
 * tc_runner_options.default_transport, whose 0 is TC_TRANSPORT_WEBHOOK), so
 * in C a designated initialiser is as good as the macro:
 *     tc_conduits_options o = { .version = TC_CONDUITS_OPTIONS_VERSION,
 *                               .client_id = "...", .client_secret = "..." };
 * In C the macros are such initialisers. C++ before C++20 has no designated
 * initialisers and g++ warns (-Wmissing-field-initializers) about a short
 * braced list even in C++20, so in C++ a macro is a value-initialised
 * (all-zero) struct with its version set. Either way the result equals what
 * the struct's _init(opts, VERSION) function writes.
 */
#ifdef __cplusplus
#define TC_VERSIONED_INIT_(type, version_value)                                          \
    ([]() {                                                                              \
        type tc_init_value_ = type();                                                    \
        tc_init_value_.version = (version_value);                                        \
        return tc_init_value_;                                                           \
    }())
#else
#define TC_VERSIONED_INIT_(type, version_value) { .version = (version_value) }
#endif

#ifdef __cplusplus
extern "C" {
#endif

/*
 * Status codes. 0 is success, negative values are errors. Values are frozen.
 * Every failed call sets a one-line, thread-local message readable with
 * tc_last_error_message(); every failed completion also carries the HTTP
 * status and Twitch's message in its result object.
 */
typedef enum tc_status {
    TC_OK = 0,
    TC_ERROR = -1,         /* internal error (bug); message says what */
    TC_EINVAL = -2,        /* invalid argument: NULL, bad enum, bad handle */
    TC_ENOMEM = -3,        /* out of memory */
    TC_EVERSION = -4,      /* options struct version unknown to this library */
    TC_ECANCELED = -5,     /* operation cancelled, or its manager was freed */
    TC_ETIMEDOUT = -6,     /* timed out (after every retry) */
    TC_ENETWORK = -7,      /* connection failed or dropped (after every retry) */
    TC_ETLS = -8,          /* TLS handshake or certificate verification failed */
    TC_EHTTP = -9,         /* an HTTP status with no more specific code below */
    TC_EAUTH = -10,        /* 401, or bad client credentials at the token endpoint */
    TC_EFORBIDDEN = -11,   /* 403 */
    TC_ENOTFOUND = -12,    /* 404: not found (or owned by another client id) */
    TC_ECONFLICT = -13,    /* 409 */
    TC_ERATELIMIT = -14,   /* 429 that could not be waited out, or a Twitch limit */
    TC_ESERVER = -15,      /* 5xx (after every retry) */
    TC_EPROTOCOL = -16,    /* malformed or unexpected answer from the server */
    TC_ECLOSED = -17,      /* the manager is being freed: no new work accepted */
    TC_EREENTRANT = -18,   /* called from inside a callback where that is not allowed */
    TC_EBUSY = -19,        /* the loop is owned by the library's dispatch thread */
    TC_ETOOLARGE = -20,    /* a body exceeded the configured size limit */
    TC_EUSER = -21,        /* a user callback asked to abort */
    TC_EBADREQUEST = -22,  /* 400: Twitch rejected the request's content */
    TC_EGONE = -23,        /* 410 */
    TC_EPARTIAL = -24,     /* some items of a batch failed: see the per-item results */
    TC_ENOCREDENTIALS = -25, /* no way to obtain an app token (no client secret) */
    TC_ENOTSUPPORTED = -26, /* not available in this build or on this server */
    TC_ESIGNATURE = -27,    /* a webhook's signature is missing or wrong */
    TC_ESTALE = -28         /* a webhook's timestamp is outside the accepted window */
    /* Append new codes here; never renumber. */
} tc_status;

/*
 * Ownership. Each function says next to it what it hands over; the rules are:
 *  - an object written to a `tc_x **out` (by _new, _dup, a snapshot getter or
 *    a _sync call) is the caller's: free it exactly once with its tc_x_free()
 *    (NULL-safe);
 *  - text written to a `char **out` (_to_json, metrics) is freed with tc_free();
 *  - what a callback is given is borrowed until the callback returns: _dup
 *    it to keep it, never free it;
 *  - strings and objects returned by accessors are borrowed from the object
 *    asked, valid until that object is freed;
 *  - the library copies input strings, arrays and options before the call
 *    returns; userdata pointers are passed back as they are, never freed.
 */

/* A static, never-NULL English description of a status; unknown values give
 * "unknown status code". */
TC_API const char *tc_strerror(int status);
/* The status's identifier ("TC_ENOTFOUND"), a static string, for mapping
 * statuses to error classes by name; NULL for a value no version of the
 * library defines. */
TC_API const char *tc_status_name(int status);

/* The message of the last failure on this thread (never NULL, "" if none),
 * owned by the library: valid until the next tc_ call on the same thread.
 * Inside a completion callback it describes that completion. */
TC_API const char *tc_last_error_message(void);

/* The HTTP status of the completion being delivered on this thread (0 when
 * there was none, or outside a callback). Complements tc_last_error_message()
 * for results that carry no response object. */
TC_API int tc_last_http_status(void);

/* Free memory the library returned as char * (every _to_json result, metrics
 * text, ...). NULL-safe. Never use free() on it: the library may use another
 * allocator than the caller. */
TC_API void tc_free(void *ptr);

/* The run-time version of the library; any pointer may be NULL.
 * Returns TC_VERSION_STRING of the library that is actually loaded (a
 * static string). */
TC_API const char *tc_version(int *major, int *minor, int *patch);

/* Identifies one submitted operation; 0 is never a valid id. */
typedef uint64_t tc_op_id;

/* The completion of an operation whose only result is its status (and the
 * message and HTTP status, see tc_last_error_message()). */
typedef void (*tc_done_cb)(tc_status status, void *userdata);

/* Log levels, most severe first. */
typedef enum tc_log_level {
    TC_LOG_ERROR = 0,
    TC_LOG_WARN = 1,
    TC_LOG_INFO = 2,
    TC_LOG_DEBUG = 3
} tc_log_level;

/* "error", "warn", "info", "debug" (static strings); NULL for an unknown value. */
TC_API const char *tc_log_level_name(tc_log_level level);

/*
 * Log sink. Called from library threads (never inside a libcurl callback),
 * one call at a time per manager; it must not call back into the library.
 * The message never contains a token or a secret: the library redacts every
 * credential it knows before the sink sees the text. `message` is borrowed
 * until the sink returns.
 */
typedef void (*tc_log_cb)(tc_log_level level, const char *message, void *userdata);

/* HTTP methods for tc_request(). */
typedef enum tc_method {
    TC_GET = 0,
    TC_POST = 1,
    TC_PATCH = 2,
    TC_PUT = 3,
    TC_DELETE = 4
} tc_method;

/* "GET", "POST", "PATCH", "PUT", "DELETE" (static strings); NULL for an
 * unknown value. */
TC_API const char *tc_method_name(tc_method method);

#ifdef __cplusplus
}
#endif

#endif /* TWITCHCONDUITS_COMMON_H */
