"""Plain result objects, built from the bridge's JSON. Secrets (tokens, shard
secrets, user keys) never appear in repr()/str()."""
from dataclasses import dataclass, field
import json
from typing import Any, Optional


@dataclass(frozen=True)
class Token:
    client_id: str
    expires_at: int
    validated: bool
    login: Optional[str] = None
    user_id: Optional[str] = None
    scopes: tuple = ()
    access_token: str = field(default="", repr=False)

    @classmethod
    def _from(cls, d):
        return cls(d.get("client_id") or "", d.get("expires_at") or 0, bool(d.get("validated")),
                   d.get("login"), d.get("user_id"), tuple(d.get("scopes") or ()),
                   d.get("access_token") or "")


@dataclass(frozen=True)
class Conduit:
    id: str
    shard_count: int

    @classmethod
    def _from(cls, d):
        return cls(d["id"], d["shard_count"])


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
    def _from(cls, d):
        d = d or {}
        return cls(d.get("method") or "", d.get("callback"), d.get("session_id"), d.get("connected_at"),
                   d.get("disconnected_at"), d.get("conduit_id"), d.get("secret"))


@dataclass(frozen=True)
class Shard:
    id: str
    status: str
    transport: Transport

    @classmethod
    def _from(cls, d):
        return cls(d["id"], d.get("status") or "", Transport._from(d.get("transport")))


@dataclass(frozen=True)
class ShardAssignment:
    """What update_shards() assigns: a webhook (callback_url + secret) or a
    websocket (session_id) transport for shard ``shard_id``."""
    shard_id: str
    callback_url: Optional[str] = None
    secret: Optional[str] = field(default=None, repr=False)
    session_id: Optional[str] = None

    @classmethod
    def webhook(cls, shard_id, callback_url, secret):
        return cls(str(shard_id), callback_url=callback_url, secret=secret)

    @classmethod
    def websocket(cls, shard_id, session_id):
        return cls(str(shard_id), session_id=session_id)


@dataclass(frozen=True)
class ShardResult:
    shard_id: str
    status: int                  # tc_status of this shard (0 = updated)
    message: str = ""
    code: Optional[str] = None
    status_text: str = ""

    @property
    def ok(self):
        return self.status == 0


@dataclass(frozen=True)
class ShardUpdateResult:
    """Per-shard outcome of update_shards(); ``failed`` counts the shards
    Twitch did not update (``ok`` is True when none failed)."""
    items: tuple
    failed: int

    @property
    def ok(self):
        return self.failed == 0

    @classmethod
    def _from(cls, d):
        items = tuple(ShardResult(i.get("shard_id") or "", i.get("status", 0), i.get("message") or "",
                                  i.get("code"), i.get("status_text") or "") for i in d.get("items") or ())
        return cls(items, d.get("failed", 0))


@dataclass(frozen=True)
class Subscription:
    id: str
    status: str
    type: str
    version: str
    condition: dict
    created_at: str = ""
    cost: int = 0
    transport: Optional[Transport] = None
    user_id: Optional[str] = None

    @classmethod
    def _from(cls, d):
        return cls(d["id"], d.get("status") or "", d.get("type") or "", d.get("version") or "",
                   d.get("condition") or {}, d.get("created_at") or "", d.get("cost") or 0,
                   Transport._from(d.get("transport")), d.get("user_id"))


@dataclass(frozen=True)
class SubscriptionSpec:
    """One wanted subscription: type, version and condition (a dict)."""
    type: str
    version: str
    condition: dict


@dataclass(frozen=True)
class BatchItem:
    """One item of a bulk operation. ``outcome``: created, existed, failed,
    over_budget, canceled, deleted, gone, to_create, to_delete."""
    outcome: str
    status: int
    message: str = ""
    subscription: Optional[Subscription] = None

    @property
    def ok(self):
        return self.outcome not in ("failed", "over_budget", "canceled")


@dataclass(frozen=True)
class BatchResult:
    """Per-item results of create/cleanup/reconcile (in spec order for create)."""
    items: tuple
    total: int = -1
    total_cost: int = -1
    max_total_cost: int = -1

    @property
    def failed(self):
        return sum(1 for i in self.items if not i.ok)

    @property
    def ok(self):
        return self.failed == 0

    def tally(self, outcome):
        return sum(1 for i in self.items if i.outcome == outcome)

    @classmethod
    def _from(cls, d):
        items = tuple(BatchItem(i.get("outcome") or "", i.get("status", 0), i.get("message") or "",
                                Subscription._from(i["subscription"]) if i.get("subscription") else None)
                      for i in d.get("items") or ())
        return cls(items, d.get("total", -1), d.get("total_cost", -1), d.get("max_total_cost", -1))


@dataclass(frozen=True)
class Response:
    """A generic Helix answer (Client.request)."""
    http_status: int
    body: bytes
    attempts: int = 1
    elapsed_ms: float = 0.0

    def json(self) -> Any:
        return json.loads(self.body) if self.body else None

    @property
    def text(self):
        return self.body.decode("utf-8", "replace")
