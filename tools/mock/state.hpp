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

#include "challenge.hpp"
#include "deliver.hpp"
#include "faults.hpp"
#include "ratelimit.hpp"
#include "sender.hpp"
#include "subs.hpp"
#include "ws_hub.hpp"

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
  long page_size = 100;  // items per page of Get Conduit Shards / Get EventSub Subscriptions
  bool allow_http_callbacks = false;  // also accept http(s) callbacks on 127.0.0.1/localhost, any port
  long max_total_cost = 10000;        // app-token transports (§4.4)
  // EventSub WebSocket server (§7).
  long ws_keepalive_s = 10;            // keepalive_timeout_seconds when the URL does not ask
  long ws_keepalive_min_s = 10;        // lowest value a URL may ask for (Twitch: 10; tests lower it)
  long ws_ping_interval_ms = 5000;     // WebSocket Ping frames; 0 = none
  long ws_pong_timeout_ms = 10000;     // no Pong this long after a Ping -> 4002; 0 = never
  long ws_assign_timeout_ms = 10000;   // welcome -> shard assignment, else 4003; 0 = never
  long ws_reconnect_grace_ms = 30000;  // session_reconnect -> 4004 if the old socket is still open
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
  long challenges_sent = 0;    // webhook shard challenges POSTed (or attempted)
  long challenges_passed = 0;  // ... answered 200 with exactly the challenge
  long challenges_failed = 0;  // ... answered otherwise, or not at all
  long subscriptions = 0;      // a gauge: subscriptions that exist now (any status, all clients)
  long subscriptions_created = 0;
  long events_delivered = 0;  // messages (notifications and revocations) a shard answered 2xx
  long events_failover = 0;   // deliveries that went on to a second shard
  long events_dropped = 0;    // deliveries no shard took (none enabled, or both tries failed)
  long revocations_sent = 0;  // revocations requested with /_mock/deliver (the subscription changed)
  long ws_connections = 0;    // a gauge: WebSocket sockets open now
  long ws_connects = 0;
  long ws_welcomes = 0;
  long ws_keepalives = 0;
  long ws_pings = 0;
  long ws_notifications = 0;  // notification and revocation frames queued on a socket
  long ws_closes_4003 = 0;
  long ws_closes_sent = 0;    // close frames sent (any code)
  long ws_inbound_violations = 0;  // client data frames (answered with 4001)
  long shard_disabled_events = 0;  // conduit.shard.disabled notifications queued
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
  // A user access token (issued by the refresh_token grant): whose, and its
  // scopes, which validate reports (§1.2). Empty user_id: an app token.
  std::string user_id, login;
  std::vector<std::string> scopes;
};

// A user's refresh token (registered by POST /_mock/user_tokens, since the
// mock has no authorization-code flow). The refresh_token grant answers it
// with a new access token and a NEW refresh token, and this one stops working.
struct UserGrant {
  std::string client_id, user_id, login;
  std::vector<std::string> scopes;
};

// One shard slot that has been given a transport (§3). Unassigned slots are
// not stored: Get Conduit Shards does not list them (§2.2).
struct Shard {
  std::string status;
  bool websocket = false;
  std::string callback, secret;                          // webhook
  std::string session_id, connected_at, disconnected_at;  // websocket
  std::uint64_t challenge_gen = 0;  // only the challenge with this number may settle the shard
};

struct Conduit {
  std::string id;
  std::string owner;  // client id: conduits are scoped per client (§2)
  long shard_count = 0;
  std::uint64_t seq = 0;  // creation order, the order GET lists them in
  std::map<long, Shard> shards;  // assigned shards by numeric id, all < shard_count
};

// A WebSocket session that may be assigned to a shard: one the WebSocket
// server welcomed (ws_hub.cpp), or one the tests declared (POST /_mock/sessions).
struct Session {
  bool connected = true;
  std::string connected_at, disconnected_at;
};

// CSPRNG-backed identifiers (OpenSSL RAND_bytes); throw on RNG failure.
std::string random_token();  // 30 lowercase alphanumerics, like Twitch's
std::string random_uuid_v4();

// Wall-clock time as RFC3339 UTC with nanoseconds, like every EventSub timestamp.
std::string rfc3339_now();
// The same, `seconds_ago` seconds in the past.
std::string rfc3339_ago(long long seconds_ago);

// Opaque pagination cursors: base64url of "<scope>|<n>". read_cursor() is
// false for anything that make_cursor() did not produce for the same scope.
std::string make_cursor(const std::string &scope, std::uint64_t n);
bool read_cursor(const std::string &cursor, const std::string &scope, std::uint64_t *n);

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
  std::unordered_map<std::string, UserGrant> refresh_tokens;  // by refresh token
  std::map<std::string, Conduit> conduits;  // by id
  std::uint64_t conduit_seq = 0;
  std::map<std::string, Session> sessions;  // by session id
  SubStore subs;
  std::uint64_t challenge_gen = 0;
  Deliveries deliveries;  // sent messages (for resend_of) and waiting /_mock/deliver calls
  long ws_refuse_assign = 0;  // the next N websocket shard assignments fail (POST /_mock/ws/refuse_assign)
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
  // Keeps the gauges (stats.subscriptions, stats.ws_connections) right.
  void sync_subscription_gauge() {
    stats.subscriptions = static_cast<long>(subs.size());
    stats.ws_connections = static_cast<long>(ws.conns().size());
  }

 private:
  std::size_t issued_since_sweep_ = 0;

 public:
  // The WebSocket sockets; stopped by Server::stop before libmicrohttpd.
  WsHub ws{*this};
  // Last member: destroyed first, so its worker thread is joined while
  // everything its tasks touch (mu, conduits, stats, ws) still exists.
  Sender sender;
};

}  // namespace tcm
