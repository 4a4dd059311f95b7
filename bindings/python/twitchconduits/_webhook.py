"""Receiving events: WebhookVerifier (framework-neutral), WebhookApp (WSGI)."""
from __future__ import annotations

from dataclasses import dataclass, field
import json
from typing import Any, Callable, Dict, Iterable, List, Mapping, Optional, Tuple, Union

import twitchconduits_swig as _t

from ._errors import check

#: request headers: a mapping or (name, value) pairs
Headers = Union[Mapping[str, str], Iterable[Tuple[str, str]]]

_REASONS = {200: "OK", 204: "No Content", 400: "Bad Request", 403: "Forbidden", 404: "Not Found",
            405: "Method Not Allowed", 413: "Payload Too Large", 500: "Internal Server Error"}


def _json_or_none(raw):
    return json.loads(raw) if raw else None


@dataclass(frozen=True)
class WebhookMessage:
    """What the verifier decided about one request, and what to answer:
    ``http_status``, ``content_type`` and ``body``. ``kind`` is
    'notification', 'verification', 'revocation' or 'rejected' (then
    ``status`` is the tc_status, e.g. -27 for a bad signature)."""
    kind: str
    status: int
    http_status: int
    content_type: str
    body: bytes = field(repr=False)
    message_id: Optional[str] = None
    timestamp: Optional[str] = None
    retry: int = 0
    duplicate: bool = False
    subscription_id: Optional[str] = None
    subscription_type: Optional[str] = None
    subscription_version: Optional[str] = None
    event: Optional[dict] = None
    subscription: Optional[dict] = None
    challenge: Optional[str] = None
    revocation_reason: Optional[str] = None
    conduit_id: Optional[str] = None
    shard_id: Optional[str] = None
    error: str = ""
    route_key: Optional[str] = None

    @property
    def is_event(self) -> bool:
        """A new notification or revocation (what on_event receives)."""
        return self.kind in ("notification", "revocation") and not self.duplicate

    @classmethod
    def _from_c(cls, m, route_key=None):
        challenge = _t.tc_event_challenge(m)
        return cls(
            kind=_t.tc_event_kind_name(_t.tc_event_kind_get(m)) or "rejected",
            status=_t.tc_event_status(m),
            http_status=_t.tc_event_http_status(m),
            content_type=_t.tc_event_content_type(m) or "text/plain",
            body=_t.tc_event_response_body(m),
            message_id=_t.tc_event_id(m) or None,
            timestamp=_t.tc_event_timestamp(m) or None,
            retry=_t.tc_event_retry(m),
            duplicate=bool(_t.tc_event_is_duplicate(m)),
            subscription_id=_t.tc_event_subscription_id(m) or None,
            subscription_type=_t.tc_event_subscription_type(m) or None,
            subscription_version=_t.tc_event_subscription_version(m) or None,
            event=_json_or_none(_t.tc_event_event_json(m)),
            subscription=_json_or_none(_t.tc_event_subscription_json(m)),
            challenge=challenge.decode("utf-8", "surrogateescape") if challenge else None,
            revocation_reason=_t.tc_event_revocation_reason(m) or None,
            conduit_id=_t.tc_event_conduit_id(m) or None,
            shard_id=_t.tc_event_shard_id(m) or None,
            error=_t.tc_event_error(m) or "",
            route_key=route_key,
        )


class WebhookVerifier:
    """Checks Twitch's signature, timestamp and duplicates, and says what to
    answer. Safe to use from several threads. ``max_age_s`` 0 = the library's
    default window (10 minutes)."""

    def __init__(self, secret: str, max_age_s: int = 0) -> None:
        if not isinstance(secret, str):
            raise TypeError("secret must be a str")
        st, v = _t.tc_webhook_verifier_new({"max_age_s": max_age_s})
        check(st, "webhook options")
        self._v = v
        self.add_secret(secret)

    def __repr__(self) -> str:
        return f"<twitchconduits.WebhookVerifier secrets={self.secret_count()}>"

    def __del__(self) -> None:
        self.close()

    def close(self) -> None:
        v, self._v = getattr(self, "_v", None), None
        if v is not None:
            _t.tc_webhook_verifier_free(v)

    def add_secret(self, secret: str) -> None:
        check(_t.tc_webhook_verifier_add_secret(self._v, secret))

    def remove_secret(self, secret: str) -> None:
        check(_t.tc_webhook_verifier_remove_secret(self._v, secret))

    def secret_count(self) -> int:
        return _t.tc_webhook_verifier_secret_count(self._v) if self._v is not None else 0

    def forget(self, message_id: str) -> None:
        """Forget a message id, so a retry of it is not a duplicate."""
        check(_t.tc_webhook_verifier_forget(self._v, message_id))

    def handle(self, headers: Headers, body: Union[bytes, str]) -> WebhookMessage:
        """headers: a dict or (name, value) pairs; body: bytes (or str)."""
        if self._v is None:
            raise ValueError("verifier closed")
        pairs = [(str(name), str(value)) for name, value in (headers.items() if hasattr(headers, "items") else headers)]
        _, m = _t.tc_webhook_handle(self._v, pairs, body)
        if m is None:
            raise MemoryError("twitchconduits: out of memory")
        try:
            return WebhookMessage._from_c(m)
        finally:
            _t.tc_event_free(m)


def sign(secret: str, message_id: str, timestamp: str, body: Union[bytes, str]) -> str:
    """The Twitch-Eventsub-Message-Signature value for a message (tests)."""
    st, s = _t.tc_webhook_sign(secret, message_id, timestamp, body)
    check(st, "sign")
    return s


class WebhookApp:
    """A WSGI application answering Twitch's webhook requests exactly as the
    verifier decides. on_event(WebhookMessage) is called (on the server's
    request thread) for each new notification or revocation; if it raises,
    the request is answered 500 and the message id forgotten, so Twitch's
    retry is delivered again. on_verification is called for challenges."""

    def __init__(self, verifier: Union[WebhookVerifier, str], on_event: Optional[Callable[[WebhookMessage], Any]] = None,
                 on_verification: Optional[Callable[[WebhookMessage], Any]] = None,
                 max_body_bytes: int = 1 << 20) -> None:
        self.verifier = verifier if isinstance(verifier, WebhookVerifier) else WebhookVerifier(verifier)
        self.on_event = on_event
        self.on_verification = on_verification
        self.max_body_bytes = max_body_bytes

    def __call__(self, environ: Dict[str, Any], start_response: Callable[..., Any]) -> List[bytes]:
        if environ.get("REQUEST_METHOD") != "POST":
            return _answer(start_response, 405, b"method not allowed")
        try:
            length = int(environ.get("CONTENT_LENGTH") or 0)
        except ValueError:
            length = -1
        if length < 0 or length > self.max_body_bytes:
            return _answer(start_response, 413, b"body too large")
        body = environ["wsgi.input"].read(length) if length else b""
        msg = self.verifier.handle(_headers(environ), body)
        try:
            if msg.is_event and self.on_event is not None:
                self.on_event(msg)
            elif msg.kind == "verification" and not msg.duplicate and self.on_verification is not None:
                self.on_verification(msg)
        except Exception:
            if msg.message_id:
                self.verifier.forget(msg.message_id)
            return _answer(start_response, 500, b"event handler failed")
        return _answer(start_response, msg.http_status, msg.body, msg.content_type)


def _headers(environ):
    out = []
    for k, v in environ.items():
        if k.startswith("HTTP_"):
            out.append((k[5:].replace("_", "-").title(), v))
    if environ.get("CONTENT_TYPE"):
        out.append(("Content-Type", environ["CONTENT_TYPE"]))
    return out


def _answer(start_response, status, body, content_type="text/plain"):
    start_response(f"{status} {_REASONS.get(status, 'Status')}",
                   [("Content-Type", content_type), ("Content-Length", str(len(body)))])
    return [body]
