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

namespace {
int64_t number_or(std::string_view value, int64_t fallback) {
    double v = 0;
    if (!json_number_value(value, &v) || v < -9e15 || v > 9e15) return fallback;
    return static_cast<int64_t>(v);
}

void read_cost(const AnswerText &answer, CostInfo *cost) {
    cost->total = number_or(answer.total, cost->total);
    cost->total_cost = number_or(answer.total_cost, cost->total_cost);
    cost->max_total_cost = number_or(answer.max_total_cost, cost->max_total_cost);
}

// The condition as compact JSON with sorted keys, and its user. Twitch's
// conditions are flat objects of plain strings in key order: those are
// copied as they are (what cJSON would print); anything else goes through
// cJSON like canonical_json.
void read_condition(std::string_view condition, std::string *json, std::string *user) {
    std::string_view previous;
    bool plain = true;
    size_t count = 0;
    util::json_scan::members(condition, [&](util::Span key, util::Span val) {
        const std::string_view k = key.in(condition), v = val.in(condition);
        plain = is_json_string(v) && k.find('\\') == std::string_view::npos && v.find('\\') == std::string_view::npos &&
                (count == 0 || previous < k.substr(1, k.size() - 2));
        previous = k.substr(1, k.size() - 2);
        ++count;
        return plain;
    });
    if (!plain) {
        util::JsonPtr parsed = util::json_parse(condition.data(), condition.size());
        *user = user_in(parsed.get());
        sort_keys(parsed.get());
        *json = util::json_print(parsed.get());
        return;
    }
    json->clear();
    json->reserve(condition.size());
    json->push_back('{');
    user->clear();
    int user_rank = 3;  // broadcaster_user_id (0) before user_id (1) before to_broadcaster_user_id (2)
    util::json_scan::members(condition, [&](util::Span key, util::Span val) {
        const std::string_view k = key.in(condition), v = val.in(condition);
        if (json->size() > 1) json->push_back(',');
        json->append(k).push_back(':');
        json->append(v);
        static constexpr std::string_view kUserKeys[] = {"\"broadcaster_user_id\"", "\"user_id\"",
                                                         "\"to_broadcaster_user_id\""};
        for (int rank = 0; rank < user_rank; ++rank) {
            if (k == kUserKeys[rank] && v.size() > 2) {
                user->assign(v.substr(1, v.size() - 2));
                user_rank = rank;
                break;
            }
        }
        return true;
    });
    json->push_back('}');
}
}  // namespace

bool decode_subscription(std::string_view object, Subscription *out, std::string *error) {
    static constexpr std::string_view kNames[] = {"id", "type", "version", "status", "condition", "transport",
                                                  "created_at", "cost"};
    std::string_view v[8];
    if (is_json_object(object)) find_members(object, kNames, v);
    if (!is_json_string(v[0]) || !is_json_string(v[1]) || !is_json_string(v[2]) || !is_json_string(v[3]) ||
        !is_json_object(v[4]) || !is_json_object(v[5])) {
        *error = "subscription without id, type, version, status, condition or transport";
        return false;
    }
    out->id = util::decode_string(v[0]);
    out->type = util::decode_string(v[1]);
    out->version = util::decode_string(v[2]);
    out->status = util::decode_string(v[3]);
    read_condition(v[4], &out->condition, &out->user);
    out->created_at = is_json_string(v[6]) ? util::decode_string(v[6]) : std::string();
    out->cost = static_cast<int>(number_or(v[7], 0));
    return decode_transport(v[5], &out->transport, error);
}

bool parse_created(const std::string &body, Subscription *out, CostInfo *cost, std::string *error) {
    AnswerText answer;
    if (!scan_answer(body, &answer, error)) return false;
    std::string_view first;
    size_t count = 0;
    util::json_scan::elements(answer.data, [&](std::string_view item) {
        if (count++ == 0) first = item;
        return count < 2;
    });
    if (count != 1) {
        *error = "expected one subscription in the answer";
        return false;
    }
    read_cost(answer, cost);
    return decode_subscription(first, out, error);
}

bool parse_subscription_page(const std::string &body, std::vector<Subscription> *out, std::string *cursor,
                             CostInfo *cost, std::string *error) {
    AnswerText answer;
    if (!scan_answer(body, &answer, error)) return false;
    bool ok = true;
    util::json_scan::elements(answer.data, [&](std::string_view item) {
        Subscription s;
        ok = decode_subscription(item, &s, error);
        if (ok) out->push_back(std::move(s));
        return ok;
    });
    if (!ok) return false;
    read_cost(answer, cost);
    *cursor = next_cursor(answer);
    return true;
}

void merge_cost(CostInfo *into, const CostInfo &seen) {
    into->total = std::max(into->total, seen.total);
    into->total_cost = std::max(into->total_cost, seen.total_cost);
    if (seen.max_total_cost >= 0) into->max_total_cost = seen.max_total_cost;
}

std::string conflict_id(const std::string &body) {
    AnswerText answer;
    std::string ignored;
    scan_answer(body, &answer, &ignored);  // a 409 need not carry "data"
    if (is_json_string(answer.id)) return util::decode_string(answer.id);
    // Also accept {"data":[{"id":...}]}: Twitch documents the id, not its place.
    std::string_view first;
    util::json_scan::elements(answer.data, [&](std::string_view item) {
        first = item;
        return false;
    });
    static constexpr std::string_view kNames[] = {"id"};
    std::string_view id[1];
    if (is_json_object(first)) find_members(first, kNames, id);
    return is_json_string(id[0]) ? util::decode_string(id[0]) : std::string();
}

bool is_over_budget(const std::string &message) {
    std::string lower(message);
    std::transform(lower.begin(), lower.end(), lower.begin(), [](unsigned char ch) { return std::tolower(ch); });
    return lower.find("cost") != std::string::npos;
}

}  // namespace tc::helix
