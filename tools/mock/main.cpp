// tc-mock: run the mock Twitch server standalone. The first stdout line is
// "tc-mock listening on http(s)://127.0.0.1:PORT" so scripts can read the port.
#include <pthread.h>
#include <signal.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>

#include "tcmock.h"

namespace {

const char kUsage[] =
    "usage: tc-mock [options]\n"
    "  --port N                      listen on 127.0.0.1:N (0 = any free port; default 0)\n"
    "  --client-id ID                primary client id\n"
    "  --client-secret S             primary client secret\n"
    "  --ratelimit N                 Helix bucket size per client id (default 800)\n"
    "  --ratelimit-window S          seconds to refill a whole bucket (default 60)\n"
    "  --fail-rate F                 answer 500/503 to this fraction of Helix calls (0..1)\n"
    "  --drop-rate F                 close the connection before handling (0..1)\n"
    "  --drop-after-rate F           handle, then close without answering (0..1)\n"
    "  --latency-ms N                delay every answer by N ms\n"
    "  --seed N                      seed for the fault PRNG\n"
    "  --token-expires-in S          lifetime of issued tokens in seconds\n"
    "  --token-expire-after-calls N  tokens die after N Helix calls (0 = off)\n"
    "  --faults-on-oauth             inject faults on /oauth2 too\n"
    "  --page-size N                 items per page of shard and subscription lists (default 100)\n"
    "  --max-total-cost N            subscription cost limit per client id (default 10000)\n"
    "  --allow-http-callbacks        also accept http(s) webhook shard callbacks on 127.0.0.1 or\n"
    "                                localhost at any port (default: https on port 443 only)\n"
    "  --ws-keepalive-s N            WebSocket keepalive_timeout_seconds by default (10)\n"
    "  --ws-keepalive-min-s N        lowest keepalive a client may ask for (10, like Twitch)\n"
    "  --ws-ping-interval-ms N       Ping frame interval (5000; 0 = no pings)\n"
    "  --ws-pong-timeout-ms N        close 4002 when a Ping is not answered within N ms (10000; 0 = never)\n"
    "  --ws-assign-timeout-ms N      close 4003 when a session is not assigned to a shard within N ms\n"
    "                                of its welcome (10000; 0 = never)\n"
    "  --ws-reconnect-grace-ms N     close 4004 when the old socket is still open N ms after\n"
    "                                session_reconnect (30000)\n"
    "  --tls-cert FILE --tls-key FILE  serve https with this PEM certificate and key\n"
    "  --make-test-ca DIR            write ca.pem, server.pem, server.key into DIR and exit\n"
    "  --help                        show this text\n"
    "Helix: /helix/eventsub/conduits (GET POST PATCH DELETE), /helix/eventsub/conduits/shards\n"
    "(GET PATCH; webhook shards get a signed challenge), /helix/eventsub/subscriptions (POST GET\n"
    "DELETE; conduit transport only).\n"
    "Control endpoints (no auth): GET /_mock/stats, GET|POST /_mock/config, POST /_mock/fail_next,\n"
    "/_mock/drop_next, /_mock/clients, /_mock/expire_tokens, /_mock/reset_stats, /_mock/reset,\n"
    "/_mock/sessions {\"session_id\":ID,\"connected\":true|false},\n"
    "/_mock/subscriptions/status {\"id\":ID,\"status\":S},\n"
    "/_mock/deliver {\"subscription_id\":ID,\"wait\":true,...} (an event to a webhook or WebSocket\n"
    "shard; see README: kind, event, resend_of, stale_seconds, tamper),\n"
    "/_mock/ws/reconnect|drop|stall|close|send {\"session_id\":ID,...}, /_mock/ws/refuse_assign,\n"
    "GET /_mock/ws/sessions.\n"
    "EventSub WebSocket: ws(s)://127.0.0.1:PORT/ws[?keepalive_timeout_seconds=N].\n";

[[noreturn]] void usage_error(const std::string &msg) {
  std::fprintf(stderr, "tc-mock: %s\n%s", msg.c_str(), kUsage);
  std::exit(2);
}

long long parse_int(const std::string &flag, const char *v, long long min, long long max) {
  char *end = nullptr;
  errno = 0;
  long long n = std::strtoll(v, &end, 10);
  if (errno || end == v || *end || n < min || n > max)
    usage_error(flag + " needs an integer in " + std::to_string(min) + ".." + std::to_string(max));
  return n;
}

double parse_double(const std::string &flag, const char *v, double min, double max) {
  char *end = nullptr;
  errno = 0;
  double d = std::strtod(v, &end);
  if (errno || end == v || *end || !(d >= min && d <= max))
    usage_error(flag + " needs a number in " + std::to_string(min) + ".." + std::to_string(max));
  return d;
}

}  // namespace

int main(int argc, char **argv) {
  tcmock_config cfg;
  tcmock_config_init(&cfg);
  const char *ca_dir = nullptr;

  for (int i = 1; i < argc; ++i) {
    std::string flag = argv[i];
    const char *inline_value = nullptr;
    std::string::size_type eq = flag.find('=');
    if (flag.rfind("--", 0) == 0 && eq != std::string::npos) {  // --flag=value
      inline_value = argv[i] + eq + 1;
      flag.resize(eq);
    }
    auto value = [&]() -> const char * {
      if (inline_value) return inline_value;
      if (i + 1 >= argc) usage_error(flag + " needs a value");
      return argv[++i];
    };
    if (flag == "--help" || flag == "-h") {
      std::fputs(kUsage, stdout);
      return 0;
    } else if (flag == "--port") {
      cfg.port = static_cast<unsigned short>(parse_int(flag, value(), 0, 65535));
    } else if (flag == "--client-id") {
      cfg.client_id = value();
    } else if (flag == "--client-secret") {
      cfg.client_secret = value();
    } else if (flag == "--ratelimit") {
      cfg.ratelimit_limit = static_cast<int>(parse_int(flag, value(), 1, 1000000000));
    } else if (flag == "--ratelimit-window") {
      cfg.ratelimit_window_s = parse_double(flag, value(), 0.001, 86400);
    } else if (flag == "--fail-rate") {
      cfg.fail_rate = parse_double(flag, value(), 0, 1);
    } else if (flag == "--drop-rate") {
      cfg.drop_rate = parse_double(flag, value(), 0, 1);
    } else if (flag == "--drop-after-rate") {
      cfg.drop_after_rate = parse_double(flag, value(), 0, 1);
    } else if (flag == "--latency-ms") {
      cfg.latency_ms = static_cast<int>(parse_int(flag, value(), 0, 600000));
    } else if (flag == "--seed") {
      cfg.seed = static_cast<unsigned long long>(parse_int(flag, value(), 0, 9007199254740992LL));
    } else if (flag == "--token-expires-in") {
      cfg.token_expires_in = static_cast<long>(parse_int(flag, value(), 0, 1000000000));
    } else if (flag == "--token-expire-after-calls") {
      cfg.token_expire_after_calls = static_cast<int>(parse_int(flag, value(), 0, 1000000000));
    } else if (flag == "--faults-on-oauth") {
      cfg.faults_on_oauth = 1;
    } else if (flag == "--page-size") {
      cfg.page_size = static_cast<int>(parse_int(flag, value(), 1, 100000));
    } else if (flag == "--max-total-cost") {
      cfg.max_total_cost = static_cast<long>(parse_int(flag, value(), 0, 1000000000));
    } else if (flag == "--allow-http-callbacks") {
      cfg.allow_http_callbacks = 1;
    } else if (flag == "--ws-keepalive-s") {
      cfg.ws_keepalive_s = static_cast<long>(parse_int(flag, value(), 1, 600));
    } else if (flag == "--ws-keepalive-min-s") {
      cfg.ws_keepalive_min_s = static_cast<long>(parse_int(flag, value(), 1, 600));
    } else if (flag == "--ws-ping-interval-ms") {
      cfg.ws_ping_interval_ms = static_cast<long>(parse_int(flag, value(), 0, 3600000));
    } else if (flag == "--ws-pong-timeout-ms") {
      cfg.ws_pong_timeout_ms = static_cast<long>(parse_int(flag, value(), 0, 3600000));
    } else if (flag == "--ws-assign-timeout-ms") {
      cfg.ws_assign_timeout_ms = static_cast<long>(parse_int(flag, value(), 0, 3600000));
    } else if (flag == "--ws-reconnect-grace-ms") {
      cfg.ws_reconnect_grace_ms = static_cast<long>(parse_int(flag, value(), 1, 3600000));
    } else if (flag == "--tls-cert") {
      cfg.tls_cert_file = value();
    } else if (flag == "--tls-key") {
      cfg.tls_key_file = value();
    } else if (flag == "--make-test-ca") {
      ca_dir = value();
    } else {
      usage_error("unknown option " + flag);
    }
  }

  char err[512];
  if (ca_dir) {
    if (tcmock_make_test_ca(ca_dir, err, sizeof err) != 0) {
      std::fprintf(stderr, "tc-mock: %s\n", err);
      return 1;
    }
    std::printf("tc-mock wrote %s/ca.pem, %s/server.pem, %s/server.key\n", ca_dir, ca_dir, ca_dir);
    return 0;
  }
  if (!cfg.tls_cert_file != !cfg.tls_key_file) usage_error("--tls-cert and --tls-key go together");

  // Block the stop signals before any server thread exists, so every thread
  // inherits the mask and sigwait() below is the only place they land.
  sigset_t stop_signals;
  sigemptyset(&stop_signals);
  sigaddset(&stop_signals, SIGINT);
  sigaddset(&stop_signals, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &stop_signals, nullptr);
  signal(SIGPIPE, SIG_IGN);  // a client hanging up must not kill the server

  tcmock *m = nullptr;
  if (tcmock_start(&m, &cfg, err, sizeof err) != 0) {
    std::fprintf(stderr, "tc-mock: %s\n", err);
    return 1;
  }
  std::string base = tcmock_auth_base(m);
  base.resize(base.size() - std::strlen("/oauth2"));
  std::printf("tc-mock listening on %s\n", base.c_str());
  std::printf("helix base: %s\nauth base: %s\nwebsocket: %s\n", tcmock_helix_base(m), tcmock_auth_base(m),
              tcmock_ws_url(m));
  std::fflush(stdout);

  int sig = 0;
  while (sigwait(&stop_signals, &sig) != 0) {
  }
  tcmock_stop(m);
  return 0;
}
