"""
Scripted websocket peers: real Autobahn protocols that play a Script.
"""

from __future__ import annotations

import traceback
import weakref
from collections import deque
from collections.abc import Callable, Coroutine, Mapping
from functools import partial
from textwrap import indent
from typing import TYPE_CHECKING, Any, Generic, Literal, TypeVar, cast
from typing import Protocol as Typed
from urllib.parse import parse_qs, urlsplit

import attrs
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
from autobahn.websocket.util import parse_url
from twisted.internet.defer import Deferred
from twisted.internet.interfaces import IAddress, IDelayedCall, IReactorTime
from twisted.internet.protocol import Protocol
from twisted.python.failure import Failure

from .connection import Connection
from .errors import ScriptMismatch
from .matchers import Difference, describe, renderJSON
from .printable import printable
from .routing import PathRouter
from .script import (
    Close,
    Drop,
    ExpectClose,
    ExpectHandshake,
    InAnyOrder,
    Message,
    Ping,
    Reject,
    Reply,
    Script,
    ScriptPosition,
    SendBinary,
    SendJSON,
    SendText,
    Stall,
    Wait,
)
from .transcript import BinaryMessage, TextMessage, Transcript

if TYPE_CHECKING:
    from .network import FakeReactor, Listener

Role = Literal["server", "client"]
OnMismatch = Literal["close", "drop"]
AfterLast = Literal["repeat", "refuse"]

#: Close codes with which Autobahn fails a connection for a broken frame.
_PROTOCOL_ERRORS = {1002: "protocol error", 1007: "invalid payload"}


class Transcribed(Typed):
    """
    A connection a scripted peer runs on, as far as its reports need: the
    in-memory `Connection`, or a recording of a real socket.
    """

    @property
    def transcript(self) -> Transcript:
        """
        What was said on the connection so far.
        """


ConnectionT = TypeVar("ConnectionT", bound=Transcribed)


def _howFailed(protocol: Any, code: int) -> str:
    """
    Say how Autobahn failed a connection: by default (``failByDrop``) it
    drops TCP without sending the close frame it names.
    """
    if protocol.failByDrop:
        return (
            "the scripted peer dropped the connection without a close frame, as "
            f"Autobahn does by default (failByDrop); its close code would be {code}"
        )
    return f"the scripted peer failed the connection with close code {code}"


class _Run:
    """
    One Script played on one connection, step by step.

    Messages from the other side wait in an inbox until a step takes them,
    so a ``wait`` or ``ping`` in the script never loses one.  Nothing here
    raises into the reactor: a mismatch is recorded, the connection is
    closed (or dropped), and the owner reports it at ``assertDone``.
    """

    def __init__(
        self,
        owner: _ScriptedPeer[Any],
        script: Script,
        number: int,
        protocol: WebSocketServerProtocol | WebSocketClientProtocol,
    ) -> None:
        self.owner = owner
        # Held strongly while the connection is open, then weakly (see
        # letGo); Any: Autobahn's protocol methods are unannotated.
        self._protocol: Any = protocol
        # The connection, once the run no longer holds its protocol.
        self._transcribed: Transcribed | None = None
        self.script = script
        self.number = number
        self.positions = list(script.walk())
        self.cursor = 0
        self.inbox: deque[tuple[int, Message]] = deque()
        self.received = 0
        self.unmet: list[Any] | None = None
        self.waiting: Literal["timer", "pong", "reply"] | None = None
        self.timer: IDelayedCall | None = None
        self.mismatch: ScriptMismatch | None = None
        self.ended: str | None = None
        # Set once a close step sent our close frame: data messages after it
        # are ignored, as the close step says.
        self.closing = False

    @property
    def protocol(self) -> Any:
        """
        The run's protocol; ``None`` once closed and let go of by everyone.
        """
        if isinstance(self._protocol, weakref.ref):
            return self._protocol()
        return self._protocol

    @property
    def transcript(self) -> Transcript:
        connection = self._transcribed or self.owner.connectionOf(self.protocol)
        return connection.transcript

    def letGo(self) -> None:
        """
        Hold the closed connection's protocol weakly from now on, keeping the
        connection for reports: the reactor decides how long a closed
        connection keeps its protocols (``keepClosedProtocols``), and a
        server of thousands of connections must not keep them all.
        """
        self._transcribed = self.owner.connectionOf(self._protocol)
        self._protocol = weakref.ref(self._protocol)

    @property
    def finished(self) -> bool:
        return self.cursor >= len(self.positions)

    # Events from the protocol.

    def handshake(self, check: Callable[[], list[Difference]], got: str) -> None:
        """
        Consume a leading ``expectHandshake``, checked by ``check``; ``got``
        says what came, for a report.
        """
        differences = self._checked(self.positions[0], check, got)
        if differences:
            self.fail(self.positions[0], got, differences)
        elif differences is not None:
            self.cursor += 1

    def message(self, payload: bytes, isBinary: bool) -> None:
        self.received += 1
        if self.mismatch is not None or self.closing:
            return
        try:
            message = Message.fromFrame(payload, isBinary)
        except ValueError as e:
            # Only reachable with Autobahn's own UTF-8 validation turned off.
            where = self._current if not self.finished else None
            self.fail(where, f"text {payload!r}", [], problem=printable(str(e)))
            return
        self.inbox.append((self.received, message))
        self.play()

    def pong(self, payload: bytes) -> None:
        if self.waiting == "pong" and payload == self._current.step.payload:  # type: ignore[attr-defined]
            self.waiting = None
            self.cursor += 1
            self.play()

    def closed(self, wasClean: bool) -> None:
        if self.timer is not None and self.timer.active():
            self.timer.cancel()
        protocol = self.protocol
        self.ended = _describeEnd(protocol, wasClean)
        if self.mismatch is not None:
            return
        failed = getattr(protocol, "_failedWith", None)
        if failed is not None and failed[0] in _PROTOCOL_ERRORS:
            code, reason = failed
            self.fail(
                None if self.finished else self._current,
                None,
                [],
                problem=f"{_PROTOCOL_ERRORS[code]} from the other side: {reason} "
                f"({_howFailed(protocol, code)})",
            )
            return
        if self.finished:
            last = self.positions[-1] if self.positions else None
            if last is not None and isinstance(last.step, Close) and not wasClean:
                self.fail(
                    last,
                    None,
                    [],
                    problem=f"no close frame answered ours: {self.ended}",
                )
            return
        step = self._current.step
        if isinstance(step, ExpectClose):
            code = protocol.remoteCloseCode
            if code is None and not wasClean:
                self.fail(self._current, None, [], problem=f"got {self.ended}")
                return
            reason = protocol.remoteCloseReason
            got = f"close {code}" + (f" {renderJSON(reason)}" if reason else "")
            differences = self._checked(
                self._current, lambda: step.check(code, reason), got
            )
            if differences:
                self.fail(self._current, got, differences)
            elif differences is not None:
                self.cursor += 1

    # Playing.

    @property
    def _current(self) -> ScriptPosition:
        return self.positions[self.cursor]

    def play(self) -> None:
        """
        Play steps until one has to wait for the other side or the clock.
        """
        if self.protocol is None:
            # Closed long ago, and its protocol is gone: nothing to play on.
            return
        while self.mismatch is None and self.waiting is None and not self.finished:
            if not self._playStep(self._current):
                return
        if self.finished and self.inbox and self.mismatch is None:
            sequence, message = self.inbox.popleft()
            self.fail(
                None,
                _describeMessage(message),
                [],
                problem="unexpected message after the last step",
                sequence=sequence,
            )

    def _playStep(self, position: ScriptPosition) -> bool:
        """
        Play one step; say whether the next one can be played at once.
        """
        step = position.step
        protocol = self.protocol
        if isinstance(step, SendText | SendBinary | SendJSON):
            protocol.sendMessage(step.payload, isBinary=step.isBinary)
        elif isinstance(step, InAnyOrder):
            return self._playGroup(position, step)
        elif isinstance(step, ExpectClose):
            if self.inbox:
                sequence, message = self.inbox.popleft()
                self.fail(
                    position,
                    _describeMessage(message),
                    [],
                    problem=f"a message came before the close frame {step!r} waits for",
                    sequence=sequence,
                )
            return False
        elif hasattr(step, "check"):
            return self._playExpectation(position, step)
        elif isinstance(step, Wait) and step.seconds > 0:  # wait(0) goes on now
            self.waiting = "timer"
            self.timer = self.owner.reactor.callLater(step.seconds, self._wake)
            return False
        elif isinstance(step, Ping):
            self.waiting = "pong"
            protocol.sendPing(step.payload)
            return False
        elif isinstance(step, Close):
            reason = step.reason.encode("utf-8") if step.reason else None
            protocol.sendCloseFrame(code=step.code, reasonUtf8=reason, isReply=False)
            self.closing = True
        elif isinstance(step, Drop):
            self.cursor += 1
            protocol.transport.loseConnection()
            return False
        elif isinstance(step, Stall):
            self.cursor += 1
            protocol.transport.pauseProducing()
            self.owner._stalled.append(protocol.transport)
            return False
        self.cursor += 1
        return True

    def _wake(self) -> None:
        self.waiting = None
        self.timer = None
        self.cursor += 1
        self.play()

    def _playExpectation(self, position: ScriptPosition, step: Any) -> bool:
        if not self.inbox:
            return False
        sequence, message = self.inbox.popleft()
        differences = self._checked(
            position, partial(step.check, message), message, sequence
        )
        if differences is None:
            return False
        if differences:
            self.fail(
                position, _describeMessage(message), differences, sequence=sequence
            )
            return False
        if isinstance(step, Reply) and not self._reply(
            position, step, message, sequence, advance=True
        ):
            return False
        self.cursor += 1
        return True

    def _reply(
        self,
        position: ScriptPosition,
        step: Reply,
        message: Message,
        sequence: int,
        advance: bool,
    ) -> bool:
        """
        Answer ``message`` with what ``step.fn`` returns; say whether the
        script can go on at once.

        A Deferred or coroutine from ``fn`` holds the script until it
        settles; then the answer is sent and, when ``advance``, the cursor
        moves past the step (a group member leaves that to its group).
        """
        try:
            result = step.fn(message)
        except Exception as e:  # noqa: BLE001 - any error in it is the test's to see
            self._replyFailed(position, message, sequence, f"raised {_raised(e)}")
            return False
        later = _later(result)
        if later is None:
            return self._answer(position, step, message, sequence, result)
        self.waiting = "reply"
        later.addBoth(self._answerLater, position, step, message, sequence, advance)
        return False

    def _answerLater(
        self,
        result: object,
        position: ScriptPosition,
        step: Reply,
        message: Message,
        sequence: int,
        advance: bool,
    ) -> None:
        self.waiting = None
        if self.ended is not None or self.mismatch is not None:
            # The connection ended meanwhile: the step stays unconsumed and
            # the unfinished script is reported as such.
            return
        if isinstance(result, Failure):
            error = cast(BaseException, result.value)
            why = f"returned a Deferred that failed with {_raised(error)}"
            self._replyFailed(position, message, sequence, why)
            return
        if self._answer(position, step, message, sequence, result):
            if advance:
                self.cursor += 1
            self.play()

    def _answer(
        self,
        position: ScriptPosition,
        step: Reply,
        message: Message,
        sequence: int,
        result: object,
    ) -> bool:
        try:
            answer = step.sendStepFor(result)
        except Exception as e:  # noqa: BLE001 - any error in it is the test's to see
            self._replyFailed(position, message, sequence, f"raised {_raised(e)}")
            return False
        if answer is not None:
            self.protocol.sendMessage(answer.payload, isBinary=answer.isBinary)
        return True

    def _replyFailed(
        self, position: ScriptPosition, message: Message, sequence: int, what: str
    ) -> None:
        self.fail(
            position,
            _describeMessage(message),
            [],
            problem=f"the reply function {what}",
            sequence=sequence,
        )

    def _playGroup(self, position: ScriptPosition, group: InAnyOrder) -> bool:
        if self.unmet is None:
            self.unmet = list(group.expectations)
        while self.unmet and self.inbox:
            sequence, message = self.inbox.popleft()
            if not self._meetOne(position, message, sequence):
                return False
        if self.unmet:
            return False
        self.unmet = None
        self.cursor += 1
        return True

    def _meetOne(
        self, position: ScriptPosition, message: Message, sequence: int
    ) -> bool:
        assert self.unmet is not None
        tried = []
        for step in self.unmet:
            differences = self._checked(
                position, partial(step.check, message), message, sequence
            )
            if differences is None:
                return False
            if not differences:
                self.unmet.remove(step)
                if isinstance(step, Reply):
                    group = cast(InAnyOrder, position.step)
                    member = attrs.evolve(
                        position, step=step, member=group.expectations.index(step)
                    )
                    return self._reply(member, step, message, sequence, advance=False)
                return True
            tried.append((step, differences))
        problem = "no expectation still waiting in the group accepts it:\n" + "\n".join(
            f"    {step!r}: " + "; ".join(map(str, differences))
            for step, differences in tried
        )
        self.fail(
            position, _describeMessage(message), [], problem=problem, sequence=sequence
        )
        return False

    def _checked(
        self,
        position: ScriptPosition,
        check: Callable[[], list[Difference]],
        got: str | Message,
        sequence: int | None = None,
    ) -> list[Difference] | None:
        """
        Run a step's check; a matcher of the test's own that raises is a
        mismatch too, reported with its traceback, and gives ``None``.

        :param got: what came, for the report: a description, or the
            message (described only if a report needs it).
        """
        try:
            return check()
        except Exception as e:  # noqa: BLE001 - any error in it is the test's to see
            self.fail(
                position,
                got if isinstance(got, str) else _describeMessage(got),
                [],
                problem=f"checking it raised {_raised(e)}",
                sequence=sequence,
            )
            return None

    # Failing.

    def fail(
        self,
        position: ScriptPosition | None,
        got: str | None,
        differences: list[Difference],
        problem: str | None = None,
        sequence: int | None = None,
    ) -> None:
        """
        Record a mismatch and end the connection as the owner was told to.
        """
        self.mismatch = ScriptMismatch(
            self._report(position, got, differences, problem, sequence)
        )
        protocol = self.protocol
        # A server still in its opening handshake refuses it with 400
        # (_ServerProtocol.onConnect), unless told to drop.
        if self.owner.onMismatch == "drop":
            protocol.transport.abortConnection()
        elif protocol.state == protocol.STATE_OPEN:
            protocol.sendCloseFrame(
                code=1011, reasonUtf8=b"script mismatch", isReply=False
            )

    def _report(
        self,
        position: ScriptPosition | None,
        got: str | None,
        differences: list[Difference],
        problem: str | None,
        sequence: int | None,
    ) -> str:
        where = position.description if position else f"after step {len(self.script)}"
        lines = [f"{self.owner.url}, connection {self.number}, {where}:"]
        if position is not None and problem is None:
            lines.append(f"  expected {_describeStep(position.step)}")
        if got is not None:
            # What came is one line, whatever the peer put in it.
            lines.append(f"  got      {printable(got)}")
        lines += [f"  differs at {difference}" for difference in differences]
        if problem is not None:
            lines.append(f"  {problem}")
        lines.append("transcript so far:")
        lines.append(self._renderTranscript(sequence, position))
        return "\n".join(lines)

    def _renderTranscript(
        self, sequence: int | None, position: ScriptPosition | None
    ) -> str:
        transcript = self.transcript
        marks = {}
        if sequence is not None:
            index = _indexOfMessage(transcript, self.owner.otherSide, sequence)
            if index is not None:
                step = (
                    f"step {position.index + 1}" if position else "after the last step"
                )
                marks[index] = f"✗ {step}"
        return transcript.render(marks=marks)

    def unfinished(self) -> str | None:
        """
        Describe the steps never played, if any.
        """
        if self.mismatch is not None or self.finished:
            return None
        waiting = []
        seen = set()
        for position in self.positions[self.cursor :]:
            if position.index not in seen:
                seen.add(position.index)
                # The whole step: a repeat shows every step of its block.
                step = self.script[position.index]
                waiting.append(
                    f"    {self.script.describeStep(position.index)}: {step!r}"
                )
        state = self.ended or "the connection is still open"
        return "\n".join(
            [
                (
                    f"{self.owner.url}, connection {self.number}: the script "
                    f"stopped at {self._current.description}; {state}. "
                    "Steps still waiting:"
                ),
                *waiting,
                "transcript:",
                self.transcript.render(),
            ]
        )


class _ScriptedPeer(Generic[ConnectionT]):
    """
    What ScriptedServer and ScriptedClient share: runs, reports, cleanup.
    """

    otherSide: Role

    def __init__(self, reactor: IReactorTime, url: str, onMismatch: OnMismatch) -> None:
        if onMismatch not in ("close", "drop"):
            raise ValueError(
                f'onMismatch must be "close" or "drop", not {onMismatch!r}'
            )
        self.reactor = reactor
        self.url = url
        self.onMismatch = onMismatch
        self.connections: list[ConnectionT] = []
        self._runs: list[_Run] = []
        self._reported: set[tuple[object, ...]] = set()
        # The transports that stall() steps paused.
        self._stalled: list[Any] = []

    @property
    def transcripts(self) -> list[Any]:
        """
        The :class:`Transcript` of each connection, in order.
        """
        return [connection.transcript for connection in self.connections]

    def connectionOf(self, protocol: Any) -> ConnectionT:
        """
        The connection ``protocol`` runs on, whose transcript its reports show.
        """
        raise NotImplementedError

    def problemOf(self, number: int) -> str | None:
        """
        The report on connection ``number`` (1-based, as reports number
        them): its mismatch, or the steps it left unplayed; ``None`` when
        its script played to the end (or it never ran one).
        """
        for run in self._runs:
            if run.number == number:
                return str(run.mismatch) if run.mismatch else run.unfinished()
        return None

    def assertDone(self) -> None:
        """
        Fail unless every script played to its end without a mismatch.

        :raises ScriptMismatch: with a report of every problem not reported
            before: mismatches, then scripts stopped half way, then scripts
            never used.
        """
        problems = [
            (k, text) for k, text in self._problems() if k not in self._reported
        ]
        self._reported.update(key for key, _ in problems)
        if problems:
            raise ScriptMismatch("\n\n".join(text for _, text in problems))

    def releaseStalled(self) -> None:
        """
        Read again on the connections that ``stall()`` steps paused, so
        they hear how the other side ended them.

        A paused reader hears nothing, not even a close, as on a real
        reactor; at cleanup ``useFakeReactor`` calls this before it looks
        for connections left open, so that a stalled script is not taken
        for a connection the code under test left open.
        """
        stalled, self._stalled = self._stalled, []
        for transport in stalled:
            transport.resumeProducing()

    def _problems(self) -> list[tuple[tuple[object, ...], str]]:
        """
        Every problem so far, each with a key that stays the same while the
        problem does, so ``assertDone`` reports each one once.
        """
        found: list[tuple[tuple[object, ...], str]] = [
            (("mismatch", run.number), str(run.mismatch))
            for run in self._runs
            if run.mismatch is not None
        ]
        found += [
            (("unfinished", run.number, run.cursor), text)
            for run in self._runs
            if (text := run.unfinished()) is not None
        ]
        return found + self._unused()

    def _unused(self) -> list[tuple[tuple[object, ...], str]]:
        raise NotImplementedError

    def _startRun(
        self,
        script: Script,
        protocol: WebSocketServerProtocol | WebSocketClientProtocol,
    ) -> _Run:
        # Numbered as in self.connections, hung connections included.
        run = _Run(self, script, len(self.connections), protocol)
        self._runs.append(run)
        return run


class _PlaysScript:
    """
    Hands Autobahn's callbacks to the connection's run.  It comes first in
    the protocols' bases, so ``super()`` here reaches Autobahn.
    """

    run: _Run

    def onOpen(self) -> None:
        self.run.play()

    def onMessage(self, payload: bytes, isBinary: bool) -> None:
        self.run.message(payload, isBinary)

    def onPong(self, payload: bytes) -> None:
        self.run.pong(payload)

    def onClose(self, wasClean: bool, code: int, reason: str) -> None:
        # A connection refused before connectionMade has no run.
        if hasattr(self, "run"):
            self.run.closed(wasClean)
            self.run.letGo()

    def _fail_connection(self, code: int = 1001, reason: str = "going away") -> None:
        # Remembered so a protocol error is reported as what it was; the
        # reason may quote what the other side sent.
        self._failedWith = (code, printable(reason))
        super()._fail_connection(code, reason)  # type: ignore[misc]


class _ServerProtocol(_PlaysScript, WebSocketServerProtocol):  # type: ignore[misc]
    """
    A real Autobahn server protocol playing its ScriptedServer's next Script.
    """

    owner: ServerScripts[Any]
    run: _Run
    _rejectHeaders: Mapping[str, str] | None = None

    def connectionMade(self) -> None:
        self.owner.connections.append(self.owner.connectionOf(self))
        self.run = self.owner._startRun(self.owner._nextScript(), self)
        super().connectionMade()

    def onConnect(
        self, request: ConnectionRequest
    ) -> str | tuple[str | None, dict[str, str]] | None:
        run, steps = self.run, self.run.positions
        first = steps[0].step if steps else None
        if isinstance(first, ExpectHandshake):
            run.handshake(
                lambda: first.checkRequest(
                    request.path, _query(self), request.headers, request.protocols
                ),
                _describeRequest(request),
            )
            if run.mismatch is not None:
                raise ConnectionDeny(400, "script mismatch")
        following = steps[run.cursor].step if run.cursor < len(steps) else None
        if isinstance(following, Reject):
            run.cursor += 1
            self._rejectHeaders = following.headers
            raise ConnectionDeny(following.status, following.reason)
        chosen = first.subprotocol if isinstance(first, ExpectHandshake) else None
        return (chosen, dict(self.owner.headers))

    def failHandshake(
        self, reason: str, code: int = 400, responseHeaders: Any = None
    ) -> None:
        # ConnectionDeny carries no headers: add those of reject(headers=...).
        headers = list(responseHeaders or []) + list(
            (self._rejectHeaders or {}).items()
        )
        super().failHandshake(reason, code, headers or None)


class _Hang(Protocol):
    """
    Accepts the TCP connection and never answers: a hung server.
    """


class _ServerFactory(WebSocketServerFactory):
    """
    Builds the protocols of one server's Scripts; on the fake network, a
    `PathServer` for the router of its port.
    """

    def __init__(
        self, owner: ServerScripts[Any], url: str, reactor: IReactorTime
    ) -> None:
        super().__init__(url, reactor=reactor)  # type: ignore[no-untyped-call]
        self.owner = owner

    @property
    def exhausted(self) -> bool:
        return self.owner._refusing

    def buildProtocol(self, addr: IAddress | None) -> Protocol | None:
        if self.owner._hangs:
            self.owner._hangs -= 1
            hung = _Hang()
            hung.connectionMade = lambda: self.owner.connections.append(  # type: ignore[method-assign]
                self.owner.connectionOf(hung)
            )
            return hung
        if self.owner._refusing:
            # Only reached through a router that shares the port with
            # other paths: alone, the server's port refuses at TCP.
            return None
        protocol = cast(_ServerProtocol, super().buildProtocol(addr))
        protocol.owner = self.owner
        return protocol


class ServerScripts(_ScriptedPeer[ConnectionT]):
    """
    Plays Scripts as a websocket server, wherever it listens: the n-th
    connection its `factory` accepts plays the n-th Script, and after the
    last one the last Script again.

    :class:`ScriptedServer` listens on the fake network;
    `twisted_wsfakes.realnet.serve` on a real port.  Both play through this
    one engine, so a client that deviates gets the same report.

    :ivar factory: the Autobahn server factory whose protocols play the
        Scripts.
    """

    otherSide: Role = "client"

    def __init__(
        self,
        reactor: IReactorTime,
        url: str,
        *scripts: Script,
        onMismatch: OnMismatch = "close",
        headers: dict[str, str] | None = None,
        protocolOptions: dict[str, Any] | None = None,
    ) -> None:
        if not scripts:
            raise ValueError("serveWebSocket() needs at least one Script")
        for number, script in enumerate(scripts, 1):
            if not isinstance(script, Script):
                raise TypeError(f"script {number} is {script!r}, not a Script")
            script.checkRole("server")
        super().__init__(reactor, url, onMismatch)
        self.scripts = scripts
        self.headers = headers or {}
        self._hangs = 0
        # Set by a server that refuses connections after its last Script.
        self._refusing = False
        self.factory = _ServerFactory(self, url, reactor)
        self.factory.protocol = _ServerProtocol
        self.factory.setProtocolOptions(**(protocolOptions or {}))  # type: ignore[no-untyped-call]

    def hangNext(self, n: int = 1) -> None:
        """
        Accept the next ``n`` TCP connections and never answer them.

        On a port of the fake network that servers on several paths share,
        these are the next ``n`` connections that ask for this server's
        path: their request is read (to learn the path) and never answered.
        """
        self._hangs += n

    def _nextScript(self) -> Script:
        return self.scripts[min(len(self._runs), len(self.scripts) - 1)]

    def _unused(self) -> list[tuple[tuple[object, ...], str]]:
        made, total = len(self._runs), len(self.scripts)
        why = f"was never played: only {made} connection(s) were made"
        return [
            (("unused", n), f"{self.url}: script {n + 1} of {total} {why}")
            for n in range(made, total)
        ]


class ScriptedServer(ServerScripts[Connection]):
    """
    A websocket server on the fake network that plays Scripts, made by
    :meth:`FakeReactor.serveWebSocket`::

        server = reactor.serveWebSocket(
            "wss://feed.example.com/v1",
            Script(expectJSON({"op": "subscribe"}), sendJSON({"ok": True})),
        )
        ...  # run the client under test
        server.assertDone()

    The n-th connection plays the n-th Script.  After the last one, a new
    connection plays the last Script again (``afterLast="repeat"``) or is
    refused (``afterLast="refuse"``).  A step that meets something else
    records a :class:`ScriptMismatch` and closes the connection with code
    1011 (or drops it, with ``onMismatch="drop"``); ``assertDone()``, or the
    cleanup of ``useFakeReactor``, fails the test with the report.

    Servers on several paths of one host and port share its listener, each
    taking the connections that ask for its path (see the guide's "Several
    paths on one port").

    :ivar connections: every :class:`Connection` it accepted, in order.
    :ivar path: the path of its URL, which it serves.
    """

    def __init__(
        self,
        reactor: FakeReactor,
        url: str,
        *scripts: Script,
        afterLast: AfterLast = "repeat",
        onMismatch: OnMismatch = "close",
        headers: dict[str, str] | None = None,
        protocolOptions: dict[str, Any] | None = None,
    ) -> None:
        if afterLast not in ("repeat", "refuse"):
            raise ValueError(
                f'afterLast must be "repeat" or "refuse", not {afterLast!r}'
            )
        super().__init__(
            reactor,
            url,
            *scripts,
            onMismatch=onMismatch,
            headers=headers,
            protocolOptions=protocolOptions,
        )
        self.afterLast = afterLast
        _, host, port, _, path, _ = parse_url(url)
        self.path: str = path
        self._router = _routerFor(reactor, host, port)
        self._router.add(path, self.factory)
        self._listener = self._router.listener
        reactor._scriptedPeers.append(self)

    def connectionOf(self, protocol: Any) -> Connection:
        """
        The in-memory connection ``protocol`` runs on.
        """
        return _connectionOf(protocol)

    @property
    def listener(self) -> Listener:
        """
        The in-memory listening port it serves on, shared with the scripted
        servers on other paths of its host and port: where to schedule an
        outage (see :class:`Listener`).
        """
        return self._listener

    def refuseNext(self, n: int = 1) -> None:
        """
        Refuse the next ``n`` connection attempts, as a full server would.

        TCP knows no paths: on a port that servers on several paths share,
        these are the port's next ``n`` attempts, whatever path they were
        to ask for.  To refuse one path's handshake, script a
        ``reject(503)``.
        """
        self._listener.refuseNext(n)

    def down(self, dropConnections: bool = True) -> None:
        """
        Stop listening: attempts are refused until :meth:`up`.  Open
        connections are cut, unless ``dropConnections`` is false.  Then
        deliver until all is quiet.

        On a port that servers on several paths share, this is the port
        going down: every path's attempts are refused and every path's
        connections cut, as when the one server process behind them is
        gone.
        """
        self._listener.down(dropConnections)

    def up(self) -> None:
        """
        Listen again after :meth:`down` (on a shared port, for every path).
        """
        self._listener.up()

    def _nextScript(self) -> Script:
        if len(self._runs) + 1 >= len(self.scripts) and self.afterLast == "refuse":
            self._refusing = True
            self._router.refresh()
        return super()._nextScript()

    def _unused(self) -> list[tuple[tuple[object, ...], str]]:
        unused = super()._unused()
        if not self._router.unrouted:
            return unused
        where = (
            "; requests for paths no scripted server serves on this port were "
            f"answered 404: {', '.join(self._router.unrouted)}"
        )
        return [(key, text + where) for key, text in unused]


def _routerFor(reactor: FakeReactor, host: str, port: int) -> PathRouter:
    """
    The router of the scripted servers on ``host`` and ``port``, made (and
    listening) if there is none yet.
    """
    key = (reactor.addressOf(host), port)
    for peer in reactor._scriptedPeers:
        if isinstance(peer, ScriptedServer) and peer._router.key == key:
            return peer._router
    return PathRouter(reactor, host, port)


class _ClientProtocol(_PlaysScript, WebSocketClientProtocol):  # type: ignore[misc]
    """
    A real Autobahn client protocol playing its ScriptedClient's Script.
    """

    owner: ScriptedClient
    run: _Run

    def connectionMade(self) -> None:
        self.owner.connections.append(self.owner.connectionOf(self))
        self.run = self.owner._startRun(self.owner.script, self)
        super().connectionMade()

    def onConnect(self, response: ConnectionResponse) -> None:
        steps = self.run.positions
        first = steps[0].step if steps else None
        if isinstance(first, ExpectHandshake):
            self.run.handshake(
                lambda: first.checkResponse(response.headers, response.protocol),
                "response 101 "
                + (
                    f"(subprotocol: {response.protocol})"
                    if response.protocol
                    else "(no subprotocol)"
                ),
            )


class ScriptedClient(_ScriptedPeer[Connection]):
    """
    A websocket client that plays a Script against the server under test,
    made by :meth:`FakeReactor.connectWebSocket`::

        reactor.listenTCP(9000, myServerFactory)
        client = reactor.connectWebSocket(
            "ws://chat.example.com:9000/room",
            Script(sendJSON({"join": "lobby"}), expectJSON({"joined": "lobby"})),
        )
        reactor.flush()
        client.assertDone()

    :param subprotocols: the subprotocols the client offers.
    :param headers: extra headers for the opening handshake.
    """

    otherSide: Role = "server"

    def __init__(
        self,
        reactor: FakeReactor,
        url: str,
        script: Script,
        onMismatch: OnMismatch = "close",
        subprotocols: list[str] | None = None,
        headers: dict[str, str] | None = None,
        protocolOptions: dict[str, Any] | None = None,
    ) -> None:
        if not isinstance(script, Script):
            raise TypeError(f"connectWebSocket() needs a Script, got {script!r}")
        script.checkRole("client")
        super().__init__(reactor, url, onMismatch)
        self.script = script
        factory = _ClientFactory(
            self, url, reactor=reactor, protocols=subprotocols, headers=headers
        )
        factory.setProtocolOptions(**(protocolOptions or {}))  # type: ignore[no-untyped-call]
        self.connector = reactor._connect(
            factory.host, factory.port, factory, 30, tls=factory.isSecure
        )
        self._attempt = reactor.attempts[-1]
        reactor._scriptedPeers.append(self)

    def connectionOf(self, protocol: Any) -> Connection:
        """
        The in-memory connection ``protocol`` runs on.
        """
        return _connectionOf(protocol)

    def _unused(self) -> list[tuple[tuple[object, ...], str]]:
        if self._runs:
            return []
        outcome = _OUTCOMES.get(self._attempt.outcome, self._attempt.outcome)
        text = f"{self.url}: the script was never played: the connection attempt "
        return [(("unused", 0), text + outcome)]


#: How a connection attempt that never connected ended, for a report.
_OUTCOMES = {
    "pending": "is still pending (flush the reactor to complete it)",
    "refused": "was refused",
    "timed out": "timed out",
    "cancelled": "was cancelled",
}


class _ClientFactory(WebSocketClientFactory):
    protocol = _ClientProtocol

    def __init__(self, owner: ScriptedClient, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[no-untyped-call]
        self.owner = owner

    def buildProtocol(self, addr: IAddress | None) -> Protocol:
        protocol = cast(_ClientProtocol, super().buildProtocol(addr))
        protocol.owner = self.owner
        return protocol


def _connectionOf(protocol: Any) -> Connection:
    return cast(Connection, protocol.transport._connection)


def _describeStep(step: Any) -> str:
    for field in ("pattern", "expectation"):
        value = getattr(step, field, None)
        if value is not None:
            return _describeStep(value) if field == "expectation" else describe(value)
    return repr(step)


def _later(result: object) -> Deferred[Any] | None:
    """
    The Deferred a reply function's result stands for: itself, or its
    coroutine run with ``Deferred.fromCoroutine``; ``None`` for a value.
    """
    if isinstance(result, Deferred):
        return result
    if isinstance(result, Coroutine):
        return Deferred.fromCoroutine(result)
    return None


def _raised(error: BaseException) -> str:
    """
    Say what ``error`` was, with its traceback, for a report.
    """
    trace = "".join(traceback.format_exception(error)).rstrip()
    return f"{type(error).__name__}: {error}\n{indent(trace, '    ')}"


def _query(protocol: Any) -> dict[str, list[str]]:
    """
    The request's query parameters, blank values kept (Autobahn's
    ``request.params`` drops them, so ``?flag=`` could never match).
    """
    return parse_qs(urlsplit(protocol.http_request_uri).query, keep_blank_values=True)


def _describeRequest(request: ConnectionRequest) -> str:
    query = "&".join(f"{k}={v}" for k, values in request.params.items() for v in values)
    offered = ", ".join(request.protocols)
    return (
        f"request GET {request.path}"
        + (f"?{query}" if query else "")
        + (f" (subprotocols: {offered})" if offered else "")
    )


def _describeMessage(message: Message) -> str:
    if message.kind == "binary":
        return f"binary {message.data.hex()} ({len(message.data)} bytes)"
    try:
        return renderJSON(message.json())
    except ValueError:
        return f"text {renderJSON(message.text)}"


def _describeEnd(protocol: Any, wasClean: bool) -> str:
    code = protocol.remoteCloseCode
    if code is not None:
        reason = protocol.remoteCloseReason
        return f"the other side closed with {code}" + (
            f" {renderJSON(reason)}" if reason else ""
        )
    if wasClean:
        return "the connection was closed"
    # Autobahn's reason can quote the server's HTTP status line.
    return f"the connection was lost ({printable(str(protocol.wasNotCleanReason))})"


def _indexOfMessage(transcript: Any, sender: Role, sequence: int) -> int | None:
    """
    Find the ``sequence``-th message (1-based) ``sender`` sent.
    """
    seen = 0
    for index, event in enumerate(transcript):
        if isinstance(event, TextMessage | BinaryMessage) and event.sender == sender:
            seen += 1
            if seen == sequence:
                return index
    return None
