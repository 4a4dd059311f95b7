// Converts and validates the public options struct into the core config.
#pragma once

#include "core/manager.hpp"

#include <twitchconduits.h>

#include <string>

namespace tc::capi {

// TC_OK, or the status and a one-line message naming the offending field.
// The size of tc_conduits_options as a caller of `version` knows it.
size_t conduits_options_size(unsigned int version);
tc_status config_from_options(const tc_conduits_options *opts, core::ManagerConfig *out, std::string *error);

}  // namespace tc::capi
