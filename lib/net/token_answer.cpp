#include "net/token_answer.hpp"

#include "util/clock.hpp"
#include "util/json.hpp"

namespace tc::net {

bool parse_token_answer(const std::string &body, std::string *access_token, int64_t *expires_in_s, std::string *error) {
    util::JsonPtr json = util::json_parse(body);
    const char *access = json ? util::json_string(json.get(), "access_token") : nullptr;
    if (access == nullptr || *access == '\0') {
        *error = "app token response has no access_token";
        return false;
    }
    *access_token = access;
    *expires_in_s = util::clamp_seconds(util::json_number(json.get(), "expires_in", 0));
    return true;
}

}  // namespace tc::net
