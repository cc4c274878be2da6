"""
Tests for :mod:`twisted_wsfakes.network.reactor`: the FakeReactor with plain Twisted
protocols, endpoints and services.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

from twisted.application.internet import ClientService
from twisted.internet import error
from twisted.internet.address import IPv4Address, IPv6Address
from twisted.internet.defer import Deferred
from twisted.internet.endpoints import (
    HostnameEndpoint,
    SSL4ClientEndpoint,
    TCP4ClientEndpoint,
    TCP4ServerEndpoint,
    TCP6ClientEndpoint,
    TCP6ServerEndpoint,
    clientFromString,
)
from twisted.internet.interfaces import (
    IAddress,
    IConnector,
    IConsumer,
    IHostnameResolver,
    IHostResolution,
    IListeningPort,
    IPushProducer,
    IReactorCore,
    IReactorPluggableNameResolver,
    IReactorSSL,
    IReactorTCP,
    IReactorTime,
    IReactorUNIX,
    IResolutionReceiver,
    ISSLTransport,
    ITCPTransport,
)
from twisted.internet.protocol import (
    ClientFactory,
    Factory,
    Protocol,
    ReconnectingClientFactory,
    connectionDone,
)
from twisted.internet.testing import MemoryReactorClock
from twisted.python.failure import Failure
from twisted.trial.unittest import SynchronousTestCase
from zope.interface import implementer, providedBy
from zope.interface.verify import verifyObject

from ..errors import NetworkUsageError, NeverSettles, OutageError
from ..network import FakeReactor
from ..network.connection import Connection
from ._protocols import Echo, Greeter, Recorder, RecorderFactory, connectPair


@implementer(IResolutionReceiver)
class _Receiver:
    """
    Records the calls a name resolver makes.
    """

    def __init__(self) -> None:
        self.events: list[object] = []

    def resolutionBegan(self, resolutionInProgress: IHostResolution) -> None:
        self.events.append("began")

    def addressResolved(self, address: IAddress) -> None:
        self.events.append(address)

    def resolutionComplete(self) -> None:
        self.events.append("complete")


class _RetryingFactory(ReconnectingClientFactory):
    """
    Reconnects on the test's clock, without jitter, so times are exact.
    """

    protocol = Recorder
    jitter = 0

    def __init__(self, reactor: FakeReactor) -> None:
        self.clock = reactor  # type: ignore[assignment]


class InterfaceTests(SynchronousTestCase):
    """
    The reactor and what it hands out provide the interfaces they claim.
    """

    def test_reactorInterfaces(self) -> None:
        """
        A FakeReactor provides the reactor interfaces application code uses.
        """
        reactor = FakeReactor()
        for interface in (
            IReactorTime,
            IReactorTCP,
            IReactorSSL,
            IReactorPluggableNameResolver,
            IReactorCore,
        ):
            self.assertTrue(verifyObject(interface, reactor))

    def test_everyClaimedInterface(self) -> None:
        """
        A FakeReactor fully provides every interface it claims, and claims
        the ones ``MemoryReactorClock`` users rely on, UNIX sockets too.
        """
        reactor = FakeReactor()
        claimed = list(providedBy(reactor))
        for interface in claimed:
            self.assertTrue(verifyObject(interface, reactor), interface)
        self.assertIn(IReactorUNIX, claimed)

    def test_transportInterfaces(self) -> None:
        """
        Both transports provide ITCPTransport, IConsumer and IPushProducer,
        and neither claims ISSLTransport.
        """
        connection, _client, _server = connectPair(FakeReactor())
        for transport in (connection.clientTransport, connection.serverTransport):
            for interface in (ITCPTransport, IConsumer, IPushProducer):
                self.assertTrue(verifyObject(interface, transport))
            self.assertFalse(ISSLTransport.providedBy(transport))

    def test_sslTransportIsNotSSL(self) -> None:
        """
        A connection made with connectSSL does not claim ISSLTransport: TLS
        is not simulated.
        """
        reactor = FakeReactor()
        reactor.listenSSL(443, RecorderFactory(), None)
        reactor.connectSSL("example.com", 443, RecorderFactory(), None)
        reactor.flush()
        connection = reactor.connections[0]
        self.assertTrue(verifyObject(ITCPTransport, connection.clientTransport))
        self.assertFalse(ISSLTransport.providedBy(connection.clientTransport))
        self.assertFalse(ISSLTransport.providedBy(connection.serverTransport))

    def test_listenerConnectorResolverInterfaces(self) -> None:
        """
        Listeners provide IListeningPort, connectors IConnector, and the
        name resolver IHostnameResolver.
        """
        reactor = FakeReactor()
        self.assertTrue(
            verifyObject(IListeningPort, reactor.listenTCP(80, RecorderFactory()))
        )
        connector = reactor.connectTCP("example.com", 80, RecorderFactory())
        self.assertTrue(verifyObject(IConnector, connector))
        self.assertTrue(verifyObject(IHostnameResolver, reactor.nameResolver))


class NameTests(SynchronousTestCase):
    """
    Every host name resolves, at once, to a stable address.
    """

    def test_localhost(self) -> None:
        """
        ``localhost`` is 127.0.0.1.
        """
        self.assertEqual(FakeReactor().addressOf("localhost"), "127.0.0.1")

    def test_addressLiterals(self) -> None:
        """
        An IPv4 or IPv6 address resolves to itself.
        """
        reactor = FakeReactor()
        self.assertEqual(reactor.addressOf("10.1.2.3"), "10.1.2.3")
        self.assertEqual(reactor.addressOf("::1"), "::1")

    def test_inventedNames(self) -> None:
        """
        Other names get distinct TEST-NET addresses, the same each time.
        """
        reactor = FakeReactor()
        first = reactor.addressOf("feed.example.com")
        second = reactor.addressOf("api.example.com")
        self.assertEqual(first, "192.0.2.1")
        self.assertEqual(second, "192.0.2.2")
        self.assertEqual(reactor.addressOf("feed.example.com"), first)

    def test_inventedNamesRunOut(self) -> None:
        """
        Past the 759 addresses of the three TEST-NET ranges, a new name is
        refused with NetworkUsageError naming it; names already known, and
        addresses, still resolve.
        """
        reactor = FakeReactor()
        addresses = {reactor.addressOf(f"host{n}.example.com") for n in range(759)}
        self.assertEqual(len(addresses), 759)
        self.assertEqual(reactor.addressOf("host758.example.com"), "203.0.113.253")
        e = self.assertRaises(NetworkUsageError, reactor.addressOf, "one.more.example")
        self.assertEqual(
            str(e),
            "FakeReactor ran out of TEST-NET addresses: 759 invented host names "
            "have one each, and 'one.more.example' would be one more (use "
            "addresses, such as 192.0.2.10, for some hosts)",
        )
        self.assertEqual(reactor.addressOf("host0.example.com"), "192.0.2.1")
        self.assertEqual(reactor.addressOf("192.0.2.10"), "192.0.2.10")

    def test_resolveHostName(self) -> None:
        """
        The name resolver tells the receiver began, the address with the
        port, and complete, before it returns.
        """
        reactor = FakeReactor()
        receiver = _Receiver()
        reactor.nameResolver.resolveHostName(receiver, "feed.example.com", 443)
        self.assertEqual(
            receiver.events,
            ["began", IPv4Address("TCP", "192.0.2.1", 443), "complete"],
        )

    def test_resolveHostNameAddressTypes(self) -> None:
        """
        An address of a type not asked for is left out.
        """
        reactor = FakeReactor()
        receiver = _Receiver()
        reactor.nameResolver.resolveHostName(
            receiver, "feed.example.com", 443, addressTypes=[IPv6Address]
        )
        self.assertEqual(receiver.events, ["began", "complete"])

    def test_resolve(self) -> None:
        """
        ``reactor.resolve`` gives a Deferred that has the address.
        """
        reactor = FakeReactor()
        self.assertEqual(
            self.successResultOf(reactor.resolve("feed.example.com")), "192.0.2.1"
        )


class NameSpellingTests(SynchronousTestCase):
    """
    Host names compare as DNS compares them.
    """

    def test_caseAndFinalDot(self) -> None:
        """
        A name in another case or with a final dot is the same host, so a
        listener on it is reached.
        """
        reactor = FakeReactor()
        self.assertEqual(
            {reactor.addressOf(n) for n in ("Feed.Example.com", "feed.example.com.")},
            {reactor.addressOf("feed.example.com")},
        )
        reactor.listenTCP(80, RecorderFactory(), interface="feed.example.com")
        reactor.connectTCP("FEED.example.COM", 80, RecorderFactory())
        reactor.flush()
        self.assertEqual(reactor.attempts[0].outcome, "connected")


class ListenerDownTests(SynchronousTestCase):
    """
    A listener's down() cuts the connections it accepted, and no others.
    """

    def test_downCutsOnlyItsOwn(self) -> None:
        """
        A new listener on the same port going down leaves the connection
        an earlier listener accepted open.
        """
        reactor = FakeReactor()
        old = reactor.listenTCP(80, RecorderFactory())
        reactor.connectTCP("example.com", 80, RecorderFactory())
        reactor.flush()
        old.stopListening()
        new = reactor.listenTCP(80, RecorderFactory())
        new.down()
        self.assertTrue(reactor.connections[0].open)
        old.down()
        self.assertFalse(reactor.connections[0].open)


class BlackholeTests(SynchronousTestCase):
    """
    A blackholed host answers nothing: attempts wait for their timeout.
    """

    def test_attemptTimesOut(self) -> None:
        """
        An attempt to a blackholed host stays pending, even with a listener
        there, until the connector's timeout fails it with TimeoutError.
        """
        reactor = FakeReactor()
        reactor.listenTCP(443, RecorderFactory())
        reactor.blackhole("feed.example.com")
        factory = RecorderFactory()
        reactor.connectTCP("feed.example.com", 443, factory, timeout=30)
        reactor.advance(29.5)
        self.assertEqual((reactor.attempts[0].outcome, factory.failed), ("pending", []))
        reactor.advance(0.5)
        factory.failed[0].trap(error.TimeoutError)
        self.assertEqual(reactor.attempts[0].outcome, "timed out")

    def test_onlyThatPort(self) -> None:
        """
        Blackholing one port leaves the host's other ports answering.
        """
        reactor = FakeReactor()
        reactor.listenTCP(80, RecorderFactory())
        reactor.blackhole("feed.example.com", 443)
        reactor.connectTCP("feed.example.com", 80, RecorderFactory())
        reactor.connectTCP("feed.example.com", 443, RecorderFactory())
        reactor.flush()
        self.assertEqual(
            [a.outcome for a in reactor.attempts], ["connected", "pending"]
        )

    def test_unblackholeCompletesWaitingAttempts(self) -> None:
        """
        After unblackhole, a waiting attempt completes at the next flush;
        unblackholing a host that was not blackholed is an error.
        """
        reactor = FakeReactor()
        reactor.listenTCP(80, RecorderFactory())
        reactor.blackhole("feed.example.com")
        reactor.connectTCP("feed.example.com", 80, RecorderFactory())
        reactor.advance(5)
        reactor.unblackhole("feed.example.com")
        reactor.flush()
        self.assertEqual(reactor.attempts[0].outcome, "connected")
        e = self.assertRaises(OutageError, reactor.unblackhole, "feed.example.com")
        self.assertEqual(
            str(e), "unblackhole(): feed.example.com:None is not blackholed"
        )

    def test_unblackholeOtherPort(self) -> None:
        """
        Unblackholing a port that was not blackholed, while another port of
        the host is, raises OutageError naming the host and port, and
        leaves the blackhole in place.
        """
        reactor = FakeReactor()
        reactor.blackhole("feed.example.com", 443)
        e = self.assertRaises(OutageError, reactor.unblackhole, "feed.example.com", 80)
        self.assertEqual(str(e), "unblackhole(): feed.example.com:80 is not blackholed")
        reactor.listenTCP(443, RecorderFactory())
        reactor.connectTCP("feed.example.com", 443, RecorderFactory())
        reactor.flush()
        self.assertEqual(reactor.attempts[0].outcome, "pending")


class ListenTests(SynchronousTestCase):
    """
    listenTCP registers an in-memory listener that connections reach.
    """

    def test_wildcardListenerReachedByAnyName(self) -> None:
        """
        A listener without an interface is reached by any host name.
        """
        reactor = FakeReactor()
        factory = RecorderFactory()
        reactor.listenTCP(80, factory)
        for host in ("a.example", "localhost", "10.0.0.7"):
            reactor.connectTCP(host, 80, RecorderFactory())
        reactor.flush()
        self.assertEqual(len(factory.built), 3)
        self.assertEqual([a.outcome for a in reactor.attempts], ["connected"] * 3)

    def test_interfaceListener(self) -> None:
        """
        A listener on one interface is reached only through that host.
        """
        reactor = FakeReactor()
        reactor.listenTCP(80, RecorderFactory(), interface="feed.example.com")
        reactor.connectTCP("feed.example.com", 80, RecorderFactory())
        reactor.connectTCP("other.example.com", 80, RecorderFactory())
        reactor.flush()
        self.assertEqual(
            [(a.host, a.outcome) for a in reactor.attempts],
            [("feed.example.com", "connected"), ("other.example.com", "refused")],
        )

    def test_duplicateListen(self) -> None:
        """
        Listening twice on one port raises CannotListenError.
        """
        reactor = FakeReactor()
        reactor.listenTCP(80, RecorderFactory())
        self.assertRaises(
            error.CannotListenError, reactor.listenTCP, 80, RecorderFactory()
        )

    def test_portZero(self) -> None:
        """
        Port 0 picks a free port, which getHost reports and connects reach.
        """
        reactor = FakeReactor()
        port = reactor.listenTCP(0, RecorderFactory()).getHost()
        assert isinstance(port, IPv4Address)
        self.assertNotEqual(port.port, 0)
        reactor.connectTCP("localhost", port.port, RecorderFactory())
        reactor.flush()
        self.assertEqual(reactor.attempts[0].outcome, "connected")

    def test_stopListening(self) -> None:
        """
        After stopListening a connection is refused.
        """
        reactor = FakeReactor()
        port = reactor.listenTCP(80, RecorderFactory())
        port.stopListening()
        reactor.connectTCP("example.com", 80, RecorderFactory())
        reactor.flush()
        self.assertEqual(reactor.attempts[0].outcome, "refused")

    def test_factoryStartStop(self) -> None:
        """
        Listening starts the factory; stopListening stops it.
        """
        reactor = FakeReactor()
        factory = RecorderFactory()
        port = reactor.listenTCP(80, factory)
        self.assertEqual(factory.numPorts, 1)
        port.stopListening()
        self.assertEqual(factory.numPorts, 0)


class ConnectTests(SynchronousTestCase):
    """
    connectTCP makes an attempt that the next flush completes.
    """

    def test_nothingBeforeFlush(self) -> None:
        """
        connectTCP builds no protocol until the reactor flushes.
        """
        reactor = FakeReactor()
        server, client = RecorderFactory(), RecorderFactory()
        reactor.listenTCP(80, server)
        reactor.connectTCP("example.com", 80, client)
        self.assertEqual((server.built, client.built), ([], []))
        self.assertEqual(reactor.attempts[0].outcome, "pending")
        reactor.flush()
        self.assertTrue(client.built[0].made and server.built[0].made)

    def test_addresses(self) -> None:
        """
        Each end's host is the other end's peer, as IPv4 addresses.
        """
        connection, _client, _server = connectPair(FakeReactor())
        clientHost = connection.clientTransport.getHost()
        serverHost = connection.serverTransport.getHost()
        self.assertIsInstance(clientHost, IPv4Address)
        self.assertEqual(serverHost, IPv4Address("TCP", "192.0.2.1", 80))
        self.assertEqual(connection.clientTransport.getPeer(), serverHost)
        self.assertEqual(connection.serverTransport.getPeer(), clientHost)

    def test_refused(self) -> None:
        """
        With nothing listening, the factory's clientConnectionFailed gets
        ConnectionRefusedError and the attempt is "refused".
        """
        reactor = FakeReactor()
        factory = RecorderFactory()
        reactor.connectTCP("example.com", 80, factory)
        reactor.flush()
        factory.failed[0].trap(error.ConnectionRefusedError)
        self.assertEqual(reactor.attempts[0].outcome, "refused")

    def test_attemptsRecorded(self) -> None:
        """
        Each attempt is recorded with its time, host, port, outcome and tls.
        """
        reactor = FakeReactor()
        reactor.listenTCP(80, RecorderFactory())
        reactor.advance(5)
        reactor.connectTCP("a.example", 80, RecorderFactory())
        reactor.connectSSL("b.example", 443, RecorderFactory(), None)
        reactor.flush()
        self.assertEqual(
            [(a.time, a.host, a.port, a.outcome, a.tls) for a in reactor.attempts],
            [
                (5.0, "a.example", 80, "connected", False),
                (5.0, "b.example", 443, "refused", True),
            ],
        )
        self.assertIs(reactor.attempts[0].connection, reactor.connections[0])

    def test_stopConnecting(self) -> None:
        """
        stopConnecting before the flush cancels the attempt: the factory
        gets UserError and the attempt is "cancelled".
        """
        reactor = FakeReactor()
        reactor.listenTCP(80, RecorderFactory())
        factory = RecorderFactory()
        reactor.connectTCP("example.com", 80, factory).stopConnecting()
        reactor.flush()
        factory.failed[0].trap(error.UserError)
        self.assertEqual(reactor.attempts[0].outcome, "cancelled")
        self.assertEqual(reactor.connections, [])

    def test_timeoutCancelledOnConnect(self) -> None:
        """
        The connect timeout is cancelled once connected: it never fires.
        """
        reactor = FakeReactor()
        reactor.listenTCP(80, RecorderFactory())
        reactor.connectTCP("example.com", 80, RecorderFactory(), timeout=5)
        self.assertEqual(len(reactor.getDelayedCalls()), 1)
        reactor.flush()
        self.assertEqual(reactor.getDelayedCalls(), [])
        reactor.advance(10)
        self.assertEqual(reactor.attempts[0].outcome, "connected")

    def test_connectorDisconnect(self) -> None:
        """
        ``connector.disconnect()`` on a connected connector closes the
        connection.
        """
        reactor = FakeReactor()
        reactor.listenTCP(80, RecorderFactory())
        connector = reactor.connectTCP("example.com", 80, RecorderFactory())
        reactor.flush()
        connector.disconnect()
        reactor.flush()
        self.assertFalse(reactor.connections[0].open)
        self.assertEqual(connector.state, "disconnected")  # type: ignore[attr-defined]

    def test_serverFactoryBuildsNothing(self) -> None:
        """
        A server factory that builds no protocol: the client sees the
        connection made and closed.
        """
        reactor = FakeReactor()
        server = RecorderFactory()
        server.buildProtocol = lambda addr: None  # type: ignore[assignment,method-assign,return-value]
        client = RecorderFactory()
        reactor.listenTCP(80, server)
        reactor.connectTCP("example.com", 80, client)
        reactor.flush()
        self.assertTrue(client.built[0].made)
        client.built[0].lost[0].trap(error.ConnectionDone)

    def test_clientFactoryBuildsNothing(self) -> None:
        """
        A client factory that builds no protocol: the server sees the
        connection close.
        """
        reactor = FakeReactor()
        server, client = RecorderFactory(), RecorderFactory()
        client.buildProtocol = lambda addr: None  # type: ignore[assignment,method-assign,return-value]
        reactor.listenTCP(80, server)
        reactor.connectTCP("example.com", 80, client)
        reactor.flush()
        server.built[0].lost[0].trap(error.ConnectionDone)


class _BrokenFactory(RecorderFactory):
    def buildProtocol(self, addr: object) -> Recorder:
        raise ZeroDivisionError("no protocol today")


class _BrokenOnLoss(Recorder):
    def connectionLost(self, reason: Failure = connectionDone) -> None:
        raise ZeroDivisionError("broken on loss")


class _LossCountingFactory(RecorderFactory):
    def __init__(self) -> None:
        super().__init__(_BrokenOnLoss)
        self.lostReasons: list[Failure] = []

    def clientConnectionLost(self, connector: IConnector, reason: Failure) -> None:
        self.lostReasons.append(reason)


class AcceptTests(SynchronousTestCase):
    """
    What happens between a listener accepting and both protocols starting.
    """

    def test_serverBuildProtocolRaises(self) -> None:
        """
        A listener factory that raises is logged; the client sees its
        connection made, then lost, as a real reactor's accept would do.
        """
        reactor = FakeReactor()
        client = RecorderFactory()
        reactor.listenTCP(80, _BrokenFactory())
        reactor.connectTCP("example.com", 80, client)
        reactor.flush()
        self.assertEqual(len(self.flushLoggedErrors(ZeroDivisionError)), 1)
        self.assertTrue(client.built[0].made)
        client.built[0].lost[0].trap(error.ConnectionDone)
        self.assertEqual(reactor.getDelayedCalls(), [])

    def test_clientBuildProtocolRaises(self) -> None:
        """
        A client factory that raises is logged and its attempt fails with
        ConnectError ("failed"); the connector can connect again.
        """
        reactor = FakeReactor()
        reactor.listenTCP(80, RecorderFactory())
        factory = _BrokenFactory()
        connector = reactor.connectTCP("example.com", 80, factory)
        reactor.flush()
        self.assertEqual(len(self.flushLoggedErrors(ZeroDivisionError)), 1)
        factory.failed[0].trap(error.ConnectError)
        self.assertEqual(reactor.attempts[0].outcome, "failed")
        self.assertEqual(reactor.connections, [])
        connector.connect()
        self.assertEqual(len(reactor.attempts), 2)

    def test_cancelAnotherAttemptWhileConnecting(self) -> None:
        """
        A protocol that, on connecting, cancels another attempt of the same
        flush round cancels it cleanly: that attempt never connects.
        """
        reactor = FakeReactor()
        reactor.listenTCP(80, RecorderFactory())
        connectors: list[IConnector] = []

        class CancelOther(Recorder):
            def connectionMade(self) -> None:
                super().connectionMade()
                connectors[1].stopConnecting()

        first = RecorderFactory(CancelOther)
        second = RecorderFactory()
        connectors.append(reactor.connectTCP("example.com", 80, first))
        connectors.append(reactor.connectTCP("example.com", 80, second))
        reactor.flush()
        self.assertEqual(
            [a.outcome for a in reactor.attempts], ["connected", "cancelled"]
        )
        second.failed[0].trap(error.UserError)
        self.assertEqual(second.built, [])

    def test_connectionLostRaising(self) -> None:
        """
        A client protocol whose connectionLost raises has the error logged,
        and its factory is not told of the loss, as with Twisted's tcp.Client.
        """
        reactor = FakeReactor()
        reactor.listenTCP(80, RecorderFactory())
        factory = _LossCountingFactory()
        reactor.connectTCP("example.com", 80, factory)
        reactor.flush()
        reactor.connections[0].drop()
        reactor.flush()
        self.assertEqual(len(self.flushLoggedErrors(ZeroDivisionError)), 1)
        self.assertEqual(factory.lostReasons, [])

    def test_onNewConnectionRunsBeforeConnectionMade(self) -> None:
        """
        A hook given to onNewConnection sees each new Connection before
        either protocol is connected, so a fault it sets covers the first
        bytes.
        """
        reactor = FakeReactor()
        seen: list[tuple[int, bool, bool]] = []

        def hook(connection: Connection) -> None:
            client, server = connection.client, connection.server
            assert isinstance(client, Recorder) and isinstance(server, Recorder)
            seen.append((connection.number, client.made, server.made))
            connection.chunk(2)

        reactor.onNewConnection(hook)
        _connection, _client, server = connectPair(reactor, client=Greeter)
        self.assertEqual(seen, [(1, False, False)])
        self.assertEqual(server.received, [b"he", b"ll", b"o"])


class EndpointTests(SynchronousTestCase):
    """
    Twisted's endpoints and services run unmodified on a FakeReactor.
    """

    def setUp(self) -> None:
        self.reactor = FakeReactor()
        self.server = RecorderFactory()
        self.reactor.listenTCP(443, self.server)

    def test_tcp4ClientEndpoint(self) -> None:
        """
        TCP4ClientEndpoint connects once the reactor flushes.
        """
        endpoint = TCP4ClientEndpoint(self.reactor, "feed.example.com", 443)
        connecting = endpoint.connect(RecorderFactory())
        self.assertNoResult(connecting)
        self.reactor.flush()
        self.assertIsInstance(self.successResultOf(connecting), Recorder)

    def test_hostnameEndpoint(self) -> None:
        """
        HostnameEndpoint resolves the name through the reactor's resolver
        and connects to the address it resolves to.
        """
        endpoint = HostnameEndpoint(self.reactor, b"feed.example.com", 443)
        connecting = endpoint.connect(RecorderFactory())
        self.reactor.flush()
        self.assertIsInstance(self.successResultOf(connecting), Recorder)
        self.assertEqual(
            [(a.host, a.outcome) for a in self.reactor.attempts],
            [("192.0.2.1", "connected")],
        )

    def test_clientFromString(self) -> None:
        """
        An endpoint parsed from a string connects to the named host.
        """
        endpoint = clientFromString(self.reactor, "tcp:host=feed.example.com:port=443")
        connecting = endpoint.connect(RecorderFactory())
        self.reactor.flush()
        self.successResultOf(connecting)
        self.assertEqual(self.reactor.attempts[0].host, "feed.example.com")

    def test_ssl4ClientEndpoint(self) -> None:
        """
        SSL4ClientEndpoint connects through connectSSL: the attempt says tls.
        """
        endpoint = SSL4ClientEndpoint(self.reactor, "feed.example.com", 443, None)
        connecting = endpoint.connect(RecorderFactory())
        self.reactor.flush()
        self.successResultOf(connecting)
        self.assertTrue(self.reactor.attempts[0].tls)

    def test_cancelConnect(self) -> None:
        """
        Cancelling an endpoint's Deferred before the flush fails it with
        ConnectingCancelledError and records the attempt as cancelled.
        """
        endpoint = TCP4ClientEndpoint(self.reactor, "feed.example.com", 443)
        connecting = endpoint.connect(RecorderFactory())
        connecting.cancel()
        self.failureResultOf(connecting, error.ConnectingCancelledError)
        self.reactor.flush()
        self.assertEqual(self.reactor.attempts[0].outcome, "cancelled")
        self.assertEqual(self.server.built, [])

    def test_tcp4ServerEndpoint(self) -> None:
        """
        TCP4ServerEndpoint.listen gives a port that connections reach.
        """
        server = RecorderFactory()
        port = self.successResultOf(
            TCP4ServerEndpoint(self.reactor, 8080).listen(server)
        )
        self.assertEqual(port.getHost(), IPv4Address("TCP", "0.0.0.0", 8080))
        self.reactor.connectTCP("localhost", 8080, RecorderFactory())
        self.reactor.flush()
        self.assertEqual(len(server.built), 1)

    def test_reconnectingClientFactory(self) -> None:
        """
        ReconnectingClientFactory retries a refused attempt after its own
        delay on the reactor's clock.
        """
        reactor = FakeReactor()
        factory = _RetryingFactory(reactor)
        reactor.connectTCP("feed.example.com", 443, factory)
        reactor.advance(1)
        reactor.listenTCP(443, RecorderFactory())
        reactor.advance(10)
        self.assertEqual(
            [(a.time, a.outcome) for a in reactor.attempts],
            [(0.0, "refused"), (1.0, "refused"), (1.0 + math.e, "connected")],
        )
        factory.stopTrying()

    def test_reconnectAfterDrop(self) -> None:
        """
        ReconnectingClientFactory reconnects after its connection is
        dropped, through the same connector.
        """
        reactor = FakeReactor()
        reactor.listenTCP(443, RecorderFactory())
        factory = _RetryingFactory(reactor)
        reactor.connectTCP("feed.example.com", 443, factory)
        reactor.flush()
        reactor.advance(5)
        reactor.connections[0].drop()
        reactor.advance(10)
        self.assertEqual(
            [(a.time, a.outcome) for a in reactor.attempts],
            [(0.0, "connected"), (6.0, "connected")],
        )
        self.assertTrue(reactor.connections[1].open)
        factory.stopTrying()

    def test_clientService(self) -> None:
        """
        ClientService connects through its endpoint on the reactor and
        whenConnected fires with the protocol.
        """
        endpoint = TCP4ClientEndpoint(self.reactor, "feed.example.com", 443)
        service = ClientService(endpoint, RecorderFactory(), clock=self.reactor)
        service.startService()
        connected = service.whenConnected()
        self.reactor.flush()
        self.assertIsInstance(self.successResultOf(connected), Recorder)
        stopped = service.stopService()
        self.reactor.flush()
        self.successResultOf(stopped)


class FlushTests(SynchronousTestCase):
    """
    flush() delivers until nothing moves, and says who keeps talking.
    """

    def test_neverSettles(self) -> None:
        """
        Two echoing peers never settle: flush raises NeverSettles naming the
        connection and the bytes still moving.
        """
        reactor = FakeReactor(flushLimit=20)
        connection, client, _server = connectPair(reactor, client=Echo, server=Echo)
        client.write(b"ping")
        exception = self.assertRaises(NeverSettles, reactor.flush)
        self.assertIn(repr(connection), str(exception))
        self.assertIn("b'ping'", str(exception))

    def test_flushInsideCallbackIsNoOp(self) -> None:
        """
        flush() called from inside a delivery does nothing: the peer is not
        re-entered.
        """
        reactor = FakeReactor()
        _connection, client, server = connectPair(reactor)

        def replyAndFlush(data: bytes) -> None:
            client.write(b"reply")
            reactor.flush()

        client.onData = replyAndFlush  # type: ignore[method-assign]
        server.write(b"one")
        reactor.flush()
        self.assertFalse(server.reentered)
        self.assertEqual(server.data, b"reply")


class TimeTests(SynchronousTestCase):
    """
    advance() runs timers as a real reactor does and flushes after each.
    """

    def test_slowTimerAdvancesTheReactor(self) -> None:
        """
        A timer that advances the reactor (a slow callback) sees the bytes
        and timers due in its inner window delivered at their own times;
        the outer advance ends at the later end.
        """
        reactor = FakeReactor()
        _connection, client, server = connectPair(reactor)
        seen: list[tuple[str, float]] = []

        def slow() -> None:
            client.write(b"during")
            reactor.advance(3)
            seen.append(("slow done", reactor.seconds()))

        reactor.callLater(1, slow)
        reactor.callLater(2, lambda: seen.append(("timer", reactor.seconds())))
        reactor.advance(2)
        self.assertEqual(seen, [("timer", 2.0), ("slow done", 4.0)])
        self.assertEqual(server.log[-1], ("server", b"during"))
        self.assertEqual(reactor.seconds(), 4.0)

    def test_errorInDelayedCallLogged(self) -> None:
        """
        An exception from a delayed call is logged, not raised, and later
        calls still run.
        """
        reactor = FakeReactor()
        ran: list[float] = []
        reactor.callLater(1, lambda: 1 / 0)
        reactor.callLater(2, lambda: ran.append(reactor.seconds()))
        reactor.advance(3)
        self.assertEqual(len(self.flushLoggedErrors(ZeroDivisionError)), 1)
        self.assertEqual(ran, [2.0])

    def test_flushAfterEachTimer(self) -> None:
        """
        Bytes a timer writes are delivered before the next timer runs, even
        one due at the same time.
        """
        reactor = FakeReactor()
        _connection, client, server = connectPair(reactor)
        seen: list[bytes] = []
        reactor.callLater(1, client.write, b"tick")
        reactor.callLater(1, lambda: seen.append(server.data))
        reactor.advance(1)
        self.assertEqual(seen, [b"tick"])

    def test_timersInOrderWithDelivery(self) -> None:
        """
        Timer runs and deliveries interleave in time order.
        """
        reactor = FakeReactor()
        _connection, client, server = connectPair(reactor)
        reactor.callLater(1, client.write, b"a")
        reactor.callLater(2, lambda: server.log.append(("timer", 2)))
        reactor.callLater(3, client.write, b"b")
        reactor.advance(5)
        self.assertEqual(
            server.log[-3:], [("server", b"a"), ("timer", 2), ("server", b"b")]
        )


class CoreTests(SynchronousTestCase):
    """
    The IReactorCore parts that endpoint and service code use.
    """

    def test_callWhenRunning(self) -> None:
        """
        callWhenRunning calls at once: a new reactor is running.
        """
        called: list[int] = []
        FakeReactor().callWhenRunning(called.append, 1)
        self.assertEqual(called, [1])

    def test_systemEventPhases(self) -> None:
        """
        fireSystemEvent runs before, during and after triggers in that order.
        """
        reactor = FakeReactor()
        order: list[str] = []
        for phase in ("after", "during", "before"):
            reactor.addSystemEventTrigger(phase, "shutdown", order.append, phase)
        reactor.fireSystemEvent("shutdown")
        self.assertEqual(order, ["before", "during", "after"])

    def test_beforeTriggerDeferredHoldsBack(self) -> None:
        """
        A before-trigger that returns a Deferred holds back the during and
        after triggers until it fires.
        """
        reactor = FakeReactor()
        waiting: Deferred[None] = Deferred()
        order: list[str] = []
        reactor.addSystemEventTrigger("before", "shutdown", lambda: waiting)
        reactor.addSystemEventTrigger("during", "shutdown", order.append, "during")
        reactor.fireSystemEvent("shutdown")
        self.assertEqual(order, [])
        waiting.callback(None)
        self.assertEqual(order, ["during"])

    def test_failingBeforeTriggerDeferred(self) -> None:
        """
        A before-trigger whose Deferred fails is logged and the during
        triggers still run, as on a real reactor.
        """
        reactor = FakeReactor()
        failing: Deferred[None] = Deferred()
        order: list[str] = []
        reactor.addSystemEventTrigger("before", "shutdown", lambda: failing)
        reactor.addSystemEventTrigger("during", "shutdown", order.append, "during")
        reactor.fireSystemEvent("shutdown")
        failing.errback(ZeroDivisionError())
        self.assertEqual(order, ["during"])
        self.assertEqual(len(self.flushLoggedErrors(ZeroDivisionError)), 1)

    def test_failedBeforeTriggerWaitsForOthers(self) -> None:
        """
        A before-trigger that fails does not release the during triggers
        while another before-trigger is still waiting.
        """
        reactor = FakeReactor()
        waiting: Deferred[None] = Deferred()
        order: list[str] = []
        reactor.addSystemEventTrigger("before", "shutdown", lambda: 1 / 0)
        reactor.addSystemEventTrigger("before", "shutdown", lambda: waiting)
        reactor.addSystemEventTrigger("during", "shutdown", order.append, "during")
        reactor.fireSystemEvent("shutdown")
        self.assertEqual(order, [])
        waiting.callback(None)
        self.assertEqual(order, ["during"])
        self.assertEqual(len(self.flushLoggedErrors(ZeroDivisionError)), 1)

    def test_removeSystemEventTrigger(self) -> None:
        """
        A removed trigger does not run.
        """
        reactor = FakeReactor()
        order: list[str] = []
        trigger = reactor.addSystemEventTrigger("during", "shutdown", order.append, 1)
        reactor.removeSystemEventTrigger(trigger)
        reactor.fireSystemEvent("shutdown")
        self.assertEqual(order, [])

    def test_stop(self) -> None:
        """
        stop() fires the shutdown triggers and the reactor stops running.
        """
        reactor = FakeReactor()
        order: list[str] = []
        reactor.addSystemEventTrigger("during", "shutdown", order.append, "down")
        reactor.stop()
        self.assertEqual(order, ["down"])
        self.assertFalse(reactor.running)


class _Relay(Recorder):
    """
    Writes what it receives to the protocol in ``target``, on another
    connection.
    """

    def __init__(self) -> None:
        super().__init__()
        self.target: list[Recorder] = []

    def onData(self, data: bytes) -> None:
        self.target[0].write(data)


class WorkTests(SynchronousTestCase):
    """
    flush() pumps only the connections with something to deliver; whatever
    gives a connection work gets it pumped, however many others sit idle.
    """

    def _pairs(self, reactor: FakeReactor, count: int) -> list[Connection]:
        log: list[tuple[str, object]] = []
        reactor.listenTCP(80, RecorderFactory(Recorder, "server", log))
        for _ in range(count):
            reactor.connectTCP(
                "127.0.0.1", 80, RecorderFactory(Recorder, "client", log)
            )
        reactor.flush()
        return reactor.connections

    def test_writeAmongIdleConnections(self) -> None:
        """
        A write on one of many idle connections, made by a timer, arrives
        in the advance that ran the timer.
        """
        reactor = FakeReactor()
        connections = self._pairs(reactor, 50)
        client = connections[37].client
        assert isinstance(client, Recorder)
        reactor.callLater(3, client.write, b"late")
        reactor.advance(5)
        server = connections[37].server
        assert isinstance(server, Recorder)
        self.assertEqual(server.log[-1], ("server", b"late"))

    def test_delayedBytesArriveOnTime(self) -> None:
        """
        Bytes held back by latency on one of many idle connections arrive
        at their due time, with nothing else to wake that connection.
        """
        reactor = FakeReactor()
        connections = self._pairs(reactor, 20)
        connection = connections[5]
        connection.latency = 2
        client, server = connection.client, connection.server
        assert isinstance(client, Recorder) and isinstance(server, Recorder)
        arrived: list[float] = []
        server.onData = lambda data: arrived.append(reactor.seconds())  # type: ignore[method-assign]
        client.write(b"slow")
        reactor.advance(1)
        self.assertEqual(arrived, [])
        reactor.advance(10)
        self.assertEqual(arrived, [2.0])

    def test_connectionsDeliverInTheOrderOpened(self) -> None:
        """
        In one delivery round, connections deliver in the order they were
        opened, whatever order they were written to in.
        """
        reactor = FakeReactor()
        connections = self._pairs(reactor, 3)
        for connection in reversed(connections):
            client = connection.client
            assert isinstance(client, Recorder)
            client.write(b"%d" % (connection.number,))
        reactor.flush()
        server = connections[0].server
        assert isinstance(server, Recorder)
        self.assertEqual(
            [entry for entry in server.log if entry[1] not in ("made",)],
            [("server", b"1"), ("server", b"2"), ("server", b"3")],
        )

    def test_deliveryWakesAnotherConnection(self) -> None:
        """
        A protocol that writes to another connection while receiving gets
        those bytes delivered in the same flush, on an earlier connection as
        on a later one.
        """
        reactor = FakeReactor()
        log: list[tuple[str, object]] = []
        reactor.listenTCP(80, RecorderFactory(_Relay, "relay", log))
        reactor.listenTCP(81, RecorderFactory(Recorder, "end", log))
        reactor.connectTCP("127.0.0.1", 81, RecorderFactory(Recorder, "first", log))
        reactor.connectTCP("127.0.0.1", 80, RecorderFactory(Recorder, "second", log))
        reactor.connectTCP("127.0.0.1", 81, RecorderFactory(Recorder, "third", log))
        reactor.flush()
        first, second, third = reactor.connections
        sender, relay = second.client, second.server
        assert isinstance(sender, Recorder) and isinstance(relay, _Relay)
        for target in (first.client, third.client):
            assert isinstance(target, Recorder)
            relay.target = [target]
            sender.write(b"via %d" % (target.transport.getHost().port,))  # type: ignore[union-attr]
            reactor.flush()
            end = first.server if target is first.client else third.server
            assert isinstance(end, Recorder)
            self.assertEqual(end.log[-1][0], "end")
            self.assertTrue(end.data.startswith(b"via"), end.data)


class MemoryReactorClockCompatTests(SynchronousTestCase):
    """
    ``FakeReactor`` records what ``MemoryReactorClock`` records, in the same
    shapes: the same calls made on both read back equal.
    """

    def both(self) -> list[Any]:
        """
        A ``MemoryReactorClock`` and a ``FakeReactor``.
        """
        return [MemoryReactorClock(), FakeReactor()]

    def assertSame(self, read: Callable[[Any], object]) -> None:
        """
        ``read`` gives equal results on both reactors of ``self.reactors``.
        """
        theirs, ours = (read(reactor) for reactor in self.reactors)
        self.assertEqual(ours, theirs)

    def setUp(self) -> None:
        self.reactors = self.both()
        self.clientFactory = _clientFactory()
        self.serverFactory = Factory.forProtocol(Protocol)

    def test_tcpClientsAndConnectors(self) -> None:
        """
        ``tcpClients`` holds ``(host, port, factory, timeout, bindAddress)``,
        and ``connectors`` the connectors returned, with the same
        destinations.
        """
        returned = [
            reactor.connectTCP(
                "feed.example.com", 443, self.clientFactory, 7, ("10.0.0.1", 0)
            )
            for reactor in self.reactors
        ]
        self.assertSame(lambda reactor: reactor.tcpClients)
        self.assertEqual(
            self.reactors[1].tcpClients,
            [("feed.example.com", 443, self.clientFactory, 7, ("10.0.0.1", 0))],
        )
        self.assertSame(
            lambda reactor: [c.getDestination() for c in reactor.connectors]
        )
        self.assertEqual(self.reactors[1].connectors, [returned[1]])

    def test_tcpServers(self) -> None:
        """
        ``tcpServers`` holds ``(port, factory, backlog, interface)`` as
        given.
        """
        for reactor in self.reactors:
            reactor.listenTCP(8080, self.serverFactory, 10, "127.0.0.1")
            reactor.listenTCP(0, self.serverFactory)
        self.assertSame(lambda reactor: reactor.tcpServers)

    def test_sslClientsAndServers(self) -> None:
        """
        ``sslClients`` holds ``(host, port, factory, contextFactory, timeout,
        bindAddress)`` and ``sslServers`` ``(port, factory, contextFactory,
        backlog, interface)``; neither is listed as TCP.
        """
        context = object()
        for reactor in self.reactors:
            reactor.connectSSL("feed.example.com", 443, self.clientFactory, context)
            reactor.listenSSL(443, self.serverFactory, context, 5, "")
        self.assertSame(lambda reactor: (reactor.sslClients, reactor.sslServers))
        self.assertSame(lambda reactor: (reactor.tcpClients, reactor.tcpServers))
        self.assertEqual(len(self.reactors[1].sslClients), 1)

    def test_unixClientsAndServers(self) -> None:
        """
        ``unixClients`` holds ``(address, factory, timeout, checkPID)`` and
        ``unixServers`` ``(address, factory, backlog, mode, wantPID)``.
        """
        for reactor in self.reactors:
            reactor.listenUNIX("/tmp/s.sock", self.serverFactory, 5, 0o600, 1)
            reactor.connectUNIX("/tmp/s.sock", self.clientFactory, 9, 1)
        self.assertSame(lambda reactor: (reactor.unixClients, reactor.unixServers))
        self.assertSame(
            lambda reactor: [c.getDestination() for c in reactor.connectors]
        )
        self.assertEqual(len(self.reactors[1].unixServers), 1)

    def test_triggers(self) -> None:
        """
        ``triggers`` is ``{phase: {eventType: [(callable, args, kwargs)]}}``.
        """
        for reactor in self.reactors:
            reactor.addSystemEventTrigger("before", "shutdown", print, 1, sep="")
            reactor.addSystemEventTrigger("after", "startup", print)
        self.assertSame(lambda reactor: reactor.triggers)

    def test_callsAndRightNow(self) -> None:
        """
        ``rightNow`` is read and set; ``calls`` lists the pending calls,
        earliest first, with their times, functions and arguments.
        """
        for reactor in self.reactors:
            reactor.rightNow = 1e9
            reactor.callLater(5, print, "later")
            reactor.callLater(2, print, "sooner")
            reactor.advance(1)
        self.assertSame(
            lambda reactor: (
                reactor.rightNow,
                reactor.seconds(),
                [(c.getTime(), c.func, c.args) for c in reactor.calls],
            )
        )
        self.assertEqual(self.reactors[1].rightNow, 1e9 + 1)

    def test_stopAndCrash(self) -> None:
        """
        ``hasStopped`` and ``hasCrashed`` record ``stop()`` and ``crash()``,
        and ``running`` is false after either.
        """
        stopped, crashed = self.both(), self.both()
        for reactor in stopped:
            reactor.stop()
        for reactor in crashed:
            reactor.crash()
        for reactors in (stopped, crashed):
            self.reactors = reactors
            self.assertSame(
                lambda reactor: (
                    bool(reactor.running),
                    reactor.hasStopped,
                    reactor.hasCrashed,
                    reactor.hasRun,
                )
            )

    def test_stoppedConnecting(self) -> None:
        """
        A connector records ``stopConnecting()`` in ``stoppedConnecting``,
        as ``MemoryReactor``'s do, and really stops: the attempt is
        cancelled.
        """
        for reactor in self.reactors:
            reactor.connectTCP("example.com", 80, self.clientFactory)
            reactor.connectors[0].stopConnecting()
        self.assertSame(lambda reactor: reactor.connectors[0].stoppedConnecting)
        self.assertTrue(self.reactors[1].connectors[0].stoppedConnecting)
        self.assertEqual(self.reactors[1].attempts[0].outcome, "cancelled")

    def test_connectStillConnects(self) -> None:
        """
        While recording, the network still connects in memory.
        """
        reactor = FakeReactor()
        reactor.listenTCP(80, self.serverFactory)
        reactor.connectTCP("example.com", 80, self.clientFactory)
        reactor.flush()
        self.assertEqual([a.outcome for a in reactor.attempts], ["connected"])
        self.assertEqual(len(reactor.tcpClients), 1)


class IPv6ListenerTests(SynchronousTestCase):
    """
    A listener on ``"::"`` is an IPv6 listener for every host.
    """

    def test_wildcardReportsIPv6Address(self) -> None:
        """
        ``listenTCP(port, f, interface="::")`` reports an ``IPv6Address``.
        """
        port = FakeReactor().listenTCP(
            8080, Factory.forProtocol(Protocol), interface="::"
        )
        self.assertEqual(port.getHost(), IPv6Address("TCP", "::", 8080))

    def test_reprBracketsHost(self) -> None:
        """
        An IPv6 listener's repr brackets its host, as a connection's does,
        so the port stays readable.
        """
        port = FakeReactor().listenTCP(
            8080, Factory.forProtocol(Protocol), interface="::1"
        )
        self.assertEqual(repr(port), "<in-memory listener on [::1]:8080>")

    def test_endpoints(self) -> None:
        """
        ``TCP6ServerEndpoint`` listens on ``"::"`` and reports an
        ``IPv6Address``; ``TCP6ClientEndpoint`` to ``::1`` reaches it.
        """
        reactor = FakeReactor()
        log: list[tuple[str, object]] = []
        listening = TCP6ServerEndpoint(reactor, 8080).listen(
            RecorderFactory(Recorder, "server", log)
        )
        port = self.successResultOf(listening)
        self.assertEqual(port.getHost(), IPv6Address("TCP", "::", 8080))
        connecting = TCP6ClientEndpoint(reactor, "::1", 8080).connect(
            RecorderFactory(Recorder, "client", log)
        )
        reactor.flush()
        client = self.successResultOf(connecting)
        self.assertEqual(client.transport.getPeer(), IPv6Address("TCP", "::1", 8080))

    def test_dualStack(self) -> None:
        """
        A ``"::"`` listener takes IPv4 connections too, as a dual-stack
        socket does; a ``"0.0.0.0"`` one takes no IPv6.
        """
        reactor = FakeReactor()
        reactor.listenTCP(80, Factory.forProtocol(Protocol), interface="::")
        reactor.listenTCP(81, Factory.forProtocol(Protocol))
        for host, port in [("127.0.0.1", 80), ("::1", 80), ("::1", 81)]:
            reactor.connectTCP(host, port, _clientFactory())
        reactor.flush()
        self.assertEqual(
            [a.outcome for a in reactor.attempts], ["connected", "connected", "refused"]
        )


def _clientFactory() -> ClientFactory:
    """
    A client factory of plain protocols.
    """
    factory = ClientFactory()
    factory.protocol = Protocol
    return factory
