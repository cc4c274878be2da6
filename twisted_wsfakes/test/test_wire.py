"""
Tests for twisted_wsfakes.transcript.wire: from bytes on the wire to transcript events.
"""

from __future__ import annotations

import itertools
import operator
import reprlib
import zlib
from collections.abc import Iterable, Sequence

import attrs
from hypothesis import given, settings
from hypothesis import strategies as st
from twisted.trial.unittest import SynchronousTestCase

from twisted_wsfakes.transcript import (
    BinaryMessage,
    Close,
    ConnectionEnd,
    Event,
    Ping,
    Pong,
    RawData,
    Request,
    Response,
    TextMessage,
    Transcript,
)
from twisted_wsfakes.transcript.wire import (
    Handshake,
    WireData,
    WireEnd,
    handshakeFromWire,
    transcriptFromWire,
)

_KEY = b"\x37\xfa\x21\x3d"

_TEXT, _BINARY, _CLOSE, _PING, _PONG = 0x1, 0x2, 0x8, 0x9, 0xA

_UPGRADE = (
    ("Host", "feed.example"),
    ("Upgrade", "websocket"),
    ("Connection", "Upgrade"),
    ("Sec-WebSocket-Key", "dGhlIHNhbXBsZSBub25jZQ=="),
    ("Sec-WebSocket-Version", "13"),
)
_ACCEPT = (
    ("Upgrade", "websocket"),
    ("Connection", "Upgrade"),
    ("Sec-WebSocket-Accept", "s3pPLMBiTxaQ9kYGzzhZRbK+xOo="),
)


def _frame(
    opcode: int,
    payload: bytes,
    *,
    mask: bytes | None,
    fin: bool = True,
    rsv1: bool = False,
) -> bytes:
    """
    Encode one websocket frame, with the shortest length form.
    """
    first = (0x80 if fin else 0) | (0x40 if rsv1 else 0) | opcode
    maskBit = 0x80 if mask is not None else 0
    size = len(payload)
    if size < 126:
        header = bytes([first, maskBit | size])
    elif size < 0x10000:
        header = bytes([first, maskBit | 126]) + size.to_bytes(2, "big")
    else:
        header = bytes([first, maskBit | 127]) + size.to_bytes(8, "big")
    if mask is None:
        return header + payload
    masked = bytes(map(operator.xor, payload, itertools.cycle(mask)))
    return header + mask + masked


def _client(
    opcode: int, payload: bytes, *, fin: bool = True, rsv1: bool = False
) -> bytes:
    """
    A frame as a client sends it: masked.
    """
    return _frame(opcode, payload, mask=_KEY, fin=fin, rsv1=rsv1)


def _server(
    opcode: int, payload: bytes, *, fin: bool = True, rsv1: bool = False
) -> bytes:
    """
    A frame as a server sends it: not masked.
    """
    return _frame(opcode, payload, mask=None, fin=fin, rsv1=rsv1)


def _closePayload(code: int, reason: bytes = b"") -> bytes:
    return code.to_bytes(2, "big") + reason


def _head(startLine: str, headers: Iterable[tuple[str, str]]) -> bytes:
    lines = [startLine, *(f"{name}: {value}" for name, value in headers)]
    return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1")


def _request(path: str = "/v1", headers: Sequence[tuple[str, str]] = _UPGRADE) -> bytes:
    return _head(f"GET {path} HTTP/1.1", headers)


def _response(
    status: int = 101,
    reason: str = "Switching Protocols",
    headers: Sequence[tuple[str, str]] = _ACCEPT,
) -> bytes:
    return _head(f"HTTP/1.1 {status} {reason}", headers)


def _handshake(time: float = 0.0) -> list[WireData | WireEnd]:
    """
    The wire records of a plain upgrade and its 101 answer.
    """
    return [
        WireData(time, "client", _request()),
        WireData(time, "server", _response()),
    ]


def _events(records: Sequence[WireData | WireEnd]) -> tuple[Event, ...]:
    """
    The events after the handshake.
    """
    return transcriptFromWire(records).events[2:]


def _timeless(events: Iterable[Event]) -> list[Event]:
    return [attrs.evolve(event, time=0.0) for event in events]  # type: ignore[misc]


def _chunks(data: bytes, cuts: Iterable[int]) -> list[bytes]:
    points = sorted({0, len(data), *cuts})
    return [data[start:end] for start, end in itertools.pairwise(points)]


class HandshakeTests(SynchronousTestCase):
    """
    The HTTP upgrade request and response become events.
    """

    def test_requestAndResponse(self) -> None:
        """
        The request gives its method, path and headers in order; the response
        its status, reason and headers.
        """
        events = transcriptFromWire(_handshake(1.5)).events
        self.assertEqual(
            events,
            (
                Request(1.5, "client", "GET", "/v1", _UPGRADE),
                Response(1.5, "server", 101, "Switching Protocols", _ACCEPT),
            ),
        )

    def test_subprotocols(self) -> None:
        """
        The offered subprotocols and the chosen one are read from
        ``Sec-WebSocket-Protocol``, whatever the header's case.
        """
        records: list[WireData | WireEnd] = [
            WireData(
                0,
                "client",
                _request(
                    headers=[*_UPGRADE, ("sec-websocket-protocol", "feed.v2, feed.v1")]
                ),
            ),
            WireData(
                0,
                "server",
                _response(headers=[*_ACCEPT, ("Sec-WebSocket-Protocol", "feed.v1")]),
            ),
        ]
        request, response = transcriptFromWire(records).events
        assert isinstance(request, Request) and isinstance(response, Response)
        self.assertEqual(request.subprotocols, ("feed.v2", "feed.v1"))
        self.assertEqual(response.subprotocol, "feed.v1")
        self.assertEqual(request.header("HOST"), "feed.example")
        self.assertIsNone(request.header("Cookie"))

    def test_repeatedHeader(self) -> None:
        """
        ``header()`` joins a header sent several times with commas.
        """
        request = Request(0, "client", "GET", "/", [("X-A", "1"), ("x-a", "2")])
        self.assertEqual(request.header("x-A"), "1, 2")

    def test_headerValueKeepsEveryByte(self) -> None:
        """
        Header values are decoded as Latin-1, so no byte is lost.
        """
        head = b"GET / HTTP/1.1\r\nX-Name: caf\xe9\r\n\r\n"
        (request,) = transcriptFromWire([WireData(0, "client", head)]).events
        assert isinstance(request, Request)
        self.assertEqual(request.headers, (("X-Name", "caf\xe9"),))

    def test_headSplitAnywhere(self) -> None:
        """
        A head written a byte at a time gives the same event, at the time of
        its last byte.
        """
        head = _request()
        records: list[WireData | WireEnd] = [
            WireData(float(index), "client", head[index : index + 1])
            for index in range(len(head))
        ]
        (request,) = transcriptFromWire(records).events
        self.assertEqual(
            request, Request(len(head) - 1.0, "client", "GET", "/v1", _UPGRADE)
        )

    def test_responseBeforeRequest(self) -> None:
        """
        A response the log shows before the request still decides what the
        client's later bytes are.
        """
        frame = _client(_TEXT, b"hi")
        for response, after in [
            (_response(), TextMessage(1, "client", "hi")),
            (_response(400, "Bad Request", []), RawData(1, "client", frame)),
        ]:
            records: list[WireData | WireEnd] = [
                WireData(0, "server", response),
                WireData(1, "client", _request() + frame),
            ]
            self.assertEqual(transcriptFromWire(records).events[2:], (after,))

    def test_clientBytesBeforeResponse(self) -> None:
        """
        Frames a client writes before the 101 arrives are read when it does,
        at its time.
        """
        records: list[WireData | WireEnd] = [
            WireData(0, "client", _request() + _client(_TEXT, b"early")),
            WireData(2, "server", _response()),
        ]
        self.assertEqual(_events(records), (TextMessage(2, "client", "early"),))


class MessageTests(SynchronousTestCase):
    """
    Websocket frames become message and control events.
    """

    def assertEqualShort(self, first: object, second: object, msg: str = "") -> None:
        """
        Like ``assertEqual`` for values too big to diff: the report shows
        only their beginnings.
        """
        if first != second:
            self.fail(f"{msg}: {reprlib.repr(first)} != {reprlib.repr(second)}")

    def test_textBothWays(self) -> None:
        """
        Text from the client is unmasked; text from the server is not masked.
        """
        records = _handshake() + [
            WireData(1, "client", _client(_TEXT, '{"op":"sub"} ✓'.encode())),
            WireData(2, "server", _server(_TEXT, b"ok")),
        ]
        self.assertEqual(
            _events(records),
            (
                TextMessage(1, "client", '{"op":"sub"} ✓'),
                TextMessage(2, "server", "ok"),
            ),
        )

    def test_binaryBothWays(self) -> None:
        """
        Binary messages keep their bytes, either way.
        """
        records = _handshake() + [
            WireData(1, "client", _client(_BINARY, b"\x00\x01\xff")),
            WireData(2, "server", _server(_BINARY, b"")),
        ]
        self.assertEqual(
            _events(records),
            (
                BinaryMessage(1, "client", b"\x00\x01\xff"),
                BinaryMessage(2, "server", b""),
            ),
        )

    def test_lengthForms(self) -> None:
        """
        Payloads of 125, 126 and 65,535 bytes (16-bit length) and 65,536 and
        70,000 bytes (64-bit length) are read whole.
        """
        sizes = [125, 126, 0xFFFF, 0x10000, 70000]
        payloads = [
            bytes(range(256)) * (size // 256) + bytes(size % 256) for size in sizes
        ]
        records = _handshake()
        for payload in payloads:
            records.append(WireData(1, "client", _client(_BINARY, payload)))
            records.append(WireData(1, "server", _server(_BINARY, payload)))
        events = _events(records)
        self.assertEqual(
            [(event.sender, len(event.data)) for event in events],  # type: ignore[attr-defined]
            [(sender, size) for size in sizes for sender in ("client", "server")],
        )
        self.assertEqualShort(
            transcriptFromWire(records).messages("server"), tuple(payloads)
        )

    def test_fragmentedMessage(self) -> None:
        """
        Fragments are joined into one message at the time of the final
        fragment, even when they split a UTF-8 character, and a ping between
        fragments stays where it was.
        """
        text = "héllo wörld".encode()
        records = _handshake() + [
            WireData(1, "client", _client(_TEXT, text[:2], fin=False)),
            WireData(2, "client", _client(_PING, b"p")),
            WireData(3, "client", _client(0, text[2:6], fin=False)),
            WireData(4, "client", _client(0, text[6:])),
            WireData(
                5, "server", _server(_BINARY, b"ab", fin=False) + _server(0, b"c")
            ),
        ]
        self.assertEqual(
            _events(records),
            (
                Ping(2, "client", b"p"),
                TextMessage(4, "client", "héllo wörld"),
                BinaryMessage(5, "server", b"abc"),
            ),
        )

    def test_severalFramesInOneWrite(self) -> None:
        """
        One write holding several frames gives one event per frame.
        """
        records = _handshake() + [
            WireData(1, "server", _server(_TEXT, b"a") + _server(_TEXT, b"b")),
        ]
        self.assertEqual(
            _events(records),
            (TextMessage(1, "server", "a"), TextMessage(1, "server", "b")),
        )

    def test_longFrameSplit(self) -> None:
        """
        A frame with a 64-bit length, cut anywhere in its header or its mask,
        gives the same event.
        """
        frame = _client(_BINARY, bytes(range(256)) * 300)
        for cut in range(1, 16):
            records = _handshake() + [
                WireData(1, "client", frame[:cut]),
                WireData(2, "client", frame[cut:]),
            ]
            self.assertEqualShort(
                _events(records),
                (BinaryMessage(2, "client", bytes(range(256)) * 300),),
                f"cut at {cut}",
            )

    def test_frameTimeIsCompletingWrite(self) -> None:
        """
        A frame written in pieces takes the time of the piece completing it.
        """
        frame = _server(_TEXT, b"hello")
        records = _handshake() + [
            WireData(1, "server", frame[:3]),
            WireData(7, "server", frame[3:]),
        ]
        self.assertEqual(_events(records), (TextMessage(7, "server", "hello"),))

    def test_pingPong(self) -> None:
        """
        Pings and pongs keep their payloads.
        """
        records = _handshake() + [
            WireData(5, "server", _server(_PING, b"")),
            WireData(5, "client", _client(_PONG, b"")),
            WireData(6, "client", _client(_PING, b"\x01\x02")),
            WireData(6, "server", _server(_PONG, b"\x01\x02")),
        ]
        self.assertEqual(
            _events(records),
            (
                Ping(5, "server", b""),
                Pong(5, "client", b""),
                Ping(6, "client", b"\x01\x02"),
                Pong(6, "server", b"\x01\x02"),
            ),
        )

    def test_close(self) -> None:
        """
        A close frame gives its code and reason; one with no payload has
        neither.
        """
        records = _handshake() + [
            WireData(5, "client", _client(_CLOSE, _closePayload(1000, b"bye"))),
            WireData(5, "server", _server(_CLOSE, b"")),
        ]
        self.assertEqual(
            _events(records),
            (Close(5, "client", 1000, "bye"), Close(5, "server", None, "")),
        )

    def test_closeReasonNotUTF8(self) -> None:
        """
        A close reason that is not UTF-8 is kept as its bytes.
        """
        records = _handshake() + [
            WireData(5, "server", _server(_CLOSE, _closePayload(1002, b"\xff"))),
        ]
        self.assertEqual(_events(records), (Close(5, "server", 1002, b"\xff"),))

    def test_textNotUTF8(self) -> None:
        """
        A text message that is not valid UTF-8 stays a text message, holding
        the exact bytes.
        """
        records = _handshake() + [WireData(1, "server", _server(_TEXT, b"ok \xc3("))]
        self.assertEqual(_events(records), (TextMessage(1, "server", b"ok \xc3("),))

    def test_maskedServerFrame(self) -> None:
        """
        Any frame with the mask bit is unmasked, whoever sent it.
        """
        records = _handshake() + [WireData(1, "server", _client(_TEXT, b"odd"))]
        self.assertEqual(_events(records), (TextMessage(1, "server", "odd"),))

    def test_connectionEnds(self) -> None:
        """
        Each way of ending becomes an event naming who ended it.
        """
        for how, by in [("closed", "server"), ("aborted", "client"), ("dropped", None)]:
            records = _handshake() + [WireEnd(9, how, by)]  # type: ignore[arg-type]
            self.assertEqual(_events(records), (ConnectionEnd(9, by, how),))  # type: ignore[arg-type]
            self.assertEqual(_events(records)[0].kind, how)

    def test_emptyLog(self) -> None:
        """
        No records, no events.
        """
        self.assertEqual(transcriptFromWire([]), Transcript([]))

    def test_notARecord(self) -> None:
        """
        Something that is not a wire record is refused.
        """
        self.assertRaises(TypeError, transcriptFromWire, [object()])

    def test_timesGoingBackwards(self) -> None:
        """
        Records whose times go backwards cannot make a transcript.
        """
        records = _handshake(3) + [WireData(1, "server", _server(_TEXT, b"x"))]
        self.assertRaises(ValueError, transcriptFromWire, records)


class CompressionTests(SynchronousTestCase):
    """
    permessage-deflate messages are inflated when the extension was agreed.
    """

    def _deflated(self, messages: Sequence[bytes]) -> list[bytes]:
        """
        Compress ``messages`` as one sender with context takeover would.
        """
        compressor = zlib.compressobj(wbits=-15)
        result = []
        for message in messages:
            data = compressor.compress(message) + compressor.flush(zlib.Z_SYNC_FLUSH)
            self.assertEqual(data[-4:], b"\x00\x00\xff\xff")
            result.append(data[:-4])
        return result

    def _agreed(self) -> list[WireData | WireEnd]:
        return [
            WireData(0, "client", _request()),
            WireData(
                0,
                "server",
                _response(
                    headers=[
                        *_ACCEPT,
                        (
                            "Sec-WebSocket-Extensions",
                            "permessage-deflate; client_max_window_bits=15",
                        ),
                    ]
                ),
            ),
        ]

    def test_inflated(self) -> None:
        """
        Compressed messages are inflated, keeping the deflate context from
        one message to the next, fragmented or not.
        """
        first, second = self._deflated([b"hello hello hello", b"hello again"])
        records = self._agreed() + [
            WireData(1, "server", _server(_TEXT, first, rsv1=True)),
            WireData(2, "server", _server(_BINARY, second[:3], rsv1=True, fin=False)),
            WireData(2, "server", _server(0, second[3:])),
            WireData(3, "client", _client(_TEXT, b"plain")),
        ]
        self.assertEqual(
            _events(records),
            (
                TextMessage(1, "server", "hello hello hello"),
                BinaryMessage(2, "server", b"hello again"),
                TextMessage(3, "client", "plain"),
            ),
        )

    def test_notAgreed(self) -> None:
        """
        A message with RSV1 on a connection that agreed no compression keeps
        its compressed bytes and says so.
        """
        (data,) = self._deflated([b"hello"])
        other = _response(
            headers=[*_ACCEPT, ("Sec-WebSocket-Extensions", "x-webkit-deflate-frame")]
        )
        for response in [_response(), other]:
            records: list[WireData | WireEnd] = [
                WireData(0, "client", _request()),
                WireData(0, "server", response),
                WireData(1, "server", _server(_TEXT, data, rsv1=True)),
            ]
            self.assertEqual(
                _events(records), (TextMessage(1, "server", data, compressed=True),)
            )

    def test_finalBlock(self) -> None:
        """
        A message whose deflate stream ends with a final block is inflated,
        and the next message starts a new stream.
        """
        compressor = zlib.compressobj(wbits=-15)
        first = compressor.compress(b"first") + compressor.flush()
        (second,) = self._deflated([b"second"])
        records = self._agreed() + [
            WireData(1, "server", _server(_TEXT, first, rsv1=True)),
            WireData(2, "server", _server(_TEXT, second, rsv1=True)),
        ]
        self.assertEqual(
            _events(records),
            (TextMessage(1, "server", "first"), TextMessage(2, "server", "second")),
        )

    def test_notInflatable(self) -> None:
        """
        A message that is not a valid deflate stream keeps its bytes and says
        it is compressed; the next message is inflated afresh.
        """
        (fresh,) = self._deflated([b"fresh start"])
        records = self._agreed() + [
            WireData(0, "server", _server(_TEXT, fresh, rsv1=True)),
            WireData(1, "server", _server(_BINARY, b"\xff\xff", rsv1=True)),
            WireData(2, "server", _server(_TEXT, fresh, rsv1=True)),
        ]
        self.assertEqual(
            _events(records),
            (
                TextMessage(0, "server", "fresh start"),
                BinaryMessage(1, "server", b"\xff\xff", compressed=True),
                TextMessage(2, "server", "fresh start"),
            ),
        )


class RawDataTests(SynchronousTestCase):
    """
    Bytes that are not HTTP heads or websocket frames are kept as raw data.
    """

    def test_notHTTP(self) -> None:
        """
        A stream that does not open with a request line is raw data, each
        write at its own time.
        """
        records: list[WireData | WireEnd] = [
            WireData(0, "client", b"\x16\x03\x01 TLS hello"),
            WireData(1, "client", b"more"),
            WireData(1, "server", b"\x15\x03"),
            WireData(2, "server", b"\x01"),
        ]
        self.assertEqual(
            transcriptFromWire(records).events,
            (
                RawData(0, "client", b"\x16\x03\x01 TLS hello"),
                RawData(1, "client", b"more"),
                RawData(1, "server", b"\x15\x03"),
                RawData(2, "server", b"\x01"),
            ),
        )

    def test_textNotHTTP(self) -> None:
        """
        A line of text that is not a request line is raw data from the write
        that ends the line; raw writes at the same time make one event.
        """
        records: list[WireData | WireEnd] = [
            WireData(0, "client", b"HELO mail"),
            WireData(0, "client", b".example\r\n"),
            WireData(1, "client", b"QUIT\r\n"),
        ]
        self.assertEqual(
            transcriptFromWire(records).events,
            (
                RawData(0, "client", b"HELO mail.example\r\n"),
                RawData(1, "client", b"QUIT\r\n"),
            ),
        )

    def test_notFound(self) -> None:
        """
        After a 404 response, its body and anything else either side writes
        is raw data.
        """
        records: list[WireData | WireEnd] = [
            WireData(0, "client", _request()),
            WireData(
                1,
                "server",
                _response(404, "Not Found", [("Content-Length", "9")]) + b"not here!",
            ),
            WireData(2, "client", _client(_TEXT, b"x")),
            WireEnd(3, "closed", "server"),
        ]
        self.assertEqual(
            transcriptFromWire(records).events,
            (
                Request(0, "client", "GET", "/v1", _UPGRADE),
                Response(1, "server", 404, "Not Found", [("Content-Length", "9")]),
                RawData(1, "server", b"not here!"),
                RawData(2, "client", _client(_TEXT, b"x")),
                ConnectionEnd(3, "server", "closed"),
            ),
        )

    def test_badHeaderLine(self) -> None:
        """
        A head with a line that is not a header is raw data, whole.
        """
        head = b"GET / HTTP/1.1\r\nno colon here\r\n\r\n"
        self.assertEqual(
            transcriptFromWire([WireData(0, "client", head)]).events,
            (RawData(0, "client", head),),
        )

    def test_reservedOpcode(self) -> None:
        """
        From a frame with a reserved opcode on, that side's bytes are raw
        data; the other side is still read.
        """
        bad = _server(0x3, b"??") + _server(_TEXT, b"lost sync")
        records = _handshake() + [
            WireData(1, "server", _server(_TEXT, b"fine") + bad),
            WireData(2, "server", _server(_TEXT, b"later")),
            WireData(3, "client", _client(_TEXT, b"still read")),
        ]
        self.assertEqual(
            _events(records),
            (
                TextMessage(1, "server", "fine"),
                RawData(1, "server", bad),
                RawData(2, "server", _server(_TEXT, b"later")),
                TextMessage(3, "client", "still read"),
            ),
        )

    def test_framingErrors(self) -> None:
        """
        Each break of the framing rules turns the rest of the stream into raw
        data, including the frames of a message left unfinished.
        """
        started = _server(_TEXT, b"par", fin=False)
        cases = [
            ("continuation with no message", b"", _server(0, b"x")),
            ("new message inside one", started, _server(_TEXT, b"x")),
            ("fragmented control frame", b"", _server(_PING, b"", fin=False)),
            ("long control frame", b"", _server(_PING, bytes(126))),
            ("RSV1 on a control frame", b"", _server(_PING, b"", rsv1=True)),
            ("RSV1 on a continuation", started, _server(0, b"x", rsv1=True)),
            ("RSV2", b"", bytes([0x80 | 0x20 | _TEXT, 0])),
            ("one-byte close", b"", _server(_CLOSE, b"\x03")),
            ("64-bit length with top bit", b"", b"\x82\xff" + b"\x80" + bytes(7)),
        ]
        after = _server(_TEXT, b"after")
        for name, before, bad in cases:
            records = _handshake() + [
                WireData(1, "server", before + bad),
                WireData(2, "server", after),
            ]
            self.assertEqual(
                _events(records),
                (RawData(1, "server", before + bad), RawData(2, "server", after)),
                name,
            )

    def test_unfinishedAtEnd(self) -> None:
        """
        A frame cut short and a message never finished come out as raw data
        when the connection ends, before the end event.
        """
        started = _client(_TEXT, b"part", fin=False)
        cut = _server(_TEXT, b"cut short")[:-3]
        records = _handshake() + [
            WireData(1, "client", started),
            WireData(2, "server", cut),
            WireEnd(4, "dropped", None),
        ]
        self.assertEqual(
            _events(records),
            (
                RawData(4, "client", started),
                RawData(4, "server", cut),
                ConnectionEnd(4, None, "dropped"),
            ),
        )

    def test_unfinishedWhileOpen(self) -> None:
        """
        Bytes still pending when the log ends, on a connection still open,
        come out as raw data at the time of the last record.
        """
        records: list[WireData | WireEnd] = [
            WireData(0, "client", b"GET / HT"),
            WireData(1, "server", b"HTTP/1.1"),
        ]
        self.assertEqual(
            transcriptFromWire(records).events,
            (RawData(1, "client", b"GET / HT"), RawData(1, "server", b"HTTP/1.1")),
        )

    def test_noResponse(self) -> None:
        """
        Client bytes after the request wait for the response; if none comes
        they are raw data when the connection ends.
        """
        frame = _client(_TEXT, b"x")
        records: list[WireData | WireEnd] = [
            WireData(0, "client", _request() + frame),
            WireEnd(2, "aborted", "client"),
        ]
        self.assertEqual(
            transcriptFromWire(records).events[1:],
            (RawData(2, "client", frame), ConnectionEnd(2, "client", "aborted")),
        )

    def test_endlessHead(self) -> None:
        """
        A head that goes on past 64 KiB is taken as raw data at once.
        """
        data = b"GET /" + b"a" * 70000
        records: list[WireData | WireEnd] = [
            WireData(0, "client", data),
            WireData(1, "client", b"b"),
        ]
        self.assertEqual(
            transcriptFromWire(records).events,
            (RawData(0, "client", data), RawData(1, "client", b"b")),
        )


def _paddedHead(size: int) -> bytes:
    """
    A request head of exactly ``size`` bytes, its blank line included, most
    of them spaces padding one header's value.
    """
    start = b"GET /v1 HTTP/1.1\r\nX-Pad: a"
    end = b"b\r\n\r\n"
    return start + b" " * (size - len(start) - len(end)) + end


class HeadLimitTests(SynchronousTestCase):
    """
    Heads are read in linear time, up to 64 KiB however they arrive.
    """

    def _whole(self, head: bytes) -> tuple[Event, ...]:
        return transcriptFromWire([WireData(0, "client", head)]).events

    def _inPieces(self, head: bytes, size: int = 1) -> tuple[Event, ...]:
        return transcriptFromWire(
            [
                WireData(0, "client", head[i : i + size])
                for i in range(0, len(head), size)
            ]
        ).events

    def test_paddedHeaderValue(self) -> None:
        """
        A header value padded with 64,000 spaces reads as the value with
        the padding around it stripped and inside it kept, in one piece or
        in many.
        """
        start = b"GET /v1 HTTP/1.1\r\nX-Pad:" + b" " * 32000 + b"a"
        head = start + b" " * 32000 + b"b" + b"\t " * 10 + b"\r\nHost: x\r\n\r\n"
        value = "a" + " " * 32000 + "b"
        expected = Request(0, "client", "GET", "/v1", [("X-Pad", value), ("Host", "x")])
        self.assertEqual(self._whole(head), (expected,))
        self.assertEqual(self._inPieces(head, 97), (expected,))

    def test_headAtTheLimit(self) -> None:
        """
        A head of exactly 64 KiB, blank line included, is a request, in one
        piece or a byte at a time.
        """
        head = _paddedHead(64 * 1024)
        for events in (self._whole(head), self._inPieces(head)):
            (request,) = events
            assert isinstance(request, Request)
            self.assertEqual(request.header("X-Pad"), "a" + " " * 65505 + "b")

    def test_headOverTheLimit(self) -> None:
        """
        A head one byte longer is raw data, in one piece or a byte at a
        time, and so is what follows it.
        """
        head = _paddedHead(64 * 1024 + 1)
        frame = _client(_TEXT, b"after")
        self.assertEqual(
            self._whole(head + frame), (RawData(0, "client", head + frame),)
        )
        self.assertEqual(self._inPieces(head), (RawData(0, "client", head),))

    def test_lineFeedInValue(self) -> None:
        """
        A bare line feed inside a header line makes the head raw data, and so
        does a folded (indented) header line.
        """
        for head in (
            b"GET / HTTP/1.1\r\nX-A: a\nb\r\n\r\n",
            b"GET / HTTP/1.1\r\nX-A: a\r\n b\r\n\r\n",
        ):
            self.assertEqual(self._whole(head), (RawData(0, "client", head),))


# A message to send, how to cut it into fragments, and whether to put a ping
# between its first two fragments.
_MESSAGES = st.tuples(
    st.sampled_from(["client", "server"]),
    st.one_of(
        st.text(max_size=200),
        st.binary(max_size=200),
        # 16-bit lengths; 64-bit ones are cut in test_longFrameSplit, as
        # payloads that big make a failing example take minutes to shrink.
        st.binary(min_size=126, max_size=300),
    ),
    st.lists(st.integers(0, 300), max_size=3),
    st.booleans(),
)


def _conversation(
    messages: Sequence[tuple[str, str | bytes, list[int], bool]],
) -> tuple[dict[str, bytes], list[Event]]:
    """
    Encode ``messages``: each side's frames, and the events they should give
    (client messages first, then the server's, as the records will be).
    """
    streams = {"client": b"", "server": b""}
    expected: dict[str, list[Event]] = {"client": [], "server": []}
    for sender, message, cuts, ping in messages:
        encode = _client if sender == "client" else _server
        payload = message.encode() if isinstance(message, str) else message
        opcode = _TEXT if isinstance(message, str) else _BINARY
        pieces = _chunks(payload, [cut for cut in cuts if cut < len(payload)]) or [b""]
        for index, piece in enumerate(pieces):
            final = index == len(pieces) - 1
            streams[sender] += encode(opcode if index == 0 else 0, piece, fin=final)
            if ping and index == 0 and not final:
                streams[sender] += encode(_PING, b"!")
                expected[sender].append(Ping(0, sender, b"!"))  # type: ignore[arg-type]
        event: Event
        if isinstance(message, str):
            event = TextMessage(0, sender, message)  # type: ignore[arg-type]
        else:
            event = BinaryMessage(0, sender, message)  # type: ignore[arg-type]
        expected[sender].append(event)
    return streams, expected["client"] + expected["server"]


def _cuts(length: int) -> st.SearchStrategy[list[int]]:
    """
    Where to cut a stream of ``length`` bytes into writes: at a few places
    anywhere, or in small repeating sizes all along its first 1,500 bytes, so
    that every boundary inside a head or a frame header gets cut through
    (cutting further only makes a failing example slow to shrink).
    """
    anywhere = st.lists(st.integers(0, length), max_size=8)
    end = min(length, 1500)
    everywhere = st.lists(st.integers(1, 9), min_size=1, max_size=3).map(
        lambda sizes: list(
            itertools.takewhile(
                lambda cut: cut < end, itertools.accumulate(itertools.cycle(sizes))
            )
        )
    )
    return st.one_of(anywhere, everywhere)


class SplitPropertyTests(SynchronousTestCase):
    """
    How the bytes were cut into writes does not change the events.
    """

    @settings(deadline=None, derandomize=True, max_examples=150)
    @given(st.lists(_MESSAGES, max_size=6), st.data())
    def test_anySplit(
        self,
        messages: list[tuple[str, str | bytes, list[int], bool]],
        data: st.DataObject,
    ) -> None:
        """
        Cutting each side's stream into writes anywhere gives the same events
        (times aside) as sending it whole.
        """
        streams, expected = _conversation(messages)
        segments = [
            ("client", _request()),
            ("server", _response()),
            ("client", streams["client"]),
            ("server", streams["server"]),
        ]
        whole: list[WireData | WireEnd] = []
        split: list[WireData | WireEnd] = []
        for sender, segment in segments:
            whole.append(WireData(0, sender, segment))  # type: ignore[arg-type]
            for piece in _chunks(segment, data.draw(_cuts(len(segment)))):
                split.append(WireData(len(split), sender, piece))  # type: ignore[arg-type]
        whole.append(WireEnd(0, "closed", "client"))
        split.append(WireEnd(len(split), "closed", "client"))
        handshake = [
            Request(0, "client", "GET", "/v1", _UPGRADE),
            Response(0, "server", 101, "Switching Protocols", _ACCEPT),
        ]
        end = ConnectionEnd(0, "client", "closed")
        self.assertEqual(
            list(transcriptFromWire(whole).events), [*handshake, *expected, end]
        )
        self.assertEqual(
            _timeless(transcriptFromWire(split).events), [*handshake, *expected, end]
        )

    @settings(deadline=None, derandomize=True, max_examples=100)
    @given(st.binary(max_size=300), st.lists(st.integers(0, 300), max_size=8))
    def test_rawSplitAtOneTime(self, stream: bytes, cuts: list[int]) -> None:
        """
        Raw bytes written at one time make the same events however they are
        cut, and none are lost.
        """
        records: list[WireData | WireEnd] = [
            WireData(0, "client", piece) for piece in _chunks(stream, cuts)
        ]
        events = transcriptFromWire(records).events
        whole = transcriptFromWire([WireData(0, "client", stream)]).events
        self.assertEqual(events, whole)
        self.assertEqual(
            b"".join(event.data for event in events if isinstance(event, RawData)),
            stream if not any(isinstance(event, Request) for event in events) else b"",
        )


class HandshakeFromWireTests(SynchronousTestCase):
    """
    ``handshakeFromWire`` reads how the opening handshake went from the
    start of a wire log.
    """

    def test_opened(self) -> None:
        """
        A 101 answer opens it, at the answer's time; frames after it are
        not read.
        """
        records = [
            WireData(1.0, "client", _request()),
            WireData(1.5, "server", _response() + _server(_TEXT, b"hi")),
            WireData(2.0, "client", b"\xff" * 10),
        ]
        self.assertEqual(handshakeFromWire(records), Handshake("opened", 101, 1.5))

    def test_refused(self) -> None:
        """
        Another status refuses it, with that status, even when the head
        arrives in pieces.
        """
        response = _response(429, "Too Many Requests", ())
        records: list[WireData | WireEnd] = [WireData(0.0, "client", _request())]
        records += [
            WireData(0.25, "server", piece) for piece in _chunks(response, [3, 20])
        ]
        records.append(WireEnd(0.25, "closed", "server"))
        handshake = handshakeFromWire(records)
        self.assertEqual(handshake, Handshake("refused", 429, 0.25))
        self.assertEqual(str(handshake), "handshake refused 429")

    def test_clientGaveUp(self) -> None:
        """
        The client ending the connection with its request unanswered is a
        timeout.
        """
        records: list[WireData | WireEnd] = [
            WireData(0.0, "client", _request()),
            WireData(4.0, "server", b"HTTP/1.1 10"),
            WireEnd(5.0, "aborted", "client"),
        ]
        handshake = handshakeFromWire(records)
        self.assertEqual(handshake, Handshake("timed out", time=5.0, end="aborted"))
        self.assertEqual(str(handshake), "handshake timed out")

    def test_lost(self) -> None:
        """
        The server closing, or the network dropping, the connection before
        an answer loses it, and says how.
        """
        request = WireData(0.0, "client", _request())
        closed = handshakeFromWire([request, WireEnd(1.0, "closed", "server")])
        dropped = handshakeFromWire([request, WireEnd(2.0, "dropped", None)])
        self.assertEqual(closed, Handshake("lost", time=1.0, end="closed"))
        self.assertEqual(
            (str(closed), str(dropped)),
            ("server closed before open", "dropped before open"),
        )

    def test_waiting(self) -> None:
        """
        A request with no answer yet on an open connection is waiting.
        """
        records = [WireData(0.0, "client", _request())]
        self.assertEqual(handshakeFromWire(records), Handshake("waiting"))
        self.assertEqual(str(Handshake("waiting")), "handshake waiting")

    def test_garbled(self) -> None:
        """
        An answer that is not HTTP garbles it.
        """
        records = [
            WireData(0.0, "client", _request()),
            WireData(0.5, "server", b"SSH-2.0-OpenSSH\r\n"),
        ]
        handshake = handshakeFromWire(records)
        self.assertEqual(handshake, Handshake("garbled", time=0.5))
        self.assertEqual(str(handshake), "handshake answered with non-HTTP bytes")

    def test_notWebSocket(self) -> None:
        """
        A connection whose client sends no HTTP request, or nothing at all,
        has no handshake.
        """
        self.assertIsNone(handshakeFromWire([]))
        self.assertIsNone(handshakeFromWire([WireData(0.0, "client", b"\x00\x01")]))
        self.assertIsNone(
            handshakeFromWire(
                [
                    WireData(0.0, "server", b"220 ready\r\n"),
                    WireEnd(1, "closed", "client"),
                ]
            )
        )

    def test_serverSpokeFirst(self) -> None:
        """
        A server that answers before any request is not in a websocket
        handshake, whole answer or not.
        """
        self.assertIsNone(
            handshakeFromWire([WireData(0.0, "server", _response()), *_handshake()])
        )
        self.assertIsNone(handshakeFromWire([WireData(0.0, "server", b"HTTP/1.1")]))

    def test_plainHTTP(self) -> None:
        """
        An HTTP request that does not ask to upgrade to websocket, and its
        answer, are no websocket handshake.
        """
        records = [
            WireData(0.0, "client", _request(headers=(("Host", "feed.example"),))),
            WireData(0.0, "server", _response(200, "OK", ())),
        ]
        self.assertIsNone(handshakeFromWire(records))
