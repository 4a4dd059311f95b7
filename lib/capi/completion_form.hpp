// The two forms an operation's completion can take (completion.h): the
// caller's callback, or, when the callback is NULL, the pull form that
// waits in the queue as a tc_completion. Every operation builds its
// completions through these two functions.
#pragma once

#include "runtime/completion_queue.hpp"

#include <twitchconduits/completion.h>

#include <functional>
#include <memory>
#include <string>
#include <utility>

namespace tc::capi {

// What a pull-form TC_COMPLETION_PROGRESS carries.
struct ProgressReport {
    size_t done;
    size_t total;
};

// `result` is what the pull form holds (the object `kind` names, or
// nullptr); `deliver` calls the callback, which is only run when callback is true.
inline runtime::Completion completion_for(bool callback, void *userdata, tc_completion_kind kind,
                                          tc_status status, int http_status, std::string message,
                                          std::shared_ptr<void> result, std::function<void()> deliver) {
    runtime::Completion done;
    if (callback) {
        done.deliver = std::move(deliver);
    } else {
        done = runtime::pull_form(kind, userdata);
        done.result = std::move(result);
    }
    done.status = status;
    done.http_status = http_status;
    done.message = std::move(message);
    return done;
}

// The TC_ECANCELED completion of an operation (the queue sets its status
// and message when it is cancelled).
inline runtime::Completion canceled_for(bool callback, void *userdata, tc_completion_kind kind,
                                        std::function<void()> deliver, std::shared_ptr<void> result = nullptr) {
    return completion_for(callback, userdata, kind, TC_ECANCELED, 0, std::string(), std::move(result),
                          std::move(deliver));
}

}  // namespace tc::capi
