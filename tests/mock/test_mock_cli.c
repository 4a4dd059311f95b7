/* Tests for the standalone tc-mock binary (path in argv[1]): the first stdout
 * line scripts rely on, serving requests, clean exit on SIGTERM/SIGINT,
 * usage errors, and --make-test-ca with --tls-cert/--tls-key. */
#define _POSIX_C_SOURCE 200809L

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <curl/curl.h>

extern char **environ;

static const char *g_bin;

typedef struct {
  pid_t pid;
  int out_fd; /* the child's stdout */
  int err_fd; /* the child's stderr */
} child_t;

static double now_mono(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void spawn(const char *const *args, child_t *c) {
  char *argv[16];
  int out[2], err[2];
  size_t i, n = 0;
  posix_spawn_file_actions_t fa;
  argv[n++] = (char *)g_bin;
  for (i = 0; args[i] && n < 15; ++i) argv[n++] = (char *)args[i];
  argv[n] = NULL;
  assert_int_equal(pipe(out), 0);
  assert_int_equal(pipe(err), 0);
  posix_spawn_file_actions_init(&fa);
  posix_spawn_file_actions_adddup2(&fa, out[1], 1);
  posix_spawn_file_actions_adddup2(&fa, err[1], 2);
  posix_spawn_file_actions_addclose(&fa, out[0]);
  posix_spawn_file_actions_addclose(&fa, err[0]);
  assert_int_equal(posix_spawn(&c->pid, g_bin, &fa, NULL, argv, environ), 0);
  posix_spawn_file_actions_destroy(&fa);
  close(out[1]);
  close(err[1]);
  c->out_fd = out[0];
  c->err_fd = err[0];
}

/* Reads one line from fd within timeout_s; returns its length (0 = none). */
static size_t read_line(int fd, char *buf, size_t cap, double timeout_s) {
  size_t len = 0;
  double deadline = now_mono() + timeout_s;
  while (len + 1 < cap) {
    struct pollfd p;
    int left_ms = (int)((deadline - now_mono()) * 1000);
    ssize_t n;
    if (left_ms <= 0) break;
    p.fd = fd;
    p.events = POLLIN;
    if (poll(&p, 1, left_ms) <= 0) continue;
    n = read(fd, buf + len, 1);
    if (n <= 0) break;
    if (buf[len] == '\n') break;
    ++len;
  }
  buf[len] = '\0';
  return len;
}

/* Waits for the child to exit within timeout_s; returns its wait status or -1. */
static int wait_exit(pid_t pid, double timeout_s) {
  double deadline = now_mono() + timeout_s;
  int status;
  while (now_mono() < deadline) {
    pid_t r = waitpid(pid, &status, WNOHANG);
    if (r == pid) return status;
    {
      struct timespec ts = {0, 10 * 1000000L};
      nanosleep(&ts, NULL);
    }
  }
  kill(pid, SIGKILL);
  waitpid(pid, &status, 0);
  return -1;
}

static void close_child(child_t *c) {
  close(c->out_fd);
  close(c->err_fd);
}

static size_t discard(char *p, size_t sz, size_t n, void *ud) {
  (void)p;
  (void)ud;
  return sz * n;
}

/* POSTs a token request; returns the HTTP status or -curl_code. */
static long token_request(const char *base, const char *cainfo) {
  char u[256];
  long status = 0;
  CURLcode rc;
  CURL *h = curl_easy_init();
  snprintf(u, sizeof u, "%s/oauth2/token", base);
  curl_easy_setopt(h, CURLOPT_URL, u);
  curl_easy_setopt(h, CURLOPT_POSTFIELDS,
                   "client_id=cliclient&client_secret=clisecret&grant_type=client_credentials");
  curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, discard);
  curl_easy_setopt(h, CURLOPT_TIMEOUT_MS, 10000L);
  if (cainfo) curl_easy_setopt(h, CURLOPT_CAINFO, cainfo);
  rc = curl_easy_perform(h);
  curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &status);
  curl_easy_cleanup(h);
  return rc == CURLE_OK ? status : -(long)rc;
}

/* Parses "tc-mock listening on <scheme>://127.0.0.1:PORT" into base. */
static void expect_listening_line(const char *line, const char *scheme, char *base, size_t cap) {
  char prefix[64];
  const char *port;
  long p;
  char *end;
  snprintf(prefix, sizeof prefix, "tc-mock listening on %s://127.0.0.1:", scheme);
  assert_true(strncmp(line, prefix, strlen(prefix)) == 0);
  port = line + strlen(prefix);
  p = strtol(port, &end, 10);
  assert_true(end != port && *end == '\0' && p > 0 && p < 65536);
  snprintf(base, cap, "%s://127.0.0.1:%ld", scheme, p);
}

static void test_listen_serve_and_stop(void **state) {
  const char *args[] = {"--port", "0", "--client-id", "cliclient", "--client-secret", "clisecret", NULL};
  const int sigs[] = {SIGTERM, SIGINT};
  char line[256], base[128];
  child_t c;
  int i, status;
  (void)state;
  for (i = 0; i < 2; ++i) {
    spawn(args, &c);
    assert_true(read_line(c.out_fd, line, sizeof line, 10.0) > 0);
    expect_listening_line(line, "http", base, sizeof base);
    assert_int_equal(token_request(base, NULL), 200);
    assert_int_equal(kill(c.pid, sigs[i]), 0);
    status = wait_exit(c.pid, 10.0);
    assert_true(status != -1 && WIFEXITED(status));
    assert_int_equal(WEXITSTATUS(status), 0);
    close_child(&c);
  }
}

static void test_bad_flags(void **state) {
  const char *unknown[] = {"--no-such-flag", NULL};
  const char *bad_value[] = {"--fail-rate", "2", NULL};
  const char *missing[] = {"--port", NULL};
  const char *const *cases[] = {unknown, bad_value, missing};
  char line[512];
  child_t c;
  size_t i;
  int status;
  (void)state;
  for (i = 0; i < 3; ++i) {
    spawn(cases[i], &c);
    status = wait_exit(c.pid, 10.0);
    assert_true(status != -1 && WIFEXITED(status));
    assert_int_equal(WEXITSTATUS(status), 2);
    assert_true(read_line(c.err_fd, line, sizeof line, 1.0) > 0);
    assert_non_null(strstr(line, "tc-mock:"));
    assert_int_equal(read_line(c.out_fd, line, sizeof line, 0.2), 0); /* nothing on stdout */
    close_child(&c);
  }
}

static void test_make_ca_and_tls(void **state) {
  char dir[] = "/tmp/tcmock-cli-XXXXXX";
  char ca[128], cert[128], key[128], line[256], base[128];
  const char *mk[] = {"--make-test-ca", dir, NULL};
  const char *run[] = {"--tls-cert", cert, "--tls-key", key, "--client-id", "cliclient", "--client-secret",
                       "clisecret", NULL};
  struct stat st;
  child_t c;
  int status;
  (void)state;
  assert_non_null(mkdtemp(dir));
  snprintf(ca, sizeof ca, "%s/ca.pem", dir);
  snprintf(cert, sizeof cert, "%s/server.pem", dir);
  snprintf(key, sizeof key, "%s/server.key", dir);

  spawn(mk, &c);
  status = wait_exit(c.pid, 30.0);
  assert_true(status != -1 && WIFEXITED(status));
  assert_int_equal(WEXITSTATUS(status), 0);
  close_child(&c);
  assert_int_equal(stat(key, &st), 0);
  assert_int_equal(st.st_mode & 0777, 0600); /* the private key is not world-readable */

  spawn(run, &c);
  assert_true(read_line(c.out_fd, line, sizeof line, 10.0) > 0);
  expect_listening_line(line, "https", base, sizeof base);
  assert_int_equal(token_request(base, ca), 200);
  assert_int_equal(token_request(base, NULL), -(long)CURLE_PEER_FAILED_VERIFICATION);
  kill(c.pid, SIGTERM);
  status = wait_exit(c.pid, 10.0);
  assert_true(status != -1 && WIFEXITED(status));
  assert_int_equal(WEXITSTATUS(status), 0);
  close_child(&c);

  unlink(ca);
  unlink(cert);
  unlink(key);
  rmdir(dir);
}

typedef struct {
  char *buf;
  size_t len, cap;
} sink_t;

static size_t collect(char *p, size_t sz, size_t n, void *ud) {
  sink_t *s = ud;
  size_t k = sz * n;
  if (s->len + k + 1 > s->cap) k = s->cap - s->len - 1;
  memcpy(s->buf + s->len, p, k);
  s->len += k;
  s->buf[s->len] = '\0';
  return sz * n;
}

/* GETs base+path into out; returns the HTTP status. */
static long get_text(const char *base, const char *path, char *out, size_t cap) {
  char u[256];
  long status = 0;
  sink_t s = {out, 0, cap};
  CURL *h = curl_easy_init();
  out[0] = '\0';
  snprintf(u, sizeof u, "%s%s", base, path);
  curl_easy_setopt(h, CURLOPT_URL, u);
  curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, collect);
  curl_easy_setopt(h, CURLOPT_WRITEDATA, &s);
  curl_easy_setopt(h, CURLOPT_TIMEOUT_MS, 10000L);
  if (curl_easy_perform(h) == CURLE_OK) curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &status);
  curl_easy_cleanup(h);
  return status;
}

/* Everything the child writes to fd until EOF (or timeout_s). */
static size_t read_all(int fd, char *buf, size_t cap, double timeout_s) {
  size_t len = 0;
  double deadline = now_mono() + timeout_s;
  while (len + 1 < cap) {
    struct pollfd p;
    int left_ms = (int)((deadline - now_mono()) * 1000);
    ssize_t n;
    if (left_ms <= 0) break;
    p.fd = fd;
    p.events = POLLIN;
    if (poll(&p, 1, left_ms) <= 0) continue;
    n = read(fd, buf + len, cap - 1 - len);
    if (n <= 0) break;
    len += (size_t)n;
  }
  buf[len] = '\0';
  return len;
}

static void test_eventsub_flags(void **state) {
  const char *args[] = {"--page-size", "3", "--allow-http-callbacks", "--max-total-cost=5", NULL};
  const char *bad_page[] = {"--page-size", "0", NULL};
  const char *bad_cost[] = {"--max-total-cost", "-1", NULL};
  const char *const *bad[] = {bad_page, bad_cost};
  const char *help[] = {"--help", NULL};
  char line[256], base[128], body[4096];
  child_t c;
  int status;
  size_t i;
  (void)state;
  spawn(args, &c);
  assert_true(read_line(c.out_fd, line, sizeof line, 10.0) > 0);
  expect_listening_line(line, "http", base, sizeof base);
  assert_int_equal(get_text(base, "/_mock/config", body, sizeof body), 200);
  assert_non_null(strstr(body, "\"page_size\":3"));
  assert_non_null(strstr(body, "\"allow_http_callbacks\":true"));
  assert_non_null(strstr(body, "\"max_total_cost\":5"));
  assert_int_equal(get_text(base, "/_mock/stats", body, sizeof body), 200);
  assert_non_null(strstr(body, "\"challenges_sent\":0"));
  assert_non_null(strstr(body, "\"subscriptions_created\":0"));
  kill(c.pid, SIGTERM);
  status = wait_exit(c.pid, 10.0);
  assert_true(status != -1 && WIFEXITED(status));
  assert_int_equal(WEXITSTATUS(status), 0);
  close_child(&c);

  for (i = 0; i < 2; ++i) {
    spawn(bad[i], &c);
    status = wait_exit(c.pid, 10.0);
    assert_true(status != -1 && WIFEXITED(status));
    assert_int_equal(WEXITSTATUS(status), 2);
    close_child(&c);
  }

  spawn(help, &c);
  assert_true(read_all(c.out_fd, body, sizeof body, 10.0) > 0);
  status = wait_exit(c.pid, 10.0);
  assert_true(status != -1 && WIFEXITED(status));
  assert_int_equal(WEXITSTATUS(status), 0);
  assert_non_null(strstr(body, "--page-size"));
  assert_non_null(strstr(body, "--allow-http-callbacks"));
  assert_non_null(strstr(body, "--max-total-cost"));
  assert_non_null(strstr(body, "/helix/eventsub/conduits/shards"));
  assert_non_null(strstr(body, "/helix/eventsub/subscriptions"));
  assert_non_null(strstr(body, "/_mock/sessions"));
  assert_non_null(strstr(body, "/_mock/subscriptions/status"));
  close_child(&c);
}

int main(int argc, char **argv) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_listen_serve_and_stop),
      cmocka_unit_test(test_bad_flags),
      cmocka_unit_test(test_make_ca_and_tls),
      cmocka_unit_test(test_eventsub_flags),
  };
  int failed;
  if (argc < 2) {
    fprintf(stderr, "usage: %s /path/to/tc-mock\n", argv[0]);
    return 2;
  }
  g_bin = argv[1];
  curl_global_init(CURL_GLOBAL_DEFAULT);
  failed = cmocka_run_group_tests_name("mock-cli", tests, NULL, NULL);
  curl_global_cleanup();
  return failed;
}
