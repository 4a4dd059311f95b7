/*
 * The SWIG interface shared by the Go, Ruby and Python bindings.
 *
 * Each language's .i declares its %module, adds its own typemaps and then
 * %includes this file. What SWIG sees is curated:
 *   - the bridge (tcb.h): every asynchronous operation as a future, the
 *     client, the listener and webhook handling, array builders;
 *   - from the public headers: status codes, enums and the accessors of the
 *     result objects (pure getters on borrowed pointers);
 *   - the synchronous calls that return a handle through an out-parameter
 *     (the catalogue, the synced view's queries), bound directly with the
 *     TC_OUT_HANDLE typemaps below (issue 11: the bindings move onto the C
 *     API itself);
 *   - nothing else that takes a C callback, an options struct or an
 *     out-parameter: the bridge has a plain form of each.
 * Opaque handles become proxy classes with no constructor or destructor;
 * objects are created and freed through the bridge's functions.
 */

%{
#include <twitchconduits.h>
#include "tcb.h"
%}

%include <stdint.i>

/* ---- opaque handles ---- */
%define TC_OPAQUE(name)
%nodefaultctor name;
%nodefaultdtor name;
struct name {};
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
TC_OPAQUE(tcb_config)
TC_OPAQUE(tcb_client)
TC_OPAQUE(tcb_future)
TC_OPAQUE(tcb_specs)
TC_OPAQUE(tcb_assignments)
TC_OPAQUE(tcb_pairs)

/* ---- ownership ---- */
/* Text the bridge allocates is the caller's: converted, then freed. */
%typemap(newfree) char * "tc_free($1);";
%newobject tcb_future_result_json;
%newobject tcb_conduit_json;
%newobject tcb_shard_json;
%newobject tcb_event_json;
%newobject tcb_subscription_json;
%newobject tcb_user_json;
%newobject tcb_webhook_sign;

/* Length out-parameters of the accessors: the bindings use the text. */
%typemap(in, numinputs=0) size_t *len, size_t *len_out "$1 = NULL;";

/* Raw bodies may hold any byte: pass them with their length. */
%apply (char *STRING, size_t LENGTH) { (const char *body, size_t body_len) };

/* ---- what is not bound: callback, options and out-parameter forms ---- */
%rename("$ignore", regextarget=1, fullname=1) "_dup$";
%rename("$ignore", regextarget=1, fullname=1) "_to_json$";
%rename("$ignore", regextarget=1, fullname=1) "_sync$";
%rename("$ignore", regextarget=1, fullname=1) "_options_init$";
%ignore tc_version;
%ignore tc_conduits_new;
%ignore tc_conduits_free;
%ignore tc_conduits_wait;
%ignore tc_conduits_process;
%ignore tc_conduits_poll;
%ignore tc_conduits_run;
%ignore tc_conduits_await;
%ignore tc_request;
%ignore tc_token_get;
%ignore tc_token_validate;
%ignore tc_token_revoke;
%ignore tc_conduits_list;
%ignore tc_conduit_create;
%ignore tc_conduit_update;
%ignore tc_conduit_delete;
%ignore tc_shards_list;
%ignore tc_shard_update;
%ignore tc_shard_create;
%ignore tc_shard_remove;
%ignore tc_subscriptions_create;
%ignore tc_subscriptions_list;
%ignore tc_subscription_delete;
%ignore tc_subscriptions_cleanup;
%ignore tc_subscriptions_reconcile;
%ignore tc_transport_webhook_new;
%ignore tc_transport_websocket_new;
%ignore tc_transport_conduit_new;
%ignore tc_users_new;
%ignore tc_users_add;
%ignore tc_users_get_by_key;
%ignore tc_users_get_by_user_id;
%ignore tc_users_get_by_subscription;
%ignore tc_users_remove;
%ignore tc_users_list;
/* The full user record (#14 part 4) is not bound yet: the record struct's
 * const char * fields would get leaking SWIG setters, and refresh is async. */
%ignore tc_user_record;
%ignore tc_users_add_record;
%ignore tc_users_replace;
%ignore tc_users_get_by_refresh_token;
%ignore tc_users_refresh;
%ignore tc_user_record_init;
%ignore tc_subscription_filter_init;
%ignore tc_view_query_init;
%ignore tc_listener_new;
%ignore tc_webhook_verifier_new;
%ignore tc_webhook_handle;
%ignore tc_webhook_sign;
%ignore tc_event_disabled_shard;
%ignore tc_free;
%ignore tc_conduits_options;
%ignore tc_request_options;
%ignore tc_batch_options;
%ignore tc_subscription_filter;
%ignore tc_listener_options;
%ignore tc_webhook_options;
%ignore tc_param;
%ignore tc_header;
%ignore tc_shard_assignment;
%ignore tc_subscription_spec;
/* Subscribe by type names and the synced view (issue 14). Synchronous calls
 * (catalogue lookups, view queries) are bound directly, below; the create and
 * the sync complete through the bridge like every other operation, and the
 * view's change callback becomes bridge futures (tcb_view_watch), since a C
 * callback cannot reach Ruby or Python on the completion thread. */
%ignore tc_subscriptions_create_by_type;  /* tcb_subscriptions_create_by_type */
%ignore tc_view_set_change_cb;            /* tcb_view_watch */

/* ---- out-parameters of the directly bound calls ----
 * `TYPE **out` (tc_catalogue_find, tc_view_*) is the call's result:
 *   Python, Ruby: the call returns [status, handle] (None/nil when it gives none);
 *   Go: the caller passes a []uintptr of length 1 that receives the handle.
 * Lists come back owned by the caller (free them with their _free function);
 * catalogue entries are constant and never freed. */
%define TC_OUT_HANDLE(TYPE)
#if defined(SWIGGO)
%typemap(gotype) TYPE **out "[]uintptr"
%typemap(in) TYPE **out (TYPE *out_tmp = NULL) %{
  if ($input.len < 1) {
    _swig_gopanic("out: pass a slice of one element");
  }
  $1 = ($1_ltype)&out_tmp;
%}
%typemap(argout) TYPE **out %{ ((uintptr_t *)$input.array)[0] = (uintptr_t)out_tmp$argnum; %}
#elif defined(SWIGPYTHON)
%typemap(in, numinputs=0) TYPE **out (TYPE *out_tmp = NULL) %{ $1 = ($1_ltype)&out_tmp; %}
%typemap(argout) TYPE **out %{
  $result = SWIG_Python_AppendOutput($result, SWIG_NewPointerObj((void *)out_tmp$argnum, $*1_descriptor, 0));
%}
#elif defined(SWIGRUBY)
%typemap(in, numinputs=0) TYPE **out (TYPE *out_tmp = NULL) %{ $1 = ($1_ltype)&out_tmp; %}
%typemap(argout) TYPE **out %{
  $result = SWIG_Ruby_AppendOutput($result, SWIG_NewPointerObj((void *)out_tmp$argnum, $*1_descriptor, 0));
%}
#endif
%enddef
TC_OUT_HANDLE(const tc_event_type)
TC_OUT_HANDLE(tc_subscription_list)
TC_OUT_HANDLE(tc_conduit_list)
TC_OUT_HANDLE(tc_shard_list)

/* ---- tc_view_query: built with all four filters at once, freed by the proxy ----
 * NULL (Go: "") for a filter matches everything. */
%{
static char *tcv_strdup(const char *s) {
    size_t n;
    char *d;
    if (s == NULL) return NULL;
    n = strlen(s) + 1;
    d = (char *)malloc(n);
    if (d != NULL) memcpy(d, s, n);
    return d;
}

static void tcv_query_free(tc_view_query *q) {
    if (q == NULL) return;
    free((char *)q->conduit_id);
    free((char *)q->user_id);
    free((char *)q->type);
    free((char *)q->status);
    free(q);
}
%}
%immutable tc_view_query::version;
%immutable tc_view_query::conduit_id;
%immutable tc_view_query::user_id;
%immutable tc_view_query::type;
%immutable tc_view_query::status;
%extend tc_view_query {
    tc_view_query(const char *conduit_id, const char *user_id, const char *type, const char *status) {
        tc_view_query *q = (tc_view_query *)calloc(1, sizeof *q);
        if (q == NULL) return NULL;
        q->version = TC_VIEW_QUERY_VERSION;
        q->conduit_id = tcv_strdup(conduit_id);
        q->user_id = tcv_strdup(user_id);
        q->type = tcv_strdup(type);
        q->status = tcv_strdup(status);
        if ((conduit_id && !q->conduit_id) || (user_id && !q->user_id) || (type && !q->type) ||
            (status && !q->status)) {
            tcv_query_free(q);
            return NULL;
        }
        return q;
    }
    ~tc_view_query() { tcv_query_free($self); }
}

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
%include "tcb.h"
