"""
Tests for Script.fromTranscript: a recorded conversation played again.
"""

from __future__ import annotations

from autobahn.twisted.websocket import connectWS, listenWS
from twisted.trial.unittest import SynchronousTestCase

from .. import ANY, Script, ScriptError, ScriptMismatch, useFakeReactor
from ..script import (
    close,
    closeTCP,
    expectClose,
    expectHandshake,
    expectJSON,
    expectText,
    reject,
    sendBinary,
    sendText,
    wait,
)
from ..transcript import (
    BinaryMessage,
    Close,
    ConnectionEnd,
    Ping,
    Request,
    Response,
    TextMessage,
    Transcript,
)
from ._autobahn import (
    URL,
    RecordingClientProtocol,
    RecordingServerProtocol,
    clientFactory,
    serverFactory,
)

_OPEN = (
    Request(0.0, "client", "GET", "/v1?token=x", (("Host", "feed.example.com"),)),
    Response(
        0.0,
        "server",
        101,
        "Switching Protocols",
        (("Sec-WebSocket-Protocol", "feed.v1"),),
    ),
)


class FromTranscriptTests(SynchronousTestCase):
    """
    Each kind of event becomes the step that plays or expects it.
    """

    def test_serverRole(self) -> None:
        """
        As the server: the request path and chosen subprotocol are expected,
        client messages expected (JSON as JSON), server messages sent after
        waits for the recorded gaps, and the client's close expected.
        """
        transcript = Transcript(
            [
                *_OPEN,
                TextMessage(0.0, "client", '{"op": "subscribe"}'),
                TextMessage(0.0, "server", '{"type": "subscribed"}'),
                Ping(1.0, "server", b"\x01"),
                BinaryMessage(2.5, "server", b"\x00\xff"),
                TextMessage(3.0, "client", "bye"),
                Close(4.0, "client", 1000, "done"),
                Close(4.0, "server", 1000, ""),
                ConnectionEnd(4.0, "server", "closed"),
            ]
        )
        self.assertEqual(
            Script.fromTranscript(transcript),
            Script(
                expectHandshake(path="/v1", subprotocol="feed.v1"),
                expectJSON({"op": "subscribe"}),
                sendText('{"type": "subscribed"}'),
                wait(2.5),
                sendBinary(b"\x00\xff"),
                expectText("bye"),
                expectClose(1000, "done"),
            ),
        )

    def test_clientRole(self) -> None:
        """
        As the client: the server's subprotocol and messages are expected,
        the client's own sent, and its close played.
        """
        transcript = Transcript(
            [
                *_OPEN,
                TextMessage(1.0, "client", "hello"),
                TextMessage(1.0, "server", "HELLO"),
                Close(2.0, "client", 1000, "bye"),
                Close(2.0, "server", 1000, ""),
            ]
        )
        self.assertEqual(
            Script.fromTranscript(transcript, role="client"),
            Script(
                expectHandshake(subprotocol="feed.v1"),
                wait(1.0),
                sendText("hello"),
                expectText("HELLO"),
                wait(1.0),
                close(1000, "bye"),
                expectClose(1000),
            ),
        )

    def test_ignoreFields(self) -> None:
        """
        Keys named in ignoreFields match ANY, however deep.
        """
        transcript = Transcript(
            [
                TextMessage(0.0, "client", '{"id": 7, "params": [{"ts": 1, "x": 2}]}'),
            ]
        )
        script = Script.fromTranscript(transcript, ignoreFields={"id", "ts"})
        self.assertEqual(
            script, Script(expectJSON({"id": ANY, "params": [{"ts": ANY, "x": 2}]}))
        )

    def test_nonStandardJSONStaysText(self) -> None:
        """
        Text that only Python's lenient JSON reads (NaN, Infinity) is
        expected as the exact text, so the recorded client still matches.
        """
        transcript = Transcript([TextMessage(0.0, "client", '{"x": Infinity}')])
        self.assertEqual(
            Script.fromTranscript(transcript), Script(expectText('{"x": Infinity}'))
        )

    def test_closeWithoutCode(self) -> None:
        """
        The other side's close frame without a code is expected as such
        (1005), not as any close.
        """
        transcript = Transcript([Close(1.0, "client")])
        self.assertEqual(Script.fromTranscript(transcript), Script(expectClose(1005)))

    def test_ignoreFieldsNotAString(self) -> None:
        """
        A single string for ignoreFields is refused: it would be taken as
        its characters.
        """
        error = self.assertRaises(
            ScriptError, Script.fromTranscript, Transcript([]), ignoreFields="id"
        )
        self.assertIn("such as {'id'}", str(error))

    def test_serverDrop(self) -> None:
        """
        The server ending TCP without a close frame becomes closeTCP().
        """
        transcript = Transcript(
            [*_OPEN, ConnectionEnd(9.0, "server", "aborted")],
        )
        self.assertEqual(
            Script.fromTranscript(transcript),
            Script(
                expectHandshake(path="/v1", subprotocol="feed.v1"),
                wait(9.0),
                closeTCP(),
            ),
        )

    def test_rejectedHandshake(self) -> None:
        """
        A refused opening handshake becomes reject() with its status.
        """
        transcript = Transcript(
            [
                Request(0.0, "client", "GET", "/v1"),
                Response(0.0, "server", 401, "Unauthorized"),
                ConnectionEnd(0.0, "server", "closed"),
            ]
        )
        self.assertEqual(
            Script.fromTranscript(transcript), Script(reject(401, "Unauthorized"))
        )

    def test_badRole(self) -> None:
        """
        A role other than server or client is refused with ScriptError.
        """
        error = self.assertRaises(
            ScriptError, Script.fromTranscript, Transcript([]), role="proxy"
        )
        self.assertIn("'proxy'", str(error))

    def test_invalidUTF8(self) -> None:
        """
        A text message that was not valid UTF-8 cannot become a step: the
        error names its time and sender.
        """
        transcript = Transcript([TextMessage(1.5, "client", b"\xff")])
        error = self.assertRaises(ScriptError, Script.fromTranscript, transcript)
        self.assertIn("1.500 from the client is not valid UTF-8", str(error))


class _Announcer(RecordingServerProtocol):
    """
    Greets, answers one request, and announces twice on the clock.
    """

    def onOpen(self) -> None:
        super().onOpen()
        self.sendMessage(b'{"type": "hello"}')

    def onMessage(self, payload: bytes, isBinary: bool) -> None:
        super().onMessage(payload, isBinary)
        self.sendMessage(b"ack:" + payload)
        self.factory.reactor.callLater(3, self.sendMessage, b"news 1")
        self.factory.reactor.callLater(5, self.sendMessage, b"news 2")
        self.factory.reactor.callLater(6, self.sendClose, 1000)


class _Asker(RecordingClientProtocol):
    def onOpen(self) -> None:
        super().onOpen()
        self.sendMessage(b'{"op": "ask", "id": 1}')


class ReplayTests(SynchronousTestCase):
    """
    A conversation recorded on the fake network replays against the same
    client, at the same times.
    """

    def test_replayMatchesRecording(self) -> None:
        """
        The client sees the same messages at the same clock times, and the
        same close, from the replayed script as from the real server; the
        script is played to its end.
        """
        reactor = useFakeReactor(self)
        listenWS(serverFactory(reactor, protocol=_Announcer))
        connectWS(clientFactory(reactor, protocol=_Asker))
        reactor.advance(10)
        recorded = reactor.connections[0]
        assert isinstance(recorded.client, _Asker)

        replayReactor = useFakeReactor(self)
        server = replayReactor.serveWebSocket(
            URL, Script.fromTranscript(recorded.transcript, ignoreFields={"id"})
        )
        connectWS(clientFactory(replayReactor, protocol=_Asker))
        replayReactor.advance(10)
        client = replayReactor.connections[0].client
        assert isinstance(client, _Asker)
        self.assertEqual(client.messages, recorded.client.messages)
        self.assertEqual(client.timesOf("message"), [0.0, 0.0, 3.0, 5.0])
        self.assertEqual(client.events[-1], recorded.client.events[-1])
        self.assertEqual(client.timesOf("close"), [6.0])
        server.assertDone()

    def test_replayCatchesAChangedClient(self) -> None:
        """
        A client that now sends something else fails against the replay.
        """
        transcript = Transcript(
            [*_OPEN, TextMessage(0.0, "client", '{"op": "subscribe"}')]
        )
        reactor = useFakeReactor(self)
        server = reactor.serveWebSocket(
            "ws://feed.example.com/v1", Script.fromTranscript(transcript)
        )
        factory = clientFactory(
            reactor, "ws://feed.example.com/v1", protocol=_Asker, protocols=["feed.v1"]
        )
        connectWS(factory)
        reactor.flush()
        error = self.assertRaises(ScriptMismatch, server.assertDone)
        self.assertIn("step 2 of 2 (expectJSON)", str(error))
        self.assertIn('differs at $.op: "subscribe" != "ask"', str(error))


class _SaysThenAborts(RecordingServerProtocol):
    """
    Sends a message and aborts the connection in the same call.
    """

    def onOpen(self) -> None:
        super().onOpen()
        self.sendMessage(b"never sent")
        self.dropConnection(abort=True)


class DiscardedBytesTests(SynchronousTestCase):
    """
    Bytes that never reached the wire are never replayed as sends.
    """

    def test_abortedWriteNotReplayed(self) -> None:
        """
        A message written in the call that aborts never left, so the
        transcript lacks it and the replayed server does not send it: it
        drops the connection, as the recorded one did.
        """
        reactor = useFakeReactor(self)
        listenWS(serverFactory(reactor, protocol=_SaysThenAborts))
        connectWS(clientFactory(reactor))
        reactor.flush()
        transcript = reactor.connections[0].transcript
        self.assertNotIn("text", [event.kind for event in transcript])
        self.assertEqual(
            Script.fromTranscript(transcript),
            Script(expectHandshake(path="/v1"), closeTCP()),
        )
