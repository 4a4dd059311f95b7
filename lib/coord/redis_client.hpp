// A small synchronous Redis client on hiredis, for the coordinator's own
// thread (never the I/O loop): connect with a timeout, pipelined commands
// with a timeout, replies copied out of hiredis. Built without hiredis every
// call fails with TC_ENOTSUPPORTED.
#pragma once

#include <twitchconduits/common.h>

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

namespace tc::coord {

// Where the server is: redis://[:password@]host[:port][/db] or
// unix:///path/to/socket (unix:/path too).
struct RedisAddress {
    std::string host;  // TCP; empty for a unix socket
    int port = 6379;
    std::string socket_path;
    std::string password;  // never printed: display() leaves it out
    int db = 0;
    std::string display() const;
};
// False with a reason (without the password) for a URL that is not one of the above.
bool parse_redis_url(const std::string &url, RedisAddress *out, std::string *why);

struct RedisReply {
    enum class Type { Nil, Integer, String, Status, Error, Array };
    Type type = Type::Nil;
    long long integer = 0;
    std::string str;  // String, Status, Error
    std::vector<RedisReply> elements;
    bool is_error() const { return type == Type::Error; }
};

class RedisClient {
public:
    explicit RedisClient(RedisAddress address, int64_t timeout_ms);
    ~RedisClient();
    RedisClient(const RedisClient &) = delete;
    RedisClient &operator=(const RedisClient &) = delete;

    static bool available();  // built with hiredis

    bool connected() const;
    // Connects (AUTH, SELECT) if not connected. False with *why on failure.
    bool ensure_connected(std::string *why);
    void disconnect();
    // Sends every command, then reads every reply (one round trip). An I/O
    // error or timeout disconnects and returns false with *why; a Redis
    // error reply is a reply (is_error()).
    bool pipeline(const std::vector<std::vector<std::string>> &commands, std::vector<RedisReply> *replies,
                  std::string *why);
    bool command(const std::vector<std::string> &argv, RedisReply *reply, std::string *why);

private:
    struct Impl;
    RedisAddress address_;
    int64_t timeout_ms_;
    std::unique_ptr<Impl> impl_;
};

}  // namespace tc::coord
