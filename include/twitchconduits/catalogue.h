/*
 * twitchconduits: the catalogue of EventSub subscription types.
 *
 * Every subscription type+version Twitch documents (snapshot: see
 * tc_catalogue_snapshot()), with its condition fields, the transports it
 * allows, and the authorization it needs. The original library's
 * sub_versions.py, kept up to date, with required and optional condition
 * fields told apart. Built into the library from data/eventsub-types.json.
 *
 * Entries are constant data: a `const tc_event_type *` stays valid for the
 * life of the process, is never freed, and may be read from any thread.
 * Nothing here allocates or talks to Twitch.
 *
 * Iteration order: by type name (byte order), then version, the newest
 * version of a type last.
 */
#ifndef TWITCHCONDUITS_CATALOGUE_H
#define TWITCHCONDUITS_CATALOGUE_H

#include <twitchconduits/common.h>
#include <twitchconduits/transport.h>

#ifdef __cplusplus
extern "C" {
#endif

/* One type+version of the catalogue. */
typedef struct tc_event_type tc_event_type;

/* The date of the Twitch documentation the catalogue follows ("2026-05-30";
 * a static string). */
TC_API const char *tc_catalogue_snapshot(void);

/* How many type+version entries can be created today (84 in the 2026-05-30
 * snapshot, for 79 types). */
TC_API size_t tc_catalogue_count(void);
/* Entry `index` in iteration order; NULL out of range. */
TC_API const tc_event_type *tc_catalogue_at(size_t index);

/* Versions Twitch has withdrawn (creating one answers 410 Gone), so that a
 * caller can say "use version N" instead of "unknown type". Their status is
 * "withdrawn" and tc_event_type_replaced_by() names the version to use. */
TC_API size_t tc_catalogue_withdrawn_count(void);
TC_API const tc_event_type *tc_catalogue_withdrawn_at(size_t index);

/* Look a type up. version NULL (or "") = the type's newest version.
 * TC_ENOTFOUND for an unknown type or a version the type does not have (the
 * message lists the versions it has); TC_EGONE for a withdrawn version (the
 * message names its replacement; *out is then the withdrawn entry). *out
 * is constant data: never freed. */
TC_API tc_status tc_catalogue_find(const tc_event_type **out, const char *type, const char *version);

/* Accessors. Strings are constant data like the entries: never freed,
 * valid for the life of the process. On a bad handle: NULL strings, 0
 * counts. */
TC_API const char *tc_event_type_name(const tc_event_type *t);    /* "channel.follow" */
TC_API const char *tc_event_type_version(const tc_event_type *t); /* "2"; "beta" is a version too */
/* "ga", "beta", "deprecated" (still accepted, no longer documented), or "withdrawn". */
TC_API const char *tc_event_type_status(const tc_event_type *t);
/* 1 when this is the type's newest version. */
TC_API int tc_event_type_is_newest(const tc_event_type *t);

/* Condition fields. Every value of a condition is a string. */
TC_API size_t tc_event_type_required_count(const tc_event_type *t);
TC_API const char *tc_event_type_required(const tc_event_type *t, size_t index); /* NULL out of range */
TC_API size_t tc_event_type_optional_count(const tc_event_type *t);
TC_API const char *tc_event_type_optional(const tc_event_type *t, size_t index);
/* Groups of keys of which exactly one must be present (only channel.raid
 * has one: from_broadcaster_user_id / to_broadcaster_user_id). */
TC_API size_t tc_event_type_one_of_count(const tc_event_type *t);
TC_API size_t tc_event_type_one_of_size(const tc_event_type *t, size_t group);
TC_API const char *tc_event_type_one_of(const tc_event_type *t, size_t group, size_t index);

/* 1 when the type may be created with this transport. Every current type
 * allows TC_TRANSPORT_CONDUIT. */
TC_API int tc_event_type_allows(const tc_event_type *t, tc_transport_type transport);
/* 1 when only an app access token is accepted (webhook and conduit only). */
TC_API int tc_event_type_app_token_only(const tc_event_type *t);

/* Authorization: each scope entry is needed; an entry "a|b" is satisfied by
 * either scope. The authorizer is who must have granted them: "broadcaster",
 * "moderator" (moderator_user_id), "chat_user" or "user" (user_id), "none",
 * "client", "organization" or "extension". */
TC_API size_t tc_event_type_scope_count(const tc_event_type *t);
TC_API const char *tc_event_type_scope(const tc_event_type *t, size_t index);
TC_API const char *tc_event_type_authorizer(const tc_event_type *t);
/* Chat types created with an app token need these scopes too. */
TC_API size_t tc_event_type_app_token_scope_count(const tc_event_type *t);
TC_API const char *tc_event_type_app_token_scope(const tc_event_type *t, size_t index);

/* Fields the create body needs besides type, version, condition and
 * transport, as a JSON object ("{\"is_batching_enabled\":true}" for
 * drop.entitlement.grant); NULL for other types. */
TC_API const char *tc_event_type_create_body_extra(const tc_event_type *t);
/* Withdrawn entries: the version that replaced this one; NULL otherwise. */
TC_API const char *tc_event_type_replaced_by(const tc_event_type *t);

/* The entry as JSON, with the data file's field names; free with tc_free. */
TC_API tc_status tc_event_type_to_json(char **out, const tc_event_type *t);

#ifdef __cplusplus
}
#endif

#endif /* TWITCHCONDUITS_CATALOGUE_H */
