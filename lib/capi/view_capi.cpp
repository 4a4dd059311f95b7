// tc_conduits_sync and tc_view_*: the synced view held by the manager.
#include "capi/guard.hpp"
#include "capi/objects.hpp"
#include "capi/response.hpp"
#include "core/view_sync.hpp"

using tc::capi::fail;
using tc::capi::guarded;
using tc::capi::valid;

namespace {

// The view of a valid, synced manager; nullptr with the message set otherwise.
const tc::core::View *synced_view(const tc_conduits *c) {
    if (!valid(c)) {
        fail(TC_EINVAL, "invalid argument: c");
        return nullptr;
    }
    if (!c->manager->view().synced()) {
        fail(TC_EINVAL, "invalid argument: c has no view yet: call tc_conduits_sync() first");
        return nullptr;
    }
    return &c->manager->view();
}

tc_status query_from(const tc_view_query *q, tc::core::ViewQuery *out) {
    if (q == nullptr) return TC_OK;
    if (q->version == 0 || q->version > TC_VIEW_QUERY_VERSION) {
        return fail(TC_EVERSION, "query->version " + std::to_string(q->version) + " is not supported");
    }
    const std::pair<const char *, std::string *> fields[] = {
        {q->conduit_id, &out->conduit_id}, {q->user_id, &out->user_id}, {q->type, &out->type}, {q->status, &out->status}};
    static const char *const names[] = {"query->conduit_id", "query->user_id", "query->type", "query->status"};
    for (size_t i = 0; i < 4; ++i) {
        if (fields[i].first == nullptr) continue;
        if (fields[i].first[0] == '\0') return fail(TC_EINVAL, std::string("invalid argument: ") + names[i] + " is empty (NULL matches all)");
        *fields[i].second = fields[i].first;
    }
    return TC_OK;
}

}  // namespace

extern "C" {

TC_API tc_status tc_view_set_change_cb(tc_conduits *c, tc_view_change_cb cb, void *userdata) {
    TC_CHECK_ARG(valid(c), "c");
    c->manager->set_view_change_cb(cb, userdata);
    return TC_OK;
}

TC_API tc_status tc_view_pull_changes(tc_conduits *c, int enable, void *userdata) {
    TC_CHECK_ARG(valid(c), "c");
    c->manager->set_view_change_cb(nullptr, enable != 0 ? userdata : nullptr, enable != 0);
    return TC_OK;
}

TC_API tc_status tc_conduits_sync(tc_op_id *id_out, tc_conduits *c, tc_done_cb cb, void *userdata) {
    if (id_out != nullptr) *id_out = 0;
    TC_CHECK_ARG(valid(c), "c");
    return guarded([&]() -> tc_status {
        tc::core::Deliver<int> deliver = [cb, userdata](tc::core::Outcome<int> &&o) {
            return tc::capi::status_completion(cb, userdata, o.status, o.http_status, std::move(o.message));
        };
        tc::core::Manager &m = *c->manager;
        tc_status st = m.start_op(
            id_out, [&m, deliver](const std::shared_ptr<tc::core::OpState> &op) { tc::core::sync_view(m, op, deliver); },
            tc::capi::canceled_status(cb, userdata));
        return st == TC_OK ? TC_OK : fail(st, "the manager is being freed");
    });
}

TC_API int tc_view_is_synced(const tc_conduits *c) { return valid(c) && c->manager->view().synced() ? 1 : 0; }

TC_API tc_status tc_view_subscriptions(tc_subscription_list **out, const tc_conduits *c, const tc_view_query *query) {
    TC_CHECK_ARG(out != nullptr, "out");
    *out = nullptr;
    return guarded([&]() -> tc_status {
        tc::core::ViewQuery q;
        tc_status st = query_from(query, &q);
        if (st != TC_OK) return st;
        const tc::core::View *view = synced_view(c);
        if (view == nullptr) return TC_EINVAL;
        auto list = std::make_unique<tc_subscription_list>();
        for (auto &s : view->subscriptions(q)) list->items.push_back(tc::capi::make_subscription(std::move(s)));
        *out = list.release();
        return TC_OK;
    });
}

TC_API size_t tc_view_count(const tc_conduits *c, const tc_view_query *query) {
    size_t n = 0;
    guarded([&]() -> tc_status {
        tc::core::ViewQuery q;
        tc_status st = query_from(query, &q);
        if (st != TC_OK) return st;
        const tc::core::View *view = synced_view(c);
        if (view == nullptr) return TC_EINVAL;
        n = view->count(q);
        return TC_OK;
    });
    return n;
}

TC_API tc_status tc_view_conduits(tc_conduit_list **out, const tc_conduits *c) {
    TC_CHECK_ARG(out != nullptr, "out");
    *out = nullptr;
    return guarded([&]() -> tc_status {
        const tc::core::View *view = synced_view(c);
        if (view == nullptr) return TC_EINVAL;
        auto list = std::make_unique<tc_conduit_list>();
        for (auto &conduit : view->conduits()) {
            tc_conduit item;
            item.value = std::move(conduit);
            list->items.push_back(std::move(item));
        }
        *out = list.release();
        return TC_OK;
    });
}

TC_API tc_status tc_view_shards(tc_shard_list **out, const tc_conduits *c, const char *conduit_id) {
    TC_CHECK_ARG(out != nullptr, "out");
    *out = nullptr;
    TC_CHECK_ARG(conduit_id != nullptr && conduit_id[0] != '\0', "conduit_id");
    return guarded([&]() -> tc_status {
        const tc::core::View *view = synced_view(c);
        if (view == nullptr) return TC_EINVAL;
        std::vector<tc::helix::Shard> shards;
        if (!view->shards(conduit_id, &shards)) return fail(TC_ENOTFOUND, "the view has no conduit with that conduit_id");
        auto list = std::make_unique<tc_shard_list>();
        for (auto &s : shards) list->items.push_back(tc::capi::make_shard(std::move(s)));
        *out = list.release();
        return TC_OK;
    });
}

}  // extern "C"
