// Shared checks of the Helix decoder fuzz targets.
#pragma once

#include "helix/types.hpp"
#include "util/json_scan.hpp"

#include <cctype>
#include <cstdlib>
#include <cstring>
#include <string>
#include <string_view>
#include <vector>

namespace fuzz_helix {

// Where the old cJSON decoders are not an oracle for valid JSON, so the
// differential targets compare only when none of these is in the input:
//  - "\u0000": cJSON cuts the string there (the new decoders keep it);
//  - a surrogate escape (\uD800-\uDFFF): cJSON rejects a lone one, the new
//    decoders give U+FFFD (pairs are compared too, to keep the rule simple);
//  - a run of 64+ number characters: cJSON's 63-byte number buffer rejects
//    a valid long number.
inline bool cjson_is_an_oracle(std::string_view text) {
    size_t run = 0;
    for (size_t i = 0; i < text.size(); ++i) {
        const char c = text[i];
        const bool number_char = (c >= '0' && c <= '9') || c == '-' || c == '+' || c == '.' || c == 'e' || c == 'E';
        run = number_char ? run + 1 : 0;
        if (run >= 64) return false;
        if (c == '\\' && i + 5 < text.size() && text[i + 1] == 'u') {
            const std::string_view hex = text.substr(i + 2, 4);
            if (hex == "0000") return false;
            if ((hex[0] == 'd' || hex[0] == 'D') &&
                std::strchr("89abcdefABCDEF", hex[1]) != nullptr) {
                return false;
            }
        }
    }
    return true;
}

// Whether `text` is valid JSON (after a UTF-8 byte order mark, which both
// decoders skip as cJSON does: with at least two bytes after it).
inline bool strictly_valid(std::string_view text) {
    if (text.size() > 4 && text.substr(0, 3) == "\xEF\xBB\xBF") text.remove_prefix(3);
    return tc::util::json_valid(text);
}

// A failure message is one non-empty line.
inline void check_error(const std::string &error) {
    if (error.empty() || error.find('\n') != std::string::npos || error.size() > 200) abort();
}

inline bool same(const tc::helix::Transport &a, const tc::helix::Transport &b) {
    return a.type == b.type && a.method == b.method && a.callback == b.callback && a.secret == b.secret &&
           a.session_id == b.session_id && a.connected_at == b.connected_at &&
           a.disconnected_at == b.disconnected_at && a.conduit_id == b.conduit_id;
}

inline bool same(const tc::helix::Subscription &a, const tc::helix::Subscription &b) {
    return a.id == b.id && a.type == b.type && a.version == b.version && a.status == b.status &&
           a.condition == b.condition && a.user == b.user && a.created_at == b.created_at && a.cost == b.cost &&
           same(a.transport, b.transport);
}

inline bool same(const tc::helix::Shard &a, const tc::helix::Shard &b) {
    return a.id == b.id && a.status == b.status && same(a.transport, b.transport);
}

inline bool same(const tc::helix::CostInfo &a, const tc::helix::CostInfo &b) {
    return a.total == b.total && a.total_cost == b.total_cost && a.max_total_cost == b.max_total_cost;
}

template <class T>
bool same(const std::vector<T> &a, const std::vector<T> &b) {
    if (a.size() != b.size()) return false;
    for (size_t i = 0; i < a.size(); ++i) {
        if (!same(a[i], b[i])) return false;
    }
    return true;
}

}  // namespace fuzz_helix
