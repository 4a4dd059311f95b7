#include "helix/codec.hpp"

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

}  // namespace tc::helix
