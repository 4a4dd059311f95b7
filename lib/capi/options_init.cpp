// The _init functions of the versioned structs that had none: request and
// batch options, the subscription filter, the view query and the user record.
#include "capi/options_init.hpp"

#include <twitchconduits.h>

#include <cstddef>

namespace {

size_t request_options_size(unsigned int version) {
    return version >= 2 ? sizeof(tc_request_options) : offsetof(tc_request_options, deadline_ms);
}

}  // namespace

extern "C" {

TC_API tc_status tc_request_options_init(tc_request_options *opts, unsigned int version) {
    const tc_request_options defaults = TC_REQUEST_OPTIONS_INIT;
    return tc::capi::init_versioned("tc_request_options_init", opts, version, TC_REQUEST_OPTIONS_VERSION, defaults,
                                    request_options_size);
}

TC_API tc_status tc_batch_options_init(tc_batch_options *opts, unsigned int version) {
    const tc_batch_options defaults = TC_BATCH_OPTIONS_INIT;
    return tc::capi::init_versioned("tc_batch_options_init", opts, version, TC_BATCH_OPTIONS_VERSION, defaults,
                                    tc::capi::whole<tc_batch_options>);
}

TC_API tc_status tc_subscription_filter_init(tc_subscription_filter *filter, unsigned int version) {
    const tc_subscription_filter defaults = TC_SUBSCRIPTION_FILTER_INIT;
    return tc::capi::init_versioned("tc_subscription_filter_init", filter, version, TC_SUBSCRIPTION_FILTER_VERSION,
                                    defaults, tc::capi::whole<tc_subscription_filter>);
}

TC_API tc_status tc_view_query_init(tc_view_query *query, unsigned int version) {
    const tc_view_query defaults = TC_VIEW_QUERY_INIT;
    return tc::capi::init_versioned("tc_view_query_init", query, version, TC_VIEW_QUERY_VERSION, defaults,
                                    tc::capi::whole<tc_view_query>);
}

TC_API tc_status tc_user_record_init(tc_user_record *record, unsigned int version) {
    const tc_user_record defaults = TC_USER_RECORD_INIT;
    return tc::capi::init_versioned("tc_user_record_init", record, version, TC_USER_RECORD_VERSION, defaults,
                                    tc::capi::whole<tc_user_record>);
}

}  // extern "C"
