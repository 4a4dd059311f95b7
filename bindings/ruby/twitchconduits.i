/*
 * The Ruby extension: the shared interface (../common/twitchconduits.i) plus
 * GVL-releasing waits. No C callback ever reaches Ruby: completions are
 * futures queued in C; the Ruby layer (lib/twitchconduits/client.rb) polls
 * with the GVL released and then drains the ready queue on its own thread.
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
#include <twitchconduits.h>
#include "tcb.h"

struct tcbr_poll_args {
    tcb_client *cl;
    int timeout_ms;
    int result;
};

static void *tcbr_poll_nogvl(void *p) {
    struct tcbr_poll_args *a = (struct tcbr_poll_args *)p;
    a->result = tcb_client_poll(a->cl, a->timeout_ms);
    return NULL;
}

static void tcbr_poll_ubf(void *p) {
    tcb_client_wakeup(((struct tcbr_poll_args *)p)->cl);
}

static void *tcbr_free_nogvl(void *p) {
    tcb_client_free((tcb_client *)p);
    return NULL;
}

static void *tcbr_listener_free_nogvl(void *p) {
    tc_listener_free((tc_listener *)p);
    return NULL;
}
%}

/* Text comes back as UTF-8 Strings (SWIG's default is ASCII-8BIT). */
%typemap(out) const char *, char * "$result = $1 ? rb_utf8_str_new_cstr($1) : Qnil;";

%include "../common/twitchconduits.i"

%inline %{
/* tcb_client_poll() with the GVL released. Thread#raise, signals and
 * Ctrl-C wake it through tcb_client_wakeup (the unblocking function); the
 * pending interrupt is raised when it returns. Returns -5 (TC_ECANCELED)
 * when interrupted before the wait started. */
int tcbr_poll(tcb_client *cl, int timeout_ms) {
    struct tcbr_poll_args a;
    a.cl = cl;
    a.timeout_ms = timeout_ms;
    a.result = TC_ECANCELED;
    rb_thread_call_without_gvl(tcbr_poll_nogvl, &a, tcbr_poll_ubf, &a);
    return a.result;
}

/* tcb_client_free() with the GVL released (it joins the library's threads). */
void tcbr_client_free(tcb_client *cl) {
    if (cl != NULL) rb_thread_call_without_gvl(tcbr_free_nogvl, cl, NULL, NULL);
}

/* tc_listener_free() with the GVL released (it stops the listener's thread). */
void tcbr_listener_free(tc_listener *l) {
    if (l != NULL) rb_thread_call_without_gvl(tcbr_listener_free_nogvl, l, NULL, NULL);
}

/* The last NULL-returning call's message, for exceptions. */
const char *tcbr_last_error(void) {
    const char *m = tc_last_error_message();
    return m != NULL ? m : "";
}
%}
