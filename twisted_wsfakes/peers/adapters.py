"""
The Autobahn protocols of the scripted peers: adapters, and nothing more.

Each protocol turns Autobahn's callbacks (``onConnect``, ``onOpen``,
``onMessage``, ``onPong``, ``onClose``) into the inputs of its connection's
`ScriptRun`, and the run's actions into Autobahn calls (``sendMessage``,
``sendPing``, ``sendCloseFrame``, the transport's ``loseConnection``...).
What to do is the engine's to decide.  The factories build these
protocols for their owner, a scripted server or client, known here only as
the `RunOwner` it must be.  It imports Autobahn, Twisted, the engine and
the report record; not the scripted peers, nor the network.
"""

from __future__ import annotations

from collections.abc import Coroutine, Mapping
from typing import Any, cast
from typing import Protocol as Typed
from urllib.parse import parse_qs, urlsplit

from autobahn.twisted.websocket import (
    WebSocketClientFactory,
    WebSocketClientProtocol,
    WebSocketServerFactory,
    WebSocketServerProtocol,
)
from autobahn.websocket.types import (
    ConnectionDeny,
    ConnectionRequest,
    ConnectionResponse,
)
from twisted.internet.defer import Deferred
from twisted.internet.interfaces import IAddress, IDelayedCall, IReactorTime
from twisted.internet.protocol import Protocol
from twisted.python.failure import Failure

from ..differences import renderJSON
from ..engine import (
    Accept,
    Action,
    AwaitAnswer,
    CancelTimer,
    Deny,
    Ending,
    Fail,
    HangUp,
    Request,
    Send,
    SendClose,
    SendPing,
    StartTimer,
    StopReading,
)
from ..printable import printable
from .report import PlayedConnection

#: Close codes with which Autobahn fails a connection for a broken frame.
_PROTOCOL_ERRORS = {1002: "protocol error", 1007: "invalid payload"}


class RunOwner(Typed):
    """
    The scripted peer a protocol plays for, as the protocol needs it.
    """

    @property
    def reactor(self) -> IReactorTime:
        """
        The clock its ``wait`` steps run on.
        """

    def startRun(self, protocol: Any) -> PlayedConnection:
        """
        Start playing the next Script on ``protocol``'s new connection.
        """

    def noteStalled(self, transport: Any) -> None:
        """
        Remember a transport a ``goSilent`` step paused.
        """


class ServerOwner(RunOwner, Typed):
    """
    The scripted server a server protocol plays for.
    """

    @property
    def headers(self) -> Mapping[str, str]:
        """
        The headers its handshake responses carry.
        """

    @property
    def exhausted(self) -> bool:
        """
        Whether it refuses every further connection.
        """

    def takeHang(self) -> bool:
        """
        Whether to hang the next connection (and count it as hung).
        """

    def accepted(self, protocol: Any) -> None:
        """
        Count a connection it accepted without playing a Script on it.
        """


class _PlaysScript:
    """
    Hands Autobahn's callbacks to the connection's run, and the run's
    actions to Autobahn.  It comes first in the protocols' bases, so
    ``super()`` here reaches Autobahn.
    """

    owner: RunOwner
    played: PlayedConnection
    _timer: IDelayedCall | None = None
    # Set when Autobahn fails the connection: (code, reason).
    _failedWith: tuple[int, str] | None = None

    # Autobahn's attributes, which it leaves unannotated.
    transport: Any
    state: int
    STATE_OPEN: int
    failByDrop: bool
    remoteCloseCode: int | None
    remoteCloseReason: str | None
    wasNotCleanReason: str | None

    def connectionMade(self) -> None:
        self.played = self.owner.startRun(self)
        super().connectionMade()  # type: ignore[misc]

    def onOpen(self) -> None:
        self.carryOut(self.played.run.opened())

    def onMessage(self, payload: bytes, isBinary: bool) -> None:
        self.carryOut(self.played.run.message(payload, isBinary))

    def onPong(self, payload: bytes) -> None:
        self.carryOut(self.played.run.pong(payload))

    def onClose(self, wasClean: bool, code: int, reason: str) -> None:
        # A connection refused before connectionMade has no run.
        if hasattr(self, "played"):
            self.carryOut(self.played.run.closed(self._ending(wasClean)))

    def _fail_connection(self, code: int = 1001, reason: str = "going away") -> None:
        # Remembered so a protocol error is reported as what it was; the
        # reason may quote what the other side sent.
        self._failedWith = (code, printable(reason))
        super()._fail_connection(code, reason)  # type: ignore[misc]

    def carryOut(self, actions: list[Action]) -> Accept | Deny | None:
        """
        Do what the run said, in order; return its verdict on the opening
        handshake, if it gave one.
        """
        verdict = None
        for action in actions:
            match action:
                case Send(payload=payload, isBinary=isBinary):
                    self.sendMessage(payload, isBinary=isBinary)  # type: ignore[attr-defined]
                case SendPing(payload=payload):
                    self.sendPing(payload)  # type: ignore[attr-defined]
                case SendClose(code=code, reason=reason):
                    # sendClose refuses 1001-1014, which a script may send.
                    self.sendCloseFrame(  # type: ignore[attr-defined]
                        code=code,
                        reasonUtf8=reason.encode("utf-8") if reason else None,
                        isReply=False,
                    )
                case StartTimer(seconds=seconds):
                    self._timer = self.owner.reactor.callLater(
                        seconds, self._timerFired
                    )
                case CancelTimer():
                    if self._timer is not None and self._timer.active():
                        self._timer.cancel()
                case AwaitAnswer(pending=pending):
                    _deferred(pending).addBoth(self._answered)
                case HangUp():
                    self.transport.loseConnection()
                case StopReading():
                    self.transport.pauseProducing()
                    self.owner.noteStalled(self.transport)
                case Fail(mismatch=mismatch, abort=abort):
                    self.played.recordMismatch(mismatch)
                    self._endForMismatch(abort)
                case Accept() | Deny():
                    verdict = action
        return verdict

    def _endForMismatch(self, abort: bool) -> None:
        if abort:
            self.transport.abortConnection()
        elif self.state == self.STATE_OPEN:
            # Still in its opening handshake, a server refuses it with 400
            # instead (the run's Deny).
            self.sendCloseFrame(  # type: ignore[attr-defined]
                code=1011, reasonUtf8=b"script mismatch", isReply=False
            )

    def _timerFired(self) -> None:
        self._timer = None
        self.carryOut(self.played.run.timerFired())

    def _answered(self, result: object) -> None:
        run = self.played.run
        if isinstance(result, Failure):
            self.carryOut(run.answerFailed(cast(BaseException, result.value)))
        else:
            self.carryOut(run.answered(result))

    def _ending(self, wasClean: bool) -> Ending:
        code, reason = self.remoteCloseCode, self.remoteCloseReason
        return Ending(
            wasClean,
            code,
            reason,
            self._describeEnd(wasClean),
            self._protocolError(),
        )

    def _describeEnd(self, wasClean: bool) -> str:
        code = self.remoteCloseCode
        if code is not None:
            reason = self.remoteCloseReason
            return f"the other side closed with {code}" + (
                f" {renderJSON(reason)}" if reason else ""
            )
        if wasClean:
            return "the connection was closed"
        # Autobahn's reason can quote the server's HTTP status line.
        return f"the connection was lost ({printable(str(self.wasNotCleanReason))})"

    def _protocolError(self) -> str | None:
        """
        Say how the other side broke the protocol, if Autobahn failed the
        connection for it.  By default (``failByDrop``) Autobahn drops TCP
        without sending the close frame it names.
        """
        if self._failedWith is None or self._failedWith[0] not in _PROTOCOL_ERRORS:
            return None
        code, reason = self._failedWith
        if self.failByDrop:
            how = (
                "the scripted peer dropped the connection without a close frame, "
                "as Autobahn does by default (failByDrop); its close code would "
                f"be {code}"
            )
        else:
            how = f"the scripted peer failed the connection with close code {code}"
        return f"{_PROTOCOL_ERRORS[code]} from the other side: {reason} ({how})"


def _deferred(pending: Deferred[Any] | Coroutine[Any, Any, Any]) -> Deferred[Any]:
    """
    The Deferred a reply function's later answer stands for: itself, or
    its coroutine run with ``Deferred.fromCoroutine``.
    """
    if isinstance(pending, Deferred):
        return pending
    return Deferred.fromCoroutine(pending)


class ServerProtocol(_PlaysScript, WebSocketServerProtocol):  # type: ignore[misc]
    """
    A real Autobahn server protocol playing its server's next Script.
    """

    owner: ServerOwner
    _rejectHeaders: Mapping[str, str] | None = None

    def onConnect(
        self, request: ConnectionRequest
    ) -> str | tuple[str | None, dict[str, str]] | None:
        verdict = self.carryOut(
            self.played.run.request(
                Request(
                    request.path,
                    _query(self),
                    request.headers,
                    tuple(request.protocols),
                )
            )
        )
        if isinstance(verdict, Deny):
            self._rejectHeaders = verdict.headers
            raise ConnectionDeny(verdict.status, verdict.reason)
        assert verdict is not None
        return (verdict.subprotocol, dict(self.owner.headers))

    def failHandshake(
        self, reason: str, code: int = 400, responseHeaders: Any = None
    ) -> None:
        # ConnectionDeny carries no headers: add those of reject(headers=...).
        headers = list(responseHeaders or []) + list(
            (self._rejectHeaders or {}).items()
        )
        super().failHandshake(reason, code, headers or None)


def _query(protocol: Any) -> dict[str, list[str]]:
    """
    The request's query parameters, blank values kept (Autobahn's
    ``request.params`` drops them, so ``?flag=`` could never match).
    """
    return parse_qs(urlsplit(protocol.http_request_uri).query, keep_blank_values=True)


class _Hang(Protocol):
    """
    Accepts the TCP connection and never answers: a hung server.
    """

    def __init__(self, owner: ServerOwner) -> None:
        self.owner = owner

    def connectionMade(self) -> None:
        self.owner.accepted(self)


class ServerFactory(WebSocketServerFactory):
    """
    Builds the protocols of one server's Scripts; on the fake network, a
    `PathServer` for the router of its port.
    """

    protocol = ServerProtocol

    def __init__(self, owner: ServerOwner, url: str, reactor: IReactorTime) -> None:
        super().__init__(url, reactor=reactor)  # type: ignore[no-untyped-call]
        self.owner = owner

    @property
    def exhausted(self) -> bool:
        return self.owner.exhausted

    def buildProtocol(self, addr: IAddress | None) -> Protocol | None:
        if self.owner.takeHang():
            return _Hang(self.owner)
        if self.owner.exhausted:
            # Only reached through a router that shares the port with
            # other paths: alone, the server's port refuses at TCP.
            return None
        protocol = cast(ServerProtocol, super().buildProtocol(addr))
        protocol.owner = self.owner
        return protocol


class ClientProtocol(_PlaysScript, WebSocketClientProtocol):  # type: ignore[misc]
    """
    A real Autobahn client protocol playing its client's Script.
    """

    def onConnect(self, response: ConnectionResponse) -> None:
        self.carryOut(self.played.run.response(response.headers, response.protocol))


class ClientFactory(WebSocketClientFactory):
    """
    Builds the protocol of a scripted client.
    """

    protocol = ClientProtocol

    def __init__(self, owner: RunOwner, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[no-untyped-call]
        self.owner = owner

    def buildProtocol(self, addr: IAddress | None) -> Protocol:
        protocol = cast(ClientProtocol, super().buildProtocol(addr))
        protocol.owner = self.owner
        return protocol
