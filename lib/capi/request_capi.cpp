// tc_request(): the generic Helix call, and the tc_response object.
#include "capi/guard.hpp"
#include "capi/objects.hpp"
#include "capi/loop.hpp"
#include "capi/response.hpp"
#include "util/json.hpp"

#include <strings.h>

#include <cstring>

using tc::capi::fail;
using tc::capi::guarded;
using tc::capi::valid;

namespace tc::capi {
namespace {

bool valid_method(const tc_method &m) {
    const int raw = raw_enum(m);
    return raw >= TC_GET && raw <= TC_DELETE;
}

tc_status call_from_options(const tc_request_options *req, net::Call *call) {
    if (req == nullptr) return fail(TC_EINVAL, "invalid argument: req");
    if (req->version == 0 || req->version > TC_REQUEST_OPTIONS_VERSION) {
        return fail(TC_EVERSION, "req->version " + std::to_string(req->version) + " is not supported");
    }
    if (!valid_method(req->method)) return fail(TC_EINVAL, "invalid argument: req->method is not a tc_method");
    if (req->path == nullptr || req->path[0] != '/') {
        return fail(TC_EINVAL, "invalid argument: req->path must start with '/'");
    }
    if (std::strpbrk(req->path, "?# \r\n") != nullptr) {
        return fail(TC_EINVAL, "invalid argument: req->path must not hold a query, fragment or spaces (use req->query)");
    }
    if (req->query_count > 0 && req->query == nullptr) {
        return fail(TC_EINVAL, "invalid argument: req->query is NULL but query_count is not 0");
    }
    if (req->body == nullptr && req->body_len != 0) {
        return fail(TC_EINVAL, "invalid argument: req->body is NULL but body_len is not 0");
    }
    if ((req->flags & ~TC_REQUEST_F_IDEMPOTENT) != 0) return fail(TC_EINVAL, "invalid argument: req->flags has unknown bits");
    if (req->timeout_ms < 0) return fail(TC_EINVAL, "invalid argument: req->timeout_ms must not be negative");
    if (req->max_attempts < 0 || req->max_attempts > 100) {
        return fail(TC_EINVAL, "invalid argument: req->max_attempts must be 0..100");
    }
    call->target = net::Call::Target::Helix;
    call->method = req->method;
    call->path = req->path;
    for (size_t i = 0; i < req->query_count; ++i) {
        const tc_param &p = req->query[i];
        if (p.name == nullptr || p.name[0] == '\0' || p.value == nullptr) {
            return fail(TC_EINVAL, "invalid argument: req->query[" + std::to_string(i) + "] needs a name and a value");
        }
        call->query.emplace_back(p.name, p.value);
    }
    if (req->body != nullptr) {
        size_t len = req->body_len != 0 ? req->body_len : std::strlen(req->body);
        call->body.assign(req->body, len);
        call->has_body = true;
    }
    call->unsafe_retry = (req->flags & TC_REQUEST_F_IDEMPOTENT) != 0;
    call->timeout_ms = req->timeout_ms;
    call->max_attempts = req->max_attempts;
    if (req->version >= 2) {  // a version-1 caller's struct ends before deadline_ms
        if (req->deadline_ms < -1) return fail(TC_EINVAL, "invalid argument: req->deadline_ms must be -1 or more");
        call->deadline_ms = req->deadline_ms;
    }
    return TC_OK;
}

}  // namespace

std::shared_ptr<tc_response> response_from(net::CallResult &&r) {
    auto resp = std::make_shared<tc_response>();
    resp->status = r.status;
    resp->http_status = r.http.http_status;
    resp->attempts = r.attempts;
    resp->elapsed_ms = r.elapsed_ms;
    resp->body = std::move(r.http.body);
    resp->headers = std::move(r.http.headers);
    resp->message = std::move(r.message);
    return resp;
}

runtime::Completion response_completion(std::shared_ptr<tc_response> resp, tc_response_cb cb, void *userdata) {
    return completion_for(cb != nullptr, userdata, TC_COMPLETION_RESPONSE, resp->status, resp->http_status,
                          resp->message, resp, [cb, userdata, resp] { cb(resp->status, resp.get(), userdata); });
}

std::shared_ptr<tc_response> canceled_response_object() {
    auto canceled = std::make_shared<tc_response>();
    canceled->status = TC_ECANCELED;
    canceled->message = "operation canceled";
    return canceled;
}

runtime::Completion canceled_response(tc_response_cb cb, void *userdata) {
    // Built on every submit and almost never used: the callback form makes
    // its response only when cancelled (this lambda needs no allocation).
    if (cb != nullptr) {
        return canceled_for(true, userdata, TC_COMPLETION_RESPONSE,
                            [cb, userdata] { cb(TC_ECANCELED, canceled_response_object().get(), userdata); });
    }
    return canceled_for(false, userdata, TC_COMPLETION_RESPONSE, nullptr, canceled_response_object());
}

runtime::Completion status_completion(tc_done_cb cb, void *userdata, tc_status status, int http_status,
                                      std::string message) {
    return completion_for(cb != nullptr, userdata, TC_COMPLETION_DONE, status, http_status, std::move(message),
                          nullptr, [cb, userdata, status] { cb(status, userdata); });
}

runtime::Completion canceled_status(tc_done_cb cb, void *userdata) {
    return canceled_for(cb != nullptr, userdata, TC_COMPLETION_DONE, [cb, userdata] { cb(TC_ECANCELED, userdata); });
}

tc_status start_call_op(tc_op_id *id_out, tc_conduits *c, net::Call call, tc_response_cb cb, void *userdata) {
    core::Manager &m = *c->manager;
    tc_status st = m.start_op(
        id_out,
        [&m, call = std::move(call), cb, userdata](const std::shared_ptr<core::OpState> &op) mutable {
            m.run_call(op, std::move(call), [cb, userdata](net::CallResult &&r) {
                return response_completion(response_from(std::move(r)), cb, userdata);
            });
        },
        canceled_response(cb, userdata));
    return st == TC_OK ? TC_OK : fail(st, "the manager is being freed");
}

}  // namespace tc::capi

namespace {
struct SyncResponse {
    tc_status status = TC_ERROR;
    tc_response *response = nullptr;
};

void keep_response(tc_status status, const tc_response *r, void *userdata) {
    auto *out = static_cast<SyncResponse *>(userdata);
    out->status = status;
    if (tc_response_dup(&out->response, r) != TC_OK) out->response = nullptr;
}
}  // namespace

extern "C" {

TC_API tc_status tc_request(tc_op_id *id_out, tc_conduits *c, const tc_request_options *req,
                            tc_response_cb cb, void *userdata) {
    if (id_out != nullptr) *id_out = 0;
    TC_CHECK_ARG(valid(c), "c");
    return guarded([&]() -> tc_status {
        tc::net::Call call;
        tc_status st = tc::capi::call_from_options(req, &call);
        if (st != TC_OK) return st;
        return tc::capi::start_call_op(id_out, c, std::move(call), cb, userdata);
    });
}

TC_API tc_status tc_request_sync(tc_response **out, tc_conduits *c, const tc_request_options *req) {
    TC_CHECK_ARG(out != nullptr, "out");
    *out = nullptr;
    TC_CHECK_ARG(valid(c), "c");
    return guarded([&]() -> tc_status {
        // Refuse before submitting: the completion would write into this frame.
        tc_status st = tc::capi::check_blocking_caller(c);
        if (st != TC_OK) return st;
        SyncResponse result;
        tc_op_id id = 0;
        st = tc_request(&id, c, req, keep_response, &result);
        if (st != TC_OK) return st;
        st = tc::capi::await_op(c, id, -1);
        if (st != TC_OK) return st;  // unreachable with no timeout; kept for safety
        *out = result.response;
        if (result.status != TC_OK && result.response != nullptr) tc::util::set_last_error(result.response->message);
        return result.status;
    });
}

TC_API tc_status tc_response_status(const tc_response *r) {
    return valid(r) ? r->status : fail(TC_EINVAL, "invalid argument: r");
}

TC_API int tc_response_http_status(const tc_response *r) { return valid(r) ? r->http_status : 0; }

TC_API const char *tc_response_body(const tc_response *r, size_t *len_out) {
    if (!valid(r)) {
        if (len_out != nullptr) *len_out = 0;
        return "";
    }
    if (len_out != nullptr) *len_out = r->body.size();
    return r->body.c_str();
}

TC_API const char *tc_response_header(const tc_response *r, const char *name) {
    if (!valid(r) || name == nullptr) return nullptr;
    const std::string *value = tc::net::find_header(r->headers, name);
    return value != nullptr ? value->c_str() : nullptr;
}

TC_API int tc_response_attempts(const tc_response *r) { return valid(r) ? r->attempts : 0; }

TC_API const char *tc_response_message(const tc_response *r) { return valid(r) ? r->message.c_str() : ""; }

TC_API double tc_response_elapsed_ms(const tc_response *r) { return valid(r) ? r->elapsed_ms : 0.0; }

TC_API tc_status tc_response_dup(tc_response **out, const tc_response *r) {
    return tc::capi::dup_object(out, r, "r");
}

TC_API void tc_response_free(tc_response *r) { tc::capi::free_object(r); }

TC_API tc_status tc_response_to_json(char **out, const tc_response *r) {
    TC_CHECK_ARG(out != nullptr, "out");
    *out = nullptr;
    TC_CHECK_ARG(valid(r), "r");
    return guarded([&]() -> tc_status {
        tc::util::JsonPtr root(cJSON_CreateObject());
        if (!root) return fail(TC_ENOMEM, "out of memory");
        cJSON_AddNumberToObject(root.get(), "status", r->status);
        cJSON_AddStringToObject(root.get(), "status_text", tc_strerror(r->status));
        cJSON_AddNumberToObject(root.get(), "http_status", r->http_status);
        cJSON_AddNumberToObject(root.get(), "attempts", r->attempts);
        cJSON_AddNumberToObject(root.get(), "elapsed_ms", r->elapsed_ms);
        cJSON_AddStringToObject(root.get(), "message", r->message.c_str());
        // The body is embedded as JSON when it is JSON, else as a string.
        tc::util::JsonPtr body = tc::util::json_parse(r->body);
        if (body) {
            cJSON_AddItemToObject(root.get(), "body", body.release());
        } else {
            cJSON_AddStringToObject(root.get(), "body", r->body.c_str());
        }
        char *text = tc::capi::dup_for_caller(tc::util::json_print(root.get()));
        if (text == nullptr) return fail(TC_ENOMEM, "out of memory");
        *out = text;
        return TC_OK;
    });
}

}  // extern "C"
