"""Futures: callbacks on the polling thread, fileno() integration,
cancellation, closing with work pending, Ctrl-C during a wait."""
import selectors
import signal
import threading

import pytest

import twitchconduits as tc

from conftest import make_client


def test_futures_and_callbacks(client):
    futs = [client.submit_create_conduit(1) for _ in range(3)]
    seen = []
    for f in futs:
        f.add_done_callback(lambda f: seen.append((threading.get_ident(), f)))
    assert client.pending() == 3
    client.run(timeout=10)
    assert all(f.done() for f in futs) and client.pending() == 0
    assert {t for t, _ in seen} == {threading.get_ident()}
    ids = {f.result(0).id for f in futs}
    assert len(ids) == 3
    late = []
    futs[0].add_done_callback(late.append)  # already done: runs at once
    assert late == [futs[0]]


def test_callbacks_run_on_the_polling_thread(client):
    f = client.submit_list_conduits()
    where = []
    f.add_done_callback(lambda _: where.append(threading.current_thread().name))
    t = threading.Thread(target=lambda: client.run(timeout=10), name="poller")
    t.start()
    t.join(15)
    assert where == ["poller"] and f.result(0) == []


def test_callback_exception_is_raised_by_poll(client):
    f = client.submit_list_conduits()
    f.add_done_callback(lambda _: 1 / 0)
    with pytest.raises(ZeroDivisionError):
        client.run(timeout=10)
    assert f.done() and f.result() == []


def test_fileno_with_selectors(client):
    f = client.submit_create_conduit(2)
    sel = selectors.DefaultSelector()
    sel.register(client.fileno(), selectors.EVENT_READ)
    for _ in range(200):
        sel.select(timeout=0.05)
        client.poll(0)
        if f.done():
            break
    sel.close()
    assert f.result(0).shard_count == 2


def test_cancel(client, mock):
    mock.control("config", {"latency_ms": 3000})
    f = client.submit_list_conduits()
    assert f.cancel()
    with pytest.raises(tc.Cancelled) as ei:
        f.result(timeout=10)
    assert ei.value.code == -5 and f.cancelled()
    assert not f.cancel()  # already completed


def test_result_timeout(client, mock):
    mock.control("config", {"latency_ms": 2000})
    f = client.submit_list_conduits()
    with pytest.raises(TimeoutError):
        f.result(timeout=0.2)
    f.cancel()
    with pytest.raises(tc.Cancelled):
        f.result(10)


def test_close_with_work_pending(mock):
    mock.control("config", {"latency_ms": 3000})
    c = make_client(mock)
    futs = [c.submit_list_conduits(), c.submit_create_conduit(1), c.submit_get_token(force_refresh=True)]
    called = []
    for f in futs:
        f.add_done_callback(called.append)
    c.close()
    assert all(f.done() and f.cancelled() for f in futs) and len(called) == 3
    with pytest.raises(tc.Cancelled):
        futs[0].result()


def test_ctrl_c_interrupts_a_blocking_wait(client, mock):
    mock.control("config", {"latency_ms": 5000})
    def interrupt(signum, frame):
        raise KeyboardInterrupt
    old = signal.signal(signal.SIGALRM, interrupt)
    try:
        signal.setitimer(signal.ITIMER_REAL, 0.3)
        with pytest.raises(KeyboardInterrupt):
            client.list_conduits()
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, old)


def test_progress_and_many_futures(client):
    c = client.create_conduit(1)
    specs = [("channel.follow", "2", {"broadcaster_user_id": str(i), "moderator_user_id": str(i)})
             for i in range(40)]
    steps = []
    f = client.submit_create_subscriptions(c.id, specs, concurrency=8, progress=lambda d, t: steps.append(d))
    batch = f.result(30)
    assert batch.ok and batch.tally("created") == 40 and steps[-1] == 40
    assert steps == sorted(steps)


def test_asyncio_integration(client):
    import asyncio
    from twitchconduits import aio

    async def main():
        async with aio.attach(client):
            made = await asyncio.gather(*(aio.result(client.submit_create_conduit(1)) for _ in range(3)))
            listed = await asyncio.wait_for(aio.result(client.submit_list_conduits()), 10)
            return made, listed

    made, listed = asyncio.run(main())
    assert sorted(c.id for c in made) == sorted(c.id for c in listed)


def test_several_threads_wait_at_once(client):
    futs = [client.submit_list_conduits() for _ in range(6)]
    errors = []

    def wait(mine):
        try:
            for f in mine:
                assert f.result(10) == []
        except BaseException as e:  # reported below
            errors.append(e)

    threads = [threading.Thread(target=wait, args=(futs[i::3],)) for i in range(3)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(20)
    assert not errors and all(f.done() for f in futs) and client.pending() == 0


def test_dispatch_thread_mode(mock):
    # The pull form works in both loop modes: nothing runs on the library's dispatch thread.
    with make_client(mock, flags=tc._swig.TC_CONDUITS_F_DISPATCH_THREAD) as c:
        made = c.create_conduit(1)
        assert c.list_conduits() == [made] and list(c.subscriptions()) == []


def test_close_from_another_thread_during_a_blocking_call(mock):
    from conftest import wait_until
    mock.control("config", {"latency_ms": 3000})
    c = make_client(mock)
    errors = []

    def call():
        try:
            c.list_conduits()
        except BaseException as e:  # checked below
            errors.append(e)

    t = threading.Thread(target=call)
    t.start()
    wait_until(lambda: c.pending() == 1 and c._poll_lock.locked(), what="the call waiting")
    c.close()            # the waiting thread lets go of the loop; its call completes Cancelled
    t.join(10)
    assert not t.is_alive() and len(errors) == 1 and isinstance(errors[0], tc.Cancelled)
