// Building tc_response objects and their deliveries, shared by every
// operation that completes with a response.
#pragma once

#include "capi/handles.hpp"
#include "runtime/completion_queue.hpp"
#include "net/engine.hpp"

#include <functional>
#include <memory>

namespace tc::capi {

std::shared_ptr<tc_response> response_from(net::CallResult &&r);
// A delivery that calls cb with `resp`.
runtime::Completion response_completion(std::shared_ptr<tc_response> resp, tc_response_cb cb, void *userdata);
// The teardown/cancel delivery: cb(TC_ECANCELED, <empty response>).
std::function<void()> deliver_canceled_response(tc_response_cb cb, void *userdata);
// Starts an operation that is one HTTP call completing with its response
// (tc_request, and deletes whose only result is a status).
tc_status start_call_op(tc_op_id *id_out, tc_conduits *c, net::Call call, tc_response_cb cb, void *userdata);

}  // namespace tc::capi
