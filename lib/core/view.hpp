// The synced view (the original's start()/sync_subscriptions(), without its
// bugs): the application's conduits, their shards and every subscription,
// loaded by tc_conduits_sync() and then kept current from what the library
// itself sees: its own successful calls (observe_call: creates, deletes,
// cleanup, reconcile, conduit and shard updates, raw requests alike, since
// they all pass the manager's one call path) and the events handed to it
// (observe_event: revocations, conduit.shard.disabled).
//
// Stale when: another process (or the Twitch console) changes subscriptions
// or conduits; an event is missed (no listener, or delivered elsewhere);
// Twitch changes a status on its own without an event (e.g. a websocket
// shard going offline). tc_conduits_sync() again to re-load.
//
// Thread-safe: observers run on the I/O and listener threads, queries on any
// thread; one mutex guards the state. The change hook runs outside it.
#pragma once

#include "helix/types.hpp"
#include "net/engine.hpp"

#include <twitchconduits/subscription.h>

#include <functional>
#include <map>
#include <mutex>
#include <set>
#include <string>
#include <unordered_map>
#include <vector>

namespace tc::events {
struct Message;
}

namespace tc::core {

struct ViewQuery {
    std::string conduit_id, user_id, type, status;  // "" = any
};

struct ViewSnapshot {
    std::vector<helix::Conduit> conduits;
    std::map<std::string, std::vector<helix::Shard>> shards;  // by conduit id
    std::vector<helix::Subscription> subscriptions;
};

class View {
public:
    using Changed = std::function<void(tc_view_change kind, const std::string &id)>;

    // The change hook, set once before any observer runs; called after each
    // change, outside the view's lock.
    void set_changed(Changed changed) { changed_ = std::move(changed); }

    // Replaces everything with a fresh load and marks the view synced.
    void replace(ViewSnapshot &&snapshot);
    bool synced() const;
    uint64_t generation() const;  // bumped by every change

    // A successful Helix call and its answer (loop thread). No-op until synced.
    void observe_call(const net::Call &call, const net::CallResult &result);
    // A verified EventSub message (any thread). No-op until synced.
    void observe_event(const events::Message &message);

    std::vector<helix::Subscription> subscriptions(const ViewQuery &q) const;
    size_t count(const ViewQuery &q) const;
    std::vector<helix::Conduit> conduits() const;
    // False when the view does not know that conduit.
    bool shards(const std::string &conduit_id, std::vector<helix::Shard> *out) const;

    // The user ids a condition names (broadcaster_user_id, user_id,
    // moderator_user_id, from_/to_broadcaster_user_id).
    static std::vector<std::string> users_of(const std::string &condition_json);

private:
    struct Change {
        tc_view_change kind;
        std::string id;
    };
    using Changes = std::vector<Change>;

    void put_locked(helix::Subscription &&s, Changes *changes);
    void erase_locked(const std::string &id, Changes *changes);
    void set_status_locked(const std::string &id, const std::string &status, Changes *changes);
    void drop_conduit_locked(const std::string &conduit_id, Changes *changes);
    void announce(Changes &&changes);
    void observe_locked(const net::Call &call, const net::CallResult &result, Changes *changes);

    mutable std::mutex mu_;
    bool synced_ = false;
    uint64_t generation_ = 0;
    std::map<std::string, helix::Conduit> conduits_;
    std::map<std::string, std::vector<helix::Shard>> shards_;
    std::unordered_map<std::string, helix::Subscription> subs_;
    // Indexes: subscription ids by conduit and by user id.
    std::unordered_map<std::string, std::set<std::string>> by_conduit_, by_user_;
    Changed changed_;
};

}  // namespace tc::core
