/*
 * The public header compiles on its own as strict C++11 (-std=c++11 -Wall
 * -Wextra -pedantic -Werror, set in meson.build), every *_OPTIONS_INIT macro
 * initialises its struct without a missing-initializer warning, the frozen
 * values hold, and the extern "C" declarations link. Nothing but
 * <twitchconduits.h> is included.
 */
#include <twitchconduits.h>

static_assert(TC_OK == 0, "TC_OK is frozen");
static_assert(TC_ERROR == -1, "TC_ERROR is frozen");
static_assert(TC_EINVAL == -2, "TC_EINVAL is frozen");
static_assert(TC_EVERSION == -4, "TC_EVERSION is frozen");
static_assert(TC_ECANCELED == -5, "TC_ECANCELED is frozen");
static_assert(TC_ENETWORK == -7, "TC_ENETWORK is frozen");
static_assert(TC_ENOTFOUND == -12, "TC_ENOTFOUND is frozen");
static_assert(TC_ECLOSED == -17, "TC_ECLOSED is frozen");
static_assert(TC_EREENTRANT == -18, "TC_EREENTRANT is frozen");
static_assert(TC_EBUSY == -19, "TC_EBUSY is frozen");
static_assert(TC_ENOTSUPPORTED == -26, "TC_ENOTSUPPORTED is frozen");
static_assert(TC_LOG_ERROR == 0 && TC_LOG_DEBUG == 3, "log levels are frozen");
static_assert(TC_GET == 0 && TC_DELETE == 4, "methods are frozen");
static_assert(TC_STAT_HTTP_REQUESTS == 0 && TC_STAT_CONNECTIONS == 6, "stats are frozen");
static_assert(sizeof(tc_op_id) == 8, "tc_op_id is 64 bits");

static bool same_string(const char *a, const char *b)
{
    if (a == nullptr || b == nullptr)
        return false;
    while (*a != '\0' && *a == *b) {
        ++a;
        ++b;
    }
    return *a == *b;
}

int main()
{
    // Every *_OPTIONS_INIT macro, as a C++ user writes it.
    tc_conduits_options copts = TC_CONDUITS_OPTIONS_INIT;
    tc_request_options ropts = TC_REQUEST_OPTIONS_INIT;
    const tc_conduits_options ccopts = TC_CONDUITS_OPTIONS_INIT;
    static const tc_request_options sropts = TC_REQUEST_OPTIONS_INIT;

    if (copts.version != TC_CONDUITS_OPTIONS_VERSION || ccopts.version != TC_CONDUITS_OPTIONS_VERSION)
        return 1;
    if (ropts.version != TC_REQUEST_OPTIONS_VERSION || sropts.version != TC_REQUEST_OPTIONS_VERSION)
        return 1;
    if (copts.log_level != TC_LOG_ERROR || ropts.method != TC_GET)
        return 1;

    // The declarations have C linkage: these resolve against the C library.
    int major = -1, minor = -1, patch = -1;
    if (!same_string(tc_version(&major, &minor, &patch), TC_VERSION_STRING))
        return 2;
    if (major != TC_VERSION_MAJOR || minor != TC_VERSION_MINOR || patch != TC_VERSION_PATCH)
        return 3;
    if (!same_string(tc_strerror(12345), "unknown status code"))
        return 4;
    if (tc_conduits_options_init(&copts, TC_CONDUITS_OPTIONS_VERSION) != TC_OK)
        return 5;
    tc_conduits_free(nullptr);
    tc_free(nullptr);
    return 0;
}
