# frozen_string_literal: true

require_relative "helper"

# Client#request's one-native-call path (rbtc_request_call): a thread that
# can take the pump role submits, waits and gets its Response in one call;
# what goes wrong while it waits (interrupts, close, other completions)
# must neither lose nor leak an operation.
class TestRequestCall < TCTest
  def clock = Process.clock_gettime(Process::CLOCK_MONOTONIC)

  # Counts the operations the one-call path had to hand to the usual
  # routing (its own completion did not come in that call).
  def count_handoffs(client)
    hits = [0]
    client.singleton_class.prepend(Module.new do
      define_method(:pending_operation) do |*args|
        hits[0] += 1
        super(*args)
      end
    end)
    hits
  end

  def test_request_returns_response
    c = client
    hits = count_handoffs(c)
    r = c.request(:get, "/eventsub/conduits", query: { first: 1 })
    assert_equal 200, r.http_status
    assert_equal [], JSON.parse(r.body)["data"]
    assert_kind_of Float, r.elapsed_ms
    assert r.headers["Content-Type"].frozen? == false
    assert(r.headers.keys.all?(&:frozen?))
    assert_equal 0, hits[0], "answered within the one native call"
    assert_equal 0, c.pending
  end

  def test_error_status_raises_its_class
    c = client
    e = assert_raises(TC::NotFound) { c.request(:get, "/no/such/endpoint") }
    assert_equal 404, e.http_status
    assert_equal "TC_ENOTFOUND", e.name
    # Refused at submission: the library's message, nothing left pending.
    e = assert_raises(TC::InvalidArgument) { c.request(:get, "no-slash") }
    assert_match(/path must start with/, e.message)
    assert_raises(TC::InvalidArgument) { c.request(:fetch, "/eventsub/conduits") }
    # Bad Ruby arguments raise before anything is submitted; the pump role
    # is given back (the next call still works).
    assert_raises(TypeError) { c.request(:get, nil) }
    assert_equal 0, c.pending
    assert_equal 200, c.request(:get, "/eventsub/conduits").http_status
    c.close
    assert_raises(TC::Closed) { c.request(:get, "/eventsub/conduits") }
  end

  def test_interrupt_while_waiting_cancels_the_request
    c = client
    c.token
    MockServer.control!("config", { "latency_ms" => 5000 })
    th = Thread.new do
      Thread.current.report_on_exception = false
      c.request(:get, "/eventsub/conduits")
    end
    wait_until("request waiting") { c.pending == 1 && th.status == "sleep" }
    t0 = clock
    th.raise(Interrupt, "stop")
    assert_raises(Interrupt) { Timeout.timeout(3) { th.join } }
    assert_operator clock - t0, :<, 2, "the wait was woken at once, not at the answer"
    assert c.run(3), "the cancelled request's completion was taken"
    assert_equal 0, c.pending
    MockServer.control!("config", { "latency_ms" => 0 })
    assert_equal 200, c.request(:get, "/eventsub/conduits").http_status
  end

  # The main thread waits in bounded slices (no unblocking function): an
  # interrupt is seen when the slice ends.
  def test_interrupt_of_the_main_thread_while_waiting
    c = client
    c.token
    MockServer.control!("config", { "latency_ms" => 5000 })
    main = Thread.current
    raiser = Thread.new do
      sleep 0.01 until c.pending == 1 && main.status == "sleep"
      main.raise(Interrupt, "stop")
    end
    t0 = clock
    assert_raises(Interrupt) { c.request(:get, "/eventsub/conduits") }
    raiser.join
    assert_operator clock - t0, :<, 3
    assert c.run(3)
    assert_equal 0, c.pending
  end

  def test_close_while_waiting_cancels_the_request
    c = client
    c.token
    MockServer.control!("config", { "latency_ms" => 5000 })
    th = Thread.new do
      Thread.current.report_on_exception = false
      c.request(:get, "/eventsub/conduits")
    end
    wait_until("request waiting") { c.pending == 1 && th.status == "sleep" }
    t0 = clock
    c.close
    assert_operator clock - t0, :<, 3, "close did not wait for the answer"
    e = assert_raises(TC::Canceled) { Timeout.timeout(3) { th.value } }
    assert_equal "TC_ECANCELED", e.name
    assert c.closed?
  end

  # While one thread waits in its native call, completions of other
  # operations it takes (async ones, cancelled ones, another thread's
  # blocking request) reach their owners, each exactly once.
  def test_other_completions_delivered_while_one_waits
    c = client
    c.token
    MockServer.control!("config", { "latency_ms" => 300 })
    hits = count_handoffs(c)
    waiter = Thread.new { c.request(:get, "/eventsub/conduits") } # takes the pump role
    wait_until("waiter in its call") { c.pending == 1 && waiter.status == "sleep" }
    got = []
    ops = Array.new(3) { |i| c.request_async(:get, "/eventsub/conduits") { |r, err| got << [i, r&.http_status, err.class] } }
    other = Thread.new { c.request(:get, "/eventsub/conduits", query: { first: 2 }) } # waits for the pump
    # Cancelled ones complete at once, while the waiter's own is still
    # 300 ms away: the waiter takes them in its call and hands them on.
    assert ops[0].cancel
    assert ops[1].cancel
    assert_equal 200, Timeout.timeout(5) { waiter.value }.http_status
    assert_equal 200, Timeout.timeout(5) { other.value }.http_status
    assert c.run(5)
    assert_equal [[0, nil, TC::Canceled], [1, nil, TC::Canceled], [2, 200, NilClass]], got.sort_by(&:first)
    assert(ops.all?(&:done?))
    c.poll(0.05)
    assert_equal 3, got.size, "each block ran once"
    assert_operator hits[0], :>=, 1, "the waiter took others' completions and handed its own on"
    assert_equal 0, c.pending
  end
end
