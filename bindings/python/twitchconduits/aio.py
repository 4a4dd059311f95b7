"""asyncio integration: the client's fd drives poll() on the event loop's
thread, so callbacks still run on one thread (the loop's).

A Future is awaitable directly: ``await client.submit_create_conduit(1)``
inside a running loop polls the client from that loop while it waits; so
does ``async for`` over ``aio.subscriptions()`` while it waits for a page.
``attach()`` keeps the loop polling for a whole block, which listeners'
callbacks (and done-callbacks of futures nobody awaits) need.

    conduit = await client.submit_create_conduit(1)
    async for sub in twitchconduits.aio.subscriptions(client, conduit_id=conduit.id):
        ...
    async with twitchconduits.aio.attach(client):
        await asyncio.sleep(60)      # the listener's on_event runs meanwhile
"""
from __future__ import annotations

import asyncio
import contextlib
import threading
from typing import Any, AsyncIterator, Callable, Iterator, Optional, TypeVar

from ._client import _WAIT, Client, Future, Listing
from ._types import Subscription

_T = TypeVar("_T")


@contextlib.contextmanager
def _driven(client: Client, loop: asyncio.AbstractEventLoop) -> Iterator[None]:
    """Poll `client` from `loop` whenever its fd is readable, for as long as
    any attach() block or awaited Future needs it (counted: the reader is
    added by the first user and removed by the last)."""
    if client._aio_users == 0:
        fd = client.fileno()
        loop.add_reader(fd, client.poll, 0)
        client._aio_loop, client._aio_fd = loop, fd
    elif client._aio_loop is not loop:
        raise RuntimeError("this client is already driven by another event loop")
    client._aio_users += 1
    try:
        yield
    finally:
        client._aio_users -= 1
        if client._aio_users == 0:
            loop.remove_reader(client._aio_fd)
            client._aio_loop = None


@contextlib.asynccontextmanager
async def attach(client: Client) -> AsyncIterator[Client]:
    """Poll `client` whenever its fd is readable, while the block runs
    (listeners' callbacks and done-callbacks then run on the loop)."""
    with _driven(client, asyncio.get_running_loop()):
        yield client


def _waker(loop: asyncio.AbstractEventLoop, waiter: asyncio.Future[None]) -> Callable[[], None]:
    """A function that completes `waiter` from any thread: the polling
    thread (which runs done-callbacks and page wakers) may not be the
    loop's."""
    loop_thread = threading.get_ident()

    def wake() -> None:
        if not waiter.done():
            waiter.set_result(None)

    def from_any_thread() -> None:
        if threading.get_ident() == loop_thread:
            wake()
        else:
            with contextlib.suppress(RuntimeError):  # the loop is closed: nobody waits
                loop.call_soon_threadsafe(wake)

    return from_any_thread


async def result(future: Future[_T]) -> _T:
    """Wait for a twitchconduits.Future without blocking the loop: its
    value, or its error raised. Cancelling the awaiting task cancels the
    operation. (``await future`` does the same.)"""
    if not future.done():
        loop = asyncio.get_running_loop()
        waiter: asyncio.Future[None] = loop.create_future()
        wake = _waker(loop, waiter)
        with _driven(future._client, loop):
            future.add_done_callback(lambda _: wake())
            try:
                await waiter
            except asyncio.CancelledError:
                future.cancel()
                raise
    return future.result(0)


class AsyncListing:
    """``async for`` over a Listing (client.subscriptions()): each page is
    fetched when the one before it has been read, the loop polling the
    client while it waits for one. ``aclose()`` (or leaving ``async with``)
    stops the listing."""

    def __init__(self, listing: Listing) -> None:
        self._listing = listing

    def __aiter__(self) -> AsyncListing:
        return self

    async def __anext__(self) -> Subscription:
        q = self._listing._q
        while True:
            try:
                item = self._listing._take()
            except StopIteration:
                raise StopAsyncIteration from None
            if item is not _WAIT:
                return item
            loop = asyncio.get_running_loop()
            waiter: asyncio.Future[None] = loop.create_future()
            with _driven(q.client, loop):
                q.wakers.append(_waker(loop, waiter))
                try:
                    await waiter
                except asyncio.CancelledError:
                    self._listing.close()
                    raise

    async def __aenter__(self) -> AsyncListing:
        return self

    async def __aexit__(self, *exc: Any) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        self._listing.close()


def subscriptions(client: Client, status: Optional[str] = None, type: Optional[str] = None,
                  user_id: Optional[str] = None, subscription_id: Optional[str] = None,
                  conduit_id: Optional[str] = None) -> AsyncListing:
    """The matching subscriptions as an async iterator, page by page
    (filters as for Client.subscriptions())."""
    return AsyncListing(client.subscriptions(status=status, type=type, user_id=user_id,
                                             subscription_id=subscription_id, conduit_id=conduit_id))
