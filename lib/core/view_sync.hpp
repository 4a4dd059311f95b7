// tc_conduits_sync: loads the view (conduits, their shards, every
// subscription; page by page, one page in flight) and replaces it whole.
#pragma once

#include "core/outcome.hpp"
#include "core/manager.hpp"

#include <memory>

namespace tc::core {

void sync_view(Manager &m, const std::shared_ptr<OpState> &op, Deliver<int> deliver);

}  // namespace tc::core
