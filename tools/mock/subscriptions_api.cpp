// /helix/eventsub/subscriptions for the conduit transport: create, list,
// delete (§4, §11). Webhook and websocket transports are not modelled yet.
#include <algorithm>
#include <cstring>
#include <string>
#include <vector>

#include "core/catalogue_table.hpp"  // the library's type catalogue: the mock accepts exactly its types
#include "handlers.hpp"
#include "json.hpp"

namespace tcm {

namespace {

constexpr std::size_t kMaxSameTypeCondition = 3;  // the 4th gets a 429 (§4.4)

const char *const kBadTypeVersion = "The combination of values in the type and version fields is not valid.";

// ^[a-z_]+(\.[a-z_]+)+$ : the shape of every EventSub type name.
bool type_ok(const std::string &t) {
  bool segment = false;
  int dots = 0;
  for (char ch : t) {
    if (ch == '.') {
      if (!segment) return false;
      ++dots;
      segment = false;
    } else if ((ch >= 'a' && ch <= 'z') || ch == '_') {
      segment = true;
    } else {
      return false;
    }
  }
  return dots > 0 && segment;
}

// Types that name a user but need no authorization cost 1; the rest cost 0
// (§4.4), simplified to a fixed list.
long cost_of(const std::string &type) {
  static const char *const kCostOne[] = {"stream.online", "stream.offline", "channel.update", "user.update"};
  for (const char *t : kCostOne)
    if (type == t) return 1;
  return 0;
}

void append_json_string(std::string &out, const char *s) {
  Json tmp(cJSON_CreateString(s));
  if (!tmp) throw std::bad_alloc();
  out += json_print(tmp.get());
}

}  // namespace

// The same JSON whatever the key order, for duplicate detection.
void canonical(const cJSON *j, std::string &out) {
  if (cJSON_IsObject(j)) {
    std::vector<const cJSON *> kids;
    for (const cJSON *k = j->child; k; k = k->next) kids.push_back(k);
    std::stable_sort(kids.begin(), kids.end(),
                     [](const cJSON *a, const cJSON *b) { return std::strcmp(a->string, b->string) < 0; });
    out += '{';
    for (std::size_t i = 0; i < kids.size(); ++i) {
      if (i) out += ',';
      append_json_string(out, kids[i]->string);
      out += ':';
      canonical(kids[i], out);
    }
    out += '}';
  } else if (cJSON_IsArray(j)) {
    out += '[';
    for (const cJSON *k = j->child; k; k = k->next) {
      if (k != j->child) out += ',';
      canonical(k, out);
    }
    out += ']';
  } else {
    out += json_print(j);
  }
}

namespace {

Json sub_json(const Subscription &s) {
  Json t = json_object();
  add_string(t.get(), "method", "conduit");
  add_string(t.get(), "conduit_id", s.conduit_id);
  Json j = json_object();
  add_string(j.get(), "id", s.id);
  add_string(j.get(), "status", s.status);
  add_string(j.get(), "type", s.type);
  add_string(j.get(), "version", s.version);
  add_raw(j.get(), "condition", s.condition);
  add_string(j.get(), "created_at", s.created_at);
  add_item(j.get(), "transport", std::move(t));
  add_number(j.get(), "cost", static_cast<double>(s.cost));
  return j;
}

}  // namespace

// Lists are built from cached text, so a page costs O(page) string appends.
const std::string &sub_text(const Subscription &s) {
  if (s.json.empty()) s.json = json_print(sub_json(s).get());
  return s.json;
}

namespace {

Response missing(const char *name) {
  return helix_error(400, std::string("Missing required parameter \"") + name + "\"");
}

// Since 2026-04-17 Twitch names the existing subscription in the 409; the
// reference does not give the field, so the mock's shape is its own choice:
// {"error":"Conflict","status":409,"message":"subscription already exists","id":"<existing id>"}
Response conflict(const std::string &existing_id) {
  Json j = json_object();
  add_string(j.get(), "error", reason_phrase(409));
  add_number(j.get(), "status", 409);
  add_string(j.get(), "message", "subscription already exists");
  add_string(j.get(), "id", existing_id);
  return json_response(409, j.get());
}

// A non-empty query parameter, or null.
const std::string *filter(const Request &rq, const char *name) {
  const std::string *v = rq.query_param(name);
  return v && !v->empty() ? v : nullptr;
}

}  // namespace

Response subscriptions_create(Ctx &c) {
  Json body;
  Response err;
  if (!json_body_object(c.rq, &body, &err)) return err;
  const char *type = json_nonempty_string(body.get(), "type");
  if (!type) return missing("type");
  const char *version = json_nonempty_string(body.get(), "version");
  if (!version) return missing("version");
  const cJSON *condition = cJSON_GetObjectItemCaseSensitive(body.get(), "condition");
  if (!cJSON_IsObject(condition) || !condition->child) return missing("condition");
  const cJSON *transport = cJSON_GetObjectItemCaseSensitive(body.get(), "transport");
  if (!cJSON_IsObject(transport)) return missing("transport");
  if (tc::catalogue::withdrawn(type, version))
    return helix_error(410, "The subscription type and version were removed; use a newer version.");
  if (!tc::catalogue::find(type, version)) return helix_error(400, kBadTypeVersion);
  const char *method = json_nonempty_string(transport, "method");
  if (!method || std::strcmp(method, "conduit") != 0)
    return helix_error(400, "The value specified in the method field is not valid.");
  const char *conduit_id = json_nonempty_string(transport, "conduit_id");
  if (!conduit_id)
    return helix_error(400, "The conduit_id field is required if you specify the Conduit transport method.");
  if (!c.st.owned_conduit(c.client_id, conduit_id))
    return helix_error(400, "The conduit_id field does not identify one of your conduits.");

  Subscription s;
  s.owner = c.client_id;
  s.type = type;
  s.version = version;
  s.condition = json_print(condition);
  s.dedupe_key = s.type + '\n';
  canonical(condition, s.dedupe_key);
  for (const cJSON *k = condition->child; k; k = k->next)
    if (cJSON_IsString(k) && k->valuestring[0] &&
        std::find(s.users.begin(), s.users.end(), k->valuestring) == s.users.end())
      s.users.push_back(k->valuestring);
  s.conduit_id = conduit_id;
  s.cost = cost_of(s.type);
  s.status = "enabled";

  // Among the enabled subscriptions with this type+condition: the same
  // version on the same conduit is a duplicate (409), and at most 3 may exist.
  const SubStore::Owner *owner = c.st.subs.owner(c.client_id);
  std::size_t same = 0;
  if (owner) {
    auto k = owner->by_key.find(s.dedupe_key);
    const std::vector<std::uint64_t> none;
    for (std::uint64_t seq : k == owner->by_key.end() ? none : k->second) {
      const Subscription *o = c.st.subs.at(seq);
      if (o->status != "enabled") continue;
      if (o->version == s.version && o->conduit_id == s.conduit_id) return conflict(o->id);
      ++same;
    }
  }
  // Business 429s, not the bucket: the Ratelimit headers still show points left.
  if (same >= kMaxSameTypeCondition)
    return helix_error(429,
                       "The request exceeds the number of subscriptions that you may create with the same "
                       "combination of type and condition values.");
  if ((owner ? owner->total_cost : 0) + s.cost > c.st.cfg.max_total_cost)
    return helix_error(429, "Maximum total cost reached");

  do s.id = random_uuid_v4();
  while (c.st.subs.find(s.id));
  s.created_at = rfc3339_now();
  const Subscription &stored = c.st.subs.add(std::move(s));
  ++c.st.stats.subscriptions_created;
  c.st.sync_subscription_gauge();

  owner = c.st.subs.owner(c.client_id);
  Json data = json_array();
  append(data.get(), sub_json(stored));
  Json out = json_object();
  add_item(out.get(), "data", std::move(data));
  add_number(out.get(), "total", static_cast<double>(owner->all.size()));
  add_number(out.get(), "total_cost", static_cast<double>(owner->total_cost));
  add_number(out.get(), "max_total_cost", static_cast<double>(c.st.cfg.max_total_cost));
  return json_response(202, out.get());
}

Response subscriptions_get(Ctx &c) {
  static const char *const kFilters[] = {"status", "type", "user_id", "subscription_id", "conduit_id"};
  const char *which = nullptr;
  const std::string *value = nullptr;
  for (const char *f : kFilters) {
    const std::string *v = filter(c.rq, f);
    if (!v) continue;
    if (which)
      return helix_error(400,
                         "Only one of the status, type, user_id, subscription_id or conduit_id query parameters may "
                         "be specified.");
    which = f;
    value = v;
  }
  std::string w = which ? which : "";
  if (w == "status" && !is_subscription_status(*value))
    return helix_error(400, "The value in the status field is not valid.");
  if (w == "type" && !type_ok(*value)) return helix_error(400, "The value in the type field is not valid.");
  const std::string scope = "subscriptions:" + c.client_id;
  std::uint64_t after = 0;
  const std::string *cursor = filter(c.rq, "after");
  if (cursor && !read_cursor(*cursor, scope, &after))
    return helix_error(400, "The value in the after field is not valid.");

  const SubStore::Owner *owner = c.st.subs.owner(c.client_id);
  const SubStore::Seqs *set = nullptr;
  SubStore::Seqs single;
  if (owner) {
    auto pick = [&](const std::unordered_map<std::string, SubStore::Seqs> &index) -> const SubStore::Seqs * {
      auto it = index.find(*value);
      return it == index.end() ? nullptr : &it->second;
    };
    if (w.empty()) set = &owner->all;
    else if (w == "status") set = pick(owner->by_status);
    else if (w == "type") set = pick(owner->by_type);
    else if (w == "user_id") set = pick(owner->by_user);
    else if (w == "conduit_id") set = pick(owner->by_conduit);
    else {  // subscription_id: [it] or []
      const Subscription *s = c.st.subs.find(*value);
      if (s && s->owner == c.client_id) single.insert(s->seq);
      set = &single;
    }
  }

  // {"total","data","total_cost","max_total_cost","pagination"}, as in §4.2.
  std::string out = "{\"total\":" + std::to_string(owner ? owner->all.size() : 0) + ",\"data\":[";
  bool more = false;
  std::uint64_t last = 0;
  if (set) {
    long listed = 0;
    for (auto it = cursor ? set->upper_bound(after) : set->begin(); it != set->end(); ++it) {
      if (listed == c.st.cfg.page_size) {
        more = true;
        break;
      }
      if (listed) out += ',';
      out += sub_text(*c.st.subs.at(*it));
      last = *it;
      ++listed;
    }
  }
  out += "],\"total_cost\":" + std::to_string(owner ? owner->total_cost : 0);
  out += ",\"max_total_cost\":" + std::to_string(c.st.cfg.max_total_cost);
  // Cursors are base64url: nothing to escape.
  out += more ? ",\"pagination\":{\"cursor\":\"" + make_cursor(scope, last) + "\"}}" : ",\"pagination\":{}}";
  Response r;
  r.status = 200;
  r.body = std::move(out);
  r.set_header("Content-Type", "application/json");
  return r;
}

Response subscriptions_delete(Ctx &c) {
  const std::string *id = filter(c.rq, "id");
  if (!id) return missing("id");
  if (!c.st.subs.remove(c.client_id, *id)) return helix_error(404, "not found");
  c.st.sync_subscription_gauge();
  Response r;
  r.status = 204;
  return r;
}

}  // namespace tcm
