// A validating single-pass JSON scanner that reports the members of the
// outermost object, and the small decoders built on it.
#include "events/classify.hpp"

#include <cstdint>
#include <cstring>

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

namespace tc::events {
namespace {

constexpr int kMaxDepth = 128;

int hex_value(unsigned char c) {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

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
constexpr SpecialBytes kSpecial;

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

    Scanner(std::string_view text) : s(reinterpret_cast<const unsigned char *>(text.data())), n(text.size()) {}

    void ws() {
        while (i < n && (s[i] == ' ' || s[i] == '\t' || s[i] == '\n' || s[i] == '\r')) ++i;
    }

    // At '"': consumes the literal, validating escapes and UTF-8.
    bool string() {
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
            Span val{i, 0, true};
            if (!value(depth)) return false;
            val.end = i;
            if (!on_member(key, val)) return false;
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

// Whether the key literal (with quotes) spells `name`. Escapes only ever
// make a literal longer than what it spells, so a shorter one cannot match.
bool key_is(std::string_view literal, std::string_view name) {
    const std::string_view inner = literal.substr(1, literal.size() - 2);
    if (inner.size() < name.size()) return false;
    if (inner == name) return true;
    if (inner.find('\\') == std::string_view::npos) return false;
    return decode_string(literal) == name;
}

// Walks JSON that scan_body() has already validated, without checking it
// again: strings end at the first unescaped quote, scalars at a delimiter,
// containers at their matching bracket. Cheaper than the Scanner because the
// readers below only ever see spans of a validated body.
struct TrustedWalker {
    const char *s;
    size_t n;
    size_t i = 0;

    void ws() {
        while (i < n && (s[i] == ' ' || s[i] == '\t' || s[i] == '\n' || s[i] == '\r')) ++i;
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
void members(std::string_view text, OnMember &&on_member) {
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

bool scan_body(std::string_view text, BodyLayout *layout, std::string *why) {
    *layout = BodyLayout{};
    Scanner sc(text);
    sc.ws();
    if (sc.i >= sc.n || sc.s[sc.i] != '{') {
        *why = "the body is not a JSON object";
        return false;
    }
    const char *dup = nullptr;
    auto on_member = [&](Span key, Span val) {
        const std::string_view k = key.in(text);
        Span *slot = nullptr;
        const char *name = nullptr;
        if (key_is(k, "subscription")) {
            slot = &layout->subscription, name = "subscription";
        } else if (key_is(k, "event")) {
            slot = &layout->event, name = "event";
        } else if (key_is(k, "challenge")) {
            slot = &layout->challenge, name = "challenge";
        } else if (key_is(k, "conduit_shard")) {
            slot = &layout->conduit_shard, name = "conduit_shard";
        }
        if (slot == nullptr) return true;
        if (slot->found) {
            dup = name;
            return false;
        }
        *slot = val;
        return true;
    };
    if (!sc.object(1, on_member)) {
        *why = dup != nullptr ? std::string("the body has \"") + dup + "\" twice" : "the body is not valid JSON";
        return false;
    }
    sc.ws();
    if (sc.i != sc.n) {
        *why = "the body has data after the JSON object";
        return false;
    }
    return true;
}

bool scan_members(std::string_view text, const std::string_view *names, Span *spans, size_t count,
                  std::string *why) {
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
            if (!key_is(k, names[j])) continue;
            if (spans[j].found) {
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

bool key_equals(std::string_view key_literal, std::string_view name) { return key_is(key_literal, name); }

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

void read_subscription(std::string_view object, SubscriptionFields *out) {
    *out = SubscriptionFields{};
    members(object, [&](Span key, Span val) {
        const std::string_view k = key.in(object);
        const std::string_view v = val.in(object);
        if (v.empty() || v.front() != '"') return true;
        if (key_is(k, "id")) {
            out->id = decode_string(v);
        } else if (key_is(k, "type")) {
            out->type = decode_string(v), out->has_type = true;
        } else if (key_is(k, "version")) {
            out->version = decode_string(v), out->has_version = true;
        } else if (key_is(k, "status")) {
            out->status = decode_string(v), out->has_status = true;
        }
        return true;
    });
}

bool read_conduit_shard(std::string_view object, std::string *conduit_id, std::string *shard_id) {
    bool has_conduit = false;
    members(object, [&](Span key, Span val) {
        const std::string_view k = key.in(object);
        const std::string_view v = val.in(object);
        if (key_is(k, "conduit_id") && !v.empty() && v.front() == '"') {
            *conduit_id = decode_string(v);
            has_conduit = true;
        } else if (key_is(k, "shard") && !v.empty()) {
            if (v.front() == '"') {
                *shard_id = decode_string(v);
            } else if (v.front() == '-' || (v.front() >= '0' && v.front() <= '9')) {
                *shard_id = std::string(v);
            }
        }
        return true;
    });
    return has_conduit;
}

bool read_shard_disabled(std::string_view event, std::string *conduit_id, std::string *shard_id,
                         std::string *status) {
    members(event, [&](Span key, Span val) {
        const std::string_view k = key.in(event);
        const std::string_view v = val.in(event);
        if (v.empty() || v.front() != '"') return true;
        if (key_is(k, "conduit_id")) *conduit_id = decode_string(v);
        else if (key_is(k, "shard_id")) *shard_id = decode_string(v);
        else if (key_is(k, "status")) *status = decode_string(v);
        return true;
    });
    return !conduit_id->empty() && !shard_id->empty() && !status->empty();
}

}  // namespace tc::events
