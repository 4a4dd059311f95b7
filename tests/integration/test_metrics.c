/* tc_metrics_render against live sources: a manager that talked to the mock,
 * a listener that answered requests and a runner whose WebSocket shard
 * received events. The text is checked here for what C can check cheaply;
 * test_metrics_openmetrics.py runs this program with TC_METRICS_DUMP set and
 * checks the same text with a real OpenMetrics parser. Also: sources
 * disappear when freed, and rendering while a listener is freed is safe. */
#include "runner_harness.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stdint.h>
#include <cmocka.h>

#include <curl/curl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void on_listener_event(tc_status status, const char *route_key, const tc_event *msg,
                              void *userdata) {
    (void)status, (void)route_key, (void)msg, (void)userdata;
}

static tc_listener *new_listener(tc_conduits *c) {
    tc_listener_options lo = TC_LISTENER_OPTIONS_INIT;
    tc_listener *l = NULL;
    lo.event_cb = on_listener_event;
    assert_int_equal(tc_listener_new(&l, c, &lo), TC_OK);
    return l;
}

static size_t discard(char *data, size_t size, size_t n, void *userp) {
    (void)data, (void)userp;
    return size * n;
}

/* One POST to a route the listener does not have: counted as not_found. */
static long post_unknown_route(tc_listener *l) {
    char url[256];
    long code = 0;
    CURL *curl = curl_easy_init();
    assert_non_null(curl);
    snprintf(url, sizeof url, "%snot-a-route", tc_listener_base_url(l));
    curl_easy_setopt(curl, CURLOPT_URL, url);
    curl_easy_setopt(curl, CURLOPT_POSTFIELDS, "{}");
    curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, discard);
    assert_int_equal(curl_easy_perform(curl), CURLE_OK);
    curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &code);
    curl_easy_cleanup(curl);
    return code;
}

typedef struct scrape {
    char body[65536];
    size_t len;
} scrape;

static size_t keep(char *data, size_t size, size_t n, void *userp) {
    scrape *sc = userp;
    size_t total = size * n;
    if (sc->len + total >= sizeof sc->body) return 0;
    memcpy(sc->body + sc->len, data, total);
    sc->len += total;
    sc->body[sc->len] = '\0';
    return total;
}

/* GET <base>KEY as Prometheus would; returns the HTTP status. */
static long scrape_metrics(tc_listener *l, const char *key, scrape *sc, char *content_type, size_t ct_len) {
    char url[256];
    long code = 0;
    char *ct = NULL;
    CURL *curl = curl_easy_init();
    assert_non_null(curl);
    sc->len = 0;
    sc->body[0] = '\0';
    snprintf(url, sizeof url, "%s%s", tc_listener_base_url(l), key);
    curl_easy_setopt(curl, CURLOPT_URL, url);
    curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, keep);
    curl_easy_setopt(curl, CURLOPT_WRITEDATA, sc);
    assert_int_equal(curl_easy_perform(curl), CURLE_OK);
    curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &code);
    curl_easy_getinfo(curl, CURLINFO_CONTENT_TYPE, &ct);
    snprintf(content_type, ct_len, "%s", ct != NULL ? ct : "");
    curl_easy_cleanup(curl);
    return code;
}

static char *render(tc_conduits *c) {
    char *text = NULL;
    assert_int_equal(tc_metrics_render(&text, c), TC_OK);
    assert_non_null(text);
    return text;
}

static void assert_has(const char *text, const char *needle) {
    if (strstr(text, needle) == NULL) fail_msg("metrics lack %s in:\n%s", needle, text);
}

static int seen(rh *h, const void *id) { return rh_seen(h, (const char *)id) > 0; }

static void test_render_live_sources(void **state) {
    rh h;
    char line[256];
    tc_listener *l;
    char *text;
    const char *dump = getenv("TC_METRICS_DUMP");
    tc_runner_options o;
    (void)state;
    rh_setup(&h);
    fixture_make_conduit(h.c, 1, h.conduit);
    rh_subscribe(&h);
    o = rh_options(&h);
    o.conduit_id = h.conduit;
    rh_start(&h, &o);
    rh_wait(&h, rh_ready, NULL, 10000, "the shard's assignment");
    rh_mockf(&h, "deliver", "{\"subscription_id\":\"%s\",\"message_id\":\"m-1\",\"wait\":true}", h.sub_id);
    rh_mockf(&h, "deliver", "{\"subscription_id\":\"%s\",\"message_id\":\"m-2\",\"wait\":true}", h.sub_id);
    rh_wait(&h, seen, "m-1", 5000, "m-1");
    rh_wait(&h, seen, "m-2", 5000, "m-2");
    l = new_listener(h.c);
    assert_int_equal(post_unknown_route(l), 404);

    /* The route is off until asked for; then it serves what Prometheus reads. */
    static scrape sc;
    char content_type[128];
    assert_int_equal(scrape_metrics(l, "metrics", &sc, content_type, sizeof content_type), 405);
    assert_int_equal(tc_listener_serve_metrics(l, "metrics"), TC_OK);
    assert_int_equal(scrape_metrics(l, "metrics", &sc, content_type, sizeof content_type), 200);
    assert_string_equal(content_type, "application/openmetrics-text; version=1.0.0; charset=utf-8");
    assert_has(sc.body, "twitchconduits_runner_events_total{");
    assert_string_equal(sc.body + sc.len - 6, "# EOF\n");

    text = render(h.c);
    if (dump != NULL) {
        FILE *f = fopen(dump, "w");
        assert_non_null(f);
        fputs(sc.body, f); /* the scraped text: what the parser must accept */
        fprintf(f, "# conduit %s\n# listener %s\n", h.conduit, tc_listener_base_url(l));
        assert_int_equal(fclose(f), 0);
    }
    assert_has(text, "# TYPE twitchconduits_http_requests counter\n");
    snprintf(line, sizeof line, "twitchconduits_runner_events_total{conduit_id=\"%s\"} 2\n", h.conduit);
    assert_has(text, line);
    snprintf(line, sizeof line,
             "twitchconduits_runner_shard_state{conduit_id=\"%s\",shard_id=\"0\","
             "twitchconduits_runner_shard_state=\"enabled\"} 1\n",
             h.conduit);
    assert_has(text, line);
    /* The POST to an unknown route and the GET before the metrics route was on. */
    snprintf(line, sizeof line, "twitchconduits_listener_not_found_total{listener=\"%s\"} 2\n",
             tc_listener_base_url(l));
    assert_has(text, line);
    assert_true(strlen(text) > 6 && strcmp(text + strlen(text) - 6, "# EOF\n") == 0);
    /* Turned off again: no longer served. */
    assert_int_equal(tc_listener_serve_metrics(l, NULL), TC_OK);
    assert_int_equal(scrape_metrics(l, "metrics", &sc, content_type, sizeof content_type), 405);
    assert_null(strstr(text, "secret"));
    tc_free(text);

    /* Freed sources leave the exposition. */
    tc_listener_free(l);
    tc_runner_free(h.r);
    h.r = NULL;
    text = render(h.c);
    assert_null(strstr(text, "twitchconduits_listener_"));
    assert_null(strstr(text, "twitchconduits_runner_"));
    assert_has(text, "twitchconduits_operations_total ");
    tc_free(text);
    rh_teardown(&h);
}

typedef struct render_loop {
    tc_conduits *c;
    int stop;
    int renders;
    pthread_mutex_t mu;
} render_loop;

static void *render_until_stopped(void *arg) {
    render_loop *loop = arg;
    for (;;) {
        char *text = NULL;
        pthread_mutex_lock(&loop->mu);
        int stop = loop->stop;
        pthread_mutex_unlock(&loop->mu);
        if (stop) break;
        if (tc_metrics_render(&text, loop->c) == TC_OK) tc_free(text);
        pthread_mutex_lock(&loop->mu);
        loop->renders++;
        pthread_mutex_unlock(&loop->mu);
    }
    return NULL;
}

static int renders(render_loop *loop) {
    pthread_mutex_lock(&loop->mu);
    int n = loop->renders;
    pthread_mutex_unlock(&loop->mu);
    return n;
}

/* Listeners come and go while another thread renders: no use after free
 * (ASan/TSan builds run this). */
static void test_render_while_freeing(void **state) {
    tcmock *m = fixture_mock(NULL);
    tc_conduits_options opts = fixture_options(m);
    tc_conduits *c = fixture_manager(&opts);
    render_loop loop = {c, 0, 0, PTHREAD_MUTEX_INITIALIZER};
    pthread_t thread;
    (void)state;
    assert_int_equal(pthread_create(&thread, NULL, render_until_stopped, &loop), 0);
    for (int i = 0; i < 20; ++i) {
        int before = renders(&loop);
        tc_listener *l = new_listener(c);
        double deadline = now_ms() + 10000;
        while (renders(&loop) < before + 2 && now_ms() < deadline) {
        }
        tc_listener_free(l);
    }
    pthread_mutex_lock(&loop.mu);
    loop.stop = 1;
    pthread_mutex_unlock(&loop.mu);
    assert_int_equal(pthread_join(thread, NULL), 0);
    assert_true(loop.renders >= 40);
    tc_conduits_free(c);
    tcmock_stop(m);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_render_live_sources),
        cmocka_unit_test(test_render_while_freeing),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
