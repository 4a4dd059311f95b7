// id.twitch.tv/oauth2: client-credentials and refresh_token grants, validate,
// revoke (§1.1–1.3, DOC-AUTH refresh-tokens), and /_mock/user_tokens, which
// stands in for the authorization-code flow the mock does not have.
#include <chrono>
#include <new>

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

Json scope_array(const std::vector<std::string> &scopes) {
  Json a = json_array();
  for (const std::string &s : scopes) {
    Json item(cJSON_CreateString(s.c_str()));
    if (!item) throw std::bad_alloc();
    append(a.get(), std::move(item));
  }
  return a;
}

// grant_type=refresh_token: a new user access token and a new refresh token;
// the one presented is used up (rotated), so a second use answers 400
// "Invalid refresh token", as Twitch does for a revoked or unknown one.
Response refresh_grant(Ctx &c, const Params &p, const std::string &client_id) {
  auto grant = c.st.refresh_tokens.find(param(p, "refresh_token"));
  if (grant == c.st.refresh_tokens.end() || grant->second.client_id != client_id)
    return oauth_error(400, "Invalid refresh token");
  UserGrant user = std::move(grant->second);
  c.st.refresh_tokens.erase(grant);

  std::string access = c.st.issue_token(client_id, c.now);
  Token &t = c.st.tokens[access];
  t.user_id = user.user_id;
  t.login = user.login;
  t.scopes = user.scopes;
  std::string refresh;
  do refresh = random_token() + random_token();  // longer than access tokens, like Twitch's
  while (c.st.refresh_tokens.count(refresh));

  Json j = json_object();
  add_string(j.get(), "access_token", access);
  add_number(j.get(), "expires_in", static_cast<double>(c.st.cfg.token_expires_in));
  add_string(j.get(), "refresh_token", refresh);
  add_item(j.get(), "scope", scope_array(user.scopes));
  add_string(j.get(), "token_type", "bearer");
  c.st.refresh_tokens.emplace(std::move(refresh), std::move(user));
  return json_response(200, j.get());
}

}  // namespace

Response oauth_token(Ctx &c) {
  Params p = oauth_params(c.rq);
  const std::string grant_type = param(p, "grant_type");
  if (grant_type != "client_credentials" && grant_type != "refresh_token")
    return oauth_error(400, "invalid grant type");
  auto client = c.st.clients.find(param(p, "client_id"));
  if (client == c.st.clients.end()) return oauth_error(400, "invalid client");
  if (!secrets_equal(client->second, param(p, "client_secret"))) return oauth_error(403, "invalid client secret");
  if (grant_type == "refresh_token") return refresh_grant(c, p, client->first);

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
  if (t->user_id.empty()) {
    add_null(j.get(), "login");
    add_item(j.get(), "scopes", json_array());
    add_null(j.get(), "user_id");
  } else {
    add_string(j.get(), "login", t->login);
    add_item(j.get(), "scopes", scope_array(t->scopes));
    add_string(j.get(), "user_id", t->user_id);
  }
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

// POST /_mock/user_tokens {"refresh_token", "user_id", "login"?, "scopes"?,
// "client_id"?}: registers a refresh token as if the user had authorized the
// app (the client defaults to the only one there is).
Response control_user_tokens(Ctx &c) {
  Json body;
  Response err;
  if (!json_body_object(c.rq, &body, &err)) return err;
  const char *refresh = json_nonempty_string(body.get(), "refresh_token");
  const char *user_id = json_nonempty_string(body.get(), "user_id");
  if (!refresh || !user_id) return helix_error(400, "refresh_token and user_id are required strings");
  UserGrant g;
  g.user_id = user_id;
  if (const char *login = json_nonempty_string(body.get(), "login")) g.login = login;
  if (const char *client = json_nonempty_string(body.get(), "client_id")) {
    g.client_id = client;
  } else if (c.st.clients.size() == 1) {
    g.client_id = c.st.clients.begin()->first;
  } else {
    return helix_error(400, "client_id is required when the mock has several clients");
  }
  if (!c.st.clients.count(g.client_id)) return helix_error(400, "unknown client_id");
  const cJSON *scopes = cJSON_GetObjectItemCaseSensitive(body.get(), "scopes");
  if (scopes && !cJSON_IsArray(scopes)) return helix_error(400, "scopes must be an array of strings");
  const cJSON *s = nullptr;
  cJSON_ArrayForEach(s, scopes) {
    if (!cJSON_IsString(s)) return helix_error(400, "scopes must be an array of strings");
    g.scopes.emplace_back(s->valuestring);
  }
  if (!c.st.refresh_tokens.emplace(refresh, std::move(g)).second)
    return helix_error(409, "refresh_token is already registered");
  Json j = json_object();
  add_bool(j.get(), "ok", true);
  return json_response(200, j.get());
}

}  // namespace tcm
