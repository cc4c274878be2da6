"""
Plain Twisted protocols and helpers shared by the network and connection tests.
"""

from __future__ import annotations

from twisted.internet.interfaces import IConnector
from twisted.internet.protocol import ClientFactory, Protocol, connectionDone
from twisted.python.failure import Failure
from twisted.trial.unittest import SynchronousTestCase

from ..network import FakeReactor
from ..network.connection import Connection
from ..network.transport import Transport
from ..testcase import useFakeReactor


class Recorder(Protocol):
    """
    Records what happens to it; ``log`` may be shared with its peer to see
    the order of events on both ends.

    :ivar name: ``"client"`` or ``"server"`` once :func:`connectPair` set it.
    :ivar reentered: set if ``dataReceived`` ran while the peer was inside
        its own ``dataReceived``.
    """

    def __init__(self) -> None:
        self.name = "?"
        self.made = False
        self.received: list[bytes] = []
        self.lost: list[Failure] = []
        self.log: list[tuple[str, object]] = []
        self.peer: Recorder | None = None
        self.inside = False
        self.reentered = False

    @property
    def data(self) -> bytes:
        return b"".join(self.received)

    def write(self, data: bytes) -> None:
        assert self.transport is not None
        self.transport.write(data)

    def connectionMade(self) -> None:
        self.made = True
        self.log.append((self.name, "made"))

    def dataReceived(self, data: bytes) -> None:
        if self.peer is not None and self.peer.inside:
            self.reentered = True
        self.inside = True
        try:
            self.received.append(data)
            self.log.append((self.name, data))
            self.onData(data)
        finally:
            self.inside = False

    def onData(self, data: bytes) -> None:
        """
        What to do with received bytes, besides recording them.
        """

    def connectionLost(self, reason: Failure = connectionDone) -> None:
        self.lost.append(reason)
        self.log.append((self.name, "lost"))


class Echo(Recorder):
    """
    Writes back everything it receives.
    """

    def onData(self, data: bytes) -> None:
        self.write(data)


class Greeter(Recorder):
    """
    Writes ``b"hello"`` as soon as it is connected.
    """

    def connectionMade(self) -> None:
        super().connectionMade()
        self.write(b"hello")


def transportOf(protocol: Protocol) -> Transport:
    """
    The in-memory transport of a connected protocol.
    """
    assert isinstance(protocol.transport, Transport)
    return protocol.transport


class RecorderFactory(ClientFactory):
    """
    Builds one kind of :class:`Recorder`, each named and writing to ``log``.

    Serves as a client or a server factory.

    :ivar built: every protocol built, in order.
    :ivar failed: the reason of every failed connection attempt, in order.
    """

    def __init__(
        self,
        protocol: type[Recorder] = Recorder,
        name: str = "?",
        log: list[tuple[str, object]] | None = None,
    ) -> None:
        self.protocolClass = protocol
        self.name = name
        self.log: list[tuple[str, object]] = [] if log is None else log
        self.built: list[Recorder] = []
        self.failed: list[Failure] = []

    def buildProtocol(self, addr: object) -> Recorder:
        protocol = self.protocolClass()
        protocol.factory = self
        protocol.name = self.name
        protocol.log = self.log
        self.built.append(protocol)
        return protocol

    def clientConnectionFailed(self, connector: IConnector, reason: Failure) -> None:
        self.failed.append(reason)


def connectPair(
    reactor: FakeReactor,
    client: type[Recorder] = Recorder,
    server: type[Recorder] = Recorder,
    host: str = "example.com",
    port: int = 80,
) -> tuple[Connection, Recorder, Recorder]:
    """
    Listen on ``port``, connect to it by ``host``, and flush.

    The two protocols are named ``"client"`` and ``"server"``, share one
    ``log`` and know each other as ``peer``.

    :returns: the connection, the client protocol and the server protocol.
    """
    log: list[tuple[str, object]] = []
    reactor.listenTCP(port, RecorderFactory(server, "server", log))
    reactor.connectTCP(host, port, RecorderFactory(client, "client", log))
    reactor.flush()
    connection = reactor.connections[-1]
    clientProtocol, serverProtocol = connection.client, connection.server
    assert isinstance(clientProtocol, Recorder)
    assert isinstance(serverProtocol, Recorder)
    clientProtocol.peer, serverProtocol.peer = serverProtocol, clientProtocol
    return connection, clientProtocol, serverProtocol


def useEndingReactor(testCase: SynchronousTestCase) -> FakeReactor:
    """
    ``useFakeReactor(testCase)`` for a test about something else than how
    connections end: when the test is over, every connection still open is
    dropped and every port closed (so their timers stop), before the
    leftover checks look.
    """
    reactor = useFakeReactor(testCase)

    def endAll() -> None:
        for connection in reactor.connections:
            connection.drop()
        for listener in reactor.listeners:
            listener.stopListening()
        reactor.flush()

    testCase.addCleanup(endAll)
    return reactor
