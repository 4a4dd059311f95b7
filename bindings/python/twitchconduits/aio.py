"""asyncio integration: the client's fd drives poll() on the event loop's
thread, so callbacks still run on one thread (the loop's).

    async with twitchconduits.aio.attach(client):
        conduit = await twitchconduits.aio.result(client.submit_create_conduit(1))
"""
import asyncio
import contextlib


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
