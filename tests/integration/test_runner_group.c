/*
 * The conduit runner as one worker of a group (tc_runner_options version 2)
 * against the mock and a private redis-server (unix socket in a temp dir;
 * the test is skipped without $TC_REDIS_SERVER): leases acquired for every
 * shard, the group's JSON view, a Redis outage that keeps the sockets, a
 * restart that loses every key (the leases are re-taken, no shard moves),
 * and a stop that releases every lease. The multi-process cases (three
 * workers, kill -9, SIGSTOP) are in tests/tcctl/test_tcctl_group.py.
 */
#define _GNU_SOURCE /* mkdtemp, usleep */
#include "runner_harness.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stdint.h>
#include <cmocka.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

typedef struct redis_proc {
    char dir[48];
    char sock[100]; /* fits sun_path */
    char url[160];
    pid_t pid;
} redis_proc;

static int redis_accepts(const redis_proc *r) {
    struct sockaddr_un a;
    int fd = socket(AF_UNIX, SOCK_STREAM, 0), ok;
    if (fd < 0) return 0;
    memset(&a, 0, sizeof a);
    a.sun_family = AF_UNIX;
    snprintf(a.sun_path, sizeof a.sun_path, "%s", r->sock);
    ok = connect(fd, (struct sockaddr *)&a, sizeof a) == 0;
    close(fd);
    return ok;
}

static void redis_start(redis_proc *r) {
    const char *bin = getenv("TC_REDIS_SERVER");
    r->pid = fork();
    assert_true(r->pid >= 0);
    if (r->pid == 0) {
        if (freopen("/dev/null", "w", stdout) == NULL || freopen("/dev/null", "w", stderr) == NULL) _exit(126);
        execl(bin, bin, "--port", "0", "--unixsocket", r->sock, "--unixsocketperm", "700", "--save", "",
              "--appendonly", "no", "--dir", r->dir, (char *)NULL);
        _exit(127);
    }
    for (int k = 0; k < 500 && !redis_accepts(r); ++k) usleep(20000);
    assert_true(redis_accepts(r));
}

static void redis_kill(redis_proc *r) {
    int st;
    if (r->pid <= 0) return;
    kill(r->pid, SIGKILL);
    waitpid(r->pid, &st, 0);
    r->pid = -1;
    unlink(r->sock);
}

static char *group_json(rh *h) {
    char *json = NULL;
    assert_int_equal(tc_runner_group_to_json(&json, h->r), TC_OK);
    return json;
}

static int json_has(rh *h, const void *needle) {
    char *json = group_json(h);
    int found = strstr(json, (const char *)needle) != NULL;
    tc_free(json);
    return found;
}

static const char *g_redis_url;
static int all_released(rh *h, const void *conduit) {
    char *json = NULL;
    int ok;
    (void)h;
    if (tc_runner_group_owners(&json, g_redis_url, "testers", (const char *)conduit, 2000) != TC_OK) return 0;
    ok = strstr(json, "\"owner\":\"w-") == NULL && strstr(json, "\"shard_id\":\"2\"") != NULL;
    tc_free(json);
    return ok;
}

static int owned_in_redis(rh *h, const void *conduit) {
    char *json = NULL;
    int ok;
    (void)h;
    if (tc_runner_group_owners(&json, g_redis_url, "testers", (const char *)conduit, 2000) != TC_OK) return 0;
    ok = strstr(json, "{\"shard_id\":\"0\",\"owner\":\"w-1\"") != NULL &&
         strstr(json, "{\"shard_id\":\"2\",\"owner\":\"w-1\"") != NULL;
    tc_free(json);
    return ok;
}

static void test_group_worker(void **state) {
    redis_proc redis;
    rh h;
    char *json;
    (void)state;
    if (getenv("TC_REDIS_SERVER") == NULL || access(getenv("TC_REDIS_SERVER"), X_OK) != 0) skip();
    memset(&redis, 0, sizeof redis);
    snprintf(redis.dir, sizeof redis.dir, "/tmp/tc-rg-XXXXXX");
    assert_non_null(mkdtemp(redis.dir));
    snprintf(redis.sock, sizeof redis.sock, "%s/redis.sock", redis.dir);
    snprintf(redis.url, sizeof redis.url, "unix://%s", redis.sock);
    g_redis_url = redis.url;
    redis_start(&redis);

    rh_setup(&h);
    fixture_make_conduit(h.c, 3, h.conduit);
    tc_runner_options o = rh_options(&h);
    o.group = "testers";
    o.redis_url = redis.url;
    o.worker_id = "w-1";
    o.lease_ttl_ms = 900;
    rh_start(&h, &o);
    /* Alone in the group: every shard's lease, then every shard enabled. */
    rh_wait(&h, rh_ready, NULL, 15000, "ready");
    rh_wait(&h, rh_all_enabled, NULL, 15000, "every shard enabled");
    assert_int_equal(tc_runner_stat_get(h.r, TC_RUNNER_STAT_LEASES_ACQUIRED), 3);
    assert_int_equal(tc_runner_stat_get(h.r, TC_RUNNER_STAT_FENCE_REJECTS), 0);
    rh_wait(&h, json_has, "\"redis\":\"connected\"", 5000, "connected");
    json = group_json(&h);
    assert_non_null(strstr(json, "\"group\":\"testers\",\"worker_id\":\"w-1\""));
    assert_non_null(strstr(json, "\"live_workers\":1"));
    assert_non_null(strstr(json, "{\"shard_id\":\"2\",\"fencing_token\":1}"));
    tc_free(json);
    json = NULL;
    assert_int_equal(tc_runner_group_owners(&json, redis.url, "testers", h.conduit, 0), TC_OK);
    assert_non_null(strstr(json, "{\"shard_id\":\"0\",\"owner\":\"w-1\",\"lease_ms_left\":"));
    tc_free(json);

    /* Redis gone: the sockets keep running, the view says why. */
    redis_kill(&redis);
    rh_wait(&h, json_has, "\"redis\":\"unreachable\"", 5000, "unreachable");
    json = group_json(&h);
    assert_non_null(strstr(json, redis.sock)); /* the error names where */
    tc_free(json);
    assert_true(rh_all_enabled(&h, NULL));
    /* Back, empty: the leases are taken again (new tokens), nothing moved. */
    redis_start(&redis);
    rh_wait(&h, json_has, "\"redis\":\"connected\"", 10000, "connected again");
    rh_wait(&h, owned_in_redis, h.conduit, 10000, "the leases re-taken in the new Redis");
    assert_true(rh_all_enabled(&h, NULL));
    assert_int_equal(tc_runner_stat_get(h.r, TC_RUNNER_STAT_LEASES_LOST), 0);

    /* Stop: every lease released at once (well before the TTL would). */
    assert_int_equal(tc_runner_stop(h.r), TC_OK);
    rh_wait(&h, rh_done, NULL, 10000, "done_cb");
    assert_int_equal(h.done_status, TC_OK);
    assert_true(all_released(&h, h.conduit));
    assert_int_equal(h.event_errors, 0);
    rh_teardown(&h);
    redis_kill(&redis);
    rmdir(redis.dir);
}

/* A group whose Redis is not there starts, takes nothing and says why. */
static void test_group_without_redis(void **state) {
    rh h;
    (void)state;
    rh_setup(&h);
    fixture_make_conduit(h.c, 1, h.conduit);
    tc_runner_options o = rh_options(&h);
    o.group = "nobody-home";
    o.redis_url = "unix:///nonexistent/tc-test/redis.sock";
    o.lease_ttl_ms = 600;
    rh_start(&h, &o);
    rh_wait(&h, json_has, "\"redis\":\"unreachable\"", 10000, "unreachable");
    /* No lease, no shard taken. */
    assert_int_equal(tc_runner_stat_get(h.r, TC_RUNNER_STAT_LEASES_ACQUIRED), 0);
    assert_int_equal(rh_snapshot(&h, "0").state, TC_RUNNER_SHARD_NOT_OWNED);
    assert_int_equal(tc_runner_stop(h.r), TC_OK);
    rh_wait(&h, rh_done, NULL, 10000, "done_cb");
    assert_int_equal(h.done_status, TC_OK);
    rh_teardown(&h);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_group_worker),
        cmocka_unit_test(test_group_without_redis),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
