#include "json.hpp"

#include <cmath>
#include <new>
#include <utility>

namespace tcm {

static cJSON *checked(cJSON *j) {
  if (!j) throw std::bad_alloc();  // cJSON reports allocation failure as NULL
  return j;
}

Json json_object() { return Json(checked(cJSON_CreateObject())); }

Json json_array() { return Json(checked(cJSON_CreateArray())); }

void add_string(cJSON *obj, const char *key, const std::string &value) {
  checked(cJSON_AddStringToObject(obj, key, value.c_str()));
}

void add_number(cJSON *obj, const char *key, double value) { checked(cJSON_AddNumberToObject(obj, key, value)); }

void add_bool(cJSON *obj, const char *key, bool value) { checked(cJSON_AddBoolToObject(obj, key, value)); }

void add_null(cJSON *obj, const char *key) { checked(cJSON_AddNullToObject(obj, key)); }

void add_raw(cJSON *obj, const char *key, const std::string &json) {
  checked(cJSON_AddRawToObject(obj, key, json.c_str()));
}

void add_item(cJSON *obj, const char *key, Json item) {
  if (!cJSON_AddItemToObject(obj, key, item.get())) throw std::bad_alloc();
  item.release();  // now owned by obj
}

void append(cJSON *array, Json item) {
  if (!cJSON_AddItemToArray(array, item.get())) throw std::bad_alloc();
  item.release();
}

Json json_parse(const std::string &text) { return Json(cJSON_ParseWithLength(text.data(), text.size())); }

std::string json_print(const cJSON *j) {
  char *text = cJSON_PrintUnformatted(j);
  if (!text) throw std::bad_alloc();
  std::string out = text;
  cJSON_free(text);
  return out;
}

Response json_response(int status, const cJSON *body) {
  Response r;
  r.status = status;
  r.body = json_print(body);
  r.set_header("Content-Type", "application/json");
  return r;
}

Response helix_error(int status, const std::string &message) {
  Json j = json_object();
  add_string(j.get(), "error", reason_phrase(status));
  add_number(j.get(), "status", status);
  add_string(j.get(), "message", message);
  return json_response(status, j.get());
}

Response oauth_error(int status, const std::string &message) {
  Json j = json_object();
  add_number(j.get(), "status", status);
  add_string(j.get(), "message", message);
  return json_response(status, j.get());
}

bool json_body_object(const Request &rq, Json *out, Response *err) {
  Json j = json_parse(rq.body);
  if (!j) {
    *err = helix_error(400, "Malformed JSON body");
    return false;
  }
  if (!cJSON_IsObject(j.get())) {
    *err = helix_error(400, "Request body must be a JSON object");
    return false;
  }
  *out = std::move(j);
  return true;
}

const char *json_nonempty_string(const cJSON *obj, const char *key) {
  const cJSON *v = cJSON_GetObjectItemCaseSensitive(obj, key);
  return cJSON_IsString(v) && v->valuestring[0] ? v->valuestring : nullptr;
}

bool json_integer(const cJSON *item, long long min, long long max, long long *out) {
  if (!cJSON_IsNumber(item)) return false;
  double v = item->valuedouble;
  if (!std::isfinite(v) || v != std::floor(v)) return false;
  if (v < static_cast<double>(min) || v > static_cast<double>(max)) return false;
  *out = static_cast<long long>(v);
  return true;
}

}  // namespace tcm
