"""
The script engine: one Script played on one connection, with no I/O.

`twisted_wsfakes.engine.run` holds the `ScriptRun` and what it does with
each step; `twisted_wsfakes.engine.events` the frozen values that go in
and come out.  This module gathers their names.  The engine imports the
step values, matchers and Twisted's ``Deferred``; never the network nor
Autobahn, which `twisted_wsfakes.peers.adapters` adapts to it.
"""

from .events import (
    Accept,
    Action,
    AwaitAnswer,
    CancelTimer,
    Deny,
    Ending,
    Fail,
    HangUp,
    Mismatch,
    OnMismatch,
    Request,
    Send,
    SendClose,
    SendPing,
    StartTimer,
    StopReading,
)
from .run import RunState, ScriptRun, describeError, describeMessage

__all__ = [
    "Accept",
    "Action",
    "AwaitAnswer",
    "CancelTimer",
    "Deny",
    "Ending",
    "Fail",
    "HangUp",
    "Mismatch",
    "OnMismatch",
    "Request",
    "RunState",
    "ScriptRun",
    "Send",
    "SendClose",
    "SendPing",
    "StartTimer",
    "StopReading",
    "describeError",
    "describeMessage",
]
