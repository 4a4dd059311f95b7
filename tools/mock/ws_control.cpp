// /_mock/ws/*: driving the WebSocket server's sockets from tests (reconnect,
// drop, stall, close with a code, raw frames, refusing assignments) and
// listing them. A socket is named by "session_id", or by "conduit_id" +
// "shard_id" (the session that shard is assigned to). Each action answers
// once it was performed: the frame written, or the socket closed.
#include <cstring>
#include <memory>
#include <string>

#include "handlers.hpp"
#include "json.hpp"

namespace tcm {

namespace {

constexpr long long kMaxRawFrame = 64LL << 20;

Response bad(const std::string &message) { return helix_error(400, message); }

Response done(const WsConn &conn, const char *extra_key = nullptr, const std::string &extra = std::string()) {
  Json j = json_object();
  add_string(j.get(), "session_id", conn.session_id);
  if (extra_key) add_string(j.get(), extra_key, extra);
  return json_response(200, j.get());
}

// The open socket the request names; null with *err set.
std::shared_ptr<WsConn> target(Ctx &c, const cJSON *body, Response *err) {
  std::string session;
  if (const char *sid = json_nonempty_string(body, "session_id")) {
    session = sid;
  } else {
    const char *conduit_id = json_nonempty_string(body, "conduit_id");
    const char *shard_id = json_nonempty_string(body, "shard_id");
    if (!conduit_id || !shard_id) {
      *err = bad("name the socket by session_id, or by conduit_id + shard_id");
      return nullptr;
    }
    auto conduit = c.st.conduits.find(conduit_id);
    char *end = nullptr;
    long index = std::strtol(shard_id, &end, 10);
    if (conduit == c.st.conduits.end() || *end || !conduit->second.shards.count(index) ||
        !conduit->second.shards.at(index).websocket) {
      *err = helix_error(404, "no websocket shard with that conduit_id and shard_id");
      return nullptr;
    }
    session = conduit->second.shards.at(index).session_id;
  }
  std::shared_ptr<WsConn> conn = c.st.ws.current(session);
  if (!conn) *err = helix_error(404, "no open socket carries that session");
  return conn;
}

// Answers answer() once `done` holds, the socket is closed or the mock stops
// (the request is parked meanwhile; see Parked).
template <class Pred, class Answer>
Response answer_when(Ctx &c, const std::shared_ptr<WsConn> &conn, Pred done, Answer answer) {
  State &st = c.st;
  return c.park([&st, conn, done] { return st.stopping || conn->closed || done(); }, answer);
}

bool parse_target_body(Ctx &c, Json *body, std::shared_ptr<WsConn> *conn, Response *err) {
  if (!json_body_object(c.rq, body, err)) return false;
  *conn = target(c, body->get(), err);
  return *conn != nullptr;
}

}  // namespace

Response control_ws_reconnect(Ctx &c) {
  Json body;
  Response err;
  std::shared_ptr<WsConn> conn;
  if (!parse_target_body(c, &body, &conn, &err)) return err;
  bool same = true;
  if (const cJSON *v = cJSON_GetObjectItemCaseSensitive(body.get(), "same_session")) {
    if (!cJSON_IsBool(v)) return bad("same_session must be a boolean");
    same = cJSON_IsTrue(v);
  }
  const std::string url = c.st.ws.reconnect(*conn, same);
  const std::uint64_t end = conn->queued_bytes;
  return answer_when(
      c, conn, [conn, end] { return conn->written_bytes >= end; },
      [conn, url] { return done(*conn, "reconnect_url", url); });
}

Response control_ws_drop(Ctx &c) {
  Json body;
  Response err;
  std::shared_ptr<WsConn> conn;
  if (!parse_target_body(c, &body, &conn, &err)) return err;
  c.st.ws.close(*conn, kWsCloseNormal, std::string(), true);
  return answer_when(
      c, conn, [] { return false; }, [conn] { return done(*conn); });
}

Response control_ws_stall(Ctx &c) {
  Json body;
  Response err;
  std::shared_ptr<WsConn> conn;
  if (!parse_target_body(c, &body, &conn, &err)) return err;
  c.st.ws.stall(*conn);
  return done(*conn);
}

Response control_ws_close(Ctx &c) {
  Json body;
  Response err;
  std::shared_ptr<WsConn> conn;
  if (!parse_target_body(c, &body, &conn, &err)) return err;
  long long code = 0;
  if (!json_integer(cJSON_GetObjectItemCaseSensitive(body.get(), "code"), 1000, 4999, &code) ||
      !(code == 1000 || code == 1001 || (code >= 4000 && code <= 4007)))
    return bad("code must be 1000, 1001 or 4000..4007");
  std::string reason;
  if (const cJSON *r = cJSON_GetObjectItemCaseSensitive(body.get(), "reason")) {
    if (!cJSON_IsString(r) || std::strlen(r->valuestring) > 123) return bad("reason must be a string of at most 123 bytes");
    reason = r->valuestring;
  }
  c.st.ws.close(*conn, static_cast<int>(code), reason, false);
  // Answered once the close frame is written: the TCP close follows the
  // client's close frame (or a second without one).
  const std::uint64_t end = conn->queued_bytes;
  return answer_when(
      c, conn, [conn, end] { return conn->written_bytes >= end; }, [conn] { return done(*conn); });
}

Response control_ws_send(Ctx &c) {
  Json body;
  Response err;
  std::shared_ptr<WsConn> conn;
  if (!parse_target_body(c, &body, &conn, &err)) return err;
  unsigned opcode = kWsText;
  if (const cJSON *o = cJSON_GetObjectItemCaseSensitive(body.get(), "opcode")) {
    if (!cJSON_IsString(o) || (std::strcmp(o->valuestring, "text") && std::strcmp(o->valuestring, "binary")))
      return bad("opcode must be \"text\" or \"binary\"");
    opcode = std::strcmp(o->valuestring, "text") ? kWsBinary : kWsText;
  }
  std::string data;
  const cJSON *d = cJSON_GetObjectItemCaseSensitive(body.get(), "data");
  const cJSON *size = cJSON_GetObjectItemCaseSensitive(body.get(), "size");
  if (d && size) return bad("give data or size, not both");
  if (d) {
    if (!cJSON_IsString(d)) return bad("data must be a string");
    data = d->valuestring;
  } else if (size) {
    long long n = 0;
    if (!json_integer(size, 0, kMaxRawFrame, &n)) return bad("size must be an integer 0..67108864");
    data.assign(static_cast<std::size_t>(n), 'x');
  } else {
    return bad("give data or size");
  }
  c.st.ws.send_raw(*conn, opcode, data);
  const std::uint64_t end = conn->queued_bytes;
  return answer_when(
      c, conn, [conn, end] { return conn->written_bytes >= end; }, [conn] { return done(*conn); });
}

Response control_ws_refuse_assign(Ctx &c) {
  Json body;
  Response err;
  if (!json_body_object(c.rq, &body, &err)) return err;
  long long n = 0;
  if (!json_integer(cJSON_GetObjectItemCaseSensitive(body.get(), "count"), 0, 1000000000LL, &n))
    return bad("count must be an integer >= 0");
  c.st.ws_refuse_assign = static_cast<long>(n);
  Json j = json_object();
  add_bool(j.get(), "ok", true);
  return json_response(200, j.get());
}

Response control_ws_sessions(Ctx &c) {
  Json list = json_array();
  for (const auto &kv : c.st.ws.conns()) {
    const WsConn &conn = *kv.second;
    if (conn.session_id.empty() || conn.closed) continue;
    const WsSession *s = c.st.ws.session(conn.session_id);
    const char *state = conn.closing                             ? "closed"
                        : conn.stalled                           ? "stalled"
                        : conn.reconnecting || conn.superseded   ? "reconnecting"
                        : s && s->assigned                       ? "assigned"
                                                                 : "welcome_sent";
    Json shards = json_array();
    for (const auto &ck : c.st.conduits) {
      for (const auto &sh : ck.second.shards) {
        if (!sh.second.websocket || sh.second.session_id != conn.session_id) continue;
        Json o = json_object();
        add_string(o.get(), "conduit_id", ck.first);
        add_string(o.get(), "shard_id", std::to_string(sh.first));
        append(shards.get(), std::move(o));
      }
    }
    Json o = json_object();
    add_string(o.get(), "session_id", conn.session_id);
    add_string(o.get(), "state", state);
    add_item(o.get(), "shards", std::move(shards));
    add_number(o.get(), "frames_sent", static_cast<double>(conn.frames_sent));
    add_number(o.get(), "notifications_sent", static_cast<double>(conn.notifications_sent));
    add_string(o.get(), "connected_at", conn.connected_at);
    append(list.get(), std::move(o));
  }
  Json j = json_object();
  add_item(j.get(), "sessions", std::move(list));
  return json_response(200, j.get());
}

}  // namespace tcm
