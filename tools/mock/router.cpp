#include "router.hpp"

#include "handlers.hpp"

namespace tcm {

namespace {

const Route kRoutes[] = {
    {"POST", "/oauth2/token", Area::kOAuth, oauth_token, &Stats::token_requests},
    {"GET", "/oauth2/validate", Area::kOAuth, oauth_validate, &Stats::validate_requests},
    {"POST", "/oauth2/revoke", Area::kOAuth, oauth_revoke, &Stats::revoke_requests},

    {"GET", "/helix/eventsub/conduits", Area::kHelix, conduits_get, nullptr},
    {"POST", "/helix/eventsub/conduits", Area::kHelix, conduits_create, nullptr},
    {"PATCH", "/helix/eventsub/conduits", Area::kHelix, conduits_update, nullptr},
    {"DELETE", "/helix/eventsub/conduits", Area::kHelix, conduits_delete, nullptr},
    {"GET", "/helix/eventsub/conduits/shards", Area::kHelix, shards_get, nullptr},
    {"PATCH", "/helix/eventsub/conduits/shards", Area::kHelix, shards_update, nullptr},
    {"POST", "/helix/eventsub/subscriptions", Area::kHelix, subscriptions_create, nullptr},
    {"GET", "/helix/eventsub/subscriptions", Area::kHelix, subscriptions_get, nullptr},
    {"DELETE", "/helix/eventsub/subscriptions", Area::kHelix, subscriptions_delete, nullptr},

    {"GET", "/_mock/stats", Area::kControl, control_stats, nullptr},
    {"POST", "/_mock/reset_stats", Area::kControl, control_reset_stats, nullptr},
    {"GET", "/_mock/config", Area::kControl, control_config_get, nullptr},
    {"POST", "/_mock/config", Area::kControl, control_config_set, nullptr},
    {"POST", "/_mock/fail_next", Area::kControl, control_fail_next, nullptr},
    {"POST", "/_mock/drop_next", Area::kControl, control_drop_next, nullptr},
    {"POST", "/_mock/clients", Area::kControl, control_add_client, nullptr},
    {"POST", "/_mock/expire_tokens", Area::kControl, control_expire_tokens, nullptr},
    {"POST", "/_mock/reset", Area::kControl, control_reset, nullptr},
    {"POST", "/_mock/sessions", Area::kControl, control_sessions, nullptr},
    {"POST", "/_mock/subscriptions/status", Area::kControl, control_subscription_status, nullptr},
    {"POST", "/_mock/deliver", Area::kControl, control_deliver, nullptr},
    {"POST", "/_mock/ws/reconnect", Area::kControl, control_ws_reconnect, nullptr},
    {"POST", "/_mock/ws/drop", Area::kControl, control_ws_drop, nullptr},
    {"POST", "/_mock/ws/stall", Area::kControl, control_ws_stall, nullptr},
    {"POST", "/_mock/ws/close", Area::kControl, control_ws_close, nullptr},
    {"POST", "/_mock/ws/send", Area::kControl, control_ws_send, nullptr},
    {"POST", "/_mock/ws/refuse_assign", Area::kControl, control_ws_refuse_assign, nullptr},
    {"GET", "/_mock/ws/sessions", Area::kControl, control_ws_sessions, nullptr},
    {"POST", "/_mock/user_tokens", Area::kControl, control_user_tokens, nullptr},
};

}  // namespace

Match find_route(const std::string &method, const std::string &path, const Route **out) {
  bool path_known = false;
  for (const Route &r : kRoutes) {
    if (path != r.path) continue;
    path_known = true;
    if (method == r.method) {
      *out = &r;
      return Match::kFound;
    }
  }
  return path_known ? Match::kWrongMethod : Match::kNotFound;
}

}  // namespace tcm
