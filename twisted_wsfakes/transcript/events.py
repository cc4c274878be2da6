"""
Transcript events, the frozen values a transcript holds (one per HTTP
handshake message, websocket message or control frame, and connection end):
`Event` and its kinds (`Request`, `Response`, `TextMessage`,
`BinaryMessage`, `Ping`, `Pong`, `Close`, `ConnectionEnd`, `RawData`), the
`Side` type, `IncompleteLine`, the field checks they share and how each
reads on one line.  The bottom of the layer: it imports nothing from the
layer, and only ``printable`` from below it.
"""

from __future__ import annotations

import json
import math
from collections.abc import Iterable, Mapping, Sequence
from types import MappingProxyType
from typing import (
    Any,
    ClassVar,
    Literal,
    TypeAlias,
    get_args,
)

import attrs

from ..printable import escapeChar, printable

Side: TypeAlias = Literal["client", "server"]
"""
One end of a websocket conversation: the side that sent an event, the side
a scripted peer plays, one end of a `Connection`.
"""


def otherSide(side: Side) -> Side:
    """
    The side ``side`` talks to.
    """
    return "server" if side == "client" else "client"


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

SENDERS: tuple[Side, ...] = get_args(Side)
ENDS: tuple[EndHow, ...] = get_args(EndHow)
KINDS: tuple[EventKind, ...] = get_args(EventKind)


# -- Field checks shared by the event classes.


def _toTime(value: float) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise TypeError(f"time must be a number, got {value!r}")
    if not math.isfinite(value):
        raise ValueError(f"time must be finite, got {value!r}")
    return float(value)


def _checkSender(instance: object, attribute: attrs.Attribute[Any], value: Any) -> None:
    if value not in SENDERS:
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
    # Only text UTF-8 can encode (no lone surrogates) can be saved to a file.
    if isinstance(value, str):
        try:
            value.encode("utf-8")
        except UnicodeEncodeError as e:
            raise ValueError(f"{what} is not encodable as UTF-8: {e}") from None
    elif not isinstance(value, bytes):
        raise TypeError(f"{what} must be str or bytes, got {value!r}")


def _checkString(instance: object, attribute: attrs.Attribute[Any], value: Any) -> None:
    what = f"{type(instance).__name__}.{attribute.name}"
    if not isinstance(value, str):
        raise TypeError(f"{what} must be str, got {value!r}")
    _checkUTF8(what, value)


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
        for part in pair:
            _checkUTF8("a header", part)
        pairs.append((pair[0], pair[1]))
    return tuple(pairs)


def _headerValue(headers: Sequence[tuple[str, str]], name: str) -> str | None:
    wanted = name.lower()
    values = [value for key, value in headers if key.lower() == wanted]
    return ", ".join(values) if values else None


def commaList(value: str | None) -> tuple[str, ...]:
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
    sender: Side | None
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


class _HTTPHead(Event):
    """
    What a request and a response head share: their header lines, and
    reading one by name.
    """

    __slots__ = ()
    headers: tuple[tuple[str, str], ...]

    def header(self, name: str) -> str | None:
        """
        Return the value of header ``name`` (any case), several joined with
        ``", "``, or ``None`` when absent.
        """
        return _headerValue(self.headers, name)


@attrs.frozen
class Request(_HTTPHead):
    """
    The client's HTTP request head, normally the websocket upgrade.

    Header names and values are decoded as Latin-1, so every byte is kept.

    :ivar method: the request method, e.g. ``"GET"``.
    :ivar path: the request target, e.g. ``"/v1?x=1"``.
    :ivar headers: the header lines in order, as ``(name, value)`` pairs.
    """

    _kind: ClassVar[EventKind] = "request"

    time: float = attrs.field(converter=_toTime)
    sender: Side = attrs.field(validator=_checkSender)
    method: str = attrs.field(validator=_checkString)
    path: str = attrs.field(validator=_checkString)
    headers: tuple[tuple[str, str], ...] = attrs.field(default=(), converter=_toHeaders)

    @property
    def subprotocols(self) -> tuple[str, ...]:
        """
        The subprotocols offered in ``Sec-WebSocket-Protocol``, in order.
        """
        return commaList(self.header("Sec-WebSocket-Protocol"))


@attrs.frozen
class Response(_HTTPHead):
    """
    The server's HTTP response head; ``101`` opens the websocket.

    :ivar status: the status code, e.g. ``101``.
    :ivar reason: the reason phrase, e.g. ``"Switching Protocols"``.
    :ivar headers: the header lines in order, as ``(name, value)`` pairs.
    """

    _kind: ClassVar[EventKind] = "response"

    time: float = attrs.field(converter=_toTime)
    sender: Side = attrs.field(validator=_checkSender)
    status: int = attrs.field()

    @status.validator
    def _checkStatus(self, attribute: attrs.Attribute[int], value: Any) -> None:
        # The range a transcript file can hold, so what saves also loads.
        if isinstance(value, bool) or not isinstance(value, int):
            raise TypeError(f"Response.status must be an int, got {value!r}")
        if not 100 <= value <= 999:
            raise ValueError(f"Response.status must be 100 to 999, got {value!r}")

    reason: str = attrs.field(default="", validator=_checkString)
    headers: tuple[tuple[str, str], ...] = attrs.field(default=(), converter=_toHeaders)

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
    sender: Side = attrs.field(validator=_checkSender)
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
    sender: Side = attrs.field(validator=_checkSender)
    data: bytes = attrs.field(validator=_checkBytes)
    compressed: bool = attrs.field(
        default=False, validator=attrs.validators.instance_of(bool)
    )


@attrs.frozen
class _PayloadControl(Event):
    """
    The fields a ping and a pong share; neither is a kind of the other.

    :ivar data: its payload (at most 125 bytes on the wire).
    """

    time: float = attrs.field(converter=_toTime)
    sender: Side = attrs.field(validator=_checkSender)
    data: bytes = attrs.field(default=b"", validator=_checkBytes)


@attrs.frozen
class Ping(_PayloadControl):
    """
    A ping control frame.

    :ivar data: its payload (at most 125 bytes on the wire).
    """

    _kind: ClassVar[EventKind] = "ping"


@attrs.frozen
class Pong(_PayloadControl):
    """
    A pong control frame.

    :ivar data: its payload (at most 125 bytes on the wire).
    """

    _kind: ClassVar[EventKind] = "pong"


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
    sender: Side = attrs.field(validator=_checkSender)
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
    sender: Side | None = attrs.field(validator=attrs.validators.optional(_checkSender))
    how: EndHow = attrs.field()

    @how.validator
    def _checkHow(self, attribute: attrs.Attribute[EndHow], value: Any) -> None:
        if value not in ENDS:
            raise ValueError(
                f"ConnectionEnd.how must be one of {', '.join(map(repr, ENDS))}, "
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
    sender: Side = attrs.field(validator=_checkSender)
    data: bytes = attrs.field(validator=_checkBytes)


def toMetadata(metadata: Mapping[str, str]) -> Mapping[str, str]:
    """
    A transcript's metadata, checked (str to str, valid UTF-8) and frozen.
    """
    for key, value in metadata.items():
        if not isinstance(key, str) or not isinstance(value, str):
            raise TypeError(
                f"transcript metadata maps str to str, got {key!r}: {value!r}"
            )
        _checkUTF8("a metadata key", key)
        _checkUTF8(f"metadata {key!r}", value)
    return MappingProxyType(dict(metadata))


@attrs.frozen
class IncompleteLine:
    """
    The last line of a transcript file, cut off before its end: a recorder
    stopped while writing it, perhaps in the middle of a character.

    :ivar line: its 1-based line number in the file.
    :ivar data: its bytes exactly as the file holds them, so nothing read
        is lost.
    """

    line: int
    data: bytes


_MIN_ROOM = 16


# -- Rendering.


def _byteRepr(byte: int) -> str:
    if byte in (0x5C, 0x27):
        return "\\" + chr(byte)
    if byte < 0x80:
        return escapeChar(chr(byte))
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
    head = text[: room + 1]
    # Most text needs no escaping: skip the per-character work then.
    pieces = list(head) if head.isprintable() else [escapeChar(c) for c in head]
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
        text = f"request {printable(event.method)} {printable(event.path)}"
        if event.subprotocols:
            text += f" (subprotocols: {printable(', '.join(event.subprotocols))})"
        return text
    if isinstance(event, Response):
        text = f"response {event.status} {printable(event.reason)}".rstrip()
        if event.subprotocol:
            text += f" (subprotocol: {printable(event.subprotocol)})"
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
            reason = printable(json.dumps(event.reason, ensure_ascii=False))
            return f"close {event.code} {reason}"
        return f"close {event.code}"
    if isinstance(event, (Ping, Pong, RawData)):
        head = f"{event.kind} "
        return head + _showBytes(event.data, room(head))
    raise TypeError(f"cannot describe {event!r}")


def renderEvent(event: Event, width: int) -> str:
    """
    One line of `Transcript.render`: ``event``'s time, direction and what
    it says, in about ``width`` characters.
    """
    prefix = f"{event.time:7.3f}  "
    if event.sender is not None and not isinstance(event, ConnectionEnd):
        receiver = "client" if event.sender == "server" else "server"
        prefix += f"{event.sender} → {receiver}  "
    return prefix + _describe(event, width - len(prefix))
