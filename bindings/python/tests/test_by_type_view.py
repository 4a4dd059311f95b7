"""The catalogue as a Mapping, subscribing by type names (a missing condition
field, an unknown type, a version Twitch withdrew, a version the type does
not have) and the synced view as subscriptions come and go, including a
revocation received by the client's own listener — against tc-mock."""
from collections.abc import Mapping

import pytest
import twitchconduits as tc
import twitchconduits_swig as _t

from conftest import SECRET, wait_until

def poll_until(client, pred, what):
    """Poll the client (its callbacks run) until pred() holds."""
    wait_until(lambda: client.poll(0.02) is not None and pred(), what=what)


USER = {"broadcaster_user_id": "1001", "moderator_user_id": "1002", "extra": "dropped"}


def test_catalogue_is_a_mapping():
    cat = tc.catalogue
    assert isinstance(cat, Mapping)
    assert len(cat) == len({e.name for e in cat.entries()}) == 79
    assert len(cat.entries()) == _t.tc_catalogue_count()
    follow = cat["channel.follow"]
    assert (follow.name, follow.version, follow.newest) == ("channel.follow", "2", True)
    assert follow.required == ("broadcaster_user_id", "moderator_user_id")
    assert follow.transports == {"webhook", "websocket", "conduit"}
    assert "moderator:read:followers" in follow.scopes and follow.authorizer == "moderator"
    assert "channel.chat.message" in cat and "no.such.type" not in cat
    with pytest.raises(KeyError):
        cat["no.such.type"]
    assert cat.get("no.such.type") is None
    assert [e.version for e in cat.versions("automod.message.hold")] == ["1", "2"]
    raid = cat["channel.raid"]
    assert raid.one_of == (("from_broadcaster_user_id", "to_broadcaster_user_id"),)
    assert set(raid.condition_fields) >= {"from_broadcaster_user_id", "to_broadcaster_user_id"}
    assert cat["drop.entitlement.grant"].create_body_extra == {"is_batching_enabled": True}
    assert all(e.status == "withdrawn" and e.replaced_by for e in cat.withdrawn())
    assert dict(cat)["stream.online"] is cat["stream.online"]
    assert cat.snapshot.count("-") == 2


def test_catalogue_find_errors():
    assert tc.catalogue.find("channel.follow").version == "2"
    assert tc.catalogue.find("automod.message.hold", "1").newest is False
    with pytest.raises(tc.GoneError) as gone:           # needs a newer version
        tc.catalogue.find("channel.follow", "1")
    assert "use version 2" in gone.value.message
    assert gone.value.result.status == "withdrawn" and gone.value.result.replaced_by == "2"
    with pytest.raises(tc.NotFoundError) as nf:         # a version it does not have
        tc.catalogue.find("channel.chat.message", "2")
    assert "versions: 1" in nf.value.message
    with pytest.raises(tc.NotFoundError, match="no.such.type"):
        tc.catalogue.find("no.such.type")
    with pytest.raises(TypeError):
        tc.catalogue.find(None)


def test_create_by_type_per_item_failures(client, mock):
    conduit = client.create_conduit(1)
    types = ["channel.follow", "stream.online", "channel.chat.message", "no.such.type", "channel.follow@1",
             ("channel.chat.message", "2"), "channel.raid", ("automod.message.hold", "1")]
    seen = []
    batch = client.create_subscriptions_by_type(conduit.id, types, USER, concurrency=2,
                                                progress=lambda done, total: seen.append((done, total)))
    assert [i.outcome for i in batch.items] == ["created", "created", "failed", "failed", "failed", "failed",
                                                "failed", "created"]
    follow, online = batch.items[0].subscription, batch.items[1].subscription
    assert (follow.type, follow.version) == ("channel.follow", "2")
    assert follow.condition == {"broadcaster_user_id": "1001", "moderator_user_id": "1002"}  # extra dropped
    assert online.condition == {"broadcaster_user_id": "1001"}
    missing, unknown, withdrawn, no_version, raid = batch.items[2:7]
    assert missing.status == tc.InvalidArgumentError.code and "user_id" in missing.message
    assert unknown.status == tc.NotFoundError.code and "no.such.type" in unknown.message
    assert withdrawn.status == tc.GoneError.code and "use version 2" in withdrawn.message
    assert no_version.status == tc.NotFoundError.code and "versions: 1" in no_version.message
    assert raid.status == tc.InvalidArgumentError.code and "to_broadcaster_user_id" in raid.message
    assert batch.failed == 5 and not batch.ok
    assert batch.items[7].subscription.version == "1"
    assert mock.stats()["subscriptions_created"] == 3     # the failed items were never sent

    again = client.create_subscriptions_by_type(conduit.id, types, USER)
    assert [again.items[i].outcome for i in (0, 1, 7)] == ["existed"] * 3
    assert mock.stats()["subscriptions"] == 3

    # Bad arguments fail at once, nothing is submitted.
    with pytest.raises(TypeError):
        client.create_subscriptions_by_type(conduit.id, "stream.online", USER)
    with pytest.raises(ValueError):
        client.create_subscriptions_by_type(conduit.id, ["stream.online", ""], USER)
    with pytest.raises(TypeError):
        client.create_subscriptions_by_type(conduit.id, ["stream.online", 5], USER)
    with pytest.raises(TypeError):
        client.create_subscriptions_by_type(conduit.id, ["stream.online"], {"broadcaster_user_id": 1.5})
    with pytest.raises(ValueError):
        client.create_subscriptions_by_type(conduit.id, ["stream.online"], USER, all_fillable=True)
    with pytest.raises(tc.InvalidArgumentError, match="conduit_id"):
        client.create_subscriptions_by_type("", ["stream.online"], USER)
    assert client.create_subscriptions_by_type(conduit.id, [], USER).items == ()


def test_create_by_type_all_fillable(client, mock):
    conduit = client.create_conduit(1)
    ids = {"broadcaster_user_id", "moderator_user_id", "user_id"}
    expected = [name for name, t in tc.catalogue.items() if not t.one_of and set(t.required) <= ids]
    batch = client.create_subscriptions_by_type(conduit.id, condition={k: "7" for k in ids}, all_fillable=True)
    assert batch.ok and batch.tally("created") == len(expected) > 60
    assert sorted(i.subscription.type for i in batch.items) == sorted(expected)
    assert mock.stats()["subscriptions"] == len(expected)


def test_view_follows_changes_and_revocations(client, mock):
    view = client.view
    assert not view.synced and view.count() == 0
    with pytest.raises(tc.InvalidArgumentError, match="tc_conduits_sync"):
        view.subscriptions()

    events = []
    listener = client.listen(routes={"shard0": SECRET}, on_event=events.append)
    conduit = client.create_conduit(1)
    res = client.update_shards(conduit.id, [tc.ShardAssignment.webhook("0", listener.url("shard0"), SECRET)])
    assert res.ok, [i.message for i in res.items]
    wait_until(lambda: client.list_shards(conduit.id, status="enabled"), what="the shard's challenge answered")
    made = client.create_subscriptions_by_type(conduit.id, ["stream.online", "channel.follow"], USER)
    assert made.ok

    changes = []
    client.on_view_change(lambda change, id: changes.append((change, id)))
    assert client.sync() is not None and view.synced
    poll_until(client, lambda: changes, "the sync reported")
    assert changes == [(tc.ViewChange.SYNCED, "")]
    assert [c.id for c in view.conduits()] == [conduit.id]
    assert [(s.id, s.status, s.transport.method) for s in view.shards(conduit.id)] == [("0", "enabled", "webhook")]
    with pytest.raises(tc.NotFoundError):
        view.shards("no-such-conduit")

    # Queries: by conduit, user (broadcaster or moderator), type, status.
    assert len(view) == view.count(conduit_id=conduit.id) == 2
    assert view.count(user_id="1001") == 2 and view.count(user_id="1002") == 1
    assert view.count(user_id="1002", type="stream.online") == 0
    assert [s.type for s in view.subscriptions(type="channel.follow", status="enabled")] == ["channel.follow"]
    assert view.count(conduit_id="other-conduit") == 0 and view.count(user_id="9999") == 0
    online = view.subscriptions(type="stream.online")[0]
    assert online.condition == {"broadcaster_user_id": "1001"} and online.user_id == "1001"
    assert online.transport.conduit_id == conduit.id

    # The client's own calls keep it current.
    added = client.create_subscriptions_by_type(conduit.id, ["stream.offline"], USER).items[0].subscription
    assert view.count() == 3
    poll_until(client, lambda: (tc.ViewChange.SUBSCRIPTION_ADDED, added.id) in changes, "the addition reported")

    # A revocation, received by the client's listener.
    ans = mock.control("deliver", {"subscription_id": online.id, "kind": "revocation",
                                   "reason": "authorization_revoked", "wait": True})
    assert ans["delivered"], ans
    wait_until(lambda: client.poll(0.05) is not None and view.count(status="authorization_revoked") == 1,
               what="the revocation in the view")
    assert events[-1].kind == "revocation"
    assert (tc.ViewChange.SUBSCRIPTION_STATUS, online.id) in changes
    assert view.count(status="enabled") == 2
    assert [s.id for s in view.subscriptions(status="authorization_revoked")] == [online.id]
    twitch = {s.id: s.status for s in client.list_subscriptions()}
    assert {s.id: s.status for s in view.subscriptions()} == twitch

    cleaned = client.cleanup_subscriptions(conduit.id)
    assert [i.outcome for i in cleaned.items] == ["deleted"]
    assert view.count() == 2 and view.count(status="authorization_revoked") == 0
    poll_until(client, lambda: (tc.ViewChange.SUBSCRIPTION_REMOVED, online.id) in changes, "the removal reported")

    # A deleted conduit leaves the view; its subscriptions stay, conduit_deleted.
    listener.close()
    client.delete_conduit(conduit.id)
    assert view.conduits() == []
    assert view.count(status="conduit_deleted") == 2
    poll_until(client, lambda: (tc.ViewChange.CONDUIT_REMOVED, conduit.id) in changes, "the conduit's removal")

    # A re-sync replaces the view; stopping the callback stops the reports.
    client.on_view_change(None)
    n = len(changes)
    client.sync()
    client.poll(0)
    assert len(changes) == n and view.count() == 2
    with pytest.raises(TypeError):
        client.on_view_change("not callable")
    with pytest.raises(TypeError):
        view.count(user_id=1001)


def test_start_and_view_after_close(mock):
    from conftest import make_client
    c = make_client(mock)
    view = c.start()
    assert view.synced and view.count() == 0
    c.close()
    with pytest.raises(tc.ClosedError):
        view.count()
