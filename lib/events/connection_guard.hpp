// Slowloris defence for the listener: every connection must finish its
// request head within head_ms and its whole request (head, body and answer)
// within request_ms, however slowly it trickles bytes (libmicrohttpd's own
// timeout is an idle timeout and restarts with each byte). And when more
// than max_connections are open, a new connection displaces the one that
// has been reading its request head the longest.
//
// A connection is closed by shutdown(2) of its socket: libmicrohttpd then
// sees the end of the stream and closes it on its own thread. The socket is
// shut down only while its entry is registered, and libmicrohttpd reports a
// connection closed (unregistering it) before it closes the descriptor, so a
// reused descriptor number is never touched.
#pragma once

#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <list>
#include <mutex>
#include <thread>

namespace tc::events {

struct GuardLimits {
    int64_t head_ms = 10000;     // connection start (or previous answer) -> request head complete
    int64_t request_ms = 30000;  // request head start -> answer written
    size_t max_connections = 1024;
};

enum class ConnectionPhase {
    head,     // reading a request head (or idle between keep-alive requests)
    request,  // head complete: reading the body or writing the answer
    closing   // shut down by the guard; waiting for libmicrohttpd to close it
};

// When a connection in `phase`, whose current request (head included)
// started at start_ms, must be closed. INT64_MAX for `closing`. Pure.
int64_t connection_deadline(ConnectionPhase phase, int64_t start_ms, const GuardLimits &limits);

class ConnectionGuard {
public:
    struct Connection {
        int fd;
        ConnectionPhase phase;
        int64_t start_ms;  // start of the current request (its head)
    };
    using Handle = std::list<Connection>::iterator;

    explicit ConnectionGuard(const GuardLimits &limits);
    ~ConnectionGuard();
    ConnectionGuard(const ConnectionGuard &) = delete;
    ConnectionGuard &operator=(const ConnectionGuard &) = delete;

    // libmicrohttpd's thread. opened() may displace a connection in its head
    // phase when the new one is over max_connections.
    Handle opened(int fd);
    void head_complete(Handle h);
    void answer_written(Handle h);  // keep-alive: the next request's head starts now
    void closed(Handle h);

    uint64_t timed_out() const;  // closed for a missed deadline
    uint64_t displaced() const;  // closed to make room for a new connection

private:
    void reap();
    void shut(Connection &c);                 // holds mu_
    void wake_if_earlier(int64_t deadline_ms);  // holds mu_
    static int64_t now_ms();

    const GuardLimits limits_;
    mutable std::mutex mu_;
    std::condition_variable wake_;
    bool stopping_ = false;
    std::list<Connection> open_;  // in the order they were opened
    size_t live_ = 0;             // entries of open_ not closing
    uint64_t timed_out_ = 0;
    uint64_t displaced_ = 0;
    int64_t reaper_wakes_ms_ = 0;  // when the reaper looks next
    std::thread reaper_;
};

}  // namespace tc::events
