// The EventSub subscription-type catalogue as constant data: generated at
// build time from data/eventsub-types.json by data/gen_catalogue.py (see
// there why it is compiled in rather than parsed), plus its lookups. Plain
// C++ with no other dependency, so the mock server links the same table.
#pragma once

#include <cstddef>

namespace tc::catalogue {

struct Keys {
    const char *const *items;
    size_t count;
};

// Bits of Entry::transports.
enum : unsigned { kWebhook = 1u, kWebsocket = 2u, kConduit = 4u };

// One type+version. Every string has static lifetime.
struct Entry {
    const char *type;
    const char *version;
    const char *status;  // "ga", "beta", "deprecated"; "withdrawn" in kWithdrawn
    bool newest;
    Keys required;
    Keys optional;
    const Keys *one_of;  // groups: exactly one key of each must be present
    size_t one_of_count;
    unsigned transports;
    bool app_token_only;
    Keys scopes;             // each needed; "a|b" is satisfied by either
    const char *authorizer;  // who grants them: "broadcaster", "moderator", ...
    Keys app_token_extra_scopes;
    bool app_token_needs_channel_bot_or_moderator;
    const char *create_body_extra;  // JSON object text, or nullptr
    const char *replaced_by;        // withdrawn entries: the version to use
};

// Sorted by type (strcmp order), then version, newest last.
extern const Entry kEntries[];
extern const size_t kEntryCount;
extern const Entry kWithdrawn[];
extern const size_t kWithdrawnCount;
extern const char kSnapshot[];

// The current entry for type+version; nullptr when there is none.
const Entry *find(const char *type, const char *version);
// The newest current version of a type; nullptr for an unknown type.
const Entry *newest(const char *type);
// A withdrawn type+version; nullptr when it is not one.
const Entry *withdrawn(const char *type, const char *version);

}  // namespace tc::catalogue
