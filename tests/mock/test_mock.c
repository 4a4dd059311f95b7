/* Tests for the mock Twitch server: each test starts its own tcmock on a
 * free loopback port and talks to it through real libcurl easy handles. */
#define _POSIX_C_SOURCE 200809L

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include "mock_helpers.h"

/* ------------------------------------------------------------------ OAuth */

static void check_token_body(const resp_t *r) {
  cJSON *j = parse(r);
  const char *t = cJSON_GetObjectItemCaseSensitive(j, "access_token")->valuestring;
  size_t i;
  assert_int_equal(strlen(t), 30);
  for (i = 0; i < 30; ++i) assert_true(islower((unsigned char)t[i]) || isdigit((unsigned char)t[i]));
  assert_int_equal(cJSON_GetObjectItemCaseSensitive(j, "expires_in")->valuedouble, 5011271);
  assert_string_equal(cJSON_GetObjectItemCaseSensitive(j, "token_type")->valuestring, "bearer");
  assert_int_equal(cJSON_GetArraySize(j), 3);
  cJSON_Delete(j);
}

static void test_token_form_and_query(void **state) {
  fx_t *f = *state;
  resp_t r;
  const char *form_hdr[] = {"Content-Type: application/x-www-form-urlencoded", NULL};
  http(NULL, "POST", url(f, "/oauth2/token"), form_hdr,
       "client_id=" CLIENT_ID "&client_secret=" CLIENT_SECRET "&grant_type=client_credentials", &r);
  assert_int_equal(r.status, 200);
  check_token_body(&r);
  resp_free(&r);

  http(NULL, "POST",
       url(f, "/oauth2/token?client_id=" CLIENT_ID "&client_secret=" CLIENT_SECRET "&grant_type=client_credentials"),
       NULL, NULL, &r);
  assert_int_equal(r.status, 200);
  check_token_body(&r);
  resp_free(&r);
  assert_int_equal(tcmock_stat(f->m, "token_requests"), 2);
}

static void test_token_errors(void **state) {
  fx_t *f = *state;
  resp_t r;
  http(NULL, "POST", url(f, "/oauth2/token"), NULL,
       "client_id=" CLIENT_ID "&client_secret=" CLIENT_SECRET "&grant_type=authorization_code", &r);
  assert_int_equal(r.status, 400);
  assert_string_equal(r.body, "{\"status\":400,\"message\":\"invalid grant type\"}");
  resp_free(&r);

  http(NULL, "POST", url(f, "/oauth2/token"), NULL,
       "client_id=nosuchclient&client_secret=" CLIENT_SECRET "&grant_type=client_credentials", &r);
  assert_int_equal(r.status, 400);
  assert_string_equal(r.body, "{\"status\":400,\"message\":\"invalid client\"}");
  resp_free(&r);

  http(NULL, "POST", url(f, "/oauth2/token"), NULL,
       "client_id=" CLIENT_ID "&client_secret=wrong&grant_type=client_credentials", &r);
  assert_int_equal(r.status, 403);
  assert_string_equal(r.body, "{\"status\":403,\"message\":\"invalid client secret\"}");
  resp_free(&r);
}


/* grant_type=refresh_token: new access and refresh tokens, the old refresh
 * token used up; validate knows the user; the control endpoint's errors. */
static void test_refresh_token_grant(void **state) {
  fx_t *f = *state;
  resp_t r;
  cJSON *j;
  char body[512], access[64], refresh[128], hdr[128];
  const char *hdrs[] = {hdr, NULL};
  control_ok(f, "user_tokens",
             "{\"refresh_token\":\"seed-refresh\",\"user_id\":\"141981764\",\"login\":\"twitchdev\","
             "\"scopes\":[\"user:read:chat\"]}");

  http(NULL, "POST", url(f, "/oauth2/token"), NULL,
       "client_id=" CLIENT_ID "&client_secret=" CLIENT_SECRET "&grant_type=refresh_token&refresh_token=seed-refresh",
       &r);
  assert_int_equal(r.status, 200);
  j = parse(&r);
  snprintf(access, sizeof access, "%s", cJSON_GetObjectItemCaseSensitive(j, "access_token")->valuestring);
  snprintf(refresh, sizeof refresh, "%s", cJSON_GetObjectItemCaseSensitive(j, "refresh_token")->valuestring);
  assert_int_equal(strlen(access), 30);
  assert_true(strlen(refresh) > 30);
  assert_string_not_equal(refresh, "seed-refresh");
  assert_int_equal(cJSON_GetObjectItemCaseSensitive(j, "expires_in")->valuedouble, 5011271);
  assert_string_equal(cJSON_GetArrayItem(cJSON_GetObjectItemCaseSensitive(j, "scope"), 0)->valuestring,
                      "user:read:chat");
  assert_string_equal(cJSON_GetObjectItemCaseSensitive(j, "token_type")->valuestring, "bearer");
  cJSON_Delete(j);
  resp_free(&r);

  /* The user access token validates as the user's. */
  snprintf(hdr, sizeof hdr, "Authorization: OAuth %s", access);
  http(NULL, "GET", url(f, "/oauth2/validate"), hdrs, NULL, &r);
  assert_int_equal(r.status, 200);
  j = parse(&r);
  assert_string_equal(cJSON_GetObjectItemCaseSensitive(j, "login")->valuestring, "twitchdev");
  assert_string_equal(cJSON_GetObjectItemCaseSensitive(j, "user_id")->valuestring, "141981764");
  assert_string_equal(cJSON_GetArrayItem(cJSON_GetObjectItemCaseSensitive(j, "scopes"), 0)->valuestring,
                      "user:read:chat");
  cJSON_Delete(j);
  resp_free(&r);

  /* The used refresh token, an unknown one, another client's, a wrong secret. */
  http(NULL, "POST", url(f, "/oauth2/token"), NULL,
       "client_id=" CLIENT_ID "&client_secret=" CLIENT_SECRET "&grant_type=refresh_token&refresh_token=seed-refresh",
       &r);
  assert_int_equal(r.status, 400);
  assert_string_equal(r.body, "{\"status\":400,\"message\":\"Invalid refresh token\"}");
  resp_free(&r);
  control_ok(f, "clients", "{\"client_id\":\"" OTHER_ID "\",\"client_secret\":\"" OTHER_SECRET "\"}");
  snprintf(body, sizeof body,
           "client_id=" OTHER_ID "&client_secret=" OTHER_SECRET "&grant_type=refresh_token&refresh_token=%s", refresh);
  http(NULL, "POST", url(f, "/oauth2/token"), NULL, body, &r);
  assert_int_equal(r.status, 400);
  resp_free(&r);
  snprintf(body, sizeof body, "client_id=" CLIENT_ID "&client_secret=wrong&grant_type=refresh_token&refresh_token=%s",
           refresh);
  http(NULL, "POST", url(f, "/oauth2/token"), NULL, body, &r);
  assert_int_equal(r.status, 403);
  resp_free(&r);
  /* ... none of which used the new refresh token up. */
  snprintf(body, sizeof body,
           "client_id=" CLIENT_ID "&client_secret=" CLIENT_SECRET "&grant_type=refresh_token&refresh_token=%s", refresh);
  http(NULL, "POST", url(f, "/oauth2/token"), NULL, body, &r);
  assert_int_equal(r.status, 200);
  resp_free(&r);

  /* /_mock/user_tokens: bad bodies (two clients now, so client_id is needed). */
  {
    static const char *const bad[] = {
        "{\"user_id\":\"1\",\"client_id\":\"" CLIENT_ID "\"}",
        "{\"refresh_token\":\"r\",\"client_id\":\"" CLIENT_ID "\"}",
        "{\"refresh_token\":\"r\",\"user_id\":\"1\"}",
        "{\"refresh_token\":\"r\",\"user_id\":\"1\",\"client_id\":\"nosuch\"}",
        "{\"refresh_token\":\"r\",\"user_id\":\"1\",\"client_id\":\"" CLIENT_ID "\",\"scopes\":\"a\"}",
        "{\"refresh_token\":\"r\",\"user_id\":\"1\",\"client_id\":\"" CLIENT_ID "\",\"scopes\":[1]}",
    };
    size_t i;
    for (i = 0; i < sizeof bad / sizeof bad[0]; i++) {
      http(NULL, "POST", url(f, "/_mock/user_tokens"), NULL, bad[i], &r);
      if (r.status != 400) fail_msg("%s: %ld", bad[i], r.status);
      resp_free(&r);
    }
    control_ok(f, "user_tokens", "{\"refresh_token\":\"dup\",\"user_id\":\"1\",\"client_id\":\"" CLIENT_ID "\"}");
    http(NULL, "POST", url(f, "/_mock/user_tokens"), NULL,
         "{\"refresh_token\":\"dup\",\"user_id\":\"2\",\"client_id\":\"" CLIENT_ID "\"}", &r);
    assert_int_equal(r.status, 409);
    resp_free(&r);
  }
}

static void test_validate(void **state) {
  fx_t *f = *state;
  char hdr[128], expected[256];
  const char *hdrs[] = {hdr, NULL};
  const char *prefixes[] = {"OAuth", "Bearer"};
  resp_t r;
  cJSON *j;
  int i;
  long left;
  for (i = 0; i < 2; ++i) {
    snprintf(hdr, sizeof hdr, "Authorization: %s %s", prefixes[i], f->token);
    http(NULL, "GET", url(f, "/oauth2/validate"), hdrs, NULL, &r);
    assert_int_equal(r.status, 200);
    j = parse(&r);
    left = (long)cJSON_GetObjectItemCaseSensitive(j, "expires_in")->valuedouble;
    assert_in_range(left, 5011271 - 60, 5011271);
    snprintf(expected, sizeof expected,
             "{\"client_id\":\"" CLIENT_ID "\",\"login\":null,\"scopes\":[],\"user_id\":null,\"expires_in\":%ld}", left);
    assert_string_equal(r.body, expected);
    cJSON_Delete(j);
    resp_free(&r);
  }
  snprintf(hdr, sizeof hdr, "Authorization: OAuth notarealtoken");
  http(NULL, "GET", url(f, "/oauth2/validate"), hdrs, NULL, &r);
  assert_int_equal(r.status, 401);
  assert_string_equal(r.body, "{\"status\":401,\"message\":\"invalid access token\"}");
  resp_free(&r);
  http(NULL, "GET", url(f, "/oauth2/validate"), NULL, NULL, &r);
  assert_int_equal(r.status, 401);
  resp_free(&r);
  assert_int_equal(tcmock_stat(f->m, "validate_requests"), 4);
  assert_int_equal(tcmock_stat(f->m, "unauthorized"), 2);
}

static void test_revoke(void **state) {
  fx_t *f = *state;
  char form[256];
  resp_t r;
  http(NULL, "POST", url(f, "/oauth2/revoke"), NULL, "client_id=nosuchclient&token=abc", &r);
  assert_int_equal(r.status, 404);
  assert_string_equal(r.body, "{\"status\":404,\"message\":\"client does not exist\"}");
  resp_free(&r);

  http(NULL, "POST", url(f, "/oauth2/revoke"), NULL, "client_id=" CLIENT_ID "&token=notatoken", &r);
  assert_int_equal(r.status, 400);
  assert_string_equal(r.body, "{\"status\":400,\"message\":\"Invalid token\"}");
  resp_free(&r);

  snprintf(form, sizeof form, "client_id=%s&token=%s", CLIENT_ID, f->token);
  http(NULL, "POST", url(f, "/oauth2/revoke"), NULL, form, &r);
  assert_int_equal(r.status, 200);
  assert_int_equal(r.len, 0);
  resp_free(&r);

  /* The token is gone everywhere. */
  helix(f, NULL, "GET", CONDUITS, NULL, &r);
  assert_int_equal(r.status, 401);
  assert_string_equal(r.body, "{\"error\":\"Unauthorized\",\"status\":401,\"message\":\"Invalid OAuth token\"}");
  resp_free(&r);
  http(NULL, "POST", url(f, "/oauth2/revoke"), NULL, form, &r);
  assert_int_equal(r.status, 400);
  resp_free(&r);
  assert_int_equal(tcmock_stat(f->m, "revoke_requests"), 4);
}

/* ------------------------------------------------------------- Helix auth */

static void expect_401(fx_t *f, const char *const *hdrs, const char *message) {
  char expected[256];
  resp_t r;
  http(NULL, "GET", url(f, CONDUITS), hdrs, NULL, &r);
  assert_int_equal(r.status, 401);
  snprintf(expected, sizeof expected, "{\"error\":\"Unauthorized\",\"status\":401,\"message\":\"%s\"}", message);
  assert_string_equal(r.body, expected);
  resp_free(&r);
}

static void test_helix_auth(void **state) {
  fx_t *f = *state;
  char other_token[64], other_auth[128], lower_auth[128];
  resp_t r;
  const char *no_auth[] = {"Client-Id: " CLIENT_ID, NULL};
  const char *no_cid[] = {f->auth, NULL};
  const char *empty_cid[] = {f->auth, "Client-Id;", NULL}; /* curl's syntax for an empty header */
  const char *bad_token[] = {"Authorization: Bearer abcdefghijklmnopqrstuvwxyz0123", "Client-Id: " CLIENT_ID, NULL};
  const char *oauth_scheme[] = {lower_auth, "Client-Id: " CLIENT_ID, NULL};
  const char *mismatch[] = {other_auth, "Client-Id: " CLIENT_ID, NULL};
  const char *lowercase[] = {lower_auth, "client-id: " CLIENT_ID, NULL};

  expect_401(f, no_auth, "OAuth token is missing");
  expect_401(f, no_cid, "Client-Id header is missing");
  expect_401(f, empty_cid, "Client-Id header is missing");
  expect_401(f, bad_token, "Invalid OAuth token");
  snprintf(lower_auth, sizeof lower_auth, "Authorization: OAuth %s", f->token); /* Helix wants Bearer */
  expect_401(f, oauth_scheme, "Invalid OAuth token");

  control_ok(f, "clients", "{\"client_id\":\"" OTHER_ID "\",\"client_secret\":\"" OTHER_SECRET "\"}");
  get_token(f, OTHER_ID, OTHER_SECRET, other_token);
  snprintf(other_auth, sizeof other_auth, "Authorization: Bearer %s", other_token);
  expect_401(f, mismatch, "Client ID and OAuth token do not match");
  assert_int_equal(tcmock_stat(f->m, "unauthorized"), 6);

  /* Header names are case-insensitive. */
  snprintf(lower_auth, sizeof lower_auth, "authorization: Bearer %s", f->token);
  http(NULL, "GET", url(f, CONDUITS), lowercase, NULL, &r);
  assert_int_equal(r.status, 200);
  assert_string_equal(r.body, "{\"data\":[]}");
  resp_free(&r);
  assert_int_equal(tcmock_stat(f->m, "helix_requests"), 7);
}

static void test_keepalive(void **state) {
  fx_t *f = *state;
  CURL *h = curl_easy_init();
  resp_t r;
  helix(f, h, "GET", CONDUITS, NULL, &r);
  assert_int_equal(r.status, 200);
  assert_int_equal(r.new_connections, 1);
  resp_free(&r);
  helix(f, h, "GET", CONDUITS, NULL, &r);
  assert_int_equal(r.status, 200);
  assert_int_equal(r.new_connections, 0); /* the connection was reused */
  resp_free(&r);
  curl_easy_cleanup(h);
}

/* ------------------------------------------------------------- rate limit */

static void test_ratelimit_headers_and_429(void **state) {
  fx_t *f = *state;
  resp_t r;
  long i;
  long long t0 = (long long)time(NULL);
  control_ok(f, "config", "{\"ratelimit_limit\":5,\"ratelimit_window_s\":60}");
  for (i = 4; i >= 0; --i) {
    helix(f, NULL, "GET", CONDUITS, NULL, &r);
    assert_int_equal(r.status, 200);
    assert_int_equal(r.rl_limit, 5);
    assert_int_equal(r.rl_remaining, i);
    /* 60 s refill 5 points: full again 12 s per missing point from now. */
    assert_in_range(r.rl_reset, t0 + (5 - i) * 12 - 1, (long long)time(NULL) + (5 - i) * 12 + 1);
    resp_free(&r);
  }
  helix(f, NULL, "GET", CONDUITS, NULL, &r);
  assert_int_equal(r.status, 429);
  assert_string_equal(r.body, "{\"error\":\"Too Many Requests\",\"status\":429,\"message\":\"Too Many Requests\"}");
  assert_int_equal(r.rl_remaining, 0);
  assert_int_equal(r.rl_limit, 5);
  assert_in_range(r.rl_reset, t0 + 58, (long long)time(NULL) + 61);
  resp_free(&r);
  assert_int_equal(tcmock_stat(f->m, "rate_limited"), 1);

  /* Buckets are per client id: another client still has points. */
  {
    char tok[64], auth[128];
    const char *hdrs[] = {auth, "Client-Id: " OTHER_ID, NULL};
    control_ok(f, "clients", "{\"client_id\":\"" OTHER_ID "\",\"client_secret\":\"" OTHER_SECRET "\"}");
    get_token(f, OTHER_ID, OTHER_SECRET, tok);
    snprintf(auth, sizeof auth, "Authorization: Bearer %s", tok);
    http(NULL, "GET", url(f, CONDUITS), hdrs, NULL, &r);
    assert_int_equal(r.status, 200);
    assert_int_equal(r.rl_remaining, 4);
    resp_free(&r);
  }
}

static void test_ratelimit_refill(void **state) {
  fx_t *f = *state;
  resp_t r;
  double deadline;
  int i, refilled = 0;
  /* 3 points per 3 s: one point comes back every second. */
  control_ok(f, "config", "{\"ratelimit_limit\":3,\"ratelimit_window_s\":3}");
  for (i = 0; i < 3; ++i) {
    helix(f, NULL, "GET", CONDUITS, NULL, &r);
    assert_int_equal(r.status, 200);
    resp_free(&r);
  }
  helix(f, NULL, "GET", CONDUITS, NULL, &r);
  assert_int_equal(r.status, 429);
  assert_int_equal(r.rl_remaining, 0);
  assert_in_range(r.rl_reset, (long long)time(NULL), (long long)time(NULL) + 4);
  resp_free(&r);
  /* Wait on the condition "a call succeeds again", with a deadline. */
  deadline = now_mono() + 5.0;
  while (!refilled && now_mono() < deadline) {
    helix(f, NULL, "GET", CONDUITS, NULL, &r);
    refilled = r.status == 200;
    if (!refilled) assert_int_equal(r.status, 429);
    resp_free(&r);
    if (!refilled) sleep_ms(25);
  }
  assert_true(refilled);
  assert_true(tcmock_stat(f->m, "rate_limited") >= 1);
}

/* --------------------------------------------------------------- conduits */

static void test_conduit_crud(void **state) {
  fx_t *f = *state;
  char id1[40], id2[40], body[128], expected[256], path[128];
  resp_t r;
  create_conduit(f, 3, id1);
  create_conduit(f, 7, id2);

  helix(f, NULL, "GET", CONDUITS, NULL, &r);
  assert_int_equal(r.status, 200);
  snprintf(expected, sizeof expected, "{\"data\":[{\"id\":\"%s\",\"shard_count\":3},{\"id\":\"%s\",\"shard_count\":7}]}",
           id1, id2);
  assert_string_equal(r.body, expected);
  resp_free(&r);

  snprintf(body, sizeof body, "{\"id\":\"%s\",\"shard_count\":12}", id1);
  helix(f, NULL, "PATCH", CONDUITS, body, &r);
  assert_int_equal(r.status, 200);
  snprintf(expected, sizeof expected, "{\"data\":[{\"id\":\"%s\",\"shard_count\":12}]}", id1);
  assert_string_equal(r.body, expected);
  assert_int_equal(r.rl_limit, 800);
  resp_free(&r);

  snprintf(path, sizeof path, CONDUITS "?id=%s", id1);
  helix(f, NULL, "DELETE", path, NULL, &r);
  assert_int_equal(r.status, 204);
  assert_int_equal(r.len, 0);
  resp_free(&r);
  helix(f, NULL, "DELETE", path, NULL, &r);
  assert_int_equal(r.status, 404);
  resp_free(&r);

  snprintf(path, sizeof path, CONDUITS "?id=%s", id2);
  helix(f, NULL, "DELETE", path, NULL, &r);
  assert_int_equal(r.status, 204);
  resp_free(&r);
  helix(f, NULL, "GET", CONDUITS, NULL, &r);
  assert_string_equal(r.body, "{\"data\":[]}");
  resp_free(&r);
}

static void test_conduit_limit(void **state) {
  fx_t *f = *state;
  char id[40], tok[64], auth[128];
  const char *other[] = {auth, "Client-Id: " OTHER_ID, "Content-Type: application/json", NULL};
  resp_t r;
  int i;
  for (i = 0; i < 5; ++i) create_conduit(f, 1, id);
  helix(f, NULL, "POST", CONDUITS, "{\"shard_count\":1}", &r);
  assert_int_equal(r.status, 429);
  assert_string_equal(r.body, "{\"error\":\"Too Many Requests\",\"status\":429,\"message\":\"Conduit limit reached\"}");
  /* Not a bucket 429: points are left. */
  assert_int_equal(r.rl_remaining, 800 - 6);
  resp_free(&r);
  assert_int_equal(count_conduits(f), 5);

  /* The limit is per client id. */
  control_ok(f, "clients", "{\"client_id\":\"" OTHER_ID "\",\"client_secret\":\"" OTHER_SECRET "\"}");
  get_token(f, OTHER_ID, OTHER_SECRET, tok);
  snprintf(auth, sizeof auth, "Authorization: Bearer %s", tok);
  http(NULL, "POST", url(f, CONDUITS), other, "{\"shard_count\":2}", &r);
  assert_int_equal(r.status, 200);
  resp_free(&r);
  http(NULL, "GET", url(f, CONDUITS), other, NULL, &r);
  {
    cJSON *j = parse(&r);
    assert_int_equal(cJSON_GetArraySize(cJSON_GetObjectItemCaseSensitive(j, "data")), 1);
    cJSON_Delete(j);
  }
  resp_free(&r);
}


static void test_conduit_bad_input(void **state) {
  fx_t *f = *state;
  const char *bad_counts[] = {"{\"shard_count\":0}",     "{\"shard_count\":20001}", "{\"shard_count\":1.5}",
                              "{\"shard_count\":\"5\"}", "{\"shard_count\":-1}",    "{}"};
  char id[40], body[128], path[128], other_id[40], tok[64], auth[128];
  const char *other[] = {auth, "Client-Id: " OTHER_ID, "Content-Type: application/json", NULL};
  size_t i;
  resp_t r;
  for (i = 0; i < sizeof bad_counts / sizeof bad_counts[0]; ++i)
    expect_helix_error(f, "POST", CONDUITS, bad_counts[i], 400, "Invalid shard count");
  expect_helix_error(f, "POST", CONDUITS, "{\"shard_count\":", 400, NULL);
  expect_helix_error(f, "POST", CONDUITS, "[1]", 400, NULL);
  assert_int_equal(count_conduits(f), 0);

  create_conduit(f, 1, id);
  create_conduit(f, 20000, id);
  expect_helix_error(f, "PATCH", CONDUITS, "{\"shard_count\":2}", 400, NULL);
  snprintf(body, sizeof body, "{\"id\":\"%s\",\"shard_count\":20001}", id);
  expect_helix_error(f, "PATCH", CONDUITS, body, 400, "Invalid shard count");
  expect_helix_error(f, "PATCH", CONDUITS, "{\"id\":\"00000000-0000-4000-8000-000000000000\",\"shard_count\":2}", 404,
                     "not found");
  expect_helix_error(f, "DELETE", CONDUITS, NULL, 400, NULL);
  expect_helix_error(f, "DELETE", CONDUITS "?id=00000000-0000-4000-8000-000000000000", NULL, 404, "not found");

  /* Another client's conduit looks exactly like a missing one. */
  control_ok(f, "clients", "{\"client_id\":\"" OTHER_ID "\",\"client_secret\":\"" OTHER_SECRET "\"}");
  get_token(f, OTHER_ID, OTHER_SECRET, tok);
  snprintf(auth, sizeof auth, "Authorization: Bearer %s", tok);
  http(NULL, "POST", url(f, CONDUITS), other, "{\"shard_count\":4}", &r);
  assert_int_equal(r.status, 200);
  {
    cJSON *j = parse(&r);
    strcpy(other_id, cJSON_GetArrayItem(cJSON_GetObjectItemCaseSensitive(j, "data"), 0)->child->valuestring);
    cJSON_Delete(j);
  }
  resp_free(&r);
  snprintf(body, sizeof body, "{\"id\":\"%s\",\"shard_count\":2}", other_id);
  expect_helix_error(f, "PATCH", CONDUITS, body, 404, "not found");
  snprintf(path, sizeof path, CONDUITS "?id=%s", other_id);
  expect_helix_error(f, "DELETE", path, NULL, 404, "not found");
  assert_int_equal(count_conduits(f), 2);
}

/* ----------------------------------------------------------------- faults */

static void test_fail_rate_statistics(void **state) {
  fx_t *f = *state;
  CURL *h = curl_easy_init();
  char first[200], second[200];
  int run, i, fails = 0, n500 = 0, n503 = 0;
  resp_t r;
  for (run = 0; run < 2; ++run) {
    char *seq = run == 0 ? first : second;
    /* Setting the seed restarts the PRNG, so both runs see the same faults. */
    control_ok(f, "config", "{\"fail_rate\":0.25,\"seed\":7}");
    for (i = 0; i < 200; ++i) {
      helix(f, h, "GET", CONDUITS, NULL, &r);
      assert_int_equal(r.rc, CURLE_OK);
      seq[i] = (char)(r.status == 200 ? '.' : r.status == 500 ? '0' : r.status == 503 ? '3' : '?');
      if (run == 0 && r.status == 500) {
        ++n500;
        assert_string_equal(r.body,
                            "{\"error\":\"Internal Server Error\",\"status\":500,\"message\":\"Internal Server Error\"}");
      }
      if (run == 0 && r.status == 503) {
        ++n503;
        assert_string_equal(r.body,
                            "{\"error\":\"Service Unavailable\",\"status\":503,\"message\":\"Service Unavailable\"}");
      }
      if (r.status != 200) assert_true(r.rl_limit == 800); /* fault answers still carry the headers */
      resp_free(&r);
    }
  }
  curl_easy_cleanup(h);
  fails = n500 + n503;
  assert_null(memchr(first, '?', sizeof first));
  assert_in_range(fails, 30, 70); /* 25% of 200 = 50 */
  assert_true(n500 > 0 && n503 > 0);
  assert_memory_equal(first, second, sizeof first);
  assert_int_equal(tcmock_stat(f->m, "faults_5xx"), 2 * fails);
}

static void test_drop_next(void **state) {
  fx_t *f = *state;
  resp_t r;
  control_ok(f, "drop_next", "{\"count\":1}");
  /* A fresh connection (h == NULL): on a reused one libcurl silently
   * re-sends once when the server closes without answering. */
  helix(f, NULL, "POST", CONDUITS, "{\"shard_count\":1}", &r);
  assert_int_equal(r.rc, CURLE_GOT_NOTHING);
  resp_free(&r);
  assert_int_equal(count_conduits(f), 0); /* dropped before the handler ran */
  assert_int_equal(tcmock_stat(f->m, "drops"), 1);

  /* drop_rate 1: every Helix call vanishes; OAuth is spared by default. */
  control_ok(f, "config", "{\"drop_rate\":1}");
  helix(f, NULL, "GET", CONDUITS, NULL, &r);
  assert_int_equal(r.rc, CURLE_GOT_NOTHING);
  resp_free(&r);
  {
    char tok[64];
    get_token(f, CLIENT_ID, CLIENT_SECRET, tok);
  }
  control_ok(f, "config", "{\"drop_rate\":0}");
  assert_int_equal(tcmock_stat(f->m, "drops"), 2);
}

static void test_drop_after_handling(void **state) {
  fx_t *f = *state;
  resp_t r;
  control_ok(f, "drop_next", "{\"count\":1,\"after\":true}");
  helix(f, NULL, "POST", CONDUITS, "{\"shard_count\":1}", &r);
  assert_int_equal(r.rc, CURLE_GOT_NOTHING);
  resp_free(&r);
  assert_int_equal(count_conduits(f), 1); /* the state changed although no answer came */

  control_ok(f, "config", "{\"drop_after_rate\":1}");
  helix(f, NULL, "POST", CONDUITS, "{\"shard_count\":1}", &r);
  assert_int_equal(r.rc, CURLE_GOT_NOTHING);
  resp_free(&r);
  control_ok(f, "config", "{\"drop_after_rate\":0}");
  assert_int_equal(count_conduits(f), 2);
  assert_int_equal(tcmock_stat(f->m, "drops"), 2);
}

static void test_fail_next_sequence(void **state) {
  fx_t *f = *state;
  const long want[] = {503, 503, 429, 429, 500, 200};
  resp_t r;
  size_t i;
  long long now;
  control_ok(f, "fail_next", "{\"count\":2,\"status\":503}");
  control_ok(f, "fail_next", "{\"count\":1,\"status\":429,\"ratelimit_reset_in_s\":7,\"ratelimit_remaining\":0}");
  control_ok(f, "fail_next", "{\"count\":1,\"status\":429,\"ratelimit_remaining\":5}");
  control_ok(f, "fail_next", "{\"count\":1,\"status\":500}");
  for (i = 0; i < sizeof want / sizeof want[0]; ++i) {
    now = (long long)time(NULL);
    helix(f, NULL, "GET", CONDUITS, NULL, &r);
    assert_int_equal(r.status, want[i]);
    if (i == 0)
      assert_string_equal(r.body, "{\"error\":\"Service Unavailable\",\"status\":503,\"message\":\"Service Unavailable\"}");
    if (i == 2) {
      assert_string_equal(r.body, "{\"error\":\"Too Many Requests\",\"status\":429,\"message\":\"Too Many Requests\"}");
      assert_int_equal(r.rl_remaining, 0);
      assert_in_range(r.rl_reset, now + 7, (long long)time(NULL) + 8);
    }
    if (i == 3) assert_int_equal(r.rl_remaining, 5);
    resp_free(&r);
  }
  assert_int_equal(tcmock_stat(f->m, "faults_5xx"), 3);
  assert_int_equal(tcmock_stat(f->m, "rate_limited"), 2);
}

static void test_faults_on_oauth(void **state) {
  fx_t *f = *state;
  resp_t r;
  char tok[64];
  control_ok(f, "fail_next", "{\"count\":1,\"status\":503}");
  get_token(f, CLIENT_ID, CLIENT_SECRET, tok); /* OAuth is spared... */
  helix(f, NULL, "GET", CONDUITS, NULL, &r);   /* ...so Helix gets the fault */
  assert_int_equal(r.status, 503);
  resp_free(&r);

  control_ok(f, "config", "{\"faults_on_oauth\":true}");
  control_ok(f, "fail_next", "{\"count\":1,\"status\":503}");
  http(NULL, "POST", url(f, "/oauth2/token"), NULL,
       "client_id=" CLIENT_ID "&client_secret=" CLIENT_SECRET "&grant_type=client_credentials", &r);
  assert_int_equal(r.status, 503);
  assert_string_equal(r.body, "{\"status\":503,\"message\":\"Service Unavailable\"}");
  resp_free(&r);
}

static void test_latency(void **state) {
  fx_t *f = *state;
  resp_t r;
  double t0, dt;
  char tok[64];
  control_ok(f, "config", "{\"latency_ms\":150}");
  t0 = now_mono();
  helix(f, NULL, "GET", CONDUITS, NULL, &r);
  dt = now_mono() - t0;
  assert_int_equal(r.status, 200);
  resp_free(&r);
  assert_true(dt >= 0.150);
  assert_true(dt < 5.0);

  t0 = now_mono();
  get_token(f, CLIENT_ID, CLIENT_SECRET, tok);
  assert_true(now_mono() - t0 >= 0.150); /* OAuth is delayed too */

  t0 = now_mono();
  http(NULL, "GET", url(f, "/_mock/stats"), NULL, NULL, &r); /* control is not */
  assert_int_equal(r.status, 200);
  resp_free(&r);
  assert_true(now_mono() - t0 < 0.150);
}

static void test_token_expire_after_calls(void **state) {
  fx_t *f = *state;
  resp_t r;
  int i;
  const char *hdrs[] = {f->auth, "Client-Id: " CLIENT_ID, NULL};
  char tok[64];
  control_ok(f, "config", "{\"token_expire_after_calls\":3}");
  for (i = 0; i < 3; ++i) {
    helix(f, NULL, "GET", CONDUITS, NULL, &r);
    assert_int_equal(r.status, 200);
    resp_free(&r);
  }
  helix(f, NULL, "GET", CONDUITS, NULL, &r);
  assert_int_equal(r.status, 401);
  assert_string_equal(r.body, "{\"error\":\"Unauthorized\",\"status\":401,\"message\":\"Invalid OAuth token\"}");
  resp_free(&r);

  get_token(f, CLIENT_ID, CLIENT_SECRET, tok);
  snprintf(f->auth, sizeof f->auth, "Authorization: Bearer %s", tok);
  http(NULL, "GET", url(f, CONDUITS), hdrs, NULL, &r);
  assert_int_equal(r.status, 200);
  resp_free(&r);
}

static void test_expire_tokens(void **state) {
  fx_t *f = *state;
  resp_t r;
  control_ok(f, "expire_tokens", NULL);
  helix(f, NULL, "GET", CONDUITS, NULL, &r);
  assert_int_equal(r.status, 401);
  assert_string_equal(r.body, "{\"error\":\"Unauthorized\",\"status\":401,\"message\":\"Invalid OAuth token\"}");
  resp_free(&r);
}

/* --------------------------------------------------------- HTTP plumbing */

typedef struct {
  size_t left;
} chunked_src;

static size_t read_zeros(char *buf, size_t sz, size_t n, void *ud) {
  chunked_src *s = ud;
  size_t k = sz * n < s->left ? sz * n : s->left;
  memset(buf, ' ', k);
  s->left -= k;
  return k;
}

static void use_chunked(CURL *h, void *arg) {
  curl_easy_setopt(h, CURLOPT_POSTFIELDS, NULL);
  curl_easy_setopt(h, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)-1);
  curl_easy_setopt(h, CURLOPT_UPLOAD, 0L);
  curl_easy_setopt(h, CURLOPT_POST, 1L);
  curl_easy_setopt(h, CURLOPT_READFUNCTION, read_zeros);
  curl_easy_setopt(h, CURLOPT_READDATA, arg);
}

static void test_body_limit(void **state) {
  fx_t *f = *state;
  const size_t cap = 1u << 20;
  const char *hdrs[] = {f->auth, "Client-Id: " CLIENT_ID, "Content-Type: application/json", NULL};
  const char *chunk_hdrs[] = {f->auth, "Client-Id: " CLIENT_ID, "Transfer-Encoding: chunked", NULL};
  char *big = malloc(2 * cap + 1);
  chunked_src src;
  resp_t r;
  assert_non_null(big);

  /* Exactly 1 MiB is accepted: a valid JSON object padded with spaces. */
  memset(big, ' ', cap);
  memcpy(big, "{\"shard_count\":1", 16);
  big[cap - 1] = '}';
  http_ex(NULL, "POST", url(f, CONDUITS), hdrs, big, cap, NULL, NULL, &r);
  assert_int_equal(r.status, 200);
  resp_free(&r);

  /* One byte more, declared up front: refused before the body is sent. */
  memset(big, ' ', 2 * cap);
  http_ex(NULL, "POST", url(f, CONDUITS), hdrs, big, cap + 1, NULL, NULL, &r);
  assert_int_equal(r.rc, CURLE_OK);
  assert_int_equal(r.status, 413);
  assert_string_equal(r.body, "{\"error\":\"Content Too Large\",\"status\":413,\"message\":\"Request body too large\"}");
  assert_true(r.uploaded < (curl_off_t)cap); /* curl waited for "100 Continue", which never came */
  resp_free(&r);

  /* Chunked, so no size up front: noticed while reading. */
  src.left = 2 * cap;
  http_ex(NULL, "POST", url(f, CONDUITS), chunk_hdrs, NULL, 0, use_chunked, &src, &r);
  assert_int_equal(r.rc, CURLE_OK);
  assert_int_equal(r.status, 413);
  resp_free(&r);
  free(big);
  assert_int_equal(count_conduits(f), 1);
}

static void test_routes_and_stats(void **state) {
  fx_t *f = *state;
  resp_t r;
  cJSON *j;
  helix(f, NULL, "GET", "/helix/eventsub/nothing", NULL, &r);
  assert_int_equal(r.status, 404);
  resp_free(&r);
  helix(f, NULL, "PUT", CONDUITS, "{}", &r);
  assert_int_equal(r.status, 405);
  resp_free(&r);

  http(NULL, "GET", url(f, "/_mock/stats"), NULL, NULL, &r);
  assert_int_equal(r.status, 200);
  j = parse(&r);
  assert_int_equal(cJSON_GetArraySize(j), 28);
  assert_int_equal(cJSON_GetObjectItemCaseSensitive(j, "requests_total")->valuedouble, 2);
  assert_int_equal(cJSON_GetObjectItemCaseSensitive(j, "helix_requests")->valuedouble, 2);
  assert_int_equal(cJSON_GetObjectItemCaseSensitive(j, "token_requests")->valuedouble, 0);
  cJSON_Delete(j);
  resp_free(&r);

  http(NULL, "POST", url(f, "/_mock/config"), NULL, "{\"latency_ms\":0,\"seed\":3}", &r);
  assert_int_equal(r.status, 200);
  j = parse(&r);
  assert_int_equal(cJSON_GetObjectItemCaseSensitive(j, "seed")->valuedouble, 3);
  assert_int_equal(cJSON_GetObjectItemCaseSensitive(j, "ratelimit_limit")->valuedouble, 800);
  cJSON_Delete(j);
  resp_free(&r);

  assert_int_equal(tcmock_stat(f->m, "nope"), -1);
  assert_int_equal(tcmock_stat(NULL, "drops"), -1);
  assert_int_equal(tcmock_control(f->m, "config", "{\"fail_rate\":2}"), -1);
  assert_int_equal(tcmock_control(f->m, "config", "{\"no_such_knob\":1}"), -1);
  assert_int_equal(tcmock_control(f->m, "config", "{\"fail_rate\":"), -1);
  assert_int_equal(tcmock_control(f->m, "no_such_endpoint", "{}"), -1);
  assert_int_equal(tcmock_control(f->m, "fail_next", "{\"count\":1,\"status\":200}"), -1);
  assert_int_equal(tcmock_control(f->m, "drop_next", "{\"count\":0}"), -1);
  assert_int_equal(tcmock_control(f->m, "/_mock/reset_stats", NULL), 0);
  assert_int_equal(tcmock_stat(f->m, "requests_total"), 0);
}

static void test_reset(void **state) {
  fx_t *f = *state;
  char id[40];
  resp_t r;
  create_conduit(f, 2, id);
  control_ok(f, "fail_next", "{\"count\":5,\"status\":500}");
  control_ok(f, "reset", NULL);
  assert_int_equal(tcmock_stat(f->m, "helix_requests"), 0);
  helix(f, NULL, "GET", CONDUITS, NULL, &r);
  assert_int_equal(r.status, 401); /* tokens are gone */
  resp_free(&r);
  get_token(f, CLIENT_ID, CLIENT_SECRET, f->token);
  snprintf(f->auth, sizeof f->auth, "Authorization: Bearer %s", f->token);
  helix(f, NULL, "GET", CONDUITS, NULL, &r);
  assert_int_equal(r.status, 200); /* scripted faults and conduits are gone */
  assert_string_equal(r.body, "{\"data\":[]}");
  resp_free(&r);
}

static void test_start_errors(void **state) {
  fx_t *f = *state;
  tcmock_config cfg;
  tcmock *m = NULL;
  char err[256] = "";
  tcmock_config_init(&cfg);
  cfg.fail_rate = 1.5;
  assert_int_equal(tcmock_start(&m, &cfg, err, sizeof err), -1);
  assert_null(m);
  assert_non_null(strstr(err, "fail_rate"));

  tcmock_config_init(&cfg);
  cfg.port = tcmock_port(f->m); /* taken */
  assert_int_equal(tcmock_start(&m, &cfg, err, sizeof err), -1);
  assert_null(m);
  assert_true(strlen(err) > 0);

  tcmock_config_init(&cfg);
  cfg.tls_cert_file = "/nonexistent/server.pem";
  cfg.tls_key_file = "/nonexistent/server.key";
  assert_int_equal(tcmock_start(&m, &cfg, err, sizeof err), -1);
  assert_null(m);

  tcmock_stop(NULL);
}

/* -------------------------------------------------------------------- TLS */

typedef struct {
  const char *cainfo;
  struct curl_slist *resolve;
} tls_opts;

static void use_tls(CURL *h, void *arg) {
  tls_opts *o = arg;
  if (o->cainfo) curl_easy_setopt(h, CURLOPT_CAINFO, o->cainfo);
  if (o->resolve) curl_easy_setopt(h, CURLOPT_RESOLVE, o->resolve);
}

static void test_tls(void **state) {
  char dir[] = "/tmp/tcmock-ca-XXXXXX";
  char ca[128], cert[128], key[128], err[256], u[256], resolve[128];
  tcmock_config cfg;
  tcmock *m = NULL;
  tls_opts o;
  resp_t r;
  const char *form = "client_id=" CLIENT_ID "&client_secret=" CLIENT_SECRET "&grant_type=client_credentials";
  (void)state;
  assert_non_null(mkdtemp(dir));
  assert_int_equal(tcmock_make_test_ca(dir, err, sizeof err), 0);
  snprintf(ca, sizeof ca, "%s/ca.pem", dir);
  snprintf(cert, sizeof cert, "%s/server.pem", dir);
  snprintf(key, sizeof key, "%s/server.key", dir);

  tcmock_config_init(&cfg);
  cfg.tls_cert_file = cert;
  cfg.tls_key_file = key;
  assert_int_equal(tcmock_start(&m, &cfg, err, sizeof err), 0);
  assert_true(strncmp(tcmock_auth_base(m), "https://127.0.0.1:", 18) == 0);
  snprintf(u, sizeof u, "%s/token", tcmock_auth_base(m));

  o.cainfo = ca;
  o.resolve = NULL;
  http_ex(NULL, "POST", u, NULL, form, strlen(form), use_tls, &o, &r);
  assert_int_equal(r.rc, CURLE_OK);
  assert_int_equal(r.status, 200);
  resp_free(&r);

  /* The DNS name in subjectAltName works as well. */
  snprintf(resolve, sizeof resolve, "localhost:%u:127.0.0.1", (unsigned)tcmock_port(m));
  snprintf(u, sizeof u, "https://localhost:%u/oauth2/token", (unsigned)tcmock_port(m));
  o.resolve = curl_slist_append(NULL, resolve);
  http_ex(NULL, "POST", u, NULL, form, strlen(form), use_tls, &o, &r);
  curl_slist_free_all(o.resolve);
  assert_int_equal(r.rc, CURLE_OK);
  assert_int_equal(r.status, 200);
  resp_free(&r);

  /* Without the test CA the chain does not verify. */
  o.cainfo = NULL;
  o.resolve = NULL;
  snprintf(u, sizeof u, "%s/token", tcmock_auth_base(m));
  http_ex(NULL, "POST", u, NULL, form, strlen(form), use_tls, &o, &r);
  assert_int_equal(r.rc, CURLE_PEER_FAILED_VERIFICATION);
  resp_free(&r);

  tcmock_stop(m);
  unlink(ca);
  unlink(cert);
  unlink(key);
  rmdir(dir);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test_setup_teardown(test_token_form_and_query, setup, teardown),
      cmocka_unit_test_setup_teardown(test_token_errors, setup, teardown),
      cmocka_unit_test_setup_teardown(test_refresh_token_grant, setup, teardown),
      cmocka_unit_test_setup_teardown(test_validate, setup, teardown),
      cmocka_unit_test_setup_teardown(test_revoke, setup, teardown),
      cmocka_unit_test_setup_teardown(test_helix_auth, setup, teardown),
      cmocka_unit_test_setup_teardown(test_keepalive, setup, teardown),
      cmocka_unit_test_setup_teardown(test_ratelimit_headers_and_429, setup, teardown),
      cmocka_unit_test_setup_teardown(test_ratelimit_refill, setup, teardown),
      cmocka_unit_test_setup_teardown(test_conduit_crud, setup, teardown),
      cmocka_unit_test_setup_teardown(test_conduit_limit, setup, teardown),
      cmocka_unit_test_setup_teardown(test_conduit_bad_input, setup, teardown),
      cmocka_unit_test_setup_teardown(test_fail_rate_statistics, setup, teardown),
      cmocka_unit_test_setup_teardown(test_drop_next, setup, teardown),
      cmocka_unit_test_setup_teardown(test_drop_after_handling, setup, teardown),
      cmocka_unit_test_setup_teardown(test_fail_next_sequence, setup, teardown),
      cmocka_unit_test_setup_teardown(test_faults_on_oauth, setup, teardown),
      cmocka_unit_test_setup_teardown(test_latency, setup, teardown),
      cmocka_unit_test_setup_teardown(test_token_expire_after_calls, setup, teardown),
      cmocka_unit_test_setup_teardown(test_expire_tokens, setup, teardown),
      cmocka_unit_test_setup_teardown(test_body_limit, setup, teardown),
      cmocka_unit_test_setup_teardown(test_routes_and_stats, setup, teardown),
      cmocka_unit_test_setup_teardown(test_reset, setup, teardown),
      cmocka_unit_test_setup_teardown(test_start_errors, setup, teardown),
      cmocka_unit_test(test_tls),
  };
  int failed;
  curl_global_init(CURL_GLOBAL_DEFAULT);
  failed = cmocka_run_group_tests_name("mock", tests, NULL, NULL);
  curl_global_cleanup();
  return failed;
}
