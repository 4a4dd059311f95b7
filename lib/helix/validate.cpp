#include "helix/validate.hpp"

namespace tc::helix {

namespace {
bool starts_with(const std::string &s, const char *prefix) { return s.rfind(prefix, 0) == 0; }

// The host[:port] part of an http(s) URL.
std::string authority(const std::string &url) {
    size_t start = url.find("://");
    if (start == std::string::npos) return std::string();
    start += 3;
    size_t end = url.find_first_of("/?#", start);
    return url.substr(start, end == std::string::npos ? std::string::npos : end - start);
}

bool is_loopback_authority(const std::string &auth) {
    std::string host = auth.substr(0, auth.rfind(':') == std::string::npos ? auth.size() : auth.rfind(':'));
    return host == "127.0.0.1" || host == "localhost" || host == "[::1]";
}
}  // namespace

std::string check_shard_count(int shard_count) {
    if (shard_count < 1 || shard_count > kMaxShardCount) return "shard_count must be 1..20000";
    return std::string();
}

std::string check_webhook(const std::string &callback, const std::string &secret, bool allow_http_loopback) {
    if (secret.size() < 10 || secret.size() > 100) return "secret must be 10..100 characters";
    for (unsigned char ch : secret) {
        if (ch < 0x21 || ch > 0x7e) return "secret must be printable ASCII";
    }
    const std::string auth = authority(callback);
    if (auth.empty()) return "callback must be an absolute URL";
    if (starts_with(callback, "https://")) {
        size_t colon = auth.rfind(':');
        if (colon != std::string::npos && auth.back() != ']' && auth.substr(colon + 1) != "443") {
            return "callback must use port 443 (Twitch's rule)";
        }
        return std::string();
    }
    if (starts_with(callback, "http://") && allow_http_loopback && is_loopback_authority(auth)) {
        return std::string();
    }
    return "callback must be an https:// URL (Twitch's rule)";
}

std::string check_transport_for_shard(const Transport &t, bool allow_http_loopback) {
    switch (t.type) {
    case TC_TRANSPORT_WEBHOOK:
        return check_webhook(t.callback.value_or(""), t.secret.value_or(""), allow_http_loopback);
    case TC_TRANSPORT_WEBSOCKET:
        if (t.session_id.value_or("").empty()) return "a websocket transport needs a session id";
        return std::string();
    default:
        return "a shard's transport must be a webhook or a websocket";
    }
}

}  // namespace tc::helix
