// tc_users_*, tc_user_*, tc_user_id_list_*: the users registry (pure data,
// no network, callable from any thread).
#include "capi/guard.hpp"
#include "capi/users_handle.hpp"
#include "util/json.hpp"

#include <string>
#include <string_view>
#include <vector>

struct tc_user_id_list {
    uint32_t tag = tc::capi::kUserIdListTag;
    std::vector<std::string> ids;
};

using tc::capi::fail;
using tc::capi::guarded;
using tc::capi::to_user_handle;
using tc::capi::valid;

tc_user *tc::capi::to_user_handle(core::UserPtr block) {
    core::UserBlock *b = block.release();
    b->tag = kUserTag;
    return reinterpret_cast<tc_user *>(b);
}

namespace {

bool valid(const tc_user_id_list *l) { return l != nullptr && l->tag == tc::capi::kUserIdListTag; }

// A caller's record as core fields (views of its strings). TC_EVERSION for
// an unknown version; TC_EINVAL for NULLs where a string is required.
tc_status record_fields(const tc_user_record *r, tc::core::UserFields *f) {
    if (r->version == 0 || r->version > TC_USER_RECORD_VERSION) {
        return fail(TC_EVERSION, "record->version " + std::to_string(r->version) +
                                     " is not supported (this library knows 1.." +
                                     std::to_string(TC_USER_RECORD_VERSION) + ")");
    }
    if (r->key == nullptr) return fail(TC_EINVAL, "invalid argument: record->key (NULL)");
    if (r->user_id == nullptr) return fail(TC_EINVAL, "invalid argument: record->user_id (NULL)");
    if (r->scopes == nullptr && r->scope_count != 0) {
        return fail(TC_EINVAL, "invalid argument: record->scopes (NULL with a non-zero scope_count)");
    }
    if (r->scope_count > tc::core::kMaxUserScopes) {
        return fail(TC_EINVAL, "invalid argument: record->scope_count (more than " +
                                   std::to_string(tc::core::kMaxUserScopes) + ")");
    }
    f->key = r->key;
    f->user_id = r->user_id;
    if (r->refresh_token != nullptr) f->refresh_token = r->refresh_token;
    if (r->login != nullptr) f->login = r->login;
    if (r->code != nullptr) f->code = r->code;
    f->expires_at = r->expires_at;
    f->scopes.clear();
    for (size_t i = 0; i < r->scope_count; ++i) {
        if (r->scopes[i] == nullptr) {
            return fail(TC_EINVAL, "invalid argument: record->scopes[" + std::to_string(i) + "] (NULL)");
        }
        f->scopes.emplace_back(r->scopes[i]);
    }
    return TC_OK;
}

// The subscription ids of an add call as views; TC_EINVAL naming a NULL.
tc_status subscription_views(const char *const *ids, size_t count, std::vector<std::string_view> *out) {
    out->reserve(count);
    for (size_t i = 0; i < count; ++i) {
        if (ids[i] == nullptr) {
            return fail(TC_EINVAL, "invalid argument: subscription_ids[" + std::to_string(i) + "] (NULL)");
        }
        out->emplace_back(ids[i]);
    }
    return TC_OK;
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
        *out = to_user_handle(std::move(block));
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
        tc_status st = subscription_views(subscription_ids, subscription_count, &subs);
        if (st != TC_OK) return st;
        std::string why;
        return finish(users->users->add(key, user_id, subs.data(), subs.size(), &why), why);
    });
}

TC_API tc_status tc_users_add_record(tc_users *users, const tc_user_record *record,
                                     const char *const *subscription_ids, size_t subscription_count) {
    TC_CHECK_ARG(valid(users), "users");
    TC_CHECK_ARG(record != nullptr, "record");
    TC_CHECK_ARG(subscription_ids != nullptr || subscription_count == 0, "subscription_ids");
    return guarded([&]() -> tc_status {
        tc::core::UserFields fields;
        tc_status st = record_fields(record, &fields);
        if (st != TC_OK) return st;
        std::vector<std::string_view> subs;
        st = subscription_views(subscription_ids, subscription_count, &subs);
        if (st != TC_OK) return st;
        std::string why;
        return finish(users->users->add(fields, subs.data(), subs.size(), &why), why);
    });
}

TC_API tc_status tc_users_replace(tc_user **old_out, tc_users *users, const tc_user_record *record) {
    if (old_out != nullptr) *old_out = nullptr;
    TC_CHECK_ARG(valid(users), "users");
    TC_CHECK_ARG(record != nullptr, "record");
    return guarded([&]() -> tc_status {
        tc::core::UserFields fields;
        tc_status st = record_fields(record, &fields);
        if (st != TC_OK) return st;
        tc::core::UserPtr old;
        std::string why;
        st = users->users->replace(fields, old_out != nullptr ? &old : nullptr, &why);
        if (st != TC_OK) return fail(st, why);
        if (old_out != nullptr) *old_out = to_user_handle(std::move(old));
        return TC_OK;
    });
}

TC_API tc_status tc_users_get_by_refresh_token(tc_user **out, const tc_users *users, const char *refresh_token) {
    TC_CHECK_ARG(out != nullptr, "out");
    *out = nullptr;
    TC_CHECK_ARG(valid(users), "users");
    TC_CHECK_ARG(refresh_token != nullptr, "refresh_token");
    return lookup(out, [&](tc::core::UserPtr *b, std::string *why) {
        return users->users->get_by_refresh_token(refresh_token, b, why);
    });
}

TC_API tc_status tc_users_get_by_key(tc_user **out, const tc_users *users, const char *key) {
    TC_CHECK_ARG(out != nullptr, "out");
    *out = nullptr;
    TC_CHECK_ARG(valid(users), "users");
    TC_CHECK_ARG(key != nullptr, "key");
    return lookup(out, [&](tc::core::UserPtr *b, std::string *why) { return users->users->get_by_key(key, b, why); });
}

TC_API tc_status tc_users_get_by_user_id(tc_user **out, const tc_users *users, const char *user_id) {
    TC_CHECK_ARG(out != nullptr, "out");
    *out = nullptr;
    TC_CHECK_ARG(valid(users), "users");
    TC_CHECK_ARG(user_id != nullptr, "user_id");
    return lookup(out,
                  [&](tc::core::UserPtr *b, std::string *why) { return users->users->get_by_user_id(user_id, b, why); });
}

TC_API tc_status tc_users_get_by_subscription(tc_user **out, const tc_users *users, const char *subscription_id) {
    TC_CHECK_ARG(out != nullptr, "out");
    *out = nullptr;
    TC_CHECK_ARG(valid(users), "users");
    TC_CHECK_ARG(subscription_id != nullptr, "subscription_id");
    return lookup(out, [&](tc::core::UserPtr *b, std::string *why) {
        return users->users->get_by_subscription(subscription_id, b, why);
    });
}

TC_API tc_status tc_users_remove(tc_user **removed_out, tc_users *users, const char *user_id) {
    if (removed_out != nullptr) *removed_out = nullptr;
    TC_CHECK_ARG(valid(users), "users");
    TC_CHECK_ARG(user_id != nullptr, "user_id");
    return guarded([&]() -> tc_status {
        tc::core::UserPtr gone;
        std::string why;
        const tc_status st = users->users->remove(user_id, removed_out != nullptr ? &gone : nullptr, &why);
        if (st != TC_OK) return fail(st, why);
        if (removed_out != nullptr) *removed_out = to_user_handle(std::move(gone));
        return TC_OK;
    });
}

TC_API tc_status tc_users_add_subscription(tc_users *users, const char *user_id, const char *subscription_id) {
    TC_CHECK_ARG(valid(users), "users");
    TC_CHECK_ARG(user_id != nullptr, "user_id");
    TC_CHECK_ARG(subscription_id != nullptr, "subscription_id");
    return guarded([&]() -> tc_status {
        std::string why;
        return finish(users->users->add_subscription(user_id, subscription_id, &why), why);
    });
}

TC_API tc_status tc_users_remove_subscription(tc_users *users, const char *user_id, const char *subscription_id) {
    TC_CHECK_ARG(valid(users), "users");
    TC_CHECK_ARG(user_id != nullptr, "user_id");
    TC_CHECK_ARG(subscription_id != nullptr, "subscription_id");
    return guarded([&]() -> tc_status {
        std::string why;
        return finish(users->users->remove_subscription(user_id, subscription_id, &why), why);
    });
}

TC_API size_t tc_users_count(const tc_users *users) {
    if (!valid(users)) {
        fail(TC_EINVAL, "invalid argument: users");
        return 0;
    }
    return users->users->count();
}

TC_API tc_status tc_users_list(tc_user_id_list **out, const tc_users *users) {
    TC_CHECK_ARG(out != nullptr, "out");
    *out = nullptr;
    TC_CHECK_ARG(valid(users), "users");
    return guarded([&] {
        auto list = std::make_unique<tc_user_id_list>();
        list->ids = users->users->user_ids();
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

TC_API const char *tc_user_refresh_token(const tc_user *user) {
    return valid(user) && user->block.has_refresh_token() ? user->block.cstr(tc::core::UserBlock::kRefresh) : nullptr;
}

TC_API const char *tc_user_login(const tc_user *user) {
    return valid(user) && user->block.has_login() ? user->block.cstr(tc::core::UserBlock::kLogin) : nullptr;
}

TC_API const char *tc_user_code(const tc_user *user) {
    return valid(user) && user->block.has_code() ? user->block.cstr(tc::core::UserBlock::kCode) : nullptr;
}

TC_API int64_t tc_user_expires_at(const tc_user *user) { return valid(user) ? user->block.expires_at : 0; }

TC_API size_t tc_user_scope_count(const tc_user *user) { return valid(user) ? user->block.scope_count : 0; }

TC_API const char *tc_user_scope(const tc_user *user, size_t index) {
    return valid(user) && index < user->block.scope_count ? user->block.scope_cstr(index) : nullptr;
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
        using tc::core::UserBlock;
        const UserBlock &b = user->block;
        tc::util::JsonPtr root(cJSON_CreateObject());
        if (!root) return fail(TC_ENOMEM, "out of memory");
        bool ok = true;
        if (include_key != 0) {
            ok = cJSON_AddStringToObject(root.get(), "key", b.key_cstr()) != nullptr;
            if (ok && b.has_refresh_token()) {
                ok = cJSON_AddStringToObject(root.get(), "refresh_token", b.cstr(UserBlock::kRefresh)) != nullptr;
            }
            if (ok && b.has_code()) ok = cJSON_AddStringToObject(root.get(), "code", b.cstr(UserBlock::kCode)) != nullptr;
        }
        ok = ok && cJSON_AddStringToObject(root.get(), "user_id", b.user_id_cstr()) != nullptr;
        if (ok) {
            ok = (b.has_login() ? cJSON_AddStringToObject(root.get(), "login", b.cstr(UserBlock::kLogin))
                                : cJSON_AddNullToObject(root.get(), "login")) != nullptr;
        }
        ok = ok && cJSON_AddNumberToObject(root.get(), "expires_at", static_cast<double>(b.expires_at)) != nullptr;
        cJSON *scopes = ok ? cJSON_AddArrayToObject(root.get(), "scopes") : nullptr;
        if (scopes == nullptr) return fail(TC_ENOMEM, "out of memory");
        for (size_t i = 0; i < b.scope_count; ++i) {
            cJSON *s = cJSON_CreateString(b.scope_cstr(i));
            if (s == nullptr) return fail(TC_ENOMEM, "out of memory");
            cJSON_AddItemToArray(scopes, s);
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
