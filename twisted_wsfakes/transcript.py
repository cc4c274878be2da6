"""
Transcripts: what was said on a websocket connection, as readable events.

Every in-memory connection records the raw bytes each side wrote, with the
clock's time (`WireData`), and how the connection ended (`WireEnd`).
`transcriptFromWire` turns that log into a `Transcript`: an immutable
sequence of events, one per HTTP handshake message, per websocket message or
control frame, and per connection end::

    transcript = connection.transcript
    print(transcript.render())
    #   0.000  client → server  request GET /v1 (subprotocols: feed.v1)
    #   0.000  server → client  response 101 Switching Protocols
    #   0.000  client → server  text {"op":"subscribe","channel":"ETH-USD"}
    #   5.000  server → client  close 1000 "bye"
    #   5.000  connection closed by server
    transcript.save("feed.jsonl")
    assert Transcript.load("feed.jsonl") == transcript

How bytes become events:

  - The client's stream must open with an HTTP request line, the server's
    with an HTTP status line; each head becomes a `Request` or `Response`.
  - After a ``101`` response both directions carry websocket frames.
    Client frames are unmasked (any frame with the mask bit is).  Fragmented
    messages are joined into one `TextMessage` or `BinaryMessage`, stamped
    with the time of the write that completed the final fragment.  Client
    bytes written before the response arrives are read when it does, at its
    time.
  - If permessage-deflate was agreed in the response, a message sent with
    RSV1 is inflated (raw deflate, ``0x00 0x00 0xff 0xff`` tail restored,
    one inflater per direction so context takeover works).  A message with
    RSV1 that cannot be inflated (the extension was not agreed, or the
    deflate stream is broken) keeps its compressed bytes and is marked
    ``compressed=True``.
  - Bytes that are not websocket become `RawData`, never dropped: a stream
    that does not start with an HTTP head, everything after a non-101
    response, and a direction's bytes from the first frame that breaks the
    framing rules onwards (reserved opcode, RSV2/RSV3, RSV1 on a control or
    continuation frame, an oversized or fragmented control frame, a
    continuation with no message open or a new message while one is open,
    a one-byte close payload, a 64-bit length with its top bit set).  Raw
    bytes written by one side at the same time make one event.
  - Bytes that never complete an event (a frame cut short, a fragmented
    message never finished, a head never ended) come out as `RawData` when
    the connection ends, or at the time of the last record when the log
    ends while the connection is still open.
"""

from __future__ import annotations

import base64
import binascii
import json
import math
import os
import re
import zlib
from collections.abc import Iterable, Iterator, Mapping, Sequence
from types import MappingProxyType, TracebackType
from typing import (
    Any,
    ClassVar,
    Literal,
    NoReturn,
    Self,
    TypeAlias,
    get_args,
    overload,
)

import attrs

from twisted_wsfakes.errors import TranscriptError

Sender: TypeAlias = Literal["client", "server"]
EndHow: TypeAlias = Literal["closed", "aborted", "dropped"]
EventKind: TypeAlias = Literal[
    "request",
    "response",
    "text",
    "binary",
    "ping",
    "pong",
    "close",
    "closed",
    "aborted",
    "dropped",
    "data",
]

FORMAT = "twisted_wsfakes transcript"
"""
The ``format`` value in the header line of every transcript file.
"""

VERSION = 1
"""
The transcript file version this module writes and reads.
"""

_SENDERS: tuple[Sender, ...] = get_args(Sender)
_ENDS: tuple[EndHow, ...] = get_args(EndHow)
_KINDS: tuple[EventKind, ...] = get_args(EventKind)


# -- The wire log, as the network layer records it.


@attrs.frozen
class WireData:
    """
    Bytes one side wrote, at the clock's time of the write.

    :ivar time: the clock's time.
    :ivar sender: ``"client"`` or ``"server"``.
    :ivar data: the bytes, any piece of the stream.
    """

    time: float
    sender: Sender
    data: bytes


@attrs.frozen
class WireEnd:
    """
    The TCP connection ended.

    :ivar time: the clock's time.
    :ivar how: ``"closed"`` (an orderly close by ``by``), ``"aborted"``
        (``abortConnection()`` by ``by``) or ``"dropped"`` (the test or the
        network cut it).
    :ivar by: who closed or aborted; ``None`` for dropped.
    """

    time: float
    how: EndHow
    by: Sender | None


# -- Field checks shared by the event classes.


def _toTime(value: float) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise TypeError(f"time must be a number, got {value!r}")
    if not math.isfinite(value):
        raise ValueError(f"time must be finite, got {value!r}")
    return float(value)


def _checkSender(instance: object, attribute: attrs.Attribute[Any], value: Any) -> None:
    if value not in _SENDERS:
        raise ValueError(
            f"{type(instance).__name__}.sender must be 'client' or 'server', "
            f"got {value!r}"
        )


def _checkBytes(instance: object, attribute: attrs.Attribute[Any], value: Any) -> None:
    if not isinstance(value, bytes):
        raise TypeError(
            f"{type(instance).__name__}.{attribute.name} must be bytes, got {value!r}"
        )


def _checkUTF8(what: str, value: str | bytes) -> None:
    if isinstance(value, str):
        try:
            value.encode("utf-8")
        except UnicodeEncodeError as e:
            raise ValueError(f"{what} is not encodable as UTF-8: {e}") from None
    elif not isinstance(value, bytes):
        raise TypeError(f"{what} must be str or bytes, got {value!r}")


def _toHeaders(headers: Iterable[Sequence[str]]) -> tuple[tuple[str, str], ...]:
    pairs = []
    for pair in headers:
        if (
            isinstance(pair, (str, bytes))
            or len(pair) != 2
            or not all(isinstance(part, str) for part in pair)
        ):
            raise TypeError(
                f"each header must be a (name, value) pair of str: {pair!r}"
            )
        pairs.append((pair[0], pair[1]))
    return tuple(pairs)


def _headerValue(headers: Sequence[tuple[str, str]], name: str) -> str | None:
    wanted = name.lower()
    values = [value for key, value in headers if key.lower() == wanted]
    return ", ".join(values) if values else None


def _commaList(value: str | None) -> tuple[str, ...]:
    if value is None:
        return ()
    return tuple(part.strip() for part in value.split(",") if part.strip())


# -- Events.


class Event:
    """
    Base class of the transcript events.

    Every event has ``time`` (the clock's time), ``sender`` (``"client"``,
    ``"server"``, or ``None`` for a connection dropped by the network) and
    ``kind``, one of ``request``, ``response``, ``text``, ``binary``,
    ``ping``, ``pong``, ``close``, ``closed``, ``aborted``, ``dropped``,
    ``data``.  Use ``isinstance`` to tell the classes apart, or ``kind``.
    """

    __slots__ = ()

    time: float
    sender: Sender | None
    _kind: ClassVar[EventKind]

    @property
    def kind(self) -> EventKind:
        """
        What sort of event this is, as written in transcript files.
        """
        return self._kind

    def describe(self, width: int = 80) -> str:
        """
        Say what the event is in one line, without its time or direction,
        as `Transcript.render` shows it: ``text {"op":"sub… (1,234 chars)``,
        ``close 1000 "bye"``, ``connection dropped``.

        :param width: the length that payloads are cut to fit in (never
            below 16 characters of payload).
        """
        return _describe(self, width)


@attrs.frozen
class Request(Event):
    """
    The client's HTTP request head, normally the websocket upgrade.

    Header names and values are decoded as Latin-1, so every byte is kept.

    :ivar method: the request method, e.g. ``"GET"``.
    :ivar path: the request target, e.g. ``"/v1?x=1"``.
    :ivar headers: the header lines in order, as ``(name, value)`` pairs.
    """

    _kind: ClassVar[EventKind] = "request"

    time: float = attrs.field(converter=_toTime)
    sender: Sender = attrs.field(validator=_checkSender)
    method: str = attrs.field(validator=attrs.validators.instance_of(str))
    path: str = attrs.field(validator=attrs.validators.instance_of(str))
    headers: tuple[tuple[str, str], ...] = attrs.field(default=(), converter=_toHeaders)

    def header(self, name: str) -> str | None:
        """
        Return the value of header ``name`` (any case), several joined with
        ``", "``, or ``None`` when absent.
        """
        return _headerValue(self.headers, name)

    @property
    def subprotocols(self) -> tuple[str, ...]:
        """
        The subprotocols offered in ``Sec-WebSocket-Protocol``, in order.
        """
        return _commaList(self.header("Sec-WebSocket-Protocol"))


@attrs.frozen
class Response(Event):
    """
    The server's HTTP response head; ``101`` opens the websocket.

    :ivar status: the status code, e.g. ``101``.
    :ivar reason: the reason phrase, e.g. ``"Switching Protocols"``.
    :ivar headers: the header lines in order, as ``(name, value)`` pairs.
    """

    _kind: ClassVar[EventKind] = "response"

    time: float = attrs.field(converter=_toTime)
    sender: Sender = attrs.field(validator=_checkSender)
    status: int = attrs.field(validator=attrs.validators.instance_of(int))
    reason: str = attrs.field(default="", validator=attrs.validators.instance_of(str))
    headers: tuple[tuple[str, str], ...] = attrs.field(default=(), converter=_toHeaders)

    def header(self, name: str) -> str | None:
        """
        Return the value of header ``name`` (any case), several joined with
        ``", "``, or ``None`` when absent.
        """
        return _headerValue(self.headers, name)

    @property
    def subprotocol(self) -> str | None:
        """
        The subprotocol the server chose in ``Sec-WebSocket-Protocol``.
        """
        value = self.header("Sec-WebSocket-Protocol")
        return value.strip() if value is not None else None


def _checkText(
    instance: TextMessage, attribute: attrs.Attribute[Any], value: Any
) -> None:
    _checkUTF8("TextMessage.data", value)


@attrs.frozen
class TextMessage(Event):
    """
    A whole text message, joined from its fragments.

    :ivar data: the text as ``str``; or ``bytes`` — the payload exactly as
        sent — when it is not valid UTF-8, or when ``compressed`` is true.
    :ivar compressed: true when the message was sent compressed (RSV1) and
        could not be inflated, so ``data`` holds the compressed bytes.
    """

    _kind: ClassVar[EventKind] = "text"

    time: float = attrs.field(converter=_toTime)
    sender: Sender = attrs.field(validator=_checkSender)
    data: str | bytes = attrs.field(validator=_checkText)
    compressed: bool = attrs.field(default=False)

    @compressed.validator
    def _checkCompressed(self, attribute: attrs.Attribute[bool], value: Any) -> None:
        if not isinstance(value, bool):
            raise TypeError(f"TextMessage.compressed must be a bool, got {value!r}")
        if value and not isinstance(self.data, bytes):
            raise TypeError("a compressed TextMessage holds bytes, not str")


@attrs.frozen
class BinaryMessage(Event):
    """
    A whole binary message, joined from its fragments.

    :ivar data: the payload.
    :ivar compressed: true when the message was sent compressed (RSV1) and
        could not be inflated, so ``data`` holds the compressed bytes.
    """

    _kind: ClassVar[EventKind] = "binary"

    time: float = attrs.field(converter=_toTime)
    sender: Sender = attrs.field(validator=_checkSender)
    data: bytes = attrs.field(validator=_checkBytes)
    compressed: bool = attrs.field(
        default=False, validator=attrs.validators.instance_of(bool)
    )


@attrs.frozen
class Ping(Event):
    """
    A ping control frame.

    :ivar data: its payload (at most 125 bytes on the wire).
    """

    _kind: ClassVar[EventKind] = "ping"

    time: float = attrs.field(converter=_toTime)
    sender: Sender = attrs.field(validator=_checkSender)
    data: bytes = attrs.field(default=b"", validator=_checkBytes)


@attrs.frozen
class Pong(Event):
    """
    A pong control frame.

    :ivar data: its payload (at most 125 bytes on the wire).
    """

    _kind: ClassVar[EventKind] = "pong"

    time: float = attrs.field(converter=_toTime)
    sender: Sender = attrs.field(validator=_checkSender)
    data: bytes = attrs.field(default=b"", validator=_checkBytes)


@attrs.frozen
class Close(Event):
    """
    A close frame (the websocket closing handshake, not the TCP close).

    :ivar code: the status code, or ``None`` for a close frame without
        payload.
    :ivar reason: the reason as ``str``; ``bytes`` exactly as sent when it
        is not valid UTF-8.  Always empty when ``code`` is ``None``.
    """

    _kind: ClassVar[EventKind] = "close"

    time: float = attrs.field(converter=_toTime)
    sender: Sender = attrs.field(validator=_checkSender)
    code: int | None = attrs.field(default=None)
    reason: str | bytes = attrs.field(default="")

    @code.validator
    def _checkCode(self, attribute: attrs.Attribute[int | None], value: Any) -> None:
        if value is None:
            return
        if isinstance(value, bool) or not isinstance(value, int):
            raise TypeError(f"Close.code must be an int or None, got {value!r}")
        if not 0 <= value <= 0xFFFF:
            raise ValueError(f"Close.code must fit in 16 bits, got {value!r}")

    @reason.validator
    def _checkReason(self, attribute: attrs.Attribute[str | bytes], value: Any) -> None:
        _checkUTF8("Close.reason", value)
        if self.code is None and value:
            raise ValueError("a Close without a code cannot have a reason")


@attrs.frozen
class ConnectionEnd(Event):
    """
    The TCP connection ended; ``kind`` is ``how``.

    :ivar sender: who closed or aborted it, ``None`` when dropped (or not
        known).
    :ivar how: ``"closed"`` (orderly), ``"aborted"`` (``abortConnection()``)
        or ``"dropped"`` (cut by the test or the network).
    """

    time: float = attrs.field(converter=_toTime)
    sender: Sender | None = attrs.field(
        validator=attrs.validators.optional(_checkSender)
    )
    how: EndHow = attrs.field()

    @how.validator
    def _checkHow(self, attribute: attrs.Attribute[EndHow], value: Any) -> None:
        if value not in _ENDS:
            raise ValueError(
                f"ConnectionEnd.how must be one of {', '.join(map(repr, _ENDS))}, "
                f"got {value!r}"
            )
        if value == "dropped" and self.sender is not None:
            raise ValueError("a dropped connection has no sender")

    @property
    def kind(self) -> EventKind:
        """
        ``how``: ``"closed"``, ``"aborted"`` or ``"dropped"``.
        """
        return self.how


@attrs.frozen
class RawData(Event):
    """
    Bytes on the wire that are not HTTP heads or websocket frames.

    :ivar data: the bytes, exactly as written.
    """

    _kind: ClassVar[EventKind] = "data"

    time: float = attrs.field(converter=_toTime)
    sender: Sender = attrs.field(validator=_checkSender)
    data: bytes = attrs.field(validator=_checkBytes)


# -- The transcript.


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


def _toMetadata(metadata: Mapping[str, str]) -> Mapping[str, str]:
    for key, value in metadata.items():
        if not isinstance(key, str) or not isinstance(value, str):
            raise TypeError(
                f"transcript metadata maps str to str, got {key!r}: {value!r}"
            )
    return MappingProxyType(dict(metadata))


_MIN_ROOM = 16


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
    :raises ValueError: if the events are not in time order.
    """

    events: tuple[Event, ...] = attrs.field(converter=_toEvents)
    metadata: Mapping[str, str] = attrs.field(
        factory=dict,
        converter=_toMetadata,
        hash=False,
        kw_only=True,
        repr=lambda metadata: repr(dict(metadata)),
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

    def messages(self, sender: Sender | None = None) -> tuple[str | bytes, ...]:
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
        length after them; text is shown as is (control characters
        escaped), binary as hex, ping, pong and raw data as bytes literals::

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
            line = _renderEvent(event, width)
            if index in marks:
                line += "    " + marks[index]
            lines.append(line)
        return "\n".join(lines)

    def save(self, path: str | os.PathLike[str]) -> None:
        """
        Write the transcript to ``path`` as JSON Lines (see `TranscriptWriter`).
        """
        with TranscriptWriter(path, self.metadata) as writer:
            for event in self.events:
                writer.write(event)

    @classmethod
    def load(cls, path: str | os.PathLike[str]) -> Transcript:
        """
        Read a transcript written by `save` or `TranscriptWriter`.

        :raises TranscriptError: naming the line and field, if the file is not
            a valid transcript.
        :raises OSError: if the file cannot be read.
        """
        return _load(os.fspath(path))


# -- Rendering.


_CONTROL_ESCAPES = {"\n": "\\n", "\r": "\\r", "\t": "\\t"}


def _escapeChar(char: str) -> str:
    if char.isprintable():
        return char
    if char in _CONTROL_ESCAPES:
        return _CONTROL_ESCAPES[char]
    code = ord(char)
    if code < 0x100:
        return f"\\x{code:02x}"
    if code < 0x10000:
        return f"\\u{code:04x}"
    return f"\\U{code:08x}"


def _byteRepr(byte: int) -> str:
    if byte in (0x5C, 0x27):
        return "\\" + chr(byte)
    char = chr(byte)
    if char in _CONTROL_ESCAPES:
        return _CONTROL_ESCAPES[char]
    if 0x20 <= byte < 0x7F:
        return char
    return f"\\x{byte:02x}"


_BYTE_REPRS = tuple(_byteRepr(byte) for byte in range(256))


def _fit(
    pieces: Sequence[str],
    count: int,
    noun: str,
    room: int,
    opening: str = "",
    closing: str = "",
) -> str:
    """
    Join ``pieces`` (one per unit, the first few of ``count``) to fit
    ``room`` characters, cutting with the full count when they do not.

    Callers pass all the units, or more than could fit, so pieces that fit
    are the whole payload.
    """
    whole = "".join(pieces)
    if len(opening) + len(whole) + len(closing) <= room:
        return opening + whole + closing
    tail = f"… ({count:,} {noun})"
    budget = room - len(tail) - len(opening) - len(closing)
    kept = []
    for piece in pieces:
        budget -= len(piece)
        if budget < 0:
            break
        kept.append(piece)
    return opening + "".join(kept) + closing + tail


def _showText(text: str, room: int) -> str:
    if not text:
        return '""'
    pieces = [_escapeChar(char) for char in text[: room + 1]]
    return _fit(pieces, len(text), "chars", room)


def _showBytes(data: bytes, room: int) -> str:
    pieces = [_BYTE_REPRS[byte] for byte in data[: room + 1]]
    return _fit(pieces, len(data), "bytes", room, "b'", "'")


def _showHex(data: bytes, room: int) -> str:
    if not data:
        return "(0 bytes)"
    pieces = [f"{byte:02x}" for byte in data[: room // 2 + 1]]
    return _fit(pieces, len(data), "bytes", room)


def _describe(event: Event, width: int) -> str:
    if isinstance(event, ConnectionEnd):
        by = f" by {event.sender}" if event.sender is not None else ""
        return f"connection {event.how}{by}"

    def room(head: str) -> int:
        return max(width - len(head), _MIN_ROOM)

    if isinstance(event, Request):
        text = f"request {event.method} {event.path}"
        if event.subprotocols:
            text += f" (subprotocols: {', '.join(event.subprotocols)})"
        return text
    if isinstance(event, Response):
        text = f"response {event.status} {event.reason}".rstrip()
        if event.subprotocol:
            text += f" (subprotocol: {event.subprotocol})"
        return text
    if isinstance(event, (TextMessage, BinaryMessage)):
        head = f"{event.kind} "
        if event.compressed:
            head += "[compressed, not inflated] "
            assert isinstance(event.data, bytes)
            return head + _showHex(event.data, room(head))
        if isinstance(event.data, str):
            return head + _showText(event.data, room(head))
        if isinstance(event, TextMessage):
            head += "[invalid UTF-8] "
            return head + _showBytes(event.data, room(head))
        return head + _showHex(event.data, room(head))
    if isinstance(event, Close):
        if event.code is None:
            return "close (no code)"
        if isinstance(event.reason, bytes):
            return f"close {event.code} [invalid UTF-8] {_showBytes(event.reason, 200)}"
        if event.reason:
            return f"close {event.code} {json.dumps(event.reason, ensure_ascii=False)}"
        return f"close {event.code}"
    if isinstance(event, (Ping, Pong, RawData)):
        head = f"{event.kind} "
        return head + _showBytes(event.data, room(head))
    raise TypeError(f"cannot describe {event!r}")


def _renderEvent(event: Event, width: int) -> str:
    prefix = f"{event.time:7.3f}  "
    if event.sender is not None and not isinstance(event, ConnectionEnd):
        receiver = "client" if event.sender == "server" else "server"
        prefix += f"{event.sender} → {receiver}  "
    return prefix + _describe(event, width - len(prefix))


# -- From the wire log to events.


_TOKEN_CHARS = frozenset(
    b"!#$%&'*+-.^_`|~0123456789" + bytes(range(65, 91)) + bytes(range(97, 123))
)
_REQUEST_LINE = re.compile(
    r"([!#$%&'*+.^_`|~0-9A-Za-z-]+) ([^\x00-\x20\x7f]+) HTTP/\d\.\d"
)
_STATUS_LINE = re.compile(r"HTTP/\d\.\d (\d{3})(?: ([^\r\n]*))?")
_HEADER_LINE = re.compile(r"([!#$%&'*+.^_`|~0-9A-Za-z-]+):[ \t]*(.*?)[ \t]*")
# A head that grows this long without ending is not HTTP we would send.
_MAX_HEAD = 64 * 1024
_HEAD_END = b"\r\n\r\n"
# RFC 7692: each compressed message lost this empty stored block's tail.
_DEFLATE_TAIL = b"\x00\x00\xff\xff"

_State: TypeAlias = Literal["head", "awaiting", "frames", "raw"]


class _Direction:
    """
    What one side's byte stream has said so far, and what is still pending.
    """

    def __init__(self, sender: Sender) -> None:
        self.sender: Sender = sender
        self.state: _State = "head"
        # Bytes received and not yet made into events.
        self.buffer = bytearray()
        # How far the head has been searched, so each byte is searched once.
        self.searched = 0
        self.firstLineChecked = False
        # The fragments of a message not yet finished: their payloads, and
        # their frames as sent, to give back as raw data if it never ends.
        self.opcode = 0
        self.compressed = False
        self.fragments: list[bytes] = []
        self.fragmentFrames: list[bytes] = []
        self.inflater: zlib._Decompress | None = None

    def takeLeftovers(self, start: int = 0) -> bytes:
        """
        Remove and return the bytes not made into events, from ``start`` in
        the buffer on, with the frames of an unfinished message before them.
        """
        data = b"".join(self.fragmentFrames) + bytes(self.buffer[start:])
        self.buffer.clear()
        self.fragments = []
        self.fragmentFrames = []
        self.searched = 0
        self.firstLineChecked = False
        return data


def _unmask(payload: bytes, key: bytes) -> bytes:
    size = len(payload)
    keystream = (key * (size // 4 + 1))[:size]
    # One big-integer XOR: linear, and far faster than a loop over bytes.
    return (
        int.from_bytes(payload, "little") ^ int.from_bytes(keystream, "little")
    ).to_bytes(size, "little")


def _decodeUTF8(data: bytes) -> str | bytes:
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        return data


def _parseHead(
    head: bytes, firstLine: re.Pattern[str]
) -> tuple[re.Match[str], tuple[tuple[str, str], ...]] | None:
    lines = head.decode("latin-1").split("\r\n")
    start = firstLine.fullmatch(lines[0])
    if start is None:
        return None
    headers = []
    for line in lines[1:]:
        match = _HEADER_LINE.fullmatch(line)
        if match is None:
            return None
        headers.append((match.group(1), match.group(2)))
    return start, tuple(headers)


class _WireParser:
    """
    Turns wire records into events, one record at a time, in linear time.
    """

    def __init__(self) -> None:
        self.events: list[Event] = []
        self._directions = {sender: _Direction(sender) for sender in _SENDERS}
        self._status: int | None = None
        self._deflate = False
        # Raw bytes from one side at one time are gathered here and become a
        # single event when something else happens.
        self._rawTime = 0.0
        self._rawSender: Sender = "client"
        self._raw: list[bytes] = []

    def feed(self, record: WireData | WireEnd) -> None:
        if isinstance(record, WireData):
            direction = self._directions[record.sender]
            direction.buffer += record.data
            self._advance(direction, record.time)
        elif isinstance(record, WireEnd):
            self.finish(record.time)
            self._emit(ConnectionEnd(record.time, record.by, record.how))
        else:
            raise TypeError(f"not a WireData or WireEnd record: {record!r}")

    def finish(self, time: float) -> None:
        """
        Give back whatever never made an event as raw data at ``time``.
        """
        for direction in self._directions.values():
            leftovers = direction.takeLeftovers()
            if leftovers:
                self._emitRaw(time, direction.sender, leftovers)
        self._flushRaw()

    def _emit(self, event: Event) -> None:
        self._flushRaw()
        self.events.append(event)

    def _emitRaw(self, time: float, sender: Sender, data: bytes) -> None:
        if self._raw and (self._rawTime, self._rawSender) != (time, sender):
            self._flushRaw()
        self._rawTime, self._rawSender = time, sender
        self._raw.append(data)

    def _flushRaw(self) -> None:
        if self._raw:
            data = b"".join(self._raw)
            self._raw = []
            self.events.append(RawData(self._rawTime, self._rawSender, data))

    def _toRaw(self, direction: _Direction, time: float, start: int = 0) -> None:
        direction.state = "raw"
        leftovers = direction.takeLeftovers(start)
        if leftovers:
            self._emitRaw(time, direction.sender, leftovers)

    def _advance(self, direction: _Direction, time: float) -> None:
        while True:
            if direction.state == "head":
                if not self._readHead(direction, time):
                    return
            elif direction.state == "frames":
                self._readFrames(direction, time)
                return
            elif direction.state == "raw":
                self._toRaw(direction, time)
                return
            else:
                return

    def _readHead(self, direction: _Direction, time: float) -> bool:
        """
        Make an HTTP head into an event if it is all here; say whether the
        direction's state changed.
        """
        buffer = direction.buffer
        client = direction.sender == "client"
        if not self._couldBeHead(direction):
            self._toRaw(direction, time)
            return True
        searchFrom = direction.searched
        direction.searched = len(buffer)
        if not direction.firstLineChecked:
            lineEnd = buffer.find(b"\r\n", max(searchFrom - 1, 0))
            if lineEnd >= 0:
                pattern = _REQUEST_LINE if client else _STATUS_LINE
                if not pattern.fullmatch(buffer[:lineEnd].decode("latin-1")):
                    self._toRaw(direction, time)
                    return True
                direction.firstLineChecked = True
        end = buffer.find(_HEAD_END, max(searchFrom - len(_HEAD_END) + 1, 0))
        if end < 0:
            if len(buffer) > _MAX_HEAD:
                self._toRaw(direction, time)
                return True
            return False
        parsed = _parseHead(
            bytes(buffer[:end]), _REQUEST_LINE if client else _STATUS_LINE
        )
        if parsed is None:
            self._toRaw(direction, time)
            return True
        start, headers = parsed
        del buffer[: end + len(_HEAD_END)]
        direction.searched = 0
        direction.firstLineChecked = False
        if client:
            self._emit(Request(time, "client", start.group(1), start.group(2), headers))
            direction.state = "awaiting"
            if self._status is not None:
                direction.state = "frames" if self._status == 101 else "raw"
            return True
        status = int(start.group(1))
        response = Response(time, "server", status, start.group(2) or "", headers)
        self._emit(response)
        self._status = status
        self._deflate = status == 101 and _agreesDeflate(response)
        direction.state = "frames" if status == 101 else "raw"
        requester = self._directions["client"]
        if requester.state == "awaiting":
            # Client bytes written before the answer are read now that it
            # says what they are.
            requester.state = direction.state
            self._advance(requester, time)
        return True

    @staticmethod
    def _couldBeHead(direction: _Direction) -> bool:
        buffer = direction.buffer
        if direction.sender == "client":
            return not buffer or buffer[0] in _TOKEN_CHARS
        opening = b"HTTP/"
        return bytes(buffer[: len(opening)]) == opening[: len(buffer)]

    def _readFrames(self, direction: _Direction, time: float) -> None:
        buffer = direction.buffer
        size = len(buffer)
        position = 0
        while size - position >= 2:
            first, second = buffer[position], buffer[position + 1]
            problem = self._framingProblem(direction, first, second)
            if problem:
                self._toRaw(direction, time, position)
                return
            length = second & 0x7F
            headerSize = 2
            if length == 126:
                headerSize = 4
                if size - position < headerSize:
                    break
                length = int.from_bytes(buffer[position + 2 : position + 4], "big")
            elif length == 127:
                headerSize = 10
                if size - position < headerSize:
                    break
                length = int.from_bytes(buffer[position + 2 : position + 10], "big")
                if length >> 63:
                    self._toRaw(direction, time, position)
                    return
            masked = bool(second & 0x80)
            if masked:
                headerSize += 4
            end = position + headerSize + length
            if size < end:
                break
            opcode = first & 0x0F
            if opcode == 0x8 and length == 1:
                self._toRaw(direction, time, position)
                return
            with memoryview(buffer) as view:
                payload = bytes(view[position + headerSize : end])
                if masked:
                    payload = _unmask(
                        payload, bytes(view[end - length - 4 : end - length])
                    )
                frame = bytes(view[position:end]) if not first & 0x80 else b""
            self._frame(direction, time, first, opcode, payload, frame)
            position = end
        del buffer[:position]

    @staticmethod
    def _framingProblem(direction: _Direction, first: int, second: int) -> bool:
        opcode = first & 0x0F
        final = first & 0x80
        if first & 0x30:
            return True
        if opcode >= 0x8:
            return (
                opcode > 0xA
                or not final
                or (first & 0x40) != 0
                or (second & 0x7F) > 125
            )
        if opcode == 0x0:
            return not direction.fragments or (first & 0x40) != 0
        if opcode in (0x1, 0x2):
            return bool(direction.fragments)
        return True

    def _frame(
        self,
        direction: _Direction,
        time: float,
        first: int,
        opcode: int,
        payload: bytes,
        frame: bytes,
    ) -> None:
        sender = direction.sender
        final = bool(first & 0x80)
        if opcode == 0x8:
            if payload:
                code = int.from_bytes(payload[:2], "big")
                self._emit(Close(time, sender, code, _decodeUTF8(payload[2:])))
            else:
                self._emit(Close(time, sender))
        elif opcode == 0x9:
            self._emit(Ping(time, sender, payload))
        elif opcode == 0xA:
            self._emit(Pong(time, sender, payload))
        elif not final:
            if opcode != 0x0:
                direction.opcode = opcode
                direction.compressed = bool(first & 0x40)
            direction.fragments.append(payload)
            direction.fragmentFrames.append(frame)
        elif opcode == 0x0:
            direction.fragments.append(payload)
            self._message(
                direction,
                time,
                direction.opcode,
                b"".join(direction.fragments),
                direction.compressed,
            )
            direction.fragments = []
            direction.fragmentFrames = []
        else:
            self._message(direction, time, opcode, payload, bool(first & 0x40))

    def _message(
        self,
        direction: _Direction,
        time: float,
        opcode: int,
        payload: bytes,
        compressed: bool,
    ) -> None:
        sender = direction.sender
        if compressed:
            inflated = self._inflate(direction, payload)
            if inflated is None:
                cls = TextMessage if opcode == 0x1 else BinaryMessage
                self._emit(cls(time, sender, payload, compressed=True))
                return
            payload = inflated
        if opcode == 0x1:
            self._emit(TextMessage(time, sender, _decodeUTF8(payload)))
        else:
            self._emit(BinaryMessage(time, sender, payload))

    def _inflate(self, direction: _Direction, payload: bytes) -> bytes | None:
        if not self._deflate:
            return None
        inflater = direction.inflater or zlib.decompressobj(-15)
        try:
            data = inflater.decompress(payload + _DEFLATE_TAIL)
        except zlib.error:
            direction.inflater = None
            return None
        # A sender may end a message with a final block; the next message
        # then starts a fresh deflate stream.
        direction.inflater = None if inflater.eof else inflater
        return data


def _agreesDeflate(response: Response) -> bool:
    for extension in _commaList(response.header("Sec-WebSocket-Extensions")):
        if extension.split(";")[0].strip().lower() == "permessage-deflate":
            return True
    return False


def transcriptFromWire(records: Sequence[WireData | WireEnd]) -> Transcript:
    """
    Turn a connection's wire log into a `Transcript`.

    See the module documentation for how bytes become events.  The work is
    linear in the number of bytes, whatever the size of the pieces.

    :param records: the writes and the end of the connection, in order.
    :raises ValueError: if the records' times go backwards.
    """
    parser = _WireParser()
    for record in records:
        parser.feed(record)
    if records:
        parser.finish(records[-1].time)
    return Transcript(parser.events)


# -- Files.


class TranscriptWriter:
    """
    Write a transcript file one event at a time, flushing every line.

    A recording that stops half way (the process killed, the test failing)
    leaves a file that loads with every event written so far::

        with TranscriptWriter("session.jsonl", {"url": url}) as writer:
            for event in events:
                writer.write(event)

    The file is JSON Lines in UTF-8.  The first line is the header,
    ``{"format": "twisted_wsfakes transcript", "version": 1}``, with a
    ``"metadata"`` object when there is metadata.  Then one event a line:
    ``time``, ``sender``, ``kind``, and the fields of that kind — bytes as
    ``"base64"``, text as ``"text"`` (``"base64"`` when it is not valid
    UTF-8), a close's ``"code"`` and ``"reason"`` (``"reasonBase64"`` when
    not valid UTF-8), ``"compressed": true`` when set, and a handshake's
    ``"method"``, ``"path"``, ``"status"``, ``"reason"`` and ``"headers"``
    (a list of ``[name, value]`` pairs)::

        {"time": 0.0, "sender": "client", "kind": "text", "text": "hello"}
        {"time": 0.5, "sender": "server", "kind": "binary", "base64": "AAE="}

    :param path: the file to create (replaced if it exists).
    :param metadata: strings for the header, such as ``{"url": ...}``.
    """

    def __init__(
        self, path: str | os.PathLike[str], metadata: Mapping[str, str] | None = None
    ) -> None:
        header: dict[str, object] = {"format": FORMAT, "version": VERSION}
        if metadata:
            header["metadata"] = dict(_toMetadata(metadata))
        self.path = os.fspath(path)
        # Open for the writer's whole life, not one block: it is the point.
        self._file = open(self.path, "wb")  # noqa: SIM115
        self._lastTime = -math.inf
        self._writeLine(header)

    def write(self, event: Event) -> None:
        """
        Append ``event`` and flush it to the file.

        :raises ValueError: if ``event`` is earlier than the one before it.
        """
        if not isinstance(event, Event):
            raise TypeError(f"not a transcript Event: {event!r}")
        if event.time < self._lastTime:
            raise ValueError(
                f"event at time {event.time!r} comes before the previous event's "
                f"time {self._lastTime!r}; events must be written in time order"
            )
        self._lastTime = event.time
        self._writeLine(_eventToJSON(event))

    def close(self) -> None:
        """
        Close the file.
        """
        self._file.close()

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self,
        excType: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.close()

    def _writeLine(self, value: Mapping[str, object]) -> None:
        line = json.dumps(value, ensure_ascii=False, allow_nan=False)
        self._file.write(line.encode("utf-8") + b"\n")
        self._file.flush()


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def _eventToJSON(event: Event) -> dict[str, object]:
    line: dict[str, object] = {
        "time": event.time,
        "sender": event.sender,
        "kind": event.kind,
    }
    if isinstance(event, Request):
        line.update(method=event.method, path=event.path)
        line["headers"] = [list(pair) for pair in event.headers]
    elif isinstance(event, Response):
        line.update(status=event.status, reason=event.reason)
        line["headers"] = [list(pair) for pair in event.headers]
    elif isinstance(event, (TextMessage, BinaryMessage)):
        if isinstance(event.data, str):
            line["text"] = event.data
        else:
            line["base64"] = _b64(event.data)
        if event.compressed:
            line["compressed"] = True
    elif isinstance(event, (Ping, Pong, RawData)):
        line["base64"] = _b64(event.data)
    elif isinstance(event, Close):
        line["code"] = event.code
        if isinstance(event.reason, str):
            line["reason"] = event.reason
        else:
            line["reasonBase64"] = _b64(event.reason)
    return line


def _typeName(value: object) -> str:
    """
    Describe a JSON value for an error message: scalars as JSON, containers
    by their type.
    """
    if isinstance(value, list):
        return "a list"
    if isinstance(value, dict):
        return "an object"
    return json.dumps(value, ensure_ascii=False)


class _Line:
    """
    One JSON object from a transcript file, read field by field.

    Every field read is checked off, so fields nobody reads are reported
    instead of silently dropped.
    """

    def __init__(self, path: str, number: int, value: dict[str, Any]) -> None:
        self.path = path
        self.number = number
        self.value = value
        self._unread = set(value)

    def fail(self, field: str | None, problem: str) -> NoReturn:
        raise TranscriptError(self.path, self.number, field, problem)

    def has(self, field: str) -> bool:
        return field in self.value

    def get(self, field: str, expected: str, types: tuple[type, ...]) -> Any:
        if field not in self.value:
            self.fail(field, "missing")
        self._unread.discard(field)
        value = self.value[field]
        # JSON true is a Python int too; it is not a number here.
        if (isinstance(value, bool) and bool not in types) or not isinstance(
            value, types
        ):
            self.fail(field, f"expected {expected}, got {_typeName(value)}")
        return value

    def string(self, field: str) -> str:
        value: str = self.get(field, "a string", (str,))
        return value

    def integer(self, field: str, low: int, high: int) -> int:
        value: int = self.get(field, "an integer", (int,))
        if not low <= value <= high:
            self.fail(field, f"{value} is out of range ({low} to {high})")
        return value

    def binary(self, field: str) -> bytes:
        text = self.string(field)
        try:
            return base64.b64decode(text, validate=True)
        except (binascii.Error, ValueError) as e:
            self.fail(field, f"not valid base64 ({e})")

    def textOrBytes(self, textField: str, bytesField: str) -> str | bytes:
        if self.has(textField) == self.has(bytesField):
            self.fail(
                textField,
                f'needs exactly one of "{textField}" (text) or "{bytesField}" '
                "(base64 bytes)",
            )
        if self.has(textField):
            return self.string(textField)
        return self.binary(bytesField)

    def headers(self, field: str) -> tuple[tuple[str, str], ...]:
        pairs: list[Any] = self.get(field, "a list of [name, value] pairs", (list,))
        for index, pair in enumerate(pairs):
            if not (
                isinstance(pair, list)
                and len(pair) == 2
                and all(isinstance(part, str) for part in pair)
            ):
                self.fail(
                    f"{field}[{index}]",
                    f"expected a [name, value] pair of strings, got {_typeName(pair)}",
                )
        return tuple((name, value) for name, value in pairs)

    def done(self) -> None:
        for field in sorted(self._unread):
            self.fail(field, "unexpected field")


def _readEvent(line: _Line, previousTime: float) -> Event:
    kind = line.string("kind")
    if kind not in _KINDS:
        line.fail(
            "kind",
            f"unknown event kind {kind!r} (expected one of "
            f"{', '.join(repr(known) for known in _KINDS)})",
        )
    time = float(line.get("time", "a number", (int, float)))
    if not math.isfinite(time):
        line.fail("time", f"expected a finite number, got {time!r}")
    if time < previousTime:
        line.fail(
            "time",
            f"time {time!r} is earlier than the previous event's time {previousTime!r}",
        )
    sender = line.get("sender", '"client", "server" or null', (str, type(None)))
    if sender not in _SENDERS and not (sender is None and kind in _ENDS):
        line.fail(
            "sender",
            f'expected "client" or "server"{" or null" if kind in _ENDS else ""}, '
            f"got {_typeName(sender)}",
        )
    if kind in ("text", "binary") and line.has("compressed"):
        compressed: bool = line.get("compressed", "true or false", (bool,))
    else:
        compressed = False
    event: Event
    if kind == "request":
        event = Request(
            time,
            sender,
            line.string("method"),
            line.string("path"),
            line.headers("headers"),
        )
    elif kind == "response":
        event = Response(
            time,
            sender,
            line.integer("status", 100, 999),
            line.string("reason"),
            line.headers("headers"),
        )
    elif kind == "text":
        data = line.textOrBytes("text", "base64")
        if compressed and isinstance(data, str):
            line.fail("compressed", 'a compressed text message needs "base64"')
        event = TextMessage(time, sender, data, compressed)
    elif kind == "binary":
        event = BinaryMessage(time, sender, line.binary("base64"), compressed)
    elif kind == "ping":
        event = Ping(time, sender, line.binary("base64"))
    elif kind == "pong":
        event = Pong(time, sender, line.binary("base64"))
    elif kind == "data":
        event = RawData(time, sender, line.binary("base64"))
    elif kind == "close":
        code = None
        if line.get("code", "an integer or null", (int, type(None))) is not None:
            code = line.integer("code", 0, 0xFFFF)
        reason = line.textOrBytes("reason", "reasonBase64")
        if code is None and reason:
            line.fail("reason", "a close without a code cannot have a reason")
        event = Close(time, sender, code, reason)
    else:
        if kind == "dropped" and sender is not None:
            line.fail("sender", f"a dropped connection has no sender, got {sender!r}")
        event = ConnectionEnd(time, sender, kind)
    line.done()
    return event


def _readHeader(line: _Line) -> Mapping[str, str]:
    if line.value.get("format") != FORMAT:
        if "format" in line.value:
            line.fail(
                "format",
                f"not a twisted_wsfakes transcript: expected {json.dumps(FORMAT)}, got "
                f"{_typeName(line.value['format'])}",
            )
        line.fail(
            None,
            "missing header: a transcript file starts with the line "
            f'{{"format": "{FORMAT}", "version": {VERSION}}}',
        )
    line.string("format")
    version = line.get("version", "an integer", (int,))
    if version != VERSION:
        line.fail(
            "version",
            f"unsupported version {version} (this twisted_wsfakes reads version "
            f"{VERSION})",
        )
    metadata: dict[str, str] = {}
    if line.has("metadata"):
        values = line.get("metadata", "an object", (dict,))
        for key, value in values.items():
            if not isinstance(value, str):
                line.fail(
                    f"metadata.{key}", f"expected a string, got {_typeName(value)}"
                )
            metadata[key] = value
    line.done()
    return metadata


def _noDuplicates(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    value = {}
    for key, item in pairs:
        if key in value:
            raise _DuplicateField(key)
        value[key] = item
    return value


class _DuplicateField(Exception):
    pass


def _load(path: str) -> Transcript:
    with open(path, "rb") as file:
        content = file.read()
    rawLines = content.split(b"\n")
    lastNumber = len(rawLines)
    cutShort = rawLines[-1].strip() != b""
    metadata: Mapping[str, str] | None = None
    events: list[Event] = []
    previousTime = -math.inf
    for number, raw in enumerate(rawLines, 1):
        if not raw.strip():
            continue
        try:
            text = raw.decode("utf-8")
        except UnicodeDecodeError as e:
            raise TranscriptError(
                path,
                number,
                None,
                f"not UTF-8 text (byte {raw[e.start]:#04x} at column {e.start + 1})",
            ) from None
        try:
            value = json.loads(text, object_pairs_hook=_noDuplicates)
        except json.JSONDecodeError as e:
            problem = f"not valid JSON ({e.msg}, column {e.colno})"
            if number == lastNumber and cutShort:
                problem += (
                    "; the file ends in the middle of this line, as if the "
                    "recording stopped while writing it: delete the line to load "
                    "the events before it"
                )
            raise TranscriptError(path, number, None, problem) from None
        except _DuplicateField as e:
            raise TranscriptError(path, number, str(e), "appears twice") from None
        if not isinstance(value, dict):
            raise TranscriptError(
                path, number, None, f"expected a JSON object, got {_typeName(value)}"
            )
        line = _Line(path, number, value)
        if metadata is None:
            metadata = _readHeader(line)
            continue
        event = _readEvent(line, previousTime)
        previousTime = event.time
        events.append(event)
    if metadata is None:
        raise TranscriptError(path, 1, None, "missing header: the file is empty")
    return Transcript(events, metadata=metadata)
