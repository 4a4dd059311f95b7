// /_mock/*: unauthenticated control endpoints for tests, bindings and
// scripts that run the standalone binary. JSON in, JSON out.
#include <cstring>
#include <string>

#include "handlers.hpp"
#include "json.hpp"
#include "shard_events.hpp"

namespace tcm {

namespace {

constexpr long long kBig = 1000000000LL;  // sane upper bound for counts and times

Response ok() {
  Json j = json_object();
  add_bool(j.get(), "ok", true);
  return json_response(200, j.get());
}

Response bad(const std::string &message) { return helix_error(400, message); }

Response config_response(const Config &c) {
  Json j = json_object();
  add_number(j.get(), "fail_rate", c.fail_rate);
  add_number(j.get(), "drop_rate", c.drop_rate);
  add_number(j.get(), "drop_after_rate", c.drop_after_rate);
  add_number(j.get(), "latency_ms", static_cast<double>(c.latency_ms));
  add_number(j.get(), "token_expire_after_calls", static_cast<double>(c.token_expire_after_calls));
  add_number(j.get(), "token_expires_in", static_cast<double>(c.token_expires_in));
  add_number(j.get(), "ratelimit_limit", static_cast<double>(c.ratelimit_limit));
  add_number(j.get(), "ratelimit_window_s", c.ratelimit_window_s);
  add_number(j.get(), "seed", static_cast<double>(c.seed));
  add_bool(j.get(), "faults_on_oauth", c.faults_on_oauth);
  add_number(j.get(), "page_size", static_cast<double>(c.page_size));
  add_bool(j.get(), "allow_http_callbacks", c.allow_http_callbacks);
  add_number(j.get(), "max_total_cost", static_cast<double>(c.max_total_cost));
  add_number(j.get(), "ws_keepalive_s", static_cast<double>(c.ws_keepalive_s));
  add_number(j.get(), "ws_keepalive_min_s", static_cast<double>(c.ws_keepalive_min_s));
  add_number(j.get(), "ws_ping_interval_ms", static_cast<double>(c.ws_ping_interval_ms));
  add_number(j.get(), "ws_pong_timeout_ms", static_cast<double>(c.ws_pong_timeout_ms));
  add_number(j.get(), "ws_assign_timeout_ms", static_cast<double>(c.ws_assign_timeout_ms));
  add_number(j.get(), "ws_reconnect_grace_ms", static_cast<double>(c.ws_reconnect_grace_ms));
  return json_response(200, j.get());
}

bool rate(const cJSON *v, double *out) {
  if (!cJSON_IsNumber(v) || !(v->valuedouble >= 0.0 && v->valuedouble <= 1.0)) return false;
  *out = v->valuedouble;
  return true;
}

bool integer(const cJSON *v, long long min, long long max, long *out) {
  long long n = 0;
  if (!json_integer(v, min, max, &n)) return false;
  *out = static_cast<long>(n);
  return true;
}

// true/false, or 1/0.
bool flag(const cJSON *v, bool *out) {
  long long n = 0;
  if (cJSON_IsBool(v)) {
    *out = cJSON_IsTrue(v);
    return true;
  }
  if (!json_integer(v, 0, 1, &n)) return false;
  *out = n != 0;
  return true;
}

// Applies one config key to `c`; false when the key is unknown or the value invalid.
bool set_config_key(Config &c, const cJSON *v) {
  const char *k = v->string;
  long long n = 0;
  if (!std::strcmp(k, "fail_rate")) return rate(v, &c.fail_rate);
  if (!std::strcmp(k, "drop_rate")) return rate(v, &c.drop_rate);
  if (!std::strcmp(k, "drop_after_rate")) return rate(v, &c.drop_after_rate);
  if (!std::strcmp(k, "latency_ms")) return integer(v, 0, 600000, &c.latency_ms);
  if (!std::strcmp(k, "token_expire_after_calls")) return integer(v, 0, kBig, &c.token_expire_after_calls);
  if (!std::strcmp(k, "token_expires_in")) return integer(v, 0, kBig, &c.token_expires_in);
  if (!std::strcmp(k, "ratelimit_limit")) return integer(v, 1, kBig, &c.ratelimit_limit);
  if (!std::strcmp(k, "page_size")) return integer(v, 1, 100000, &c.page_size);
  if (!std::strcmp(k, "ratelimit_window_s")) {
    if (!cJSON_IsNumber(v) || !(v->valuedouble > 0.0 && v->valuedouble <= 86400.0)) return false;
    c.ratelimit_window_s = v->valuedouble;
    return true;
  }
  if (!std::strcmp(k, "seed")) {
    // JSON numbers are doubles: seeds up to 2^53 survive the trip exactly.
    if (!json_integer(v, 0, 9007199254740992LL, &n)) return false;
    c.seed = static_cast<std::uint64_t>(n);
    return true;
  }
  if (!std::strcmp(k, "faults_on_oauth")) return flag(v, &c.faults_on_oauth);
  if (!std::strcmp(k, "allow_http_callbacks")) return flag(v, &c.allow_http_callbacks);
  if (!std::strcmp(k, "max_total_cost")) return integer(v, 0, kBig, &c.max_total_cost);
  if (!std::strcmp(k, "ws_keepalive_s")) return integer(v, 1, 600, &c.ws_keepalive_s);
  if (!std::strcmp(k, "ws_keepalive_min_s")) return integer(v, 1, 600, &c.ws_keepalive_min_s);
  if (!std::strcmp(k, "ws_ping_interval_ms")) return integer(v, 0, 3600000, &c.ws_ping_interval_ms);
  if (!std::strcmp(k, "ws_pong_timeout_ms")) return integer(v, 0, 3600000, &c.ws_pong_timeout_ms);
  if (!std::strcmp(k, "ws_assign_timeout_ms")) return integer(v, 0, 3600000, &c.ws_assign_timeout_ms);
  if (!std::strcmp(k, "ws_reconnect_grace_ms")) return integer(v, 1, 3600000, &c.ws_reconnect_grace_ms);
  return false;
}

}  // namespace

Response control_stats(Ctx &c) {
  Json j = json_object();
  for (std::size_t i = 0; i < kStatFieldCount; ++i)
    add_number(j.get(), kStatFields[i].name, static_cast<double>(c.st.stats.*(kStatFields[i].field)));
  return json_response(200, j.get());
}

Response control_reset_stats(Ctx &c) {
  c.st.stats = Stats();
  c.st.sync_subscription_gauge();  // a gauge, not a counter
  return ok();
}

Response control_config_get(Ctx &c) { return config_response(c.st.cfg); }

Response control_config_set(Ctx &c) {
  Json body;
  Response err;
  if (!json_body_object(c.rq, &body, &err)) return err;
  // All or nothing: a typo in one key must not half-apply the rest.
  Config next = c.st.cfg;
  for (const cJSON *v = body->child; v; v = v->next)
    if (!set_config_key(next, v)) return bad(std::string("invalid config key or value: ") + v->string);
  c.st.apply_config(next, cJSON_GetObjectItemCaseSensitive(body.get(), "seed") != nullptr);
  return config_response(c.st.cfg);
}

Response control_fail_next(Ctx &c) {
  Json body;
  Response err;
  if (!json_body_object(c.rq, &body, &err)) return err;
  long count = 0, status = 0;
  if (!integer(cJSON_GetObjectItemCaseSensitive(body.get(), "count"), 1, kBig, &count))
    return bad("count must be an integer >= 1");
  if (!integer(cJSON_GetObjectItemCaseSensitive(body.get(), "status"), 400, 599, &status))
    return bad("status must be an integer 400..599");
  FaultDecision f;
  f.kind = FaultDecision::kFail;
  f.status = static_cast<int>(status);
  if (const cJSON *r = cJSON_GetObjectItemCaseSensitive(body.get(), "ratelimit_reset_in_s")) {
    if (!cJSON_IsNumber(r) || !(r->valuedouble >= 0 && r->valuedouble <= kBig))
      return bad("ratelimit_reset_in_s must be a number >= 0");
    f.has_reset = true;
    f.reset_in_s = r->valuedouble;
  }
  if (const cJSON *r = cJSON_GetObjectItemCaseSensitive(body.get(), "ratelimit_remaining")) {
    if (!integer(r, 0, kBig, &f.remaining)) return bad("ratelimit_remaining must be an integer >= 0");
    f.has_remaining = true;
  }
  c.st.faults.script(count, f);
  return ok();
}

Response control_drop_next(Ctx &c) {
  Json body;
  Response err;
  if (!json_body_object(c.rq, &body, &err)) return err;
  long count = 0;
  if (!integer(cJSON_GetObjectItemCaseSensitive(body.get(), "count"), 1, kBig, &count))
    return bad("count must be an integer >= 1");
  FaultDecision f;
  f.kind = FaultDecision::kDrop;
  // "after": run the handler first (state changes), then drop: the
  // request-succeeded-but-the-answer-was-lost case.
  if (const cJSON *after = cJSON_GetObjectItemCaseSensitive(body.get(), "after")) {
    if (!cJSON_IsBool(after)) return bad("after must be a boolean");
    if (cJSON_IsTrue(after)) f.kind = FaultDecision::kDropAfter;
  }
  c.st.faults.script(count, f);
  return ok();
}

Response control_add_client(Ctx &c) {
  Json body;
  Response err;
  if (!json_body_object(c.rq, &body, &err)) return err;
  const cJSON *id = cJSON_GetObjectItemCaseSensitive(body.get(), "client_id");
  const cJSON *secret = cJSON_GetObjectItemCaseSensitive(body.get(), "client_secret");
  if (!cJSON_IsString(id) || !*id->valuestring || !cJSON_IsString(secret) || !*secret->valuestring)
    return bad("client_id and client_secret must be non-empty strings");
  c.st.clients[id->valuestring] = secret->valuestring;
  return ok();
}

Response control_expire_tokens(Ctx &c) {
  c.st.tokens.clear();
  return ok();
}

Response control_reset(Ctx &c) {
  // Back to a fresh server, keeping the configuration and the clients.
  c.st.tokens.clear();
  c.st.refresh_tokens.clear();
  c.st.conduits.clear();  // and their shards: a challenge in flight finds nothing to settle
  c.st.sender.clear();         // queued challenges and deliveries
  c.st.deliveries.clear();     // waiting /_mock/deliver calls give up
  c.st.wake.notify_all();
  c.st.ws.close_all();  // every socket: close 1001, then the TCP connection
  c.st.sessions.clear();
  c.st.ws_refuse_assign = 0;
  c.st.subs.clear();
  c.st.faults.clear_script();
  c.st.faults.reseed(c.st.cfg.seed);
  c.st.limiter.configure(c.st.cfg.ratelimit_limit, c.st.cfg.ratelimit_window_s);
  c.st.stats = Stats();
  c.st.sync_subscription_gauge();
  return ok();
}

Response control_sessions(Ctx &c) {
  Json body;
  Response err;
  if (!json_body_object(c.rq, &body, &err)) return err;
  const char *id = json_nonempty_string(body.get(), "session_id");
  if (!id) return bad("session_id must be a non-empty string");
  bool connected = true;
  if (const cJSON *v = cJSON_GetObjectItemCaseSensitive(body.get(), "connected")) {
    if (!cJSON_IsBool(v)) return bad("connected must be a boolean");
    connected = cJSON_IsTrue(v);
  }
  Session &s = c.st.sessions[id];
  std::string now = rfc3339_now();
  if (connected) {
    if (!s.connected || s.connected_at.empty()) s = Session{true, now, std::string()};
    return ok();
  }
  // A disconnect: the session's enabled shards become websocket_disconnected
  // (and conduit.shard.disabled goes out), as when a real socket closes.
  session_lost(c.st, id, "websocket_disconnected");
  return ok();
}

Response control_subscription_status(Ctx &c) {
  Json body;
  Response err;
  if (!json_body_object(c.rq, &body, &err)) return err;
  const char *id = json_nonempty_string(body.get(), "id");
  if (!id) return bad("id must be a non-empty string");
  const char *status = json_nonempty_string(body.get(), "status");
  if (!status || !is_subscription_status(status)) return bad("status must be a subscription status");
  Subscription *s = c.st.subs.find(id);
  if (!s) return helix_error(404, "no such subscription");
  c.st.subs.set_status(*s, status);
  return ok();
}

}  // namespace tcm
