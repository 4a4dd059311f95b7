# frozen_string_literal: true

require "monitor"

module TwitchConduits
  # A connection to Twitch (or the mock): a manager plus a ready queue.
  #
  # Blocking methods (conduits, create_conduit, ...) return Ruby objects or
  # raise Error subclasses. Each has an `_async` form taking a completion
  # block |value, error| and returning an Operation; those blocks run only
  # inside #poll / #run / Operation#wait, on the calling thread. Every wait
  # releases the GVL and can be interrupted (Thread#raise, Ctrl-C); an
  # interrupted blocking call cancels its operation.
  class Client
    SLICE = 0.2 # seconds: the longest single wait, as a safety net
    STRING_OPTIONS = %i[client_id client_secret app_token callback_url api_base_url auth_base_url ca_file].freeze
    INT_OPTIONS = %i[connect_timeout_ms request_timeout_ms max_attempts backoff_base_ms backoff_max_ms
                     ratelimit_max_wait_ms max_concurrency max_response_bytes token_refresh_margin_s flags
                     random_seed token_validate_interval_s].freeze
    F_NO_PACING = 2
    F_ALLOW_HTTP_CALLBACKS = 4
    METHODS = { get: 0, post: 1, patch: 2, put: 3, delete: 4 }.freeze

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
      cfg = Native.tcb_config_new or raise Error.last
      begin
        options.each do |name, value|
          next if value.nil?

          if STRING_OPTIONS.include?(name)
            Error.check(Native.tcb_config_set_string(cfg, name.to_s, value.to_s))
          elsif INT_OPTIONS.include?(name)
            Error.check(Native.tcb_config_set_int(cfg, name.to_s, Integer(value)))
          else
            raise InvalidArgument.new("unknown option #{name}", code: -2, name: "TC_EINVAL")
          end
        end
        @cl = Native.tcb_client_new(cfg) or raise Error.last
      ensure
        Native.tcb_config_free(cfg)
      end
      @api_base_url = options[:api_base_url]
      @lock = Monitor.new
      @ops = {}
      @listeners = {}
      @ready = []
      @next_token = 0
      @view_watch = nil
    end

    def synchronize(&block) = @lock.synchronize(&block)
    def closed? = @cl.nil?
    def pending = synchronize { @ops.size }
    def inspect = "#<#{self.class.name} api_base_url=#{@api_base_url.inspect} pending=#{pending}#{closed? ? ' closed' : ''}>"
    alias to_s inspect

    # An IO on the manager's fd, readable when #poll has work (for IO.select).
    def io
      @io ||= IO.for_fd(Native.tc_conduits_fd(Native.tcb_client_manager(live)), autoclose: false)
    end

    # Wait up to timeout seconds (nil = no limit) for completions or events,
    # then run their blocks here. Returns how many ran. If blocks raised, all
    # ready blocks still run and the first exception is raised afterwards.
    def poll(timeout = 0)
      deadline = timeout && Client.clock + timeout
      loop do
        drain
        left = deadline && [deadline - Client.clock, 0].max
        slice = @ready.empty? ? [left || SLICE, SLICE].min : 0
        wait_native(slice)
        drain
        break if !@ready.empty? || (left && left <= slice)
      end
      dispatch_ready
    end

    # Poll until no operation is pending (listener events do not count).
    # Returns false if timeout seconds passed first.
    def run(timeout = nil)
      deadline = timeout && Client.clock + timeout
      until synchronize { @ops.empty? && @ready.empty? }
        left = deadline && deadline - Client.clock
        return false if left && left <= 0

        poll(left ? [left, SLICE].min : SLICE)
      end
      true
    end

    # Free the client. Pending operations complete with Canceled and their
    # blocks run here (the first exception a block raises is re-raised).
    def close
      cl = @cl or return nil
      drain
      @listeners.each_value(&:close)
      @io = nil
      Native.tcbr_client_free(cl)
      synchronize do
        @cl = nil
        @ops.each_value { |op| op.complete!; @ready << op if op.block? }
        @ops.clear
      end
      dispatch_ready
      nil
    end

    # Start the embedded listener; block |event| gets each accepted
    # WebhookMessage (with route_key) inside #poll.
    # tls_cert_file/tls_key_file (PEM) make it serve HTTPS.
    def listen(port: 0, bind_address: nil, prefix: nil, max_body_bytes: 0, report_rejects: false,
               tls_cert_file: nil, tls_key_file: nil, &block)
      synchronize do
        token = (@next_token += 1)
        l = Native.tcb_listener_new(live, bind_address, port, prefix, max_body_bytes, report_rejects ? 1 : 0,
                                    token, tls_cert_file, tls_key_file) or raise Error.last
        @listeners[token] = Listener.new(self, l, token, block)
      end
    end

    # ---- operations: name(args) blocks and returns; name_async(args) { |value, error| } ----

    def self.operation(name, &submitter)
      define_method(name) { |*args, **kw, &progress| call_sync(progress) { |cl, t| instance_exec(cl, t, *args, **kw, &submitter) } }
      define_method(:"#{name}_async") { |*args, **kw, &blk| submit(blk) { |cl, t| instance_exec(cl, t, *args, **kw, &submitter) } }
    end
    private_class_method :operation

    operation(:token) { |cl, t, force_refresh: false| Native.tcb_token_get(cl, force_refresh ? 1 : 0, t) }
    operation(:validate_token) { |cl, t| Native.tcb_token_validate(cl, t) }
    operation(:revoke_token) { |cl, t| Native.tcb_token_revoke(cl, t) }
    operation(:conduits) { |cl, t| Native.tcb_conduits_list(cl, t) }
    operation(:create_conduit) { |cl, t, shard_count| Native.tcb_conduit_create(cl, Integer(shard_count), t) }
    operation(:update_conduit) { |cl, t, id, shard_count| Native.tcb_conduit_update(cl, id, Integer(shard_count), t) }
    operation(:delete_conduit) { |cl, t, id| Native.tcb_conduit_delete(cl, id, t) }
    operation(:shards) { |cl, t, conduit_id, status: nil| Native.tcb_shards_list(cl, conduit_id, status, t) }
    # assignments: [{id:, callback:, secret:}] (webhook) or [{id:, session_id:}] (websocket)
    operation(:update_shards) do |cl, t, conduit_id, assignments|
      with_assignments(assignments) { |a| Native.tcb_shard_update(cl, conduit_id, a, t) }
    end
    operation(:create_shard) do |cl, t, conduit_id, callback_url: nil, route_key: nil|
      Native.tcb_shard_create(cl, conduit_id, callback_url, route_key, t)
    end
    operation(:remove_shard) do |cl, t, conduit_id, shard_id, last_callback: nil, last_secret: nil|
      Native.tcb_shard_remove(cl, conduit_id, shard_id, last_callback, last_secret, t)
    end
    # specs: [{type:, version: "1", condition: {...}}]; the blocking form
    # yields Progress(done, total) as the batch advances.
    operation(:create_subscriptions) do |cl, t, conduit_id, specs, concurrency: nil|
      with_specs(specs) { |s| Native.tcb_subscriptions_create(cl, conduit_id, s, concurrency.to_i, t) }
    end
    operation(:subscriptions) do |cl, t, status: nil, type: nil, user_id: nil, subscription_id: nil, conduit_id: nil|
      Native.tcb_subscriptions_list(cl, status, type, user_id, subscription_id, conduit_id, t)
    end
    operation(:delete_subscription) { |cl, t, id| Native.tcb_subscription_delete(cl, id, t) }
    operation(:cleanup_subscriptions) do |cl, t, conduit_id = nil, include_pending: false, concurrency: nil|
      Native.tcb_subscriptions_cleanup(cl, conduit_id, include_pending ? 1 : 0, concurrency.to_i, t)
    end
    operation(:reconcile_subscriptions) do |cl, t, conduit_id, specs, dry_run: false, concurrency: nil|
      with_specs(specs) { |s| Native.tcb_subscriptions_reconcile(cl, conduit_id, s, dry_run ? 1 : 0, concurrency.to_i, t) }
    end
    # The original create_subscriptions(types, condition): types by name
    # ("channel.follow" or :"channel.follow": its newest version;
    # "channel.follow@2" or ["channel.follow", "2"]: that version) and one
    # condition for all of them (each type keeps the keys it uses). An
    # unknown type, a withdrawn version or a missing condition field fails
    # that item alone, before anything is sent. all_fillable: true (no
    # types): every type the condition fills.
    operation(:create_subscriptions_by_type) do |cl, t, conduit_id, types = nil, condition: {}, all_fillable: false,
                                                 concurrency: nil|
      Native.tcb_subscriptions_create_by_type(cl, conduit_id, Client.type_list(types, all_fillable),
                                              JSON.generate(Client.condition(condition)), all_fillable ? 1 : 0,
                                              concurrency.to_i, t)
    end
    # A Helix call: method :get/:post/...; path relative to api_base_url;
    # body a String or an object sent as JSON. Returns a Response.
    operation(:request) do |cl, t, method, path, query: nil, body: nil|
      m = METHODS.fetch(method.to_s.downcase.to_sym) { raise InvalidArgument.new("bad method #{method}", code: -2, name: "TC_EINVAL") }
      body = JSON.generate(body) unless body.nil? || body.is_a?(String)
      with_pairs(query) { |q| Native.tcb_request(cl, m, path, q, body, 0, t) }
    end

    # Load (or re-load) the synced view; returns #view.
    def sync
      call_sync(nil) { |cl, t| Native.tcb_sync_view(cl, t) }
      view
    end

    def sync_async(&blk) = submit(blk) { |cl, t| Native.tcb_sync_view(cl, t) }

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
      synchronize do
        token = block ? (@next_token += 1) : 0
        Error.check(Native.tcb_view_watch(live, token))
        @view_watch = block && ViewWatch.new(token, block)
      end
      nil
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
      end.join("\n")
    end

    def self.condition(condition)
      raise TypeError, "condition must be a Hash" unless condition.is_a?(Hash)

      condition.to_h do |k, v|
        raise TypeError, "condition[#{k.inspect}] must be a String" unless v.is_a?(String) || v.is_a?(Integer)

        [k.to_s, v.to_s]
      end
    end

    # -- internals, used by Operation and Listener --

    # Completed futures move from the C ready queue to @ready (never runs blocks).
    def drain
      synchronize do
        return unless @cl

        while (f = Native.tcb_client_next_ready(@cl))
          token = Native.tcb_future_token(f)
          if (op = @ops.delete(token))
            Native.tcb_future_release(f)
            op.complete!
            @ready << op if op.block?
          elsif (l = @listeners[token])
            m = Native.tcb_future_message(f)
            @ready << [l, WebhookMessage.from_native(m, route_key: Native.tcb_future_route_key(f))] if m
            Native.tcb_future_release(f)
          elsif @view_watch&.token == token
            change = View::CHANGES[Native.tcb_future_view_change(f)]
            @ready << [@view_watch, [change, Native.tcb_future_view_id(f)]]
            Native.tcb_future_release(f)
          else
            Native.tcb_future_release(f)
          end
        end
      end
    end

    private

    def live = @cl || raise(Closed.new("client closed", code: -17, name: "TC_ECLOSED"))

    def wait_native(seconds)
      cl = live
      Native.tcbr_poll(cl, (seconds * 1000).ceil)
    end

    def dispatch_ready
      items = synchronize { r = @ready; @ready = []; r }
      first = nil
      items.each do |item|
        item.is_a?(Operation) ? item.dispatch : item[0].deliver(item[1])
      rescue Exception => e # rubocop:disable Lint/RescueException -- re-raised below
        first ||= e
      end
      raise first if first

      items.size
    end

    def submit(block)
      synchronize do
        token = (@next_token += 1)
        op = Operation.new(self, token, CONVERT, block)
        f = yield(live, token) or raise NoMemory.new(nil, code: -3, name: "TC_ENOMEM")
        op.attach(f)
        if Native.tcb_future_op_id(f).zero? # refused at submission: done, never queued
          op.complete!
          @ready << op if op.block?
        else
          @ops[token] = op
        end
        op
      end
    end

    def call_sync(progress, &submitter)
      op = submit(nil, &submitter)
      last = nil
      loop do
        drain
        break if op.done?

        last = report_progress(op, progress, last) if progress
        wait_native(SLICE)
      end
      op.value!
    ensure
      op&.cancel unless op.nil? || op.done?
    end

    def report_progress(op, progress, last)
      cur = synchronize do
        f = op.future
        f && [Native.tcb_future_progress_done(f), Native.tcb_future_progress_total(f)]
      end
      progress.call(Progress.new(*cur)) if cur && cur != last && cur[1].positive?
      cur || last
    end

    def with_specs(specs)
      s = Native.tcb_specs_new
      specs.each do |spec|
        spec = { type: spec[0], version: spec[1], condition: spec[2] } if spec.is_a?(Array)
        cond = spec[:condition] || spec["condition"]
        Error.check(Native.tcb_specs_add(s, (spec[:type] || spec["type"]).to_s,
                                         (spec[:version] || spec["version"] || "1").to_s,
                                         cond.is_a?(String) ? cond : JSON.generate(cond)))
      end
      yield s
    ensure
      Native.tcb_specs_free(s) if s
    end

    def with_assignments(assignments)
      a = Native.tcb_assignments_new
      assignments.each do |x|
        x = x.transform_keys(&:to_sym)
        st = if x[:session_id]
               Native.tcb_assignments_add_websocket(a, x[:id].to_s, x[:session_id])
             else
               Native.tcb_assignments_add_webhook(a, x[:id].to_s, x[:callback], x[:secret])
             end
        Error.check(st)
      end
      yield a
    ensure
      Native.tcb_assignments_free(a) if a
    end

    def with_pairs(pairs)
      return yield(nil) if pairs.nil?

      p = Native.tcb_pairs_new
      pairs.each { |k, v| Error.check(Native.tcb_pairs_add(p, k.to_s, v.to_s)) }
      yield p
    ensure
      Native.tcb_pairs_free(p) if p
    end

    def self.parse_json(f) = JSON.parse(Native.tcb_future_result_json(f, 0) || "null")

    # The value of a completed future, by kind.
    CONVERT = lambda do |f|
      case Native.tcb_future_kind(f)
      when 1 then (t = Native.tcb_future_token_obj(f)) && Token.from_native(t)
      when 2 then Conduit.from_h(parse_json(f))
      when 3 then parse_json(f).map { |h| Conduit.from_h(h) }
      when 4 then Shard.from_h(parse_json(f))
      when 5 then parse_json(f).map { |h| Shard.from_h(h) }
      when 6 then ShardUpdateResult.from_h(parse_json(f))
      when 7 then BatchResult.from_h(parse_json(f))
      when 8 then parse_json(f).map { |h| Subscription.from_h(h) }
      when 9 then (r = Native.tcb_future_response(f)) && Response.from_native(r)
      end
    end
  end
end
