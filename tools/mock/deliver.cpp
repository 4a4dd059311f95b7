// POST /_mock/deliver: sends a notification or revocation for one of a
// conduit's subscriptions to the shard its routing key hashes to (a signed
// POST to a webhook shard, a text frame on a WebSocket shard's socket), with
// one failover to the next enabled shard, then a drop (§9 item 2). Deliveries
// run on the Sender's worker, after any challenge queued before.
#include <algorithm>
#include <cstring>
#include <string>
#include <utility>
#include <vector>

#include "handlers.hpp"
#include "json.hpp"

namespace tcm {

namespace {

constexpr long long kMaxStale = 1000000000LL;
const char *const kEnabledShardFailedReason =
    "the enabled shard did not accept it; Twitch retries the same shard (model it with resend_of)";
const char *const kWebsocketReason =
    "the websocket shard's session has no socket (registered with /_mock/sessions), so nothing was sent";
const char *const kSocketClosedReason = "the websocket closed before the frame was written";

struct DeliveryJob {
  MessageRecord msg;  // a copy: what goes over the wire
  bool tamper = false;
  bool revocation = false;
  bool wait = false;
  std::uint64_t ticket = 0;
};

Response bad(const std::string &message) { return helix_error(400, message); }

// Header-safe: 1..128 visible ASCII characters.
bool header_value_ok(const char *s) {
  std::size_t n = std::strlen(s);
  if (n == 0 || n > 128) return false;
  for (std::size_t i = 0; i < n; ++i)
    if (static_cast<unsigned char>(s[i]) < 0x21 || static_cast<unsigned char>(s[i]) > 0x7e) return false;
  return true;
}

bool is_user_id_key(const char *k) {
  std::size_t n = std::strlen(k);
  return !std::strcmp(k, "user_id") || (n > 8 && !std::strcmp(k + n - 8, "_user_id"));
}

// broadcaster_user_id; else the alphabetically first other "*user_id" key
// with a non-empty string value; else the subscription id.
std::string route_key(const Subscription &s) {
  Json cond = json_parse(s.condition);
  if (const char *b = cond ? json_nonempty_string(cond.get(), "broadcaster_user_id") : nullptr) return b;
  const char *best = nullptr, *value = nullptr;
  for (const cJSON *k = cond ? cond->child : nullptr; k; k = k->next) {
    if (!cJSON_IsString(k) || !k->valuestring[0] || !is_user_id_key(k->string)) continue;
    if (!best || std::strcmp(k->string, best) < 0) {
      best = k->string;
      value = k->valuestring;
    }
  }
  return value ? value : s.id;
}

// prefix_id, prefix_login, prefix_name for a made-up user with that id.
void add_user(cJSON *ev, const std::string &prefix, const std::string &id) {
  add_string(ev, (prefix + "_id").c_str(), id);
  add_string(ev, (prefix + "_login").c_str(), "user" + id);
  add_string(ev, (prefix + "_name").c_str(), "User" + id);
}

std::string cond_string(const cJSON *cond, const char *key, const char *fallback) {
  const char *v = json_nonempty_string(cond, key);
  return v ? v : fallback;
}

// A plausible event for the common types (§8); for others, the condition's
// users (as *_id/_login/_name triples) and its other string values.
Json default_event(const Subscription &s) {
  Json cond = json_parse(s.condition);
  if (!cond) cond = json_object();
  const cJSON *c = cond.get();
  Json ev = json_object();
  const std::string broadcaster = cond_string(c, "broadcaster_user_id", "1337");
  if (s.type == "stream.online") {
    add_string(ev.get(), "id", "9001");
    add_user(ev.get(), "broadcaster_user", broadcaster);
    add_string(ev.get(), "type", "live");
    add_string(ev.get(), "started_at", rfc3339_now());
  } else if (s.type == "stream.offline") {
    add_user(ev.get(), "broadcaster_user", broadcaster);
  } else if (s.type == "channel.follow") {
    add_user(ev.get(), "user", "4242");  // the follower
    add_user(ev.get(), "broadcaster_user", broadcaster);
    add_string(ev.get(), "followed_at", rfc3339_now());
  } else if (s.type == "channel.chat.message") {
    const std::string text = "Hello from tc-mock";
    add_user(ev.get(), "broadcaster_user", broadcaster);
    add_user(ev.get(), "chatter_user", cond_string(c, "user_id", "4242"));
    add_string(ev.get(), "message_id", random_uuid_v4());
    Json frag = json_object();
    add_string(frag.get(), "type", "text");
    add_string(frag.get(), "text", text);
    add_null(frag.get(), "cheermote");
    add_null(frag.get(), "emote");
    add_null(frag.get(), "mention");
    Json frags = json_array();
    append(frags.get(), std::move(frag));
    Json msg = json_object();
    add_string(msg.get(), "text", text);
    add_item(msg.get(), "fragments", std::move(frags));
    add_item(ev.get(), "message", std::move(msg));
    add_string(ev.get(), "color", "");
    add_item(ev.get(), "badges", json_array());
    add_string(ev.get(), "message_type", "text");
    for (const char *k : {"cheer", "reply", "channel_points_custom_reward_id", "source_broadcaster_user_id",
                          "source_broadcaster_user_login", "source_broadcaster_user_name", "source_message_id",
                          "source_badges"})
      add_null(ev.get(), k);
  } else {
    for (const cJSON *k = c->child; k; k = k->next) {
      if (!cJSON_IsString(k)) continue;
      std::size_t n = std::strlen(k->string);
      if (is_user_id_key(k->string))
        add_user(ev.get(), std::string(k->string, n - 3), k->valuestring);
      else
        add_string(ev.get(), k->string, k->valuestring);
    }
  }
  return ev;
}

// The first enabled shard after `from` (wrapping), other than `exclude`; -1 if none.
long next_enabled(const Conduit &c, long from, long exclude) {
  auto usable = [&](const std::pair<const long, Shard> &kv) {
    return kv.first != exclude && kv.first != from && kv.second.status == "enabled";
  };
  auto it = std::find_if(c.shards.upper_bound(from), c.shards.end(), usable);
  if (it != c.shards.end()) return it->first;
  it = std::find_if(c.shards.begin(), c.shards.lower_bound(from), usable);
  return it != c.shards.lower_bound(from) ? it->first : -1;
}

// POSTs `job` to shard `index`; false when the shard is gone or a websocket
// (then `res` says so). Called with `lock` held; releases it for the POST.
bool attempt(State &st, std::unique_lock<std::mutex> &lock, const DeliveryJob &job, long index, DeliveryResult &res,
             bool *ok) {
  *ok = false;
  auto c = st.conduits.find(job.msg.conduit_id);
  if (c == st.conduits.end()) return false;
  auto s = c->second.shards.find(index);
  if (s == c->second.shards.end()) return false;
  res.shard = index;
  if (s->second.websocket) {
    std::shared_ptr<WsConn> conn = st.ws.current(s->second.session_id);
    if (!conn) {
      res.reason = kWebsocketReason;
      return false;
    }
    // Delivered once the frame is in the socket (a stalled one swallows it).
    const std::uint64_t end = st.ws.queue_text(*conn, ws_message_text(job.msg), true);
    ++st.ws.waiters;
    st.wake.wait(lock, [&] { return st.stopping || conn->closed || conn->written_bytes >= end; });
    --st.ws.waiters;
    res.attempts.push_back(DeliveryAttempt{index, 0});
    res.http_status = 0;
    *ok = conn->written_bytes >= end;
    if (!*ok) res.reason = kSocketClosedReason;
    return true;
  }
  SignedPost m;
  m.url = s->second.callback;
  m.secret = s->second.secret;
  m.id = job.msg.id;
  m.retry = std::to_string(job.msg.retry);
  m.type = job.msg.type;
  m.timestamp = job.msg.timestamp;
  m.sub_type = job.msg.sub_type;
  m.sub_version = job.msg.sub_version;
  m.body = job.msg.body;
  m.tamper = job.tamper;
  lock.unlock();
  PostResult r = st.sender.post(m);
  lock.lock();
  res.attempts.push_back(DeliveryAttempt{index, r.status});
  res.http_status = r.status;
  *ok = r.transferred && r.status >= 200 && r.status < 300;
  return true;
}

void run_delivery(State &st, const DeliveryJob &job) {
  std::unique_lock<std::mutex> lock(st.mu);
  DeliveryResult res;
  auto c = st.conduits.find(job.msg.conduit_id);
  if (c == st.conduits.end()) {
    res.dropped = true;
    res.reason = "the conduit no longer exists";
  } else {
    const long primary = static_cast<long>(route_hash(job.msg.route_key) % static_cast<std::uint64_t>(
                                                                              c->second.shard_count));
    res.hashed_shard = primary;
    auto p = c->second.shards.find(primary);
    long target = primary;
    if (p == c->second.shards.end() || p->second.status != "enabled") {
      res.failover = true;  // the hashed shard is not enabled: one other shard
      target = next_enabled(c->second, primary, primary);
    }
    bool ok = false;
    if (target >= 0 && res.failover) ++st.stats.events_failover;
    bool posted = target >= 0 && attempt(st, lock, job, target, res, &ok);
    if (st.sender.aborting()) return;
    if (ok) {
      res.delivered = true;
      ++st.stats.events_delivered;
    } else if (res.reason == kSocketClosedReason) {
      res.dropped = true;  // written to nobody: lost, as at Twitch
    } else if (posted && !res.failover) {
      // Twitch does not fail over from an enabled webhook shard that fails: it
      // retries the same shard (reference §9.2). Not dropped; see resend_of.
      res.reason = kEnabledShardFailedReason;
    } else if (res.reason != kWebsocketReason) {
      res.dropped = true;
      res.reason = res.attempts.empty() ? "no enabled shard" : "no shard accepted the message";
    }
  }
  if (res.dropped) {
    res.shard = -1;
    ++st.stats.events_dropped;
  }
  if (job.wait) {
    auto w = st.deliveries.waiting.find(job.ticket);
    if (w != st.deliveries.waiting.end()) {
      res.done = true;
      w->second = std::move(res);
      st.wake.notify_all();
    }
  }
}

Response result_response(const MessageRecord &m, const DeliveryResult &r) {
  auto shard_or_null = [](cJSON *o, const char *k, long v) {
    if (v < 0) add_null(o, k);
    else add_string(o, k, std::to_string(v));
  };
  Json j = json_object();
  add_string(j.get(), "message_id", m.id);
  add_string(j.get(), "message_type", m.type);
  add_number(j.get(), "retry", static_cast<double>(m.retry));
  add_string(j.get(), "timestamp", m.timestamp);
  shard_or_null(j.get(), "hashed_shard", r.hashed_shard);
  shard_or_null(j.get(), "shard_id", r.shard);
  add_bool(j.get(), "failover", r.failover);
  add_bool(j.get(), "delivered", r.delivered);
  add_number(j.get(), "http_status", static_cast<double>(r.http_status));
  add_bool(j.get(), "dropped", r.dropped);
  if (r.reason.empty()) add_null(j.get(), "reason");
  else add_string(j.get(), "reason", r.reason);
  Json attempts = json_array();
  for (const DeliveryAttempt &a : r.attempts) {
    Json o = json_object();
    add_string(o.get(), "shard_id", std::to_string(a.shard));
    add_number(o.get(), "http_status", static_cast<double>(a.http_status));
    append(attempts.get(), std::move(o));
  }
  add_item(j.get(), "attempts", std::move(attempts));
  return json_response(200, j.get());
}

bool optional_bool(const cJSON *body, const char *key, bool *out) {
  const cJSON *v = cJSON_GetObjectItemCaseSensitive(body, key);
  if (!v) return true;
  if (!cJSON_IsBool(v)) return false;
  *out = cJSON_IsTrue(v);
  return true;
}

// The subscription named by subscription_id, or by conduit_id + type +
// condition (+ version): the oldest enabled match. Null with *err set.
Subscription *pick_subscription(State &st, const cJSON *body, Response *err) {
  const char *conduit_id = json_nonempty_string(body, "conduit_id");
  if (const cJSON *sid = cJSON_GetObjectItemCaseSensitive(body, "subscription_id")) {
    if (!cJSON_IsString(sid) || !sid->valuestring[0]) {
      *err = bad("subscription_id must be a non-empty string");
      return nullptr;
    }
    Subscription *s = st.subs.find(sid->valuestring);
    if (!s) {
      *err = helix_error(404, "no such subscription");
      return nullptr;
    }
    if (conduit_id && s->conduit_id != conduit_id) {
      *err = bad("the subscription is not on that conduit");
      return nullptr;
    }
    return s;
  }
  const char *type = json_nonempty_string(body, "type");
  const cJSON *condition = cJSON_GetObjectItemCaseSensitive(body, "condition");
  if (!conduit_id || !type || !cJSON_IsObject(condition)) {
    *err = bad("give subscription_id, or conduit_id + type + condition");
    return nullptr;
  }
  const char *version = json_nonempty_string(body, "version");
  auto c = st.conduits.find(conduit_id);
  if (c == st.conduits.end()) {
    *err = helix_error(404, "no such conduit");
    return nullptr;
  }
  std::string key = std::string(type) + '\n';
  canonical(condition, key);
  if (const SubStore::Owner *o = st.subs.owner(c->second.owner)) {
    auto k = o->by_key.find(key);
    if (k != o->by_key.end()) {
      for (std::uint64_t seq : k->second) {
        const Subscription *s = st.subs.at(seq);
        if (s->status == "enabled" && s->conduit_id == conduit_id && (!version || s->version == version))
          return st.subs.find(s->id);
      }
    }
  }
  *err = helix_error(404, "no enabled subscription with that type and condition on the conduit");
  return nullptr;
}

}  // namespace

std::string ws_message_text(const MessageRecord &m) {
  Json meta = json_object();
  add_string(meta.get(), "message_id", m.id);
  add_string(meta.get(), "message_type", m.type);
  add_string(meta.get(), "message_timestamp", m.timestamp);
  add_string(meta.get(), "subscription_type", m.sub_type);
  add_string(meta.get(), "subscription_version", m.sub_version);
  return "{\"metadata\":" + json_print(meta.get()) + ",\"payload\":" + m.body + "}";
}

void queue_notification(State &st, const Subscription &s, const std::string &event_json) {
  MessageRecord m;
  m.id = random_uuid_v4();
  m.timestamp = rfc3339_now();
  m.type = "notification";
  m.sub_type = s.type;
  m.sub_version = s.version;
  m.conduit_id = s.conduit_id;
  m.route_key = route_key(s);
  m.body = "{\"subscription\":" + sub_text(s) + ",\"event\":" + event_json + "}";
  DeliveryJob job;
  job.msg = st.deliveries.remember(std::move(m));
  State *stp = &st;
  st.sender.submit([stp, job = std::move(job)] { run_delivery(*stp, job); });
}

MessageRecord &Deliveries::remember(MessageRecord m) {
  auto it = messages.find(m.id);
  if (it != messages.end()) {
    it->second = std::move(m);  // a reused id: the newest message wins
    return it->second;
  }
  while (messages.size() >= kMaxMessages && !order.empty()) {
    messages.erase(order.front());
    order.pop_front();
  }
  order.push_back(m.id);
  std::string id = m.id;
  return messages.emplace(std::move(id), std::move(m)).first->second;
}

void Deliveries::clear() {
  messages.clear();
  order.clear();
  ++epoch;
}

std::uint64_t route_hash(const std::string &key) {
  std::uint64_t h = 14695981039346656037ULL;
  for (unsigned char ch : key) {
    h ^= ch;
    h *= 1099511628211ULL;
  }
  return h;
}

Response control_deliver(Ctx &c) {
  Json body;
  Response err;
  if (!json_body_object(c.rq, &body, &err)) return err;
  const cJSON *b = body.get();
  DeliveryJob job;
  if (!optional_bool(b, "tamper", &job.tamper)) return bad("tamper must be a boolean");
  if (!optional_bool(b, "wait", &job.wait)) return bad("wait must be a boolean");

  if (const cJSON *of = cJSON_GetObjectItemCaseSensitive(b, "resend_of")) {
    // The same message again, byte for byte, with the retry counter bumped.
    if (!cJSON_IsString(of)) return bad("resend_of must be a message id");
    auto it = c.st.deliveries.messages.find(of->valuestring);
    if (it == c.st.deliveries.messages.end()) return helix_error(404, "no such message");
    ++it->second.retry;
    job.msg = it->second;
    job.revocation = job.msg.type == "revocation";
  } else {
    std::string kind = "notification";
    if (const cJSON *k = cJSON_GetObjectItemCaseSensitive(b, "kind")) {
      if (!cJSON_IsString(k) || (std::strcmp(k->valuestring, "notification") && std::strcmp(k->valuestring, "revocation")))
        return bad("kind must be \"notification\" or \"revocation\"");
      kind = k->valuestring;
    }
    job.revocation = kind == "revocation";
    std::string reason = "authorization_revoked";
    if (const cJSON *r = cJSON_GetObjectItemCaseSensitive(b, "reason")) {
      if (!job.revocation) return bad("reason goes with kind \"revocation\"");
      if (!cJSON_IsString(r) || !is_subscription_status(r->valuestring) || !std::strcmp(r->valuestring, "enabled"))
        return bad("reason must be a subscription status other than enabled");
      reason = r->valuestring;
    }
    const cJSON *event = cJSON_GetObjectItemCaseSensitive(b, "event");
    if (event && (!cJSON_IsObject(event) || job.revocation)) return bad("event must be an object (notifications only)");
    std::string id, timestamp;
    if (const cJSON *v = cJSON_GetObjectItemCaseSensitive(b, "message_id")) {
      if (!cJSON_IsString(v) || !header_value_ok(v->valuestring))
        return bad("message_id must be 1..128 visible ASCII characters");
      id = v->valuestring;
    }
    const cJSON *ts = cJSON_GetObjectItemCaseSensitive(b, "timestamp");
    const cJSON *stale = cJSON_GetObjectItemCaseSensitive(b, "stale_seconds");
    if (ts && stale) return bad("give timestamp or stale_seconds, not both");
    if (ts) {
      if (!cJSON_IsString(ts) || !header_value_ok(ts->valuestring))
        return bad("timestamp must be 1..128 visible ASCII characters");
      timestamp = ts->valuestring;
    }
    long long stale_s = 0;
    if (stale && !json_integer(stale, 0, kMaxStale, &stale_s)) return bad("stale_seconds must be an integer >= 0");

    Subscription *s = pick_subscription(c.st, b, &err);
    if (!s) return err;
    if (s->status != "enabled") return helix_error(409, "the subscription is not enabled (" + s->status + ")");
    if (!c.st.conduits.count(s->conduit_id)) return helix_error(409, "the subscription's conduit no longer exists");

    MessageRecord m;
    m.id = id.empty() ? random_uuid_v4() : id;
    m.timestamp = !timestamp.empty() ? timestamp : rfc3339_ago(stale_s);
    m.type = kind;
    m.sub_type = s->type;
    m.sub_version = s->version;
    m.conduit_id = s->conduit_id;
    m.route_key = route_key(*s);
    if (job.revocation) {
      // The subscription is revoked now; the body shows the reason as its status.
      c.st.subs.set_status(*s, reason);
      ++c.st.stats.revocations_sent;
      m.body = "{\"subscription\":" + sub_text(*s) + "}";
    } else {
      const std::string ev = event ? json_print(event) : json_print(default_event(*s).get());
      m.body = "{\"subscription\":" + sub_text(*s) + ",\"event\":" + ev + "}";
    }
    job.msg = c.st.deliveries.remember(std::move(m));
  }

  const std::uint64_t ticket = job.ticket = ++c.st.deliveries.next_ticket;
  const std::uint64_t epoch = c.st.deliveries.epoch;
  const MessageRecord sent = job.msg;
  if (job.wait) c.st.deliveries.waiting[ticket] = DeliveryResult();
  State *st = &c.st;
  try {
    c.st.sender.submit([st, job = std::move(job)] { run_delivery(*st, job); });
  } catch (...) {
    c.st.deliveries.waiting.erase(ticket);
    throw;
  }
  if (!c.st.deliveries.waiting.count(ticket)) {
    Json j = json_object();
    add_string(j.get(), "message_id", sent.id);
    add_bool(j.get(), "queued", true);
    return json_response(202, j.get());
  }
  // Answered once the worker settled the delivery (it needs State::mu, and so
  // do other calls: the request is parked, not blocking a server thread).
  return c.park(
      [st, ticket, epoch] {
        return st->stopping || st->deliveries.epoch != epoch || st->deliveries.waiting.at(ticket).done;
      },
      [st, ticket, sent] {
        DeliveryResult r = std::move(st->deliveries.waiting.at(ticket));
        st->deliveries.waiting.erase(ticket);
        if (!r.done) return helix_error(503, "the mock was stopped or reset before the delivery finished");
        return result_response(sent, r);
      });
}

}  // namespace tcm
