# frozen_string_literal: true

require "stringio"

module TwitchConduits
  # What a webhook request turned out to be, and how to answer it.
  # kind: :rejected, :notification, :verification or :revocation.
  # error: nil, or the Error saying why it was rejected.
  # route_key: the listener route it came in on (embedded listener only).
  WebhookMessage = Struct.new(:kind, :error, :http_status, :content_type, :response_body, :message_id,
                              :timestamp, :retry, :duplicate, :subscription_id, :subscription_type,
                              :subscription_version, :event, :subscription, :challenge, :revocation_reason,
                              :conduit_id, :shard_id, :route_key, keyword_init: true) do
    def duplicate? = duplicate
    def notification? = kind == :notification
    def revocation? = kind == :revocation

    def self.from_native(m, route_key: nil)
      n = Native
      new(kind: (n.tc_event_kind_name(n.tc_event_kind_get(m)) || "rejected").to_sym,
          error: Error.for(n.tc_event_status(m), n.tc_event_error(m),
                           http_status: n.tc_event_http_status(m)),
          http_status: n.tc_event_http_status(m),
          content_type: opt(n.tc_event_content_type(m)),
          response_body: n.tc_event_response_body(m).to_s,
          message_id: n.tc_event_id(m), timestamp: opt(n.tc_event_timestamp(m)),
          retry: n.tc_event_retry(m), duplicate: n.tc_event_is_duplicate(m) == 1,
          subscription_id: opt(n.tc_event_subscription_id(m)),
          subscription_type: opt(n.tc_event_subscription_type(m)),
          subscription_version: opt(n.tc_event_subscription_version(m)),
          event: parse(n.tc_event_event_json(m)),
          subscription: parse(n.tc_event_subscription_json(m)),
          challenge: opt(n.tc_event_challenge(m)),
          revocation_reason: opt(n.tc_event_revocation_reason(m)),
          conduit_id: opt(n.tc_event_conduit_id(m)), shard_id: opt(n.tc_event_shard_id(m)),
          route_key: route_key)
    end

    def self.opt(text) = text.nil? || text.empty? ? nil : text
    def self.parse(text) = text.nil? || text.empty? ? nil : JSON.parse(text)
  end

  # Builds the Twitch-Eventsub-Message-Signature of a message (for tests and
  # mocks): "sha256=<64 hex digits>".
  def self.webhook_signature(secret, message_id, timestamp, body)
    status, sig = Native.tc_webhook_sign(secret, message_id, timestamp, body.to_s.b)
    Error.check(status)
    sig
  end

  # Checks EventSub webhook requests (signature, timestamp window, dedupe) and
  # says how to answer them. Framework-neutral; RackApp wraps it. Thread-safe.
  class WebhookVerifier
    # Options as tc_webhook_options (max_age_s:, max_future_s:,
    # dedupe_capacity:, dedupe_ttl_s:, max_body_bytes:; 0 = the default).
    def initialize(secret, **options)
      status, @v = Native.tc_webhook_verifier_new(options)
      Error.check(status)
      ObjectSpace.define_finalizer(self, self.class.releaser(@v))
      add_secret(secret)
    end

    # A finalizer that only frees C memory (it never touches this object).
    def self.releaser(ptr) = proc { Native.tc_webhook_verifier_free(ptr) }

    # headers: a Hash (or pairs) of header name => value, any case.
    def handle(headers, body)
      status, m = Native.tc_webhook_handle(@v, headers.map { |k, v| [k.to_s, v.to_s] }, body.to_s.b)
      raise Error.last(status) if m.nil?

      begin
        WebhookMessage.from_native(m)
      ensure
        Native.tc_event_free(m)
      end
    end

    def add_secret(secret) = Error.check(Native.tc_webhook_verifier_add_secret(@v, secret))
    def remove_secret(secret) = Error.check(Native.tc_webhook_verifier_remove_secret(@v, secret))
    def forget(message_id) = Native.tc_webhook_verifier_forget(@v, message_id).zero?
    def inspect = "#<#{self.class.name} secrets=#{Native.tc_webhook_verifier_secret_count(@v)}>"
    alias to_s inspect
  end

  # A Rack application (no rack gem needed) answering EventSub webhooks
  # exactly as the verifier says; yields each new notification and revocation
  # (never duplicates, challenges or rejected requests) after checking it.
  # If the block raises, the message is forgotten (so Twitch's retry is
  # handled again) and answered 500.
  class RackApp
    attr_reader :verifier

    def initialize(secret_or_verifier, &handler)
      @verifier = secret_or_verifier.is_a?(WebhookVerifier) ? secret_or_verifier : WebhookVerifier.new(secret_or_verifier)
      @handler = handler
    end

    def call(env)
      msg = @verifier.handle(self.class.headers(env), read_body(env))
      if @handler && (msg.notification? || msg.revocation?) && !msg.duplicate?
        begin
          @handler.call(msg)
        rescue StandardError => e
          @verifier.forget(msg.message_id)
          env["rack.errors"]&.puts("twitchconduits: handler failed: #{e.class}: #{e.message}")
          return [500, { "content-type" => "text/plain", "content-length" => "0" }, []]
        end
      end
      headers = { "content-length" => msg.response_body.bytesize.to_s }
      headers["content-type"] = msg.content_type if msg.content_type && !msg.content_type.empty?
      [msg.http_status, headers, msg.response_body.empty? ? [] : [msg.response_body]]
    end

    # Request headers from a Rack env: HTTP_TWITCH_EVENTSUB_MESSAGE_ID ->
    # Twitch-Eventsub-Message-Id, CONTENT_TYPE/CONTENT_LENGTH too.
    def self.headers(env)
      env.each_with_object({}) do |(k, v), h|
        name = if k.start_with?("HTTP_") then k[5..]
               elsif %w[CONTENT_TYPE CONTENT_LENGTH].include?(k) then k
               end
        h[name.split("_").map(&:capitalize).join("-")] = v.to_s if name
      end
    end

    private

    def read_body(env)
      input = env["rack.input"] or return ""
      input.rewind if input.respond_to?(:rewind)
      body = input.read.to_s
      input.rewind if input.respond_to?(:rewind)
      body
    end
  end
end
