# frozen_string_literal: true

module TwitchConduits
  # client.view: the synced view (tc_conduits_sync + tc_view_*), the
  # application's conduits, shards and every subscription, held by the
  # library and kept current from the client's own calls and the events its
  # listener receives. Queries read it directly (no request to Twitch), from
  # any thread. It goes stale when something else changes Twitch's state
  # (another process, the console, missed events): client.sync re-loads it.
  class View
    # What changed (tc_view_change_name), as given to Client#on_view_change.
    CHANGES = (0..).lazy.map { |i| Native.tc_view_change_name(i) }.take_while(&:itself).map(&:to_sym).to_a.freeze

    def initialize(client)
      @client = client
    end

    def synced? = manager { |c| Native.tc_view_is_synced(c) == 1 }

    # Subscriptions matching every filter given (oldest first); user_id
    # matches the broadcaster, user or moderator of the condition. Raises
    # InvalidArgument before the first sync.
    def subscriptions(conduit_id: nil, user_id: nil, type: nil, status: nil)
      q = query(conduit_id, user_id, type, status)
      owned(:tc_subscription_list_free, manager { |c| Native.tc_view_subscriptions(c, q) }) { |l| Subscription.list(l) }
    end

    # How many match (0 before the first sync).
    def count(conduit_id: nil, user_id: nil, type: nil, status: nil)
      q = query(conduit_id, user_id, type, status)
      manager { |c| Native.tc_view_count(c, q) }
    end
    alias size count

    def conduits
      owned(:tc_conduit_list_free, manager { |c| Native.tc_view_conduits(c) }) do |l|
        Array.new(Native.tc_conduit_list_count(l)) { |i| Conduit.from_native(Native.tc_conduit_list_get(l, i)) }
      end
    end

    # A conduit's shards (NotFound when the view has no such conduit).
    def shards(conduit_id)
      owned(:tc_shard_list_free, manager { |c| Native.tc_view_shards(c, conduit_id.to_s) }) do |l|
        Array.new(Native.tc_shard_list_count(l)) { |i| Shard.from_native(Native.tc_shard_list_get(l, i)) }
      end
    end

    def inspect = "#<#{self.class.name} #{synced? ? 'synced' : 'not synced'}>"

    private

    def manager(&) = @client.with_manager(&)

    def query(conduit_id, user_id, type, status)
      { conduit_id: conduit_id&.to_s, user_id: user_id&.to_s, type: type&.to_s, status: status&.to_s }
    end

    # Convert the list a query returned ([status, list]), then free it.
    def owned(free, (status, list))
      Error.check(status)
      yield list
    ensure
      Native.send(free, list) if list
    end
  end

  # Delivers view changes to the block given to Client#on_view_change.
  ViewWatch = Struct.new(:token, :block) do
    def deliver((change, id)) = block.call(change, id)
  end
end
