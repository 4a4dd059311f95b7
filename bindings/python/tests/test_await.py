"""A Future is awaitable in asyncio directly: `await fut` in a running loop
polls the client from that loop (no aio.attach needed), returns the value
or raises the operation's error, and cancelling the awaiting task cancels
the operation."""
import asyncio
import threading

import pytest

import twitchconduits as tc
from twitchconduits import aio


def reader_registered(loop, client):
    """Whether the loop still watches the client's fd (and put it back if so)."""
    fd = client.fileno()
    if loop.remove_reader(fd):
        loop.add_reader(fd, client.poll, 0)
        return True
    return False


def test_await_without_attach(client):
    async def main():
        loop = asyncio.get_running_loop()
        one = await client.submit_create_conduit(1)
        many = await asyncio.gather(*(client.submit_create_conduit(2) for _ in range(3)))
        listed = await client.submit_list_conduits()
        return one, many, listed, reader_registered(loop, client)

    one, many, listed, still_watched = asyncio.run(main())
    assert isinstance(one, tc.Conduit) and [c.shard_count for c in many] == [2, 2, 2]
    assert sorted(c.id for c in listed) == sorted(c.id for c in [one, *many])
    assert not still_watched and client._aio_users == 0 and client.pending() == 0


def test_await_raises_the_operations_error(client):
    async def main():
        with pytest.raises(tc.NotFoundError) as ei:
            await client.submit_delete_conduit("no-such-conduit")
        return ei.value

    err = asyncio.run(main())
    assert err.code == -12 and err.http_status == 404 and client._aio_users == 0


def test_await_a_done_future_returns_at_once(client):
    fut = client.submit_create_conduit(1)
    made = fut.result(10)

    async def main():
        return await fut

    assert asyncio.run(main()) == made


def test_cancelling_the_awaiting_task_cancels_the_operation(client, mock):
    mock.control("config", {"latency_ms": 3000})
    fut = client.submit_list_conduits()

    async def main():
        task = asyncio.ensure_future(fut)   # an awaitable: asyncio wraps it in a task
        await asyncio.sleep(0.05)
        assert not task.done()
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task

    asyncio.run(main())
    client.run(timeout=10)   # the library reports the cancelled operation
    assert fut.done() and fut.cancelled()
    with pytest.raises(tc.Cancelled):
        fut.result(0)
    assert client._aio_users == 0


def test_wait_for_timeout_cancels_the_operation(client, mock):
    mock.control("config", {"latency_ms": 3000})

    async def main():
        fut = client.submit_list_conduits()
        with pytest.raises(asyncio.TimeoutError):
            await asyncio.wait_for(fut, 0.2)
        return fut

    fut = asyncio.run(main())
    client.run(timeout=10)
    assert fut.cancelled()


def test_await_inside_attach_keeps_the_attachment(client):
    async def main():
        loop = asyncio.get_running_loop()
        async with aio.attach(client):
            made = await client.submit_create_conduit(1)
            during = reader_registered(loop, client)
        return made, during, reader_registered(loop, client)

    made, during, after = asyncio.run(main())
    assert made.shard_count == 1 and during and not after


def test_await_completed_by_another_thread(client, mock):
    # Another thread polls (run()) while the loop awaits: whichever takes
    # the completion, the awaiting task wakes up on its own loop.
    mock.control("config", {"latency_ms": 200})
    fut = client.submit_create_conduit(1)
    poller = threading.Thread(target=client.run, kwargs={"timeout": 10})

    async def main():
        poller.start()
        return await asyncio.wait_for(fut, 10)

    made = asyncio.run(main())
    poller.join(10)
    assert made.shard_count == 1 and not poller.is_alive()


def test_one_loop_per_client(client):
    # A client polled by one loop cannot be driven by a second at once.
    started, release = threading.Event(), threading.Event()

    async def hold():
        async with aio.attach(client):
            started.set()
            while not release.is_set():
                await asyncio.sleep(0.01)

    t = threading.Thread(target=asyncio.run, args=(hold(),))
    t.start()
    try:
        assert started.wait(10)

        async def other():
            await client.submit_list_conduits()

        with pytest.raises(RuntimeError, match="another event loop"):
            asyncio.run(other())
    finally:
        release.set()
        t.join(10)
    assert client._aio_users == 0 and client.list_conduits() == []


def test_closing_the_client_while_awaited(mock):
    from conftest import make_client
    mock.control("config", {"latency_ms": 3000})
    c = make_client(mock)

    async def main():
        loop = asyncio.get_running_loop()
        fd = c.fileno()
        waiting = asyncio.ensure_future(c.submit_list_conduits())
        await asyncio.sleep(0.05)
        c.close()                      # completes it with Cancelled (its callbacks run here)
        with pytest.raises(tc.Cancelled):
            await asyncio.wait_for(waiting, 10)
        return loop.remove_reader(fd)

    assert asyncio.run(main()) is False and c._aio_users == 0
