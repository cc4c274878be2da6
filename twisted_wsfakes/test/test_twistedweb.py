"""
Twisted's own websocket support (``twisted.web.websocket``) on the fake
network: its client and server, and each against a scripted peer.
"""

from __future__ import annotations

from typing import Any

from twisted.internet.defer import Deferred, ensureDeferred
from twisted.internet.error import ConnectionDone
from twisted.python.failure import Failure
from twisted.trial.unittest import SynchronousTestCase
from twisted.web.resource import Resource
from twisted.web.server import Site
from twisted.web.static import Data

from .. import (
    NeverSettles,
    Script,
    ScriptMismatch,
    close,
    expectClose,
    expectText,
    sendText,
)
from ..network import FakeReactor
from ._protocols import useEndingReactor
from ._web import httpGet

try:
    from twisted.web.websocket import (
        WebSocketClientEndpoint,
        WebSocketResource,
        WebSocketTransport,
    )
except ImportError:  # wsproto missing: twisted[websocket] not installed
    skip = "twisted.web.websocket needs Twisted's websocket extra"

URL = "ws://chat.example.com:8080/ws"


class _Peer:
    """
    A twisted.web.websocket protocol that records what it gets and, if told
    to, answers each text message in capitals.
    """

    def __init__(self, shout: bool) -> None:
        self.shout = shout
        self.received: list[str | bytes] = []
        self.pongs: list[bytes] = []
        self.lost: list[Failure] = []
        self.transport: WebSocketTransport

    def negotiationStarted(self, transport: WebSocketTransport) -> None:
        self.transport = transport

    def negotiationFinished(self) -> None:
        pass

    def pongReceived(self, payload: bytes) -> None:
        self.pongs.append(payload)

    def textMessageReceived(self, message: str) -> None:
        self.received.append(message)
        if self.shout:
            self.transport.sendTextMessage(message.upper())

    def bytesMessageReceived(self, data: bytes | bytearray) -> None:
        self.received.append(bytes(data))

    def connectionLost(self, reason: Failure) -> None:
        self.lost.append(reason)


class _Factory:
    def __init__(self, shout: bool = False) -> None:
        self.shout = shout
        self.built: list[_Peer] = []

    def buildProtocol(self, where: Any) -> _Peer:
        peer = _Peer(self.shout)
        self.built.append(peer)
        return peer


def _serve(reactor: FakeReactor, factory: _Factory) -> None:
    """
    Listen with a Site that serves ``factory`` at ``/ws``, next to a plain
    HTTP page at ``/hello``.
    """
    root = Resource()
    root.putChild(b"ws", WebSocketResource(factory))
    root.putChild(b"hello", Data(b"hello, world", "text/plain"))
    reactor.listenTCP(8080, Site(root), interface="chat.example.com")


def _connect(reactor: FakeReactor, url: str = URL, shout: bool = False) -> _Peer:
    connecting: Deferred[_Peer] = ensureDeferred(
        WebSocketClientEndpoint.new(reactor, url).connect(_Factory(shout))
    )
    reactor.flush()
    peers: list[_Peer] = []
    connecting.addCallback(peers.append)
    assert peers, "the websocket did not open"
    return peers[0]


class TwistedWebPairTests(SynchronousTestCase):
    """
    A twisted.web.websocket client and server, both unmodified, talk over
    the fake network: HTTP upgrade through twisted.web's Site, then frames.
    """

    def test_messagesBothWays(self) -> None:
        """
        Text goes to the server and its answer comes back; bytes arrive as
        bytes.
        """
        reactor = useEndingReactor(self)
        server = _Factory(shout=True)
        _serve(reactor, server)
        client = _connect(reactor)
        client.transport.sendTextMessage("hi")
        client.transport.sendBytesMessage(b"\x00\x01")
        reactor.flush()
        self.assertEqual(server.built[0].received, ["hi", b"\x00\x01"])
        self.assertEqual(client.received, ["HI"])

    def test_pingAndClose(self) -> None:
        """
        A ping is answered with its payload; closing with 1000 ends the
        connection for both sides, and the transcript shows the whole talk
        as it went on the wire: twisted.web ends the TCP connection right
        after sending its close frame, so the server's answering close
        follows the client's end.
        """
        reactor = useEndingReactor(self)
        server = _Factory()
        _serve(reactor, server)
        client = _connect(reactor)
        client.transport.ping(b"are you there")
        reactor.flush()
        self.assertEqual(client.pongs, [b"are you there"])
        client.transport.loseConnection(1000)
        reactor.flush()
        self.assertEqual((len(client.lost), len(server.built[0].lost)), (1, 1))
        kinds = [(e.sender, e.kind) for e in reactor.connections[0].transcript]
        self.assertEqual(
            kinds,
            [
                ("client", "request"),
                ("server", "response"),
                ("client", "ping"),
                ("server", "pong"),
                ("client", "close"),
                ("client", "closed"),
                ("server", "close"),
            ],
        )

    def test_twoShoutersNeverSettle(self) -> None:
        """
        Two peers that answer every message forever make flush() fail,
        naming the connection, instead of hanging the test.
        """
        reactor = useEndingReactor(self)
        reactor.flushLimit = 200
        _serve(reactor, _Factory(shout=True))
        client = _connect(reactor, shout=True)
        client.transport.sendTextMessage("echo")
        error = self.assertRaises(NeverSettles, reactor.flush)
        self.assertIn("<Connection 1 ", str(error))
        reactor.connections[0].drop()
        reactor.flush()


class TwistedWebAndScriptTests(SynchronousTestCase):
    """
    Scripted peers are Autobahn protocols, and talk to twisted.web's
    websocket implementation as to any other.
    """

    def test_clientAgainstScriptedServer(self) -> None:
        """
        A twisted.web client plays through a server script that answers and
        closes; the client sees the answer and a finished connection.
        """
        reactor = useEndingReactor(self)
        server = reactor.serveWebSocket(
            URL, Script(expectText("hi"), sendText("hello"), close(1000))
        )
        client = _connect(reactor)
        client.transport.sendTextMessage("hi")
        reactor.flush()
        self.assertEqual(client.received, ["hello"])
        self.assertEqual(len(client.lost), 1)
        server.assertDone()

    def test_clientMismatchReported(self) -> None:
        """
        A twisted.web client that sends the wrong text fails the script
        with a report naming the step.
        """
        reactor = useEndingReactor(self)
        server = reactor.serveWebSocket(URL, Script(expectText("hi")))
        client = _connect(reactor)
        client.transport.sendTextMessage("bye")
        reactor.flush()
        error = self.assertRaises(ScriptMismatch, server.assertDone)
        self.assertIn("step 1 of 1 (expectText)", str(error))
        self.assertIn('expected "hi"', str(error))

    def test_scriptedClientAgainstTwistedWebServer(self) -> None:
        """
        A scripted client drives a twisted.web server through twisted.web's
        Site: it sends, expects the answer, and closes cleanly.
        """
        reactor = useEndingReactor(self)
        server = _Factory(shout=True)
        _serve(reactor, server)
        client = reactor.connectWebSocket(
            URL, Script(sendText("hi"), expectText("HI"), close(1000), expectClose())
        )
        reactor.flush()
        client.assertDone()
        self.assertEqual(server.built[0].received, ["hi"])
        server.built[0].lost[0].trap(ConnectionDone)

    def test_httpNextToWebSocketResource(self) -> None:
        """
        A plain HTTP page served by the same Site answers a GET while a
        websocket is open on another connection to the same port.
        """
        reactor = useEndingReactor(self)
        server = _Factory(shout=True)
        _serve(reactor, server)
        client = reactor.connectWebSocket(URL, Script(sendText("hi"), expectText("HI")))
        reactor.flush()
        self.assertEqual(
            httpGet(reactor, "http://chat.example.com:8080/hello"),
            (200, b"hello, world"),
        )
        client.assertDone()
        self.assertTrue(reactor.connections[0].open)
