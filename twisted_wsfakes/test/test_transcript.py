"""
Tests for twisted_wsfakes.transcript: events, the Transcript, rendering.
"""

from __future__ import annotations

import operator

import attrs
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


class TranscriptTests(SynchronousTestCase):
    """
    A ``Transcript`` is an immutable sequence of events.
    """

    def setUp(self) -> None:
        self.events: list[Event] = [
            TextMessage(0, "client", "hi"),
            BinaryMessage(1, "server", b"\x01"),
            Ping(1, "server"),
            TextMessage(2, "server", "yo"),
            ConnectionEnd(3, None, "dropped"),
        ]
        self.transcript = Transcript(self.events)

    def test_sequence(self) -> None:
        """
        A transcript has a length, iterates over its events, and indexes
        them; a slice is a transcript too.
        """
        self.assertEqual(len(self.transcript), 5)
        self.assertEqual(list(self.transcript), self.events)
        self.assertEqual(self.transcript.events, tuple(self.events))
        self.assertEqual(self.transcript[1], self.events[1])
        self.assertEqual(self.transcript[-1], self.events[-1])
        self.assertEqual(self.transcript[:2], Transcript(self.events[:2]))
        withMetadata = Transcript(self.events, metadata={"url": "ws://x/"})
        self.assertEqual(
            withMetadata[3:], Transcript(self.events[3:], metadata={"url": "ws://x/"})
        )

    def test_messages(self) -> None:
        """
        ``messages()`` gives the text and binary payloads, from one side or
        both.
        """
        self.assertEqual(self.transcript.messages(), ("hi", b"\x01", "yo"))
        self.assertEqual(self.transcript.messages("server"), (b"\x01", "yo"))
        self.assertEqual(self.transcript.messages("client"), ("hi",))

    def test_immutable(self) -> None:
        """
        Neither the transcript nor its events nor its metadata can change.
        """
        transcript = Transcript(self.events, metadata={"url": "ws://x/"})
        self.assertRaises(
            attrs.exceptions.FrozenInstanceError, setattr, transcript, "events", ()
        )
        self.assertRaises(
            attrs.exceptions.FrozenInstanceError, setattr, self.events[0], "time", 5.0
        )
        self.assertRaises(TypeError, operator.setitem, transcript.metadata, "url", "y")
        self.events.clear()
        self.assertEqual(len(self.transcript), 5)

    def test_equality(self) -> None:
        """
        Transcripts with the same events and metadata are equal; metadata
        counts.
        """
        self.assertEqual(self.transcript, Transcript(iter(self.events)))
        self.assertNotEqual(
            self.transcript, Transcript(self.events, metadata={"url": "ws://x/"})
        )

    def test_timeOrder(self) -> None:
        """
        Events out of time order are refused, naming the event.
        """
        error = self.assertRaises(
            ValueError,
            Transcript,
            [Ping(2, "client"), Ping(1, "client")],
        )
        self.assertEqual(
            str(error),
            "event 1 at time 1.0 comes before the previous event's time 2.0; "
            "events must be in time order",
        )

    def test_notEvents(self) -> None:
        """
        Only events make a transcript.
        """
        self.assertRaises(TypeError, Transcript, ["hello"])

    def test_kinds(self) -> None:
        """
        Each event class has its kind.
        """
        events: list[Event] = [
            Request(0, "client", "GET", "/"),
            Response(0, "server", 101),
            TextMessage(0, "client", ""),
            BinaryMessage(0, "client", b""),
            Ping(0, "client"),
            Pong(0, "client"),
            Close(0, "client"),
            ConnectionEnd(0, "client", "closed"),
            ConnectionEnd(0, "client", "aborted"),
            ConnectionEnd(0, None, "dropped"),
            RawData(0, "client", b""),
        ]
        self.assertEqual(
            [event.kind for event in events],
            [
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
            ],
        )

    def test_badEvents(self) -> None:
        """
        Events that could not come off a wire are refused.
        """
        self.assertRaises(ValueError, TextMessage, 0, "nobody", "x")
        self.assertRaises(ValueError, TextMessage, 0, "client", "\ud800")
        self.assertRaises(TypeError, TextMessage, 0, "client", "x", compressed=True)
        self.assertRaises(TypeError, BinaryMessage, 0, "client", "x")
        self.assertRaises(ValueError, Close, 0, "client", None, "why")
        self.assertRaises(ValueError, Close, 0, "client", 70000)
        self.assertRaises(ValueError, ConnectionEnd, 0, "client", "dropped")
        self.assertRaises(ValueError, ConnectionEnd, 0, "client", "vanished")
        self.assertRaises(ValueError, Ping, float("nan"), "client")
        self.assertRaises(TypeError, Request, 0, "client", "GET", "/", [("a",)])


class RenderTests(SynchronousTestCase):
    """
    ``render()`` draws a transcript as a sequence diagram.
    """

    def test_render(self) -> None:
        """
        Each event is one line: time, direction, and what was said.
        """
        transcript = Transcript(
            [
                Request(
                    0, "client", "GET", "/v1", [("Sec-WebSocket-Protocol", "feed.v1")]
                ),
                Response(0, "server", 101, "Switching Protocols"),
                TextMessage(0, "client", '{"op":"subscribe","channel":"ETH-USD"}'),
                BinaryMessage(1.25, "server", b"\x0a\x0b\x0c"),
                Ping(5, "server"),
                Pong(5, "client"),
                Close(5, "client", 1000, "bye"),
                Close(5, "server"),
                RawData(6, "server", b"it's\n\x00"),
                ConnectionEnd(1234.5, "server", "closed"),
            ]
        )
        self.assertEqual(
            transcript.render(),
            "  0.000  client → server  request GET /v1 (subprotocols: feed.v1)\n"
            "  0.000  server → client  response 101 Switching Protocols\n"
            '  0.000  client → server  text {"op":"subscribe","channel":"ETH-USD"}\n'
            "  1.250  server → client  binary 0a0b0c\n"
            "  5.000  server → client  ping b''\n"
            "  5.000  client → server  pong b''\n"
            '  5.000  client → server  close 1000 "bye"\n'
            "  5.000  server → client  close (no code)\n"
            "  6.000  server → client  data b'it\\'s\\n\\x00'\n"
            "1234.500  connection closed by server",
        )
        self.assertEqual(str(transcript), transcript.render())

    def test_connectionEnds(self) -> None:
        """
        Aborts name who aborted; drops name nobody.
        """
        transcript = Transcript(
            [ConnectionEnd(1, "client", "aborted"), ConnectionEnd(2, None, "dropped")]
        )
        self.assertEqual(
            transcript.render(),
            "  1.000  connection aborted by client\n  2.000  connection dropped",
        )

    def test_longPayloads(self) -> None:
        """
        Payloads too long for the width are cut, with their full length.
        """
        transcript = Transcript(
            [
                TextMessage(0, "client", '{"op":"subscribe"} ' + "x" * 1215),
                BinaryMessage(0, "server", bytes(range(10)) * 30),
                RawData(0, "server", b"abc" * 100),
            ]
        )
        self.assertEqual(
            transcript.render(width=56),
            '  0.000  client → server  text {"op":"sub… (1,234 chars)\n'
            "  0.000  server → client  binary 0001020304… (300 bytes)\n"
            "  0.000  server → client  data b'abcabcabc'… (300 bytes)",
        )
        for line in transcript.render(width=56).splitlines():
            self.assertLessEqual(len(line), 56)

    def test_escapes(self) -> None:
        """
        Control characters in text are escaped so each event stays one line;
        an empty text shows as ``""``.
        """
        transcript = Transcript(
            [
                TextMessage(0, "client", "a\nb\tc\x00\u2028é"),
                TextMessage(0, "client", ""),
            ]
        )
        self.assertEqual(
            transcript.render(),
            "  0.000  client → server  text a\\nb\\tc\\x00\\u2028é\n"
            '  0.000  client → server  text ""',
        )

    def test_handshakeAndCloseEscaped(self) -> None:
        """
        A request's method, path and subprotocols, a response's reason and
        subprotocol, and a close reason show with newlines, escape
        sequences and other unprintable characters escaped: a peer cannot
        forge a line or drive the terminal.
        """
        forged = "\n✗ step 1\x1b[2J"
        transcript = Transcript(
            [
                Request(
                    0,
                    "client",
                    "G\x1bT",
                    "/v1" + forged,
                    [("Sec-WebSocket-Protocol", "a\x9b, b\u202e")],
                ),
                Response(
                    0,
                    "server",
                    400,
                    "Bad" + forged,
                    [("Sec-WebSocket-Protocol", "a\x07")],
                ),
                Close(0, "server", 4000, "bye" + forged + "\x9b"),
            ]
        )
        self.assertEqual(
            transcript.render().split("\n"),
            [
                (
                    "  0.000  client → server  request G\\x1bT /v1\\n✗ step 1\\x1b[2J "
                    "(subprotocols: a\\x9b, b\\u202e)"
                ),
                (
                    "  0.000  server → client  response 400 Bad\\n✗ step 1\\x1b[2J "
                    "(subprotocol: a\\x07)"
                ),
                '  0.000  server → client  close 4000 "bye\\n✗ step 1\\u001b[2J\\x9b"',
            ],
        )

    def test_oddMessages(self) -> None:
        """
        Text that is not UTF-8 shows as bytes, compressed messages as hex,
        and both say so.
        """
        transcript = Transcript(
            [
                TextMessage(0, "server", b"\xff"),
                TextMessage(0, "server", b"\x78\x9c", compressed=True),
                BinaryMessage(0, "server", b""),
                Close(0, "server", 1002, b"\xfe"),
            ]
        )
        self.assertEqual(
            transcript.render(),
            "  0.000  server → client  text [invalid UTF-8] b'\\xff'\n"
            "  0.000  server → client  text [compressed, not inflated] 789c\n"
            "  0.000  server → client  binary (0 bytes)\n"
            "  0.000  server → client  close 1002 [invalid UTF-8] b'\\xfe'",
        )

    def test_describe(self) -> None:
        """
        ``describe()`` gives one event's line without time or direction,
        payloads cut to its width.
        """
        self.assertEqual(
            TextMessage(0, "client", "x" * 100).describe(width=30),
            "text xxxxxxxxxxxx… (100 chars)",
        )
        self.assertEqual(Close(0, "client", 1000).describe(), "close 1000")
        self.assertEqual(
            ConnectionEnd(0, None, "closed").describe(), "connection closed"
        )
        self.assertEqual(
            Response(
                0, "server", 101, "", [("Sec-WebSocket-Protocol", "v2")]
            ).describe(),
            "response 101 (subprotocol: v2)",
        )

    def test_marks(self) -> None:
        """
        A mark is added at the end of its event's line.
        """
        transcript = Transcript([Ping(0, "client"), Pong(1, "server")])
        self.assertEqual(
            transcript.render(marks={1: "✗ step 2"}),
            "  0.000  client → server  ping b''\n"
            "  1.000  server → client  pong b''    ✗ step 2",
        )

    def test_markOutOfRange(self) -> None:
        """
        A mark for an event that is not there is an error.
        """
        transcript = Transcript([Ping(0, "client")])
        error = self.assertRaises(ValueError, transcript.render, marks={1: "here"})
        self.assertEqual(
            str(error),
            "mark index 1 is not the index of an event (the transcript has 1)",
        )

    def test_empty(self) -> None:
        """
        An empty transcript says so.
        """
        self.assertEqual(Transcript([]).render(), "(no events)")
