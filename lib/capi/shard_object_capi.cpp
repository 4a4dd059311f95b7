// tc_shard, tc_shard_list and tc_shard_update_result: accessors, dup, free
// and JSON of the shard objects (no I/O: the webhook code uses them too).
#include "capi/guard.hpp"
#include "capi/objects.hpp"
#include "helix/codec.hpp"

using tc::capi::fail;
using tc::capi::guarded;
using tc::capi::valid;

namespace {

tc::helix::Shard as_helix(const tc_shard &s) {
    tc::helix::Shard h;
    h.id = s.id;
    h.status = s.status;
    h.transport = s.transport.value;
    return h;
}

const tc_shard_update_result::Item *result_item(const tc_shard_update_result *r, size_t index) {
    return valid(r) && index < r->items.size() ? &r->items[index] : nullptr;
}

}  // namespace

extern "C" {

TC_API const char *tc_shard_id(const tc_shard *shard) { return valid(shard) ? shard->id.c_str() : nullptr; }
TC_API const char *tc_shard_status(const tc_shard *shard) { return valid(shard) ? shard->status.c_str() : nullptr; }
TC_API const tc_transport *tc_shard_transport(const tc_shard *shard) {
    return valid(shard) ? &shard->transport : nullptr;
}

TC_API tc_status tc_shard_dup(tc_shard **out, const tc_shard *shard) {
    return tc::capi::dup_object(out, shard, "shard");
}

TC_API void tc_shard_free(tc_shard *shard) { tc::capi::free_object(shard); }

TC_API tc_status tc_shard_to_json(char **out, const tc_shard *shard, int include_secret) {
    return tc::capi::object_to_json(out, shard, "shard", [include_secret](const tc_shard &s) {
        return tc::helix::encode_shard(as_helix(s), include_secret != 0);
    });
}

TC_API size_t tc_shard_list_count(const tc_shard_list *list) { return valid(list) ? list->items.size() : 0; }

TC_API const tc_shard *tc_shard_list_get(const tc_shard_list *list, size_t index) {
    return valid(list) && index < list->items.size() ? &list->items[index] : nullptr;
}

TC_API tc_status tc_shard_list_dup(tc_shard_list **out, const tc_shard_list *list) {
    return tc::capi::dup_object(out, list, "list");
}

TC_API void tc_shard_list_free(tc_shard_list *list) { tc::capi::free_object(list); }

TC_API tc_status tc_shard_list_to_json(char **out, const tc_shard_list *list) {
    TC_CHECK_ARG(out != nullptr, "out");
    *out = nullptr;
    TC_CHECK_ARG(valid(list), "list");
    return guarded([&] {
        tc::util::JsonPtr array(cJSON_CreateArray());
        if (!array) return fail(TC_ENOMEM, "out of memory");
        for (const auto &s : list->items) cJSON_AddItemToArray(array.get(), tc::helix::encode_shard(as_helix(s), false).release());
        return tc::capi::json_out(out, array);
    });
}

TC_API size_t tc_shard_update_result_count(const tc_shard_update_result *r) { return valid(r) ? r->items.size() : 0; }

TC_API const char *tc_shard_update_result_shard_id(const tc_shard_update_result *r, size_t index) {
    const auto *item = result_item(r, index);
    return item != nullptr ? item->shard_id.c_str() : nullptr;
}

TC_API tc_status tc_shard_update_result_status(const tc_shard_update_result *r, size_t index) {
    const auto *item = result_item(r, index);
    return item != nullptr ? item->status : fail(TC_EINVAL, "invalid argument: r or index");
}

TC_API const char *tc_shard_update_result_message(const tc_shard_update_result *r, size_t index) {
    const auto *item = result_item(r, index);
    return item != nullptr ? item->message.c_str() : nullptr;
}

TC_API const char *tc_shard_update_result_code(const tc_shard_update_result *r, size_t index) {
    const auto *item = result_item(r, index);
    return item != nullptr ? item->code.c_str() : nullptr;
}

TC_API const tc_shard *tc_shard_update_result_shard(const tc_shard_update_result *r, size_t index) {
    const auto *item = result_item(r, index);
    return item != nullptr && item->has_shard ? &item->shard : nullptr;
}

TC_API size_t tc_shard_update_result_failed(const tc_shard_update_result *r) { return valid(r) ? r->failed : 0; }

TC_API tc_status tc_shard_update_result_dup(tc_shard_update_result **out, const tc_shard_update_result *r) {
    return tc::capi::dup_object(out, r, "r");
}

TC_API void tc_shard_update_result_free(tc_shard_update_result *r) { tc::capi::free_object(r); }

TC_API tc_status tc_shard_update_result_to_json(char **out, const tc_shard_update_result *r) {
    TC_CHECK_ARG(out != nullptr, "out");
    *out = nullptr;
    TC_CHECK_ARG(valid(r), "r");
    return guarded([&] {
        tc::util::JsonPtr root(cJSON_CreateObject());
        if (!root) return fail(TC_ENOMEM, "out of memory");
        cJSON_AddNumberToObject(root.get(), "failed", static_cast<double>(r->failed));
        cJSON *items = cJSON_AddArrayToObject(root.get(), "items");
        for (const auto &item : r->items) {
            cJSON *o = cJSON_CreateObject();
            cJSON_AddStringToObject(o, "shard_id", item.shard_id.c_str());
            cJSON_AddNumberToObject(o, "status", item.status);
            cJSON_AddStringToObject(o, "status_text", tc_strerror(item.status));
            if (item.has_shard) {
                cJSON_AddItemToObject(o, "shard", tc::helix::encode_shard(as_helix(item.shard), false).release());
            } else {
                cJSON_AddStringToObject(o, "message", item.message.c_str());
                cJSON_AddStringToObject(o, "code", item.code.c_str());
            }
            cJSON_AddItemToArray(items, o);
        }
        return tc::capi::json_out(out, root);
    });
}

}  // extern "C"
