# frozen_string_literal: true

module TwitchConduits
  # A connection to Twitch (or the mock): one tc_conduits manager, used in
  # its pull form (completion.h).
  #
  # Blocking methods (conduits, create_conduit, ...) return Ruby objects or
  # raise Error subclasses. Each has an `_async` form taking a completion
  # block |value, error| and returning an Operation; those blocks run only
  # inside #poll / #run / Operation#wait, on the calling thread. A submission
  # the library refuses (bad arguments, a closed client) raises at once, in
  # both forms. Every wait releases the GVL and can be interrupted
  # (Thread#raise, Ctrl-C); an interrupted blocking call cancels its
  # operation.
  #
  # How completions reach Ruby: every operation is submitted with a token
  # (an Integer) as its userdata; one thread at a time (the "pump": whoever
  # is waiting) takes completions with tc_conduits_next() with the GVL
  # released (every ready one in one call), finds the Operation, Listener or view watch by token, builds
  # the Ruby value with the C accessors and frees the completion. Other
  # waiting threads sleep on a condition variable until the pump has taken
  # what they wait for.
  class Client
    SLICE = 0.2 # seconds: the longest single wait, as a safety net
    CLOSE_WAIT = 10 # seconds close waits for cancelled operations to complete
    SLICE_MS = (SLICE * 1000).to_i
    TAKE_MAX = 64 # completions taken in one call before routing them
    OPTIONS = %i[client_id client_secret app_token callback_url api_base_url auth_base_url ca_file
                 connect_timeout_ms request_timeout_ms max_attempts backoff_base_ms backoff_max_ms
                 ratelimit_max_wait_ms max_concurrency max_response_bytes token_refresh_margin_s flags
                 random_seed token_validate_interval_s request_deadline_ms max_list_pages].freeze
    F_NO_PACING = Native::TC_CONDUITS_F_NO_PACING
    F_ALLOW_HTTP_CALLBACKS = Native::TC_CONDUITS_F_ALLOW_HTTP_CALLBACKS
    METHODS = { get: Native::TC_GET, post: Native::TC_POST, patch: Native::TC_PATCH, put: Native::TC_PUT,
                delete: Native::TC_DELETE }.freeze
    # Interrupts (Thread#raise, Ctrl-C) wait while a completion is being
    # stored, so that none is ever lost; the wait itself is interruptible.
    DEFER_INTERRUPTS = { Object => :never }.freeze
    INTERRUPTIBLE = { Object => :immediate }.freeze

    def self.clock = Process.clock_gettime(Process::CLOCK_MONOTONIC)

    # Client.open(...) { |c| ... } closes the client when the block returns.
    def self.open(**options)
      client = new(**options)
      return client unless block_given?

      begin
        yield client
      ensure
        client.close
      end
    end

    def initialize(**options)
      unknown = options.keys - OPTIONS
      raise Error.for(Native::TC_EINVAL, "unknown option #{unknown.first}") unless unknown.empty?

      status, @c = Native.tc_conduits_new(options.transform_values { |v| v.is_a?(Symbol) ? v.to_s : v })
      Error.check(status)
      @api_base_url = options[:api_base_url]
      @lock = Mutex.new
      @cond = ConditionVariable.new
      @pumping = false
      @request_inflight = false # a blocking request's own native call is waiting (see #request)
      @ops = {}
      @listeners = {}
      @ready = []
      @taken = [] # completions the pump took for others (rbtc_request_call)
      @next_token = 0
      @view_watch = nil
    end

    def closed? = @c.nil?
    def pending = @lock.synchronize { @ops.size + (@request_inflight ? 1 : 0) }
    def inspect = "#<#{self.class.name} api_base_url=#{@api_base_url.inspect} pending=#{pending}#{closed? ? ' closed' : ''}>"
    alias to_s inspect

    # An IO on the manager's fd, readable when #poll has work (for IO.select).
    def io
      @io ||= with_manager { |c| IO.for_fd(Native.tc_conduits_fd(c), autoclose: false) }
    end

    # Wait up to timeout seconds (nil = no limit) for completions or events,
    # then run their blocks here. Returns how many ran. If blocks raised, all
    # ready blocks still run and the first exception is raised afterwards.
    # (With a block, it also returns as soon as the block is true.)
    def poll(timeout = 0, &until_true)
      await(timeout && Client.clock + timeout) { !@ready.empty? || until_true&.call }
      dispatch_ready
    end

    # Poll until no operation is pending (listener events and listings an
    # Enumerator is consuming do not count). Returns false if timeout seconds passed first.
    def run(timeout = nil)
      deadline = timeout && Client.clock + timeout
      until @lock.synchronize { @ready.empty? && !@request_inflight && @ops.each_value.all?(&:consumed_elsewhere?) }
        left = deadline && deadline - Client.clock
        return false if left && left <= 0

        poll(left ? [left, SLICE].min : SLICE)
      end
      true
    end

    # Free the client. Pending operations complete with Canceled and their
    # blocks run here (the first exception a block raises is re-raised).
    def close
      return nil if @c.nil?

      @listeners.each_value(&:close)
      with_manager { |c| Native.tc_conduits_cancel_all(c) }
      await(Client.clock + CLOSE_WAIT) { @lock.synchronize { @ops.empty? } }
      c = @lock.synchronize do
        while @pumping
          Native.tc_conduits_wakeup(@c)
          @cond.wait(@lock, SLICE)
        end
        c = @c
        @c = nil
        @io = nil
        @ops.each_value { |op| op.abandon_on_close; @ready << op if op.block? }
        @ops.clear
        c
      end
      Native.rbtc_conduits_free(c) if c
      dispatch_ready
      nil
    end

    # Start the embedded listener; block |event| gets each accepted
    # WebhookMessage (with route_key) inside #poll, and each rejected request
    # too with report_rejects: true. tls_cert_file/tls_key_file (PEM) make it
    # serve HTTPS.
    def listen(port: 0, bind_address: nil, prefix: nil, max_body_bytes: 0, report_rejects: false,
               tls_cert_file: nil, tls_key_file: nil, &block)
      with_manager do |c|
        token = (@next_token += 1)
        status, l = Native.tc_listener_new(c, { bind_address: bind_address, port: Integer(port), path_prefix: prefix,
                                                max_body_bytes: Integer(max_body_bytes), tls_cert_file: tls_cert_file,
                                                tls_key_file: tls_key_file, event_userdata: token,
                                                reject_userdata: token })
        Error.check(status)
        @listeners[token] = Listener.new(l, token, block, report_rejects)
      end
    end

    # ---- operations: name(args) blocks and returns; name_async(args) { |value, error| } ----
    #
    # Each is one line: the C function it submits (`c` the manager, `t` the
    # token) and, when the completion's result object is not the value, what
    # is (result: nil for deletes and revocations).

    # (Arguments pass through as given, keywords included: ruby2_keywords,
    # so that a call allocates no Hash for keywords it does not have.)
    def self.operation(name, result: :object, &submitter)
      define_method(name) do |*args, &progress|
        call_sync(result, progress) { |c, t| instance_exec(c, t, *args, &submitter) }
      end
      define_method(:"#{name}_async") do |*args, &blk|
        submit(result, blk) { |c, t| instance_exec(c, t, *args, &submitter) }
      end
      ruby2_keywords(name, :"#{name}_async")
    end
    private_class_method :operation

    operation(:token) { |c, t, force_refresh: false| Native.tc_token_get(c, force_refresh ? 1 : 0, t) }
    operation(:validate_token) { |c, t| Native.tc_token_validate(c, t) }
    operation(:revoke_token, result: nil) { |c, t| Native.tc_token_revoke(c, t) }
    operation(:conduits) { |c, t| Native.tc_conduits_list(c, t) }
    operation(:create_conduit) { |c, t, shard_count| Native.tc_conduit_create(c, Integer(shard_count), t) }
    operation(:update_conduit) { |c, t, id, shard_count| Native.tc_conduit_update(c, id, Integer(shard_count), t) }
    operation(:delete_conduit, result: nil) { |c, t, id| Native.tc_conduit_delete(c, id, t) }
    operation(:shards) { |c, t, conduit_id, status: nil| Native.tc_shards_list(c, conduit_id, status&.to_s, t) }
    # assignments: [{id:, callback:, secret:}] (webhook) or [{id:, session_id:}] (websocket)
    operation(:update_shards) do |c, t, conduit_id, assignments|
      Client.with_transports(assignments) { |a| Native.tc_shard_update(c, conduit_id, a, t) }
    end
    operation(:create_shard) do |c, t, conduit_id, callback_url: nil, route_key: nil|
      Native.tc_shard_create(c, conduit_id, callback_url, route_key, t)
    end
    operation(:remove_shard) do |c, t, conduit_id, shard_id, last_callback: nil, last_secret: nil|
      Client.with_transports(last_callback ? [{ id: "", callback: last_callback, secret: last_secret }] : []) do |a|
        Native.tc_shard_remove(c, conduit_id, shard_id, a.dig(0, 1), t)
      end
    end
    # specs: [{type:, version: "1", condition: {...}}]; the blocking form
    # yields Progress(done, total) as the batch advances.
    operation(:create_subscriptions) do |c, t, conduit_id, specs, concurrency: nil|
      s = Client.specs(specs)
      Native.tc_subscriptions_create(c, conduit_id, s, Client.batch(concurrency, s.size), t)
    end
    operation(:delete_subscription, result: nil) { |c, t, id| Native.tc_subscription_delete(c, id, t) }
    operation(:cleanup_subscriptions) do |c, t, conduit_id = nil, include_pending: false, concurrency: nil|
      flags = include_pending ? Native::TC_CLEANUP_F_INCLUDE_PENDING : 0
      Native.tc_subscriptions_cleanup(c, conduit_id, flags, Client.batch(concurrency, nil), t)
    end
    operation(:reconcile_subscriptions) do |c, t, conduit_id, specs, dry_run: false, concurrency: nil|
      s = Client.specs(specs)
      Native.tc_subscriptions_reconcile(c, conduit_id, s, dry_run ? Native::TC_RECONCILE_F_DRY_RUN : 0,
                                        Client.batch(concurrency, s.size), t)
    end
    # The original create_subscriptions(types, condition): types by name
    # ("channel.follow" or :"channel.follow": its newest version;
    # "channel.follow@2" or ["channel.follow", "2"]: that version) and one
    # condition for all of them (each type keeps the keys it uses). An
    # unknown type, a withdrawn version or a missing condition field fails
    # that item alone, before anything is sent. all_fillable: true (no
    # types): every type the condition fills.
    operation(:create_subscriptions_by_type) do |c, t, conduit_id, types = nil, condition: {}, all_fillable: false,
                                                 concurrency: nil|
      names = Client.type_list(types, all_fillable)
      Native.tc_subscriptions_create_by_type(c, conduit_id, names, JSON.generate(Client.condition(condition)),
                                             all_fillable ? Native::TC_BY_TYPE_F_ALL_FILLABLE : 0,
                                             Client.batch(concurrency, names&.size), t)
    end
    # A Helix call: method :get/:post/...; path relative to api_base_url;
    # body a String or an object sent as JSON. Returns a Response.
    #
    # The blocking form is one native call when this thread can take the
    # pump role (no other thread is waiting): it submits, waits and builds
    # the Response in C (rbtc_request_call). When its completion does not
    # come in that call (other completions came first, the wait slice
    # ended, an interrupt), the operation joins the usual routing.
    def request(method, path, query: nil, body: nil)
      m = METHODS[method] || Client.method_code(method)
      query &&= query.map { |k, v| [k.to_s, v.to_s] }
      body = JSON.generate(body) unless body.nil? || body.is_a?(String)
      op = nil
      r = Thread.handle_interrupt(DEFER_INTERRUPTS) do
        if (token = take_pump_role)
          begin
            res = Native.rbtc_request_call(@c, token, m, path, query, body, SLICE_MS, Response, @taken)
            op = pending_operation(token, res) if res.is_a?(Integer)
          ensure
            give_pump_role_back
          end
          res
        else
          op = submit(:object, nil) { |c, t| Native.rbtc_request_submit(c, t, m, path, query, body) }
          nil
        end
      end
      return wait_sync(op) if op
      raise Error.for(r[0], r[1], http_status: r[2]) if r.is_a?(Array)

      r
    ensure
      op.cancel if op && !op.done?
    end

    def request_async(method, path, query: nil, body: nil, &blk)
      m = METHODS[method] || Client.method_code(method)
      query &&= query.map { |k, v| [k.to_s, v.to_s] }
      body = JSON.generate(body) unless body.nil? || body.is_a?(String)
      submit(:object, blk) { |c, t| Native.rbtc_request_submit(c, t, m, path, query, body) }
    end

    def self.method_code(method)
      METHODS.fetch(method.to_s.downcase.to_sym) { raise Error.for(Native::TC_EINVAL, "bad method #{method}") }
    end

    # Load (or re-load) the synced view; the blocking form returns #view.
    operation(:sync_view, result: nil) { |c, t| Native.tc_conduits_sync(c, t) }

    # Subscriptions at Twitch matching the filter (at most one, Twitch's
    # rule): a lazy Enumerator. Each enumeration lists anew, page by page:
    # the next page is fetched only as the previous one is consumed (the C
    # API's memory bound), and stopping early (first, take, break) cancels
    # the listing. Raises at the first step when the listing fails.
    #   client.subscriptions(conduit_id: id).each { |s| ... }
    #   client.subscriptions.first(10)
    #   client.subscriptions(status: :enabled).count
    def subscriptions(**filter)
      filter = filter.transform_values { |v| v&.to_s }
      Enumerator.new { |y| each_subscription_page(filter) { |page| page.each { |s| y << s } } }
    end

    # The pages of a listing as Arrays of Subscription (see #subscriptions).
    def each_subscription_page(filter = {})
      return enum_for(__method__, filter) unless block_given?

      filter = filter.transform_values { |v| v&.to_s }
      current = nil
      op = submit(:page, nil) { |c, t| Native.tc_subscriptions_list(c, filter, t) }
      loop do
        await(nil) { op.page? || op.done? }
        if (current = @lock.synchronize { op.next_page })
          # Freed once its items were consumed: only then does the library
          # fetch the page after the next (the C API's two-page bound).
          yield Subscription.list(Native.tc_completion_page(current))
          Native.tc_completion_free(current)
          current = nil
        elsif op.done?
          op.value!
          return nil
        end
      end
    ensure
      stop_listing(op) if op # cancel first: freeing a page lets the library fetch further
      Native.tc_completion_free(current) if current
    end

    def sync
      sync_view
      view
    end

    def sync_async(&) = sync_view_async(&)

    # The original start(): the token, then the synced view; returns #view.
    def start
      token
      sync
    end

    # Queries of the synced view (see View).
    def view = View.new(self)

    # Block |change, id| runs inside #poll after each change of the view:
    # change is a Symbol of View::CHANGES, id the subscription or conduit id
    # ("" for :synced). Without a block, stops.
    def on_view_change(&block)
      with_manager do |c|
        token = block ? (@next_token += 1) : 0
        Error.check(Native.tc_view_pull_changes(c, block ? 1 : 0, token))
        @view_watch = block && ViewWatch.new(token, block)
      end
      nil
    end

    # ---- argument conversion (Ruby values to what the typemaps take) ----

    def self.specs(specs)
      raise TypeError, "specs must be an Array" unless specs.is_a?(Array)

      specs.map do |spec|
        spec = { type: spec[0], version: spec[1], condition: spec[2] } if spec.is_a?(Array)
        cond = spec[:condition] || spec["condition"]
        [(spec[:type] || spec["type"]).to_s, (spec[:version] || spec["version"] || "1").to_s,
         cond.is_a?(String) ? cond : JSON.generate(cond)]
      end
    end

    # Batch options: progress reported about every 1% (every 10 items when
    # the count is not known in advance).
    def self.batch(concurrency, count)
      { concurrency: concurrency.to_i, progress_every: count ? [count / 100, 1].max : 10 }
    end

    # Builds each assignment's tc_transport (checked by the library: the
    # error names what is wrong), yields [[shard_id, transport]], frees them.
    def self.with_transports(assignments)
      raise TypeError, "assignments must be an Array" unless assignments.is_a?(Array)

      made = []
      rows = assignments.map do |x|
        x = x.transform_keys(&:to_sym)
        status, t = if x[:session_id]
                      Native.tc_transport_websocket_new(x[:session_id].to_s)
                    else
                      Native.tc_transport_webhook_new(x[:callback]&.to_s, x[:secret]&.to_s)
                    end
        Error.check(status)
        made << t
        [x[:id].to_s, t]
      end
      yield rows
    ensure
      made&.each { |t| Native.tc_transport_free(t) }
    end

    def self.type_list(types, all_fillable)
      return nil if types.nil?
      raise TypeError, "types must be an Array of names" unless types.is_a?(Array)
      raise ArgumentError, "give types or all_fillable: true, not both" if all_fillable && !types.empty?

      types.map do |x|
        x = "#{x[0]}@#{x[1]}" if x.is_a?(Array) && x.size == 2
        raise TypeError, "a type name must be a String or Symbol: #{x.inspect}" unless x.is_a?(String) || x.is_a?(Symbol)
        raise ArgumentError, "bad type name #{x.inspect}" if x.empty? || x.to_s.include?("\n")

        x.to_s
      end
    end

    def self.condition(condition)
      raise TypeError, "condition must be a Hash" unless condition.is_a?(Hash)

      condition.to_h do |k, v|
        raise TypeError, "condition[#{k.inspect}] must be a String" unless v.is_a?(String) || v.is_a?(Integer)

        [k.to_s, v.to_s]
      end
    end

    # -- internals, used by Operation, Listener and View --

    # Yields the manager under the lock (so that close cannot free it
    # meanwhile); raises Closed after close.
    def with_manager
      @lock.synchronize do
        raise Error.for(Native::TC_ECLOSED, "client closed") if @c.nil?

        yield @c
      end
    end

    # Cancel an operation (false when it already completed).
    def cancel_op(op)
      @lock.synchronize { !op.done? && !@c.nil? && Native.tc_conduits_cancel(@c, op.id).zero? }
    end

    private

    # Submit: the block calls the C function with (manager, token) and
    # returns [status, op_id]. The Operation is registered first, since
    # another thread's pump may take its completion at once.
    def submit(result, block)
      with_manager do |c|
        token = (@next_token += 1)
        op = Operation.new(self, token, result, block)
        @ops[token] = op
        begin
          id = yield(c, token) # [status, id], or rbtc_request_submit's id (>= 0) / status (< 0)
          if id.is_a?(Integer)
            raise Error.last(id) if id.negative?
          else
            status, id = id
            raise Error.last(status) unless status.zero?
          end
        rescue Exception # rubocop:disable Lint/RescueException -- refused: never submitted
          @ops.delete(token)
          raise
        end
        op.id = id
        op
      end
    end

    def call_sync(result, progress)
      op = submit(result, nil) { |c, t| yield(c, t) } # (no Proc made of the block)
      # The common case (no progress to report) is a plain loop: the
      # waiting thread takes completions itself, its own among them.
      return wait_sync(op) unless progress

      reported = nil
      await(nil) do
        if (p = op.progress) && !p.equal?(reported)
          reported = p
          progress.call(p)
        end
        op.done?
      end
      progress.call(op.progress) if op.progress && !op.progress.equal?(reported)
      op.value!
    ensure
      op.cancel if op && !op.done?
    end

    # The waiting thread takes completions itself, its own among them.
    def wait_sync(op)
      pump_or_wait(SLICE) until op.done?
      op.value!
    end

    # The pump role for this thread's blocking request (a new token), or nil
    # when another thread has it. Raises Closed after close. Call with interrupts
    # deferred, and give it back in an ensure.
    def take_pump_role
      @lock.synchronize do
        raise Error.for(Native::TC_ECLOSED, "client closed") if @c.nil?
        next nil if @pumping

        @pumping = true
        @request_inflight = true
        @next_token += 1
      end
    end

    # Routes what the pump took for others, then gives the pump role back
    # (waking the threads waiting for it or for those completions).
    def give_pump_role_back
      unless @taken.empty? # only the pump touches @taken
        taken = @taken
        @taken = []
        route(taken)
      end
    ensure
      @lock.synchronize do
        @pumping = false
        @request_inflight = false
        @cond.broadcast
      end
    end

    # An operation rbtc_request_call submitted whose completion it did not
    # take (r its id): registered, still as the pump, for the usual routing.
    def pending_operation(token, id)
      op = Operation.new(self, token, :object, nil)
      op.id = id
      @lock.synchronize do
        @ops[token] = op
        @request_inflight = false # counted in @ops now
      end
      op
    end

    # Pump (or wait for the thread that pumps) until the block is true or
    # the deadline (nil: none) has passed; one attempt even when it already
    # has. Returns the block's last value.
    def await(deadline)
      first = true
      until (v = yield)
        left = deadline ? deadline - Client.clock : SLICE
        return v if left <= 0 && !first

        first = false
        pump_or_wait(left.clamp(0, SLICE))
      end
      v
    end

    # Interrupts are deferred from taking the pump role to giving it back
    # (so that the role is never lost), except while sleeping on the
    # condition variable; the native wait itself still wakes at once (its
    # unblocking function), and the interrupt is raised when it returns.
    def pump_or_wait(seconds)
      Thread.handle_interrupt(DEFER_INTERRUPTS) do
        c = @lock.synchronize do
          raise Error.for(Native::TC_ECLOSED, "client closed") if @c.nil?

          if @pumping
            Thread.handle_interrupt(INTERRUPTIBLE) { @cond.wait(@lock, seconds) } if seconds.positive?
            nil
          else
            @pumping = true
            @c
          end
        end
        next unless c

        begin
          pump(c, (seconds * 1000).ceil)
        ensure
          @lock.synchronize do
            @pumping = false
            @cond.broadcast
          end
        end
      end
    end

    # Take completions for up to timeout_ms (GVL released while waiting),
    # with every one already there, and route them.
    def pump(c, timeout_ms)
      taken = Native.rbtc_take(c, timeout_ms, TAKE_MAX, Response) or return
      route(taken)
    end

    # Completions (flat [completion, token, kind, status]*: see rbtc_take;
    # a successful request's completion is its Response, already freed)
    # to their Operation, Listener or view watch, under one lock. Each is
    # routed even when an earlier one raised (the first exception is raised
    # at the end), and each is freed unless an Operation keeps it (a page).
    def route(taken)
      failure = nil
      free = nil
      @lock.synchronize do
        i = 0
        while i < taken.size
          done = taken[i]
          begin
            kept = route_one(done, taken[i + 1], taken[i + 2], taken[i + 3])
            (free ||= []) << done unless kept || done.is_a?(Response)
          rescue StandardError => e
            (free ||= []) << done unless done.is_a?(Response)
            failure ||= e
          end
          i += 4
        end
      end
      free&.each { |d| Native.tc_completion_free(d) }
      raise failure if failure
    end

    # Under the lock: true when the completion is kept (a page).
    def route_one(done, token, kind, status)
      if (op = @ops[token])
        keep = op.take(done, kind, status)
        if op.done?
          @ops.delete(token)
          @ready << op if op.block?
        end
        keep
      elsif (l = @listeners[token])
        event = l.convert(done, kind)
        @ready << [l, event] if event
        false
      elsif @view_watch&.token == token && kind == Native::TC_COMPLETION_VIEW_CHANGE
        change = Native.tc_view_change_name(Native.tc_completion_view_change(done)).to_sym
        @ready << [@view_watch, [change, Native.tc_completion_view_id(done)]]
        false
      else
        false
      end
    end

    def stop_listing(op)
      return if op.done?

      held = @lock.synchronize { op.abandon }
      held.each { |d| Native.tc_completion_free(d) }
      cancel_op(op)
    end

    def dispatch_ready
      items = @lock.synchronize do
        r = @ready
        @ready = []
        r
      end
      first = nil
      items.each do |item|
        item.is_a?(Operation) ? item.dispatch : item[0].deliver(item[1])
      rescue Exception => e # rubocop:disable Lint/RescueException -- re-raised below
        first ||= e
      end
      raise first if first

      items.size
    end
  end
end
