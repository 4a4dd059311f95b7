// Endpoint handlers, one file per API family. Each runs with State::mu held
// and returns the full response; the dispatcher adds the cross-cutting parts.
#pragma once

#include <string>

#include "router.hpp"

struct cJSON;

namespace tcm {

// subscriptions_api.cpp helpers shared with deliver.cpp:
// `j` as JSON with object keys sorted (appended to out), and a subscription
// as Get EventSub Subscriptions lists it (cached).
void canonical(const cJSON *j, std::string &out);
const std::string &sub_text(const Subscription &s);

// oauth.cpp — id.twitch.tv/oauth2 (§1.1–1.3)
Response oauth_token(Ctx &c);
Response oauth_validate(Ctx &c);
Response oauth_revoke(Ctx &c);

// conduits_api.cpp — /helix/eventsub/conduits (§2)
Response conduits_get(Ctx &c);
Response conduits_create(Ctx &c);
Response conduits_update(Ctx &c);
Response conduits_delete(Ctx &c);

// shards_api.cpp — /helix/eventsub/conduits/shards (§3)
Response shards_get(Ctx &c);
Response shards_update(Ctx &c);

// subscriptions_api.cpp — /helix/eventsub/subscriptions, conduit transport (§4)
Response subscriptions_create(Ctx &c);
Response subscriptions_get(Ctx &c);
Response subscriptions_delete(Ctx &c);

// control_api.cpp — /_mock/* (no auth; for tests and scripts)
Response control_stats(Ctx &c);
Response control_reset_stats(Ctx &c);
Response control_config_get(Ctx &c);
Response control_config_set(Ctx &c);
Response control_fail_next(Ctx &c);
Response control_drop_next(Ctx &c);
Response control_add_client(Ctx &c);
Response control_expire_tokens(Ctx &c);
Response control_reset(Ctx &c);
Response control_sessions(Ctx &c);
Response control_subscription_status(Ctx &c);
// oauth.cpp: POST /_mock/user_tokens registers a user's refresh token
Response control_user_tokens(Ctx &c);

// ws_control.cpp — /_mock/ws/*: the WebSocket server's sockets
Response control_ws_reconnect(Ctx &c);
Response control_ws_drop(Ctx &c);
Response control_ws_stall(Ctx &c);
Response control_ws_close(Ctx &c);
Response control_ws_send(Ctx &c);
Response control_ws_refuse_assign(Ctx &c);
Response control_ws_sessions(Ctx &c);

// deliver.cpp — POST /_mock/deliver: signed notifications/revocations to webhook shards
Response control_deliver(Ctx &c);

}  // namespace tcm
