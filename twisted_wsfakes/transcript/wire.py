"""
From the bytes each side of a connection wrote to transcript events: every
in-memory connection logs the raw bytes each side wrote, with the clock's
time (`WireData`), and how the connection ended (`WireEnd`); a
`WireParser` reads that log as it grows, `transcriptFromWire` turns it into
a `Transcript`, and `handshakeFromWire` says how its opening `Handshake`
went.  It imports ``events`` and ``transcript`` from the layer, nothing
from below it.

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
    that does not start with an HTTP head or whose head is longer than 64
    KiB (its blank line included, whether written at once or a byte at a
    time), everything after a non-101
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

import re
import zlib
from collections.abc import Iterable, Sequence
from typing import (
    Literal,
    TypeAlias,
)

import attrs

from .events import (
    SENDERS,
    BinaryMessage,
    Close,
    ConnectionEnd,
    EndHow,
    Event,
    Ping,
    Pong,
    RawData,
    Request,
    Response,
    Side,
    TextMessage,
    commaList,
)
from .transcript import Transcript

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
    sender: Side
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
    by: Side | None


# -- From the wire log to events.


_TOKEN_CHARS = frozenset(
    b"!#$%&'*+-.^_`|~0123456789" + bytes(range(65, 91)) + bytes(range(97, 123))
)
# Heads are parsed here rather than by h11: h11 reads a request only with a
# Host header, a response only after the request it answers, and rewrites
# folded header lines, while a transcript must show every head exactly as it
# was sent, or keep its bytes as raw data.  Every pattern is one character
# class per part, so matching is linear; header lines are split, not matched.
_TOKEN = re.compile(r"[!#$%&'*+.^_`|~0-9A-Za-z-]+")
_REQUEST_LINE = re.compile(
    r"([!#$%&'*+.^_`|~0-9A-Za-z-]+) ([^\x00-\x20\x7f]+) HTTP/\d\.\d"
)
_STATUS_LINE = re.compile(r"HTTP/\d\.\d (\d{3})(?: ([^\r\n]*))?")
# A head longer than this, its blank line included, is not HTTP we would
# send: its bytes are raw data, however they arrived.
_MAX_HEAD = 64 * 1024
_HEAD_END = b"\r\n\r\n"
# RFC 7692: each compressed message lost this empty stored block's tail.
_DEFLATE_TAIL = b"\x00\x00\xff\xff"

_State: TypeAlias = Literal["head", "awaiting", "frames", "raw"]


class _Direction:
    """
    What one side's byte stream has said so far, and what is still pending.
    """

    def __init__(self, sender: Side) -> None:
        self.sender: Side = sender
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
        name, colon, value = line.partition(":")
        if not colon or not _TOKEN.fullmatch(name) or "\n" in value:
            return None
        headers.append((name, value.strip(" \t")))
    return start, tuple(headers)


class WireParser:
    """
    Turns wire records into events, one record at a time, in linear time.

    `transcriptFromWire` parses a whole log at once; a recorder on a live
    socket feeds each write as it happens and takes the events made so far
    from `events` (a list that only grows)::

        parser = WireParser()
        parser.feed(WireData(0.0, "client", b"GET / HTTP/1.1\r\n..."))
        newEvents = parser.events[written:]

    :ivar events: the events made so far, in order.
    """

    def __init__(self) -> None:
        self.events: list[Event] = []
        self._directions = {sender: _Direction(sender) for sender in SENDERS}
        self._status: int | None = None
        self._deflate = False
        # Raw bytes from one side at one time are gathered here and become a
        # single event when something else happens.
        self._rawTime = 0.0
        self._rawSender: Side = "client"
        self._raw: list[bytes] = []

    def feed(self, record: WireData | WireEnd) -> None:
        """
        Read one record: bytes one side wrote, or the end of the connection.
        """
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

    def _emitRaw(self, time: float, sender: Side, data: bytes) -> None:
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
            lineEnd = buffer.find(b"\r\n", max(searchFrom - 1, 0), _MAX_HEAD)
            if lineEnd >= 0:
                pattern = _REQUEST_LINE if client else _STATUS_LINE
                if not pattern.fullmatch(buffer[:lineEnd].decode("latin-1")):
                    self._toRaw(direction, time)
                    return True
                direction.firstLineChecked = True
        # Only a blank line within the limit ends a head.
        end = buffer.find(_HEAD_END, max(searchFrom - len(_HEAD_END) + 1, 0), _MAX_HEAD)
        if end < 0:
            if len(buffer) >= _MAX_HEAD:
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
    for extension in commaList(response.header("Sec-WebSocket-Extensions")):
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
    parser = WireParser()
    for record in records:
        parser.feed(record)
    if records:
        parser.finish(records[-1].time)
    return Transcript(parser.events)


# -- The opening handshake, read from the start of the wire log.


HandshakeState: TypeAlias = Literal[
    "waiting", "opened", "refused", "timed out", "lost", "garbled"
]


@attrs.frozen
class Handshake:
    """
    How a connection's websocket opening handshake went, as the bytes on the
    wire tell it, whatever code spoke them.

    :ivar state: one of

        - ``"waiting"``: the client sent its request and no answer has come;
        - ``"opened"``: the server answered ``101 Switching Protocols``;
        - ``"refused"``: the server answered with another status
          (``status``), such as 429 or 503;
        - ``"timed out"``: the client ended the connection with its request
          unanswered, as Autobahn does when its opening handshake times out
          (the wire cannot tell a timeout from another reason to give up);
        - ``"lost"``: the server closed or aborted the connection, or the
          network dropped it (``end`` says which), before any answer;
        - ``"garbled"``: the server answered with bytes that are not an
          HTTP response.
    :ivar status: the HTTP status of the server's answer, if one came.
    :ivar time: when it was settled: the time of the answer, or of the end
        of the connection; ``None`` while waiting.
    :ivar end: for ``"timed out"`` and ``"lost"``, how the connection ended:
        ``"closed"``, ``"aborted"`` or ``"dropped"``.
    """

    state: HandshakeState
    status: int | None = None
    time: float | None = None
    end: EndHow | None = None

    def __str__(self) -> str:
        """
        Say it in a few words, for a table: ``handshake refused 429``.
        """
        if self.state == "opened":
            return "opened"
        if self.state == "refused":
            return f"handshake refused {self.status}"
        if self.state == "lost":
            return (
                "dropped before open"
                if self.end == "dropped"
                else f"server {self.end} before open"
            )
        if self.state == "garbled":
            return "handshake answered with non-HTTP bytes"
        return f"handshake {self.state}"


def handshakeFromWire(records: Iterable[WireData | WireEnd]) -> Handshake | None:
    """
    Read how the opening handshake went from the start of a connection's
    wire log, stopping at the server's answer.

    :param records: the writes and the end of the connection, in order.
    :returns: the handshake, or ``None`` if the client's bytes are not an
        HTTP request to upgrade to websocket (or it has sent none): the
        connection is not a websocket's.
    """
    parser = WireParser()
    client, server = parser._directions["client"], parser._directions["server"]
    seen = 0
    requested = False
    for record in records:
        parser.feed(record)
        for event in parser.events[seen:]:
            if not requested:
                if not (isinstance(event, Request) and _asksUpgrade(event)):
                    return None
                requested = True
            elif isinstance(event, Response):
                state: HandshakeState = "opened" if event.status == 101 else "refused"
                return Handshake(state, event.status, event.time)
            elif isinstance(event, ConnectionEnd):
                gaveUp = event.sender == "client"
                state = "timed out" if gaveUp else "lost"
                return Handshake(state, time=event.time, end=event.how)
        seen = len(parser.events)
        # Raw bytes wait in the parser until something else happens: read
        # the state of each direction to know at once.
        if not requested and (client.state == "raw" or server.buffer):
            return None
        if requested and server.state == "raw":
            return Handshake("garbled", time=record.time)
    return Handshake("waiting") if requested else None


def _asksUpgrade(request: Request) -> bool:
    return "websocket" in [
        token.lower() for token in commaList(request.header("Upgrade"))
    ]
