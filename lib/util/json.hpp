// Small RAII and lookup helpers over cJSON.
#pragma once

#include <cjson/cJSON.h>

#include <memory>
#include <string>

namespace tc::util {

struct JsonDeleter {
    void operator()(cJSON *j) const { cJSON_Delete(j); }
};
using JsonPtr = std::unique_ptr<cJSON, JsonDeleter>;

// Parses exactly `len` bytes; nullptr when the text is not JSON.
JsonPtr json_parse(const char *text, size_t len);
inline JsonPtr json_parse(const std::string &s) { return json_parse(s.data(), s.size()); }

// The string member `key` of `obj`, or nullptr when absent or not a string.
const char *json_string(const cJSON *obj, const char *key);
// The numeric member `key` of `obj`, or `fallback`.
double json_number(const cJSON *obj, const char *key, double fallback);

// Prints compactly; "" on allocation failure.
std::string json_print(const cJSON *j);

}  // namespace tc::util
