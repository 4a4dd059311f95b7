// Conversions from the helix values to the C objects, shared by the
// operations that return them and by the webhook messages that carry them.
#include "capi/objects.hpp"

namespace tc::capi {

tc_shard make_shard(helix::Shard &&s) {
    tc_shard shard;
    shard.id = std::move(s.id);
    shard.status = std::move(s.status);
    shard.transport.value = std::move(s.transport);
    return shard;
}

}  // namespace tc::capi
