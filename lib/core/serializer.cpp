#include "core/serializer.hpp"

#include <memory>

namespace tc::core {

void Serializer::run(const std::string &key, Task task) {
    auto &queue = queues_[key];
    queue.push_back(std::move(task));
    if (queue.size() == 1) start_front(key);
}

void Serializer::start_front(const std::string &key) {
    // Run a moved-out copy: the task may release (and so pop its slot) before it returns.
    Task task = std::move(queues_[key].front());
    auto released = std::make_shared<bool>(false);
    task([this, key, released] {
        if (*released) return;  // a second release must not drop someone else's turn
        *released = true;
        auto &queue = queues_[key];
        queue.pop_front();
        if (queue.empty()) {
            queues_.erase(key);
        } else {
            start_front(key);
        }
    });
}

}  // namespace tc::core
