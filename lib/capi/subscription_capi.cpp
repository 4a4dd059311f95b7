// tc_subscription_* and tc_subscriptions_*: create, list, delete, cleanup,
// reconcile, and the subscription, page and batch objects.
#include "capi/guard.hpp"
#include "capi/objects.hpp"
#include "capi/response.hpp"
#include "core/subscription_ops.hpp"
#include "helix/codec.hpp"

using tc::capi::fail;
using tc::capi::guarded;
using tc::capi::valid;

tc_subscription tc::capi::make_subscription(tc::helix::Subscription &&s) {
    tc_subscription out;
    out.user_id = std::move(s.user);
    out.id = std::move(s.id);
    out.type = std::move(s.type);
    out.version = std::move(s.version);
    out.status = std::move(s.status);
    out.condition = std::move(s.condition);
    out.created_at = std::move(s.created_at);
    out.cost = s.cost;
    out.transport.value = std::move(s.transport);
    return out;
}

namespace {

using tc::capi::make_subscription;
using tc::core::BatchResult;

std::shared_ptr<tc_subscription_batch> wrap_batch(BatchResult &&result) {
    auto batch = std::make_shared<tc_subscription_batch>();
    batch->cost = result.cost;
    batch->items.reserve(result.items.size());
    for (auto &item : result.items) {
        tc_subscription_batch::Item out;
        out.outcome = item.outcome;
        out.status = item.status;
        out.message = std::move(item.message);
        out.has_subscription = item.has_subscription;
        if (item.has_subscription) out.subscription = make_subscription(std::move(item.subscription));
        batch->items.push_back(std::move(out));
    }
    return batch;
}

// pull: the operation has the pull form; its progress then is too, when
// asked for with progress_every and no progress callback.
tc_status batch_config(const tc_batch_options *opts, bool pull, void *userdata, tc::core::BatchConfig *config) {
    if (opts == nullptr) return TC_OK;
    if (opts->version == 0 || opts->version > TC_BATCH_OPTIONS_VERSION) {
        return fail(TC_EVERSION, "opts->version " + std::to_string(opts->version) + " is not supported");
    }
    if (opts->concurrency < 0 || opts->concurrency > 1000) return fail(TC_EINVAL, "invalid argument: opts->concurrency must be 0..1000");
    if (opts->concurrency > 0) config->concurrency = opts->concurrency;
    config->progress_every = opts->progress_every;
    tc_progress_cb progress = opts->progress;
    if (progress != nullptr) {
        void *progress_userdata = opts->progress_userdata;
        config->progress = [progress, progress_userdata](size_t done, size_t total) {
            tc::runtime::Completion report;
            report.deliver = [progress, progress_userdata, done, total] { progress(done, total, progress_userdata); };
            return report;
        };
    } else if (pull && opts->progress_every > 0) {
        config->progress = [userdata](size_t done, size_t total) {
            tc::runtime::Completion report = tc::runtime::pull_form(TC_COMPLETION_PROGRESS, userdata);
            report.result = std::make_shared<tc::capi::ProgressReport>(tc::capi::ProgressReport{done, total});
            return report;
        };
    }
    return TC_OK;
}

tc_status specs_from(const tc_subscription_spec *specs, size_t count, std::vector<tc::helix::SubscriptionSpec> *out) {
    if (specs == nullptr && count > 0) return fail(TC_EINVAL, "invalid argument: specs is NULL but count is not 0");
    out->reserve(count);
    for (size_t i = 0; i < count; ++i) {
        const tc_subscription_spec &s = specs[i];
        const std::string where = "specs[" + std::to_string(i) + "]";
        if (s.type == nullptr || s.type[0] == '\0') return fail(TC_EINVAL, "invalid argument: " + where + ".type");
        if (s.version == nullptr || s.version[0] == '\0') return fail(TC_EINVAL, "invalid argument: " + where + ".version");
        if (s.condition_json == nullptr) return fail(TC_EINVAL, "invalid argument: " + where + ".condition_json");
        std::string condition = tc::helix::canonical_json(s.condition_json);
        if (condition.empty()) return fail(TC_EINVAL, "invalid argument: " + where + ".condition_json is not a JSON object");
        out->push_back({s.type, s.version, condition});
    }
    return TC_OK;
}

// The common start of the batch operations.
tc_status start_batch(tc_op_id *id_out, tc_conduits *c, tc_subscription_batch_cb cb, void *userdata,
                      std::function<void(tc::core::Manager &, const tc::core::OpPtr &, tc::core::Deliver<BatchResult>)> run) {
    return tc::capi::start_object_op<BatchResult, tc_subscription_batch>(id_out, c, cb, userdata, wrap_batch, std::move(run));
}

tc::util::JsonPtr encode(const tc_subscription &s) {
    tc::util::JsonPtr obj(cJSON_CreateObject());
    if (!obj) return obj;
    cJSON_AddStringToObject(obj.get(), "id", s.id.c_str());
    cJSON_AddStringToObject(obj.get(), "status", s.status.c_str());
    cJSON_AddStringToObject(obj.get(), "type", s.type.c_str());
    cJSON_AddStringToObject(obj.get(), "version", s.version.c_str());
    cJSON_AddItemToObject(obj.get(), "condition", cJSON_Parse(s.condition.c_str()));
    cJSON_AddStringToObject(obj.get(), "created_at", s.created_at.c_str());
    cJSON_AddItemToObject(obj.get(), "transport", tc::helix::encode_transport(s.transport.value, false).release());
    cJSON_AddNumberToObject(obj.get(), "cost", s.cost);
    if (!s.user_id.empty()) cJSON_AddStringToObject(obj.get(), "user_id", s.user_id.c_str());
    return obj;
}

const tc_subscription_batch::Item *batch_item(const tc_subscription_batch *b, size_t index) {
    return valid(b) && index < b->items.size() ? &b->items[index] : nullptr;
}

const char *outcome_name(tc_item_outcome o) {
    switch (o) {
    case TC_ITEM_CREATED: return "created";
    case TC_ITEM_EXISTED: return "existed";
    case TC_ITEM_FAILED: return "failed";
    case TC_ITEM_OVER_BUDGET: return "over_budget";
    case TC_ITEM_CANCELED: return "canceled";
    case TC_ITEM_DELETED: return "deleted";
    case TC_ITEM_GONE: return "gone";
    case TC_ITEM_TO_CREATE: return "to_create";
    case TC_ITEM_TO_DELETE: return "to_delete";
    }
    return "unknown";
}

}  // namespace

extern "C" {

TC_API tc_status tc_subscriptions_create(tc_op_id *id_out, tc_conduits *c, const char *conduit_id,
                                         const tc_subscription_spec *specs, size_t count, const tc_batch_options *opts,
                                         tc_subscription_batch_cb cb, void *userdata) {
    if (id_out != nullptr) *id_out = 0;
    TC_CHECK_ARG(valid(c), "c");
    TC_CHECK_ARG(conduit_id != nullptr && conduit_id[0] != '\0', "conduit_id");
    return guarded([&]() -> tc_status {
        tc::core::BatchConfig config;
        std::vector<tc::helix::SubscriptionSpec> items;
        tc_status st = batch_config(opts, cb == nullptr, userdata, &config);
        if (st == TC_OK) st = specs_from(specs, count, &items);
        if (st != TC_OK) return st;
        std::string id(conduit_id);
        return start_batch(id_out, c, cb, userdata,
                           [id, items = std::move(items), config](tc::core::Manager &m, const tc::core::OpPtr &op,
                                                                  tc::core::Deliver<BatchResult> d) mutable {
                               tc::core::create_subscriptions(m, op, id, std::move(items), config, std::move(d));
                           });
    });
}

TC_API tc_status tc_subscriptions_create_by_type(tc_op_id *id_out, tc_conduits *c, const char *conduit_id,
                                                 const char *const *types, size_t type_count,
                                                 const char *condition_json, unsigned int flags,
                                                 const tc_batch_options *opts, tc_subscription_batch_cb cb,
                                                 void *userdata) {
    if (id_out != nullptr) *id_out = 0;
    TC_CHECK_ARG(valid(c), "c");
    TC_CHECK_ARG(conduit_id != nullptr && conduit_id[0] != '\0', "conduit_id");
    TC_CHECK_ARG((flags & ~TC_BY_TYPE_F_ALL_FILLABLE) == 0, "flags");
    const bool all_fillable = (flags & TC_BY_TYPE_F_ALL_FILLABLE) != 0;
    TC_CHECK_ARG(all_fillable || types != nullptr || type_count == 0, "types (NULL but type_count is not 0)");
    TC_CHECK_ARG(condition_json != nullptr, "condition_json");
    return guarded([&]() -> tc_status {
        tc::core::BatchConfig config;
        tc_status st = batch_config(opts, cb == nullptr, userdata, &config);
        if (st != TC_OK) return st;
        std::vector<std::string> names;
        if (!all_fillable) {
            names.reserve(type_count);
            for (size_t i = 0; i < type_count; ++i) {
                if (types[i] == nullptr || types[i][0] == '\0') {
                    return fail(TC_EINVAL, "invalid argument: types[" + std::to_string(i) + "] is NULL or empty");
                }
                names.emplace_back(types[i]);
            }
        }
        if (tc::helix::canonical_json(condition_json).empty()) {
            return fail(TC_EINVAL, "invalid argument: condition_json is not a JSON object");
        }
        std::vector<tc::core::PlannedItem> plan = tc::core::plan_by_type(names, condition_json, all_fillable);
        std::string id(conduit_id);
        return start_batch(id_out, c, cb, userdata,
                           [id, plan = std::move(plan), config](tc::core::Manager &m, const tc::core::OpPtr &op,
                                                                tc::core::Deliver<BatchResult> d) mutable {
                               tc::core::create_planned_subscriptions(m, op, id, std::move(plan), config, std::move(d));
                           });
    });
}

TC_API tc_status tc_subscriptions_list(tc_op_id *id_out, tc_conduits *c, const tc_subscription_filter *filter,
                                       tc_subscription_page_cb page_cb, tc_done_cb done_cb, void *userdata) {
    if (id_out != nullptr) *id_out = 0;
    TC_CHECK_ARG(valid(c), "c");
    TC_CHECK_ARG((page_cb == nullptr) == (done_cb == nullptr), "page_cb and done_cb (both or neither)");
    return guarded([&]() -> tc_status {
        tc::helix::SubscriptionFilter f;
        if (filter != nullptr) {
            if (filter->version == 0 || filter->version > TC_SUBSCRIPTION_FILTER_VERSION) {
                return fail(TC_EVERSION, "filter->version " + std::to_string(filter->version) + " is not supported");
            }
            const std::pair<const char *, const char *> fields[] = {{"status", filter->status},
                                                                    {"type", filter->type},
                                                                    {"user_id", filter->user_id},
                                                                    {"subscription_id", filter->subscription_id},
                                                                    {"conduit_id", filter->conduit_id}};
            for (const auto &field : fields) {
                if (field.second == nullptr) continue;
                if (field.second[0] == '\0') return fail(TC_EINVAL, std::string("invalid argument: filter->") + field.first + " is empty");
                if (!f.name.empty()) return fail(TC_EINVAL, "invalid argument: filter: Twitch accepts only one filter at a time");
                f = {field.first, field.second};
            }
        }
        auto sink = std::make_shared<tc::core::PageSink>();
        sink->page = [page_cb, userdata](tc::core::Subscriptions &&page, const tc::helix::CostInfo &cost,
                                         std::function<void(bool)> returned) {
            auto convert = [](tc::core::Subscriptions &items, const tc::helix::CostInfo &c) {
                auto list = std::make_shared<tc_subscription_list>();
                list->cost = c;
                list->items.reserve(items.size());
                for (auto &s : items) list->items.push_back(make_subscription(std::move(s)));
                return list;
            };
            tc::runtime::Completion report;
            if (page_cb == nullptr) {
                // Freeing the taken page lets the listing go on.
                report = tc::runtime::pull_form(TC_COMPLETION_PAGE, userdata);
                report.result = convert(page, cost);
                report.on_release = [returned] { returned(true); };
            } else {
                // Converted on the user's thread, while the I/O thread fetches the next page.
                auto raw = std::make_shared<tc::core::Subscriptions>(std::move(page));
                report.deliver = [page_cb, userdata, raw, cost, convert, returned] {
                    auto list = convert(*raw, cost);
                    raw->clear();
                    returned(page_cb(list.get(), userdata) == 0);
                };
            }
            return report;
        };
        tc::core::Deliver<int> deliver = [done_cb, userdata](tc::core::Outcome<int> &&o) {
            return tc::capi::status_completion(done_cb, userdata, o.status, o.http_status, std::move(o.message));
        };
        tc::core::Manager &m = *c->manager;
        tc_status st = m.start_op(
            id_out, [&m, f, sink, deliver](const tc::core::OpPtr &op) { tc::core::list_subscriptions(m, op, f, sink, deliver); },
            tc::capi::canceled_status(done_cb, userdata));
        return st == TC_OK ? TC_OK : fail(st, "the manager is being freed");
    });
}

TC_API tc_status tc_subscription_delete(tc_op_id *id_out, tc_conduits *c, const char *subscription_id,
                                        tc_response_cb cb, void *userdata) {
    if (id_out != nullptr) *id_out = 0;
    TC_CHECK_ARG(valid(c), "c");
    TC_CHECK_ARG(subscription_id != nullptr && subscription_id[0] != '\0', "subscription_id");
    return guarded([&] { return tc::capi::start_call_op(id_out, c, tc::helix::delete_subscription_call(subscription_id), cb, userdata); });
}

TC_API tc_status tc_subscriptions_cleanup(tc_op_id *id_out, tc_conduits *c, const char *conduit_id, unsigned int flags,
                                          const tc_batch_options *opts, tc_subscription_batch_cb cb, void *userdata) {
    if (id_out != nullptr) *id_out = 0;
    TC_CHECK_ARG(valid(c), "c");
    TC_CHECK_ARG(conduit_id == nullptr || conduit_id[0] != '\0', "conduit_id (NULL for all, not \"\")");
    TC_CHECK_ARG((flags & ~TC_CLEANUP_F_INCLUDE_PENDING) == 0, "flags");
    return guarded([&]() -> tc_status {
        tc::core::BatchConfig config;
        tc_status st = batch_config(opts, cb == nullptr, userdata, &config);
        if (st != TC_OK) return st;
        std::string id(conduit_id != nullptr ? conduit_id : "");
        const bool pending = (flags & TC_CLEANUP_F_INCLUDE_PENDING) != 0;
        return start_batch(id_out, c, cb, userdata,
                           [id, pending, config](tc::core::Manager &m, const tc::core::OpPtr &op, tc::core::Deliver<BatchResult> d) {
                               tc::core::cleanup_subscriptions(m, op, id, pending, config, std::move(d));
                           });
    });
}

TC_API tc_status tc_subscriptions_reconcile(tc_op_id *id_out, tc_conduits *c, const char *conduit_id,
                                            const tc_subscription_spec *specs, size_t count, unsigned int flags,
                                            const tc_batch_options *opts, tc_subscription_batch_cb cb, void *userdata) {
    if (id_out != nullptr) *id_out = 0;
    TC_CHECK_ARG(valid(c), "c");
    TC_CHECK_ARG(conduit_id != nullptr && conduit_id[0] != '\0', "conduit_id");
    TC_CHECK_ARG((flags & ~TC_RECONCILE_F_DRY_RUN) == 0, "flags");
    return guarded([&]() -> tc_status {
        tc::core::BatchConfig config;
        std::vector<tc::helix::SubscriptionSpec> items;
        tc_status st = batch_config(opts, cb == nullptr, userdata, &config);
        if (st == TC_OK) st = specs_from(specs, count, &items);
        if (st != TC_OK) return st;
        std::string id(conduit_id);
        const bool dry_run = (flags & TC_RECONCILE_F_DRY_RUN) != 0;
        return start_batch(id_out, c, cb, userdata,
                           [id, items = std::move(items), dry_run, config](tc::core::Manager &m, const tc::core::OpPtr &op,
                                                                           tc::core::Deliver<BatchResult> d) mutable {
                               tc::core::reconcile_subscriptions(m, op, id, std::move(items), dry_run, config, std::move(d));
                           });
    });
}

TC_API const char *tc_subscription_id(const tc_subscription *s) { return valid(s) ? s->id.c_str() : nullptr; }
TC_API const char *tc_subscription_type(const tc_subscription *s) { return valid(s) ? s->type.c_str() : nullptr; }
TC_API const char *tc_subscription_version(const tc_subscription *s) { return valid(s) ? s->version.c_str() : nullptr; }
TC_API const char *tc_subscription_status(const tc_subscription *s) { return valid(s) ? s->status.c_str() : nullptr; }
TC_API const char *tc_subscription_condition(const tc_subscription *s) { return valid(s) ? s->condition.c_str() : nullptr; }
TC_API const char *tc_subscription_created_at(const tc_subscription *s) {
    return valid(s) ? s->created_at.c_str() : nullptr;
}
TC_API int tc_subscription_cost(const tc_subscription *s) { return valid(s) ? s->cost : 0; }
TC_API const tc_transport *tc_subscription_transport(const tc_subscription *s) {
    return valid(s) ? &s->transport : nullptr;
}
TC_API const char *tc_subscription_user_id(const tc_subscription *s) {
    return valid(s) && !s->user_id.empty() ? s->user_id.c_str() : nullptr;
}

TC_API tc_status tc_subscription_dup(tc_subscription **out, const tc_subscription *s) {
    return tc::capi::dup_object(out, s, "s");
}

TC_API void tc_subscription_free(tc_subscription *s) { tc::capi::free_object(s); }

TC_API tc_status tc_subscription_to_json(char **out, const tc_subscription *s) {
    return tc::capi::object_to_json(out, s, "s", encode);
}

TC_API size_t tc_subscription_list_count(const tc_subscription_list *list) { return valid(list) ? list->items.size() : 0; }
TC_API const tc_subscription *tc_subscription_list_get(const tc_subscription_list *list, size_t index) {
    return valid(list) && index < list->items.size() ? &list->items[index] : nullptr;
}
TC_API int64_t tc_subscription_list_total(const tc_subscription_list *list) { return valid(list) ? list->cost.total : -1; }
TC_API int64_t tc_subscription_list_total_cost(const tc_subscription_list *list) {
    return valid(list) ? list->cost.total_cost : -1;
}
TC_API int64_t tc_subscription_list_max_total_cost(const tc_subscription_list *list) {
    return valid(list) ? list->cost.max_total_cost : -1;
}

TC_API tc_status tc_subscription_list_dup(tc_subscription_list **out, const tc_subscription_list *list) {
    return tc::capi::dup_object(out, list, "list");
}

TC_API void tc_subscription_list_free(tc_subscription_list *list) { tc::capi::free_object(list); }

TC_API tc_status tc_subscription_list_to_json(char **out, const tc_subscription_list *list) {
    return tc::capi::object_to_json(out, list, "list", [](const tc_subscription_list &l) {
        tc::util::JsonPtr root(cJSON_CreateObject());
        cJSON *data = root ? cJSON_AddArrayToObject(root.get(), "data") : nullptr;
        for (size_t i = 0; data != nullptr && i < l.items.size(); ++i) cJSON_AddItemToArray(data, encode(l.items[i]).release());
        return root;
    });
}

TC_API size_t tc_subscription_batch_count(const tc_subscription_batch *b) { return valid(b) ? b->items.size() : 0; }
TC_API tc_item_outcome tc_subscription_batch_outcome(const tc_subscription_batch *b, size_t index) {
    const auto *item = batch_item(b, index);
    return item != nullptr ? item->outcome : TC_ITEM_FAILED;
}
TC_API tc_status tc_subscription_batch_status(const tc_subscription_batch *b, size_t index) {
    const auto *item = batch_item(b, index);
    return item != nullptr ? item->status : fail(TC_EINVAL, "invalid argument: b or index");
}
TC_API const char *tc_subscription_batch_message(const tc_subscription_batch *b, size_t index) {
    const auto *item = batch_item(b, index);
    return item != nullptr ? item->message.c_str() : nullptr;
}
TC_API const tc_subscription *tc_subscription_batch_subscription(const tc_subscription_batch *b, size_t index) {
    const auto *item = batch_item(b, index);
    return item != nullptr && item->has_subscription ? &item->subscription : nullptr;
}
TC_API size_t tc_subscription_batch_tally(const tc_subscription_batch *b, tc_item_outcome outcome) {
    if (!valid(b)) return 0;
    const int wanted = tc::capi::raw_enum(outcome);
    size_t n = 0;
    for (const auto &item : b->items) n += static_cast<int>(item.outcome) == wanted ? 1 : 0;
    return n;
}
TC_API int64_t tc_subscription_batch_total(const tc_subscription_batch *b) { return valid(b) ? b->cost.total : -1; }
TC_API int64_t tc_subscription_batch_total_cost(const tc_subscription_batch *b) { return valid(b) ? b->cost.total_cost : -1; }
TC_API int64_t tc_subscription_batch_max_total_cost(const tc_subscription_batch *b) {
    return valid(b) ? b->cost.max_total_cost : -1;
}

TC_API tc_status tc_subscription_batch_dup(tc_subscription_batch **out, const tc_subscription_batch *b) {
    return tc::capi::dup_object(out, b, "b");
}

TC_API void tc_subscription_batch_free(tc_subscription_batch *b) { tc::capi::free_object(b); }

TC_API tc_status tc_subscription_batch_to_json(char **out, const tc_subscription_batch *b) {
    TC_CHECK_ARG(out != nullptr, "out");
    *out = nullptr;
    TC_CHECK_ARG(valid(b), "b");
    return guarded([&] {
        tc::util::JsonPtr root(cJSON_CreateObject());
        if (!root) return fail(TC_ENOMEM, "out of memory");
        cJSON_AddNumberToObject(root.get(), "total", static_cast<double>(b->cost.total));
        cJSON_AddNumberToObject(root.get(), "total_cost", static_cast<double>(b->cost.total_cost));
        cJSON_AddNumberToObject(root.get(), "max_total_cost", static_cast<double>(b->cost.max_total_cost));
        cJSON *items = cJSON_AddArrayToObject(root.get(), "items");
        for (const auto &item : b->items) {
            cJSON *o = cJSON_CreateObject();
            cJSON_AddStringToObject(o, "outcome", outcome_name(item.outcome));
            cJSON_AddNumberToObject(o, "status", item.status);
            cJSON_AddStringToObject(o, "message", item.message.c_str());
            if (item.has_subscription) cJSON_AddItemToObject(o, "subscription", encode(item.subscription).release());
            cJSON_AddItemToArray(items, o);
        }
        return tc::capi::json_out(out, root);
    });
}

}  // extern "C"
