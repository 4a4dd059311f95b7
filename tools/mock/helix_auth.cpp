#include "helix_auth.hpp"

#include "json.hpp"

namespace tcm {

static std::string trim(const std::string &s) {
  size_t b = s.find_first_not_of(" \t");
  if (b == std::string::npos) return std::string();
  size_t e = s.find_last_not_of(" \t");
  return s.substr(b, e - b + 1);
}

std::string auth_credentials(const std::string &header, std::initializer_list<const char *> schemes) {
  std::string h = trim(header);
  size_t sp = h.find_first_of(" \t");
  if (sp == std::string::npos) return std::string();
  std::string scheme = h.substr(0, sp);
  for (const char *s : schemes)
    if (iequals(scheme, s)) return trim(h.substr(sp));
  return std::string();
}

bool helix_authenticate(State &st, const Request &rq, Clock::time_point now, std::string *client_id,
                        Response *err) {
  // The order of checks follows what clients observe from Twitch: a missing
  // header is reported before the token is even looked up.
  const std::string *auth = rq.header("authorization");
  if (!auth || trim(*auth).empty()) {
    *err = helix_error(401, "OAuth token is missing");
    return false;
  }
  const std::string *cid = rq.header("client-id");
  if (!cid || trim(*cid).empty()) {
    *err = helix_error(401, "Client-Id header is missing");
    return false;
  }
  std::string token = auth_credentials(*auth, {"Bearer"});
  Token *t = token.empty() ? nullptr : st.valid_token(token, now);
  if (!t) {
    *err = helix_error(401, "Invalid OAuth token");
    return false;
  }
  if (t->client_id != trim(*cid)) {
    *err = helix_error(401, "Client ID and OAuth token do not match");
    return false;
  }
  ++t->helix_calls;
  *client_id = t->client_id;
  return true;
}

}  // namespace tcm
