// Everything the mock remembers, behind ONE mutex. Handlers run with `mu`
// held (the dispatcher takes it), so a request's auth, rate-limit, fault and
// state change form one atomic step and the fault PRNG sees a single order.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <map>
#include <mutex>
#include <string>
#include <unordered_map>
#include <vector>

#include "faults.hpp"
#include "ratelimit.hpp"

namespace tcm {

using Clock = std::chrono::steady_clock;

extern const char *const kDefaultClientId;
extern const char *const kDefaultClientSecret;

// The knobs POST /_mock/config can change at run time.
struct Config {
  double fail_rate = 0;
  double drop_rate = 0;
  double drop_after_rate = 0;
  long latency_ms = 0;
  long token_expire_after_calls = 0;  // 0 = off
  long token_expires_in = 5011271;    // the docs' example value
  long ratelimit_limit = 800;
  double ratelimit_window_s = 60;
  std::uint64_t seed = 1;
  bool faults_on_oauth = false;
  long page_size = 100;  // reserved for paginated endpoints
};

struct Stats {
  long token_requests = 0;
  long validate_requests = 0;
  long revoke_requests = 0;
  long helix_requests = 0;
  long rate_limited = 0;  // every 429 answered
  long faults_5xx = 0;    // injected 5xx (random or scripted)
  long drops = 0;         // connections closed without an answer
  long unauthorized = 0;  // every 401 answered
  long requests_total = 0;  // every request except /_mock control calls
};

// One name table for GET /_mock/stats and tcmock_stat().
struct StatField {
  const char *name;
  long Stats::*field;
};
extern const StatField kStatFields[];
extern const std::size_t kStatFieldCount;

struct Token {
  std::string client_id;
  Clock::time_point expires_at;
  long helix_calls = 0;
};

struct Conduit {
  std::string id;
  std::string owner;  // client id: conduits are scoped per client (§2)
  long shard_count = 0;
  std::uint64_t seq = 0;  // creation order, the order GET lists them in
};

// CSPRNG-backed identifiers (OpenSSL RAND_bytes); throw on RNG failure.
std::string random_token();  // 30 lowercase alphanumerics, like Twitch's
std::string random_uuid_v4();

class State {
 public:
  explicit State(const Config &cfg);

  mutable std::mutex mu;  // mutable: read-only callers (tcmock_stat) lock too
  std::condition_variable wake;  // latency sleeps wait here so stop is prompt
  bool stopping = false;

  Config cfg;
  Stats stats;
  std::map<std::string, std::string> clients;  // client id -> secret
  std::unordered_map<std::string, Token> tokens;
  std::map<std::string, Conduit> conduits;  // by id
  std::uint64_t conduit_seq = 0;
  RateLimiter limiter;
  Faults faults;

  // All of these require `mu`.
  // Rebuilds the rate limiter when its limits change; reseeds the fault PRNG
  // when the seed changes or `reseed` asks for it (setting a seed restarts it).
  void apply_config(const Config &next, bool reseed = false);
  std::string issue_token(const std::string &client_id, Clock::time_point now);
  // Null when unknown, expired, or used up by token_expire_after_calls.
  Token *valid_token(const std::string &token, Clock::time_point now);
  std::vector<const Conduit *> conduits_of(const std::string &client_id) const;
  Conduit *owned_conduit(const std::string &client_id, const std::string &id);

 private:
  std::size_t issued_since_sweep_ = 0;
};

}  // namespace tcm
