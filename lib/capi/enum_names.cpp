// Name functions for the public enums, so that tcctl and the bindings never
// keep their own copies. Values index the tables; anything else gives NULL.
#include "capi/guard.hpp"

#include <twitchconduits.h>

#include <cstddef>

namespace {

template <size_t N, class Enum>
const char *lookup(const char *const (&names)[N], Enum value, int first = 0) {
    int index = tc::capi::raw_enum(value) - first;
    return index >= 0 && static_cast<size_t>(index) < N ? names[index] : nullptr;
}

// tc_status runs from 0 down to TC_ESTALE: index = -value.
constexpr const char *kStatus[] = {
    "TC_OK",          "TC_ERROR",         "TC_EINVAL",     "TC_ENOMEM",         "TC_EVERSION",   "TC_ECANCELED",
    "TC_ETIMEDOUT",   "TC_ENETWORK",      "TC_ETLS",       "TC_EHTTP",          "TC_EAUTH",      "TC_EFORBIDDEN",
    "TC_ENOTFOUND",   "TC_ECONFLICT",     "TC_ERATELIMIT", "TC_ESERVER",        "TC_EPROTOCOL",  "TC_ECLOSED",
    "TC_EREENTRANT",  "TC_EBUSY",         "TC_ETOOLARGE",  "TC_EUSER",          "TC_EBADREQUEST", "TC_EGONE",
    "TC_EPARTIAL",    "TC_ENOCREDENTIALS", "TC_ENOTSUPPORTED", "TC_ESIGNATURE", "TC_ESTALE",
};
static_assert(sizeof kStatus / sizeof kStatus[0] == 1 - TC_ESTALE, "a tc_status without a name");

constexpr const char *kLogLevel[] = {"error", "warn", "info", "debug"};
constexpr const char *kMethod[] = {"GET", "POST", "PATCH", "PUT", "DELETE"};
constexpr const char *kItemOutcome[] = {"created", "existed", "failed",    "over_budget", "canceled",
                                        "deleted", "gone",    "to_create", "to_delete"};
constexpr const char *kViewChange[] = {"synced",          "subscription_added", "subscription_removed",
                                       "subscription_status", "conduit_added",  "conduit_removed",
                                       "conduit_updated", "shard_status"};
constexpr const char *kTransportType[] = {"webhook", "websocket", "conduit", "other"};
constexpr const char *kWebhookKind[] = {"rejected", "notification", "verification", "revocation"};

}  // namespace

extern "C" {

TC_API const char *tc_status_name(int status) {
    return status <= 0 && status >= TC_ESTALE ? kStatus[-status] : nullptr;
}
TC_API const char *tc_log_level_name(tc_log_level level) { return lookup(kLogLevel, level); }
TC_API const char *tc_method_name(tc_method method) { return lookup(kMethod, method); }
TC_API const char *tc_item_outcome_name(tc_item_outcome outcome) { return lookup(kItemOutcome, outcome); }
TC_API const char *tc_view_change_name(tc_view_change change) { return lookup(kViewChange, change); }
TC_API const char *tc_transport_type_name(tc_transport_type type) { return lookup(kTransportType, type); }
TC_API const char *tc_event_kind_name(tc_event_kind kind) { return lookup(kWebhookKind, kind); }

}  // extern "C"
