"""
What a scripted peer reports about each connection it played a Script on.

A `PlayedConnection` is one connection's `ScriptRun` and the connection it
runs on; it renders the run's `Mismatch` into a :class:`ScriptMismatch`
report (at once, with the transcript as it is then) and says which steps a
script left unplayed.  It imports the engine, transcripts, matchers and
errors; nothing that talks to Autobahn or the network.
"""

from __future__ import annotations

from typing import Any
from typing import Protocol as Typed

from ..engine import Mismatch, ScriptRun
from ..errors import ScriptMismatch
from ..matchers import describe
from ..printable import printable
from ..script import ScriptPosition
from ..transcript import BinaryMessage, Side, TextMessage, Transcript


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


class PlayedConnection:
    """
    One connection of a scripted peer: its run, and its reports.

    :ivar url: the peer's URL, which reports name.
    :ivar number: the connection's number (1-based), as reports name it.
    :ivar run: the run playing its Script.
    :ivar connection: the connection it runs on.
    :ivar otherSide: the side whose messages the script expects.
    :ivar mismatch: the report of the run's mismatch, once there is one.
    """

    def __init__(
        self,
        url: str,
        number: int,
        run: ScriptRun,
        connection: Transcribed,
        otherSide: Side,
    ) -> None:
        self.url = url
        self.number = number
        self.run = run
        self.connection = connection
        self.otherSide = otherSide
        self.mismatch: ScriptMismatch | None = None

    def recordMismatch(self, mismatch: Mismatch) -> None:
        """
        Render the run's mismatch, with the transcript so far.
        """
        self.mismatch = ScriptMismatch(self._render(mismatch))

    def problem(self) -> str | None:
        """
        The report: its mismatch, or the steps it left unplayed; ``None``
        when its script played to the end.
        """
        return str(self.mismatch) if self.mismatch else self.unfinished()

    def unfinished(self) -> str | None:
        """
        Describe the steps never played, if any.
        """
        run = self.run
        if run.mismatch is not None or run.finished:
            return None
        waiting = []
        seen = set()
        for position in run.positions[run.cursor :]:
            if position.index not in seen:
                seen.add(position.index)
                # The whole step: a repeat shows every step of its block.
                step = run.script[position.index]
                waiting.append(
                    f"    {run.script.describeStep(position.index)}: {step!r}"
                )
        state = run.ending or "the connection is still open"
        return "\n".join(
            [
                (
                    f"{self.url}, connection {self.number}: the script "
                    f"stopped at {run.current.description}; {state}. "
                    "Steps still waiting:"
                ),
                *waiting,
                "transcript:",
                self.connection.transcript.render(),
            ]
        )

    def _render(self, mismatch: Mismatch) -> str:
        position = mismatch.position
        where = (
            position.description if position else f"after step {len(self.run.script)}"
        )
        lines = [f"{self.url}, connection {self.number}, {where}:"]
        if position is not None and mismatch.problem is None:
            lines.append(f"  expected {_describeStep(position.step)}")
        if mismatch.got is not None:
            # What came is one line, whatever the peer put in it.
            lines.append(f"  got      {printable(mismatch.got)}")
        lines += [f"  differs at {difference}" for difference in mismatch.differences]
        if mismatch.problem is not None:
            lines.append(f"  {mismatch.problem}")
        lines.append("transcript so far:")
        lines.append(self._renderTranscript(mismatch.sequence, position))
        return "\n".join(lines)

    def _renderTranscript(
        self, sequence: int | None, position: ScriptPosition | None
    ) -> str:
        transcript = self.connection.transcript
        marks = {}
        if sequence is not None:
            index = _indexOfMessage(transcript, self.otherSide, sequence)
            if index is not None:
                step = (
                    f"step {position.index + 1}" if position else "after the last step"
                )
                marks[index] = f"✗ {step}"
        return transcript.render(marks=marks)


def _describeStep(step: Any) -> str:
    for field in ("pattern", "expectation"):
        value = getattr(step, field, None)
        if value is not None:
            return _describeStep(value) if field == "expectation" else describe(value)
    return repr(step)


def _indexOfMessage(transcript: Transcript, sender: Side, sequence: int) -> int | None:
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
