/*
 * conduit_workflow: the demo. With no credentials it starts the bundled mock
 * Twitch server on a free loopback port (no network needed) and walks through
 * a conduit's life with the library, printing each step:
 *
 *   app token -> create conduit -> assign shards (one partial failure shown)
 *   -> create 200 subscriptions (progress) -> run it again (all adopted, no
 *   duplicates) -> list page by page -> break one, clean up -> reconcile ->
 *   a flaky server (retries) -> delete the conduit -> summary
 *
 * It exits 0 only if every step really happened. With TWITCH_CLIENT_ID and
 * TWITCH_CLIENT_SECRET set (and optionally TWITCH_API_BASE/TWITCH_AUTH_BASE)
 * it runs the first steps against that server instead (no mock-only steps).
 */
#define _POSIX_C_SOURCE 200809L

#include <twitchconduits.h>

#include "tcmock.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define SUBS 200

static int failures = 0;

static double now_ms(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec * 1000.0 + (double)ts.tv_nsec / 1e6;
}

static const char *env(const char *name) {
    const char *v = getenv(name);
    return v != NULL && v[0] != '\0' ? v : NULL;
}

static void step(const char *title) { printf("\n== %s\n", title); }

static int check(int ok, const char *what) {
    printf("   %s %s\n", ok ? "ok  " : "FAIL", what);
    if (!ok) failures++;
    return ok;
}

/* Every callback below records into one of these, then the demo awaits the op. */
typedef struct outcome {
    tc_status status;
    char text[256];
    char conduit_id[80];
    tc_subscription_batch *batch;
    tc_shard_update_result *update;
    size_t pages, items;
} outcome;

static void on_token(tc_status st, const tc_token *t, void *ud) {
    outcome *o = (outcome *)ud;
    o->status = st;
    if (t != NULL) snprintf(o->text, sizeof o->text, "expires at %lld", (long long)tc_token_expires_at(t));
}

static void on_conduit(tc_status st, const tc_conduit *c, void *ud) {
    outcome *o = (outcome *)ud;
    o->status = st;
    if (c != NULL) {
        snprintf(o->conduit_id, sizeof o->conduit_id, "%s", tc_conduit_id(c));
        snprintf(o->text, sizeof o->text, "%d shards", tc_conduit_shard_count(c));
    } else {
        snprintf(o->text, sizeof o->text, "%s", tc_last_error_message());
    }
}

static void on_update(tc_status st, const tc_shard_update_result *r, void *ud) {
    outcome *o = (outcome *)ud;
    o->status = st;
    if (r != NULL) tc_shard_update_result_dup(&o->update, r);
}

static void on_batch(tc_status st, const tc_subscription_batch *b, void *ud) {
    outcome *o = (outcome *)ud;
    o->status = st;
    if (b != NULL) tc_subscription_batch_dup(&o->batch, b);
}

/* A progress bar on a terminal; just the end result otherwise. */
static void on_progress(size_t done, size_t total, void *ud) {
    (void)ud;
    if (!isatty(STDOUT_FILENO) && done != total) return;
    printf("\r   [%-40.*s] %zu/%zu", (int)(40 * done / total), "########################################", done,
           total);
    if (done == total) printf("\n");
    fflush(stdout);
}

static int on_page(const tc_subscription_list *page, void *ud) {
    outcome *o = (outcome *)ud;
    o->pages++;
    o->items += tc_subscription_list_count(page);
    return 0;
}

static void on_response(tc_status st, const tc_response *r, void *ud) {
    outcome *o = (outcome *)ud;
    o->status = st;
    snprintf(o->text, sizeof o->text, "HTTP %d after %d attempt(s)", tc_response_http_status(r), tc_response_attempts(r));
}

static void on_listed(tc_status st, void *ud) {
    outcome *o = (outcome *)ud;
    o->status = st;
    snprintf(o->text, sizeof o->text, "%s", st == TC_OK ? "listed" : tc_last_error_message());
}

/* Waits for an operation that was submitted (or reports why it was not).
 * The id is read through a pointer: the submit call in the same argument
 * list sets it, and C leaves the order of argument evaluation open. */
static void finish(tc_conduits *c, tc_status submitted, const tc_op_id *id, outcome *o) {
    if (submitted != TC_OK) {
        o->status = submitted;
        snprintf(o->text, sizeof o->text, "%s", tc_last_error_message());
        return;
    }
    tc_conduits_await(c, *id, 120000);
}

static void print_tally(const tc_subscription_batch *b) {
    static const struct {
        tc_item_outcome o;
        const char *name;
    } kinds[] = {{TC_ITEM_CREATED, "created"},   {TC_ITEM_EXISTED, "already existed"}, {TC_ITEM_DELETED, "deleted"},
                 {TC_ITEM_GONE, "already gone"}, {TC_ITEM_FAILED, "failed"},           {TC_ITEM_OVER_BUDGET, "over budget"}};
    size_t i;
    printf("  ");
    for (i = 0; i < sizeof kinds / sizeof kinds[0]; i++) {
        size_t n = tc_subscription_batch_tally(b, kinds[i].o);
        if (n > 0) printf(" %zu %s;", n, kinds[i].name);
    }
    if (tc_subscription_batch_total_cost(b) >= 0) {
        printf(" cost %lld of %lld", (long long)tc_subscription_batch_total_cost(b),
               (long long)tc_subscription_batch_max_total_cost(b));
    }
    printf("\n");
}

int main(void) {
    const char *env_id = env("TWITCH_CLIENT_ID");
    const char *env_secret = env("TWITCH_CLIENT_SECRET");
    tcmock *mock = NULL;
    tc_conduits_options opts = TC_CONDUITS_OPTIONS_INIT;
    tc_conduits *c = NULL;
    tc_op_id id = 0;
    outcome o;
    static char conditions[SUBS][64];
    tc_subscription_spec specs[SUBS];
    tc_batch_options bo = TC_BATCH_OPTIONS_INIT;
    double started = now_ms(), t;
    char conduit[80] = "";
    tc_status st;
    int i;

    printf("twitchconduits %s demo\n", tc_version(NULL, NULL, NULL));
    if (env_id != NULL && env_secret != NULL) {
        opts.client_id = env_id;
        opts.client_secret = env_secret;
        opts.api_base_url = env("TWITCH_API_BASE");
        opts.auth_base_url = env("TWITCH_AUTH_BASE");
        printf("using the credentials from TWITCH_CLIENT_ID / TWITCH_CLIENT_SECRET\n");
    } else {
        tcmock_config mc;
        char err[256];
        tcmock_config_init(&mc);
        mc.page_size = 25;
        if (tcmock_start(&mock, &mc, err, sizeof err) != 0) {
            fprintf(stderr, "cannot start the mock server: %s\n", err);
            return 1;
        }
        opts.client_id = "mockclientid0123456789abcdefghij";
        opts.client_secret = "mocksecret0123456789abcdefghijk";
        opts.api_base_url = tcmock_helix_base(mock);
        opts.auth_base_url = tcmock_auth_base(mock);
        printf("started the bundled mock Twitch server at %s\n", tcmock_helix_base(mock));
    }
    opts.backoff_base_ms = 50;
    st = tc_conduits_new(&c, &opts);
    if (st != TC_OK) {
        fprintf(stderr, "tc_conduits_new: %s: %s\n", tc_strerror(st), tc_last_error_message());
        tcmock_stop(mock);
        return 1;
    }

    step("1. app access token (client credentials)");
    memset(&o, 0, sizeof o);
    finish(c, tc_token_get(&id, c, 0, on_token, &o), &id, &o);
    check(o.status == TC_OK, "got an app token (the token itself is never printed)");
    printf("   %s\n", o.text);

    step("2. create a conduit with 2 shards");
    memset(&o, 0, sizeof o);
    finish(c, tc_conduit_create(&id, c, 2, on_conduit, &o), &id, &o);
    if (!check(o.status == TC_OK, "conduit created")) goto done;
    snprintf(conduit, sizeof conduit, "%s", o.conduit_id);
    printf("   %s (%s)\n", conduit, o.text);

    if (mock != NULL) {
        tc_transport *ws[2];
        tc_shard_assignment a[3];
        step("3. assign WebSocket sessions to shards 0 and 1, and (wrongly) to shard 7");
        tcmock_control(mock, "sessions", "{\"session_id\":\"demo-session-0\"}");
        tcmock_control(mock, "sessions", "{\"session_id\":\"demo-session-1\"}");
        tc_transport_websocket_new(&ws[0], "demo-session-0");
        tc_transport_websocket_new(&ws[1], "demo-session-1");
        a[0].shard_id = "0";
        a[0].transport = ws[0];
        a[1].shard_id = "1";
        a[1].transport = ws[1];
        a[2].shard_id = "7";
        a[2].transport = ws[1];
        memset(&o, 0, sizeof o);
        finish(c, tc_shard_update(&id, c, conduit, a, 3, on_update, &o), &id, &o);
        for (i = 0; o.update != NULL && i < (int)tc_shard_update_result_count(o.update); i++) {
            const tc_shard *s = tc_shard_update_result_shard(o.update, (size_t)i);
            printf("   shard %-2s %s\n", tc_shard_update_result_shard_id(o.update, (size_t)i),
                   s != NULL ? tc_shard_status(s) : tc_shard_update_result_message(o.update, (size_t)i));
        }
        check(o.status == TC_EPARTIAL && tc_shard_update_result_failed(o.update) == 1,
              "the partial failure is reported per shard, not as success");
        tc_shard_update_result_free(o.update);
        tc_transport_free(ws[0]);
        tc_transport_free(ws[1]);
    }

    for (i = 0; i < SUBS; i++) {
        snprintf(conditions[i], sizeof conditions[i], "{\"broadcaster_user_id\":\"%d\"}", 100000 + i);
        specs[i].type = "stream.online";
        specs[i].version = "1";
        specs[i].condition_json = conditions[i];
    }
    bo.progress = on_progress;
    bo.progress_every = SUBS / 20;

    step("4. create 200 stream.online subscriptions on the conduit");
    memset(&o, 0, sizeof o);
    t = now_ms();
    finish(c, tc_subscriptions_create(&id, c, conduit, specs, SUBS, &bo, on_batch, &o), &id, &o);
    if (o.batch != NULL) print_tally(o.batch);
    check(o.status == TC_OK && o.batch != NULL && tc_subscription_batch_tally(o.batch, TC_ITEM_CREATED) == SUBS,
          "every item created");
    printf("   %.0f ms\n", now_ms() - t);
    tc_subscription_batch_free(o.batch);

    step("5. the same batch again (as after a restart): adopted, no duplicates");
    memset(&o, 0, sizeof o);
    bo.progress = NULL;
    finish(c, tc_subscriptions_create(&id, c, conduit, specs, SUBS, &bo, on_batch, &o), &id, &o);
    if (o.batch != NULL) print_tally(o.batch);
    check(o.status == TC_OK && o.batch != NULL && tc_subscription_batch_tally(o.batch, TC_ITEM_EXISTED) == SUBS,
          "every item reported as already existing");
    tc_subscription_batch_free(o.batch);

    step("6. list the conduit's subscriptions page by page");
    {
        tc_subscription_filter f = TC_SUBSCRIPTION_FILTER_INIT;
        f.conduit_id = conduit;
        memset(&o, 0, sizeof o);
        finish(c, tc_subscriptions_list(&id, c, &f, on_page, on_listed, &o), &id, &o);
        printf("   %zu subscriptions in %zu pages\n", o.items, o.pages);
        check(o.status == TC_OK && o.items == SUBS, "all listed, one page in memory at a time");
    }

    if (mock != NULL) {
        tc_subscription_spec *wanted = specs + 10; /* drop the first 10, add nothing */
        step("7. a subscription breaks (authorization revoked): clean up");
        memset(&o, 0, sizeof o);
        finish(c, tc_subscriptions_create(&id, c, conduit, specs, 1, NULL, on_batch, &o), &id, &o);
        if (o.batch != NULL) {
            char body[160];
            snprintf(body, sizeof body, "{\"id\":\"%s\",\"status\":\"authorization_revoked\"}",
                     tc_subscription_id(tc_subscription_batch_subscription(o.batch, 0)));
            tcmock_control(mock, "subscriptions/status", body);
            tc_subscription_batch_free(o.batch);
        }
        memset(&o, 0, sizeof o);
        finish(c, tc_subscriptions_cleanup(&id, c, conduit, 0, NULL, on_batch, &o), &id, &o);
        if (o.batch != NULL) print_tally(o.batch);
        check(o.status == TC_OK && o.batch != NULL && tc_subscription_batch_tally(o.batch, TC_ITEM_DELETED) == 1,
              "only the broken one was deleted");
        tc_subscription_batch_free(o.batch);

        step("8. reconcile towards 190 wanted subscriptions (dry run, then for real, then again)");
        memset(&o, 0, sizeof o);
        finish(c, tc_subscriptions_reconcile(&id, c, conduit, wanted, SUBS - 10, TC_RECONCILE_F_DRY_RUN, NULL, on_batch, &o),
               &id, &o);
        if (o.batch != NULL) {
            printf("   plan: %zu to keep, %zu to create, %zu to delete\n", tc_subscription_batch_tally(o.batch, TC_ITEM_EXISTED),
                   tc_subscription_batch_tally(o.batch, TC_ITEM_TO_CREATE), tc_subscription_batch_tally(o.batch, TC_ITEM_TO_DELETE));
        }
        check(o.status == TC_OK && o.batch != NULL && tc_subscription_batch_tally(o.batch, TC_ITEM_TO_DELETE) == 9,
              "the plan deletes the 9 extra ones");
        tc_subscription_batch_free(o.batch);
        memset(&o, 0, sizeof o);
        finish(c, tc_subscriptions_reconcile(&id, c, conduit, wanted, SUBS - 10, 0, NULL, on_batch, &o), &id, &o);
        if (o.batch != NULL) print_tally(o.batch);
        check(o.status == TC_OK && tcmock_stat(mock, "subscriptions") == SUBS - 10, "the conduit has exactly the wanted set");
        tc_subscription_batch_free(o.batch);
        memset(&o, 0, sizeof o);
        finish(c, tc_subscriptions_reconcile(&id, c, conduit, wanted, SUBS - 10, 0, NULL, on_batch, &o), &id, &o);
        check(o.status == TC_OK && o.batch != NULL && tc_subscription_batch_tally(o.batch, TC_ITEM_EXISTED) == SUBS - 10,
              "running it again changes nothing");
        tc_subscription_batch_free(o.batch);

        step("9. a flaky server: the next 2 answers are 503");
        tcmock_control(mock, "fail_next", "{\"count\":2,\"status\":503}");
        memset(&o, 0, sizeof o);
        {
            tc_request_options r = TC_REQUEST_OPTIONS_INIT;
            r.path = "/eventsub/conduits";
            finish(c, tc_request(&id, c, &r, on_response, &o), &id, &o);
        }
        printf("   %s\n", o.text);
        check(o.status == TC_OK && strstr(o.text, "after 3 attempt") != NULL, "retried with backoff, then ok");
    }

done:
    if (conduit[0] != '\0') {
        step("10. delete the conduit");
        memset(&o, 0, sizeof o);
        finish(c, tc_conduit_delete(&id, c, conduit, on_response, &o), &id, &o);
        check(o.status == TC_OK, "deleted");
        memset(&o, 0, sizeof o);
        finish(c, tc_conduit_delete(&id, c, conduit, on_response, &o), &id, &o);
        check(o.status == TC_ENOTFOUND, "deleting it again says not found");
    }

    step("summary");
    printf("   %-28s %8llu\n", "operations", (unsigned long long)tc_conduits_stat(c, TC_STAT_OPERATIONS));
    printf("   %-28s %8llu\n", "HTTP requests", (unsigned long long)tc_conduits_stat(c, TC_STAT_HTTP_REQUESTS));
    printf("   %-28s %8llu\n", "retries", (unsigned long long)tc_conduits_stat(c, TC_STAT_RETRIES));
    printf("   %-28s %8llu\n", "429 answers", (unsigned long long)tc_conduits_stat(c, TC_STAT_RATE_LIMITED));
    printf("   %-28s %8llu\n", "token fetches", (unsigned long long)tc_conduits_stat(c, TC_STAT_TOKEN_FETCHES));
    printf("   %-28s %8llu\n", "new connections", (unsigned long long)tc_conduits_stat(c, TC_STAT_CONNECTIONS));
    printf("   %-28s %8.0f ms\n", "total time", now_ms() - started);
    tc_conduits_free(c);
    tcmock_stop(mock);
    printf("\n%s\n", failures == 0 ? "demo finished: every step passed" : "demo FAILED");
    return failures == 0 ? 0 : 1;
}
