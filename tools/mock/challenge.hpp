// Webhook shard verification (§3.3, §6): after a PATCH assigns a callback,
// the Sender's worker POSTs the conduit_shard challenge to it and settles the
// shard as enabled or webhook_callback_verification_failed.
#pragma once

#include <cstdint>
#include <string>

namespace tcm {

class State;

struct ChallengeJob {
  std::string conduit_id;
  long shard = 0;
  std::string callback, secret;
  std::uint64_t gen = 0;  // the shard's challenge_gen when the job was queued
};

// Queues the challenge on st.sender. Call with State::mu held.
void queue_challenge(State &st, ChallengeJob job);

}  // namespace tcm
