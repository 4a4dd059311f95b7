// core/catalogue: name resolution, condition building (required, optional,
// one-of, extra keys dropped, bad values), planning, and the create body of
// a type that needs an extra field.
#include "unit.hpp"

#include "core/catalogue.hpp"
#include "helix/subscriptions.hpp"

#include <string>

namespace cat = tc::catalogue;
using tc::core::build_condition;
using tc::core::plan_by_type;
using tc::core::resolve_type;

namespace {

const cat::Entry &entry(const char *type, const char *version = nullptr) {
    const cat::Entry *e = version != nullptr ? cat::find(type, version) : cat::newest(type);
    assert_non_null(e);
    return *e;
}

std::string built(const cat::Entry &e, const std::string &given, std::string *error = nullptr) {
    std::string out, why;
    bool ok = build_condition(e, given, &out, &why);
    if (error != nullptr) *error = why;
    return ok ? out : "FAILED";
}

void test_resolve(void **) {
    TC_ASSERT_STR(resolve_type("channel.follow").entry->version, "2");
    TC_ASSERT_STR(resolve_type("automod.message.hold@1").entry->version, "1");
    TC_ASSERT_STR(resolve_type("automod.message.hold@1", "2").entry->version, "2");  // the field wins
    TC_ASSERT_EQ(resolve_type("channel.follow@1").status, TC_EGONE);
    TC_ASSERT_CONTAINS(resolve_type("channel.follow@1").message, "use version 2");
    TC_ASSERT_EQ(resolve_type("channel.follow@").status, TC_ENOTFOUND);
    TC_ASSERT_EQ(resolve_type("@2").status, TC_ENOTFOUND);
    TC_ASSERT_CONTAINS(resolve_type("stream.online@2").message, "(versions: 1)");
    TC_ASSERT_CONTAINS(resolve_type("x.y").message, "unknown subscription type \"x.y\"");
    assert_null(cat::newest(nullptr));
    assert_null(cat::find("stream.online", nullptr));
    assert_null(cat::find("zzzz.after.everything", "1"));
    assert_null(cat::find("a.before.everything", "1"));
}

void test_conditions(void **) {
    std::string why;
    // Required kept, extra dropped, keys sorted (the canonical form used for duplicates).
    TC_ASSERT_STR(built(entry("channel.follow"), R"({"moderator_user_id":"2","x":"y","broadcaster_user_id":"1"})"),
                  R"({"broadcaster_user_id":"1","moderator_user_id":"2"})");
    TC_ASSERT_STR(built(entry("channel.follow"), R"({"broadcaster_user_id":"1"})", &why), "FAILED");
    TC_ASSERT_CONTAINS(why, "needs the condition field moderator_user_id");
    TC_ASSERT_STR(built(entry("channel.follow"), R"({"broadcaster_user_id":"1","moderator_user_id":2})", &why), "FAILED");
    TC_ASSERT_CONTAINS(why, "moderator_user_id as a non-empty string");
    TC_ASSERT_STR(built(entry("channel.follow"), R"({"broadcaster_user_id":"","moderator_user_id":"2"})", &why), "FAILED");
    TC_ASSERT_CONTAINS(why, "broadcaster_user_id");
    // Optional: kept when present, fine when absent, refused when not a string.
    TC_ASSERT_STR(built(entry("channel.channel_points_custom_reward.update"), R"({"broadcaster_user_id":"1","reward_id":"r"})"),
                  R"({"broadcaster_user_id":"1","reward_id":"r"})");
    TC_ASSERT_STR(built(entry("channel.channel_points_custom_reward.update"), R"({"broadcaster_user_id":"1"})"),
                  R"({"broadcaster_user_id":"1"})");
    TC_ASSERT_STR(built(entry("channel.channel_points_custom_reward.update"), R"({"broadcaster_user_id":"1","reward_id":null})", &why),
                  "FAILED");
    TC_ASSERT_CONTAINS(why, "reward_id");
    // Exactly one of a group.
    TC_ASSERT_STR(built(entry("channel.raid"), R"({"to_broadcaster_user_id":"5"})"), R"({"to_broadcaster_user_id":"5"})");
    TC_ASSERT_STR(built(entry("channel.raid"), R"({"from_broadcaster_user_id":"4","to_broadcaster_user_id":"5"})", &why),
                  "FAILED");
    TC_ASSERT_CONTAINS(why, "exactly one of");
    TC_ASSERT_STR(built(entry("channel.raid"), R"({})", &why), "FAILED");
    TC_ASSERT_CONTAINS(why, "from_broadcaster_user_id or to_broadcaster_user_id");
    TC_ASSERT_STR(built(entry("channel.raid"), R"({"to_broadcaster_user_id":[]})", &why), "FAILED");
    // Not an object.
    TC_ASSERT_STR(built(entry("stream.online"), "[]", &why), "FAILED");
    TC_ASSERT_CONTAINS(why, "not a JSON object");
    TC_ASSERT_STR(built(entry("stream.online"), "{", &why), "FAILED");
}

void test_plan(void **) {
    auto plan = plan_by_type({"stream.online", "nope.nope", "drop.entitlement.grant"}, R"({"broadcaster_user_id":"1"})",
                             false);
    TC_ASSERT_EQ(plan.size(), 3);
    assert_true(plan[0].ready);
    TC_ASSERT_STR(plan[0].spec.type, "stream.online");
    assert_false(plan[1].ready);
    TC_ASSERT_EQ(plan[1].status, TC_ENOTFOUND);
    assert_false(plan[2].ready);
    TC_ASSERT_EQ(plan[2].status, TC_EINVAL);
    TC_ASSERT_CONTAINS(plan[2].message, "organization_id");

    // The extra create-body field travels with the spec into the request body.
    plan = plan_by_type({"drop.entitlement.grant"}, R"({"organization_id":"o","campaign_id":"c"})", false);
    assert_true(plan[0].ready);
    std::string body = tc::helix::create_subscription_call("cid", plan[0].spec).body;
    TC_ASSERT_CONTAINS(body, R"("is_batching_enabled":true)");
    TC_ASSERT_CONTAINS(body, R"("condition":{"campaign_id":"c","organization_id":"o"})");
    body = tc::helix::create_subscription_call("cid", plan_by_type({"stream.online"}, R"({"broadcaster_user_id":"1"})", false)[0].spec).body;
    TC_ASSERT_NOT_CONTAINS(body, "is_batching_enabled");

    // All fillable from one id: no one-of types, no types needing other ids.
    plan = plan_by_type({}, R"({"user_id":"9"})", true);
    assert_true(!plan.empty());
    for (const auto &item : plan) {
        assert_true(item.ready);
        TC_ASSERT_STR(item.spec.condition, R"({"user_id":"9"})");
    }
    TC_ASSERT_EQ(plan_by_type({}, R"({"nothing":"9"})", true).size(), 0);
}

}  // namespace

int main() {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_resolve),
        cmocka_unit_test(test_conditions),
        cmocka_unit_test(test_plan),
    };
    return cmocka_run_group_tests(tests, nullptr, nullptr);
}
