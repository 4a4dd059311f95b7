// Webhook shard verification (§3.3, §6): after a PATCH assigns a callback,
// one worker thread POSTs the conduit_shard challenge to it (libcurl, 10 s
// timeout, no redirects, IPv4) and settles the shard as enabled or
// webhook_callback_verification_failed. Jobs run one at a time in FIFO order.
// The worker starts on the first job; stopping aborts an in-flight POST.
#pragma once

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <mutex>
#include <string>
#include <thread>

namespace tcm {

class State;

struct ChallengeJob {
  std::string conduit_id;
  long shard = 0;
  std::string callback, secret;
  std::uint64_t gen = 0;  // the shard's challenge_gen when the job was queued
};

// What went over the wire, for the signature (also used by tests of the format).
struct ChallengeMessage {
  std::string id, timestamp, body, signature;  // signature = "sha256=" + lowercase hex
};

// Builds the challenge POST for `job` with the given challenge string.
ChallengeMessage build_challenge(const ChallengeJob &job, const std::string &challenge);

// "sha256=" + hex(HMAC-SHA256(secret, id + timestamp + body)) (§6.3).
std::string eventsub_signature(const std::string &secret, const std::string &id, const std::string &timestamp,
                               const std::string &body);

class Challenger {
 public:
  explicit Challenger(State &st) : st_(st) {}
  ~Challenger();
  Challenger(const Challenger &) = delete;
  Challenger &operator=(const Challenger &) = delete;

  void enqueue(ChallengeJob job);  // may be called with State::mu held
  void clear();                    // forget queued (not yet started) jobs

 private:
  void run();
  bool deliver(const ChallengeJob &job);  // true when the callback echoed the challenge

  State &st_;
  std::mutex mu_;  // a leaf lock: never held while taking State::mu
  std::condition_variable cv_;
  std::deque<ChallengeJob> queue_;
  bool stop_ = false;
  bool started_ = false;
  std::atomic<bool> abort_{false};
  void *multi_ = nullptr;  // CURLM*, alive while the worker is
  std::thread worker_;
};

}  // namespace tcm
