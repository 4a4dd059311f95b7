#include "helix/conduits.hpp"

#include "helix/codec.hpp"

namespace tc::helix {

namespace {
constexpr const char *kPath = "/eventsub/conduits";

net::Call json_call(tc_method method, util::JsonPtr body) {
    net::Call call;
    call.method = method;
    call.path = kPath;
    call.body = util::json_print(body.get());
    call.has_body = true;
    return call;
}
}  // namespace

net::Call list_conduits_call() {
    net::Call call;
    call.path = kPath;
    return call;
}

net::Call create_conduit_call(int shard_count) {
    util::JsonPtr body(cJSON_CreateObject());
    cJSON_AddNumberToObject(body.get(), "shard_count", shard_count);
    // Not idempotent (5 per client id): never re-sent after it may have arrived.
    return json_call(TC_POST, std::move(body));
}

net::Call update_conduit_call(const std::string &conduit_id, int shard_count) {
    util::JsonPtr body(cJSON_CreateObject());
    cJSON_AddStringToObject(body.get(), "id", conduit_id.c_str());  // in the body, not the query
    cJSON_AddNumberToObject(body.get(), "shard_count", shard_count);
    return json_call(TC_PATCH, std::move(body));
}

net::Call delete_conduit_call(const std::string &conduit_id) {
    net::Call call;
    call.method = TC_DELETE;
    call.path = kPath;
    call.query.emplace_back("id", conduit_id);
    return call;
}

bool parse_conduits(const std::string &body, std::vector<Conduit> *out, std::string *error) {
    util::JsonPtr root = util::json_parse(body);
    const cJSON *data = root ? data_array(root.get(), error) : nullptr;
    if (root == nullptr) *error = "the answer is not JSON";
    if (data == nullptr) return false;
    const cJSON *item = nullptr;
    cJSON_ArrayForEach(item, data) {
        Conduit c;
        if (!decode_conduit(item, &c, error)) return false;
        out->push_back(std::move(c));
    }
    return true;
}

}  // namespace tc::helix
