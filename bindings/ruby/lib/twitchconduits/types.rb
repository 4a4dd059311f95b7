# frozen_string_literal: true

module TwitchConduits
  # Hides secret fields from inspect/to_s.
  module Redacted
    def inspect
      shown = to_h.map { |k, v| "#{k}=#{self.class::SECRET_FIELDS.include?(k) ? '[REDACTED]' : v.inspect}" }
      "#<#{self.class.name} #{shown.join(', ')}>"
    end
    alias to_s inspect
  end

  # Every result is built from the C object's accessors while the completion
  # that lends it is alive (from_native); nothing goes through JSON except
  # what is JSON text in C (conditions, event bodies).

  Token = Struct.new(:access_token, :client_id, :expires_at, :validated, :login, :user_id, :scopes,
                     keyword_init: true) do
    include Redacted
    const_set(:SECRET_FIELDS, %i[access_token].freeze)
    def self.from_native(t)
      new(access_token: Native.tc_token_access_token(t), client_id: Native.tc_token_client_id(t),
          expires_at: Native.tc_token_expires_at(t), validated: Native.tc_token_is_validated(t) == 1,
          login: Native.tc_token_login(t), user_id: Native.tc_token_user_id(t),
          scopes: Array.new(Native.tc_token_scope_count(t)) { |i| Native.tc_token_scope(t, i) })
    end
  end

  Conduit = Struct.new(:id, :shard_count, keyword_init: true) do
    def self.from_native(c) = new(id: Native.tc_conduit_id(c), shard_count: Native.tc_conduit_shard_count(c))
  end

  # Twitch's transport object as a Hash ("method", "callback" / "session_id",
  # "connected_at", "disconnected_at", "conduit_id": those it has).
  module Transport
    def self.from_native(t)
      return nil if t.nil?

      { "method" => Native.tc_transport_method_name(t), "callback" => Native.tc_transport_callback(t),
        "session_id" => Native.tc_transport_session_id(t), "connected_at" => Native.tc_transport_connected_at(t),
        "disconnected_at" => Native.tc_transport_disconnected_at(t),
        "conduit_id" => Native.tc_transport_conduit_id(t) }.compact
    end
  end

  # transport: a Hash (see Transport).
  Shard = Struct.new(:id, :status, :transport, keyword_init: true) do
    def self.from_native(s)
      s && new(id: Native.tc_shard_id(s), status: Native.tc_shard_status(s),
               transport: Transport.from_native(Native.tc_shard_transport(s)))
    end
  end

  # One shard of an update: error is nil when it was updated.
  ShardResult = Struct.new(:shard_id, :status, :error, :shard, keyword_init: true) do
    def ok? = status.zero?
  end

  ShardUpdateResult = Struct.new(:items, :failed, keyword_init: true) do
    def self.from_native(r)
      items = Array.new(Native.tc_shard_update_result_count(r)) do |i|
        status = Native.tc_shard_update_result_status(r, i)
        ShardResult.new(shard_id: Native.tc_shard_update_result_shard_id(r, i), status: status,
                        shard: Shard.from_native(Native.tc_shard_update_result_shard(r, i)),
                        error: Error.for(status, Native.tc_shard_update_result_message(r, i)))
      end
      new(items: items, failed: Native.tc_shard_update_result_failed(r))
    end

    def ok? = failed.zero?
  end

  Subscription = Struct.new(:id, :status, :type, :version, :condition, :created_at, :transport, :cost, :user_id,
                            keyword_init: true) do
    def self.from_native(s)
      return nil if s.nil?

      cond = Native.tc_subscription_condition(s)
      new(id: Native.tc_subscription_id(s), status: Native.tc_subscription_status(s),
          type: Native.tc_subscription_type(s), version: Native.tc_subscription_version(s),
          condition: cond ? JSON.parse(cond) : {}, created_at: Native.tc_subscription_created_at(s),
          transport: Transport.from_native(Native.tc_subscription_transport(s)),
          cost: Native.tc_subscription_cost(s), user_id: Native.tc_subscription_user_id(s))
    end

    # Every subscription of a tc_subscription_list (a page, or a view query).
    def self.list(l) = Array.new(Native.tc_subscription_list_count(l)) { |i| from_native(Native.tc_subscription_list_get(l, i)) }
  end

  # One item of a batch: outcome is :created, :existed, :failed, :over_budget,
  # :canceled, :deleted, :gone, :to_create or :to_delete (tc_item_outcome_name).
  BatchItem = Struct.new(:outcome, :status, :message, :subscription, :error, keyword_init: true)

  BatchResult = Struct.new(:items, :total, :total_cost, :max_total_cost, keyword_init: true) do
    def self.from_native(b)
      items = Array.new(Native.tc_subscription_batch_count(b)) do |i|
        status = Native.tc_subscription_batch_status(b, i)
        message = Native.tc_subscription_batch_message(b, i)
        BatchItem.new(outcome: Native.tc_item_outcome_name(Native.tc_subscription_batch_outcome(b, i)).to_sym,
                      status: status, message: message,
                      subscription: Subscription.from_native(Native.tc_subscription_batch_subscription(b, i)),
                      error: Error.for(status, message))
      end
      new(items: items, total: Native.tc_subscription_batch_total(b), total_cost: Native.tc_subscription_batch_total_cost(b),
          max_total_cost: Native.tc_subscription_batch_max_total_cost(b))
    end

    def tally(outcome) = items.count { |i| i.outcome == outcome }
    def failed = items.reject { |i| i.status.zero? }
    def ok? = failed.empty?
  end

  Progress = Struct.new(:done, :total)

  # A Helix answer (Client#request). `headers` holds the Ratelimit-* ones
  # and Content-Type (built in one native call: rbtc_response).
  Response = Struct.new(:http_status, :body, :attempts, :elapsed_ms, :headers) do
    def json = body.empty? ? nil : JSON.parse(body)
  end
end
