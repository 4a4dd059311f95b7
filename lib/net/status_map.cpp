#include "net/status_map.hpp"

#include "util/json.hpp"

#include <curl/curl.h>

namespace tc::net {

tc_status status_from_http(int http_status) {
    if (http_status >= 200 && http_status < 300) return TC_OK;
    switch (http_status) {
    case 400: return TC_EBADREQUEST;
    case 401: return TC_EAUTH;
    case 403: return TC_EFORBIDDEN;
    case 404: return TC_ENOTFOUND;
    case 409: return TC_ECONFLICT;
    case 410: return TC_EGONE;
    case 413: return TC_ETOOLARGE;
    case 429: return TC_ERATELIMIT;
    default: break;
    }
    if (http_status >= 500 && http_status < 600) return TC_ESERVER;
    return TC_EHTTP;
}

tc_status status_from_curl(int curl_code) {
    switch (curl_code) {
    case CURLE_OK: return TC_OK;
    case CURLE_OPERATION_TIMEDOUT: return TC_ETIMEDOUT;
    case CURLE_OUT_OF_MEMORY: return TC_ENOMEM;
    case CURLE_PEER_FAILED_VERIFICATION:
    case CURLE_SSL_CONNECT_ERROR:
    case CURLE_SSL_CERTPROBLEM:
    case CURLE_SSL_CIPHER:
    case CURLE_SSL_CACERT_BADFILE:
    case CURLE_SSL_ISSUER_ERROR:
    case CURLE_SSL_PINNEDPUBKEYNOTMATCH:
    case CURLE_SSL_INVALIDCERTSTATUS:
    case CURLE_SSL_CRL_BADFILE:
        return TC_ETLS;
    case CURLE_URL_MALFORMAT:
    case CURLE_UNSUPPORTED_PROTOCOL:
        return TC_EINVAL;
    default: return TC_ENETWORK;
    }
}

tc_status status_from_result(const HttpResult &result) {
    if (result.canceled) return TC_ECANCELED;
    if (result.too_large) return TC_ETOOLARGE;
    if (result.curl_code != 0) return status_from_curl(result.curl_code);
    return status_from_http(result.http_status);
}

std::string message_from_result(const HttpResult &result) {
    if (result.canceled) return "operation canceled";
    if (result.too_large) return "response body exceeds max_response_bytes";
    if (result.curl_code != 0) return result.error;
    if (result.http_status >= 200 && result.http_status < 300) return std::string();
    util::JsonPtr json = util::json_parse(result.body);
    if (json) {
        const char *message = util::json_string(json.get(), "message");
        if (message != nullptr && *message != '\0') return message;
    }
    return "HTTP " + std::to_string(result.http_status);
}

}  // namespace tc::net
