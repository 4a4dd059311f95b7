#include "core/view.hpp"

#include "events/verifier.hpp"
#include "helix/conduits.hpp"
#include "helix/shards.hpp"
#include "helix/subscriptions.hpp"
#include "util/json.hpp"

#include <algorithm>

namespace tc::core {

namespace {

constexpr const char *kSubscriptionsPath = "/eventsub/subscriptions";
constexpr const char *kConduitsPath = "/eventsub/conduits";
constexpr const char *kShardsPath = "/eventsub/conduits/shards";

// The path without a query string, and the value of `name` in the call's
// query (or in a query string written into the path, as raw requests may).
std::string bare_path(const net::Call &call) { return call.path.substr(0, call.path.find('?')); }

std::string query_value(const net::Call &call, const char *name) {
    for (const auto &p : call.query) {
        if (p.first == name) return p.second;
    }
    const size_t q = call.path.find('?');
    if (q == std::string::npos) return std::string();
    const std::string query = call.path.substr(q + 1);
    const std::string key = std::string(name) + "=";
    for (size_t start = 0; start <= query.size();) {
        size_t end = query.find('&', start);
        if (end == std::string::npos) end = query.size();
        if (query.compare(start, key.size(), key) == 0) return query.substr(start + key.size(), end - start - key.size());
        start = end + 1;
    }
    return std::string();
}

bool matches(const helix::Subscription &s, const ViewQuery &q) {
    if (!q.type.empty() && s.type != q.type) return false;
    if (!q.status.empty() && s.status != q.status) return false;
    if (!q.conduit_id.empty() && s.transport.conduit_id.value_or("") != q.conduit_id) return false;
    return true;
}

bool older(const helix::Subscription *a, const helix::Subscription *b) {
    return a->created_at != b->created_at ? a->created_at < b->created_at : a->id < b->id;
}

}  // namespace

std::vector<std::string> View::users_of(const std::string &condition_json) {
    static const char *const kUserKeys[] = {"broadcaster_user_id", "user_id", "moderator_user_id",
                                            "from_broadcaster_user_id", "to_broadcaster_user_id"};
    std::vector<std::string> users;
    util::JsonPtr cond = util::json_parse(condition_json);
    if (!cond) return users;
    for (const char *key : kUserKeys) {
        const char *v = util::json_string(cond.get(), key);
        if (v != nullptr && v[0] != '\0' && std::find(users.begin(), users.end(), v) == users.end()) users.emplace_back(v);
    }
    return users;
}

void View::put_locked(helix::Subscription &&s, Changes *changes) {
    const bool known = subs_.count(s.id) != 0;
    if (known) erase_locked(s.id, nullptr);
    const std::string id = s.id;
    by_conduit_[s.transport.conduit_id.value_or("")].insert(id);
    for (const auto &u : users_of(s.condition)) by_user_[u].insert(id);
    subs_[id] = std::move(s);
    ++generation_;
    if (changes != nullptr && !known) changes->push_back({TC_VIEW_SUBSCRIPTION_ADDED, id});
}

void View::erase_locked(const std::string &id, Changes *changes) {
    auto it = subs_.find(id);
    if (it == subs_.end()) return;
    auto unindex = [&id](std::unordered_map<std::string, std::set<std::string>> &index, const std::string &key) {
        auto at = index.find(key);
        if (at == index.end()) return;
        at->second.erase(id);
        if (at->second.empty()) index.erase(at);
    };
    unindex(by_conduit_, it->second.transport.conduit_id.value_or(""));
    for (const auto &u : users_of(it->second.condition)) unindex(by_user_, u);
    subs_.erase(it);
    ++generation_;
    if (changes != nullptr) changes->push_back({TC_VIEW_SUBSCRIPTION_REMOVED, id});
}

void View::set_status_locked(const std::string &id, const std::string &status, Changes *changes) {
    auto it = subs_.find(id);
    if (it == subs_.end() || it->second.status == status) return;
    it->second.status = status;
    ++generation_;
    changes->push_back({TC_VIEW_SUBSCRIPTION_STATUS, id});
}

void View::drop_conduit_locked(const std::string &conduit_id, Changes *changes) {
    // Twitch keeps the conduit's subscriptions, as conduit_deleted, until
    // they are deleted: so does the view, so that a re-sync agrees.
    auto subs = by_conduit_.find(conduit_id);
    if (subs != by_conduit_.end()) {
        for (const auto &id : subs->second) set_status_locked(id, "conduit_deleted", changes);
    }
    shards_.erase(conduit_id);
    if (conduits_.erase(conduit_id) != 0) {
        ++generation_;
        changes->push_back({TC_VIEW_CONDUIT_REMOVED, conduit_id});
    }
}

void View::announce(Changes &&changes) {
    if (!changed_) return;
    for (const auto &c : changes) changed_(c.kind, c.id);
}

void View::replace(ViewSnapshot &&snapshot) {
    {
        std::lock_guard<std::mutex> lock(mu_);
        conduits_.clear();
        shards_ = std::move(snapshot.shards);
        subs_.clear();
        by_conduit_.clear();
        by_user_.clear();
        for (auto &c : snapshot.conduits) conduits_[c.id] = std::move(c);
        for (auto &s : snapshot.subscriptions) put_locked(std::move(s), nullptr);
        synced_ = true;
        ++generation_;
    }
    announce({{TC_VIEW_SYNCED, std::string()}});
}

bool View::synced() const {
    std::lock_guard<std::mutex> lock(mu_);
    return synced_;
}

uint64_t View::generation() const {
    std::lock_guard<std::mutex> lock(mu_);
    return generation_;
}

void View::observe_call(const net::Call &call, const net::CallResult &result) {
    if (call.target != net::Call::Target::Helix) return;
    const int http = result.http.http_status;
    if (result.status != TC_OK && http != 404) return;
    Changes changes;
    {
        std::lock_guard<std::mutex> lock(mu_);
        if (!synced_) return;
        observe_locked(call, result, &changes);
    }
    announce(std::move(changes));
}

void View::observe_locked(const net::Call &call, const net::CallResult &result, Changes *changes) {
    const std::string path = bare_path(call);
    const int http = result.http.http_status;
    const std::string &body = result.http.body;
    std::string error;
    if (path == kSubscriptionsPath) {
        if (call.method == TC_POST && result.status == TC_OK) {
            helix::Subscription s;
            helix::CostInfo cost;
            if (helix::parse_created(body, &s, &cost, &error)) put_locked(std::move(s), changes);
        } else if (call.method == TC_DELETE && (http == 204 || http == 404)) {
            erase_locked(query_value(call, "id"), changes);  // 404: already gone at Twitch
        }
    } else if (path == kConduitsPath && result.status == TC_OK) {
        if (call.method == TC_DELETE) {
            drop_conduit_locked(query_value(call, "id"), changes);
        } else if (call.method == TC_POST || call.method == TC_PATCH) {
            std::vector<helix::Conduit> list;
            if (!helix::parse_conduits(body, &list, &error)) return;
            for (auto &c : list) {
                const bool known = conduits_.count(c.id) != 0;
                if (known && conduits_[c.id].shard_count == c.shard_count) continue;
                changes->push_back({known ? TC_VIEW_CONDUIT_UPDATED : TC_VIEW_CONDUIT_ADDED, c.id});
                auto &shards = shards_[c.id];
                if (shards.size() > static_cast<size_t>(c.shard_count)) shards.resize(static_cast<size_t>(c.shard_count));
                for (size_t i = shards.size(); i < static_cast<size_t>(c.shard_count); ++i) {
                    helix::Shard fresh;
                    fresh.id = std::to_string(i);
                    fresh.status = "";  // no transport yet: Twitch lists none
                    shards.push_back(std::move(fresh));
                }
                conduits_[c.id] = std::move(c);
                ++generation_;
            }
        }
    } else if (path == kShardsPath && call.method == TC_PATCH && (result.status == TC_OK || http == 202)) {
        util::JsonPtr request = util::json_parse(call.body);
        const char *conduit_id = request ? util::json_string(request.get(), "conduit_id") : nullptr;
        std::vector<helix::Shard> updated;
        std::string cursor;
        if (conduit_id == nullptr || !helix::parse_shard_page(body, &updated, &cursor, &error)) return;
        auto &shards = shards_[conduit_id];
        for (auto &u : updated) {
            auto at = std::find_if(shards.begin(), shards.end(), [&u](const helix::Shard &s) { return s.id == u.id; });
            changes->push_back({TC_VIEW_SHARD_STATUS, std::string(conduit_id) + "/" + u.id});
            if (at == shards.end()) {
                shards.push_back(std::move(u));
            } else {
                *at = std::move(u);
            }
            ++generation_;
        }
    }
}

void View::observe_event(const events::Message &message) {
    Changes changes;
    {
        std::lock_guard<std::mutex> lock(mu_);
        if (!synced_) return;
        if (message.kind == TC_EVENT_REVOCATION && !message.subscription_id.empty()) {
            set_status_locked(message.subscription_id,
                              message.subscription_status.empty() ? "revoked" : message.subscription_status, &changes);
        } else if (message.kind == TC_EVENT_NOTIFICATION && message.subscription_type == "conduit.shard.disabled" &&
                   !message.conduit_id.empty() && !message.shard_id.empty()) {
            auto &shards = shards_[message.conduit_id];
            auto at = std::find_if(shards.begin(), shards.end(),
                                   [&message](const helix::Shard &s) { return s.id == message.shard_id; });
            if (at == shards.end()) {
                helix::Shard s;
                s.id = message.shard_id;
                shards.push_back(std::move(s));
                at = shards.end() - 1;
            }
            const std::string status = message.shard_status.empty() ? "disabled" : message.shard_status;
            if (at->status != status) {
                at->status = status;
                ++generation_;
                changes.push_back({TC_VIEW_SHARD_STATUS, message.conduit_id + "/" + message.shard_id});
            }
        }
    }
    announce(std::move(changes));
}

std::vector<helix::Subscription> View::subscriptions(const ViewQuery &q) const {
    std::lock_guard<std::mutex> lock(mu_);
    std::vector<const helix::Subscription *> hits;
    auto consider = [&](const helix::Subscription &s) {
        if (matches(s, q)) hits.push_back(&s);
    };
    // The narrowest index first: a user, then a conduit, else everything.
    const std::set<std::string> *ids = nullptr;
    static const std::set<std::string> kNone;
    if (!q.user_id.empty()) {
        auto at = by_user_.find(q.user_id);
        ids = at != by_user_.end() ? &at->second : &kNone;
    } else if (!q.conduit_id.empty()) {
        auto at = by_conduit_.find(q.conduit_id);
        ids = at != by_conduit_.end() ? &at->second : &kNone;
    }
    if (ids != nullptr) {
        for (const auto &id : *ids) consider(subs_.at(id));
    } else {
        for (const auto &entry : subs_) consider(entry.second);
    }
    std::sort(hits.begin(), hits.end(), older);
    std::vector<helix::Subscription> out;
    out.reserve(hits.size());
    for (const auto *s : hits) out.push_back(*s);
    return out;
}

size_t View::count(const ViewQuery &q) const {
    if (q.user_id.empty() && q.conduit_id.empty() && q.type.empty() && q.status.empty()) {
        std::lock_guard<std::mutex> lock(mu_);
        return subs_.size();
    }
    return subscriptions(q).size();
}

std::vector<helix::Conduit> View::conduits() const {
    std::lock_guard<std::mutex> lock(mu_);
    std::vector<helix::Conduit> out;
    for (const auto &c : conduits_) out.push_back(c.second);
    return out;
}

bool View::shards(const std::string &conduit_id, std::vector<helix::Shard> *out) const {
    std::lock_guard<std::mutex> lock(mu_);
    if (conduits_.count(conduit_id) == 0) return false;
    auto at = shards_.find(conduit_id);
    *out = at != shards_.end() ? at->second : std::vector<helix::Shard>();
    return true;
}

}  // namespace tc::core
