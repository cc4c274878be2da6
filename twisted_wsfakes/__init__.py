"""
Test Twisted and Autobahn websocket code over an in-memory network, on a fake
clock, inside trial's ``SynchronousTestCase``.

Everything a test needs is importable from here::

    from twisted_wsfakes import Script, expectJSON, sendJSON, useFakeReactor
"""

from .clock import Clock
from .connection import Connection
from .errors import (
    IncompleteTranscriptWarning,
    LeftoverError,
    NeverSettles,
    NotJSONError,
    PatternError,
    ScriptError,
    ScriptMismatch,
    TranscriptError,
    TranscriptExists,
    UnsupportedByFake,
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
from .network import ConnectionAttempt, FakeReactor
from .peers import ScriptedClient, ScriptedServer
from .reconnect import (
    EndpointAttempt,
    FakeEndpoint,
    ListenerSwitch,
    assertFollowsPolicy,
    assertRetryDelays,
    attemptTimes,
    describeAttempts,
    outage,
    retryDelays,
)
from .script import (
    Message,
    Script,
    close,
    drop,
    expectBinary,
    expectClose,
    expectHandshake,
    expectJSON,
    expectMessage,
    expectText,
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
from .transcript import IncompleteLine, Transcript
from .transcriptfile import TranscriptWriter

__all__ = [
    "ANY",
    "Clock",
    "Connection",
    "ConnectionAttempt",
    "Difference",
    "EndpointAttempt",
    "FakeEndpoint",
    "FakeReactor",
    "IncompleteLine",
    "IncompleteTranscriptWarning",
    "LeftoverError",
    "ListenerSwitch",
    "Matcher",
    "Message",
    "NeverSettles",
    "NotJSONError",
    "PatternError",
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
    "WebSocketTestCase",
    "WsFakesError",
    "approx",
    "assertFollowsPolicy",
    "assertRetryDelays",
    "attemptTimes",
    "close",
    "describeAttempts",
    "drop",
    "exactly",
    "expectBinary",
    "expectClose",
    "expectHandshake",
    "expectJSON",
    "expectMessage",
    "expectText",
    "inAnyOrder",
    "outage",
    "ping",
    "predicate",
    "regex",
    "reject",
    "repeat",
    "reply",
    "retryDelays",
    "sendBinary",
    "sendJSON",
    "sendText",
    "stall",
    "strict",
    "useFakeReactor",
    "wait",
]
