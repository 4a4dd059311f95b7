#include "server.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/resource.h>
#include <sys/socket.h>

#include <cerrno>
#include <chrono>
#include <cstdlib>
#include <cstring>
#include <thread>

#include <microhttpd.h>

#include "dispatch.hpp"
#include "json.hpp"
#include "ws_frame.hpp"

namespace tcm {

namespace {

// Per-request context MHD carries between calls of the access handler.
struct Pending {
  // Where a request whose body has arrived stands; the connection is
  // suspended (in the ParkingLot) between kDelayed/kParked and the next call.
  enum Phase { kReading, kDelayed, kParked };
  Phase phase = kReading;
  std::string body;
  Request rq;       // from kDelayed on
  Response answer;  // kParked: written by the ParkingLot before it resumes us
  bool too_large = false;
  bool answered = false;  // 413 already queued before the body arrived
  // GET /ws: what the upgrade handler needs once the 101 went out.
  long ws_keepalive_s = 0;
  bool ws_has_token = false;
  std::string ws_token;
};

MHD_Result respond(MHD_Connection *conn, const Response &r);

// Event-loop threads; each serves its share of the connections with epoll.
unsigned pool_size() {
  unsigned n = std::thread::hardware_concurrency();
  return n < 2 ? 2 : n > 4 ? 4 : n;
}

MHD_Result plain_error(MHD_Connection *conn, int status, const std::string &message, const char *extra_header = nullptr,
                       const char *extra_value = nullptr) {
  Response r = helix_error(status, message);
  if (extra_header) r.set_header(extra_header, extra_value);
  return respond(conn, r);
}

MHD_Result collect(void *cls, MHD_ValueKind, const char *key, const char *value) {
  static_cast<Params *>(cls)->emplace_back(key ? key : "", value ? value : "");
  return MHD_YES;
}

Request build_request(MHD_Connection *conn, const char *url, const char *method, std::string body) {
  Request rq;
  rq.method = method;
  rq.path = url;
  MHD_get_connection_values(conn, MHD_GET_ARGUMENT_KIND, collect, &rq.query);
  MHD_get_connection_values(conn, MHD_HEADER_KIND, collect, &rq.headers);
  for (auto &kv : rq.headers) kv.first = to_lower(kv.first);
  rq.body = std::move(body);
  return rq;
}

MHD_Result respond(MHD_Connection *conn, const Response &r) {
  MHD_Response *resp =
      MHD_create_response_from_buffer(r.body.size(), const_cast<char *>(r.body.data()), MHD_RESPMEM_MUST_COPY);
  if (!resp) return MHD_NO;
  for (const auto &h : r.headers) MHD_add_response_header(resp, h.first.c_str(), h.second.c_str());
  MHD_Result ret = MHD_queue_response(conn, static_cast<unsigned>(r.status), resp);
  MHD_destroy_response(resp);
  return ret;
}

void on_upgraded(void *cls, MHD_Connection *, void *con_cls, const char *extra_in, size_t extra_in_size,
                 MHD_socket sock, MHD_UpgradeResponseHandle *urh) noexcept {
  State &st = *static_cast<State *>(cls);
  const Pending *p = static_cast<const Pending *>(con_cls);
  try {
    st.ws.adopt(sock, urh, extra_in, extra_in_size, p->ws_keepalive_s, p->ws_token, p->ws_has_token);
  } catch (...) {
    MHD_upgrade_action(urh, MHD_UPGRADE_ACTION_CLOSE);
  }
}

// GET /ws: the EventSub WebSocket handshake (RFC 6455 §4.2), answered with
// 101 here; the socket then belongs to State::ws.
MHD_Result websocket_handshake(State &st, MHD_Connection *conn, const char *method, Pending *p) {
  p->answered = true;
  if (std::strcmp(method, "GET") != 0) return plain_error(conn, 405, "Method Not Allowed");
  const char *upgrade = MHD_lookup_connection_value(conn, MHD_HEADER_KIND, "Upgrade");
  const char *key = MHD_lookup_connection_value(conn, MHD_HEADER_KIND, "Sec-WebSocket-Key");
  const char *version = MHD_lookup_connection_value(conn, MHD_HEADER_KIND, "Sec-WebSocket-Version");
  if (!upgrade || to_lower(upgrade).find("websocket") == std::string::npos || !key || !*key)
    return plain_error(conn, 400, "a WebSocket handshake (Upgrade: websocket, Sec-WebSocket-Key) is required");
  if (!version || std::strcmp(version, "13") != 0)
    return plain_error(conn, 426, "Sec-WebSocket-Version 13 is required", "Sec-WebSocket-Version", "13");
  {
    std::lock_guard<std::mutex> lock(st.mu);
    long min = st.cfg.ws_keepalive_min_s;
    p->ws_keepalive_s = st.cfg.ws_keepalive_s;
    if (const char *k = MHD_lookup_connection_value(conn, MHD_GET_ARGUMENT_KIND, "keepalive_timeout_seconds")) {
      char *end = nullptr;
      errno = 0;
      long long n = std::strtoll(k, &end, 10);
      if (!*k || *end || errno) return plain_error(conn, 400, "keepalive_timeout_seconds must be a whole number");
      // Out-of-range values are clamped, as Twitch does (§7.1).
      p->ws_keepalive_s = static_cast<long>(n < min ? min : n > 600 ? 600 : n);
    }
  }
  if (const char *t = MHD_lookup_connection_value(conn, MHD_GET_ARGUMENT_KIND, "reconnect")) {
    p->ws_has_token = true;
    p->ws_token = t;
  }
  MHD_Response *resp = MHD_create_response_for_upgrade(&on_upgraded, &st);
  if (!resp) return MHD_NO;
  MHD_add_response_header(resp, "Upgrade", "websocket");
  MHD_add_response_header(resp, "Sec-WebSocket-Accept", ws_accept_key(key).c_str());
  MHD_Result ret = MHD_queue_response(conn, MHD_HTTP_SWITCHING_PROTOCOLS, resp);
  MHD_destroy_response(resp);
  return ret;
}

// A burst of 10,000 sockets needs more than the usual 1,024 descriptors:
// take what the hard limit allows, and admit connections up to what is left
// after a margin for files, pipes and the delivery client.
unsigned raise_fd_limit() {
  rlimit rl;
  if (getrlimit(RLIMIT_NOFILE, &rl) != 0) return 1000;
  if (rl.rlim_cur < rl.rlim_max) {
    rlimit want = rl;
    want.rlim_cur = rl.rlim_max;
    if (setrlimit(RLIMIT_NOFILE, &want) == 0) rl = want;
  }
  const rlim_t margin = 128, cap = 1u << 20;
  if (rl.rlim_cur == RLIM_INFINITY || rl.rlim_cur > cap + margin) return cap;
  return rl.rlim_cur > 2 * margin ? static_cast<unsigned>(rl.rlim_cur - margin) : static_cast<unsigned>(rl.rlim_cur / 2);
}

void resume(void *conn) { MHD_resume_connection(static_cast<MHD_Connection *>(conn)); }

// Suspends `conn` and hands it to the ParkingLot with `take` (State::mu
// held); when the lot does not take it, the connection is resumed at once and
// MHD calls the access handler again.
template <class Take>
void hold(State &st, MHD_Connection *conn, Take take) {
  MHD_suspend_connection(conn);  // before the lot may resume it
  bool held = false;
  try {
    std::lock_guard<std::mutex> lock(st.mu);
    held = take();
  } catch (...) {
  }
  if (!held) MHD_resume_connection(conn);
}

// The old mode (TCMOCK_THREAD_PER_CONNECTION): every connection has its own
// thread, which simply waits: the latency, then a parked answer in dispatch.
MHD_Result answer_in_thread(State &st, MHD_Connection *conn, const Request &rq) {
  if (const long ms = latency_ms_for(st, rq)) {
    std::unique_lock<std::mutex> lock(st.mu);
    st.wake.wait_for(lock, std::chrono::milliseconds(ms), [&] { return st.stopping; });
  }
  Outcome out = dispatch(st, rq);
  return out.drop ? MHD_NO : respond(conn, out.response);
}

// The body is in: hold the connection for the injected latency, then
// dispatch; a parked answer holds it again until it is ready. Holding means
// suspended in the ParkingLot, never a sleeping thread.
MHD_Result answer(State &st, ParkingLot &lot, MHD_Connection *conn, Pending *p) {
  if (p->phase == Pending::kReading) {
    p->phase = Pending::kDelayed;
    const long ms = latency_ms_for(st, p->rq);
    if (ms > 0) {
      // Stopping: answered at once, without the delay.
      hold(st, conn, [&] { return lot.delay(conn, Clock::now() + std::chrono::milliseconds(ms)); });
      return MHD_YES;
    }
  }
  if (p->phase == Pending::kParked) return respond(conn, p->answer);
  Outcome out = dispatch(st, p->rq, /*may_park=*/true);
  if (out.drop) return MHD_NO;  // MHD closes the socket without writing anything
  if (!out.parked) return respond(conn, out.response);
  p->phase = Pending::kParked;
  p->answer = helix_error(500, "the mock could not wait for the answer");  // kept if park() throws
  hold(st, conn, [&] { return lot.park(conn, std::move(out.parked), &p->answer); });
  return MHD_YES;
}

MHD_Result on_request(void *cls, MHD_Connection *conn, const char *url, const char *method, const char *,
                      const char *upload_data, size_t *upload_data_size, void **con_cls) noexcept {
  Server::Handler &h = *static_cast<Server::Handler *>(cls);
  State &st = h.st;
  try {
    auto *p = static_cast<Pending *>(*con_cls);
    if (!p) {
      // First call: headers only. Refuse a declared oversize body before it is
      // sent (MHD then skips "100 Continue").
      p = new Pending;
      *con_cls = p;
      if (std::strcmp(url, "/ws") == 0) return websocket_handshake(st, conn, method, p);
      const char *cl = MHD_lookup_connection_value(conn, MHD_HEADER_KIND, MHD_HTTP_HEADER_CONTENT_LENGTH);
      if (cl && std::strtoull(cl, nullptr, 10) > kMaxBodyBytes) {
        p->answered = true;
        return respond(conn, body_too_large(st, build_request(conn, url, method, std::string())));
      }
      return MHD_YES;
    }
    if (*upload_data_size) {
      // Chunked bodies have no declared size: keep reading but stop storing.
      if (!p->too_large && p->body.size() + *upload_data_size <= kMaxBodyBytes)
        p->body.append(upload_data, *upload_data_size);
      else
        p->too_large = true;
      *upload_data_size = 0;
      return MHD_YES;
    }
    if (p->answered) return MHD_YES;

    if (p->phase == Pending::kReading) {
      p->rq = build_request(conn, url, method, std::move(p->body));
      if (p->too_large) return respond(conn, body_too_large(st, p->rq));
    }
    return h.thread_per_connection ? answer_in_thread(st, conn, p->rq) : answer(st, h.lot, conn, p);
  } catch (...) {
    return MHD_NO;  // never let an exception unwind into C code; MHD closes the connection
  }
}

void on_completed(void *, MHD_Connection *, void **con_cls, MHD_RequestTerminationCode) {
  delete static_cast<Pending *>(*con_cls);
  *con_cls = nullptr;
}

}  // namespace

void Server::resume_connection(void *conn) { resume(conn); }

bool Server::start(const ServerOptions &opt, std::string *err) {
  if (daemon_) {
    *err = "already started";
    return false;
  }
  cert_ = opt.tls_cert_pem;
  key_ = opt.tls_key_pem;
  if (cert_.empty() != key_.empty()) {
    *err = "TLS needs both a certificate and a key";
    return false;
  }
  if (tls() && MHD_is_feature_supported(MHD_FEATURE_TLS) != MHD_YES) {
    *err = "libmicrohttpd was built without TLS support";
    return false;
  }

  // Loopback only: the mock has no auth on /_mock and must not be reachable.
  sockaddr_in addr;
  std::memset(&addr, 0, sizeof addr);
  addr.sin_family = AF_INET;
  addr.sin_port = htons(opt.port);
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);

  const unsigned connection_limit = raise_fd_limit();
  const char *legacy = std::getenv("TCMOCK_THREAD_PER_CONNECTION");
  const bool thread_per_connection = legacy && *legacy && std::strcmp(legacy, "0") != 0;
  handler_.thread_per_connection = thread_per_connection;
  unsigned flags = MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_AUTO | MHD_ALLOW_UPGRADE;
  flags |= thread_per_connection ? MHD_USE_THREAD_PER_CONNECTION : MHD_ALLOW_SUSPEND_RESUME;
  if (tls()) flags |= MHD_USE_TLS;
  {
    std::lock_guard<std::mutex> lock(st_.mu);
    st_.stopping = false;
  }
  handler_.lot.start();
  MHD_OptionItem extra_opts[] = {
      {MHD_OPTION_THREAD_POOL_SIZE, pool_size(), nullptr},  // not with a thread per connection
      {MHD_OPTION_HTTPS_MEM_CERT, 0, const_cast<char *>(cert_.c_str())},
      {MHD_OPTION_HTTPS_MEM_KEY, 0, const_cast<char *>(key_.c_str())},
      {MHD_OPTION_END, 0, nullptr},
  };
  if (!tls()) extra_opts[1].option = MHD_OPTION_END;
  daemon_ = MHD_start_daemon(flags, 0, nullptr, nullptr, &on_request, &handler_,
                             MHD_OPTION_SOCK_ADDR, reinterpret_cast<sockaddr *>(&addr),
                             MHD_OPTION_NOTIFY_COMPLETED, &on_completed, nullptr,
                             MHD_OPTION_CONNECTION_TIMEOUT, 120u,  // reap idle keep-alive connections
                             MHD_OPTION_CONNECTION_LIMIT, connection_limit,
                             // libmicrohttpd zeroes a connection's whole pool for every request;
                             // Helix requests need far less than its 32 KiB default.
                             MHD_OPTION_CONNECTION_MEMORY_LIMIT, static_cast<size_t>(16 * 1024),
                             // A burst must wait in the kernel's queue, not be refused: ask for
                             // a deep one (Linux caps it at net.core.somaxconn).
                             MHD_OPTION_LISTEN_BACKLOG_SIZE, 65535u,
                             MHD_OPTION_ARRAY, thread_per_connection ? extra_opts + 1 : extra_opts,
                             MHD_OPTION_END);
  if (!daemon_) {
    {
      std::lock_guard<std::mutex> lock(st_.mu);
      st_.stopping = true;
    }
    handler_.lot.stop();
    *err = "cannot start the HTTP server on 127.0.0.1:" + std::to_string(opt.port) +
           (tls() ? " (port in use, or the TLS certificate/key was rejected)" : " (port in use?)");
    return false;
  }
  const MHD_DaemonInfo *info = MHD_get_daemon_info(daemon_, MHD_DAEMON_INFO_BIND_PORT);
  port_ = info ? info->port : opt.port;
  st_.ws.set_base_url(std::string(tls() ? "wss" : "ws") + "://127.0.0.1:" + std::to_string(port_));
  return true;
}

void Server::stop() {
  if (!daemon_) return;
  {
    // Held requests are answered now, without the rest of their latency.
    std::lock_guard<std::mutex> lock(st_.mu);
    st_.stopping = true;
  }
  st_.wake.notify_all();
  st_.ws.stop();  // every upgraded socket goes back to libmicrohttpd before it stops
  // libmicrohttpd must not stop with a connection suspended: the lot resumes
  // all it holds, and a request suspended after this resumes itself.
  handler_.lot.stop();
  MHD_stop_daemon(daemon_);
  daemon_ = nullptr;
}

}  // namespace tcm
