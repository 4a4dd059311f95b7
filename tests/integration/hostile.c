#include "hostile.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <microhttpd.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct hostile {
    struct MHD_Daemon *daemon;
    hostile_answer_fn answer;
    void *userdata;
    char base[64];
    pthread_mutex_t mu;
    int requests;
};

static enum MHD_Result on_request(void *cls, struct MHD_Connection *conn, const char *url, const char *method,
                                  const char *version, const char *upload, size_t *upload_size, void **ctx) {
    hostile *h = (hostile *)cls;
    hostile_reply reply;
    struct MHD_Response *resp;
    enum MHD_Result ret;
    const char *after;
    int n, i;
    (void)method;
    (void)version;
    (void)upload;
    if (*ctx == NULL) { /* first call: headers only */
        *ctx = h;
        return MHD_YES;
    }
    if (*upload_size > 0) { /* bodies are ignored */
        *upload_size = 0;
        return MHD_YES;
    }
    after = MHD_lookup_connection_value(conn, MHD_GET_ARGUMENT_KIND, "after");
    memset(&reply, 0, sizeof reply);
    pthread_mutex_lock(&h->mu);
    n = h->requests++;
    pthread_mutex_unlock(&h->mu);
    h->answer(n, strncmp(url, "/helix", 6) == 0 ? url + 6 : url, after != NULL ? after : "", &reply, h->userdata);
    resp = MHD_create_response_from_buffer(strlen(reply.body), reply.body, MHD_RESPMEM_MUST_COPY);
    if (resp == NULL) return MHD_NO;
    MHD_add_response_header(resp, "Content-Type", "application/json");
    for (i = 0; i < 8 && reply.headers[i][0][0] != '\0'; i++) {
        MHD_add_response_header(resp, reply.headers[i][0], reply.headers[i][1]);
    }
    ret = MHD_queue_response(conn, reply.status != 0 ? (unsigned)reply.status : 200u, resp);
    MHD_destroy_response(resp);
    return ret;
}

hostile *hostile_start(hostile_answer_fn answer, void *userdata) {
    hostile *h = calloc(1, sizeof *h);
    const union MHD_DaemonInfo *info;
    struct sockaddr_in addr;
    assert_non_null(h);
    h->answer = answer;
    h->userdata = userdata;
    pthread_mutex_init(&h->mu, NULL);
    memset(&addr, 0, sizeof addr);
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    h->daemon = MHD_start_daemon(MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_POLL, 0, NULL, NULL, on_request, h,
                                 MHD_OPTION_SOCK_ADDR, (struct sockaddr *)&addr, MHD_OPTION_END);
    if (h->daemon == NULL) fail_msg("hostile server did not start");
    info = MHD_get_daemon_info(h->daemon, MHD_DAEMON_INFO_BIND_PORT);
    snprintf(h->base, sizeof h->base, "http://127.0.0.1:%u/helix", (unsigned)info->port);
    return h;
}

const char *hostile_helix_base(const hostile *h) { return h->base; }

int hostile_requests(hostile *h) {
    int n;
    pthread_mutex_lock(&h->mu);
    n = h->requests;
    pthread_mutex_unlock(&h->mu);
    return n;
}

void hostile_stop(hostile *h) {
    if (h == NULL) return;
    MHD_stop_daemon(h->daemon);
    pthread_mutex_destroy(&h->mu);
    free(h);
}
