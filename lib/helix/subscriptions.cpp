#include "helix/subscriptions.hpp"

#include "helix/codec.hpp"

#include <algorithm>
#include <cctype>
#include <cstring>
#include <vector>

namespace tc::helix {

namespace {
constexpr const char *kPath = "/eventsub/subscriptions";

// Sorts object keys recursively (cJSON keeps insertion order).
void sort_keys(cJSON *node) {
    if (node == nullptr) return;
    if (cJSON_IsObject(node)) {
        std::vector<cJSON *> children;
        for (cJSON *c = node->child; c != nullptr; c = c->next) children.push_back(c);
        std::stable_sort(children.begin(), children.end(),
                         [](const cJSON *a, const cJSON *b) { return std::string(a->string) < std::string(b->string); });
        node->child = nullptr;
        cJSON *prev = nullptr;
        for (cJSON *c : children) {
            c->prev = prev;
            c->next = nullptr;
            if (prev == nullptr) {
                node->child = c;
            } else {
                prev->next = c;
            }
            prev = c;
        }
        if (node->child != nullptr) node->child->prev = prev;  // cJSON keeps the tail in head->prev
    }
    for (cJSON *c = node->child; c != nullptr; c = c->next) sort_keys(c);
}

// True when every object in `node` already lists its keys in sorted order.
bool keys_sorted(const cJSON *node) {
    const char *previous = nullptr;
    for (const cJSON *c = node->child; c != nullptr; c = c->next) {
        if (cJSON_IsObject(node)) {
            if (previous != nullptr && std::strcmp(previous, c->string) > 0) return false;
            previous = c->string;
        }
        if (c->child != nullptr && !keys_sorted(c)) return false;
    }
    return true;
}

int64_t number_or(const cJSON *obj, const char *key, int64_t fallback) {
    const cJSON *item = cJSON_GetObjectItemCaseSensitive(obj, key);
    if (!cJSON_IsNumber(item) || item->valuedouble < -9e15 || item->valuedouble > 9e15) return fallback;
    return static_cast<int64_t>(item->valuedouble);
}

void read_cost(const cJSON *root, CostInfo *cost) {
    cost->total = number_or(root, "total", cost->total);
    cost->total_cost = number_or(root, "total_cost", cost->total_cost);
    cost->max_total_cost = number_or(root, "max_total_cost", cost->max_total_cost);
}
}  // namespace

std::string canonical_json(const std::string &json_text) {
    util::JsonPtr json = util::json_parse(json_text);
    if (!json || !cJSON_IsObject(json.get())) return std::string();
    sort_keys(json.get());
    return util::json_print(json.get());
}

std::string subscription_key(const std::string &type, const std::string &version, const std::string &condition) {
    return type + '\n' + version + '\n' + condition;
}

namespace {
std::string user_in(const cJSON *condition) {
    for (const char *key : {"broadcaster_user_id", "user_id", "to_broadcaster_user_id"}) {
        const char *v = util::json_string(condition, key);
        if (v != nullptr && *v != '\0') return v;
    }
    return std::string();
}
}  // namespace

std::string condition_user(const std::string &condition) {
    util::JsonPtr json = util::json_parse(condition);
    return json ? user_in(json.get()) : std::string();
}

net::Call create_subscription_call(const std::string &conduit_id, const SubscriptionSpec &spec) {
    util::JsonPtr body(cJSON_CreateObject());
    cJSON_AddStringToObject(body.get(), "type", spec.type.c_str());
    cJSON_AddStringToObject(body.get(), "version", spec.version.c_str());
    cJSON_AddItemToObject(body.get(), "condition", cJSON_Parse(spec.condition.c_str()));
    cJSON *transport = cJSON_AddObjectToObject(body.get(), "transport");
    cJSON_AddStringToObject(transport, "method", "conduit");
    cJSON_AddStringToObject(transport, "conduit_id", conduit_id.c_str());
    if (!spec.extra_json.empty()) {
        util::JsonPtr extra(cJSON_Parse(spec.extra_json.c_str()));
        for (cJSON *field = extra ? extra->child : nullptr; field != nullptr; field = field->next) {
            if (cJSON_GetObjectItemCaseSensitive(body.get(), field->string) != nullptr) continue;  // never override
            cJSON_AddItemToObject(body.get(), field->string, cJSON_Duplicate(field, 1));
        }
    }
    net::Call call;
    call.method = TC_POST;
    call.path = kPath;
    call.body = util::json_print(body.get());
    call.has_body = true;
    call.unsafe_retry = true;
    return call;
}

net::Call list_subscriptions_call(const SubscriptionFilter &filter, const std::string &after) {
    net::Call call;
    call.path = kPath;
    if (!filter.name.empty()) call.query.emplace_back(filter.name, filter.value);
    if (!after.empty()) call.query.emplace_back("after", after);
    return call;
}

net::Call delete_subscription_call(const std::string &subscription_id) {
    net::Call call;
    call.method = TC_DELETE;
    call.path = kPath;
    call.query.emplace_back("id", subscription_id);
    return call;
}

bool decode_subscription(const cJSON *json, Subscription *out, std::string *error) {
    const char *id = util::json_string(json, "id");
    const char *type = util::json_string(json, "type");
    const char *version = util::json_string(json, "version");
    const char *status = util::json_string(json, "status");
    const cJSON *condition = cJSON_GetObjectItemCaseSensitive(json, "condition");
    const cJSON *transport = cJSON_GetObjectItemCaseSensitive(json, "transport");
    if (id == nullptr || type == nullptr || version == nullptr || status == nullptr || !cJSON_IsObject(condition) ||
        !cJSON_IsObject(transport)) {
        *error = "subscription without id, type, version, status, condition or transport";
        return false;
    }
    out->id = id;
    out->type = type;
    out->version = version;
    out->status = status;
    out->user = user_in(condition);
    if (keys_sorted(condition)) {
        out->condition = util::json_print(condition);  // the common case: no copy needed
    } else {
        util::JsonPtr cond(cJSON_Duplicate(condition, 1));
        sort_keys(cond.get());
        out->condition = util::json_print(cond.get());
    }
    const char *created_at = util::json_string(json, "created_at");
    out->created_at = created_at != nullptr ? created_at : "";
    out->cost = static_cast<int>(number_or(json, "cost", 0));
    return decode_transport(transport, &out->transport, error);
}

bool parse_created(const std::string &body, Subscription *out, CostInfo *cost, std::string *error) {
    util::JsonPtr root = util::json_parse(body);
    if (!root) {
        *error = "the answer is not JSON";
        return false;
    }
    const cJSON *data = data_array(root.get(), error);
    if (data == nullptr) return false;
    if (cJSON_GetArraySize(data) != 1) {
        *error = "expected one subscription in the answer";
        return false;
    }
    read_cost(root.get(), cost);
    return decode_subscription(cJSON_GetArrayItem(data, 0), out, error);
}

bool parse_subscription_page(const std::string &body, std::vector<Subscription> *out, std::string *cursor,
                             CostInfo *cost, std::string *error) {
    util::JsonPtr root = util::json_parse(body);
    if (!root) {
        *error = "the answer is not JSON";
        return false;
    }
    const cJSON *data = data_array(root.get(), error);
    if (data == nullptr) return false;
    const cJSON *item = nullptr;
    cJSON_ArrayForEach(item, data) {
        Subscription s;
        if (!decode_subscription(item, &s, error)) return false;
        out->push_back(std::move(s));
    }
    read_cost(root.get(), cost);
    *cursor = next_cursor(root.get());
    return true;
}

void merge_cost(CostInfo *into, const CostInfo &seen) {
    into->total = std::max(into->total, seen.total);
    into->total_cost = std::max(into->total_cost, seen.total_cost);
    if (seen.max_total_cost >= 0) into->max_total_cost = seen.max_total_cost;
}

std::string conflict_id(const std::string &body) {
    util::JsonPtr root = util::json_parse(body);
    if (!root) return std::string();
    if (const char *id = util::json_string(root.get(), "id")) return id;
    // Also accept {"data":[{"id":...}]}: Twitch documents the id, not its place.
    const cJSON *data = cJSON_GetObjectItemCaseSensitive(root.get(), "data");
    const char *id = cJSON_IsArray(data) ? util::json_string(cJSON_GetArrayItem(data, 0), "id") : nullptr;
    return id != nullptr ? id : std::string();
}

bool is_over_budget(const std::string &message) {
    std::string lower(message);
    std::transform(lower.begin(), lower.end(), lower.begin(), [](unsigned char ch) { return std::tolower(ch); });
    return lower.find("cost") != std::string::npos;
}

}  // namespace tc::helix
