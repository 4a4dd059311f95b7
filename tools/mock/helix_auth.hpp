// Helix authentication: Authorization: Bearer + Client-Id (§1.4).
#pragma once

#include <initializer_list>
#include <string>

#include "http.hpp"
#include "state.hpp"

namespace tcm {

// Splits "<scheme> <credentials>" and returns the credentials when the
// scheme is one of `schemes` (case-insensitive); empty string otherwise.
std::string auth_credentials(const std::string &header, std::initializer_list<const char *> schemes);

// True with *client_id set, or false with the 401 answer in *err. Counts the
// call against token_expire_after_calls. Requires State::mu.
bool helix_authenticate(State &st, const Request &rq, Clock::time_point now, std::string *client_id, Response *err);

}  // namespace tcm
