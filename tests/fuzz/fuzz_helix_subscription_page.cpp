// libFuzzer target: one page of Get EventSub Subscriptions (the no-DOM
// decoder) on arbitrary bytes. No crash; a refusal is one line; decoding is
// deterministic; and against the cJSON decoder it replaced (the oracle):
// whatever it accepts, the old one accepted with the same values, and on
// valid JSON both give the same answer.
#include "fuzz_helix_common.hpp"
#include "fuzz_helix_reference.hpp"

#include "helix/subscriptions.hpp"
#include "util/json_scan.hpp"

using tc::helix::CostInfo;
using tc::helix::Subscription;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    const std::string body(reinterpret_cast<const char *>(data), size);
    std::vector<Subscription> page;
    std::string cursor, error;
    CostInfo cost;
    const bool ok = tc::helix::parse_subscription_page(body, &page, &cursor, &cost, &error);
    if (!ok) fuzz_helix::check_error(error);

    std::vector<Subscription> again;
    std::string cursor2, error2;
    CostInfo cost2;
    if (tc::helix::parse_subscription_page(body, &again, &cursor2, &cost2, &error2) != ok || error2 != error ||
        (ok && (!fuzz_helix::same(page, again) || cursor2 != cursor || !fuzz_helix::same(cost, cost2)))) {
        abort();
    }
    if (!fuzz_helix::cjson_is_an_oracle(body)) return 0;

    std::vector<Subscription> ref;
    std::string ref_cursor, ref_error;
    CostInfo ref_cost;
    const bool ref_ok = reference::parse_subscription_page_ref(body, &ref, &ref_cursor, &ref_cost, &ref_error);
    if (ok) {
        if (!ref_ok || !fuzz_helix::same(page, ref) || cursor != ref_cursor || !fuzz_helix::same(cost, ref_cost)) {
            abort();
        }
    } else if (fuzz_helix::strictly_valid(body) && (ref_ok || ref_error != error)) {
        abort();  // valid JSON: the same refusal
    }
    return 0;
}
