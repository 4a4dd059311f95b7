/*
 * tcb: the bindings' bridge (see tcb.h). Plain C11 + pthreads so that cgo,
 * mkmf and setuptools-free meson builds all compile it the same way.
 */
#define _POSIX_C_SOURCE 200809L
#include "tcb.h"

#include <limits.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* ------------------------------------------------------------------ */
/* small helpers                                                        */

static _Thread_local tc_status last_status = TC_OK;

tc_status tcb_last_status(void) { return last_status; }

static void *fail_null(tc_status st) {
    last_status = st;
    return NULL;
}

static char *dup_str(const char *s) {
    if (s == NULL) return NULL;
    size_t n = strlen(s) + 1;
    char *d = malloc(n);
    if (d != NULL) memcpy(d, s, n);
    return d;
}

/* Wipe before freeing: some strings are secrets. */
static void free_secret(char *s) {
    if (s == NULL) return;
    volatile char *p = s;
    while (*p != '\0') *p++ = '\0';
    free(s);
}

void tcb_free_string(char *s) { tc_free(s); }

/* ------------------------------------------------------------------ */
/* configuration                                                        */

enum { CFG_CLIENT_ID, CFG_CLIENT_SECRET, CFG_APP_TOKEN, CFG_CALLBACK_URL, CFG_API_BASE, CFG_AUTH_BASE,
       CFG_CA_FILE, CFG_STRING_COUNT };

static const char *const config_string_names[CFG_STRING_COUNT] = {
    "client_id", "client_secret", "app_token", "callback_url", "api_base_url", "auth_base_url", "ca_file"};

struct tcb_config {
    char *strings[CFG_STRING_COUNT];
    tc_conduits_options opts; /* the integer fields; strings are pointed in at tcb_client_new */
};

tcb_config *tcb_config_new(void) {
    tcb_config *cfg = calloc(1, sizeof *cfg);
    if (cfg == NULL) return fail_null(TC_ENOMEM);
    tc_conduits_options_init(&cfg->opts, TC_CONDUITS_OPTIONS_VERSION);
    return cfg;
}

void tcb_config_free(tcb_config *cfg) {
    if (cfg == NULL) return;
    for (int i = 0; i < CFG_STRING_COUNT; i++) free_secret(cfg->strings[i]);
    free(cfg);
}

tc_status tcb_config_set_string(tcb_config *cfg, const char *name, const char *value) {
    if (cfg == NULL || name == NULL) return TC_EINVAL;
    for (int i = 0; i < CFG_STRING_COUNT; i++) {
        if (strcmp(name, config_string_names[i]) != 0) continue;
        char *copy = NULL;
        if (value != NULL && (copy = dup_str(value)) == NULL) return TC_ENOMEM;
        free_secret(cfg->strings[i]);
        cfg->strings[i] = copy;
        return TC_OK;
    }
    return TC_EINVAL;
}

tc_status tcb_config_set_int(tcb_config *cfg, const char *name, long long value) {
    if (cfg == NULL || name == NULL || value > LONG_MAX) return TC_EINVAL;
    tc_conduits_options *o = &cfg->opts;
    long v = (long)value;
    if (strcmp(name, "token_validate_interval_s") == 0) { /* -1 = never: the library checks the range */
        if (value < -1) return TC_EINVAL;
        o->token_validate_interval_s = v;
        return TC_OK;
    }
    if (value < 0) return TC_EINVAL;
    int fits_int = value <= INT_MAX;
    if (strcmp(name, "connect_timeout_ms") == 0) o->connect_timeout_ms = v;
    else if (strcmp(name, "request_timeout_ms") == 0) o->request_timeout_ms = v;
    else if (strcmp(name, "max_attempts") == 0 && fits_int) o->max_attempts = (int)v;
    else if (strcmp(name, "backoff_base_ms") == 0) o->backoff_base_ms = v;
    else if (strcmp(name, "backoff_max_ms") == 0) o->backoff_max_ms = v;
    else if (strcmp(name, "ratelimit_max_wait_ms") == 0) o->ratelimit_max_wait_ms = v;
    else if (strcmp(name, "max_concurrency") == 0 && fits_int) o->max_concurrency = (int)v;
    else if (strcmp(name, "max_response_bytes") == 0) o->max_response_bytes = (size_t)v;
    else if (strcmp(name, "token_refresh_margin_s") == 0) o->token_refresh_margin_s = v;
    else if (strcmp(name, "flags") == 0 && value <= UINT_MAX) o->flags = (unsigned int)v;
    else if (strcmp(name, "random_seed") == 0) o->random_seed = (uint64_t)value;
    else return TC_EINVAL;
    return TC_OK;
}

/* ------------------------------------------------------------------ */
/* futures                                                              */

struct tcb_future {
    atomic_int refs;
    atomic_int done;
    tcb_client *cl;
    tcb_kind kind;
    unsigned long long token;
    tc_op_id op_id;
    tc_status status;
    int http_status;
    char *error;
    atomic_size_t progress_done, progress_total;
    tc_token *token_obj;
    tc_conduit *conduit;
    tc_conduit_list *conduit_list;
    tc_shard *shard;
    tc_shard_list *shard_list;
    tc_shard_update_result *shard_update;
    tc_subscription_batch *batch;
    tc_response *response;
    tc_subscription **subs;
    size_t sub_count, sub_cap;
    tc_event *message;
    char *route_key;
    int view_change; /* TCB_KIND_VIEW_CHANGE: a tc_view_change */
    char *view_id;
    struct tcb_future *next; /* ready queue link */
};

/* A listener's delivery context; lives as long as its client (events queued
 * before tc_listener_free() are still delivered afterwards). */
typedef struct listener_ctx {
    tcb_client *cl;
    unsigned long long token;
    struct listener_ctx *next;
} listener_ctx;

struct tcb_client {
    tc_conduits *c;
    int dispatch_thread;
    pthread_mutex_t mu;
    pthread_cond_t cv;
    tcb_future *head, *tail;
    size_t ready;
    tcb_notify_fn notify;
    void *notify_ud;
    listener_ctx *listeners;
    atomic_ullong view_token; /* view changes go to futures with this token; 0 = not watched */
};

void tcb_future_retain(tcb_future *f) {
    if (f != NULL) atomic_fetch_add(&f->refs, 1);
}

void tcb_future_release(tcb_future *f) {
    if (f == NULL || atomic_fetch_sub(&f->refs, 1) != 1) return;
    free(f->error);
    tc_token_free(f->token_obj);
    tc_conduit_free(f->conduit);
    tc_conduit_list_free(f->conduit_list);
    tc_shard_free(f->shard);
    tc_shard_list_free(f->shard_list);
    tc_shard_update_result_free(f->shard_update);
    tc_subscription_batch_free(f->batch);
    tc_response_free(f->response);
    for (size_t i = 0; i < f->sub_count; i++) tc_subscription_free(f->subs[i]);
    free(f->subs);
    tc_event_free(f->message);
    free(f->route_key);
    free(f->view_id);
    free(f);
}

/* refs: 2 for a submitted operation (caller + operation), 1 for an event. */
static tcb_future *future_new(tcb_client *cl, tcb_kind kind, unsigned long long token, int refs) {
    tcb_future *f = calloc(1, sizeof *f);
    if (f == NULL) return fail_null(TC_ENOMEM);
    atomic_init(&f->refs, refs);
    atomic_init(&f->done, 0);
    atomic_init(&f->progress_done, 0);
    atomic_init(&f->progress_total, 0);
    f->cl = cl;
    f->kind = kind;
    f->token = token;
    return f;
}

static void set_error(tcb_future *f, tc_status st) {
    f->status = st;
    if (st != TC_OK && f->error == NULL) f->error = dup_str(tc_last_error_message());
}

/* The operation is over: hand the operation's reference to the binding. */
static void finish(tcb_future *f, tc_status st) {
    tcb_client *cl = f->cl;
    set_error(f, st);
    if (f->http_status == 0) f->http_status = tc_last_http_status();
    pthread_mutex_lock(&cl->mu);
    atomic_store(&f->done, 1);
    tcb_notify_fn notify = cl->notify;
    void *ud = cl->notify_ud;
    if (notify == NULL) {
        f->next = NULL;
        if (cl->tail != NULL) cl->tail->next = f;
        else cl->head = f;
        cl->tail = f;
        cl->ready++;
    }
    pthread_cond_broadcast(&cl->cv);
    pthread_mutex_unlock(&cl->mu);
    if (notify != NULL) notify(f, ud);
}

/* Submission refused: the future is completed at once and never queued. */
static tcb_future *refused(tcb_future *f, tc_status st) {
    set_error(f, st);
    atomic_store(&f->done, 1);
    atomic_fetch_sub(&f->refs, 1);
    return f;
}

/* Refused by the bridge itself: the library's last error says nothing about it. */
static tcb_future *refused_because(tcb_future *f, tc_status st, const char *why) {
    f->error = dup_str(why);
    return refused(f, st);
}

/* Common tail of every submit call. */
static tcb_future *submitted(tcb_future *f, tc_status st) { return st == TC_OK ? f : refused(f, st); }

int tcb_future_done(const tcb_future *f) { return f != NULL && atomic_load(&((tcb_future *)f)->done); }
tcb_kind tcb_future_kind(const tcb_future *f) { return f != NULL ? f->kind : TCB_KIND_NONE; }
unsigned long long tcb_future_token(const tcb_future *f) { return f != NULL ? f->token : 0; }
unsigned long long tcb_future_op_id(const tcb_future *f) { return f != NULL ? f->op_id : 0; }
tc_status tcb_future_status(const tcb_future *f) { return f != NULL ? f->status : TC_EINVAL; }
int tcb_future_http_status(const tcb_future *f) { return f != NULL ? f->http_status : 0; }
const char *tcb_future_error(const tcb_future *f) { return f != NULL && f->error != NULL ? f->error : ""; }

size_t tcb_future_progress_done(const tcb_future *f) {
    return f != NULL ? atomic_load(&((tcb_future *)f)->progress_done) : 0;
}

size_t tcb_future_progress_total(const tcb_future *f) {
    return f != NULL ? atomic_load(&((tcb_future *)f)->progress_total) : 0;
}

tc_status tcb_future_cancel(tcb_future *f) {
    if (f == NULL) return TC_EINVAL;
    if (tcb_future_done(f) || f->op_id == 0) return TC_ENOTFOUND;
    return tc_conduits_cancel(f->cl->c, f->op_id);
}

#define RESULT_ACCESSOR(type, name, field)                                 \
    const type *tcb_future_##name(const tcb_future *f) {                   \
        return f != NULL && tcb_future_done(f) ? f->field : NULL;          \
    }
RESULT_ACCESSOR(tc_token, token_obj, token_obj)
RESULT_ACCESSOR(tc_conduit, conduit, conduit)
RESULT_ACCESSOR(tc_conduit_list, conduit_list, conduit_list)
RESULT_ACCESSOR(tc_shard, shard, shard)
RESULT_ACCESSOR(tc_shard_list, shard_list, shard_list)
RESULT_ACCESSOR(tc_shard_update_result, shard_update, shard_update)
RESULT_ACCESSOR(tc_subscription_batch, batch, batch)
RESULT_ACCESSOR(tc_response, response, response)
RESULT_ACCESSOR(tc_event, message, message)

size_t tcb_future_subscription_count(const tcb_future *f) {
    return f != NULL && tcb_future_done(f) ? f->sub_count : 0;
}

const tc_subscription *tcb_future_subscription_get(const tcb_future *f, size_t index) {
    return index < tcb_future_subscription_count(f) ? f->subs[index] : NULL;
}

const char *tcb_future_route_key(const tcb_future *f) {
    return f != NULL && f->route_key != NULL ? f->route_key : "";
}

int tcb_future_view_change(const tcb_future *f) {
    return f != NULL && f->kind == TCB_KIND_VIEW_CHANGE ? f->view_change : -1;
}

const char *tcb_future_view_id(const tcb_future *f) {
    return f != NULL && f->view_id != NULL ? f->view_id : "";
}


/* JSON array of the collected subscriptions. */
static char *subscriptions_json(const tcb_future *f) {
    size_t cap = 2, len = 0;
    char **parts = calloc(f->sub_count + 1, sizeof *parts);
    if (parts == NULL) return NULL;
    char *out = NULL;
    for (size_t i = 0; i < f->sub_count; i++) {
        if (tc_subscription_to_json(&parts[i], f->subs[i]) != TC_OK) goto done;
        cap += strlen(parts[i]) + 1;
    }
    out = malloc(cap);
    if (out == NULL) goto done;
    out[len++] = '[';
    for (size_t i = 0; i < f->sub_count; i++) {
        if (i > 0) out[len++] = ',';
        size_t n = strlen(parts[i]);
        memcpy(out + len, parts[i], n);
        len += n;
    }
    out[len++] = ']';
    out[len] = '\0';
done:
    for (size_t i = 0; i < f->sub_count; i++) tc_free(parts[i]);
    free(parts);
    return out;
}

char *tcb_future_result_json(const tcb_future *f, int include_secret) {
    if (f == NULL || !tcb_future_done(f)) return fail_null(TC_EINVAL);
    char *out = NULL;
    tc_status st = TC_OK;
    if (f->token_obj) st = tc_token_to_json(&out, f->token_obj, include_secret);
    else if (f->conduit) st = tc_conduit_to_json(&out, f->conduit);
    else if (f->conduit_list) st = tc_conduit_list_to_json(&out, f->conduit_list);
    else if (f->shard) st = tc_shard_to_json(&out, f->shard, include_secret);
    else if (f->shard_list) st = tc_shard_list_to_json(&out, f->shard_list);
    else if (f->shard_update) st = tc_shard_update_result_to_json(&out, f->shard_update);
    else if (f->batch) st = tc_subscription_batch_to_json(&out, f->batch);
    else if (f->message) st = tc_event_to_json(&out, f->message);
    else if (f->response) st = tc_response_to_json(&out, f->response);
    else if (f->kind == TCB_KIND_SUBSCRIPTIONS) out = subscriptions_json(f);
    else out = dup_str("null");
    if (st != TC_OK) return fail_null(st);
    return out != NULL ? out : fail_null(TC_ENOMEM);
}

/* ------------------------------------------------------------------ */
/* the client                                                           */

tcb_client *tcb_client_new(const tcb_config *cfg) {
    if (cfg == NULL) return fail_null(TC_EINVAL);
    tcb_client *cl = calloc(1, sizeof *cl);
    if (cl == NULL) return fail_null(TC_ENOMEM);
    atomic_init(&cl->view_token, 0);
    tc_conduits_options o = cfg->opts;
    o.client_id = cfg->strings[CFG_CLIENT_ID];
    o.client_secret = cfg->strings[CFG_CLIENT_SECRET];
    o.app_token = cfg->strings[CFG_APP_TOKEN];
    o.callback_url = cfg->strings[CFG_CALLBACK_URL];
    o.api_base_url = cfg->strings[CFG_API_BASE];
    o.auth_base_url = cfg->strings[CFG_AUTH_BASE];
    o.ca_file = cfg->strings[CFG_CA_FILE];
    tc_status st = tc_conduits_new(&cl->c, &o);
    if (st != TC_OK) {
        free(cl);
        return fail_null(st);
    }
    cl->dispatch_thread = (o.flags & TC_CONDUITS_F_DISPATCH_THREAD) != 0;
    pthread_mutex_init(&cl->mu, NULL);
    pthread_cond_init(&cl->cv, NULL);
    return cl;
}

void tcb_client_free(tcb_client *cl) {
    if (cl == NULL) return;
    tc_conduits_free(cl->c); /* completes what is pending: into the queue or notify */
    tcb_future *f = cl->head;
    while (f != NULL) {
        tcb_future *next = f->next;
        tcb_future_release(f);
        f = next;
    }
    while (cl->listeners != NULL) {
        listener_ctx *next = cl->listeners->next;
        free(cl->listeners);
        cl->listeners = next;
    }
    pthread_cond_destroy(&cl->cv);
    pthread_mutex_destroy(&cl->mu);
    free(cl);
}

tc_conduits *tcb_client_manager(tcb_client *cl) { return cl != NULL ? cl->c : NULL; }

void tcb_client_set_notify(tcb_client *cl, tcb_notify_fn fn, void *userdata) {
    if (cl == NULL) return;
    pthread_mutex_lock(&cl->mu);
    cl->notify = fn;
    cl->notify_ud = userdata;
    pthread_mutex_unlock(&cl->mu);
}

static size_t ready_count(tcb_client *cl) {
    pthread_mutex_lock(&cl->mu);
    size_t n = cl->ready;
    pthread_mutex_unlock(&cl->mu);
    return n;
}

static void deadline_after(struct timespec *ts, int timeout_ms) {
    clock_gettime(CLOCK_REALTIME, ts);
    ts->tv_sec += timeout_ms / 1000;
    ts->tv_nsec += (long)(timeout_ms % 1000) * 1000000L;
    if (ts->tv_nsec >= 1000000000L) {
        ts->tv_sec++;
        ts->tv_nsec -= 1000000000L;
    }
}

/* Dispatch-thread mode: wait on the client's condition until done() or the
 * deadline. Returns whether done() held. */
static int wait_condition(tcb_client *cl, int timeout_ms, int (*done)(tcb_client *, void *), void *arg) {
    struct timespec deadline;
    if (timeout_ms >= 0) deadline_after(&deadline, timeout_ms);
    pthread_mutex_lock(&cl->mu);
    int ok;
    while (!(ok = done(cl, arg))) {
        if (timeout_ms < 0) pthread_cond_wait(&cl->cv, &cl->mu);
        else if (pthread_cond_timedwait(&cl->cv, &cl->mu, &deadline) != 0) {
            ok = done(cl, arg);
            break;
        }
    }
    pthread_mutex_unlock(&cl->mu);
    return ok;
}

static int queue_nonempty(tcb_client *cl, void *arg) {
    (void)arg;
    return cl->ready > 0;
}

static int future_is_done(tcb_client *cl, void *arg) {
    (void)cl;
    return tcb_future_done((tcb_future *)arg);
}

int tcb_client_poll(tcb_client *cl, int timeout_ms) {
    if (cl == NULL) return TC_EINVAL;
    if (cl->dispatch_thread) {
        wait_condition(cl, timeout_ms, queue_nonempty, NULL);
        return (int)ready_count(cl);
    }
    tc_status st = tc_conduits_poll(cl->c, timeout_ms, NULL);
    if (st != TC_OK && st != TC_ETIMEDOUT) return st;
    return (int)ready_count(cl);
}

tc_status tcb_client_wait_for(tcb_client *cl, tcb_future *f, int timeout_ms) {
    if (cl == NULL || f == NULL) return TC_EINVAL;
    if (tcb_future_done(f)) return TC_OK;
    if (cl->dispatch_thread) return wait_condition(cl, timeout_ms, future_is_done, f) ? TC_OK : TC_ETIMEDOUT;
    tc_status st = tc_conduits_await(cl->c, f->op_id, timeout_ms);
    if (st != TC_OK) return st;
    return tcb_future_done(f) ? TC_OK : TC_ETIMEDOUT;
}

tcb_future *tcb_client_next_ready(tcb_client *cl) {
    if (cl == NULL) return NULL;
    pthread_mutex_lock(&cl->mu);
    tcb_future *f = cl->head;
    if (f != NULL) {
        cl->head = f->next;
        if (cl->head == NULL) cl->tail = NULL;
        f->next = NULL;
        cl->ready--;
    }
    pthread_mutex_unlock(&cl->mu);
    return f;
}

size_t tcb_client_pending(tcb_client *cl) { return cl != NULL ? tc_conduits_pending(cl->c) : 0; }

void tcb_client_wakeup(tcb_client *cl) {
    if (cl == NULL) return;
    tc_conduits_wakeup(cl->c);
    pthread_mutex_lock(&cl->mu);
    pthread_cond_broadcast(&cl->cv);
    pthread_mutex_unlock(&cl->mu);
}

/* ------------------------------------------------------------------ */
/* builders                                                             */

struct tcb_specs {
    tc_subscription_spec *items;
    size_t count, cap;
};

struct tcb_assignments {
    tc_shard_assignment *items;
    size_t count, cap;
};

struct tcb_pairs {
    tc_header *items; /* tc_param has the same shape; converted in tcb_request */
    size_t count, cap;
};

/* Grow an array of `size`-byte items to hold one more. */
static int grow(void **items, size_t *cap, size_t count, size_t size) {
    if (count < *cap) return 1;
    size_t ncap = *cap ? *cap * 2 : 8;
    void *n = realloc(*items, ncap * size);
    if (n == NULL) return 0;
    *items = n;
    *cap = ncap;
    return 1;
}

tcb_specs *tcb_specs_new(void) {
    tcb_specs *s = calloc(1, sizeof *s);
    return s != NULL ? s : fail_null(TC_ENOMEM);
}

void tcb_specs_free(tcb_specs *s) {
    if (s == NULL) return;
    for (size_t i = 0; i < s->count; i++) {
        free((char *)s->items[i].type);
        free((char *)s->items[i].version);
        free((char *)s->items[i].condition_json);
    }
    free(s->items);
    free(s);
}

tc_status tcb_specs_add(tcb_specs *s, const char *type, const char *version, const char *condition_json) {
    if (s == NULL || type == NULL || version == NULL || condition_json == NULL) return TC_EINVAL;
    if (!grow((void **)&s->items, &s->cap, s->count, sizeof *s->items)) return TC_ENOMEM;
    tc_subscription_spec sp = {dup_str(type), dup_str(version), dup_str(condition_json)};
    if (sp.type == NULL || sp.version == NULL || sp.condition_json == NULL) {
        free((char *)sp.type);
        free((char *)sp.version);
        free((char *)sp.condition_json);
        return TC_ENOMEM;
    }
    s->items[s->count++] = sp;
    return TC_OK;
}

size_t tcb_specs_count(const tcb_specs *s) { return s != NULL ? s->count : 0; }

tcb_assignments *tcb_assignments_new(void) {
    tcb_assignments *a = calloc(1, sizeof *a);
    return a != NULL ? a : fail_null(TC_ENOMEM);
}

void tcb_assignments_free(tcb_assignments *a) {
    if (a == NULL) return;
    for (size_t i = 0; i < a->count; i++) {
        free((char *)a->items[i].shard_id);
        tc_transport_free((tc_transport *)a->items[i].transport);
    }
    free(a->items);
    free(a);
}

static tc_status add_assignment(tcb_assignments *a, const char *shard_id, tc_transport *t) {
    char *id = dup_str(shard_id);
    if (id == NULL || !grow((void **)&a->items, &a->cap, a->count, sizeof *a->items)) {
        free(id);
        tc_transport_free(t);
        return TC_ENOMEM;
    }
    a->items[a->count].shard_id = id;
    a->items[a->count].transport = t;
    a->count++;
    return TC_OK;
}

tc_status tcb_assignments_add_webhook(tcb_assignments *a, const char *shard_id, const char *callback_url,
                                      const char *secret) {
    if (a == NULL || shard_id == NULL) return TC_EINVAL;
    tc_transport *t = NULL;
    tc_status st = tc_transport_webhook_new(&t, callback_url, secret);
    return st == TC_OK ? add_assignment(a, shard_id, t) : st;
}

tc_status tcb_assignments_add_websocket(tcb_assignments *a, const char *shard_id, const char *session_id) {
    if (a == NULL || shard_id == NULL) return TC_EINVAL;
    tc_transport *t = NULL;
    tc_status st = tc_transport_websocket_new(&t, session_id);
    return st == TC_OK ? add_assignment(a, shard_id, t) : st;
}

size_t tcb_assignments_count(const tcb_assignments *a) { return a != NULL ? a->count : 0; }

tcb_pairs *tcb_pairs_new(void) {
    tcb_pairs *p = calloc(1, sizeof *p);
    return p != NULL ? p : fail_null(TC_ENOMEM);
}

void tcb_pairs_free(tcb_pairs *p) {
    if (p == NULL) return;
    for (size_t i = 0; i < p->count; i++) {
        free((char *)p->items[i].name);
        free((char *)p->items[i].value);
    }
    free(p->items);
    free(p);
}

tc_status tcb_pairs_add(tcb_pairs *p, const char *name, const char *value) {
    if (p == NULL || name == NULL || value == NULL) return TC_EINVAL;
    if (!grow((void **)&p->items, &p->cap, p->count, sizeof *p->items)) return TC_ENOMEM;
    tc_header h = {dup_str(name), dup_str(value)};
    if (h.name == NULL || h.value == NULL) {
        free((char *)h.name);
        free((char *)h.value);
        return TC_ENOMEM;
    }
    p->items[p->count++] = h;
    return TC_OK;
}

size_t tcb_pairs_count(const tcb_pairs *p) { return p != NULL ? p->count : 0; }

/* ------------------------------------------------------------------ */
/* completion callbacks: copy the borrowed result into the future       */

static void on_token(tc_status st, const tc_token *t, void *ud) {
    tcb_future *f = ud;
    if (t != NULL) tc_token_dup(&f->token_obj, t);
    finish(f, st);
}

static void on_response(tc_status st, const tc_response *r, void *ud) {
    tcb_future *f = ud;
    if (r != NULL) {
        f->http_status = tc_response_http_status(r);
        if (st != TC_OK && r != NULL && tc_response_message(r)[0] != '\0')
            f->error = dup_str(tc_response_message(r));
        if (f->kind == TCB_KIND_RESPONSE) tc_response_dup(&f->response, r);
    }
    finish(f, st);
}

static void on_done(tc_status st, void *ud) {
    tcb_future *f = ud;
    f->http_status = tc_last_http_status();
    if (st != TC_OK && tc_last_error_message()[0] != '\0') f->error = dup_str(tc_last_error_message());
    finish(f, st);
}

static void on_conduit(tc_status st, const tc_conduit *x, void *ud) {
    tcb_future *f = ud;
    if (x != NULL) tc_conduit_dup(&f->conduit, x);
    finish(f, st);
}

static void on_conduit_list(tc_status st, const tc_conduit_list *x, void *ud) {
    tcb_future *f = ud;
    if (x != NULL) tc_conduit_list_dup(&f->conduit_list, x);
    finish(f, st);
}

static void on_shard(tc_status st, const tc_shard *x, void *ud) {
    tcb_future *f = ud;
    if (x != NULL) tc_shard_dup(&f->shard, x);
    finish(f, st);
}

static void on_shard_list(tc_status st, const tc_shard_list *x, void *ud) {
    tcb_future *f = ud;
    if (x != NULL) tc_shard_list_dup(&f->shard_list, x);
    finish(f, st);
}

static void on_shard_update(tc_status st, const tc_shard_update_result *x, void *ud) {
    tcb_future *f = ud;
    if (x != NULL) tc_shard_update_result_dup(&f->shard_update, x);
    finish(f, st);
}

static void on_batch(tc_status st, const tc_subscription_batch *x, void *ud) {
    tcb_future *f = ud;
    if (x != NULL) tc_subscription_batch_dup(&f->batch, x);
    finish(f, st);
}

static void on_progress(size_t done, size_t total, void *ud) {
    tcb_future *f = ud;
    atomic_store(&f->progress_total, total);
    atomic_store(&f->progress_done, done);
}

/* Keep every subscription of the page; non-zero stops the listing. */
static int on_page(const tc_subscription_list *page, void *ud) {
    tcb_future *f = ud;
    size_t n = tc_subscription_list_count(page);
    for (size_t i = 0; i < n; i++) {
        if (!grow((void **)&f->subs, &f->sub_cap, f->sub_count, sizeof *f->subs)) return 1;
        tc_subscription *s = NULL;
        if (tc_subscription_dup(&s, tc_subscription_list_get(page, i)) != TC_OK) return 1;
        f->subs[f->sub_count++] = s;
    }
    return 0;
}

/* ------------------------------------------------------------------ */
/* operations                                                           */

/* Declares `f` for an operation of `kind`, or returns NULL when out of memory. */
#define BEGIN(kind)                                                     \
    tcb_future *f = future_new(cl, kind, token, 2);                     \
    if (f == NULL) return NULL;                                         \
    if (cl == NULL) return refused_because(f, TC_EINVAL, "invalid argument: the client is NULL")

tcb_future *tcb_token_get(tcb_client *cl, int force_refresh, unsigned long long token) {
    BEGIN(TCB_KIND_TOKEN);
    return submitted(f, tc_token_get(&f->op_id, cl->c, force_refresh, on_token, f));
}

tcb_future *tcb_token_validate(tcb_client *cl, unsigned long long token) {
    BEGIN(TCB_KIND_TOKEN);
    return submitted(f, tc_token_validate(&f->op_id, cl->c, on_token, f));
}

tcb_future *tcb_token_revoke(tcb_client *cl, unsigned long long token) {
    BEGIN(TCB_KIND_NONE);
    return submitted(f, tc_token_revoke(&f->op_id, cl->c, on_response, f));
}

tcb_future *tcb_conduits_list(tcb_client *cl, unsigned long long token) {
    BEGIN(TCB_KIND_CONDUIT_LIST);
    return submitted(f, tc_conduits_list(&f->op_id, cl->c, on_conduit_list, f));
}

tcb_future *tcb_conduit_create(tcb_client *cl, int shard_count, unsigned long long token) {
    BEGIN(TCB_KIND_CONDUIT);
    return submitted(f, tc_conduit_create(&f->op_id, cl->c, shard_count, on_conduit, f));
}

tcb_future *tcb_conduit_update(tcb_client *cl, const char *conduit_id, int shard_count, unsigned long long token) {
    BEGIN(TCB_KIND_CONDUIT);
    return submitted(f, tc_conduit_update(&f->op_id, cl->c, conduit_id, shard_count, on_conduit, f));
}

tcb_future *tcb_conduit_delete(tcb_client *cl, const char *conduit_id, unsigned long long token) {
    BEGIN(TCB_KIND_NONE);
    return submitted(f, tc_conduit_delete(&f->op_id, cl->c, conduit_id, on_response, f));
}

tcb_future *tcb_shards_list(tcb_client *cl, const char *conduit_id, const char *status_filter,
                            unsigned long long token) {
    BEGIN(TCB_KIND_SHARD_LIST);
    return submitted(f, tc_shards_list(&f->op_id, cl->c, conduit_id, status_filter, on_shard_list, f));
}

tcb_future *tcb_shard_update(tcb_client *cl, const char *conduit_id, const tcb_assignments *a,
                             unsigned long long token) {
    BEGIN(TCB_KIND_SHARD_UPDATE);
    if (a == NULL) return refused_because(f, TC_EINVAL, "invalid argument: the assignments are NULL");
    return submitted(f, tc_shard_update(&f->op_id, cl->c, conduit_id, a->items, a->count, on_shard_update, f));
}

tcb_future *tcb_shard_create(tcb_client *cl, const char *conduit_id, const char *callback_url,
                             const char *route_key, unsigned long long token) {
    BEGIN(TCB_KIND_SHARD);
    return submitted(f, tc_shard_create(&f->op_id, cl->c, conduit_id, callback_url, route_key, on_shard, f));
}

tcb_future *tcb_shard_remove(tcb_client *cl, const char *conduit_id, const char *shard_id,
                             const char *last_callback, const char *last_secret, unsigned long long token) {
    BEGIN(TCB_KIND_CONDUIT);
    tc_transport *last = NULL;
    if (last_callback != NULL || last_secret != NULL) {
        tc_status st = tc_transport_webhook_new(&last, last_callback, last_secret);
        if (st != TC_OK) return refused(f, st);
    }
    tc_status st = tc_shard_remove(&f->op_id, cl->c, conduit_id, shard_id, last, on_conduit, f);
    tc_transport_free(last); /* the library copied it */
    return submitted(f, st);
}

static tc_batch_options batch_options(tcb_future *f, int concurrency) {
    tc_batch_options o = TC_BATCH_OPTIONS_INIT;
    o.concurrency = concurrency;
    o.progress = on_progress;
    o.progress_userdata = f;
    return o;
}

tcb_future *tcb_subscriptions_create(tcb_client *cl, const char *conduit_id, const tcb_specs *specs,
                                     int concurrency, unsigned long long token) {
    BEGIN(TCB_KIND_BATCH);
    if (specs == NULL) return refused_because(f, TC_EINVAL, "invalid argument: the specs are NULL");
    tc_batch_options o = batch_options(f, concurrency);
    return submitted(f, tc_subscriptions_create(&f->op_id, cl->c, conduit_id, specs->items, specs->count, &o,
                                                on_batch, f));
}

tcb_future *tcb_subscriptions_list(tcb_client *cl, const char *status, const char *type, const char *user_id,
                                   const char *subscription_id, const char *conduit_id, unsigned long long token) {
    BEGIN(TCB_KIND_SUBSCRIPTIONS);
    tc_subscription_filter filter = TC_SUBSCRIPTION_FILTER_INIT;
    filter.status = status;
    filter.type = type;
    filter.user_id = user_id;
    filter.subscription_id = subscription_id;
    filter.conduit_id = conduit_id;
    return submitted(f, tc_subscriptions_list(&f->op_id, cl->c, &filter, on_page, on_done, f));
}

tcb_future *tcb_subscription_delete(tcb_client *cl, const char *subscription_id, unsigned long long token) {
    BEGIN(TCB_KIND_NONE);
    return submitted(f, tc_subscription_delete(&f->op_id, cl->c, subscription_id, on_response, f));
}

tcb_future *tcb_subscriptions_cleanup(tcb_client *cl, const char *conduit_id, unsigned int flags,
                                      int concurrency, unsigned long long token) {
    BEGIN(TCB_KIND_BATCH);
    tc_batch_options o = batch_options(f, concurrency);
    return submitted(f, tc_subscriptions_cleanup(&f->op_id, cl->c, conduit_id, flags, &o, on_batch, f));
}

tcb_future *tcb_subscriptions_reconcile(tcb_client *cl, const char *conduit_id, const tcb_specs *specs,
                                        unsigned int flags, int concurrency, unsigned long long token) {
    BEGIN(TCB_KIND_BATCH);
    if (specs == NULL) return refused_because(f, TC_EINVAL, "invalid argument: the specs are NULL");
    tc_batch_options o = batch_options(f, concurrency);
    return submitted(f, tc_subscriptions_reconcile(&f->op_id, cl->c, conduit_id, specs->items, specs->count,
                                                   flags, &o, on_batch, f));
}

tcb_future *tcb_subscriptions_create_by_type(tcb_client *cl, const char *conduit_id, const char *type_list,
                                             const char *condition_json, unsigned int flags, int concurrency,
                                             unsigned long long token) {
    BEGIN(TCB_KIND_BATCH);
    /* One copy of the list, cut at each '\n' in place; types[] points into it. */
    char *copy = NULL;
    const char **types = NULL;
    size_t n = 0;
    if (type_list != NULL && type_list[0] != '\0') {
        n = 1;
        for (const char *p = type_list; *p != '\0'; p++) n += *p == '\n';
        copy = dup_str(type_list);
        types = calloc(n, sizeof *types);
        if (copy == NULL || types == NULL) {
            free(copy);
            free(types);
            return refused_because(f, TC_ENOMEM, "out of memory");
        }
        size_t i = 0;
        types[i++] = copy;
        for (char *p = copy; *p != '\0'; p++) {
            if (*p == '\n') {
                *p = '\0';
                types[i++] = p + 1;
            }
        }
    }
    tc_batch_options o = batch_options(f, concurrency);
    tc_status st = tc_subscriptions_create_by_type(&f->op_id, cl->c, conduit_id, (const char *const *)types, n,
                                                   condition_json, flags, &o, on_batch, f);
    free(types); /* the library copied the names */
    free(copy);
    return submitted(f, st);
}

tcb_future *tcb_sync_view(tcb_client *cl, unsigned long long token) {
    BEGIN(TCB_KIND_NONE);
    return submitted(f, tc_conduits_sync(&f->op_id, cl->c, on_done, f));
}

tcb_future *tcb_request(tcb_client *cl, tc_method method, const char *path, const tcb_pairs *query,
                        const char *body, unsigned int flags, unsigned long long token) {
    BEGIN(TCB_KIND_RESPONSE);
    size_t n = query != NULL ? query->count : 0;
    tc_param *params = n > 0 ? calloc(n, sizeof *params) : NULL;
    if (n > 0 && params == NULL) return refused_because(f, TC_ENOMEM, "out of memory");
    for (size_t i = 0; i < n; i++) {
        params[i].name = query->items[i].name;
        params[i].value = query->items[i].value;
    }
    tc_request_options r = TC_REQUEST_OPTIONS_INIT;
    r.method = method;
    r.path = path;
    r.query = params;
    r.query_count = n;
    r.body = body;
    r.flags = flags;
    tc_status st = tc_request(&f->op_id, cl->c, &r, on_response, f);
    free(params); /* the library copied them */
    return submitted(f, st);
}

/* ------------------------------------------------------------------ */
/* the listener                                                         */

static void on_listener_message(tc_status st, const char *route_key, const tc_event *msg, void *ud,
                                tcb_kind kind) {
    listener_ctx *ctx = ud;
    tcb_future *f = future_new(ctx->cl, kind, ctx->token, 1);
    if (f == NULL) return; /* out of memory: the event is lost, as it would be anywhere */
    f->route_key = dup_str(route_key);
    if (msg != NULL) tc_event_dup(&f->message, msg);
    finish(f, st);
}

static void on_listener_event(tc_status st, const char *route_key, const tc_event *msg, void *ud) {
    on_listener_message(st, route_key, msg, ud, TCB_KIND_EVENT);
}

static void on_listener_reject(tc_status st, const char *route_key, const tc_event *msg, void *ud) {
    on_listener_message(st, route_key, msg, ud, TCB_KIND_REJECT);
}

tc_listener *tcb_listener_new(tcb_client *cl, const char *bind_address, int port, const char *prefix,
                              size_t max_body_bytes, int report_rejects, unsigned long long token,
                              const char *tls_cert_file, const char *tls_key_file) {
    if (cl == NULL) return fail_null(TC_EINVAL);
    listener_ctx *ctx = calloc(1, sizeof *ctx);
    if (ctx == NULL) return fail_null(TC_ENOMEM);
    ctx->cl = cl;
    ctx->token = token;
    tc_listener_options o = TC_LISTENER_OPTIONS_INIT;
    o.bind_address = bind_address;
    o.port = port;
    o.path_prefix = prefix;
    o.max_body_bytes = max_body_bytes;
    o.tls_cert_file = tls_cert_file;
    o.tls_key_file = tls_key_file;
    o.event_cb = on_listener_event;
    o.event_userdata = ctx;
    if (report_rejects) {
        o.reject_cb = on_listener_reject;
        o.reject_userdata = ctx;
    }
    tc_listener *l = NULL;
    tc_status st = tc_listener_new(&l, cl->c, &o);
    if (st != TC_OK) {
        free(ctx);
        return fail_null(st);
    }
    pthread_mutex_lock(&cl->mu);
    ctx->next = cl->listeners;
    cl->listeners = ctx;
    pthread_mutex_unlock(&cl->mu);
    return l;
}

/* ------------------------------------------------------------------ */
/* the synced view's changes: delivered like events                     */

static void on_view_change(tc_view_change change, const char *id, void *ud) {
    tcb_client *cl = ud;
    unsigned long long token = atomic_load(&cl->view_token);
    if (token == 0) return;
    tcb_future *f = future_new(cl, TCB_KIND_VIEW_CHANGE, token, 1);
    if (f == NULL) return; /* out of memory: this change is not reported (a re-sync reports TC_VIEW_SYNCED) */
    f->view_change = (int)change;
    f->view_id = dup_str(id != NULL ? id : "");
    finish(f, TC_OK);
}

tc_status tcb_view_watch(tcb_client *cl, unsigned long long token) {
    if (cl == NULL) return TC_EINVAL;
    atomic_store(&cl->view_token, token);
    return token != 0 ? tc_view_set_change_cb(cl->c, on_view_change, cl) : tc_view_set_change_cb(cl->c, NULL, NULL);
}

/* ------------------------------------------------------------------ */
/* webhooks                                                             */

tc_event *tcb_webhook_handle(tc_webhook_verifier *v, const tcb_pairs *headers, const char *body,
                                       size_t body_len) {
    tc_event *m = NULL;
    last_status = tc_webhook_handle(&m, v, headers != NULL ? headers->items : NULL,
                                    headers != NULL ? headers->count : 0, body, body_len);
    return m;
}

char *tcb_webhook_sign(const char *secret, const char *message_id, const char *timestamp, const char *body,
                       size_t body_len) {
    char *out = NULL;
    tc_status st = tc_webhook_sign(&out, secret, message_id, timestamp, body, body_len);
    return st == TC_OK ? out : fail_null(st);
}

tc_webhook_verifier *tcb_webhook_verifier_new(const char *secret, long max_age_s) {
    tc_webhook_options o = TC_WEBHOOK_OPTIONS_INIT;
    o.max_age_s = max_age_s;
    tc_webhook_verifier *v = NULL;
    tc_status st = tc_webhook_verifier_new(&v, &o);
    if (st != TC_OK) return fail_null(st);
    if (secret != NULL && (st = tc_webhook_verifier_add_secret(v, secret)) != TC_OK) {
        tc_webhook_verifier_free(v);
        return fail_null(st);
    }
    return v;
}

/* ------------------------------------------------------------------ */
/* plain-pointer forms                                                  */

/* Returns out, or NULL with the status recorded. */
#define OUT_OR_NULL(call) \
    do {                                \
        tc_status st_ = (call);         \
        if (st_ != TC_OK) return fail_null(st_); \
        return out;                     \
    } while (0)

char *tcb_conduit_json(const tc_conduit *x) {
    char *out = NULL;
    OUT_OR_NULL(tc_conduit_to_json(&out, x));
}

char *tcb_shard_json(const tc_shard *x, int include_secret) {
    char *out = NULL;
    OUT_OR_NULL(tc_shard_to_json(&out, x, include_secret));
}

char *tcb_event_json(const tc_event *x) {
    char *out = NULL;
    OUT_OR_NULL(tc_event_to_json(&out, x));
}

char *tcb_subscription_json(const tc_subscription *x) {
    char *out = NULL;
    OUT_OR_NULL(tc_subscription_to_json(&out, x));
}

tc_event *tcb_event_dup(const tc_event *m) {
    tc_event *out = NULL;
    OUT_OR_NULL(tc_event_dup(&out, m));
}

tc_shard *tcb_event_disabled_shard(const tc_event *m) {
    tc_shard *out = NULL;
    OUT_OR_NULL(tc_event_disabled_shard(&out, m));
}

tc_users *tcb_users_new(void) {
    tc_users *out = NULL;
    OUT_OR_NULL(tc_users_new(&out));
}

tc_status tcb_users_add(tc_users *u, const char *key, const char *user_id) {
    return tc_users_add(u, key, user_id, NULL, 0);
}

tc_user_id_list *tcb_users_list(const tc_users *u) {
    tc_user_id_list *out = NULL;
    OUT_OR_NULL(tc_users_list(&out, u));
}

tc_user *tcb_users_get_by_key(const tc_users *u, const char *key) {
    tc_user *out = NULL;
    OUT_OR_NULL(tc_users_get_by_key(&out, u, key));
}

tc_user *tcb_users_get_by_user_id(const tc_users *u, const char *user_id) {
    tc_user *out = NULL;
    OUT_OR_NULL(tc_users_get_by_user_id(&out, u, user_id));
}

tc_user *tcb_users_get_by_subscription(const tc_users *u, const char *subscription_id) {
    tc_user *out = NULL;
    OUT_OR_NULL(tc_users_get_by_subscription(&out, u, subscription_id));
}

tc_user *tcb_users_remove(tc_users *u, const char *user_id) {
    tc_user *out = NULL;
    OUT_OR_NULL(tc_users_remove(&out, u, user_id));
}

char *tcb_user_json(const tc_user *x, int include_key) {
    char *out = NULL;
    OUT_OR_NULL(tc_user_to_json(&out, x, include_key));
}
