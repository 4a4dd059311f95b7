// tc_conduits_next and tc_completion_*: the pull form of completion.
#include "capi/completion_form.hpp"
#include "capi/guard.hpp"
#include "capi/handles.hpp"
#include "capi/objects.hpp"
#include "capi/users_handle.hpp"
#include "capi/webhook_message.hpp"
#include "core/manager.hpp"

#include <twitchconduits/completion.h>

using tc::capi::fail;
using tc::capi::guarded;
using tc::capi::valid;

namespace tc::capi {
constexpr uint32_t kCompletionTag = 0x5443434fu;  // "TCCO"
}

struct tc_completion {
    uint32_t tag = tc::capi::kCompletionTag;
    tc_op_id op = 0;
    bool final = true;
    tc::runtime::Completion c;
};

namespace {

bool valid_completion(const tc_completion *d) { return d != nullptr && d->tag == tc::capi::kCompletionTag; }

// The result object when the completion is of `kind`, else NULL.
template <class Obj>
const Obj *result_of(const tc_completion *d, tc_completion_kind kind) {
    if (!valid_completion(d) || d->c.kind != kind) return nullptr;
    return static_cast<const Obj *>(d->c.result.get());
}

bool belongs_to_no_operation(int kind) {
    return kind == TC_COMPLETION_EVENT || kind == TC_COMPLETION_REJECT || kind == TC_COMPLETION_VIEW_CHANGE;
}

}  // namespace

extern "C" {

TC_API const char *tc_completion_kind_name(tc_completion_kind kind) {
    static const char *const names[] = {"done", "response", "token", "user", "conduit", "conduit_list",
                                        "shard", "shard_list", "shard_update", "batch", "page", "progress",
                                        "event", "reject", "view_change"};
    const int raw = tc::capi::raw_enum(kind);
    return raw >= 0 && raw < static_cast<int>(sizeof names / sizeof names[0]) ? names[raw] : nullptr;
}

TC_API tc_status tc_conduits_next(tc_conduits *c, tc_completion **out, int timeout_ms) {
    TC_CHECK_ARG(out != nullptr, "out");
    *out = nullptr;
    TC_CHECK_ARG(valid(c), "c");
    TC_CHECK_ARG(timeout_ms >= -1, "timeout_ms (must be -1 or more)");
    return guarded([&]() -> tc_status {
        tc_op_id op = 0;
        bool final = true;
        tc::runtime::Completion taken;
        // Nothing allocated on the common empty path (a short message, no object).
        if (!c->manager->queue().take(&op, &final, &taken, timeout_ms)) return fail(TC_ETIMEDOUT, "nothing ready");
        auto done = std::make_unique<tc_completion>();
        done->op = belongs_to_no_operation(taken.kind) ? 0 : op;
        done->final = final;
        done->c = std::move(taken);
        *out = done.release();
        return TC_OK;
    });
}

TC_API size_t tc_conduits_ready(const tc_conduits *c) {
    return valid(c) ? c->manager->queue().ready_to_take() : 0;
}

TC_API void tc_completion_free(tc_completion *done) {
    if (!valid_completion(done)) return;
    done->tag = tc::capi::kDeadTag;
    std::function<void()> release = std::move(done->c.on_release);
    delete done;
    if (release) release();
}

TC_API tc_op_id tc_completion_op(const tc_completion *done) { return valid_completion(done) ? done->op : 0; }

TC_API tc_completion_kind tc_completion_kind_get(const tc_completion *done) {
    return valid_completion(done) ? static_cast<tc_completion_kind>(done->c.kind) : TC_COMPLETION_DONE;
}

TC_API int tc_completion_is_final(const tc_completion *done) { return valid_completion(done) && done->final ? 1 : 0; }

TC_API tc_status tc_completion_status(const tc_completion *done) {
    return valid_completion(done) ? done->c.status : TC_EINVAL;
}

TC_API int tc_completion_http_status(const tc_completion *done) {
    return valid_completion(done) ? done->c.http_status : 0;
}

TC_API const char *tc_completion_message(const tc_completion *done) {
    if (!valid_completion(done) || done->c.status >= 0) return "";
    return done->c.message.c_str();
}

TC_API void *tc_completion_userdata(const tc_completion *done) {
    return valid_completion(done) ? done->c.userdata : nullptr;
}

TC_API const tc_response *tc_completion_response(const tc_completion *done) {
    return result_of<tc_response>(done, TC_COMPLETION_RESPONSE);
}
TC_API const tc_token *tc_completion_token(const tc_completion *done) {
    return result_of<tc_token>(done, TC_COMPLETION_TOKEN);
}
TC_API const tc_user *tc_completion_user(const tc_completion *done) {
    return result_of<tc_user>(done, TC_COMPLETION_USER);
}
TC_API const tc_conduit *tc_completion_conduit(const tc_completion *done) {
    return result_of<tc_conduit>(done, TC_COMPLETION_CONDUIT);
}
TC_API const tc_conduit_list *tc_completion_conduit_list(const tc_completion *done) {
    return result_of<tc_conduit_list>(done, TC_COMPLETION_CONDUIT_LIST);
}
TC_API const tc_shard *tc_completion_shard(const tc_completion *done) {
    return result_of<tc_shard>(done, TC_COMPLETION_SHARD);
}
TC_API const tc_shard_list *tc_completion_shard_list(const tc_completion *done) {
    return result_of<tc_shard_list>(done, TC_COMPLETION_SHARD_LIST);
}
TC_API const tc_shard_update_result *tc_completion_shard_update(const tc_completion *done) {
    return result_of<tc_shard_update_result>(done, TC_COMPLETION_SHARD_UPDATE);
}
TC_API const tc_subscription_batch *tc_completion_batch(const tc_completion *done) {
    return result_of<tc_subscription_batch>(done, TC_COMPLETION_BATCH);
}
TC_API const tc_subscription_list *tc_completion_page(const tc_completion *done) {
    return result_of<tc_subscription_list>(done, TC_COMPLETION_PAGE);
}

TC_API const tc_event *tc_completion_event(const tc_completion *done) {
    if (const tc_event *e = result_of<tc_event>(done, TC_COMPLETION_EVENT)) return e;
    return result_of<tc_event>(done, TC_COMPLETION_REJECT);
}

TC_API const char *tc_completion_source(const tc_completion *done) {
    if (!valid_completion(done)) return "";
    return done->c.kind == TC_COMPLETION_EVENT || done->c.kind == TC_COMPLETION_REJECT ? done->c.source.c_str() : "";
}

TC_API tc_status tc_completion_progress(const tc_completion *done, size_t *done_items, size_t *total_items) {
    const auto *report = result_of<tc::capi::ProgressReport>(done, TC_COMPLETION_PROGRESS);
    TC_CHECK_ARG(report != nullptr, "done (not a progress report)");
    if (done_items != nullptr) *done_items = report->done;
    if (total_items != nullptr) *total_items = report->total;
    return TC_OK;
}

TC_API int tc_completion_view_change(const tc_completion *done) {
    const auto *report = result_of<tc::core::ViewChangeReport>(done, TC_COMPLETION_VIEW_CHANGE);
    return report != nullptr ? static_cast<int>(report->change) : -1;
}

TC_API const char *tc_completion_view_id(const tc_completion *done) {
    const auto *report = result_of<tc::core::ViewChangeReport>(done, TC_COMPLETION_VIEW_CHANGE);
    return report != nullptr ? report->id.c_str() : "";
}

}  // extern "C"
