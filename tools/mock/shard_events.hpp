// Shards losing their transport (§3.2, §7.3, §8.3): a WebSocket session that
// ends moves its enabled shards to a websocket_* status, and every disabled
// shard is announced with a conduit.shard.disabled notification to the
// matching subscriptions, delivered like any other. Call with State::mu held.
#pragma once

#include <string>

namespace tcm {

class State;
struct Conduit;
struct Shard;

// The session is no longer connected; its enabled shards get `status`.
void session_lost(State &st, const std::string &session_id, const std::string &status);
// `shard` (of `conduit`, id `shard_id`) was just disabled: notify subscribers.
void announce_shard_disabled(State &st, const Conduit &conduit, long shard_id, const Shard &shard);

}  // namespace tcm
