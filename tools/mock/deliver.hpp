// Event delivery to webhook shards (§6, §8, §9 item 2): what POST
// /_mock/deliver remembers between calls. Guarded by State::mu.
#pragma once

#include <cstddef>
#include <cstdint>
#include <deque>
#include <map>
#include <string>
#include <unordered_map>
#include <vector>

namespace tcm {

// A message as first sent, so resend_of can repeat it byte for byte.
struct MessageRecord {
  std::string id, timestamp, body;
  std::string type;                   // notification | revocation
  std::string sub_type, sub_version;  // the subscription's
  std::string conduit_id, route_key;  // where it goes: the same shard again
  long retry = 0;                     // the highest Message-Retry sent so far
};

struct DeliveryAttempt {
  long shard = -1;
  long http_status = 0;  // 0 without an HTTP answer
};

// The outcome /_mock/deliver reports with "wait":true.
struct DeliveryResult {
  bool done = false;
  long hashed_shard = -1;  // the shard the routing key hashes to
  long shard = -1;         // the shard that took it (or the websocket shard it went to); -1 none
  bool failover = false, delivered = false, dropped = false;
  long http_status = 0;
  std::string reason;  // empty when delivered
  std::vector<DeliveryAttempt> attempts;
};

struct Deliveries {
  static constexpr std::size_t kMaxMessages = 10000;  // remembered for resend_of, oldest forgotten first

  std::unordered_map<std::string, MessageRecord> messages;  // by message id
  std::deque<std::string> order;                            // first-send order, for forgetting
  std::map<std::uint64_t, DeliveryResult> waiting;          // by ticket, for "wait":true callers
  std::uint64_t next_ticket = 0;
  std::uint64_t epoch = 0;  // bumped by reset: waiters whose job was forgotten give up

  MessageRecord &remember(MessageRecord m);
  void clear();  // forget messages; wake-up is the caller's
};

// 64-bit FNV-1a of the routing key; the shard is this modulo shard_count.
std::uint64_t route_hash(const std::string &key);

class State;
struct Subscription;
// The WebSocket frame text for a message: {"metadata":{...},"payload":<body>}.
std::string ws_message_text(const MessageRecord &m);
// Queues a mock-originated notification (conduit.shard.disabled) for `s`,
// routed like /_mock/deliver's. Call with State::mu held.
void queue_notification(State &st, const Subscription &s, const std::string &event_json);

}  // namespace tcm
