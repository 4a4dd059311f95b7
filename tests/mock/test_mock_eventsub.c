/* Tests for the mock's shards and subscriptions endpoints: Get/Update Conduit
 * Shards with the webhook challenge flow (against a small libmicrohttpd
 * responder run here), and Create/Get/Delete EventSub Subscription for the
 * conduit transport. Real sockets throughout; waits poll a condition against
 * a deadline. */
#define _POSIX_C_SOURCE 200809L

#include "mock_helpers.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <microhttpd.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#define SHARDS "/helix/eventsub/conduits/shards"
#define SUBS "/helix/eventsub/subscriptions"
#define SECRET "s3cret-value-0123"

#define MSG_SECRET "The length of the string in the secret field is not valid."
#define MSG_CALLBACK \
  "The URL in the transport's callback field is not valid. The URL must use the HTTPS protocol and the 443 port number."
#define MSG_METHOD "The value specified in the method field is not valid."
#define MSG_NO_CALLBACK "The callback field is required if you specify the webhook transport method."
#define MSG_NO_SESSION "The session_id field is required if you specify the WebSocket transport method."
#define MSG_NOT_CONNECTED "The websocket session is not connected."
#define MSG_RANGE "The shard id is outside of the conduit's range."
#define NOT_FOUND "{\"error\":\"Not Found\",\"status\":404,\"message\":\"not found\"}"

/* ------------------------------------------------------------ small utils */

static const char *jstr(const cJSON *o, const char *k) {
  const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, k);
  return cJSON_IsString(v) ? v->valuestring : NULL;
}

static double jnum(const cJSON *o, const char *k) {
  const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, k);
  assert_true(cJSON_IsNumber(v));
  return v->valuedouble;
}

static cJSON *jget(const cJSON *o, const char *k) { return cJSON_GetObjectItemCaseSensitive(o, k); }

/* A Helix call that must answer `status`; returns the parsed body. */
static cJSON *helix_json(fx_t *f, CURL *h, const char *method, const char *path, const char *body, long status) {
  resp_t r;
  cJSON *j;
  helix(f, h, method, path, body, &r);
  if (r.status != status) fprintf(stderr, "%s %s -> %ld %s\n", method, path, r.status, r.body);
  assert_int_equal(r.rc, CURLE_OK);
  assert_int_equal(r.status, status);
  j = parse(&r);
  resp_free(&r);
  return j;
}

/* The exact body of a Helix call that must answer `status`; caller frees. */
static char *helix_body(fx_t *f, CURL *h, const char *method, const char *path, const char *body, long status) {
  resp_t r;
  helix(f, h, method, path, body, &r);
  if (r.status != status) fprintf(stderr, "%s %s -> %ld %s\n", method, path, r.status, r.body);
  assert_int_equal(r.status, status);
  return r.body; /* ownership moves to the caller */
}

static void expect_body(fx_t *f, const char *method, const char *path, const char *body, long status,
                        const char *expected) {
  char *got = helix_body(f, NULL, method, path, body, status);
  assert_string_equal(got, expected);
  free(got);
}

static long settled(fx_t *f) { return tcmock_stat(f->m, "challenges_passed") + tcmock_stat(f->m, "challenges_failed"); }

static void wait_settled(fx_t *f, long want) {
  double deadline = now_mono() + 5.0;
  while (settled(f) < want && now_mono() < deadline) sleep_ms(1);
  assert_int_equal(settled(f), want);
}

static void patch_shards(fx_t *f, const char *conduit_id, const char *shards, resp_t *r) {
  size_t n = strlen(shards) + 128;
  char *body = malloc(n);
  assert_non_null(body);
  snprintf(body, n, "{\"conduit_id\":\"%s\",\"shards\":%s}", conduit_id, shards);
  helix(f, NULL, "PATCH", SHARDS, body, r);
  free(body);
}

/* Status of shard `id` (first page, so small conduits only); "" when not listed. */
static void shard_status(fx_t *f, const char *conduit_id, const char *id, char *out, size_t cap) {
  char path[160];
  cJSON *j, *s;
  snprintf(path, sizeof path, SHARDS "?conduit_id=%s", conduit_id);
  j = helix_json(f, NULL, "GET", path, NULL, 200);
  out[0] = '\0';
  cJSON_ArrayForEach(s, jget(j, "data")) {
    if (strcmp(jstr(s, "id"), id) == 0) snprintf(out, cap, "%s", jstr(s, "status"));
  }
  cJSON_Delete(j);
}

static void expect_shard_status(fx_t *f, const char *conduit_id, const char *id, const char *want) {
  char got[96];
  shard_status(f, conduit_id, id, got, sizeof got);
  assert_string_equal(got, want);
}

static int is_rfc3339_nano(const char *s) {
  /* 2021-02-19T23:47:00.809151200Z */
  static const char shape[] = "dddd-dd-ddTdd:dd:dd.dddddddddZ";
  size_t i;
  if (strlen(s) != sizeof shape - 1) return 0;
  for (i = 0; shape[i]; ++i) {
    if (shape[i] == 'd' ? !isdigit((unsigned char)s[i]) : s[i] != shape[i]) return 0;
  }
  return 1;
}

static void allow_http(fx_t *f) { control_ok(f, "config", "{\"allow_http_callbacks\":true}"); }

static void register_session(fx_t *f, const char *id) {
  char body[128];
  snprintf(body, sizeof body, "{\"session_id\":\"%s\"}", id);
  control_ok(f, "sessions", body);
}

/* POSTs a conduit subscription; returns the status, with the new (or, for a
 * 409, the existing) id in id_out when given. */
static long create_sub(fx_t *f, CURL *h, const char *type, const char *version, const char *condition,
                       const char *conduit_id, char *id_out) {
  char body[512];
  resp_t r;
  long status;
  snprintf(body, sizeof body,
           "{\"type\":\"%s\",\"version\":\"%s\",\"condition\":%s,\"transport\":{\"method\":\"conduit\",\"conduit_id\":"
           "\"%s\"}}",
           type, version, condition, conduit_id);
  helix(f, h, "POST", SUBS, body, &r);
  assert_int_equal(r.rc, CURLE_OK);
  status = r.status;
  if (id_out && (status == 202 || status == 409)) {
    cJSON *j = parse(&r);
    const char *id = status == 202 ? jstr(cJSON_GetArrayItem(jget(j, "data"), 0), "id") : jstr(j, "id");
    assert_non_null(id);
    strcpy(id_out, id);
    cJSON_Delete(j);
  }
  resp_free(&r);
  return status;
}

static void set_sub_status(fx_t *f, const char *id, const char *status) {
  char body[160];
  snprintf(body, sizeof body, "{\"id\":\"%s\",\"status\":\"%s\"}", id, status);
  control_ok(f, "subscriptions/status", body);
}

/* Second client with its own token; hdrs gets {auth, client-id, content-type, NULL}. */
typedef struct {
  char token[64], auth[128];
  const char *hdrs[4];
} other_t;

static void other_client(fx_t *f, other_t *o) {
  control_ok(f, "clients", "{\"client_id\":\"" OTHER_ID "\",\"client_secret\":\"" OTHER_SECRET "\"}");
  get_token(f, OTHER_ID, OTHER_SECRET, o->token);
  snprintf(o->auth, sizeof o->auth, "Authorization: Bearer %s", o->token);
  o->hdrs[0] = o->auth;
  o->hdrs[1] = "Client-Id: " OTHER_ID;
  o->hdrs[2] = "Content-Type: application/json";
  o->hdrs[3] = NULL;
}

/* ---------------------------------------------- the challenge responder */

#define MAX_RECORDS 64

typedef struct {
  char path[64], method[16], body[2048];
  char id[128], retry[16], type[80], sig[128], ts[64], ctype[64], sub_type[80], sub_version[16];
  int has_sub_type, has_sub_version;
} record_t;

typedef struct {
  struct MHD_Daemon *d;
  unsigned short port;
  pthread_mutex_t mu;
  pthread_cond_t cv;
  record_t rec[MAX_RECORDS];
  int hits;
  int hanging; /* requests waiting on /hang */
  int release; /* lets /hang answer */
} responder_t;

typedef struct {
  char *data;
  size_t len;
} upload_t;

static void copy_header(struct MHD_Connection *c, const char *name, char *out, size_t cap) {
  const char *v = MHD_lookup_connection_value(c, MHD_HEADER_KIND, name);
  snprintf(out, cap, "%s", v ? v : "");
}

/* Answers by path: /good echoes the challenge, /wrong answers another string,
 * /quoted JSON-encodes it, /status500 echoes it with a 500, /redirect sends a
 * 302 to /good, /hang waits for the test before echoing; any other path
 * echoes it too. Messages without a challenge (notifications, revocations)
 * get 204, or 500 on /fail. */
static enum MHD_Result on_callback(void *cls, struct MHD_Connection *c, const char *path, const char *method,
                                   const char *version, const char *data, size_t *size, void **con_cls) {
  responder_t *r = cls;
  upload_t *u = *con_cls;
  char answer[512], location[128];
  const char *challenge = "";
  unsigned status = 200;
  cJSON *j;
  struct MHD_Response *resp;
  enum MHD_Result ret;
  (void)version;
  if (!u) {
    u = calloc(1, sizeof *u);
    if (!u) return MHD_NO;
    *con_cls = u;
    return MHD_YES;
  }
  if (*size) {
    char *nd = realloc(u->data, u->len + *size + 1);
    if (!nd) return MHD_NO;
    memcpy(nd + u->len, data, *size);
    u->data = nd;
    u->len += *size;
    u->data[u->len] = '\0';
    *size = 0;
    return MHD_YES;
  }
  j = u->data ? cJSON_Parse(u->data) : NULL;
  if (j && jstr(j, "challenge")) challenge = jstr(j, "challenge");
  snprintf(answer, sizeof answer, "%s", challenge);

  pthread_mutex_lock(&r->mu);
  if (r->hits < MAX_RECORDS) {
    record_t *rec = &r->rec[r->hits];
    snprintf(rec->path, sizeof rec->path, "%s", path);
    snprintf(rec->method, sizeof rec->method, "%s", method);
    snprintf(rec->body, sizeof rec->body, "%s", u->data ? u->data : "");
    copy_header(c, "Twitch-Eventsub-Message-Id", rec->id, sizeof rec->id);
    copy_header(c, "Twitch-Eventsub-Message-Retry", rec->retry, sizeof rec->retry);
    copy_header(c, "Twitch-Eventsub-Message-Type", rec->type, sizeof rec->type);
    copy_header(c, "Twitch-Eventsub-Message-Signature", rec->sig, sizeof rec->sig);
    copy_header(c, "Twitch-Eventsub-Message-Timestamp", rec->ts, sizeof rec->ts);
    copy_header(c, "Content-Type", rec->ctype, sizeof rec->ctype);
    copy_header(c, "Twitch-Eventsub-Subscription-Type", rec->sub_type, sizeof rec->sub_type);
    copy_header(c, "Twitch-Eventsub-Subscription-Version", rec->sub_version, sizeof rec->sub_version);
    rec->has_sub_type = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "Twitch-Eventsub-Subscription-Type") != NULL;
    rec->has_sub_version =
        MHD_lookup_connection_value(c, MHD_HEADER_KIND, "Twitch-Eventsub-Subscription-Version") != NULL;
  }
  ++r->hits;
  pthread_cond_broadcast(&r->cv);
  if (strcmp(path, "/hang") == 0) {
    ++r->hanging;
    pthread_cond_broadcast(&r->cv);
    while (!r->release) pthread_cond_wait(&r->cv, &r->mu);
  }
  pthread_mutex_unlock(&r->mu);

  if (strcmp(path, "/wrong") == 0) snprintf(answer, sizeof answer, "not-the-challenge");
  if (strcmp(path, "/quoted") == 0) snprintf(answer, sizeof answer, "\"%s\"", challenge);
  if (strcmp(path, "/status500") == 0) status = 500;
  if (strcmp(path, "/redirect") == 0) status = 302;
  if (!j || !jstr(j, "challenge")) {
    answer[0] = '\0';
    status = strcmp(path, "/fail") == 0 ? 500 : 204;
  }
  cJSON_Delete(j);

  resp = MHD_create_response_from_buffer(strlen(answer), answer, MHD_RESPMEM_MUST_COPY);
  if (!resp) return MHD_NO;
  if (status == 302) {
    snprintf(location, sizeof location, "http://127.0.0.1:%u/good", (unsigned)r->port);
    MHD_add_response_header(resp, "Location", location);
  }
  ret = MHD_queue_response(c, status, resp);
  MHD_destroy_response(resp);
  return ret;
}

static void on_callback_done(void *cls, struct MHD_Connection *c, void **con_cls, enum MHD_RequestTerminationCode t) {
  upload_t *u = *con_cls;
  (void)cls;
  (void)c;
  (void)t;
  if (u) free(u->data);
  free(u);
  *con_cls = NULL;
}

static void responder_start(responder_t *r) {
  struct sockaddr_in addr;
  const union MHD_DaemonInfo *info;
  memset(r, 0, sizeof *r);
  pthread_mutex_init(&r->mu, NULL);
  pthread_cond_init(&r->cv, NULL);
  memset(&addr, 0, sizeof addr);
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  r->d = MHD_start_daemon(MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_THREAD_PER_CONNECTION | MHD_USE_AUTO, 0, NULL,
                          NULL, on_callback, r, MHD_OPTION_SOCK_ADDR, (struct sockaddr *)&addr,
                          MHD_OPTION_NOTIFY_COMPLETED, on_callback_done, NULL, MHD_OPTION_END);
  assert_non_null(r->d);
  info = MHD_get_daemon_info(r->d, MHD_DAEMON_INFO_BIND_PORT);
  assert_non_null(info);
  r->port = info->port;
}

static void responder_release(responder_t *r) {
  pthread_mutex_lock(&r->mu);
  r->release = 1;
  pthread_cond_broadcast(&r->cv);
  pthread_mutex_unlock(&r->mu);
}

static void responder_stop(responder_t *r) {
  responder_release(r);
  MHD_stop_daemon(r->d);
  pthread_cond_destroy(&r->cv);
  pthread_mutex_destroy(&r->mu);
}

/* Waits (5 s deadline) until `n` requests are parked on /hang. */
static void responder_wait_hanging(responder_t *r, int n) {
  struct timespec deadline;
  clock_gettime(CLOCK_REALTIME, &deadline);
  deadline.tv_sec += 5;
  pthread_mutex_lock(&r->mu);
  while (r->hanging < n) {
    if (pthread_cond_timedwait(&r->cv, &r->mu, &deadline) == ETIMEDOUT) break;
  }
  pthread_mutex_unlock(&r->mu);
  assert_int_equal(r->hanging, n);
}

static const record_t *find_record(responder_t *r, const char *path) {
  int i;
  for (i = 0; i < r->hits && i < MAX_RECORDS; ++i)
    if (strcmp(r->rec[i].path, path) == 0) return &r->rec[i];
  return NULL;
}

static int count_records(responder_t *r, const char *path) {
  int i, n = 0;
  for (i = 0; i < r->hits && i < MAX_RECORDS; ++i) n += strcmp(r->rec[i].path, path) == 0;
  return n;
}

/* A loopback port nobody listens on. */
static unsigned short closed_port(void) {
  struct sockaddr_in addr;
  socklen_t len = sizeof addr;
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  assert_true(fd >= 0);
  memset(&addr, 0, sizeof addr);
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  assert_int_equal(bind(fd, (struct sockaddr *)&addr, sizeof addr), 0);
  assert_int_equal(getsockname(fd, (struct sockaddr *)&addr, &len), 0);
  close(fd);
  return ntohs(addr.sin_port);
}

/* ------------------------------------------------------------ shards: GET */

static void test_shards_get_basics(void **state) {
  fx_t *f = *state;
  char cid[40], path[256], other_cid[40];
  other_t o;
  resp_t r;
  create_conduit(f, 3, cid);
  /* Unassigned shards are not listed (§2.2). */
  snprintf(path, sizeof path, SHARDS "?conduit_id=%s", cid);
  expect_body(f, "GET", path, NULL, 200, "{\"data\":[],\"pagination\":{}}");

  expect_helix_error(f, "GET", SHARDS, NULL, 400, "Missing required parameter \\\"conduit_id\\\"");
  expect_helix_error(f, "GET", SHARDS "?conduit_id=", NULL, 400, "Missing required parameter \\\"conduit_id\\\"");
  expect_body(f, "GET", SHARDS "?conduit_id=00000000-0000-4000-8000-000000000000", NULL, 404, NOT_FOUND);
  snprintf(path, sizeof path, SHARDS "?conduit_id=%s&status=bogus", cid);
  expect_helix_error(f, "GET", path, NULL, 400, "The value in the status field is not valid.");
  snprintf(path, sizeof path, SHARDS "?conduit_id=%s&after=garbage!", cid);
  expect_helix_error(f, "GET", path, NULL, 400, "The value in the after field is not valid.");

  /* Another client's conduit is "not found". */
  other_client(f, &o);
  http(NULL, "POST", url(f, CONDUITS), o.hdrs, "{\"shard_count\":2}", &r);
  assert_int_equal(r.status, 200);
  {
    cJSON *j = parse(&r);
    strcpy(other_cid, jstr(cJSON_GetArrayItem(jget(j, "data"), 0), "id"));
    cJSON_Delete(j);
  }
  resp_free(&r);
  snprintf(path, sizeof path, SHARDS "?conduit_id=%s", other_cid);
  expect_body(f, "GET", path, NULL, 404, NOT_FOUND);
  {
    char body[256];
    snprintf(body, sizeof body,
             "{\"conduit_id\":\"%s\",\"shards\":[{\"id\":\"0\",\"transport\":{\"method\":\"websocket\","
             "\"session_id\":\"x\"}}]}",
             other_cid);
    expect_body(f, "PATCH", SHARDS, body, 404, NOT_FOUND);
  }
}

/* ---------------------------------------------------------- shards: PATCH */

static void test_shards_patch_request_errors(void **state) {
  fx_t *f = *state;
  char cid[40], body[512];
  create_conduit(f, 2, cid);
  expect_helix_error(f, "PATCH", SHARDS, "{\"shards\":[]}", 400, "Missing required parameter \\\"conduit_id\\\"");
  snprintf(body, sizeof body, "{\"conduit_id\":\"%s\"}", cid);
  expect_helix_error(f, "PATCH", SHARDS, body, 400, "Missing required parameter \\\"shards\\\"");
  snprintf(body, sizeof body, "{\"conduit_id\":\"%s\",\"shards\":{}}", cid);
  expect_helix_error(f, "PATCH", SHARDS, body, 400, "Missing required parameter \\\"shards\\\"");
  expect_helix_error(f, "PATCH", SHARDS, "{\"conduit_id\":", 400, NULL);

  /* One shard without an id fails the whole request (twitchdev/issues#1200). */
  snprintf(body, sizeof body,
           "{\"conduit_id\":\"%s\",\"shards\":[{\"id\":\"0\",\"transport\":{\"method\":\"websocket\",\"session_id\":"
           "\"a\"}},{\"transport\":{\"method\":\"websocket\",\"session_id\":\"a\"}}]}",
           cid);
  expect_body(f, "PATCH", SHARDS, body, 400,
              "{\"error\":\"Bad Request\",\"status\":400,\"message\":\"Missing required parameter \\\"\\\"\"}");
  /* ...and before the conduit is looked up. */
  expect_body(f, "PATCH", SHARDS,
              "{\"conduit_id\":\"00000000-0000-4000-8000-000000000000\",\"shards\":[{\"transport\":{}}]}", 400,
              "{\"error\":\"Bad Request\",\"status\":400,\"message\":\"Missing required parameter \\\"\\\"\"}");
  expect_body(f, "PATCH", SHARDS, "{\"conduit_id\":\"00000000-0000-4000-8000-000000000000\",\"shards\":[]}", 404,
              NOT_FOUND);

  /* An empty list is fine: both keys, always. */
  snprintf(body, sizeof body, "{\"conduit_id\":\"%s\",\"shards\":[]}", cid);
  expect_body(f, "PATCH", SHARDS, body, 202, "{\"data\":[],\"errors\":[]}");
}

static void test_shards_patch_validation(void **state) {
  fx_t *f = *state;
  char cid[40], expected[8192];
  char long_secret[102];
  resp_t r;
  cJSON *j, *e, *d;
  size_t i;
  static const struct {
    const char *id, *transport, *message;
  } bad[] = {
      {"5", "{\"method\":\"websocket\",\"session_id\":\"live\"}", MSG_RANGE},
      {"-1", "{\"method\":\"websocket\",\"session_id\":\"live\"}", MSG_RANGE},
      {"01", "{\"method\":\"websocket\",\"session_id\":\"live\"}", MSG_RANGE},
      {"abc", "{\"method\":\"websocket\",\"session_id\":\"live\"}", MSG_RANGE},
      {"", "{\"method\":\"websocket\",\"session_id\":\"live\"}", MSG_RANGE},
      {"0", "{\"method\":\"conduit\",\"conduit_id\":\"x\"}", MSG_METHOD},
      {"0", "{\"method\":\"carrier-pigeon\"}", MSG_METHOD},
      {"0", "{}", MSG_METHOD},
      {"0", NULL, MSG_METHOD},
      {"0", "{\"method\":\"webhook\",\"secret\":\"" SECRET "\"}", MSG_NO_CALLBACK},
      {"0", "{\"method\":\"webhook\",\"callback\":\"http://example.com/cb\",\"secret\":\"" SECRET "\"}",
       MSG_CALLBACK},
      {"0", "{\"method\":\"webhook\",\"callback\":\"http://127.0.0.1:8080/cb\",\"secret\":\"" SECRET "\"}",
       MSG_CALLBACK},
      {"0", "{\"method\":\"webhook\",\"callback\":\"https://example.com:8443/cb\",\"secret\":\"" SECRET "\"}",
       MSG_CALLBACK},
      {"0", "{\"method\":\"webhook\",\"callback\":\"example.com/cb\",\"secret\":\"" SECRET "\"}", MSG_CALLBACK},
      {"0", "{\"method\":\"webhook\",\"callback\":\"ftp://example.com/cb\",\"secret\":\"" SECRET "\"}",
       MSG_CALLBACK},
      {"0", "{\"method\":\"webhook\",\"callback\":\"https://127.0.0.1/cb\",\"secret\":\"short\"}", MSG_SECRET},
      {"0", "{\"method\":\"webhook\",\"callback\":\"https://127.0.0.1/cb\"}", MSG_SECRET},
      {"0", "{\"method\":\"webhook\",\"callback\":\"https://127.0.0.1/cb\",\"secret\":\"\\u00e9\\u00e9\\u00e9\\u00e9"
            "\\u00e9\\u00e9\\u00e9\\u00e9\\u00e9\\u00e9\"}",
       MSG_SECRET},
      {"0", "{\"method\":\"webhook\",\"callback\":\"https://127.0.0.1/cb\",\"secret\":12345678901}", MSG_SECRET},
      {"0", "{\"method\":\"websocket\"}", MSG_NO_SESSION},
      {"0", "{\"method\":\"websocket\",\"session_id\":\"\"}", MSG_NO_SESSION},
      {"0", "{\"method\":\"websocket\",\"session_id\":\"never-registered\"}", MSG_NOT_CONNECTED},
      {"0", "{\"method\":\"websocket\",\"session_id\":\"gone\"}", MSG_NOT_CONNECTED},
  };
  char *shards = calloc(1, 16384);
  assert_non_null(shards);
  create_conduit(f, 5, cid);
  register_session(f, "live");
  register_session(f, "gone");
  control_ok(f, "sessions", "{\"session_id\":\"gone\",\"connected\":false}");

  strcat(shards, "[");
  for (i = 0; i < sizeof bad / sizeof bad[0]; ++i) {
    char item[512];
    if (bad[i].transport)
      snprintf(item, sizeof item, "{\"id\":\"%s\",\"transport\":%s},", bad[i].id, bad[i].transport);
    else
      snprintf(item, sizeof item, "{\"id\":\"%s\"},", bad[i].id);
    strcat(shards, item);
  }
  /* Good ones: websocket 1 and 4 (same session twice is fine), webhook 2 and 3
   * (https without a port and with :443; nothing listens, so they fail later). */
  memset(long_secret, 'x', 100);
  long_secret[100] = '\0';
  strcat(shards,
         "{\"id\":\"1\",\"transport\":{\"method\":\"websocket\",\"session_id\":\"live\"}},"
         "{\"id\":\"2\",\"transport\":{\"method\":\"webhook\",\"callback\":\"https://127.0.0.1/cb\",\"secret\":"
         "\"0123456789\"}},"
         "{\"id\":\"4\",\"transport\":{\"method\":\"websocket\",\"session_id\":\"live\"}},");
  {
    char item[512];
    snprintf(item, sizeof item,
             "{\"id\":\"3\",\"transport\":{\"method\":\"webhook\",\"callback\":\"https://localhost:443/cb\","
             "\"secret\":\"%s\"}},",
             long_secret);
    strcat(shards, item);
    /* 101 characters is one too many. */
    snprintf(item, sizeof item,
             "{\"id\":\"0\",\"transport\":{\"method\":\"webhook\",\"callback\":\"https://127.0.0.1/cb\","
             "\"secret\":\"%sy\"}}]",
             long_secret);
    strcat(shards, item);
  }
  patch_shards(f, cid, shards, &r);
  assert_int_equal(r.status, 202);
  assert_null(strstr(r.body, "0123456789\"")); /* the secret is never echoed */
  assert_null(strstr(r.body, long_secret));
  j = parse(&r);
  assert_int_equal(cJSON_GetArraySize(j), 2);

  e = jget(j, "errors");
  assert_int_equal(cJSON_GetArraySize(e), sizeof bad / sizeof bad[0] + 1);
  for (i = 0; i < sizeof bad / sizeof bad[0]; ++i) {
    cJSON *x = cJSON_GetArrayItem(e, (int)i);
    snprintf(expected, sizeof expected, "{\"id\":\"%s\",\"message\":\"%s\",\"code\":\"invalid_parameter\"}",
             bad[i].id, bad[i].message);
    {
      char *got = cJSON_PrintUnformatted(x);
      if (strcmp(got, expected) != 0) fprintf(stderr, "item %zu: %s\n", i, got);
      assert_string_equal(got, expected);
      free(got);
    }
  }
  assert_string_equal(jstr(cJSON_GetArrayItem(e, (int)i), "message"), MSG_SECRET);

  d = jget(j, "data");
  assert_int_equal(cJSON_GetArraySize(d), 4);
  {
    static const char *ids[] = {"1", "2", "4", "3"};
    for (i = 0; i < 4; ++i) {
      cJSON *s = cJSON_GetArrayItem(d, (int)i), *t = jget(s, "transport");
      assert_string_equal(jstr(s, "id"), ids[i]);
      assert_int_equal(cJSON_GetArraySize(s), 3);
      if (i == 0 || i == 2) {
        assert_string_equal(jstr(s, "status"), "enabled");
        assert_string_equal(jstr(t, "method"), "websocket");
        assert_string_equal(jstr(t, "session_id"), "live");
        assert_true(is_rfc3339_nano(jstr(t, "connected_at")));
        assert_int_equal(cJSON_GetArraySize(t), 3); /* no disconnected_at yet */
      } else {
        assert_string_equal(jstr(s, "status"), "webhook_callback_verification_pending");
        assert_string_equal(jstr(t, "method"), "webhook");
        assert_int_equal(cJSON_GetArraySize(t), 2); /* method + callback: no secret */
      }
    }
    assert_string_equal(jstr(jget(cJSON_GetArrayItem(d, 1), "transport"), "callback"), "https://127.0.0.1/cb");
  }
  cJSON_Delete(j);
  resp_free(&r);
  free(shards);

  /* Nobody listens on 127.0.0.1:443 here: both webhook shards fail. */
  wait_settled(f, 2);
  assert_int_equal(tcmock_stat(f->m, "challenges_sent"), 2);
  assert_int_equal(tcmock_stat(f->m, "challenges_failed"), 2);
  expect_shard_status(f, cid, "2", "webhook_callback_verification_failed");
  expect_shard_status(f, cid, "3", "webhook_callback_verification_failed");
  expect_shard_status(f, cid, "0", ""); /* never assigned */

  /* allow_http_callbacks opens http(s) on loopback names at any port, nothing else. */
  allow_http(f);
  patch_shards(f, cid,
               "[{\"id\":\"0\",\"transport\":{\"method\":\"webhook\",\"callback\":\"http://127.0.0.1:1/cb\",\"secret\":"
               "\"" SECRET "\"}},"
               "{\"id\":\"1\",\"transport\":{\"method\":\"webhook\",\"callback\":\"http://localhost:1/cb\",\"secret\":"
               "\"" SECRET "\"}},"
               "{\"id\":\"2\",\"transport\":{\"method\":\"webhook\",\"callback\":\"https://127.0.0.1:1/cb\",\"secret\":"
               "\"" SECRET "\"}},"
               "{\"id\":\"3\",\"transport\":{\"method\":\"webhook\",\"callback\":\"http://example.com:80/cb\","
               "\"secret\":\"" SECRET "\"}},"
               "{\"id\":\"4\",\"transport\":{\"method\":\"webhook\",\"callback\":\"http://10.1.2.3:8080/cb\","
               "\"secret\":\"" SECRET "\"}}]",
               &r);
  assert_int_equal(r.status, 202);
  j = parse(&r);
  assert_int_equal(cJSON_GetArraySize(jget(j, "data")), 3);
  assert_int_equal(cJSON_GetArraySize(jget(j, "errors")), 2);
  assert_string_equal(jstr(cJSON_GetArrayItem(jget(j, "errors"), 0), "id"), "3");
  assert_string_equal(jstr(cJSON_GetArrayItem(jget(j, "errors"), 1), "message"), MSG_CALLBACK);
  cJSON_Delete(j);
  resp_free(&r);
  wait_settled(f, 5);
}

/* ------------------------------------------------------ challenge flow */

static void check_challenge_request(const record_t *rec, const char *conduit_id, const char *shard) {
  unsigned char mac[EVP_MAX_MD_SIZE];
  unsigned int len = 0, i;
  char msg[4096], hex[2 * EVP_MAX_MD_SIZE + 8], expected[1024];
  cJSON *j = cJSON_Parse(rec->body);
  const char *challenge;
  assert_non_null(j);
  challenge = jstr(j, "challenge");
  assert_non_null(challenge);
  assert_true(strlen(challenge) >= 16);
  /* Exactly this body, in this key order (§3.3). */
  snprintf(expected, sizeof expected, "{\"challenge\":\"%s\",\"conduit_shard\":{\"conduit_id\":\"%s\",\"shard\":\"%s\"}}",
           challenge, conduit_id, shard);
  assert_string_equal(rec->body, expected);
  cJSON_Delete(j);

  assert_string_equal(rec->method, "POST");
  assert_string_equal(rec->ctype, "application/json");
  assert_true(is_uuid_v4(rec->id));
  assert_string_equal(rec->retry, "0");
  assert_string_equal(rec->type, "webhook_callback_verification");
  assert_true(is_rfc3339_nano(rec->ts));
  assert_false(rec->has_sub_type);
  assert_false(rec->has_sub_version);

  /* sha256= + hex(HMAC-SHA256(secret, id + timestamp + body)) (§6.3). */
  snprintf(msg, sizeof msg, "%s%s%s", rec->id, rec->ts, rec->body);
  assert_non_null(HMAC(EVP_sha256(), SECRET, (int)strlen(SECRET), (const unsigned char *)msg, strlen(msg), mac, &len));
  strcpy(hex, "sha256=");
  for (i = 0; i < len; ++i) sprintf(hex + 7 + 2 * i, "%02x", mac[i]);
  assert_string_equal(rec->sig, hex);
}

static void test_challenge_flow(void **state) {
  fx_t *f = *state;
  responder_t rs;
  char cid[40], shards[4096], item[512], path[200];
  static const char *paths[] = {"/good", "/wrong", "/quoted", "/status500", "/redirect", "/closed"};
  unsigned short dead = closed_port();
  resp_t r;
  cJSON *j, *s;
  size_t i;
  responder_start(&rs);
  allow_http(f);
  create_conduit(f, 6, cid);
  strcpy(shards, "[");
  for (i = 0; i < 6; ++i) {
    unsigned port = strcmp(paths[i], "/closed") == 0 ? dead : rs.port;
    snprintf(item, sizeof item,
             "%s{\"id\":\"%zu\",\"transport\":{\"method\":\"webhook\",\"callback\":\"http://127.0.0.1:%u%s\","
             "\"secret\":\"" SECRET "\"}}",
             i ? "," : "", i, port, paths[i]);
    strcat(shards, item);
  }
  strcat(shards, "]");
  patch_shards(f, cid, shards, &r);
  assert_int_equal(r.status, 202);
  j = parse(&r);
  assert_int_equal(cJSON_GetArraySize(jget(j, "data")), 6);
  assert_int_equal(cJSON_GetArraySize(jget(j, "errors")), 0);
  cJSON_ArrayForEach(s, jget(j, "data")) assert_string_equal(jstr(s, "status"), "webhook_callback_verification_pending");
  cJSON_Delete(j);
  resp_free(&r);

  wait_settled(f, 6);
  assert_int_equal(tcmock_stat(f->m, "challenges_sent"), 6);
  assert_int_equal(tcmock_stat(f->m, "challenges_passed"), 1);
  assert_int_equal(tcmock_stat(f->m, "challenges_failed"), 5);
  expect_shard_status(f, cid, "0", "enabled");
  for (i = 1; i < 6; ++i) {
    char id[8];
    snprintf(id, sizeof id, "%zu", i);
    expect_shard_status(f, cid, id, "webhook_callback_verification_failed");
  }
  /* The redirect was not followed: /good saw one request only. */
  pthread_mutex_lock(&rs.mu);
  assert_int_equal(rs.hits, 5);
  assert_int_equal(count_records(&rs, "/good"), 1);
  check_challenge_request(find_record(&rs, "/good"), cid, "0");
  check_challenge_request(find_record(&rs, "/wrong"), cid, "1");
  pthread_mutex_unlock(&rs.mu);

  /* The status filter. */
  snprintf(path, sizeof path, SHARDS "?conduit_id=%s&status=enabled", cid);
  j = helix_json(f, NULL, "GET", path, NULL, 200);
  assert_int_equal(cJSON_GetArraySize(jget(j, "data")), 1);
  assert_string_equal(jstr(cJSON_GetArrayItem(jget(j, "data"), 0), "id"), "0");
  cJSON_Delete(j);
  snprintf(path, sizeof path, SHARDS "?conduit_id=%s&status=webhook_callback_verification_failed", cid);
  j = helix_json(f, NULL, "GET", path, NULL, 200);
  assert_int_equal(cJSON_GetArraySize(jget(j, "data")), 5);
  cJSON_Delete(j);

  /* A failed shard re-assigned to a good callback is challenged again. */
  snprintf(shards, sizeof shards,
           "[{\"id\":\"1\",\"transport\":{\"method\":\"webhook\",\"callback\":\"http://localhost:%u/good\","
           "\"secret\":\"" SECRET "\"}}]",
           (unsigned)rs.port);
  patch_shards(f, cid, shards, &r);
  assert_int_equal(r.status, 202);
  resp_free(&r);
  wait_settled(f, 7);
  expect_shard_status(f, cid, "1", "enabled");
  assert_int_equal(tcmock_stat(f->m, "challenges_passed"), 2);
  responder_stop(&rs);
}

static void test_challenge_superseded(void **state) {
  fx_t *f = *state;
  responder_t rs;
  char cid[40], shards[1024], body[128];
  resp_t r;
  cJSON *j;
  responder_start(&rs);
  allow_http(f);
  create_conduit(f, 3, cid);
  /* Shard 0's challenge hangs; shard 1's waits behind it in the queue. */
  snprintf(shards, sizeof shards,
           "[{\"id\":\"0\",\"transport\":{\"method\":\"webhook\",\"callback\":\"http://127.0.0.1:%u/hang\","
           "\"secret\":\"" SECRET "\"}},"
           "{\"id\":\"1\",\"transport\":{\"method\":\"webhook\",\"callback\":\"http://127.0.0.1:%u/good\","
           "\"secret\":\"" SECRET "\"}}]",
           (unsigned)rs.port, (unsigned)rs.port);
  patch_shards(f, cid, shards, &r);
  assert_int_equal(r.status, 202);
  resp_free(&r);
  responder_wait_hanging(&rs, 1);
  assert_int_equal(tcmock_stat(f->m, "challenges_sent"), 1);

  /* Meanwhile shard 0 gets another callback (pending again, challenged
   * again) and shard 1 is resized away. */
  snprintf(shards, sizeof shards,
           "[{\"id\":\"0\",\"transport\":{\"method\":\"webhook\",\"callback\":\"http://127.0.0.1:%u/wrong\","
           "\"secret\":\"" SECRET "\"}}]",
           (unsigned)rs.port);
  patch_shards(f, cid, shards, &r);
  assert_int_equal(r.status, 202);
  resp_free(&r);
  snprintf(body, sizeof body, "{\"id\":\"%s\",\"shard_count\":1}", cid);
  j = helix_json(f, NULL, "PATCH", CONDUITS, body, 200);
  cJSON_Delete(j);

  /* The hung answer is right but belongs to the old assignment: it settles
   * nothing. Shard 1's job is skipped; the new assignment fails on /wrong. */
  responder_release(&rs);
  wait_settled(f, 2);
  assert_int_equal(tcmock_stat(f->m, "challenges_passed"), 1);
  assert_int_equal(tcmock_stat(f->m, "challenges_failed"), 1);
  assert_int_equal(tcmock_stat(f->m, "challenges_sent"), 2);
  expect_shard_status(f, cid, "0", "webhook_callback_verification_failed");
  pthread_mutex_lock(&rs.mu);
  assert_int_equal(count_records(&rs, "/good"), 0);
  assert_int_equal(count_records(&rs, "/wrong"), 1);
  pthread_mutex_unlock(&rs.mu);

  /* A websocket assignment also supersedes a pending challenge. */
  register_session(f, "ws1");
  pthread_mutex_lock(&rs.mu);
  rs.release = 0; /* /hang holds again */
  pthread_mutex_unlock(&rs.mu);
  snprintf(shards, sizeof shards,
           "[{\"id\":\"0\",\"transport\":{\"method\":\"webhook\",\"callback\":\"http://127.0.0.1:%u/hang\","
           "\"secret\":\"" SECRET "\"}}]",
           (unsigned)rs.port);
  patch_shards(f, cid, shards, &r);
  assert_int_equal(r.status, 202);
  resp_free(&r);
  responder_wait_hanging(&rs, 2);
  patch_shards(f, cid, "[{\"id\":\"0\",\"transport\":{\"method\":\"websocket\",\"session_id\":\"ws1\"}}]", &r);
  assert_int_equal(r.status, 202);
  resp_free(&r);
  responder_release(&rs);
  wait_settled(f, 3);
  expect_shard_status(f, cid, "0", "enabled");
  responder_stop(&rs);
}

static void test_stop_with_challenge_in_flight(void **state) {
  fx_t *f = *state;
  responder_t rs;
  char cid[40], shards[512];
  resp_t r;
  double t0;
  responder_start(&rs);
  allow_http(f);
  create_conduit(f, 2, cid);
  snprintf(shards, sizeof shards,
           "[{\"id\":\"0\",\"transport\":{\"method\":\"webhook\",\"callback\":\"http://127.0.0.1:%u/hang\","
           "\"secret\":\"" SECRET "\"}},"
           "{\"id\":\"1\",\"transport\":{\"method\":\"webhook\",\"callback\":\"http://127.0.0.1:%u/hang\","
           "\"secret\":\"" SECRET "\"}}]",
           (unsigned)rs.port, (unsigned)rs.port);
  patch_shards(f, cid, shards, &r);
  assert_int_equal(r.status, 202);
  resp_free(&r);
  responder_wait_hanging(&rs, 1);
  /* Stopping does not wait for the 10 s challenge timeout. */
  t0 = now_mono();
  tcmock_stop(f->m);
  f->m = NULL;
  assert_true(now_mono() - t0 < 2.0);
  responder_stop(&rs);
}

/* ------------------------------------------------- shards: lifecycle */

static void test_shards_websocket_resize_delete(void **state) {
  fx_t *f = *state;
  char cid[40], path[200], body[200];
  resp_t r;
  cJSON *j, *s;
  int n = 0;
  register_session(f, "wsA");
  register_session(f, "wsB");
  create_conduit(f, 4, cid);
  patch_shards(f, cid,
               "[{\"id\":\"0\",\"transport\":{\"method\":\"websocket\",\"session_id\":\"wsA\"}},"
               "{\"id\":\"1\",\"transport\":{\"method\":\"websocket\",\"session_id\":\"wsB\"}},"
               "{\"id\":\"2\",\"transport\":{\"method\":\"websocket\",\"session_id\":\"wsA\"}},"
               "{\"id\":\"3\",\"transport\":{\"method\":\"websocket\",\"session_id\":\"wsB\"}}]",
               &r);
  assert_int_equal(r.status, 202);
  resp_free(&r);

  /* A session disconnect disables its shards and stamps disconnected_at. */
  control_ok(f, "sessions", "{\"session_id\":\"wsB\",\"connected\":false}");
  snprintf(path, sizeof path, SHARDS "?conduit_id=%s", cid);
  j = helix_json(f, NULL, "GET", path, NULL, 200);
  cJSON_ArrayForEach(s, jget(j, "data")) {
    cJSON *t = jget(s, "transport");
    int odd = atoi(jstr(s, "id")) % 2;
    assert_string_equal(jstr(s, "status"), odd ? "websocket_disconnected" : "enabled");
    assert_int_equal(jstr(t, "disconnected_at") != NULL, odd);
    if (odd) assert_true(is_rfc3339_nano(jstr(t, "disconnected_at")));
    ++n;
  }
  assert_int_equal(n, 4);
  cJSON_Delete(j);

  /* Shrinking drops the shards at and above the new count; growing adds none. */
  snprintf(body, sizeof body, "{\"id\":\"%s\",\"shard_count\":2}", cid);
  cJSON_Delete(helix_json(f, NULL, "PATCH", CONDUITS, body, 200));
  snprintf(body, sizeof body, "{\"id\":\"%s\",\"shard_count\":4}", cid);
  cJSON_Delete(helix_json(f, NULL, "PATCH", CONDUITS, body, 200));
  j = helix_json(f, NULL, "GET", path, NULL, 200);
  assert_int_equal(cJSON_GetArraySize(jget(j, "data")), 2);
  assert_string_equal(jstr(cJSON_GetArrayItem(jget(j, "data"), 1), "id"), "1");
  cJSON_Delete(j);

  /* Deleting the conduit drops its shards. */
  snprintf(body, sizeof body, CONDUITS "?id=%s", cid);
  helix(f, NULL, "DELETE", body, NULL, &r);
  assert_int_equal(r.status, 204);
  resp_free(&r);
  expect_body(f, "GET", path, NULL, 404, NOT_FOUND);
}

static void test_shards_pagination(void **state) {
  fx_t *f = *state;
  const int n = 3000;
  char cid[40], path[512], *shards, *p;
  CURL *h = curl_easy_init();
  char *seen = calloc((size_t)n, 1);
  cJSON *j, *s;
  resp_t r;
  int i, pages, listed, last;
  char cursor[256];
  assert_non_null(seen);
  control_ok(f, "config", "{\"page_size\":7}");
  register_session(f, "even");
  register_session(f, "odd");
  create_conduit(f, 20000, cid);
  /* Every 2nd of the first 2n slots, so listed ids are not contiguous. */
  shards = malloc((size_t)n * 96 + 16);
  assert_non_null(shards);
  p = shards;
  *p++ = '[';
  for (i = 0; i < n; ++i)
    p += sprintf(p, "%s{\"id\":\"%d\",\"transport\":{\"method\":\"websocket\",\"session_id\":\"%s\"}}", i ? "," : "",
                 2 * i, i % 2 ? "odd" : "even");
  strcpy(p, "]");
  patch_shards(f, cid, shards, &r);
  free(shards);
  assert_int_equal(r.status, 202);
  j = parse(&r);
  assert_int_equal(cJSON_GetArraySize(jget(j, "data")), n);
  cJSON_Delete(j);
  resp_free(&r);
  control_ok(f, "sessions", "{\"session_id\":\"odd\",\"connected\":false}");

  /* Follow the cursors: every shard once, in id order. */
  cursor[0] = '\0';
  pages = listed = 0;
  last = -1;
  for (;;) {
    const char *c;
    if (cursor[0])
      snprintf(path, sizeof path, SHARDS "?conduit_id=%s&after=%s", cid, cursor);
    else
      snprintf(path, sizeof path, SHARDS "?conduit_id=%s", cid);
    j = helix_json(f, h, "GET", path, NULL, 200);
    ++pages;
    assert_in_range(cJSON_GetArraySize(jget(j, "data")), 1, 7);
    cJSON_ArrayForEach(s, jget(j, "data")) {
      int id = atoi(jstr(s, "id"));
      assert_true(id > last && id % 2 == 0 && id < 2 * n);
      assert_false(seen[id / 2]);
      seen[id / 2] = 1;
      last = id;
      ++listed;
    }
    c = jstr(jget(j, "pagination"), "cursor");
    if (!c) {
      assert_int_equal(cJSON_GetArraySize(jget(j, "pagination")), 0); /* {} on the last page */
      cJSON_Delete(j);
      break;
    }
    assert_int_equal(cJSON_GetArraySize(jget(j, "data")), 7);
    assert_true(strlen(c) < sizeof cursor);
    strcpy(cursor, c);
    cJSON_Delete(j);
  }
  assert_int_equal(listed, n);
  assert_int_equal(pages, (n + 6) / 7);

  /* With a status filter: only the enabled half, still in order. */
  cursor[0] = '\0';
  listed = 0;
  for (;;) {
    const char *c;
    snprintf(path, sizeof path, SHARDS "?conduit_id=%s&status=websocket_disconnected%s%s", cid,
             cursor[0] ? "&after=" : "", cursor);
    j = helix_json(f, h, "GET", path, NULL, 200);
    cJSON_ArrayForEach(s, jget(j, "data")) {
      assert_string_equal(jstr(s, "status"), "websocket_disconnected");
      assert_int_equal(atoi(jstr(s, "id")) % 4, 2);
      ++listed;
    }
    c = jstr(jget(j, "pagination"), "cursor");
    if (!c) {
      cJSON_Delete(j);
      break;
    }
    strcpy(cursor, c);
    cJSON_Delete(j);
  }
  assert_int_equal(listed, n / 2);

  /* A cursor is bound to its conduit. */
  {
    char other[40];
    create_conduit(f, 1, other);
    snprintf(path, sizeof path, SHARDS "?conduit_id=%s&after=%s", other, cursor[0] ? cursor : "x");
    expect_helix_error(f, "GET", path, NULL, 400, "The value in the after field is not valid.");
  }
  curl_easy_cleanup(h);
  free(seen);
}

static void test_shards_exact_pages(void **state) {
  fx_t *f = *state;
  char cid[40], path[400], shards[2048], *p = shards;
  cJSON *j;
  resp_t r;
  int i;
  char cursor[200];
  control_ok(f, "config", "{\"page_size\":7}");
  register_session(f, "s");
  create_conduit(f, 14, cid);
  *p++ = '[';
  for (i = 0; i < 14; ++i)
    p += sprintf(p, "%s{\"id\":\"%d\",\"transport\":{\"method\":\"websocket\",\"session_id\":\"s\"}}", i ? "," : "", i);
  strcpy(p, "]");
  patch_shards(f, cid, shards, &r);
  assert_int_equal(r.status, 202);
  resp_free(&r);
  snprintf(path, sizeof path, SHARDS "?conduit_id=%s", cid);
  j = helix_json(f, NULL, "GET", path, NULL, 200);
  assert_int_equal(cJSON_GetArraySize(jget(j, "data")), 7);
  strcpy(cursor, jstr(jget(j, "pagination"), "cursor"));
  cJSON_Delete(j);
  /* Exactly full second page, and nothing after it: pagination {}. */
  snprintf(path, sizeof path, SHARDS "?conduit_id=%s&after=%s", cid, cursor);
  j = helix_json(f, NULL, "GET", path, NULL, 200);
  assert_int_equal(cJSON_GetArraySize(jget(j, "data")), 7);
  assert_int_equal(cJSON_GetArraySize(jget(j, "pagination")), 0);
  assert_string_equal(jstr(cJSON_GetArrayItem(jget(j, "data"), 6), "id"), "13");
  cJSON_Delete(j);
}

/* ----------------------------------------------------- subscriptions */

static void test_sub_create_shape(void **state) {
  fx_t *f = *state;
  char cid[40], body[512];
  resp_t r;
  cJSON *j, *s, *t;
  create_conduit(f, 1, cid);
  snprintf(body, sizeof body,
           "{\"type\":\"user.update\",\"version\":\"1\",\"condition\":{\"user_id\":\"1234\"},\"transport\":{\"method\":"
           "\"conduit\",\"conduit_id\":\"%s\"}}",
           cid);
  helix(f, NULL, "POST", SUBS, body, &r);
  assert_int_equal(r.status, 202);
  assert_int_equal(r.rl_limit, 800);
  j = parse(&r);
  resp_free(&r);
  assert_int_equal(cJSON_GetArraySize(j), 4);
  assert_int_equal(jnum(j, "total"), 1);
  assert_int_equal(jnum(j, "total_cost"), 1);
  assert_int_equal(jnum(j, "max_total_cost"), 10000);
  assert_int_equal(cJSON_GetArraySize(jget(j, "data")), 1);
  s = cJSON_GetArrayItem(jget(j, "data"), 0);
  {
    /* Exactly these keys, in the reference's order. */
    static const char *keys[] = {"id", "status", "type", "version", "condition", "created_at", "transport", "cost"};
    cJSON *k;
    int i = 0;
    cJSON_ArrayForEach(k, s) assert_string_equal(k->string, keys[i++]);
    assert_int_equal(i, 8);
  }
  assert_true(is_uuid_v4(jstr(s, "id")));
  assert_string_equal(jstr(s, "status"), "enabled");
  assert_string_equal(jstr(s, "type"), "user.update");
  assert_string_equal(jstr(s, "version"), "1");
  {
    char *cond = cJSON_PrintUnformatted(jget(s, "condition"));
    assert_string_equal(cond, "{\"user_id\":\"1234\"}");
    free(cond);
  }
  assert_true(is_rfc3339_nano(jstr(s, "created_at")));
  t = jget(s, "transport");
  assert_int_equal(cJSON_GetArraySize(t), 2);
  assert_string_equal(jstr(t, "method"), "conduit");
  assert_string_equal(jstr(t, "conduit_id"), cid);
  assert_int_equal(jnum(s, "cost"), 1);
  cJSON_Delete(j);

  /* A type that needs authorization costs 0. */
  snprintf(body, sizeof body,
           "{\"type\":\"channel.chat.message\",\"version\":\"1\",\"condition\":{\"broadcaster_user_id\":\"1\","
           "\"user_id\":\"2\"},\"transport\":{\"method\":\"conduit\",\"conduit_id\":\"%s\"}}",
           cid);
  j = helix_json(f, NULL, "POST", SUBS, body, 202);
  assert_int_equal(jnum(cJSON_GetArrayItem(jget(j, "data"), 0), "cost"), 0);
  assert_int_equal(jnum(j, "total"), 2);
  assert_int_equal(jnum(j, "total_cost"), 1);
  cJSON_Delete(j);
  assert_int_equal(tcmock_stat(f->m, "subscriptions"), 2);
  assert_int_equal(tcmock_stat(f->m, "subscriptions_created"), 2);
  /* The gauge survives reset_stats; the counter does not. */
  control_ok(f, "reset_stats", NULL);
  assert_int_equal(tcmock_stat(f->m, "subscriptions"), 2);
  assert_int_equal(tcmock_stat(f->m, "subscriptions_created"), 0);
}

static void test_sub_create_errors(void **state) {
  fx_t *f = *state;
  char cid[40], body[512], other_cid[40];
  other_t o;
  resp_t r;
  size_t i;
  static const char *bad_types[] = {"Stream.Online", "streamonline", "stream..online", "stream.online.",
                                    ".stream",       "stream.on-line", "stream.0nline"};
  create_conduit(f, 1, cid);
  expect_helix_error(f, "POST", SUBS, "{\"type\":", 400, NULL);
  expect_helix_error(f, "POST", SUBS, "{\"version\":\"1\",\"condition\":{\"a\":\"1\"},\"transport\":{}}", 400,
                     "Missing required parameter \\\"type\\\"");
  expect_helix_error(f, "POST", SUBS, "{\"type\":\"stream.online\",\"condition\":{\"a\":\"1\"},\"transport\":{}}", 400,
                     "Missing required parameter \\\"version\\\"");
  expect_helix_error(f, "POST", SUBS, "{\"type\":\"stream.online\",\"version\":\"1\",\"transport\":{}}", 400,
                     "Missing required parameter \\\"condition\\\"");
  expect_helix_error(f, "POST", SUBS, "{\"type\":\"stream.online\",\"version\":\"1\",\"condition\":{},\"transport\":{}}",
                     400, "Missing required parameter \\\"condition\\\"");
  expect_helix_error(f, "POST", SUBS, "{\"type\":\"stream.online\",\"version\":\"1\",\"condition\":{\"a\":\"1\"}}", 400,
                     "Missing required parameter \\\"transport\\\"");
  for (i = 0; i < sizeof bad_types / sizeof bad_types[0]; ++i) {
    snprintf(body, sizeof body,
             "{\"type\":\"%s\",\"version\":\"1\",\"condition\":{\"a\":\"1\"},\"transport\":{\"method\":\"conduit\","
             "\"conduit_id\":\"%s\"}}",
             bad_types[i], cid);
    expect_helix_error(f, "POST", SUBS, body, 400,
                       "The combination of values in the type and version fields is not valid.");
  }
  expect_helix_error(f, "POST", SUBS,
                     "{\"type\":\"stream.online\",\"version\":\"1\",\"condition\":{\"a\":\"1\"},\"transport\":{"
                     "\"method\":\"webhook\",\"callback\":\"https://x.example/cb\",\"secret\":\"0123456789\"}}",
                     400, MSG_METHOD);
  expect_helix_error(f, "POST", SUBS,
                     "{\"type\":\"stream.online\",\"version\":\"1\",\"condition\":{\"a\":\"1\"},\"transport\":{"
                     "\"method\":\"websocket\",\"session_id\":\"abc\"}}",
                     400, MSG_METHOD);
  expect_helix_error(f, "POST", SUBS,
                     "{\"type\":\"stream.online\",\"version\":\"1\",\"condition\":{\"a\":\"1\"},\"transport\":{"
                     "\"method\":\"conduit\"}}",
                     400, "The conduit_id field is required if you specify the Conduit transport method.");
  expect_helix_error(f, "POST", SUBS,
                     "{\"type\":\"stream.online\",\"version\":\"1\",\"condition\":{\"a\":\"1\"},\"transport\":{"
                     "\"method\":\"conduit\",\"conduit_id\":\"00000000-0000-4000-8000-000000000000\"}}",
                     400, "The conduit_id field does not identify one of your conduits.");
  other_client(f, &o);
  http(NULL, "POST", url(f, CONDUITS), o.hdrs, "{\"shard_count\":1}", &r);
  {
    cJSON *j = parse(&r);
    strcpy(other_cid, jstr(cJSON_GetArrayItem(jget(j, "data"), 0), "id"));
    cJSON_Delete(j);
  }
  resp_free(&r);
  snprintf(body, sizeof body,
           "{\"type\":\"stream.online\",\"version\":\"1\",\"condition\":{\"a\":\"1\"},\"transport\":{\"method\":"
           "\"conduit\",\"conduit_id\":\"%s\"}}",
           other_cid);
  expect_helix_error(f, "POST", SUBS, body, 400, "The conduit_id field does not identify one of your conduits.");
  assert_int_equal(tcmock_stat(f->m, "subscriptions"), 0);
}

static void test_sub_duplicates_and_limit(void **state) {
  fx_t *f = *state;
  char a[40], b[40], c[40], d[40], first[40], id[40], expected[256], v2[40], onb[40];
  resp_t r;
  const char *cond = "{\"broadcaster_user_id\":\"77\",\"moderator_user_id\":\"88\"}";
  const char *cond_reordered = "{\"moderator_user_id\":\"88\",\"broadcaster_user_id\":\"77\"}";
  char body[512];
  create_conduit(f, 1, a);
  create_conduit(f, 1, b);
  create_conduit(f, 1, c);
  create_conduit(f, 1, d);
  assert_int_equal(create_sub(f, NULL, "automod.message.hold", "2", cond, a, first), 202);

  /* Same type+version+condition on the same conduit: 409 naming the existing one. */
  snprintf(body, sizeof body,
           "{\"type\":\"automod.message.hold\",\"version\":\"2\",\"condition\":%s,\"transport\":{\"method\":\"conduit\","
           "\"conduit_id\":\"%s\"}}",
           cond_reordered, a);
  snprintf(expected, sizeof expected,
           "{\"error\":\"Conflict\",\"status\":409,\"message\":\"subscription already exists\",\"id\":\"%s\"}", first);
  helix(f, NULL, "POST", SUBS, body, &r);
  assert_int_equal(r.status, 409);
  assert_string_equal(r.body, expected);
  assert_true(r.rl_remaining > 0);
  resp_free(&r);

  /* Another version, or another conduit, is not a duplicate... */
  assert_int_equal(create_sub(f, NULL, "automod.message.hold", "1", cond, a, v2), 202);
  assert_int_equal(create_sub(f, NULL, "automod.message.hold", "2", cond, b, onb), 202);
  /* ...but a 4th with the same type+condition is one too many. */
  snprintf(body, sizeof body,
           "{\"type\":\"automod.message.hold\",\"version\":\"2\",\"condition\":%s,\"transport\":{\"method\":\"conduit\","
           "\"conduit_id\":\"%s\"}}",
           cond, c);
  helix(f, NULL, "POST", SUBS, body, &r);
  assert_int_equal(r.status, 429);
  assert_string_equal(r.body,
                      "{\"error\":\"Too Many Requests\",\"status\":429,\"message\":\"The request exceeds the number of "
                      "subscriptions that you may create with the same combination of type and condition values.\"}");
  assert_true(r.rl_remaining > 0); /* not the bucket */
  resp_free(&r);
  /* Other conditions and other types are unaffected. */
  assert_int_equal(create_sub(f, NULL, "automod.message.hold", "2", "{\"broadcaster_user_id\":\"78\"}", c, NULL), 202);
  assert_int_equal(create_sub(f, NULL, "channel.raid", "1", cond, c, NULL), 202);

  /* A disabled subscription neither conflicts nor counts. */
  set_sub_status(f, first, "authorization_revoked");
  assert_int_equal(create_sub(f, NULL, "automod.message.hold", "2", cond, a, id), 202);
  assert_string_not_equal(id, first);
  assert_int_equal(create_sub(f, NULL, "automod.message.hold", "2", cond, d, NULL), 429);
  snprintf(body, sizeof body, SUBS "?id=%s", onb);
  helix(f, NULL, "DELETE", body, NULL, &r);
  assert_int_equal(r.status, 204);
  resp_free(&r);
  assert_int_equal(create_sub(f, NULL, "automod.message.hold", "2", cond, d, NULL), 202);
  assert_int_equal(tcmock_stat(f->m, "rate_limited"), 2);
}

static void test_sub_cost_limit(void **state) {
  fx_t *f = *state;
  char cid[40], cid2[40], ids[4][40], path[200];
  resp_t r;
  cJSON *j;
  int i;
  create_conduit(f, 1, cid);
  create_conduit(f, 1, cid2);
  control_ok(f, "config", "{\"max_total_cost\":3}");
  for (i = 0; i < 3; ++i) {
    char cond[64];
    snprintf(cond, sizeof cond, "{\"broadcaster_user_id\":\"%d\"}", i);
    assert_int_equal(create_sub(f, NULL, "stream.online", "1", cond, i == 2 ? cid2 : cid, ids[i]), 202);
  }
  helix(f, NULL, "POST", SUBS,
        "{\"type\":\"stream.offline\",\"version\":\"1\",\"condition\":{\"broadcaster_user_id\":\"9\"},"
        "\"transport\":{\"method\":\"conduit\",\"conduit_id\":\"00000000-0000-4000-8000-000000000000\"}}",
        &r);
  assert_int_equal(r.status, 400); /* validation comes first */
  resp_free(&r);
  {
    char body[300];
    snprintf(body, sizeof body,
             "{\"type\":\"stream.offline\",\"version\":\"1\",\"condition\":{\"broadcaster_user_id\":\"9\"},"
             "\"transport\":{\"method\":\"conduit\",\"conduit_id\":\"%s\"}}",
             cid);
    helix(f, NULL, "POST", SUBS, body, &r);
  }
  assert_int_equal(r.status, 429);
  assert_string_equal(r.body, "{\"error\":\"Too Many Requests\",\"status\":429,\"message\":\"Maximum total cost reached\"}");
  assert_true(r.rl_remaining > 0); /* points left: not a bucket 429 */
  resp_free(&r);
  /* Cost 0 types are not limited. */
  assert_int_equal(create_sub(f, NULL, "channel.chat.message", "1", "{\"broadcaster_user_id\":\"1\",\"user_id\":\"2\"}",
                              cid, NULL),
                   202);

  /* A revoked subscription stops counting. */
  set_sub_status(f, ids[0], "authorization_revoked");
  j = helix_json(f, NULL, "GET", SUBS, NULL, 200);
  assert_int_equal(jnum(j, "total"), 4);
  assert_int_equal(jnum(j, "total_cost"), 2);
  assert_int_equal(jnum(j, "max_total_cost"), 3);
  cJSON_Delete(j);
  assert_int_equal(create_sub(f, NULL, "user.update", "1", "{\"user_id\":\"5\"}", cid, ids[3]), 202);
  assert_int_equal(create_sub(f, NULL, "user.update", "1", "{\"user_id\":\"6\"}", cid, NULL), 429);

  /* Deleting a conduit: its subscriptions become conduit_deleted and stop counting. */
  snprintf(path, sizeof path, CONDUITS "?id=%s", cid);
  helix(f, NULL, "DELETE", path, NULL, &r);
  assert_int_equal(r.status, 204);
  resp_free(&r);
  j = helix_json(f, NULL, "GET", SUBS "?status=conduit_deleted", NULL, 200);
  assert_int_equal(cJSON_GetArraySize(jget(j, "data")), 4); /* including the revoked one */
  assert_int_equal(jnum(j, "total"), 5);
  assert_int_equal(jnum(j, "total_cost"), 1);
  cJSON_Delete(j);
  snprintf(path, sizeof path, SUBS "?conduit_id=%s", cid2);
  j = helix_json(f, NULL, "GET", path, NULL, 200);
  assert_int_equal(cJSON_GetArraySize(jget(j, "data")), 1);
  assert_string_equal(jstr(cJSON_GetArrayItem(jget(j, "data"), 0), "status"), "enabled");
  cJSON_Delete(j);
  assert_int_equal(create_sub(f, NULL, "user.update", "1", "{\"user_id\":\"6\"}", cid2, NULL), 202);
  assert_int_equal(create_sub(f, NULL, "user.update", "1", "{\"user_id\":\"7\"}", cid2, NULL), 202);
  assert_int_equal(create_sub(f, NULL, "user.update", "1", "{\"user_id\":\"8\"}", cid2, NULL), 429);
}

/* ids of GET data, comma-separated, into out. */
static void list_ids(fx_t *f, const char *path, char *out, size_t cap) {
  cJSON *j = helix_json(f, NULL, "GET", path, NULL, 200), *s;
  out[0] = '\0';
  cJSON_ArrayForEach(s, jget(j, "data")) {
    if (out[0]) strncat(out, ",", cap - strlen(out) - 1);
    strncat(out, jstr(s, "id"), cap - strlen(out) - 1);
  }
  cJSON_Delete(j);
}

static void test_sub_get_filters(void **state) {
  fx_t *f = *state;
  char a[40], b[40], s[6][40], got[512], want[512], path[256];
  other_t o;
  resp_t r;
  cJSON *j;
  create_conduit(f, 1, a);
  create_conduit(f, 1, b);
  assert_int_equal(create_sub(f, NULL, "stream.online", "1", "{\"broadcaster_user_id\":\"100\"}", a, s[0]), 202);
  assert_int_equal(create_sub(f, NULL, "channel.raid", "1",
                              "{\"to_broadcaster_user_id\":\"100\",\"from_broadcaster_user_id\":\"200\"}", b, s[1]),
                   202);
  assert_int_equal(create_sub(f, NULL, "channel.follow", "2",
                              "{\"broadcaster_user_id\":\"300\",\"moderator_user_id\":\"100\"}", a, s[2]),
                   202);
  assert_int_equal(create_sub(f, NULL, "stream.online", "1", "{\"broadcaster_user_id\":\"300\"}", b, s[3]), 202);
  assert_int_equal(create_sub(f, NULL, "stream.offline", "1", "{\"broadcaster_user_id\":\"400\"}", a, s[4]), 202);
  set_sub_status(f, s[4], "user_removed");

  /* No filter: everything, oldest first. */
  list_ids(f, SUBS, got, sizeof got);
  snprintf(want, sizeof want, "%s,%s,%s,%s,%s", s[0], s[1], s[2], s[3], s[4]);
  assert_string_equal(got, want);
  j = helix_json(f, NULL, "GET", SUBS "?user_id=100", NULL, 200);
  {
    static const char *keys[] = {"total", "data", "total_cost", "max_total_cost", "pagination"};
    cJSON *k;
    int i = 0;
    cJSON_ArrayForEach(k, j) assert_string_equal(k->string, keys[i++]);
    assert_int_equal(i, 5);
  }
  assert_int_equal(jnum(j, "total"), 5); /* all of the client's, not the filtered count */
  assert_int_equal(jnum(j, "total_cost"), 2);
  cJSON_Delete(j);

  list_ids(f, SUBS "?user_id=100", got, sizeof got);
  snprintf(want, sizeof want, "%s,%s,%s", s[0], s[1], s[2]);
  assert_string_equal(got, want);
  list_ids(f, SUBS "?user_id=200", got, sizeof got);
  assert_string_equal(got, s[1]);
  list_ids(f, SUBS "?user_id=999", got, sizeof got);
  assert_string_equal(got, "");
  list_ids(f, SUBS "?type=stream.online", got, sizeof got);
  snprintf(want, sizeof want, "%s,%s", s[0], s[3]);
  assert_string_equal(got, want);
  list_ids(f, SUBS "?type=channel.chat.message", got, sizeof got);
  assert_string_equal(got, "");
  list_ids(f, SUBS "?status=enabled", got, sizeof got);
  snprintf(want, sizeof want, "%s,%s,%s,%s", s[0], s[1], s[2], s[3]);
  assert_string_equal(got, want);
  list_ids(f, SUBS "?status=user_removed", got, sizeof got);
  assert_string_equal(got, s[4]);
  snprintf(path, sizeof path, SUBS "?conduit_id=%s", b);
  list_ids(f, path, got, sizeof got);
  snprintf(want, sizeof want, "%s,%s", s[1], s[3]);
  assert_string_equal(got, want);
  snprintf(path, sizeof path, SUBS "?subscription_id=%s", s[2]);
  list_ids(f, path, got, sizeof got);
  assert_string_equal(got, s[2]);
  list_ids(f, SUBS "?subscription_id=00000000-0000-4000-8000-000000000000", got, sizeof got);
  assert_string_equal(got, "");
  /* An empty value is no filter. */
  list_ids(f, SUBS "?type=&user_id=200", got, sizeof got);
  assert_string_equal(got, s[1]);

  expect_helix_error(f, "GET", SUBS "?type=stream.online&user_id=100", NULL, 400,
                     "Only one of the status, type, user_id, subscription_id or conduit_id query parameters may be "
                     "specified.");
  snprintf(path, sizeof path, SUBS "?status=enabled&conduit_id=%s", a);
  expect_helix_error(f, "GET", path, NULL, 400, NULL);
  expect_helix_error(f, "GET", SUBS "?status=revoked", NULL, 400, "The value in the status field is not valid.");
  expect_helix_error(f, "GET", SUBS "?type=Stream", NULL, 400, "The value in the type field is not valid.");
  expect_helix_error(f, "GET", SUBS "?after=nonsense", NULL, 400, "The value in the after field is not valid.");

  /* Another client sees none of them, not even by id. */
  other_client(f, &o);
  snprintf(path, sizeof path, SUBS "?subscription_id=%s", s[0]);
  http(NULL, "GET", url(f, path), o.hdrs, NULL, &r);
  assert_int_equal(r.status, 200);
  assert_string_equal(r.body, "{\"total\":0,\"data\":[],\"total_cost\":0,\"max_total_cost\":10000,\"pagination\":{}}");
  resp_free(&r);
  snprintf(path, sizeof path, SUBS "?id=%s", s[0]);
  http(NULL, "DELETE", url(f, path), o.hdrs, NULL, &r);
  assert_int_equal(r.status, 404);
  resp_free(&r);
}

static void test_sub_delete(void **state) {
  fx_t *f = *state;
  char cid[40], id[40], path[128];
  resp_t r;
  create_conduit(f, 1, cid);
  assert_int_equal(create_sub(f, NULL, "stream.online", "1", "{\"broadcaster_user_id\":\"1\"}", cid, id), 202);
  expect_helix_error(f, "DELETE", SUBS, NULL, 400, "Missing required parameter \\\"id\\\"");
  expect_helix_error(f, "DELETE", SUBS "?id=", NULL, 400, "Missing required parameter \\\"id\\\"");
  expect_body(f, "DELETE", SUBS "?id=00000000-0000-4000-8000-000000000000", NULL, 404, NOT_FOUND);
  snprintf(path, sizeof path, SUBS "?id=%s", id);
  helix(f, NULL, "DELETE", path, NULL, &r);
  assert_int_equal(r.status, 204);
  assert_int_equal(r.len, 0);
  resp_free(&r);
  expect_body(f, "DELETE", path, NULL, 404, NOT_FOUND);
  assert_int_equal(tcmock_stat(f->m, "subscriptions"), 0);
  expect_body(f, "GET", SUBS, NULL, 200,
              "{\"total\":0,\"data\":[],\"total_cost\":0,\"max_total_cost\":10000,\"pagination\":{}}");
  /* The same subscription can be created again. */
  assert_int_equal(create_sub(f, NULL, "stream.online", "1", "{\"broadcaster_user_id\":\"1\"}", cid, NULL), 202);
}

/* Follows cursors of `base` (a path with '?' or not); checks order and returns
 * how many were listed; ids (n x 40) receives them when given. */
static int follow(fx_t *f, CURL *h, const char *base, int page, char (*ids)[40], int cap) {
  char path[512], cursor[256] = "";
  int listed = 0;
  const char *sep = strchr(base, '?') ? "&" : "?";
  for (;;) {
    cJSON *j, *s;
    const char *c;
    if (cursor[0])
      snprintf(path, sizeof path, "%s%safter=%s", base, sep, cursor);
    else
      snprintf(path, sizeof path, "%s", base);
    j = helix_json(f, h, "GET", path, NULL, 200);
    assert_true(cJSON_GetArraySize(jget(j, "data")) <= page);
    cJSON_ArrayForEach(s, jget(j, "data")) {
      if (ids) {
        assert_true(listed < cap);
        strcpy(ids[listed], jstr(s, "id"));
      }
      ++listed;
    }
    c = jstr(jget(j, "pagination"), "cursor");
    if (!c) {
      assert_int_equal(cJSON_GetArraySize(jget(j, "pagination")), 0);
      cJSON_Delete(j);
      return listed;
    }
    assert_int_equal(cJSON_GetArraySize(jget(j, "data")), page);
    strcpy(cursor, c);
    cJSON_Delete(j);
  }
}

static void test_sub_pagination(void **state) {
  fx_t *f = *state;
  const int n = 3000;
  char cid[40], cid2[40], (*created)[40] = calloc((size_t)n, 40), (*listed)[40] = calloc((size_t)n, 40);
  char path[512], cursor[256];
  CURL *h = curl_easy_init();
  cJSON *j;
  int i, k;
  assert_non_null(created);
  assert_non_null(listed);
  control_ok(f, "config", "{\"page_size\":7,\"ratelimit_limit\":1000000}");
  create_conduit(f, 1, cid);
  create_conduit(f, 1, cid2);
  for (i = 0; i < n; ++i) {
    char cond[96];
    snprintf(cond, sizeof cond, "{\"broadcaster_user_id\":\"%d\",\"user_id\":\"%s\"}", i, i % 3 ? "bot" : "other");
    assert_int_equal(create_sub(f, h, "channel.chat.message", "1", cond, i % 2 ? cid2 : cid, created[i]), 202);
  }
  assert_int_equal(tcmock_stat(f->m, "subscriptions"), n);

  /* All of them, oldest first, across ceil(n/7) pages. */
  assert_int_equal(follow(f, h, SUBS, 7, listed, n), n);
  for (i = 0; i < n; ++i) assert_string_equal(listed[i], created[i]);
  /* Filtered lists paginate too. */
  assert_int_equal(follow(f, h, SUBS "?user_id=bot", 7, NULL, 0), n - (n + 2) / 3);
  snprintf(path, sizeof path, SUBS "?conduit_id=%s", cid2);
  assert_int_equal(follow(f, h, path, 7, listed, n), n / 2);
  for (i = 0; i < n / 2; ++i) assert_string_equal(listed[i], created[2 * i + 1]);
  assert_int_equal(follow(f, h, SUBS "?type=channel.chat.message", 7, NULL, 0), n);
  assert_int_equal(follow(f, h, SUBS "?status=enabled", 7, NULL, 0), n);

  /* The cursor is a position, not an item: deleting around it is harmless. */
  j = helix_json(f, h, "GET", SUBS, NULL, 200);
  strcpy(cursor, jstr(jget(j, "pagination"), "cursor"));
  cJSON_Delete(j);
  for (k = 6; k <= 8; ++k) {
    snprintf(path, sizeof path, SUBS "?id=%s", created[k]);
    resp_t r;
    helix(f, h, "DELETE", path, NULL, &r);
    assert_int_equal(r.status, 204);
    resp_free(&r);
  }
  snprintf(path, sizeof path, SUBS "?after=%s", cursor);
  j = helix_json(f, h, "GET", path, NULL, 200);
  assert_string_equal(jstr(cJSON_GetArrayItem(jget(j, "data"), 0), "id"), created[9]);
  assert_int_equal(jnum(j, "total"), n - 3);
  cJSON_Delete(j);
  /* A cursor belongs to its client id. */
  {
    other_t o;
    resp_t r;
    other_client(f, &o);
    http(NULL, "GET", url(f, path), o.hdrs, NULL, &r);
    assert_int_equal(r.status, 400);
    resp_free(&r);
  }
  curl_easy_cleanup(h);
  free(created);
  free(listed);
}

/* 10,000 cost-1 subscriptions fill max_total_cost exactly; then 100,000 are
 * listed (ten full walks with 1000 per page). Timed loosely, to catch a
 * listing or lookup that is not O(page). */
static void test_sub_scale(void **state) {
  fx_t *f = *state;
  const int n = 10000;
  char cid[40], path[128];
  CURL *h = curl_easy_init();
  double t0, t_create, t_list;
  int i, walk;
  cJSON *j;
  control_ok(f, "config", "{\"page_size\":1000,\"ratelimit_limit\":1000000}");
  create_conduit(f, 1, cid);
  t0 = now_mono();
  for (i = 0; i < n; ++i) {
    char cond[64];
    snprintf(cond, sizeof cond, "{\"broadcaster_user_id\":\"%d\"}", i);
    assert_int_equal(create_sub(f, h, "stream.online", "1", cond, cid, NULL), 202);
  }
  t_create = now_mono() - t0;
  assert_int_equal(create_sub(f, h, "stream.online", "1", "{\"broadcaster_user_id\":\"x\"}", cid, NULL), 429);
  j = helix_json(f, h, "GET", SUBS "?subscription_id=nope", NULL, 200);
  assert_int_equal(jnum(j, "total"), n);
  assert_int_equal(jnum(j, "total_cost"), 10000);
  cJSON_Delete(j);
  t0 = now_mono();
  for (walk = 0; walk < 10; ++walk) assert_int_equal(follow(f, h, SUBS, 1000, NULL, 0), n);
  t_list = now_mono() - t0;
  snprintf(path, sizeof path, SUBS "?user_id=%d", n - 1);
  j = helix_json(f, h, "GET", path, NULL, 200);
  assert_int_equal(cJSON_GetArraySize(jget(j, "data")), 1);
  cJSON_Delete(j);
  fprintf(stderr, "# created %d in %.2f s, listed %d in %.2f s\n", n, t_create, 10 * n, t_list);
  /* Generous bounds (sanitizers, valgrind): quadratic work would blow them. */
  assert_true(t_create < 120.0);
  assert_true(t_list < 120.0);
  curl_easy_cleanup(h);
}

/* ------------------------------------------------------------ faults */

static void test_sub_faults(void **state) {
  fx_t *f = *state;
  char cid[40], id[40], again[40], body[512];
  resp_t r;
  cJSON *j;
  double t0;
  create_conduit(f, 2, cid);
  snprintf(body, sizeof body,
           "{\"type\":\"stream.online\",\"version\":\"1\",\"condition\":{\"broadcaster_user_id\":\"42\"},\"transport\":{"
           "\"method\":\"conduit\",\"conduit_id\":\"%s\"}}",
           cid);

  /* Dropped before handling: nothing created. */
  control_ok(f, "drop_next", "{\"count\":1}");
  helix(f, NULL, "POST", SUBS, body, &r);
  assert_int_equal(r.rc, CURLE_GOT_NOTHING);
  resp_free(&r);
  assert_int_equal(tcmock_stat(f->m, "subscriptions"), 0);
  control_ok(f, "fail_next", "{\"count\":1,\"status\":503}");
  helix(f, NULL, "POST", SUBS, body, &r);
  assert_int_equal(r.status, 503);
  resp_free(&r);
  assert_int_equal(tcmock_stat(f->m, "subscriptions"), 0);

  /* Dropped after creating: the subscription exists, and the retry's 409 names it. */
  control_ok(f, "drop_next", "{\"count\":1,\"after\":true}");
  helix(f, NULL, "POST", SUBS, body, &r);
  assert_int_equal(r.rc, CURLE_GOT_NOTHING);
  resp_free(&r);
  assert_int_equal(tcmock_stat(f->m, "subscriptions"), 1);
  assert_int_equal(tcmock_stat(f->m, "subscriptions_created"), 1);
  assert_int_equal(create_sub(f, NULL, "stream.online", "1", "{\"broadcaster_user_id\":\"42\"}", cid, again), 409);
  j = helix_json(f, NULL, "GET", SUBS, NULL, 200);
  strcpy(id, jstr(cJSON_GetArrayItem(jget(j, "data"), 0), "id"));
  cJSON_Delete(j);
  assert_string_equal(again, id);

  /* drop_after_rate works the same way, for shards too. */
  register_session(f, "w");
  control_ok(f, "config", "{\"drop_after_rate\":1}");
  helix(f, NULL, "POST", SUBS,
        "{\"type\":\"stream.offline\",\"version\":\"1\",\"condition\":{\"broadcaster_user_id\":\"42\"},"
        "\"transport\":{\"method\":\"conduit\",\"conduit_id\":\"00000000-0000-4000-8000-000000000000\"}}",
        &r);
  assert_int_equal(r.rc, CURLE_GOT_NOTHING);
  resp_free(&r);
  patch_shards(f, cid, "[{\"id\":\"1\",\"transport\":{\"method\":\"websocket\",\"session_id\":\"w\"}}]", &r);
  assert_int_equal(r.rc, CURLE_GOT_NOTHING);
  resp_free(&r);
  control_ok(f, "config", "{\"drop_after_rate\":0}");
  expect_shard_status(f, cid, "1", "enabled");

  /* fail_rate and latency apply to the new endpoints. */
  control_ok(f, "config", "{\"fail_rate\":1}");
  helix(f, NULL, "GET", SUBS, NULL, &r);
  assert_true(r.status == 500 || r.status == 503);
  resp_free(&r);
  helix(f, NULL, "GET", SHARDS "?conduit_id=x", NULL, &r);
  assert_true(r.status == 500 || r.status == 503);
  resp_free(&r);
  control_ok(f, "config", "{\"fail_rate\":0,\"latency_ms\":60}");
  t0 = now_mono();
  helix(f, NULL, "GET", SUBS, NULL, &r);
  assert_int_equal(r.status, 200);
  resp_free(&r);
  assert_true(now_mono() - t0 >= 0.060);
  control_ok(f, "config", "{\"latency_ms\":0}");
  /* Auth and the bucket come first, as everywhere in Helix. */
  {
    const char *no_auth[] = {"Client-Id: " CLIENT_ID, NULL};
    http(NULL, "GET", url(f, SUBS), no_auth, NULL, &r);
    assert_int_equal(r.status, 401);
    resp_free(&r);
    http(NULL, "PATCH", url(f, SHARDS), no_auth, "{}", &r);
    assert_int_equal(r.status, 401);
    resp_free(&r);
  }
  helix(f, NULL, "PUT", SUBS, "{}", &r);
  assert_int_equal(r.status, 405);
  resp_free(&r);
  helix(f, NULL, "POST", SHARDS, "{}", &r);
  assert_int_equal(r.status, 405);
  resp_free(&r);
}

/* ------------------------------------------------------------ control */

static void test_control_endpoints(void **state) {
  fx_t *f = *state;
  char cid[40], id[40];
  resp_t r;
  cJSON *j;
  assert_int_equal(tcmock_control(f->m, "sessions", "{}"), -1);
  assert_int_equal(tcmock_control(f->m, "sessions", "{\"session_id\":\"\"}"), -1);
  assert_int_equal(tcmock_control(f->m, "sessions", "{\"session_id\":\"a\",\"connected\":1}"), -1);
  assert_int_equal(tcmock_control(f->m, "subscriptions/status", "{\"id\":\"nope\",\"status\":\"enabled\"}"), -1);
  assert_int_equal(tcmock_control(f->m, "config", "{\"max_total_cost\":-1}"), -1);
  assert_int_equal(tcmock_control(f->m, "config", "{\"page_size\":0}"), -1);
  assert_int_equal(tcmock_control(f->m, "config", "{\"allow_http_callbacks\":\"yes\"}"), -1);

  create_conduit(f, 1, cid);
  assert_int_equal(create_sub(f, NULL, "stream.online", "1", "{\"broadcaster_user_id\":\"1\"}", cid, id), 202);
  {
    char body[128];
    snprintf(body, sizeof body, "{\"id\":\"%s\",\"status\":\"bogus\"}", id);
    assert_int_equal(tcmock_control(f->m, "subscriptions/status", body), -1);
    snprintf(body, sizeof body, "{\"id\":\"%s\"}", id);
    assert_int_equal(tcmock_control(f->m, "subscriptions/status", body), -1);
  }
  set_sub_status(f, id, "version_removed");
  j = helix_json(f, NULL, "GET", SUBS, NULL, 200);
  assert_string_equal(jstr(cJSON_GetArrayItem(jget(j, "data"), 0), "status"), "version_removed");
  assert_int_equal(jnum(j, "total_cost"), 0);
  cJSON_Delete(j);
  set_sub_status(f, id, "enabled");
  j = helix_json(f, NULL, "GET", SUBS, NULL, 200);
  assert_int_equal(jnum(j, "total_cost"), 1);
  cJSON_Delete(j);

  /* The new config keys round-trip. */
  http(NULL, "POST", url(f, "/_mock/config"), NULL, "{\"allow_http_callbacks\":1,\"max_total_cost\":7,\"page_size\":3}",
       &r);
  assert_int_equal(r.status, 200);
  j = parse(&r);
  assert_true(cJSON_IsTrue(jget(j, "allow_http_callbacks")));
  assert_int_equal(jnum(j, "max_total_cost"), 7);
  assert_int_equal(jnum(j, "page_size"), 3);
  cJSON_Delete(j);
  resp_free(&r);

  /* Reset forgets subscriptions, sessions and shards. */
  register_session(f, "s");
  control_ok(f, "reset", NULL);
  assert_int_equal(tcmock_stat(f->m, "subscriptions"), 0);
  get_token(f, CLIENT_ID, CLIENT_SECRET, f->token);
  snprintf(f->auth, sizeof f->auth, "Authorization: Bearer %s", f->token);
  expect_body(f, "GET", SUBS, NULL, 200,
              "{\"total\":0,\"data\":[],\"total_cost\":0,\"max_total_cost\":7,\"pagination\":{}}");
  create_conduit(f, 1, cid);
  patch_shards(f, cid, "[{\"id\":\"0\",\"transport\":{\"method\":\"websocket\",\"session_id\":\"s\"}}]", &r);
  assert_int_equal(r.status, 202);
  j = parse(&r);
  assert_string_equal(jstr(cJSON_GetArrayItem(jget(j, "errors"), 0), "message"), MSG_NOT_CONNECTED);
  cJSON_Delete(j);
  resp_free(&r);
}

static void test_start_config(void **state) {
  tcmock_config cfg;
  tcmock *m = NULL;
  char err[256];
  (void)state;
  tcmock_config_init(&cfg);
  assert_int_equal(cfg.allow_http_callbacks, 0);
  assert_int_equal(cfg.max_total_cost, 10000);
  assert_int_equal(cfg.page_size, 100);
  cfg.max_total_cost = -1;
  assert_int_equal(tcmock_start(&m, &cfg, err, sizeof err), -1);
  assert_non_null(strstr(err, "max_total_cost"));
  tcmock_config_init(&cfg);
  cfg.allow_http_callbacks = 1;
  cfg.max_total_cost = 5;
  cfg.page_size = 2;
  assert_int_equal(tcmock_start(&m, &cfg, err, sizeof err), 0);
  {
    fx_t f;
    resp_t r;
    cJSON *j;
    memset(&f, 0, sizeof f);
    f.m = m;
    snprintf(f.base, sizeof f.base, "http://127.0.0.1:%u", (unsigned)tcmock_port(m));
    http(NULL, "GET", url(&f, "/_mock/config"), NULL, NULL, &r);
    j = parse(&r);
    assert_true(cJSON_IsTrue(jget(j, "allow_http_callbacks")));
    assert_int_equal(jnum(j, "max_total_cost"), 5);
    assert_int_equal(jnum(j, "page_size"), 2);
    cJSON_Delete(j);
    resp_free(&r);
  }
  tcmock_stop(m);
}

/* ------------------------------------------------ event delivery (/_mock/deliver) */

/* 64-bit FNV-1a, written here independently of the mock: its routing hash. */
static unsigned long long fnv1a(const char *s) {
  unsigned long long h = 14695981039346656037ULL;
  for (; *s; ++s) {
    h ^= (unsigned char)*s;
    h *= 1099511628211ULL;
  }
  return h;
}

/* A broadcaster id ("<n>") whose hash lands on shard `want` of `count`, starting at n = from. */
static void id_for_shard(int want, int count, int from, char *out, size_t cap) {
  int n;
  for (n = from; n < from + 100000; ++n) {
    snprintf(out, cap, "%d", n);
    if ((int)(fnv1a(out) % (unsigned)count) == want) return;
  }
  fail();
}

/* A conduit with one webhook shard per entry of paths (NULL = slot left unassigned), all settled. */
static void webhook_conduit(fx_t *f, responder_t *rs, int n, const char *const *paths, char *cid) {
  char shards[4096], item[512];
  int i, assigned = 0;
  resp_t r;
  long before = settled(f);
  allow_http(f);
  create_conduit(f, n, cid);
  strcpy(shards, "[");
  for (i = 0; i < n; ++i) {
    if (!paths[i]) continue;
    snprintf(item, sizeof item,
             "%s{\"id\":\"%d\",\"transport\":{\"method\":\"webhook\",\"callback\":\"http://127.0.0.1:%u%s\","
             "\"secret\":\"" SECRET "%d\"}}",
             assigned ? "," : "", i, (unsigned)rs->port, paths[i], i);
    strcat(shards, item);
    ++assigned;
  }
  strcat(shards, "]");
  patch_shards(f, cid, shards, &r);
  assert_int_equal(r.status, 202);
  resp_free(&r);
  wait_settled(f, before + assigned);
}

/* POST /_mock/deliver; returns the parsed answer, which must have `status`. */
static cJSON *deliver(fx_t *f, const char *json, long status) {
  resp_t r;
  cJSON *j;
  const char *hdrs[] = {"Content-Type: application/json", NULL};
  http(NULL, "POST", url(f, "/_mock/deliver"), hdrs, json, &r);
  if (r.status != status) fprintf(stderr, "deliver %s -> %ld %s\n", json, r.status, r.body);
  assert_int_equal(r.status, status);
  j = parse(&r);
  resp_free(&r);
  return j;
}

static cJSON *deliver_sub(fx_t *f, const char *sub_id, const char *extra) {
  char body[1024];
  snprintf(body, sizeof body, "{\"subscription_id\":\"%s\",\"wait\":true%s}", sub_id, extra ? extra : "");
  return deliver(f, body, 200);
}

static void expect_signature(const record_t *rec, const char *secret, int valid) {
  unsigned char mac[EVP_MAX_MD_SIZE];
  unsigned int len = 0, i;
  char msg[4096], hex[2 * EVP_MAX_MD_SIZE + 8];
  snprintf(msg, sizeof msg, "%s%s%s", rec->id, rec->ts, rec->body);
  assert_non_null(HMAC(EVP_sha256(), secret, (int)strlen(secret), (const unsigned char *)msg, strlen(msg), mac, &len));
  strcpy(hex, "sha256=");
  for (i = 0; i < len; ++i) sprintf(hex + 7 + 2 * i, "%02x", mac[i]);
  if (valid)
    assert_string_equal(rec->sig, hex);
  else
    assert_string_not_equal(rec->sig, hex);
}

/* The last message the responder got (locks around the copy). */
static record_t last_record(responder_t *rs) {
  record_t out;
  pthread_mutex_lock(&rs->mu);
  assert_true(rs->hits > 0 && rs->hits <= MAX_RECORDS);
  out = rs->rec[rs->hits - 1];
  pthread_mutex_unlock(&rs->mu);
  return out;
}

static int hits(responder_t *rs) {
  int n;
  pthread_mutex_lock(&rs->mu);
  n = rs->hits;
  pthread_mutex_unlock(&rs->mu);
  return n;
}

/* The subscription as Get EventSub Subscriptions lists it. */
static cJSON *get_sub(fx_t *f, const char *id) {
  char path[160];
  cJSON *j, *s;
  snprintf(path, sizeof path, SUBS "?subscription_id=%s", id);
  j = helix_json(f, NULL, "GET", path, NULL, 200);
  s = cJSON_DetachItemFromArray(jget(j, "data"), 0);
  cJSON_Delete(j);
  assert_non_null(s);
  return s;
}

static void expect_result(const cJSON *j, const char *shard, int failover, int delivered, int dropped, long status) {
  const cJSON *sh = jget(j, "shard_id");
  if (shard)
    assert_string_equal(jstr(j, "shard_id"), shard);
  else
    assert_true(cJSON_IsNull(sh));
  assert_int_equal(cJSON_IsTrue(jget(j, "failover")), failover);
  assert_int_equal(cJSON_IsTrue(jget(j, "delivered")), delivered);
  assert_int_equal(cJSON_IsTrue(jget(j, "dropped")), dropped);
  assert_int_equal((long)jnum(j, "http_status"), status);
}

static long long epoch_of(const char *ts) {
  /* days from civil (proleptic Gregorian), so no timegm() is needed */
  int y, m, d, hh, mm, ss;
  long long era, yoe, doy, doe, days;
  assert_int_equal(sscanf(ts, "%4d-%2d-%2dT%2d:%2d:%2d", &y, &m, &d, &hh, &mm, &ss), 6);
  y -= m <= 2;
  era = (y >= 0 ? y : y - 399) / 400;
  yoe = y - era * 400;
  doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
  doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  days = era * 146097 + doe - 719468;
  return days * 86400 + hh * 3600 + mm * 60 + ss;
}

static void test_deliver_notification(void **state) {
  fx_t *f = *state;
  responder_t rs;
  static const char *const paths[] = {"/s0"};
  char cid[40], sid[40], body[1024], expected[2048];
  cJSON *j, *got, *sub;
  record_t rec;
  double deadline;
  responder_start(&rs);
  webhook_conduit(f, &rs, 1, paths, cid);
  assert_int_equal(create_sub(f, NULL, "stream.online", "1", "{\"broadcaster_user_id\":\"1337\"}", cid, sid), 202);

  j = deliver_sub(f, sid, NULL);
  expect_result(j, "0", 0, 1, 0, 204);
  assert_string_equal(jstr(j, "hashed_shard"), "0");
  assert_string_equal(jstr(j, "message_type"), "notification");
  assert_true(cJSON_IsNull(jget(j, "reason")));
  assert_int_equal(cJSON_GetArraySize(jget(j, "attempts")), 1);
  assert_true(is_uuid_v4(jstr(j, "message_id")));
  rec = last_record(&rs);
  /* All seven headers (§6.2), verified independently. */
  assert_string_equal(rec.path, "/s0");
  assert_string_equal(rec.method, "POST");
  assert_string_equal(rec.ctype, "application/json");
  assert_string_equal(rec.id, jstr(j, "message_id"));
  assert_string_equal(rec.retry, "0");
  assert_string_equal(rec.type, "notification");
  assert_true(is_rfc3339_nano(rec.ts));
  assert_string_equal(rec.ts, jstr(j, "timestamp"));
  assert_string_equal(rec.sub_type, "stream.online");
  assert_string_equal(rec.sub_version, "1");
  expect_signature(&rec, SECRET "0", 1);
  cJSON_Delete(j);
  /* {"subscription": as GET lists it, "event": a plausible stream.online} (§8.1). */
  got = cJSON_Parse(rec.body);
  assert_non_null(got);
  assert_int_equal(cJSON_GetArraySize(got), 2);
  sub = get_sub(f, sid);
  assert_true(cJSON_Compare(jget(got, "subscription"), sub, 1));
  assert_string_equal(jstr(jget(jget(got, "subscription"), "transport"), "method"), "conduit");
  assert_string_equal(jstr(jget(jget(got, "subscription"), "transport"), "conduit_id"), cid);
  assert_string_equal(jstr(jget(got, "event"), "broadcaster_user_id"), "1337");
  assert_string_equal(jstr(jget(got, "event"), "type"), "live");
  assert_true(is_rfc3339_nano(jstr(jget(got, "event"), "started_at")));
  assert_non_null(jstr(jget(got, "event"), "broadcaster_user_login"));
  cJSON_Delete(got);

  /* Picked by type + condition (any key order), with the caller's event, id and timestamp: the body verbatim. */
  snprintf(body, sizeof body,
           "{\"conduit_id\":\"%s\",\"type\":\"stream.online\",\"condition\":{\"broadcaster_user_id\":\"1337\"},"
           "\"event\":{\"x\":\"y\",\"n\":1},\"message_id\":\"my-id-1\",\"timestamp\":\"2023-07-19T10:11:12.634234626Z\","
           "\"wait\":true}",
           cid);
  j = deliver(f, body, 200);
  expect_result(j, "0", 0, 1, 0, 204);
  assert_string_equal(jstr(j, "message_id"), "my-id-1");
  cJSON_Delete(j);
  rec = last_record(&rs);
  assert_string_equal(rec.id, "my-id-1");
  assert_string_equal(rec.ts, "2023-07-19T10:11:12.634234626Z");
  {
    char *subtext = cJSON_PrintUnformatted(sub);
    snprintf(expected, sizeof expected, "{\"subscription\":%s,\"event\":{\"x\":\"y\",\"n\":1}}", subtext);
    cJSON_free(subtext);
  }
  assert_string_equal(rec.body, expected);
  expect_signature(&rec, SECRET "0", 1);
  cJSON_Delete(sub);

  /* Without wait: 202 at once; the delivery follows. */
  snprintf(body, sizeof body, "{\"subscription_id\":\"%s\"}", sid);
  j = deliver(f, body, 202);
  assert_true(cJSON_IsTrue(jget(j, "queued")));
  assert_true(is_uuid_v4(jstr(j, "message_id")));
  cJSON_Delete(j);
  deadline = now_mono() + 5.0;
  while (tcmock_stat(f->m, "events_delivered") < 3 && now_mono() < deadline) sleep_ms(1);
  assert_int_equal(tcmock_stat(f->m, "events_delivered"), 3);
  assert_int_equal(hits(&rs), 4); /* the challenge and three messages */

  /* Errors. */
  cJSON_Delete(deliver(f, "{\"subscription_id\":\"nope\"}", 404));
  cJSON_Delete(deliver(f, "{\"wait\":true}", 400));
  cJSON_Delete(deliver(f, "[]", 400));
  snprintf(body, sizeof body, "{\"subscription_id\":\"%s\",\"kind\":\"other\"}", sid);
  cJSON_Delete(deliver(f, body, 400));
  snprintf(body, sizeof body, "{\"subscription_id\":\"%s\",\"message_id\":\"a b\"}", sid);
  cJSON_Delete(deliver(f, body, 400));
  snprintf(body, sizeof body, "{\"subscription_id\":\"%s\",\"stale_seconds\":5,\"timestamp\":\"x\"}", sid);
  cJSON_Delete(deliver(f, body, 400));
  snprintf(body, sizeof body, "{\"subscription_id\":\"%s\",\"event\":[]}", sid);
  cJSON_Delete(deliver(f, body, 400));
  snprintf(body, sizeof body, "{\"conduit_id\":\"%s\",\"type\":\"stream.online\",\"condition\":{\"broadcaster_user_id\":\"1\"}}",
           cid);
  cJSON_Delete(deliver(f, body, 404));
  set_sub_status(f, sid, "user_removed");
  snprintf(body, sizeof body, "{\"subscription_id\":\"%s\"}", sid);
  cJSON_Delete(deliver(f, body, 409));
  assert_int_equal(hits(&rs), 4);
  assert_int_equal(tcmock_stat(f->m, "events_dropped"), 0);
  responder_stop(&rs);
}

static void test_deliver_hashing(void **state) {
  fx_t *f = *state;
  responder_t rs;
  static const char *const paths[] = {"/s0", "/s1", "/s2", "/s3"};
  char cid[40], sid[20][40], cond[96], bid[16], want[8], uid[40];
  int i, round, used[4] = {0, 0, 0, 0}, distinct = 0;
  cJSON *j;
  record_t rec;
  responder_start(&rs);
  webhook_conduit(f, &rs, 4, paths, cid);
  for (i = 0; i < 20; ++i) {
    snprintf(cond, sizeof cond, "{\"broadcaster_user_id\":\"%d\"}", 5000 + i);
    assert_int_equal(create_sub(f, NULL, "channel.follow", "2", cond, cid, sid[i]), 202);
  }
  for (round = 0; round < 2; ++round) {
    for (i = 0; i < 20; ++i) {
      int shard;
      snprintf(bid, sizeof bid, "%d", 5000 + i);
      shard = (int)(fnv1a(bid) % 4);
      snprintf(want, sizeof want, "%d", shard);
      j = deliver_sub(f, sid[i], NULL);
      expect_result(j, want, 0, 1, 0, 204);
      assert_string_equal(jstr(j, "hashed_shard"), want);
      cJSON_Delete(j);
      rec = last_record(&rs);
      assert_string_equal(rec.path, paths[shard]);
      assert_string_equal(rec.sub_type, "channel.follow");
      assert_string_equal(rec.sub_version, "2");
      {
        char secret[64];
        snprintf(secret, sizeof secret, SECRET "%d", shard);
        expect_signature(&rec, secret, 1);
      }
      if (!used[shard]++) ++distinct;
    }
  }
  assert_true(distinct >= 3); /* 20 broadcasters spread over the 4 shards */
  assert_int_equal(tcmock_stat(f->m, "events_delivered"), 40);
  assert_int_equal(tcmock_stat(f->m, "events_failover"), 0);

  /* No broadcaster: the first user-like id of the condition routes it. */
  assert_int_equal(create_sub(f, NULL, "user.update", "1", "{\"user_id\":\"77\"}", cid, uid), 202);
  j = deliver_sub(f, uid, NULL);
  snprintf(want, sizeof want, "%d", (int)(fnv1a("77") % 4));
  assert_string_equal(jstr(j, "hashed_shard"), want);
  cJSON_Delete(j);
  rec = last_record(&rs);
  {
    cJSON *b = cJSON_Parse(rec.body);
    assert_string_equal(jstr(jget(b, "event"), "user_id"), "77");
    cJSON_Delete(b);
  }
  /* Neither: the subscription id. */
  assert_int_equal(create_sub(f, NULL, "user.authorization.revoke", "1", "{\"client_id\":\"" CLIENT_ID "\"}", cid, uid),
                   202);
  j = deliver_sub(f, uid, NULL);
  snprintf(want, sizeof want, "%d", (int)(fnv1a(uid) % 4));
  assert_string_equal(jstr(j, "hashed_shard"), want);
  cJSON_Delete(j);
  responder_stop(&rs);
}

static void test_deliver_failover_and_drop(void **state) {
  fx_t *f = *state;
  responder_t rs;
  /* Shard 0 fails its challenge (not enabled); 1 and 2 are enabled. */
  static const char *const paths[] = {"/wrong", "/s1", "/s2"};
  char cid[40], to0[16], to1[16], sid0[40], sid1[40], cond[96], shards[512];
  cJSON *j, *a;
  resp_t r;
  int n;
  responder_start(&rs);
  webhook_conduit(f, &rs, 3, paths, cid);
  expect_shard_status(f, cid, "0", "webhook_callback_verification_failed");
  id_for_shard(0, 3, 100, to0, sizeof to0);
  id_for_shard(1, 3, 100, to1, sizeof to1);
  snprintf(cond, sizeof cond, "{\"broadcaster_user_id\":\"%s\"}", to0);
  assert_int_equal(create_sub(f, NULL, "stream.online", "1", cond, cid, sid0), 202);
  snprintf(cond, sizeof cond, "{\"broadcaster_user_id\":\"%s\"}", to1);
  assert_int_equal(create_sub(f, NULL, "stream.online", "1", cond, cid, sid1), 202);

  /* The hashed shard is not enabled: the next enabled one gets it. */
  j = deliver_sub(f, sid0, NULL);
  expect_result(j, "1", 1, 1, 0, 204);
  assert_string_equal(jstr(j, "hashed_shard"), "0");
  cJSON_Delete(j);
  assert_string_equal(last_record(&rs).path, "/s1");
  assert_int_equal(tcmock_stat(f->m, "events_failover"), 1);

  /* The hashed shard is enabled but answers 500: no failover (Twitch retries
   * the same shard), not dropped either. */
  snprintf(shards, sizeof shards,
           "[{\"id\":\"1\",\"transport\":{\"method\":\"webhook\",\"callback\":\"http://127.0.0.1:%u/fail\","
           "\"secret\":\"" SECRET "1\"}}]",
           (unsigned)rs.port);
  patch_shards(f, cid, shards, &r);
  assert_int_equal(r.status, 202);
  resp_free(&r);
  wait_settled(f, 4);
  expect_shard_status(f, cid, "1", "enabled");
  j = deliver_sub(f, sid1, NULL);
  expect_result(j, "1", 0, 0, 0, 500);
  assert_string_equal(jstr(j, "hashed_shard"), "1");
  a = jget(j, "attempts");
  assert_int_equal(cJSON_GetArraySize(a), 1);
  assert_non_null(strstr(jstr(j, "reason"), "retries the same shard"));
  cJSON_Delete(j);
  assert_string_equal(last_record(&rs).path, "/fail");
  assert_int_equal(tcmock_stat(f->m, "events_failover"), 1);

  /* Not enabled, and the one other shard fails: dropped; shard 2 is never tried. */
  n = hits(&rs);
  j = deliver_sub(f, sid0, NULL);
  expect_result(j, NULL, 1, 0, 1, 500);
  assert_int_equal(cJSON_GetArraySize(jget(j, "attempts")), 1);
  assert_non_null(jstr(j, "reason"));
  cJSON_Delete(j);
  assert_int_equal(hits(&rs), n + 1);
  assert_string_equal(last_record(&rs).path, "/fail");

  /* Counters: one failover that delivered, one that was dropped. */
  assert_int_equal(tcmock_stat(f->m, "events_dropped"), 1);
  assert_int_equal(tcmock_stat(f->m, "events_failover"), 2);
  assert_int_equal(tcmock_stat(f->m, "events_delivered"), 1);

  /* A websocket shard cannot receive from the mock: reported, not dropped. */
  register_session(f, "sess-deliver");
  snprintf(shards, sizeof shards,
           "[{\"id\":\"1\",\"transport\":{\"method\":\"websocket\",\"session_id\":\"sess-deliver\"}}]");
  patch_shards(f, cid, shards, &r);
  assert_int_equal(r.status, 202);
  resp_free(&r);
  n = hits(&rs);
  j = deliver_sub(f, sid1, NULL);
  expect_result(j, "1", 0, 0, 0, 0);
  assert_non_null(strstr(jstr(j, "reason"), "websocket"));
  cJSON_Delete(j);
  assert_int_equal(hits(&rs), n);
  assert_int_equal(tcmock_stat(f->m, "events_dropped"), 1);

  /* No enabled shard at all. */
  {
    static const char *const none[] = {"/wrong"};
    char cid2[40], sid2[40];
    webhook_conduit(f, &rs, 1, none, cid2);
    assert_int_equal(create_sub(f, NULL, "stream.offline", "1", "{\"broadcaster_user_id\":\"9\"}", cid2, sid2), 202);
    j = deliver_sub(f, sid2, NULL);
    expect_result(j, NULL, 1, 0, 1, 0);
    assert_string_equal(jstr(j, "reason"), "no enabled shard");
    assert_int_equal(cJSON_GetArraySize(jget(j, "attempts")), 0);
    cJSON_Delete(j);
    assert_int_equal(tcmock_stat(f->m, "events_dropped"), 2);
  }
  responder_stop(&rs);
}

static void test_deliver_resend_stale_tamper(void **state) {
  fx_t *f = *state;
  responder_t rs;
  static const char *const paths[] = {"/s0", "/s1"};
  char cid[40], sid[40], id[64], body[256];
  record_t first, again;
  cJSON *j;
  long long age;
  responder_start(&rs);
  webhook_conduit(f, &rs, 2, paths, cid);
  assert_int_equal(
      create_sub(f, NULL, "channel.chat.message", "1", "{\"broadcaster_user_id\":\"31\",\"user_id\":\"32\"}", cid, sid),
      202);
  j = deliver_sub(f, sid, NULL);
  assert_true(cJSON_IsTrue(jget(j, "delivered")));
  snprintf(id, sizeof id, "%s", jstr(j, "message_id"));
  cJSON_Delete(j);
  first = last_record(&rs);
  {
    cJSON *b = cJSON_Parse(first.body);
    assert_string_equal(jstr(jget(b, "event"), "chatter_user_id"), "32");
    assert_string_equal(jstr(jget(jget(b, "event"), "message"), "text"), "Hello from tc-mock");
    cJSON_Delete(b);
  }

  /* Resends: byte for byte, same id, timestamp and signature; Retry counts up. */
  snprintf(body, sizeof body, "{\"resend_of\":\"%s\",\"wait\":true}", id);
  j = deliver(f, body, 200);
  assert_string_equal(jstr(j, "message_id"), id);
  assert_int_equal((long)jnum(j, "retry"), 1);
  assert_true(cJSON_IsTrue(jget(j, "delivered")));
  cJSON_Delete(j);
  again = last_record(&rs);
  assert_string_equal(again.path, first.path);
  assert_string_equal(again.id, first.id);
  assert_string_equal(again.ts, first.ts);
  assert_string_equal(again.body, first.body);
  assert_string_equal(again.sig, first.sig);
  assert_string_equal(again.type, first.type);
  assert_string_equal(again.sub_type, first.sub_type);
  assert_string_equal(again.retry, "1");
  cJSON_Delete(deliver(f, body, 200));
  assert_string_equal(last_record(&rs).retry, "2");
  assert_string_equal(last_record(&rs).sig, first.sig);
  cJSON_Delete(deliver(f, "{\"resend_of\":\"never-sent\"}", 404));

  /* Stale: the timestamp is that far in the past. */
  j = deliver_sub(f, sid, ",\"stale_seconds\":900");
  cJSON_Delete(j);
  again = last_record(&rs);
  assert_true(is_rfc3339_nano(again.ts));
  age = (long long)time(NULL) - epoch_of(again.ts);
  assert_true(age >= 899 && age <= 960);
  expect_signature(&again, SECRET "0", strcmp(again.path, "/s0") == 0);

  /* Tampered: the body no longer fits the signature; a resend without tamper does. */
  j = deliver_sub(f, sid, ",\"tamper\":true");
  snprintf(id, sizeof id, "%s", jstr(j, "message_id"));
  cJSON_Delete(j);
  first = last_record(&rs);
  snprintf(body, sizeof body, "{\"resend_of\":\"%s\",\"wait\":true}", id);
  cJSON_Delete(deliver(f, body, 200));
  again = last_record(&rs);
  {
    char secret[64];
    size_t i, diff = 0;
    snprintf(secret, sizeof secret, SECRET "%c", again.path[2]);
    expect_signature(&first, secret, 0);
    expect_signature(&again, secret, 1);
    assert_string_equal(first.sig, again.sig);
    assert_int_equal(strlen(first.body), strlen(again.body));
    for (i = 0; first.body[i]; ++i) diff += first.body[i] != again.body[i];
    assert_int_equal(diff, 1);
  }
  responder_stop(&rs);
}

static void test_deliver_revocation(void **state) {
  fx_t *f = *state;
  responder_t rs;
  static const char *const paths[] = {"/s0"};
  char cid[40], sid[40], sid2[40], body[256];
  record_t rec;
  cJSON *j, *got, *sub;
  responder_start(&rs);
  webhook_conduit(f, &rs, 1, paths, cid);
  assert_int_equal(create_sub(f, NULL, "stream.online", "1", "{\"broadcaster_user_id\":\"44\"}", cid, sid), 202);
  assert_int_equal(create_sub(f, NULL, "stream.offline", "1", "{\"broadcaster_user_id\":\"44\"}", cid, sid2), 202);

  snprintf(body, sizeof body, "{\"subscription_id\":\"%s\",\"kind\":\"revocation\",\"reason\":\"enabled\"}", sid);
  cJSON_Delete(deliver(f, body, 400));
  j = deliver_sub(f, sid, ",\"kind\":\"revocation\",\"reason\":\"user_removed\"");
  expect_result(j, "0", 0, 1, 0, 204);
  assert_string_equal(jstr(j, "message_type"), "revocation");
  cJSON_Delete(j);
  rec = last_record(&rs);
  assert_string_equal(rec.type, "revocation");
  assert_string_equal(rec.retry, "0");
  assert_string_equal(rec.sub_type, "stream.online");
  assert_string_equal(rec.sub_version, "1");
  expect_signature(&rec, SECRET "0", 1);
  /* Only "subscription", with the reason as its status; and it is now that status. */
  got = cJSON_Parse(rec.body);
  assert_int_equal(cJSON_GetArraySize(got), 1);
  sub = get_sub(f, sid);
  assert_string_equal(jstr(sub, "status"), "user_removed");
  assert_true(cJSON_Compare(jget(got, "subscription"), sub, 1));
  cJSON_Delete(sub);
  cJSON_Delete(got);
  assert_int_equal(tcmock_stat(f->m, "revocations_sent"), 1);
  /* No more notifications for it, nor a second revocation. */
  snprintf(body, sizeof body, "{\"subscription_id\":\"%s\"}", sid);
  cJSON_Delete(deliver(f, body, 409));
  snprintf(body, sizeof body, "{\"subscription_id\":\"%s\",\"kind\":\"revocation\"}", sid);
  cJSON_Delete(deliver(f, body, 409));

  /* Default reason. */
  j = deliver_sub(f, sid2, ",\"kind\":\"revocation\"");
  cJSON_Delete(j);
  sub = get_sub(f, sid2);
  assert_string_equal(jstr(sub, "status"), "authorization_revoked");
  cJSON_Delete(sub);
  got = cJSON_Parse(last_record(&rs).body);
  assert_string_equal(jstr(jget(got, "subscription"), "status"), "authorization_revoked");
  cJSON_Delete(got);
  assert_int_equal(tcmock_stat(f->m, "revocations_sent"), 2);
  assert_int_equal(tcmock_stat(f->m, "events_delivered"), 2);
  responder_stop(&rs);
}


typedef struct {
  char url[128], body[256];
  long status;
} waiter_t;

static size_t discard(char *p, size_t sz, size_t n, void *ud) {
  (void)p;
  (void)ud;
  return sz * n;
}

static void *waiter_main(void *arg) {
  waiter_t *w = arg;
  CURL *h = curl_easy_init();
  if (!h) return NULL;
  curl_easy_setopt(h, CURLOPT_URL, w->url);
  curl_easy_setopt(h, CURLOPT_POSTFIELDS, w->body);
  curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, discard);
  curl_easy_setopt(h, CURLOPT_TIMEOUT, 20L);
  if (curl_easy_perform(h) == CURLE_OK) curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &w->status);
  curl_easy_cleanup(h);
  return NULL;
}

/* A "wait" call with its POST hanging: a reset answers it 503, and stopping
 * the mock does not wait for the 10 s client timeout. */
static void test_deliver_wait_reset_stop(void **state) {
  fx_t *f = *state;
  responder_t rs;
  static const char *const paths[] = {"/hang"};
  char cid[40], sid[40];
  pthread_t th;
  waiter_t w;
  double t0;
  responder_start(&rs);
  responder_release(&rs); /* the challenge passes at once */
  webhook_conduit(f, &rs, 1, paths, cid);
  assert_int_equal(create_sub(f, NULL, "stream.online", "1", "{\"broadcaster_user_id\":\"5\"}", cid, sid), 202);
  pthread_mutex_lock(&rs.mu);
  rs.release = 0;
  rs.hanging = 0;
  pthread_mutex_unlock(&rs.mu);

  memset(&w, 0, sizeof w);
  snprintf(w.url, sizeof w.url, "%s", url(f, "/_mock/deliver"));
  snprintf(w.body, sizeof w.body, "{\"subscription_id\":\"%s\",\"wait\":true}", sid);
  assert_int_equal(pthread_create(&th, NULL, waiter_main, &w), 0);
  responder_wait_hanging(&rs, 1);
  control_ok(f, "reset", NULL);
  assert_int_equal(pthread_join(th, NULL), 0);
  assert_int_equal(w.status, 503);

  t0 = now_mono();
  tcmock_stop(f->m);
  f->m = NULL;
  assert_true(now_mono() - t0 < 2.0);
  responder_stop(&rs);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test_setup_teardown(test_shards_get_basics, setup, teardown),
      cmocka_unit_test_setup_teardown(test_shards_patch_request_errors, setup, teardown),
      cmocka_unit_test_setup_teardown(test_shards_patch_validation, setup, teardown),
      cmocka_unit_test_setup_teardown(test_challenge_flow, setup, teardown),
      cmocka_unit_test_setup_teardown(test_challenge_superseded, setup, teardown),
      cmocka_unit_test_setup_teardown(test_stop_with_challenge_in_flight, setup, teardown),
      cmocka_unit_test_setup_teardown(test_shards_websocket_resize_delete, setup, teardown),
      cmocka_unit_test_setup_teardown(test_shards_pagination, setup, teardown),
      cmocka_unit_test_setup_teardown(test_shards_exact_pages, setup, teardown),
      cmocka_unit_test_setup_teardown(test_sub_create_shape, setup, teardown),
      cmocka_unit_test_setup_teardown(test_sub_create_errors, setup, teardown),
      cmocka_unit_test_setup_teardown(test_sub_duplicates_and_limit, setup, teardown),
      cmocka_unit_test_setup_teardown(test_sub_cost_limit, setup, teardown),
      cmocka_unit_test_setup_teardown(test_sub_get_filters, setup, teardown),
      cmocka_unit_test_setup_teardown(test_sub_delete, setup, teardown),
      cmocka_unit_test_setup_teardown(test_sub_pagination, setup, teardown),
      cmocka_unit_test_setup_teardown(test_sub_scale, setup, teardown),
      cmocka_unit_test_setup_teardown(test_sub_faults, setup, teardown),
      cmocka_unit_test_setup_teardown(test_control_endpoints, setup, teardown),
      cmocka_unit_test_setup_teardown(test_deliver_notification, setup, teardown),
      cmocka_unit_test_setup_teardown(test_deliver_hashing, setup, teardown),
      cmocka_unit_test_setup_teardown(test_deliver_failover_and_drop, setup, teardown),
      cmocka_unit_test_setup_teardown(test_deliver_resend_stale_tamper, setup, teardown),
      cmocka_unit_test_setup_teardown(test_deliver_revocation, setup, teardown),
      cmocka_unit_test_setup_teardown(test_deliver_wait_reset_stop, setup, teardown),
      cmocka_unit_test(test_start_config),
  };
  int failed;
  curl_global_init(CURL_GLOBAL_DEFAULT);
  failed = cmocka_run_group_tests_name("mock-eventsub", tests, NULL, NULL);
  curl_global_cleanup();
  return failed;
}
