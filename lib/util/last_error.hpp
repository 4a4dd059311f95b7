// The thread-local outcome that tc_last_error_message() and
// tc_last_http_status() report: set on every failed call and around every
// callback the library delivers.
#pragma once

#include <string>

namespace tc::util {

void set_last_error(const std::string &message);
void clear_last_error();
const char *last_error();

void set_last_http_status(int status);
int last_http_status();

}  // namespace tc::util
