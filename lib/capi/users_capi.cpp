// tc_users_*, tc_user_*, tc_user_id_list_*: the users registry (pure data,
// no network, callable from any thread).
#include "capi/guard.hpp"
#include "core/users.hpp"
#include "util/json.hpp"

#include <twitchconduits/users.h>

#include <string>
#include <string_view>
#include <vector>

namespace tc::capi {
constexpr uint32_t kUsersTag = 0x54435553u;       // "TCUS"
constexpr uint32_t kUserTag = 0x54435552u;        // "TCUR"
constexpr uint32_t kUserIdListTag = 0x5443554cu;  // "TCUL"
constexpr uint32_t kUsersDeadTag = 0xdeadc0deu;
}  // namespace tc::capi

struct tc_users {
    uint32_t tag = tc::capi::kUsersTag;
    tc::core::Users users;
};

// A user snapshot is a core::UserBlock (one allocation); its first field is
// the handle tag, which the registry's own blocks leave at 0.
struct tc_user {
    tc::core::UserBlock block;
};

struct tc_user_id_list {
    uint32_t tag = tc::capi::kUserIdListTag;
    std::vector<std::string> ids;
};

using tc::capi::fail;
using tc::capi::guarded;

namespace {

bool valid(const tc_users *u) { return u != nullptr && u->tag == tc::capi::kUsersTag; }
bool valid(const tc_user *u) { return u != nullptr && u->block.tag == tc::capi::kUserTag; }
bool valid(const tc_user_id_list *l) { return l != nullptr && l->tag == tc::capi::kUserIdListTag; }

// Hands a block to the caller as a tc_user.
tc_user *to_handle(tc::core::UserPtr block) {
    tc::core::UserBlock *b = block.release();
    b->tag = tc::capi::kUserTag;
    return reinterpret_cast<tc_user *>(b);
}

// Maps a core result to the C API's: the message is set on failure.
tc_status finish(tc_status status, const std::string &why) {
    return status == TC_OK ? TC_OK : fail(status, why);
}

// The common shape of the three lookups.
template <class Lookup>
tc_status lookup(tc_user **out, Lookup &&get) {
    return guarded([&]() -> tc_status {
        tc::core::UserPtr block;
        std::string why;
        const tc_status st = get(&block, &why);
        if (st != TC_OK) return fail(st, why);
        *out = to_handle(std::move(block));
        return TC_OK;
    });
}

}  // namespace

extern "C" {

TC_API tc_status tc_users_new(tc_users **out) {
    TC_CHECK_ARG(out != nullptr, "out");
    *out = nullptr;
    return guarded([&] {
        *out = new tc_users();
        return TC_OK;
    });
}

TC_API void tc_users_free(tc_users *users) {
    if (!valid(users)) return;
    users->tag = tc::capi::kUsersDeadTag;
    delete users;
}

TC_API tc_status tc_users_add(tc_users *users, const char *key, const char *user_id,
                              const char *const *subscription_ids, size_t subscription_count) {
    TC_CHECK_ARG(valid(users), "users");
    TC_CHECK_ARG(key != nullptr, "key");
    TC_CHECK_ARG(user_id != nullptr, "user_id");
    TC_CHECK_ARG(subscription_ids != nullptr || subscription_count == 0, "subscription_ids");
    return guarded([&]() -> tc_status {
        std::vector<std::string_view> subs;
        subs.reserve(subscription_count);
        for (size_t i = 0; i < subscription_count; ++i) {
            if (subscription_ids[i] == nullptr) {
                return fail(TC_EINVAL, "invalid argument: subscription_ids[" + std::to_string(i) + "] (NULL)");
            }
            subs.emplace_back(subscription_ids[i]);
        }
        std::string why;
        return finish(users->users.add(key, user_id, subs.data(), subs.size(), &why), why);
    });
}

TC_API tc_status tc_users_get_by_key(tc_user **out, const tc_users *users, const char *key) {
    TC_CHECK_ARG(out != nullptr, "out");
    *out = nullptr;
    TC_CHECK_ARG(valid(users), "users");
    TC_CHECK_ARG(key != nullptr, "key");
    return lookup(out, [&](tc::core::UserPtr *b, std::string *why) { return users->users.get_by_key(key, b, why); });
}

TC_API tc_status tc_users_get_by_user_id(tc_user **out, const tc_users *users, const char *user_id) {
    TC_CHECK_ARG(out != nullptr, "out");
    *out = nullptr;
    TC_CHECK_ARG(valid(users), "users");
    TC_CHECK_ARG(user_id != nullptr, "user_id");
    return lookup(out,
                  [&](tc::core::UserPtr *b, std::string *why) { return users->users.get_by_user_id(user_id, b, why); });
}

TC_API tc_status tc_users_get_by_subscription(tc_user **out, const tc_users *users, const char *subscription_id) {
    TC_CHECK_ARG(out != nullptr, "out");
    *out = nullptr;
    TC_CHECK_ARG(valid(users), "users");
    TC_CHECK_ARG(subscription_id != nullptr, "subscription_id");
    return lookup(out, [&](tc::core::UserPtr *b, std::string *why) {
        return users->users.get_by_subscription(subscription_id, b, why);
    });
}

TC_API tc_status tc_users_remove(tc_user **removed_out, tc_users *users, const char *user_id) {
    if (removed_out != nullptr) *removed_out = nullptr;
    TC_CHECK_ARG(valid(users), "users");
    TC_CHECK_ARG(user_id != nullptr, "user_id");
    return guarded([&]() -> tc_status {
        tc::core::UserPtr gone;
        std::string why;
        const tc_status st = users->users.remove(user_id, removed_out != nullptr ? &gone : nullptr, &why);
        if (st != TC_OK) return fail(st, why);
        if (removed_out != nullptr) *removed_out = to_handle(std::move(gone));
        return TC_OK;
    });
}

TC_API tc_status tc_users_add_subscription(tc_users *users, const char *user_id, const char *subscription_id) {
    TC_CHECK_ARG(valid(users), "users");
    TC_CHECK_ARG(user_id != nullptr, "user_id");
    TC_CHECK_ARG(subscription_id != nullptr, "subscription_id");
    return guarded([&]() -> tc_status {
        std::string why;
        return finish(users->users.add_subscription(user_id, subscription_id, &why), why);
    });
}

TC_API tc_status tc_users_remove_subscription(tc_users *users, const char *user_id, const char *subscription_id) {
    TC_CHECK_ARG(valid(users), "users");
    TC_CHECK_ARG(user_id != nullptr, "user_id");
    TC_CHECK_ARG(subscription_id != nullptr, "subscription_id");
    return guarded([&]() -> tc_status {
        std::string why;
        return finish(users->users.remove_subscription(user_id, subscription_id, &why), why);
    });
}

TC_API size_t tc_users_count(const tc_users *users) {
    if (!valid(users)) {
        fail(TC_EINVAL, "invalid argument: users");
        return 0;
    }
    return users->users.count();
}

TC_API tc_status tc_users_list(tc_user_id_list **out, const tc_users *users) {
    TC_CHECK_ARG(out != nullptr, "out");
    *out = nullptr;
    TC_CHECK_ARG(valid(users), "users");
    return guarded([&] {
        auto list = std::make_unique<tc_user_id_list>();
        list->ids = users->users.user_ids();
        *out = list.release();
        return TC_OK;
    });
}

TC_API const char *tc_user_key(const tc_user *user) { return valid(user) ? user->block.key_cstr() : ""; }

TC_API const char *tc_user_user_id(const tc_user *user) { return valid(user) ? user->block.user_id_cstr() : ""; }

TC_API size_t tc_user_subscription_count(const tc_user *user) { return valid(user) ? user->block.sub_count : 0; }

TC_API const char *tc_user_subscription_id(const tc_user *user, size_t index) {
    return valid(user) && index < user->block.sub_count ? user->block.subscription_cstr(index) : nullptr;
}

TC_API tc_status tc_user_dup(tc_user **out, const tc_user *user) {
    TC_CHECK_ARG(out != nullptr, "out");
    *out = nullptr;
    TC_CHECK_ARG(valid(user), "user");
    return guarded([&] {
        *out = reinterpret_cast<tc_user *>(tc::core::UserBlock::copy(&user->block, tc::capi::kUserTag));
        return TC_OK;
    });
}

TC_API void tc_user_free(tc_user *user) {
    if (!valid(user)) return;
    // destroy() clears the whole block, the tag and the key with it.
    tc::core::UserBlock::destroy(&user->block);
}

TC_API tc_status tc_user_to_json(char **out, const tc_user *user, int include_key) {
    TC_CHECK_ARG(out != nullptr, "out");
    *out = nullptr;
    TC_CHECK_ARG(valid(user), "user");
    return guarded([&]() -> tc_status {
        tc::util::JsonPtr root(cJSON_CreateObject());
        if (!root) return fail(TC_ENOMEM, "out of memory");
        if (include_key != 0 && cJSON_AddStringToObject(root.get(), "key", user->block.key_cstr()) == nullptr) {
            return fail(TC_ENOMEM, "out of memory");
        }
        if (cJSON_AddStringToObject(root.get(), "user_id", user->block.user_id_cstr()) == nullptr) {
            return fail(TC_ENOMEM, "out of memory");
        }
        cJSON *subs = cJSON_AddArrayToObject(root.get(), "subscription_ids");
        if (subs == nullptr) return fail(TC_ENOMEM, "out of memory");
        for (uint32_t i = 0; i < user->block.sub_count; ++i) {
            cJSON *s = cJSON_CreateString(user->block.subscription_cstr(i));
            if (s == nullptr) return fail(TC_ENOMEM, "out of memory");
            cJSON_AddItemToArray(subs, s);
        }
        char *text = tc::capi::dup_for_caller(tc::util::json_print(root.get()));
        if (text == nullptr) return fail(TC_ENOMEM, "out of memory");
        *out = text;
        return TC_OK;
    });
}

TC_API size_t tc_user_id_list_count(const tc_user_id_list *list) { return valid(list) ? list->ids.size() : 0; }

TC_API const char *tc_user_id_list_get(const tc_user_id_list *list, size_t index) {
    return valid(list) && index < list->ids.size() ? list->ids[index].c_str() : nullptr;
}

TC_API tc_status tc_user_id_list_dup(tc_user_id_list **out, const tc_user_id_list *list) {
    TC_CHECK_ARG(out != nullptr, "out");
    *out = nullptr;
    TC_CHECK_ARG(valid(list), "list");
    return guarded([&] {
        *out = new tc_user_id_list(*list);
        return TC_OK;
    });
}

TC_API void tc_user_id_list_free(tc_user_id_list *list) {
    if (!valid(list)) return;
    list->tag = tc::capi::kUsersDeadTag;
    delete list;
}

TC_API tc_status tc_user_id_list_to_json(char **out, const tc_user_id_list *list) {
    TC_CHECK_ARG(out != nullptr, "out");
    *out = nullptr;
    TC_CHECK_ARG(valid(list), "list");
    return guarded([&]() -> tc_status {
        tc::util::JsonPtr root(cJSON_CreateObject());
        if (!root) return fail(TC_ENOMEM, "out of memory");
        cJSON *ids = cJSON_AddArrayToObject(root.get(), "user_ids");
        if (ids == nullptr) return fail(TC_ENOMEM, "out of memory");
        for (const std::string &id : list->ids) {
            cJSON *s = cJSON_CreateString(id.c_str());
            if (s == nullptr) return fail(TC_ENOMEM, "out of memory");
            cJSON_AddItemToArray(ids, s);
        }
        char *text = tc::capi::dup_for_caller(tc::util::json_print(root.get()));
        if (text == nullptr) return fail(TC_ENOMEM, "out of memory");
        *out = text;
        return TC_OK;
    });
}

}  // extern "C"
