"""
Test Twisted and Autobahn websocket code over an in-memory network, on a fake
clock, inside trial's ``SynchronousTestCase``.

Everything a test needs is importable from here::

    from twisted_wsfakes import Script, expectJSON, sendJSON, useFakeReactor

The names whose modules import Autobahn (the scripted peers, and the
reconnection tools that know them) load on first use, so code that only
needs the clock or the reactor does not pay for Autobahn's import.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING

from .clock import Clock
from .deferredmock import PENDING, CallState, DeferredCall, DeferredMock, returnOnce
from .dominoes import Dominoes, DominoState
from .errors import (
    AttemptAlreadyResolved,
    CallAlreadySettled,
    CannotServe,
    DominoesNotDone,
    FakeReactorInUse,
    IncompleteTranscriptWarning,
    JSONPathError,
    LeftoverError,
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
from .network.attempts import (
    Attempts,
    ConnectionAttempt,
    assertFollowsPolicy,
    assertRetryDelays,
    attemptTimes,
    describeAttempts,
    retryDelays,
)
from .network.connection import Connection
from .network.listener import Listener
from .network.threads import FakeThreadPool
from .results import assertNoResult, failureResultOf, successResultOf
from .script import (
    Message,
    Script,
    close,
    closeTCP,
    drop,
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
    stall,
    wait,
)
from .testcase import WebSocketTestCase, useFakeReactor
from .transcript import IncompleteLine, Side, Transcript
from .transcriptfile import TranscriptWriter
from .wire import Handshake

if TYPE_CHECKING:
    from .peers import ScriptedClient, ScriptedServer
    from .realnet.proxy import proxy
    from .realnet.record import record
    from .realnet.serve import ScriptServer, serveScript
    from .reconnect import EndpointAttempt, FakeEndpoint, ListenerSwitch, outage

#: Public names whose modules import Autobahn, and the module of each.
_LAZY = {
    "ScriptedClient": "peers",
    "ScriptedServer": "peers",
    "EndpointAttempt": "reconnect",
    "FakeEndpoint": "reconnect",
    "ListenerSwitch": "reconnect",
    "outage": "reconnect",
    "proxy": "realnet.proxy",
    "record": "realnet.record",
    "ScriptServer": "realnet.serve",
    "serveScript": "realnet.serve",
}

if not TYPE_CHECKING:
    # Hidden from type checkers, which see the imports above instead (a
    # module __getattr__ would make them accept any name at all).

    def __getattr__(name: str) -> object:
        """
        Import a name of ``_LAZY`` on first use (PEP 562).
        """
        module = _LAZY.get(name)
        if module is None:
            raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
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
    "CallState",
    "CannotServe",
    "Clock",
    "Connection",
    "ConnectionAttempt",
    "DeferredCall",
    "DeferredMock",
    "Difference",
    "DominoState",
    "Dominoes",
    "DominoesNotDone",
    "EndpointAttempt",
    "FakeEndpoint",
    "FakeReactor",
    "FakeReactorInUse",
    "FakeThreadPool",
    "Handshake",
    "IncompleteLine",
    "IncompleteTranscriptWarning",
    "JSONPathError",
    "LeftoverError",
    "Listener",
    "ListenerSwitch",
    "Matcher",
    "Message",
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
    "ScriptServer",
    "ScriptedClient",
    "ScriptedServer",
    "Side",
    "Transcript",
    "TranscriptError",
    "TranscriptExists",
    "TranscriptWriter",
    "UnsupportedByFake",
    "UsageError",
    "WebSocketTestCase",
    "WsFakesError",
    "approx",
    "assertFollowsPolicy",
    "assertNoResult",
    "assertRetryDelays",
    "attemptTimes",
    "close",
    "closeTCP",
    "describeAttempts",
    "drop",
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
    "outage",
    "ping",
    "predicate",
    "proxy",
    "record",
    "regex",
    "reject",
    "repeat",
    "reply",
    "retryDelays",
    "returnOnce",
    "sendBinary",
    "sendJSON",
    "sendText",
    "serveScript",
    "stall",
    "strict",
    "successResultOf",
    "useFakeReactor",
    "wait",
]
