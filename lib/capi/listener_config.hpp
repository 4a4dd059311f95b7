// tc_listener_options -> events::ListenerConfig, shared by the listener and
// the runner's embedded listener.
#pragma once

#include "events/listener.hpp"

#include <twitchconduits/listener.h>

namespace tc::capi {
// TC_EINVAL/TC_EVERSION (with the message set) when an option is wrong.
tc_status listener_config_from_options(const tc_listener_options *opts, tc::events::ListenerConfig *cfg);
}  // namespace tc::capi
