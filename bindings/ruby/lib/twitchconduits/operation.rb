# frozen_string_literal: true

module TwitchConduits
  # One asynchronous operation. Its block runs inside Client#poll / #run (or
  # Operation#wait) on the thread that calls them, never on a library thread.
  class Operation
    attr_reader :token, :value, :error

    def initialize(client, token, converter, block)
      @client = client
      @token = token
      @converter = converter
      @block = block
      @future = nil
      @done = false
      @dispatched = false
    end

    # True once the operation completed (its block may not have run yet).
    def done? = @done

    # Ask the operation to stop: it completes with Canceled. False when it
    # had already completed.
    def cancel
      @client.synchronize { !@done && @future && Native.tcb_future_cancel(@future).zero? }
    end

    # Poll the client until this operation completed and its block ran;
    # returns the value or raises its error (nil timeout = no limit).
    # Other operations' blocks run meanwhile, on this thread.
    def wait(timeout = nil)
      deadline = timeout && Client.clock + timeout
      until @dispatched || (@done && @block.nil?)
        left = deadline && deadline - Client.clock
        raise TimedOut.new("operation not done in #{timeout}s", code: -6, name: "TC_ETIMEDOUT") if left && left <= 0

        @client.poll(left ? [left, Client::SLICE].min : Client::SLICE)
      end
      value!
    end

    def value!
      raise @error if @error

      @value
    end

    # The future while pending (progress, cancel); nil afterwards.
    def future = @done ? nil : @future

    # -- used by Client (under its lock) --

    def attach(future)
      @future = future
    end

    def complete!
      return if @done

      f = @future
      status = Native.tcb_future_status(f)
      begin
        @value = @converter.call(f) if status.zero? || status == -24
      rescue StandardError => e
        @error = e
      end
      @error ||= Error.for(status, Native.tcb_future_error(f), http_status: Native.tcb_future_http_status(f),
                                                               result: @value)
      @done = true
      @future = nil
      Native.tcb_future_release(f)
    end

    def block? = !@block.nil?

    def dispatch
      @dispatched = true
      @block.call(@value, @error)
    end
  end
end
