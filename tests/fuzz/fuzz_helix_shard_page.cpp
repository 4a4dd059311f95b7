// libFuzzer target: one page of Get Conduit Shards (the no-DOM decoder) on
// arbitrary bytes, checked against the cJSON decoder it replaced (see
// fuzz_helix_subscription_page.cpp).
#include "fuzz_helix_common.hpp"
#include "fuzz_helix_reference.hpp"

#include "helix/shards.hpp"

using tc::helix::Shard;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    const std::string body(reinterpret_cast<const char *>(data), size);
    std::vector<Shard> page;
    std::string cursor, error;
    const bool ok = tc::helix::parse_shard_page(body, &page, &cursor, &error);
    if (!ok) fuzz_helix::check_error(error);
    std::vector<Shard> again;
    std::string cursor2, error2;
    if (tc::helix::parse_shard_page(body, &again, &cursor2, &error2) != ok || error2 != error ||
        (ok && (!fuzz_helix::same(page, again) || cursor2 != cursor))) {
        abort();
    }
    if (!fuzz_helix::cjson_is_an_oracle(body)) return 0;

    std::vector<Shard> ref;
    std::string ref_cursor, ref_error;
    const bool ref_ok = reference::parse_shard_page_ref(body, &ref, &ref_cursor, &ref_error);
    if (ok) {
        if (!ref_ok || !fuzz_helix::same(page, ref) || cursor != ref_cursor) abort();
    } else if (fuzz_helix::strictly_valid(body) && (ref_ok || ref_error != error)) {
        abort();
    }
    return 0;
}
