/*
 * The Go binding's SWIG interface: the shared interface plus the one thing Go
 * needs that SWIG cannot express, installing the cgo notify trampoline
 * (defined in internal/tcswig/trampoline.c).
 *
 * Generate (see meson.build, test go-swig-regen):
 *   swig -go -cgo -intgosize 64 -I<repo>/bindings/common -I<repo>/include \
 *        -I<build>/include -outdir internal/tcswig \
 *        -o internal/tcswig/twitchconduits_wrap.c twitchconduits.i
 */
%module tcswig

%{
#include <twitchconduits.h>
#include "tcb.h"
void tcgo_install_notify(tcb_client *cl);
%}

/* Optional text arguments: an empty Go string means NULL (no filter, the
 * default, "every conduit"). */
%typemap(in) const char *status_filter, const char *status, const char *type,
             const char *user_id, const char *subscription_id, const char *conduit_id,
             const char *callback_url, const char *route_key, const char *last_callback,
             const char *last_secret, const char *body, const char *bind_address,
             const char *prefix, const char *tls_cert_file, const char *tls_key_file
%{
  if ($input.n == 0) {
    $1 = NULL;
  } else {
    $1 = ($1_ltype)malloc($input.n + 1);
    memcpy((char *)$1, $input.p, $input.n);
    ((char *)$1)[$input.n] = '\0';
  }
%}
%typemap(freearg) const char *status_filter, const char *status, const char *type,
             const char *user_id, const char *subscription_id, const char *conduit_id,
             const char *callback_url, const char *route_key, const char *last_callback,
             const char *last_secret, const char *body, const char *bind_address,
             const char *prefix, const char *tls_cert_file, const char *tls_key_file
%{
  free((char *)$1);
%}

%include "../common/twitchconduits.i"

/* Route every completed future of cl to the Go notify hook. */
void tcgo_install_notify(tcb_client *cl);
