// The catalogue's rules over user input: resolving "type" / "type@version"
// names to entries, and building a type's condition from one condition
// object the caller gives for all of them (the original library's
// create_subscriptions(types, condition)). Pure functions.
#pragma once

#include "core/catalogue_table.hpp"
#include "helix/subscriptions.hpp"

#include <twitchconduits/common.h>

#include <string>
#include <vector>

namespace tc::core {

struct Resolved {
    tc_status status = TC_OK;  // TC_ENOTFOUND (unknown type or version), TC_EGONE (withdrawn)
    std::string message;       // why not, naming the type and what to use instead
    const catalogue::Entry *entry = nullptr;  // the withdrawn entry for TC_EGONE
};

// `name` is "type" (its newest version) or "type@version"; `version`
// non-empty overrides the one in the name.
Resolved resolve_type(const std::string &name, const std::string &version = std::string());

// The condition of `entry` taken from `given` (a JSON object of strings):
// its required keys (each must be a non-empty string), its optional ones
// when present, and exactly one key of each one-of group; other keys are
// dropped. False with *error naming the field when that cannot be done.
bool build_condition(const catalogue::Entry &entry, const std::string &given_json, std::string *condition_json,
                     std::string *error);

// One item of a by-type batch: a spec to create, or the reason it cannot be.
struct PlannedItem {
    bool ready = false;
    helix::SubscriptionSpec spec;
    tc_status status = TC_OK;
    std::string message;
};

// The plan for `names` with one shared condition; never fails as a whole.
// With all_fillable (names ignored): the newest version of every type that
// allows conduits and whose condition `given` fills completely.
std::vector<PlannedItem> plan_by_type(const std::vector<std::string> &names, const std::string &given_json,
                                      bool all_fillable);

}  // namespace tc::core
