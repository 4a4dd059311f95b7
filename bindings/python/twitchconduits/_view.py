"""The synced view (tc_conduits_sync + tc_view_*): the application's conduits,
their shards and every subscription, held in memory by the library and kept
current from the client's own calls and the events its listener receives.

Queries are snapshots read straight from the C API (no round trip to
Twitch); they may be made from any thread. The view goes stale when
something else changes Twitch's state (another process, the console, missed
events): ``client.sync()`` re-loads it."""
from __future__ import annotations

import enum
from typing import Any, Dict, List, Optional, Protocol

import twitchconduits_swig as _t

from . import _types as T
from ._errors import error_for


class _HasHandle(Protocol):
    """What a View needs of its Client (which imports this module)."""

    def _handle(self) -> Any: ...


class ViewChange(enum.IntEnum):
    """What changed (tc_view_change); the callback also gets the id of the
    subscription or conduit ("" for SYNCED, "CONDUIT_ID/SHARD_ID" for
    SHARD_STATUS)."""
    SYNCED = _t.TC_VIEW_SYNCED
    SUBSCRIPTION_ADDED = _t.TC_VIEW_SUBSCRIPTION_ADDED
    SUBSCRIPTION_REMOVED = _t.TC_VIEW_SUBSCRIPTION_REMOVED
    SUBSCRIPTION_STATUS = _t.TC_VIEW_SUBSCRIPTION_STATUS
    CONDUIT_ADDED = _t.TC_VIEW_CONDUIT_ADDED
    CONDUIT_REMOVED = _t.TC_VIEW_CONDUIT_REMOVED
    CONDUIT_UPDATED = _t.TC_VIEW_CONDUIT_UPDATED
    SHARD_STATUS = _t.TC_VIEW_SHARD_STATUS


def _owned(call, *args):
    """Run a tc_view_* call returning (status, list); raise its error."""
    st, lst = call(*args)
    if st != _t.TC_OK:
        raise error_for(st, _t.tc_last_error_message())
    return lst


class View:
    """``client.view``: query the synced view. Every filter left None
    matches all; ``user_id`` matches a subscription whose condition names
    that user (broadcaster, user, moderator, from/to broadcaster).
    Before the first ``client.sync()`` queries raise InvalidArgumentError
    (``count`` returns 0)."""

    def __init__(self, client: _HasHandle) -> None:
        self._client = client

    def __repr__(self) -> str:
        return f"<twitchconduits.View {'synced' if self.synced else 'not synced'}>"

    def _c(self):
        return self._client._handle()

    @property
    def synced(self) -> bool:
        """True once a sync has completed."""
        return bool(_t.tc_view_is_synced(self._c()))

    def subscriptions(self, conduit_id: Optional[str] = None, user_id: Optional[str] = None,
                      type: Optional[str] = None, status: Optional[str] = None) -> List[T.Subscription]:
        """The matching subscriptions, oldest first."""
        q = _query(conduit_id, user_id, type, status)
        lst = _owned(_t.tc_view_subscriptions, self._c(), q)
        try:
            return T.Subscription._list_from_c(lst)
        finally:
            _t.tc_subscription_list_free(lst)

    def count(self, conduit_id: Optional[str] = None, user_id: Optional[str] = None, type: Optional[str] = None,
              status: Optional[str] = None) -> int:
        """How many subscriptions match (without copying them)."""
        return _t.tc_view_count(self._c(), _query(conduit_id, user_id, type, status))

    def __len__(self) -> int:
        return self.count()

    def conduits(self) -> List[T.Conduit]:
        lst = _owned(_t.tc_view_conduits, self._c())
        try:
            return T.Conduit._list_from_c(lst)
        finally:
            _t.tc_conduit_list_free(lst)

    def shards(self, conduit_id: str) -> List[T.Shard]:
        """A conduit's shards (NotFoundError when the view has no such
        conduit). Webhook secrets are never known."""
        if not isinstance(conduit_id, str):
            raise TypeError("conduit_id must be a str")
        lst = _owned(_t.tc_view_shards, self._c(), conduit_id)
        try:
            return T.Shard._list_from_c(lst)
        finally:
            _t.tc_shard_list_free(lst)


def _query(conduit_id, user_id, type, status):
    """A tc_view_query (the typemap checks that each is a str or None)."""
    return {"conduit_id": conduit_id, "user_id": user_id, "type": type, "status": status}
