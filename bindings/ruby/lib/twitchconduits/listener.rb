# frozen_string_literal: true

module TwitchConduits
  # The library's embedded HTTP listener (Client#listen). Requests are
  # answered on its own thread; each accepted event is handed to the block
  # inside Client#poll, on the polling thread.
  class Listener
    attr_reader :token

    def initialize(client, handle, token, block)
      @client = client
      @l = handle
      @token = token
      @block = block
    end

    def base_url = (@l && Native.tc_listener_base_url(@l))
    def port = (@l && Native.tc_listener_port(@l))

    # Serve <base_url><key>, checking signatures with secret.
    def add_route(key, secret) = Error.check(Native.tc_listener_add_route(live, key, secret))
    def remove_route(key) = Error.check(Native.tc_listener_remove_route(live, key))
    def add_secret(key, secret) = Error.check(Native.tc_listener_add_secret(live, key, secret))
    def remove_secret(key, secret) = Error.check(Native.tc_listener_remove_secret(live, key, secret))

    def close
      l = @l
      @l = nil
      Native.tcbr_listener_free(l) if l
      nil
    end

    def closed? = @l.nil?

    def deliver(event)
      @block&.call(event)
    end

    def inspect = "#<#{self.class.name} #{base_url || 'closed'}>"

    private

    def live = @l || raise(Closed.new("listener closed", code: -17, name: "TC_ECLOSED"))
  end
end
