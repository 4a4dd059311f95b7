// Shard leases of one conduit's worker group in Redis. Each shard has a
// lease hash {owner, token} with a TTL and a separate fencing counter that
// only grows; every acquisition takes the next counter value as its token,
// so a token names one tenure of one owner. Acquire, renew, release and the
// fencing check are Lua scripts: each is atomic on the server, so two
// workers can never both hold a shard. Workers announce themselves in a
// sorted set scored by their heartbeat's expiry (the server's clock, so hosts
// need not agree on time).
//
// This file builds the commands and reads their replies; the caller sends
// them (pipelined) with a RedisClient.
#pragma once

#include "coord/redis_client.hpp"

#include <cstdint>
#include <string>
#include <vector>

namespace tc::coord {

class LeaseKeys {
public:
    LeaseKeys(const std::string &group, const std::string &conduit_id);
    std::string lease(const std::string &shard) const { return prefix_ + "lease:" + shard; }
    std::string fence(const std::string &shard) const { return prefix_ + "fence:" + shard; }
    std::string workers() const { return prefix_ + "workers"; }
    std::string shard_count() const { return prefix_ + "shards"; }

private:
    std::string prefix_;  // tc:{group}:conduit:  (the braces keep a group on one cluster slot)
};

using Command = std::vector<std::string>;

// Take a free lease (or confirm one we already hold, e.g. after a lost
// reply). Reply: the token (> 0), or 0 when another worker holds it.
Command acquire_command(const LeaseKeys &k, const std::string &shard, const std::string &worker, int64_t ttl_ms);
// Extend our lease. When the lease is gone (expired, or Redis lost its data)
// and nobody took it, it is ours again under a new token. Reply: the token
// now valid (maybe new), or 0 when another worker holds it: we lost it.
Command renew_command(const LeaseKeys &k, const std::string &shard, const std::string &worker, uint64_t token,
                      int64_t ttl_ms);
// Give the lease up if it is still ours with this token. Reply: 1 or 0.
Command release_command(const LeaseKeys &k, const std::string &shard, const std::string &worker, uint64_t token);
// The fencing check before a shard update: 1 when the lease is ours with
// this token and at least min_left_ms of it remain, 2 when it is ours but
// about to expire (renew first), 0 when it is not ours.
Command check_command(const LeaseKeys &k, const std::string &shard, const std::string &worker, uint64_t token,
                      int64_t min_left_ms);
// Renew our heartbeat (expiring ttl_ms from now on the server's clock), drop
// expired workers, record the conduit's shard count. Reply: the live worker ids.
Command heartbeat_command(const LeaseKeys &k, const std::string &worker, int64_t ttl_ms, int shard_count);
// Leave the group at once (graceful shutdown). Reply: 1 or 0.
Command leave_command(const LeaseKeys &k, const std::string &worker);

// A reply to acquire/renew/check/release: the integer, or -1 for anything
// else (an error reply, e.g. NOSCRIPT or a wrong type).
long long integer_reply(const RedisReply &r);
// The heartbeat's reply: the live worker ids, sorted.
bool workers_reply(const RedisReply &r, std::vector<std::string> *out);

// Who owns what, read for `tcctl shards owners`.
struct ShardOwner {
    std::string shard_id;
    std::string owner;  // "" = nobody
    int64_t lease_ms_left = 0;
    uint64_t fencing_token = 0;  // 0 with no owner
};
// Reads the group's recorded shard count, then each shard's lease. False
// with *why when Redis cannot be asked.
bool read_owners(RedisClient &client, const LeaseKeys &k, std::vector<ShardOwner> *out, std::string *why);
// {"shards":[{"shard_id":"0","owner":"ID"|null,"lease_ms_left":N,"fencing_token":N},...]}
std::string owners_json(const std::vector<ShardOwner> &owners);

}  // namespace tc::coord
