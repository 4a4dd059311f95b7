// libFuzzer target: the answers to Create EventSub Subscription: the 202
// (parse_created) and the id in a 409 body (conflict_id), both no-DOM, on
// arbitrary bytes, checked against the cJSON decoders they replaced (see
// fuzz_helix_subscription_page.cpp).
#include "fuzz_helix_common.hpp"
#include "fuzz_helix_reference.hpp"

#include "helix/subscriptions.hpp"

using tc::helix::CostInfo;
using tc::helix::Subscription;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    const std::string body(reinterpret_cast<const char *>(data), size);
    Subscription s;
    CostInfo cost;
    std::string error;
    const bool ok = tc::helix::parse_created(body, &s, &cost, &error);
    if (!ok) fuzz_helix::check_error(error);
    const std::string id = tc::helix::conflict_id(body);
    if (tc::helix::conflict_id(body) != id) abort();
    const bool valid = fuzz_helix::strictly_valid(body);
    if (!valid && !id.empty()) abort();  // nothing is read from a body that is not JSON
    if (!fuzz_helix::cjson_is_an_oracle(body)) return 0;

    Subscription ref;
    CostInfo ref_cost;
    std::string ref_error;
    const bool ref_ok = reference::parse_created_ref(body, &ref, &ref_cost, &ref_error);
    if (ok) {
        if (!ref_ok || !fuzz_helix::same(s, ref) || !fuzz_helix::same(cost, ref_cost)) abort();
    } else if (valid && (ref_ok || ref_error != error)) {
        abort();
    }
    if (valid && id != reference::conflict_id_ref(body)) abort();
    return 0;
}
