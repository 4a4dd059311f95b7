// libmicrohttpd glue: one daemon on 127.0.0.1 serving every connection from
// a small pool of epoll threads, bodies accumulated up to 1 MiB, then
// dispatch() and either an answer or a dropped connection. A request that
// waits (injected latency, a parked control call) is suspended in the
// ParkingLot, so waiting costs no thread. TCMOCK_THREAD_PER_CONNECTION=1 in
// the environment selects the old mode instead, a thread per connection that
// waits in place (the baseline of bench/bench_mock_burst).
#pragma once

#include <string>

#include "parking.hpp"
#include "state.hpp"

struct MHD_Daemon;

namespace tcm {

struct ServerOptions {
  unsigned short port = 0;  // 0 = pick a free port
  std::string tls_cert_pem;  // both empty = plain http
  std::string tls_key_pem;
};

class Server {
 public:
  explicit Server(State &st) : st_(st), handler_{st, ParkingLot(st, &resume_connection), false} {}
  ~Server() { stop(); }
  Server(const Server &) = delete;
  Server &operator=(const Server &) = delete;

  bool start(const ServerOptions &opt, std::string *err);
  void stop();  // idempotent
  unsigned short port() const { return port_; }
  bool tls() const { return !cert_.empty(); }

  // What libmicrohttpd's access handler gets.
  struct Handler {
    State &st;
    ParkingLot lot;
    bool thread_per_connection = false;  // the old mode: waits block the connection's thread
  };

 private:
  static void resume_connection(void *conn);

  State &st_;
  Handler handler_;
  MHD_Daemon *daemon_ = nullptr;
  unsigned short port_ = 0;
  std::string cert_, key_;  // MHD keeps pointers to these while running
};

}  // namespace tcm
