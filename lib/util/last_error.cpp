#include "util/last_error.hpp"

namespace tc::util {

namespace {
thread_local std::string tl_message;
thread_local int tl_http_status = 0;
}  // namespace

void set_last_error(const std::string &message) {
    // One line: bindings turn this into exception messages.
    tl_message = message;
    for (char &ch : tl_message) {
        if (ch == '\n' || ch == '\r') ch = ' ';
    }
}

void clear_last_error() { tl_message.clear(); }

const char *last_error() { return tl_message.c_str(); }

void set_last_http_status(int status) { tl_http_status = status; }

int last_http_status() { return tl_http_status; }

}  // namespace tc::util
