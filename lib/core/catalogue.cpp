#include "core/catalogue.hpp"

#include "helix/subscriptions.hpp"
#include "util/json.hpp"

namespace tc::core {

namespace {

std::string versions_of(const std::string &type) {
    std::string list;
    for (size_t i = 0; i < catalogue::kEntryCount; ++i) {
        if (type != catalogue::kEntries[i].type) continue;
        if (!list.empty()) list += ", ";
        list += catalogue::kEntries[i].version;
    }
    return list;
}

// A key's value in `given`: a non-empty string, absent (nullptr), or bad.
const char *string_member(const cJSON *given, const char *key, bool *bad) {
    const cJSON *item = cJSON_GetObjectItemCaseSensitive(given, key);
    *bad = false;
    if (item == nullptr) return nullptr;
    if (!cJSON_IsString(item) || item->valuestring[0] == '\0') {
        *bad = true;
        return nullptr;
    }
    return item->valuestring;
}

}  // namespace

Resolved resolve_type(const std::string &name, const std::string &version) {
    Resolved r;
    std::string type = name;
    std::string wanted = version;
    const size_t at = name.find('@');
    if (at != std::string::npos) {
        type = name.substr(0, at);
        if (wanted.empty()) wanted = name.substr(at + 1);
        if (wanted.empty()) {
            r.status = TC_ENOTFOUND;
            r.message = "\"" + name + "\": no version after '@'";
            return r;
        }
    }
    const catalogue::Entry *newest = catalogue::newest(type.c_str());
    if (newest == nullptr) {
        r.status = TC_ENOTFOUND;
        r.message = "unknown subscription type \"" + type + "\"";
        return r;
    }
    if (wanted.empty()) {
        r.entry = newest;
        return r;
    }
    r.entry = catalogue::find(type.c_str(), wanted.c_str());
    if (r.entry != nullptr) return r;
    if (const catalogue::Entry *gone = catalogue::withdrawn(type.c_str(), wanted.c_str())) {
        r.status = TC_EGONE;
        r.entry = gone;
        r.message = type + " version " + wanted + " was withdrawn by Twitch; use version " + gone->replaced_by;
        return r;
    }
    r.status = TC_ENOTFOUND;
    r.message = type + " has no version " + wanted + " (versions: " + versions_of(type) + ")";
    return r;
}

bool build_condition(const catalogue::Entry &entry, const std::string &given_json, std::string *condition_json,
                     std::string *error) {
    util::JsonPtr given = util::json_parse(given_json);
    if (!given || !cJSON_IsObject(given.get())) {
        *error = "the condition is not a JSON object";
        return false;
    }
    const std::string what = std::string(entry.type) + " version " + entry.version;
    util::JsonPtr out(cJSON_CreateObject());
    if (!out) throw std::bad_alloc();
    bool bad = false;
    auto take = [&](const char *key, const char *value) {
        if (cJSON_AddStringToObject(out.get(), key, value) == nullptr) throw std::bad_alloc();
    };
    for (size_t i = 0; i < entry.required.count; ++i) {
        const char *key = entry.required.items[i];
        const char *value = string_member(given.get(), key, &bad);
        if (value == nullptr) {
            *error = what + " needs the condition field " + key + (bad ? " as a non-empty string" : "");
            return false;
        }
        take(key, value);
    }
    for (size_t g = 0; g < entry.one_of_count; ++g) {
        const catalogue::Keys &group = entry.one_of[g];
        const char *chosen = nullptr;
        std::string names;
        for (size_t i = 0; i < group.count; ++i) {
            names += (i == 0 ? "" : i + 1 == group.count ? " or " : ", ") + std::string(group.items[i]);
            const char *value = string_member(given.get(), group.items[i], &bad);
            if (bad) {
                *error = what + ": the condition field " + group.items[i] + " must be a non-empty string";
                return false;
            }
            if (value == nullptr) continue;
            if (chosen != nullptr) {
                *error = what + " needs exactly one of the condition fields " + names + ", not both";
                return false;
            }
            chosen = group.items[i];
            take(chosen, value);
        }
        if (chosen == nullptr) {
            *error = what + " needs one of the condition fields " + names;
            return false;
        }
    }
    for (size_t i = 0; i < entry.optional.count; ++i) {
        const char *key = entry.optional.items[i];
        const char *value = string_member(given.get(), key, &bad);
        if (bad) {
            *error = what + ": the condition field " + key + " must be a non-empty string";
            return false;
        }
        if (value != nullptr) take(key, value);
    }
    *condition_json = helix::canonical_json(util::json_print(out.get()));
    return true;
}

namespace {

PlannedItem plan_one(const catalogue::Entry &entry, const std::string &given_json) {
    PlannedItem item;
    if ((entry.transports & catalogue::kConduit) == 0) {
        item.status = TC_EINVAL;
        item.message = std::string(entry.type) + " cannot be delivered to a conduit";
        return item;
    }
    std::string condition, error;
    if (!build_condition(entry, given_json, &condition, &error)) {
        item.status = TC_EINVAL;
        item.message = std::move(error);
        return item;
    }
    item.ready = true;
    item.spec = helix::SubscriptionSpec{entry.type, entry.version, std::move(condition)};
    if (entry.create_body_extra != nullptr) item.spec.extra_json = entry.create_body_extra;
    return item;
}

}  // namespace

std::vector<PlannedItem> plan_by_type(const std::vector<std::string> &names, const std::string &given_json,
                                      bool all_fillable) {
    std::vector<PlannedItem> plan;
    if (all_fillable) {
        for (size_t i = 0; i < catalogue::kEntryCount; ++i) {
            const catalogue::Entry &e = catalogue::kEntries[i];
            if (!e.newest || (e.transports & catalogue::kConduit) == 0) continue;
            PlannedItem item = plan_one(e, given_json);
            if (item.ready) plan.push_back(std::move(item));
        }
        return plan;
    }
    plan.reserve(names.size());
    for (const std::string &name : names) {
        Resolved r = resolve_type(name);
        if (r.status != TC_OK) {
            PlannedItem item;
            item.status = r.status;
            item.message = std::move(r.message);
            plan.push_back(std::move(item));
            continue;
        }
        plan.push_back(plan_one(*r.entry, given_json));
    }
    return plan;
}

}  // namespace tc::core
