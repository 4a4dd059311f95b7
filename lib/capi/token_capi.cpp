// tc_token_*: get, validate and revoke the app access token.
#include "capi/guard.hpp"
#include "capi/objects.hpp"
#include "capi/loop.hpp"
#include "capi/response.hpp"
#include "net/oauth.hpp"
#include "util/json.hpp"

using tc::capi::fail;
using tc::capi::guarded;
using tc::capi::valid;

namespace tc::capi {
namespace {

using OpPtr = std::shared_ptr<core::OpState>;

std::shared_ptr<tc_token> token_from(const net::TokenSnapshot &s) {
    auto t = std::make_shared<tc_token>();
    t->access_token = s.access_token;
    t->client_id = s.client_id;
    t->expires_at = s.expires_at_unix;
    return t;
}

runtime::Completion token_completion(tc_status status, const std::string &message, int http_status,
                                 std::shared_ptr<tc_token> token, tc_token_cb cb, void *userdata) {
    if (status != TC_OK) token.reset();
    return completion_for(cb != nullptr, userdata, TC_COMPLETION_TOKEN, status, http_status, message, token,
                          [cb, userdata, status, token] { cb(status, token.get(), userdata); });
}

runtime::Completion canceled_token(tc_token_cb cb, void *userdata) {
    return canceled_for(cb != nullptr, userdata, TC_COMPLETION_TOKEN, [cb, userdata] { cb(TC_ECANCELED, nullptr, userdata); });
}

// Runs `then` on the loop thread once a token is usable (or finishes `op` with the error).
void with_token(core::Manager &m, const OpPtr &op, tc_token_cb cb, void *userdata,
                std::function<void(const net::TokenSnapshot &)> then) {
    m.tokens().refresh(false, [&m, op, cb, userdata, then = std::move(then)](tc_status st, const std::string &msg) {
        if (op->canceled) return;
        if (st != TC_OK) {
            m.finish(op, token_completion(st, msg, 0, nullptr, cb, userdata));
            return;
        }
        then(m.tokens().snapshot());
    });
}

}  // namespace
}  // namespace tc::capi

namespace {
struct SyncToken {
    tc_status status = TC_ERROR;
    tc_token *token = nullptr;
};

void keep_token(tc_status status, const tc_token *t, void *userdata) {
    auto *out = static_cast<SyncToken *>(userdata);
    out->status = status;
    if (t != nullptr && tc_token_dup(&out->token, t) != TC_OK) out->token = nullptr;
}

template <class Submit>
tc_status token_sync(tc_token **out, tc_conduits *c, Submit submit) {
    TC_CHECK_ARG(out != nullptr, "out");
    *out = nullptr;
    TC_CHECK_ARG(valid(c), "c");
    return guarded([&]() -> tc_status {
        // Refuse before submitting: the completion would write into this frame.
        tc_status st = tc::capi::check_blocking_caller(c);
        if (st != TC_OK) return st;
        SyncToken result;
        tc_op_id id = 0;
        st = submit(&id, &result);
        if (st != TC_OK) return st;
        st = tc::capi::await_op(c, id, -1);
        if (st != TC_OK) return st;  // unreachable with no timeout; kept for safety
        *out = result.token;
        return result.status;
    });
}
}  // namespace

extern "C" {

TC_API tc_status tc_token_get(tc_op_id *id_out, tc_conduits *c, int force_refresh, tc_token_cb cb,
                              void *userdata) {
    if (id_out != nullptr) *id_out = 0;
    TC_CHECK_ARG(valid(c), "c");
    return guarded([&]() -> tc_status {
        tc::core::Manager &m = *c->manager;
        const bool force = force_refresh != 0;
        tc_status st = m.start_op(
            id_out,
            [&m, force, cb, userdata](const tc::capi::OpPtr &op) {
                m.tokens().refresh(force, [&m, op, cb, userdata](tc_status s, const std::string &msg) {
                    auto token = tc::capi::token_from(m.tokens().snapshot());
                    m.finish(op, tc::capi::token_completion(s, msg, 0, token, cb, userdata));
                });
            },
            tc::capi::canceled_token(cb, userdata));
        return st == TC_OK ? TC_OK : fail(st, "the manager is being freed");
    });
}

TC_API tc_status tc_token_validate(tc_op_id *id_out, tc_conduits *c, tc_token_cb cb, void *userdata) {
    if (id_out != nullptr) *id_out = 0;
    TC_CHECK_ARG(valid(c), "c");
    return guarded([&]() -> tc_status {
        tc::core::Manager &m = *c->manager;
        tc_status st = m.start_op(
            id_out,
            [&m, cb, userdata](const tc::capi::OpPtr &op) {
                tc::capi::with_token(m, op, cb, userdata, [&m, op, cb, userdata](const tc::net::TokenSnapshot &snap) {
                    m.run_call(op, tc::net::validate_call(snap.access_token),
                               [&m, snap, cb, userdata](tc::net::CallResult &&r) {
                                   m.tokens().validate_answered(snap.generation, r);
                                   auto token = tc::capi::token_from(snap);
                                   tc::net::TokenInfo info;
                                   std::string message;
                                   const tc_status s = tc::net::read_validate(r, &info, &message);
                                   if (s == TC_OK) {
                                       token->validated = true;
                                       token->client_id = info.client_id;
                                       token->has_login = info.has_login;
                                       token->login = info.login;
                                       token->has_user_id = info.has_user_id;
                                       token->user_id = info.user_id;
                                       token->scopes = info.scopes;
                                       token->expires_at = tc::util::unix_millis_now() / 1000 + info.expires_in;
                                   }
                                   return tc::capi::token_completion(s, message, r.http.http_status, token, cb,
                                                                     userdata);
                               });
                });
            },
            tc::capi::canceled_token(cb, userdata));
        return st == TC_OK ? TC_OK : fail(st, "the manager is being freed");
    });
}

TC_API tc_status tc_token_revoke(tc_op_id *id_out, tc_conduits *c, tc_response_cb cb, void *userdata) {
    if (id_out != nullptr) *id_out = 0;
    TC_CHECK_ARG(valid(c), "c");
    return guarded([&]() -> tc_status {
        tc::core::Manager &m = *c->manager;
        auto respond = [cb, userdata](tc::net::CallResult &&r) {
            return tc::capi::response_completion(tc::capi::response_from(std::move(r)), cb, userdata);
        };
        tc_status st = m.start_op(
            id_out,
            [&m, respond](const tc::capi::OpPtr &op) {
                tc::net::TokenSnapshot snap = m.tokens().snapshot();
                if (snap.access_token.empty()) {
                    m.finish(op, respond(tc::net::CallResult{}));  // nothing to revoke
                    return;
                }
                m.run_call(op, tc::net::revoke_call(snap.client_id, snap.access_token),
                           [&m, snap, respond](tc::net::CallResult &&r) {
                               m.tokens().revoke_answered(snap.generation, r);
                               return respond(std::move(r));
                           });
            },
            tc::capi::canceled_response(cb, userdata));
        return st == TC_OK ? TC_OK : fail(st, "the manager is being freed");
    });
}

TC_API tc_status tc_token_get_sync(tc_token **out, tc_conduits *c, int force_refresh) {
    return token_sync(out, c, [&](tc_op_id *id, SyncToken *result) {
        return tc_token_get(id, c, force_refresh, keep_token, result);
    });
}

TC_API tc_status tc_token_validate_sync(tc_token **out, tc_conduits *c) {
    return token_sync(out, c, [&](tc_op_id *id, SyncToken *result) {
        return tc_token_validate(id, c, keep_token, result);
    });
}

TC_API const char *tc_token_access_token(const tc_token *t) { return valid(t) ? t->access_token.c_str() : ""; }
TC_API const char *tc_token_client_id(const tc_token *t) { return valid(t) ? t->client_id.c_str() : ""; }
TC_API int64_t tc_token_expires_at(const tc_token *t) { return valid(t) ? t->expires_at : 0; }
TC_API int tc_token_is_validated(const tc_token *t) { return valid(t) && t->validated ? 1 : 0; }
TC_API const char *tc_token_login(const tc_token *t) {
    return valid(t) && t->has_login ? t->login.c_str() : nullptr;
}
TC_API const char *tc_token_user_id(const tc_token *t) {
    return valid(t) && t->has_user_id ? t->user_id.c_str() : nullptr;
}
TC_API size_t tc_token_scope_count(const tc_token *t) { return valid(t) ? t->scopes.size() : 0; }
TC_API const char *tc_token_scope(const tc_token *t, size_t index) {
    return valid(t) && index < t->scopes.size() ? t->scopes[index].c_str() : nullptr;
}

TC_API tc_status tc_token_dup(tc_token **out, const tc_token *t) {
    return tc::capi::dup_object(out, t, "t");
}

TC_API void tc_token_free(tc_token *t) { tc::capi::free_object(t); }

TC_API tc_status tc_token_to_json(char **out, const tc_token *t, int include_secret) {
    TC_CHECK_ARG(out != nullptr, "out");
    *out = nullptr;
    TC_CHECK_ARG(valid(t), "t");
    return guarded([&]() -> tc_status {
        tc::util::JsonPtr root(cJSON_CreateObject());
        if (!root) return fail(TC_ENOMEM, "out of memory");
        if (include_secret != 0) cJSON_AddStringToObject(root.get(), "access_token", t->access_token.c_str());
        cJSON_AddStringToObject(root.get(), "client_id", t->client_id.c_str());
        cJSON_AddNumberToObject(root.get(), "expires_at", static_cast<double>(t->expires_at));
        cJSON_AddBoolToObject(root.get(), "validated", t->validated);
        if (t->has_login) cJSON_AddStringToObject(root.get(), "login", t->login.c_str());
        else cJSON_AddNullToObject(root.get(), "login");
        if (t->has_user_id) cJSON_AddStringToObject(root.get(), "user_id", t->user_id.c_str());
        else cJSON_AddNullToObject(root.get(), "user_id");
        cJSON *scopes = cJSON_AddArrayToObject(root.get(), "scopes");
        for (const auto &s : t->scopes) cJSON_AddItemToArray(scopes, cJSON_CreateString(s.c_str()));
        char *text = tc::capi::dup_for_caller(tc::util::json_print(root.get()));
        if (text == nullptr) return fail(TC_ENOMEM, "out of memory");
        *out = text;
        return TC_OK;
    });
}

}  // extern "C"
