"""
A script run: one Script played on one connection, inputs in, actions out.

A `ScriptRun` is told what happened on its connection, one input at a
time: the opening handshake (`ScriptRun.request` on a server,
`ScriptRun.response` on a client), the connection opening, a message, a
pong, its timer firing, a reply function's later answer, the connection
ending.  Each input returns what to do, as a list of frozen actions
(`Send`, `SendPing`, `StartTimer`, `Fail`...), which the caller carries out
in order.  The run holds no protocol, transport or clock, so it is tested
on its own (``test_engine``), as wsproto and h11 test theirs;
`twisted_wsfakes.peers.adapters` turns Autobahn's callbacks into its inputs
and its actions into Autobahn calls.  It imports the engine's values
(`twisted_wsfakes.engine.events`), the step values (script), the
differences' `renderJSON` and Twisted's ``Deferred`` (only to recognise a reply
whose answer comes later), never the network or Autobahn.

How a run plays a script:

  - It walks `Script.walk`, which unrolls ``repeat`` into its rounds, one
    step at a time.  A step is consumed once what it says has been done.
  - Messages from the other side go into an inbox, oldest first, whatever
    step is current.  An expecting step (``expectText``, ``expectBinary``,
    ``expectJSON``, ``expectMessage``, ``reply``, ``inAnyOrder``) takes
    messages from the inbox, waiting when it is empty.  Steps that send do
    so at once and do not look at the inbox.  So a message that arrives
    during a ``wait`` or a ``ping`` waits for the next expecting step.
  - A message that an expectation rejects (its ``check`` returns
    differences) is a mismatch: the run records a `Mismatch` (the step's
    position, what came, the differences) and asks, with `Fail`, that the
    connection end as configured (close code 1011, or a drop).  It never
    raises into its caller.
  - The other side closing, or the connection being lost, before the
    script is done leaves the script unfinished (state `RunState.ENDED`),
    unless the step it stopped at is ``expectClose`` (or the wait for the
    answer to ``close``).  A message left in the inbox, or arriving, after
    the last step is a mismatch ("unexpected message after the last
    step").  A run whose script is done, without a closing step, keeps the
    connection open and lets the other side close it.
  - Pings from the other side are the protocol's to answer; pongs the
    script did not ask for are ignored.  Only ``wait`` takes time on the
    clock: everything else happens at the clock's current time.

What each step does is said where it is played: `ScriptRun._playStep`.
"""

from __future__ import annotations

import enum
import traceback
from collections import deque
from collections.abc import Callable, Coroutine, Mapping
from functools import partial
from textwrap import indent
from typing import assert_never, cast

import attrs
from twisted.internet.defer import Deferred

from ..differences import Difference, renderJSON
from ..printable import printable
from ..script import (
    AnyStep,
    CloseStep,
    CloseTCP,
    ExpectBinary,
    ExpectClose,
    ExpectHandshake,
    ExpectJSON,
    ExpectMessage,
    ExpectText,
    GoSilent,
    Groupable,
    InAnyOrder,
    Message,
    Ping,
    Reject,
    Repeat,
    Reply,
    Script,
    ScriptPosition,
    SendBinary,
    SendJSON,
    SendText,
    Wait,
)
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


class RunState(enum.Enum):
    """
    Where a `ScriptRun` is.
    """

    #: Before the opening handshake.
    OPENING = "opening"
    #: Playing steps; an expecting step waits for the inbox.
    PLAYING = "playing"
    #: A ``wait`` step waits for its timer.
    TIMING = "timing"
    #: A ``ping`` step waits for its pong.
    PINGING = "pinging"
    #: A ``reply`` waits for its function's later answer.
    ANSWERING = "answering"
    #: Our close frame is sent: data messages are ignored, and what is
    #: left is at most the ``expectClose`` of the answer.
    CLOSING = "closing"
    #: Every step played; the connection may still be open.
    DONE = "done"
    #: A step met something else; nothing more is played.
    MISMATCHED = "mismatched"
    #: The connection ended before the script did.
    ENDED = "ended"


#: The states in which the next step can be played.
_PLAYABLE = (RunState.PLAYING, RunState.CLOSING, RunState.DONE)


@attrs.frozen
class _AwaitedReply:
    """
    A reply whose function answers later, and what it answers.
    """

    position: ScriptPosition
    step: Reply
    message: Message
    sequence: int
    # False for a member of an inAnyOrder, whose group moves the cursor.
    advance: bool


class ScriptRun:
    """
    One Script played on one connection: inputs in, actions out::

        run = ScriptRun(Script(expectText("hi"), sendText("yo")))
        run.request(Request("/", {}, {}))   # [Accept(subprotocol=None)]
        run.opened()                        # []: waits for a message
        run.message(b"hi", isBinary=False)  # [Send(b"yo", isBinary=False)]
        run.state                           # RunState.DONE

    :param onMismatch: how `Fail` asks to end the connection: ``"close"``
        (code 1011) or ``"drop"``.
    :ivar state: where it is, a `RunState`.
    :ivar cursor: the index in ``positions`` of the step it is at.
    :ivar positions: the steps in the order played, repeats unrolled.
    :ivar mismatch: the `Mismatch`, once one happened.
    :ivar ending: how the connection ended, once it did.
    """

    def __init__(self, script: Script, onMismatch: OnMismatch = "close") -> None:
        self.script = script
        self.abortOnMismatch = onMismatch == "drop"
        self.positions = list(script.walk())
        self.state = RunState.OPENING
        self.cursor = 0
        self.mismatch: Mismatch | None = None
        self.ending: str | None = None
        # The other side's messages no step took yet, with their number.
        self._inbox: deque[tuple[int, Message]] = deque()
        self._received = 0
        # The expectations of the current inAnyOrder not met yet.
        self._unmet: list[Groupable] | None = None
        self._awaited: _AwaitedReply | None = None

    @property
    def finished(self) -> bool:
        """
        Whether every step was played.
        """
        return self.cursor >= len(self.positions)

    @property
    def current(self) -> ScriptPosition:
        """
        The step it is at.

        :raises IndexError: once finished.
        """
        return self.positions[self.cursor]

    # Inputs.

    def request(self, request: Request) -> list[Action]:
        """
        A client asked to open the connection (a server run).

        A leading ``expectHandshake`` checks the request: differences are a
        mismatch, and the handshake is refused with 400.  A ``reject`` then
        refuses it with its status, reason and headers, and the script is
        done.  Otherwise it is accepted with the ``expectHandshake``'s
        subprotocol, if any.
        """
        first = self._handshakeStep()
        actions = []
        if first is not None:
            actions += self._checkHandshake(
                first,
                lambda: first.checkRequest(
                    request.path, request.query, request.headers, request.protocols
                ),
                request.describe(),
            )
            if self.mismatch is not None:
                return [*actions, Deny(400, "script mismatch")]
        if not self.finished and isinstance(self.current.step, Reject):
            rejected = self.current.step
            self.cursor += 1
            self.state = RunState.DONE
            return [Deny(rejected.status, rejected.reason, rejected.headers or {})]
        self.state = RunState.PLAYING
        return [Accept(first.subprotocol if first is not None else None)]

    def response(
        self, headers: Mapping[str, str], protocol: str | None
    ) -> list[Action]:
        """
        The server accepted the opening handshake (a client run), with
        these headers and this subprotocol; a leading ``expectHandshake``
        checks them, and differences are a mismatch.
        """
        first = self._handshakeStep()
        self.state = RunState.PLAYING
        if first is None:
            return []
        chosen = f"(subprotocol: {protocol})" if protocol else "(no subprotocol)"
        return self._checkHandshake(
            first,
            lambda: first.checkResponse(headers, protocol),
            f"response 101 {chosen}",
        )

    def opened(self) -> list[Action]:
        """
        The connection is open: play until a step has to wait.
        """
        return self._play()

    def message(self, payload: bytes, isBinary: bool) -> list[Action]:
        """
        The other side sent a data message: into the inbox, then play.
        """
        self._received += 1
        if self.state in (RunState.MISMATCHED, RunState.CLOSING):
            # After our close frame, data is ignored, as the close step says.
            return []
        try:
            message = Message.fromFrame(payload, isBinary)
        except ValueError as e:
            # Only reachable with Autobahn's own UTF-8 validation turned off.
            where = None if self.finished else self.current
            return self._fail(where, f"text {payload!r}", problem=printable(str(e)))
        self._inbox.append((self._received, message))
        return self._play()

    def pong(self, payload: bytes) -> list[Action]:
        """
        The other side sent a pong: the one a ``ping`` step waits for, if its
        payload is the same; any other is ignored.
        """
        step = self.current.step if self.state is RunState.PINGING else None
        if not isinstance(step, Ping) or payload != step.payload:
            return []
        return self._next()

    def timerFired(self) -> list[Action]:
        """
        The timer of `StartTimer` fired: the ``wait`` step is done.
        """
        if self.state is not RunState.TIMING:
            return []
        return self._next()

    def answered(self, result: object) -> list[Action]:
        """
        A reply function's later answer came: send it, then go on.

        If the connection ended meanwhile, the step stays unconsumed and the
        unfinished script is reported as such.
        """
        awaited = self._awaited
        if self.state is not RunState.ANSWERING or awaited is None:
            return []
        self._awaited = None
        self.state = RunState.PLAYING
        actions = self._answer(awaited, result)
        if self.state is RunState.MISMATCHED:
            return actions
        if awaited.advance:
            self.cursor += 1
        return actions + self._play()

    def answerFailed(self, error: BaseException) -> list[Action]:
        """
        A reply function's later answer failed: a mismatch at its step.
        """
        awaited = self._awaited
        if self.state is not RunState.ANSWERING or awaited is None:
            return []
        self._awaited = None
        self.state = RunState.PLAYING
        why = f"returned a Deferred that failed with {describeError(error)}"
        return self._replyFailed(awaited, why)

    def closed(self, ending: Ending) -> list[Action]:
        """
        The connection ended: an ``expectClose`` (or the answer our
        ``close`` waits for) checks how.
        """
        actions: list[Action] = [CancelTimer()] if self.state is RunState.TIMING else []
        self.ending = ending.description
        if self.state is RunState.MISMATCHED:
            return actions
        self.state = RunState.ENDED
        if ending.protocolError is not None:
            where = None if self.finished else self.current
            return actions + self._fail(where, None, problem=ending.protocolError)
        if self.finished:
            self.state = RunState.DONE
            last = self.positions[-1] if self.positions else None
            if (
                last is not None
                and isinstance(last.step, CloseStep)
                and not ending.wasClean
            ):
                problem = f"no close frame answered ours: {ending.description}"
                actions += self._fail(last, None, problem=problem)
            return actions
        if isinstance(self.current.step, ExpectClose):
            actions += self._expectClose(self.current, self.current.step, ending)
        return actions

    # Playing.

    def _play(self) -> list[Action]:
        """
        Play steps until one has to wait for the other side or the clock.
        """
        actions: list[Action] = []
        positions = self.positions
        # finished and current, read inline: this loop runs for every
        # message and every step.
        while self.state in _PLAYABLE and self.cursor < len(positions):
            if not self._playStep(positions[self.cursor], actions):
                break
        if self.state in _PLAYABLE and self.finished:
            if self.state is RunState.PLAYING:
                self.state = RunState.DONE
            if self._inbox:
                sequence, message = self._inbox.popleft()
                actions += self._fail(
                    None,
                    describeMessage(message),
                    problem="unexpected message after the last step",
                    sequence=sequence,
                )
        return actions

    def _playStep(self, position: ScriptPosition, actions: list[Action]) -> bool:
        """
        Play one step, adding what to do to ``actions``; say whether the
        next one can be played at once.
        """
        # Every step is one of the closed union AnyStep: mypy checks that
        # each kind has its case.
        step = cast(AnyStep, position.step)
        match step:
            case SendText() | SendBinary() | SendJSON():
                # Sent at once; then the next step.
                actions.append(Send(step.payload, step.isBinary))
            case ExpectText() | ExpectBinary() | ExpectJSON() | ExpectMessage():
                # The next message from the inbox, waiting for one; its
                # differences are a mismatch.
                return self._expect(position, step, actions)
            case Reply():
                # As an expectation; then the function's answer is sent.
                return self._expect(position, step, actions)
            case InAnyOrder() as group:
                return self._playGroup(position, group, actions)
            case ExpectClose():
                # Waits for the connection to end (see closed); a message
                # in the inbox first is a mismatch.  The protocol answers
                # the close frame itself; nothing follows this step.
                if self._inbox:
                    sequence, message = self._inbox.popleft()
                    actions += self._fail(
                        position,
                        describeMessage(message),
                        problem=f"a message came before the close frame {step!r} "
                        "waits for",
                        sequence=sequence,
                    )
                return False
            case Wait(seconds=seconds) if seconds > 0:
                # Messages arriving meanwhile go into the inbox.
                self.state = RunState.TIMING
                actions.append(StartTimer(seconds))
                return False
            case Wait():
                pass  # wait(0) goes on at once
            case Ping(payload=payload):
                # Waits for a pong with an equal payload (see pong); one that
                # never comes leaves the step unconsumed.
                self.state = RunState.PINGING
                actions.append(SendPing(payload))
                return False
            case CloseStep(code=code, reason=reason):
                # Then wait for the other side's close frame: an
                # expectClose after it checks it, else any will do; losing
                # the connection instead is a mismatch.  A drop after it
                # drops at once.
                actions.append(SendClose(code, reason))
                self.state = RunState.CLOSING
            case CloseTCP():
                # What was sent still arrives, then the TCP connection ends
                # with no closing handshake (the other side sees 1006); the
                # script is done.  Connection.drop() is what loses bytes in
                # flight too.
                self.cursor += 1
                actions.append(HangUp())
                return False
            case GoSilent():
                # Nothing more is read: no message, ping or close frame is
                # answered, and the connection stays open until the other
                # side drops it.  The script is done.
                self.cursor += 1
                actions.append(StopReading())
                return False
            case ExpectHandshake() | Reject() | Repeat():
                # The handshake input plays the first two; walk unrolls the
                # third into its rounds.
                raise AssertionError(f"{step!r} cannot be played as a step")
            case _:
                assert_never(step)
        self.cursor += 1
        return True

    def _next(self) -> list[Action]:
        """
        The step that waited is done: go on to the next.
        """
        self.state = RunState.PLAYING
        self.cursor += 1
        return self._play()

    def _expect(
        self,
        position: ScriptPosition,
        step: Groupable,
        actions: list[Action],
    ) -> bool:
        if not self._inbox:
            return False
        sequence, message = self._inbox.popleft()
        differences = self._checked(
            position, lambda: step.check(message), message, sequence, actions
        )
        if differences is None:
            return False
        if differences:
            actions += self._fail(
                position,
                describeMessage(message),
                differences=differences,
                sequence=sequence,
            )
            return False
        if isinstance(step, Reply):
            awaited = _AwaitedReply(position, step, message, sequence, advance=True)
            if not self._reply(awaited, actions):
                return False
        self.cursor += 1
        return True

    def _playGroup(
        self, position: ScriptPosition, group: InAnyOrder, actions: list[Action]
    ) -> bool:
        """
        Take exactly as many messages as the group has expectations: each
        goes to the first expectation, in the order written, that is still
        unmet and accepts it (a reply answers it at once).  A message none
        accepts is a mismatch, reported with the differences against each.
        The choice is greedy: specific expectations go before general ones.
        """
        if self._unmet is None:
            self._unmet = list(group.expectations)
        while self._unmet and self._inbox:
            sequence, message = self._inbox.popleft()
            if not self._meetOne(position, group, message, sequence, actions):
                return False
        if self._unmet:
            return False
        self._unmet = None
        self.cursor += 1
        return True

    def _meetOne(
        self,
        position: ScriptPosition,
        group: InAnyOrder,
        message: Message,
        sequence: int,
        actions: list[Action],
    ) -> bool:
        assert self._unmet is not None
        tried = []
        for step in self._unmet:
            differences = self._checked(
                position, partial(step.check, message), message, sequence, actions
            )
            if differences is None:
                return False
            if differences:
                tried.append((step, differences))
                continue
            self._unmet.remove(step)
            if not isinstance(step, Reply):
                return True
            member = attrs.evolve(
                position, step=step, member=group.expectations.index(step)
            )
            awaited = _AwaitedReply(member, step, message, sequence, advance=False)
            return self._reply(awaited, actions)
        problem = "no expectation still waiting in the group accepts it:\n" + "\n".join(
            f"    {step!r}: " + "; ".join(map(str, differences))
            for step, differences in tried
        )
        actions += self._fail(
            position, describeMessage(message), problem=problem, sequence=sequence
        )
        return False

    def _reply(self, awaited: _AwaitedReply, actions: list[Action]) -> bool:
        """
        Answer the message with what the reply's function returns; say
        whether the script can go on at once.

        A Deferred or coroutine from the function holds the script until it
        settles (`AwaitAnswer`); messages arriving meanwhile wait in the
        inbox.  An exception from the function (a ``NotJSONError``
        included), a failure of its Deferred, or an exception from
        ``sendStepFor`` is the step's failure, with its traceback.
        """
        try:
            result = awaited.step.fn(awaited.message)
        except Exception as e:  # noqa: BLE001 - any error in it is the test's to see
            actions += self._replyFailed(awaited, f"raised {describeError(e)}")
            return False
        if isinstance(result, Deferred | Coroutine):
            self.state = RunState.ANSWERING
            self._awaited = awaited
            actions.append(AwaitAnswer(result))
            return False
        actions += self._answer(awaited, result)
        return self.state is not RunState.MISMATCHED

    def _answer(self, awaited: _AwaitedReply, result: object) -> list[Action]:
        try:
            answer = awaited.step.sendStepFor(result)
        except Exception as e:  # noqa: BLE001 - any error in it is the test's to see
            return self._replyFailed(awaited, f"raised {describeError(e)}")
        return [] if answer is None else [Send(answer.payload, answer.isBinary)]

    def _replyFailed(self, awaited: _AwaitedReply, what: str) -> list[Action]:
        return self._fail(
            awaited.position,
            describeMessage(awaited.message),
            problem=f"the reply function {what}",
            sequence=awaited.sequence,
        )

    # Checking.

    def _handshakeStep(self) -> ExpectHandshake | None:
        if self.state is not RunState.OPENING:
            raise AssertionError(f"the opening handshake came when {self.state}")
        first = self.positions[0].step if self.positions else None
        return first if isinstance(first, ExpectHandshake) else None

    def _checkHandshake(
        self,
        step: ExpectHandshake,
        check: Callable[[], list[Difference]],
        got: str,
    ) -> list[Action]:
        actions: list[Action] = []
        differences = self._checked(self.positions[0], check, got, None, actions)
        if differences:
            return self._fail(self.positions[0], got, differences=differences)
        if differences is not None:
            self.cursor += 1
        return actions

    def _expectClose(
        self, position: ScriptPosition, step: ExpectClose, ending: Ending
    ) -> list[Action]:
        if ending.code is None and not ending.wasClean:
            return self._fail(position, None, problem=f"got {ending.description}")
        got = f"close {ending.code}" + (
            f" {renderJSON(ending.reason)}" if ending.reason else ""
        )
        actions: list[Action] = []
        differences = self._checked(
            position, lambda: step.check(ending.code, ending.reason), got, None, actions
        )
        if differences:
            return self._fail(position, got, differences=differences)
        if differences is not None:
            self.cursor += 1
            self.state = RunState.DONE
        return actions

    def _checked(
        self,
        position: ScriptPosition,
        check: Callable[[], list[Difference]],
        got: str | Message,
        sequence: int | None,
        actions: list[Action],
    ) -> list[Difference] | None:
        """
        Run a step's check; a matcher of the test's own that raises is a
        mismatch too, reported with its traceback, and gives ``None``.

        :param got: what came, for the report: a description, or the
            message (described only if the report needs it).
        """
        try:
            return check()
        except Exception as e:  # noqa: BLE001 - any error in it is the test's to see
            actions += self._fail(
                position,
                got if isinstance(got, str) else describeMessage(got),
                problem=f"checking it raised {describeError(e)}",
                sequence=sequence,
            )
            return None

    def _fail(
        self,
        position: ScriptPosition | None,
        got: str | None,
        *,
        differences: list[Difference] | tuple[Difference, ...] = (),
        problem: str | None = None,
        sequence: int | None = None,
    ) -> list[Action]:
        self.state = RunState.MISMATCHED
        self.mismatch = Mismatch(position, got, tuple(differences), problem, sequence)
        return [Fail(self.mismatch, self.abortOnMismatch)]


def describeMessage(message: Message) -> str:
    """
    Say what a message is, on one line, for a report.
    """
    if message.kind == "binary":
        return f"binary {message.data.hex()} ({len(message.data)} bytes)"
    try:
        return renderJSON(message.json())
    except ValueError:
        return f"text {renderJSON(message.text)}"


def describeError(error: BaseException) -> str:
    """
    Say what ``error`` was, with its traceback, for a report.
    """
    trace = "".join(traceback.format_exception(error)).rstrip()
    return f"{type(error).__name__}: {error}\n{indent(trace, '    ')}"
