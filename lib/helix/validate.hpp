// Checks done before anything is sent, with Twitch's own limits, so that a
// bad argument fails at once with a message naming it.
#pragma once

#include "helix/types.hpp"

#include <string>

namespace tc::helix {

constexpr int kMaxShardCount = 20000;

// "" when fine, else what is wrong.
std::string check_shard_count(int shard_count);
std::string check_webhook(const std::string &callback, const std::string &secret, bool allow_http_loopback);
std::string check_transport_for_shard(const Transport &t, bool allow_http_loopback);

}  // namespace tc::helix
