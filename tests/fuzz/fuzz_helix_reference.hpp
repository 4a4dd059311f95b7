// The cJSON-based Helix page decoders the no-DOM ones replaced: the
// differential fuzzers' oracle (fuzz_helix_reference.cpp).
#pragma once

#include "helix/types.hpp"

#include <string>
#include <vector>

namespace reference {

bool parse_created_ref(const std::string &body, tc::helix::Subscription *out, tc::helix::CostInfo *cost,
                       std::string *error);
bool parse_subscription_page_ref(const std::string &body, std::vector<tc::helix::Subscription> *out,
                                 std::string *cursor, tc::helix::CostInfo *cost, std::string *error);
std::string conflict_id_ref(const std::string &body);
bool parse_shard_page_ref(const std::string &body, std::vector<tc::helix::Shard> *out, std::string *cursor,
                          std::string *error);

}  // namespace reference
