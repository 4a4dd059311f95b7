#include "shard_events.hpp"

#include "deliver.hpp"
#include "json.hpp"
#include "state.hpp"

namespace tcm {

namespace {

const char *const kShardDisabledType = "conduit.shard.disabled";

Json disabled_event(const Conduit &conduit, long shard_id, const Shard &s) {
  Json t = json_object();
  if (s.websocket) {
    add_string(t.get(), "method", "websocket");
    add_string(t.get(), "session_id", s.session_id);
    add_string(t.get(), "connected_at", s.connected_at);
    if (s.disconnected_at.empty()) add_null(t.get(), "disconnected_at");
    else add_string(t.get(), "disconnected_at", s.disconnected_at);
  } else {
    add_string(t.get(), "method", "webhook");
    add_string(t.get(), "callback", s.callback);
    add_null(t.get(), "session_id");
    add_null(t.get(), "connected_at");
    add_null(t.get(), "disconnected_at");
  }
  Json ev = json_object();
  add_string(ev.get(), "conduit_id", conduit.id);
  add_string(ev.get(), "shard_id", std::to_string(shard_id));
  add_string(ev.get(), "status", s.status);
  add_item(ev.get(), "transport", std::move(t));
  return ev;
}

}  // namespace

void session_lost(State &st, const std::string &session_id, const std::string &status) {
  const std::string now = rfc3339_now();
  Session &sess = st.sessions[session_id];
  if (sess.connected_at.empty()) sess.connected_at = now;
  sess.connected = false;
  sess.disconnected_at = now;
  for (auto &kv : st.conduits) {
    for (auto &sh : kv.second.shards) {
      Shard &shard = sh.second;
      if (!shard.websocket || shard.session_id != session_id || shard.status != "enabled") continue;
      shard.status = status;
      shard.disconnected_at = now;
      announce_shard_disabled(st, kv.second, sh.first, shard);
    }
  }
}

void announce_shard_disabled(State &st, const Conduit &conduit, long shard_id, const Shard &shard) {
  const SubStore::Owner *o = st.subs.owner(conduit.owner);
  if (!o) return;
  auto t = o->by_type.find(kShardDisabledType);
  if (t == o->by_type.end()) return;
  std::string event;
  for (std::uint64_t seq : t->second) {
    const Subscription *s = st.subs.at(seq);
    if (!s || s->status != "enabled") continue;
    Json cond = json_parse(s->condition);
    const char *client = cond ? json_nonempty_string(cond.get(), "client_id") : nullptr;
    const char *conduit_id = cond ? json_nonempty_string(cond.get(), "conduit_id") : nullptr;
    if (!client || conduit.owner != client || (conduit_id && conduit.id != conduit_id)) continue;
    if (!st.conduits.count(s->conduit_id)) continue;  // nowhere to deliver it
    if (event.empty()) event = json_print(disabled_event(conduit, shard_id, shard).get());
    queue_notification(st, *s, event);
    ++st.stats.shard_disabled_events;
  }
}

}  // namespace tcm
