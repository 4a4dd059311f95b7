#include "http.hpp"

#include <cctype>

namespace tcm {

const std::string *find_param(const Params &p, std::string_view name) {
  for (const auto &kv : p)
    if (kv.first == name) return &kv.second;
  return nullptr;
}

const std::string *Request::header(std::string_view name) const {
  for (const auto &kv : headers)
    if (iequals(kv.first, name)) return &kv.second;
  return nullptr;
}

const std::string *Request::query_param(std::string_view name) const {
  return find_param(query, name);
}

void Response::set_header(const std::string &name, const std::string &value) {
  for (auto &kv : headers) {
    if (iequals(kv.first, name)) {
      kv.second = value;
      return;
    }
  }
  headers.emplace_back(name, value);
}

std::string to_lower(std::string_view s) {
  std::string out(s);
  for (char &c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

bool iequals(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i)
    if (std::tolower(static_cast<unsigned char>(a[i])) != std::tolower(static_cast<unsigned char>(b[i])))
      return false;
  return true;
}

bool starts_with(std::string_view s, std::string_view prefix) {
  return s.size() >= prefix.size() && s.compare(0, prefix.size(), prefix) == 0;
}

static int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

std::string form_decode(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  for (size_t i = 0; i < s.size(); ++i) {
    char c = s[i];
    if (c == '+') {
      out.push_back(' ');
    } else if (c == '%' && i + 2 < s.size() && hex_value(s[i + 1]) >= 0 && hex_value(s[i + 2]) >= 0) {
      out.push_back(static_cast<char>(hex_value(s[i + 1]) * 16 + hex_value(s[i + 2])));
      i += 2;
    } else {
      out.push_back(c);  // a stray '%' is kept literally, as most servers do
    }
  }
  return out;
}

Params parse_form(std::string_view s) {
  Params out;
  while (!s.empty()) {
    size_t amp = s.find('&');
    std::string_view pair = s.substr(0, amp);
    s = amp == std::string_view::npos ? std::string_view() : s.substr(amp + 1);
    if (pair.empty()) continue;
    size_t eq = pair.find('=');
    if (eq == std::string_view::npos)
      out.emplace_back(form_decode(pair), std::string());
    else
      out.emplace_back(form_decode(pair.substr(0, eq)), form_decode(pair.substr(eq + 1)));
  }
  return out;
}

const char *reason_phrase(int status) {
  switch (status) {
    case 200: return "OK";
    case 202: return "Accepted";
    case 204: return "No Content";
    case 400: return "Bad Request";
    case 401: return "Unauthorized";
    case 403: return "Forbidden";
    case 404: return "Not Found";
    case 405: return "Method Not Allowed";
    case 409: return "Conflict";
    case 410: return "Gone";
    case 413: return "Content Too Large";  // RFC 9110 name, as MHD's status line
    case 422: return "Unprocessable Entity";
    case 425: return "Too Early";
    case 429: return "Too Many Requests";
    case 500: return "Internal Server Error";
    case 501: return "Not Implemented";
    case 502: return "Bad Gateway";
    case 503: return "Service Unavailable";
    case 504: return "Gateway Timeout";
    default: return status >= 500 ? "Server Error" : status >= 400 ? "Client Error" : "Unknown";
  }
}

}  // namespace tcm
