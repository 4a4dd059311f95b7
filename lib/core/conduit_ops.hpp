// Conduit operations: list, create, resize (reference §2).
#pragma once

#include "core/manager.hpp"
#include "core/outcome.hpp"
#include "helix/types.hpp"

#include <memory>
#include <string>
#include <vector>

namespace tc::core {

using OpPtr = std::shared_ptr<OpState>;

void list_conduits(Manager &m, const OpPtr &op, Deliver<std::vector<helix::Conduit>> deliver);
void create_conduit(Manager &m, const OpPtr &op, int shard_count, Deliver<helix::Conduit> deliver);
void update_conduit(Manager &m, const OpPtr &op, const std::string &conduit_id, int shard_count,
                    Deliver<helix::Conduit> deliver);

// Loop thread, for composite operations: the conduits, then `then`.
void fetch_conduits(Manager &m, const OpPtr &op,
                    std::function<void(Outcome<std::vector<helix::Conduit>> &&)> then);

}  // namespace tc::core
