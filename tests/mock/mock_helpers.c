/* Shared helpers of the mock tests: real HTTP over libcurl easy handles
 * against a tcmock started per test. */
#define _POSIX_C_SOURCE 200809L

#include "mock_helpers.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

double now_mono(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

void sleep_ms(long ms) {
  struct timespec ts;
  ts.tv_sec = ms / 1000;
  ts.tv_nsec = (ms % 1000) * 1000000L;
  nanosleep(&ts, NULL);
}

static size_t on_body(char *p, size_t sz, size_t n, void *ud) {
  resp_t *r = ud;
  size_t add = sz * n;
  char *nb = realloc(r->body, r->len + add + 1);
  if (!nb) return 0;
  memcpy(nb + r->len, p, add);
  r->body = nb;
  r->len += add;
  r->body[r->len] = '\0';
  return add;
}

static int header_value(const char *line, size_t n, const char *name, long long *out) {
  size_t k = strlen(name);
  if (n <= k + 1 || strncasecmp(line, name, k) != 0 || line[k] != ':') return 0;
  *out = strtoll(line + k + 1, NULL, 10);
  return 1;
}

static size_t on_header(char *p, size_t sz, size_t n, void *ud) {
  resp_t *r = ud;
  long long v;
  if (header_value(p, sz * n, "ratelimit-limit", &v)) r->rl_limit = (long)v;
  if (header_value(p, sz * n, "ratelimit-remaining", &v)) r->rl_remaining = (long)v;
  if (header_value(p, sz * n, "ratelimit-reset", &v)) r->rl_reset = v;
  return sz * n;
}

void resp_free(resp_t *r) {
  free(r->body);
  memset(r, 0, sizeof *r);
}

/* One request. h == NULL uses a fresh handle, i.e. a fresh connection.
 * headers is NULL-terminated; body NULL = none. Extra setup via `tweak`. */
void http_ex(CURL *h, const char *method, const char *url, const char *const *headers, const char *body,
                    size_t body_len, tweak_fn tweak, void *arg, resp_t *r) {
  CURL *own = NULL;
  struct curl_slist *hl = NULL;
  size_t i;
  memset(r, 0, sizeof *r);
  r->rl_limit = r->rl_remaining = -1;
  r->rl_reset = -1;
  r->body = calloc(1, 1);
  assert_non_null(r->body);
  if (!h) h = own = curl_easy_init();
  assert_non_null(h);
  curl_easy_reset(h);
  for (i = 0; headers && headers[i]; ++i) hl = curl_slist_append(hl, headers[i]);
  curl_easy_setopt(h, CURLOPT_URL, url);
  curl_easy_setopt(h, CURLOPT_HTTPHEADER, hl);
  curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, on_body);
  curl_easy_setopt(h, CURLOPT_WRITEDATA, r);
  curl_easy_setopt(h, CURLOPT_HEADERFUNCTION, on_header);
  curl_easy_setopt(h, CURLOPT_HEADERDATA, r);
  curl_easy_setopt(h, CURLOPT_TIMEOUT_MS, 20000L);
  curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
  if (body) {
    curl_easy_setopt(h, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)body_len);
    curl_easy_setopt(h, CURLOPT_POSTFIELDS, body);
  }
  if (strcmp(method, "POST") == 0) {
    curl_easy_setopt(h, CURLOPT_POST, 1L);
    if (!body) curl_easy_setopt(h, CURLOPT_POSTFIELDS, "");
  } else if (strcmp(method, "GET") != 0) {
    curl_easy_setopt(h, CURLOPT_CUSTOMREQUEST, method);
  }
  if (tweak) tweak(h, arg);
  r->rc = curl_easy_perform(h);
  curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &r->status);
  curl_easy_getinfo(h, CURLINFO_NUM_CONNECTS, &r->new_connections);
  curl_easy_getinfo(h, CURLINFO_SIZE_UPLOAD_T, &r->uploaded);
  curl_easy_setopt(h, CURLOPT_HTTPHEADER, NULL);
  curl_slist_free_all(hl);
  if (own) curl_easy_cleanup(own);
}

void http(CURL *h, const char *method, const char *url, const char *const *headers, const char *body,
                 resp_t *r) {
  http_ex(h, method, url, headers, body, body ? strlen(body) : 0, NULL, NULL, r);
}

const char *url(const fx_t *f, const char *path) {
  static char buf[4][512]; /* a few live at once in one expression */
  static int next;
  char *b = buf[next++ % 4];
  snprintf(b, sizeof buf[0], "%s%s", f->base, path);
  return b;
}

/* A Helix call as the primary client with its token. */
void helix(fx_t *f, CURL *h, const char *method, const char *path, const char *body, resp_t *r) {
  const char *hdrs[] = {f->auth, "Client-Id: " CLIENT_ID, "Content-Type: application/json", NULL};
  http(h, method, url(f, path), hdrs, body, r);
}

/* Fetches a token for (id, secret) into out (>= 64 bytes). */
void get_token(fx_t *f, const char *id, const char *secret, char *out) {
  char form[256];
  resp_t r;
  cJSON *j, *t;
  snprintf(form, sizeof form, "client_id=%s&client_secret=%s&grant_type=client_credentials", id, secret);
  http(NULL, "POST", url(f, "/oauth2/token"), NULL, form, &r);
  assert_int_equal(r.rc, CURLE_OK);
  assert_int_equal(r.status, 200);
  j = cJSON_Parse(r.body);
  assert_non_null(j);
  t = cJSON_GetObjectItemCaseSensitive(j, "access_token");
  assert_true(cJSON_IsString(t));
  assert_true(strlen(t->valuestring) < 64);
  strcpy(out, t->valuestring);
  cJSON_Delete(j);
  resp_free(&r);
}

void control_ok(fx_t *f, const char *path, const char *json) {
  assert_int_equal(tcmock_control(f->m, path, json), 0);
}

int setup(void **state) {
  fx_t *f = calloc(1, sizeof *f);
  tcmock_config cfg;
  char err[256];
  if (!f) return -1;
  tcmock_config_init(&cfg);
  if (tcmock_start(&f->m, &cfg, err, sizeof err) != 0) {
    fprintf(stderr, "tcmock_start: %s\n", err);
    free(f);
    return -1;
  }
  snprintf(f->base, sizeof f->base, "http://127.0.0.1:%u", (unsigned)tcmock_port(f->m));
  get_token(f, CLIENT_ID, CLIENT_SECRET, f->token);
  snprintf(f->auth, sizeof f->auth, "Authorization: Bearer %s", f->token);
  control_ok(f, "reset_stats", NULL);
  *state = f;
  return 0;
}

int teardown(void **state) {
  fx_t *f = *state;
  tcmock_stop(f->m);
  free(f);
  return 0;
}

cJSON *parse(const resp_t *r) {
  cJSON *j = cJSON_Parse(r->body);
  assert_non_null(j);
  return j;
}

int is_uuid_v4(const char *s) {
  int i;
  if (strlen(s) != 36) return 0;
  for (i = 0; i < 36; ++i) {
    if (i == 8 || i == 13 || i == 18 || i == 23) {
      if (s[i] != '-') return 0;
    } else if (!isxdigit((unsigned char)s[i]) || isupper((unsigned char)s[i])) {
      return 0;
    }
  }
  return s[14] == '4' && strchr("89ab", s[19]) != NULL;
}

/* Creates a conduit as the primary client; returns its id in out (>= 40). */
void create_conduit(fx_t *f, int shards, char *out) {
  char body[64];
  resp_t r;
  cJSON *j, *c;
  snprintf(body, sizeof body, "{\"shard_count\":%d}", shards);
  helix(f, NULL, "POST", CONDUITS, body, &r);
  assert_int_equal(r.status, 200);
  j = parse(&r);
  c = cJSON_GetArrayItem(cJSON_GetObjectItemCaseSensitive(j, "data"), 0);
  assert_non_null(c);
  strcpy(out, cJSON_GetObjectItemCaseSensitive(c, "id")->valuestring);
  assert_true(is_uuid_v4(out));
  cJSON_Delete(j);
  resp_free(&r);
}

int count_conduits(fx_t *f) {
  resp_t r;
  cJSON *j;
  int n;
  helix(f, NULL, "GET", CONDUITS, NULL, &r);
  assert_int_equal(r.status, 200);
  j = parse(&r);
  n = cJSON_GetArraySize(cJSON_GetObjectItemCaseSensitive(j, "data"));
  cJSON_Delete(j);
  resp_free(&r);
  return n;
}

void expect_helix_error(fx_t *f, const char *method, const char *path, const char *body, int status,
                               const char *message) {
  const char *reason = status == 400   ? "Bad Request"
                       : status == 404 ? "Not Found"
                       : status == 409 ? "Conflict"
                       : status == 429 ? "Too Many Requests"
                                       : "?";
  resp_t r;
  cJSON *j;
  helix(f, NULL, method, path, body, &r);
  assert_int_equal(r.status, status);
  if (message) {
    char expected[256];
    snprintf(expected, sizeof expected, "{\"error\":\"%s\",\"status\":%d,\"message\":\"%s\"}", reason, status,
             message);
    assert_string_equal(r.body, expected);
  }
  j = parse(&r);
  assert_string_equal(cJSON_GetObjectItemCaseSensitive(j, "error")->valuestring, reason);
  assert_int_equal(cJSON_GetObjectItemCaseSensitive(j, "status")->valuedouble, status);
  assert_true(cJSON_IsString(cJSON_GetObjectItemCaseSensitive(j, "message")));
  cJSON_Delete(j);
  resp_free(&r);
}
