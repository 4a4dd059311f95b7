#include "net/http.hpp"

#include <curl/curl.h>
#include <strings.h>

#include <cstring>

namespace tc::net {

const std::string *find_header(const Headers &headers, const char *name) {
    // Called a few times per answer (pacing, retries): the length check
    // skips most names without comparing them.
    const size_t len = std::strlen(name);
    for (const auto &h : headers) {
        if (h.first.size() == len && strncasecmp(h.first.data(), name, len) == 0) return &h.second;
    }
    return nullptr;
}

std::shared_ptr<HeaderList> HeaderList::build(const Headers &headers) {
    std::shared_ptr<HeaderList> built(new HeaderList());
    auto append = [&built](const std::string &line) {
        curl_slist *next = curl_slist_append(built->list_, line.c_str());
        if (next == nullptr) return false;
        built->list_ = next;
        return true;
    };
    for (const auto &h : headers) {
        if (!append(h.first + ": " + h.second)) return nullptr;
    }
    if (!append("Expect:")) return nullptr;
    return built;
}

HeaderList::~HeaderList() { curl_slist_free_all(list_); }

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
