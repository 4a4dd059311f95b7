// EventSub subscriptions (§4) with the indexes that keep every request
// O(log n + page): by id, by sequence number (creation order = list order,
// and the cursor), per owner by each GET filter, and by type+condition for
// the duplicate (409) and "3 per type+condition" (429) rules.
// Not thread-safe on its own: State::mu guards it.
#pragma once

#include <cstdint>
#include <set>
#include <string>
#include <unordered_map>
#include <vector>

namespace tcm {

struct Subscription {
  std::string id, owner, status, type, version;
  std::string condition;   // the condition object as compact JSON, echoed back as sent
  std::string dedupe_key;  // type + '\n' + the condition with its keys sorted
  std::vector<std::string> users;  // distinct non-empty string values of the condition
  std::string conduit_id, created_at;
  long cost = 0;
  std::uint64_t seq = 0;  // creation order, never reused
  mutable std::string json;  // cached serialisation; emptied when the status changes
};

class SubStore {
 public:
  using Seqs = std::set<std::uint64_t>;

  struct Owner {
    Seqs all;
    std::unordered_map<std::string, Seqs> by_status, by_type, by_user, by_conduit;
    std::unordered_map<std::string, std::vector<std::uint64_t>> by_key;  // dedupe_key -> seqs
    long total_cost = 0;  // sum of the costs of the owner's *enabled* subscriptions
  };

  // Stores `s` under a fresh sequence number and returns the stored copy.
  const Subscription &add(Subscription s);
  // Null unless a subscription with this id exists.
  Subscription *find(const std::string &id);
  const Subscription *at(std::uint64_t seq) const;
  // Moves `s` to `status`, keeping the status index and total_cost right.
  void set_status(Subscription &s, const std::string &status);
  // True when `owner` had a subscription `id`, now removed.
  bool remove(const std::string &owner, const std::string &id);
  // Every subscription of the owner on that conduit becomes conduit_deleted.
  void conduit_deleted(const std::string &owner, const std::string &conduit_id);
  const Owner *owner(const std::string &client_id) const;
  std::size_t size() const { return subs_.size(); }
  void clear();

 private:
  std::unordered_map<std::uint64_t, Subscription> subs_;
  std::unordered_map<std::string, std::uint64_t> ids_;
  std::unordered_map<std::string, Owner> owners_;
  std::uint64_t next_seq_ = 0;
};

// The statuses of §4.5 (an open enum at Twitch; the mock knows these).
bool is_subscription_status(const std::string &s);

}  // namespace tcm
