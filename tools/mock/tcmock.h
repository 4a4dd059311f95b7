/* tcmock: an embeddable mock of the Twitch OAuth + Helix EventSub conduit,
 * shard and (conduit-transport) subscription API on 127.0.0.1, for tests,
 * language bindings and the tc-mock binary. C99. Every function is
 * thread-safe; a handle is freed by tcmock_stop(). */
#ifndef TCMOCK_H
#define TCMOCK_H

#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef struct tcmock tcmock;

typedef struct tcmock_config {
  unsigned short port;                      /* 0 = pick a free port */
  const char *client_id, *client_secret;    /* NULL = built-in defaults */
  const char *tls_cert_file, *tls_key_file; /* PEM files; both NULL = plain http */
  int ratelimit_limit;                      /* bucket size per client id (800) */
  double ratelimit_window_s;                /* seconds to refill a whole bucket (60) */
  unsigned long long seed;                  /* fault PRNG seed (1) */
  double fail_rate, drop_rate, drop_after_rate; /* 0..1 per Helix request */
  int latency_ms;                           /* added before every answer */
  int token_expire_after_calls;             /* 0 = off */
  long token_expires_in;                    /* seconds (5011271) */
  int faults_on_oauth;                      /* also inject faults on /oauth2 */
  int page_size;                            /* items per page of paginated lists (100) */
  /* Appended later; tcmock_config_init() fills them. */
  int allow_http_callbacks;                 /* also accept http(s)://127.0.0.1|localhost:ANY webhook
                                               shard callbacks (tests); default: https on 443 only */
  long max_total_cost;                      /* Create EventSub Subscription cost limit (10000) */
  /* EventSub WebSocket server at ws(s)://127.0.0.1:PORT/ws (appended later). */
  long ws_keepalive_s;                      /* keepalive_timeout_seconds by default (10) */
  long ws_keepalive_min_s;                  /* lowest a URL may ask for (10, like Twitch) */
  long ws_ping_interval_ms;                 /* Ping frames (5000); 0 = none */
  long ws_assign_timeout_ms;                /* welcome -> shard assignment, else close 4003 (10000); 0 = never */
  long ws_reconnect_grace_ms;               /* session_reconnect -> close 4004 (30000) */
  long ws_pong_timeout_ms;                  /* no Pong this long after a Ping -> close 4002 (10000); 0 = never */
} tcmock_config;

/* Fills *cfg with the defaults. */
void tcmock_config_init(tcmock_config *cfg);

/* Starts a server. 0 on success with *out set; -1 with a message in err. */
int tcmock_start(tcmock **out, const tcmock_config *cfg, char *err, size_t errlen);

unsigned short tcmock_port(const tcmock *m);
const char *tcmock_helix_base(const tcmock *m); /* "http(s)://127.0.0.1:PORT/helix" */
const char *tcmock_auth_base(const tcmock *m);  /* "http(s)://127.0.0.1:PORT/oauth2" */
const char *tcmock_ws_url(const tcmock *m);     /* "ws(s)://127.0.0.1:PORT/ws" */

/* A counter from GET /_mock/stats by name; -1 for an unknown name. */
long tcmock_stat(const tcmock *m, const char *name);

/* Same as POST /_mock/<path> with json_body (NULL = empty); 0 when the mock
 * answered 2xx, -1 otherwise. */
int tcmock_control(tcmock *m, const char *path, const char *json_body);

/* Stops the server and frees the handle. NULL-safe. */
void tcmock_stop(tcmock *m);

/* Writes ca.pem, server.pem and server.key (for 127.0.0.1 and localhost)
 * into dir, creating it if needed. 0 ok; -1 with a message in err. */
int tcmock_make_test_ca(const char *dir, char *err, size_t errlen);

#ifdef __cplusplus
}
#endif

#endif /* TCMOCK_H */
