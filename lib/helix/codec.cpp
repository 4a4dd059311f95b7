#include "helix/codec.hpp"

#include <cstdlib>

namespace tc::helix {

namespace {
void copy_optional(const cJSON *json, const char *key, std::optional<std::string> *out) {
    if (const char *v = util::json_string(json, key)) *out = std::string(v);
}

void add_optional(cJSON *obj, const char *key, const std::optional<std::string> &value) {
    if (value) cJSON_AddStringToObject(obj, key, value->c_str());
}
}  // namespace

const char *transport_type_name(tc_transport_type type) {
    switch (type) {
    case TC_TRANSPORT_WEBHOOK: return "webhook";
    case TC_TRANSPORT_WEBSOCKET: return "websocket";
    case TC_TRANSPORT_CONDUIT: return "conduit";
    case TC_TRANSPORT_OTHER: break;
    }
    return "other";
}

tc_transport_type transport_type_from_name(const std::string &method) {
    if (method == "webhook") return TC_TRANSPORT_WEBHOOK;
    if (method == "websocket") return TC_TRANSPORT_WEBSOCKET;
    if (method == "conduit") return TC_TRANSPORT_CONDUIT;
    return TC_TRANSPORT_OTHER;
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

bool decode_conduit(const cJSON *json, Conduit *out, std::string *error) {
    const char *id = util::json_string(json, "id");
    const cJSON *count = cJSON_GetObjectItemCaseSensitive(json, "shard_count");
    if (id == nullptr || !cJSON_IsNumber(count) || count->valuedouble < 0 || count->valuedouble > 1e9) {
        *error = "conduit without id or shard_count";
        return false;
    }
    out->id = id;
    out->shard_count = static_cast<int>(count->valuedouble);
    return true;
}

util::JsonPtr encode_transport(const Transport &t, bool include_secret) {
    util::JsonPtr obj(cJSON_CreateObject());
    if (!obj) return obj;
    cJSON_AddStringToObject(obj.get(), "method", t.method.c_str());
    add_optional(obj.get(), "callback", t.callback);
    if (include_secret) add_optional(obj.get(), "secret", t.secret);
    add_optional(obj.get(), "session_id", t.session_id);
    add_optional(obj.get(), "connected_at", t.connected_at);
    add_optional(obj.get(), "disconnected_at", t.disconnected_at);
    add_optional(obj.get(), "conduit_id", t.conduit_id);
    return obj;
}

util::JsonPtr encode_shard(const Shard &s, bool include_secret) {
    util::JsonPtr obj(cJSON_CreateObject());
    if (!obj) return obj;
    cJSON_AddStringToObject(obj.get(), "id", s.id.c_str());
    cJSON_AddStringToObject(obj.get(), "status", s.status.c_str());
    cJSON_AddItemToObject(obj.get(), "transport", encode_transport(s.transport, include_secret).release());
    return obj;
}

util::JsonPtr encode_conduit(const Conduit &c) {
    util::JsonPtr obj(cJSON_CreateObject());
    if (!obj) return obj;
    cJSON_AddStringToObject(obj.get(), "id", c.id.c_str());
    cJSON_AddNumberToObject(obj.get(), "shard_count", c.shard_count);
    return obj;
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

namespace {
void copy_optional(std::string_view value, std::optional<std::string> *out) {
    if (is_json_string(value)) *out = util::decode_string(value);
}
}  // namespace

bool scan_answer(std::string_view body, AnswerText *out, std::string *error) {
    *out = AnswerText{};
    // A byte order mark is skipped as cJSON skips it: only with at least two more bytes after it.
    if (body.size() > 4 && body.substr(0, 3) == "\xEF\xBB\xBF") body.remove_prefix(3);
    static constexpr std::string_view kNames[] = {"data", "pagination", "total", "total_cost", "max_total_cost",
                                                  "errors", "id"};
    util::Span spans[7];
    std::string why;
    if (!util::scan_members(body, kNames, spans, 7, &why, util::Duplicates::FirstWins)) {
        *error = util::json_valid(body) ? "the answer has no \"data\" array" : "the answer is not JSON";
        return false;
    }
    std::string_view *fields[] = {&out->data, &out->pagination, &out->total, &out->total_cost, &out->max_total_cost,
                                  &out->errors, &out->id};
    for (size_t k = 0; k < 7; ++k) {
        if (spans[k].found) *fields[k] = spans[k].in(body);
    }
    if (!is_json_array(out->data)) {
        *error = "the answer has no \"data\" array";
        return false;
    }
    return true;
}

std::string next_cursor(const AnswerText &answer) {
    if (!is_json_object(answer.pagination)) return std::string();
    static constexpr std::string_view kNames[] = {"cursor"};
    std::string_view values[1];
    find_members(answer.pagination, kNames, values);
    return is_json_string(values[0]) ? util::decode_string(values[0]) : std::string();
}

bool json_number_value(std::string_view value, double *out) {
    if (value.empty() || (value.front() != '-' && (value.front() < '0' || value.front() > '9'))) return false;
    char buf[64];
    if (value.size() < sizeof buf) {
        value.copy(buf, value.size());
        buf[value.size()] = '\0';
        *out = std::strtod(buf, nullptr);
    } else {
        *out = std::strtod(std::string(value).c_str(), nullptr);
    }
    return true;
}

bool decode_transport(std::string_view object, Transport *out, std::string *error) {
    static constexpr std::string_view kNames[] = {"method", "callback", "session_id", "connected_at",
                                                  "disconnected_at", "conduit_id"};
    std::string_view v[6];
    find_members(object, kNames, v);
    if (!is_json_string(v[0])) {
        *error = "transport without a method";
        return false;
    }
    *out = Transport{};
    out->method = util::decode_string(v[0]);
    out->type = transport_type_from_name(out->method);
    copy_optional(v[1], &out->callback);
    copy_optional(v[2], &out->session_id);
    copy_optional(v[3], &out->connected_at);
    copy_optional(v[4], &out->disconnected_at);
    copy_optional(v[5], &out->conduit_id);
    return true;
}

bool decode_shard(std::string_view object, Shard *out, std::string *error) {
    static constexpr std::string_view kNames[] = {"id", "status", "transport"};
    std::string_view v[3];
    if (is_json_object(object)) find_members(object, kNames, v);
    if (!is_json_string(v[0]) || !is_json_string(v[1]) || !is_json_object(v[2])) {
        *error = "shard without id, status or transport";
        return false;
    }
    out->id = util::decode_string(v[0]);
    out->status = util::decode_string(v[1]);
    return decode_transport(v[2], &out->transport, error);
}

}  // namespace tc::helix
