"""
Tests for `twisted_wsfakes.realnet.proxy`: a ``websockets`` client and
server talking through the recording proxy on loopback.
"""

from __future__ import annotations

import os

from twisted.internet import reactor
from twisted.internet.defer import Deferred, inlineCallbacks
from twisted.internet.error import ConnectionDone
from twisted.internet.protocol import ClientFactory, Factory, Protocol
from twisted.internet.testing import MemoryReactorClock, StringTransport
from twisted.python.failure import Failure
from twisted.trial.unittest import SynchronousTestCase, TestCase

from .. import Transcript, proxy
from ..realnet.proxy import ProxyFactory
from ..realnet.redact import Redaction
from ..transcript import Close, Ping, Pong, Request, TextMessage
from ._realnet import Notes, runPeer, startEchoServer

_MIB = 1 << 20


class ProxyTests(TestCase):
    """
    Every frame passes unchanged both ways, and each connection gets its
    own transcript file.
    """

    timeout = 30

    @inlineCallbacks
    def test_everyFrameKind(self):  # type: ignore[no-untyped-def]
        """
        Text, binary, empty, 1 MiB and fragmented messages, a ping and its
        pong, close codes and reasons from either side, and the subprotocol
        and permessage-deflate the two ends agree on all pass; each
        connection's transcript is its own file.
        """
        port = yield startEchoServer(self)
        directory = self.mktemp()
        notes = Notes()
        listening = proxy(
            reactor, f"ws://127.0.0.1:{port}", directory, onNote=notes.note
        )
        self.addCleanup(listening.stopListening)
        here = str(listening.getHost().port)  # type: ignore[attr-defined]
        said = yield runPeer("frames", here)
        self.assertEqual(
            said[0], {"subprotocol": "chat.v1", "extensions": ["permessage-deflate"]}
        )
        exchanges = [line for line in said if "got" in line]
        self.assertEqual(len(exchanges), 7)
        for line in exchanges:
            self.assertEqual(
                line["got"],
                line["sent"] if line["sent"] != "fragmented" else "fragmented",
            )
        self.assertIn({"pong": True}, said)
        self.assertEqual(said[-1], {"closed": 4001, "reason": "custom reason"})
        closing = yield runPeer("converse", here, "/", "close 4002 server reason")
        self.assertEqual(closing, [{"closed": 4002, "reason": "server reason"}])
        yield notes.waitFor(2)
        files = sorted(os.listdir(directory))
        self.assertEqual(files, ["connection-0001.jsonl", "connection-0002.jsonl"])
        first = Transcript.load(os.path.join(directory, files[0]))
        self.assertEqual(first[0].path, "/frames")  # type: ignore[attr-defined]
        self.assertEqual(
            [len(m) for m in first.messages("client")],
            [5, 3, 0, 0, _MIB, 70000, len("fragmented")],
        )
        self.assertEqual(first.messages("client"), first.messages("server"))
        self.assertEqual(
            [(e.sender, e.data) for e in first if isinstance(e, Ping | Pong)],
            [("client", b"are you there"), ("server", b"are you there")],
        )
        closes = [(e.sender, e.code, e.reason) for e in first if isinstance(e, Close)]
        self.assertEqual(
            closes,
            [("client", 4001, "custom reason"), ("server", 4001, "custom reason")],
        )
        second = Transcript.load(os.path.join(directory, files[1]))
        self.assertIn(
            ("server", 4002, "server reason"),
            [(e.sender, e.code, e.reason) for e in second if isinstance(e, Close)],
        )

    @inlineCallbacks
    def test_bytesUnchanged(self):  # type: ignore[no-untyped-def]
        """
        The bytes each end wrote are the bytes the other end read, frame
        boundaries, fragments and reserved bits included; the transcript
        still joins the fragments into one message.
        """
        server = _Collector(b"HTTP/1.1 101 Switching Protocols\r\n\r\n" + _FRAGMENTS)
        factory = Factory.forProtocol(lambda: server)
        listening = reactor.listenTCP(0, factory, interface="127.0.0.1")  # type: ignore[arg-type]
        self.addCleanup(listening.stopListening)
        directory = self.mktemp()
        notes = Notes()
        proxied = proxy(
            reactor,
            f"ws://127.0.0.1:{listening.getHost().port}",  # type: ignore[attr-defined]
            directory,
            onNote=notes.note,
        )
        self.addCleanup(proxied.stopListening)
        client = _Collector(_REQUEST + _MASKED)
        clientFactory = ClientFactory.forProtocol(lambda: client)
        reactor.connectTCP("127.0.0.1", proxied.getHost().port, clientFactory)  # type: ignore[arg-type, attr-defined]
        yield server.received(len(_REQUEST + _MASKED))
        yield client.received(len(server.toSend))
        self.assertEqual(bytes(server.data), _REQUEST + _MASKED)
        self.assertEqual(bytes(client.data), server.toSend)
        client.transport.loseConnection()  # type: ignore[union-attr]
        yield notes.waitFor(1)
        transcript = Transcript.load(os.path.join(directory, "connection-0001.jsonl"))
        texts = [(e.sender, e.data) for e in transcript if isinstance(e, TextMessage)]
        # Which came first depends on the network: compare without order.
        self.assertEqual(sorted(texts), [("client", "Hi"), ("server", "fragmented")])
        self.assertIsInstance(transcript[0], Request)


class ClientLeavesEarlyTests(SynchronousTestCase):
    """
    A client that leaves before the server is reached leaves nothing open.
    """

    def test_serverClosed(self) -> None:
        """
        When the connection to the server completes after the client left,
        the proxy closes it at once; the client's file is complete.
        """
        directory = self.mktemp()
        os.mkdir(directory)
        fakeReactor = MemoryReactorClock()
        factory = ProxyFactory(
            fakeReactor, "ws://127.0.0.1:9", directory, Redaction(), lambda note: None
        )
        client = factory.buildProtocol(None)
        assert client is not None
        client.makeConnection(StringTransport())
        [(host, port, serverSide, _, _)] = fakeReactor.tcpClients
        self.assertEqual((host, port), ("127.0.0.1", 9))
        client.connectionLost(Failure(ConnectionDone()))
        server = serverSide.buildProtocol(None)
        assert server is not None
        serverTransport = StringTransport()
        server.makeConnection(serverTransport)
        self.assertTrue(serverTransport.disconnecting)
        transcript = Transcript.load(os.path.join(directory, "connection-0001.jsonl"))
        self.assertEqual([event.kind for event in transcript], ["closed"])


_REQUEST = b"GET /raw HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\n\r\n"
# "fragmented" in three frames: text, continuation, final continuation.
_FRAGMENTS = b"\x01\x04frag" + b"\x00\x03men" + b"\x80\x03ted"
# "Hi", masked with key 01 02 03 04, as a client must send it.
_MASKED = b"\x81\x82\x01\x02\x03\x04" + bytes([ord("H") ^ 1, ord("i") ^ 2])


class _Collector(Protocol):
    """
    Writes ``toSend`` once connected and keeps what it reads.
    """

    def __init__(self, toSend: bytes) -> None:
        self.toSend = toSend
        self.data = bytearray()
        self.waiting: list[tuple[int, Deferred[None]]] = []

    def connectionMade(self) -> None:
        self.transport.write(self.toSend)  # type: ignore[union-attr]

    def dataReceived(self, data: bytes) -> None:
        self.data += data
        for size, d in list(self.waiting):
            if len(self.data) >= size:
                self.waiting.remove((size, d))
                d.callback(None)

    def received(self, size: int) -> Deferred[None]:
        d: Deferred[None] = Deferred()
        self.waiting.append((size, d))
        self.dataReceived(b"")
        return d
