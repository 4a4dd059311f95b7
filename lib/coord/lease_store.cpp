#include "coord/lease_store.hpp"

#include "util/json.hpp"

#include <algorithm>
#include <cstdlib>

namespace tc::coord {

namespace {

// KEYS: lease, fence. ARGV: worker, ttl_ms.
const char *const kAcquire = R"lua(
local owner = redis.call('HGET', KEYS[1], 'owner')
if owner then
  if owner == ARGV[1] then
    redis.call('PEXPIRE', KEYS[1], ARGV[2])
    return tonumber(redis.call('HGET', KEYS[1], 'token'))
  end
  return 0
end
local token = redis.call('INCR', KEYS[2])
redis.call('HSET', KEYS[1], 'owner', ARGV[1], 'token', token)
redis.call('PEXPIRE', KEYS[1], ARGV[2])
return token
)lua";

// KEYS: lease, fence. ARGV: worker, token, ttl_ms.
const char *const kRenew = R"lua(
local owner = redis.call('HGET', KEYS[1], 'owner')
if not owner then
  local token = redis.call('INCR', KEYS[2])
  redis.call('HSET', KEYS[1], 'owner', ARGV[1], 'token', token)
  redis.call('PEXPIRE', KEYS[1], ARGV[3])
  return token
end
if owner == ARGV[1] and redis.call('HGET', KEYS[1], 'token') == ARGV[2] then
  redis.call('PEXPIRE', KEYS[1], ARGV[3])
  return tonumber(ARGV[2])
end
return 0
)lua";

// KEYS: lease. ARGV: worker, token.
const char *const kRelease = R"lua(
if redis.call('HGET', KEYS[1], 'owner') == ARGV[1] and redis.call('HGET', KEYS[1], 'token') == ARGV[2] then
  redis.call('DEL', KEYS[1])
  return 1
end
return 0
)lua";

// KEYS: lease. ARGV: worker, token, min_left_ms.
const char *const kCheck = R"lua(
if redis.call('HGET', KEYS[1], 'owner') == ARGV[1] and redis.call('HGET', KEYS[1], 'token') == ARGV[2] then
  if redis.call('PTTL', KEYS[1]) >= tonumber(ARGV[3]) then return 1 end
  return 2
end
return 0
)lua";

// KEYS: workers, shard count. ARGV: worker, ttl_ms, shard_count.
const char *const kHeartbeat = R"lua(
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
redis.call('ZADD', KEYS[1], now + tonumber(ARGV[2]), ARGV[1])
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now)
redis.call('PEXPIRE', KEYS[1], tonumber(ARGV[2]) * 10)
redis.call('SET', KEYS[2], ARGV[3], 'PX', tonumber(ARGV[2]) * 10)
return redis.call('ZRANGE', KEYS[1], 0, -1)
)lua";

}  // namespace

LeaseKeys::LeaseKeys(const std::string &group, const std::string &conduit_id)
    : prefix_("tc:{" + group + "}:" + conduit_id + ":") {}

Command acquire_command(const LeaseKeys &k, const std::string &shard, const std::string &worker, int64_t ttl_ms) {
    return {"EVAL", kAcquire, "2", k.lease(shard), k.fence(shard), worker, std::to_string(ttl_ms)};
}

Command renew_command(const LeaseKeys &k, const std::string &shard, const std::string &worker, uint64_t token,
                      int64_t ttl_ms) {
    return {"EVAL", kRenew, "2", k.lease(shard), k.fence(shard), worker, std::to_string(token), std::to_string(ttl_ms)};
}

Command release_command(const LeaseKeys &k, const std::string &shard, const std::string &worker, uint64_t token) {
    return {"EVAL", kRelease, "1", k.lease(shard), worker, std::to_string(token)};
}

Command check_command(const LeaseKeys &k, const std::string &shard, const std::string &worker, uint64_t token,
                      int64_t min_left_ms) {
    return {"EVAL", kCheck, "1", k.lease(shard), worker, std::to_string(token), std::to_string(min_left_ms)};
}

Command heartbeat_command(const LeaseKeys &k, const std::string &worker, int64_t ttl_ms, int shard_count) {
    return {"EVAL", kHeartbeat, "2", k.workers(), k.shard_count(), worker, std::to_string(ttl_ms),
            std::to_string(shard_count)};
}

Command leave_command(const LeaseKeys &k, const std::string &worker) { return {"ZREM", k.workers(), worker}; }

long long integer_reply(const RedisReply &r) { return r.type == RedisReply::Type::Integer ? r.integer : -1; }

bool workers_reply(const RedisReply &r, std::vector<std::string> *out) {
    out->clear();
    if (r.type != RedisReply::Type::Array) return false;
    for (const auto &e : r.elements) {
        if (e.type != RedisReply::Type::String) return false;
        out->push_back(e.str);
    }
    std::sort(out->begin(), out->end());
    return true;
}

bool read_owners(RedisClient &client, const LeaseKeys &k, std::vector<ShardOwner> *out, std::string *why) {
    out->clear();
    RedisReply count;
    if (!client.command({"GET", k.shard_count()}, &count, why)) return false;
    if (count.is_error()) {
        *why = "redis: " + count.str;
        return false;
    }
    const int n = count.type == RedisReply::Type::String ? std::atoi(count.str.c_str()) : 0;
    if (n <= 0) return true;  // no worker of this group has run this conduit lately
    std::vector<Command> commands;
    for (int s = 0; s < n; ++s) {
        const std::string id = std::to_string(s);
        commands.push_back({"HMGET", k.lease(id), "owner", "token"});
        commands.push_back({"PTTL", k.lease(id)});
    }
    std::vector<RedisReply> replies;
    if (!client.pipeline(commands, &replies, why)) return false;
    for (int s = 0; s < n; ++s) {
        ShardOwner o;
        o.shard_id = std::to_string(s);
        const RedisReply &fields = replies[static_cast<size_t>(2 * s)];
        const RedisReply &pttl = replies[static_cast<size_t>(2 * s + 1)];
        if (fields.type == RedisReply::Type::Array && fields.elements.size() == 2 &&
            fields.elements[0].type == RedisReply::Type::String) {
            o.owner = fields.elements[0].str;
            o.fencing_token = std::strtoull(fields.elements[1].str.c_str(), nullptr, 10);
            o.lease_ms_left = std::max<long long>(integer_reply(pttl), 0);
        }
        out->push_back(std::move(o));
    }
    return true;
}

std::string owners_json(const std::vector<ShardOwner> &owners) {
    util::JsonPtr root(cJSON_CreateObject());
    cJSON *list = cJSON_AddArrayToObject(root.get(), "shards");
    for (const ShardOwner &o : owners) {
        cJSON *item = cJSON_CreateObject();
        cJSON_AddItemToArray(list, item);
        cJSON_AddStringToObject(item, "shard_id", o.shard_id.c_str());
        if (o.owner.empty()) {
            cJSON_AddNullToObject(item, "owner");
        } else {
            cJSON_AddStringToObject(item, "owner", o.owner.c_str());
        }
        cJSON_AddNumberToObject(item, "lease_ms_left", o.owner.empty() ? 0.0 : static_cast<double>(o.lease_ms_left));
        cJSON_AddNumberToObject(item, "fencing_token", o.owner.empty() ? 0.0 : static_cast<double>(o.fencing_token));
    }
    return util::json_print(root.get());
}

}  // namespace tc::coord
