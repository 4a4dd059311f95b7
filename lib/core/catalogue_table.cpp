#include "core/catalogue_table.hpp"

#include <cstring>

namespace tc::catalogue {

namespace {

// The first entry of `type` in a table sorted by type; nullptr when absent.
const Entry *first_of(const Entry *table, size_t count, const char *type) {
    size_t lo = 0, hi = count;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (std::strcmp(table[mid].type, type) < 0) {
            lo = mid + 1;
        } else {
            hi = mid;
        }
    }
    return lo < count && std::strcmp(table[lo].type, type) == 0 ? &table[lo] : nullptr;
}

const Entry *find_in(const Entry *table, size_t count, const char *type, const char *version) {
    if (type == nullptr || version == nullptr) return nullptr;
    const Entry *end = table + count;
    for (const Entry *e = first_of(table, count, type); e != nullptr && e != end && std::strcmp(e->type, type) == 0; ++e) {
        if (std::strcmp(e->version, version) == 0) return e;
    }
    return nullptr;
}

}  // namespace

const Entry *find(const char *type, const char *version) { return find_in(kEntries, kEntryCount, type, version); }

const Entry *withdrawn(const char *type, const char *version) {
    return find_in(kWithdrawn, kWithdrawnCount, type, version);
}

const Entry *newest(const char *type) {
    if (type == nullptr) return nullptr;
    const Entry *end = kEntries + kEntryCount;
    for (const Entry *e = first_of(kEntries, kEntryCount, type); e != nullptr && e != end && std::strcmp(e->type, type) == 0; ++e) {
        if (e->newest) return e;
    }
    return nullptr;
}

}  // namespace tc::catalogue
