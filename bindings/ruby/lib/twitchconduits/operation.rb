# frozen_string_literal: true

module TwitchConduits
  # One asynchronous operation. Its block runs inside Client#poll / #run (or
  # Operation#wait) on the thread that calls them, never on a library thread.
  class Operation
    attr_reader :token, :value, :error
    # The tc_op_id the library gave it.
    attr_accessor :id
    # The latest Progress of a batch (nil before the first report).
    attr_reader :progress

    # result: :object (the completion's result object, by its kind), nil
    # (no value: deletes, revocations, the sync) or :page (a listing).
    def initialize(client, token, result, block)
      @client = client
      @token = token
      @result = result
      @block = block
      @done = false
      @dispatched = false
      @progress = nil
      @pages = [] if result == :page
      @abandoned = false
    end

    # True once the operation completed (its block may not have run yet).
    def done? = @done

    # Ask the operation to stop: it completes with Canceled. False when it
    # had already completed.
    def cancel = @client.cancel_op(self)

    # Poll the client until this operation completed and its block ran;
    # returns the value or raises its error (nil timeout = no limit).
    # Other operations' blocks run meanwhile, on this thread.
    def wait(timeout = nil)
      deadline = timeout && Client.clock + timeout
      until @dispatched || (@done && @block.nil?)
        left = deadline && deadline - Client.clock
        raise Error.for(Native::TC_ETIMEDOUT, "operation not done in #{timeout}s") if left && left <= 0

        @client.poll(left ? [left, Client::SLICE].min : Client::SLICE) { @done }
      end
      value!
    end

    def value!
      raise @error if @error

      @value
    end

    def block? = !@block.nil?
    def listing? = @result == :page
    # A listing whose pages an Enumerator is still consuming.
    def consumed_elsewhere? = listing? && !@abandoned

    def dispatch
      @dispatched = true
      @block.call(@value, @error)
    end

    # ---- used by Client, under its lock ----

    # A completion of this operation (kind: its tc_completion_kind). Returns
    # true when the completion is kept (a page waiting to be consumed), false
    # when the caller frees it.
    def take(done, kind, status)
      case kind
      when Native::TC_COMPLETION_PROGRESS
        _, d, total = Native.tc_completion_progress(done)
        @progress = Progress.new(d, total)
        false
      when Native::TC_COMPLETION_PAGE
        return false if @abandoned

        @pages << done
        true
      else
        finish(done, kind, status)
        false
      end
    end

    def page? = !@pages.empty?
    def next_page = @pages.shift

    # The listing's consumer stopped: pages held are returned (to be freed),
    # later ones are freed as they come.
    def abandon
      @abandoned = true
      held = @pages
      @pages = []
      held
    end

    # Close gave up waiting for the final completion.
    def abandon_on_close
      @error = Error.for(Native::TC_ECANCELED, "client closed")
      @done = true
    end

    private

    # The final completion: the value from the accessors of its result
    # object (also for a Partial batch), or the error.
    def finish(done, kind, status)
      begin
        @value = CONVERT.fetch(kind).call(done) if @result == :object && (status.zero? || status == Native::TC_EPARTIAL)
      rescue StandardError => e
        @error = e
      end
      if @error.nil? && !status.zero?
        @error = Error.for(status, Native.tc_completion_message(done), http_status: Native.tc_completion_http_status(done),
                                                                       result: @value)
      end
      @done = true
    end

    n = Native
    CONVERT = {
      n::TC_COMPLETION_DONE => ->(_d) {},
      n::TC_COMPLETION_RESPONSE => ->(d) { d.is_a?(Response) ? d : n.rbtc_response(d, Response) }, # (see rbtc_take)
      n::TC_COMPLETION_TOKEN => ->(d) { (t = n.tc_completion_token(d)) && Token.from_native(t) },
      n::TC_COMPLETION_USER => ->(d) { (u = n.tc_completion_user(d)) && User.from_native(u) },
      n::TC_COMPLETION_CONDUIT => ->(d) { (c = n.tc_completion_conduit(d)) && Conduit.from_native(c) },
      n::TC_COMPLETION_CONDUIT_LIST => lambda do |d|
        l = n.tc_completion_conduit_list(d)
        l && Array.new(n.tc_conduit_list_count(l)) { |i| Conduit.from_native(n.tc_conduit_list_get(l, i)) }
      end,
      n::TC_COMPLETION_SHARD => ->(d) { Shard.from_native(n.tc_completion_shard(d)) },
      n::TC_COMPLETION_SHARD_LIST => lambda do |d|
        l = n.tc_completion_shard_list(d)
        l && Array.new(n.tc_shard_list_count(l)) { |i| Shard.from_native(n.tc_shard_list_get(l, i)) }
      end,
      n::TC_COMPLETION_SHARD_UPDATE => ->(d) { (r = n.tc_completion_shard_update(d)) && ShardUpdateResult.from_native(r) },
      n::TC_COMPLETION_BATCH => ->(d) { (b = n.tc_completion_batch(d)) && BatchResult.from_native(b) }
    }.freeze
    private_constant :CONVERT
  end
end
