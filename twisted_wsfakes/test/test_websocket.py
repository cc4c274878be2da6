"""
Real Autobahn client and server protocols over a :class:`FakeReactor`:
handshakes, messages, closes, faults and Autobahn's own timers, at exact
clock times.

Autobahn's batched timers (opening and closing handshake timeouts,
auto-ping interval and timeout) round each due time down to a whole second;
``serverConnectionDropTimeout`` goes through plain ``txaio.call_later`` and
fires exactly on time.  The tests below pin both.
"""

from __future__ import annotations

from typing import Any

from autobahn.twisted.websocket import connectWS, listenWS
from hypothesis import given, settings
from hypothesis import strategies as st
from twisted.internet.defer import Deferred
from twisted.internet.endpoints import HostnameEndpoint, clientFromString
from twisted.internet.error import ConnectionRefusedError
from twisted.internet.protocol import Factory, Protocol
from twisted.trial.reporter import TestResult
from twisted.trial.unittest import SynchronousTestCase
from txaio import tx

from ..network import FakeReactor
from ..network.connection import Connection
from ..testcase import useFakeReactor
from ._autobahn import (
    URL,
    Closed,
    RecordingClientProtocol,
    RecordingServerProtocol,
    clientFactory,
    connectPair,
    openPair,
    serverFactory,
)
from ._protocols import useEndingReactor

#: What ``listenWS`` and ``connectWS`` get for a wss:// URL: TLS is not
#: simulated, so the fake reactor never looks inside it.
_NO_TLS = object()

#: The reason Autobahn's ``onClose`` gives when the TCP connection went away
#: without a closing handshake.
_PEER_DROPPED = (
    'connection was closed uncleanly ("peer dropped the TCP connection '
    'without previous WebSocket closing handshake")'
)


def _unclean(why: str) -> str:
    return f'connection was closed uncleanly ("{why}")'


def _txaioLoop() -> object:
    """
    The loop txaio, and so Autobahn, schedules its timers on now.
    """
    # tx.config is txaio.config once autobahn.twisted is imported, typed.
    config: Any = tx.config
    return config.loop


def _connected(
    testCase: SynchronousTestCase, connecting: Deferred[Any]
) -> RecordingClientProtocol:
    """
    The recording client protocol an endpoint's ``connect`` fired with.
    """
    client = testCase.successResultOf(connecting)
    assert isinstance(client, RecordingClientProtocol), client
    return client


class _PieceCountingServer(RecordingServerProtocol):
    """
    Also keeps the size of each piece of bytes delivered to it.
    """

    def __init__(self) -> None:
        super().__init__()
        self.pieces: list[int] = []

    def dataReceived(self, data: bytes) -> None:
        self.pieces.append(len(data))
        super().dataReceived(data)


class HandshakeTests(SynchronousTestCase):
    """
    Connecting and the opening handshake.
    """

    def test_handshakeCompletesOnFlush(self) -> None:
        """
        An endpoint's ``connect`` Deferred fires on ``reactor.flush()`` with
        a client protocol that has opened; the server's ``onConnect`` saw the
        path, query, headers and offered subprotocols, and both sides agree
        on the subprotocol the server chose.
        """
        reactor = useEndingReactor(self)
        server = serverFactory(reactor, protocols=["chat.v1"])
        listenWS(server)
        factory = clientFactory(
            reactor,
            URL + "?room=7",
            protocols=["chat.v2", "chat.v1"],
            headers={"X-Token": "abc"},
        )
        connecting = HostnameEndpoint(reactor, "feed.example.com", 9000).connect(
            factory
        )
        self.assertNoResult(connecting)

        reactor.flush()

        client = _connected(self, connecting)
        self.assertIs(self.successResultOf(client.opened), client)
        [serverProtocol] = server.built
        self.successResultOf(serverProtocol.opened)
        [(kind, request), opened] = serverProtocol.events
        self.assertEqual((kind, opened), ("connect", ("open",)))
        self.assertEqual(request.path, "/v1")
        self.assertEqual(request.params, {"room": ["7"]})
        self.assertEqual(request.headers["x-token"], "abc")
        self.assertEqual(request.headers["host"], "feed.example.com:9000")
        self.assertEqual(request.protocols, ["chat.v2", "chat.v1"])
        [(kind, response), opened] = client.events
        self.assertEqual((kind, opened), ("connect", ("open",)))
        self.assertEqual(response.protocol, "chat.v1")

    def test_connectWS(self) -> None:
        """
        ``connectWS`` connects by the URL's host name and port over plain
        TCP, and the attempt is recorded.
        """
        reactor = useEndingReactor(self)
        connection, client, server = openPair(reactor)
        [attempt] = reactor.attempts
        self.assertEqual(
            (attempt.host, attempt.port, attempt.tls, attempt.outcome),
            ("feed.example.com", 9000, False, "connected"),
        )
        self.assertIs(attempt.connection, connection)
        self.assertEqual(client.events[-1], ("open",))
        self.assertEqual(server.events[-1], ("open",))

    def test_secureURL(self) -> None:
        """
        A wss:// client reaches a wss:// server: ``connectWS`` takes the
        ``connectSSL`` path (recorded as ``tls``) and ``listenWS`` the
        ``listenSSL`` one.  TLS is not simulated, so any object does as the
        context factory.
        """
        reactor = useEndingReactor(self)
        url = "wss://feed.example.com/v1"
        server, client = serverFactory(reactor, url), clientFactory(reactor, url)

        connectPair(reactor, server, client, contextFactory=_NO_TLS)

        [attempt] = reactor.attempts
        self.assertEqual((attempt.port, attempt.tls), (443, True))
        self.successResultOf(client.built[0].opened)
        self.successResultOf(server.built[0].opened)

    def test_secureListenNeedsContextFactory(self) -> None:
        """
        ``listenWS`` refuses a wss:// factory without a context factory,
        before it reaches the reactor.
        """
        reactor = useEndingReactor(self)
        server = serverFactory(reactor, "wss://feed.example.com/v1")
        with self.assertRaisesRegex(Exception, "no SSL context factory given"):
            listenWS(server)

    def test_hostnameEndpoint(self) -> None:
        """
        ``HostnameEndpoint`` resolves the name on the fake network, connects
        to the resolved address, and the handshake completes.
        """
        reactor = useEndingReactor(self)
        url = "ws://feed.example.com:443/v1"
        listenWS(serverFactory(reactor, url))
        endpoint = HostnameEndpoint(reactor, "feed.example.com", 443)
        connecting = endpoint.connect(clientFactory(reactor, url))
        reactor.flush()
        self.successResultOf(_connected(self, connecting).opened)
        [attempt] = reactor.attempts
        self.assertEqual(
            (attempt.host, attempt.port),
            (reactor.addressOf("feed.example.com"), 443),
        )

    def test_clientFromString(self) -> None:
        """
        An endpoint from ``clientFromString`` connects by host name and the
        handshake completes.
        """
        reactor = useEndingReactor(self)
        url = "ws://feed.example.com:443/v1"
        listenWS(serverFactory(reactor, url))
        endpoint = clientFromString(reactor, "tcp:feed.example.com:443")
        connecting = endpoint.connect(clientFactory(reactor, url))
        reactor.flush()
        self.successResultOf(_connected(self, connecting).opened)
        self.assertEqual(reactor.attempts[0].host, "feed.example.com")


class RefusedTests(SynchronousTestCase):
    """
    Connecting where nothing listens.
    """

    def test_connectWS(self) -> None:
        """
        ``connectWS`` to a port nobody listens on calls the factory's
        ``clientConnectionFailed`` with ``ConnectionRefusedError`` and builds
        no protocol.
        """
        reactor = useFakeReactor(self)
        listenWS(serverFactory(reactor, "ws://feed.example.com:9001/"))
        factory = clientFactory(reactor)
        connectWS(factory)
        reactor.flush()
        [reason] = factory.failed
        reason.trap(ConnectionRefusedError)
        self.assertEqual((factory.built, factory.lost), ([], []))
        self.assertEqual(reactor.attempts[0].outcome, "refused")

    def test_endpoint(self) -> None:
        """
        A TCP endpoint's ``connect`` Deferred fails with
        ``ConnectionRefusedError`` at the flush.
        """
        reactor = useFakeReactor(self)
        endpoint = clientFromString(reactor, "tcp:feed.example.com:9000")
        connecting = endpoint.connect(clientFactory(reactor))
        reactor.flush()
        self.failureResultOf(connecting, ConnectionRefusedError)

    def test_hostnameEndpoint(self) -> None:
        """
        ``HostnameEndpoint`` reports the refusal on its next attempt-loop
        tick, 0.3 s of clock after it started, as it does on a real reactor.
        """
        reactor = useFakeReactor(self)
        endpoint = HostnameEndpoint(reactor, "feed.example.com", 9000)
        connecting = endpoint.connect(clientFactory(reactor))
        reactor.advance(0.2)
        self.assertNoResult(connecting)
        reactor.advance(0.1)
        self.failureResultOf(connecting, ConnectionRefusedError)


class MessageTests(SynchronousTestCase):
    """
    Messages between an open client and server.
    """

    def test_bothWaysInOrder(self) -> None:
        """
        Text and binary messages arrive at the next flush, never before, in
        the order sent, with their kind.
        """
        reactor = useEndingReactor(self)
        _, client, server = openPair(reactor)
        client.sendMessage("héllo".encode(), isBinary=False)
        client.sendMessage(b"\x00\xff", isBinary=True)
        server.sendMessage(b"\x01", isBinary=True)
        server.sendMessage(b"world", isBinary=False)
        self.assertEqual((client.messages, server.messages), ([], []))

        reactor.flush()

        self.assertEqual(
            server.messages, [("héllo".encode(), False), (b"\x00\xff", True)]
        )
        self.assertEqual(client.messages, [(b"\x01", True), (b"world", False)])

    @settings(deadline=None, derandomize=True, max_examples=50)
    @given(
        messages=st.lists(
            st.one_of(
                st.text(max_size=300).map(lambda text: (text.encode(), False)),
                st.binary(max_size=300).map(lambda data: (data, True)),
            ),
            max_size=8,
        ),
        sizes=st.lists(st.integers(1, 40), min_size=1, max_size=4),
    )
    def test_chunkedDelivery(
        self, messages: list[tuple[bytes, bool]], sizes: list[int]
    ) -> None:
        """
        However the bytes are cut up in delivery, from the opening handshake
        on, the server receives exactly the messages sent, in order.  (The
        handshake request alone is longer than one round of sizes, so its
        first pieces show the cut.)
        """
        reactor = useEndingReactor(self)
        server = serverFactory(reactor, protocol=_PieceCountingServer)
        client = clientFactory(reactor)

        def chunk(connection: Connection) -> None:
            connection.chunk(*sizes)

        client.beforeHandshake = chunk
        connectPair(reactor, server, client)
        [protocol] = client.built
        for payload, isBinary in messages:
            protocol.sendMessage(payload, isBinary)
        reactor.flush()
        [received] = server.built
        self.assertEqual(received.messages, messages)
        assert isinstance(received, _PieceCountingServer)
        self.assertEqual(received.pieces[: len(sizes)], sizes)


class CloseTests(SynchronousTestCase):
    """
    Closing handshakes, aborts, drops and errors.
    """

    def test_clientCloses(self) -> None:
        """
        After ``sendClose(1000, "bye")`` from the client, both sides close
        cleanly at the flush; each ``onClose`` reports the peer's close
        frame: the server sees the code and reason, the client the server's
        plain 1000 reply.
        """
        reactor = useFakeReactor(self)
        _, client, server = openPair(reactor)
        client.sendClose(1000, "bye")
        self.assertNoResult(server.closed)
        reactor.flush()
        self.assertEqual(
            self.successResultOf(server.closed), Closed(True, 1000, "bye", 0.0)
        )
        self.assertEqual(
            self.successResultOf(client.closed), Closed(True, 1000, None, 0.0)
        )

    def test_serverCloses(self) -> None:
        """
        After ``sendClose(3001, "go away")`` from the server, both sides
        close cleanly; the client sees code 3001 and the reason, the server
        the client's plain 1000 reply.
        """
        reactor = useFakeReactor(self)
        _, client, server = openPair(reactor)
        server.sendClose(3001, "go away")
        reactor.flush()
        self.assertEqual(
            self.successResultOf(client.closed), Closed(True, 3001, "go away", 0.0)
        )
        self.assertEqual(
            self.successResultOf(server.closed), Closed(True, 1000, None, 0.0)
        )

    def test_abortLosesBufferedMessage(self) -> None:
        """
        A message the server sends and then aborts before the flush never
        reaches the client, whose ``onClose`` is unclean.
        """
        reactor = useFakeReactor(self)
        connection, client, server = openPair(reactor)
        server.sendMessage(b"never arrives")
        connection.serverTransport.abortConnection()
        reactor.flush()
        self.assertEqual(client.messages, [])
        self.assertEqual(
            self.successResultOf(client.closed),
            Closed(False, 1006, _PEER_DROPPED, 0.0),
        )

    def test_drop(self) -> None:
        """
        ``Connection.drop()`` closes both sides uncleanly, code 1006.
        """
        reactor = useFakeReactor(self)
        connection, client, server = openPair(reactor)
        reactor.advance(2)
        connection.drop()
        reactor.flush()
        for side in (client, server):
            self.assertEqual(
                self.successResultOf(side.closed),
                Closed(False, 1006, _PEER_DROPPED, 2.0),
            )

    def test_errorInOnMessage(self) -> None:
        """
        An exception from the server's ``onMessage`` is logged and the
        connection is closed, as a real reactor does: both sides close
        uncleanly, code 1006.
        """

        class Failing(RecordingServerProtocol):
            def onMessage(self, payload: bytes, isBinary: bool) -> None:
                raise ZeroDivisionError(payload)

        reactor = useFakeReactor(self)
        server, client = (
            serverFactory(reactor, protocol=Failing),
            clientFactory(reactor),
        )
        connection = connectPair(reactor, server, client)
        client.built[0].sendMessage(b"boom")
        reactor.flush()

        [error] = self.flushLoggedErrors(ZeroDivisionError)
        self.assertEqual(error.value.args, (b"boom",))
        self.assertFalse(connection.open)
        for side in (client.built[0], server.built[0]):
            self.assertEqual(
                self.successResultOf(side.closed),
                Closed(False, 1006, _PEER_DROPPED, 0.0),
            )


class TimerTests(SynchronousTestCase):
    """
    Autobahn's timers, on the fake clock, at exact times.
    """

    def test_autoPingKeepsHealthyConnectionOpen(self) -> None:
        """
        With ``autoPingInterval=10`` the client pings every 10 s of clock;
        the server answers each, so a minute later the connection is open.
        """
        reactor = useEndingReactor(self)
        options = {"autoPingInterval": 10, "autoPingTimeout": 5}
        connection, client, server = openPair(reactor, clientOptions=options)
        reactor.pump([2.5] * 24)
        expected = [10.0, 20.0, 30.0, 40.0, 50.0, 60.0]
        self.assertEqual(server.timesOf("ping"), expected)
        self.assertEqual(client.timesOf("pong"), expected)
        self.assertTrue(connection.open)
        self.assertNoResult(client.closed)

    def test_autoPingTimeout(self) -> None:
        """
        Once the connection stalls at 60, the ping at 70 gets no pong and
        the client drops the connection at 75, exactly ``autoPingTimeout``
        seconds after sending it.
        """
        reactor = useEndingReactor(self)
        options = {"autoPingInterval": 10, "autoPingTimeout": 5}
        connection, client, _ = openPair(reactor, clientOptions=options)
        reactor.pump([10] * 6)
        connection.stall()
        reactor.advance(14.75)
        self.assertNoResult(client.closed)
        self.assertEqual(client.timesOf("sendPing")[-1], 70.0)
        self.assertEqual(client.timesOf("pong")[-1], 60.0)
        reactor.advance(0.25)
        self.assertEqual(
            self.successResultOf(client.closed),
            Closed(
                False,
                1006,
                _unclean(
                    "WebSocket ping timeout (peer did not respond with pong in time)"
                ),
                75.0,
            ),
        )

    def test_fractionalAutoPingTimeoutRoundsDown(self) -> None:
        """
        A ping sent at 10 with ``autoPingTimeout=2.5`` times out at 12, not
        12.5: Autobahn's batched timer rounds due times down to the second.
        """
        reactor = useEndingReactor(self)
        options = {"autoPingInterval": 10, "autoPingTimeout": 2.5}
        connection, client, _ = openPair(reactor, clientOptions=options)
        connection.stall()
        reactor.advance(11.75)
        self.assertNoResult(client.closed)
        reactor.advance(0.25)
        self.assertEqual(self.successResultOf(client.closed).time, 12.0)

    def test_autoPingIntervalRoundsDown(self) -> None:
        """
        A connection opened at 0.5 with ``autoPingInterval=10`` sends its
        first ping at 10, 9.5 s later.
        """
        reactor = useEndingReactor(self)
        reactor.advance(0.5)
        options = {"autoPingInterval": 10}
        _, client, server = openPair(reactor, clientOptions=options)
        reactor.advance(20)
        self.assertEqual(client.timesOf("sendPing"), [10.0, 20.0])
        self.assertEqual(server.timesOf("ping"), [10.0, 20.0])

    def test_openHandshakeTimeout(self) -> None:
        """
        A listener that accepts TCP and never answers lets the client's
        ``openHandshakeTimeout=5`` fire at clock 5 exactly, uncleanly.
        """
        reactor = useEndingReactor(self)
        reactor.listenTCP(9000, Factory.forProtocol(Protocol))
        factory = clientFactory(reactor, openHandshakeTimeout=5)
        connectWS(factory)
        reactor.advance(4.75)
        [client] = factory.built
        self.assertNoResult(client.closed)
        self.assertNoResult(client.opened)
        reactor.advance(0.25)
        why = (
            "WebSocket opening handshake timeout "
            "(peer did not finish the opening handshake in time)"
        )
        self.assertEqual(
            self.successResultOf(client.closed), Closed(False, 1006, _unclean(why), 5.0)
        )
        self.assertFalse(reactor.connections[0].open)

    def test_openHandshakeTimeoutRoundsDown(self) -> None:
        """
        Connecting at 0.5 with ``openHandshakeTimeout=5``, the timeout fires
        at 5, not 5.5.
        """
        reactor = useEndingReactor(self)
        reactor.listenTCP(9000, Factory.forProtocol(Protocol))
        reactor.advance(0.5)
        factory = clientFactory(reactor, openHandshakeTimeout=5)
        connectWS(factory)
        reactor.advance(4.25)
        self.assertNoResult(factory.built[0].closed)
        reactor.advance(0.25)
        self.assertEqual(self.successResultOf(factory.built[0].closed).time, 5.0)

    def test_closeHandshakeTimeout(self) -> None:
        """
        A close sent at 0.5 over a stalled connection with
        ``closeHandshakeTimeout=3`` gets no reply, and the client drops the
        connection at 3 (3.5 rounded down), uncleanly.
        """
        reactor = useEndingReactor(self)
        options = {"closeHandshakeTimeout": 3}
        connection, client, _ = openPair(reactor, clientOptions=options)
        reactor.advance(0.5)
        connection.stall()
        client.sendClose(1000)
        reactor.advance(2.25)
        self.assertNoResult(client.closed)
        reactor.advance(0.25)
        why = (
            "WebSocket closing handshake timeout "
            "(peer did not finish the closing handshake in time)"
        )
        self.assertEqual(
            self.successResultOf(client.closed), Closed(False, 1006, _unclean(why), 3.0)
        )

    def test_serverConnectionDropTimeout(self) -> None:
        """
        A server that answers the close at 0.5 but keeps TCP open lets the
        client's ``serverConnectionDropTimeout=3`` fire at 3.5 exactly: this
        timer is not batched, so it is not rounded.
        """

        class KeepsTCPOpen(RecordingServerProtocol):
            def dropConnection(self, abort: bool = False) -> None:
                self.record("ignoredDrop")

        reactor = useEndingReactor(self)
        server = serverFactory(reactor, protocol=KeepsTCPOpen)
        factory = clientFactory(reactor, serverConnectionDropTimeout=3)
        connection = connectPair(reactor, server, factory)
        [client] = factory.built
        reactor.advance(0.5)
        client.sendClose(1000)
        reactor.advance(2.75)
        self.assertEqual(server.built[0].events[-1], ("ignoredDrop",))
        self.assertTrue(connection.open)
        self.assertNoResult(client.closed)
        reactor.advance(0.25)
        why = (
            "WebSocket closing handshake timeout "
            "(server did not drop TCP connection in time)"
        )
        self.assertEqual(
            self.successResultOf(client.closed), Closed(False, 1006, _unclean(why), 3.5)
        )


class TxaioBindingTests(SynchronousTestCase):
    """
    ``useFakeReactor`` points txaio at the test's reactor and back.
    """

    def test_loopIsTheReactor(self) -> None:
        """
        Inside a test, txaio's loop is the test's reactor.
        """
        reactor = useFakeReactor(self)
        self.assertIs(_txaioLoop(), reactor)

    def test_loopRestoredAfterInnerTests(self) -> None:
        """
        After a passing and a failing test that used ``useFakeReactor``,
        txaio's loop is what it was before each: here, this test's reactor.
        """
        outer = useFakeReactor(self)
        seen: list[object] = []

        class Inner(SynchronousTestCase):
            def test_passes(self) -> None:
                seen.append(useFakeReactor(self))

            def test_fails(self) -> None:
                seen.append(useFakeReactor(self))
                self.fail("on purpose")

        for name, passed in [("test_passes", True), ("test_fails", False)]:
            result = TestResult()
            Inner(name).run(result)
            self.assertEqual(result.wasSuccessful(), passed)
            self.assertIsInstance(seen[-1], FakeReactor)
            self.assertIsNot(seen[-1], outer)
            self.assertIs(_txaioLoop(), outer)

    def test_globalReactorUntouched(self) -> None:
        """
        No Autobahn timer, handshake, auto-ping or close, lands on the
        global reactor.
        """
        from twisted.internet import reactor as globalReactor

        before = globalReactor.getDelayedCalls()
        reactor = useFakeReactor(self)
        options = {
            "autoPingInterval": 3,
            "autoPingTimeout": 2,
            "openHandshakeTimeout": 5,
            "closeHandshakeTimeout": 1,
        }
        _, client, _ = openPair(reactor, clientOptions=options, serverOptions=options)
        self.assertNotEqual(reactor.getDelayedCalls(), [])
        reactor.advance(10)
        client.sendClose(1000)
        reactor.advance(10)
        self.assertTrue(client.closed.called)
        self.assertEqual(globalReactor.getDelayedCalls(), before)
