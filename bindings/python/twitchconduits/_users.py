"""The users registry (key <-> Twitch user id <-> subscription ids)."""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import List, Tuple

import twitchconduits_swig as _t

from ._errors import NotFoundError, check


@dataclass(frozen=True)
class User:
    user_id: str
    subscription_ids: Tuple[str, ...]
    key: str = field(default="", repr=False)

    @classmethod
    def _take(cls, u):
        """Copy a tc_user the caller owns, then free it."""
        try:
            n = _t.tc_user_subscription_count(u)
            return cls(_t.tc_user_user_id(u), tuple(_t.tc_user_subscription_id(u, i) for i in range(n)),
                       _t.tc_user_key(u))
        finally:
            _t.tc_user_free(u)


class Users:
    """A thread-safe registry of users: add(key, user_id), lookups by key,
    user id or subscription id (each raises NotFoundError when absent)."""

    def __init__(self) -> None:
        st, u = _t.tc_users_new()
        check(st, "users")
        self._u = u

    def __del__(self) -> None:
        self.close()

    def close(self) -> None:
        u, self._u = getattr(self, "_u", None), None
        if u is not None:
            _t.tc_users_free(u)

    def __repr__(self) -> str:
        return f"<twitchconduits.Users {len(self)} users>"

    def __len__(self) -> int:
        return _t.tc_users_count(self._u) if self._u is not None else 0

    def add(self, key: str, user_id: str) -> None:
        check(_t.tc_users_add(self._u, _s(key), _s(user_id), None), "users.add")

    def add_subscription(self, user_id: str, subscription_id: str) -> None:
        check(_t.tc_users_add_subscription(self._u, _s(user_id), _s(subscription_id)))

    def remove_subscription(self, user_id: str, subscription_id: str) -> None:
        check(_t.tc_users_remove_subscription(self._u, _s(user_id), _s(subscription_id)))

    def user_ids(self) -> List[str]:
        st, lst = _t.tc_users_list(self._u)
        check(st)
        try:
            return [_t.tc_user_id_list_get(lst, i) for i in range(_t.tc_user_id_list_count(lst))]
        finally:
            _t.tc_user_id_list_free(lst)

    def _get(self, fn, arg):
        st, u = fn(self._u, _s(arg))
        if st == _t.TC_ENOTFOUND:
            raise NotFoundError(f"no user for {arg!r}")
        check(st)
        return User._take(u)

    def get_by_key(self, key: str) -> User:
        return self._get(_t.tc_users_get_by_key, key)

    def get_by_user_id(self, user_id: str) -> User:
        return self._get(_t.tc_users_get_by_user_id, user_id)

    def get_by_subscription(self, subscription_id: str) -> User:
        return self._get(_t.tc_users_get_by_subscription, subscription_id)

    def remove(self, user_id: str) -> User:
        return self._get(_t.tc_users_remove, user_id)

    def __contains__(self, user_id: str) -> bool:
        try:
            self.get_by_user_id(user_id)
            return True
        except NotFoundError:
            return False


def _s(v):
    if not isinstance(v, str):
        raise TypeError(f"expected a str, got {type(v).__name__}")
    return v
