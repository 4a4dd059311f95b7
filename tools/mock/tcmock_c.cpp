// The C API over State + Server. No exception crosses this boundary.
#include "tcmock.h"

#include <cstdio>
#include <cstring>
#include <exception>
#include <fstream>
#include <memory>
#include <sstream>
#include <string>

#include "dispatch.hpp"
#include "server.hpp"
#include "state.hpp"

struct tcmock {
  explicit tcmock(const tcm::Config &cfg) : st(cfg), srv(st) {}

  tcm::State st;
  tcm::Server srv;  // declared after st: stopped before st goes away
  std::string helix_base, auth_base, ws_url;
};

namespace {

void set_err(char *err, size_t errlen, const std::string &msg) {
  if (err && errlen) std::snprintf(err, errlen, "%s", msg.c_str());
}

bool read_file(const char *path, std::string *out) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return false;
  std::ostringstream ss;
  ss << in.rdbuf();
  *out = ss.str();
  return !in.bad();
}

bool rate_ok(double r) { return r >= 0.0 && r <= 1.0; }

// Range checks up front give a clear message instead of odd behaviour later.
bool validate(const tcmock_config &c, std::string *why) {
  if (c.ratelimit_limit < 1) *why = "ratelimit_limit must be >= 1";
  else if (!(c.ratelimit_window_s > 0)) *why = "ratelimit_window_s must be > 0";
  else if (!rate_ok(c.fail_rate) || !rate_ok(c.drop_rate) || !rate_ok(c.drop_after_rate))
    *why = "fail_rate, drop_rate and drop_after_rate must be within 0..1";
  else if (c.latency_ms < 0 || c.latency_ms > 600000) *why = "latency_ms must be within 0..600000";
  else if (c.token_expire_after_calls < 0) *why = "token_expire_after_calls must be >= 0";
  else if (c.token_expires_in < 0) *why = "token_expires_in must be >= 0";
  else if (c.page_size < 1 || c.page_size > 100000) *why = "page_size must be within 1..100000";
  else if (c.max_total_cost < 0 || c.max_total_cost > 1000000000L) *why = "max_total_cost must be within 0..1000000000";
  else if ((c.client_id && !*c.client_id) || (c.client_secret && !*c.client_secret))
    *why = "client_id and client_secret must not be empty";
  else if (!c.tls_cert_file != !c.tls_key_file) *why = "tls_cert_file and tls_key_file go together";
  else if (c.ws_keepalive_s < 1 || c.ws_keepalive_s > 600 || c.ws_keepalive_min_s < 1 || c.ws_keepalive_min_s > 600)
    *why = "ws_keepalive_s and ws_keepalive_min_s must be within 1..600";
  else if (c.ws_ping_interval_ms < 0 || c.ws_ping_interval_ms > 3600000 || c.ws_assign_timeout_ms < 0 ||
           c.ws_assign_timeout_ms > 3600000 || c.ws_pong_timeout_ms < 0 || c.ws_pong_timeout_ms > 3600000)
    *why = "ws_ping_interval_ms, ws_assign_timeout_ms and ws_pong_timeout_ms must be within 0..3600000";
  else if (c.ws_reconnect_grace_ms < 1 || c.ws_reconnect_grace_ms > 3600000)
    *why = "ws_reconnect_grace_ms must be within 1..3600000";
  else if (c.seed > 9007199254740992ULL) *why = "seed must be <= 2^53 (it round-trips through JSON)";
  else return true;
  return false;
}

}  // namespace

extern "C" {

void tcmock_config_init(tcmock_config *cfg) {
  if (!cfg) return;
  std::memset(cfg, 0, sizeof *cfg);
  tcm::Config d;
  cfg->ratelimit_limit = static_cast<int>(d.ratelimit_limit);
  cfg->ratelimit_window_s = d.ratelimit_window_s;
  cfg->seed = d.seed;
  cfg->token_expires_in = d.token_expires_in;
  cfg->page_size = static_cast<int>(d.page_size);
  cfg->allow_http_callbacks = d.allow_http_callbacks ? 1 : 0;
  cfg->max_total_cost = d.max_total_cost;
  cfg->ws_keepalive_s = d.ws_keepalive_s;
  cfg->ws_keepalive_min_s = d.ws_keepalive_min_s;
  cfg->ws_ping_interval_ms = d.ws_ping_interval_ms;
  cfg->ws_assign_timeout_ms = d.ws_assign_timeout_ms;
  cfg->ws_reconnect_grace_ms = d.ws_reconnect_grace_ms;
  cfg->ws_pong_timeout_ms = d.ws_pong_timeout_ms;
}

int tcmock_start(tcmock **out, const tcmock_config *cfg, char *err, size_t errlen) {
  if (!out) {
    set_err(err, errlen, "out must not be NULL");
    return -1;
  }
  *out = nullptr;
  try {
    tcmock_config defaults;
    tcmock_config_init(&defaults);
    const tcmock_config &c = cfg ? *cfg : defaults;
    std::string why;
    if (!validate(c, &why)) {
      set_err(err, errlen, why);
      return -1;
    }

    tcm::ServerOptions opt;
    opt.port = c.port;
    if (c.tls_cert_file) {
      if (!read_file(c.tls_cert_file, &opt.tls_cert_pem) || opt.tls_cert_pem.empty()) {
        set_err(err, errlen, std::string("cannot read TLS certificate ") + c.tls_cert_file);
        return -1;
      }
      if (!read_file(c.tls_key_file, &opt.tls_key_pem) || opt.tls_key_pem.empty()) {
        set_err(err, errlen, std::string("cannot read TLS key ") + c.tls_key_file);
        return -1;
      }
    }

    tcm::Config conf;
    conf.fail_rate = c.fail_rate;
    conf.drop_rate = c.drop_rate;
    conf.drop_after_rate = c.drop_after_rate;
    conf.latency_ms = c.latency_ms;
    conf.token_expire_after_calls = c.token_expire_after_calls;
    conf.token_expires_in = c.token_expires_in;
    conf.ratelimit_limit = c.ratelimit_limit;
    conf.ratelimit_window_s = c.ratelimit_window_s;
    conf.seed = c.seed;
    conf.faults_on_oauth = c.faults_on_oauth != 0;
    conf.page_size = c.page_size;
    conf.allow_http_callbacks = c.allow_http_callbacks != 0;
    conf.max_total_cost = c.max_total_cost;
    conf.ws_keepalive_s = c.ws_keepalive_s;
    conf.ws_keepalive_min_s = c.ws_keepalive_min_s;
    conf.ws_ping_interval_ms = c.ws_ping_interval_ms;
    conf.ws_assign_timeout_ms = c.ws_assign_timeout_ms;
    conf.ws_reconnect_grace_ms = c.ws_reconnect_grace_ms;
    conf.ws_pong_timeout_ms = c.ws_pong_timeout_ms;

    auto m = std::make_unique<tcmock>(conf);
    m->st.clients[c.client_id ? c.client_id : tcm::kDefaultClientId] =
        c.client_secret ? c.client_secret : tcm::kDefaultClientSecret;
    if (!m->srv.start(opt, &why)) {
      set_err(err, errlen, why);
      return -1;
    }
    std::string base = std::string(m->srv.tls() ? "https" : "http") + "://127.0.0.1:" + std::to_string(m->srv.port());
    m->helix_base = base + "/helix";
    m->auth_base = base + "/oauth2";
    m->ws_url = std::string(m->srv.tls() ? "wss" : "ws") + "://127.0.0.1:" + std::to_string(m->srv.port()) + "/ws";
    *out = m.release();
    return 0;
  } catch (const std::exception &e) {
    set_err(err, errlen, std::string("tcmock_start: ") + e.what());
    return -1;
  } catch (...) {
    set_err(err, errlen, "tcmock_start: unexpected error");
    return -1;
  }
}

unsigned short tcmock_port(const tcmock *m) { return m ? m->srv.port() : 0; }

const char *tcmock_helix_base(const tcmock *m) { return m ? m->helix_base.c_str() : nullptr; }

const char *tcmock_auth_base(const tcmock *m) { return m ? m->auth_base.c_str() : nullptr; }

const char *tcmock_ws_url(const tcmock *m) { return m ? m->ws_url.c_str() : nullptr; }

long tcmock_stat(const tcmock *m, const char *name) {
  if (!m || !name) return -1;
  for (std::size_t i = 0; i < tcm::kStatFieldCount; ++i) {
    if (std::strcmp(tcm::kStatFields[i].name, name) == 0) {
      std::lock_guard<std::mutex> lock(m->st.mu);
      return m->st.stats.*(tcm::kStatFields[i].field);
    }
  }
  return -1;
}

int tcmock_control(tcmock *m, const char *path, const char *json_body) {
  if (!m || !path) return -1;
  try {
    tcm::Request rq;
    rq.method = "POST";
    std::string p = path;
    if (p.rfind("/_mock/", 0) == 0) p = p.substr(7);  // accept "config", "/config" or "/_mock/config"
    while (!p.empty() && p[0] == '/') p.erase(0, 1);
    rq.path = "/_mock/" + p;
    rq.headers.emplace_back("content-type", "application/json");
    rq.body = json_body ? json_body : "";
    tcm::Outcome out = tcm::dispatch(m->st, rq);
    return out.response.status >= 200 && out.response.status < 300 ? 0 : -1;
  } catch (...) {
    return -1;
  }
}

void tcmock_stop(tcmock *m) { delete m; }

}  // extern "C"
