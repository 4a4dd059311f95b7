// The answer of the OAuth client-credentials grant, read apart from the
// provider that asks for it so that it can be tested and fuzzed alone.
#pragma once

#include <cstdint>
#include <string>

namespace tc::net {

// False (with a one-line *error) unless `body` is JSON with a non-empty
// string access_token; *expires_in_s is clamped to 0..ten years (0 = not given).
bool parse_token_answer(const std::string &body, std::string *access_token, int64_t *expires_in_s, std::string *error);

}  // namespace tc::net
