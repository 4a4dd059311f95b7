/*
 * The Go binding's SWIG interface: the C API itself, with every operation
 * in the pull form of include/twitchconduits/completion.h. There is no
 * bridge: package twitchconduits submits each operation with an integer
 * token as its userdata, takes the completions with tc_conduits_next() and
 * routes them by that token (see pump.go).
 *
 * What the typemaps below do, and nothing more:
 *  - every completion callback parameter is NULL (the pull form), so it
 *    disappears from the Go signatures;
 *  - out-parameters (tc_op_id *id_out, TYPE **out) are Go slices of one
 *    element that the call fills;
 *  - optional strings: an empty Go string is NULL;
 *  - arrays of small structs (subscription specs, type names, headers,
 *    shard assignments, query parameters) are passed as one Go string of
 *    NUL-terminated fields (Go may not hand C memory that holds Go
 *    pointers), unpacked here into the C array for the duration of the call;
 *  - options structs are proxies made with their _init() defaults whose
 *    string fields are copied (and wiped when freed: some are secrets);
 *  - returned strings are copied by Go straight from the library's memory.
 *
 * Generate (see meson.build, test go-swig-regen):
 *   swig -go -cgo -intgosize 64 -I<repo>/include -I<build>/include \
 *        -outdir internal/tcswig -o internal/tcswig/twitchconduits_wrap.c twitchconduits.i
 */
%module tcswig

%{
#include <stdlib.h>
#include <stddef.h>
#include <string.h>
#include <twitchconduits.h>
#include <twitchconduits/completion.h>
%}

%include <stdint.i>

/* ---- opaque handles: proxies with no constructor or destructor ---- */
%define TC_OPAQUE(name)
%nodefaultctor name;
%nodefaultdtor name;
struct name {};
%enddef

TC_OPAQUE(tc_conduits)
TC_OPAQUE(tc_completion)
TC_OPAQUE(tc_token)
TC_OPAQUE(tc_response)
TC_OPAQUE(tc_conduit)
TC_OPAQUE(tc_conduit_list)
TC_OPAQUE(tc_shard)
TC_OPAQUE(tc_shard_list)
TC_OPAQUE(tc_shard_update_result)
TC_OPAQUE(tc_transport)
TC_OPAQUE(tc_subscription)
TC_OPAQUE(tc_subscription_list)
TC_OPAQUE(tc_subscription_batch)
TC_OPAQUE(tc_webhook_verifier)
TC_OPAQUE(tc_event)
TC_OPAQUE(tc_listener)
TC_OPAQUE(tc_event_type)
TC_OPAQUE(tc_user)

/* ---- the pull form: no completion callback crosses into Go ---- */
%typemap(in, numinputs=0) tc_response_cb, tc_done_cb, tc_token_cb, tc_conduit_cb, tc_conduit_list_cb,
                          tc_shard_cb, tc_shard_list_cb, tc_shard_update_cb, tc_subscription_batch_cb,
                          tc_subscription_page_cb "$1 = NULL;"

/* ---- out-parameters: a Go slice of one element receives the value ---- */
%typemap(gotype) tc_op_id *id_out "[]uint64"
%typemap(in) tc_op_id *id_out %{
  if ($input.len < 1) {
    _swig_gopanic("id_out: pass a slice of one element");
  }
  $1 = ($1_ltype)$input.array;
%}

%define TC_OUT_HANDLE(TYPE)
%typemap(gotype) TYPE **out "[]uintptr"
%typemap(in) TYPE **out %{
  if ($input.len < 1) {
    _swig_gopanic("out: pass a slice of one element");
  }
  $1 = ($1_ltype)$input.array;
%}
%enddef
TC_OUT_HANDLE(tc_conduits)
TC_OUT_HANDLE(tc_completion)
TC_OUT_HANDLE(tc_listener)
TC_OUT_HANDLE(tc_webhook_verifier)
TC_OUT_HANDLE(tc_event)
TC_OUT_HANDLE(tc_transport)
TC_OUT_HANDLE(const tc_event_type)
TC_OUT_HANDLE(tc_subscription_list)
TC_OUT_HANDLE(tc_conduit_list)
TC_OUT_HANDLE(tc_shard_list)

/* Length out-parameters of the accessors: the binding uses the text. */
%typemap(in, numinputs=0) size_t *len, size_t *len_out "$1 = NULL;"

/* Raw bodies may hold any byte: pass them with their length. */
%apply (char *STRING, size_t LENGTH) { (const char *body, size_t body_len) };

/* ---- returned text: borrowed from its object (or static), copied once, by Go ----
 * SWIG's default copies it in C first (malloc) and frees that copy with a
 * second cgo call. */
%fragment("CopyBorrowed", "go_runtime", fragment="CopyString") %{
func swigCopyBorrowed(s string) string {
  p := *(*swig_gostring)(unsafe.Pointer(&s))
  if p.n == 0 {
    return ""
  }
  return string((*[0x7fffffff]byte)(unsafe.Pointer(p.p))[:p.n])
}
%}
%typemap(out) const char * %{
  $result.p = (char *)$1;
  $result.n = $1 != NULL ? (intgo)strlen($1) : 0;
%}
%typemap(goout, fragment="CopyBorrowed") const char * %{ $result = swigCopyBorrowed($1) %}

/* ---- optional text arguments: "" is NULL ---- */
%typemap(in) const char *status_filter, const char *callback_url, const char *route_key,
             const char *last_callback, const char *last_secret, const char *conduit_id,
             const char *version, const char *condition_json
%{
  if ($input.n == 0) {
    $1 = NULL;
  } else {
    $1 = ($1_ltype)malloc($input.n + 1);
    if ($1 == NULL) {
      _swig_gopanic("out of memory");
    }
    memcpy((char *)$1, $input.p, $input.n);
    ((char *)$1)[$input.n] = '\0';
  }
%}
%typemap(freearg) const char *status_filter, const char *callback_url, const char *route_key,
             const char *last_callback, const char *last_secret, const char *conduit_id,
             const char *version, const char *condition_json
%{
  free((char *)$1);
%}

/* ---- arrays: one Go string of NUL-terminated fields ---- */
%{
/* The fields of a packed Go string, in one copy of it. */
typedef struct tcgo_fields {
    char *text;
    const char **at;
    size_t count;
} tcgo_fields;

/* Split p[0..n) at each NUL; a record is `arity` fields. 0 on success, -1 on
 * out of memory or a trailing partial record. */
static int tcgo_fields_split(tcgo_fields *f, const char *p, size_t n, size_t arity) {
    size_t i, k = 0;
    f->text = NULL;
    f->at = NULL;
    f->count = 0;
    for (i = 0; i < n; i++) f->count += p[i] == '\0';
    if (f->count % arity != 0 || (n > 0 && p[n - 1] != '\0')) return -1;
    if (f->count == 0) return 0;
    f->text = (char *)malloc(n);
    f->at = (const char **)calloc(f->count, sizeof *f->at);
    if (f->text == NULL || f->at == NULL) return -1;
    memcpy(f->text, p, n);
    f->at[k++] = f->text;
    for (i = 0; i + 1 < n; i++) {
        if (f->text[i] == '\0') f->at[k++] = f->text + i + 1;
    }
    return 0;
}

static void tcgo_fields_free(tcgo_fields *f) {
    free(f->text);
    free((void *)f->at);
}

/* "" is NULL for an optional field. */
static const char *tcgo_opt(const char *s) { return s != NULL && s[0] != '\0' ? s : NULL; }
%}

/* TYPE items[count] from records of ARITY fields; FILL sets items[i] from
 * the fields f.at[i * ARITY + j]. An unpackable string gives (NULL, 0),
 * which every function refuses with TC_EINVAL. */
%define TC_PACKED_ARRAY(TYPE, ITEMS, COUNT, ARITY, FILL)
%typemap(gotype) (TYPE ITEMS, size_t COUNT) "string"
%typemap(in) (TYPE ITEMS, size_t COUNT) (tcgo_fields f, void *block = NULL) %{
  $1 = NULL;
  $2 = 0;
  if (tcgo_fields_split(&f, $input.p, (size_t)$input.n, ARITY) == 0 && f.count > 0) {
    size_t n = f.count / ARITY, i;
    block = calloc(n, sizeof *$1);
    if (block != NULL) {
      $1 = ($1_ltype)block;
      $2 = n;
      for (i = 0; i < n; i++) {
        const char **at = f.at + i * ARITY;
        (void)at;
        FILL
      }
    }
  }
%}
%enddef

/* (type, version, condition JSON) */
TC_PACKED_ARRAY(const tc_subscription_spec *, specs, count, 3,
  ((tc_subscription_spec *)block)[i].type = at[0];
  ((tc_subscription_spec *)block)[i].version = at[1];
  ((tc_subscription_spec *)block)[i].condition_json = at[2];)
%typemap(freearg) (const tc_subscription_spec *specs, size_t count) %{
  free(block$argnum);
  tcgo_fields_free(&f$argnum);
%}

/* type names */
TC_PACKED_ARRAY(const char *const *, types, type_count, 1,
  ((const char **)block)[i] = at[0];)
%typemap(freearg) (const char *const *types, size_t type_count) %{
  free(block$argnum);
  tcgo_fields_free(&f$argnum);
%}

/* (name, value) */
TC_PACKED_ARRAY(const tc_header *, headers, header_count, 2,
  ((tc_header *)block)[i].name = at[0];
  ((tc_header *)block)[i].value = at[1];)
%typemap(freearg) (const tc_header *headers, size_t header_count) %{
  free(block$argnum);
  tcgo_fields_free(&f$argnum);
%}

/* (shard id, callback URL, secret, session id): a webhook when the session
 * id is "", else a websocket. A transport the library refuses stays NULL,
 * and tc_shard_update() refuses the assignment; the binding first builds
 * each transport with tc_transport_*_new() to report the reason. */
TC_PACKED_ARRAY(const tc_shard_assignment *, assignments, count, 4,
  tc_transport *t = NULL;
  if (at[3][0] != '\0') tc_transport_websocket_new(&t, at[3]);
  else tc_transport_webhook_new(&t, at[1], at[2]);
  ((tc_shard_assignment *)block)[i].shard_id = at[0];
  ((tc_shard_assignment *)block)[i].transport = t;)
%typemap(freearg) (const tc_shard_assignment *assignments, size_t count) %{
  {
    size_t i;
    for (i = 0; i < $2; i++) tc_transport_free((tc_transport *)((tc_shard_assignment *)block$argnum)[i].transport);
  }
  free(block$argnum);
  tcgo_fields_free(&f$argnum);
%}

/* ---- options structs: _init() defaults, copied strings ---- */
%{
/* Options strings may be secrets: wipe before freeing. */
static void tcgo_free_text(const char *s) {
    if (s != NULL) {
        volatile char *p = (volatile char *)s;
        while (*p != '\0') *p++ = '\0';
        free((char *)s);
    }
}

static char *tcgo_copy_text(const char *s) {
    size_t n;
    char *d;
    if (s == NULL || s[0] == '\0') return NULL;
    n = strlen(s) + 1;
    d = (char *)malloc(n);
    if (d != NULL) memcpy(d, s, n);
    return d;
}
%}
/* A string field keeps its own copy ("" = NULL); the old one is freed. */
%typemap(memberin) const char * %{
  tcgo_free_text($1);
  $1 = tcgo_copy_text($input);
%}

%define TC_OPTIONS(TYPE, INIT, VERSION, FREE_STRINGS)
%immutable TYPE::version;
%extend TYPE {
  TYPE() {
    TYPE *o = (TYPE *)calloc(1, sizeof(TYPE));
    if (o != NULL) INIT(o, VERSION);
    return o;
  }
  ~TYPE() {
    TYPE *o = $self;
    FREE_STRINGS
    free(o);
  }
}
%enddef

/* Function pointers and nested options are not set from Go. */
%ignore tc_conduits_options::log_cb;
%ignore tc_conduits_options::log_userdata;
%ignore tc_conduits_options::log_level;
%ignore tc_listener_options::event_cb;
%ignore tc_listener_options::reject_cb;
%ignore tc_listener_options::webhook;
%ignore tc_batch_options::progress;
%ignore tc_batch_options::progress_userdata;
%ignore tc_webhook_options::clock_cb;
%ignore tc_webhook_options::clock_userdata;

TC_OPTIONS(tc_conduits_options, tc_conduits_options_init, TC_CONDUITS_OPTIONS_VERSION,
  tcgo_free_text(o->client_id); tcgo_free_text(o->client_secret); tcgo_free_text(o->app_token);
  tcgo_free_text(o->callback_url); tcgo_free_text(o->api_base_url); tcgo_free_text(o->auth_base_url);
  tcgo_free_text(o->ca_file);)
TC_OPTIONS(tc_listener_options, tc_listener_options_init, TC_LISTENER_OPTIONS_VERSION,
  tcgo_free_text(o->bind_address); tcgo_free_text(o->path_prefix); tcgo_free_text(o->tls_cert_file);
  tcgo_free_text(o->tls_key_file);)
TC_OPTIONS(tc_batch_options, tc_batch_options_init, TC_BATCH_OPTIONS_VERSION, )
TC_OPTIONS(tc_webhook_options, tc_webhook_options_init, TC_WEBHOOK_OPTIONS_VERSION, )
TC_OPTIONS(tc_subscription_filter, tc_subscription_filter_init, TC_SUBSCRIPTION_FILTER_VERSION,
  tcgo_free_text(o->status); tcgo_free_text(o->type); tcgo_free_text(o->user_id);
  tcgo_free_text(o->subscription_id); tcgo_free_text(o->conduit_id);)
TC_OPTIONS(tc_view_query, tc_view_query_init, TC_VIEW_QUERY_VERSION,
  tcgo_free_text(o->conduit_id); tcgo_free_text(o->user_id); tcgo_free_text(o->type);
  tcgo_free_text(o->status);)

/* ---- what is not bound ---- */
/* Callback-form only, or not used by the Go API. */
%rename("$ignore", regextarget=1, fullname=1) "_dup$";
%rename("$ignore", regextarget=1, fullname=1) "_to_json$";
%rename("$ignore", regextarget=1, fullname=1) "_sync$";
%rename("%s") tc_conduits_sync; /* an operation: loads the synced view */
%rename("$ignore", regextarget=1, fullname=1) "_options_init$";
%rename("$ignore", regextarget=1, fullname=1) "^tc_runner";
%rename("$ignore", regextarget=1, fullname=1) "^tc_users";
%rename("$ignore", regextarget=1, fullname=1) "^tc_user_";
%rename("$ignore", regextarget=1, fullname=1) "^tc_metrics";
%ignore tc_version;
%ignore tc_free;
%ignore tc_conduits_wait;
%ignore tc_conduits_process;
%ignore tc_conduits_poll;
%ignore tc_conduits_run;
%ignore tc_conduits_await;
%ignore tc_conduits_fd;
%ignore tc_view_set_change_cb;
%ignore tc_subscription_filter_init;
%ignore tc_view_query_init;
%ignore tc_webhook_sign;
%ignore tc_event_disabled_shard;
%ignore tc_param;
%ignore tc_header;
%ignore tc_shard_assignment;
%ignore tc_subscription_spec;
%ignore tc_request;         /* tcgo_request below builds the options in C */
%ignore tc_request_options;

#define TC_API
%include <twitchconduits/version.h>
%include <twitchconduits/common.h>
%include <twitchconduits/conduits.h>
%include <twitchconduits/token.h>
%include <twitchconduits/request.h>
%include <twitchconduits/transport.h>
%include <twitchconduits/conduit.h>
%include <twitchconduits/shard.h>
%include <twitchconduits/subscription.h>
%include <twitchconduits/webhook.h>
%include <twitchconduits/listener.h>
%include <twitchconduits/catalogue.h>
%include <twitchconduits/completion.h>

/* ---- the pump's one call per completion ----
 * tc_conduits_next() plus what the pump routes by, so that taking a
 * completion is one cgo call instead of four: info[0] the completion
 * (0 when none came), [1] its userdata, [2] 1 when final, [3] its kind. */
%typemap(gotype) uint64_t *tcgo_info "[]uint64"
%typemap(in) uint64_t *tcgo_info %{
  if ($input.len < 4) {
    _swig_gopanic("info: pass a slice of four elements");
  }
  $1 = ($1_ltype)$input.array;
%}
%inline %{
static tc_status tcgo_next(tc_conduits *c, uint64_t *tcgo_info, int timeout_ms) {
    tc_completion *done = NULL;
    tc_status st = tc_conduits_next(c, &done, timeout_ms);
    tcgo_info[0] = (uint64_t)(uintptr_t)done;
    if (st != TC_OK || done == NULL) return st;
    tcgo_info[1] = (uint64_t)(uintptr_t)tc_completion_userdata(done);
    tcgo_info[2] = (uint64_t)tc_completion_is_final(done);
    tcgo_info[3] = (uint64_t)tc_completion_kind_get(done);
    return st;
}
%}

/* ---- a generic request: one cgo call to submit, one to read ----
 * Request() would otherwise build a tc_request_options field by field and
 * read the response accessor by accessor (about 20 cgo calls). */
%typemap(gotype) (const char *tcgo_body, size_t tcgo_body_len) "[]byte"
%typemap(in) (const char *tcgo_body, size_t tcgo_body_len) %{
  $1 = ($1_ltype)$input.array;
  $2 = (size_t)$input.len;
%}
%apply (char *STRING, size_t LENGTH) { (const char *tcgo_path, size_t tcgo_path_len) };
%apply (char *STRING, size_t LENGTH) { (const char *tcgo_query, size_t tcgo_query_len) };
%apply (char *STRING, size_t LENGTH) { (const char *tcgo_names, size_t tcgo_names_len) };
%typemap(gotype) (uint64_t *tcgo_resp, size_t tcgo_resp_len) "[]uint64"
%typemap(in) (uint64_t *tcgo_resp, size_t tcgo_resp_len) %{
  $1 = ($1_ltype)$input.array;
  $2 = (size_t)$input.len;
%}
%typemap(gotype) (char *tcgo_buf, size_t tcgo_buf_len) "[]byte"
%typemap(in) (char *tcgo_buf, size_t tcgo_buf_len) %{
  $1 = ($1_ltype)$input.array;
  $2 = (size_t)$input.len;
%}
%inline %{
/* tc_request() in the pull form with its options made here: the path
 * (given without its NUL), the body (any bytes; empty for none) and the
 * query as packed (name, value) records. TC_EINVAL for a malformed query. */
static tc_status tcgo_request(tc_op_id *id_out, tc_conduits *c, tc_method method,
                              const char *tcgo_path, size_t tcgo_path_len,
                              const char *tcgo_query, size_t tcgo_query_len,
                              const char *tcgo_body, size_t tcgo_body_len, void *userdata) {
    char small[256];
    char *path = tcgo_path_len < sizeof small ? small : (char *)malloc(tcgo_path_len + 1);
    tc_param *params = NULL;
    tcgo_fields f;
    tc_request_options req;
    tc_status st;
    size_t i, n;
    if (path == NULL) return TC_ENOMEM;
    memcpy(path, tcgo_path, tcgo_path_len);
    path[tcgo_path_len] = '\0';
    if (tcgo_fields_split(&f, tcgo_query, tcgo_query_len, 2) != 0) {
        st = TC_EINVAL;
        goto out;
    }
    n = f.count / 2;
    if (n > 0 && (params = (tc_param *)calloc(n, sizeof *params)) == NULL) {
        st = TC_ENOMEM;
        goto out;
    }
    for (i = 0; i < n; i++) {
        params[i].name = f.at[2 * i];
        params[i].value = f.at[2 * i + 1];
    }
    tc_request_options_init(&req, TC_REQUEST_OPTIONS_VERSION);
    req.method = method;
    req.path = path;
    req.query = params;
    req.query_count = n;
    if (tcgo_body_len > 0) {
        req.body = tcgo_body;
        req.body_len = tcgo_body_len;
    }
    st = tc_request(id_out, c, &req, NULL, userdata); /* copies everything */
out:
    free(params);
    tcgo_fields_free(&f);
    if (path != small) free(path);
    return st;
}

/* A request's final completion read in one call. tcgo_resp: [0] the
 * completion's status, [1] the HTTP status, [2] attempts, [3] elapsed
 * microseconds, then the length of each text copied into tcgo_buf one after
 * the other: [4] the message, [5] the body, [6 + i] the value of the i-th
 * header of the packed names (UINT64_MAX when absent). Returns the bytes
 * the texts need: when that is more than the buffer holds, only the numbers
 * are set (call again with a larger buffer); -1 when there is no response.
 * On success (status TC_OK, the texts copied) the completion is freed. */
static int64_t tcgo_response_read(tc_completion *done, uint64_t *tcgo_resp, size_t tcgo_resp_len,
                                  const char *tcgo_names, size_t tcgo_names_len,
                                  char *tcgo_buf, size_t tcgo_buf_len) {
    const tc_response *r = tc_completion_response(done);
    const char *text[2 + 8];
    size_t len[2 + 8], count = 2, need = 0, at = 0, i;
    const char *name = tcgo_names, *end = tcgo_names + tcgo_names_len;
    if (r == NULL || tcgo_resp_len < 6) return -1;
    tcgo_resp[0] = (uint64_t)tc_completion_status(done);
    tcgo_resp[1] = (uint64_t)(int64_t)tc_response_http_status(r);
    tcgo_resp[2] = (uint64_t)(int64_t)tc_response_attempts(r);
    tcgo_resp[3] = (uint64_t)(tc_response_elapsed_ms(r) * 1000.0);
    text[0] = tc_response_message(r);
    len[0] = text[0] != NULL ? strlen(text[0]) : 0;
    text[1] = tc_response_body(r, &len[1]);
    while (name < end && count < 2 + 8 && count + 4 < tcgo_resp_len) {
        text[count] = tc_response_header(r, name);
        len[count] = text[count] != NULL ? strlen(text[count]) : 0;
        count++;
        name += strlen(name) + 1; /* packed: each name ends with a NUL */
    }
    for (i = 0; i < count; i++) need += len[i];
    for (i = 0; i < count; i++) tcgo_resp[4 + i] = text[i] != NULL ? (uint64_t)len[i] : UINT64_MAX;
    if (need > tcgo_buf_len) return (int64_t)need;
    for (i = 0; i < count; i++) {
        if (len[i] > 0) memcpy(tcgo_buf + at, text[i], len[i]);
        at += len[i];
    }
    if (tcgo_resp[0] == TC_OK) tc_completion_free(done);
    return (int64_t)need;
}
%}
