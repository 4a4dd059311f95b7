/*
 * group_worker: one worker of a group that shares every shard of a conduit
 * through leases in Redis (README "Running a conduit on many hosts"). Start
 * it on as many hosts as you like; each prints the events of the shards it
 * owns until SIGINT.
 *
 *   TWITCH_CLIENT_ID=... TWITCH_CLIENT_SECRET=... group_worker CONDUIT_ID redis://10.0.0.5:6379
 *
 * (TWITCH_API_BASE / TWITCH_AUTH_BASE / TWITCH_EVENTSUB_WS_URL point it at
 * the mock.) The test suite builds it and checks its usage errors; the group
 * itself is tested by tests/tcctl/test_tcctl_group.py with tcctl.
 */
#define _POSIX_C_SOURCE 200809L

#include <twitchconduits.h>

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>

static volatile sig_atomic_t stop_requested = 0;
static void on_signal(int sig) { (void)sig; stop_requested = 1; }

static void on_event(tc_status st, const char *shard_id, const tc_event *msg, void *ud) {
    (void)ud;
    if (st == TC_OK) printf("shard %s: %s\n", shard_id, tc_event_subscription_type(msg));
}

static void on_done(tc_status st, void *ud) { *(tc_status *)ud = st; }

static tc_runner *start_group_worker(tc_conduits *c, const char *conduit_id, const char *redis_url,
                                     tc_status *done) {
    tc_runner_options o = TC_RUNNER_OPTIONS_INIT;   /* version 2 */
    o.conduit_id = conduit_id;                      /* a group runs an existing conduit */
    o.group = "bots";
    o.redis_url = redis_url;                        /* redis://host:6379 or unix:///run/redis/redis.sock */
    o.worker_id = NULL;                             /* "<hostname>:<pid>" */
    o.lease_ttl_ms = 0;                             /* 15000 */
    o.ws_url = getenv("TWITCH_EVENTSUB_WS_URL");    /* NULL = Twitch's */
    o.event_cb = on_event;                          /* shards it does not own are "not_owned" */
    tc_runner *r = NULL;
    if (tc_runner_start(&r, c, &o, on_done, done) != TC_OK) {
        fprintf(stderr, "tc_runner_start: %s\n", tc_last_error_message());
        return NULL;
    }
    return r;
}

int main(int argc, char **argv) {
    if (argc != 3) {
        fprintf(stderr, "usage: %s CONDUIT_ID REDIS_URL\n", argv[0]);
        return 2;
    }
    tc_conduits_options co = TC_CONDUITS_OPTIONS_INIT;
    co.client_id = getenv("TWITCH_CLIENT_ID");
    co.client_secret = getenv("TWITCH_CLIENT_SECRET");
    co.api_base_url = getenv("TWITCH_API_BASE");
    co.auth_base_url = getenv("TWITCH_AUTH_BASE");
    tc_conduits *c = NULL;
    if (tc_conduits_new(&c, &co) != TC_OK) {
        fprintf(stderr, "%s\n", tc_last_error_message());
        return 1;
    }
    signal(SIGINT, on_signal);
    signal(SIGTERM, on_signal);
    tc_status done = TC_ERROR;
    tc_runner *r = start_group_worker(c, argv[1], argv[2], &done);
    if (r == NULL) {
        tc_conduits_free(c);
        return 1;
    }
    while (!stop_requested && tc_conduits_pending(c) > 0) tc_conduits_poll(c, 200, NULL);
    tc_runner_stop(r); /* releases this worker's leases for the others */
    tc_conduits_run(c, 10000);
    tc_runner_free(r);
    tc_conduits_free(c);
    return done == TC_OK ? 0 : 1;
}
