// Running callbacks on the caller's thread, shared by the loop functions and
// the blocking *_sync() calls.
#pragma once

#include "capi/handles.hpp"

namespace tc::capi {

// Runs ready callbacks; performs a deferred tc_conduits_free() afterwards.
// Returns false when the handle no longer exists.
bool run_ready(tc_conduits *c, int *ran);

// Runs the loop until `id` is delivered (TC_OK) or the timeout passes.
// TC_EREENTRANT from inside a callback of this manager.
tc_status await_op(tc_conduits *c, tc_op_id id, int timeout_ms);

// TC_EREENTRANT (with the message set) when blocking here would wait for
// the callback this thread is running.
tc_status check_blocking_caller(tc_conduits *c);

// Frees the handle now (the deferred free path and tc_conduits_free()).
void destroy(tc_conduits *c);

}  // namespace tc::capi
