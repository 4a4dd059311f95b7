/*
 * pull_loop: the pull form of completion (completion.h) — no callbacks at
 * all. Operations are submitted with a NULL callback and their completions
 * are taken from the manager's one queue, the way curl_multi_info_read()
 * hands out finished transfers. Against the bundled mock, started in-process.
 * Exits 0 only when the conduit was created and every subscription was seen
 * exactly once while listing page by page.
 */
#include <twitchconduits.h>

#include "tcmock.h"

#include <stdint.h>
#include <stdio.h>

#define COUNT 12

int main(void) {
    tcmock *mock = NULL;
    tcmock_config mc;
    char err[256], conds[COUNT][48], conduit[64] = "";
    tc_subscription_spec specs[COUNT];
    tc_subscription_filter mine = TC_SUBSCRIPTION_FILTER_INIT;
    tc_conduits_options opts = TC_CONDUITS_OPTIONS_INIT;
    tc_conduits *c = NULL;
    tc_completion *done = NULL;
    size_t i, seen = 0, pages = 0;
    int failed = 0;
    tcmock_config_init(&mc);
    mc.page_size = 5;
    if (tcmock_start(&mock, &mc, err, sizeof err) != 0) return fprintf(stderr, "mock: %s\n", err), 1;
    opts.client_id = "mockclientid0123456789abcdefghij";
    opts.client_secret = "mocksecret0123456789abcdefghijk";
    opts.api_base_url = tcmock_helix_base(mock);
    opts.auth_base_url = tcmock_auth_base(mock);
    if (tc_conduits_new(&c, &opts) != TC_OK) return fprintf(stderr, "%s\n", tc_last_error_message()), 1;
    for (i = 0; i < COUNT; i++) {
        snprintf(conds[i], sizeof conds[i], "{\"broadcaster_user_id\":\"%u\"}", (unsigned)(100 + i));
        specs[i].type = "stream.online";
        specs[i].version = "1";
        specs[i].condition_json = conds[i];
    }

    /* Submit with a NULL callback; userdata comes back with the completion. */
    tc_conduit_create(NULL, c, 1, NULL, (void *)"create");
    while (!failed && tc_conduits_next(c, &done, 10000) == TC_OK) {
        const char *what = (const char *)tc_completion_userdata(done);
        tc_completion_kind kind = tc_completion_kind_get(done);
        if (tc_completion_status(done) != TC_OK) {
            fprintf(stderr, "%s failed: %s\n", what, tc_completion_message(done));
            failed = 1;
        } else if (kind == TC_COMPLETION_CONDUIT) {
            snprintf(conduit, sizeof conduit, "%s", tc_conduit_id(tc_completion_conduit(done)));
            tc_subscriptions_create(NULL, c, conduit, specs, COUNT, NULL, NULL, (void *)"subscribe");
        } else if (kind == TC_COMPLETION_BATCH) {
            printf("created %zu subscriptions\n", tc_subscription_batch_tally(tc_completion_batch(done), TC_ITEM_CREATED));
            mine.conduit_id = conduit;
            tc_subscriptions_list(NULL, c, &mine, NULL, NULL, (void *)"list");
        } else if (kind == TC_COMPLETION_PAGE) {
            /* Freeing a page lets the listing fetch further. */
            pages++;
            seen += tc_subscription_list_count(tc_completion_page(done));
        } else if (kind == TC_COMPLETION_DONE) {
            printf("listed %zu subscriptions in %zu pages\n", seen, pages);
            tc_completion_free(done);
            break;
        }
        tc_completion_free(done);
    }
    tc_conduits_free(c);
    tcmock_stop(mock);
    return failed || seen != COUNT || pages != 3 ? 1 : 0;
}
