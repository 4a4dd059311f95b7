/* Shared helpers of the mock tests (mock_helpers.c). */
#ifndef TCMOCK_TEST_HELPERS_H
#define TCMOCK_TEST_HELPERS_H

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <cjson/cJSON.h>
#include <curl/curl.h>

#include "tcmock.h"

#define CLIENT_ID "mockclientid0123456789abcdefghij"
#define CLIENT_SECRET "mocksecret0123456789abcdefghijk"
#define OTHER_ID "otherclient0123456789abcdefghij"
#define OTHER_SECRET "othersecret0123456789abcdefghi"
#define CONDUITS "/helix/eventsub/conduits"

typedef struct {
  CURLcode rc;
  long status;
  char *body; /* NUL-terminated, never NULL after http() */
  size_t len;
  long rl_limit, rl_remaining; /* -1 when the header is absent */
  long long rl_reset;
  long new_connections;
  curl_off_t uploaded; /* request body bytes curl actually sent */
} resp_t;

typedef struct {
  tcmock *m;
  char base[64];   /* http://127.0.0.1:PORT */
  char token[64];  /* an app token of the primary client */
  char auth[128];  /* "Authorization: Bearer <token>" */
} fx_t;

/* Extra curl setup for http_ex. */
typedef void (*tweak_fn)(CURL *h, void *arg);

double now_mono(void);
void sleep_ms(long ms);
void resp_free(resp_t *r);
/* One request. h == NULL uses a fresh handle, i.e. a fresh connection.
 * headers is NULL-terminated; body NULL = none. */
void http_ex(CURL *h, const char *method, const char *url, const char *const *headers, const char *body,
             size_t body_len, tweak_fn tweak, void *arg, resp_t *r);
void http(CURL *h, const char *method, const char *url, const char *const *headers, const char *body, resp_t *r);
/* f->base + path, in one of 4 rotating static buffers. */
const char *url(const fx_t *f, const char *path);
/* A Helix call as the primary client with its token. */
void helix(fx_t *f, CURL *h, const char *method, const char *path, const char *body, resp_t *r);
/* Fetches a token for (id, secret) into out (>= 64 bytes). */
void get_token(fx_t *f, const char *id, const char *secret, char *out);
void control_ok(fx_t *f, const char *path, const char *json);
/* Fixture: a fresh tcmock with default config and a token of CLIENT_ID. */
int setup(void **state);
int teardown(void **state);
cJSON *parse(const resp_t *r);
int is_uuid_v4(const char *s);
/* Creates a conduit as the primary client; returns its id in out (>= 40). */
void create_conduit(fx_t *f, int shards, char *out);
int count_conduits(fx_t *f);
/* A Helix error answer; message NULL = any message. */
void expect_helix_error(fx_t *f, const char *method, const char *path, const char *body, int status,
                        const char *message);

#endif
