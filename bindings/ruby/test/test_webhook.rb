# frozen_string_literal: true

require_relative "helper"

# WebhookVerifier and RackApp without a server: hand-built requests.
class TestWebhook < TCTest
  SECRET = "0123456789abcdef"

  def signed(type, body, id: "msg-#{rand(1 << 40)}", secret: SECRET)
    ts = Time.now.utc.strftime("%Y-%m-%dT%H:%M:%S.%9NZ")
    { "Twitch-Eventsub-Message-Id" => id, "Twitch-Eventsub-Message-Timestamp" => ts,
      "Twitch-Eventsub-Message-Type" => type, "Twitch-Eventsub-Message-Retry" => "0",
      "Twitch-Eventsub-Subscription-Type" => "stream.online", "Twitch-Eventsub-Subscription-Version" => "1",
      "Content-Type" => "application/json",
      "Twitch-Eventsub-Message-Signature" => TC.webhook_signature(secret, id, ts, body) }
  end

  def notification_body
    JSON.generate({ subscription: { id: "sub1", type: "stream.online", version: "1", status: "enabled",
                                    condition: { broadcaster_user_id: "1" },
                                    transport: { method: "conduit", conduit_id: "c1" } },
                    event: { broadcaster_user_id: "1", type: "live" } })
  end

  def rack_env(headers, body)
    env = { "REQUEST_METHOD" => "POST", "PATH_INFO" => "/eventsub", "rack.input" => StringIO.new(body) }
    headers.each do |k, v|
      key = k.upcase.tr("-", "_")
      env[key == "CONTENT_TYPE" ? key : "HTTP_#{key}"] = v
    end
    env
  end

  def test_verifier
    v = TC::WebhookVerifier.new(SECRET)
    refute_includes v.inspect, SECRET
    body = notification_body
    h = signed("notification", body)
    m = v.handle(h, body)
    assert_equal :notification, m.kind
    assert_equal 204, m.http_status
    assert_equal "live", m.event["type"]
    assert_equal "stream.online", m.subscription_type
    refute m.duplicate?
    assert v.handle(h, body).duplicate?
    bad = v.handle(signed("notification", body, secret: "another-secret-123"), body)
    assert_equal :rejected, bad.kind
    assert_equal 403, bad.http_status
    assert_kind_of TC::SignatureError, bad.error
    challenge = JSON.generate({ challenge: "pogchamp-kappa-360noscope",
                                subscription: { id: "s", type: "stream.online", version: "1" } })
    c = v.handle(signed("webhook_callback_verification", challenge), challenge)
    assert_equal :verification, c.kind
    assert_equal 200, c.http_status
    assert_equal "pogchamp-kappa-360noscope", c.response_body
  end

  def test_rack_app_call
    got = []
    app = TC::RackApp.new(SECRET) { |m| got << m }
    body = notification_body
    h = signed("notification", body)
    status, headers, chunks = app.call(rack_env(h, body))
    assert_equal 204, status
    assert_equal "0", headers["content-length"]
    assert_equal [], chunks
    assert_equal 1, got.size
    assert_equal 204, app.call(rack_env(h, body))[0] # duplicate: answered, not yielded
    assert_equal 1, got.size
    h2 = signed("notification", body)
    status, = app.call(rack_env(h2, body.sub("live", "lave")))
    assert_equal 403, status
    assert_equal 1, got.size
  end

  def test_rack_handler_failure_forgets_message
    calls = 0
    app = TC::RackApp.new(SECRET) do |_m|
      calls += 1
      raise "db down" if calls == 1
    end
    body = notification_body
    h = signed("notification", body)
    env = rack_env(h, body).merge("rack.errors" => StringIO.new)
    assert_equal 500, app.call(env)[0]
    assert_equal 204, app.call(rack_env(h, body))[0] # Twitch's retry is handled again
    assert_equal 2, calls
  end

  def test_users_registry
    u = TC::Users.new
    u.add("secret-key-1", "42").add_subscription("42", "sub-a")
    assert_equal 1, u.size
    assert_equal "42", u.by_subscription("sub-a").user_id
    assert_equal ["sub-a"], u.by_user_id("42").subscription_ids
    assert_equal "42", u.by_key("secret-key-1").user_id
    refute_includes u.by_key("secret-key-1").inspect, "secret-key-1"
    assert_nil u.by_user_id("999")
    assert_equal ["42"], u.user_ids
    assert_equal "42", u.remove("42").user_id
    assert_equal 0, u.size
  end
end
