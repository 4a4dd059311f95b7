"""asyncio integration: the client's fd drives poll() on the event loop's
thread, so callbacks still run on one thread (the loop's).

    async with twitchconduits.aio.attach(client):
        conduit = await twitchconduits.aio.result(client.submit_create_conduit(1))
        async for sub in twitchconduits.aio.subscriptions(client, conduit_id=conduit.id):
            ...
"""
import asyncio
import contextlib

from ._client import _WAIT


@contextlib.asynccontextmanager
async def attach(client):
    """Poll `client` whenever its fd is readable, while the block runs."""
    loop = asyncio.get_running_loop()
    fd = client.fileno()
    loop.add_reader(fd, client.poll, 0)
    try:
        yield client
    finally:
        loop.remove_reader(fd)


async def result(future):
    """Await a twitchconduits.Future (its client must be attached)."""
    if not future.done():
        waiter = asyncio.get_running_loop().create_future()
        future.add_done_callback(lambda _: waiter.done() or waiter.set_result(None))
        try:
            await waiter
        except asyncio.CancelledError:
            future.cancel()
            raise
    return future.result(0)


class AsyncListing:
    """``async for`` over a Listing (client.subscriptions()): each page is
    fetched when the one before it has been read. The client must be
    attached. ``aclose()`` (or leaving ``async with``) stops the listing."""

    def __init__(self, listing):
        self._listing = listing

    def __aiter__(self):
        return self

    async def __anext__(self):
        q = self._listing._q
        while True:
            try:
                item = self._listing._take()
            except StopIteration:
                raise StopAsyncIteration from None
            if item is not _WAIT:
                return item
            waiter = asyncio.get_running_loop().create_future()
            q.wakers.append(lambda: waiter.done() or waiter.set_result(None))
            try:
                await waiter
            except asyncio.CancelledError:
                self._listing.close()
                raise

    async def __aenter__(self):
        return self

    async def __aexit__(self, *exc):
        await self.aclose()

    async def aclose(self):
        self._listing.close()


def subscriptions(client, **filters):
    """The matching subscriptions as an async iterator, page by page
    (filters as for Client.subscriptions())."""
    return AsyncListing(client.subscriptions(**filters))
