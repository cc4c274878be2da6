"""
Test Twisted and Autobahn websocket code over an in-memory network, on a fake
clock, inside trial's ``SynchronousTestCase``.

What a test imports is importable from here: what it constructs, calls,
subclasses or catches::

    from twisted_wsfakes import Script, expectJSON, sendJSON, useFakeReactor

The types a test only receives (the
`~twisted_wsfakes.network.Listener` a ``listenTCP`` returns, an
attempt's `~twisted_wsfakes.transcript.Handshake`, a mock's
`~twisted_wsfakes.deferreds.DeferredCall`...) are imported from their
own modules, named in the API reference, to annotate with them.

The names whose modules import Autobahn (the scripted peers, and the
reconnection and real-network tools that know them) load on first use, so
code that only needs the clock or the reactor does not pay for Autobahn's
import.  Deprecated names still import from here for one release: the
renamed functions and classes warn when used, the types that moved to their
own module warn when imported, naming the module.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING

from .clock import Clock
from .deferreds import (
    PENDING,
    DeferredMock,
    Dominoes,
    assertNoResult,
    failureResultOf,
    returnOnce,
    successResultOf,
)
from .deprecate import movedAttributes
from .errors import (
    AttemptAlreadyResolved,
    CallAlreadySettled,
    CannotServe,
    DominoesNotDone,
    FakeReactorInUse,
    IncompleteTranscriptWarning,
    JSONPathError,
    LeftoverError,
    NetworkUsageError,
    NeverSettles,
    NoSuchAttempt,
    NoSuchDomino,
    NothingToConnectTo,
    NotJSONError,
    OutageError,
    PatchTargetError,
    PatternError,
    ProtocolReleased,
    RealNetworkError,
    RealReactorUsed,
    RetryMismatch,
    ScriptError,
    ScriptMismatch,
    TranscriptError,
    TranscriptExists,
    UnsupportedByFake,
    UsageError,
    WsFakesError,
)
from .matchers import (
    ANY,
    Difference,
    Matcher,
    approx,
    exactly,
    predicate,
    regex,
    strict,
)
from .network import FakeReactor
from .network.attempts import Attempts, ConnectionAttempt
from .network.attempts import assertFollowsPolicy as assertFollowsPolicy
from .network.attempts import assertRetryDelays as assertRetryDelays
from .network.attempts import attemptTimes as attemptTimes
from .network.attempts import describeAttempts as describeAttempts
from .network.attempts import retryDelays as retryDelays
from .network.connection import Connection
from .script import (
    Script,
    close,
    closeTCP,
    expectBinary,
    expectClose,
    expectHandshake,
    expectJSON,
    expectMessage,
    expectText,
    goSilent,
    inAnyOrder,
    ping,
    reject,
    repeat,
    reply,
    sendBinary,
    sendJSON,
    sendText,
    wait,
)
from .script import drop as drop
from .script import stall as stall
from .testcase import WebSocketTestCase, useFakeReactor
from .transcript import Transcript, TranscriptWriter

if TYPE_CHECKING:
    from .peers import ScriptedClient, ScriptedServer
    from .realnet.proxy import proxy
    from .realnet.record import record
    from .realnet.serve import serveScript
    from .reconnect import FakeEndpoint
    from .reconnect import ListenerSwitch as ListenerSwitch
    from .reconnect import outage as outage

#: Names whose modules import Autobahn, and the module of each.
_LAZY = {
    "ScriptedClient": "peers",
    "ScriptedServer": "peers",
    "FakeEndpoint": "reconnect",
    "ListenerSwitch": "reconnect",
    "outage": "reconnect",
    "proxy": "realnet.proxy",
    "record": "realnet.record",
    "serveScript": "realnet.serve",
}

#: Types a test only receives, once importable from here, and the module
#: each is imported from now: deprecated here for one release.
_MOVED = {
    "CallState": "twisted_wsfakes.deferreds",
    "DeferredCall": "twisted_wsfakes.deferreds",
    "DominoState": "twisted_wsfakes.deferreds",
    "EndpointAttempt": "twisted_wsfakes.reconnect",
    "FakeThreadPool": "twisted_wsfakes.network",
    "Handshake": "twisted_wsfakes.transcript",
    "IncompleteLine": "twisted_wsfakes.transcript",
    "Listener": "twisted_wsfakes.network",
    "Message": "twisted_wsfakes.script",
    "ScriptServer": "twisted_wsfakes.realnet.serve",
    "Side": "twisted_wsfakes.transcript",
}

if not TYPE_CHECKING:
    # Hidden from type checkers, which see the imports above instead (a
    # module __getattr__ would make them accept any name at all, the moved
    # ones included).
    _moved = movedAttributes(__name__, _MOVED, depth=1)

    def __getattr__(name: str) -> object:
        """
        Import a name of ``_LAZY`` on first use, or a moved name from its
        new module with a warning (PEP 562).
        """
        module = _LAZY.get(name)
        if module is None:
            return _moved(name)
        value = getattr(importlib.import_module(f".{module}", __name__), name)
        globals()[name] = value
        return value

    def __dir__() -> list[str]:
        return sorted(set(globals()) | set(__all__))


__all__ = [
    "ANY",
    "PENDING",
    "AttemptAlreadyResolved",
    "Attempts",
    "CallAlreadySettled",
    "CannotServe",
    "Clock",
    "Connection",
    "ConnectionAttempt",
    "DeferredMock",
    "Difference",
    "Dominoes",
    "DominoesNotDone",
    "FakeEndpoint",
    "FakeReactor",
    "FakeReactorInUse",
    "IncompleteTranscriptWarning",
    "JSONPathError",
    "LeftoverError",
    "Matcher",
    "NetworkUsageError",
    "NeverSettles",
    "NoSuchAttempt",
    "NoSuchDomino",
    "NotJSONError",
    "NothingToConnectTo",
    "OutageError",
    "PatchTargetError",
    "PatternError",
    "ProtocolReleased",
    "RealNetworkError",
    "RealReactorUsed",
    "RetryMismatch",
    "Script",
    "ScriptError",
    "ScriptMismatch",
    "ScriptedClient",
    "ScriptedServer",
    "Transcript",
    "TranscriptError",
    "TranscriptExists",
    "TranscriptWriter",
    "UnsupportedByFake",
    "UsageError",
    "WebSocketTestCase",
    "WsFakesError",
    "approx",
    "assertNoResult",
    "close",
    "closeTCP",
    "exactly",
    "expectBinary",
    "expectClose",
    "expectHandshake",
    "expectJSON",
    "expectMessage",
    "expectText",
    "failureResultOf",
    "goSilent",
    "inAnyOrder",
    "ping",
    "predicate",
    "proxy",
    "record",
    "regex",
    "reject",
    "repeat",
    "reply",
    "returnOnce",
    "sendBinary",
    "sendJSON",
    "sendText",
    "serveScript",
    "strict",
    "successResultOf",
    "useFakeReactor",
    "wait",
]
