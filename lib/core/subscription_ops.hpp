// Subscription operations: batch create with 409 adoption, streaming list,
// cleanup and reconcile (reference §4).
#pragma once

#include "core/batch.hpp"
#include "core/catalogue.hpp"
#include "core/outcome.hpp"
#include "helix/subscriptions.hpp"

#include <functional>
#include <memory>
#include <string>
#include <vector>

namespace tc::core {

using OpPtr = std::shared_ptr<OpState>;
using Subscriptions = std::vector<helix::Subscription>;

// Creates every spec on the conduit. Outcome status: TC_OK when no item
// failed, TC_EPARTIAL otherwise; the value always has every item.
void create_subscriptions(Manager &m, const OpPtr &op, const std::string &conduit_id,
                          std::vector<helix::SubscriptionSpec> specs, BatchConfig config, Deliver<BatchResult> deliver);

// Creates the ready items of `plan` on the conduit; the others end as
// TC_ITEM_FAILED with their own status and message, without a request.
// Items keep the plan's order. Outcome status as create_subscriptions.
void create_planned_subscriptions(Manager &m, const OpPtr &op, const std::string &conduit_id,
                                  std::vector<PlannedItem> plan, BatchConfig config, Deliver<BatchResult> deliver);

// Streams pages: each is handed over by the completion `page` builds; the
// page after the prefetched one is fetched only once the user returned the
// current one. `deliver` gets the end.
struct PageSink {
    // Builds the completion that hands one page over (callback or pull
    // form). Its user must call `returned` once done with the page (go_on:
    // the listing may go on), from any thread.
    std::function<runtime::Completion(Subscriptions &&page, const helix::CostInfo &cost,
                                      std::function<void(bool go_on)> returned)>
        page;
};
void list_subscriptions(Manager &m, const OpPtr &op, const helix::SubscriptionFilter &filter,
                        std::shared_ptr<PageSink> sink, Deliver<int> deliver);

// Deletes the non-enabled subscriptions of a conduit ("" = all), keeping
// webhook_callback_verification_pending ones unless include_pending.
void cleanup_subscriptions(Manager &m, const OpPtr &op, const std::string &conduit_id, bool include_pending,
                           BatchConfig config, Deliver<BatchResult> deliver);

// Makes the conduit's subscriptions equal `specs` (see tc_subscriptions_reconcile).
void reconcile_subscriptions(Manager &m, const OpPtr &op, const std::string &conduit_id,
                             std::vector<helix::SubscriptionSpec> specs, bool dry_run, BatchConfig config,
                             Deliver<BatchResult> deliver);

}  // namespace tc::core
