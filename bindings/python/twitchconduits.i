/*
 * The Python binding's SWIG interface: the C API itself, as the low-level
 * module `twitchconduits_swig`. The idiomatic layer is the package
 * twitchconduits/.
 *
 * Every operation is bound in its pull form (include/twitchconduits/
 * completion.h): each C callback parameter is fixed to NULL, `void *userdata`
 * takes an integer token, and the Python layer takes finished operations
 * with tc_conduits_next() and routes them by tc_completion_userdata().
 * So a new C operation needs no line here, only one in the Python layer.
 *
 * What crosses from Python:
 *  - `const char *`: a str (None = NULL), borrowed for the call;
 *  - options structs (tc_conduits_options, tc_request_options, ...): a dict
 *    of field name -> value, started from the struct's _init() defaults
 *    (unknown names are a TypeError); callbacks cannot be given;
 *  - arrays (specs, shard assignments, query parameters, headers, type
 *    names, subscription ids): Python sequences, see the typemaps below;
 *  - raw bodies: bytes, bytearray or str.
 * What comes back: a call with out-parameters returns [status, out...]
 * (`tc_X **` handles, `tc_op_id *`, `char **` text as str, freed here).
 *
 * The GIL: the library never calls into Python (no C callback is bound),
 * so holding the GIL in a C call cannot deadlock; it only stalls other
 * Python threads. Calls that may wait (tc_conduits_next() above all, the
 * frees that join threads, webhook hashing) release it (threads="1" with
 * %thread); the many short getters keep it (%nothread), which makes each
 * call about three times cheaper. Built with -builtin (no Python proxy
 * layer) for the same reason: the per-call benchmark counts every call.
 */
%module(threads="1") twitchconduits_swig

%{
#include <twitchconduits.h>
#include <twitchconduits/completion.h>
#include <limits.h>
#include <stddef.h>
#include <string.h>
%}

%include <stdint.i>

/* ---- opaque handles: proxies without constructor ----
 * Python never owns a handle (each is freed with its tc_X_free function),
 * so the destructor does nothing. It must exist: with -builtin, a type
 * without one never frees its Python proxy objects. */
%define TC_OPAQUE(name)
%nodefaultctor name;
struct name {};
%extend name {
    ~name() {}
}
%enddef

TC_OPAQUE(tc_conduits)
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
TC_OPAQUE(tc_completion)

/* ---- strings in: a str (or None), borrowed from the str for the call ---- */
%typemap(in) const char * {
    if ($input == Py_None) {
        $1 = NULL;
    } else {
        Py_ssize_t n_ = 0;
        $1 = ($1_ltype)PyUnicode_AsUTF8AndSize($input, &n_);
        if ($1 == NULL) SWIG_fail;
        if (strlen($1) != (size_t)n_) SWIG_exception_fail(SWIG_ValueError, "a string holds a NUL character");
    }
}
%typemap(freearg) const char * "";
%typemap(typecheck, precedence=SWIG_TYPECHECK_STRING) const char * {
    $1 = $input == Py_None || PyUnicode_Check($input);
}

/* ---- userdata: an integer token, returned by tc_completion_userdata() ---- */
%typemap(in) void *userdata {
    unsigned long long token_ = PyLong_AsUnsignedLongLong($input);
    if (PyErr_Occurred()) SWIG_fail;
    $1 = (void *)(uintptr_t)token_;
}
%typemap(out) void *tc_completion_userdata "$result = PyLong_FromUnsignedLongLong((unsigned long long)(uintptr_t)$1);";

/* ---- every completion callback is NULL: the pull form ---- */
%typemap(in, numinputs=0) tc_response_cb, tc_done_cb, tc_token_cb, tc_user_cb, tc_conduit_cb, tc_conduit_list_cb,
                          tc_shard_cb, tc_shard_list_cb, tc_shard_update_cb, tc_subscription_batch_cb,
                          tc_subscription_page_cb "$1 = NULL;";

/* ---- out-parameters: appended to the result ---- */
%typemap(in, numinputs=0) tc_op_id *id_out (tc_op_id id_ = 0) "$1 = &id_;";
%typemap(argout) tc_op_id *id_out "$result = SWIG_Python_AppendOutput($result, PyLong_FromUnsignedLongLong(id_$argnum));";

%define TC_OUT_HANDLE(TYPE)
%typemap(in, numinputs=0) TYPE ** (TYPE *handle_ = NULL) "$1 = ($1_ltype)&handle_;";
%typemap(argout) TYPE ** {
    $result = SWIG_Python_AppendOutput($result, SWIG_NewPointerObj((void *)handle_$argnum, $*1_descriptor, 0));
}
%enddef
TC_OUT_HANDLE(tc_conduits)
TC_OUT_HANDLE(tc_token)
TC_OUT_HANDLE(tc_response)
TC_OUT_HANDLE(tc_conduit)
TC_OUT_HANDLE(tc_conduit_list)
TC_OUT_HANDLE(tc_shard)
TC_OUT_HANDLE(tc_shard_list)
TC_OUT_HANDLE(tc_shard_update_result)
TC_OUT_HANDLE(tc_transport)
TC_OUT_HANDLE(tc_subscription)
TC_OUT_HANDLE(tc_subscription_list)
TC_OUT_HANDLE(tc_subscription_batch)
TC_OUT_HANDLE(tc_users)
TC_OUT_HANDLE(tc_user)
TC_OUT_HANDLE(tc_user_id_list)
TC_OUT_HANDLE(tc_webhook_verifier)
TC_OUT_HANDLE(tc_event)
TC_OUT_HANDLE(tc_listener)
TC_OUT_HANDLE(tc_completion)
TC_OUT_HANDLE(const tc_event_type)

/* Text the library allocates (to_json, signatures, metrics): a str, then tc_free. */
%typemap(in, numinputs=0) char **out (char *text_ = NULL), char **out_header_value (char *text_ = NULL) "$1 = &text_;";
%typemap(argout) char **out, char **out_header_value {
    PyObject *s_ = text_$argnum != NULL ? PyUnicode_DecodeUTF8(text_$argnum, strlen(text_$argnum), "surrogateescape")
                                        : (Py_INCREF(Py_None), Py_None);
    tc_free(text_$argnum);
    if (s_ == NULL) SWIG_fail;
    $result = SWIG_Python_AppendOutput($result, s_);
}

%typemap(in, numinputs=0) int *major (int v_ = 0), int *minor (int v_ = 0), int *patch (int v_ = 0),
                          int *ran_out (int v_ = 0) "$1 = &v_;";
%typemap(argout) int *major, int *minor, int *patch, int *ran_out
    "$result = SWIG_Python_AppendOutput($result, PyLong_FromLong(v_$argnum));";
%typemap(in, numinputs=0) size_t *done_items (size_t v_ = 0), size_t *total_items (size_t v_ = 0) "$1 = &v_;";
%typemap(argout) size_t *done_items, size_t *total_items
    "$result = SWIG_Python_AppendOutput($result, PyLong_FromSize_t(v_$argnum));";

/* Texts with a length (bodies, raw JSON): bytes of exactly that length. */
%typemap(in, numinputs=0) size_t *len (size_t n_ = 0), size_t *len_out (size_t n_ = 0) "$1 = &n_;";
%typemap(out) const char *tc_response_body, const char *tc_event_response_body, const char *tc_event_event_json,
              const char *tc_event_subscription_json, const char *tc_event_challenge "";
%typemap(argout) size_t *len, size_t *len_out {
    Py_XDECREF($result);
    $result = PyBytes_FromStringAndSize(result != NULL ? result : "", result != NULL ? (Py_ssize_t)n_$argnum : 0);
    if ($result == NULL) SWIG_fail;
}

/* ---- options structs from dicts ---- */
%{
/* How a dict value is written into a struct field. */
enum tcpy_kind {
    TCPY_STR,     /* const char *: a str or None, borrowed from the dict */
    TCPY_INT,     /* int (and enums) */
    TCPY_UINT,    /* unsigned int */
    TCPY_LONG,    /* long */
    TCPY_SIZE,    /* size_t */
    TCPY_U64,     /* uint64_t */
    TCPY_TOKEN,   /* void *: an integer token */
    TCPY_BYTES,   /* const char * + size_t at offset2: bytes or str */
    TCPY_PARAMS   /* const tc_param * + size_t at offset2: a dict or (name, value) pairs of str */
};

typedef struct tcpy_field {
    const char *name;
    enum tcpy_kind kind;
    size_t offset, offset2;
} tcpy_field;

#define TCPY_FIELD(T, f, kind) { #f, kind, offsetof(T, f), 0 }
#define TCPY_FIELD2(T, f, kind, f2) { #f, kind, offsetof(T, f), offsetof(T, f2) }
#define TCPY_COUNT(a) (sizeof(a) / sizeof((a)[0]))

/* What a conversion allocated, released after the call. */
typedef struct tcpy_scratch {
    void *mem[2];
    PyObject *objs[2];
} tcpy_scratch;
#define TCPY_SCRATCH_INIT {{NULL, NULL}, {NULL, NULL}}

static void tcpy_scratch_free(tcpy_scratch *s) {
    for (size_t i = 0; i < TCPY_COUNT(s->mem); i++) free(s->mem[i]);
    for (size_t i = 0; i < TCPY_COUNT(s->objs); i++) Py_XDECREF(s->objs[i]);
}

static int tcpy_keep(tcpy_scratch *s, void *mem, PyObject *obj) {
    for (size_t i = 0; mem != NULL && i < TCPY_COUNT(s->mem); i++) {
        if (s->mem[i] == NULL) {
            s->mem[i] = mem;
            mem = NULL;
        }
    }
    for (size_t i = 0; obj != NULL && i < TCPY_COUNT(s->objs); i++) {
        if (s->objs[i] == NULL) {
            s->objs[i] = obj;
            obj = NULL;
        }
    }
    if (mem == NULL && obj == NULL) return 0;
    free(mem);
    Py_XDECREF(obj);
    PyErr_SetString(PyExc_ValueError, "too many array fields");
    return -1;
}

static const char *tcpy_str(PyObject *v, const char *what) {
    Py_ssize_t n = 0;
    const char *s;
    if (!PyUnicode_Check(v)) {
        PyErr_Format(PyExc_TypeError, "%s must be a str, not %.100s", what, Py_TYPE(v)->tp_name);
        return NULL;
    }
    s = PyUnicode_AsUTF8AndSize(v, &n);
    if (s != NULL && strlen(s) != (size_t)n) {
        PyErr_Format(PyExc_ValueError, "%s holds a NUL character", what);
        return NULL;
    }
    return s;
}

/* An int in [lo, hi] (as long long), or an error naming the field. */
static int tcpy_signed(PyObject *v, long long lo, long long hi, long long *out, const char *what) {
    int overflow = 0;
    if (!PyLong_Check(v) || PyBool_Check(v)) {
        PyErr_Format(PyExc_TypeError, "%s must be an int, not %.100s", what, Py_TYPE(v)->tp_name);
        return -1;
    }
    *out = PyLong_AsLongLongAndOverflow(v, &overflow);
    if (*out == -1 && PyErr_Occurred()) return -1;
    if (overflow != 0 || *out < lo || *out > hi) {
        PyErr_Format(PyExc_ValueError, "%s is out of range", what);
        return -1;
    }
    return 0;
}

static int tcpy_unsigned(PyObject *v, unsigned long long hi, unsigned long long *out, const char *what) {
    if (!PyLong_Check(v) || PyBool_Check(v)) {
        PyErr_Format(PyExc_TypeError, "%s must be an int, not %.100s", what, Py_TYPE(v)->tp_name);
        return -1;
    }
    *out = PyLong_AsUnsignedLongLong(v);
    if (PyErr_Occurred() || *out > hi) {
        PyErr_Clear();
        PyErr_Format(PyExc_ValueError, "%s is out of range", what);
        return -1;
    }
    return 0;
}

/* A dict or a sequence of (name, value) pairs of str as tc_param/tc_header
 * items (both are two const char *); the strings stay borrowed from `v`,
 * which the scratch keeps alive. */
static int tcpy_pairs(PyObject *v, tcpy_scratch *s, void **items_out, size_t *count_out, const char *what) {
    PyObject *seq;
    Py_ssize_t n;
    const char **items;
    *items_out = NULL;
    *count_out = 0;
    if (v == Py_None) return 0;
    if (PyDict_Check(v)) {
        seq = PyDict_Items(v);
    } else {
        seq = PySequence_Fast(v, "");
        if (seq == NULL) {
            PyErr_Format(PyExc_TypeError, "%s must be a dict or a sequence of (name, value) pairs", what);
            return -1;
        }
    }
    if (seq == NULL || tcpy_keep(s, NULL, seq) != 0) return -1;
    n = PySequence_Fast_GET_SIZE(seq);
    if (n == 0) return 0;
    items = (const char **)calloc((size_t)n * 2, sizeof *items);
    if (items == NULL) {
        PyErr_NoMemory();
        return -1;
    }
    if (tcpy_keep(s, items, NULL) != 0) return -1;
    for (Py_ssize_t i = 0; i < n; i++) {
        PyObject *pair = PySequence_Fast_GET_ITEM(seq, i);
        if (!PyTuple_Check(pair) || PyTuple_GET_SIZE(pair) != 2) {
            PyErr_Format(PyExc_TypeError, "%s: each item must be a (name, value) tuple", what);
            return -1;
        }
        if ((items[2 * i] = tcpy_str(PyTuple_GET_ITEM(pair, 0), what)) == NULL) return -1;
        if ((items[2 * i + 1] = tcpy_str(PyTuple_GET_ITEM(pair, 1), what)) == NULL) return -1;
    }
    *items_out = items;
    *count_out = (size_t)n;
    return 0;
}

/* A sequence of str (None = none) as a const char * array borrowed from it. */
static int tcpy_str_list(PyObject *v, tcpy_scratch *s, const char *const **items_out, size_t *count_out) {
    PyObject *seq;
    Py_ssize_t n;
    const char **items;
    *items_out = NULL;
    *count_out = 0;
    if (v == Py_None) return 0;
    if (PyUnicode_Check(v)) {
        PyErr_SetString(PyExc_TypeError, "expected a sequence of str, not one str");
        return -1;
    }
    if ((seq = PySequence_Fast(v, "expected a sequence of str")) == NULL || tcpy_keep(s, NULL, seq) != 0) return -1;
    n = PySequence_Fast_GET_SIZE(seq);
    if (n == 0) return 0;
    if ((items = (const char **)calloc((size_t)n, sizeof *items)) == NULL) {
        PyErr_NoMemory();
        return -1;
    }
    if (tcpy_keep(s, (void *)items, NULL) != 0) return -1;
    for (Py_ssize_t i = 0; i < n; i++) {
        if ((items[i] = tcpy_str(PySequence_Fast_GET_ITEM(seq, i), "each item")) == NULL) return -1;
    }
    *items_out = items;
    *count_out = (size_t)n;
    return 0;
}

static int tcpy_set(char *dst, const tcpy_field *f, PyObject *v, tcpy_scratch *s) {
    long long sv = 0;
    unsigned long long uv = 0;
    switch (f->kind) {
    case TCPY_STR: {
        const char *str = NULL;
        if (v != Py_None && (str = tcpy_str(v, f->name)) == NULL) return -1;
        memcpy(dst + f->offset, &str, sizeof str);
        return 0;
    }
    case TCPY_INT:
        if (tcpy_signed(v, INT_MIN, INT_MAX, &sv, f->name) != 0) return -1;
        { int x = (int)sv; memcpy(dst + f->offset, &x, sizeof x); }
        return 0;
    case TCPY_LONG:
        if (tcpy_signed(v, LONG_MIN, LONG_MAX, &sv, f->name) != 0) return -1;
        { long x = (long)sv; memcpy(dst + f->offset, &x, sizeof x); }
        return 0;
    case TCPY_UINT:
        if (tcpy_unsigned(v, UINT_MAX, &uv, f->name) != 0) return -1;
        { unsigned int x = (unsigned int)uv; memcpy(dst + f->offset, &x, sizeof x); }
        return 0;
    case TCPY_SIZE:
        if (tcpy_unsigned(v, SIZE_MAX, &uv, f->name) != 0) return -1;
        { size_t x = (size_t)uv; memcpy(dst + f->offset, &x, sizeof x); }
        return 0;
    case TCPY_U64:
        if (tcpy_unsigned(v, UINT64_MAX, &uv, f->name) != 0) return -1;
        { uint64_t x = (uint64_t)uv; memcpy(dst + f->offset, &x, sizeof x); }
        return 0;
    case TCPY_TOKEN:
        if (tcpy_unsigned(v, UINTPTR_MAX, &uv, f->name) != 0) return -1;
        { void *x = (void *)(uintptr_t)uv; memcpy(dst + f->offset, &x, sizeof x); }
        return 0;
    case TCPY_BYTES: {
        const char *p = NULL;
        Py_ssize_t n = 0;
        if (v == Py_None) {
            p = NULL;
        } else if (PyBytes_Check(v)) {
            p = PyBytes_AS_STRING(v);
            n = PyBytes_GET_SIZE(v);
        } else if (PyUnicode_Check(v)) {
            if ((p = PyUnicode_AsUTF8AndSize(v, &n)) == NULL) return -1;
        } else {
            PyErr_Format(PyExc_TypeError, "%s must be bytes or str, not %.100s", f->name, Py_TYPE(v)->tp_name);
            return -1;
        }
        { size_t len = (size_t)n; memcpy(dst + f->offset, &p, sizeof p); memcpy(dst + f->offset2, &len, sizeof len); }
        return 0;
    }
    case TCPY_PARAMS: {
        void *items = NULL;
        size_t count = 0;
        if (tcpy_pairs(v, s, &items, &count, f->name) != 0) return -1;
        memcpy(dst + f->offset, &items, sizeof items);
        memcpy(dst + f->offset2, &count, sizeof count);
        return 0;
    }
    }
    PyErr_SetString(PyExc_SystemError, "unknown field kind");
    return -1;
}

/* Fill a struct (already set to its defaults) from a dict of field name -> value. */
static int tcpy_fill(void *dst, const tcpy_field *fields, size_t count, PyObject *dict, tcpy_scratch *s,
                     const char *type) {
    Py_ssize_t pos = 0;
    PyObject *key, *value;
    if (!PyDict_Check(dict)) {
        PyErr_Format(PyExc_TypeError, "%s must be a dict, not %.100s", type, Py_TYPE(dict)->tp_name);
        return -1;
    }
    while (PyDict_Next(dict, &pos, &key, &value)) {
        const char *name = PyUnicode_Check(key) ? PyUnicode_AsUTF8(key) : NULL;
        size_t i = 0;
        if (name == NULL) {
            PyErr_Format(PyExc_TypeError, "%s: field names must be str", type);
            return -1;
        }
        while (i < count && strcmp(fields[i].name, name) != 0) i++;
        if (i == count) {
            PyErr_Format(PyExc_TypeError, "%s has no field %.100s", type, name);
            return -1;
        }
        if (tcpy_set((char *)dst, &fields[i], value, s) != 0) return -1;
    }
    return 0;
}

static const tcpy_field tcpy_conduits_options[] = {
    TCPY_FIELD(tc_conduits_options, client_id, TCPY_STR),
    TCPY_FIELD(tc_conduits_options, client_secret, TCPY_STR),
    TCPY_FIELD(tc_conduits_options, app_token, TCPY_STR),
    TCPY_FIELD(tc_conduits_options, callback_url, TCPY_STR),
    TCPY_FIELD(tc_conduits_options, api_base_url, TCPY_STR),
    TCPY_FIELD(tc_conduits_options, auth_base_url, TCPY_STR),
    TCPY_FIELD(tc_conduits_options, ca_file, TCPY_STR),
    TCPY_FIELD(tc_conduits_options, connect_timeout_ms, TCPY_LONG),
    TCPY_FIELD(tc_conduits_options, request_timeout_ms, TCPY_LONG),
    TCPY_FIELD(tc_conduits_options, max_attempts, TCPY_INT),
    TCPY_FIELD(tc_conduits_options, backoff_base_ms, TCPY_LONG),
    TCPY_FIELD(tc_conduits_options, backoff_max_ms, TCPY_LONG),
    TCPY_FIELD(tc_conduits_options, ratelimit_max_wait_ms, TCPY_LONG),
    TCPY_FIELD(tc_conduits_options, max_concurrency, TCPY_INT),
    TCPY_FIELD(tc_conduits_options, max_response_bytes, TCPY_SIZE),
    TCPY_FIELD(tc_conduits_options, token_refresh_margin_s, TCPY_LONG),
    TCPY_FIELD(tc_conduits_options, flags, TCPY_UINT),
    TCPY_FIELD(tc_conduits_options, random_seed, TCPY_U64),
    TCPY_FIELD(tc_conduits_options, token_validate_interval_s, TCPY_LONG),
    TCPY_FIELD(tc_conduits_options, request_deadline_ms, TCPY_LONG),
    TCPY_FIELD(tc_conduits_options, max_list_pages, TCPY_LONG),
};

static const tcpy_field tcpy_request_options[] = {
    TCPY_FIELD(tc_request_options, method, TCPY_INT),
    TCPY_FIELD(tc_request_options, path, TCPY_STR),
    TCPY_FIELD2(tc_request_options, query, TCPY_PARAMS, query_count),
    TCPY_FIELD2(tc_request_options, body, TCPY_BYTES, body_len),
    TCPY_FIELD(tc_request_options, flags, TCPY_UINT),
    TCPY_FIELD(tc_request_options, timeout_ms, TCPY_LONG),
    TCPY_FIELD(tc_request_options, max_attempts, TCPY_INT),
    TCPY_FIELD(tc_request_options, deadline_ms, TCPY_LONG),
};

/* progress stays NULL: with progress_every > 0 progress comes as completions. */
static const tcpy_field tcpy_batch_options[] = {
    TCPY_FIELD(tc_batch_options, concurrency, TCPY_INT),
    TCPY_FIELD(tc_batch_options, progress_every, TCPY_SIZE),
};

static const tcpy_field tcpy_subscription_filter[] = {
    TCPY_FIELD(tc_subscription_filter, status, TCPY_STR),
    TCPY_FIELD(tc_subscription_filter, type, TCPY_STR),
    TCPY_FIELD(tc_subscription_filter, user_id, TCPY_STR),
    TCPY_FIELD(tc_subscription_filter, subscription_id, TCPY_STR),
    TCPY_FIELD(tc_subscription_filter, conduit_id, TCPY_STR),
};

static const tcpy_field tcpy_view_query[] = {
    TCPY_FIELD(tc_view_query, conduit_id, TCPY_STR),
    TCPY_FIELD(tc_view_query, user_id, TCPY_STR),
    TCPY_FIELD(tc_view_query, type, TCPY_STR),
    TCPY_FIELD(tc_view_query, status, TCPY_STR),
};

/* event_cb and reject_cb stay NULL: events and rejects come as completions
 * carrying event_userdata / reject_userdata. */
static const tcpy_field tcpy_listener_options[] = {
    TCPY_FIELD(tc_listener_options, bind_address, TCPY_STR),
    TCPY_FIELD(tc_listener_options, port, TCPY_INT),
    TCPY_FIELD(tc_listener_options, path_prefix, TCPY_STR),
    TCPY_FIELD(tc_listener_options, max_body_bytes, TCPY_SIZE),
    TCPY_FIELD(tc_listener_options, timeout_s, TCPY_UINT),
    TCPY_FIELD(tc_listener_options, max_connections, TCPY_UINT),
    TCPY_FIELD(tc_listener_options, event_userdata, TCPY_TOKEN),
    TCPY_FIELD(tc_listener_options, reject_userdata, TCPY_TOKEN),
    TCPY_FIELD(tc_listener_options, tls_cert_file, TCPY_STR),
    TCPY_FIELD(tc_listener_options, tls_key_file, TCPY_STR),
    TCPY_FIELD(tc_listener_options, max_connections_per_ip, TCPY_UINT),
    TCPY_FIELD(tc_listener_options, head_timeout_s, TCPY_UINT),
    TCPY_FIELD(tc_listener_options, request_timeout_s, TCPY_UINT),
    TCPY_FIELD(tc_listener_options, max_queued_events, TCPY_SIZE),
    TCPY_FIELD(tc_listener_options, max_queued_rejects, TCPY_SIZE),
};

static const tcpy_field tcpy_webhook_options[] = {
    TCPY_FIELD(tc_webhook_options, max_age_s, TCPY_LONG),
    TCPY_FIELD(tc_webhook_options, max_future_s, TCPY_LONG),
    TCPY_FIELD(tc_webhook_options, dedupe_capacity, TCPY_SIZE),
    TCPY_FIELD(tc_webhook_options, dedupe_ttl_s, TCPY_LONG),
    TCPY_FIELD(tc_webhook_options, max_body_bytes, TCPY_SIZE),
};
%}

/* `const TYPE *` from a dict (None = NULL), defaults from TYPE's _init(). */
%define TC_DICT_STRUCT(TYPE, INIT, VERSION, FIELDS)
%typemap(in) const TYPE * (TYPE opts_, tcpy_scratch scratch_ = TCPY_SCRATCH_INIT) {
    if ($input == Py_None) {
        $1 = NULL;
    } else {
        INIT(&opts_, VERSION);
        if (tcpy_fill(&opts_, FIELDS, TCPY_COUNT(FIELDS), $input, &scratch_, #TYPE) != 0) SWIG_fail;
        $1 = &opts_;
    }
}
%typemap(freearg) const TYPE * "tcpy_scratch_free(&scratch_$argnum);";
%ignore TYPE;
%enddef
TC_DICT_STRUCT(tc_conduits_options, tc_conduits_options_init, TC_CONDUITS_OPTIONS_VERSION, tcpy_conduits_options)
TC_DICT_STRUCT(tc_request_options, tc_request_options_init, TC_REQUEST_OPTIONS_VERSION, tcpy_request_options)
TC_DICT_STRUCT(tc_batch_options, tc_batch_options_init, TC_BATCH_OPTIONS_VERSION, tcpy_batch_options)
TC_DICT_STRUCT(tc_subscription_filter, tc_subscription_filter_init, TC_SUBSCRIPTION_FILTER_VERSION,
               tcpy_subscription_filter)
TC_DICT_STRUCT(tc_view_query, tc_view_query_init, TC_VIEW_QUERY_VERSION, tcpy_view_query)
TC_DICT_STRUCT(tc_listener_options, tc_listener_options_init, TC_LISTENER_OPTIONS_VERSION, tcpy_listener_options)
TC_DICT_STRUCT(tc_webhook_options, tc_webhook_options_init, TC_WEBHOOK_OPTIONS_VERSION, tcpy_webhook_options)

/* ---- arrays from sequences ---- */

/* Headers: a dict or (name, value) pairs of str. */
%typemap(in) (const tc_header *headers, size_t header_count) (tcpy_scratch scratch_ = TCPY_SCRATCH_INIT) {
    void *items_ = NULL;
    if (tcpy_pairs($input, &scratch_, &items_, &$2, "headers") != 0) SWIG_fail;
    $1 = (tc_header *)items_;
}
%typemap(freearg) (const tc_header *headers, size_t header_count) "tcpy_scratch_free(&scratch_$argnum);";

/* Lists of str (None = none): type names, subscription ids. */
%define TC_STR_LIST(ITEMS, COUNT)
%typemap(in) (const char *const *ITEMS, size_t COUNT) (tcpy_scratch scratch_ = TCPY_SCRATCH_INIT) {
    const char *const *items_ = NULL;
    if (tcpy_str_list($input, &scratch_, &items_, &$2) != 0) SWIG_fail;
    $1 = ($1_ltype)items_;
}
%typemap(freearg) (const char *const *ITEMS, size_t COUNT) "tcpy_scratch_free(&scratch_$argnum);";
%enddef
TC_STR_LIST(types, type_count)
TC_STR_LIST(subscription_ids, subscription_count)

/* Subscription specs: (type, version, condition_json) tuples of str. */
%typemap(in) (const tc_subscription_spec *specs, size_t count) (tcpy_scratch scratch_ = TCPY_SCRATCH_INIT) {
    PyObject *seq_;
    Py_ssize_t n_;
    tc_subscription_spec *items_ = NULL;
    if ((seq_ = PySequence_Fast($input, "specs must be a sequence of (type, version, condition_json)")) == NULL)
        SWIG_fail;
    if (tcpy_keep(&scratch_, NULL, seq_) != 0) SWIG_fail;
    n_ = PySequence_Fast_GET_SIZE(seq_);
    if (n_ > 0) {
        if ((items_ = (tc_subscription_spec *)calloc((size_t)n_, sizeof *items_)) == NULL) {
            PyErr_NoMemory();
            SWIG_fail;
        }
        if (tcpy_keep(&scratch_, items_, NULL) != 0) SWIG_fail;
    }
    for (Py_ssize_t i_ = 0; i_ < n_; i_++) {
        PyObject *t_ = PySequence_Fast_GET_ITEM(seq_, i_);
        if (!PyTuple_Check(t_) || PyTuple_GET_SIZE(t_) != 3) {
            SWIG_exception_fail(SWIG_TypeError, "each spec must be a (type, version, condition_json) tuple");
        }
        if ((items_[i_].type = tcpy_str(PyTuple_GET_ITEM(t_, 0), "a spec's type")) == NULL ||
            (items_[i_].version = tcpy_str(PyTuple_GET_ITEM(t_, 1), "a spec's version")) == NULL ||
            (items_[i_].condition_json = tcpy_str(PyTuple_GET_ITEM(t_, 2), "a spec's condition")) == NULL)
            SWIG_fail;
    }
    $1 = items_;
    $2 = (size_t)n_;
}
%typemap(freearg) (const tc_subscription_spec *specs, size_t count) "tcpy_scratch_free(&scratch_$argnum);";

/* Shard assignments: (shard_id, tc_transport) tuples; the transports stay the caller's. */
%typemap(in) (const tc_shard_assignment *assignments, size_t count) (tcpy_scratch scratch_ = TCPY_SCRATCH_INIT) {
    PyObject *seq_;
    Py_ssize_t n_;
    tc_shard_assignment *items_ = NULL;
    if ((seq_ = PySequence_Fast($input, "assignments must be a sequence of (shard_id, transport)")) == NULL)
        SWIG_fail;
    if (tcpy_keep(&scratch_, NULL, seq_) != 0) SWIG_fail;
    n_ = PySequence_Fast_GET_SIZE(seq_);
    if (n_ > 0) {
        if ((items_ = (tc_shard_assignment *)calloc((size_t)n_, sizeof *items_)) == NULL) {
            PyErr_NoMemory();
            SWIG_fail;
        }
        if (tcpy_keep(&scratch_, items_, NULL) != 0) SWIG_fail;
    }
    for (Py_ssize_t i_ = 0; i_ < n_; i_++) {
        PyObject *t_ = PySequence_Fast_GET_ITEM(seq_, i_);
        void *transport_ = NULL;
        if (!PyTuple_Check(t_) || PyTuple_GET_SIZE(t_) != 2) {
            SWIG_exception_fail(SWIG_TypeError, "each assignment must be a (shard_id, transport) tuple");
        }
        if ((items_[i_].shard_id = tcpy_str(PyTuple_GET_ITEM(t_, 0), "a shard id")) == NULL) SWIG_fail;
        if (!SWIG_IsOK(SWIG_ConvertPtr(PyTuple_GET_ITEM(t_, 1), &transport_, $descriptor(tc_transport *), 0))) {
            SWIG_exception_fail(SWIG_TypeError, "an assignment's transport must be a tc_transport");
        }
        items_[i_].transport = (const tc_transport *)transport_;
    }
    $1 = items_;
    $2 = (size_t)n_;
}
%typemap(freearg) (const tc_shard_assignment *assignments, size_t count) "tcpy_scratch_free(&scratch_$argnum);";

/* Raw bodies may hold any byte: bytes, bytearray, memoryview or str. */
%typemap(in) (const char *body, size_t body_len) (Py_buffer view_, int have_view_ = 0) {
    if (PyUnicode_Check($input)) {
        Py_ssize_t n_ = 0;
        $1 = ($1_ltype)PyUnicode_AsUTF8AndSize($input, &n_);
        if ($1 == NULL) SWIG_fail;
        $2 = (size_t)n_;
    } else if (PyObject_GetBuffer($input, &view_, PyBUF_SIMPLE) == 0) {
        have_view_ = 1;
        $1 = ($1_ltype)view_.buf;
        $2 = (size_t)view_.len;
    } else {
        PyErr_Clear();
        SWIG_exception_fail(SWIG_TypeError, "body must be bytes, bytearray or str");
    }
}
%typemap(freearg) (const char *body, size_t body_len) "if (have_view_$argnum) PyBuffer_Release(&view_$argnum);";

/* ---- what is not bound ---- */
/* Options are given as dicts, so their _init functions are not needed. */
%ignore tc_conduits_options_init;
%ignore tc_request_options_init;
%ignore tc_batch_options_init;
%ignore tc_subscription_filter_init;
%ignore tc_view_query_init;
%ignore tc_listener_options_init;
%ignore tc_webhook_options_init;
%ignore tc_user_record_init;
/* Array items, given as tuples. */
%ignore tc_param;
%ignore tc_header;
%ignore tc_subscription_spec;
%ignore tc_shard_assignment;
/* A C callback cannot reach Python: view changes come with tc_view_pull_changes(). */
%ignore tc_view_set_change_cb;
/* The full user record (#14 part 4) is not bound yet. */
%ignore tc_user_record;
%ignore tc_users_add_record;
%ignore tc_users_replace;
/* The blocking forms run the loop; the Python layer waits with tc_conduits_next(). */
%ignore tc_request_sync;
%ignore tc_token_get_sync;
%ignore tc_token_validate_sync;
%ignore tc_users_refresh_sync;

/* ---- the GIL (see the top) ---- */
%nothread;
%thread tc_conduits_new;
%thread tc_conduits_free;
%thread tc_conduits_next;
%thread tc_conduits_wait;
%thread tc_conduits_poll;
%thread tc_conduits_process;
%thread tc_conduits_run;
%thread tc_conduits_await;
%thread tc_listener_new;
%thread tc_listener_free;
%thread tc_webhook_handle;
%thread tc_webhook_sign;
%thread tc_metrics_render;

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
%include <twitchconduits/metrics.h>
%include <twitchconduits/completion.h>
