// tc_users_refresh: a user's tokens renewed through the OAuth refresh_token
// grant, applied to the registry in one atomic change.
#include "capi/completion_form.hpp"
#include "capi/guard.hpp"
#include "capi/handles.hpp"
#include "capi/loop.hpp"
#include "capi/users_handle.hpp"
#include "core/manager.hpp"
#include "net/oauth.hpp"
#include "util/clock.hpp"

#include <memory>
#include <string>

using tc::capi::fail;
using tc::capi::guarded;
using tc::capi::valid;

namespace {

// What one refresh carries from submission to completion; the refresh token
// it presents is cleared when the refresh is over.
struct RefreshJob {
    std::shared_ptr<tc::core::Users> users;
    std::string user_id;
    std::string refresh_token;
    RefreshJob() = default;
    RefreshJob(const RefreshJob &) = delete;
    RefreshJob &operator=(const RefreshJob &) = delete;
    ~RefreshJob() { tc::net::wipe_string(refresh_token); }
};

tc::runtime::Completion user_completion(tc_status status, std::string message, int http_status,
                                    tc::core::UserPtr user, tc_user_cb cb, void *userdata) {
    // std::function needs a copyable target: share the snapshot.
    std::shared_ptr<tc_user> handle;
    if (status == TC_OK && user) handle.reset(tc::capi::to_user_handle(std::move(user)), tc_user_free);
    return tc::capi::completion_for(cb != nullptr, userdata, TC_COMPLETION_USER, status, http_status,
                                    std::move(message), handle,
                                    [cb, userdata, status, handle] { cb(status, status == TC_OK ? handle.get() : nullptr, userdata); });
}

// The grant's answer (read by net/oauth) applied to the registry (loop thread).
tc::runtime::Completion finish_refresh(const RefreshJob &job, tc::net::CallResult &&r, tc_user_cb cb,
                                   void *userdata) {
    const int http = r.http.http_status;
    tc::net::RefreshedTokens tokens;
    std::string error;
    const tc_status outcome = tc::net::read_refresh(job.user_id, r, &tokens, &error);
    if (outcome != TC_OK) return user_completion(outcome, error, http, nullptr, cb, userdata);

    tc::core::TokenGrant grant;
    grant.access_token = tokens.access_token;
    if (tokens.has_refresh_token) grant.refresh_token = tokens.refresh_token;
    if (tokens.expires_in > 0) grant.expires_at = tc::util::unix_millis_now() / 1000 + tokens.expires_in;
    std::vector<std::string_view> scopes(tokens.scopes.begin(), tokens.scopes.end());
    if (tokens.has_scopes) grant.scopes = scopes;
    tc::core::UserPtr updated;
    const tc_status st = job.users->rotate_tokens(job.user_id, job.refresh_token, grant, &updated, &error);
    if (st != TC_OK) return user_completion(st, error, http, nullptr, cb, userdata);
    return user_completion(TC_OK, std::string(), http, std::move(updated), cb, userdata);
}

struct SyncUser {
    tc_status status = TC_ERROR;
    tc_user *user = nullptr;
};

void keep_user(tc_status status, const tc_user *user, void *userdata) {
    auto *out = static_cast<SyncUser *>(userdata);
    out->status = status;
    if (user != nullptr && tc_user_dup(&out->user, user) != TC_OK) {
        out->user = nullptr;
        out->status = TC_ENOMEM;
    }
}

}  // namespace

extern "C" {

TC_API tc_status tc_users_refresh(tc_op_id *id_out, tc_conduits *c, tc_users *users, const char *user_id,
                                  tc_user_cb cb, void *userdata) {
    if (id_out != nullptr) *id_out = 0;
    TC_CHECK_ARG(valid(c), "c");
    TC_CHECK_ARG(valid(users), "users");
    TC_CHECK_ARG(user_id != nullptr, "user_id");
    return guarded([&]() -> tc_status {
        tc::core::Manager &m = *c->manager;
        if (m.config().client_secret.empty()) {
            return fail(TC_ENOCREDENTIALS, "refreshing user tokens needs the app's client secret");
        }
        tc::core::UserPtr current;
        std::string why;
        tc_status st = users->users->get_by_user_id(user_id, &current, &why);
        if (st != TC_OK) return fail(st, why);
        if (!current->has_refresh_token()) {
            return fail(TC_ENOCREDENTIALS, "user_id " + std::string(user_id) + " has no refresh token");
        }
        auto job = std::make_shared<RefreshJob>();
        job->users = users->users;
        job->user_id = user_id;
        job->refresh_token = std::string(current->refresh_token());
        current.reset();  // clears the snapshot's copy of the tokens
        st = m.start_op(
            id_out,
            [&m, job, cb, userdata](const std::shared_ptr<tc::core::OpState> &op) {
                m.run_call(op, tc::net::refresh_call(m.config().client_id, m.config().client_secret,
                                                       job->refresh_token),
                           [op, job, cb, userdata](tc::net::CallResult &&r) {
                               if (op->canceled) {  // already delivered TC_ECANCELED; change nothing
                                   return user_completion(TC_ECANCELED, "operation canceled", 0, nullptr, cb,
                                                          userdata);
                               }
                               return finish_refresh(*job, std::move(r), cb, userdata);
                           });
            },
            tc::capi::canceled_for(cb != nullptr, userdata, TC_COMPLETION_USER,
                                   [cb, userdata] { cb(TC_ECANCELED, nullptr, userdata); }));
        return st == TC_OK ? TC_OK : fail(st, "the manager is being freed");
    });
}

TC_API tc_status tc_users_refresh_sync(tc_user **out, tc_conduits *c, tc_users *users, const char *user_id) {
    TC_CHECK_ARG(out != nullptr, "out");
    *out = nullptr;
    TC_CHECK_ARG(valid(c), "c");
    return guarded([&]() -> tc_status {
        // Refuse before submitting: the completion would write into this frame.
        tc_status st = tc::capi::check_blocking_caller(c);
        if (st != TC_OK) return st;
        SyncUser result;
        tc_op_id id = 0;
        st = tc_users_refresh(&id, c, users, user_id, keep_user, &result);
        if (st != TC_OK) return st;
        st = tc::capi::await_op(c, id, -1);
        if (st != TC_OK) return st;  // unreachable with no timeout; kept for safety
        *out = result.user;
        return result.status;
    });
}

}  // extern "C"
