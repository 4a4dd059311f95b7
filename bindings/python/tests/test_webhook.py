"""Event receiving: WebhookVerifier, the WSGI app, the embedded listener,
and the users registry."""
import io
import json
import time
from datetime import datetime, timezone

import pytest

import twitchconduits as tc

from conftest import SECRET, wait_until


def _signed(body, message_id="m1", kind="notification", secret=SECRET, tamper=False):
    ts = datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%f000Z")
    sig = tc.sign(secret, message_id, ts, body)
    if tamper:
        body = body.replace(b"1001", b"1002")
    return {
        "Twitch-Eventsub-Message-Id": message_id,
        "Twitch-Eventsub-Message-Retry": "0",
        "Twitch-Eventsub-Message-Type": kind,
        "Twitch-Eventsub-Message-Signature": sig,
        "Twitch-Eventsub-Message-Timestamp": ts,
        "Twitch-Eventsub-Subscription-Type": "stream.online",
        "Twitch-Eventsub-Subscription-Version": "1",
        "Content-Type": "application/json",
    }, body


NOTIFICATION = json.dumps({"subscription": {"id": "sub1", "type": "stream.online", "version": "1",
                                            "status": "enabled", "condition": {"broadcaster_user_id": "1001"},
                                            "transport": {"method": "conduit", "conduit_id": "c1"},
                                            "created_at": "2024-01-01T00:00:00Z", "cost": 1},
                           "event": {"broadcaster_user_id": "1001", "type": "live"}}).encode()


def test_verifier_accepts_signed_and_rejects_tampered():
    v = tc.WebhookVerifier(SECRET)
    headers, body = _signed(NOTIFICATION)
    m = v.handle(headers, body)
    assert (m.kind, m.status, m.http_status, m.duplicate) == ("notification", 0, 204, False)
    assert m.event == {"broadcaster_user_id": "1001", "type": "live"} and m.subscription_id == "sub1"
    assert m.subscription_type == "stream.online" and m.is_event
    again = v.handle(list(headers.items()), bytearray(body))   # pairs and bytearray work too
    assert again.duplicate and not again.is_event and again.http_status == 204
    h2, b2 = _signed(NOTIFICATION, message_id="m2", tamper=True)
    bad = v.handle(h2, b2)
    assert (bad.kind, bad.status, bad.http_status) == ("rejected", tc.SignatureError.code, 403)
    assert bad.error
    h3, b3 = _signed(NOTIFICATION, message_id="m3", secret="another-secret-0123")
    assert v.handle(h3, b3).http_status == 403
    v.add_secret("another-secret-0123")
    assert v.handle(h3, b3).kind == "notification" and v.secret_count() == 2


def test_verifier_answers_a_challenge():
    body = json.dumps({"challenge": "abc123", "subscription": {"id": "s", "type": "stream.online",
                       "version": "1", "status": "webhook_callback_verification_pending",
                       "condition": {"broadcaster_user_id": "1"}, "transport": {"method": "webhook",
                       "callback": "https://x/"}, "created_at": "2024-01-01T00:00:00Z", "cost": 1}}).encode()
    headers, body = _signed(body, kind="webhook_callback_verification")
    m = tc.WebhookVerifier(SECRET).handle(headers, body)
    assert m.kind == "verification" and m.challenge == "abc123"
    assert m.http_status == 200 and m.body == b"abc123"


def _wsgi(app, headers, body):
    environ = {"REQUEST_METHOD": "POST", "CONTENT_LENGTH": str(len(body)), "wsgi.input": io.BytesIO(body)}
    for k, val in headers.items():
        if k == "Content-Type":
            environ["CONTENT_TYPE"] = val
        else:
            environ["HTTP_" + k.upper().replace("-", "_")] = val
    out = {}
    chunks = app(environ, lambda status, hdrs: out.update(status=status, headers=dict(hdrs)))
    return out["status"], b"".join(chunks)


def test_wsgi_app_failure_in_handler_lets_the_retry_through():
    calls = []
    def on_event(msg):
        calls.append(msg)
        if len(calls) == 1:
            raise RuntimeError("database down")
    app = tc.WebhookApp(SECRET, on_event=on_event)
    headers, body = _signed(NOTIFICATION)
    assert _wsgi(app, headers, body)[0].startswith("500")
    assert _wsgi(app, headers, body)[0].startswith("204")   # the retry is delivered again
    assert _wsgi(app, headers, body)[0].startswith("204")   # then it is a duplicate
    assert len(calls) == 2
    h, b = _signed(NOTIFICATION, message_id="x", tamper=True)
    assert _wsgi(app, h, b)[0].startswith("403") and len(calls) == 2
    assert app({"REQUEST_METHOD": "GET"}, lambda s, h: None) and True


def test_embedded_listener(client, mock):
    events, rejects = [], []
    lst = client.listen(routes={"main": SECRET}, on_event=events.append, on_reject=rejects.append)
    assert lst.base_url.startswith("http://127.0.0.1:") and lst.port > 0
    c = client.create_conduit(1)
    assert client.update_shards(c.id, [tc.ShardAssignment.webhook("0", lst.url("main"), SECRET)]).ok
    wait_until(lambda: mock.stats()["challenges_passed"] == 1, what="the listener's challenge answer")
    sub = client.create_subscriptions(c.id, [("stream.online", "1", {"broadcaster_user_id": "7"})]).items[0]
    ans = mock.control("deliver", {"subscription_id": sub.subscription.id, "wait": True})
    assert ans["delivered"]
    bad = mock.control("deliver", {"subscription_id": sub.subscription.id, "wait": True, "tamper": True})
    assert not bad["delivered"]
    deadline = time.monotonic() + 10
    notes = lambda: [e for e in events if e.kind == "notification"]
    while (not notes() or not rejects) and time.monotonic() < deadline:
        client.poll(0.1)
    assert [e.kind for e in events] == ["verification", "notification"]   # the shard's challenge, the event
    assert events[1].route_key == "main" and events[1].event["broadcaster_user_id"] == "7"
    assert rejects and rejects[0].http_status == 403
    lst.close()
    lst.close()


def test_embedded_listener_over_https(client, tmp_path):
    import os
    import ssl
    import subprocess
    import urllib.request
    subprocess.run([os.environ["TC_MOCK"], "--make-test-ca", str(tmp_path)], check=True, capture_output=True)
    with pytest.raises(tc.InvalidArgumentError):
        client.listen(tls_cert_file=str(tmp_path / "server.pem"))           # the key is missing
    events = []
    lst = client.listen(routes={"tls": SECRET}, on_event=events.append,
                        tls_cert_file=str(tmp_path / "server.pem"), tls_key_file=str(tmp_path / "server.key"))
    assert lst.base_url.startswith("https://127.0.0.1:")
    headers, body = _signed(NOTIFICATION, message_id="tls-1")
    ctx = ssl.create_default_context(cafile=str(tmp_path / "ca.pem"))
    req = urllib.request.Request(lst.url("tls"), data=body, headers=headers, method="POST")
    with urllib.request.urlopen(req, timeout=10, context=ctx) as r:
        assert r.status == 204
    deadline = time.monotonic() + 10
    while not events and time.monotonic() < deadline:
        client.poll(0.1)
    assert [e.message_id for e in events] == ["tls-1"]
    lst.close()


def test_users_registry():
    users = tc.Users()
    users.add("secret-key-1", "1001")
    users.add("secret-key-2", "1002")
    users.add_subscription("1001", "sub-a")
    assert len(users) == 2 and sorted(users.user_ids()) == ["1001", "1002"]
    u = users.get_by_subscription("sub-a")
    assert u.user_id == "1001" and u.subscription_ids == ("sub-a",) and u.key == "secret-key-1"
    assert "secret-key-1" not in repr(u)
    assert users.get_by_key("secret-key-2").user_id == "1002"
    users.remove_subscription("1001", "sub-a")
    assert users.get_by_user_id("1001").subscription_ids == ()
    assert users.remove("1002").user_id == "1002" and "1002" not in users
    with pytest.raises(tc.NotFoundError):
        users.get_by_key("nope")
    with pytest.raises(TypeError):
        users.add(1, 2)
    users.close()
