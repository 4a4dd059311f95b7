/*
 * The public header compiles on its own as strict C99 (-std=c99 -Wall -Wextra
 * -pedantic -Werror, set in meson.build), its frozen values hold, and the
 * library links from C. Nothing but <twitchconduits.h> is included.
 */
#include <twitchconduits.h>

/* C99 has no _Static_assert: a negative array size stops the build. */
#define TC_TEST_STATIC_ASSERT(name, cond) typedef char tc_test_assert_##name[(cond) ? 1 : -1]

TC_TEST_STATIC_ASSERT(ok, TC_OK == 0);
TC_TEST_STATIC_ASSERT(error, TC_ERROR == -1);
TC_TEST_STATIC_ASSERT(einval, TC_EINVAL == -2);
TC_TEST_STATIC_ASSERT(eversion, TC_EVERSION == -4);
TC_TEST_STATIC_ASSERT(ecanceled, TC_ECANCELED == -5);
TC_TEST_STATIC_ASSERT(enetwork, TC_ENETWORK == -7);
TC_TEST_STATIC_ASSERT(enotfound, TC_ENOTFOUND == -12);
TC_TEST_STATIC_ASSERT(eclosed, TC_ECLOSED == -17);
TC_TEST_STATIC_ASSERT(ereentrant, TC_EREENTRANT == -18);
TC_TEST_STATIC_ASSERT(ebusy, TC_EBUSY == -19);
TC_TEST_STATIC_ASSERT(enotsupported, TC_ENOTSUPPORTED == -26);
TC_TEST_STATIC_ASSERT(esignature, TC_ESIGNATURE == -27);
TC_TEST_STATIC_ASSERT(estale, TC_ESTALE == -28);
TC_TEST_STATIC_ASSERT(log_error, TC_LOG_ERROR == 0);
TC_TEST_STATIC_ASSERT(log_debug, TC_LOG_DEBUG == 3);
TC_TEST_STATIC_ASSERT(get, TC_GET == 0);
TC_TEST_STATIC_ASSERT(delete, TC_DELETE == 4);
TC_TEST_STATIC_ASSERT(stat_requests, TC_STAT_HTTP_REQUESTS == 0);
TC_TEST_STATIC_ASSERT(stat_connections, TC_STAT_CONNECTIONS == 6);
TC_TEST_STATIC_ASSERT(stat_token_validations, TC_STAT_TOKEN_VALIDATIONS == 7);
TC_TEST_STATIC_ASSERT(dispatch_flag, TC_CONDUITS_F_DISPATCH_THREAD == 1u);
TC_TEST_STATIC_ASSERT(op_id_size, sizeof(tc_op_id) == 8);

static int same_string(const char *a, const char *b)
{
    if (a == 0 || b == 0)
        return 0;
    while (*a != '\0' && *a == *b) {
        a++;
        b++;
    }
    return *a == *b;
}

int main(void)
{
#include "header_alone_inits.inc"
    {
        /* A designated initialiser is as good as the macro: the fields it
         * leaves out are zero, which means their defaults. */
        tc_conduits_options d = { .version = TC_CONDUITS_OPTIONS_VERSION, .client_id = "cid" };
        tc_runner_options r = { .version = TC_RUNNER_OPTIONS_VERSION, .default_transport = TC_TRANSPORT_WEBSOCKET };
        tc_conduits_options m = TC_CONDUITS_OPTIONS_INIT;
        if (d.version != m.version || d.client_secret != m.client_secret || d.max_list_pages != m.max_list_pages ||
            d.log_level != m.log_level || r.list_interval_s != 0 || r.event_cb != NULL)
            return 5;
    }
    tc_conduits_options copts = TC_CONDUITS_OPTIONS_INIT;
    tc_request_options ropts = TC_REQUEST_OPTIONS_INIT;
    int major = -1, minor = -1, patch = -1;
    const char *v = tc_version(&major, &minor, &patch);

    if (copts.version != TC_CONDUITS_OPTIONS_VERSION || ropts.version != TC_REQUEST_OPTIONS_VERSION)
        return 1;
    if (!same_string(v, TC_VERSION_STRING))
        return 2;
    if (major != TC_VERSION_MAJOR || minor != TC_VERSION_MINOR || patch != TC_VERSION_PATCH)
        return 3;
    if (!same_string(tc_strerror(12345), "unknown status code"))
        return 4;
    return 0;
}
