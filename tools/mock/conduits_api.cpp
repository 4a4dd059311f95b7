// /helix/eventsub/conduits: list, create, resize, delete (§2, §11).
#include <string>

#include "handlers.hpp"
#include "json.hpp"

namespace tcm {

namespace {

constexpr long kMaxConduitsPerClient = 5;  // "5 enabled conduits per Client ID"
constexpr long long kMaxShards = 20000;

Json conduit_json(const Conduit &c) {
  Json j = json_object();
  add_string(j.get(), "id", c.id);
  add_number(j.get(), "shard_count", static_cast<double>(c.shard_count));
  return j;
}

// Twitch wraps even a single conduit in {"data":[...]}.
Response data_response(const std::vector<const Conduit *> &list) {
  Json data = json_array();
  for (const Conduit *c : list) append(data.get(), conduit_json(*c));
  Json body = json_object();
  add_item(body.get(), "data", std::move(data));
  return json_response(200, body.get());
}

bool shard_count_of(const cJSON *body, long *out) {
  long long n = 0;
  if (!json_integer(cJSON_GetObjectItemCaseSensitive(body, "shard_count"), 1, kMaxShards, &n)) return false;
  *out = static_cast<long>(n);
  return true;
}

Response missing_id() { return helix_error(400, "Missing required parameter \"id\""); }
Response bad_shard_count() { return helix_error(400, "Invalid shard count"); }
Response not_found() { return helix_error(404, "not found"); }

}  // namespace

Response conduits_get(Ctx &c) { return data_response(c.st.conduits_of(c.client_id)); }

Response conduits_create(Ctx &c) {
  Json body;
  Response err;
  if (!json_body_object(c.rq, &body, &err)) return err;
  long shards = 0;
  if (!shard_count_of(body.get(), &shards)) return bad_shard_count();
  // Not a bucket 429: the rate-limit headers still show points left (§5).
  if (static_cast<long>(c.st.conduits_of(c.client_id).size()) >= kMaxConduitsPerClient)
    return helix_error(429, "Conduit limit reached");

  Conduit conduit;
  do conduit.id = random_uuid_v4();
  while (c.st.conduits.count(conduit.id));
  conduit.owner = c.client_id;
  conduit.shard_count = shards;
  conduit.seq = ++c.st.conduit_seq;
  const Conduit &stored = c.st.conduits.emplace(conduit.id, conduit).first->second;
  return data_response({&stored});
}

Response conduits_update(Ctx &c) {
  Json body;
  Response err;
  if (!json_body_object(c.rq, &body, &err)) return err;
  // The id travels in the JSON body, although the docs' 400 text says "query parameter" (§2.3).
  const cJSON *id = cJSON_GetObjectItemCaseSensitive(body.get(), "id");
  if (!cJSON_IsString(id) || id->valuestring[0] == '\0') return missing_id();
  long shards = 0;
  if (!shard_count_of(body.get(), &shards)) return bad_shard_count();
  Conduit *conduit = c.st.owned_conduit(c.client_id, id->valuestring);
  if (!conduit) return not_found();
  conduit->shard_count = shards;
  // Lowering the count removes the shards at and above it (§2.3); a challenge
  // still queued for one of them finds no shard and is skipped.
  conduit->shards.erase(conduit->shards.lower_bound(shards), conduit->shards.end());
  return data_response({conduit});
}

Response conduits_delete(Ctx &c) {
  const std::string *id = c.rq.query_param("id");
  if (!id || id->empty()) return missing_id();
  Conduit *conduit = c.st.owned_conduit(c.client_id, *id);
  if (!conduit) return not_found();
  // Its shards go with it; its subscriptions stay, as conduit_deleted (§2.4).
  c.st.subs.conduit_deleted(c.client_id, conduit->id);
  c.st.conduits.erase(*id);
  Response r;
  r.status = 204;
  return r;
}

}  // namespace tcm
