// Runs tasks one at a time per key (e.g. per conduit), in order. Loop thread only.
#pragma once

#include <deque>
#include <functional>
#include <string>
#include <unordered_map>

namespace tc::core {

class Serializer {
public:
    // A task gets `release`, which it must call exactly once when it is done.
    using Task = std::function<void(std::function<void()> release)>;

    void run(const std::string &key, Task task);

private:
    void start_front(const std::string &key);

    std::unordered_map<std::string, std::deque<Task>> queues_;
};

}  // namespace tc::core
