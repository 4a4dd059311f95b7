// Maps transport and HTTP outcomes to tc_status, and extracts Twitch's
// error message from an error body.
#pragma once

#include "net/http.hpp"

#include <twitchconduits/common.h>

#include <string>

namespace tc::net {

tc_status status_from_http(int http_status);
tc_status status_from_curl(int curl_code);
// The final status of an attempt that will not be retried.
tc_status status_from_result(const HttpResult &result);
// Twitch's "message" field, else a short description of what happened.
std::string message_from_result(const HttpResult &result);

}  // namespace tc::net
