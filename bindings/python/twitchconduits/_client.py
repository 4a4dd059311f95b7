"""Client, Future, Listener and Listing: the C API's operations in their pull
form (include/twitchconduits/completion.h). Each submission carries an
integer token as its userdata; whichever thread waits takes finished
operations with tc_conduits_next() and routes each by its token. Callbacks
run only on that thread (poll(), run(), or a blocking wait); waits release
the GIL and return to Python every 100 ms so Ctrl-C (KeyboardInterrupt) and
other signals are handled."""
from __future__ import annotations

from collections import deque
from collections.abc import Mapping
import itertools
import json
import threading
import time
from typing import (Any, Callable, Deque, Dict, Generator, Generic, Iterable, List, Optional, Sequence, Tuple,
                    TypeVar, Union)

import twitchconduits_swig as _t

from . import _types as T
from ._errors import Cancelled, ClosedError, check, error_for
from ._view import View, ViewChange
from ._webhook import WebhookMessage

_SLICE_MS = 100
_OK = _t.TC_OK
_EPARTIAL = _t.TC_EPARTIAL
_ECANCELED = _t.TC_ECANCELED
_PROGRESS = _t.TC_COMPLETION_PROGRESS
_PAGE = _t.TC_COMPLETION_PAGE
_EVENT = _t.TC_COMPLETION_EVENT
# "Retry this POST too": the caller says the request is idempotent.
_F_IDEMPOTENT = _t.TC_REQUEST_F_IDEMPOTENT

_T = TypeVar("_T")
#: what create/reconcile take as one wanted subscription
SpecLike = Union[T.SubscriptionSpec, Tuple[str, str, Any], Dict[str, Any]]
#: a by-type name: "channel.follow", "channel.follow@2" or ("channel.follow", "2")
TypeName = Union[str, Tuple[str, str]]
ProgressFn = Callable[[int, int], Any]
EventFn = Callable[[WebhookMessage], Any]
QueryLike = Union[Mapping[str, Any], Iterable[Tuple[str, Any]]]


# -- results, read from the completion with the C accessors -------------------
def _nothing(done):
    return None


def _response(done):
    return T.Response._from_c(_t.tc_completion_response(done))


def _token(done):
    return T.Token._from_c(_t.tc_completion_token(done))


def _conduit(done):
    return T.Conduit._from_c(_t.tc_completion_conduit(done))


def _conduits(done):
    return T.Conduit._list_from_c(_t.tc_completion_conduit_list(done))


def _shard(done):
    return T.Shard._from_c(_t.tc_completion_shard(done))


def _shards(done):
    return T.Shard._list_from_c(_t.tc_completion_shard_list(done))


def _shard_update(done):
    return T.ShardUpdateResult._from_c(_t.tc_completion_shard_update(done))


def _batch(done):
    return T.BatchResult._from_c(_t.tc_completion_batch(done))


class Future(Generic[_T]):
    """The result of one submitted operation. ``result(timeout)`` waits
    (polling the client), ``done()``, ``cancel()``, ``add_done_callback(fn)``
    (fn(future) runs on the polling thread, or at once if already done).
    ``await future`` works in a running asyncio loop: the loop polls the
    client while it waits, and cancelling the awaiting task cancels the
    operation."""

    __slots__ = ("_client", "_token", "_convert", "_partial_ok", "_progress_fn", "_progress", "_op", "_done",
                 "_value", "_error", "_callbacks")

    def __init__(self, client: Client, token: int, convert: Callable[[Any], _T], partial_ok: bool = False,
                 progress: Optional[ProgressFn] = None) -> None:
        self._client = client
        self._token = token
        self._convert = convert
        self._partial_ok = partial_ok
        self._progress_fn = progress
        self._progress = (0, 0)
        self._op = 0
        self._done = False
        self._value: _T = None  # type: ignore[assignment]  # read only once done
        self._error: Optional[BaseException] = None
        self._callbacks: Optional[List[Callable[[Future[_T]], Any]]] = None

    def __repr__(self) -> str:
        state = "pending" if not self._done else ("failed" if self._error else "done")
        return f"<twitchconduits.Future {state}>"

    def done(self) -> bool:
        return self._done

    def cancelled(self) -> bool:
        return isinstance(self._error, Cancelled)

    def cancel(self) -> bool:
        """Ask the operation to stop; it then completes with Cancelled.
        False when it has already completed."""
        c = self._client._c
        if self._done or c is None:
            return False
        return _t.tc_conduits_cancel(c, self._op) == _OK

    def progress(self) -> Tuple[int, int]:
        """(done, total) of a batch operation, as last reported (batches
        report progress when submitted with a progress callback)."""
        return self._progress

    def add_done_callback(self, fn: Callable[[Future[_T]], Any]) -> None:
        if self._done:
            fn(self)
        elif self._callbacks is None:
            self._callbacks = [fn]
        else:
            self._callbacks.append(fn)

    def result(self, timeout: Optional[float] = None) -> _T:
        """The value, or raise the operation's Error (TimeoutError if not done
        within timeout seconds)."""
        if not self._done:
            self._client._wait_for(self, timeout)
        if self._error is not None:
            raise self._error
        return self._value

    def exception(self, timeout: Optional[float] = None) -> Optional[BaseException]:
        if not self._done:
            self._client._wait_until(self.done, timeout)
        return self._error

    def __await__(self) -> Generator[Any, None, _T]:
        from .aio import result  # asyncio is imported only by those who await
        return result(self).__await__()

    # -- internal: the pump hands over each completion of this operation
    def _on_completion(self, done):
        # progress completions come only when asked for (a progress callback)
        if self._progress_fn is not None and _t.tc_completion_kind_get(done) == _PROGRESS:
            _, d, total = _t.tc_completion_progress(done)
            self._progress = (d, total)
            self._client._run_callback(lambda _: self._progress_fn(d, total), None)
            return False
        self._client._pending.pop(self._token, None)
        st = _t.tc_completion_status(done)
        try:
            if st == _OK or (st == _EPARTIAL and self._partial_ok):
                self._value = self._convert(done)
            else:
                result = self._convert(done) if st == _EPARTIAL else None
                self._error = error_for(st, _t.tc_completion_message(done), _t.tc_completion_http_status(done),
                                        result)
        except Exception as e:  # a conversion bug must not lose the completion
            self._error = e
        self._finish()
        return False

    def _abandon(self, error):
        """Complete without a C completion (the client was freed first)."""
        self._error = error
        self._finish()

    def _finish(self):
        self._done = True
        if self._progress_fn is None and isinstance(self._value, T.BatchResult):
            n = len(self._value.items)
            self._progress = (n, n)
        if self._callbacks is not None:
            callbacks, self._callbacks = self._callbacks, None
            for cb in callbacks:
                self._client._run_callback(cb, self)


class _PageQueue:
    """A listing's completions as the pump routes them: pages (still owned,
    so the library fetches no further) and the final status."""

    def __init__(self, client, token):
        self.client = client
        self.token = token
        self.op = 0
        self.pages: Deque[Any] = deque()
        self.status: Optional[int] = None
        self.message = ""
        self.http_status = 0
        self.closed = False
        self.wakers: List[Callable[[], Any]] = []

    def _on_completion(self, done):
        if _t.tc_completion_kind_get(done) == _PAGE:
            if self.closed:
                return False  # nobody reads it: free it now
            self.pages.append(done)
            self._wake()
            return True
        self.client._pending.pop(self.token, None)
        self.status = _t.tc_completion_status(done)
        self.message = _t.tc_completion_message(done)
        self.http_status = _t.tc_completion_http_status(done)
        self._wake()
        return False

    def _abandon(self, error):
        self.status = error.code
        self.message = error.message
        self._wake()

    def _wake(self):
        wakers, self.wakers = self.wakers, []
        for fn in wakers:
            fn()

    def ready(self):
        return bool(self.pages) or self.status is not None

    def close(self):
        self.closed = True
        while self.pages:
            _t.tc_completion_free(self.pages.popleft())
        c = self.client._c
        if self.status is None and c is not None:
            _t.tc_conduits_cancel(c, self.op)


_WAIT = object()


class Listing:
    """The subscriptions matching a filter, fetched page by page as you
    iterate: the library fetches a page only once the one before it was
    read, so memory stays about two pages however long the listing.
    ``total``, ``total_cost`` and ``max_total_cost`` are Twitch's figures
    from the latest page (None before the first). ``close()`` (or leaving a
    ``with`` block, or dropping the iterator) stops the listing."""

    def __init__(self, client: Client, filters: Dict[str, Optional[str]]) -> None:
        c = client._handle()
        token = next(client._tokens)
        self._q = q = _PageQueue(client, token)
        self._items: Deque[T.Subscription] = deque()
        self._raised = False
        self.total: Optional[int] = None
        self.total_cost: Optional[int] = None
        self.max_total_cost: Optional[int] = None
        client._pending[token] = q
        st, q.op = _t.tc_subscriptions_list(c, filters, token)
        if st != _OK:
            client._pending.pop(token, None)
            q.status = st
            self._raised = True
            raise error_for(st, _t.tc_last_error_message())

    def __repr__(self) -> str:
        return f"<twitchconduits.Listing {'open' if self._q.status is None else 'finished'}>"

    def __iter__(self) -> Listing:
        return self

    def __next__(self) -> T.Subscription:
        while True:
            item = self._take()
            if item is not _WAIT:
                return item
            self._q.client._wait_until(self._q.ready, None)

    def __enter__(self) -> Listing:
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()

    def __del__(self) -> None:
        q = getattr(self, "_q", None)
        try:
            if q is not None and not q.closed:
                q.close()
        except Exception:  # at interpreter exit the module may be gone
            pass

    def close(self) -> None:
        self._items.clear()
        self._q.close()

    def _take(self):
        """The next item, _WAIT when a page must come first; raises
        StopIteration at the end, or the listing's error (once)."""
        q = self._q
        while not self._items:
            if q.pages and not q.closed:
                self._read_page(q.pages.popleft())
                continue
            if q.status is None and not q.closed:
                return _WAIT
            if q.status is not None and q.status != _OK and not self._raised and not (q.closed and q.status == _ECANCELED):
                self._raised = True
                raise error_for(q.status, q.message, q.http_status)
            raise StopIteration
        return self._items.popleft()

    def _read_page(self, done):
        try:
            page = _t.tc_completion_page(done)
            self._items.extend(T.Subscription._list_from_c(page))
            self.total = _t.tc_subscription_list_total(page)
            self.total_cost = _t.tc_subscription_list_total_cost(page)
            self.max_total_cost = _t.tc_subscription_list_max_total_cost(page)
        finally:
            _t.tc_completion_free(done)  # lets the library fetch the next page


class Listener:
    """The embedded webhook listener (see Client.listen). ``base_url`` is
    where routes live: a route key ``k`` is served at base_url + k."""

    def __init__(self, client: Client, handle: Any, token: int, on_event: Optional[EventFn],
                 on_reject: Optional[EventFn]) -> None:
        self._client = client
        self._l = handle
        self._token = token
        self.on_event = on_event
        self.on_reject = on_reject
        self.port = _t.tc_listener_port(handle)
        self.base_url = _t.tc_listener_base_url(handle)

    def __repr__(self) -> str:
        return f"<twitchconduits.Listener {self.base_url}>"

    def url(self, route_key: str) -> str:
        return self.base_url + route_key

    def add_route(self, route_key: str, secret: str) -> None:
        check(_t.tc_listener_add_route(self._handle(), route_key, secret))

    def remove_route(self, route_key: str) -> None:
        check(_t.tc_listener_remove_route(self._handle(), route_key))

    def add_secret(self, route_key: str, secret: str) -> None:
        check(_t.tc_listener_add_secret(self._handle(), route_key, secret))

    def stat(self, which: int) -> int:
        return _t.tc_listener_stat_get(self._handle(), which)

    def _handle(self):
        if self._l is None:
            raise ClosedError("listener closed")
        return self._l

    def close(self) -> None:
        if self._l is not None:
            _t.tc_listener_free(self._l)
            self._l = None
            self._client._streams.pop(self._token, None)

    def _on_completion(self, done):
        m = _t.tc_completion_event(done)
        if m is not None:
            cb = self.on_event if _t.tc_completion_kind_get(done) == _EVENT else self.on_reject
            if cb is not None:
                self._client._run_callback(cb, WebhookMessage._from_c(m, _t.tc_completion_source(done)))
        return False


class _ViewWatch:
    def __init__(self, client, fn):
        self.client = client
        self.fn = fn

    def _on_completion(self, done):
        change, vid = _t.tc_completion_view_change(done), _t.tc_completion_view_id(done)
        # a value this binding does not know yet stays a plain int
        change = ViewChange(change) if change in ViewChange._value2member_map_ else change
        self.client._run_callback(lambda _: self.fn(change, vid), None)
        return False


class Client:
    """A Twitch EventSub client. Options are tc_conduits_options' fields as
    keywords: client_id, client_secret, app_token, api_base_url,
    auth_base_url, ca_file, callback_url (str); request_timeout_ms,
    max_attempts, max_concurrency, flags, ... (int; see conduits.h). Use as
    a context manager or call close()."""

    def __init__(self, **options: Union[str, int, None]) -> None:
        self._c = None
        self._closing = False
        self._desc = options.get("client_id") or "(no client id)"
        st, c = _t.tc_conduits_new({k: v for k, v in options.items() if v is not None})
        check(st, "client")
        self._c = c
        self._tokens = itertools.count(1)
        self._pending: Dict[int, Any] = {}      # token -> Future or _PageQueue (operation in flight)
        self._streams: Dict[int, Any] = {}      # token -> Listener or _ViewWatch (no end)
        self._view_token = 0
        self._poll_lock = threading.Lock()
        self._cond = threading.Condition()
        self._waiters = 0
        self._callback_errors: List[Exception] = []
        self._aio_users = 0      # aio: attach() blocks and awaits polling from _aio_loop
        self._aio_loop: Any = None
        self._aio_fd = -1

    def __repr__(self) -> str:
        return f"<twitchconduits.Client {self._desc} {'closed' if self._c is None else 'open'}>"

    def __enter__(self) -> Client:
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()

    def __del__(self) -> None:
        try:
            self.close()
        except Exception:
            pass

    # -- lifecycle ---------------------------------------------------------
    def close(self) -> None:
        """Free the client: operations still pending complete with Cancelled
        (their done-callbacks run here)."""
        c = getattr(self, "_c", None)
        if c is None:
            return
        self._closing = True  # a thread waiting in _wait_for() lets go of the poll lock
        with self._locked():
            for lst in [s for s in self._streams.values() if isinstance(s, Listener)]:
                lst.close()
            self._c = None
            self._streams.clear()
            _t.tc_conduits_cancel_all(c)
            deadline = time.monotonic() + 10
            while self._pending and time.monotonic() < deadline:
                self._take(c, _SLICE_MS)
            _t.tc_conduits_free(c)
            for op in list(self._pending.values()):
                op._abandon(Cancelled("the client was closed"))
            self._pending.clear()
        with self._cond:
            self._cond.notify_all()

    @property
    def closed(self) -> bool:
        return self._c is None

    def _handle(self):
        c = self._c
        if c is None:
            raise ClosedError("client closed")
        return c

    def fileno(self) -> int:
        """A descriptor that becomes readable when poll() has work (select,
        selectors, asyncio's add_reader)."""
        return _t.tc_conduits_fd(self._handle())

    def pending(self) -> int:
        """Operations submitted and not yet completed (listings included)."""
        return len(self._pending)

    def wakeup(self) -> None:
        """Make a blocked poll() return (any thread)."""
        c = self._c
        if c is not None:
            _t.tc_conduits_wakeup(c)

    # -- the loop ------------------------------------------------------------
    def poll(self, timeout: Optional[float] = 0.0) -> int:
        """Wait up to timeout seconds (None = no limit) for completions, then
        complete futures and run their callbacks and the listeners' event
        callbacks on this thread. Returns how many completions were handled."""
        deadline = None if timeout is None else time.monotonic() + timeout
        while True:
            left = _SLICE_MS if deadline is None else max(0, min(_SLICE_MS, int((deadline - time.monotonic()) * 1000)))
            with self._poll_lock:
                c = self._c
                n = self._take(c, left) if c is not None else 0
            self._notify_waiters()
            self._raise_callback_errors()
            if n or (deadline is not None and time.monotonic() >= deadline):
                return n

    def run(self, timeout: Optional[float] = None) -> None:
        """Poll until nothing is pending (or timeout seconds pass). Listeners
        keep nothing pending: use poll() in a loop to serve them."""
        deadline = None if timeout is None else time.monotonic() + timeout
        while self._pending:
            left = None if deadline is None else deadline - time.monotonic()
            if left is not None and left <= 0:
                raise TimeoutError("operations still pending")
            self.poll(left if left is not None else _SLICE_MS / 1000)

    def _locked(self):
        """The poll lock; wakes a thread blocked in a poll slice holding it."""
        c = self._c
        if self._poll_lock.locked() and c is not None:
            _t.tc_conduits_wakeup(c)
        return self._poll_lock

    def _take(self, c, timeout_ms):
        """Take what is ready (waiting up to timeout_ms for the first) and
        hand each completion to its operation or stream by its token, then
        free it (unless a listing keeps the page for its reader). The caller
        holds _poll_lock. Returns how many were taken."""
        st, done = _t.tc_conduits_next(c, timeout_ms)
        n = 0
        pending, streams = self._pending, self._streams
        while done is not None:
            n += 1
            token = _t.tc_completion_userdata(done)
            target = pending.get(token)
            if target is None:
                target = streams.get(token)
            keep = False
            try:
                if target is not None:
                    keep = target._on_completion(done)
            finally:
                if not keep:
                    _t.tc_completion_free(done)
            if not _t.tc_conduits_ready(c):  # much cheaper than a tc_conduits_next() that finds nothing
                break
            st, done = _t.tc_conduits_next(c, 0)
        if st != _OK and st != _t.TC_ETIMEDOUT:
            check(st)
        return n

    def _run_callback(self, cb, arg):
        try:
            cb(arg)
        except Exception as e:  # re-raised from poll()/result() after dispatch
            self._callback_errors.append(e)

    def _raise_callback_errors(self):
        if self._callback_errors:
            errs, self._callback_errors = self._callback_errors, []
            raise errs[0]

    def _notify_waiters(self):
        if self._waiters:
            with self._cond:
                self._cond.notify_all()

    def _wait_for(self, fut, timeout):
        """Wait until `fut` is done. The common case, no time limit and no
        other thread polling, takes completions in a tight loop (the
        per-call cost counts: see bench/); everything else is
        _wait_until()'s."""
        lock = self._poll_lock
        if timeout is None and not self._closing and lock.acquire(blocking=False):
            try:
                c = self._c
                while not fut._done and c is not None and not self._closing:
                    self._take(c, _SLICE_MS)  # signals (Ctrl-C) are handled between slices
                    if self._waiters:  # what it took may be another thread's
                        self._notify_waiters()
            finally:
                lock.release()
                if self._waiters:
                    self._notify_waiters()
            if self._callback_errors:
                self._raise_callback_errors()
        if not fut._done:
            self._wait_until(fut.done, timeout)

    def _wait_until(self, ready, timeout):
        """Poll (or, while another thread polls, wait for it) until ready()."""
        deadline = None if timeout is None else time.monotonic() + timeout
        lock = self._poll_lock
        while not ready():
            left_ms = _SLICE_MS
            if deadline is not None:
                left = deadline - time.monotonic()
                if left <= 0:
                    raise TimeoutError("operation not done in time")
                left_ms = max(1, min(_SLICE_MS, int(left * 1000)))
            c = self._c
            if c is None:
                raise ClosedError("client closed")
            if lock.acquire(blocking=False):
                try:
                    if not ready():
                        self._take(c, left_ms)
                finally:
                    lock.release()
                    if self._waiters:
                        self._notify_waiters()
            else:  # another thread polls: it routes our completion
                with self._cond:
                    self._waiters += 1
                    try:
                        if not ready():
                            self._cond.wait(left_ms / 1000)
                    finally:
                        self._waiters -= 1
        if self._callback_errors:
            self._raise_callback_errors()

    # -- submitting -----------------------------------------------------------
    def _submit(self, start, args, convert, partial_ok=False, progress=None):
        """start(c, *args, token), the C submission with a fresh token as its
        userdata; a refusal raises at once."""
        c = self._c
        if c is None:
            raise ClosedError("client closed")
        token = next(self._tokens)
        fut = Future(self, token, convert, partial_ok, progress)
        self._pending[token] = fut  # before submitting: another thread may take it at once
        st, fut._op = start(c, *args, token)
        if st != _OK:
            self._pending.pop(token, None)
            raise error_for(st, _t.tc_last_error_message())
        return fut

    def submit_get_token(self, force_refresh: bool = False) -> Future[T.Token]:
        return self._submit(_t.tc_token_get, (int(bool(force_refresh)),), _token)

    def submit_validate_token(self) -> Future[T.Token]:
        return self._submit(_t.tc_token_validate, (), _token)

    def submit_revoke_token(self) -> Future[T.Response]:
        return self._submit(_t.tc_token_revoke, (), _response)

    def submit_list_conduits(self) -> Future[List[T.Conduit]]:
        return self._submit(_t.tc_conduits_list, (), _conduits)

    def submit_create_conduit(self, shard_count: int) -> Future[T.Conduit]:
        return self._submit(_t.tc_conduit_create, (_int(shard_count),), _conduit)

    def submit_update_conduit(self, conduit_id: str, shard_count: int) -> Future[T.Conduit]:
        return self._submit(_t.tc_conduit_update, (_str(conduit_id), _int(shard_count)), _conduit)

    def submit_delete_conduit(self, conduit_id: str) -> Future[None]:
        return self._submit(_t.tc_conduit_delete, (_str(conduit_id),), _nothing)

    def submit_list_shards(self, conduit_id: str, status: Optional[str] = None) -> Future[List[T.Shard]]:
        return self._submit(_t.tc_shards_list, (_str(conduit_id), _opt(status)), _shards)

    def submit_update_shards(self, conduit_id: str,
                             assignments: Iterable[T.ShardAssignment]) -> Future[T.ShardUpdateResult]:
        """Partial failure is not an exception: the ShardUpdateResult says
        which shards failed (``.failed``, each item's ``.ok``)."""
        transports = []
        try:
            items = []
            for x in assignments:
                if not isinstance(x, T.ShardAssignment):
                    raise TypeError("assignments must be ShardAssignment objects")
                if x.session_id is not None:
                    st, t = _t.tc_transport_websocket_new(_str(x.session_id))
                else:
                    st, t = _t.tc_transport_webhook_new(_str(x.callback_url), _str(x.secret))
                check(st, "shard assignment")
                transports.append(t)
                items.append((_str(x.shard_id), t))
            return self._submit(_t.tc_shard_update, (_str(conduit_id), items), _shard_update,
                                partial_ok=True)
        finally:
            for t in transports:   # the library copied them
                _t.tc_transport_free(t)

    def submit_create_shard(self, conduit_id: str, callback_url: Optional[str] = None,
                            route_key: Optional[str] = None) -> Future[T.Shard]:
        return self._submit(_t.tc_shard_create, (_str(conduit_id), _opt(callback_url), _opt(route_key)), _shard)

    def submit_remove_shard(self, conduit_id: str, shard_id: str, last_callback: Optional[str] = None,
                            last_secret: Optional[str] = None) -> Future[T.Conduit]:
        """Completes with the resized Conduit."""
        last = None
        if last_callback is not None or last_secret is not None:
            st, last = _t.tc_transport_webhook_new(_opt(last_callback), _opt(last_secret))
            check(st, "last shard's transport")
        try:
            return self._submit(_t.tc_shard_remove, (_str(conduit_id), _str(shard_id), last), _conduit)
        finally:
            _t.tc_transport_free(last)   # the library copied it

    def submit_create_subscriptions(self, conduit_id: str, specs: Iterable[SpecLike],
                                    concurrency: Optional[int] = None,
                                    progress: Optional[ProgressFn] = None) -> Future[T.BatchResult]:
        """Per-item results in a BatchResult; partial failure is not an
        exception (check ``.failed``)."""
        s = _specs(specs)
        opts = _batch_options(concurrency, progress, len(s))
        return self._submit(_t.tc_subscriptions_create, (_str(conduit_id), s, opts),
                            _batch, partial_ok=True, progress=progress)

    def subscriptions(self, status: Optional[str] = None, type: Optional[str] = None, user_id: Optional[str] = None,
                      subscription_id: Optional[str] = None, conduit_id: Optional[str] = None) -> Listing:
        """A Listing: iterate it to get the matching Subscriptions, fetched
        page by page on demand. At most one filter (Twitch's rule; a second
        raises InvalidArgumentError at once)."""
        return Listing(self, {"status": _opt(status), "type": _opt(type), "user_id": _opt(user_id),
                              "subscription_id": _opt(subscription_id), "conduit_id": _opt(conduit_id)})

    def submit_delete_subscription(self, subscription_id: str) -> Future[None]:
        return self._submit(_t.tc_subscription_delete, (_str(subscription_id),), _nothing)

    def submit_cleanup_subscriptions(self, conduit_id: Optional[str] = None, include_pending: bool = False,
                                     concurrency: Optional[int] = None,
                                     progress: Optional[ProgressFn] = None) -> Future[T.BatchResult]:
        flags = _t.TC_CLEANUP_F_INCLUDE_PENDING if include_pending else 0
        opts = _batch_options(concurrency, progress, 0)
        return self._submit(_t.tc_subscriptions_cleanup, (_opt(conduit_id), flags, opts),
                            _batch, partial_ok=True, progress=progress)

    def submit_reconcile_subscriptions(self, conduit_id: str, specs: Iterable[SpecLike], dry_run: bool = False,
                                       concurrency: Optional[int] = None,
                                       progress: Optional[ProgressFn] = None) -> Future[T.BatchResult]:
        s = _specs(specs)
        flags = _t.TC_RECONCILE_F_DRY_RUN if dry_run else 0
        opts = _batch_options(concurrency, progress, len(s))
        return self._submit(_t.tc_subscriptions_reconcile, (_str(conduit_id), s, flags, opts),
                            _batch, partial_ok=True, progress=progress)

    def submit_create_subscriptions_by_type(self, conduit_id: str, types: Optional[Sequence[TypeName]] = None,
                                            condition: Optional[Mapping[str, Union[str, int]]] = None,
                                            all_fillable: bool = False, concurrency: Optional[int] = None,
                                            progress: Optional[ProgressFn] = None) -> Future[T.BatchResult]:
        """The original create_subscriptions(types, condition): ``types`` are
        names ("channel.follow": its newest version) or "name@version" /
        (name, version); ``condition`` one dict for all of them (each type
        keeps the keys it uses). An unknown type, a withdrawn version or a
        missing condition field fails that item only, before anything is
        sent. ``all_fillable=True`` (types None): every type the condition
        fills."""
        type_list = _type_list(types, all_fillable)
        cond = json.dumps(_condition(condition))
        flags = _t.TC_BY_TYPE_F_ALL_FILLABLE if all_fillable else 0
        opts = _batch_options(concurrency, progress, len(type_list or ()))
        return self._submit(_t.tc_subscriptions_create_by_type, (_str(conduit_id), type_list, cond, flags, opts),
                            _batch, partial_ok=True, progress=progress)

    def submit_sync(self) -> Future[None]:
        """Load (or re-load) the synced view: conduits, shards and every
        subscription. ``client.view`` queries it once this completed."""
        return self._submit(_t.tc_conduits_sync, (), _nothing)

    def submit_request(self, method: str, path: str, query: Optional[QueryLike] = None, body: Any = None,
                       idempotent: bool = False, retry_unsafe: bool = False) -> Future[T.Response]:
        """A generic Helix call: method 'GET'/'POST'/...; query a dict or
        pairs; body a str, bytes or JSON-able object. ``idempotent=True``:
        retry a POST like the other methods (you made it safe to repeat;
        ``retry_unsafe`` is its older name)."""
        m = _METHODS.get(method)
        if m is None:
            m = _METHODS.get(method.upper() if isinstance(method, str) else None)
            if m is None:
                raise ValueError(f"unknown HTTP method {method!r}")
        if not isinstance(path, str):
            raise TypeError(f"path must be a str, got {type(path).__name__}")
        req: Dict[str, Any] = {"method": m, "path": path}
        if query:
            req["query"] = _pairs(query)
        if body is not None:
            req["body"] = body if isinstance(body, (str, bytes)) else json.dumps(body)
        if idempotent or retry_unsafe:
            req["flags"] = _F_IDEMPOTENT
        return self._submit(_t.tc_request, (req,), _response)

    # -- blocking forms ------------------------------------------------------
    def get_token(self, force_refresh: bool = False) -> T.Token:
        return self.submit_get_token(force_refresh).result()

    def validate_token(self) -> T.Token:
        return self.submit_validate_token().result()

    def revoke_token(self) -> T.Response:
        return self.submit_revoke_token().result()

    def list_conduits(self) -> List[T.Conduit]:
        return self.submit_list_conduits().result()

    def create_conduit(self, shard_count: int) -> T.Conduit:
        return self.submit_create_conduit(shard_count).result()

    def update_conduit(self, conduit_id: str, shard_count: int) -> T.Conduit:
        return self.submit_update_conduit(conduit_id, shard_count).result()

    def delete_conduit(self, conduit_id: str) -> None:
        return self.submit_delete_conduit(conduit_id).result()

    def list_shards(self, conduit_id: str, status: Optional[str] = None) -> List[T.Shard]:
        return self.submit_list_shards(conduit_id, status).result()

    def update_shards(self, conduit_id: str, assignments: Iterable[T.ShardAssignment]) -> T.ShardUpdateResult:
        return self.submit_update_shards(conduit_id, assignments).result()

    def create_shard(self, conduit_id: str, callback_url: Optional[str] = None,
                     route_key: Optional[str] = None) -> T.Shard:
        return self.submit_create_shard(conduit_id, callback_url, route_key).result()

    def remove_shard(self, conduit_id: str, shard_id: str, last_callback: Optional[str] = None,
                     last_secret: Optional[str] = None) -> T.Conduit:
        return self.submit_remove_shard(conduit_id, shard_id, last_callback, last_secret).result()

    def create_subscriptions(self, conduit_id: str, specs: Iterable[SpecLike], concurrency: Optional[int] = None,
                             progress: Optional[ProgressFn] = None) -> T.BatchResult:
        return self.submit_create_subscriptions(conduit_id, specs, concurrency, progress).result()

    def list_subscriptions(self, **filters: Optional[str]) -> List[T.Subscription]:
        """Every matching subscription as a list (``subscriptions()`` gives
        them page by page)."""
        with self.subscriptions(**filters) as listing:
            return list(listing)

    def delete_subscription(self, subscription_id: str) -> None:
        return self.submit_delete_subscription(subscription_id).result()

    def cleanup_subscriptions(self, conduit_id: Optional[str] = None, include_pending: bool = False,
                              concurrency: Optional[int] = None,
                              progress: Optional[ProgressFn] = None) -> T.BatchResult:
        return self.submit_cleanup_subscriptions(conduit_id, include_pending, concurrency, progress).result()

    def reconcile_subscriptions(self, conduit_id: str, specs: Iterable[SpecLike], dry_run: bool = False,
                                concurrency: Optional[int] = None,
                                progress: Optional[ProgressFn] = None) -> T.BatchResult:
        return self.submit_reconcile_subscriptions(conduit_id, specs, dry_run, concurrency, progress).result()

    def request(self, method: str, path: str, query: Optional[QueryLike] = None, body: Any = None,
                idempotent: bool = False, retry_unsafe: bool = False) -> T.Response:
        return self.submit_request(method, path, query, body, idempotent, retry_unsafe).result()

    def create_subscriptions_by_type(self, conduit_id: str, types: Optional[Sequence[TypeName]] = None,
                                     condition: Optional[Mapping[str, Union[str, int]]] = None,
                                     all_fillable: bool = False, concurrency: Optional[int] = None,
                                     progress: Optional[ProgressFn] = None) -> T.BatchResult:
        return self.submit_create_subscriptions_by_type(conduit_id, types, condition, all_fillable, concurrency,
                                                        progress).result()

    def sync(self) -> View:
        self.submit_sync().result()
        return self.view

    def start(self) -> View:
        """The original start(): the token, then the synced view; returns
        ``client.view``."""
        self.get_token()
        return self.sync()

    # -- the synced view -------------------------------------------------------
    @property
    def view(self) -> View:
        """Queries of the synced view (see View); load it with sync()."""
        return View(self)

    def on_view_change(self, fn: Optional[Callable[[Union[ViewChange, int], str], Any]]) -> None:
        """fn(ViewChange, id) runs during poll() (or a blocking wait) after
        each change of the view; None stops. One callback per client."""
        if fn is not None and not callable(fn):
            raise TypeError("fn must be callable or None")
        c = self._handle()
        token = next(self._tokens) if fn is not None else 0
        check(_t.tc_view_pull_changes(c, int(fn is not None), token), "view changes")
        self._streams.pop(self._view_token, None)
        self._view_token = token
        if fn is not None:
            self._streams[token] = _ViewWatch(self, fn)

    # -- the embedded listener ------------------------------------------------
    def listen(self, port: int = 0, routes: Optional[Mapping[str, str]] = None, bind_address: Optional[str] = None,
               prefix: Optional[str] = None, max_body_bytes: int = 0, on_event: Optional[EventFn] = None,
               on_reject: Optional[EventFn] = None, tls_cert_file: Optional[str] = None,
               tls_key_file: Optional[str] = None) -> Listener:
        """Start the embedded webhook listener. ``routes`` maps route keys to
        secrets; ``tls_cert_file``/``tls_key_file`` (PEM) make it serve
        HTTPS. on_event(WebhookMessage) runs during poll() for each message
        the listener accepted (notifications, revocations and the shard
        challenges it answered; duplicates are not delivered), on_reject for
        requests it refused (bad signature, stale, ...)."""
        token = next(self._tokens)
        st, h = _t.tc_listener_new(self._handle(), {
            "bind_address": bind_address, "port": _int(port), "path_prefix": prefix,
            "max_body_bytes": max_body_bytes, "tls_cert_file": tls_cert_file, "tls_key_file": tls_key_file,
            "event_userdata": token, "reject_userdata": token})
        check(st, "listener")
        lst = Listener(self, h, token, on_event, on_reject)
        self._streams[token] = lst
        try:
            for key, secret in (routes or {}).items():
                lst.add_route(key, secret)
        except BaseException:
            lst.close()
            raise
        return lst


def _methods():
    out, m = {}, 0
    while _t.tc_method_name(m) is not None:
        out[_t.tc_method_name(m)] = m
        m += 1
    return out


_METHODS = _methods()


def _str(v):
    if not isinstance(v, str):
        raise TypeError(f"expected a str, got {type(v).__name__}")
    return v


def _opt(v):
    return None if v is None else _str(v)


def _int(v):
    if isinstance(v, bool) or not isinstance(v, int):
        raise TypeError(f"expected an int, got {type(v).__name__}")
    if not -2**31 <= v < 2**31:
        raise ValueError(f"{v} is out of range")
    return v


def _batch_options(concurrency, progress, count):
    """tc_batch_options: with a progress callback, progress completions about
    every 1% of `count` items (every item when the count is not known)."""
    opts = {"concurrency": _int(concurrency or 0)}
    if progress is not None:
        if not callable(progress):
            raise TypeError("progress must be callable")
        opts["progress_every"] = max(1, count // 100)
    return opts


def _specs(specs: Iterable[SpecLike]) -> List[Tuple[str, str, str]]:
    out = []
    for x in specs:
        typ: Any
        ver: Any
        cond: Any
        if isinstance(x, T.SubscriptionSpec):
            typ, ver, cond = x.type, x.version, x.condition
        elif isinstance(x, dict):
            typ, ver, cond = x.get("type"), x.get("version", "1"), x.get("condition")
        else:
            typ, ver, cond = x
        out.append((_str(typ), _str(ver), cond if isinstance(cond, str) else json.dumps(cond)))
    return out


def _type_list(types, all_fillable):
    if types is None:
        return None
    if isinstance(types, str):
        raise TypeError("types must be a list of names, not one str")
    names = [f"{_str(x[0])}@{_str(x[1])}" if isinstance(x, tuple) and len(x) == 2 else x for x in types]
    if names and all_fillable:
        raise ValueError("give types or all_fillable=True, not both")
    return names


def _condition(condition):
    if condition is None:
        return {}
    if not isinstance(condition, Mapping):
        raise TypeError("condition must be a dict of str")
    out = {}
    for k, v in condition.items():
        if isinstance(v, bool) or not isinstance(v, (str, int)):
            raise TypeError(f"condition[{k!r}] must be a str")
        out[_str(k)] = str(v)
    return out


def _pairs(items):
    return [(_str(name), str(value)) for name, value in (items.items() if isinstance(items, dict) else items)]
