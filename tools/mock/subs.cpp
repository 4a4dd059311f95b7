#include "subs.hpp"

#include <algorithm>

namespace tcm {

namespace {

const char *const kEnabled = "enabled";

void erase_from(std::unordered_map<std::string, SubStore::Seqs> &index, const std::string &key, std::uint64_t seq) {
  auto it = index.find(key);
  if (it == index.end()) return;
  it->second.erase(seq);
  if (it->second.empty()) index.erase(it);
}

}  // namespace

bool is_subscription_status(const std::string &s) {
  static const char *const kStatuses[] = {
      "enabled",
      "webhook_callback_verification_pending",
      "webhook_callback_verification_failed",
      "notification_failures_exceeded",
      "authorization_revoked",
      "moderator_removed",
      "guest_star_moderator_removed",
      "user_removed",
      "chat_user_banned",
      "version_removed",
      "beta_maintenance",
      "websocket_disconnected",
      "websocket_failed_ping_pong",
      "websocket_received_inbound_traffic",
      "websocket_connection_unused",
      "websocket_internal_error",
      "websocket_network_timeout",
      "websocket_network_error",
      "websocket_failed_to_reconnect",
      "conduit_deleted",
  };
  for (const char *k : kStatuses)
    if (s == k) return true;
  return false;
}

const Subscription &SubStore::add(Subscription s) {
  s.seq = ++next_seq_;
  std::uint64_t seq = s.seq;
  Owner &o = owners_[s.owner];
  o.all.insert(seq);
  o.by_status[s.status].insert(seq);
  o.by_type[s.type].insert(seq);
  for (const std::string &u : s.users) o.by_user[u].insert(seq);
  o.by_conduit[s.conduit_id].insert(seq);
  o.by_key[s.dedupe_key].push_back(seq);
  if (s.status == kEnabled) o.total_cost += s.cost;
  ids_[s.id] = seq;
  return subs_.emplace(seq, std::move(s)).first->second;
}

Subscription *SubStore::find(const std::string &id) {
  auto it = ids_.find(id);
  return it == ids_.end() ? nullptr : &subs_.at(it->second);
}

const Subscription *SubStore::at(std::uint64_t seq) const {
  auto it = subs_.find(seq);
  return it == subs_.end() ? nullptr : &it->second;
}

void SubStore::set_status(Subscription &s, const std::string &status) {
  if (s.status == status) return;
  Owner &o = owners_[s.owner];
  if (s.status == kEnabled) o.total_cost -= s.cost;
  if (status == kEnabled) o.total_cost += s.cost;
  erase_from(o.by_status, s.status, s.seq);
  o.by_status[status].insert(s.seq);
  s.status = status;
  s.json.clear();
}

bool SubStore::remove(const std::string &owner, const std::string &id) {
  Subscription *s = find(id);
  if (!s || s->owner != owner) return false;
  std::uint64_t seq = s->seq;
  Owner &o = owners_[owner];
  if (s->status == kEnabled) o.total_cost -= s->cost;
  o.all.erase(seq);
  erase_from(o.by_status, s->status, seq);
  erase_from(o.by_type, s->type, seq);
  for (const std::string &u : s->users) erase_from(o.by_user, u, seq);
  erase_from(o.by_conduit, s->conduit_id, seq);
  auto k = o.by_key.find(s->dedupe_key);
  if (k != o.by_key.end()) {
    k->second.erase(std::remove(k->second.begin(), k->second.end(), seq), k->second.end());
    if (k->second.empty()) o.by_key.erase(k);
  }
  if (o.all.empty()) owners_.erase(owner);
  ids_.erase(id);
  subs_.erase(seq);
  return true;
}

void SubStore::conduit_deleted(const std::string &owner, const std::string &conduit_id) {
  auto o = owners_.find(owner);
  if (o == owners_.end()) return;
  auto c = o->second.by_conduit.find(conduit_id);
  if (c == o->second.by_conduit.end()) return;
  // set_status touches by_status only, so iterating by_conduit is safe.
  for (std::uint64_t seq : c->second) set_status(subs_.at(seq), "conduit_deleted");
}

const SubStore::Owner *SubStore::owner(const std::string &client_id) const {
  auto it = owners_.find(client_id);
  return it == owners_.end() ? nullptr : &it->second;
}

void SubStore::clear() {
  subs_.clear();
  ids_.clear();
  owners_.clear();
}

}  // namespace tcm
