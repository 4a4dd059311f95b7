// core/view: what the events handed to the manager do to the view
// (revocations, conduit.shard.disabled; nothing before a sync), the user
// index, and the change hook.
#include "unit.hpp"

#include "core/view.hpp"
#include "events/verifier.hpp"

#include <string>
#include <vector>

using tc::core::View;
using tc::core::ViewQuery;
using tc::core::ViewSnapshot;

namespace {

tc::helix::Subscription sub(const std::string &id, const std::string &condition) {
    tc::helix::Subscription s;
    s.id = id;
    s.type = "channel.follow";
    s.version = "2";
    s.status = "enabled";
    s.condition = condition;
    s.transport.type = TC_TRANSPORT_CONDUIT;
    s.transport.conduit_id = std::string("c1");
    return s;
}

ViewSnapshot snapshot() {
    ViewSnapshot s;
    s.conduits.push_back({"c1", 2});
    tc::helix::Shard a, b;
    a.id = "0";
    a.status = "enabled";
    b.id = "1";
    b.status = "enabled";
    s.shards["c1"] = {a, b};
    s.subscriptions.push_back(sub("s1", R"({"broadcaster_user_id":"10","moderator_user_id":"11"})"));
    s.subscriptions.push_back(sub("s2", R"({"to_broadcaster_user_id":"12"})"));
    return s;
}

tc::events::Message shard_disabled(const char *shard, const char *status) {
    tc::events::Message m;
    m.kind = TC_EVENT_NOTIFICATION;
    m.subscription_type = "conduit.shard.disabled";
    m.conduit_id = "c1";
    m.shard_id = shard;
    m.shard_status = status;
    return m;
}

tc::events::Message revoked(const char *id) {
    tc::events::Message m;
    m.kind = TC_EVENT_REVOCATION;
    m.subscription_id = id;
    m.subscription_status = "user_removed";
    return m;
}

void test_events(void **) {
    View v;
    std::vector<std::string> seen;
    v.set_changed([&seen](tc_view_change kind, const std::string &id) { seen.push_back(std::to_string(kind) + ":" + id); });
    v.observe_event(revoked("s1"));  // not synced: ignored
    assert_false(v.synced());
    TC_ASSERT_EQ(seen.size(), 0);
    v.replace(snapshot());
    TC_ASSERT_EQ(seen.size(), 1);
    TC_ASSERT_STR(seen[0], "0:");

    v.observe_event(shard_disabled("1", "websocket_disconnected"));
    std::vector<tc::helix::Shard> shards;
    assert_true(v.shards("c1", &shards));
    TC_ASSERT_STR(shards[1].status, "websocket_disconnected");
    TC_ASSERT_STR(shards[0].status, "enabled");
    TC_ASSERT_STR(seen.back(), std::to_string(TC_VIEW_SHARD_STATUS) + ":c1/1");
    v.observe_event(shard_disabled("1", "websocket_disconnected"));  // no change, no announcement
    TC_ASSERT_EQ(seen.size(), 2);

    v.observe_event(revoked("s1"));
    ViewQuery q;
    q.status = "user_removed";
    TC_ASSERT_EQ(v.count(q), 1);
    TC_ASSERT_STR(seen.back(), std::to_string(TC_VIEW_SUBSCRIPTION_STATUS) + ":s1");
    v.observe_event(revoked("unknown"));
    TC_ASSERT_EQ(seen.size(), 3);
}

void test_users(void **) {
    View v;
    v.replace(snapshot());
    ViewQuery q;
    q.user_id = "11";  // a moderator_user_id
    TC_ASSERT_EQ(v.count(q), 1);
    q.user_id = "12";  // a to_broadcaster_user_id
    TC_ASSERT_EQ(v.count(q), 1);
    q.user_id = "13";
    TC_ASSERT_EQ(v.count(q), 0);
    auto users = View::users_of(R"({"broadcaster_user_id":"1","user_id":"1","moderator_user_id":"2"})");
    TC_ASSERT_EQ(users.size(), 2);
    TC_ASSERT_EQ(View::users_of("not json").size(), 0);
}

}  // namespace

int main() {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_events),
        cmocka_unit_test(test_users),
    };
    return cmocka_run_group_tests(tests, nullptr, nullptr);
}
