"""Exceptions: one class per tc_status code (include/twitchconduits/common.h)."""
import builtins

import twitchconduits_swig as _t


class Error(Exception):
    """A failed call. ``code`` is the tc_status (negative int), ``name`` its C
    name (``"TC_ENOTFOUND"``), ``message`` the library's or Twitch's text and
    ``http_status`` the HTTP status (0 when there was no HTTP answer)."""

    code = _t.TC_ERROR

    def __init__(self, message="", code=None, http_status=0, result=None):
        if code is not None:
            self.code = code
        self.name = _t.tc_status_name(self.code) or "TC_UNKNOWN"
        self.message = message or _t.tc_strerror(self.code)
        self.http_status = http_status
        #: what the operation still produced (e.g. per-item results), or None
        self.result = result
        super().__init__(self.message)

    def __str__(self):
        extra = f", HTTP {self.http_status}" if self.http_status else ""
        return f"{self.message} ({self.name}{extra})"


def _cls(name, code, *bases, doc=""):
    cls = type(name, (Error,) + bases, {"code": code, "__doc__": doc or name})
    _BY_CODE[code] = cls
    return cls


_BY_CODE = {}

InternalError = _cls("InternalError", _t.TC_ERROR)
InvalidArgumentError = _cls("InvalidArgumentError", _t.TC_EINVAL, ValueError)
OutOfMemoryError = _cls("OutOfMemoryError", _t.TC_ENOMEM, MemoryError)
VersionError = _cls("VersionError", _t.TC_EVERSION)
Cancelled = _cls("Cancelled", _t.TC_ECANCELED, doc="cancelled, or its client was closed")
TimedOut = _cls("TimedOut", _t.TC_ETIMEDOUT, builtins.TimeoutError)
NetworkError = _cls("NetworkError", _t.TC_ENETWORK, ConnectionError)
TLSError = _cls("TLSError", _t.TC_ETLS)
HTTPError = _cls("HTTPError", _t.TC_EHTTP)
AuthError = _cls("AuthError", _t.TC_EAUTH)
ForbiddenError = _cls("ForbiddenError", _t.TC_EFORBIDDEN)
NotFoundError = _cls("NotFoundError", _t.TC_ENOTFOUND)
ConflictError = _cls("ConflictError", _t.TC_ECONFLICT)
RateLimitError = _cls("RateLimitError", _t.TC_ERATELIMIT)
ServerError = _cls("ServerError", _t.TC_ESERVER)
ProtocolError = _cls("ProtocolError", _t.TC_EPROTOCOL)
ClosedError = _cls("ClosedError", _t.TC_ECLOSED)
ReentrantError = _cls("ReentrantError", _t.TC_EREENTRANT)
BusyError = _cls("BusyError", _t.TC_EBUSY)
TooLargeError = _cls("TooLargeError", _t.TC_ETOOLARGE)
UserAbortError = _cls("UserAbortError", _t.TC_EUSER)
BadRequestError = _cls("BadRequestError", _t.TC_EBADREQUEST)
GoneError = _cls("GoneError", _t.TC_EGONE)
PartialError = _cls("PartialError", _t.TC_EPARTIAL)
NoCredentialsError = _cls("NoCredentialsError", _t.TC_ENOCREDENTIALS)
NotSupportedError = _cls("NotSupportedError", _t.TC_ENOTSUPPORTED)
SignatureError = _cls("SignatureError", _t.TC_ESIGNATURE)
StaleError = _cls("StaleError", _t.TC_ESTALE)


def error_for(code, message="", http_status=0, result=None):
    """The exception for a tc_status code (Error itself for unknown codes)."""
    cls = _BY_CODE.get(code, Error)
    return cls(message, code=code, http_status=http_status, result=result)


def check(code, what=""):
    """Raise for a failed tc_status; return None on TC_OK."""
    if code != _t.TC_OK:
        msg = _t.tc_last_error_message() or what
        raise error_for(code, msg)


__all__ = ["Error", "error_for"] + [c.__name__ for c in _BY_CODE.values()]
