"""
Tests for UNIX sockets on :class:`FakeReactor`: in-memory connections that
meet by path.
"""

from __future__ import annotations

from twisted.internet.address import UNIXAddress
from twisted.internet.endpoints import UNIXClientEndpoint, UNIXServerEndpoint
from twisted.internet.error import CannotListenError, ConnectionRefusedError
from twisted.internet.interfaces import IReactorUNIX, ITCPTransport, ITransport
from twisted.internet.protocol import ClientFactory, Factory, Protocol
from twisted.trial.unittest import SynchronousTestCase
from zope.interface.verify import verifyObject

from ..network import FakeReactor
from ._protocols import Recorder, RecorderFactory

PATH = "/run/app/control.sock"


class UNIXTests(SynchronousTestCase):
    """
    ``listenUNIX`` and ``connectUNIX`` connect in memory by path.
    """

    def setUp(self) -> None:
        self.reactor = FakeReactor()
        self.log: list[tuple[str, object]] = []

    def test_providesIReactorUNIX(self) -> None:
        """
        A ``FakeReactor`` fully provides ``IReactorUNIX``.
        """
        self.assertTrue(verifyObject(IReactorUNIX, self.reactor))

    def test_connectReachesListenerAtPath(self) -> None:
        """
        A client connecting to a path something listens at is connected to
        it; bytes flow both ways; each end reports a ``UNIXAddress``: the
        path for the listening side, an unnamed one for the client.
        """
        port = self.reactor.listenUNIX(
            PATH, RecorderFactory(Recorder, "server", self.log)
        )
        self.reactor.connectUNIX(PATH, RecorderFactory(Recorder, "client", self.log))
        self.reactor.flush()
        [connection] = self.reactor.connections
        connection.clientTransport.write(b"ping")
        connection.serverTransport.write(b"pong")
        self.reactor.flush()
        self.assertIn(("server", b"ping"), self.log)
        self.assertIn(("client", b"pong"), self.log)
        self.assertEqual(port.getHost(), UNIXAddress(PATH))
        self.assertEqual(connection.serverTransport.getHost(), UNIXAddress(PATH))
        self.assertEqual(connection.clientTransport.getPeer(), UNIXAddress(PATH))
        self.assertEqual(connection.clientTransport.getHost(), UNIXAddress(None))
        self.assertEqual(self.reactor.attempts[0].outcome, "connected")

    def test_transportIsNotTCP(self) -> None:
        """
        The ends of a UNIX connection are transports, but not TCP ones.
        """
        self.reactor.listenUNIX(PATH, RecorderFactory(Recorder, "server", self.log))
        self.reactor.connectUNIX(PATH, RecorderFactory(Recorder, "client", self.log))
        self.reactor.flush()
        transport = self.reactor.connections[0].clientTransport
        self.assertTrue(verifyObject(ITransport, transport))
        self.assertFalse(ITCPTransport.providedBy(transport))

    def test_refusedWhenNothingListens(self) -> None:
        """
        A connection to a path nothing listens at is refused, and recorded
        with the path as its host.
        """
        failures: list[type[BaseException]] = []

        class Failing(ClientFactory):
            def clientConnectionFailed(self, connector: object, reason: object) -> None:
                failures.append(reason.type)  # type: ignore[attr-defined]

        self.reactor.listenUNIX("/elsewhere.sock", Factory.forProtocol(Protocol))
        self.reactor.connectUNIX(PATH, Failing())
        self.reactor.flush()
        self.assertEqual(failures, [ConnectionRefusedError])
        [attempt] = self.reactor.attempts
        self.assertEqual(
            (attempt.host, attempt.port, attempt.outcome), (PATH, 0, "refused")
        )

    def test_pathInUse(self) -> None:
        """
        A second listener at the same path fails with ``CannotListenError``
        naming the path; once the first stops, the path is free again.
        """
        factory = Factory.forProtocol(Protocol)
        port = self.reactor.listenUNIX(PATH, factory)
        error = self.assertRaises(
            CannotListenError, self.reactor.listenUNIX, PATH, factory
        )
        self.assertEqual(error.port, PATH)
        port.stopListening()
        self.reactor.listenUNIX(PATH, factory)

    def test_sameNumberAsPathAndPortAreApart(self) -> None:
        """
        A TCP listener and a UNIX one never reach each other.
        """
        self.reactor.listenTCP(80, RecorderFactory(Recorder, "server", self.log))
        self.reactor.connectUNIX("80", _clientFactory())
        self.reactor.flush()
        self.assertEqual(self.reactor.attempts[0].outcome, "refused")

    def test_endpoints(self) -> None:
        """
        ``UNIXServerEndpoint`` and ``UNIXClientEndpoint`` work on the fake,
        and the calls are recorded as ``MemoryReactor`` records them.
        """
        serverFactory = RecorderFactory(Recorder, "server", self.log)
        clientFactory = RecorderFactory(Recorder, "client", self.log)
        listening = UNIXServerEndpoint(self.reactor, PATH).listen(serverFactory)
        connecting = UNIXClientEndpoint(self.reactor, PATH, timeout=5).connect(
            clientFactory
        )
        self.reactor.flush()
        self.successResultOf(listening)
        client = self.successResultOf(connecting)
        self.assertIsInstance(client, Recorder)
        self.assertEqual(
            self.reactor.unixServers, [(PATH, serverFactory, 50, 0o666, False)]
        )
        [(address, _wrapping, timeout, checkPID)] = self.reactor.unixClients
        self.assertEqual((address, timeout, checkPID), (PATH, 5, False))


def _clientFactory() -> ClientFactory:
    """
    A client factory of plain protocols.
    """
    factory = ClientFactory()
    factory.protocol = Protocol
    return factory
