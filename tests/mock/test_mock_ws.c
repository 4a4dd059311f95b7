/* The mock's EventSub WebSocket server (tools/mock/ws_hub.cpp) driven by an
 * independent client: libcurl's WebSocket API in CONNECT_ONLY mode. */
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mock_helpers.h"

#define SHARDS "/helix/eventsub/conduits/shards"

typedef struct {
  CURL *h;
  int close_code; /* the server's close code; 0 none yet; -1 connection gone without one */
  int pings;
} wsc_t;

static void wsc_open(wsc_t *c, const char *url) {
  memset(c, 0, sizeof *c);
  c->h = curl_easy_init();
  assert_non_null(c->h);
  curl_easy_setopt(c->h, CURLOPT_URL, url);
  curl_easy_setopt(c->h, CURLOPT_CONNECT_ONLY, 2L);
  curl_easy_setopt(c->h, CURLOPT_TIMEOUT_MS, 5000L);
  assert_int_equal(curl_easy_perform(c->h), CURLE_OK);
}

static void wsc_free(wsc_t *c) {
  if (c->h) curl_easy_cleanup(c->h);
  c->h = NULL;
}

/* The next whole frame (not pong): its flags and payload (malloc'd, NUL
 * terminated). 0 on success; -1 on timeout or a dead connection. */
static int wsc_frame(wsc_t *c, double timeout_s, int *flags, char **out, size_t *len) {
  double end = now_mono() + timeout_s;
  size_t cap = 4096, n = 0;
  char *buf = malloc(cap + 1);
  assert_non_null(buf);
  for (;;) {
    size_t got = 0;
    const struct curl_ws_frame *meta = NULL;
    if (cap - n < 4096) {
      cap *= 2;
      buf = realloc(buf, cap + 1);
      assert_non_null(buf);
    }
    CURLcode rc = curl_ws_recv(c->h, buf + n, cap - n, &got, &meta);
    if (rc == CURLE_AGAIN) {
      curl_socket_t s;
      double left = end - now_mono();
      if (left <= 0) break;
      curl_easy_getinfo(c->h, CURLINFO_ACTIVESOCKET, &s);
      struct pollfd p = {(int)s, POLLIN, 0};
      poll(&p, 1, (int)(left * 1000) + 1);
      continue;
    }
    if (rc != CURLE_OK) {
      if (!c->close_code) c->close_code = -1;
      break;
    }
    n += got;
    if (meta->bytesleft > 0) continue;
    if (meta->flags & CURLWS_CONT) continue;
    buf[n] = 0;
    if (meta->flags & CURLWS_PING) {
      c->pings++;
      n = 0;
      continue;
    }
    if (meta->flags & CURLWS_PONG) {
      n = 0;
      continue;
    }
    if (meta->flags & CURLWS_CLOSE) c->close_code = n >= 2 ? ((unsigned char)buf[0] << 8) | (unsigned char)buf[1] : 1005;
    *flags = meta->flags;
    *out = buf;
    *len = n;
    return 0;
  }
  free(buf);
  return -1;
}

/* The next text message as JSON; NULL on close or timeout. */
static cJSON *wsc_json(wsc_t *c, double timeout_s) {
  int flags = 0;
  char *p = NULL;
  size_t n = 0;
  if (wsc_frame(c, timeout_s, &flags, &p, &n) != 0) return NULL;
  cJSON *j = (flags & CURLWS_TEXT) ? cJSON_Parse(p) : NULL;
  free(p);
  return j;
}

/* Reads until the server closes; returns its close code (-1: no close frame). */
static int wsc_wait_close(wsc_t *c, double timeout_s) {
  double end = now_mono() + timeout_s;
  while (!c->close_code && now_mono() < end) {
    int flags;
    char *p = NULL;
    size_t n;
    if (wsc_frame(c, end - now_mono(), &flags, &p, &n) == 0) free(p);
  }
  return c->close_code;
}

static const char *jstr(const cJSON *o, const char *k) {
  const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, k);
  return cJSON_IsString(v) ? v->valuestring : NULL;
}
static cJSON *jget(const cJSON *o, const char *k) { return cJSON_GetObjectItemCaseSensitive(o, k); }
static const char *msg_type(const cJSON *m) { return jstr(jget(m, "metadata"), "message_type"); }

/* Opens a socket and reads its welcome; the session id goes to sid (>= 64). */
static void ws_connect(fx_t *f, wsc_t *c, const char *query, char *sid, long *keepalive) {
  char u[256];
  snprintf(u, sizeof u, "%s%s", tcmock_ws_url(f->m), query ? query : "");
  wsc_open(c, u);
  cJSON *w = wsc_json(c, 5);
  assert_non_null(w);
  assert_string_equal(msg_type(w), "session_welcome");
  const cJSON *s = jget(jget(w, "payload"), "session");
  assert_non_null(s);
  if (sid) snprintf(sid, 64, "%s", jstr(s, "id"));
  if (keepalive) *keepalive = (long)jget(s, "keepalive_timeout_seconds")->valuedouble;
  cJSON_Delete(w);
}

static void config(fx_t *f, const char *json) { control_ok(f, "config", json); }

/* A fixture with quick, quiet timings: no pings, no assign timeout. */
static int ws_setup(void **state) {
  if (setup(state) != 0) return -1;
  fx_t *f = *state;
  config(f, "{\"ws_keepalive_min_s\":1,\"ws_ping_interval_ms\":0,\"ws_assign_timeout_ms\":0}");
  return 0;
}

static void assign(fx_t *f, const char *cid, const char *shard, const char *sid, const char *want_error) {
  char body[512];
  resp_t r;
  snprintf(body, sizeof body,
           "{\"conduit_id\":\"%s\",\"shards\":[{\"id\":\"%s\",\"transport\":{\"method\":\"websocket\",\"session_id\":"
           "\"%s\"}}]}",
           cid, shard, sid);
  helix(f, NULL, "PATCH", SHARDS, body, &r);
  assert_int_equal(r.status, 202);
  cJSON *j = parse(&r);
  cJSON *errors = jget(j, "errors");
  if (want_error) {
    assert_int_equal(cJSON_GetArraySize(errors), 1);
    assert_string_equal(jstr(cJSON_GetArrayItem(errors, 0), "message"), want_error);
  } else {
    assert_int_equal(cJSON_GetArraySize(errors), 0);
    cJSON *d = cJSON_GetArrayItem(jget(j, "data"), 0);
    assert_string_equal(jstr(d, "status"), "enabled");
    assert_string_equal(jstr(jget(d, "transport"), "session_id"), sid);
    assert_non_null(jstr(jget(d, "transport"), "connected_at"));
  }
  cJSON_Delete(j);
  resp_free(&r);
}

static void shard_status(fx_t *f, const char *cid, const char *shard, char *out) {
  char path[256];
  resp_t r;
  snprintf(path, sizeof path, SHARDS "?conduit_id=%s", cid);
  helix(f, NULL, "GET", path, NULL, &r);
  cJSON *j = parse(&r);
  out[0] = 0;
  cJSON *s;
  cJSON_ArrayForEach(s, jget(j, "data")) if (!strcmp(jstr(s, "id"), shard)) snprintf(out, 64, "%s", jstr(s, "status"));
  cJSON_Delete(j);
  resp_free(&r);
}

static void expect_status(fx_t *f, const char *cid, const char *shard, const char *want) {
  char got[64];
  double end = now_mono() + 5;
  do {
    shard_status(f, cid, shard, got);
    if (!strcmp(got, want)) return;
    sleep_ms(10);
  } while (now_mono() < end);
  assert_string_equal(got, want);
}

static cJSON *control_json(fx_t *f, const char *method, const char *path, const char *body, long want) {
  resp_t r;
  http(NULL, method, url(f, path), NULL, body, &r);
  assert_int_equal(r.status, want);
  cJSON *j = parse(&r);
  resp_free(&r);
  return j;
}

static void control_target(fx_t *f, const char *action, const char *sid, const char *extra) {
  char body[512], path[64];
  snprintf(path, sizeof path, "/_mock/ws/%s", action);
  snprintf(body, sizeof body, "{\"session_id\":\"%s\"%s}", sid, extra ? extra : "");
  cJSON *j = control_json(f, "POST", path, body, 200);
  assert_string_equal(jstr(j, "session_id"), sid);
  cJSON_Delete(j);
}

static void create_sub_on(fx_t *f, const char *cid, const char *type, const char *cond, char *id_out) {
  char body[512];
  resp_t r;
  snprintf(body, sizeof body,
           "{\"type\":\"%s\",\"version\":\"1\",\"condition\":%s,\"transport\":{\"method\":\"conduit\",\"conduit_id\":"
           "\"%s\"}}",
           type, cond, cid);
  helix(f, NULL, "POST", "/helix/eventsub/subscriptions", body, &r);
  assert_int_equal(r.status, 202);
  cJSON *j = parse(&r);
  snprintf(id_out, 64, "%s", jstr(cJSON_GetArrayItem(jget(j, "data"), 0), "id"));
  cJSON_Delete(j);
  resp_free(&r);
}

/* /_mock/deliver with wait:true; returns the answer. */
static cJSON *deliver(fx_t *f, const char *body) { return control_json(f, "POST", "/_mock/deliver", body, 200); }

/* ---- tests ---- */

static void test_welcome_keepalive_ping(void **state) {
  fx_t *f = *state;
  wsc_t c;
  char sid[64];
  long ka = 0;
  /* Pings every 200 ms that must be answered within 300 ms: libcurl answers
   * them inside curl_ws_recv (without showing them), so reading keeps it open. */
  config(f, "{\"ws_ping_interval_ms\":200,\"ws_pong_timeout_ms\":300}");
  ws_connect(f, &c, "?keepalive_timeout_seconds=1", sid, &ka);
  assert_int_equal(ka, 1);
  assert_true(strlen(sid) >= 20);
  assert_int_equal(strspn(sid, "abcdefghijklmnopqrstuvwxyz0123456789-_"), strlen(sid));
  /* Two keepalives, never more than the window apart; pings in between. */
  double last = now_mono();
  for (int i = 0; i < 2; ++i) {
    cJSON *k = wsc_json(&c, 2);
    assert_non_null(k);
    assert_string_equal(msg_type(k), "session_keepalive");
    assert_non_null(jget(k, "payload"));
    assert_true(now_mono() - last < 1.0);
    last = now_mono();
    cJSON_Delete(k);
  }
  assert_int_equal(c.close_code, 0);
  assert_true(tcmock_stat(f->m, "ws_pings") >= 4);
  assert_true(tcmock_stat(f->m, "ws_keepalives") >= 2);
  assert_int_equal(tcmock_stat(f->m, "ws_welcomes"), 1);
  assert_int_equal(tcmock_stat(f->m, "ws_connections"), 1);
  wsc_free(&c);

  /* Clamping, and the default. */
  config(f, "{\"ws_keepalive_min_s\":10}");
  ws_connect(f, &c, "?keepalive_timeout_seconds=3", NULL, &ka);
  assert_int_equal(ka, 10);
  wsc_free(&c);
  ws_connect(f, &c, "?keepalive_timeout_seconds=5000", NULL, &ka);
  assert_int_equal(ka, 600);
  wsc_free(&c);
  ws_connect(f, &c, NULL, NULL, &ka);
  assert_int_equal(ka, 10);
  wsc_free(&c);
  resp_t r;
  http(NULL, "GET", url(f, "/ws?keepalive_timeout_seconds=abc"), NULL, NULL, &r);
  assert_int_equal(r.status, 400); /* not a handshake, and not a number either */
  resp_free(&r);
}

static void test_unanswered_ping_4002(void **state) {
  fx_t *f = *state;
  wsc_t c;
  config(f, "{\"ws_ping_interval_ms\":100,\"ws_pong_timeout_ms\":300}");
  ws_connect(f, &c, NULL, NULL, NULL);
  /* libcurl answers pings inside curl_ws_recv: not reading = not answering. */
  sleep_ms(600);
  assert_int_equal(wsc_wait_close(&c, 3), 4002);
  wsc_free(&c);
}

static void test_inbound_text_4001(void **state) {
  fx_t *f = *state;
  wsc_t c;
  size_t sent = 0;
  ws_connect(f, &c, NULL, NULL, NULL);
  assert_int_equal(curl_ws_send(c.h, "hello", 5, &sent, 0, CURLWS_TEXT), CURLE_OK);
  assert_int_equal(wsc_wait_close(&c, 3), 4001);
  assert_int_equal(tcmock_stat(f->m, "ws_inbound_violations"), 1);
  wsc_free(&c);
}

static void test_unassigned_4003(void **state) {
  fx_t *f = *state;
  wsc_t c, d;
  char sid[64], cid[64];
  config(f, "{\"ws_assign_timeout_ms\":300}");
  create_conduit(f, 1, cid);
  ws_connect(f, &c, NULL, NULL, NULL);
  ws_connect(f, &d, NULL, sid, NULL);
  assign(f, cid, "0", sid, NULL); /* this one is used: it stays */
  assert_int_equal(wsc_wait_close(&c, 3), 4003);
  assert_int_equal(tcmock_stat(f->m, "ws_closes_4003"), 1);
  cJSON *k = wsc_json(&d, 0.3);
  assert_null(k); /* nothing, but still open */
  assert_int_equal(d.close_code, 0);
  expect_status(f, cid, "0", "enabled");
  wsc_free(&c);
  wsc_free(&d);
}

static void test_assign_errors_and_refuse(void **state) {
  fx_t *f = *state;
  wsc_t c;
  char sid[64], cid[64];
  create_conduit(f, 1, cid);
  assign(f, cid, "0", "nosuchsession", "The websocket session is not connected.");
  ws_connect(f, &c, NULL, sid, NULL);
  control_ok(f, "ws/refuse_assign", "{\"count\":1}");
  assign(f, cid, "0", sid, "The websocket session is not connected.");
  assign(f, cid, "0", sid, NULL);
  wsc_free(&c); /* the client hangs up: websocket_disconnected, and not connected any more */
  expect_status(f, cid, "0", "websocket_disconnected");
  assign(f, cid, "0", sid, "The websocket session is not connected.");
  /* Unknown targets. */
  cJSON_Delete(control_json(f, "POST", "/_mock/ws/drop", "{\"session_id\":\"nope\"}", 404));
  cJSON_Delete(control_json(f, "POST", "/_mock/ws/close", "{\"conduit_id\":\"nope\",\"shard_id\":\"0\"}", 404));
  cJSON_Delete(control_json(f, "POST", "/_mock/ws/stall", "{}", 400));
}

static void test_close_codes(void **state) {
  fx_t *f = *state;
  static const struct {
    int code;
    const char *status;
  } cases[] = {{4000, "websocket_internal_error"},       {4001, "websocket_received_inbound_traffic"},
               {4002, "websocket_failed_ping_pong"},     {4004, "websocket_failed_to_reconnect"},
               {4005, "websocket_network_timeout"},      {4006, "websocket_network_error"},
               {4003, "websocket_disconnected"},         {4007, "websocket_disconnected"},
               {1000, "websocket_disconnected"}};
  char cid[64];
  create_conduit(f, 1, cid);
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; ++i) {
    wsc_t c;
    char sid[64], extra[64];
    ws_connect(f, &c, NULL, sid, NULL);
    assign(f, cid, "0", sid, NULL);
    snprintf(extra, sizeof extra, ",\"code\":%d,\"reason\":\"why\"", cases[i].code);
    control_target(f, "close", sid, extra);
    assert_int_equal(wsc_wait_close(&c, 3), cases[i].code);
    expect_status(f, cid, "0", cases[i].status);
    wsc_free(&c);
  }
  wsc_t c;
  char sid[64], extra[160];
  ws_connect(f, &c, NULL, sid, NULL);
  control_target(f, "stall", sid, NULL);  /* a stalled socket gets no close frame: it is dropped */
  snprintf(extra, sizeof extra, "{\"session_id\":\"%s\",\"code\":3000}", sid);
  cJSON_Delete(control_json(f, "POST", "/_mock/ws/close", extra, 400));
  control_target(f, "close", sid, ",\"code\":4000");
  assert_int_equal(wsc_wait_close(&c, 3), -1);
  wsc_free(&c);
}

static void test_deliver_failover_resend(void **state) {
  fx_t *f = *state;
  wsc_t c[2];
  char sid[2][64], cid[64], sub[64], body[512];
  create_conduit(f, 2, cid);
  for (int i = 0; i < 2; ++i) {
    ws_connect(f, &c[i], NULL, sid[i], NULL);
    assign(f, cid, i ? "1" : "0", sid[i], NULL);
  }
  create_sub_on(f, cid, "stream.online", "{\"broadcaster_user_id\":\"1337\"}", sub);
  snprintf(body, sizeof body, "{\"subscription_id\":\"%s\",\"wait\":true}", sub);
  cJSON *a = deliver(f, body);
  assert_true(cJSON_IsTrue(jget(a, "delivered")));
  int hashed = atoi(jstr(a, "hashed_shard"));
  assert_string_equal(jstr(a, "shard_id"), jstr(a, "hashed_shard"));
  char mid[128];
  snprintf(mid, sizeof mid, "%s", jstr(a, "message_id"));
  cJSON_Delete(a);
  cJSON *n = wsc_json(&c[hashed], 3);
  assert_non_null(n);
  const cJSON *md = jget(n, "metadata");
  assert_string_equal(jstr(md, "message_type"), "notification");
  assert_string_equal(jstr(md, "message_id"), mid);
  assert_string_equal(jstr(md, "subscription_type"), "stream.online");
  assert_string_equal(jstr(md, "subscription_version"), "1");
  assert_non_null(jstr(md, "message_timestamp"));
  assert_string_equal(jstr(jget(jget(n, "payload"), "subscription"), "id"), sub);
  assert_string_equal(jstr(jget(jget(n, "payload"), "event"), "broadcaster_user_id"), "1337");
  char ts[128];
  snprintf(ts, sizeof ts, "%s", jstr(md, "message_timestamp"));
  cJSON_Delete(n);
  assert_int_equal(tcmock_stat(f->m, "ws_notifications"), 1);

  /* The hashed shard's socket drops: failover to the other one. */
  control_target(f, "drop", sid[hashed], NULL);
  assert_int_equal(wsc_wait_close(&c[hashed], 3), -1); /* no close frame */
  expect_status(f, cid, hashed ? "1" : "0", "websocket_disconnected");
  snprintf(body, sizeof body, "{\"resend_of\":\"%s\",\"wait\":true}", mid);
  a = deliver(f, body);
  assert_true(cJSON_IsTrue(jget(a, "delivered")));
  assert_true(cJSON_IsTrue(jget(a, "failover")));
  assert_int_equal(atoi(jstr(a, "shard_id")), 1 - hashed);
  cJSON_Delete(a);
  n = wsc_json(&c[1 - hashed], 3);
  assert_non_null(n);
  assert_string_equal(jstr(jget(n, "metadata"), "message_id"), mid);
  assert_string_equal(jstr(jget(n, "metadata"), "message_timestamp"), ts);
  cJSON_Delete(n);

  /* A revocation: payload has only the subscription. */
  snprintf(body, sizeof body, "{\"subscription_id\":\"%s\",\"kind\":\"revocation\",\"wait\":true}", sub);
  cJSON_Delete(deliver(f, body));
  n = wsc_json(&c[1 - hashed], 3);
  assert_string_equal(jstr(jget(n, "metadata"), "message_type"), "revocation");
  assert_null(jget(jget(n, "payload"), "event"));
  assert_string_equal(jstr(jget(jget(n, "payload"), "subscription"), "status"), "authorization_revoked");
  cJSON_Delete(n);
  wsc_free(&c[0]);
  wsc_free(&c[1]);
}

static void test_shard_disabled_event(void **state) {
  fx_t *f = *state;
  wsc_t a, b;
  char sa[64], sb[64], cid[64], sub[64], cond[256];
  create_conduit(f, 2, cid);
  ws_connect(f, &a, NULL, sa, NULL);
  ws_connect(f, &b, NULL, sb, NULL);
  assign(f, cid, "0", sa, NULL);
  assign(f, cid, "1", sb, NULL);
  snprintf(cond, sizeof cond, "{\"client_id\":\"%s\",\"conduit_id\":\"%s\"}", CLIENT_ID, cid);
  create_sub_on(f, cid, "conduit.shard.disabled", cond, sub);
  control_target(f, "drop", sa, NULL);
  cJSON *n = wsc_json(&b, 3);
  assert_non_null(n);
  assert_string_equal(jstr(jget(n, "metadata"), "subscription_type"), "conduit.shard.disabled");
  const cJSON *ev = jget(jget(n, "payload"), "event");
  assert_string_equal(jstr(ev, "conduit_id"), cid);
  assert_string_equal(jstr(ev, "shard_id"), "0");
  assert_string_equal(jstr(ev, "status"), "websocket_disconnected");
  assert_string_equal(jstr(jget(ev, "transport"), "method"), "websocket");
  assert_string_equal(jstr(jget(ev, "transport"), "session_id"), sa);
  assert_non_null(jstr(jget(ev, "transport"), "disconnected_at"));
  cJSON_Delete(n);
  assert_int_equal(tcmock_stat(f->m, "shard_disabled_events"), 1);
  wsc_free(&a);
  wsc_free(&b);
}

static void test_reconnect(void **state) {
  fx_t *f = *state;
  wsc_t old, neu;
  char sid[64], sid2[256], cid[64], sub[64], body[256];
  config(f, "{\"ws_reconnect_grace_ms\":500}");
  create_conduit(f, 1, cid);
  create_sub_on(f, cid, "stream.online", "{\"broadcaster_user_id\":\"7\"}", sub);
  snprintf(body, sizeof body, "{\"subscription_id\":\"%s\",\"wait\":true}", sub);

  /* Same session: the new socket carries it, shards stay enabled. */
  ws_connect(f, &old, NULL, sid, NULL);
  assign(f, cid, "0", sid, NULL);
  cJSON *j = control_json(f, "POST", "/_mock/ws/reconnect", "{\"conduit_id\":\"x\",\"shard_id\":\"0\"}", 404);
  cJSON_Delete(j);
  snprintf(sid2, sizeof sid2, "{\"conduit_id\":\"%s\",\"shard_id\":\"0\"}", cid);
  cJSON_Delete(control_json(f, "POST", "/_mock/ws/reconnect", sid2, 200));
  cJSON *m = wsc_json(&old, 3);
  assert_string_equal(msg_type(m), "session_reconnect");
  const cJSON *s = jget(jget(m, "payload"), "session");
  assert_string_equal(jstr(s, "status"), "reconnecting");
  assert_true(cJSON_IsNull(jget(s, "keepalive_timeout_seconds")));
  char rurl[256];
  snprintf(rurl, sizeof rurl, "%s", jstr(s, "reconnect_url"));
  assert_int_equal(strncmp(rurl, tcmock_ws_url(f->m), strlen(tcmock_ws_url(f->m))), 0);
  cJSON_Delete(m);
  wsc_open(&neu, rurl);
  m = wsc_json(&neu, 3);
  assert_string_equal(jstr(jget(jget(m, "payload"), "session"), "id"), sid);
  cJSON_Delete(m);
  cJSON_Delete(deliver(f, body));
  m = wsc_json(&neu, 3); /* the new socket gets it */
  assert_string_equal(msg_type(m), "notification");
  cJSON_Delete(m);
  wsc_free(&old); /* the client closes the old one: nothing changes */
  sleep_ms(50);
  expect_status(f, cid, "0", "enabled");
  /* The token was used: a second use is 4007, before any welcome. */
  wsc_t bad;
  wsc_open(&bad, rurl);
  assert_int_equal(wsc_wait_close(&bad, 3), 4007);
  wsc_free(&bad);

  /* New session: the old socket keeps the shard until the grace runs out (4004). */
  control_target(f, "reconnect", sid, ",\"same_session\":false");
  m = wsc_json(&neu, 3);
  snprintf(rurl, sizeof rurl, "%s", jstr(jget(jget(m, "payload"), "session"), "reconnect_url"));
  cJSON_Delete(m);
  wsc_t third;
  char sid3[64];
  wsc_open(&third, rurl);
  m = wsc_json(&third, 3);
  snprintf(sid3, sizeof sid3, "%s", jstr(jget(jget(m, "payload"), "session"), "id"));
  cJSON_Delete(m);
  assert_string_not_equal(sid3, sid);
  cJSON_Delete(deliver(f, body));
  m = wsc_json(&neu, 3); /* still assigned to the old session */
  assert_string_equal(msg_type(m), "notification");
  cJSON_Delete(m);
  assert_int_equal(wsc_wait_close(&neu, 3), 4004);
  expect_status(f, cid, "0", "websocket_failed_to_reconnect");
  assign(f, cid, "0", sid3, NULL);
  wsc_free(&neu);
  wsc_free(&third);
}

static void test_stall(void **state) {
  fx_t *f = *state;
  wsc_t c;
  char sid[64], cid[64], sub[64], body[256];
  create_conduit(f, 1, cid);
  create_sub_on(f, cid, "stream.online", "{\"broadcaster_user_id\":\"7\"}", sub);
  ws_connect(f, &c, "?keepalive_timeout_seconds=1", sid, NULL);
  assign(f, cid, "0", sid, NULL);
  control_target(f, "stall", sid, NULL);
  snprintf(body, sizeof body, "{\"subscription_id\":\"%s\",\"wait\":true}", sub);
  cJSON *a = deliver(f, body);
  assert_true(cJSON_IsTrue(jget(a, "delivered"))); /* into the black hole */
  cJSON_Delete(a);
  cJSON *m = wsc_json(&c, 1.5); /* nothing at all, not even keepalives */
  assert_null(m);
  assert_int_equal(c.close_code, 0);
  cJSON *l = control_json(f, "GET", "/_mock/ws/sessions", NULL, 200);
  cJSON *s0 = cJSON_GetArrayItem(jget(l, "sessions"), 0);
  assert_string_equal(jstr(s0, "state"), "stalled");
  assert_string_equal(jstr(cJSON_GetArrayItem(jget(s0, "shards"), 0), "conduit_id"), cid);
  assert_int_equal((int)jget(s0, "notifications_sent")->valuedouble, 1);
  cJSON_Delete(l);
  expect_status(f, cid, "0", "enabled");
  wsc_free(&c);
  expect_status(f, cid, "0", "websocket_disconnected");
}

static void test_raw_frames(void **state) {
  fx_t *f = *state;
  wsc_t c;
  char sid[64], extra[128];
  int flags;
  char *p;
  size_t n;
  ws_connect(f, &c, NULL, sid, NULL);
  control_target(f, "send", sid, ",\"opcode\":\"binary\",\"data\":\"abc\"");
  assert_int_equal(wsc_frame(&c, 3, &flags, &p, &n), 0);
  assert_true(flags & CURLWS_BINARY);
  assert_int_equal(n, 3);
  free(p);
  const long sizes[] = {125, 126, 65535, 65536, 300000};
  for (size_t i = 0; i < sizeof sizes / sizeof sizes[0]; ++i) {
    snprintf(extra, sizeof extra, ",\"size\":%ld", sizes[i]);
    control_target(f, "send", sid, extra);
    assert_int_equal(wsc_frame(&c, 3, &flags, &p, &n), 0);
    assert_true(flags & CURLWS_TEXT);
    assert_int_equal(n, (size_t)sizes[i]);
    assert_int_equal(strspn(p, "x"), (size_t)sizes[i]);
    free(p);
  }
  control_target(f, "send", sid, ",\"data\":\"{not json\"");
  assert_int_equal(wsc_frame(&c, 3, &flags, &p, &n), 0);
  assert_string_equal(p, "{not json");
  free(p);
  cJSON_Delete(control_json(f, "POST", "/_mock/ws/send", "{\"session_id\":\"x\",\"opcode\":\"ping\"}", 404));
  wsc_free(&c);
}

static void test_reset_and_stop_with_sockets_open(void **state) {
  fx_t *f = *state;
  enum { N = 100 };
  wsc_t *c = calloc(N, sizeof *c);
  for (int i = 0; i < N; ++i) ws_connect(f, &c[i], NULL, NULL, NULL);
  assert_int_equal(tcmock_stat(f->m, "ws_connections"), N);
  control_ok(f, "reset", NULL);
  assert_int_equal(tcmock_stat(f->m, "ws_connections"), 0);
  for (int i = 0; i < N; ++i) {
    int code = wsc_wait_close(&c[i], 3);
    assert_true(code == 1001 || code == -1);
    wsc_free(&c[i]);
  }
  for (int i = 0; i < N; ++i) ws_connect(f, &c[i], NULL, NULL, NULL);
  double t0 = now_mono();
  tcmock_stop(f->m);
  f->m = NULL;
  assert_true(now_mono() - t0 < 2.0);
  for (int i = 0; i < N; ++i) {
    int code = wsc_wait_close(&c[i], 3);
    assert_true(code == 1001 || code == -1);
    wsc_free(&c[i]);
  }
  free(c);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test_setup_teardown(test_welcome_keepalive_ping, ws_setup, teardown),
      cmocka_unit_test_setup_teardown(test_unanswered_ping_4002, ws_setup, teardown),
      cmocka_unit_test_setup_teardown(test_inbound_text_4001, ws_setup, teardown),
      cmocka_unit_test_setup_teardown(test_unassigned_4003, ws_setup, teardown),
      cmocka_unit_test_setup_teardown(test_assign_errors_and_refuse, ws_setup, teardown),
      cmocka_unit_test_setup_teardown(test_close_codes, ws_setup, teardown),
      cmocka_unit_test_setup_teardown(test_deliver_failover_resend, ws_setup, teardown),
      cmocka_unit_test_setup_teardown(test_shard_disabled_event, ws_setup, teardown),
      cmocka_unit_test_setup_teardown(test_reconnect, ws_setup, teardown),
      cmocka_unit_test_setup_teardown(test_stall, ws_setup, teardown),
      cmocka_unit_test_setup_teardown(test_raw_frames, ws_setup, teardown),
      cmocka_unit_test_setup_teardown(test_reset_and_stop_with_sockets_open, ws_setup, teardown),
  };
  curl_global_init(CURL_GLOBAL_DEFAULT);
  int rc = cmocka_run_group_tests(tests, NULL, NULL);
  curl_global_cleanup();
  return rc;
}
