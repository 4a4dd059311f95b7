#include "net/http.hpp"

#include <strings.h>

namespace tc::net {

const std::string *find_header(const Headers &headers, const char *name) {
    for (const auto &h : headers) {
        if (strcasecmp(h.first.c_str(), name) == 0) return &h.second;
    }
    return nullptr;
}

const char *method_name(tc_method method) {
    switch (method) {
    case TC_GET: return "GET";
    case TC_POST: return "POST";
    case TC_PATCH: return "PATCH";
    case TC_PUT: return "PUT";
    case TC_DELETE: return "DELETE";
    }
    return "GET";
}

}  // namespace tc::net
