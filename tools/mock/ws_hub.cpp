#include "ws_hub.hpp"

#include <fcntl.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <vector>

#include <microhttpd.h>

#include "json.hpp"
#include "shard_events.hpp"
#include "state.hpp"

namespace tcm {

namespace {

constexpr std::size_t kMaxClientMessage = 1 << 16;  // clients should send nothing anyway
constexpr long kCloseWaitMs = 1000;                 // after our close frame: wait this long for the client's

using std::chrono::milliseconds;

Json metadata(const char *type) {
  Json m = json_object();
  add_string(m.get(), "message_id", random_uuid_v4());
  add_string(m.get(), "message_type", type);
  add_string(m.get(), "message_timestamp", rfc3339_now());
  return m;
}

std::string message(const char *type, Json payload) {
  Json j = json_object();
  add_item(j.get(), "metadata", metadata(type));
  add_item(j.get(), "payload", std::move(payload));
  return json_print(j.get());
}

}  // namespace

const char *ws_shard_status_for_close(int code) {
  switch (code) {
    case 4000: return "websocket_internal_error";
    case 4001: return "websocket_received_inbound_traffic";
    case 4002: return "websocket_failed_ping_pong";
    case 4004: return "websocket_failed_to_reconnect";
    case 4005: return "websocket_network_timeout";
    case 4006: return "websocket_network_error";
    default: return "websocket_disconnected";  // 1000, 1001, 4003, 4007, client close or drop
  }
}

void WsHub::wake() {
  if (wake_pipe_[1] >= 0) {
    char b = 1;
    ssize_t r = ::write(wake_pipe_[1], &b, 1);  // a full pipe already means "wake up"
    (void)r;
  }
}

void WsHub::start_thread_locked() {
  if (thread_started_) return;
  if (::pipe2(wake_pipe_, O_CLOEXEC | O_NONBLOCK) != 0) throw std::bad_alloc();
  thread_ = std::thread(&WsHub::run, this);
  thread_started_ = true;
}

void WsHub::adopt(int fd, MHD_UpgradeResponseHandle *urh, const char *extra, std::size_t extra_n, long keepalive_s,
                  const std::string &token, bool has_token) {
  std::lock_guard<std::mutex> lock(st_.mu);
  if (st_.stopping || stopped_) {
    MHD_upgrade_action(urh, MHD_UPGRADE_ACTION_CLOSE);
    return;
  }
  try {
    start_thread_locked();
  } catch (...) {
    MHD_upgrade_action(urh, MHD_UPGRADE_ACTION_CLOSE);
    return;
  }
  int flags = ::fcntl(fd, F_GETFL, 0);
  if (flags >= 0) ::fcntl(fd, F_SETFL, flags | O_NONBLOCK);
  auto c = std::make_shared<WsConn>();
  c->id = ++next_id_;
  c->fd = fd;
  c->urh = urh;
  c->reader = WsReader(kMaxClientMessage);
  c->keepalive_s = keepalive_s;
  if (extra_n) c->reader.feed(extra, extra_n);
  conns_[c->id] = c;
  ++st_.stats.ws_connects;
  st_.stats.ws_connections = static_cast<long>(conns_.size());

  if (has_token) {
    auto t = tokens_.find(token);
    if (t == tokens_.end()) {
      close(*c, 4007, "invalid reconnect", false);  // before any welcome
      wake();
      return;
    }
    WsReconnectToken rt = t->second;
    tokens_.erase(t);  // one use
    auto s = sessions_.find(rt.session_id);
    if (rt.same_session && s != sessions_.end() && s->second.conn) {
      // The hand-over: the new socket carries the session from its welcome on.
      if (auto old = conns_.find(s->second.conn); old != conns_.end()) old->second->superseded = true;
      welcome(*c, rt.session_id);
      wake();
      return;
    }
  }
  std::string sid;
  do sid = random_token();
  while (sessions_.count(sid) || st_.sessions.count(sid));
  welcome(*c, sid);
  wake();
}

void WsHub::welcome(WsConn &c, const std::string &session_id) {
  WsSession &s = sessions_[session_id];
  const bool fresh = s.id.empty();
  s.id = session_id;
  s.conn = c.id;
  c.session_id = session_id;
  Session &reg = st_.sessions[session_id];
  if (fresh || !reg.connected) reg = Session{true, rfc3339_now(), std::string()};
  c.connected_at = reg.connected_at;

  Json sess = json_object();
  add_string(sess.get(), "id", session_id);
  add_string(sess.get(), "status", "connected");
  add_string(sess.get(), "connected_at", c.connected_at);
  add_number(sess.get(), "keepalive_timeout_seconds", static_cast<double>(c.keepalive_s));
  add_null(sess.get(), "reconnect_url");
  Json payload = json_object();
  add_item(payload.get(), "session", std::move(sess));
  queue_text(c, message("session_welcome", std::move(payload)), false);
  ++st_.stats.ws_welcomes;

  const auto now = WsClock::now();
  if (st_.cfg.ws_ping_interval_ms > 0) c.next_ping = now + milliseconds(st_.cfg.ws_ping_interval_ms);
  if (!s.assigned && st_.cfg.ws_assign_timeout_ms > 0) {
    c.assign_pending = true;
    c.assign_deadline = now + milliseconds(st_.cfg.ws_assign_timeout_ms);
  }
}

std::uint64_t WsHub::queue_frame(WsConn &c, unsigned opcode, const std::string &payload) {
  if (c.closing) return c.queued_bytes;  // nothing after the close
  std::string f = ws_encode(opcode, payload);
  c.queued_bytes += f.size();
  if (c.stalled) {
    c.written_bytes = c.queued_bytes;  // a black hole: "written" and lost
  } else {
    c.out += f;
    wake();
  }
  ++c.frames_sent;
  return c.queued_bytes;
}

std::uint64_t WsHub::queue_text(WsConn &c, const std::string &json, bool notification) {
  if (c.closing) return c.queued_bytes;
  c.last_message = WsClock::now();  // any message resets the keepalive window; pings do not
  if (notification) {
    ++c.notifications_sent;
    ++st_.stats.ws_notifications;
  }
  return queue_frame(c, kWsText, json);
}

void WsHub::send_raw(WsConn &c, unsigned opcode, const std::string &payload) {
  if (opcode == kWsText || opcode == kWsBinary) c.last_message = WsClock::now();
  queue_frame(c, opcode, payload);
}

void WsHub::hang_up(WsConn &c) {
  if (!c.closing) c.close_deadline = WsClock::now() + milliseconds(kCloseWaitMs);  // time to flush what is queued
  c.closing = true;
  c.drop_now = true;
  wake();
}

void WsHub::lose_session(WsConn &c, const char *shard_status) {
  if (c.session_id.empty() || c.superseded) return;
  auto s = sessions_.find(c.session_id);
  if (s == sessions_.end() || s->second.conn != c.id) return;
  sessions_.erase(s);
  for (auto t = tokens_.begin(); t != tokens_.end();)
    t = t->second.session_id == c.session_id ? tokens_.erase(t) : std::next(t);
  session_lost(st_, c.session_id, shard_status);
}

void WsHub::close(WsConn &c, int code, const std::string &reason, bool drop) {
  if (c.closing) return;
  lose_session(c, ws_shard_status_for_close(code));
  if (drop || c.stalled) {
    hang_up(c);
  } else {
    queue_frame(c, kWsClose, ws_close_payload(code, reason));
    c.closing = true;
    c.close_deadline = WsClock::now() + milliseconds(kCloseWaitMs);
    ++st_.stats.ws_closes_sent;
    if (code == 4003) ++st_.stats.ws_closes_4003;
  }
  wake();
}

std::string WsHub::reconnect(WsConn &c, bool same_session) {
  std::string token;
  do token = random_token();
  while (tokens_.count(token));
  tokens_[token] = WsReconnectToken{c.session_id, same_session};
  const std::string url = base_url() + "/ws?reconnect=" + token;
  Json sess = json_object();
  add_string(sess.get(), "id", c.session_id);
  add_string(sess.get(), "status", "reconnecting");
  add_null(sess.get(), "keepalive_timeout_seconds");
  add_string(sess.get(), "reconnect_url", url);
  add_string(sess.get(), "connected_at", c.connected_at);
  Json payload = json_object();
  add_item(payload.get(), "session", std::move(sess));
  queue_text(c, message("session_reconnect", std::move(payload)), false);
  c.reconnecting = true;
  if (!c.grace_pending) {
    c.grace_pending = true;
    c.grace_deadline = WsClock::now() + milliseconds(st_.cfg.ws_reconnect_grace_ms);
  }
  return url;
}

void WsHub::mark_assigned(const std::string &session_id) {
  auto s = sessions_.find(session_id);
  if (s == sessions_.end()) return;
  s->second.assigned = true;
  auto c = conns_.find(s->second.conn);
  if (c != conns_.end()) c->second->assign_pending = false;
}

WsSession *WsHub::session(const std::string &session_id) {
  auto s = sessions_.find(session_id);
  return s == sessions_.end() ? nullptr : &s->second;
}

std::shared_ptr<WsConn> WsHub::current(const std::string &session_id) {
  auto s = sessions_.find(session_id);
  if (s == sessions_.end()) return nullptr;
  auto c = conns_.find(s->second.conn);
  if (c == conns_.end() || c->second->closing) return nullptr;
  return c->second;
}

void WsHub::on_timers(WsConn &c, WsClock::time_point now) {
  if (c.closing) {
    if (now >= c.close_deadline) c.drop_now = true;  // the client never answered our close (or never read)
    return;
  }
  if (c.stalled || c.session_id.empty()) return;  // a stalled socket sends nothing, not even a close
  if (c.grace_pending && now >= c.grace_deadline) return close(c, 4004, "client reconnect grace time expired", false);
  if (c.assign_pending && now >= c.assign_deadline) return close(c, 4003, "connection unused", false);
  if (c.ping_outstanding && st_.cfg.ws_pong_timeout_ms > 0 && now >= c.pong_deadline)
    return close(c, 4002, "client failed ping-pong", false);
  // Keepalive a quarter of the window early: the client must never see a silence as long as the window.
  const auto keepalive_due = c.last_message + milliseconds(c.keepalive_s * 750);
  if (now >= keepalive_due) {
    queue_text(c, message("session_keepalive", json_object()), false);
    ++st_.stats.ws_keepalives;
  }
  if (st_.cfg.ws_ping_interval_ms > 0 && now >= c.next_ping) {
    queue_frame(c, kWsPing, "tc-mock");
    ++st_.stats.ws_pings;
    if (!c.ping_outstanding) {
      c.ping_outstanding = true;
      c.pong_deadline = now + milliseconds(st_.cfg.ws_pong_timeout_ms);
    }
    c.next_ping = now + milliseconds(st_.cfg.ws_ping_interval_ms);
  }
}

WsClock::time_point WsHub::next_deadline(const WsConn &c) const {
  auto far = WsClock::now() + std::chrono::hours(1);
  if (c.closing) return c.close_deadline;
  if (c.stalled || c.session_id.empty()) return far;
  auto d = c.last_message + milliseconds(c.keepalive_s * 750);
  if (c.grace_pending) d = std::min(d, c.grace_deadline);
  if (c.assign_pending) d = std::min(d, c.assign_deadline);
  if (c.ping_outstanding && st_.cfg.ws_pong_timeout_ms > 0) d = std::min(d, c.pong_deadline);
  if (st_.cfg.ws_ping_interval_ms > 0) d = std::min(d, c.next_ping);
  return d;
}

void WsHub::on_readable(WsConn &c) {
  char buf[16384];
  for (;;) {
    ssize_t n = ::recv(c.fd, buf, sizeof buf, 0);
    if (n > 0) {
      c.reader.feed(buf, static_cast<std::size_t>(n));
      continue;
    }
    if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) break;
    if (n < 0 && errno == EINTR) continue;
    // EOF or error: the client is gone (a drop, or the end of a close handshake).
    lose_session(c, "websocket_disconnected");
    hang_up(c);
    return;
  }
  for (;;) {
    WsEvent ev = c.reader.next();
    if (ev.kind == WsEvent::kNone) return;
    if (c.closing) {
      // Waiting for the client's close frame; everything else is ignored.
      if (ev.kind == WsEvent::kClose || ev.kind == WsEvent::kError) c.drop_now = true;
      if (c.drop_now) return;
      continue;
    }
    switch (ev.kind) {
      case WsEvent::kPong:
        c.ping_outstanding = false;
        break;
      case WsEvent::kPing:  // not Twitch's business, but harmless: answer it
        if (!c.stalled) queue_frame(c, kWsPong, ev.payload);
        break;
      case WsEvent::kMessage:
        ++st_.stats.ws_inbound_violations;
        close(c, 4001, "client sent inbound traffic", false);
        return;
      case WsEvent::kClose:
        // The client ends it: echo its code (RFC 6455 §5.5.1), then hang up.
        lose_session(c, "websocket_disconnected");
        if (!c.stalled) {
          int code = ev.close_code == 1005 ? kWsCloseNormal : ev.close_code;
          queue_frame(c, kWsClose, ws_close_payload(code, ""));
          ++st_.stats.ws_closes_sent;
        }
        hang_up(c);  // once the echo is flushed
        return;
      case WsEvent::kError:
        close(c, ev.close_code, ev.payload, false);
        return;
      default:
        return;
    }
  }
}

bool WsHub::flush(WsConn &c) {
  bool wrote = false;
  while (!c.out.empty()) {
    ssize_t n = ::send(c.fd, c.out.data(), c.out.size(), MSG_NOSIGNAL);
    if (n > 0) {
      c.out.erase(0, static_cast<std::size_t>(n));
      c.written_bytes += static_cast<std::uint64_t>(n);
      wrote = true;
      continue;
    }
    if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) break;
    if (n < 0 && errno == EINTR) continue;
    // The peer is gone: nothing more will be written.
    lose_session(c, "websocket_disconnected");
    c.out.clear();
    hang_up(c);
    break;
  }
  return wrote;
}

void WsHub::finish(WsConn &c) {
  if (c.closed) return;
  c.closed = true;
  c.closing = true;
  lose_session(c, "websocket_disconnected");
  ::shutdown(c.fd, SHUT_RDWR);
  MHD_upgrade_action(c.urh, MHD_UPGRADE_ACTION_CLOSE);
  c.urh = nullptr;
}

void WsHub::close_all() {
  for (auto &kv : conns_) {
    WsConn &c = *kv.second;
    if (!c.closing && !c.stalled) {
      c.out += ws_encode(kWsClose, ws_close_payload(kWsCloseGoingAway, "server going away"));
      ++st_.stats.ws_closes_sent;
    }
    c.closing = true;
    flush(c);  // best effort: the socket is closed right after
    finish(c);
  }
  conns_.clear();
  sessions_.clear();
  tokens_.clear();
  st_.stats.ws_connections = 0;
  st_.wake.notify_all();
}

void WsHub::run() {
  std::vector<pollfd> fds;
  std::vector<std::uint64_t> ids;
  std::unique_lock<std::mutex> lock(st_.mu);
  for (;;) {
    if (st_.stopping || stopped_) {
      close_all();
      return;
    }
    // Timers, writes and finished sockets.
    const auto now = WsClock::now();
    bool progress = false;
    auto deadline = now + std::chrono::hours(1);
    for (auto it = conns_.begin(); it != conns_.end();) {
      WsConn &c = *it->second;
      on_timers(c, now);
      if (!c.out.empty()) progress |= flush(c);
      if (c.closing && c.drop_now && (c.out.empty() || now >= c.close_deadline)) {
        finish(c);
        it = conns_.erase(it);
        progress = true;
        continue;
      }
      deadline = std::min(deadline, next_deadline(c));
      ++it;
    }
    st_.stats.ws_connections = static_cast<long>(conns_.size());
    if (progress && waiters > 0) st_.wake.notify_all();

    fds.clear();
    ids.clear();
    fds.push_back(pollfd{wake_pipe_[0], POLLIN, 0});
    ids.push_back(0);
    for (auto &kv : conns_) {
      short ev = POLLIN;
      if (!kv.second->out.empty()) ev |= POLLOUT;
      fds.push_back(pollfd{kv.second->fd, ev, 0});
      ids.push_back(kv.first);
    }
    auto wait_ms = std::chrono::duration_cast<milliseconds>(deadline - WsClock::now()).count() + 1;
    lock.unlock();
    ::poll(fds.data(), fds.size(), static_cast<int>(std::max<long long>(0, std::min<long long>(wait_ms, 3600000))));
    lock.lock();
    if (fds[0].revents) {
      char drain[256];
      while (::read(wake_pipe_[0], drain, sizeof drain) > 0) {
      }
    }
    for (std::size_t i = 1; i < fds.size(); ++i) {
      if (!fds[i].revents) continue;
      auto it = conns_.find(ids[i]);
      if (it == conns_.end() || it->second->closed) continue;
      if (fds[i].revents & (POLLIN | POLLHUP | POLLERR)) on_readable(*it->second);
    }
  }
}

void WsHub::stop() {
  {
    std::lock_guard<std::mutex> lock(st_.mu);
    if (stopped_) return;
    stopped_ = true;
    if (!thread_started_) return;
    wake();
  }
  thread_.join();
  ::close(wake_pipe_[0]);
  ::close(wake_pipe_[1]);
  wake_pipe_[0] = wake_pipe_[1] = -1;
}

}  // namespace tcm
