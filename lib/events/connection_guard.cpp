// Per-connection deadlines and displacement of slow request heads.
#include "events/connection_guard.hpp"

#include <sys/socket.h>

#include <chrono>
#include <limits>

namespace tc::events {

int64_t connection_deadline(ConnectionPhase phase, int64_t start_ms, const GuardLimits &limits) {
    switch (phase) {
    case ConnectionPhase::head:
        return start_ms + limits.head_ms;
    case ConnectionPhase::request:
        return start_ms + limits.request_ms;
    case ConnectionPhase::closing:
        break;
    }
    return std::numeric_limits<int64_t>::max();
}

ConnectionGuard::ConnectionGuard(const GuardLimits &limits) : limits_(limits) {
    reaper_ = std::thread([this] { reap(); });
}

ConnectionGuard::~ConnectionGuard() {
    {
        std::lock_guard<std::mutex> lock(mu_);
        stopping_ = true;
    }
    wake_.notify_all();
    reaper_.join();
}

int64_t ConnectionGuard::now_ms() {
    return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now().time_since_epoch())
        .count();
}

void ConnectionGuard::shut(Connection &c) {
    // libmicrohttpd reads the end of the stream and closes the connection.
    ::shutdown(c.fd, SHUT_RDWR);
    c.phase = ConnectionPhase::closing;
    --live_;
}

ConnectionGuard::Handle ConnectionGuard::opened(int fd) {
    std::lock_guard<std::mutex> lock(mu_);
    open_.push_back(Connection{fd, ConnectionPhase::head, now_ms()});
    Handle h = std::prev(open_.end());
    ++live_;
    if (live_ > limits_.max_connections) {
        // Make room: the connection that has been reading its head the
        // longest goes (a slowloris), never one that is being answered.
        Handle oldest = open_.end();
        for (Handle it = open_.begin(); it != h; ++it) {
            if (it->phase == ConnectionPhase::head && (oldest == open_.end() || it->start_ms < oldest->start_ms)) {
                oldest = it;
            }
        }
        if (oldest != open_.end()) {
            shut(*oldest);
            ++displaced_;
        }
    }
    wake_if_earlier(connection_deadline(h->phase, h->start_ms, limits_));
    return h;
}

void ConnectionGuard::head_complete(Handle h) {
    std::lock_guard<std::mutex> lock(mu_);
    if (h->phase == ConnectionPhase::head) h->phase = ConnectionPhase::request;  // start_ms stays: the head counts
}

void ConnectionGuard::answer_written(Handle h) {
    std::lock_guard<std::mutex> lock(mu_);
    if (h->phase != ConnectionPhase::request) return;
    h->phase = ConnectionPhase::head;
    h->start_ms = now_ms();
    wake_if_earlier(connection_deadline(h->phase, h->start_ms, limits_));
}

void ConnectionGuard::wake_if_earlier(int64_t deadline_ms) {
    if (deadline_ms < reaper_wakes_ms_) wake_.notify_one();
}

void ConnectionGuard::closed(Handle h) {
    std::lock_guard<std::mutex> lock(mu_);
    if (h->phase != ConnectionPhase::closing) --live_;
    open_.erase(h);
}

uint64_t ConnectionGuard::timed_out() const {
    std::lock_guard<std::mutex> lock(mu_);
    return timed_out_;
}

uint64_t ConnectionGuard::displaced() const {
    std::lock_guard<std::mutex> lock(mu_);
    return displaced_;
}

void ConnectionGuard::reap() {
    std::unique_lock<std::mutex> lock(mu_);
    while (!stopping_) {
        const int64_t now = now_ms();
        int64_t next = now + 1000;  // at least once a second
        for (Connection &c : open_) {
            const int64_t due = connection_deadline(c.phase, c.start_ms, limits_);
            if (due <= now) {
                shut(c);
                ++timed_out_;
            } else if (due < next) {
                next = due;
            }
        }
        reaper_wakes_ms_ = next;
        wake_.wait_for(lock, std::chrono::milliseconds(next - now));
    }
}

}  // namespace tc::events
