// tc_catalogue_* and tc_event_type_*: the compiled-in subscription-type
// catalogue. A tc_event_type pointer is a catalogue::Entry of the constant
// tables (the public type stays incomplete), so handles are checked by
// address, cost nothing, and never need freeing.
#include "capi/guard.hpp"
#include "core/catalogue.hpp"

#include <twitchconduits/catalogue.h>

using tc::capi::fail;
using tc::capi::guarded;
namespace cat = tc::catalogue;

namespace {

bool in_table(const cat::Entry *e, const cat::Entry *table, size_t count) {
    // Compared as integers: relational operators on unrelated pointers are unspecified.
    const auto p = reinterpret_cast<uintptr_t>(e);
    const auto first = reinterpret_cast<uintptr_t>(table);
    const auto end = reinterpret_cast<uintptr_t>(table + count);
    return p >= first && p < end && (p - first) % sizeof(cat::Entry) == 0;
}

const cat::Entry *entry(const tc_event_type *t) {
    const auto *e = reinterpret_cast<const cat::Entry *>(t);
    if (e == nullptr) return nullptr;
    return in_table(e, cat::kEntries, cat::kEntryCount) || in_table(e, cat::kWithdrawn, cat::kWithdrawnCount) ? e
                                                                                                             : nullptr;
}

const tc_event_type *handle(const cat::Entry *e) { return reinterpret_cast<const tc_event_type *>(e); }

const char *key_at(const cat::Keys &keys, size_t index) { return index < keys.count ? keys.items[index] : nullptr; }

cJSON *string_array(const cat::Keys &keys) {
    cJSON *array = cJSON_CreateArray();
    for (size_t i = 0; array != nullptr && i < keys.count; ++i) cJSON_AddItemToArray(array, cJSON_CreateString(keys.items[i]));
    return array;
}

}  // namespace

extern "C" {

TC_API const char *tc_catalogue_snapshot(void) { return cat::kSnapshot; }
TC_API size_t tc_catalogue_count(void) { return cat::kEntryCount; }
TC_API const tc_event_type *tc_catalogue_at(size_t index) {
    return index < cat::kEntryCount ? handle(&cat::kEntries[index]) : nullptr;
}
TC_API size_t tc_catalogue_withdrawn_count(void) { return cat::kWithdrawnCount; }
TC_API const tc_event_type *tc_catalogue_withdrawn_at(size_t index) {
    return index < cat::kWithdrawnCount ? handle(&cat::kWithdrawn[index]) : nullptr;
}

TC_API tc_status tc_catalogue_find(const tc_event_type **out, const char *type, const char *version) {
    TC_CHECK_ARG(out != nullptr, "out");
    *out = nullptr;
    TC_CHECK_ARG(type != nullptr && type[0] != '\0', "type");
    return guarded([&]() -> tc_status {
        tc::core::Resolved r = tc::core::resolve_type(type, version != nullptr ? version : "");
        if (r.status == TC_EGONE) *out = handle(r.entry);
        if (r.status != TC_OK) return fail(r.status, r.message);
        *out = handle(r.entry);
        return TC_OK;
    });
}

TC_API const char *tc_event_type_name(const tc_event_type *t) {
    const cat::Entry *e = entry(t);
    return e != nullptr ? e->type : nullptr;
}
TC_API const char *tc_event_type_version(const tc_event_type *t) {
    const cat::Entry *e = entry(t);
    return e != nullptr ? e->version : nullptr;
}
TC_API const char *tc_event_type_status(const tc_event_type *t) {
    const cat::Entry *e = entry(t);
    return e != nullptr ? e->status : nullptr;
}
TC_API int tc_event_type_is_newest(const tc_event_type *t) {
    const cat::Entry *e = entry(t);
    return e != nullptr && e->newest ? 1 : 0;
}
TC_API size_t tc_event_type_required_count(const tc_event_type *t) {
    const cat::Entry *e = entry(t);
    return e != nullptr ? e->required.count : 0;
}
TC_API const char *tc_event_type_required(const tc_event_type *t, size_t index) {
    const cat::Entry *e = entry(t);
    return e != nullptr ? key_at(e->required, index) : nullptr;
}
TC_API size_t tc_event_type_optional_count(const tc_event_type *t) {
    const cat::Entry *e = entry(t);
    return e != nullptr ? e->optional.count : 0;
}
TC_API const char *tc_event_type_optional(const tc_event_type *t, size_t index) {
    const cat::Entry *e = entry(t);
    return e != nullptr ? key_at(e->optional, index) : nullptr;
}
TC_API size_t tc_event_type_one_of_count(const tc_event_type *t) {
    const cat::Entry *e = entry(t);
    return e != nullptr ? e->one_of_count : 0;
}
TC_API size_t tc_event_type_one_of_size(const tc_event_type *t, size_t group) {
    const cat::Entry *e = entry(t);
    return e != nullptr && group < e->one_of_count ? e->one_of[group].count : 0;
}
TC_API const char *tc_event_type_one_of(const tc_event_type *t, size_t group, size_t index) {
    const cat::Entry *e = entry(t);
    return e != nullptr && group < e->one_of_count ? key_at(e->one_of[group], index) : nullptr;
}
TC_API int tc_event_type_allows(const tc_event_type *t, tc_transport_type transport) {
    const cat::Entry *e = entry(t);
    if (e == nullptr) return 0;
    switch (tc::capi::raw_enum(transport)) {
    case TC_TRANSPORT_WEBHOOK: return (e->transports & cat::kWebhook) != 0;
    case TC_TRANSPORT_WEBSOCKET: return (e->transports & cat::kWebsocket) != 0;
    case TC_TRANSPORT_CONDUIT: return (e->transports & cat::kConduit) != 0;
    default: return 0;
    }
}
TC_API int tc_event_type_app_token_only(const tc_event_type *t) {
    const cat::Entry *e = entry(t);
    return e != nullptr && e->app_token_only ? 1 : 0;
}
TC_API size_t tc_event_type_scope_count(const tc_event_type *t) {
    const cat::Entry *e = entry(t);
    return e != nullptr ? e->scopes.count : 0;
}
TC_API const char *tc_event_type_scope(const tc_event_type *t, size_t index) {
    const cat::Entry *e = entry(t);
    return e != nullptr ? key_at(e->scopes, index) : nullptr;
}
TC_API const char *tc_event_type_authorizer(const tc_event_type *t) {
    const cat::Entry *e = entry(t);
    return e != nullptr ? e->authorizer : nullptr;
}
TC_API size_t tc_event_type_app_token_scope_count(const tc_event_type *t) {
    const cat::Entry *e = entry(t);
    return e != nullptr ? e->app_token_extra_scopes.count : 0;
}
TC_API const char *tc_event_type_app_token_scope(const tc_event_type *t, size_t index) {
    const cat::Entry *e = entry(t);
    return e != nullptr ? key_at(e->app_token_extra_scopes, index) : nullptr;
}
TC_API const char *tc_event_type_create_body_extra(const tc_event_type *t) {
    const cat::Entry *e = entry(t);
    return e != nullptr ? e->create_body_extra : nullptr;
}
TC_API const char *tc_event_type_replaced_by(const tc_event_type *t) {
    const cat::Entry *e = entry(t);
    return e != nullptr ? e->replaced_by : nullptr;
}

TC_API tc_status tc_event_type_to_json(char **out, const tc_event_type *t) {
    TC_CHECK_ARG(out != nullptr, "out");
    *out = nullptr;
    const cat::Entry *e = entry(t);
    TC_CHECK_ARG(e != nullptr, "t");
    return guarded([&] {
        tc::util::JsonPtr root(cJSON_CreateObject());
        if (!root) return fail(TC_ENOMEM, "out of memory");
        cJSON *o = root.get();
        cJSON_AddStringToObject(o, "type", e->type);
        cJSON_AddStringToObject(o, "version", e->version);
        cJSON_AddStringToObject(o, "status", e->status);
        cJSON_AddBoolToObject(o, "newest", e->newest);
        cJSON_AddItemToObject(o, "condition_required", string_array(e->required));
        cJSON_AddItemToObject(o, "condition_optional", string_array(e->optional));
        cJSON *groups = cJSON_AddArrayToObject(o, "condition_one_of");
        for (size_t g = 0; groups != nullptr && g < e->one_of_count; ++g) cJSON_AddItemToArray(groups, string_array(e->one_of[g]));
        cJSON *transports = cJSON_AddArrayToObject(o, "transports");
        const std::pair<unsigned, const char *> names[] = {
            {cat::kWebhook, "webhook"}, {cat::kWebsocket, "websocket"}, {cat::kConduit, "conduit"}};
        for (const auto &n : names) {
            if (transports != nullptr && (e->transports & n.first) != 0) cJSON_AddItemToArray(transports, cJSON_CreateString(n.second));
        }
        cJSON_AddStringToObject(o, "token", e->app_token_only ? "app" : "app|user");
        cJSON_AddItemToObject(o, "scopes", string_array(e->scopes));
        cJSON_AddStringToObject(o, "authorizer", e->authorizer);
        if (e->app_token_extra_scopes.count > 0) {
            cJSON_AddItemToObject(o, "app_token_extra_scopes", string_array(e->app_token_extra_scopes));
            cJSON_AddBoolToObject(o, "app_token_needs_channel_bot_or_moderator", e->app_token_needs_channel_bot_or_moderator);
        }
        if (e->create_body_extra != nullptr) cJSON_AddItemToObject(o, "create_body_extra", cJSON_Parse(e->create_body_extra));
        if (e->replaced_by != nullptr) cJSON_AddStringToObject(o, "replaced_by", e->replaced_by);
        return tc::capi::json_out(out, root);
    });
}

}  // extern "C"
