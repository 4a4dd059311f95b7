#include "coord/redis_client.hpp"

#include <cstdlib>

#ifdef TC_HAVE_HIREDIS
#include <hiredis/hiredis.h>
#include <pthread.h>
#include <signal.h>
#include <sys/time.h>
#include <time.h>
#endif

namespace tc::coord {

std::string RedisAddress::display() const {
    std::string out = socket_path.empty() ? "redis://" + host + ":" + std::to_string(port) : "unix://" + socket_path;
    if (db != 0) out += (socket_path.empty() ? "/" : "?db=") + std::to_string(db);
    return out;
}

namespace {

bool parse_int(const std::string &s, int lo, int hi, int *out) {
    if (s.empty() || s.size() > 9) return false;
    for (char c : s) {
        if (c < '0' || c > '9') return false;
    }
    const int v = std::atoi(s.c_str());
    if (v < lo || v > hi) return false;
    *out = v;
    return true;
}

}  // namespace

bool parse_redis_url(const std::string &url, RedisAddress *out, std::string *why) {
    RedisAddress a;
    if (url.rfind("unix:", 0) == 0) {
        std::string rest = url.substr(5);
        if (rest.rfind("//", 0) == 0) rest = rest.substr(2);
        const size_t q = rest.find("?db=");
        if (q != std::string::npos) {
            if (!parse_int(rest.substr(q + 4), 0, 1000000, &a.db)) {
                *why = "the redis URL's db is not a number";
                return false;
            }
            rest = rest.substr(0, q);
        }
        if (rest.empty() || rest[0] != '/') {
            *why = "a unix redis URL needs an absolute socket path (unix:///path/to/redis.sock)";
            return false;
        }
        a.socket_path = rest;
        *out = a;
        return true;
    }
    if (url.rfind("redis://", 0) != 0) {
        *why = "the redis URL must start with redis:// or unix://";
        return false;
    }
    std::string rest = url.substr(8);
    const size_t slash = rest.find('/');
    std::string path = slash == std::string::npos ? "" : rest.substr(slash + 1);
    rest = rest.substr(0, slash);
    const size_t at = rest.rfind('@');
    if (at != std::string::npos) {
        const std::string userinfo = rest.substr(0, at);
        const size_t colon = userinfo.find(':');
        a.password = colon == std::string::npos ? userinfo : userinfo.substr(colon + 1);
        rest = rest.substr(at + 1);
    }
    const size_t colon = rest.rfind(':');
    if (colon != std::string::npos && rest.find(']') == std::string::npos) {
        if (!parse_int(rest.substr(colon + 1), 1, 65535, &a.port)) {
            *why = "the redis URL's port is not in 1..65535";
            return false;
        }
        rest = rest.substr(0, colon);
    }
    if (rest.empty()) {
        *why = "the redis URL has no host";
        return false;
    }
    if (!path.empty() && !parse_int(path, 0, 1000000, &a.db)) {
        *why = "the redis URL's path must be a database number";
        return false;
    }
    a.host = rest;
    *out = a;
    return true;
}

#ifdef TC_HAVE_HIREDIS

struct RedisClient::Impl {
    redisContext *ctx = nullptr;
};

namespace {

timeval to_timeval(int64_t ms) {
    timeval tv;
    tv.tv_sec = static_cast<time_t>(ms / 1000);
    tv.tv_usec = static_cast<suseconds_t>((ms % 1000) * 1000);
    return tv;
}

RedisReply copy_reply(const redisReply *r) {
    RedisReply out;
    switch (r->type) {
    case REDIS_REPLY_INTEGER: out.type = RedisReply::Type::Integer; out.integer = r->integer; break;
    case REDIS_REPLY_STRING: out.type = RedisReply::Type::String; out.str.assign(r->str, r->len); break;
    case REDIS_REPLY_STATUS: out.type = RedisReply::Type::Status; out.str.assign(r->str, r->len); break;
    case REDIS_REPLY_ERROR: out.type = RedisReply::Type::Error; out.str.assign(r->str, r->len); break;
    case REDIS_REPLY_ARRAY:
        out.type = RedisReply::Type::Array;
        for (size_t k = 0; k < r->elements; ++k) out.elements.push_back(copy_reply(r->element[k]));
        break;
    default: out.type = RedisReply::Type::Nil; break;
    }
    return out;
}

// hiredis writes with write(): a server that went away would raise SIGPIPE
// and kill the process. A library must not change the process's handlers, so
// SIGPIPE is blocked on this thread around our I/O and one it raised is
// consumed before the old mask comes back.
class SigpipeGuard {
public:
    SigpipeGuard() {
        sigemptyset(&pipe_);
        sigaddset(&pipe_, SIGPIPE);
        sigset_t pending;
        sigemptyset(&pending);
        sigpending(&pending);
        was_pending_ = sigismember(&pending, SIGPIPE) == 1;
        pthread_sigmask(SIG_BLOCK, &pipe_, &old_);
    }
    ~SigpipeGuard() {
        if (!was_pending_) {
            sigset_t pending;
            sigemptyset(&pending);
            sigpending(&pending);
            if (sigismember(&pending, SIGPIPE) == 1) {
                const timespec zero{0, 0};
                sigtimedwait(&pipe_, nullptr, &zero);
            }
        }
        pthread_sigmask(SIG_SETMASK, &old_, nullptr);
    }

private:
    sigset_t pipe_, old_;
    bool was_pending_ = false;
};

}  // namespace

RedisClient::RedisClient(RedisAddress address, int64_t timeout_ms)
    : address_(std::move(address)), timeout_ms_(timeout_ms), impl_(new Impl) {}

RedisClient::~RedisClient() { disconnect(); }

bool RedisClient::available() { return true; }

bool RedisClient::connected() const { return impl_->ctx != nullptr; }

void RedisClient::disconnect() {
    if (impl_->ctx != nullptr) redisFree(impl_->ctx);
    impl_->ctx = nullptr;
}

bool RedisClient::ensure_connected(std::string *why) {
    if (impl_->ctx != nullptr) return true;
    const timeval tv = to_timeval(timeout_ms_);
    redisContext *c = address_.socket_path.empty() ? redisConnectWithTimeout(address_.host.c_str(), address_.port, tv)
                                                   : redisConnectUnixWithTimeout(address_.socket_path.c_str(), tv);
    if (c == nullptr) {
        *why = "cannot connect to " + address_.display() + ": out of memory";
        return false;
    }
    if (c->err != 0) {
        *why = "cannot connect to " + address_.display() + ": " + c->errstr;
        redisFree(c);
        return false;
    }
    if (redisSetTimeout(c, tv) != REDIS_OK) {
        *why = "cannot set the redis timeout";
        redisFree(c);
        return false;
    }
    impl_->ctx = c;
    std::vector<std::vector<std::string>> setup;
    if (!address_.password.empty()) setup.push_back({"AUTH", address_.password});
    if (address_.db != 0) setup.push_back({"SELECT", std::to_string(address_.db)});
    if (setup.empty()) return true;
    std::vector<RedisReply> replies;
    if (!pipeline(setup, &replies, why)) return false;
    for (const auto &r : replies) {
        if (r.is_error()) {
            // AUTH's error never contains the password.
            *why = address_.display() + ": " + r.str;
            disconnect();
            return false;
        }
    }
    return true;
}

bool RedisClient::pipeline(const std::vector<std::vector<std::string>> &commands, std::vector<RedisReply> *replies,
                           std::string *why) {
    replies->clear();
    if (!ensure_connected(why)) return false;
    SigpipeGuard no_sigpipe;
    redisContext *c = impl_->ctx;
    for (const auto &argv : commands) {
        std::vector<const char *> args;
        std::vector<size_t> lens;
        for (const auto &a : argv) {
            args.push_back(a.data());
            lens.push_back(a.size());
        }
        if (redisAppendCommandArgv(c, static_cast<int>(args.size()), args.data(), lens.data()) != REDIS_OK) {
            *why = std::string("redis: ") + (c->err != 0 ? c->errstr : "cannot queue a command");
            disconnect();
            return false;
        }
    }
    for (size_t k = 0; k < commands.size(); ++k) {
        void *raw = nullptr;
        if (redisGetReply(c, &raw) != REDIS_OK || raw == nullptr) {
            *why = std::string("redis ") + address_.display() + ": " + (c->err != 0 ? c->errstr : "no reply");
            if (raw != nullptr) freeReplyObject(raw);
            disconnect();
            return false;
        }
        replies->push_back(copy_reply(static_cast<redisReply *>(raw)));
        freeReplyObject(raw);
    }
    return true;
}

#else  // !TC_HAVE_HIREDIS

struct RedisClient::Impl {};

RedisClient::RedisClient(RedisAddress address, int64_t timeout_ms)
    : address_(std::move(address)), timeout_ms_(timeout_ms), impl_(new Impl) {}
RedisClient::~RedisClient() = default;
bool RedisClient::available() { return false; }
bool RedisClient::connected() const { return false; }
void RedisClient::disconnect() {}
bool RedisClient::ensure_connected(std::string *why) {
    *why = "built without hiredis (install libhiredis-dev and rebuild)";
    return false;
}
bool RedisClient::pipeline(const std::vector<std::vector<std::string>> &, std::vector<RedisReply> *replies,
                           std::string *why) {
    replies->clear();
    return ensure_connected(why);
}

#endif

bool RedisClient::command(const std::vector<std::string> &argv, RedisReply *reply, std::string *why) {
    std::vector<RedisReply> replies;
    if (!pipeline({argv}, &replies, why)) return false;
    *reply = std::move(replies.at(0));
    return true;
}

}  // namespace tc::coord
