// id.twitch.tv/oauth2: client-credentials token, validate, revoke (§1.1–1.3).
#include <chrono>

#include <openssl/crypto.h>

#include "handlers.hpp"
#include "helix_auth.hpp"
#include "json.hpp"

namespace tcm {

namespace {

// Form body first, then the query string: clients send the same parameters
// either way and Twitch accepts both (§1.1).
Params oauth_params(const Request &rq) {
  Params p;
  const std::string *ct = rq.header("content-type");
  if (!rq.body.empty() && (!ct || starts_with(to_lower(*ct), "application/x-www-form-urlencoded")))
    p = parse_form(rq.body);
  p.insert(p.end(), rq.query.begin(), rq.query.end());
  return p;
}

std::string param(const Params &p, const char *name) {
  const std::string *v = find_param(p, name);
  return v ? *v : std::string();
}

bool secrets_equal(const std::string &a, const std::string &b) {
  return a.size() == b.size() && CRYPTO_memcmp(a.data(), b.data(), a.size()) == 0;
}

}  // namespace

Response oauth_token(Ctx &c) {
  Params p = oauth_params(c.rq);
  if (param(p, "grant_type") != "client_credentials") return oauth_error(400, "invalid grant type");
  auto client = c.st.clients.find(param(p, "client_id"));
  if (client == c.st.clients.end()) return oauth_error(400, "invalid client");
  if (!secrets_equal(client->second, param(p, "client_secret"))) return oauth_error(403, "invalid client secret");

  Json j = json_object();
  add_string(j.get(), "access_token", c.st.issue_token(client->first, c.now));
  add_number(j.get(), "expires_in", static_cast<double>(c.st.cfg.token_expires_in));
  add_string(j.get(), "token_type", "bearer");
  return json_response(200, j.get());
}

Response oauth_validate(Ctx &c) {
  const std::string *auth = c.rq.header("authorization");
  std::string token = auth ? auth_credentials(*auth, {"OAuth", "Bearer"}) : std::string();
  Token *t = token.empty() ? nullptr : c.st.valid_token(token, c.now);
  if (!t) return oauth_error(401, "invalid access token");

  long long left = std::chrono::duration_cast<std::chrono::seconds>(t->expires_at - c.now).count();
  // App tokens have no user: login and user_id are null (§1.2).
  Json j = json_object();
  add_string(j.get(), "client_id", t->client_id);
  add_null(j.get(), "login");
  add_item(j.get(), "scopes", json_array());
  add_null(j.get(), "user_id");
  add_number(j.get(), "expires_in", static_cast<double>(left));
  return json_response(200, j.get());
}

Response oauth_revoke(Ctx &c) {
  Params p = oauth_params(c.rq);
  std::string client_id = param(p, "client_id");
  if (!c.st.clients.count(client_id)) return oauth_error(404, "client does not exist");
  auto it = c.st.tokens.find(param(p, "token"));
  if (it == c.st.tokens.end() || it->second.client_id != client_id) return oauth_error(400, "Invalid token");
  c.st.tokens.erase(it);
  Response r;
  r.status = 200;  // empty body on success
  return r;
}

}  // namespace tcm
