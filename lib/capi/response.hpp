// Building tc_response objects and their deliveries, shared by every
// operation that completes with a response.
#pragma once

#include "capi/handles.hpp"
#include "capi/completion_form.hpp"
#include "runtime/completion_queue.hpp"
#include "net/engine.hpp"

#include <functional>
#include <memory>

namespace tc::capi {

std::shared_ptr<tc_response> response_from(net::CallResult &&r);
// The completion with `resp`: cb(status, resp), or the pull form when cb is NULL.
runtime::Completion response_completion(std::shared_ptr<tc_response> resp, tc_response_cb cb, void *userdata);
// The teardown/cancel completion: cb(TC_ECANCELED, <empty response>).
runtime::Completion canceled_response(tc_response_cb cb, void *userdata);
// The completion of an operation whose only result is its status: cb(status).
runtime::Completion status_completion(tc_done_cb cb, void *userdata, tc_status status, int http_status,
                                      std::string message);
runtime::Completion canceled_status(tc_done_cb cb, void *userdata);
// Starts an operation that is one HTTP call completing with its response
// (tc_request, and deletes whose only result is a status).
tc_status start_call_op(tc_op_id *id_out, tc_conduits *c, net::Call call, tc_response_cb cb, void *userdata);

}  // namespace tc::capi
