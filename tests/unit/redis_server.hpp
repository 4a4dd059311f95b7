// A private redis-server for one test: on a unix socket in a fresh temp
// directory (no port to collide with), no persistence. The path of the
// binary comes from $TC_REDIS_SERVER (meson passes it); without it the test
// is skipped (exit 77).
#pragma once

#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <string>
#include <thread>

class RedisServer {
public:
    static const char *binary() {
        const char *b = getenv("TC_REDIS_SERVER");
        return b != nullptr && b[0] != '\0' && access(b, X_OK) == 0 ? b : nullptr;
    }

    RedisServer() {
        char tmpl[] = "/tmp/tc-redis-XXXXXX";
        if (mkdtemp(tmpl) != nullptr) dir_ = tmpl;
        socket_ = dir_ + "/redis.sock";
    }
    ~RedisServer() {
        stop();
        unlink(socket_.c_str());
        rmdir(dir_.c_str());
    }

    std::string url() const { return "unix://" + socket_; }
    const std::string &socket_path() const { return socket_; }

    // Starts and waits (up to 10 s) until the socket accepts connections.
    bool start() {
        if (binary() == nullptr || dir_.empty() || pid_ > 0) return false;
        pid_ = fork();
        if (pid_ == 0) {
            // Its start-up banner is not test output.
            freopen("/dev/null", "w", stdout);
            freopen("/dev/null", "w", stderr);
            const char *argv[] = {binary(), "--port", "0", "--unixsocket", socket_.c_str(), "--unixsocketperm", "700",
                                  "--save", "", "--appendonly", "no", "--dir", dir_.c_str(), "--loglevel", "warning",
                                  nullptr};
            execv(argv[0], const_cast<char *const *>(argv));
            _exit(127);
        }
        const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
        while (std::chrono::steady_clock::now() < deadline) {
            if (accepts()) return true;
            std::this_thread::sleep_for(std::chrono::milliseconds(20));
        }
        return false;
    }

    // SIGKILL (data lost, as with a crash without persistence) and reap.
    void stop() {
        if (pid_ <= 0) return;
        kill(pid_, SIGKILL);
        int st = 0;
        waitpid(pid_, &st, 0);
        pid_ = -1;
        unlink(socket_.c_str());
    }

private:
    bool accepts() const {
        int fd = socket(AF_UNIX, SOCK_STREAM, 0);
        if (fd < 0) return false;
        sockaddr_un a{};
        a.sun_family = AF_UNIX;
        snprintf(a.sun_path, sizeof a.sun_path, "%s", socket_.c_str());
        const bool ok = connect(fd, reinterpret_cast<sockaddr *>(&a), sizeof a) == 0;
        close(fd);
        return ok;
    }

    std::string dir_;
    std::string socket_;
    pid_t pid_ = -1;
};
