#include "util/json_scan.hpp"

namespace tc::util {

using json_scan::Scanner;
using json_scan::hex_value;
using json_scan::members;

namespace {

void put_utf8(std::string *out, uint32_t cp) {
    if (cp < 0x80) {
        out->push_back(static_cast<char>(cp));
    } else if (cp < 0x800) {
        out->push_back(static_cast<char>(0xC0 | (cp >> 6)));
        out->push_back(static_cast<char>(0x80 | (cp & 0x3F)));
    } else if (cp < 0x10000) {
        out->push_back(static_cast<char>(0xE0 | (cp >> 12)));
        out->push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
        out->push_back(static_cast<char>(0x80 | (cp & 0x3F)));
    } else {
        out->push_back(static_cast<char>(0xF0 | (cp >> 18)));
        out->push_back(static_cast<char>(0x80 | ((cp >> 12) & 0x3F)));
        out->push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
        out->push_back(static_cast<char>(0x80 | (cp & 0x3F)));
    }
}

uint32_t hex4(std::string_view s, size_t at) {
    uint32_t v = 0;
    for (size_t k = 0; k < 4; ++k) v = (v << 4) | static_cast<uint32_t>(hex_value(static_cast<unsigned char>(s[at + k])));
    return v;
}

}  // namespace

// The slow half of key_equals: a literal longer than `name`, which only
// escapes can make spell it.
bool key_equals_escaped(std::string_view literal, std::string_view name) {
    const std::string_view inner = literal.substr(1, literal.size() - 2);
    if (inner.find('\\') == std::string_view::npos) return false;
    return decode_string(literal) == name;
}

bool scan_members(std::string_view text, const std::string_view *names, Span *spans, size_t count,
                  std::string *why, Duplicates duplicates) {
    for (size_t k = 0; k < count; ++k) spans[k] = Span{};
    Scanner sc(text);
    sc.ws();
    if (sc.i >= sc.n || sc.s[sc.i] != '{') {
        *why = "not a JSON object";
        return false;
    }
    std::string_view dup;
    auto on_member = [&](Span key, Span val) {
        const std::string_view k = key.in(text);
        for (size_t j = 0; j < count; ++j) {
            if (!key_equals(k, names[j])) continue;
            if (spans[j].found) {
                if (duplicates == Duplicates::FirstWins) break;
                dup = names[j];
                return false;
            }
            spans[j] = val;
            break;
        }
        return true;
    };
    if (!sc.object(1, on_member)) {
        *why = !dup.empty() ? "\"" + std::string(dup) + "\" is given twice" : std::string("not valid JSON");
        return false;
    }
    sc.ws();
    if (sc.i != sc.n) {
        *why = "data after the JSON object";
        return false;
    }
    return true;
}

void for_each_member(std::string_view object, const std::function<bool(std::string_view, std::string_view)> &on_member) {
    members(object, [&](Span key, Span val) { return on_member(key.in(object), val.in(object)); });
}


std::string decode_string(std::string_view lit) {
    std::string out;
    if (lit.size() < 2) return out;
    const std::string_view s = lit.substr(1, lit.size() - 2);
    if (s.find('\\') == std::string_view::npos) return std::string(s);  // the usual case: nothing to decode
    out.reserve(s.size());
    for (size_t i = 0; i < s.size();) {
        const char c = s[i];
        if (c != '\\') {
            out.push_back(c);
            ++i;
            continue;
        }
        const char e = s[i + 1];
        i += 2;
        switch (e) {
        case 'b': out.push_back('\b'); break;
        case 'f': out.push_back('\f'); break;
        case 'n': out.push_back('\n'); break;
        case 'r': out.push_back('\r'); break;
        case 't': out.push_back('\t'); break;
        case 'u': {
            uint32_t cp = hex4(s, i);
            i += 4;
            if (cp >= 0xD800 && cp <= 0xDBFF) {
                if (i + 6 <= s.size() && s[i] == '\\' && s[i + 1] == 'u') {
                    const uint32_t lo = hex4(s, i + 2);
                    if (lo >= 0xDC00 && lo <= 0xDFFF) {
                        cp = 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00);
                        i += 6;
                    } else {
                        cp = 0xFFFD;
                    }
                } else {
                    cp = 0xFFFD;
                }
            } else if (cp >= 0xDC00 && cp <= 0xDFFF) {
                cp = 0xFFFD;
            }
            put_utf8(&out, cp);
            break;
        }
        default: out.push_back(e); break;  // '"', '\\', '/'
        }
    }
    return out;
}

bool json_valid(std::string_view text) {
    Scanner sc(text);
    sc.ws();
    if (!sc.value(0)) return false;
    sc.ws();
    return sc.i == sc.n;
}

}  // namespace tc::util
