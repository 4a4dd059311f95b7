// The struct behind tc_event, shared by the webhook functions and
// the runner, which wraps WebSocket events in it.
#pragma once

#include "events/verifier.hpp"

#include <twitchconduits/webhook.h>

#include <cstdint>

namespace tc::capi {
constexpr uint32_t kWebhookVerifierTag = 0x54435756u;  // "TCWV"
constexpr uint32_t kWebhookMessageTag = 0x5443574du;   // "TCWM"
constexpr uint32_t kWebhookDeadTag = 0xdeadc0deu;
}  // namespace tc::capi

struct tc_event {
    uint32_t tag = tc::capi::kWebhookMessageTag;
    tc::events::Message m;
};
