#include "state.hpp"

#include <algorithm>
#include <cstdio>
#include <cstring>
#include <ctime>
#include <stdexcept>

#include <openssl/rand.h>

namespace tcm {

const char *const kDefaultClientId = "mockclientid0123456789abcdefghij";
const char *const kDefaultClientSecret = "mocksecret0123456789abcdefghijk";

const StatField kStatFields[] = {
    {"token_requests", &Stats::token_requests},
    {"validate_requests", &Stats::validate_requests},
    {"revoke_requests", &Stats::revoke_requests},
    {"helix_requests", &Stats::helix_requests},
    {"rate_limited", &Stats::rate_limited},
    {"faults_5xx", &Stats::faults_5xx},
    {"drops", &Stats::drops},
    {"unauthorized", &Stats::unauthorized},
    {"requests_total", &Stats::requests_total},
    {"challenges_sent", &Stats::challenges_sent},
    {"challenges_passed", &Stats::challenges_passed},
    {"challenges_failed", &Stats::challenges_failed},
    {"subscriptions", &Stats::subscriptions},
    {"subscriptions_created", &Stats::subscriptions_created},
    {"events_delivered", &Stats::events_delivered},
    {"events_failover", &Stats::events_failover},
    {"events_dropped", &Stats::events_dropped},
    {"revocations_sent", &Stats::revocations_sent},
    {"ws_connections", &Stats::ws_connections},
    {"ws_connects", &Stats::ws_connects},
    {"ws_welcomes", &Stats::ws_welcomes},
    {"ws_keepalives", &Stats::ws_keepalives},
    {"ws_pings", &Stats::ws_pings},
    {"ws_notifications", &Stats::ws_notifications},
    {"ws_closes_4003", &Stats::ws_closes_4003},
    {"ws_closes_sent", &Stats::ws_closes_sent},
    {"ws_inbound_violations", &Stats::ws_inbound_violations},
    {"shard_disabled_events", &Stats::shard_disabled_events},
};
const std::size_t kStatFieldCount = sizeof kStatFields / sizeof kStatFields[0];

static void random_bytes(unsigned char *buf, std::size_t n) {
  if (RAND_bytes(buf, static_cast<int>(n)) != 1) throw std::runtime_error("RAND_bytes failed");
}

std::string random_token() {
  static const char alphabet[] = "abcdefghijklmnopqrstuvwxyz0123456789";
  std::string out;
  unsigned char buf[64];
  while (out.size() < 30) {
    random_bytes(buf, sizeof buf);
    for (unsigned char b : buf) {
      // 252 = 7 * 36: rejecting the top 4 values keeps every character equally likely.
      if (b < 252 && out.size() < 30) out.push_back(alphabet[b % 36]);
    }
  }
  return out;
}

std::string random_uuid_v4() {
  unsigned char b[16];
  random_bytes(b, sizeof b);
  b[6] = static_cast<unsigned char>((b[6] & 0x0f) | 0x40);  // version 4
  b[8] = static_cast<unsigned char>((b[8] & 0x3f) | 0x80);  // RFC 4122 variant
  char s[37];
  std::snprintf(s, sizeof s, "%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-%02x%02x%02x%02x%02x%02x", b[0], b[1],
                b[2], b[3], b[4], b[5], b[6], b[7], b[8], b[9], b[10], b[11], b[12], b[13], b[14], b[15]);
  return s;
}

std::string rfc3339_now() { return rfc3339_ago(0); }

std::string rfc3339_ago(long long seconds_ago) {
  using namespace std::chrono;
  long long ns = duration_cast<nanoseconds>(system_clock::now().time_since_epoch()).count();
  ns -= seconds_ago * 1000000000LL;
  std::time_t secs = static_cast<std::time_t>(ns / 1000000000LL);
  std::tm tm{};
  gmtime_r(&secs, &tm);
  char buf[48];
  std::snprintf(buf, sizeof buf, "%04d-%02d-%02dT%02d:%02d:%02d.%09lldZ", tm.tm_year + 1900, tm.tm_mon + 1,
                tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, ns % 1000000000LL);
  return buf;
}

namespace {

const char kB64[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

std::string b64url_encode(const std::string &in) {
  std::string out;
  unsigned bits = 0;
  int nbits = 0;
  for (unsigned char c : in) {
    bits = (bits << 8) | c;
    nbits += 8;
    while (nbits >= 6) {
      nbits -= 6;
      out.push_back(kB64[(bits >> nbits) & 63]);
    }
  }
  if (nbits > 0) out.push_back(kB64[(bits << (6 - nbits)) & 63]);
  return out;
}

bool b64url_decode(const std::string &in, std::string *out) {
  unsigned bits = 0;
  int nbits = 0;
  out->clear();
  for (char c : in) {
    const char *p = c ? std::strchr(kB64, c) : nullptr;
    if (!p) return false;
    bits = (bits << 6) | static_cast<unsigned>(p - kB64);
    nbits += 6;
    if (nbits >= 8) {
      nbits -= 8;
      out->push_back(static_cast<char>((bits >> nbits) & 0xff));
    }
  }
  return true;
}

}  // namespace

std::string make_cursor(const std::string &scope, std::uint64_t n) {
  return b64url_encode(scope + "|" + std::to_string(n));
}

bool read_cursor(const std::string &cursor, const std::string &scope, std::uint64_t *n) {
  std::string plain;
  if (cursor.size() > 512 || !b64url_decode(cursor, &plain)) return false;
  if (plain.size() <= scope.size() + 1 || plain.compare(0, scope.size(), scope) != 0 || plain[scope.size()] != '|')
    return false;
  std::string digits = plain.substr(scope.size() + 1);
  if (digits.size() > 19 || digits.find_first_not_of("0123456789") != std::string::npos) return false;
  *n = std::stoull(digits);
  return make_cursor(scope, *n) == cursor;  // exactly what we hand out, nothing else
}

State::State(const Config &c)
    : cfg(c), limiter(c.ratelimit_limit, c.ratelimit_window_s), faults(c.seed) {}

void State::apply_config(const Config &next, bool reseed) {
  bool limits_changed = next.ratelimit_limit != cfg.ratelimit_limit || next.ratelimit_window_s != cfg.ratelimit_window_s;
  bool seed_changed = reseed || next.seed != cfg.seed;
  cfg = next;
  if (limits_changed) limiter.configure(cfg.ratelimit_limit, cfg.ratelimit_window_s);
  if (seed_changed) faults.reseed(cfg.seed);
}

std::string State::issue_token(const std::string &client_id, Clock::time_point now) {
  // Benchmarks issue many tokens; drop the expired ones now and then.
  if (++issued_since_sweep_ >= 1024) {
    issued_since_sweep_ = 0;
    for (auto it = tokens.begin(); it != tokens.end();)
      it = it->second.expires_at <= now ? tokens.erase(it) : std::next(it);
  }
  std::string t;
  do t = random_token();
  while (tokens.count(t));
  tokens[t] = Token{client_id, now + std::chrono::seconds(cfg.token_expires_in), 0};
  return t;
}

Token *State::valid_token(const std::string &token, Clock::time_point now) {
  auto it = tokens.find(token);
  if (it == tokens.end()) return nullptr;
  if (it->second.expires_at <= now) {
    tokens.erase(it);
    return nullptr;
  }
  if (cfg.token_expire_after_calls > 0 && it->second.helix_calls >= cfg.token_expire_after_calls) return nullptr;
  return &it->second;
}

std::vector<const Conduit *> State::conduits_of(const std::string &client_id) const {
  std::vector<const Conduit *> out;
  for (const auto &kv : conduits)
    if (kv.second.owner == client_id) out.push_back(&kv.second);
  std::sort(out.begin(), out.end(), [](const Conduit *a, const Conduit *b) { return a->seq < b->seq; });
  return out;
}

Conduit *State::owned_conduit(const std::string &client_id, const std::string &id) {
  auto it = conduits.find(id);
  // Twitch answers "not yours" exactly like "not there" (§2.3, §9.6).
  if (it == conduits.end() || it->second.owner != client_id) return nullptr;
  return &it->second;
}

}  // namespace tcm
