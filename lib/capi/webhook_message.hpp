// The struct behind tc_event lives in events/event.hpp (the listener and
// the runner make events there); this adds the verifier handle's tag.
#pragma once

#include "events/event.hpp"

#include <twitchconduits/webhook.h>

#include <cstdint>

namespace tc::capi {
constexpr uint32_t kWebhookVerifierTag = 0x54435756u;  // "TCWV"
constexpr uint32_t kWebhookMessageTag = tc::events::kEventTag;
constexpr uint32_t kWebhookDeadTag = tc::events::kDeadEventTag;
}  // namespace tc::capi
