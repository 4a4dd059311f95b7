// The EventSub Subscriptions endpoints for conduit transports: requests and
// answers (reference §4), including the 409 that names the existing id.
#pragma once

#include "helix/types.hpp"
#include "net/engine.hpp"
#include "util/json.hpp"

#include <string>
#include <string_view>
#include <vector>

namespace tc::helix {

struct SubscriptionSpec {
    std::string type;
    std::string version;
    std::string condition;  // canonical JSON (see canonical_json)
    std::string extra_json{};  // more body fields, a JSON object (drop.entitlement.grant's is_batching_enabled); "" = none
};

// The one filter of a listing ("" name = none).
struct SubscriptionFilter {
    std::string name;  // status | type | user_id | subscription_id | conduit_id
    std::string value;
};

// Compact JSON with object keys sorted, so equal conditions compare equal;
// "" when the text is not a JSON object.
std::string canonical_json(const std::string &json_text);
// What identifies a subscription for duplicates: type, version, condition.
std::string subscription_key(const std::string &type, const std::string &version, const std::string &condition);
// broadcaster_user_id, else user_id, else to_broadcaster_user_id; "" if none.
std::string condition_user(const std::string &condition);

// POSTed with TC_REQUEST_F_IDEMPOTENT: a repeat answers 409, which we adopt.
net::Call create_subscription_call(const std::string &conduit_id, const SubscriptionSpec &spec);
net::Call list_subscriptions_call(const SubscriptionFilter &filter, const std::string &after);
net::Call delete_subscription_call(const std::string &subscription_id);

// One subscription object (the text of a validated answer's data[] item).
bool decode_subscription(std::string_view object, Subscription *out, std::string *error);
// The 202 answer of a create: the new subscription and the cost accounting.
bool parse_created(const std::string &body, Subscription *out, CostInfo *cost, std::string *error);
// One page of a listing: appends, sets *cursor ("" on the last page) and *cost.
bool parse_subscription_page(const std::string &body, std::vector<Subscription> *out, std::string *cursor,
                             CostInfo *cost, std::string *error);
// Folds one answer's accounting into a batch's: answers of concurrent creates
// arrive out of order, so the largest totals are the most recent state.
void merge_cost(CostInfo *into, const CostInfo &seen);
// The existing subscription's id from a 409 body ("" when it does not say).
std::string conflict_id(const std::string &body);
// A 429 that means the cost budget is exhausted (not the rate-limit bucket).
bool is_over_budget(const std::string &message);

}  // namespace tc::helix
