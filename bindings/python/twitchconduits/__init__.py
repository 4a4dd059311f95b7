"""twitchconduits: Twitch EventSub conduits, shards and subscriptions.

    with twitchconduits.Client(client_id=..., client_secret=...) as c:
        conduit = c.create_conduit(2)

See bindings/python/README.md."""
import twitchconduits_swig as _swig

from ._errors import *  # noqa: F401,F403
from ._errors import Error, error_for
from ._types import (BatchItem, BatchResult, Conduit, Response, Shard, ShardAssignment, ShardResult,
                     ShardUpdateResult, Subscription, SubscriptionSpec, Token, Transport)
from ._client import Client, Future, Listener, Listing
from ._webhook import WebhookApp, WebhookMessage, WebhookVerifier, sign
from ._users import User, Users
from ._catalogue import Catalogue, EventType, catalogue
from ._view import View, ViewChange

#: TC_CONDUITS_F_* flags for Client(flags=...)
F_NO_PACING = _swig.TC_CONDUITS_F_NO_PACING
F_ALLOW_HTTP_CALLBACKS = _swig.TC_CONDUITS_F_ALLOW_HTTP_CALLBACKS

__version__ = _swig.TC_VERSION_STRING if hasattr(_swig, "TC_VERSION_STRING") else "0"


def strerror(code: int) -> str:
    """The library's English description of a tc_status code."""
    return _swig.tc_strerror(code)
