# frozen_string_literal: true

require_relative "helper"

# Listings are lazy Enumerators over the C API's pages; blocking calls from
# several threads share the one completion queue.
class TestListing < TCTest
  def setup
    super
    MockServer.control!("config", { "page_size" => 10 })
  end

  def make_subscriptions(c, n)
    cd = c.create_conduit(1)
    c.create_subscriptions(cd.id, (1..n).map { |i| spec("channel.update", i.to_s) })
    cd
  end

  def helix_requests = MockServer.stats["helix_requests"]

  def test_pages_on_demand
    c = client
    cd = make_subscriptions(c, 25)
    before = helix_requests
    listing = c.subscriptions(conduit_id: cd.id)
    assert_kind_of Enumerator, listing
    assert_equal before, helix_requests # nothing is fetched until it is enumerated

    first = listing.first(3)
    assert_equal 3, first.size
    # The first page and at most the one prefetched after it; stopping early
    # cancelled the listing.
    assert_operator helix_requests - before, :<=, 2
    assert c.run(5)
    assert_equal 0, c.pending

    before = helix_requests
    all = listing.to_a # enumerating again lists anew
    assert_equal 25, all.map(&:id).uniq.size
    assert_equal 3, helix_requests - before
    assert_equal first.map(&:id), all.first(3).map(&:id)
    assert(all.all? { |s| s.type == "channel.update" && s.condition["broadcaster_user_id"] })

    assert_equal [10, 10, 5], c.each_subscription_page(conduit_id: cd.id).map(&:size)
    assert_equal 12, c.subscriptions(conduit_id: cd.id).lazy.map(&:id).first(12).uniq.size
    assert c.run(5)
  end

  def test_external_enumeration_and_close
    c = client
    make_subscriptions(c, 25)
    e = c.subscriptions
    assert_kind_of TC::Subscription, e.next
    c.close # cancels the listing that e is in the middle of
    err = assert_raises(TC::Error) { 30.times { e.next } }
    assert_includes [TC::Canceled, TC::Closed], err.class
  end

  def test_failure_raises_at_the_first_step
    c = client(max_attempts: 1)
    c.token
    MockServer.control!("config", { "fail_rate" => 1.0 })
    listing = c.subscriptions
    assert_raises(TC::ServerError) { listing.first }
    assert_equal 0, c.pending
  ensure
    MockServer.control!("config", { "fail_rate" => 0.0 })
  end

  def test_blocking_calls_from_several_threads
    c = client
    c.token
    results = Queue.new
    threads = Array.new(4) do
      Thread.new { 10.times { results << c.request(:get, "/eventsub/conduits").http_status } rescue results << $! }
    end
    threads.each(&:join)
    got = Array.new(40) { results.pop }
    assert_equal [200] * 40, got
    assert_equal 0, c.pending
  end

  def test_async_progress_and_pending
    c = client
    cd = c.create_conduit(1)
    got = nil
    op = c.create_subscriptions_async(cd.id, (1..30).map { |i| spec("channel.update", i.to_s) }) { |v, e| got = [v, e] }
    assert_equal 1, c.pending
    assert_equal 30, op.wait(10).tally(:created)
    assert_equal [30, 30], [op.progress.done, op.progress.total]
    assert_nil got[1]
    assert_equal 0, c.pending
  end
end
