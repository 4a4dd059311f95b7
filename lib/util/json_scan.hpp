// A validating single-pass JSON scanner (RFC 8259 grammar, strict UTF-8)
// that reports where the members of an object lie, and a cheaper walker over
// text it has already validated: the no-DOM decoding shared by the webhook
// classifier, the EventSub WebSocket decoder and the Helix page decoders.
// Only the small members a caller needs are ever decoded.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <string>
#include <string_view>

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

namespace tc::util {

// [begin, end) of a JSON value inside the text that was scanned.
struct Span {
    size_t begin = 0;
    size_t end = 0;
    bool found = false;
    std::string_view in(std::string_view text) const { return text.substr(begin, end - begin); }
};

// What scan_members() does when a named member appears twice.
enum class Duplicates {
    Reject,     // fail: the sender is ambiguous (webhook bodies, WebSocket messages)
    FirstWins,  // keep the first, as cJSON_GetObjectItem does (Helix answers)
};

// Validates `text` as one JSON object (surrounding whitespace allowed) and
// records the top-level members named names[0..count) in spans[0..count).
// False with a short reason for invalid JSON, a non-object, or (Reject) a
// named member given twice.
bool scan_members(std::string_view text, const std::string_view *names, Span *spans, size_t count,
                  std::string *why, Duplicates duplicates = Duplicates::Reject);

// Whether `text` is exactly one valid JSON value (surrounding whitespace allowed).
bool json_valid(std::string_view text);

// Visits the members of an already validated object: on_member(key literal
// with its quotes, raw value text); returning false stops.
void for_each_member(std::string_view object, const std::function<bool(std::string_view, std::string_view)> &on_member);

// Whether a key literal (with quotes) spells `name`. Inline: the readers
// call it for every member they see, and nearly every call is decided by
// the length or the first character (an escape only ever makes a literal
// longer than what it spells).
bool key_equals_escaped(std::string_view key_literal, std::string_view name);
inline bool key_equals(std::string_view key_literal, std::string_view name) {
    if (key_literal.size() < 2) return false;
    const std::string_view inner = key_literal.substr(1, key_literal.size() - 2);
    if (inner.size() == name.size()) return inner == name;
    if (inner.size() < name.size() || name.empty() || (inner[0] != '\\' && inner[0] != name[0])) return false;
    return key_equals_escaped(key_literal, name);
}

// Decodes the JSON string literal `literal` (with its quotes; already
// validated) into UTF-8. Lone surrogate escapes become U+FFFD.
std::string decode_string(std::string_view literal);

namespace json_scan {

constexpr int kMaxDepth = 128;

inline int hex_value(unsigned char c) {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

// JSON white space. Most bytes the scanners ask about are not, and one
// compare settles those.
inline bool is_ws(unsigned char c) { return c <= ' ' && (c == ' ' || c == '\t' || c == '\n' || c == '\r'); }

// Bytes that need a closer look inside a JSON string: '"', '\\', control
// characters and the bytes of multi-byte UTF-8 sequences. Every other byte
// is skipped with one table look-up.
struct SpecialBytes {
    bool table[256] = {};
    constexpr SpecialBytes() {
        for (int c = 0; c < 0x20; ++c) table[c] = true;
        for (int c = 0x80; c < 0x100; ++c) table[c] = true;
        table[static_cast<unsigned char>('"')] = true;
        table[static_cast<unsigned char>('\\')] = true;
    }
};
inline constexpr SpecialBytes kSpecial;

// The index of the first special byte (see SpecialBytes) in s[i, n), or n.
// Sixteen bytes per step where SSE2 is there (every x86-64): plain text is
// most of a body, and a table look-up per byte was the scanner's main cost.
inline size_t skip_plain(const unsigned char *s, size_t i, size_t n) {
#if defined(__SSE2__)
    const __m128i quote = _mm_set1_epi8('"'), backslash = _mm_set1_epi8('\\'), space = _mm_set1_epi8(0x20);
    while (n - i >= 16) {
        const __m128i v = _mm_loadu_si128(reinterpret_cast<const __m128i *>(s + i));
        // Signed compare: bytes >= 0x80 are negative, so "< 0x20" also flags them.
        const __m128i special = _mm_or_si128(_mm_or_si128(_mm_cmpeq_epi8(v, quote), _mm_cmpeq_epi8(v, backslash)),
                                             _mm_cmplt_epi8(v, space));
        const int mask = _mm_movemask_epi8(special);
        if (mask != 0) return i + static_cast<size_t>(__builtin_ctz(static_cast<unsigned>(mask)));
        i += 16;
    }
#endif
    while (i < n && !kSpecial.table[s[i]]) ++i;
    return i;
}

struct Scanner {
    const unsigned char *s;
    size_t n;
    size_t i = 0;

    explicit Scanner(std::string_view text) : s(reinterpret_cast<const unsigned char *>(text.data())), n(text.size()) {}

    void ws() {
        while (i < n && is_ws(static_cast<unsigned char>(s[i]))) ++i;
    }

    // At '"': consumes the literal, validating escapes and UTF-8. Inlined
    // where it is called: a body is mostly short strings, and the call
    // itself cost as much as scanning a key.
#if defined(__GNUC__)
    __attribute__((always_inline))
#endif
    inline bool string() {
        ++i;
        while (i < n) {
            i = skip_plain(s, i, n);  // most of a body is plain ASCII
            if (i >= n) break;
            const unsigned char c = s[i];
            if (c == '"') {
                ++i;
                return true;
            }
            if (c == '\\') {
                if (++i >= n) return false;
                const unsigned char e = s[i];
                if (e == 'u') {
                    if (n - i < 5) return false;
                    for (size_t k = 1; k <= 4; ++k) {
                        if (hex_value(s[i + k]) < 0) return false;
                    }
                    i += 5;
                } else if (e == '"' || e == '\\' || e == '/' || e == 'b' || e == 'f' || e == 'n' || e == 'r' ||
                           e == 't') {
                    ++i;
                } else {
                    return false;
                }
                continue;
            }
            if (c < 0x20) return false;
            if (c < 0x80) {
                ++i;
                continue;
            }
            size_t len = 0;
            uint32_t cp = 0, min = 0;
            if ((c & 0xE0) == 0xC0) {
                len = 2, cp = c & 0x1F, min = 0x80;
            } else if ((c & 0xF0) == 0xE0) {
                len = 3, cp = c & 0x0F, min = 0x800;
            } else if ((c & 0xF8) == 0xF0) {
                len = 4, cp = c & 0x07, min = 0x10000;
            } else {
                return false;
            }
            if (n - i < len) return false;
            for (size_t k = 1; k < len; ++k) {
                if ((s[i + k] & 0xC0) != 0x80) return false;
                cp = (cp << 6) | (s[i + k] & 0x3F);
            }
            if (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) return false;
            i += len;
        }
        return false;
    }

    bool digits() {
        const size_t start = i;
        while (i < n && s[i] >= '0' && s[i] <= '9') ++i;
        return i > start;
    }

    bool number() {
        if (s[i] == '-') ++i;
        if (i >= n) return false;
        if (s[i] == '0') {
            ++i;
        } else if (!digits()) {
            return false;
        }
        if (i < n && s[i] == '.') {
            ++i;
            if (!digits()) return false;
        }
        if (i < n && (s[i] == 'e' || s[i] == 'E')) {
            ++i;
            if (i < n && (s[i] == '+' || s[i] == '-')) ++i;
            if (!digits()) return false;
        }
        return true;
    }

    bool literal(std::string_view word) {
        if (n - i < word.size() || std::string_view(reinterpret_cast<const char *>(s + i), word.size()) != word) {
            return false;
        }
        i += word.size();
        return true;
    }

    bool value(int depth) {
        if (i >= n) return false;
        switch (s[i]) {
        case '"': return string();
        case '{': return object(depth + 1, [](Span, Span) { return true; });
        case '[': return array(depth + 1);
        case 't': return literal("true");
        case 'f': return literal("false");
        case 'n': return literal("null");
        default: return (s[i] == '-' || (s[i] >= '0' && s[i] <= '9')) && number();
        }
    }

    bool array(int depth) {
        if (depth > kMaxDepth) return false;
        ++i;
        ws();
        if (i < n && s[i] == ']') {
            ++i;
            return true;
        }
        for (;;) {
            ws();
            if (!value(depth)) return false;
            ws();
            if (i >= n) return false;
            if (s[i] == ']') {
                ++i;
                return true;
            }
            if (s[i] != ',') return false;
            ++i;
        }
    }

    // At '{'. on_member(key literal span, value span) sees each member of
    // this object (not of nested ones); returning false aborts the scan.
    template <class OnMember>
    bool object(int depth, OnMember &&on_member) {
        return object_values(depth, [&](Span key) {
            Span val{i, 0, true};
            if (!value(depth)) return false;
            val.end = i;
            return on_member(key, val);
        });
    }

    // At '{'. scan_value(key literal span) runs at the start of each member's
    // value (white space skipped) and must consume it, e.g. with value(depth)
    // or, to see a nested object's members in the same pass,
    // object(depth + 1, ...); returning false aborts the scan.
    template <class ScanValue>
    bool object_values(int depth, ScanValue &&scan_value) {
        if (depth > kMaxDepth) return false;
        ++i;
        ws();
        if (i < n && s[i] == '}') {
            ++i;
            return true;
        }
        for (;;) {
            ws();
            if (i >= n || s[i] != '"') return false;
            Span key{i, 0, true};
            if (!string()) return false;
            key.end = i;
            ws();
            if (i >= n || s[i] != ':') return false;
            ++i;
            ws();
            if (!scan_value(key)) return false;
            ws();
            if (i >= n) return false;
            if (s[i] == '}') {
                ++i;
                return true;
            }
            if (s[i] != ',') return false;
            ++i;
        }
    }
};

// Walks JSON that a Scanner has already validated, without checking it
// again: strings end at the first unescaped quote, scalars at a delimiter,
// containers at their matching bracket. Cheaper than the Scanner because the
// readers below only ever see spans of a validated body.
struct TrustedWalker {
    const char *s;
    size_t n;
    size_t i = 0;

    void ws() {
        while (i < n && is_ws(static_cast<unsigned char>(s[i]))) ++i;
    }
    void skip_string() {  // at '"'
        // Validated: only '"' and '\\' matter; the strings here are short, so
        // an inline loop beats a memchr call per string.
        const unsigned char *u = reinterpret_cast<const unsigned char *>(s);
        ++i;
        while (i < n) {
            i = skip_plain(u, i, n);
            if (i >= n) return;
            if (s[i] == '"') {
                ++i;
                return;
            }
            i += s[i] == '\\' ? 2 : 1;  // an escape, or a control/UTF-8 byte validated before
        }
        if (i > n) i = n;
    }
    void skip_value() {
        if (i >= n) return;
        if (s[i] == '"') return skip_string();
        if (s[i] != '{' && s[i] != '[') {
            while (i < n && s[i] != ',' && s[i] != '}' && s[i] != ']' && s[i] != ' ' && s[i] != '\t' &&
                   s[i] != '\n' && s[i] != '\r') {
                ++i;
            }
            return;
        }
        int depth = 0;
        while (i < n) {
            const char c = s[i];
            if (c == '"') {
                skip_string();
                continue;
            }
            ++i;
            if (c == '{' || c == '[') ++depth;
            if ((c == '}' || c == ']') && --depth == 0) return;
        }
    }
};

// Visits the members of the (already validated) object that `text` holds.
template <class OnMember>
inline void members(std::string_view text, OnMember &&on_member) {
    TrustedWalker w{text.data(), text.size()};
    w.ws();
    if (w.i >= w.n || w.s[w.i] != '{') return;
    ++w.i;
    for (;;) {
        w.ws();
        if (w.i >= w.n || w.s[w.i] != '"') return;  // '}' of an empty object, or the end
        Span key{w.i, 0, true};
        w.skip_string();
        key.end = w.i;
        w.ws();
        if (w.i >= w.n || w.s[w.i] != ':') return;
        ++w.i;
        w.ws();
        Span val{w.i, 0, true};
        w.skip_value();
        val.end = w.i;
        if (!on_member(key, val)) return;
        w.ws();
        if (w.i >= w.n || w.s[w.i] != ',') return;
        ++w.i;
    }
}

// Visits the elements of an already validated array: on_element(raw value
// text); returning false stops.
template <class OnElement>
inline void elements(std::string_view text, OnElement &&on_element) {
    TrustedWalker w{text.data(), text.size()};
    w.ws();
    if (w.i >= w.n || w.s[w.i] != '[') return;
    ++w.i;
    for (;;) {
        w.ws();
        if (w.i >= w.n || w.s[w.i] == ']') return;
        const size_t begin = w.i;
        w.skip_value();
        if (!on_element(text.substr(begin, w.i - begin))) return;
        w.ws();
        if (w.i >= w.n || w.s[w.i] != ',') return;
        ++w.i;
    }
}

}  // namespace json_scan
}  // namespace tc::util
