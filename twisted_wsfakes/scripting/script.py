"""
The `Script` container: an immutable, checked sequence of steps, how a
runner walks it (`Script.walk`, repeats unrolled) and how reports name a
step (`Script.describeStep`).

How a run plays a script is said in `twisted_wsfakes.engine`, next to
the code that does it.

Numbering: a `repeat` or an `inAnyOrder` is one step of its script, so
"step 3 of 5" always means the third argument of ``Script(...)``;
`Script.describeStep` adds the round and the step inside.

It may import `twisted_wsfakes.differences`, `twisted_wsfakes.errors`,
`twisted_wsfakes.transcript`, `.blocks`, `.expects`, `.render`, `.replay`
and `.steps`.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from typing import overload

import attrs

from ..differences import renderJSON
from ..errors import ScriptError
from ..transcript import Side, Transcript
from .blocks import InAnyOrder, Repeat
from .expects import ExpectClose, ExpectHandshake
from .render import call, callableName, typeName
from .replay import replaySteps
from .steps import CloseStep, CloseTCP, GoSilent, Reject, Step

_ENDS: tuple[type[Step], ...] = (CloseTCP, GoSilent, Reject, ExpectClose)


@attrs.frozen
class ScriptPosition:
    """
    One step as a runner meets it, from `Script.walk`.

    :ivar index: its 0-based index in the script.
    :ivar round: the 0-based round, inside a `repeat`; else ``None``.
    :ivar inner: its 0-based index in the repeated block; else ``None``.
    :ivar step: the step to play: never a `Repeat`.
    :ivar script: the script it belongs to.
    :ivar member: the 0-based index of one expectation of an `inAnyOrder`
        step, when the position is that expectation's; else ``None``.
    """

    index: int
    round: int | None
    inner: int | None
    step: Step
    script: Script = attrs.field(repr=False, eq=False)
    member: int | None = None

    @property
    def description(self) -> str:
        """
        How reports name it, from `Script.describeStep`; made only when
        asked, since most positions are played and never reported.
        """
        return self.script.describeStep(
            self.index, round=self.round, inner=self.inner, member=self.member
        )


@attrs.frozen(init=False, repr=False)
class Script(Sequence[Step]):
    """
    What a fake websocket peer does and expects, in order.

    ::

        script = Script(
            expectJSON({"op": "hello"}),
            sendJSON({"op": "welcome"}),
            close(),
        )
        len(script)             # 3
        script[1]               # sendJSON({"op": "welcome"})
        script.describeStep(1)  # 'step 2 of 3 (sendJSON)'

    Built once, never changed; slicing gives a `Script` too.  The order is
    checked: `expectHandshake` only first, `reject` first or right after
    it, nothing after `closeTCP`, `goSilent`, `reject` or `expectClose`,
    and after `close` only `expectClose` or `closeTCP`.

    :ivar steps: the steps, as given.
    :raises ScriptError: if an argument is not a step or the order cannot
        happen.
    """

    steps: tuple[Step, ...]

    def __init__(self, *steps: Step) -> None:
        for index, step in enumerate(steps):
            if not isinstance(step, Step):
                raise ScriptError(
                    f"Script(): step {index + 1} of {len(steps)} is "
                    f"{_describeValue(step)}, not a step{_notAStepHint(step)}"
                )
        _checkOrder(steps)
        self.__attrs_init__(tuple(steps))

    def __len__(self) -> int:
        return len(self.steps)

    def __iter__(self) -> Iterator[Step]:
        return iter(self.steps)

    @overload
    def __getitem__(self, index: int) -> Step: ...

    @overload
    def __getitem__(self, index: slice) -> Script: ...

    def __getitem__(self, index: int | slice) -> Step | Script:
        if isinstance(index, slice):
            return Script(*self.steps[index])
        return self.steps[index]

    def __repr__(self) -> str:
        return call("Script", *map(repr, self.steps))

    def describeStep(
        self,
        index: int,
        *,
        round: int | None = None,
        inner: int | None = None,
        member: int | None = None,
    ) -> str:
        """
        Name a step for a report, counting from 1 for humans::

            script.describeStep(1)                    # 'step 2 of 6 (expectJSON)'
            script.describeStep(2, round=1, inner=0)  # 'step 3 of 6 (repeat,
                                                      #  round 2 of 3, step 1 of 2:
                                                      #  expectJSON)'
            script.describeStep(3, member=1)          # 'step 4 of 6 (inAnyOrder,
                                                      #  expectation 2 of 3: reply)'

        :param index: the 0-based index in the script; negative counts from
            the end.
        :param round: the 0-based round of a `repeat`.
        :param inner: the 0-based index in a `repeat`'s block.
        :param member: the 0-based index in an `inAnyOrder` (the step itself,
            or the one at ``inner`` in a repeat).
        :raises IndexError: if an index is out of range.
        :raises ValueError: if ``round``/``inner``/``member`` are given for a
            step without rounds or members.
        """
        total = len(self.steps)
        if not -total <= index < total:
            raise IndexError(f"the script has {total} steps; there is no index {index}")
        index %= total
        detail = _detail(self.steps[index], round, inner, member)
        return f"step {index + 1} of {total} ({detail})"

    @classmethod
    def fromTranscript(
        cls,
        transcript: Transcript,
        *,
        role: Side = "server",
        ignoreFields: Iterable[str] = (),
    ) -> Script:
        """
        A Script that plays one side of a recorded conversation again::

            recorded = Transcript.load("feed.jsonl")
            server = reactor.serveWebSocket(
                "wss://feed.example.com/v1",
                Script.fromTranscript(recorded, ignoreFields={"id"}),
            )

        What the played side sent becomes ``sendText``/``sendBinary`` steps
        with the recorded bytes, after a ``wait`` for the time that passed
        since the step before; what the other side sent becomes
        ``expectText``, ``expectJSON`` (for text that is JSON) or
        ``expectBinary``.  Closing frames become ``close``/``expectClose``,
        an end of TCP by the played side ``closeTCP``.  Pings and pongs are
        left out: Autobahn's auto-ping payloads hold random bytes that no
        replay would reproduce.

        :param transcript: the recorded conversation.
        :param role: ``"server"`` for a fake server (the usual case: record a
            real server once, then test the client against its replay), or
            ``"client"``.
        :param ignoreFields: JSON object keys whose values may differ when
            replayed (request ids, timestamps, tokens): at any depth, they
            match ``ANY``.  Fields the recorder redacted (listed in the
            transcript's metadata under
            `twisted_wsfakes.replay.REDACTED_JSON`) match ``ANY`` too.
        :raises ScriptError: if the transcript cannot be played as a script.
        """
        return cls(*replaySteps(transcript, role=role, ignoreFields=ignoreFields))

    def walk(self) -> Iterator[ScriptPosition]:
        """
        Every step in the order a runner plays it, repeats unrolled.

        ::

            for position in script.walk():
                play(position.step)  # reports name it position.description

        A `repeat` yields its block once per round; an `inAnyOrder` is
        yielded whole.
        """
        for index, step in enumerate(self.steps):
            if not isinstance(step, Repeat):
                yield ScriptPosition(index, None, None, step, self)
                continue
            for round in range(step.times):
                for inner, body in enumerate(step.steps):
                    yield ScriptPosition(index, round, inner, body, self)

    def checkRole(self, role: Side) -> None:
        """
        Make sure this script suits a server peer or a client peer.

        A client peer cannot `reject` a handshake, and the server's response
        that its `expectHandshake` checks has no path or query.

        :param role: ``"server"`` or ``"client"``.
        :raises ScriptError: naming the step that does not suit ``role``.
        """
        if role not in ("server", "client"):
            raise ScriptError(f'a script runs as "server" or "client", not {role!r}')
        if role == "server":
            return
        for index, step in enumerate(self.steps):
            where = self.describeStep(index)
            if isinstance(step, Reject):
                raise ScriptError(
                    f"{where}: {step!r} refuses a client's handshake; only a "
                    f"server peer can, and this script runs as a client"
                )
            if isinstance(step, ExpectHandshake):
                for field in ("path", "query"):
                    if getattr(step, field) is not None:
                        raise ScriptError(
                            f"{where}: a client peer checks the server's "
                            f"response, which has no {field}; drop {field}= "
                            f"from {step!r}"
                        )


def _describeValue(value: object) -> str:
    if callable(value) and not isinstance(value, type):
        return f"the function {callableName(value)}"
    return f"{typeName(value)} {value!r}"


def _notAStepHint(value: object) -> str:
    if isinstance(value, str):
        return f"; to send it write sendText({renderJSON(value)})"
    if isinstance(value, Script):
        return "; splice scripts with Script(*first, *second)"
    if isinstance(value, list | tuple):
        return "; pass steps as separate arguments: Script(*steps)"
    if callable(value):
        return f"; did you mean {callableName(value)}()?"
    return ""


def _stepLabel(index: int, total: int, step: Step) -> str:
    return f"step {index + 1} of {total} ({step.name})"


def _checkOrder(steps: Sequence[Step]) -> None:
    """
    Raise `ScriptError` for the first step that cannot come where it is.
    """
    total = len(steps)
    closing: int | None = None
    ended: int | None = None
    for index, step in enumerate(steps):
        label = _stepLabel(index, total, step)
        if isinstance(step, ExpectHandshake) and index != 0:
            raise ScriptError(
                f"{label}: the handshake happens before anything else, so "
                f"expectHandshake() can only be the first step"
            )
        if (
            isinstance(step, Reject)
            and index != 0
            and not (index == 1 and isinstance(steps[0], ExpectHandshake))
        ):
            raise ScriptError(
                f"{label}: reject() refuses the handshake, so it must be the "
                f"first step, or come right after expectHandshake()"
            )
        if ended is not None:
            raise ScriptError(
                f"{label}: nothing can follow step {ended + 1}, "
                f"{steps[ended]!r}, {_why(steps[ended])}"
            )
        if closing is not None:
            if not isinstance(step, ExpectClose | CloseTCP):
                raise ScriptError(
                    f"{label}: after step {closing + 1}, {steps[closing]!r}, the "
                    f"peer only waits for the other side's close frame; only "
                    f"expectClose() or closeTCP() can follow it"
                )
            ended = index
        if isinstance(step, _ENDS):
            ended = index
        elif isinstance(step, CloseStep):
            closing = index


def _why(last: Step) -> str:
    if isinstance(last, GoSilent):
        return "after which the peer does nothing"
    return "which ends the connection"


def _detail(
    step: Step, round: int | None, inner: int | None, member: int | None
) -> str:
    """
    The part of a step's description in parentheses.
    """
    if isinstance(step, Repeat):
        text = step.name
        if round is not None:
            _checkRange("round", round, step.times)
            text += f", round {round + 1} of {step.times}"
        if inner is None:
            if member is not None:
                raise ValueError("member= inside a repeat needs inner= as well")
            return text
        _checkRange("inner", inner, len(step.steps))
        if len(step.steps) > 1:
            text += f", step {inner + 1} of {len(step.steps)}"
        return f"{text}: {_detail(step.steps[inner], None, None, member)}"
    if round is not None or inner is not None:
        raise ValueError(f"{step.name} is not a repeat; it has no round or inner step")
    if isinstance(step, InAnyOrder):
        if member is None:
            return step.name
        _checkRange("member", member, len(step.expectations))
        chosen = step.expectations[member]
        count = len(step.expectations)
        return f"{step.name}, expectation {member + 1} of {count}: {chosen.name}"
    if member is not None:
        raise ValueError(f"{step.name} is not inAnyOrder; it has no members")
    return step.name


def _checkRange(what: str, value: int, count: int) -> None:
    if not 0 <= value < count:
        raise IndexError(f"{what}={value} is out of range: there are {count}")
