/*
 * Public-API tests: every public function called with bad input.
 *
 * Only <twitchconduits.h> and the C/POSIX library are used. The checks follow
 * the contract in the public headers (include/twitchconduits/):
 *   - the exact documented tc_status;
 *   - tc_last_error_message() is a fresh, non-empty, one-line message that
 *     names the offending argument (as a whole word);
 *   - a callback never runs when its submission failed, and runs exactly once
 *     when it succeeded;
 *   - nothing crashes.
 *
 * No test talks to Twitch. Tests that need a completion point the manager at
 * a loopback port that refuses every connection (a socket bound but never
 * listening, held for the whole run, so no other process can take the port)
 * or at a "black hole" listener that accepts connections in the kernel but
 * never answers, so those requests stay pending until cancelled.
 * Waits use the library's own loop with timeouts; there is no sleep.
 */
#define _POSIX_C_SOURCE 200809L

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <twitchconduits.h>

#include <ctype.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <sys/socket.h>
#include <unistd.h>

/* ------------------------------------------------------------------------ */
/* Constants                                                                */

/* "http://127.0.0.1:PORT" of the refusing socket, set by group_setup(). */
static char refused_url[64];
static int refused_fd = -1;
#define REFUSED_URL refused_url
#define CLIENT_ID "x"
/* Distinctive, so that a leak into a message or JSON is detectable. */
#define CLIENT_SECRET "y-secret-Q7mZ2pW9"
#define APP_TOKEN "apptoken-K4vN8rT1"
/* Generous upper bounds: every wait below normally returns in milliseconds. */
#define LOOP_TIMEOUT_MS 15000

/* A pointer value no library function can legitimately produce. */
static char out_sentinel_storage;
#define OUT_SENTINEL ((void *)&out_sentinel_storage)

/* Word lists naming an argument; a message must contain one as a whole word. */
#define W_HANDLE "c", "manager", "handle", "conduits", "tc_conduits"
#define W_RESPONSE "r", "response"
#define W_TOKEN "t", "token"
#define W_OUT "out"
#define W_OPTS "opts", "options"
#define W_REQ "req", "request", "options"

/* ------------------------------------------------------------------------ */
/* Message checks                                                           */

static int is_ident_char(char ch)
{
    return isalnum((unsigned char)ch) || ch == '_';
}

/* Does msg contain word with no identifier character on either side? */
static int mentions_word(const char *msg, const char *word)
{
    size_t wlen = strlen(word);
    const char *p = msg;
    while ((p = strstr(p, word)) != NULL) {
        int left_ok = (p == msg) || !is_ident_char(p[-1]);
        int right_ok = !is_ident_char(p[wlen]);
        if (left_ok && right_ok)
            return 1;
        p++;
    }
    return 0;
}

static int mentions_any(const char *msg, const char *const *words)
{
    for (; *words != NULL; words++)
        if (mentions_word(msg, *words))
            return 1;
    return 0;
}

/* Copy the current thread-local message (it is only valid until the next
 * tc_ call). Returns 0 when it was NULL. */
static int copy_last_message(char *buf, size_t size)
{
    const char *m = tc_last_error_message();
    if (m == NULL) {
        buf[0] = '\0';
        return 0;
    }
    snprintf(buf, size, "%s", m);
    return 1;
}

/* Leave a message on this thread that mentions none of `words`, so that a
 * message seen after the call under test is known to come from that call.
 * Returns 0 when no priming call produced such a message. */
static int prime_message(const char *const *words)
{
    char buf[512];
    tc_conduits_options o;

    (void)tc_conduits_options_init(&o, 4242u);
    if (copy_last_message(buf, sizeof buf) && buf[0] != '\0' && !mentions_any(buf, words))
        return 1;
    (void)tc_conduits_wakeup(NULL);
    if (copy_last_message(buf, sizeof buf) && buf[0] != '\0' && !mentions_any(buf, words))
        return 1;
    (void)tc_response_to_json(NULL, NULL);
    if (copy_last_message(buf, sizeof buf) && buf[0] != '\0' && !mentions_any(buf, words))
        return 1;
    (void)tc_token_dup(NULL, NULL);
    if (copy_last_message(buf, sizeof buf) && buf[0] != '\0' && !mentions_any(buf, words))
        return 1;
    return 0;
}

/* NULL when `msg` is a good failure message naming one of `words` (words may
 * be NULL: then any good message), else a description of what is wrong. */
static const char *message_problem(int got_message, const char *msg, const char *const *words)
{
    if (!got_message)
        return "tc_last_error_message() returned NULL";
    if (msg[0] == '\0')
        return "tc_last_error_message() is empty";
    if (strchr(msg, '\n') != NULL || strchr(msg, '\r') != NULL)
        return "tc_last_error_message() spans more than one line";
    if (strstr(msg, CLIENT_SECRET) != NULL || strstr(msg, APP_TOKEN) != NULL)
        return "tc_last_error_message() contains a secret";
    if (words != NULL && !mentions_any(msg, words))
        return "tc_last_error_message() does not name the offending argument";
    return NULL;
}

#define WORDS(...) ((const char *const[]){__VA_ARGS__, NULL})

/* Extra context printed by the EXPECT_* failures (e.g. the URL under test). */
static char fail_context[256];

/* "a|b|c" for failure messages. */
static const char *join_words(const char *const *words)
{
    static char buf[256];
    size_t used = 0;
    buf[0] = '\0';
    for (; *words != NULL; words++) {
        int n = snprintf(buf + used, sizeof buf - used, "%s%s", used ? "|" : "", *words);
        if (n < 0 || (size_t)n >= sizeof buf - used)
            break;
        used += (size_t)n;
    }
    return buf;
}

/* Run `expr` (a tc_status call) after priming the message; require status
 * `want` and a fresh message naming one of the given words. */
#define EXPECT_STATUS_MSG(expr, want, ...)                                                         \
    do {                                                                                           \
        const char *const *w_ = WORDS(__VA_ARGS__);                                                \
        char m_[512];                                                                              \
        int primed_ = prime_message(w_);                                                           \
        int st_ = (int)(expr);                                                                     \
        int got_ = copy_last_message(m_, sizeof m_);                                               \
        const char *pb_;                                                                           \
        if (st_ != (int)(want))                                                                    \
            fail_msg("%s%s returned %d (%s), expected %d (%s); message: \"%s\"", fail_context,   \
                     #expr, st_, tc_strerror(st_), (int)(want), tc_strerror((int)(want)), m_);     \
        pb_ = message_problem(got_, m_, w_);                                                       \
        if (pb_ != NULL)                                                                           \
            fail_msg("%s%s: %s: \"%s\" (expected a word among: %s)%s", fail_context, #expr, pb_, \
                     m_, join_words(w_),                                                           \
                     primed_ ? "" : " [could not prime a distinct message first]");                \
    } while (0)

/* For calls that do not return a status (e.g. tc_conduits_fd): run `expr`
 * (a statement) after priming, then check the fresh message. */
#define EXPECT_MSG_AFTER(stmt, ...)                                                                \
    do {                                                                                           \
        const char *const *w_ = WORDS(__VA_ARGS__);                                                \
        char m_[512];                                                                              \
        int primed_ = prime_message(w_);                                                           \
        const char *pb_;                                                                           \
        int got_;                                                                                  \
        stmt;                                                                                      \
        got_ = copy_last_message(m_, sizeof m_);                                                   \
        pb_ = message_problem(got_, m_, w_);                                                       \
        if (pb_ != NULL)                                                                           \
            fail_msg("%s: %s: \"%s\" (expected a word among: %s)%s", #stmt, pb_, m_, join_words(w_), \
                     primed_ ? "" : " [could not prime a distinct message first]");                \
    } while (0)

/* A status check with a one-line, non-empty message (no argument to name). */
#define EXPECT_STATUS_ANYMSG(expr, want)                                                           \
    do {                                                                                           \
        char m_[512];                                                                              \
        int st_ = (int)(expr);                                                                     \
        int got_ = copy_last_message(m_, sizeof m_);                                               \
        const char *pb_;                                                                           \
        if (st_ != (int)(want))                                                                    \
            fail_msg("%s returned %d (%s), expected %d (%s); message: \"%s\"", #expr, st_,         \
                     tc_strerror(st_), (int)(want), tc_strerror((int)(want)), m_);                 \
        pb_ = message_problem(got_, m_, NULL);                                                     \
        if (pb_ != NULL)                                                                           \
            fail_msg("%s: %s: \"%s\"", #expr, pb_, m_);                                            \
    } while (0)

#define EXPECT_STATUS(expr, want)                                                                  \
    do {                                                                                           \
        int st_ = (int)(expr);                                                                     \
        if (st_ != (int)(want))                                                                    \
            fail_msg("%s returned %d (%s), expected %d (%s); message: \"%s\"", #expr, st_,         \
                     tc_strerror(st_), (int)(want), tc_strerror((int)(want)),                      \
                     tc_last_error_message() ? tc_last_error_message() : "(null)");               \
    } while (0)

/* ------------------------------------------------------------------------ */
/* Callback recorders                                                       */

/* Callbacks may run on the dispatch thread: guard the records. */
static pthread_mutex_t rec_lock = PTHREAD_MUTEX_INITIALIZER;

typedef struct reentry_results {
    int process, wait, poll, run, await, request_sync, token_get_sync, token_validate_sync;
    int request_sync_out_null, token_get_sync_out_null, token_validate_sync_out_null;
    /* tc_conduits_pending() before and after the refused calls: a refused
     * call must leave no operation behind (its callback would run later). */
    size_t pending_before, pending_after;
    char msg[1024];
    int msg_ok; /* the EREENTRANT messages were one-line and non-empty */
    int submit_status;
    tc_op_id submit_id;
} reentry_results;

typedef struct rec {
    int calls;
    int status;
    int resp_nonnull;   /* response (or token) pointer was non-NULL */
    int resp_status;    /* tc_response_status() of the borrowed response */
    int http_status;    /* tc_response_http_status() */
    int last_http;      /* tc_last_http_status() inside the callback */
    int body_nonnull;
    int header_null_ok; /* tc_response_header(r, NULL) returned NULL */
    int dup_status;     /* tc_response_dup() inside the callback */
    tc_response *dup;
    char msg[512];      /* tc_last_error_message() read first thing */
    pthread_t thread;

    /* Actions performed inside the callback. */
    tc_conduits *c;           /* the manager, for the actions below */
    int do_reentry;           /* call every loop/sync function */
    reentry_results *reentry;
    struct rec *submit_rec;   /* submit one more request with this record */
    int do_free;              /* call tc_conduits_free(c) */
    int submit_after_free;    /* then try tc_request(): expect TC_ECLOSED */
    int closed_status;        /* the status that tc_request returned there */
    struct rec *closed_rec;   /* the record given to that rejected request */
} rec;

static void response_cb(tc_status status, const tc_response *r, void *ud);

static tc_request_options get_request(const char *path)
{
    tc_request_options req = TC_REQUEST_OPTIONS_INIT;
    req.method = TC_GET;
    req.path = path;
    return req;
}

static void run_reentry(rec *k)
{
    reentry_results *res = k->reentry;
    tc_response *resp = (tc_response *)OUT_SENTINEL;
    tc_token *tok = (tc_token *)OUT_SENTINEL;
    tc_request_options req = get_request("/eventsub/conduits");
    char m[512];
    int ok = 1;
    int ran = -1;

#define REENTER(field, call)                                                                       \
    do {                                                                                           \
        res->field = (int)(call);                                                                  \
        if (!copy_last_message(m, sizeof m) || m[0] == '\0' || strchr(m, '\n') != NULL) {          \
            ok = 0;                                                                                \
            snprintf(res->msg, sizeof res->msg, "%s: bad message \"%s\"", #call, m);             \
        }                                                                                          \
    } while (0)

    res->pending_before = tc_conduits_pending(k->c);
    REENTER(process, tc_conduits_process(k->c, &ran));
    REENTER(wait, tc_conduits_wait(k->c, 0));
    REENTER(poll, tc_conduits_poll(k->c, 0, &ran));
    REENTER(run, tc_conduits_run(k->c, 0));
    REENTER(await, tc_conduits_await(k->c, 1, 0));
    REENTER(request_sync, tc_request_sync(&resp, k->c, &req));
    res->request_sync_out_null = (resp == NULL);
    if (resp != NULL && resp != (tc_response *)OUT_SENTINEL)
        tc_response_free(resp);
    REENTER(token_get_sync, tc_token_get_sync(&tok, k->c, 0));
    res->token_get_sync_out_null = (tok == NULL);
    if (tok != NULL && tok != (tc_token *)OUT_SENTINEL)
        tc_token_free(tok);
    tok = (tc_token *)OUT_SENTINEL;
    REENTER(token_validate_sync, tc_token_validate_sync(&tok, k->c));
    res->token_validate_sync_out_null = (tok == NULL);
    if (tok != NULL && tok != (tc_token *)OUT_SENTINEL)
        tc_token_free(tok);
#undef REENTER
    res->pending_after = tc_conduits_pending(k->c);
    res->msg_ok = ok;
}

static void response_cb(tc_status status, const tc_response *r, void *ud)
{
    rec *k = (rec *)ud;
    char msg[512];
    int resp_status = 0, http_status = -1, body_nonnull = 0, header_null_ok = 0, last_http;
    int dup_status = 0;
    tc_response *dup = NULL;

    /* First thing: the message of this completion and the HTTP status. */
    copy_last_message(msg, sizeof msg);
    last_http = tc_last_http_status();

    if (r != NULL) {
        size_t len = 12345;
        resp_status = (int)tc_response_status(r);
        http_status = tc_response_http_status(r);
        body_nonnull = tc_response_body(r, &len) != NULL;
        header_null_ok = tc_response_header(r, NULL) == NULL;
        dup_status = (int)tc_response_dup(&dup, r);
    }

    pthread_mutex_lock(&rec_lock);
    k->calls++;
    k->status = (int)status;
    k->resp_nonnull = r != NULL;
    k->resp_status = resp_status;
    k->http_status = http_status;
    k->last_http = last_http;
    k->body_nonnull = body_nonnull;
    k->header_null_ok = header_null_ok;
    k->dup_status = dup_status;
    if (k->dup != NULL)
        tc_response_free(k->dup);
    k->dup = dup;
    snprintf(k->msg, sizeof k->msg, "%s", msg);
    k->thread = pthread_self();
    pthread_mutex_unlock(&rec_lock);

    if (k->do_reentry)
        run_reentry(k);
    if (k->submit_rec != NULL && k->reentry != NULL) {
        tc_request_options req = get_request("/eventsub/conduits");
        k->reentry->submit_status =
            (int)tc_request(&k->reentry->submit_id, k->c, &req, response_cb, k->submit_rec);
    }
    if (k->do_free)
        tc_conduits_free(k->c);
    if (k->submit_after_free) {
        tc_request_options req = get_request("/eventsub/conduits");
        k->closed_status = (int)tc_request(NULL, k->c, &req, response_cb, k->closed_rec);
    }
}

typedef struct token_rec {
    int calls;
    int status;
    int token_nonnull;
    char msg[512];
} token_rec;

static void token_cb(tc_status status, const tc_token *t, void *ud)
{
    token_rec *k = (token_rec *)ud;
    char msg[512];
    copy_last_message(msg, sizeof msg);
    pthread_mutex_lock(&rec_lock);
    k->calls++;
    k->status = (int)status;
    k->token_nonnull = t != NULL;
    snprintf(k->msg, sizeof k->msg, "%s", msg);
    pthread_mutex_unlock(&rec_lock);
}

static int rec_calls(const rec *k)
{
    int n;
    pthread_mutex_lock(&rec_lock);
    n = k->calls;
    pthread_mutex_unlock(&rec_lock);
    return n;
}

static void rec_clear(rec *k)
{
    if (k->dup != NULL)
        tc_response_free(k->dup);
    k->dup = NULL;
}

/* ------------------------------------------------------------------------ */
/* Managers and servers                                                     */

static tc_conduits_options base_options(void)
{
    tc_conduits_options o = TC_CONDUITS_OPTIONS_INIT;
    o.client_id = CLIENT_ID;
    o.client_secret = CLIENT_SECRET;
    o.api_base_url = REFUSED_URL;
    o.auth_base_url = REFUSED_URL;
    o.connect_timeout_ms = 5000;
    o.request_timeout_ms = 5000;
    o.max_attempts = 2;
    o.backoff_base_ms = 1;
    o.backoff_max_ms = 2;
    o.random_seed = 1;
    return o;
}

static tc_conduits *new_manager_with(const tc_conduits_options *o)
{
    tc_conduits *c = NULL;
    tc_status st = tc_conduits_new(&c, o);
    if (st != TC_OK)
        fail_msg("tc_conduits_new with valid options: %d (%s): %s", (int)st, tc_strerror(st),
                 tc_last_error_message());
    assert_non_null(c);
    return c;
}

/* A manager whose every connection is refused. */
static tc_conduits *new_refused_manager(unsigned int flags)
{
    tc_conduits_options o = base_options();
    o.flags = flags;
    return new_manager_with(&o);
}

/* A TCP listener on 127.0.0.1 that never accepts: connections complete in the
 * kernel, requests are buffered, and no answer ever comes. */
typedef struct blackhole {
    int fd;
    char url[64];
} blackhole;

static void blackhole_open(blackhole *b)
{
    struct sockaddr_in sa;
    socklen_t len = sizeof sa;
    int one = 1;

    b->fd = socket(AF_INET, SOCK_STREAM, 0);
    assert_true(b->fd >= 0);
    (void)setsockopt(b->fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    memset(&sa, 0, sizeof sa);
    sa.sin_family = AF_INET;
    sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    sa.sin_port = 0;
    assert_int_equal(bind(b->fd, (struct sockaddr *)&sa, sizeof sa), 0);
    assert_int_equal(listen(b->fd, 64), 0);
    assert_int_equal(getsockname(b->fd, (struct sockaddr *)&sa, &len), 0);
    snprintf(b->url, sizeof b->url, "http://127.0.0.1:%u", (unsigned)ntohs(sa.sin_port));
}

static void blackhole_close(blackhole *b)
{
    if (b->fd >= 0)
        close(b->fd);
    b->fd = -1;
}

/* A manager with an app token (no token fetch) whose API never answers. */
static tc_conduits *new_blackhole_manager(const blackhole *b, unsigned int flags)
{
    tc_conduits_options o = base_options();
    o.client_secret = NULL;
    o.app_token = APP_TOKEN;
    o.api_base_url = b->url;
    o.auth_base_url = b->url;
    o.request_timeout_ms = 120000;
    o.connect_timeout_ms = 120000;
    o.max_attempts = 1;
    o.flags = flags;
    return new_manager_with(&o);
}

static int fd_readable(int fd)
{
    struct pollfd p;
    p.fd = fd;
    p.events = POLLIN;
    p.revents = 0;
    return poll(&p, 1, 0) == 1 && (p.revents & POLLIN) != 0;
}

static int out_is_null_or_untouched(const void *p)
{
    return p == NULL || p == OUT_SENTINEL;
}

/* ======================================================================== */
/* Status strings, version, last error                                      */

static const int all_statuses[] = {
    TC_OK,        TC_ERROR,      TC_EINVAL,     TC_ENOMEM,         TC_EVERSION,    TC_ECANCELED,
    TC_ETIMEDOUT, TC_ENETWORK,   TC_ETLS,       TC_EHTTP,          TC_EAUTH,       TC_EFORBIDDEN,
    TC_ENOTFOUND, TC_ECONFLICT,  TC_ERATELIMIT, TC_ESERVER,        TC_EPROTOCOL,   TC_ECLOSED,
    TC_EREENTRANT, TC_EBUSY,     TC_ETOOLARGE,  TC_EUSER,          TC_EBADREQUEST, TC_EGONE,
    TC_EPARTIAL,  TC_ENOCREDENTIALS, TC_ENOTSUPPORTED, TC_ESIGNATURE, TC_ESTALE,
};

static void test_status_values_frozen(void **state)
{
    (void)state;
    /* The values are part of the ABI; a renumbering must fail here. */
    size_t n = sizeof all_statuses / sizeof all_statuses[0];
    size_t i;
    assert_int_equal(n, 29);
    for (i = 0; i < n; i++)
        assert_int_equal(all_statuses[i], -(int)i);
}

static void test_strerror_known(void **state)
{
    size_t n = sizeof all_statuses / sizeof all_statuses[0];
    size_t i, j;
    (void)state;
    for (i = 0; i < n; i++) {
        const char *s = tc_strerror(all_statuses[i]);
        if (s == NULL)
            fail_msg("tc_strerror(%d) returned NULL", all_statuses[i]);
        if (s[0] == '\0')
            fail_msg("tc_strerror(%d) is empty", all_statuses[i]);
        if (strchr(s, '\n') != NULL)
            fail_msg("tc_strerror(%d) spans lines: \"%s\"", all_statuses[i], s);
        if (strcmp(s, "unknown status code") == 0)
            fail_msg("tc_strerror(%d) calls a known status unknown", all_statuses[i]);
    }
    /* Distinct codes get distinct descriptions. */
    for (i = 0; i < n; i++)
        for (j = i + 1; j < n; j++)
            if (strcmp(tc_strerror(all_statuses[i]), tc_strerror(all_statuses[j])) == 0)
                fail_msg("tc_strerror(%d) == tc_strerror(%d) == \"%s\"", all_statuses[i],
                         all_statuses[j], tc_strerror(all_statuses[i]));
}

static void test_strerror_unknown(void **state)
{
    static const int unknown[] = {1, 2, 99, -29, -30, -99, -1000, INT_MAX, INT_MIN, INT_MIN + 1};
    size_t i;
    (void)state;
    for (i = 0; i < sizeof unknown / sizeof unknown[0]; i++) {
        const char *s = tc_strerror(unknown[i]);
        if (s == NULL)
            fail_msg("tc_strerror(%d) returned NULL", unknown[i]);
        if (strcmp(s, "unknown status code") != 0)
            fail_msg("tc_strerror(%d) = \"%s\", expected \"unknown status code\"", unknown[i], s);
    }
}

static void test_version(void **state)
{
    int major = -1, minor = -1, patch = -1;
    char expect[64];
    const char *s;
    (void)state;

    s = tc_version(&major, &minor, &patch);
    assert_non_null(s);
    assert_string_equal(s, TC_VERSION_STRING);
    assert_int_equal(major, TC_VERSION_MAJOR);
    assert_int_equal(minor, TC_VERSION_MINOR);
    assert_int_equal(patch, TC_VERSION_PATCH);
    snprintf(expect, sizeof expect, "%d.%d.%d", major, minor, patch);
    assert_string_equal(s, expect);
    assert_int_equal(TC_VERSION, TC_MAKE_VERSION(major, minor, patch));

    /* Every pointer may be NULL, in any combination. */
    assert_string_equal(tc_version(NULL, NULL, NULL), TC_VERSION_STRING);
    major = minor = patch = -1;
    assert_string_equal(tc_version(&major, NULL, NULL), TC_VERSION_STRING);
    assert_int_equal(major, TC_VERSION_MAJOR);
    assert_string_equal(tc_version(NULL, &minor, NULL), TC_VERSION_STRING);
    assert_int_equal(minor, TC_VERSION_MINOR);
    assert_string_equal(tc_version(NULL, NULL, &patch), TC_VERSION_STRING);
    assert_int_equal(patch, TC_VERSION_PATCH);
}

typedef struct thread_msgs {
    int initial_nonnull;
    char initial[512];
    int after_status;
    char after[512];
} thread_msgs;

static void *last_error_thread(void *arg)
{
    thread_msgs *t = (thread_msgs *)arg;
    t->initial_nonnull = copy_last_message(t->initial, sizeof t->initial);
    t->after_status = (int)tc_conduits_new(NULL, NULL);
    copy_last_message(t->after, sizeof t->after);
    return NULL;
}

static void test_last_error_thread_local(void **state)
{
    pthread_t th;
    thread_msgs t;
    char before[512], after[512];
    (void)state;
    memset(&t, 0, sizeof t);

    assert_int_equal(tc_last_http_status(), 0); /* outside any callback */

    EXPECT_STATUS_MSG(tc_conduits_options_init(NULL, TC_CONDUITS_OPTIONS_VERSION), TC_EINVAL,
                      W_OPTS);
    assert_true(copy_last_message(before, sizeof before));

    assert_int_equal(pthread_create(&th, NULL, last_error_thread, &t), 0);
    assert_int_equal(pthread_join(th, NULL), 0);

    /* A fresh thread starts with "" (never NULL). */
    assert_true(t.initial_nonnull);
    assert_string_equal(t.initial, "");
    assert_int_equal(t.after_status, TC_EINVAL);
    assert_true(t.after[0] != '\0');
    /* The other thread's failure did not touch this thread's message. */
    assert_true(copy_last_message(after, sizeof after));
    assert_string_equal(before, after);
}

/* ======================================================================== */
/* Frees and accessors on NULL                                              */

static void test_free_null(void **state)
{
    (void)state;
    tc_free(NULL);
    tc_conduits_free(NULL);
    tc_response_free(NULL);
    tc_token_free(NULL);
}

static void test_response_accessors_null(void **state)
{
    size_t len = 777;
    const char *s;
    tc_response *dup = (tc_response *)OUT_SENTINEL;
    char *json = (char *)OUT_SENTINEL;
    (void)state;

    assert_int_equal(tc_response_status(NULL), TC_EINVAL);
    assert_int_equal(tc_response_http_status(NULL), 0);
    s = tc_response_body(NULL, &len);
    assert_non_null(s); /* "never NULL" */
    assert_string_equal(s, "");
    assert_int_equal(len, 0);
    s = tc_response_body(NULL, NULL);
    assert_non_null(s);
    assert_null(tc_response_header(NULL, "Content-Type"));
    assert_null(tc_response_header(NULL, NULL));
    assert_int_equal(tc_response_attempts(NULL), 0);
    s = tc_response_message(NULL);
    assert_true(s == NULL || s[0] == '\0');
    assert_true(tc_response_elapsed_ms(NULL) == 0.0);

    EXPECT_STATUS_MSG(tc_response_dup(&dup, NULL), TC_EINVAL, W_RESPONSE);
    assert_true(out_is_null_or_untouched(dup));
    EXPECT_STATUS_MSG(tc_response_dup(NULL, NULL), TC_EINVAL, W_OUT, W_RESPONSE);
    EXPECT_STATUS_MSG(tc_response_to_json(&json, NULL), TC_EINVAL, W_RESPONSE);
    assert_true(out_is_null_or_untouched(json));
    EXPECT_STATUS_MSG(tc_response_to_json(NULL, NULL), TC_EINVAL, W_OUT, W_RESPONSE);
}

/* tc_response_status() is the one response accessor returning a tc_status:
 * on NULL it fails with TC_EINVAL, and a failed call sets the message. */
static void test_response_status_null_message(void **state)
{
    (void)state;
    EXPECT_STATUS_MSG(tc_response_status(NULL), TC_EINVAL, W_RESPONSE);
}

static void test_token_accessors_null(void **state)
{
    const char *s;
    tc_token *dup = (tc_token *)OUT_SENTINEL;
    char *json = (char *)OUT_SENTINEL;
    (void)state;

    s = tc_token_access_token(NULL);
    assert_true(s == NULL || s[0] == '\0');
    s = tc_token_client_id(NULL);
    assert_non_null(s); /* "" if unknown */
    assert_string_equal(s, "");
    assert_int_equal(tc_token_expires_at(NULL), 0);
    assert_int_equal(tc_token_is_validated(NULL), 0);
    assert_null(tc_token_login(NULL));
    assert_null(tc_token_user_id(NULL));
    assert_int_equal(tc_token_scope_count(NULL), 0);
    assert_null(tc_token_scope(NULL, 0));
    assert_null(tc_token_scope(NULL, (size_t)-1));

    EXPECT_STATUS_MSG(tc_token_dup(&dup, NULL), TC_EINVAL, W_TOKEN);
    assert_true(out_is_null_or_untouched(dup));
    EXPECT_STATUS_MSG(tc_token_dup(NULL, NULL), TC_EINVAL, W_OUT, W_TOKEN);
    EXPECT_STATUS_MSG(tc_token_to_json(&json, NULL, 0), TC_EINVAL, W_TOKEN);
    assert_true(out_is_null_or_untouched(json));
    EXPECT_STATUS_MSG(tc_token_to_json(&json, NULL, 1), TC_EINVAL, W_TOKEN);
    EXPECT_STATUS_MSG(tc_token_to_json(NULL, NULL, 0), TC_EINVAL, W_OUT, W_TOKEN);
}

/* ======================================================================== */
/* Manager functions on a NULL handle                                       */

static void test_manager_null_handle(void **state)
{
    int ran = -5;
    int fd = 0;
    (void)state;

    EXPECT_STATUS_MSG(tc_conduits_wait(NULL, 0), TC_EINVAL, W_HANDLE);
    EXPECT_STATUS_MSG(tc_conduits_wait(NULL, -1), TC_EINVAL, W_HANDLE); /* must not block */
    EXPECT_STATUS_MSG(tc_conduits_process(NULL, &ran), TC_EINVAL, W_HANDLE);
    EXPECT_STATUS_MSG(tc_conduits_process(NULL, NULL), TC_EINVAL, W_HANDLE);
    EXPECT_STATUS_MSG(tc_conduits_poll(NULL, 0, &ran), TC_EINVAL, W_HANDLE);
    EXPECT_STATUS_MSG(tc_conduits_poll(NULL, -1, NULL), TC_EINVAL, W_HANDLE);
    EXPECT_STATUS_MSG(tc_conduits_wakeup(NULL), TC_EINVAL, W_HANDLE);
    EXPECT_STATUS_MSG(tc_conduits_run(NULL, 0), TC_EINVAL, W_HANDLE);
    EXPECT_STATUS_MSG(tc_conduits_run(NULL, -1), TC_EINVAL, W_HANDLE);
    EXPECT_STATUS_MSG(tc_conduits_await(NULL, 1, 0), TC_EINVAL, W_HANDLE);
    EXPECT_STATUS_MSG(tc_conduits_await(NULL, 1, -1), TC_EINVAL, W_HANDLE);
    EXPECT_STATUS_MSG(tc_conduits_cancel(NULL, 1), TC_EINVAL, W_HANDLE);
    EXPECT_STATUS_MSG(tc_conduits_cancel_all(NULL), TC_EINVAL, W_HANDLE);

    /* fd: -1 with TC_EINVAL's message. */
    EXPECT_MSG_AFTER(fd = tc_conduits_fd(NULL), W_HANDLE);
    assert_int_equal(fd, -1);

    assert_int_equal(tc_conduits_pending(NULL), 0);
    assert_int_equal(tc_conduits_stat(NULL, TC_STAT_HTTP_REQUESTS), 0);
    assert_int_equal(tc_conduits_stat(NULL, TC_STAT_OPERATIONS), 0);
    assert_int_equal(tc_conduits_stat(NULL, (tc_stat)99), 0);
}

/* ======================================================================== */
/* Options and manager creation                                             */

static void test_options_init(void **state)
{
    tc_conduits_options o;
    tc_conduits_options ref = TC_CONDUITS_OPTIONS_INIT;
    (void)state;

    EXPECT_STATUS_MSG(tc_conduits_options_init(NULL, TC_CONDUITS_OPTIONS_VERSION), TC_EINVAL,
                      W_OPTS);
    EXPECT_STATUS_MSG(tc_conduits_options_init(&o, 0), TC_EVERSION, "version");
    EXPECT_STATUS_MSG(tc_conduits_options_init(&o, 999), TC_EVERSION, "version");
    EXPECT_STATUS_MSG(tc_conduits_options_init(&o, UINT_MAX), TC_EVERSION, "version");

    /* The good case fills exactly what the INIT macro gives. */
    memset(&o, 0xA5, sizeof o);
    EXPECT_STATUS(tc_conduits_options_init(&o, TC_CONDUITS_OPTIONS_VERSION), TC_OK);
    assert_int_equal(o.version, ref.version);
    assert_null(o.client_id);
    assert_null(o.client_secret);
    assert_null(o.app_token);
    assert_null(o.callback_url);
    assert_null(o.api_base_url);
    assert_null(o.auth_base_url);
    assert_null(o.ca_file);
    assert_int_equal(o.connect_timeout_ms, ref.connect_timeout_ms);
    assert_int_equal(o.request_timeout_ms, ref.request_timeout_ms);
    assert_int_equal(o.max_attempts, ref.max_attempts);
    assert_int_equal(o.backoff_base_ms, ref.backoff_base_ms);
    assert_int_equal(o.backoff_max_ms, ref.backoff_max_ms);
    assert_int_equal(o.ratelimit_max_wait_ms, ref.ratelimit_max_wait_ms);
    assert_int_equal(o.max_concurrency, ref.max_concurrency);
    assert_int_equal(o.max_response_bytes, ref.max_response_bytes);
    assert_int_equal(o.token_refresh_margin_s, ref.token_refresh_margin_s);
    assert_int_equal(o.flags, ref.flags);
    assert_true(o.log_cb == NULL);
    assert_null(o.log_userdata);
    assert_int_equal(o.log_level, ref.log_level);
    assert_int_equal(o.random_seed, ref.random_seed);
    assert_int_equal(o.token_validate_interval_s, ref.token_validate_interval_s);
    assert_int_equal(o.request_deadline_ms, ref.request_deadline_ms);
    assert_int_equal(o.max_list_pages, ref.max_list_pages);

    /* A caller built against version 1 has a shorter struct: neither init
     * nor new may touch what lies past it (ASan and valgrind watch the
     * exact-size heap block). */
    {
        const size_t v1_size = offsetof(tc_conduits_options, token_validate_interval_s);
        unsigned char *block = malloc(v1_size + 8);
        tc_conduits_options *old_opts = (tc_conduits_options *)block;
        tc_conduits *c = NULL;
        assert_non_null(block);
        memset(block, 0x5A, v1_size + 8);
        EXPECT_STATUS(tc_conduits_options_init(old_opts, 1), TC_OK);
        for (size_t i = v1_size; i < v1_size + 8; i++) assert_int_equal(block[i], 0x5A);
        free(block);
        block = malloc(v1_size); /* exact size: a read past it is an ASan/valgrind finding */
        old_opts = (tc_conduits_options *)block;
        assert_non_null(block);
        EXPECT_STATUS(tc_conduits_options_init(old_opts, 1), TC_OK);
        {
            const char *id = "abc", *token = "token"; /* stored byte-wise: the struct type is the longer one */
            memcpy(block + offsetof(tc_conduits_options, client_id), &id, sizeof id);
            memcpy(block + offsetof(tc_conduits_options, app_token), &token, sizeof token);
        }
        EXPECT_STATUS(tc_conduits_new(&c, old_opts), TC_OK);
        tc_conduits_free(c);
        free(block);
    }
    /* The same for a version-2 caller (no request_deadline_ms). */
    {
        const size_t v2_size = offsetof(tc_conduits_options, request_deadline_ms);
        unsigned char *block = malloc(v2_size);
        tc_conduits_options *old_opts = (tc_conduits_options *)block;
        tc_conduits *c = NULL;
        assert_non_null(block);
        EXPECT_STATUS(tc_conduits_options_init(old_opts, 2), TC_OK);
        {
            const char *id = "abc", *token = "token";
            long validate = -1;
            memcpy(block + offsetof(tc_conduits_options, client_id), &id, sizeof id);
            memcpy(block + offsetof(tc_conduits_options, app_token), &token, sizeof token);
            memcpy(block + offsetof(tc_conduits_options, token_validate_interval_s), &validate, sizeof validate);
        }
        EXPECT_STATUS(tc_conduits_new(&c, old_opts), TC_OK);
        tc_conduits_free(c);
        free(block);
    }
}

/* tc_conduits_new() must fail with `want` and name one of the words. */
#define EXPECT_NEW_FAILS(opts_expr, want, ...)                                                     \
    do {                                                                                           \
        tc_conduits *c_ = (tc_conduits *)OUT_SENTINEL;                                             \
        EXPECT_STATUS_MSG(tc_conduits_new(&c_, (opts_expr)), want, __VA_ARGS__);                   \
        if (!out_is_null_or_untouched(c_))                                                         \
            fail_msg("tc_conduits_new failed but wrote a handle to *out");                         \
    } while (0)

static void test_new_null_args(void **state)
{
    tc_conduits_options o = base_options();
    tc_conduits *c = (tc_conduits *)OUT_SENTINEL;
    (void)state;

    EXPECT_STATUS_MSG(tc_conduits_new(NULL, &o), TC_EINVAL, W_OUT);
    EXPECT_STATUS_MSG(tc_conduits_new(&c, NULL), TC_EINVAL, W_OPTS);
    assert_true(out_is_null_or_untouched(c));
    EXPECT_STATUS_MSG(tc_conduits_new(NULL, NULL), TC_EINVAL, W_OUT, W_OPTS);
}

static void test_new_bad_version(void **state)
{
    tc_conduits_options o = base_options();
    (void)state;
    o.version = 0;
    EXPECT_NEW_FAILS(&o, TC_EVERSION, "version");
    o.version = 999;
    EXPECT_NEW_FAILS(&o, TC_EVERSION, "version");
    o.version = UINT_MAX;
    EXPECT_NEW_FAILS(&o, TC_EVERSION, "version");
}

static void test_new_missing_credentials(void **state)
{
    tc_conduits_options o;
    (void)state;

    o = base_options();
    o.client_id = NULL;
    EXPECT_NEW_FAILS(&o, TC_EINVAL, "client_id");
    o.client_id = "";
    EXPECT_NEW_FAILS(&o, TC_EINVAL, "client_id");

    o = base_options();
    o.client_secret = NULL;
    o.app_token = NULL;
    EXPECT_NEW_FAILS(&o, TC_EINVAL, "client_secret", "app_token");

    /* A bare options struct, as TC_CONDUITS_OPTIONS_INIT gives it. */
    {
        tc_conduits_options bare = TC_CONDUITS_OPTIONS_INIT;
        EXPECT_NEW_FAILS(&bare, TC_EINVAL, "client_id");
    }
}

static void test_new_bad_log_level(void **state)
{
    tc_conduits_options o = base_options();
    (void)state;
    o.log_level = (tc_log_level)99;
    EXPECT_NEW_FAILS(&o, TC_EINVAL, "log_level");
    o.log_level = (tc_log_level)-1;
    EXPECT_NEW_FAILS(&o, TC_EINVAL, "log_level");
    o = base_options();
    o.request_deadline_ms = -2;
    EXPECT_NEW_FAILS(&o, TC_EINVAL, "request_deadline_ms");
    o = base_options();
    o.max_list_pages = -1;
    EXPECT_NEW_FAILS(&o, TC_EINVAL, "max_list_pages");
}

static void test_new_bad_base_urls(void **state)
{
    static const char *const bad[] = {
        "", "not a url", "http://", "://127.0.0.1:9", "127.0.0.1:9", "http//127.0.0.1:9",
    };
    size_t i;
    (void)state;
    for (i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        tc_conduits_options o = base_options();
        o.api_base_url = bad[i];
        snprintf(fail_context, sizeof fail_context, "[api_base_url \"%s\"] ", bad[i]);
        EXPECT_NEW_FAILS(&o, TC_EINVAL, "api_base_url");

        o = base_options();
        o.auth_base_url = bad[i];
        snprintf(fail_context, sizeof fail_context, "[auth_base_url \"%s\"] ", bad[i]);
        EXPECT_NEW_FAILS(&o, TC_EINVAL, "auth_base_url");
    }
    fail_context[0] = '\0';
}

static void test_new_valid_needs_no_network(void **state)
{
    tc_conduits_options o = base_options();
    tc_conduits *c;
    tc_conduits_options tok_only = base_options();
    (void)state;

    c = new_manager_with(&o);
    /* Nothing was sent: the manager connects only when asked. */
    assert_int_equal(tc_conduits_stat(c, TC_STAT_HTTP_REQUESTS), 0);
    assert_int_equal(tc_conduits_stat(c, TC_STAT_TOKEN_FETCHES), 0);
    assert_int_equal(tc_conduits_stat(c, TC_STAT_CONNECTIONS), 0);
    assert_int_equal(tc_conduits_stat(c, TC_STAT_OPERATIONS), 0);
    assert_int_equal(tc_conduits_pending(c), 0);
    tc_conduits_free(c);

    /* An app token alone is enough. */
    tok_only.client_secret = NULL;
    tok_only.app_token = APP_TOKEN;
    c = new_manager_with(&tok_only);
    tc_conduits_free(c);

    /* Defaults everywhere but the required fields. */
    {
        tc_conduits_options d = TC_CONDUITS_OPTIONS_INIT;
        d.client_id = CLIENT_ID;
        d.client_secret = CLIENT_SECRET;
        c = new_manager_with(&d);
        tc_conduits_free(c);
    }
}

/* ======================================================================== */
/* Loop functions on an idle manager                                        */

static void test_idle_loop(void **state)
{
    tc_conduits *c = new_refused_manager(0);
    int ran = -5;
    int fd;
    tc_status st;
    (void)state;

    EXPECT_STATUS(tc_conduits_wait(c, 0), TC_ETIMEDOUT);
    EXPECT_STATUS(tc_conduits_process(c, &ran), TC_OK);
    assert_int_equal(ran, 0);
    EXPECT_STATUS(tc_conduits_process(c, NULL), TC_OK);
    ran = -5;
    st = tc_conduits_poll(c, 0, &ran);
    assert_true(st == TC_OK || st == TC_ETIMEDOUT);
    assert_int_equal(ran, 0);
    EXPECT_STATUS(tc_conduits_run(c, 0), TC_OK);
    EXPECT_STATUS(tc_conduits_run(c, -1), TC_OK); /* nothing pending: returns at once */
    EXPECT_STATUS(tc_conduits_await(c, 987654321u, 0), TC_OK);
    EXPECT_STATUS(tc_conduits_await(c, 987654321u, -1), TC_OK);
    EXPECT_STATUS_MSG(tc_conduits_cancel(c, 987654321u), TC_ENOTFOUND, "id", "operation",
                      "987654321");
    st = tc_conduits_cancel(c, 0); /* 0 is never a valid id */
    assert_true(st == TC_ENOTFOUND || st == TC_EINVAL);
    EXPECT_STATUS(tc_conduits_cancel_all(c), TC_OK);
    EXPECT_STATUS(tc_conduits_wakeup(c), TC_OK);

    fd = tc_conduits_fd(c);
    assert_true(fd >= 0);
    assert_int_equal(tc_conduits_fd(c), fd); /* stable */
    /* Drain a possible wakeup; then nothing is ready and fd is not readable. */
    (void)tc_conduits_poll(c, 0, NULL);
    EXPECT_STATUS(tc_conduits_wait(c, 0), TC_ETIMEDOUT);
    assert_false(fd_readable(fd));

    assert_int_equal(tc_conduits_pending(c), 0);
    assert_int_equal(tc_conduits_stat(c, (tc_stat)99), 0);
    assert_int_equal(tc_conduits_stat(c, (tc_stat)-1), 0);
    assert_int_equal(tc_conduits_stat(c, TC_STAT_OPERATIONS), 0);
    tc_conduits_free(c);
}

/* ======================================================================== */
/* tc_request: bad input                                                    */

#define EXPECT_REQUEST_FAILS(c_expr, req_expr, cb_expr, want, ...)                                 \
    do {                                                                                           \
        tc_op_id id_ = 0;                                                                          \
        EXPECT_STATUS_MSG(tc_request(&id_, (c_expr), (req_expr), (cb_expr), &never),               \
                          want, __VA_ARGS__);                                                      \
        assert_int_equal(id_, 0);                                                                  \
        EXPECT_STATUS_MSG(tc_request(NULL, (c_expr), (req_expr), (cb_expr), &never),               \
                          want, __VA_ARGS__);                                                      \
    } while (0)

static void test_request_bad_input(void **state)
{
    tc_conduits *c = new_refused_manager(0);
    rec never;
    tc_request_options req;
    tc_param params[2];
    int ran = -5;
    (void)state;
    memset(&never, 0, sizeof never);

    req = get_request("/eventsub/conduits");
    EXPECT_REQUEST_FAILS(NULL, &req, response_cb, TC_EINVAL, W_HANDLE);
    EXPECT_REQUEST_FAILS(c, NULL, response_cb, TC_EINVAL, W_REQ);

    req = get_request("/eventsub/conduits");
    req.version = 0;
    EXPECT_REQUEST_FAILS(c, &req, response_cb, TC_EVERSION, "version");
    req.version = 999;
    EXPECT_REQUEST_FAILS(c, &req, response_cb, TC_EVERSION, "version");

    req = get_request("/eventsub/conduits");
    req.deadline_ms = -2;
    EXPECT_REQUEST_FAILS(c, &req, response_cb, TC_EINVAL, "deadline_ms");

    req = get_request("/eventsub/conduits");
    req.method = (tc_method)99;
    EXPECT_REQUEST_FAILS(c, &req, response_cb, TC_EINVAL, "method");
    req.method = (tc_method)-1;
    EXPECT_REQUEST_FAILS(c, &req, response_cb, TC_EINVAL, "method");

    req = get_request(NULL);
    EXPECT_REQUEST_FAILS(c, &req, response_cb, TC_EINVAL, "path");
    req = get_request("");
    EXPECT_REQUEST_FAILS(c, &req, response_cb, TC_EINVAL, "path");
    req = get_request("eventsub/conduits");
    EXPECT_REQUEST_FAILS(c, &req, response_cb, TC_EINVAL, "path");
    req = get_request("http://evil.example/eventsub/conduits");
    EXPECT_REQUEST_FAILS(c, &req, response_cb, TC_EINVAL, "path");

    req = get_request("/eventsub/conduits");
    req.method = TC_POST;
    req.body = NULL;
    req.body_len = 10;
    EXPECT_REQUEST_FAILS(c, &req, response_cb, TC_EINVAL, "body", "body_len");

    req = get_request("/eventsub/conduits");
    req.query = NULL;
    req.query_count = 2;
    EXPECT_REQUEST_FAILS(c, &req, response_cb, TC_EINVAL, "query", "query_count");

    params[0].name = "id";
    params[0].value = "abc";
    params[1].name = NULL;
    params[1].value = "def";
    req = get_request("/eventsub/conduits");
    req.query = params;
    req.query_count = 2;
    EXPECT_REQUEST_FAILS(c, &req, response_cb, TC_EINVAL, "query", "name");

    /* Nothing was queued, nothing was sent, and no callback ever runs. */
    assert_int_equal(tc_conduits_pending(c), 0);
    EXPECT_STATUS(tc_conduits_run(c, 1000), TC_OK);
    EXPECT_STATUS(tc_conduits_process(c, &ran), TC_OK);
    assert_int_equal(ran, 0);
    assert_int_equal(tc_conduits_stat(c, TC_STAT_HTTP_REQUESTS), 0);
    assert_int_equal(tc_conduits_stat(c, TC_STAT_TOKEN_FETCHES), 0);
    assert_int_equal(tc_conduits_stat(c, TC_STAT_OPERATIONS), 0);
    tc_conduits_free(c);
    assert_int_equal(never.calls, 0);
}

static void test_request_sync_bad_input(void **state)
{
    tc_conduits *c = new_refused_manager(0);
    tc_request_options req;
    tc_response *r;
    (void)state;

    req = get_request("/eventsub/conduits");
    EXPECT_STATUS_MSG(tc_request_sync(NULL, c, &req), TC_EINVAL, W_OUT);

    r = (tc_response *)OUT_SENTINEL;
    EXPECT_STATUS_MSG(tc_request_sync(&r, NULL, &req), TC_EINVAL, W_HANDLE);
    assert_null(r); /* "else NULL" */

    r = (tc_response *)OUT_SENTINEL;
    EXPECT_STATUS_MSG(tc_request_sync(&r, c, NULL), TC_EINVAL, W_REQ);
    assert_null(r);

    r = (tc_response *)OUT_SENTINEL;
    req.version = 999;
    EXPECT_STATUS_MSG(tc_request_sync(&r, c, &req), TC_EVERSION, "version");
    assert_null(r);

    r = (tc_response *)OUT_SENTINEL;
    req = get_request("/eventsub/conduits");
    req.method = (tc_method)99;
    EXPECT_STATUS_MSG(tc_request_sync(&r, c, &req), TC_EINVAL, "method");
    assert_null(r);

    r = (tc_response *)OUT_SENTINEL;
    req = get_request("relative/path");
    EXPECT_STATUS_MSG(tc_request_sync(&r, c, &req), TC_EINVAL, "path");
    assert_null(r);

    r = (tc_response *)OUT_SENTINEL;
    req = get_request("/eventsub/conduits");
    req.body_len = 3;
    EXPECT_STATUS_MSG(tc_request_sync(&r, c, &req), TC_EINVAL, "body", "body_len");
    assert_null(r);

    assert_int_equal(tc_conduits_stat(c, TC_STAT_HTTP_REQUESTS), 0);
    assert_int_equal(tc_conduits_stat(c, TC_STAT_OPERATIONS), 0);
    tc_conduits_free(c);
}

/* ======================================================================== */
/* Token functions: bad input                                               */

static void test_token_bad_input(void **state)
{
    tc_conduits *c = new_refused_manager(0);
    token_rec never_t;
    rec never_r;
    tc_op_id id;
    tc_token *t;
    int ran = -5;
    (void)state;
    memset(&never_t, 0, sizeof never_t);
    memset(&never_r, 0, sizeof never_r);

    id = 0;
    EXPECT_STATUS_MSG(tc_token_get(&id, NULL, 0, token_cb, &never_t), TC_EINVAL, W_HANDLE);
    assert_int_equal(id, 0);

    EXPECT_STATUS_MSG(tc_token_validate(&id, NULL, token_cb, &never_t), TC_EINVAL, W_HANDLE);
    assert_int_equal(id, 0);

    EXPECT_STATUS_MSG(tc_token_revoke(&id, NULL, response_cb, &never_r), TC_EINVAL, W_HANDLE);
    assert_int_equal(id, 0);

    EXPECT_STATUS_MSG(tc_token_get_sync(NULL, c, 0), TC_EINVAL, W_OUT);
    t = (tc_token *)OUT_SENTINEL;
    EXPECT_STATUS_MSG(tc_token_get_sync(&t, NULL, 0), TC_EINVAL, W_HANDLE);
    assert_true(out_is_null_or_untouched(t));
    EXPECT_STATUS_MSG(tc_token_validate_sync(NULL, c), TC_EINVAL, W_OUT);
    t = (tc_token *)OUT_SENTINEL;
    EXPECT_STATUS_MSG(tc_token_validate_sync(&t, NULL), TC_EINVAL, W_HANDLE);
    assert_true(out_is_null_or_untouched(t));

    assert_int_equal(tc_conduits_pending(c), 0);
    EXPECT_STATUS(tc_conduits_run(c, 1000), TC_OK);
    EXPECT_STATUS(tc_conduits_process(c, &ran), TC_OK);
    assert_int_equal(ran, 0);
    assert_int_equal(tc_conduits_stat(c, TC_STAT_TOKEN_FETCHES), 0);
    assert_int_equal(tc_conduits_stat(c, TC_STAT_HTTP_REQUESTS), 0);
    tc_conduits_free(c);
    assert_int_equal(never_t.calls, 0);
    assert_int_equal(never_r.calls, 0);
}

/* ======================================================================== */
/* Completions against a refused port                                       */

static void check_network_failure(const rec *k)
{
    assert_int_equal(k->calls, 1);
    if (k->status != TC_ENETWORK)
        fail_msg("completion status %d (%s), expected TC_ENETWORK; message \"%s\"", k->status,
                 tc_strerror(k->status), k->msg);
    assert_true(k->resp_nonnull); /* "response is never NULL" */
    assert_int_equal(k->resp_status, k->status);
    assert_int_equal(k->http_status, 0);
    assert_int_equal(k->last_http, 0);
    assert_true(k->body_nonnull);
    assert_true(k->header_null_ok);
    assert_int_equal(k->dup_status, TC_OK);
    assert_non_null(k->dup);
    /* Inside the callback the message describes the failed completion. */
    if (message_problem(1, k->msg, NULL) != NULL)
        fail_msg("message in callback: %s: \"%s\"", message_problem(1, k->msg, NULL), k->msg);
}

static void test_request_refused_run(void **state)
{
    tc_conduits *c = new_refused_manager(0);
    rec k;
    tc_request_options req = get_request("/eventsub/conduits");
    char *json = NULL;
    (void)state;
    memset(&k, 0, sizeof k);

    EXPECT_STATUS(tc_request(NULL, c, &req, response_cb, &k), TC_OK);
    assert_int_equal(tc_conduits_pending(c), 1);
    EXPECT_STATUS(tc_conduits_run(c, LOOP_TIMEOUT_MS), TC_OK);
    check_network_failure(&k);
    assert_int_equal(tc_conduits_pending(c), 0);
    assert_int_equal(tc_conduits_stat(c, TC_STAT_OPERATIONS), 1);

    /* The duplicate outlives the callback and serialises without secrets. */
    assert_int_equal(tc_response_status(k.dup), TC_ENETWORK);
    EXPECT_STATUS(tc_response_to_json(&json, k.dup), TC_OK);
    assert_non_null(json);
    assert_non_null(strstr(json, "\"status\""));
    assert_null(strstr(json, CLIENT_SECRET));
    tc_free(json);

    /* A real response with NULL out-pointers, and a NULL header name. */
    EXPECT_STATUS_MSG(tc_response_to_json(NULL, k.dup), TC_EINVAL, W_OUT);
    EXPECT_STATUS_MSG(tc_response_dup(NULL, k.dup), TC_EINVAL, W_OUT);
    assert_null(tc_response_header(k.dup, NULL));

    /* Running again finds nothing to do: the callback ran exactly once. */
    EXPECT_STATUS(tc_conduits_run(c, 0), TC_OK);
    tc_conduits_free(c);
    assert_int_equal(k.calls, 1);
    rec_clear(&k);
}

static void test_request_refused_await(void **state)
{
    tc_conduits *c = new_refused_manager(0);
    rec k;
    tc_request_options req = get_request("/eventsub/conduits");
    tc_op_id id = 0;
    (void)state;
    memset(&k, 0, sizeof k);

    req.method = TC_POST;
    req.body = "{\"shard_count\":1}";
    EXPECT_STATUS(tc_request(&id, c, &req, response_cb, &k), TC_OK);
    assert_true(id != 0);
    EXPECT_STATUS(tc_conduits_await(c, id, LOOP_TIMEOUT_MS), TC_OK);
    check_network_failure(&k);
    /* Finished: await returns at once, cancel does not find it. */
    EXPECT_STATUS(tc_conduits_await(c, id, 0), TC_OK);
    EXPECT_STATUS_MSG(tc_conduits_cancel(c, id), TC_ENOTFOUND, "id", "operation");
    tc_conduits_free(c);
    assert_int_equal(k.calls, 1);
    rec_clear(&k);
}

static void test_request_sync_refused(void **state)
{
    tc_conduits *c = new_refused_manager(0);
    tc_request_options req = get_request("/eventsub/conduits");
    tc_response *r = (tc_response *)OUT_SENTINEL;
    size_t len = 99;
    (void)state;

    EXPECT_STATUS(tc_request_sync(&r, c, &req), TC_ENETWORK);
    assert_non_null(r); /* submitted: a response is always returned */
    assert_true(r != (tc_response *)OUT_SENTINEL);
    assert_int_equal(tc_response_status(r), TC_ENETWORK);
    assert_int_equal(tc_response_http_status(r), 0);
    assert_non_null(tc_response_body(r, &len));
    assert_non_null(tc_response_message(r));
    assert_null(tc_response_header(r, NULL));
    tc_response_free(r);
    assert_int_equal(tc_conduits_pending(c), 0);
    tc_conduits_free(c);
}

static void test_token_refused(void **state)
{
    tc_conduits *c = new_refused_manager(0);
    token_rec kg, kv;
    rec kr;
    tc_op_id id = 0;
    tc_token *t;
    (void)state;
    memset(&kg, 0, sizeof kg);
    memset(&kv, 0, sizeof kv);
    memset(&kr, 0, sizeof kr);

    EXPECT_STATUS(tc_token_get(&id, c, 0, token_cb, &kg), TC_OK);
    assert_true(id != 0);
    EXPECT_STATUS(tc_conduits_await(c, id, LOOP_TIMEOUT_MS), TC_OK);
    assert_int_equal(kg.calls, 1);
    assert_int_equal(kg.status, TC_ENETWORK);
    assert_false(kg.token_nonnull); /* NULL on error */
    assert_null(strstr(kg.msg, CLIENT_SECRET));

    EXPECT_STATUS(tc_token_validate(NULL, c, token_cb, &kv), TC_OK);
    EXPECT_STATUS(tc_token_revoke(NULL, c, response_cb, &kr), TC_OK);
    EXPECT_STATUS(tc_conduits_run(c, LOOP_TIMEOUT_MS), TC_OK);
    assert_int_equal(kv.calls, 1);
    assert_true(kv.status < 0);
    assert_false(kv.token_nonnull);
    assert_int_equal(kr.calls, 1);
    assert_true(kr.resp_nonnull);

    t = (tc_token *)OUT_SENTINEL;
    EXPECT_STATUS(tc_token_get_sync(&t, c, 1), TC_ENETWORK);
    assert_null(t);

    tc_conduits_free(c);
    assert_int_equal(kg.calls, 1);
    assert_int_equal(kv.calls, 1);
    assert_int_equal(kr.calls, 1);
    rec_clear(&kr);
}

static void test_token_no_credentials(void **state)
{
    tc_conduits_options o = base_options();
    tc_conduits *c;
    token_rec k;
    tc_status st;
    (void)state;
    memset(&k, 0, sizeof k);

    o.client_secret = NULL;
    o.app_token = APP_TOKEN;
    c = new_manager_with(&o);
    /* A new token cannot be obtained without a client secret: either the
     * submission says so (no callback) or the completion does (once). */
    st = tc_token_get(NULL, c, 1, token_cb, &k);
    if (st == TC_OK) {
        EXPECT_STATUS(tc_conduits_run(c, LOOP_TIMEOUT_MS), TC_OK);
        assert_int_equal(k.calls, 1);
        assert_int_equal(k.status, TC_ENOCREDENTIALS);
        assert_false(k.token_nonnull);
    } else {
        assert_int_equal(st, TC_ENOCREDENTIALS);
        EXPECT_STATUS(tc_conduits_run(c, LOOP_TIMEOUT_MS), TC_OK);
        assert_int_equal(k.calls, 0);
    }
    tc_conduits_free(c);
    assert_true(k.calls <= 1);
}

/* A token given in the options is used as is: a real token object without
 * any network, to call its functions with the remaining bad arguments. */
static void test_token_given_in_options(void **state)
{
    tc_conduits_options o = base_options();
    tc_conduits *c;
    tc_token *t = (tc_token *)OUT_SENTINEL, *dup = NULL;
    char *json = NULL;
    const char *s;
    (void)state;

    o.client_secret = NULL;
    o.app_token = APP_TOKEN;
    c = new_manager_with(&o);
    EXPECT_STATUS(tc_token_get_sync(&t, c, 0), TC_OK);
    assert_non_null(t);
    assert_true(t != (tc_token *)OUT_SENTINEL);
    s = tc_token_access_token(t);
    assert_non_null(s);
    assert_string_equal(s, APP_TOKEN);
    assert_int_equal(tc_token_is_validated(t), 0);
    assert_null(tc_token_scope(t, tc_token_scope_count(t)));
    assert_null(tc_token_scope(t, (size_t)-1));

    EXPECT_STATUS_MSG(tc_token_dup(NULL, t), TC_EINVAL, W_OUT);
    EXPECT_STATUS_MSG(tc_token_to_json(NULL, t, 0), TC_EINVAL, W_OUT);
    EXPECT_STATUS_MSG(tc_token_to_json(NULL, t, 1), TC_EINVAL, W_OUT);

    /* The secret appears only when asked for. */
    EXPECT_STATUS(tc_token_to_json(&json, t, 0), TC_OK);
    assert_non_null(json);
    assert_null(strstr(json, APP_TOKEN));
    tc_free(json);
    json = NULL;
    EXPECT_STATUS(tc_token_to_json(&json, t, 1), TC_OK);
    assert_non_null(json);
    assert_non_null(strstr(json, APP_TOKEN));
    tc_free(json);

    EXPECT_STATUS(tc_token_dup(&dup, t), TC_OK);
    assert_non_null(dup);
    tc_token_free(t);
    assert_string_equal(tc_token_access_token(dup), APP_TOKEN);
    tc_token_free(dup);

    /* Nothing went to the network for it. */
    assert_int_equal(tc_conduits_stat(c, TC_STAT_TOKEN_FETCHES), 0);
    assert_int_equal(tc_conduits_stat(c, TC_STAT_HTTP_REQUESTS), 0);
    tc_conduits_free(c);
}

/* ======================================================================== */
/* The file descriptor                                                      */

static void test_fd_readiness(void **state)
{
    blackhole b;
    tc_conduits *c;
    rec k;
    tc_request_options req = get_request("/eventsub/conduits");
    tc_op_id id = 0;
    int fd, ran = -5;
    (void)state;
    memset(&k, 0, sizeof k);

    blackhole_open(&b);
    c = new_blackhole_manager(&b, 0);
    fd = tc_conduits_fd(c);
    assert_true(fd >= 0);
    assert_false(fd_readable(fd));

    EXPECT_STATUS(tc_request(&id, c, &req, response_cb, &k), TC_OK);
    /* Pending but never answered: nothing becomes ready. */
    EXPECT_STATUS(tc_conduits_wait(c, 0), TC_ETIMEDOUT);
    assert_false(fd_readable(fd));
    assert_int_equal(tc_conduits_pending(c), 1);

    EXPECT_STATUS(tc_conduits_cancel(c, id), TC_OK);
    EXPECT_STATUS(tc_conduits_wait(c, LOOP_TIMEOUT_MS), TC_OK);
    assert_true(fd_readable(fd));
    assert_int_equal(k.calls, 0); /* wait runs no callback */
    EXPECT_STATUS(tc_conduits_process(c, &ran), TC_OK);
    assert_int_equal(ran, 1);
    assert_int_equal(k.calls, 1);
    assert_int_equal(k.status, TC_ECANCELED);
    assert_true(k.resp_nonnull);
    assert_int_equal(k.resp_status, TC_ECANCELED);
    assert_false(fd_readable(fd));
    EXPECT_STATUS(tc_conduits_cancel(c, id), TC_ENOTFOUND);
    assert_int_equal(tc_conduits_pending(c), 0);

    tc_conduits_free(c);
    blackhole_close(&b);
    assert_int_equal(k.calls, 1);
    rec_clear(&k);
}

/* ======================================================================== */
/* Cancellation and free with pending work                                  */

static void test_cancel_all_and_free_pending(void **state)
{
    blackhole b;
    tc_conduits *c;
    rec k[4];
    tc_request_options req = get_request("/eventsub/conduits");
    int i;
    (void)state;
    memset(k, 0, sizeof k);

    blackhole_open(&b);
    c = new_blackhole_manager(&b, 0);
    EXPECT_STATUS(tc_request(NULL, c, &req, response_cb, &k[0]), TC_OK);
    EXPECT_STATUS(tc_request(NULL, c, &req, response_cb, &k[1]), TC_OK);
    assert_int_equal(tc_conduits_pending(c), 2);
    EXPECT_STATUS(tc_conduits_cancel_all(c), TC_OK);
    EXPECT_STATUS(tc_conduits_run(c, LOOP_TIMEOUT_MS), TC_OK);
    for (i = 0; i < 2; i++) {
        assert_int_equal(k[i].calls, 1);
        assert_int_equal(k[i].status, TC_ECANCELED);
    }

    /* Free with pending work: each completes once, with TC_ECANCELED, on
     * the calling thread, before tc_conduits_free returns. */
    EXPECT_STATUS(tc_request(NULL, c, &req, response_cb, &k[2]), TC_OK);
    EXPECT_STATUS(tc_request(NULL, c, &req, response_cb, &k[3]), TC_OK);
    tc_conduits_free(c);
    for (i = 2; i < 4; i++) {
        assert_int_equal(k[i].calls, 1);
        assert_int_equal(k[i].status, TC_ECANCELED);
        assert_true(k[i].resp_nonnull);
        assert_true(pthread_equal(k[i].thread, pthread_self()));
    }
    blackhole_close(&b);
    for (i = 0; i < 4; i++) {
        assert_int_equal(k[i].calls, 1);
        rec_clear(&k[i]);
    }
}

/* ======================================================================== */
/* Re-entrancy                                                              */

static void test_reentrant_calls(void **state)
{
    tc_conduits *c = new_refused_manager(0);
    rec k, second;
    reentry_results res;
    tc_request_options req = get_request("/eventsub/conduits");
    (void)state;
    memset(&k, 0, sizeof k);
    memset(&second, 0, sizeof second);
    memset(&res, 0, sizeof res);

    k.c = c;
    k.do_reentry = 1;
    k.reentry = &res;
    k.submit_rec = &second;
    EXPECT_STATUS(tc_request(NULL, c, &req, response_cb, &k), TC_OK);
    EXPECT_STATUS(tc_conduits_run(c, LOOP_TIMEOUT_MS), TC_OK);

    assert_int_equal(k.calls, 1);
    assert_int_equal(res.process, TC_EREENTRANT);
    assert_int_equal(res.wait, TC_EREENTRANT);
    assert_int_equal(res.poll, TC_EREENTRANT);
    assert_int_equal(res.run, TC_EREENTRANT);
    assert_int_equal(res.await, TC_EREENTRANT);
    assert_int_equal(res.request_sync, TC_EREENTRANT);
    assert_true(res.request_sync_out_null);
    assert_int_equal(res.token_get_sync, TC_EREENTRANT);
    assert_true(res.token_get_sync_out_null);
    assert_int_equal(res.token_validate_sync, TC_EREENTRANT);
    assert_true(res.token_validate_sync_out_null);
    if (!res.msg_ok)
        fail_msg("%s", res.msg);
    /* The refused *_sync calls left nothing queued: otherwise their internal
     * completion would run after they returned. */
    if (res.pending_after != res.pending_before)
        fail_msg("refused loop/*_sync calls inside a callback changed tc_conduits_pending() "
                 "from %zu to %zu: they queued work that completes after they returned",
                 res.pending_before, res.pending_after);

    /* Submitting from inside a callback is allowed, and run() waited for it. */
    assert_int_equal(res.submit_status, TC_OK);
    assert_true(res.submit_id != 0);
    assert_int_equal(second.calls, 1);
    assert_int_equal(second.status, TC_ENETWORK);
    assert_int_equal(tc_conduits_pending(c), 0);
    /* Exactly two operations completed: ours and the one submitted inside. */
    assert_int_equal(tc_conduits_stat(c, TC_STAT_OPERATIONS), 2);

    tc_conduits_free(c);
    assert_int_equal(k.calls, 1);
    assert_int_equal(second.calls, 1);
    rec_clear(&k);
    rec_clear(&second);
}

/* tc_conduits_free() inside a callback: deferred until the callback returns;
 * the other operations then complete once with TC_ECANCELED, and no new
 * work is accepted (TC_ECLOSED). `use_run` picks the loop call driving it. */
static void free_in_callback(int use_run)
{
    blackhole b;
    tc_conduits *c;
    rec first, others[2], rejected[3];
    tc_request_options req = get_request("/eventsub/conduits");
    tc_op_id id = 0;
    int i;
    memset(&first, 0, sizeof first);
    memset(others, 0, sizeof others);
    memset(rejected, 0, sizeof rejected);

    blackhole_open(&b);
    c = new_blackhole_manager(&b, 0);

    first.c = c;
    first.do_free = 1;
    first.submit_after_free = 1;
    first.closed_status = 1;
    first.closed_rec = &rejected[0];
    for (i = 0; i < 2; i++) {
        others[i].c = c;
        others[i].submit_after_free = 1;
        others[i].closed_status = 1;
        others[i].closed_rec = &rejected[1 + i];
    }

    EXPECT_STATUS(tc_request(&id, c, &req, response_cb, &first), TC_OK);
    EXPECT_STATUS(tc_request(NULL, c, &req, response_cb, &others[0]), TC_OK);
    EXPECT_STATUS(tc_request(NULL, c, &req, response_cb, &others[1]), TC_OK);
    EXPECT_STATUS(tc_conduits_cancel(c, id), TC_OK);

    if (use_run) {
        /* c is freed inside; the return value is not examined. */
        (void)tc_conduits_run(c, LOOP_TIMEOUT_MS);
    } else {
        int ran = -5;
        EXPECT_STATUS(tc_conduits_wait(c, LOOP_TIMEOUT_MS), TC_OK);
        (void)tc_conduits_process(c, &ran);
    }
    /* c is gone now: not touched again. */

    /* The exactly-once contract, whatever each submission returned. */
    assert_int_equal(first.calls, 1);
    assert_int_equal(first.status, TC_ECANCELED);
    for (i = 0; i < 2; i++) {
        assert_int_equal(others[i].calls, 1);
        assert_int_equal(others[i].status, TC_ECANCELED);
        assert_true(others[i].resp_nonnull);
    }
    /* Work submitted in the callback that called tc_conduits_free(), before
     * it returned: the free has not begun yet ("deferred until the callback
     * returns"), so it may be refused (TC_ECLOSED, no callback) or accepted
     * and then cancelled by the free (one TC_ECANCELED callback). */
    if (first.closed_status == TC_OK) {
        assert_int_equal(rejected[0].calls, 1);
        assert_int_equal(rejected[0].status, TC_ECANCELED);
    } else {
        if (first.closed_status != TC_ECLOSED)
            fail_msg("tc_request after tc_conduits_free inside a callback returned %d (%s), "
                     "expected TC_ECLOSED or TC_OK",
                     first.closed_status, tc_strerror(first.closed_status));
        assert_int_equal(rejected[0].calls, 0);
    }
    /* Work submitted while the deferred free is completing the others: the
     * manager is being freed, so it is refused and its callback never runs. */
    for (i = 0; i < 2; i++) {
        if (others[i].closed_status != TC_ECLOSED)
            fail_msg("tc_request during a deferred free returned %d (%s), expected TC_ECLOSED",
                     others[i].closed_status, tc_strerror(others[i].closed_status));
        assert_int_equal(rejected[1 + i].calls, 0);
    }

    blackhole_close(&b);
    rec_clear(&first);
    for (i = 0; i < 2; i++)
        rec_clear(&others[i]);
    for (i = 0; i < 3; i++)
        rec_clear(&rejected[i]);
}

static void test_free_in_callback_process(void **state)
{
    (void)state;
    free_in_callback(0);
}

static void test_free_in_callback_run(void **state)
{
    (void)state;
    free_in_callback(1);
}

/* ======================================================================== */
/* Dispatch-thread mode                                                     */

static void test_dispatch_thread_busy(void **state)
{
    tc_conduits *c = new_refused_manager(TC_CONDUITS_F_DISPATCH_THREAD);
    rec k;
    tc_request_options req = get_request("/eventsub/conduits");
    int ran = -5;
    (void)state;
    memset(&k, 0, sizeof k);

    EXPECT_STATUS_ANYMSG(tc_conduits_wait(c, 0), TC_EBUSY);
    EXPECT_STATUS_ANYMSG(tc_conduits_wait(c, -1), TC_EBUSY); /* must not block */
    EXPECT_STATUS_ANYMSG(tc_conduits_process(c, &ran), TC_EBUSY);
    EXPECT_STATUS_ANYMSG(tc_conduits_process(c, NULL), TC_EBUSY);
    EXPECT_STATUS_ANYMSG(tc_conduits_poll(c, 0, &ran), TC_EBUSY);
    EXPECT_STATUS_ANYMSG(tc_conduits_poll(c, -1, NULL), TC_EBUSY);

    /* Work still completes, on the library's thread; run() only waits. */
    EXPECT_STATUS(tc_request(NULL, c, &req, response_cb, &k), TC_OK);
    EXPECT_STATUS(tc_conduits_run(c, LOOP_TIMEOUT_MS), TC_OK);
    assert_int_equal(rec_calls(&k), 1);
    pthread_mutex_lock(&rec_lock);
    assert_int_equal(k.status, TC_ENETWORK);
    assert_false(pthread_equal(k.thread, pthread_self()));
    pthread_mutex_unlock(&rec_lock);
    assert_int_equal(tc_conduits_pending(c), 0);
    tc_conduits_free(c);
    assert_int_equal(rec_calls(&k), 1);
    rec_clear(&k);
}

/* ======================================================================== */

/* Reserve a loopback port that refuses connections: bound, never listening. */
static int group_setup(void **state)
{
    struct sockaddr_in sa;
    socklen_t len = sizeof sa;
    (void)state;

    refused_fd = socket(AF_INET, SOCK_STREAM, 0);
    if (refused_fd < 0)
        return -1;
    memset(&sa, 0, sizeof sa);
    sa.sin_family = AF_INET;
    sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    sa.sin_port = 0;
    if (bind(refused_fd, (struct sockaddr *)&sa, sizeof sa) != 0 ||
        getsockname(refused_fd, (struct sockaddr *)&sa, &len) != 0)
        return -1;
    snprintf(refused_url, sizeof refused_url, "http://127.0.0.1:%u", (unsigned)ntohs(sa.sin_port));
    return 0;
}

static int group_teardown(void **state)
{
    (void)state;
    if (refused_fd >= 0)
        close(refused_fd);
    refused_fd = -1;
    return 0;
}

static int clear_context(void **state)
{
    (void)state;
    fail_context[0] = '\0';
    return 0;
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup(test_status_values_frozen, clear_context),
        cmocka_unit_test_setup(test_strerror_known, clear_context),
        cmocka_unit_test_setup(test_strerror_unknown, clear_context),
        cmocka_unit_test_setup(test_version, clear_context),
        cmocka_unit_test_setup(test_last_error_thread_local, clear_context),
        cmocka_unit_test_setup(test_free_null, clear_context),
        cmocka_unit_test_setup(test_response_accessors_null, clear_context),
        cmocka_unit_test_setup(test_response_status_null_message, clear_context),
        cmocka_unit_test_setup(test_token_accessors_null, clear_context),
        cmocka_unit_test_setup(test_manager_null_handle, clear_context),
        cmocka_unit_test_setup(test_options_init, clear_context),
        cmocka_unit_test_setup(test_new_null_args, clear_context),
        cmocka_unit_test_setup(test_new_bad_version, clear_context),
        cmocka_unit_test_setup(test_new_missing_credentials, clear_context),
        cmocka_unit_test_setup(test_new_bad_log_level, clear_context),
        cmocka_unit_test_setup(test_new_bad_base_urls, clear_context),
        cmocka_unit_test_setup(test_new_valid_needs_no_network, clear_context),
        cmocka_unit_test_setup(test_idle_loop, clear_context),
        cmocka_unit_test_setup(test_request_bad_input, clear_context),
        cmocka_unit_test_setup(test_request_sync_bad_input, clear_context),
        cmocka_unit_test_setup(test_token_bad_input, clear_context),
        cmocka_unit_test_setup(test_request_refused_run, clear_context),
        cmocka_unit_test_setup(test_request_refused_await, clear_context),
        cmocka_unit_test_setup(test_request_sync_refused, clear_context),
        cmocka_unit_test_setup(test_token_refused, clear_context),
        cmocka_unit_test_setup(test_token_no_credentials, clear_context),
        cmocka_unit_test_setup(test_token_given_in_options, clear_context),
        cmocka_unit_test_setup(test_fd_readiness, clear_context),
        cmocka_unit_test_setup(test_cancel_all_and_free_pending, clear_context),
        cmocka_unit_test_setup(test_reentrant_calls, clear_context),
        cmocka_unit_test_setup(test_free_in_callback_process, clear_context),
        cmocka_unit_test_setup(test_free_in_callback_run, clear_context),
        cmocka_unit_test_setup(test_dispatch_thread_busy, clear_context),
    };
    return cmocka_run_group_tests_name("api-badinput", tests, group_setup, group_teardown);
}
