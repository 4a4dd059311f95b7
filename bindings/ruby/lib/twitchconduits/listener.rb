# frozen_string_literal: true

module TwitchConduits
  # The library's embedded HTTP listener (Client#listen). Requests are
  # answered on its own thread; each accepted event (and, with
  # report_rejects, each rejected request) comes through the manager's
  # completion queue and is handed to the block inside Client#poll, on the
  # polling thread.
  class Listener
    attr_reader :token

    def initialize(handle, token, block, report_rejects)
      @l = handle
      @token = token
      @block = block
      @report_rejects = report_rejects
    end

    def base_url = (@l && Native.tc_listener_base_url(@l))
    def port = (@l && Native.tc_listener_port(@l))

    # Serve <base_url><key>, checking signatures with secret.
    def add_route(key, secret) = Error.check(Native.tc_listener_add_route(live, key, secret))
    def remove_route(key) = Error.check(Native.tc_listener_remove_route(live, key))
    def add_secret(key, secret) = Error.check(Native.tc_listener_add_secret(live, key, secret))
    def remove_secret(key, secret) = Error.check(Native.tc_listener_remove_secret(live, key, secret))

    # Stop listening. Events already received are still delivered by poll.
    def close
      l = @l
      @l = nil
      Native.rbtc_listener_free(l) if l
      nil
    end

    def closed? = @l.nil?

    def deliver(event)
      @block&.call(event)
    end

    # The WebhookMessage of an event or reject completion (nil when it is
    # not delivered). Used by Client while routing.
    def convert(done, kind)
      return nil unless kind == Native::TC_COMPLETION_EVENT || (kind == Native::TC_COMPLETION_REJECT && @report_rejects)

      WebhookMessage.from_native(Native.tc_completion_event(done), route_key: Native.tc_completion_source(done))
    end

    def inspect = "#<#{self.class.name} #{base_url || 'closed'}>"

    private

    def live = @l || raise(Error.for(Native::TC_ECLOSED, "listener closed"))
  end
end
