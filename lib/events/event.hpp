// The object behind the public tc_event handle: an events::Message with a
// validity tag. It is defined here, beside Message, so that the listener
// (and the runner) can make, read and free events without calling the
// public C API; capi only adds the accessors and the argument checks.
#pragma once

#include "events/verifier.hpp"

#include <cstdint>
#include <memory>

namespace tc::events {
constexpr uint32_t kEventTag = 0x5443574du;      // "TCWM"
constexpr uint32_t kDeadEventTag = 0xdeadc0deu;  // set just before delete
}  // namespace tc::events

struct tc_event {
    uint32_t tag = tc::events::kEventTag;
    tc::events::Message m;
};

namespace tc::events {

// Frees an event made with new (what tc_event_free does for one).
inline void free_event(tc_event *event) {
    if (event == nullptr) return;
    event->tag = kDeadEventTag;
    delete event;
}

struct EventDeleter {
    void operator()(tc_event *event) const { free_event(event); }
};
using EventPtr = std::unique_ptr<tc_event, EventDeleter>;

}  // namespace tc::events
