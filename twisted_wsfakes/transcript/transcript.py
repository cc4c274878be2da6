"""
Transcripts, what was said on a websocket connection as readable events:
`Transcript`, an immutable time-ordered sequence of events that renders as
one line per event and saves to and loads from a file.  It imports
``events`` and ``files`` from the layer.

Every in-memory connection keeps its `Transcript`: an immutable sequence of
events, one per HTTP handshake message, per websocket message or control
frame, and per connection end, each with the clock's time::

    transcript = connection.transcript
    print(transcript.render())
    #   0.000  client → server  request GET /v1 (subprotocols: feed.v1)
    #   0.000  server → client  response 101 Switching Protocols
    #   0.000  client → server  text {"op":"subscribe","channel":"ETH-USD"}
    #   5.000  server → client  close 1000 "bye"
    #   5.000  connection closed by server
    transcript.save("feed.jsonl")
    assert Transcript.load("feed.jsonl") == transcript

The events themselves are ``events``'; how the bytes on the wire become
events is ``wire``'s business; how transcripts are written to and read
from files is ``files``'.
"""

from __future__ import annotations

import math
import os
from collections.abc import Iterable, Iterator, Mapping
from typing import overload

import attrs

from . import files
from .events import (
    BinaryMessage,
    Event,
    IncompleteLine,
    Side,
    TextMessage,
    renderEvent,
    toMetadata,
)


def _toEvents(events: Iterable[Event]) -> tuple[Event, ...]:
    result = tuple(events)
    previous = -math.inf
    for index, event in enumerate(result):
        if not isinstance(event, Event):
            raise TypeError(f"event {index} is not a transcript Event: {event!r}")
        if event.time < previous:
            raise ValueError(
                f"event {index} at time {event.time!r} comes before the previous "
                f"event's time {previous!r}; events must be in time order"
            )
        previous = event.time
    return result


@attrs.frozen
class Transcript:
    """
    An immutable, time-ordered sequence of websocket events.

    Build one from events, from a wire log (`transcriptFromWire`), or from a
    file (`Transcript.load`)::

        transcript = Transcript([
            TextMessage(0.0, "client", '{"op": "subscribe"}'),
            TextMessage(0.5, "server", '{"ok": true}'),
            ConnectionEnd(1.0, None, "dropped"),
        ])
        transcript.messages("server")  # -> ('{"ok": true}',)

    :ivar events: the events, in time order.
    :ivar metadata: free-form strings saved in the file's header line, such
        as ``{"url": "wss://example.com/v1"}``.
    :ivar incomplete: for a transcript loaded from a file whose last line
        was cut off, that line (see `Transcript.load`); otherwise ``None``.
        It takes no part in equality.
    :raises ValueError: if the events are not in time order.
    """

    events: tuple[Event, ...] = attrs.field(converter=_toEvents)
    metadata: Mapping[str, str] = attrs.field(
        factory=dict,
        converter=toMetadata,
        hash=False,
        kw_only=True,
        repr=lambda metadata: repr(dict(metadata)),
    )
    incomplete: IncompleteLine | None = attrs.field(
        default=None, kw_only=True, eq=False
    )

    def __len__(self) -> int:
        return len(self.events)

    def __iter__(self) -> Iterator[Event]:
        return iter(self.events)

    @overload
    def __getitem__(self, index: int) -> Event: ...

    @overload
    def __getitem__(self, index: slice) -> Transcript: ...

    def __getitem__(self, index: int | slice) -> Event | Transcript:
        """
        Return one event, or for a slice a `Transcript` of those events.
        """
        if isinstance(index, slice):
            return Transcript(self.events[index], metadata=self.metadata)
        return self.events[index]

    def __str__(self) -> str:
        return self.render()

    def messages(self, sender: Side | None = None) -> tuple[str | bytes, ...]:
        """
        Return the payloads of the text and binary messages, in order.

        :param sender: only those sent by ``"client"`` or ``"server"``;
            ``None`` for both.
        """
        return tuple(
            event.data
            for event in self.events
            if isinstance(event, (TextMessage, BinaryMessage))
            and (sender is None or event.sender == sender)
        )

    def render(self, width: int = 100, marks: Mapping[int, str] | None = None) -> str:
        """
        Draw the transcript as a sequence diagram, one line per event.

        Payloads too long for ``width`` characters are cut, with their full
        length after them; text is shown as is, binary as hex, ping, pong
        and raw data as bytes literals.  Whatever came from the wire (text,
        close reasons, request paths, reason phrases, subprotocols) shows
        with control characters, newlines and other unprintable characters
        escaped, so each event is one line and a peer cannot drive the
        terminal::

              0.000  client → server  request GET /v1 (subprotocols: feed.v1)
              0.000  server → client  response 101 Switching Protocols
              1.000  client → server  text {"op":"subscribe","chann… (1,234 chars)
              2.000  server → client  binary 0a0b0c0d… (300 bytes)    ✗ step 2
              5.000  connection dropped

        :param width: the line width that payloads are cut to fit.
        :param marks: text to add at the end of some lines, by event index,
            e.g. ``{3: "✗ step 2"}``.
        :returns: the lines joined by newlines (no final newline), or
            ``"(no events)"`` for an empty transcript.
        :raises ValueError: if a mark's index is not an event's index.
        """
        marks = marks or {}
        for index in marks:
            if not 0 <= index < len(self.events):
                raise ValueError(
                    f"mark index {index!r} is not the index of an event (the "
                    f"transcript has {len(self.events)})"
                )
        if not self.events:
            return "(no events)"
        lines = []
        for index, event in enumerate(self.events):
            line = renderEvent(event, width)
            if index in marks:
                line += "    " + marks[index]
            lines.append(line)
        return "\n".join(lines)

    def save(self, path: str | os.PathLike[str]) -> None:
        """
        Write the transcript to ``path`` as JSON Lines (see `TranscriptWriter`),
        replacing the file if there is one.

        The events go to a new file beside ``path`` that is renamed over it
        once complete, so a failure part-way (a full disk, an interrupt)
        leaves the old file as it was, and saving over the file the
        transcript was loaded from is safe.

        :raises OSError: if the file cannot be written; ``path`` is then
            untouched.
        """
        files.save(os.fspath(path), self.events, self.metadata)

    @classmethod
    def load(cls, path: str | os.PathLike[str]) -> Transcript:
        """
        Read a transcript written by `save` or `TranscriptWriter`.

        A file whose last line was cut off (a recorder killed while writing
        it, a character cut in half) still loads: every line before the cut
        becomes an event, the cut line is kept as bytes in the transcript's
        ``incomplete`` attribute (an `~twisted_wsfakes.transcript.IncompleteLine`),
        and an
        `IncompleteTranscriptWarning` says so once.  Any other damage is a
        `TranscriptError`::

            transcript = Transcript.load("killed.jsonl")
            if transcript.incomplete is not None:
                print("line", transcript.incomplete.line, "was cut off")

        :raises TranscriptError: naming the line and field, if the file is not
            a valid transcript.
        :raises OSError: if the file cannot be read.
        """
        contents = files.load(os.fspath(path))
        return cls(
            contents.events,
            metadata=contents.metadata,
            incomplete=contents.incomplete,
        )
