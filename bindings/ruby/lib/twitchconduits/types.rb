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
    def self.from_h(h) = new(id: h["id"], shard_count: h["shard_count"])
  end

  # transport: a Hash ("method", "callback" / "session_id", ...).
  Shard = Struct.new(:id, :status, :transport, keyword_init: true) do
    def self.from_h(h) = h && new(id: h["id"], status: h["status"], transport: h["transport"])
  end

  # One shard of an update: error is nil when it was updated.
  ShardResult = Struct.new(:shard_id, :status, :error, :shard, keyword_init: true) do
    def ok? = status.zero?
  end

  ShardUpdateResult = Struct.new(:items, :failed, keyword_init: true) do
    def self.from_h(h)
      items = h["items"].map do |i|
        ShardResult.new(shard_id: i["shard_id"], status: i["status"], shard: Shard.from_h(i["shard"]),
                        error: Error.for(i["status"], i["message"]))
      end
      new(items: items, failed: h["failed"])
    end

    def ok? = failed.zero?
  end

  Subscription = Struct.new(:id, :status, :type, :version, :condition, :created_at, :transport, :cost, :user_id,
                            keyword_init: true) do
    def self.from_h(h)
      h && new(**members.to_h { |m| [m, h[m.to_s]] })
    end
  end

  # One item of a batch: outcome is :created, :existed, :failed, :over_budget,
  # :canceled, :deleted, :gone, :to_create or :to_delete.
  BatchItem = Struct.new(:outcome, :status, :message, :subscription, :error, keyword_init: true)

  BatchResult = Struct.new(:items, :total, :total_cost, :max_total_cost, keyword_init: true) do
    def self.from_h(h)
      items = h["items"].map do |i|
        BatchItem.new(outcome: i["outcome"].to_sym, status: i["status"], message: i["message"],
                      subscription: Subscription.from_h(i["subscription"]),
                      error: Error.for(i["status"], i["message"]))
      end
      new(items: items, total: h["total"], total_cost: h["total_cost"], max_total_cost: h["max_total_cost"])
    end

    def tally(outcome) = items.count { |i| i.outcome == outcome }
    def failed = items.reject { |i| i.status.zero? }
    def ok? = failed.empty?
  end

  Progress = Struct.new(:done, :total)

  # A Helix answer (Client#request). `headers` holds the Ratelimit-* ones.
  RESPONSE_HEADERS = %w[Ratelimit-Limit Ratelimit-Remaining Ratelimit-Reset Content-Type].freeze
  Response = Struct.new(:http_status, :body, :attempts, :elapsed_ms, :headers, keyword_init: true) do
    def self.from_native(r)
      new(http_status: Native.tc_response_http_status(r), body: Native.tc_response_body(r).to_s,
          attempts: Native.tc_response_attempts(r), elapsed_ms: Native.tc_response_elapsed_ms(r),
          headers: RESPONSE_HEADERS.to_h { |n| [n, Native.tc_response_header(r, n)] }.compact)
    end

    def json = body.empty? ? nil : JSON.parse(body)
  end
end
