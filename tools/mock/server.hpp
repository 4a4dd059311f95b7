// libmicrohttpd glue: one daemon on 127.0.0.1, a thread per connection (so
// injected latency can simply sleep), bodies accumulated up to 1 MiB, then
// dispatch() and either an answer or a dropped connection.
#pragma once

#include <string>

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
  explicit Server(State &st) : st_(st) {}
  ~Server() { stop(); }
  Server(const Server &) = delete;
  Server &operator=(const Server &) = delete;

  bool start(const ServerOptions &opt, std::string *err);
  void stop();  // idempotent
  unsigned short port() const { return port_; }
  bool tls() const { return !cert_.empty(); }

 private:
  State &st_;
  MHD_Daemon *daemon_ = nullptr;
  unsigned short port_ = 0;
  std::string cert_, key_;  // MHD keeps pointers to these while running
};

}  // namespace tcm
