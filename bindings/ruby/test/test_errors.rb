# frozen_string_literal: true

require_relative "helper"

# Failures, cancellation, closing with work pending, exceptions in blocks.
class TestErrors < TCTest
  def test_bad_credentials
    c = client(client_secret: "wrongsecret0123456789abcdefghijk")
    e = assert_raises(TC::AuthError) { c.token }
    assert_equal(-10, e.code)
    assert_equal "TC_EAUTH", e.name
    assert_raises(TC::AuthError) { c.create_conduit(1) }
  end

  def test_not_found
    e = assert_raises(TC::NotFound) { client.shards("no-such-conduit") }
    assert_equal 404, e.http_status
    assert_equal(-12, e.code)
    assert_raises(TC::NotFound) { client.delete_conduit("no-such-conduit") }
  end

  def test_partial_shard_failure
    c = client
    cd = c.create_conduit(2)
    e = assert_raises(TC::Partial) do
      c.update_shards(cd.id, [{ id: "0", callback: "https://example.com/cb", secret: "0123456789abc" },
                              { id: "7", callback: "https://example.com/cb", secret: "0123456789abc" }])
    end
    items = e.result.items
    assert items[0].ok?
    assert_equal "webhook_callback_verification_pending", items[0].shard.status
    refute items[1].ok?
    assert_kind_of TC::BadRequest, items[1].error
    assert_match(/outside of the conduit's range/, items[1].error.message)
    assert_equal 1, e.result.failed
  end

  def test_invalid_arguments
    assert_raises(TC::InvalidArgument) { TC::Client.new(no_such_option: 1) }
    assert_raises(TC::InvalidArgument) { TC::Client.new(max_attempts: -1) }
    c = client
    e = assert_raises(TC::InvalidArgument) { c.create_conduit(0) }
    assert_equal(-2, e.code)
    assert_raises(TC::InvalidArgument) { c.update_shards("x", [{ id: "0", callback: "https://a.example/" }]) }
    assert_raises(TC::InvalidArgument) { c.request(:frob, "/eventsub/conduits") }
    assert_raises(ArgumentError, TypeError) { c.create_conduit("many") }
    # A submission the library refuses raises at once in the async form
    # too, and its block never runs.
    ran = false
    e = assert_raises(TC::InvalidArgument) { c.create_conduit_async(-1) { ran = true } }
    assert_match(/shard/, e.message)
    assert_equal 0, c.pending
    c.poll(0.05)
    refute ran
    assert_raises(TC::InvalidArgument) { c.subscriptions(type: "stream.online", user_id: "1").first }
    assert_raises(TC::InvalidArgument) { c.update_shards("x", [{ id: "0", callback: "not a url", secret: "0123456789abc" }]) }
    assert_raises(ArgumentError) { c.request(:get, "/eventsub/conduits", query: { "a" => "b\0c" }) }
    assert_raises(TypeError) { c.create_subscriptions("x", "not an array") }
  end

  def test_cancellation
    MockServer.control!("config", { "latency_ms" => 3000 })
    c = client
    c.token
    got = :none
    op = c.create_conduit_async(1) { |v, err| got = [v, err] }
    refute op.done?
    assert op.cancel
    assert_raises(TC::Canceled) { op.wait(5) }
    assert_nil got[0]
    assert_kind_of TC::Canceled, got[1]
    refute op.cancel
  end

  def test_close_with_work_pending
    MockServer.control!("config", { "latency_ms" => 3000 })
    c = client
    c.token
    results = []
    3.times { c.conduits_async { |v, err| results << [v, err] } }
    t0 = Process.clock_gettime(Process::CLOCK_MONOTONIC)
    c.close
    assert_operator Process.clock_gettime(Process::CLOCK_MONOTONIC) - t0, :<, 2.5
    assert_equal 3, results.size
    assert(results.all? { |v, err| v.nil? && err.is_a?(TC::Canceled) })
    assert c.closed?
    assert_raises(TC::Closed) { c.conduits }
    c.close # idempotent
  end

  def test_exception_in_block_reraised_without_losing_others
    c = client
    c.token
    ran = []
    c.create_conduit_async(1) { |v, _e| ran << v.shard_count }
    c.create_conduit_async(2) { |_v, _e| raise ArgumentError, "boom" }
    c.create_conduit_async(3) { |v, _e| ran << v.shard_count }
    e = assert_raises(ArgumentError) { c.run(10) }
    assert_equal "boom", e.message
    c.run(10)
    assert_equal [1, 3], ran.sort
  end

  def test_poll_is_interruptible
    c = client
    started = Queue.new
    th = Thread.new do
      Thread.current.report_on_exception = false
      started << true
      c.poll(nil)
    end
    started.pop
    wait_until("thread blocked in poll") { th.status == "sleep" }
    th.raise(Interrupt, "stop")
    assert_raises(Interrupt) { Timeout.timeout(3) { th.join } }
  end

  def test_blocking_call_interrupted_cancels_operation
    MockServer.control!("config", { "latency_ms" => 3000 })
    c = client
    c.token
    th = Thread.new { Thread.current.report_on_exception = false; c.conduits }
    wait_until("request pending") { c.pending == 1 }
    th.raise(Interrupt, "stop")
    assert_raises(Interrupt) { Timeout.timeout(3) { th.join } }
    assert c.run(3), "the interrupted operation was cancelled"
  end

  # Error classes come from the library's status names, not from numbers
  # typed in lib/: every status it names has its own class, whose name and
  # code are the library's; a name lib/ does not know still gets a class.
  def test_every_status_has_a_class_by_its_name
    names = (-1).downto(-1000).map { |code| [code, TC::Native.tc_status_name(code)] }.take_while { |_, n| n }
    assert_operator names.size, :>=, 28
    names.each do |code, cname|
      e = TC::Error.for(code, "x")
      refute_equal TC::Error, e.class, "#{cname} has no class of its own"
      assert_kind_of TC::Error, e
      assert_equal cname, e.name
      assert_equal code, e.code
      assert_equal TC.error_class_name(cname), e.class.name.split("::").last.to_sym
    end
    assert_equal names.size, names.map { |code, _| TC::Error.for(code).class }.uniq.size
    known = names.map(&:last)
    assert_empty TC::ERROR_CLASSES.keys - known, "classes for statuses the library does not name"
    assert_equal :Efoo, TC.error_class_name("TC_EFOO")
    assert_equal TC::NotFound, TC::Error.for(TC::Native::TC_ENOTFOUND).class
    assert_nil TC::Error.for(0)
    unknown = TC::Error.for(-100_000)
    assert_equal TC::Error, unknown.class
    assert_equal "TC_ERROR", unknown.name
    # No status number is typed in lib/ (codes are read from Native).
    Dir[File.expand_path("../lib/**/*.rb", __dir__)].each do |f|
      File.foreach(f).with_index(1) do |line, n|
        refute_match(/(=>|==|when)\s*-\d+\b/, line, "#{File.basename(f)}:#{n} compares with a status number")
      end
    end
  end

  # The handles' fast conversion (rbtc_unwrap) still checks the type: a
  # handle of another type, or anything else, is a TypeError; nil is NULL.
  def test_native_handles_are_type_checked
    c = client
    manager = c.instance_variable_get(:@c)
    assert_raises(TypeError) { TC::Native.tc_completion_free(manager) }
    assert_raises(TypeError) { TC::Native.tc_completion_free("not a completion") }
    assert_raises(TypeError) { TC::Native.rbtc_take(0, 0, 1, nil) }
    assert_nil TC::Native.tc_completion_free(nil)
    assert_nil TC::Native.rbtc_take(manager, 0, 1, nil)
  end
end
