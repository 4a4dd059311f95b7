// Transport-independent request/response types. The MHD glue fills a Request
// and writes a Response; everything in between (dispatch, handlers) never sees
// libmicrohttpd, so it can also be driven directly (tcmock_control).
#pragma once

#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace tcm {

using Params = std::vector<std::pair<std::string, std::string>>;

struct Request {
  std::string method;
  std::string path;  // without the query string
  Params query;      // decoded query arguments, in order
  Params headers;    // names lowercased: HTTP header names are case-insensitive
  std::string body;

  const std::string *header(std::string_view name) const;
  const std::string *query_param(std::string_view name) const;
};

struct Response {
  int status = 200;
  std::string body;
  Params headers;

  void set_header(const std::string &name, const std::string &value);
};

std::string to_lower(std::string_view s);
bool iequals(std::string_view a, std::string_view b);
bool starts_with(std::string_view s, std::string_view prefix);

// application/x-www-form-urlencoded decoding ('+' is a space, %XX escapes).
std::string form_decode(std::string_view s);
Params parse_form(std::string_view s);
const std::string *find_param(const Params &p, std::string_view name);

// Standard reason phrase; Helix puts it in the "error" field of error bodies.
const char *reason_phrase(int status);

}  // namespace tcm
