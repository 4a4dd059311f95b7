// tc_conduit_* and tc_conduits_list: conduits and their lists.
#include "capi/guard.hpp"
#include "capi/objects.hpp"
#include "capi/response.hpp"
#include "core/conduit_ops.hpp"
#include "helix/codec.hpp"
#include "helix/conduits.hpp"
#include "helix/validate.hpp"

using tc::capi::fail;
using tc::capi::guarded;
using tc::capi::valid;

namespace tc::capi {
std::shared_ptr<tc_conduit> wrap_conduit(helix::Conduit &&c) {
    auto obj = std::make_shared<tc_conduit>();
    obj->value = std::move(c);
    return obj;
}
}  // namespace tc::capi

namespace {

using Conduits = std::vector<tc::helix::Conduit>;
using tc::capi::wrap_conduit;

std::shared_ptr<tc_conduit_list> wrap_list(Conduits &&list) {
    auto obj = std::make_shared<tc_conduit_list>();
    obj->items.reserve(list.size());
    for (auto &c : list) obj->items.push_back(*wrap_conduit(std::move(c)));
    return obj;
}

tc_status check_count(int shard_count) {
    std::string problem = tc::helix::check_shard_count(shard_count);
    return problem.empty() ? TC_OK : fail(TC_EINVAL, "invalid argument: " + problem);
}

}  // namespace

extern "C" {

TC_API tc_status tc_conduits_list(tc_op_id *id_out, tc_conduits *c, tc_conduit_list_cb cb, void *userdata) {
    if (id_out != nullptr) *id_out = 0;
    TC_CHECK_ARG(valid(c), "c");
    return guarded([&] {
        return tc::capi::start_object_op<Conduits, tc_conduit_list>(id_out, c, cb, userdata, wrap_list,
                                                                   tc::core::list_conduits);
    });
}

TC_API tc_status tc_conduit_create(tc_op_id *id_out, tc_conduits *c, int shard_count, tc_conduit_cb cb,
                                   void *userdata) {
    if (id_out != nullptr) *id_out = 0;
    TC_CHECK_ARG(valid(c), "c");
    tc_status st = check_count(shard_count);
    if (st != TC_OK) return st;
    return guarded([&] {
        return tc::capi::start_object_op<tc::helix::Conduit, tc_conduit>(
            id_out, c, cb, userdata, wrap_conduit,
            [shard_count](tc::core::Manager &m, const tc::core::OpPtr &op, tc::core::Deliver<tc::helix::Conduit> d) {
                tc::core::create_conduit(m, op, shard_count, std::move(d));
            });
    });
}

TC_API tc_status tc_conduit_update(tc_op_id *id_out, tc_conduits *c, const char *conduit_id, int shard_count,
                                   tc_conduit_cb cb, void *userdata) {
    if (id_out != nullptr) *id_out = 0;
    TC_CHECK_ARG(valid(c), "c");
    TC_CHECK_ARG(conduit_id != nullptr && conduit_id[0] != '\0', "conduit_id");
    tc_status st = check_count(shard_count);
    if (st != TC_OK) return st;
    return guarded([&] {
        std::string id(conduit_id);
        return tc::capi::start_object_op<tc::helix::Conduit, tc_conduit>(
            id_out, c, cb, userdata, wrap_conduit,
            [id, shard_count](tc::core::Manager &m, const tc::core::OpPtr &op, tc::core::Deliver<tc::helix::Conduit> d) {
                tc::core::update_conduit(m, op, id, shard_count, std::move(d));
            });
    });
}

TC_API tc_status tc_conduit_delete(tc_op_id *id_out, tc_conduits *c, const char *conduit_id, tc_response_cb cb,
                                   void *userdata) {
    if (id_out != nullptr) *id_out = 0;
    TC_CHECK_ARG(valid(c), "c");
    TC_CHECK_ARG(conduit_id != nullptr && conduit_id[0] != '\0', "conduit_id");
    return guarded([&] { return tc::capi::start_call_op(id_out, c, tc::helix::delete_conduit_call(conduit_id), cb, userdata); });
}

TC_API const char *tc_conduit_id(const tc_conduit *conduit) {
    return valid(conduit) ? conduit->value.id.c_str() : nullptr;
}

TC_API int tc_conduit_shard_count(const tc_conduit *conduit) {
    return valid(conduit) ? conduit->value.shard_count : 0;
}

TC_API tc_status tc_conduit_dup(tc_conduit **out, const tc_conduit *conduit) {
    return tc::capi::dup_object(out, conduit, "conduit");
}

TC_API void tc_conduit_free(tc_conduit *conduit) { tc::capi::free_object(conduit); }

TC_API tc_status tc_conduit_to_json(char **out, const tc_conduit *conduit) {
    return tc::capi::object_to_json(out, conduit, "conduit",
                                    [](const tc_conduit &c) { return tc::helix::encode_conduit(c.value); });
}

TC_API size_t tc_conduit_list_count(const tc_conduit_list *list) { return valid(list) ? list->items.size() : 0; }

TC_API const tc_conduit *tc_conduit_list_get(const tc_conduit_list *list, size_t index) {
    return valid(list) && index < list->items.size() ? &list->items[index] : nullptr;
}

TC_API tc_status tc_conduit_list_dup(tc_conduit_list **out, const tc_conduit_list *list) {
    return tc::capi::dup_object(out, list, "list");
}

TC_API void tc_conduit_list_free(tc_conduit_list *list) { tc::capi::free_object(list); }

TC_API tc_status tc_conduit_list_to_json(char **out, const tc_conduit_list *list) {
    TC_CHECK_ARG(out != nullptr, "out");
    *out = nullptr;
    TC_CHECK_ARG(valid(list), "list");
    return guarded([&] {
        tc::util::JsonPtr array(cJSON_CreateArray());
        if (!array) return fail(TC_ENOMEM, "out of memory");
        for (const auto &c : list->items) cJSON_AddItemToArray(array.get(), tc::helix::encode_conduit(c.value).release());
        return tc::capi::json_out(out, array);
    });
}

}  // extern "C"
