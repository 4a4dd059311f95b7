# frozen_string_literal: true

module TwitchConduits
  # client.view: the synced view (tc_conduits_sync + tc_view_*), the
  # application's conduits, shards and every subscription, held by the
  # library and kept current from the client's own calls and the events its
  # listener receives. Queries read it directly (no request to Twitch), from
  # any thread. It goes stale when something else changes Twitch's state
  # (another process, the console, missed events): client.sync re-loads it.
  class View
    # What changed (tc_view_change), as given to Client#on_view_change.
    CHANGES = %i[synced subscription_added subscription_removed subscription_status conduit_added
                 conduit_removed conduit_updated shard_status].freeze

    def initialize(client)
      @client = client
    end

    def synced? = Native.tc_view_is_synced(manager) == 1

    # Subscriptions matching every filter given (oldest first); user_id
    # matches the broadcaster, user or moderator of the condition. Raises
    # InvalidArgument before the first sync.
    def subscriptions(conduit_id: nil, user_id: nil, type: nil, status: nil)
      with_list(Native.tc_view_subscriptions(manager, query(conduit_id, user_id, type, status)),
                :tc_subscription_list) { |s| View.subscription(s) }
    end

    # How many match (0 before the first sync).
    def count(conduit_id: nil, user_id: nil, type: nil, status: nil)
      Native.tc_view_count(manager, query(conduit_id, user_id, type, status))
    end
    alias size count

    def conduits
      with_list(Native.tc_view_conduits(manager), :tc_conduit_list) do |c|
        Conduit.new(id: Native.tc_conduit_id(c), shard_count: Native.tc_conduit_shard_count(c))
      end
    end

    # A conduit's shards (NotFound when the view has no such conduit).
    def shards(conduit_id)
      with_list(Native.tc_view_shards(manager, conduit_id.to_s), :tc_shard_list) do |s|
        Shard.new(id: Native.tc_shard_id(s), status: Native.tc_shard_status(s),
                  transport: View.transport(Native.tc_shard_transport(s)))
      end
    end

    def inspect = "#<#{self.class.name} #{synced? ? 'synced' : 'not synced'}>"

    # A Subscription from the C object (the fields JSON would give).
    def self.subscription(s)
      cond = Native.tc_subscription_condition(s)
      Subscription.new(id: Native.tc_subscription_id(s), status: Native.tc_subscription_status(s),
                       type: Native.tc_subscription_type(s), version: Native.tc_subscription_version(s),
                       condition: cond ? JSON.parse(cond) : {}, created_at: Native.tc_subscription_created_at(s),
                       transport: transport(Native.tc_subscription_transport(s)),
                       cost: Native.tc_subscription_cost(s), user_id: Native.tc_subscription_user_id(s))
    end

    def self.transport(t)
      return nil if t.nil?

      { "method" => Native.tc_transport_method_name(t), "callback" => Native.tc_transport_callback(t),
        "session_id" => Native.tc_transport_session_id(t), "connected_at" => Native.tc_transport_connected_at(t),
        "disconnected_at" => Native.tc_transport_disconnected_at(t),
        "conduit_id" => Native.tc_transport_conduit_id(t) }.compact
    end

    private

    def manager = Native.tcb_client_manager(@client.send(:live))

    def query(conduit_id, user_id, type, status)
      Native::Tc_view_query.new(conduit_id&.to_s, user_id&.to_s, type&.to_s, status&.to_s)
    end

    # Convert each item of a list the call returned, then free the list.
    def with_list((status, list), kind, &)
      Error.check(status)
      begin
        Array.new(Native.send(:"#{kind}_count", list)) { |i| yield Native.send(:"#{kind}_get", list, i) }
      ensure
        Native.send(:"#{kind}_free", list)
      end
    end
  end

  # Delivers view changes to the block given to Client#on_view_change.
  ViewWatch = Struct.new(:token, :block) do
    def deliver((change, id)) = block.call(change, id)
  end
end
