// Shard operations: list with every page, assign transports with per-shard
// outcomes, and create_shard (reference §3).
#pragma once

#include "core/conduit_ops.hpp"
#include "helix/shards.hpp"

#include <optional>
#include <string>
#include <vector>

namespace tc::core {

void list_shards(Manager &m, const OpPtr &op, const std::string &conduit_id, const std::string &status,
                 Deliver<std::vector<helix::Shard>> deliver);

// Outcome status: TC_OK when every shard was updated, TC_EPARTIAL otherwise;
// the value holds one outcome per assignment in their order.
void update_shards(Manager &m, const OpPtr &op, const std::string &conduit_id,
                   std::vector<helix::ShardAssignment> items, Deliver<std::vector<helix::ShardOutcome>> deliver);

// Assigns the first shard without a transport (growing the conduit by one
// when all are taken) to a webhook at `callback` with a fresh CSPRNG secret.
// Runs one at a time per conduit, so two calls never pick the same shard.
void create_shard(Manager &m, const OpPtr &op, const std::string &conduit_id, const std::string &callback,
                  Deliver<helix::Shard> deliver);

// Removes a shard: moves the last shard's transport into it (replacement
// gives the webhook secret Twitch never returns), then shrinks by one.
void remove_shard(Manager &m, const OpPtr &op, const std::string &conduit_id, long shard_id,
                  std::optional<helix::Transport> replacement, Deliver<helix::Conduit> deliver);

// 64 hex characters from the system CSPRNG ("" if it failed).
std::string new_webhook_secret();

}  // namespace tc::core
