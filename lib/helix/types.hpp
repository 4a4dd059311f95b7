// Twitch's EventSub objects as plain values: what the helix codecs decode
// and encode, what core operations pass around, and what the C objects hold.
#pragma once

#include <twitchconduits/transport.h>

#include <cstdint>
#include <optional>
#include <string>

namespace tc::helix {

struct Transport {
    tc_transport_type type = TC_TRANSPORT_OTHER;
    std::string method;  // as Twitch spells it, kept for unknown methods
    std::optional<std::string> callback;
    std::optional<std::string> secret;  // only when we created it: Twitch never returns it
    std::optional<std::string> session_id;
    std::optional<std::string> connected_at;
    std::optional<std::string> disconnected_at;
    std::optional<std::string> conduit_id;
};

struct Shard {
    std::string id;
    std::string status;  // open set: unknown values are kept
    Transport transport;
};

struct Conduit {
    std::string id;
    int shard_count = 0;
};

// One item of an Update Conduit Shards answer.
struct ShardOutcome {
    std::string shard_id;
    bool ok = false;
    bool unmentioned = false;  // in neither data[] nor errors[]: an incomplete answer
    std::string message;  // Twitch's per-shard message when !ok
    std::string code;     // Twitch's per-shard code when !ok
    Shard shard;          // the updated shard when ok
};

struct Subscription {
    std::string id;
    std::string type;
    std::string version;
    std::string status;     // open set
    std::string condition;  // the condition object as compact JSON with sorted keys
    std::string user;       // the user it belongs to (see condition_user), "" if none
    std::string created_at;
    int cost = 0;
    Transport transport;
};

// Twitch's cost accounting, as the latest answer reported it (-1 = unknown).
struct CostInfo {
    int64_t total = -1;
    int64_t total_cost = -1;
    int64_t max_total_cost = -1;
};

const char *transport_type_name(tc_transport_type type);
tc_transport_type transport_type_from_name(const std::string &method);

}  // namespace tc::helix
