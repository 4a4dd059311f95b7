// The Helix page decoders as they were before the no-DOM ones replaced them
// (cJSON parse, lookups, print), kept verbatim as the fuzzers' oracle: for
// every input the new decoders accept, these must accept it too and produce
// the same values (see fuzz_helix_common.hpp for the documented exceptions).
#include "fuzz_helix_reference.hpp"

#include "util/json.hpp"

#include <algorithm>
#include <cstring>
#include <vector>

namespace reference {

using tc::helix::CostInfo;
using tc::helix::Shard;
using tc::helix::Subscription;
using tc::helix::Transport;
using tc::helix::transport_type_from_name;
namespace util = tc::util;

namespace {

void copy_optional(const cJSON *json, const char *key, std::optional<std::string> *out) {
    if (const char *v = util::json_string(json, key)) *out = std::string(v);
}


bool decode_transport(const cJSON *json, Transport *out, std::string *error) {
    const char *method = util::json_string(json, "method");
    if (method == nullptr) {
        *error = "transport without a method";
        return false;
    }
    *out = Transport{};
    out->method = method;
    out->type = transport_type_from_name(method);
    copy_optional(json, "callback", &out->callback);
    copy_optional(json, "session_id", &out->session_id);
    copy_optional(json, "connected_at", &out->connected_at);
    copy_optional(json, "disconnected_at", &out->disconnected_at);
    copy_optional(json, "conduit_id", &out->conduit_id);
    return true;
}

bool decode_shard(const cJSON *json, Shard *out, std::string *error) {
    const char *id = util::json_string(json, "id");
    const char *status = util::json_string(json, "status");
    const cJSON *transport = cJSON_GetObjectItemCaseSensitive(json, "transport");
    if (id == nullptr || status == nullptr || !cJSON_IsObject(transport)) {
        *error = "shard without id, status or transport";
        return false;
    }
    out->id = id;
    out->status = status;
    return decode_transport(transport, &out->transport, error);
}


const cJSON *data_array(const cJSON *root, std::string *error) {
    const cJSON *data = cJSON_GetObjectItemCaseSensitive(root, "data");
    if (!cJSON_IsArray(data)) {
        *error = "the answer has no \"data\" array";
        return nullptr;
    }
    return data;
}

std::string next_cursor(const cJSON *root) {
    const cJSON *pagination = cJSON_GetObjectItemCaseSensitive(root, "pagination");
    const char *cursor = util::json_string(pagination, "cursor");
    return cursor != nullptr ? cursor : "";
}


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

std::string user_in(const cJSON *condition) {
    for (const char *key : {"broadcaster_user_id", "user_id", "to_broadcaster_user_id"}) {
        const char *v = util::json_string(condition, key);
        if (v != nullptr && *v != '\0') return v;
    }
    return std::string();
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


std::string conflict_id(const std::string &body) {
    util::JsonPtr root = util::json_parse(body);
    if (!root) return std::string();
    if (const char *id = util::json_string(root.get(), "id")) return id;
    // Also accept {"data":[{"id":...}]}: Twitch documents the id, not its place.
    const cJSON *data = cJSON_GetObjectItemCaseSensitive(root.get(), "data");
    const char *id = cJSON_IsArray(data) ? util::json_string(cJSON_GetArrayItem(data, 0), "id") : nullptr;
    return id != nullptr ? id : std::string();
}


bool parse_shard_page(const std::string &body, std::vector<Shard> *out, std::string *cursor, std::string *error) {
    util::JsonPtr root = util::json_parse(body);
    if (!root) {
        *error = "the answer is not JSON";
        return false;
    }
    const cJSON *data = data_array(root.get(), error);
    if (data == nullptr) return false;
    const cJSON *item = nullptr;
    cJSON_ArrayForEach(item, data) {
        Shard s;
        if (!decode_shard(item, &s, error)) return false;
        out->push_back(std::move(s));
    }
    *cursor = next_cursor(root.get());
    return true;
}


}  // namespace

bool parse_created_ref(const std::string &body, Subscription *out, CostInfo *cost, std::string *error) {
    return parse_created(body, out, cost, error);
}
bool parse_subscription_page_ref(const std::string &body, std::vector<Subscription> *out, std::string *cursor,
                                 CostInfo *cost, std::string *error) {
    return parse_subscription_page(body, out, cursor, cost, error);
}
std::string conflict_id_ref(const std::string &body) { return conflict_id(body); }
bool parse_shard_page_ref(const std::string &body, std::vector<Shard> *out, std::string *cursor, std::string *error) {
    return parse_shard_page(body, out, cursor, error);
}

}  // namespace reference
