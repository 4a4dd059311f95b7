/*
 * The Ruby extension: the C API itself, as SWIG sees it, in its pull form
 * (include/twitchconduits/completion.h). Nothing here queues, converts
 * results or keeps state: every operation is submitted with a NULL callback
 * and an integer token as userdata, and the Ruby layer
 * (lib/twitchconduits/client.rb) takes the completions with tc_conduits_next()
 * and builds its objects with the C accessors.
 *
 * What the typemaps below do, so that a C function binds without a line of
 * its own:
 *   - every completion-callback parameter is NULL (pull form), and `void
 *     *userdata` is an Integer (the token that comes back in
 *     tc_completion_userdata());
 *   - `tc_op_id *id_out`, `TYPE **out` and `char **out` are results: the call
 *     returns [status, id] / [status, handle] / [status, string];
 *   - options structs are Ruby Hashes keyed by field name (the C _init gives
 *     every field left out its default); arrays of specs, assignments,
 *     headers and names are Ruby Arrays.
 * Only a few functions are added (with the GVL released while they block or
 * join threads): rbtc_take, rbtc_response, rbtc_conduits_free,
 * rbtc_listener_free.
 */
%module "twitchconduits_native"

/* SWIG-Ruby capitalizes the opaque handles' class names: expected. */
#pragma SWIG nowarn=801

%begin %{
#ifndef _GNU_SOURCE
#define _GNU_SOURCE 1
#endif
%}

%{
#include <ruby/thread.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <twitchconduits.h>
#include <twitchconduits/completion.h>
%}

%include <stdint.i>
%include <typemaps.i>

/* ---- opaque handles: proxies with no constructor or destructor ---- */
%{
/* A handle's C pointer from its proxy. On every call's path, so the proxy's
 * class is compared and its pointer read directly, instead of
 * SWIG_ConvertPtr's lookup of the "@__swigtype__" instance variable and
 * type-name compare; anything else (another type: a TypeError) still goes
 * through SWIG_ConvertPtr. nil is NULL (every C function checks). */
static int rbtc_unwrap(VALUE v, swig_type_info *ty, void **out) {
    if (NIL_P(v)) {
        *out = NULL;
        return SWIG_OK;
    }
    if (ty->clientdata != NULL && RB_TYPE_P(v, T_DATA) && !RTYPEDDATA_P(v) &&
        RBASIC_CLASS(v) == ((swig_class *)ty->clientdata)->klass) {
        *out = DATA_PTR(v);
        return SWIG_OK;
    }
    return SWIG_ConvertPtr(v, out, ty, 0);
}
%}
%define TC_OPAQUE(name)
%nodefaultctor name;
%nodefaultdtor name;
struct name {};
%typemap(in) name *, const name * {
  void *ptr = NULL;
  int res = rbtc_unwrap($input, $descriptor(name *), &ptr);
  if (!SWIG_IsOK(res)) {
    SWIG_exception_fail(SWIG_ArgError(res), Ruby_Format_TypeError("", "$type", "$symname", $argnum, $input));
  }
  $1 = ($ltype)ptr;
}
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
TC_OPAQUE(tc_users)
TC_OPAQUE(tc_user)
TC_OPAQUE(tc_user_id_list)
TC_OPAQUE(tc_webhook_verifier)
TC_OPAQUE(tc_event)
TC_OPAQUE(tc_listener)
TC_OPAQUE(tc_event_type)

/* ---- text ---- */
/* UTF-8 Strings (SWIG's default is ASCII-8BIT); NULL is nil. */
%typemap(out) const char *, char * "$result = $1 ? rb_utf8_str_new_cstr($1) : Qnil;";
/* Accessors with a length out-parameter: the text with its length (bodies
 * may hold NUL bytes). */
%typemap(in, numinputs=0) size_t *len (size_t len_tmp = 0) "$1 = &len_tmp;";
%typemap(argout) size_t *len "$result = result ? rb_utf8_str_new(result, (long)len_tmp$argnum) : Qnil;";
%apply size_t *len { size_t *len_out };
%typemap(out) const char *tc_response_body, const char *tc_event_response_body, const char *tc_event_event_json,
    const char *tc_event_subscription_json, const char *tc_event_challenge "";
/* Raw bodies: any bytes, with their length. */
%apply (char *STRING, size_t LENGTH) { (const char *body, size_t body_len) };

/* ---- the pull form ---- */
/* Every completion callback is NULL: the operation completes into the
 * manager's queue. */
%typemap(in, numinputs=0) tc_conduit_cb, tc_conduit_list_cb, tc_response_cb, tc_token_cb, tc_user_cb,
    tc_shard_cb, tc_shard_list_cb, tc_shard_update_cb, tc_subscription_batch_cb, tc_subscription_page_cb,
    tc_done_cb "$1 = NULL;";
/* The token that routes the completion back (an Integer). */
%typemap(in) void *userdata "$1 = (void *)(uintptr_t)NUM2ULL($input);";
%typemap(out) void *tc_completion_userdata "$result = ULL2NUM((unsigned long long)(uintptr_t)$1);";
%apply size_t *OUTPUT { size_t *done_items, size_t *total_items };

/* ---- results through out-parameters: appended to the returned status ---- */
%typemap(in, numinputs=0) tc_op_id *id_out (tc_op_id id_tmp = 0) "$1 = &id_tmp;";
%typemap(argout) tc_op_id *id_out "$result = SWIG_Ruby_AppendOutput($result, ULL2NUM(id_tmp$argnum));";
/* A handle (nil when none); lists and snapshots are the caller's to free. */
%define RBTC_OUT_HANDLE(NAME)
%typemap(in, numinputs=0) SWIGTYPE **NAME (void *out_tmp = NULL) "$1 = ($1_ltype)&out_tmp;";
%typemap(argout) SWIGTYPE **NAME
    "$result = SWIG_Ruby_AppendOutput($result, out_tmp$argnum ? SWIG_NewPointerObj((void *)out_tmp$argnum, $*1_descriptor, 0) : Qnil);";
%enddef
RBTC_OUT_HANDLE(out)
RBTC_OUT_HANDLE(removed_out)
RBTC_OUT_HANDLE(old_out)
/* Text the library allocates: copied into a String, then tc_free()d. */
%typemap(in, numinputs=0) char **out (char *str_tmp = NULL) "$1 = &str_tmp;";
%typemap(argout) char **out %{
  $result = SWIG_Ruby_AppendOutput($result, str_tmp$argnum ? rb_utf8_str_new_cstr(str_tmp$argnum) : Qnil);
  tc_free(str_tmp$argnum);
%}
%apply char **out { char **out_header_value };

/* ---- Ruby values to C arguments ---- */
%{
/* Raises TypeError unless v is a String without NUL bytes. */
static const char *rbtc_cstr(VALUE v) {
    return StringValueCStr(v);
}

/* An Array (nil: none) of `width`-element Arrays, as `n` rows. */
static long rbtc_rows(VALUE rows, int width, const char *what) {
    long n, i;
    if (NIL_P(rows)) return 0;
    Check_Type(rows, T_ARRAY);
    n = RARRAY_LEN(rows);
    for (i = 0; i < n; i++) {
        VALUE row = RARRAY_AREF(rows, i);
        if (!RB_TYPE_P(row, T_ARRAY) || RARRAY_LEN(row) != width)
            rb_raise(rb_eTypeError, "%s[%ld] must be an Array of %d elements", what, i, width);
    }
    return n;
}

/* Options structs from Hashes: each field the Hash names (a Symbol or a
 * String key) is set; nil values and fields left out keep the defaults the
 * struct's _init gave them. An unknown key raises ArgumentError. Two field
 * kinds take two members: BYTES (a String of any bytes: pointer, length)
 * and PARAMS (an Array of [name, value]: tc_param array, count). */
typedef enum {
    RBTC_STR, RBTC_INT, RBTC_UINT, RBTC_LONG, RBTC_SIZE, RBTC_U64, RBTC_TOKEN, RBTC_BYTES, RBTC_PARAMS
} rbtc_field_type;
typedef struct {
    const char *name;
    rbtc_field_type type;
    size_t offset;
    size_t offset2; /* BYTES, PARAMS: the length / count member */
} rbtc_field;
#define RBTC_FIELD(T, f, type) { #f, type, offsetof(T, f), 0 }
#define RBTC_FIELD2(T, f, f2, type) { #f, type, offsetof(T, f), offsetof(T, f2) }

struct rbtc_fill {
    char *base;
    const rbtc_field *fields;
    size_t count;
    const char *what;
    VALUE keep; /* memory the struct points into (a PARAMS array) */
};

static void rbtc_fill_params(struct rbtc_fill *f, const rbtc_field *d, VALUE rows) {
    long i, n = rbtc_rows(rows, 2, d->name);
    tc_param *params;
    f->keep = rb_str_buf_new((long)sizeof(tc_param) * (n > 0 ? n : 1));
    params = (tc_param *)RSTRING_PTR(f->keep);
    for (i = 0; i < n; i++) {
        VALUE row = RARRAY_AREF(rows, i);
        params[i].name = rbtc_cstr(RARRAY_AREF(row, 0));
        params[i].value = rbtc_cstr(RARRAY_AREF(row, 1));
    }
    *(const tc_param **)(f->base + d->offset) = n > 0 ? params : NULL;
    *(size_t *)(f->base + d->offset2) = (size_t)n;
}

static int rbtc_fill_one(VALUE key, VALUE value, VALUE arg) {
    struct rbtc_fill *f = (struct rbtc_fill *)arg;
    const char *name = SYMBOL_P(key) ? rb_id2name(SYM2ID(key)) : StringValueCStr(key);
    size_t i;
    for (i = 0; i < f->count; i++) {
        const rbtc_field *d = &f->fields[i];
        char *p = f->base + d->offset;
        if (strcmp(d->name, name) != 0) continue;
        if (NIL_P(value)) return ST_CONTINUE;
        switch (d->type) {
        case RBTC_STR: *(const char **)p = rbtc_cstr(value); break;
        case RBTC_INT: *(int *)p = NUM2INT(value); break;
        case RBTC_UINT: *(unsigned int *)p = NUM2UINT(value); break;
        case RBTC_LONG: *(long *)p = NUM2LONG(value); break;
        case RBTC_SIZE: *(size_t *)p = NUM2SIZET(value); break;
        case RBTC_U64: *(uint64_t *)p = (uint64_t)NUM2ULL(value); break;
        case RBTC_TOKEN: *(void **)p = (void *)(uintptr_t)NUM2ULL(value); break;
        case RBTC_BYTES:
            StringValue(value);
            *(const char **)p = RSTRING_PTR(value);
            *(size_t *)(f->base + d->offset2) = (size_t)RSTRING_LEN(value);
            break;
        case RBTC_PARAMS: rbtc_fill_params(f, d, value); break;
        }
        return ST_CONTINUE;
    }
    rb_raise(rb_eArgError, "unknown %s field: %s", f->what, name);
    return ST_STOP;
}

/* Returns what must stay referenced while the struct is used. */
static VALUE rbtc_fill(void *opts, const rbtc_field *fields, size_t count, VALUE hash, const char *what) {
    struct rbtc_fill f;
    if (NIL_P(hash)) return Qnil;
    Check_Type(hash, T_HASH);
    f.base = (char *)opts;
    f.fields = fields;
    f.count = count;
    f.what = what;
    f.keep = Qnil;
    rb_hash_foreach(hash, rbtc_fill_one, (VALUE)&f);
    return f.keep;
}

static const rbtc_field rbtc_conduits_fields[] = {
    RBTC_FIELD(tc_conduits_options, client_id, RBTC_STR),
    RBTC_FIELD(tc_conduits_options, client_secret, RBTC_STR),
    RBTC_FIELD(tc_conduits_options, app_token, RBTC_STR),
    RBTC_FIELD(tc_conduits_options, callback_url, RBTC_STR),
    RBTC_FIELD(tc_conduits_options, api_base_url, RBTC_STR),
    RBTC_FIELD(tc_conduits_options, auth_base_url, RBTC_STR),
    RBTC_FIELD(tc_conduits_options, ca_file, RBTC_STR),
    RBTC_FIELD(tc_conduits_options, connect_timeout_ms, RBTC_LONG),
    RBTC_FIELD(tc_conduits_options, request_timeout_ms, RBTC_LONG),
    RBTC_FIELD(tc_conduits_options, max_attempts, RBTC_INT),
    RBTC_FIELD(tc_conduits_options, backoff_base_ms, RBTC_LONG),
    RBTC_FIELD(tc_conduits_options, backoff_max_ms, RBTC_LONG),
    RBTC_FIELD(tc_conduits_options, ratelimit_max_wait_ms, RBTC_LONG),
    RBTC_FIELD(tc_conduits_options, max_concurrency, RBTC_INT),
    RBTC_FIELD(tc_conduits_options, max_response_bytes, RBTC_SIZE),
    RBTC_FIELD(tc_conduits_options, token_refresh_margin_s, RBTC_LONG),
    RBTC_FIELD(tc_conduits_options, flags, RBTC_UINT),
    RBTC_FIELD(tc_conduits_options, random_seed, RBTC_U64),
    RBTC_FIELD(tc_conduits_options, token_validate_interval_s, RBTC_LONG),
    RBTC_FIELD(tc_conduits_options, request_deadline_ms, RBTC_LONG),
    RBTC_FIELD(tc_conduits_options, max_list_pages, RBTC_LONG),
};

static const rbtc_field rbtc_request_fields[] = {
    RBTC_FIELD(tc_request_options, method, RBTC_INT),
    RBTC_FIELD(tc_request_options, path, RBTC_STR),
    RBTC_FIELD2(tc_request_options, query, query_count, RBTC_PARAMS),
    RBTC_FIELD2(tc_request_options, body, body_len, RBTC_BYTES),
    RBTC_FIELD(tc_request_options, flags, RBTC_UINT),
    RBTC_FIELD(tc_request_options, timeout_ms, RBTC_LONG),
    RBTC_FIELD(tc_request_options, max_attempts, RBTC_INT),
    RBTC_FIELD(tc_request_options, deadline_ms, RBTC_LONG),
};

static const rbtc_field rbtc_batch_fields[] = {
    RBTC_FIELD(tc_batch_options, concurrency, RBTC_INT),
    RBTC_FIELD(tc_batch_options, progress_every, RBTC_SIZE),
};

static const rbtc_field rbtc_filter_fields[] = {
    RBTC_FIELD(tc_subscription_filter, status, RBTC_STR),
    RBTC_FIELD(tc_subscription_filter, type, RBTC_STR),
    RBTC_FIELD(tc_subscription_filter, user_id, RBTC_STR),
    RBTC_FIELD(tc_subscription_filter, subscription_id, RBTC_STR),
    RBTC_FIELD(tc_subscription_filter, conduit_id, RBTC_STR),
};

static const rbtc_field rbtc_query_fields[] = {
    RBTC_FIELD(tc_view_query, conduit_id, RBTC_STR),
    RBTC_FIELD(tc_view_query, user_id, RBTC_STR),
    RBTC_FIELD(tc_view_query, type, RBTC_STR),
    RBTC_FIELD(tc_view_query, status, RBTC_STR),
};

static const rbtc_field rbtc_listener_fields[] = {
    RBTC_FIELD(tc_listener_options, bind_address, RBTC_STR),
    RBTC_FIELD(tc_listener_options, port, RBTC_INT),
    RBTC_FIELD(tc_listener_options, path_prefix, RBTC_STR),
    RBTC_FIELD(tc_listener_options, max_body_bytes, RBTC_SIZE),
    RBTC_FIELD(tc_listener_options, timeout_s, RBTC_UINT),
    RBTC_FIELD(tc_listener_options, max_connections, RBTC_UINT),
    RBTC_FIELD(tc_listener_options, event_userdata, RBTC_TOKEN),
    RBTC_FIELD(tc_listener_options, reject_userdata, RBTC_TOKEN),
    RBTC_FIELD(tc_listener_options, tls_cert_file, RBTC_STR),
    RBTC_FIELD(tc_listener_options, tls_key_file, RBTC_STR),
    RBTC_FIELD(tc_listener_options, max_connections_per_ip, RBTC_UINT),
    RBTC_FIELD(tc_listener_options, head_timeout_s, RBTC_UINT),
    RBTC_FIELD(tc_listener_options, request_timeout_s, RBTC_UINT),
    RBTC_FIELD(tc_listener_options, max_queued_events, RBTC_SIZE),
    RBTC_FIELD(tc_listener_options, max_queued_rejects, RBTC_SIZE),
};

static const rbtc_field rbtc_webhook_fields[] = {
    RBTC_FIELD(tc_webhook_options, max_age_s, RBTC_LONG),
    RBTC_FIELD(tc_webhook_options, max_future_s, RBTC_LONG),
    RBTC_FIELD(tc_webhook_options, dedupe_capacity, RBTC_SIZE),
    RBTC_FIELD(tc_webhook_options, dedupe_ttl_s, RBTC_LONG),
    RBTC_FIELD(tc_webhook_options, max_body_bytes, RBTC_SIZE),
};
%}

/* The options each operation takes: a Hash (nil: the defaults, where the C
 * API accepts NULL). The struct lives on the wrapper's stack; the Strings it
 * points into stay referenced by the Hash for the call. */
%define RBTC_OPTIONS(TYPE, NAME, INIT, VERSION, FIELDS, NULLABLE)
%typemap(in) const TYPE *NAME (TYPE opts_tmp, volatile VALUE keep = Qnil) %{
  if (NULLABLE && NIL_P($input)) {
    $1 = NULL;
  } else {
    if (INIT(&opts_tmp, VERSION) != TC_OK) rb_raise(rb_eRuntimeError, "%s", tc_last_error_message());
    keep = rbtc_fill(&opts_tmp, FIELDS, sizeof(FIELDS) / sizeof(FIELDS[0]), $input, #TYPE);
    (void)keep;
    $1 = &opts_tmp;
  }
%}
%enddef

RBTC_OPTIONS(tc_conduits_options, opts, tc_conduits_options_init, TC_CONDUITS_OPTIONS_VERSION, rbtc_conduits_fields, 0)
RBTC_OPTIONS(tc_batch_options, opts, tc_batch_options_init, TC_BATCH_OPTIONS_VERSION, rbtc_batch_fields, 1)
RBTC_OPTIONS(tc_subscription_filter, filter, tc_subscription_filter_init, TC_SUBSCRIPTION_FILTER_VERSION, rbtc_filter_fields, 1)
RBTC_OPTIONS(tc_view_query, query, tc_view_query_init, TC_VIEW_QUERY_VERSION, rbtc_query_fields, 1)
RBTC_OPTIONS(tc_listener_options, opts, tc_listener_options_init, TC_LISTENER_OPTIONS_VERSION, rbtc_listener_fields, 0)
RBTC_OPTIONS(tc_webhook_options, opts, tc_webhook_options_init, TC_WEBHOOK_OPTIONS_VERSION, rbtc_webhook_fields, 1)

/* tc_request's options: the same, with `body` a String (any bytes) and
 * `query` an Array of [name, value]. */
RBTC_OPTIONS(tc_request_options, req, tc_request_options_init, TC_REQUEST_OPTIONS_VERSION, rbtc_request_fields, 0)

/* Subscription specs: an Array of [type, version, condition_json]. */
%typemap(in) (const tc_subscription_spec *specs, size_t count) (volatile VALUE buf = Qnil) %{
  {
    long i, n = rbtc_rows($input, 3, "specs");
    tc_subscription_spec *specs;
    buf = rb_str_buf_new((long)sizeof(tc_subscription_spec) * (n > 0 ? n : 1));
    specs = (tc_subscription_spec *)RSTRING_PTR(buf);
    for (i = 0; i < n; i++) {
      VALUE row = RARRAY_AREF($input, i);
      specs[i].type = rbtc_cstr(RARRAY_AREF(row, 0));
      specs[i].version = rbtc_cstr(RARRAY_AREF(row, 1));
      specs[i].condition_json = rbtc_cstr(RARRAY_AREF(row, 2));
    }
    $1 = n > 0 ? specs : NULL;
    $2 = (size_t)n;
  }
%}

/* Shard assignments: an Array of [shard_id, tc_transport]. */
%typemap(in) (const tc_shard_assignment *assignments, size_t count) (volatile VALUE buf = Qnil) %{
  {
    long i, n = rbtc_rows($input, 2, "assignments");
    tc_shard_assignment *a;
    buf = rb_str_buf_new((long)sizeof(tc_shard_assignment) * (n > 0 ? n : 1));
    a = (tc_shard_assignment *)RSTRING_PTR(buf);
    for (i = 0; i < n; i++) {
      VALUE row = RARRAY_AREF($input, i);
      void *t = NULL;
      a[i].shard_id = rbtc_cstr(RARRAY_AREF(row, 0));
      if (!SWIG_IsOK(SWIG_ConvertPtr(RARRAY_AREF(row, 1), &t, SWIGTYPE_p_tc_transport, 0)))
        rb_raise(rb_eTypeError, "assignments[%ld]: not a transport", i);
      a[i].transport = (const tc_transport *)t;
    }
    $1 = n > 0 ? a : NULL;
    $2 = (size_t)n;
  }
%}

/* Request headers: an Array of [name, value]. */
%typemap(in) (const tc_header *headers, size_t header_count) (volatile VALUE buf = Qnil) %{
  {
    long i, n = rbtc_rows($input, 2, "headers");
    tc_header *h;
    buf = rb_str_buf_new((long)sizeof(tc_header) * (n > 0 ? n : 1));
    h = (tc_header *)RSTRING_PTR(buf);
    for (i = 0; i < n; i++) {
      VALUE row = RARRAY_AREF($input, i);
      h[i].name = rbtc_cstr(RARRAY_AREF(row, 0));
      h[i].value = rbtc_cstr(RARRAY_AREF(row, 1));
    }
    $1 = n > 0 ? h : NULL;
    $2 = (size_t)n;
  }
%}

/* Lists of names: an Array of Strings (nil: none). */
%typemap(in) (const char *const *types, size_t type_count) (volatile VALUE buf = Qnil) %{
  {
    long i, n;
    const char **names;
    if (NIL_P($input)) {
      n = 0;
    } else {
      Check_Type($input, T_ARRAY);
      n = RARRAY_LEN($input);
    }
    buf = rb_str_buf_new((long)sizeof(char *) * (n > 0 ? n : 1));
    names = (const char **)RSTRING_PTR(buf);
    for (i = 0; i < n; i++) names[i] = rbtc_cstr(RARRAY_AREF($input, i));
    $1 = ($1_ltype)(n > 0 ? names : NULL);
    $2 = (size_t)n;
  }
%}
%apply (const char *const *types, size_t type_count) { (const char *const *subscription_ids, size_t subscription_count) };

/* ---- not bound ---- */
/* Copies and JSON: Ruby builds its objects from the accessors. */
%rename("$ignore", regextarget=1, fullname=1) "_dup$";
%rename("$ignore", regextarget=1, fullname=1) "_to_json$";
/* Blocking forms and the callback form's loop: they would hold the GVL
 * while running the loop; Ruby waits with rbtc_take instead.
 * (tc_conduits_sync is not one: it is the view's asynchronous load.) */
%ignore tc_request_sync;
%ignore tc_token_get_sync;
%ignore tc_token_validate_sync;
%ignore tc_users_refresh_sync;
%rename("$ignore", regextarget=1, fullname=1) "_init$";
%ignore tc_conduits_wait;
%ignore tc_conduits_process;
%ignore tc_conduits_poll;
%ignore tc_conduits_run;
%ignore tc_conduits_await;
%ignore tc_conduits_next;       /* rbtc_take */
%ignore tc_conduits_free;       /* rbtc_conduits_free */
%ignore tc_listener_free;       /* rbtc_listener_free */
%ignore tc_view_set_change_cb;  /* tc_view_pull_changes */
%ignore tc_free;                /* the typemaps free what they convert */
/* Structs and callback types: given as Hashes / NULL by the typemaps above. */
%ignore tc_conduits_options;
%ignore tc_request_options;
%ignore tc_batch_options;
%ignore tc_subscription_filter;
%ignore tc_view_query;
%ignore tc_listener_options;
%ignore tc_webhook_options;
%ignore tc_param;
%ignore tc_header;
%ignore tc_shard_assignment;
%ignore tc_subscription_spec;
/* The full user record is not bound yet (a Hash typemap away). */
%ignore tc_user_record;
%ignore tc_users_add_record;
%ignore tc_users_replace;

/* ---- waiting and freeing without the GVL ---- */
%{
struct rbtc_next_args {
    tc_conduits *c;
    tc_completion *done;
    int timeout_ms;
};

static void *rbtc_next_nogvl(void *p) {
    struct rbtc_next_args *a = (struct rbtc_next_args *)p;
    tc_conduits_next(a->c, &a->done, a->timeout_ms);
    return NULL;
}

static void rbtc_next_ubf(void *p) {
    tc_conduits_wakeup(((struct rbtc_next_args *)p)->c);
}

static void *rbtc_conduits_free_nogvl(void *p) {
    tc_conduits_free((tc_conduits *)p);
    return NULL;
}

static void *rbtc_listener_free_nogvl(void *p) {
    tc_listener_free((tc_listener *)p);
    return NULL;
}
%}

%{
/* A completion's proxy, made the way the typemaps above read it (its class
 * and pointer) without SWIG_NewPointerObj's per-object type-name String:
 * one is made for every completion. */
static VALUE rbtc_wrap_completion(tc_completion *done) {
    return Data_Wrap_Struct(((swig_class *)SWIGTYPE_p_tc_completion->clientdata)->klass, 0, 0, done);
}
%}

%{
/* The next completion: one already queued is taken with the GVL held; only
 * when none is does it wait (up to timeout_ms; 0: just look), with the GVL
 * released, and on threads other than the main one Thread#raise wakes it
 * (the unblocking function is tc_conduits_wakeup). NULL when none came, or
 * when an interrupt is pending (the wait is then not entered). It never
 * raises. */
static tc_completion *rbtc_next(tc_conduits *c, int timeout_ms) {
    struct rbtc_next_args a;
    a.c = c;
    a.done = NULL;
    a.timeout_ms = timeout_ms;
    tc_conduits_next(c, &a.done, 0);
    if (a.done == NULL && timeout_ms != 0) {
        if (rb_thread_current() == rb_thread_main()) {
            /* No unblocking function on the main thread: when it is the
             * only thread, Ruby 3.1 would start (and join) a helper thread
             * for every wait to call it, which costs a thread per wait and
             * was seen to hang. Its waits are bounded slices instead
             * (Client::SLICE), so a signal or Thread#raise is seen when the
             * slice ends. */
            rb_thread_call_without_gvl2(rbtc_next_nogvl, &a, NULL, NULL);
        } else {
            rb_thread_call_without_gvl2(rbtc_next_nogvl, &a, rbtc_next_ubf, &a);
        }
    }
    return a.done;
}

VALUE rbtc_response(const tc_completion *done, VALUE klass);

/* Appends a taken completion to `taken` as rbtc_take returns them. A
 * successful request's completion is its Response already (a `klass`; the
 * completion is freed here): the most common completion then needs no
 * proxy, no conversion call and no free call from Ruby. */
static void rbtc_push_taken(VALUE taken, tc_completion *done, VALUE klass) {
    tc_completion_kind kind = tc_completion_kind_get(done);
    tc_status status = tc_completion_status(done);
    unsigned long long token = (unsigned long long)(uintptr_t)tc_completion_userdata(done);
    VALUE item;
    if (kind == TC_COMPLETION_RESPONSE && status == TC_OK && !NIL_P(klass) &&
        !NIL_P(item = rbtc_response(done, klass))) {
        tc_completion_free(done);
    } else {
        item = rbtc_wrap_completion(done);
    }
    rb_ary_push(taken, item);
    rb_ary_push(taken, ULL2NUM(token));
    rb_ary_push(taken, INT2NUM((int)kind));
    rb_ary_push(taken, INT2NUM((int)status));
}

/* A request's options from its arguments, without a Hash: method (an
 * Integer), path (a String), query (nil or an Array of [name, value]
 * Strings), body (nil or a String of any bytes). `keep` receives the
 * buffer the query points into. */
static void rbtc_request_options(tc_request_options *o, VALUE method, VALUE path, VALUE query, VALUE body,
                                 volatile VALUE *keep) {
    static const rbtc_field query_field = RBTC_FIELD2(tc_request_options, query, query_count, RBTC_PARAMS);
    struct rbtc_fill f;
    if (tc_request_options_init(o, TC_REQUEST_OPTIONS_VERSION) != TC_OK)
        rb_raise(rb_eRuntimeError, "%s", tc_last_error_message());
    o->method = (tc_method)NUM2INT(method);
    o->path = rbtc_cstr(path);
    if (!NIL_P(query)) {
        f.base = (char *)o;
        f.keep = Qnil;
        rbtc_fill_params(&f, &query_field, query);
        *keep = f.keep;
    }
    if (!NIL_P(body)) {
        StringValue(body);
        o->body = RSTRING_PTR(body);
        o->body_len = (size_t)RSTRING_LEN(body);
    }
}

/* An operation's own final completion as what rbtc_request_call returns:
 * the Response (tc_status TC_OK), or [status, message, http_status]. The
 * completion is freed. */
static VALUE rbtc_own_result(tc_completion *done, VALUE klass) {
    VALUE result;
    tc_status status = tc_completion_status(done);
    if (status == TC_OK) {
        result = rbtc_response(done, klass);
    } else {
        const char *message = tc_completion_message(done);
        result = rb_ary_new_from_args(3, INT2NUM((int)status), message ? rb_utf8_str_new_cstr(message) : Qnil,
                                      INT2NUM(tc_completion_http_status(done)));
    }
    tc_completion_free(done);
    return result;
}
%}

%inline %{
/* tc_conduits_next() for every completion ready: a flat Array [completion,
 * token, kind, status, completion, token, ...] (one call and one Array for
 * all of them instead of four calls per completion; a successful request's
 * completion comes as its Response, a `klass`, already freed: see
 * rbtc_push_taken), or nil when none came
 * within timeout_ms (0: just look). What is already queued is taken with
 * the GVL held; only when nothing is does it wait, with the GVL released,
 * and on threads other than the main one Thread#raise wakes it (the
 * unblocking function is tc_conduits_wakeup). It takes at most `max` (so
 * that a flood of events still returns to Ruby) and never raises: a
 * completion it took is always returned, and the interrupt is raised at the
 * caller's next check (lib/twitchconduits/client.rb defers it until the
 * completions are stored). */
VALUE rbtc_take(tc_conduits *c, int timeout_ms, int max, VALUE klass) {
    tc_completion *done = rbtc_next(c, timeout_ms);
    VALUE taken;
    int n = 0;
    if (done == NULL) return Qnil;
    taken = rb_ary_new_capa(4);
    while (done != NULL) {
        rbtc_push_taken(taken, done, klass);
        done = NULL;
        if (++n < max) tc_conduits_next(c, &done, 0);
    }
    return taken;
}

/* A completion's tc_response as a `klass` (the Ruby Response Struct) of
 * http_status, body, attempts, elapsed_ms and headers (the Ratelimit-* ones
 * and Content-Type, those present), or nil: one call instead of nine per
 * request, and no intermediate Array. */
VALUE rbtc_response(const tc_completion *done, VALUE klass) {
    enum { COUNT = 4 };
    static const char *const names[COUNT] = {"Ratelimit-Limit", "Ratelimit-Remaining", "Ratelimit-Reset",
                                             "Content-Type"};
    static VALUE keys[COUNT]; /* frozen, made once: the Hash keeps them without a copy */
    const tc_response *r = tc_completion_response(done);
    const char *body;
    size_t len = 0, i;
    VALUE headers, response;
    if (r == NULL) return Qnil;
    if (keys[0] == 0) {
        for (i = 0; i < COUNT; i++) {
            keys[i] = rb_obj_freeze(rb_utf8_str_new_cstr(names[i]));
            rb_gc_register_mark_object(keys[i]);
        }
    }
    headers = rb_hash_new();
    for (i = 0; i < COUNT; i++) {
        const char *v = tc_response_header(r, names[i]);
        if (v != NULL) rb_hash_aset(headers, keys[i], rb_utf8_str_new_cstr(v));
    }
    body = tc_response_body(r, &len);
    /* Allocated and filled directly: Struct#initialize through a method
     * call costs more than the five stores (the Struct has no initialize
     * of its own). */
    response = rb_obj_alloc(klass);
    RSTRUCT_SET(response, 0, INT2NUM(tc_response_http_status(r)));
    RSTRUCT_SET(response, 1, rb_utf8_str_new(body, (long)len));
    RSTRUCT_SET(response, 2, INT2NUM(tc_response_attempts(r)));
    RSTRUCT_SET(response, 3, DBL2NUM(tc_response_elapsed_ms(r)));
    RSTRUCT_SET(response, 4, headers);
    return response;
}

/* tc_request() in its pull form, without a Hash (see rbtc_request_options):
 * the operation id (>= 0), or the refusal's tc_status (< 0; the message is
 * this thread's tc_last_error_message()). */
long long rbtc_request_submit(tc_conduits *c, VALUE token, VALUE method, VALUE path, VALUE query, VALUE body) {
    tc_request_options o;
    volatile VALUE keep = Qnil;
    tc_op_id id = 0;
    tc_status status;
    rbtc_request_options(&o, method, path, query, body, &keep);
    status = tc_request(&id, c, &o, NULL, (void *)(uintptr_t)NUM2ULL(token));
    (void)keep;
    return status == TC_OK ? (long long)id : (long long)status;
}

/* A blocking request in one native call, for the thread that holds the
 * pump role (lib/twitchconduits/client.rb): submits tc_request() with
 * `token`, then takes completions (waiting as rbtc_next does, up to
 * timeout_ms) until its own arrives, and returns
 *   - the Response (a `klass`, see rbtc_response) when it succeeded,
 *   - [status, message, http_status] when it failed or was refused (message
 *     nil: the status's own text),
 *   - or the operation id (an Integer) when its completion has not been
 *     taken yet: the wait ended (timeout, wakeup, a pending interrupt) or
 *     other operations' completions were taken; the caller then registers
 *     the operation for the usual routing and waits for it there.
 * Other operations' completions are never lost or reordered: each one
 * taken is appended to `taken` (as rbtc_take returns them), in order, for
 * the caller to route. Never raises after a successful submission except
 * for lack of memory. */
VALUE rbtc_request_call(tc_conduits *c, VALUE token, VALUE method, VALUE path, VALUE query, VALUE body,
                        int timeout_ms, VALUE klass, VALUE taken) {
    tc_request_options o;
    volatile VALUE keep = Qnil;
    tc_op_id id = 0;
    tc_status status;
    tc_completion *done;
    void *own = (void *)(uintptr_t)NUM2ULL(token);
    int others = 0;
    Check_Type(taken, T_ARRAY);
    rbtc_request_options(&o, method, path, query, body, &keep);
    status = tc_request(&id, c, &o, NULL, own);
    (void)keep;
    if (status != TC_OK) {
        return rb_ary_new_from_args(3, INT2NUM((int)status), rb_utf8_str_new_cstr(tc_last_error_message()),
                                    INT2NUM(0));
    }
    done = rbtc_next(c, timeout_ms);
    while (done != NULL) {
        /* A request has no page or progress: its completion is final. */
        if (tc_completion_userdata(done) == own) return rbtc_own_result(done, klass);
        rbtc_push_taken(taken, done, klass);
        done = NULL;
        if (++others < 64) tc_conduits_next(c, &done, 0); /* what else is ready, without waiting */
    }
    return ULL2NUM((unsigned long long)id);
}

/* tc_conduits_free() with the GVL released (it joins the library's threads). */
void rbtc_conduits_free(tc_conduits *c) {
    if (c != NULL) rb_thread_call_without_gvl(rbtc_conduits_free_nogvl, c, NULL, NULL);
}

/* tc_listener_free() with the GVL released (it stops the listener's thread). */
void rbtc_listener_free(tc_listener *l) {
    if (l != NULL) rb_thread_call_without_gvl(rbtc_listener_free_nogvl, l, NULL, NULL);
}
%}

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
%include <twitchconduits/users.h>
%include <twitchconduits/webhook.h>
%include <twitchconduits/listener.h>
%include <twitchconduits/catalogue.h>
%include <twitchconduits/completion.h>
