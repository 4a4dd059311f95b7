/*
 * The public header compiles on its own as strict C++ (C++11 to C++20, with
 * -Wall -Wextra -pedantic -Werror, set in meson.build), every *_INIT macro
 * initialises its struct without a warning in every way C++ code uses an
 * initialiser, the frozen values hold, and the extern "C" declarations link.
 * Nothing but <twitchconduits.h> is included.
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

// The INIT macros where C++ code puts initialisers: a namespace-scope
// constant, a default member initialiser, a default argument, a return.
static const tc_listener_options default_listener = TC_LISTENER_OPTIONS_INIT;
struct Holder {
    tc_runner_options runner = TC_RUNNER_OPTIONS_INIT;
    explicit Holder(tc_webhook_options w = TC_WEBHOOK_OPTIONS_INIT) : webhook(w) {}
    tc_webhook_options webhook;
};
static tc_batch_options batch_defaults() { return TC_BATCH_OPTIONS_INIT; }

int main()
{
#include "header_alone_inits.inc"
    Holder holder;
    tc_view_query queries[2] = {TC_VIEW_QUERY_INIT, TC_VIEW_QUERY_INIT};
    tc_user_record record = TC_USER_RECORD_INIT;
    record.version = 0;
    record = TC_USER_RECORD_INIT; // assignment
    if (default_listener.version != TC_LISTENER_OPTIONS_VERSION || holder.runner.version != TC_RUNNER_OPTIONS_VERSION ||
        holder.runner.default_transport != TC_TRANSPORT_WEBSOCKET || holder.webhook.version != TC_WEBHOOK_OPTIONS_VERSION ||
        batch_defaults().version != TC_BATCH_OPTIONS_VERSION || queries[1].version != TC_VIEW_QUERY_VERSION ||
        record.version != TC_USER_RECORD_VERSION)
        return 6;

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
