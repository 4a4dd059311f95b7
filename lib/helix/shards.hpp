// The Conduit Shards endpoints: requests and answers (reference §3),
// including the per-shard errors[] of a 202 answer.
#pragma once

#include "helix/types.hpp"
#include "net/engine.hpp"

#include <string>
#include <vector>

namespace tc::helix {

struct ShardAssignment {
    std::string shard_id;
    Transport transport;  // with its secret for webhooks
};

net::Call list_shards_call(const std::string &conduit_id, const std::string &status, const std::string &after);
net::Call update_shards_call(const std::string &conduit_id, const std::vector<ShardAssignment> &items);

// One page: appends its shards, sets *cursor ("" on the last page).
bool parse_shard_page(const std::string &body, std::vector<Shard> *out, std::string *cursor, std::string *error);
// The 202 answer, matched to `items` in their order: every item gets an
// outcome (a shard missing from both data and errors is reported as such).
bool parse_shard_update(const std::string &body, const std::vector<ShardAssignment> &items,
                        std::vector<ShardOutcome> *out, std::string *error);

}  // namespace tc::helix
