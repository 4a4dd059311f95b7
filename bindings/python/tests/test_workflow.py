"""The whole workflow against tc-mock over real sockets: token, conduit,
webhook shards enabled through the binding's own WSGI handler, bulk
subscriptions, a signed event received and a tampered one rejected, cleanup,
delete."""
import twitchconduits as tc

from conftest import SECRET, wait_until

SPECS = [
    tc.SubscriptionSpec("stream.online", "1", {"broadcaster_user_id": "1001"}),
    ("stream.offline", "1", {"broadcaster_user_id": "1001"}),
    {"type": "channel.follow", "version": "2", "condition": {"broadcaster_user_id": "1002",
                                                             "moderator_user_id": "1002"}},
]


def test_token(client):
    t = client.get_token()
    assert t.client_id.startswith("mockclientid")
    assert t.access_token and t.expires_at > 0 and not t.validated
    v = client.validate_token()
    assert v.validated
    client.revoke_token()


def test_full_workflow(client, mock, webhook_server):
    conduit = client.create_conduit(2)
    assert conduit.shard_count == 2 and conduit.id in [c.id for c in client.list_conduits()]

    res = client.update_shards(conduit.id, [tc.ShardAssignment.webhook(i, webhook_server.url, SECRET)
                                            for i in ("0", "1")])
    assert res.ok and res.failed == 0 and [i.shard_id for i in res.items] == ["0", "1"]
    wait_until(lambda: mock.stats()["challenges_passed"] == 2, what="both challenges answered")
    assert mock.stats()["challenges_failed"] == 0
    shards = client.list_shards(conduit.id)
    assert [(s.id, s.status, s.transport.method) for s in shards] == [
        ("0", "enabled", "webhook"), ("1", "enabled", "webhook")]
    assert client.list_shards(conduit.id, status="enabled") == shards

    seen = []
    batch = client.create_subscriptions(conduit.id, SPECS + [("not a type", "1", {"x": "1"})], concurrency=2,
                                        progress=lambda done, total: seen.append((done, total)))
    assert [i.outcome for i in batch.items] == ["created", "created", "created", "failed"]
    assert batch.failed == 1 and batch.items[3].status == tc.BadRequestError.code
    assert seen and seen[-1] == (4, 4)
    subs = client.list_subscriptions(conduit_id=conduit.id)
    assert sorted(s.type for s in subs) == ["channel.follow", "stream.offline", "stream.online"]
    online = batch.items[0].subscription

    # a signed notification, through the WSGI app
    ans = mock.control("deliver", {"subscription_id": online.id, "wait": True,
                                   "event": {"broadcaster_user_id": "1001", "type": "live"}})
    assert ans["delivered"] and ans["http_status"] == 204
    wait_until(lambda: webhook_server.events, what="the event")
    ev = webhook_server.events[0]
    assert ev.kind == "notification" and ev.subscription_type == "stream.online"
    assert ev.event == {"broadcaster_user_id": "1001", "type": "live"}
    assert ev.subscription_id == online.id and not ev.duplicate

    # a resend is answered 2xx but not delivered twice; a tampered body is refused
    again = mock.control("deliver", {"resend_of": ans["message_id"], "wait": True})
    assert again["delivered"] and again["retry"] == 1
    bad = mock.control("deliver", {"subscription_id": online.id, "tamper": True, "wait": True})
    assert not bad["delivered"] and bad["http_status"] == 403
    assert len(webhook_server.events) == 1

    # a revocation
    rev = mock.control("deliver", {"subscription_id": online.id, "kind": "revocation",
                                   "reason": "user_removed", "wait": True})
    assert rev["delivered"]
    wait_until(lambda: len(webhook_server.events) == 2, what="the revocation")
    assert webhook_server.events[1].kind == "revocation"
    assert webhook_server.events[1].revocation_reason == "user_removed"

    # cleanup: the revoked one goes; the plan for the rest; then everything
    cleaned = client.cleanup_subscriptions(conduit.id)
    assert [i.outcome for i in cleaned.items] == ["deleted"]
    plan = client.reconcile_subscriptions(conduit.id, SPECS[1:2], dry_run=True)
    assert sorted(i.outcome for i in plan.items) == ["existed", "to_delete"]
    done = client.reconcile_subscriptions(conduit.id, [])
    assert sorted(i.outcome for i in done.items) == ["deleted", "deleted"]
    assert client.list_subscriptions(conduit_id=conduit.id) == []

    client.delete_conduit(conduit.id)
    assert conduit.id not in [c.id for c in client.list_conduits()]


def test_update_and_generic_request(client):
    c = client.create_conduit(1)
    assert client.update_conduit(c.id, 3).shard_count == 3
    r = client.request("GET", "/eventsub/conduits", query={"id": c.id})
    assert r.http_status == 200 and r.json()["data"][0]["shard_count"] == 3
    r = client.request("PATCH", "/eventsub/conduits", body={"id": c.id, "shard_count": 4})
    assert r.json()["data"][0]["shard_count"] == 4
    sub = client.create_subscriptions(c.id, SPECS[:1]).items[0].subscription
    assert client.list_subscriptions(subscription_id=sub.id)[0].id == sub.id
    client.delete_subscription(sub.id)
    assert client.list_subscriptions(type="stream.online") == []
    client.delete_conduit(c.id)


def test_create_and_remove_shard(client, webhook_server, mock):
    c = client.create_conduit(1)
    first = client.create_shard(c.id, callback_url=webhook_server.url, route_key="a")
    assert first.id == "0" and first.transport.callback == webhook_server.url + "/a"
    second = client.create_shard(c.id, callback_url=webhook_server.url, route_key="b")
    assert second.id == "1" and len(second.transport.secret) == 64
    assert second.transport.secret not in repr(second)
    assert client.list_conduits()[0].shard_count == 2
    client.remove_shard(c.id, "0", second.transport.callback, second.transport.secret)
    assert client.list_conduits()[0].shard_count == 1
    assert client.list_shards(c.id)[0].transport.callback == webhook_server.url + "/b"
