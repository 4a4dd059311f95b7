"""Listings page by page: client.subscriptions() fetches a page only once the
one before it was read (tc_subscriptions_list's pull form), stops when
closed, raises a refused submission at once and a failed page where it
happens; aio.subscriptions() is the same as an async iterator."""
import asyncio

import pytest

import twitchconduits as tc
from twitchconduits import aio

from conftest import make_client

COUNT = 9      # subscriptions
PAGE = 2       # the mock's page size: 5 pages


def listing_requests(mock):
    return mock.stats()["helix_requests"]


@pytest.fixture
def conduit(client, mock):
    c = client.create_conduit(1)
    specs = [("stream.online", "1", {"broadcaster_user_id": str(1000 + i)}) for i in range(COUNT)]
    assert client.create_subscriptions(c.id, specs).ok
    mock.control("config", {"page_size": PAGE})
    mock.control("reset_stats", {})
    return c


def test_every_page_on_demand(client, mock, conduit):
    listing = client.subscriptions(conduit_id=conduit.id)
    assert isinstance(listing, tc.Listing) and client.pending() == 1
    first = next(listing)
    assert isinstance(first, tc.Subscription) and first.type == "stream.online"
    assert listing.total == COUNT
    rest = list(listing)
    ids = {s.condition["broadcaster_user_id"] for s in [first] + rest}
    assert len(rest) == COUNT - 1 and ids == {str(1000 + i) for i in range(COUNT)}
    assert listing_requests(mock) == (COUNT + PAGE - 1) // PAGE
    assert client.pending() == 0
    with pytest.raises(StopIteration):
        next(listing)
    by_type = client.list_subscriptions(type="stream.online", conduit_id=None)
    assert sorted(s.id for s in by_type) == sorted(s.id for s in [first] + rest)


def test_stopping_early_fetches_no_further(client, mock, conduit):
    with client.subscriptions(conduit_id=conduit.id) as listing:
        next(listing)
    # closed: cancelled after at most the page read, the one prefetched and the next
    client.run(timeout=10)
    assert client.pending() == 0
    assert listing_requests(mock) <= 3 < (COUNT + PAGE - 1) // PAGE
    with pytest.raises(StopIteration):
        next(listing)
    for _ in client.subscriptions(conduit_id=conduit.id):
        break                       # dropping the iterator closes it too
    client.run(timeout=10)
    assert client.pending() == 0


def test_refused_at_once_and_failed_page(client, mock, conduit):
    with pytest.raises(tc.InvalidArgumentError):
        client.subscriptions(type="stream.online", user_id="1001")  # Twitch allows one filter
    with pytest.raises(TypeError):
        client.subscriptions(conduit_id=7)
    assert client.pending() == 0
    with make_client(mock, max_attempts=1) as c2:
        mock.control("fail_next", {"count": 5, "status": 503})
        listing = c2.subscriptions()
        with pytest.raises(tc.ServerError) as ei:
            list(listing)
        assert ei.value.http_status == 503
        assert list(listing) == []   # the error is raised once


def test_close_client_with_a_listing_open(mock, conduit):
    c2 = make_client(mock)
    listing = c2.subscriptions(conduit_id=conduit.id)
    c2.close()
    got = []
    with pytest.raises(tc.Cancelled):
        for s in listing:
            got.append(s)
    assert len(got) < COUNT


def test_async_listing(client, mock, conduit):
    async def main():
        async with aio.attach(client):
            got = [s.id async for s in aio.subscriptions(client, conduit_id=conduit.id)]
            async with aio.subscriptions(client, conduit_id=conduit.id) as early:
                first = await early.__anext__()
            with pytest.raises(tc.InvalidArgumentError):
                aio.subscriptions(client, type="stream.online", status="enabled")
            return got, first

    got, first = asyncio.run(main())
    assert len(set(got)) == COUNT and first.id in got
    client.run(timeout=10)
    assert client.pending() == 0


def test_async_listing_without_attach(client, mock, conduit):
    # Waiting for a page polls the client from the loop, as awaiting a Future does.
    async def main():
        loop = asyncio.get_running_loop()
        got = [s.id async for s in aio.subscriptions(client, conduit_id=conduit.id)]
        fd = client.fileno()
        return got, loop.remove_reader(fd)

    got, still_watched = asyncio.run(main())
    assert len(set(got)) == COUNT and not still_watched and client._aio_users == 0
    assert listing_requests(mock) == COUNT // PAGE + 1   # every page fetched once, on demand
