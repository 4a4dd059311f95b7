/*
 * The Python binding's SWIG interface: the low-level module
 * `twitchconduits_swig`. The idiomatic layer is the package twitchconduits/.
 *
 * threads="1": every wrapped call releases the GIL (freeing a client while
 * the library's I/O thread waits for the GIL would deadlock otherwise).
 */
%module(threads="1") twitchconduits_swig

/* Raw bodies: the shared interface's (char *STRING, size_t LENGTH) accepts
 * only str. The Python forms below take bytes, bytearray or str. */
%ignore tcb_webhook_handle;
%ignore tcb_webhook_sign;

%include "../common/twitchconduits.i"

%typemap(in) (const char *py_body, size_t py_body_len) (Py_buffer view, int have_view = 0) {
    if (PyUnicode_Check($input)) {
        Py_ssize_t n = 0;
        $1 = (char *)PyUnicode_AsUTF8AndSize($input, &n);
        if ($1 == NULL) SWIG_fail;
        $2 = (size_t)n;
    } else if (PyObject_GetBuffer($input, &view, PyBUF_SIMPLE) == 0) {
        have_view = 1;
        $1 = (char *)view.buf;
        $2 = (size_t)view.len;
    } else {
        PyErr_Clear();
        SWIG_exception_fail(SWIG_TypeError, "body must be bytes, bytearray or str");
    }
}
%typemap(freearg) (const char *py_body, size_t py_body_len) {
    if (have_view$argnum) PyBuffer_Release(&view$argnum);
}
%typemap(typecheck) (const char *py_body, size_t py_body_len) {
    $1 = PyUnicode_Check($input) || PyObject_CheckBuffer($input);
}

%newobject tcb_py_webhook_sign;
%inline %{
tc_event *tcb_py_webhook_handle(tc_webhook_verifier *v, const tcb_pairs *headers,
                                          const char *py_body, size_t py_body_len) {
    return tcb_webhook_handle(v, headers, py_body, py_body_len);
}
char *tcb_py_webhook_sign(const char *secret, const char *message_id, const char *timestamp,
                          const char *py_body, size_t py_body_len) {
    return tcb_webhook_sign(secret, message_id, timestamp, py_body, py_body_len);
}
%}
