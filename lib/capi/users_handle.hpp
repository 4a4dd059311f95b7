// The tc_users and tc_user handles, shared by the registry's C API
// (users_capi.cpp) and the token refresh (users_refresh_capi.cpp).
#pragma once

#include "core/users.hpp"

#include <twitchconduits/users.h>

#include <memory>

namespace tc::capi {
constexpr uint32_t kUsersTag = 0x54435553u;       // "TCUS"
constexpr uint32_t kUserTag = 0x54435552u;        // "TCUR"
constexpr uint32_t kUserIdListTag = 0x5443554cu;  // "TCUL"
constexpr uint32_t kUsersDeadTag = 0xdeadc0deu;

// Hands a block to the caller as a tc_user.
tc_user *to_user_handle(core::UserPtr block);
}  // namespace tc::capi

// Shared ownership: a pending tc_users_refresh() keeps the registry alive
// when the caller frees the handle meanwhile.
struct tc_users {
    uint32_t tag = tc::capi::kUsersTag;
    std::shared_ptr<tc::core::Users> users = std::make_shared<tc::core::Users>();
};

// A user snapshot is a core::UserBlock (one allocation); its first field is
// the handle tag, which the registry's own blocks leave at 0.
struct tc_user {
    tc::core::UserBlock block;
};

namespace tc::capi {
inline bool valid(const tc_users *u) { return u != nullptr && u->tag == kUsersTag; }
inline bool valid(const tc_user *u) { return u != nullptr && u->block.tag == kUserTag; }
}  // namespace tc::capi
