#include "challenge.hpp"

#include <utility>

#include "json.hpp"
#include "shard_events.hpp"
#include "state.hpp"

namespace tcm {

namespace {

// The shard the job may still settle: same assignment, still waiting.
Shard *live_shard(State &st, const ChallengeJob &job) {
  auto c = st.conduits.find(job.conduit_id);
  if (c == st.conduits.end()) return nullptr;
  auto s = c->second.shards.find(job.shard);
  if (s == c->second.shards.end()) return nullptr;
  Shard &shard = s->second;
  if (shard.websocket || shard.challenge_gen != job.gen || shard.status != "webhook_callback_verification_pending")
    return nullptr;
  return &shard;
}

SignedPost build_challenge(const ChallengeJob &job, const std::string &challenge) {
  Json shard = json_object();
  add_string(shard.get(), "conduit_id", job.conduit_id);
  add_string(shard.get(), "shard", std::to_string(job.shard));
  Json body = json_object();
  add_string(body.get(), "challenge", challenge);
  add_item(body.get(), "conduit_shard", std::move(shard));
  SignedPost m;
  m.url = job.callback;
  m.secret = job.secret;
  m.id = random_uuid_v4();
  m.type = "webhook_callback_verification";
  m.timestamp = rfc3339_now();
  m.body = json_print(body.get());
  // Whether a shard challenge carries Subscription-Type/-Version is unverified
  // (§3.3): there is no subscription, so they are left out.
  return m;
}

void run_challenge(State &st, const ChallengeJob &job) {
  {
    std::lock_guard<std::mutex> lock(st.mu);
    if (!live_shard(st, job)) return;  // reassigned, resized away or deleted meanwhile
    ++st.stats.challenges_sent;
  }
  const std::string challenge = random_uuid_v4();
  PostResult r = st.sender.post(build_challenge(job, challenge));
  if (st.sender.aborting()) return;  // stopping: the answer is moot
  bool ok = r.transferred && r.status == 200 && r.answer == challenge;
  std::lock_guard<std::mutex> lock(st.mu);
  ++(ok ? st.stats.challenges_passed : st.stats.challenges_failed);
  if (Shard *s = live_shard(st, job)) {
    s->status = ok ? "enabled" : "webhook_callback_verification_failed";
    if (!ok) announce_shard_disabled(st, st.conduits.at(job.conduit_id), job.shard, *s);
  }
}

}  // namespace

void queue_challenge(State &st, ChallengeJob job) {
  State *s = &st;
  st.sender.submit([s, job = std::move(job)] { run_challenge(*s, job); });
}

}  // namespace tcm
