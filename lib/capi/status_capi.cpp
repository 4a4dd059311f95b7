// Status strings, the thread-local error, version and memory helpers.
#include "capi/guard.hpp"
#include "util/last_error.hpp"

#include <twitchconduits.h>

#include <cstdlib>
#include <cstring>

namespace tc::capi {
char *dup_for_caller(const std::string &text) {
    char *out = static_cast<char *>(std::malloc(text.size() + 1));
    if (out != nullptr) std::memcpy(out, text.c_str(), text.size() + 1);
    return out;
}
tc_status json_out(char **out, const util::JsonPtr &json) {
    if (!json) return fail(TC_ENOMEM, "out of memory");
    char *text = dup_for_caller(util::json_print(json.get()));
    if (text == nullptr) return fail(TC_ENOMEM, "out of memory");
    *out = text;
    return TC_OK;
}
}  // namespace tc::capi

extern "C" {

TC_API const char *tc_strerror(int status) {
    switch (status) {
    case TC_OK: return "success";
    case TC_ERROR: return "internal error";
    case TC_EINVAL: return "invalid argument";
    case TC_ENOMEM: return "out of memory";
    case TC_EVERSION: return "unsupported options version";
    case TC_ECANCELED: return "operation canceled";
    case TC_ETIMEDOUT: return "timed out";
    case TC_ENETWORK: return "network error";
    case TC_ETLS: return "TLS error";
    case TC_EHTTP: return "unexpected HTTP status";
    case TC_EAUTH: return "authentication failed";
    case TC_EFORBIDDEN: return "forbidden";
    case TC_ENOTFOUND: return "not found";
    case TC_ECONFLICT: return "conflict";
    case TC_ERATELIMIT: return "rate limited";
    case TC_ESERVER: return "server error";
    case TC_EPROTOCOL: return "malformed response";
    case TC_ECLOSED: return "manager is closing";
    case TC_EREENTRANT: return "not allowed from inside a callback";
    case TC_EBUSY: return "loop is run by the dispatch thread";
    case TC_ETOOLARGE: return "body too large";
    case TC_EUSER: return "aborted by callback";
    case TC_EBADREQUEST: return "bad request";
    case TC_EGONE: return "gone";
    case TC_EPARTIAL: return "partial failure";
    case TC_ENOCREDENTIALS: return "no credentials to obtain a token";
    case TC_ENOTSUPPORTED: return "not supported";
    case TC_ESIGNATURE: return "bad webhook signature";
    case TC_ESTALE: return "webhook timestamp outside the accepted window";
    default: return "unknown status code";
    }
}

TC_API const char *tc_last_error_message(void) { return tc::util::last_error(); }

TC_API int tc_last_http_status(void) { return tc::util::last_http_status(); }

TC_API const char *tc_version(int *major, int *minor, int *patch) {
    if (major != nullptr) *major = TC_VERSION_MAJOR;
    if (minor != nullptr) *minor = TC_VERSION_MINOR;
    if (patch != nullptr) *patch = TC_VERSION_PATCH;
    return TC_VERSION_STRING;
}

TC_API void tc_free(void *ptr) { std::free(ptr); }

}  // extern "C"
