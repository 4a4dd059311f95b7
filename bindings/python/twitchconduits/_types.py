"""Plain result objects, built with the C API's accessors from the result
objects a completion holds (borrowed: each _from_c copies what it needs).
Secrets (tokens, shard secrets, user keys) never appear in repr()/str()."""
from __future__ import annotations

from dataclasses import dataclass, field
import json
from typing import Any, Dict, Optional, Tuple

import twitchconduits_swig as _t


@dataclass(frozen=True)
class Token:
    client_id: str
    expires_at: int
    validated: bool
    login: Optional[str] = None
    user_id: Optional[str] = None
    scopes: Tuple[str, ...] = ()
    access_token: str = field(default="", repr=False)

    @classmethod
    def _from_c(cls, t):
        return cls(_t.tc_token_client_id(t) or "", _t.tc_token_expires_at(t), bool(_t.tc_token_is_validated(t)),
                   _t.tc_token_login(t), _t.tc_token_user_id(t),
                   tuple(_t.tc_token_scope(t, i) for i in range(_t.tc_token_scope_count(t))),
                   _t.tc_token_access_token(t) or "")


@dataclass(frozen=True)
class Conduit:
    id: str
    shard_count: int

    @classmethod
    def _from_c(cls, c):
        return cls(_t.tc_conduit_id(c), _t.tc_conduit_shard_count(c))

    @classmethod
    def _list_from_c(cls, lst):
        return [cls._from_c(_t.tc_conduit_list_get(lst, i)) for i in range(_t.tc_conduit_list_count(lst))]


@dataclass(frozen=True)
class Transport:
    method: str
    callback: Optional[str] = None
    session_id: Optional[str] = None
    connected_at: Optional[str] = None
    disconnected_at: Optional[str] = None
    conduit_id: Optional[str] = None
    secret: Optional[str] = field(default=None, repr=False)  # only from create_shard()

    @classmethod
    def _from_c(cls, t):
        if t is None:
            return None
        return cls(_t.tc_transport_method_name(t) or "", _t.tc_transport_callback(t), _t.tc_transport_session_id(t),
                   _t.tc_transport_connected_at(t), _t.tc_transport_disconnected_at(t),
                   _t.tc_transport_conduit_id(t), _t.tc_transport_secret(t))


@dataclass(frozen=True)
class Shard:
    id: str
    status: str
    transport: Transport

    @classmethod
    def _from_c(cls, s):
        return cls(_t.tc_shard_id(s), _t.tc_shard_status(s) or "", Transport._from_c(_t.tc_shard_transport(s)))

    @classmethod
    def _list_from_c(cls, lst):
        return [cls._from_c(_t.tc_shard_list_get(lst, i)) for i in range(_t.tc_shard_list_count(lst))]


@dataclass(frozen=True)
class ShardAssignment:
    """What update_shards() assigns: a webhook (callback_url + secret) or a
    websocket (session_id) transport for shard ``shard_id``."""
    shard_id: str
    callback_url: Optional[str] = None
    secret: Optional[str] = field(default=None, repr=False)
    session_id: Optional[str] = None

    @classmethod
    def webhook(cls, shard_id: str, callback_url: str, secret: str) -> ShardAssignment:
        return cls(str(shard_id), callback_url=callback_url, secret=secret)

    @classmethod
    def websocket(cls, shard_id: str, session_id: str) -> ShardAssignment:
        return cls(str(shard_id), session_id=session_id)


@dataclass(frozen=True)
class ShardResult:
    shard_id: str
    status: int                  # tc_status of this shard (0 = updated)
    message: str = ""
    code: Optional[str] = None
    status_text: str = ""

    @property
    def ok(self) -> bool:
        return self.status == 0


@dataclass(frozen=True)
class ShardUpdateResult:
    """Per-shard outcome of update_shards(); ``failed`` counts the shards
    Twitch did not update (``ok`` is True when none failed)."""
    items: Tuple[ShardResult, ...]
    failed: int

    @property
    def ok(self) -> bool:
        return self.failed == 0

    @classmethod
    def _from_c(cls, r):
        def item(i):
            st = _t.tc_shard_update_result_status(r, i)
            return ShardResult(_t.tc_shard_update_result_shard_id(r, i) or "", st,
                               _t.tc_shard_update_result_message(r, i) or "",
                               _t.tc_shard_update_result_code(r, i) or None, _t.tc_strerror(st))
        return cls(tuple(item(i) for i in range(_t.tc_shard_update_result_count(r))),
                   _t.tc_shard_update_result_failed(r))


@dataclass(frozen=True)
class Subscription:
    id: str
    status: str
    type: str
    version: str
    condition: Dict[str, Any]
    created_at: str = ""
    cost: int = 0
    transport: Optional[Transport] = None
    user_id: Optional[str] = None

    @classmethod
    def _from_c(cls, s):
        cond = _t.tc_subscription_condition(s)
        return cls(_t.tc_subscription_id(s), _t.tc_subscription_status(s) or "", _t.tc_subscription_type(s) or "",
                   _t.tc_subscription_version(s) or "", json.loads(cond) if cond else {},
                   _t.tc_subscription_created_at(s) or "", _t.tc_subscription_cost(s),
                   Transport._from_c(_t.tc_subscription_transport(s)), _t.tc_subscription_user_id(s))

    @classmethod
    def _list_from_c(cls, lst):
        return [cls._from_c(_t.tc_subscription_list_get(lst, i)) for i in range(_t.tc_subscription_list_count(lst))]


@dataclass(frozen=True)
class SubscriptionSpec:
    """One wanted subscription: type, version and condition (a dict)."""
    type: str
    version: str
    condition: Dict[str, Any]


@dataclass(frozen=True)
class BatchItem:
    """One item of a bulk operation. ``outcome``: created, existed, failed,
    over_budget, canceled, deleted, gone, to_create, to_delete."""
    outcome: str
    status: int
    message: str = ""
    subscription: Optional[Subscription] = None

    @property
    def ok(self) -> bool:
        return self.outcome not in ("failed", "over_budget", "canceled")


@dataclass(frozen=True)
class BatchResult:
    """Per-item results of create/cleanup/reconcile (in spec order for create)."""
    items: Tuple[BatchItem, ...]
    total: int = -1
    total_cost: int = -1
    max_total_cost: int = -1

    @property
    def failed(self) -> int:
        return sum(1 for i in self.items if not i.ok)

    @property
    def ok(self) -> bool:
        return self.failed == 0

    def tally(self, outcome: str) -> int:
        return sum(1 for i in self.items if i.outcome == outcome)

    @classmethod
    def _from_c(cls, b):
        def item(i):
            sub = _t.tc_subscription_batch_subscription(b, i)
            return BatchItem(_t.tc_item_outcome_name(_t.tc_subscription_batch_outcome(b, i)) or "",
                             _t.tc_subscription_batch_status(b, i), _t.tc_subscription_batch_message(b, i) or "",
                             Subscription._from_c(sub) if sub is not None else None)
        return cls(tuple(item(i) for i in range(_t.tc_subscription_batch_count(b))),
                   _t.tc_subscription_batch_total(b), _t.tc_subscription_batch_total_cost(b),
                   _t.tc_subscription_batch_max_total_cost(b))


@dataclass(frozen=True)
class Response:
    """A generic Helix answer (Client.request)."""
    http_status: int
    body: bytes
    attempts: int = 1
    elapsed_ms: float = 0.0

    @classmethod
    def _from_c(cls, r):
        # Every request makes one: filled directly, skipping the frozen
        # dataclass's __init__ (four object.__setattr__ calls), which costs
        # more than the C calls here.
        self = object.__new__(cls)
        self.__dict__.update(http_status=_t.tc_response_http_status(r), body=_t.tc_response_body(r),
                             attempts=_t.tc_response_attempts(r), elapsed_ms=_t.tc_response_elapsed_ms(r))
        return self

    def json(self) -> Any:
        return json.loads(self.body) if self.body else None

    @property
    def text(self) -> str:
        return self.body.decode("utf-8", "replace")
