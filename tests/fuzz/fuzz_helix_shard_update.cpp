// libFuzzer target: the 202 answer of Update Conduit Shards (data[] and
// per-shard errors[]) matched to a fixed request of four shards. No crash;
// a refusal is one line; an accepted answer gives every requested shard
// exactly one outcome, in request order, and keeps our secret.
#include "fuzz_helix_common.hpp"

#include "helix/shards.hpp"

using tc::helix::ShardAssignment;
using tc::helix::ShardOutcome;

static std::vector<ShardAssignment> request() {
    std::vector<ShardAssignment> items(4);
    const char *ids[] = {"0", "1", "3", "5"};
    for (size_t i = 0; i < items.size(); ++i) {
        items[i].shard_id = ids[i];
        items[i].transport.type = TC_TRANSPORT_WEBHOOK;
        items[i].transport.method = "webhook";
        items[i].transport.callback = std::string("https://example.com/cb");
        items[i].transport.secret = std::string("secret-0123456789");
    }
    return items;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    static const std::vector<ShardAssignment> items = request();
    const std::string body(reinterpret_cast<const char *>(data), size);
    std::vector<ShardOutcome> out;
    std::string error;
    if (!tc::helix::parse_shard_update(body, items, &out, &error)) {
        fuzz_helix::check_error(error);
        return 0;
    }
    if (out.size() != items.size()) abort();
    for (size_t i = 0; i < out.size(); ++i) {
        const ShardOutcome &o = out[i];
        if (o.shard_id != items[i].shard_id) abort();
        if (o.ok && (o.unmentioned || !o.message.empty() || o.shard.transport.secret != items[i].transport.secret)) {
            abort();
        }
        if (!o.ok && o.message.empty()) abort();
    }
    return 0;
}
