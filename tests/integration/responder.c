#include "responder.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <cjson/cJSON.h>
#include <arpa/inet.h>
#include <microhttpd.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct responder {
    struct MHD_Daemon *daemon;
    int answer_correctly;
    char url[64];
    pthread_mutex_t mu;
    int challenges;
};

typedef struct body {
    char *data;
    size_t len;
} body;

static enum MHD_Result on_request(void *cls, struct MHD_Connection *conn, const char *url, const char *method,
                                  const char *version, const char *upload, size_t *upload_size, void **ctx) {
    responder *r = (responder *)cls;
    body *b = (body *)*ctx;
    struct MHD_Response *resp;
    enum MHD_Result ret;
    const char *challenge = "";
    cJSON *json;
    (void)url;
    (void)version;
    if (b == NULL) {
        b = calloc(1, sizeof *b);
        *ctx = b;
        return b != NULL ? MHD_YES : MHD_NO;
    }
    if (*upload_size > 0) {
        char *grown = realloc(b->data, b->len + *upload_size + 1);
        if (grown == NULL) return MHD_NO;
        b->data = grown;
        memcpy(b->data + b->len, upload, *upload_size);
        b->len += *upload_size;
        b->data[b->len] = '\0';
        *upload_size = 0;
        return MHD_YES;
    }
    json = b->data != NULL && strcmp(method, "POST") == 0 ? cJSON_Parse(b->data) : NULL;
    if (json != NULL && cJSON_IsString(cJSON_GetObjectItem(json, "challenge"))) {
        challenge = cJSON_GetObjectItem(json, "challenge")->valuestring;
        pthread_mutex_lock(&r->mu);
        r->challenges++;
        pthread_mutex_unlock(&r->mu);
    }
    if (!r->answer_correctly) challenge = "wrong answer";
    resp = MHD_create_response_from_buffer(strlen(challenge), (void *)challenge, MHD_RESPMEM_MUST_COPY);
    MHD_add_response_header(resp, "Content-Type", "text/plain");
    ret = MHD_queue_response(conn, MHD_HTTP_OK, resp);
    MHD_destroy_response(resp);
    cJSON_Delete(json);
    return ret;
}

static void on_done(void *cls, struct MHD_Connection *conn, void **ctx, enum MHD_RequestTerminationCode code) {
    body *b = (body *)*ctx;
    (void)cls;
    (void)conn;
    (void)code;
    if (b != NULL) {
        free(b->data);
        free(b);
    }
    *ctx = NULL;
}

responder *responder_start(int answer_correctly) {
    responder *r = calloc(1, sizeof *r);
    const union MHD_DaemonInfo *info;
    struct sockaddr_in addr;
    assert_non_null(r);
    r->answer_correctly = answer_correctly;
    pthread_mutex_init(&r->mu, NULL);
    memset(&addr, 0, sizeof addr);
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK); /* loopback only; port 0 = any free one */
    r->daemon = MHD_start_daemon(MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_ERROR_LOG, 0, NULL, NULL, on_request, r,
                                 MHD_OPTION_SOCK_ADDR, (struct sockaddr *)&addr, MHD_OPTION_NOTIFY_COMPLETED, on_done,
                                 r, MHD_OPTION_END);
    assert_non_null(r->daemon);
    info = MHD_get_daemon_info(r->daemon, MHD_DAEMON_INFO_BIND_PORT);
    snprintf(r->url, sizeof r->url, "http://127.0.0.1:%u", (unsigned)info->port);
    return r;
}

const char *responder_url(const responder *r) { return r->url; }

int responder_challenges(responder *r) {
    int n;
    pthread_mutex_lock(&r->mu);
    n = r->challenges;
    pthread_mutex_unlock(&r->mu);
    return n;
}

void responder_stop(responder *r) {
    if (r == NULL) return;
    MHD_stop_daemon(r->daemon);
    pthread_mutex_destroy(&r->mu);
    free(r);
}
