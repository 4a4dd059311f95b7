// /helix/eventsub/conduits/shards: Get and Update Conduit Shards (§3, §11).
#include <cctype>
#include <memory>
#include <string>

#include <curl/curl.h>

#include "handlers.hpp"
#include "json.hpp"

namespace tcm {

namespace {

const char *const kPending = "webhook_callback_verification_pending";

// The error texts of the reference (§3.3).
const char *const kBadSecret = "The length of the string in the secret field is not valid.";
const char *const kBadCallback =
    "The URL in the transport's callback field is not valid. The URL must use the HTTPS protocol and the 443 port "
    "number.";
const char *const kBadMethod = "The value specified in the method field is not valid.";
const char *const kNoCallback = "The callback field is required if you specify the webhook transport method.";
const char *const kNoSession = "The session_id field is required if you specify the WebSocket transport method.";
const char *const kNotConnected = "The websocket session is not connected.";
const char *const kOutOfRange = "The shard id is outside of the conduit's range.";

bool is_shard_status(const std::string &s) {
  static const char *const kStatuses[] = {
      "enabled",
      "webhook_callback_verification_pending",
      "webhook_callback_verification_failed",
      "notification_failures_exceeded",
      "websocket_disconnected",
      "websocket_failed_ping_pong",
      "websocket_received_inbound_traffic",
      "websocket_internal_error",
      "websocket_network_timeout",
      "websocket_network_error",
      "websocket_failed_to_reconnect",
  };
  for (const char *k : kStatuses)
    if (s == k) return true;
  return false;
}

Json shard_json(long id, const Shard &s) {
  Json t = json_object();
  if (s.websocket) {
    add_string(t.get(), "method", "websocket");
    add_string(t.get(), "session_id", s.session_id);
    add_string(t.get(), "connected_at", s.connected_at);
    if (!s.disconnected_at.empty()) add_string(t.get(), "disconnected_at", s.disconnected_at);
  } else {
    add_string(t.get(), "method", "webhook");
    add_string(t.get(), "callback", s.callback);  // never the secret
  }
  Json j = json_object();
  add_string(j.get(), "id", std::to_string(id));
  add_string(j.get(), "status", s.status);
  add_item(j.get(), "transport", std::move(t));
  return j;
}

// "0".."count-1", decimal without sign or leading zeros.
bool shard_index(const std::string &id, long count, long *out) {
  if (id.empty() || id.size() > 9 || id.find_first_not_of("0123456789") != std::string::npos) return false;
  if (id.size() > 1 && id[0] == '0') return false;
  long n = std::stol(id);
  if (n >= count) return false;
  *out = n;
  return true;
}

struct UrlDeleter {
  void operator()(CURLU *u) const { curl_url_cleanup(u); }
};

std::string url_part(CURLU *u, CURLUPart what, CURLUcode *rc) {
  char *p = nullptr;
  *rc = curl_url_get(u, what, &p, 0);
  std::string out = p ? p : "";
  curl_free(p);
  return out;
}

// HTTPS on port 443 (§3.3); with allow_http also http(s) to the loopback host
// on any port, so tests can run a plain local responder.
bool callback_ok(const std::string &url, bool allow_http) {
  std::unique_ptr<CURLU, UrlDeleter> u(curl_url());
  if (!u) throw std::bad_alloc();
  if (curl_url_set(u.get(), CURLUPART_URL, url.c_str(), 0) != CURLUE_OK) return false;
  CURLUcode rc = CURLUE_OK, port_rc = CURLUE_OK;
  std::string scheme = to_lower(url_part(u.get(), CURLUPART_SCHEME, &rc));
  std::string host = to_lower(url_part(u.get(), CURLUPART_HOST, &rc));
  std::string port = url_part(u.get(), CURLUPART_PORT, &port_rc);
  if (host.empty()) return false;
  if (scheme == "https" && (port_rc == CURLUE_NO_PORT || port == "443")) return true;
  return allow_http && (scheme == "http" || scheme == "https") && (host == "127.0.0.1" || host == "localhost");
}

// ASCII, 10..100 characters (§3.3); printable, since it is a JSON string anyway.
bool secret_ok(const cJSON *secret) {
  if (!cJSON_IsString(secret)) return false;
  std::string s = secret->valuestring;
  if (s.size() < 10 || s.size() > 100) return false;
  for (unsigned char ch : s)
    if (ch < 0x20 || ch > 0x7e) return false;
  return true;
}

Json shard_error(const std::string &id, const char *message) {
  Json e = json_object();
  add_string(e.get(), "id", id);
  add_string(e.get(), "message", message);
  add_string(e.get(), "code", "invalid_parameter");
  return e;
}

Response not_found() { return helix_error(404, "not found"); }

// Validates one shard item and applies it. Null on success, else the message.
const char *update_one(Ctx &c, Conduit &conduit, const std::string &id, const cJSON *item, long *index) {
  if (!shard_index(id, conduit.shard_count, index)) return kOutOfRange;
  const cJSON *transport = cJSON_GetObjectItemCaseSensitive(item, "transport");
  const char *method = cJSON_IsObject(transport) ? json_nonempty_string(transport, "method") : nullptr;
  std::string m = method ? method : "";
  Shard next;
  if (m == "webhook") {
    const char *callback = json_nonempty_string(transport, "callback");
    if (!callback) return kNoCallback;
    if (!callback_ok(callback, c.st.cfg.allow_http_callbacks)) return kBadCallback;
    if (!secret_ok(cJSON_GetObjectItemCaseSensitive(transport, "secret"))) return kBadSecret;
    next.callback = callback;
    next.secret = cJSON_GetObjectItemCaseSensitive(transport, "secret")->valuestring;
    next.status = kPending;
    next.challenge_gen = ++c.st.challenge_gen;
  } else if (m == "websocket") {
    const char *session = json_nonempty_string(transport, "session_id");
    if (!session) return kNoSession;
    auto s = c.st.sessions.find(session);
    if (s == c.st.sessions.end() || !s->second.connected) return kNotConnected;
    if (c.st.ws_refuse_assign > 0) {  // scripted: POST /_mock/ws/refuse_assign
      --c.st.ws_refuse_assign;
      return kNotConnected;
    }
    c.st.ws.mark_assigned(session);
    next.websocket = true;
    next.session_id = session;
    next.connected_at = s->second.connected_at;
    next.status = "enabled";
  } else {
    return kBadMethod;  // also "conduit": no conduit inside a conduit
  }
  Shard &stored = conduit.shards[*index];
  stored = std::move(next);
  if (!stored.websocket) {
    ChallengeJob job;
    job.conduit_id = conduit.id;
    job.shard = *index;
    job.callback = stored.callback;
    job.secret = stored.secret;
    job.gen = stored.challenge_gen;
    queue_challenge(c.st, std::move(job));
  }
  return nullptr;
}

}  // namespace

Response shards_get(Ctx &c) {
  const std::string *conduit_id = c.rq.query_param("conduit_id");
  if (!conduit_id || conduit_id->empty()) return helix_error(400, "Missing required parameter \"conduit_id\"");
  const std::string *status = c.rq.query_param("status");
  if (status && status->empty()) status = nullptr;
  if (status && !is_shard_status(*status)) return helix_error(400, "The value in the status field is not valid.");
  Conduit *conduit = c.st.owned_conduit(c.client_id, *conduit_id);
  if (!conduit) return not_found();

  const std::string scope = "shards:" + conduit->id;
  auto it = conduit->shards.begin();
  const std::string *after = c.rq.query_param("after");
  if (after && !after->empty()) {
    std::uint64_t last = 0;
    if (!read_cursor(*after, scope, &last)) return helix_error(400, "The value in the after field is not valid.");
    it = conduit->shards.upper_bound(static_cast<long>(last));
  }
  Json data = json_array();
  long listed = 0, last = -1;
  bool more = false;
  for (; it != conduit->shards.end(); ++it) {
    if (status && it->second.status != *status) continue;
    if (listed == c.st.cfg.page_size) {
      more = true;
      break;
    }
    append(data.get(), shard_json(it->first, it->second));
    last = it->first;
    ++listed;
  }
  Json pagination = json_object();
  if (more) add_string(pagination.get(), "cursor", make_cursor(scope, static_cast<std::uint64_t>(last)));
  Json body = json_object();
  add_item(body.get(), "data", std::move(data));
  add_item(body.get(), "pagination", std::move(pagination));
  return json_response(200, body.get());
}

Response shards_update(Ctx &c) {
  Json body;
  Response err;
  if (!json_body_object(c.rq, &body, &err)) return err;
  const char *conduit_id = json_nonempty_string(body.get(), "conduit_id");
  if (!conduit_id) return helix_error(400, "Missing required parameter \"conduit_id\"");
  const cJSON *shards = cJSON_GetObjectItemCaseSensitive(body.get(), "shards");
  if (!cJSON_IsArray(shards)) return helix_error(400, "Missing required parameter \"shards\"");
  // A shard without an id fails the whole request with Twitch's unhelpful
  // text (twitchdev/issues#1200, §3.3).
  for (const cJSON *item = shards->child; item; item = item->next)
    if (!cJSON_IsObject(item) || !cJSON_IsString(cJSON_GetObjectItemCaseSensitive(item, "id")))
      return helix_error(400, "Missing required parameter \"\"");
  Conduit *conduit = c.st.owned_conduit(c.client_id, conduit_id);
  if (!conduit) return not_found();

  Json data = json_array(), errors = json_array();
  for (const cJSON *item = shards->child; item; item = item->next) {
    std::string id = cJSON_GetObjectItemCaseSensitive(item, "id")->valuestring;
    long index = 0;
    if (const char *why = update_one(c, *conduit, id, item, &index))
      append(errors.get(), shard_error(id, why));
    else
      append(data.get(), shard_json(index, conduit->shards.at(index)));
  }
  Json out = json_object();
  add_item(out.get(), "data", std::move(data));
  add_item(out.get(), "errors", std::move(errors));  // always present, even when empty
  return json_response(202, out.get());
}

}  // namespace tcm
