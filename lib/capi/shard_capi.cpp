// tc_shards_list, tc_shard_update, tc_shard_create, tc_shard_remove: the
// shard operations (the objects they return are in shard_object_capi.cpp).
#include "capi/guard.hpp"
#include "capi/objects.hpp"
#include "core/shard_ops.hpp"
#include "helix/validate.hpp"

#include <cstdlib>
#include <optional>

using tc::capi::fail;
using tc::capi::guarded;
using tc::capi::valid;

namespace {

using Shards = std::vector<tc::helix::Shard>;
using Outcomes = std::vector<tc::helix::ShardOutcome>;

std::shared_ptr<tc_shard> wrap_shard(tc::helix::Shard &&s) {
    return std::make_shared<tc_shard>(tc::capi::make_shard(std::move(s)));
}

std::shared_ptr<tc_shard_list> wrap_list(Shards &&list) {
    auto obj = std::make_shared<tc_shard_list>();
    obj->items.reserve(list.size());
    for (auto &s : list) obj->items.push_back(tc::capi::make_shard(std::move(s)));
    return obj;
}

std::shared_ptr<tc_shard_update_result> wrap_outcomes(Outcomes &&outcomes) {
    auto obj = std::make_shared<tc_shard_update_result>();
    for (auto &o : outcomes) {
        tc_shard_update_result::Item item;
        item.shard_id = o.shard_id;
        item.has_shard = o.ok;
        if (o.ok) {
            item.shard = tc::capi::make_shard(std::move(o.shard));
        } else {
            // Twitch's per-shard errors are about what we sent; a shard it did
            // not mention at all means its answer was incomplete.
            item.status = o.unmentioned ? TC_EPROTOCOL : TC_EBADREQUEST;
            item.message = o.message;
            item.code = o.code;
            ++obj->failed;
        }
        obj->items.push_back(std::move(item));
    }
    return obj;
}

}  // namespace

extern "C" {

TC_API tc_status tc_shards_list(tc_op_id *id_out, tc_conduits *c, const char *conduit_id, const char *status_filter,
                                tc_shard_list_cb cb, void *userdata) {
    if (id_out != nullptr) *id_out = 0;
    TC_CHECK_ARG(valid(c), "c");
    TC_CHECK_ARG(conduit_id != nullptr && conduit_id[0] != '\0', "conduit_id");
    TC_CHECK_ARG(status_filter == nullptr || status_filter[0] != '\0', "status_filter (NULL for all, not \"\")");
    return guarded([&] {
        std::string id(conduit_id), status(status_filter != nullptr ? status_filter : "");
        return tc::capi::start_object_op<Shards, tc_shard_list>(
            id_out, c, cb, userdata, wrap_list,
            [id, status](tc::core::Manager &m, const tc::core::OpPtr &op, tc::core::Deliver<Shards> d) {
                tc::core::list_shards(m, op, id, status, std::move(d));
            });
    });
}

TC_API tc_status tc_shard_update(tc_op_id *id_out, tc_conduits *c, const char *conduit_id,
                                 const tc_shard_assignment *assignments, size_t count, tc_shard_update_cb cb,
                                 void *userdata) {
    if (id_out != nullptr) *id_out = 0;
    TC_CHECK_ARG(valid(c), "c");
    TC_CHECK_ARG(conduit_id != nullptr && conduit_id[0] != '\0', "conduit_id");
    TC_CHECK_ARG(assignments != nullptr && count > 0, "assignments (at least one)");
    TC_CHECK_ARG(count <= static_cast<size_t>(tc::helix::kMaxShardCount), "count (at most 20000)");
    return guarded([&]() -> tc_status {
        const bool allow_http = c->manager->config().allow_http_callbacks;
        std::vector<tc::helix::ShardAssignment> items;
        items.reserve(count);
        for (size_t i = 0; i < count; ++i) {
            const tc_shard_assignment &a = assignments[i];
            const std::string where = "assignments[" + std::to_string(i) + "]";
            if (a.shard_id == nullptr || a.shard_id[0] == '\0') return fail(TC_EINVAL, "invalid argument: " + where + ".shard_id");
            if (!valid(a.transport)) return fail(TC_EINVAL, "invalid argument: " + where + ".transport");
            std::string problem = tc::helix::check_transport_for_shard(a.transport->value, allow_http);
            if (!problem.empty()) return fail(TC_EINVAL, "invalid argument: " + where + ": " + problem);
            items.push_back({a.shard_id, a.transport->value});
        }
        std::string id(conduit_id);
        return tc::capi::start_object_op<Outcomes, tc_shard_update_result>(
            id_out, c, cb, userdata, wrap_outcomes,
            [id, items = std::move(items)](tc::core::Manager &m, const tc::core::OpPtr &op,
                                           tc::core::Deliver<Outcomes> d) mutable {
                tc::core::update_shards(m, op, id, std::move(items), std::move(d));
            });
    });
}

TC_API tc_status tc_shard_create(tc_op_id *id_out, tc_conduits *c, const char *conduit_id, const char *callback_url,
                                 const char *route_key, tc_shard_cb cb, void *userdata) {
    if (id_out != nullptr) *id_out = 0;
    TC_CHECK_ARG(valid(c), "c");
    TC_CHECK_ARG(conduit_id != nullptr && conduit_id[0] != '\0', "conduit_id");
    return guarded([&]() -> tc_status {
        std::string callback = callback_url != nullptr ? callback_url : c->manager->config().callback_url;
        if (callback.empty()) {
            return fail(TC_EINVAL, "invalid argument: callback_url (and the manager has no callback_url option)");
        }
        if (route_key != nullptr) {
            for (const char *p = route_key; *p != '\0'; ++p) {
                const bool ok = (*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9') ||
                                *p == '-' || *p == '_' || *p == '.';
                if (!ok) return fail(TC_EINVAL, "invalid argument: route_key may hold only letters, digits, '-', '_' and '.'");
            }
            if (route_key[0] == '\0') return fail(TC_EINVAL, "invalid argument: route_key is empty");
            while (!callback.empty() && callback.back() == '/') callback.pop_back();
            callback += "/";
            callback += route_key;
        }
        // Check the URL now, with a placeholder secret of a valid length.
        std::string problem = tc::helix::check_webhook(callback, std::string(64, 'x'), c->manager->config().allow_http_callbacks);
        if (!problem.empty()) return fail(TC_EINVAL, "invalid argument: " + problem);
        std::string id(conduit_id);
        return tc::capi::start_object_op<tc::helix::Shard, tc_shard>(
            id_out, c, cb, userdata, wrap_shard,
            [id, callback](tc::core::Manager &m, const tc::core::OpPtr &op, tc::core::Deliver<tc::helix::Shard> d) {
                tc::core::create_shard(m, op, id, callback, std::move(d));
            });
    });
}

TC_API tc_status tc_shard_remove(tc_op_id *id_out, tc_conduits *c, const char *conduit_id, const char *shard_id,
                                 const tc_transport *last_transport, tc_conduit_cb cb, void *userdata) {
    if (id_out != nullptr) *id_out = 0;
    TC_CHECK_ARG(valid(c), "c");
    TC_CHECK_ARG(conduit_id != nullptr && conduit_id[0] != '\0', "conduit_id");
    TC_CHECK_ARG(shard_id != nullptr && shard_id[0] != '\0', "shard_id");
    TC_CHECK_ARG(last_transport == nullptr || valid(last_transport), "last_transport");
    return guarded([&]() -> tc_status {
        char *end = nullptr;
        long number = std::strtol(shard_id, &end, 10);
        if (*end != '\0' || number < 0 || number >= tc::helix::kMaxShardCount) {
            return fail(TC_EINVAL, "invalid argument: shard_id must be a shard number");
        }
        std::optional<tc::helix::Transport> replacement;
        if (last_transport != nullptr) replacement = last_transport->value;
        std::string id(conduit_id);
        return tc::capi::start_object_op<tc::helix::Conduit, tc_conduit>(
            id_out, c, cb, userdata, tc::capi::wrap_conduit,
            [id, number, replacement](tc::core::Manager &m, const tc::core::OpPtr &op, tc::core::Deliver<tc::helix::Conduit> d) {
                tc::core::remove_shard(m, op, id, number, replacement, std::move(d));
            });
    });
}

}  // extern "C"
