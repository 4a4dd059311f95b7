#include "util/json.hpp"

#include <cstdlib>

namespace tc::util {

JsonPtr json_parse(const char *text, size_t len) {
    if (text == nullptr) return nullptr;
    return JsonPtr(cJSON_ParseWithLength(text, len));
}

const char *json_string(const cJSON *obj, const char *key) {
    const cJSON *item = cJSON_GetObjectItemCaseSensitive(obj, key);
    return cJSON_IsString(item) ? item->valuestring : nullptr;
}

double json_number(const cJSON *obj, const char *key, double fallback) {
    const cJSON *item = cJSON_GetObjectItemCaseSensitive(obj, key);
    return cJSON_IsNumber(item) ? item->valuedouble : fallback;
}

std::string json_print(const cJSON *j) {
    char *text = cJSON_PrintUnformatted(j);
    if (text == nullptr) return std::string();
    std::string out(text);
    cJSON_free(text);
    return out;
}

}  // namespace tc::util
