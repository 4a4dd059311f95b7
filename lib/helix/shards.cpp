#include "helix/shards.hpp"

#include "helix/codec.hpp"

#include <unordered_map>

namespace tc::helix {

namespace {
constexpr const char *kPath = "/eventsub/conduits/shards";
}

net::Call list_shards_call(const std::string &conduit_id, const std::string &status, const std::string &after) {
    net::Call call;
    call.path = kPath;
    call.query.emplace_back("conduit_id", conduit_id);
    // Empty filters are left out, not sent as "" (the original sent status=&after=).
    if (!status.empty()) call.query.emplace_back("status", status);
    if (!after.empty()) call.query.emplace_back("after", after);
    return call;
}

net::Call update_shards_call(const std::string &conduit_id, const std::vector<ShardAssignment> &items) {
    util::JsonPtr body(cJSON_CreateObject());
    cJSON_AddStringToObject(body.get(), "conduit_id", conduit_id.c_str());
    cJSON *shards = cJSON_AddArrayToObject(body.get(), "shards");
    for (const auto &item : items) {
        cJSON *shard = cJSON_CreateObject();
        cJSON_AddStringToObject(shard, "id", item.shard_id.c_str());
        // Only what Twitch accepts: no status, no null fields.
        util::JsonPtr transport(cJSON_CreateObject());
        cJSON_AddStringToObject(transport.get(), "method", item.transport.method.c_str());
        if (item.transport.type == TC_TRANSPORT_WEBHOOK) {
            cJSON_AddStringToObject(transport.get(), "callback", item.transport.callback.value_or("").c_str());
            cJSON_AddStringToObject(transport.get(), "secret", item.transport.secret.value_or("").c_str());
        } else {
            cJSON_AddStringToObject(transport.get(), "session_id", item.transport.session_id.value_or("").c_str());
        }
        cJSON_AddItemToObject(shard, "transport", transport.release());
        cJSON_AddItemToArray(shards, shard);
    }
    net::Call call;
    call.method = TC_PATCH;
    call.path = kPath;
    call.body = util::json_print(body.get());
    call.has_body = true;
    return call;
}

bool parse_shard_page(const std::string &body, std::vector<Shard> *out, std::string *cursor, std::string *error) {
    AnswerText answer;
    if (!scan_answer(body, &answer, error)) return false;
    bool ok = true;
    util::json_scan::elements(answer.data, [&](std::string_view item) {
        Shard s;
        ok = decode_shard(item, &s, error);
        if (ok) out->push_back(std::move(s));
        return ok;
    });
    if (!ok) return false;
    *cursor = next_cursor(answer);
    return true;
}

bool parse_shard_update(const std::string &body, const std::vector<ShardAssignment> &items,
                        std::vector<ShardOutcome> *out, std::string *error) {
    util::JsonPtr root = util::json_parse(body);
    if (!root) {
        *error = "the answer is not JSON";
        return false;
    }
    const cJSON *data = data_array(root.get(), error);
    if (data == nullptr) return false;
    std::unordered_map<std::string, Shard> updated;
    const cJSON *item = nullptr;
    cJSON_ArrayForEach(item, data) {
        Shard s;
        if (!decode_shard(item, &s, error)) return false;
        updated[s.id] = std::move(s);
    }
    std::unordered_map<std::string, std::pair<std::string, std::string>> failed;
    const cJSON *errors = cJSON_GetObjectItemCaseSensitive(root.get(), "errors");
    cJSON_ArrayForEach(item, errors) {
        const char *id = util::json_string(item, "id");
        if (id == nullptr) continue;
        const char *message = util::json_string(item, "message");
        const char *code = util::json_string(item, "code");
        failed[id] = {message != nullptr ? message : "", code != nullptr ? code : ""};
    }
    for (const auto &assignment : items) {
        ShardOutcome o;
        o.shard_id = assignment.shard_id;
        auto err = failed.find(assignment.shard_id);
        auto ok = updated.find(assignment.shard_id);
        if (err != failed.end()) {
            o.message = err->second.first.empty() ? "rejected by Twitch" : err->second.first;
            o.code = err->second.second;
        } else if (ok != updated.end()) {
            o.ok = true;
            o.shard = ok->second;
            o.shard.transport.secret = assignment.transport.secret;  // ours to keep; Twitch never echoes it
        } else {
            o.unmentioned = true;
            o.message = "Twitch's answer mentions neither an update nor an error for this shard";
        }
        out->push_back(std::move(o));
    }
    return true;
}

}  // namespace tc::helix
