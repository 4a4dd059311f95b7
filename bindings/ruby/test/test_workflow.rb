# frozen_string_literal: true

require_relative "helper"

# The whole workflow against tc-mock over real sockets.
class TestWorkflow < TCTest
  SECRET = "s3cr3t-webhook-secret"

  def test_token_validate_revoke
    c = client
    t = c.token
    refute_empty t.access_token
    assert_equal MockServer::CLIENT_ID, t.client_id
    refute_includes t.inspect, t.access_token
    refute_includes t.to_s, t.access_token
    refute_includes c.inspect, MockServer::CLIENT_SECRET
    assert c.validate_token.validated
    assert_nil c.revoke_token
  end

  def test_conduit_lifecycle
    c = client
    cd = c.create_conduit(2)
    assert_equal 2, cd.shard_count
    assert_includes c.conduits.map(&:id), cd.id
    assert_equal 3, c.update_conduit(cd.id, 3).shard_count
    c.delete_conduit(cd.id)
    refute_includes c.conduits.map(&:id), cd.id
  end

  def test_webhook_shard_subscriptions_events_cleanup
    MockServer.control!("config", { "allow_http_callbacks" => true })
    events = Queue.new
    app = TC::RackApp.new(SECRET) { |msg| events << msg }
    server, thread, url = RackServer.serve(app)
    c = client(flags: TC::Client::F_ALLOW_HTTP_CALLBACKS)
    cd = c.create_conduit(1)

    # The shard is enabled by the mock's challenge, answered by our Rack app.
    res = c.update_shards(cd.id, [{ id: "0", callback: "#{url}/eventsub", secret: SECRET }])
    assert res.ok?
    assert_equal "0", res.items[0].shard_id
    wait_until("shard enabled") { c.shards(cd.id).first&.status == "enabled" }
    assert_equal 1, MockServer.stats["challenges_passed"]

    # Bulk subscriptions with per-item results; one bad item -> Partial.
    specs = [spec("stream.online", "1001"), spec("stream.offline", "1001"), spec("bad type", "1")]
    err = assert_raises(TC::Partial) { c.create_subscriptions(cd.id, specs) }
    assert_equal(-24, err.code)
    assert_equal %i[created created failed], err.result.items.map(&:outcome)
    assert_kind_of TC::BadRequest, err.result.items[2].error
    again = c.create_subscriptions(cd.id, specs.first(2))
    assert_equal %i[existed existed], again.items.map(&:outcome)
    sub = err.result.items[0].subscription
    assert_equal [sub.id], c.subscriptions(subscription_id: sub.id).map(&:id)

    # A signed notification reaches the block; a tampered one is rejected.
    d = MockServer.control!("deliver", { "subscription_id" => sub.id, "wait" => true })
    assert d["delivered"], d.inspect
    msg = Timeout.timeout(5) { events.pop }
    assert_equal :notification, msg.kind
    assert_equal "stream.online", msg.subscription_type
    assert_equal "1001", msg.event["broadcaster_user_id"]
    t = MockServer.control!("deliver", { "subscription_id" => sub.id, "wait" => true, "tamper" => true })
    refute t["delivered"]
    assert_equal 403, t["http_status"]
    # A redelivery of the first message is answered 2xx but not yielded again.
    r = MockServer.control!("deliver", { "resend_of" => d["message_id"], "wait" => true })
    assert_equal 204, r["http_status"]
    assert events.empty?

    # Cleanup deletes what is not enabled, then the conduit goes.
    MockServer.control!("subscriptions/status", { "id" => sub.id, "status" => "authorization_revoked" })
    cleaned = c.cleanup_subscriptions(cd.id)
    assert_equal 1, cleaned.tally(:deleted)
    assert_equal 1, c.subscriptions(conduit_id: cd.id).count
    c.delete_conduit(cd.id)
    assert_empty c.conduits
  ensure
    server&.shutdown
    thread&.join
  end

  def test_embedded_listener_delivers_in_poll
    MockServer.control!("config", { "allow_http_callbacks" => true })
    c = client(flags: TC::Client::F_ALLOW_HTTP_CALLBACKS)
    events = []
    listener = c.listen(port: 0) { |ev| events << ev }
    listener.add_route("shard0", SECRET)
    cd = c.create_conduit(1)
    c.update_shards(cd.id, [{ id: "0", callback: "#{listener.base_url}shard0", secret: SECRET }])
    wait_until("shard enabled") { c.shards(cd.id).first&.status == "enabled" }
    sub = c.create_subscriptions(cd.id, [spec("channel.update", "77")]).items[0].subscription
    MockServer.control!("deliver", { "subscription_id" => sub.id, "wait" => true })
    assert_empty events # only inside poll
    ev = wait_until("event", client: c) { events.find(&:notification?) }
    assert_equal "shard0", ev.route_key
    assert_equal "channel.update", ev.subscription_type
    assert_equal "77", ev.event["broadcaster_user_id"]
    assert(events.any? { |e| e.kind == :verification }) # the shard's challenge, answered by the listener
  end

  def test_reconcile_and_request
    c = client
    cd = c.create_conduit(1)
    plan = c.reconcile_subscriptions(cd.id, [spec("stream.online", "5")], dry_run: true)
    assert_equal [:to_create], plan.items.map(&:outcome)
    assert_equal [:created], c.reconcile_subscriptions(cd.id, [spec("stream.online", "5")]).items.map(&:outcome)
    res = c.request(:get, "/eventsub/conduits")
    assert_equal 200, res.http_status
    assert_equal [cd.id], res.json["data"].map { |h| h["id"] }
    res = c.request(:get, "/eventsub/subscriptions", query: { "conduit_id" => cd.id })
    assert_equal 1, res.json["data"].size
  end

  def test_bulk_progress
    c = client
    cd = c.create_conduit(1)
    seen = []
    specs = (1..60).map { |i| spec("channel.update", i.to_s) }
    res = c.create_subscriptions(cd.id, specs, concurrency: 4) { |p| seen << p }
    assert_equal 60, res.tally(:created)
    refute_empty seen
    assert(seen.all? { |p| p.total == 60 && p.done <= 60 })
  end
end
