// libFuzzer target: the answers of Get/Create/Update Conduits on arbitrary
// bytes. No crash; a refusal is one line; every conduit accepted has an id
// and a shard count in range.
#include "fuzz_helix_common.hpp"

#include "helix/conduits.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    const std::string body(reinterpret_cast<const char *>(data), size);
    std::vector<tc::helix::Conduit> list;
    std::string error;
    if (!tc::helix::parse_conduits(body, &list, &error)) {
        fuzz_helix::check_error(error);
        return 0;
    }
    for (const auto &c : list) {
        if (c.shard_count < 0 || c.shard_count > 1000000000) abort();
    }
    return 0;
}
