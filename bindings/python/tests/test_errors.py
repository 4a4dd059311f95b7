"""Error paths: bad credentials, 404, partial shard failure, rate limits,
server errors, invalid arguments (exceptions, never a crash)."""
import pytest

import twitchconduits as tc

from conftest import CLIENT_ID, SECRET, make_client


def test_bad_credentials(mock):
    with make_client(mock, client_secret="wrongsecret0123456789abcdefghij") as c:
        with pytest.raises(tc.AuthError) as ei:
            c.list_conduits()
    e = ei.value
    assert e.code == -10 and e.name == "TC_EAUTH" and isinstance(e, tc.Error)
    assert "wrongsecret" not in str(e) and e.message


def test_not_found(client):
    with pytest.raises(tc.NotFoundError) as ei:
        client.delete_conduit("no-such-conduit")
    assert ei.value.code == -12 and ei.value.http_status == 404
    with pytest.raises(tc.NotFoundError):
        client.list_shards("no-such-conduit")


def test_partial_shard_failure(client):
    c = client.create_conduit(2)
    res = client.update_shards(c.id, [
        tc.ShardAssignment.webhook("0", "http://127.0.0.1:9/hook", SECRET),
        tc.ShardAssignment.webhook("7", "http://127.0.0.1:9/hook", SECRET),
        tc.ShardAssignment.websocket("1", "no-such-session"),
    ])
    assert not res.ok and res.failed == 2
    assert [(i.shard_id, i.ok) for i in res.items] == [("0", True), ("7", False), ("1", False)]
    assert res.items[1].status == tc.BadRequestError.code and "range" in res.items[1].message
    assert res.items[1].code == "invalid_parameter"


def test_request_failure_is_an_exception(client, mock):
    c = client.create_conduit(1)
    mock.control("fail_next", {"count": 20, "status": 503})
    with make_client(mock, max_attempts=1) as c2:
        with pytest.raises(tc.ServerError) as ei:
            c2.update_shards(c.id, [tc.ShardAssignment.webhook("0", "http://127.0.0.1:9/x", SECRET)])
    assert ei.value.http_status == 503


def test_rate_limit(mock):
    mock.control("fail_next", {"count": 5, "status": 429, "ratelimit_reset_in_s": 60})
    with make_client(mock, max_attempts=1, ratelimit_max_wait_ms=10) as c:
        with pytest.raises(tc.RateLimitError) as ei:
            c.list_conduits()
    assert ei.value.code == -14 and ei.value.http_status == 429


def test_invalid_arguments(client, mock):
    with pytest.raises(TypeError):
        client.create_conduit("two")
    with pytest.raises(TypeError):
        client.delete_conduit(None)
    with pytest.raises(TypeError):
        client.update_shards("x", ["not an assignment"])
    with pytest.raises(ValueError):
        client.request("FETCH", "/eventsub/conduits")
    with pytest.raises(tc.Error):   # Twitch allows one filter at most
        client.list_subscriptions(type="stream.online", user_id="1")
    with pytest.raises(tc.Error):
        client.create_conduit(0)
    with pytest.raises(tc.InvalidArgumentError):  # a webhook secret too short
        client.update_shards("x", [tc.ShardAssignment.webhook("0", "http://127.0.0.1:9/", "short")])
    with pytest.raises(TypeError):
        tc.Client(client_id=42)
    with pytest.raises((TypeError, tc.InvalidArgumentError)):
        tc.Client(client_id=CLIENT_ID, no_such_option=1)
    with pytest.raises(ValueError):
        tc.Client(client_id=CLIENT_ID, max_attempts=-1)
    with pytest.raises(TypeError):
        tc.WebhookVerifier(b"bytes")
    with pytest.raises(tc.Error):
        tc.WebhookVerifier("")
    with pytest.raises(TypeError):
        tc.WebhookVerifier(SECRET).handle({}, 12345)


def test_closed_client_refuses_work(mock):
    c = make_client(mock)
    c.close()
    c.close()  # idempotent
    with pytest.raises(tc.ClosedError):
        c.list_conduits()
    with pytest.raises(tc.ClosedError):
        c.fileno()


def test_no_secret_in_repr(mock):
    with make_client(mock) as c:
        tok = c.get_token()
        assert tok.access_token and tok.access_token not in repr(tok) and tok.access_token not in str(tok)
        assert "mocksecret" not in repr(c)
    a = tc.ShardAssignment.webhook("0", "https://x/", SECRET)
    assert SECRET not in repr(a)
    assert SECRET not in repr(tc.WebhookVerifier(SECRET))


def test_every_status_code_has_a_class():
    codes = [v for k, v in vars(tc._swig).items() if k.startswith("TC_E") and isinstance(v, int) and v < 0]
    assert len(codes) >= 27
    for code in codes:
        e = tc.error_for(code, "x", 0)
        assert type(e) is not tc.Error and e.code == code and e.name.startswith("TC_E")
    assert issubclass(tc.Cancelled, tc.Error) and issubclass(tc.TimedOut, TimeoutError)


def test_refused_submission_raises_at_once(client):
    with pytest.raises(tc.InvalidArgumentError) as ei:
        client.submit_create_conduit(0)
    assert "shard" in ei.value.message
    with pytest.raises(tc.InvalidArgumentError):
        client.submit_update_shards("x", [tc.ShardAssignment.webhook("0", "not a url", SECRET)])
    with pytest.raises(TypeError):
        client.submit_request("POST", "/eventsub/conduits", body=3.5j)   # not JSON-able
    assert client.pending() == 0
    assert client.list_conduits() == []   # the client still works


def test_options_are_checked_by_type(mock):
    with pytest.raises(TypeError, match="no field"):
        make_client(mock, log_cb=1)                     # callbacks cannot be given
    with pytest.raises(ValueError, match="out of range"):
        make_client(mock, max_concurrency=2**40)
    with pytest.raises(TypeError, match="must be an int"):
        make_client(mock, flags=True)
    with pytest.raises(ValueError, match="NUL"):
        make_client(mock, client_id="abc\0def")
    with make_client(mock, request_deadline_ms=30000, max_list_pages=5, random_seed=2**63) as c:
        assert c.list_conduits() == []
