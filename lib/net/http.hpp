// Plain data describing one HTTP attempt and its outcome.
#pragma once

#include <twitchconduits/common.h>

#include <memory>
#include <string>
#include <utility>
#include <vector>

struct curl_slist;

namespace tc::net {

using Headers = std::vector<std::pair<std::string, std::string>>;

// Request headers in libcurl's form, built once and shared by every transfer
// that sends the same set (the common Helix headers of one token).
class HeaderList {
public:
    // Adds "Expect:" (no 100-continue round trip); nullptr on allocation failure.
    static std::shared_ptr<HeaderList> build(const Headers &headers);
    ~HeaderList();
    HeaderList(const HeaderList &) = delete;
    HeaderList &operator=(const HeaderList &) = delete;
    curl_slist *list() const { return list_; }

private:
    HeaderList() = default;
    curl_slist *list_ = nullptr;
};

// Case-insensitive header lookup; nullptr when absent.
const std::string *find_header(const Headers &headers, const char *name);

const char *method_name(tc_method method);

struct HttpRequest {
    tc_method method = TC_GET;
    std::string url;
    Headers headers;         // sent as given (may hold credentials: never log)
    std::shared_ptr<HeaderList> header_list;  // when set, sent instead of `headers`
    std::string body;
    bool has_body = false;
    long timeout_ms = 30000;
    // Use a new connection: libcurl silently re-sends a request whose reused
    // connection died before the answer, which must not happen to a POST that
    // is unsafe to repeat.
    bool fresh_connection = false;
};

struct HttpResult {
    int curl_code = 0;       // CURLcode; 0 when an HTTP answer arrived
    int http_status = 0;
    Headers headers;
    std::string body;
    std::string error;       // curl's error text when curl_code != 0
    bool too_large = false;  // the body exceeded the size limit
    bool canceled = false;
    long new_connections = 0;
};

}  // namespace tc::net
