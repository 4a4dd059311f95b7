"""The catalogue of EventSub subscription types (include/twitchconduits/catalogue.h)
as a read-only Mapping: type name -> the newest EventType of that name.

    tc.catalogue["channel.follow"].required      # ('broadcaster_user_id', 'moderator_user_id')
    tc.catalogue.find("channel.follow", "1")     # raises GoneError: use version 2
    [t for t in tc.catalogue if t.startswith("channel.chat.")]

Entries are read through the C accessors once, on first use; they never change
while the process runs."""
from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
import json
import threading
from typing import Any, Dict, FrozenSet, Iterator, Optional, Tuple

import twitchconduits_swig as _t

from ._errors import error_for

_TRANSPORTS = (("webhook", _t.TC_TRANSPORT_WEBHOOK), ("websocket", _t.TC_TRANSPORT_WEBSOCKET),
               ("conduit", _t.TC_TRANSPORT_CONDUIT))


@dataclass(frozen=True)
class EventType:
    """One type+version. ``required``/``optional``: condition fields;
    ``one_of``: groups of which exactly one key is needed (channel.raid);
    ``transports``: of "webhook", "websocket", "conduit"; ``scopes``: each
    entry is needed ("a|b": either); ``authorizer``: who grants them;
    ``status``: "ga", "beta", "deprecated" or "withdrawn"."""
    name: str
    version: str
    status: str
    newest: bool
    required: Tuple[str, ...]
    optional: Tuple[str, ...]
    one_of: Tuple[Tuple[str, ...], ...]
    transports: FrozenSet[str]
    app_token_only: bool
    scopes: Tuple[str, ...]
    authorizer: str
    app_token_scopes: Tuple[str, ...] = ()
    create_body_extra: Optional[Dict[str, Any]] = None
    replaced_by: Optional[str] = None

    @property
    def condition_fields(self) -> Tuple[str, ...]:
        """Every key the condition may hold."""
        return self.required + self.optional + tuple(k for group in self.one_of for k in group)

    @classmethod
    def _from_c(cls, t):
        def strings(count, get):
            return tuple(get(t, i) for i in range(count(t)))
        extra = _t.tc_event_type_create_body_extra(t)
        return cls(
            name=_t.tc_event_type_name(t), version=_t.tc_event_type_version(t),
            status=_t.tc_event_type_status(t), newest=bool(_t.tc_event_type_is_newest(t)),
            required=strings(_t.tc_event_type_required_count, _t.tc_event_type_required),
            optional=strings(_t.tc_event_type_optional_count, _t.tc_event_type_optional),
            one_of=tuple(tuple(_t.tc_event_type_one_of(t, g, i) for i in range(_t.tc_event_type_one_of_size(t, g)))
                         for g in range(_t.tc_event_type_one_of_count(t))),
            transports=frozenset(n for n, v in _TRANSPORTS if _t.tc_event_type_allows(t, v)),
            app_token_only=bool(_t.tc_event_type_app_token_only(t)),
            scopes=strings(_t.tc_event_type_scope_count, _t.tc_event_type_scope),
            authorizer=_t.tc_event_type_authorizer(t),
            app_token_scopes=strings(_t.tc_event_type_app_token_scope_count, _t.tc_event_type_app_token_scope),
            create_body_extra=json.loads(extra) if extra else None,
            replaced_by=_t.tc_event_type_replaced_by(t))


class Catalogue(Mapping[str, EventType]):
    """Every subscription type Twitch documents: ``catalogue[name]`` is the
    newest version; ``find(name, version)`` any version (raising the
    library's NotFoundError / GoneError); ``entries()`` every type+version
    in order (by name, newest last); ``withdrawn()`` the versions Twitch no
    longer accepts."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._entries: Optional[Tuple[EventType, ...]] = None
        self._withdrawn: Tuple[EventType, ...] = ()
        self._newest: Dict[str, EventType] = {}

    def _load(self) -> Tuple[EventType, ...]:
        with self._lock:
            if self._entries is None:
                self._withdrawn = tuple(EventType._from_c(_t.tc_catalogue_withdrawn_at(i))
                                        for i in range(_t.tc_catalogue_withdrawn_count()))
                entries = tuple(EventType._from_c(_t.tc_catalogue_at(i)) for i in range(_t.tc_catalogue_count()))
                self._newest = {e.name: e for e in entries if e.newest}
                self._entries = entries
        return self._entries

    @property
    def snapshot(self) -> str:
        """The date of the Twitch documentation the catalogue follows."""
        return _t.tc_catalogue_snapshot()

    def __getitem__(self, name: str) -> EventType:
        self._load()
        return self._newest[name]

    def __iter__(self) -> Iterator[str]:
        self._load()
        return iter(self._newest)

    def __len__(self) -> int:
        self._load()
        return len(self._newest)

    def __repr__(self) -> str:
        return f"<twitchconduits.Catalogue {len(self)} types, snapshot {self.snapshot}>"

    def entries(self) -> Tuple[EventType, ...]:
        return self._load()

    def withdrawn(self) -> Tuple[EventType, ...]:
        self._load()
        return self._withdrawn

    def versions(self, name: str) -> Tuple[EventType, ...]:
        """The versions of a type that can be created, oldest first."""
        return tuple(e for e in self._load() if e.name == name)

    def find(self, name: str, version: Optional[str] = None) -> EventType:
        """The entry for name at version (None = newest). Raises
        NotFoundError (unknown type or version; the message lists the
        versions) or GoneError (a withdrawn version; the message names its
        replacement and ``.result`` is the withdrawn entry)."""
        if not isinstance(name, str) or (version is not None and not isinstance(version, str)):
            raise TypeError("name and version must be str")
        st, t = _t.tc_catalogue_find(name, version)
        if st == _t.TC_OK:
            return EventType._from_c(t)
        raise error_for(st, _t.tc_last_error_message(), result=EventType._from_c(t) if t is not None else None)


#: The catalogue (one per process).
catalogue = Catalogue()
