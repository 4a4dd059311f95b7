# frozen_string_literal: true

require_relative "helper"

# Async operations, the block form, the pollable IO.
class TestAsync < TCTest
  def test_blocks_run_only_inside_poll
    c = client
    got = []
    op = c.create_conduit_async(2) { |v, err| got << [v, err, Thread.current] }
    c.conduits # a blocking call never runs other operations' blocks
    assert_empty got
    assert_equal 2, op.wait(5).shard_count
    assert_equal 1, got.size
    assert_nil got[0][1]
    assert_same Thread.current, got[0][2]
    assert op.done?
  end

  def test_many_concurrent_then_run
    c = client
    done = 0
    ops = Array.new(20) { c.request_async(:get, "/eventsub/conduits") { |r, err| done += 1 if r && !err } }
    assert c.run(10)
    assert_equal 20, done
    assert(ops.all?(&:done?))
  end

  def test_wait_without_block_returns_when_done
    c = client
    c.token
    t0 = Process.clock_gettime(Process::CLOCK_MONOTONIC)
    5.times { assert_equal 200, c.request_async(:get, "/eventsub/conduits").wait(5).http_status }
    # Each wait ends when its operation completes, not at the end of a
    # 200 ms wait slice.
    assert_operator Process.clock_gettime(Process::CLOCK_MONOTONIC) - t0, :<, 0.9
  end

  def test_io_select
    c = client
    got = nil
    c.token_async { |t, _e| got = t }
    assert_kind_of IO, c.io
    wait_until("token", timeout: 5) do
      IO.select([c.io], nil, nil, 0.5)
      c.poll(0)
      got
    end
    refute_empty got.access_token
  end

  def test_open_block_form_closes
    outer = nil
    TC::Client.open(client_id: MockServer::CLIENT_ID, client_secret: MockServer::CLIENT_SECRET,
                    api_base_url: "#{MockServer.url}/helix", auth_base_url: "#{MockServer.url}/oauth2") do |c|
      outer = c
      assert_equal 1, c.create_conduit(1).shard_count
    end
    assert outer.closed?
  end
end
