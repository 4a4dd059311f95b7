// cJSON ownership and the two error-body shapes Twitch uses: Helix
// {"error","status","message"} and id.twitch.tv {"status","message"}.
#pragma once

#include <memory>
#include <string>

#include <cjson/cJSON.h>

#include "http.hpp"

namespace tcm {

struct JsonDeleter {
  void operator()(cJSON *j) const { cJSON_Delete(j); }
};
using Json = std::unique_ptr<cJSON, JsonDeleter>;

Json json_object();
Json json_array();
Json json_parse(const std::string &text);  // null on malformed input

std::string json_print(const cJSON *j);  // compact
Response json_response(int status, const cJSON *body);
Response helix_error(int status, const std::string &message);
Response oauth_error(int status, const std::string &message);

// Builders that throw std::bad_alloc instead of silently dropping a field.
void add_string(cJSON *obj, const char *key, const std::string &value);
void add_number(cJSON *obj, const char *key, double value);
void add_bool(cJSON *obj, const char *key, bool value);
void add_null(cJSON *obj, const char *key);
void add_raw(cJSON *obj, const char *key, const std::string &json);  // already-serialised JSON
void add_item(cJSON *obj, const char *key, Json item);  // takes ownership
void append(cJSON *array, Json item);                  // takes ownership

// The request body as a JSON object, or false with a Helix 400 in *err.
bool json_body_object(const Request &rq, Json *out, Response *err);

// obj[key] when it is a non-empty JSON string, else null.
const char *json_nonempty_string(const cJSON *obj, const char *key);

// True when item is a JSON number with an integral value in [min, max].
bool json_integer(const cJSON *item, long long min, long long max, long long *out);

}  // namespace tcm
