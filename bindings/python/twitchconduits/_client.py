"""Client and Future: the bridge's futures (bindings/common/tcb.h) as Python
objects. Callbacks run only on the thread that polls (poll(), run(), or a
blocking wait); waits release the GIL and return to Python every 100 ms so
Ctrl-C (KeyboardInterrupt) and other signals are handled."""
from collections.abc import Mapping
import itertools
import json
import threading
import time

import twitchconduits_swig as _t

from . import _types as T
from ._errors import Cancelled, ClosedError, check, error_for
from ._view import View, ViewChange
from ._webhook import WebhookMessage

_SLICE_MS = 100
_STRINGS = ("client_id", "client_secret", "app_token", "callback_url", "api_base_url", "auth_base_url", "ca_file")
_SECRET_OPTIONS = ("client_secret", "app_token")


def _result_json(f, include_secret=0):
    text = _t.tcb_future_result_json(f, include_secret)
    return json.loads(text) if text else None


def _response(f):
    r = _t.tcb_future_response(f)
    if r is None:
        return None
    body = _t.tc_response_body(r).encode("utf-8", "surrogateescape")
    return T.Response(_t.tc_response_http_status(r), body, _t.tc_response_attempts(r),
                      _t.tc_response_elapsed_ms(r))


class Future:
    """The result of one submitted operation. ``result(timeout)`` waits
    (polling the client), ``done()``, ``cancel()``, ``add_done_callback(fn)``
    (fn(future) runs on the polling thread, or at once if already done)."""

    def __init__(self, client, convert, partial_ok=False, progress=None):
        self._client = client
        self._convert = convert
        self._partial_ok = partial_ok
        self._progress = progress
        self._last_progress = None
        self._reported = None
        self._f = None
        self._done = False
        self._value = None
        self._error = None
        self._callbacks = []

    def __repr__(self):
        state = "pending" if not self._done else ("failed" if self._error else "done")
        return f"<twitchconduits.Future {state}>"

    def done(self):
        return self._done

    def cancelled(self):
        return isinstance(self._error, Cancelled)

    def cancel(self):
        """Ask the operation to stop; it then completes with Cancelled.
        False when it has already completed."""
        if self._done or self._f is None:
            return False
        return _t.tcb_future_cancel(self._f) == _t.TC_OK

    def progress(self):
        """(done, total) of a batch operation so far."""
        if self._f is None:
            return self._last_progress or (0, 0)
        return (_t.tcb_future_progress_done(self._f), _t.tcb_future_progress_total(self._f))

    def add_done_callback(self, fn):
        if self._done:
            fn(self)
        else:
            self._callbacks.append(fn)

    def result(self, timeout=None):
        """The value, or raise the operation's Error (TimeoutError if not done
        within timeout seconds)."""
        if not self._done:
            self._client._wait(self, timeout)
        if self._error is not None:
            raise self._error
        return self._value

    def exception(self, timeout=None):
        if not self._done:
            self._client._wait(self, timeout)
        return self._error

    # -- internal: called with the C future once it is done
    def _complete(self, f):
        st = _t.tcb_future_status(f)
        http = _t.tcb_future_http_status(f)
        self._last_progress = (_t.tcb_future_progress_done(f), _t.tcb_future_progress_total(f))
        try:
            if st == _t.TC_OK or (st == _t.TC_EPARTIAL and self._partial_ok):
                self._value = self._convert(f)
            else:
                result = None
                if st == _t.TC_EPARTIAL:
                    result = self._convert(f)
                self._error = error_for(st, _t.tcb_future_error(f), http, result)
        except Exception as e:  # a conversion bug must not lose the completion
            self._error = e
        self._done = True
        self._check_progress()
        callbacks, self._callbacks = self._callbacks, []
        for cb in callbacks:
            self._client._run_callback(cb, self)

    def _check_progress(self):
        if self._progress is None:
            return
        p = self.progress()
        if p[1] and p != self._reported:
            self._reported = p
            self._client._run_callback(lambda _: self._progress(*p), None)


class Listener:
    """The embedded webhook listener (see Client.listen). ``base_url`` is
    where routes live: a route key ``k`` is served at base_url + k."""

    def __init__(self, client, handle, token, on_event, on_reject):
        self._client = client
        self._l = handle
        self._token = token
        self.on_event = on_event
        self.on_reject = on_reject
        self.port = _t.tc_listener_port(handle)
        self.base_url = _t.tc_listener_base_url(handle)

    def __repr__(self):
        return f"<twitchconduits.Listener {self.base_url}>"

    def url(self, route_key):
        return self.base_url + route_key

    def add_route(self, route_key, secret):
        check(_t.tc_listener_add_route(self._handle(), route_key, secret))

    def remove_route(self, route_key):
        check(_t.tc_listener_remove_route(self._handle(), route_key))

    def add_secret(self, route_key, secret):
        check(_t.tc_listener_add_secret(self._handle(), route_key, secret))

    def stat(self, which):
        return _t.tc_listener_stat_get(self._handle(), which)

    def _handle(self):
        if self._l is None:
            raise ClosedError("listener closed")
        return self._l

    def close(self):
        if self._l is not None:
            _t.tc_listener_free(self._l)
            self._l = None
            self._client._listeners.pop(self._token, None)


class Client:
    """A Twitch EventSub client. String options: client_id, client_secret,
    app_token, api_base_url, auth_base_url, ca_file, callback_url; integer
    options as keywords (request_timeout_ms, max_attempts, max_concurrency,
    flags, ...; see tcb.h). Use as a context manager or call close()."""

    def __init__(self, **options):
        self._cl = None
        self._desc = options.get("client_id") or "(no client id)"
        cfg = _t.tcb_config_new()
        try:
            for name, value in options.items():
                if value is None:
                    continue
                if name in _STRINGS:
                    if not isinstance(value, str):
                        raise TypeError(f"{name} must be a str")
                    check(_t.tcb_config_set_string(cfg, name, value), name)
                elif isinstance(value, bool) or not isinstance(value, int):
                    raise TypeError(f"unknown option or not an int: {name}")
                else:
                    if name == "flags" and value & _t.TC_CONDUITS_F_DISPATCH_THREAD:
                        raise ValueError("the dispatch-thread flag is not supported by the Python binding")
                    check(_t.tcb_config_set_int(cfg, name, value), f"option {name}")
            cl = _t.tcb_client_new(cfg)
            if cl is None:
                check(_t.tcb_last_status() or _t.TC_ERROR)
        finally:
            _t.tcb_config_free(cfg)
        self._cl = cl
        self._tokens = itertools.count(1)
        self._pending = {}      # token -> Future (operation in flight)
        self._listeners = {}    # token -> Listener
        self._view_watch = None  # (token, fn) of on_view_change
        self._poll_lock = threading.Lock()
        self._cond = threading.Condition()
        self._callback_errors = []

    def __repr__(self):
        return f"<twitchconduits.Client {self._desc} {'closed' if self._cl is None else 'open'}>"

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    def __del__(self):
        try:
            self.close()
        except Exception:
            pass

    # -- lifecycle ---------------------------------------------------------
    def close(self):
        """Free the client: operations still pending complete with Cancelled
        (their done-callbacks run here)."""
        cl = getattr(self, "_cl", None)
        if cl is None:
            return
        with self._locked():
            for lst in list(self._listeners.values()):
                lst.close()
            self._cl = None
            _t.tcb_client_free(cl)  # completes pending work; drops queued refs
            pending, self._pending = self._pending, {}
            for fut in pending.values():
                f, fut._f = fut._f, None
                fut._complete(f)
                _t.tcb_future_release(f)
        with self._cond:
            self._cond.notify_all()

    @property
    def closed(self):
        return self._cl is None

    def _handle(self):
        if self._cl is None:
            raise ClosedError("client closed")
        return self._cl

    def fileno(self):
        """A descriptor that becomes readable when poll() has work (select,
        selectors, asyncio's add_reader)."""
        return _t.tc_conduits_fd(_t.tcb_client_manager(self._handle()))

    def pending(self):
        return len(self._pending)

    def wakeup(self):
        """Make a blocked poll() return (any thread)."""
        if self._cl is not None:
            _t.tcb_client_wakeup(self._cl)

    # -- the loop ------------------------------------------------------------
    def poll(self, timeout=0.0):
        """Wait up to timeout seconds (None = no limit) for completions, then
        complete futures and run their callbacks and the listeners' event
        callbacks on this thread. Returns how many completions were handled."""
        deadline = None if timeout is None else time.monotonic() + timeout
        while True:
            left = _SLICE_MS if deadline is None else max(0, min(_SLICE_MS, int((deadline - time.monotonic()) * 1000)))
            with self._poll_lock:
                n = self._poll_once(left)
            self._raise_callback_errors()
            if n or (deadline is not None and time.monotonic() >= deadline):
                return n

    def run(self, timeout=None):
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
        if self._poll_lock.locked() and self._cl is not None:
            _t.tcb_client_wakeup(self._cl)
        return self._poll_lock

    def _poll_once(self, timeout_ms):
        """Poll the bridge and dispatch; caller holds _poll_lock."""
        cl = self._cl
        if cl is None:
            return 0
        rc = _t.tcb_client_poll(cl, timeout_ms)
        if rc < 0 and rc != _t.TC_ETIMEDOUT:
            check(rc)
        n = 0
        while True:
            f = _t.tcb_client_next_ready(cl)
            if f is None:
                break
            n += 1
            token = _t.tcb_future_token(f)
            fut = self._pending.pop(token, None)
            try:
                if fut is not None:
                    own, fut._f = fut._f, None
                    fut._complete(f)
                    _t.tcb_future_release(own)
                elif token in self._listeners:
                    self._dispatch_event(self._listeners[token], f)
                elif self._view_watch is not None and token == self._view_watch[0]:
                    change, vid, fn = _t.tcb_future_view_change(f), _t.tcb_future_view_id(f), self._view_watch[1]
                    # a value this binding does not know yet stays a plain int
                    change = ViewChange(change) if change in ViewChange._value2member_map_ else change
                    self._run_callback(lambda _: fn(change, vid), None)
            finally:
                _t.tcb_future_release(f)
        for fut in list(self._pending.values()):
            fut._check_progress()
        if n:
            with self._cond:
                self._cond.notify_all()
        return n

    def _dispatch_event(self, listener, f):
        m = _t.tcb_future_message(f)
        if m is None:
            return
        msg = WebhookMessage._from_c(m, _t.tcb_future_route_key(f))
        cb = listener.on_event if _t.tcb_future_kind(f) == _t.TCB_KIND_EVENT else listener.on_reject
        if cb is not None:
            self._run_callback(cb, msg)

    def _run_callback(self, cb, arg):
        try:
            cb(arg)
        except Exception as e:  # re-raised from poll()/result() after dispatch
            self._callback_errors.append(e)

    def _raise_callback_errors(self):
        if self._callback_errors:
            errs, self._callback_errors = self._callback_errors, []
            raise errs[0]

    def _wait(self, fut, timeout):
        deadline = None if timeout is None else time.monotonic() + timeout
        while not fut._done:
            left_ms = _SLICE_MS
            if deadline is not None:
                left = deadline - time.monotonic()
                if left <= 0:
                    raise TimeoutError("operation not done in time")
                left_ms = max(1, min(_SLICE_MS, int(left * 1000)))
            if self._cl is None and not fut._done:
                raise ClosedError("client closed")
            if self._poll_lock.acquire(blocking=False):
                try:
                    if not fut._done:
                        self._poll_once(left_ms)
                finally:
                    self._poll_lock.release()
            else:  # another thread polls: it completes our future
                with self._cond:
                    if not fut._done:
                        self._cond.wait(left_ms / 1000)
        self._raise_callback_errors()

    # -- submitting -----------------------------------------------------------
    def _submit(self, start, convert, partial_ok=False, progress=None):
        fut = Future(self, convert, partial_ok, progress)
        token = next(self._tokens)
        with self._locked():
            f = start(self._handle(), token)
            if f is None:
                raise MemoryError("twitchconduits: out of memory")
            fut._f = f
            if _t.tcb_future_done(f) and _t.tcb_future_op_id(f) == 0:
                fut._f = None   # refused at submission: one reference, not queued
                fut._complete(f)
                _t.tcb_future_release(f)
            else:
                self._pending[token] = fut
        return fut

    def submit_get_token(self, force_refresh=False):
        return self._submit(lambda c, k: _t.tcb_token_get(c, int(bool(force_refresh)), k),
                            lambda f: T.Token._from(_result_json(f, 1)))

    def submit_validate_token(self):
        return self._submit(_t.tcb_token_validate, lambda f: T.Token._from(_result_json(f, 1)))

    def submit_revoke_token(self):
        return self._submit(_t.tcb_token_revoke, _response)

    def submit_list_conduits(self):
        return self._submit(_t.tcb_conduits_list, lambda f: [T.Conduit._from(d) for d in _result_json(f)])

    def submit_create_conduit(self, shard_count):
        return self._submit(lambda c, k: _t.tcb_conduit_create(c, _int(shard_count), k),
                            lambda f: T.Conduit._from(_result_json(f)))

    def submit_update_conduit(self, conduit_id, shard_count):
        return self._submit(lambda c, k: _t.tcb_conduit_update(c, _str(conduit_id), _int(shard_count), k),
                            lambda f: T.Conduit._from(_result_json(f)))

    def submit_delete_conduit(self, conduit_id):
        return self._submit(lambda c, k: _t.tcb_conduit_delete(c, _str(conduit_id), k), lambda f: None)

    def submit_list_shards(self, conduit_id, status=None):
        return self._submit(lambda c, k: _t.tcb_shards_list(c, _str(conduit_id), _opt(status), k),
                            lambda f: [T.Shard._from(d) for d in _result_json(f)])

    def submit_update_shards(self, conduit_id, assignments):
        """Partial failure is not an exception: the ShardUpdateResult says
        which shards failed (``.failed``, each item's ``.ok``)."""
        a = _t.tcb_assignments_new()
        try:
            for x in assignments:
                if not isinstance(x, T.ShardAssignment):
                    raise TypeError("assignments must be ShardAssignment objects")
                if x.session_id is not None:
                    check(_t.tcb_assignments_add_websocket(a, _str(x.shard_id), _str(x.session_id)))
                else:
                    check(_t.tcb_assignments_add_webhook(a, _str(x.shard_id), _str(x.callback_url),
                                                         _str(x.secret)), "webhook assignment")
            return self._submit(lambda c, k: _t.tcb_shard_update(c, _str(conduit_id), a, k),
                                lambda f: T.ShardUpdateResult._from(_result_json(f)), partial_ok=True)
        finally:
            _t.tcb_assignments_free(a)   # the bridge copied it

    def submit_create_shard(self, conduit_id, callback_url=None, route_key=None):
        return self._submit(lambda c, k: _t.tcb_shard_create(c, _str(conduit_id), _opt(callback_url),
                                                             _opt(route_key), k),
                            lambda f: T.Shard._from(_result_json(f, 1)))

    def submit_remove_shard(self, conduit_id, shard_id, last_callback=None, last_secret=None):
        return self._submit(lambda c, k: _t.tcb_shard_remove(c, _str(conduit_id), _str(shard_id),
                                                             _opt(last_callback), _opt(last_secret), k),
                            lambda f: None)

    def submit_create_subscriptions(self, conduit_id, specs, concurrency=None, progress=None):
        """Per-item results in a BatchResult; partial failure is not an
        exception (check ``.failed``)."""
        s = _specs(specs)
        try:
            return self._submit(lambda c, k: _t.tcb_subscriptions_create(c, _str(conduit_id), s,
                                                                         _int(concurrency or 0), k),
                                _batch, partial_ok=True, progress=progress)
        finally:
            _t.tcb_specs_free(s)

    def submit_list_subscriptions(self, status=None, type=None, user_id=None, subscription_id=None,
                                  conduit_id=None):
        return self._submit(lambda c, k: _t.tcb_subscriptions_list(c, _opt(status), _opt(type), _opt(user_id),
                                                                   _opt(subscription_id), _opt(conduit_id), k),
                            lambda f: [T.Subscription._from(d) for d in _result_json(f)])

    def submit_delete_subscription(self, subscription_id):
        return self._submit(lambda c, k: _t.tcb_subscription_delete(c, _str(subscription_id), k), lambda f: None)

    def submit_cleanup_subscriptions(self, conduit_id=None, include_pending=False, concurrency=None,
                                     progress=None):
        flags = _t.TC_CLEANUP_F_INCLUDE_PENDING if include_pending else 0
        return self._submit(lambda c, k: _t.tcb_subscriptions_cleanup(c, _opt(conduit_id), flags,
                                                                      _int(concurrency or 0), k),
                            _batch, partial_ok=True, progress=progress)

    def submit_reconcile_subscriptions(self, conduit_id, specs, dry_run=False, concurrency=None, progress=None):
        s = _specs(specs)
        flags = _t.TC_RECONCILE_F_DRY_RUN if dry_run else 0
        try:
            return self._submit(lambda c, k: _t.tcb_subscriptions_reconcile(c, _str(conduit_id), s, flags,
                                                                            _int(concurrency or 0), k),
                                _batch, partial_ok=True, progress=progress)
        finally:
            _t.tcb_specs_free(s)

    def submit_create_subscriptions_by_type(self, conduit_id, types=None, condition=None, all_fillable=False,
                                            concurrency=None, progress=None):
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
        return self._submit(lambda c, k: _t.tcb_subscriptions_create_by_type(c, _str(conduit_id), type_list, cond,
                                                                             flags, _int(concurrency or 0), k),
                            _batch, partial_ok=True, progress=progress)

    def submit_sync(self):
        """Load (or re-load) the synced view: conduits, shards and every
        subscription. ``client.view`` queries it once this completed."""
        return self._submit(_t.tcb_sync_view, lambda f: None)

    def submit_request(self, method, path, query=None, body=None, retry_unsafe=False):
        """A generic Helix call: method 'GET'/'POST'/...; query a dict or
        pairs; body a str, bytes or JSON-able object."""
        m = _METHODS.get(str(method).upper())
        if m is None:
            raise ValueError(f"unknown HTTP method {method!r}")
        if body is not None and not isinstance(body, (str, bytes)):
            body = json.dumps(body)
        if isinstance(body, bytes):
            body = body.decode("utf-8")
        q = _pairs(query)
        flags = _t.TC_REQUEST_F_RETRY_UNSAFE if retry_unsafe else 0
        try:
            return self._submit(lambda c, k: _t.tcb_request(c, m, _str(path), q, body, flags, k), _response)
        finally:
            _t.tcb_pairs_free(q)

    # -- blocking forms ------------------------------------------------------
    def get_token(self, force_refresh=False):
        return self.submit_get_token(force_refresh).result()

    def validate_token(self):
        return self.submit_validate_token().result()

    def revoke_token(self):
        return self.submit_revoke_token().result()

    def list_conduits(self):
        return self.submit_list_conduits().result()

    def create_conduit(self, shard_count):
        return self.submit_create_conduit(shard_count).result()

    def update_conduit(self, conduit_id, shard_count):
        return self.submit_update_conduit(conduit_id, shard_count).result()

    def delete_conduit(self, conduit_id):
        return self.submit_delete_conduit(conduit_id).result()

    def list_shards(self, conduit_id, status=None):
        return self.submit_list_shards(conduit_id, status).result()

    def update_shards(self, conduit_id, assignments):
        return self.submit_update_shards(conduit_id, assignments).result()

    def create_shard(self, conduit_id, callback_url=None, route_key=None):
        return self.submit_create_shard(conduit_id, callback_url, route_key).result()

    def remove_shard(self, conduit_id, shard_id, last_callback=None, last_secret=None):
        return self.submit_remove_shard(conduit_id, shard_id, last_callback, last_secret).result()

    def create_subscriptions(self, conduit_id, specs, concurrency=None, progress=None):
        return self.submit_create_subscriptions(conduit_id, specs, concurrency, progress).result()

    def list_subscriptions(self, **filters):
        return self.submit_list_subscriptions(**filters).result()

    def delete_subscription(self, subscription_id):
        return self.submit_delete_subscription(subscription_id).result()

    def cleanup_subscriptions(self, conduit_id=None, include_pending=False, concurrency=None, progress=None):
        return self.submit_cleanup_subscriptions(conduit_id, include_pending, concurrency, progress).result()

    def reconcile_subscriptions(self, conduit_id, specs, dry_run=False, concurrency=None, progress=None):
        return self.submit_reconcile_subscriptions(conduit_id, specs, dry_run, concurrency, progress).result()

    def request(self, method, path, query=None, body=None, retry_unsafe=False):
        return self.submit_request(method, path, query, body, retry_unsafe).result()

    def create_subscriptions_by_type(self, conduit_id, types=None, condition=None, all_fillable=False,
                                     concurrency=None, progress=None):
        return self.submit_create_subscriptions_by_type(conduit_id, types, condition, all_fillable, concurrency,
                                                        progress).result()

    def sync(self):
        self.submit_sync().result()
        return self.view

    def start(self):
        """The original start(): the token, then the synced view; returns
        ``client.view``."""
        self.get_token()
        return self.sync()

    # -- the synced view -------------------------------------------------------
    @property
    def view(self):
        """Queries of the synced view (see View); load it with sync()."""
        return View(self)

    def on_view_change(self, fn):
        """fn(ViewChange, id) runs during poll() (or a blocking wait) after
        each change of the view; None stops. One callback per client."""
        if fn is not None and not callable(fn):
            raise TypeError("fn must be callable or None")
        token = next(self._tokens) if fn is not None else 0
        with self._locked():
            check(_t.tcb_view_watch(self._handle(), token), "view watch")
            self._view_watch = (token, fn) if fn is not None else None

    # -- the embedded listener ------------------------------------------------
    def listen(self, port=0, routes=None, bind_address=None, prefix=None, max_body_bytes=0,
               on_event=None, on_reject=None, tls_cert_file=None, tls_key_file=None):
        """Start the embedded webhook listener. ``routes`` maps route keys to
        secrets; ``tls_cert_file``/``tls_key_file`` (PEM) make it serve HTTPS. on_event(WebhookMessage) runs during poll() for each message
        the listener accepted (notifications, revocations and the shard
        challenges it answered; duplicates are not delivered), on_reject for
        requests it refused (bad signature, stale, ...)."""
        token = next(self._tokens)
        with self._poll_lock:
            h = _t.tcb_listener_new(self._handle(), _opt(bind_address), _int(port), _opt(prefix),
                                    _int(max_body_bytes), int(on_reject is not None), token,
                                    _opt(tls_cert_file), _opt(tls_key_file))
        if h is None:
            check(_t.tcb_last_status() or _t.TC_ERROR, "listener")
        lst = Listener(self, h, token, on_event, on_reject)
        self._listeners[token] = lst
        try:
            for key, secret in (routes or {}).items():
                lst.add_route(key, secret)
        except BaseException:
            lst.close()
            raise
        return lst


_METHODS = {"GET": _t.TC_GET, "POST": _t.TC_POST, "PATCH": _t.TC_PATCH, "PUT": _t.TC_PUT, "DELETE": _t.TC_DELETE}


def _batch(f):
    return T.BatchResult._from(_result_json(f))


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


def _specs(specs):
    s = _t.tcb_specs_new()
    try:
        for x in specs:
            if isinstance(x, T.SubscriptionSpec):
                typ, ver, cond = x.type, x.version, x.condition
            elif isinstance(x, dict):
                typ, ver, cond = x.get("type"), x.get("version", "1"), x.get("condition")
            else:
                typ, ver, cond = x
            if not isinstance(cond, str):
                cond = json.dumps(cond)
            check(_t.tcb_specs_add(s, _str(typ), _str(ver), cond), "subscription spec")
    except BaseException:
        _t.tcb_specs_free(s)
        raise
    return s


def _type_list(types, all_fillable):
    if types is None or isinstance(types, str):
        if types is not None:
            raise TypeError("types must be a list of names, not one str")
        return None
    names = []
    for x in types:
        if isinstance(x, tuple) and len(x) == 2:
            x = f"{_str(x[0])}@{_str(x[1])}"
        if not isinstance(x, str) or not x or "\n" in x:
            raise ValueError(f"bad type name {x!r}")
        names.append(x)
    if names and all_fillable:
        raise ValueError("give types or all_fillable=True, not both")
    return "\n".join(names)


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
    p = _t.tcb_pairs_new()
    try:
        for name, value in (items.items() if isinstance(items, dict) else (items or ())):
            check(_t.tcb_pairs_add(p, _str(name), str(value)))
    except BaseException:
        _t.tcb_pairs_free(p)
        raise
    return p
