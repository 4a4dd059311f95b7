// The Conduits endpoints: requests and answers (reference §2).
#pragma once

#include "helix/types.hpp"
#include "net/engine.hpp"

#include <string>
#include <vector>

namespace tc::helix {

net::Call list_conduits_call();
net::Call create_conduit_call(int shard_count);
net::Call update_conduit_call(const std::string &conduit_id, int shard_count);
net::Call delete_conduit_call(const std::string &conduit_id);

// {"data":[{id, shard_count}, ...]}
bool parse_conduits(const std::string &body, std::vector<Conduit> *out, std::string *error);

}  // namespace tc::helix
