"""
What goes into the script engine and what comes out: frozen values.

The inputs that are values (`Request`, `Ending`), the actions a
`ScriptRun` returns (`Send`, `SendPing`, `SendClose`, `StartTimer`,
`CancelTimer`, `AwaitAnswer`, `HangUp`, `StopReading`, `Accept`, `Deny`,
`Fail`, the closed union `Action`), and the `Mismatch` a run records.  It
imports the step values (script), `twisted_wsfakes.differences`'s `Difference` and Twisted's
``Deferred`` (a later answer's type); nothing else of the package.
"""

from __future__ import annotations

from collections.abc import Coroutine, Mapping
from typing import Any, Literal, TypeAlias

import attrs
from twisted.internet.defer import Deferred

from ..differences import Difference
from ..script import ScriptPosition

#: How a mismatch ends the connection: a close frame with code 1011, or a
#: drop.
OnMismatch = Literal["close", "drop"]


# Inputs that are values.


@attrs.frozen
class Request:
    """
    A client's opening handshake, as a server run sees it.

    :ivar path: the path of the request target.
    :ivar query: its query parameters, blank values kept.
    :ivar headers: its headers.
    :ivar protocols: the subprotocols it offers.
    """

    path: str
    query: Mapping[str, list[str]]
    headers: Mapping[str, str]
    protocols: tuple[str, ...] = ()

    def describe(self) -> str:
        """
        Say what came, for a report.
        """
        query = "&".join(f"{k}={v}" for k, values in self.query.items() for v in values)
        offered = ", ".join(self.protocols)
        return (
            f"request GET {self.path}"
            + (f"?{query}" if query else "")
            + (f" (subprotocols: {offered})" if offered else "")
        )


@attrs.frozen
class Ending:
    """
    How a connection ended.

    :ivar wasClean: whether the closing handshake completed.
    :ivar code: the close code the other side sent, if it sent one.
    :ivar reason: the reason it sent with it.
    :ivar description: how it ended, for a report.
    :ivar protocolError: set when the other side broke the protocol (a bad
        frame, invalid UTF-8): what it did, for a report.
    """

    wasClean: bool
    code: int | None
    reason: str | None
    description: str
    protocolError: str | None = None


# Actions.


@attrs.frozen
class Send:
    """
    Send a data message.
    """

    payload: bytes
    isBinary: bool


@attrs.frozen
class SendPing:
    """
    Send a ping with this payload.
    """

    payload: bytes


@attrs.frozen
class SendClose:
    """
    Send a close frame with this code and reason, and wait for the answer.
    """

    code: int | None
    reason: str


@attrs.frozen
class StartTimer:
    """
    Call `ScriptRun.timerFired` in ``seconds``.
    """

    seconds: float


@attrs.frozen
class CancelTimer:
    """
    Cancel the timer `StartTimer` started: the connection is gone.
    """


@attrs.frozen
class AwaitAnswer:
    """
    Wait for a reply function's later answer (a Deferred or a coroutine),
    then call `ScriptRun.answered` with its result, or
    `ScriptRun.answerFailed` with its error.
    """

    pending: Deferred[Any] | Coroutine[Any, Any, Any]


@attrs.frozen
class HangUp:
    """
    End the TCP connection once what was sent is delivered, with no
    closing handshake.
    """


@attrs.frozen
class StopReading:
    """
    Stop reading from the connection.
    """


@attrs.frozen
class Accept:
    """
    Accept the opening handshake (a server), choosing ``subprotocol``.
    """

    subprotocol: str | None


@attrs.frozen
class Deny:
    """
    Refuse the opening handshake (a server) with this HTTP status.
    """

    status: int
    reason: str
    headers: Mapping[str, str] = attrs.field(factory=dict)


@attrs.frozen
class Fail:
    """
    A step met something else: keep ``mismatch`` for the report (with the
    transcript as it is now), and end the connection for it: at once with
    ``abort``, else with close code 1011 if it is open.
    """

    mismatch: Mismatch
    abort: bool


Action: TypeAlias = (
    Send
    | SendPing
    | SendClose
    | StartTimer
    | CancelTimer
    | AwaitAnswer
    | HangUp
    | StopReading
    | Accept
    | Deny
    | Fail
)


@attrs.frozen
class Mismatch:
    """
    What went wrong, and where.

    :ivar position: the step it went wrong at; ``None`` after the last step.
    :ivar got: what came, for the report, if anything did.
    :ivar differences: how it differs from what the step expects.
    :ivar problem: what went wrong, when it is not a plain difference.
    :ivar sequence: the number (1-based) of the other side's message that
        did not match, if one did not.
    """

    position: ScriptPosition | None
    got: str | None
    differences: tuple[Difference, ...] = ()
    problem: str | None = None
    sequence: int | None = None
