/*
 * dlopen_consumer: use twitchconduits without linking against it, the way
 * other languages' FFIs do: dlopen() the shared library and look every
 * function up by name. The headers are included for the types only.
 *
 *   cc dlopen_consumer.c $(pkg-config --cflags twitchconduits) -ldl
 *   TWITCH_CLIENT_ID=... TWITCH_CLIENT_SECRET=... ./a.out [path/to/libtwitchconduits.so.0]
 *
 * TWITCH_API_BASE and TWITCH_AUTH_BASE point it at another server (the mock).
 */
#define _POSIX_C_SOURCE 200809L

#include <dlfcn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <twitchconduits.h> /* types, structs and macros; no function is called directly */

#define DEFAULT_LIBRARY "libtwitchconduits.so.0"

/* The functions we use, with the signatures from the headers. */
struct tc_api {
    const char *(*tc_version)(int *major, int *minor, int *patch);
    tc_status (*tc_conduits_options_init)(tc_conduits_options *opts, unsigned int version);
    tc_status (*tc_conduits_new)(tc_conduits **out, const tc_conduits_options *opts);
    tc_status (*tc_request_sync)(tc_response **out, tc_conduits *c, const tc_request_options *req);
    int (*tc_response_http_status)(const tc_response *r);
    const char *(*tc_response_body)(const tc_response *r, size_t *len_out);
    void (*tc_response_free)(tc_response *r);
    void (*tc_conduits_free)(tc_conduits *c);
    const char *(*tc_strerror)(int status);
    const char *(*tc_last_error_message)(void);
};

/* dlsym() returns a void *; POSIX guarantees it converts to a function
 * pointer. memcpy does the conversion without a pedantic warning. */
static int resolve(void *lib, const char *name, void *fn, size_t fn_size) {
    void *sym = dlsym(lib, name);
    if (sym == NULL) {
        fprintf(stderr, "dlsym(%s): %s\n", name, dlerror());
        return -1;
    }
    memcpy(fn, &sym, fn_size);
    return 0;
}

#define RESOLVE(lib, api, name) resolve((lib), #name, &(api)->name, sizeof (api)->name)

static int load_api(void *lib, struct tc_api *api) {
    int bad = 0;
    bad |= RESOLVE(lib, api, tc_version);
    bad |= RESOLVE(lib, api, tc_conduits_options_init);
    bad |= RESOLVE(lib, api, tc_conduits_new);
    bad |= RESOLVE(lib, api, tc_request_sync);
    bad |= RESOLVE(lib, api, tc_response_http_status);
    bad |= RESOLVE(lib, api, tc_response_body);
    bad |= RESOLVE(lib, api, tc_response_free);
    bad |= RESOLVE(lib, api, tc_conduits_free);
    bad |= RESOLVE(lib, api, tc_strerror);
    bad |= RESOLVE(lib, api, tc_last_error_message);
    return bad ? -1 : 0;
}

static const char *env(const char *name) {
    const char *v = getenv(name);
    return (v != NULL && v[0] != '\0') ? v : NULL;
}

int main(int argc, char **argv) {
    const char *path = argc > 1 ? argv[1] : DEFAULT_LIBRARY;
    const char *client_id = env("TWITCH_CLIENT_ID");
    const char *client_secret = env("TWITCH_CLIENT_SECRET");
    if (client_id == NULL || client_secret == NULL) {
        fprintf(stderr, "set TWITCH_CLIENT_ID and TWITCH_CLIENT_SECRET "
                        "(and optionally TWITCH_API_BASE, TWITCH_AUTH_BASE)\n");
        return 2;
    }

    void *lib = dlopen(path, RTLD_NOW | RTLD_LOCAL);
    if (lib == NULL) {
        fprintf(stderr, "dlopen(%s): %s\n", path, dlerror());
        return 1;
    }
    struct tc_api api;
    if (load_api(lib, &api) != 0) {
        dlclose(lib);
        return 1;
    }

    /* The structs below come from our headers: the loaded library must
     * have the same major version. */
    int major = 0, minor = 0, patch = 0;
    const char *version = api.tc_version(&major, &minor, &patch);
    printf("loaded %s: twitchconduits %s (headers %s)\n", path, version, TC_VERSION_STRING);
    if (major != TC_VERSION_MAJOR) {
        fprintf(stderr, "major version %d does not match the headers' %d\n", major, TC_VERSION_MAJOR);
        dlclose(lib);
        return 1;
    }

    tc_conduits_options opts;
    tc_status st = api.tc_conduits_options_init(&opts, TC_CONDUITS_OPTIONS_VERSION);
    if (st != TC_OK) {
        fprintf(stderr, "tc_conduits_options_init failed: %s: %s\n", api.tc_strerror(st), api.tc_last_error_message());
        dlclose(lib);
        return 1;
    }
    opts.client_id = client_id;
    opts.client_secret = client_secret;
    opts.api_base_url = env("TWITCH_API_BASE");
    opts.auth_base_url = env("TWITCH_AUTH_BASE");

    tc_conduits *c = NULL;
    st = api.tc_conduits_new(&c, &opts);
    if (st != TC_OK) {
        fprintf(stderr, "tc_conduits_new failed: %s: %s\n", api.tc_strerror(st), api.tc_last_error_message());
        dlclose(lib);
        return 1;
    }

    /* The token is fetched on demand by the first request. */
    tc_request_options req = TC_REQUEST_OPTIONS_INIT;
    req.method = TC_GET;
    req.path = "/eventsub/conduits";
    tc_response *resp = NULL;
    st = api.tc_request_sync(&resp, c, &req);
    int rc = 0;
    if (st != TC_OK) {
        fprintf(stderr, "GET /eventsub/conduits failed: %s: %s\n", api.tc_strerror(st), api.tc_last_error_message());
        rc = 1;
    } else {
        size_t len = 0;
        const char *body = api.tc_response_body(resp, &len);
        printf("GET /eventsub/conduits: HTTP %d\n%.*s\n", api.tc_response_http_status(resp), (int)len, body);
    }

    if (resp != NULL) api.tc_response_free(resp);
    api.tc_conduits_free(c);
    /* The library's threads are gone once tc_conduits_free() returns, so
     * unloading it is safe. */
    dlclose(lib);
    return rc;
}
