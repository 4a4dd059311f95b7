// URL building: percent-encoding and query strings.
#pragma once

#include <string>
#include <utility>
#include <vector>

namespace tc::util {

using Params = std::vector<std::pair<std::string, std::string>>;

// RFC 3986 unreserved characters pass; everything else becomes %XX.
std::string percent_encode(const std::string &s);
// "a=1&b=2" with both parts encoded; "" for no params.
std::string encode_params(const Params &params);
// base + path (+ "?" + query), without doubling the slash between them.
std::string join_url(const std::string &base, const std::string &path, const Params &query);

}  // namespace tc::util
