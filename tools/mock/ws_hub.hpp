// The mock's EventSub WebSocket server (reference §7, §11): every upgraded
// socket is driven by ONE loop thread (poll over all sockets plus a wake-up
// pipe; keepalive, ping, pong, assign and reconnect-grace timers are plain
// deadlines per socket, so 1,000 idle sockets cost one thread). All state
// here is guarded by State::mu, like the rest of the mock; socket I/O is
// non-blocking and done with the lock held.
#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <thread>

#include "ws_frame.hpp"

struct MHD_UpgradeResponseHandle;

namespace tcm {

class State;
using WsClock = std::chrono::steady_clock;

// One upgraded socket.
struct WsConn {
  std::uint64_t id = 0;
  int fd = -1;
  MHD_UpgradeResponseHandle *urh = nullptr;
  std::string session_id;  // empty until the welcome (a bad reconnect token never gets one)
  std::string connected_at;
  long keepalive_s = 10;
  WsReader reader;
  std::string out;                  // bytes not yet written
  std::uint64_t queued_bytes = 0;   // ever queued (a frame's end offset is the value after queueing it)
  std::uint64_t written_bytes = 0;  // ever written, or discarded into a stall
  long frames_sent = 0, notifications_sent = 0;
  bool stalled = false;
  bool reconnecting = false;  // session_reconnect sent on this socket
  bool superseded = false;    // a newer socket took over its session (reconnect, same id)
  bool closing = false;       // close frame queued (or dropped): no more frames
  bool closed = false;        // given back to libmicrohttpd
  bool drop_now = false;      // close the TCP connection without waiting for anything
  WsClock::time_point last_message, next_ping, pong_deadline, assign_deadline, grace_deadline, close_deadline;
  bool ping_outstanding = false, assign_pending = false, grace_pending = false;
};

// A session id and the socket that currently carries it.
struct WsSession {
  std::string id;
  std::uint64_t conn = 0;  // the current socket; 0 once closed
  bool assigned = false;   // some shard was given this session
};

struct WsReconnectToken {
  std::string session_id;
  bool same_session = true;
};

class WsHub {
 public:
  explicit WsHub(State &st) : st_(st) {}
  ~WsHub() { stop(); }
  WsHub(const WsHub &) = delete;
  WsHub &operator=(const WsHub &) = delete;

  // "ws://127.0.0.1:PORT", set by the server once the daemon reports its
  // port: the daemon already runs then, so a worker may read it concurrently.
  void set_base_url(const std::string &url) {
    std::lock_guard<std::mutex> lock(base_url_mu_);
    base_url_ = url;
  }
  std::string base_url() const {
    std::lock_guard<std::mutex> lock(base_url_mu_);
    return base_url_;
  }

  // libmicrohttpd's upgrade handler (State::mu NOT held): takes the socket.
  // `keepalive_s` is already clamped; `token` is the reconnect= value or empty.
  void adopt(int fd, MHD_UpgradeResponseHandle *urh, const char *extra, std::size_t extra_n, long keepalive_s,
             const std::string &token, bool has_token);
  // Closes every socket (close 1001, then the TCP connection) and joins the
  // loop thread. State::mu NOT held. Idempotent; adopt() closes late comers.
  void stop();

  // ---- Everything below requires State::mu. ----
  // /_mock/reset: every socket gets 1001 and is closed at once; all forgotten.
  void close_all();
  // The open socket currently carrying `session_id`, or null.
  std::shared_ptr<WsConn> current(const std::string &session_id);
  WsSession *session(const std::string &session_id);
  // Queues a data frame; returns its end offset (wait for written_bytes >= it).
  std::uint64_t queue_text(WsConn &c, const std::string &json, bool notification);
  // Queues a close frame with `code` (shards of the session get the mapped
  // status now) or, with drop, closes the TCP connection with no frame.
  void close(WsConn &c, int code, const std::string &reason, bool drop);
  void stall(WsConn &c) { c.stalled = true; wake(); }
  // Sends session_reconnect; returns the reconnect URL.
  std::string reconnect(WsConn &c, bool same_session);
  void send_raw(WsConn &c, unsigned opcode, const std::string &payload);
  void mark_assigned(const std::string &session_id);
  const std::map<std::uint64_t, std::shared_ptr<WsConn>> &conns() const { return conns_; }
  long waiters = 0;  // delivery calls waiting for a frame to be written: notify State::wake

 private:
  void run();
  void wake();
  void welcome(WsConn &c, const std::string &session_id);
  void on_timers(WsConn &c, WsClock::time_point now);
  void on_readable(WsConn &c);
  bool flush(WsConn &c);  // true when something was written
  void hang_up(WsConn &c);  // close the TCP connection once `out` is flushed (or a second passed)
  void finish(WsConn &c);  // hand the socket back to libmicrohttpd
  void lose_session(WsConn &c, const char *shard_status);
  std::uint64_t queue_frame(WsConn &c, unsigned opcode, const std::string &payload);
  WsClock::time_point next_deadline(const WsConn &c) const;
  void start_thread_locked();

  State &st_;
  mutable std::mutex base_url_mu_;
  std::string base_url_;
  std::map<std::uint64_t, std::shared_ptr<WsConn>> conns_;
  std::map<std::string, WsSession> sessions_;
  std::map<std::string, WsReconnectToken> tokens_;
  std::uint64_t next_id_ = 0;
  int wake_pipe_[2] = {-1, -1};
  std::thread thread_;
  bool thread_started_ = false;
  bool stopped_ = false;
};

// Shard status for a socket closed with `code` by the server (§7.3); the
// client closing or dropping is websocket_disconnected.
const char *ws_shard_status_for_close(int code);

}  // namespace tcm
