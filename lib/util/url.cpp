#include "util/url.hpp"

namespace tc::util {

static bool unreserved(unsigned char c) {
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
           c == '-' || c == '.' || c == '_' || c == '~';
}

std::string percent_encode(const std::string &s) {
    static const char hex[] = "0123456789ABCDEF";
    std::string out;
    out.reserve(s.size());
    for (unsigned char c : s) {
        if (unreserved(c)) {
            out.push_back(static_cast<char>(c));
        } else {
            out.push_back('%');
            out.push_back(hex[c >> 4]);
            out.push_back(hex[c & 15]);
        }
    }
    return out;
}

std::string encode_params(const Params &params) {
    std::string out;
    for (const auto &p : params) {
        if (!out.empty()) out.push_back('&');
        out += percent_encode(p.first);
        out.push_back('=');
        out += percent_encode(p.second);
    }
    return out;
}

std::string join_url(const std::string &base, const std::string &path, const Params &query) {
    std::string url = base;
    while (!url.empty() && url.back() == '/') url.pop_back();
    if (!path.empty() && path.front() != '/') url.push_back('/');
    url += path;
    std::string q = encode_params(query);
    if (!q.empty()) {
        url.push_back(url.find('?') == std::string::npos ? '?' : '&');
        url += q;
    }
    return url;
}

}  // namespace tc::util
