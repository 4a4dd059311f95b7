# frozen_string_literal: true

require_relative "helper"

# The catalogue (symbols), subscribing by type names (a missing condition
# field, an unknown type, a version Twitch withdrew, a version the type does
# not have) and the synced view as subscriptions come and go, including a
# revocation received by the client's own listener -- against tc-mock.
class TestByTypeView < TCTest
  SECRET = "s3cr3t-for-tests-0123"
  USER = { broadcaster_user_id: "1001", moderator_user_id: "1002", extra: "dropped" }.freeze

  def test_catalogue
    cat = TC.catalogue
    assert_same cat, TC.catalogue
    assert_equal 79, cat.size
    assert_equal TC::Native.tc_catalogue_count, cat.all_versions.size
    follow = cat[:"channel.follow"]
    assert_equal ["channel.follow", "2", true], [follow.name, follow.version, follow.newest?]
    assert_equal %i[broadcaster_user_id moderator_user_id], follow.required
    assert_equal %i[webhook websocket conduit], follow.transports
    assert_equal :moderator, follow.authorizer
    assert_equal :ga, follow.status
    assert_same follow, cat["channel.follow"]
    assert cat.key?("channel.chat.message")
    assert_nil cat[:"no.such.type"]
    assert_equal [%i[from_broadcaster_user_id to_broadcaster_user_id]], cat[:"channel.raid"].one_of
    assert_equal({ "is_batching_enabled" => true }, cat[:"drop.entitlement.grant"].create_body_extra)
    assert_equal %w[1 2], cat.versions(:"automod.message.hold").map(&:version)
    assert(cat.withdrawn.all? { |t| t.status == :withdrawn && t.replaced_by })
    assert_equal cat.size, cat.count # Enumerable
    assert cat.frozen? && follow.frozen? && follow.required.frozen?
  end

  def test_catalogue_fetch_errors
    assert_equal "2", TC.catalogue.fetch("channel.follow").version
    refute TC.catalogue.fetch(:"automod.message.hold", 1).newest?
    gone = assert_raises(TC::Gone) { TC.catalogue.fetch("channel.follow", "1") } # needs a newer version
    assert_match(/use version 2/, gone.message)
    assert_equal :withdrawn, gone.result.status
    nf = assert_raises(TC::NotFound) { TC.catalogue.fetch("channel.chat.message", "2") }
    assert_match(/versions: 1/, nf.message)
    assert_raises(TC::NotFound) { TC.catalogue.fetch("no.such.type") }
  end

  def test_create_by_type_per_item_failures
    c = client
    cd = c.create_conduit(1)
    types = [:"channel.follow", "stream.online", "channel.chat.message", "no.such.type", "channel.follow@1",
             ["channel.chat.message", "2"], "channel.raid", ["automod.message.hold", "1"]]
    err = assert_raises(TC::Partial) { c.create_subscriptions_by_type(cd.id, types, condition: USER) }
    batch = err.result
    assert_equal %i[created created failed failed failed failed failed created], batch.items.map(&:outcome)
    follow, online = batch.items[0].subscription, batch.items[1].subscription
    assert_equal %w[channel.follow 2], [follow.type, follow.version]
    assert_equal({ "broadcaster_user_id" => "1001", "moderator_user_id" => "1002" }, follow.condition)
    assert_equal({ "broadcaster_user_id" => "1001" }, online.condition)
    missing, unknown, withdrawn, no_version, raid = batch.items[2, 5]
    assert_kind_of TC::InvalidArgument, missing.error
    assert_match(/user_id/, missing.message)
    assert_kind_of TC::NotFound, unknown.error
    assert_match(/no\.such\.type/, unknown.message)
    assert_kind_of TC::Gone, withdrawn.error
    assert_match(/use version 2/, withdrawn.message)
    assert_match(/versions: 1/, no_version.message)
    assert_match(/to_broadcaster_user_id/, raid.message)
    assert_equal "1", batch.items[7].subscription.version
    assert_equal 3, MockServer.stats["subscriptions_created"] # the failed items were never sent

    again = assert_raises(TC::Partial) { c.create_subscriptions_by_type(cd.id, types, condition: USER) }.result
    assert_equal [:existed] * 3, again.items.values_at(0, 1, 7).map(&:outcome)
    assert_equal 3, MockServer.stats["subscriptions"]

    # The async form gives the same per-item results to its block.
    got = nil
    op = c.create_subscriptions_by_type_async(cd.id, ["stream.online"], condition: USER) { |v, e| got = [v, e] }
    op.wait(10)
    assert_equal [:existed], got[0].items.map(&:outcome)
    assert_nil got[1]

    # Bad arguments fail at once.
    assert_raises(TypeError) { c.create_subscriptions_by_type(cd.id, "stream.online", condition: USER) }
    assert_raises(ArgumentError) { c.create_subscriptions_by_type(cd.id, ["stream.online", ""], condition: USER) }
    assert_raises(ArgumentError) { c.create_subscriptions_by_type(cd.id, ["a\nb"], condition: USER) }
    assert_raises(TypeError) { c.create_subscriptions_by_type(cd.id, ["stream.online"], condition: { a: 1.5 }) }
    assert_raises(ArgumentError) { c.create_subscriptions_by_type(cd.id, ["stream.online"], condition: USER, all_fillable: true) }
    assert_raises(TC::InvalidArgument) { c.create_subscriptions_by_type("", ["stream.online"], condition: USER) }
    assert_empty c.create_subscriptions_by_type(cd.id, [], condition: USER).items
  end

  def test_create_by_type_all_fillable
    c = client
    cd = c.create_conduit(1)
    ids = %i[broadcaster_user_id moderator_user_id user_id]
    expected = TC.catalogue.select { |t| t.one_of.empty? && (t.required - ids).empty? }.map(&:name)
    batch = c.create_subscriptions_by_type(cd.id, condition: ids.to_h { |k| [k, "7"] }, all_fillable: true)
    assert_operator expected.size, :>, 60
    assert_equal expected.size, batch.tally(:created)
    assert_equal expected.sort, batch.items.map { |i| i.subscription.type }.sort
  end

  def test_view_follows_changes_and_revocations
    MockServer.control!("config", { "allow_http_callbacks" => true })
    c = client(flags: TC::Client::F_ALLOW_HTTP_CALLBACKS)
    view = c.view
    refute view.synced?
    assert_equal 0, view.count
    assert_match(/tc_conduits_sync/, assert_raises(TC::InvalidArgument) { view.subscriptions }.message)

    events = []
    listener = c.listen(port: 0) { |ev| events << ev }
    listener.add_route("shard0", SECRET)
    cd = c.create_conduit(1)
    c.update_shards(cd.id, [{ id: "0", callback: "#{listener.base_url}shard0", secret: SECRET }])
    wait_until("the shard's challenge answered") { c.shards(cd.id, status: "enabled").any? }
    c.create_subscriptions_by_type(cd.id, %w[stream.online channel.follow], condition: USER)

    changes = []
    c.on_view_change { |change, id| changes << [change, id] }
    assert_kind_of TC::View, c.sync
    assert view.synced?
    wait_until("the sync reported", client: c) { changes.any? }
    assert_equal [[:synced, ""]], changes
    assert_equal [cd.id], view.conduits.map(&:id)
    assert_equal [["0", "enabled", "webhook"]], view.shards(cd.id).map { |s| [s.id, s.status, s.transport["method"]] }
    assert_raises(TC::NotFound) { view.shards("no-such-conduit") }

    assert_equal 2, view.count(conduit_id: cd.id)
    assert_equal 2, view.size
    assert_equal 2, view.count(user_id: "1001")
    assert_equal 1, view.count(user_id: "1002") # the moderator
    assert_equal 0, view.count(user_id: "1002", type: "stream.online")
    assert_equal ["channel.follow"], view.subscriptions(type: "channel.follow", status: :enabled).map(&:type)
    assert_equal 0, view.count(conduit_id: "other-conduit")
    online = view.subscriptions(type: "stream.online").first
    assert_equal "1001", online.user_id
    assert_equal cd.id, online.transport["conduit_id"]

    added = c.create_subscriptions_by_type(cd.id, ["stream.offline"], condition: USER).items[0].subscription
    assert_equal 3, view.count
    wait_until("the addition reported", client: c) { changes.include?([:subscription_added, added.id]) }

    # A revocation, received by the client's listener.
    ans = MockServer.control!("deliver", { "subscription_id" => online.id, "kind" => "revocation",
                                           "reason" => "authorization_revoked", "wait" => true })
    assert ans["delivered"], ans.inspect
    wait_until("the revocation in the view", client: c) { view.count(status: "authorization_revoked") == 1 }
    wait_until("the revocation reported", client: c) { changes.include?([:subscription_status, online.id]) }
    assert(events.any? { |e| e.kind == :revocation })
    assert_equal 2, view.count(status: "enabled")
    twitch = c.subscriptions.to_h { |s| [s.id, s.status] }
    assert_equal twitch, view.subscriptions.to_h { |s| [s.id, s.status] }

    assert_equal [:deleted], c.cleanup_subscriptions(cd.id).items.map(&:outcome)
    assert_equal 2, view.count
    wait_until("the removal reported", client: c) { changes.include?([:subscription_removed, online.id]) }

    listener.close
    c.delete_conduit(cd.id)
    assert_empty view.conduits
    assert_equal 2, view.count(status: "conduit_deleted")
    wait_until("the conduit's removal reported", client: c) { changes.include?([:conduit_removed, cd.id]) }

    c.on_view_change # stops
    n = changes.size
    c.sync
    c.poll(0.05)
    assert_equal n, changes.size
  end

  def test_start_then_close
    c = client
    view = c.start
    assert view.synced?
    assert_equal 0, view.count
    c.close
    assert_raises(TC::Closed) { view.count }
  end
end
