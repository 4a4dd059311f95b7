// The result of a core operation before the C API turns it into objects.
#pragma once

#include "runtime/completion_queue.hpp"
#include "net/engine.hpp"

#include <functional>
#include <string>
#include <utility>

namespace tc::core {

template <class T>
struct Outcome {
    tc_status status = TC_OK;
    int http_status = 0;
    std::string message;
    T value{};

    static Outcome failed(const net::CallResult &r) {
        Outcome o;
        o.status = r.status;
        o.http_status = r.http.http_status;
        o.message = r.message;
        return o;
    }
    static Outcome failed(tc_status status, std::string message, int http_status = 0) {
        Outcome o;
        o.status = status;
        o.message = std::move(message);
        o.http_status = http_status;
        return o;
    }
};

// Turns an outcome into the delivery of the user's callback (built by the C API).
template <class T>
using Deliver = std::function<runtime::Completion(Outcome<T> &&)>;

}  // namespace tc::core
