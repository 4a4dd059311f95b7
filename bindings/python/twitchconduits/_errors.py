"""Exceptions: one class per tc_status code (include/twitchconduits/common.h)."""
from __future__ import annotations

import builtins
from typing import Any, Dict, Optional, Type

import twitchconduits_swig as _t


class Error(Exception):
    """A failed call. ``code`` is the tc_status (negative int), ``name`` its C
    name (``"TC_ENOTFOUND"``), ``message`` the library's or Twitch's text and
    ``http_status`` the HTTP status (0 when there was no HTTP answer)."""

    code: int = _t.TC_ERROR

    def __init__(self, message: str = "", code: Optional[int] = None, http_status: int = 0,
                 result: Any = None) -> None:
        if code is not None:
            self.code = code
        self.name = _t.tc_status_name(self.code) or "TC_UNKNOWN"
        self.message = message or _t.tc_strerror(self.code)
        self.http_status = http_status
        #: what the operation still produced (e.g. per-item results), or None
        self.result = result
        super().__init__(self.message)

    def __str__(self) -> str:
        extra = f", HTTP {self.http_status}" if self.http_status else ""
        return f"{self.message} ({self.name}{extra})"


_BY_CODE: Dict[int, Type[Error]] = {}


def _register(cls: Type[Error]) -> Type[Error]:
    _BY_CODE[cls.code] = cls
    return cls


# One class per code, written out so that type checkers see them.
@_register
class InternalError(Error):
    """TC_ERROR (include/twitchconduits/common.h)."""
    code = _t.TC_ERROR


@_register
class InvalidArgumentError(Error, ValueError):
    """TC_EINVAL (include/twitchconduits/common.h)."""
    code = _t.TC_EINVAL


@_register
class OutOfMemoryError(Error, MemoryError):
    """TC_ENOMEM (include/twitchconduits/common.h)."""
    code = _t.TC_ENOMEM


@_register
class VersionError(Error):
    """TC_EVERSION (include/twitchconduits/common.h)."""
    code = _t.TC_EVERSION


@_register
class Cancelled(Error):
    """cancelled, or its client was closed"""
    code = _t.TC_ECANCELED


@_register
class TimedOut(Error, builtins.TimeoutError):
    """TC_ETIMEDOUT (include/twitchconduits/common.h)."""
    code = _t.TC_ETIMEDOUT


@_register
class NetworkError(Error, ConnectionError):
    """TC_ENETWORK (include/twitchconduits/common.h)."""
    code = _t.TC_ENETWORK


@_register
class TLSError(Error):
    """TC_ETLS (include/twitchconduits/common.h)."""
    code = _t.TC_ETLS


@_register
class HTTPError(Error):
    """TC_EHTTP (include/twitchconduits/common.h)."""
    code = _t.TC_EHTTP


@_register
class AuthError(Error):
    """TC_EAUTH (include/twitchconduits/common.h)."""
    code = _t.TC_EAUTH


@_register
class ForbiddenError(Error):
    """TC_EFORBIDDEN (include/twitchconduits/common.h)."""
    code = _t.TC_EFORBIDDEN


@_register
class NotFoundError(Error):
    """TC_ENOTFOUND (include/twitchconduits/common.h)."""
    code = _t.TC_ENOTFOUND


@_register
class ConflictError(Error):
    """TC_ECONFLICT (include/twitchconduits/common.h)."""
    code = _t.TC_ECONFLICT


@_register
class RateLimitError(Error):
    """TC_ERATELIMIT (include/twitchconduits/common.h)."""
    code = _t.TC_ERATELIMIT


@_register
class ServerError(Error):
    """TC_ESERVER (include/twitchconduits/common.h)."""
    code = _t.TC_ESERVER


@_register
class ProtocolError(Error):
    """TC_EPROTOCOL (include/twitchconduits/common.h)."""
    code = _t.TC_EPROTOCOL


@_register
class ClosedError(Error):
    """TC_ECLOSED (include/twitchconduits/common.h)."""
    code = _t.TC_ECLOSED


@_register
class ReentrantError(Error):
    """TC_EREENTRANT (include/twitchconduits/common.h)."""
    code = _t.TC_EREENTRANT


@_register
class BusyError(Error):
    """TC_EBUSY (include/twitchconduits/common.h)."""
    code = _t.TC_EBUSY


@_register
class TooLargeError(Error):
    """TC_ETOOLARGE (include/twitchconduits/common.h)."""
    code = _t.TC_ETOOLARGE


@_register
class UserAbortError(Error):
    """TC_EUSER (include/twitchconduits/common.h)."""
    code = _t.TC_EUSER


@_register
class BadRequestError(Error):
    """TC_EBADREQUEST (include/twitchconduits/common.h)."""
    code = _t.TC_EBADREQUEST


@_register
class GoneError(Error):
    """TC_EGONE (include/twitchconduits/common.h)."""
    code = _t.TC_EGONE


@_register
class PartialError(Error):
    """TC_EPARTIAL (include/twitchconduits/common.h)."""
    code = _t.TC_EPARTIAL


@_register
class NoCredentialsError(Error):
    """TC_ENOCREDENTIALS (include/twitchconduits/common.h)."""
    code = _t.TC_ENOCREDENTIALS


@_register
class NotSupportedError(Error):
    """TC_ENOTSUPPORTED (include/twitchconduits/common.h)."""
    code = _t.TC_ENOTSUPPORTED


@_register
class SignatureError(Error):
    """TC_ESIGNATURE (include/twitchconduits/common.h)."""
    code = _t.TC_ESIGNATURE


@_register
class StaleError(Error):
    """TC_ESTALE (include/twitchconduits/common.h)."""
    code = _t.TC_ESTALE


def error_for(code: int, message: str = "", http_status: int = 0, result: Any = None) -> Error:
    """The exception for a tc_status code (Error itself for unknown codes)."""
    cls = _BY_CODE.get(code, Error)
    return cls(message, code=code, http_status=http_status, result=result)


def check(code: int, what: str = "") -> None:
    """Raise for a failed tc_status; return None on TC_OK."""
    if code != _t.TC_OK:
        msg = _t.tc_last_error_message() or what
        raise error_for(code, msg)


__all__ = ["Error", "error_for", "InternalError", "InvalidArgumentError", "OutOfMemoryError", "VersionError",
           "Cancelled", "TimedOut", "NetworkError", "TLSError", "HTTPError", "AuthError", "ForbiddenError",
           "NotFoundError", "ConflictError", "RateLimitError", "ServerError", "ProtocolError", "ClosedError",
           "ReentrantError", "BusyError", "TooLargeError", "UserAbortError", "BadRequestError", "GoneError",
           "PartialError", "NoCredentialsError", "NotSupportedError", "SignatureError", "StaleError"]
