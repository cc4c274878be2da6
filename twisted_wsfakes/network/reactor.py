"""
A reactor for tests whose network lives in memory and whose time is fake:
`FakeReactor` assembles the layer's parts (its ``core``, its ``records``,
its listening ports in ``listener``, its outgoing attempts in
``connectors``, its host names in ``names``, its connections pumped
through the ``delivery`` queue, its ``threads``) on a ``clock``.  It imports
every other module of the layer, and ``clock`` and ``errors`` from below it;
the scripted ``peers`` on first use (Autobahn's import cost, pointing down:
they know the network only through ``peers.seam``); ``script`` for type
hints only.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable, Iterable, Sequence
from typing import TYPE_CHECKING, Any

from twisted.internet import defer, error
from twisted.internet.address import IPv6Address, UNIXAddress
from twisted.internet.base import DelayedCall
from twisted.internet.interfaces import (
    IConnector,
    IDelayedCall,
    IHostnameResolver,
    IProtocol,
    IProtocolFactory,
    IReactorCore,
    IReactorPluggableNameResolver,
    IReactorSSL,
    IReactorTCP,
    IReactorThreads,
    IReactorTime,
    IReactorUNIX,
)
from twisted.internet.protocol import ClientFactory, P, Protocol
from twisted.python.failure import Failure
from zope.interface import implementer

from ..clock import Clock
from ..errors import NeverSettles
from .address import (
    IPV4_WILDCARDS,
    Address,
    RouteKey,
    clientHostFor,
    routeKey,
    tcpAddress,
)
from .attempts import Attempts, ConnectionAttempt, Outcome
from .calls import buildLogged, callLogged
from .connection import Connection
from .connectors import Blackholes, Connector, PendingConnect, UNIXConnector
from .core import ReactorCore
from .delivery import DeliveryQueue
from .listener import Listener
from .names import Names, Resolver
from .records import MemoryReactorRecords
from .threads import FakeThreadPool, ThreadCalls

if TYPE_CHECKING:
    # twisted.internet.ssl needs pyOpenSSL, which plain-text tests lack.
    from twisted.internet.ssl import ClientContextFactory

    from ..peers import ScriptedClient, ScriptedServer
    from ..script import Script


class _ReactorClock(Clock):
    """
    The reactor's clock: it runs delayed calls as a real reactor does.
    """

    def __init__(self, reactor: FakeReactor) -> None:
        super().__init__()
        self._reactor = reactor

    def _runCall(self, call: DelayedCall) -> None:
        callLogged(
            "Unhandled error in delayed call {call!r}",
            super()._runCall,
            call,
            call=call,
        )
        self._reactor.flush()


@implementer(
    IReactorTime,
    IReactorTCP,
    IReactorSSL,
    IReactorUNIX,
    IReactorPluggableNameResolver,
    IReactorCore,
    IReactorThreads,
)
class FakeReactor(ReactorCore, MemoryReactorRecords):
    """
    A reactor for tests: fake time, and a network that lives in memory.

    Unmodified application code (``connectWS``, ``listenWS``, endpoints,
    ``ClientService``) runs on it.  A connection to a host and port that
    something listens on connects in memory; to anywhere else it is refused.
    Bytes move when the test calls :meth:`flush` or :meth:`advance`::

        reactor = FakeReactor()
        reactor.listenTCP(9000, serverFactory)
        reactor.connectTCP("ws.example.com", 9000, clientFactory)
        reactor.flush()          # connect, and deliver until all is quiet
        reactor.advance(30)      # run timers due in the next 30 s, flushing
                                 # after each

    Host names resolve at once: ``localhost`` to 127.0.0.1, an address to
    itself, and any other name to its own address in the TEST-NET ranges
    (192.0.2.1, 192.0.2.2, ...), the same one every time it is asked.
    ``listenTCP`` with an ``interface`` (an address or a name) listens for
    that host only; without one, for every IPv4 host; with ``"::"``, for
    every host, IPv6 or IPv4, as a dual-stack socket does.  ``listenUNIX``
    and ``connectUNIX`` meet by path.

    It is also a drop-in for Twisted's ``MemoryReactorClock``: it records
    the calls made to it in the same lists, with the same tuple shapes
    (while really connecting in memory), and has ``calls``, ``rightNow``,
    ``triggers``, ``hasRun``, ``hasStopped`` and ``hasCrashed``.

    :ivar clock: the :class:`Clock` behind ``callLater`` and ``seconds``.
    :ivar attempts: every :class:`ConnectionAttempt`, in order, as
        :class:`Attempts` (which reads and asserts their timing).
    :ivar connections: every :class:`Connection` made, in the order opened.
    :ivar flushLimit: how many rounds :meth:`flush` makes before it decides
        the peers will never settle and raises :class:`NeverSettles`.
    :ivar keepClosedProtocols: how many of the most recently closed
        connections keep their protocols (``None``: all).  An older closed
        connection keeps its transcript, addresses and ``lostAt``, but lets
        go of its protocols and everything they hold, so that a test making
        thousands of connections (a long outage with retries) stays small;
        reading its ``client`` or ``server`` raises
        :class:`ProtocolReleased`.
    :ivar tcpClients: ``(host, port, factory, timeout, bindAddress)`` for
        each ``connectTCP``.
    :ivar tcpServers: ``(port, factory, backlog, interface)`` for each
        ``listenTCP``.
    :ivar sslClients: ``(host, port, factory, contextFactory, timeout,
        bindAddress)`` for each ``connectSSL``.
    :ivar sslServers: ``(port, factory, contextFactory, backlog,
        interface)`` for each ``listenSSL``.
    :ivar unixClients: ``(address, factory, timeout, checkPID)`` for each
        ``connectUNIX``.
    :ivar unixServers: ``(address, factory, backlog, mode, wantPID)`` for
        each ``listenUNIX``.
    :ivar connectors: the connector each ``connect*`` call returned.
    """

    def __init__(self, flushLimit: int = 10_000) -> None:
        ReactorCore.__init__(self)
        MemoryReactorRecords.__init__(self)
        self.clock: Clock = _ReactorClock(self)
        self.attempts: Attempts[ConnectionAttempt] = Attempts()
        self.connections: list[Connection] = []
        self.flushLimit = flushLimit
        self.keepClosedProtocols: int | None = 1000
        # Closed connections still holding their protocols, oldest first.
        self._closedHolding: deque[Connection] = deque()
        self._delivery = DeliveryQueue()
        self._names = Names()
        self.nameResolver: IHostnameResolver = Resolver(self._names)
        # The ports listening now, by where they sit: public to the package
        # (a Listener adds and removes itself), not documented.
        self.ports: dict[RouteKey, Listener] = {}
        # The attempts waiting for the next flush: public to the package (a
        # connector adds and removes its own), not documented.
        self.pendingConnects: list[PendingConnect] = []
        self._nextEphemeralPort = 50000
        self._flushing = False
        self._connectionHooks: list[Callable[[Connection], None]] = []
        self._blackholes = Blackholes()
        # Scripted servers and clients, checked by useFakeReactor's cleanup
        # (public to the package: the peers add themselves).
        self.scriptedPeers: list[Any] = []
        self._threads = ThreadCalls(self._names.addressOf)

    # Time.

    def seconds(self) -> float:
        return self.clock.seconds()

    def callLater(
        self, delay: float, callable: Callable[..., Any], *args: object, **kw: object
    ) -> IDelayedCall:
        return self.clock.callLater(delay, callable, *args, **kw)

    def getDelayedCalls(self) -> Sequence[IDelayedCall]:
        return self.clock.getDelayedCalls()

    @property
    def calls(self) -> list[IDelayedCall]:
        """
        The pending delayed calls, earliest first, as on
        ``MemoryReactorClock``.
        """
        return self.clock.calls

    @property
    def rightNow(self) -> float:
        """
        The clock's time, read and set, as on ``MemoryReactorClock`` (see
        :attr:`Clock.rightNow`).
        """
        return self.clock.rightNow

    @rightNow.setter
    def rightNow(self, time: float) -> None:
        self.clock.rightNow = time

    def advance(self, amount: float) -> None:
        """
        Move the clock forward by ``amount`` seconds, running each timer at
        its own time and delivering everything after each one.
        """
        self.flush()
        self.clock.advance(amount)
        self.flush()

    def pump(self, timings: Iterable[float]) -> None:
        """
        :meth:`advance` by each amount in ``timings``, in turn.
        """
        for amount in timings:
            self.advance(amount)

    # Moving bytes.

    def flush(self) -> None:
        """
        Complete connection attempts and deliver bytes until nothing moves.

        Does nothing when called from inside a delivery it is making.

        :raises NeverSettles: if bytes still move after ``flushLimit``
            rounds, naming the connections that keep talking.
        """
        if self._flushing:
            return
        self._flushing = True
        try:
            for _ in range(self.flushLimit):
                if not self._flushRound():
                    return
            raise NeverSettles(self._neverSettlesMessage())
        finally:
            self._flushing = False

    def _flushRound(self) -> bool:
        moved = self._threads.runQueued()
        moved = self._completePendingConnects() or moved
        return self._delivery.pumpRound(self._closed) or moved

    def _closed(self, connection: Connection) -> None:
        """
        Keep the protocols of the ``keepClosedProtocols`` most recently
        closed connections only.
        """
        holding = self._closedHolding
        holding.append(connection)
        keep = self.keepClosedProtocols
        while keep is not None and len(holding) > keep:
            holding.popleft().releaseProtocols()

    def _neverSettlesMessage(self) -> str:
        # Name only the connections still talking: in a test with many open
        # connections, the idle ones would hide the one that matters.
        busy = [c for c in self.connections if c.open and c.hasBytesWaiting()]
        header = (
            f"flush() made {self.flushLimit} delivery rounds and bytes still move "
            "(raise FakeReactor.flushLimit if this much talk is expected):"
        )
        lines = [header]
        lines += [f"  {c!r}: {c.pendingDescription()}" for c in busy]
        if self.pendingConnects:
            lines.append(
                f"  {len(self.pendingConnects)} connection attempt(s) made in "
                "the last round, still pending"
            )
        lines += self._threads.describeQueued()
        if len(lines) == 1:
            lines.append("  (nothing waits now: the last round settled it)")
        return "\n".join(lines)

    # Threads: work runs in the test's thread, at the next flush.

    def callInThread(
        self, callable: Callable[..., Any], *args: object, **kwargs: object
    ) -> None:
        """
        Run ``callable`` as thread work at the next :meth:`flush` (or
        :meth:`advance`), in the test's thread.
        """
        self._threads.pool.callInThread(callable, *args, **kwargs)

    def callFromThread(
        self, callable: Callable[..., Any], *args: object, **kwargs: object
    ) -> None:
        """
        Run ``callable`` at the next :meth:`flush`, after what was asked for
        before it; called from thread work, run it at once.
        """
        self._threads.callFromThread(callable, *args, **kwargs)

    def getThreadPool(self) -> FakeThreadPool:
        """
        The :class:`~twisted_wsfakes.network.FakeThreadPool` behind
        :meth:`callInThread` and ``deferToThread``.
        """
        return self._threads.pool

    def suggestThreadPoolSize(self, size: int) -> None:
        """
        Set the pool's ``max``, as a real reactor does; work still runs in
        the test's thread.
        """
        self._threads.pool.adjustPoolsize(maxthreads=size)

    # Scripted peers.

    def serveWebSocket(
        self, url: str, *scripts: Script, **options: Any
    ) -> ScriptedServer:
        """
        Serve ``url`` with a scripted websocket server: the n-th connection
        plays the n-th Script.  See :class:`ScriptedServer` for ``options``.
        Scripted servers on different paths of one host and port share it,
        each connection going to the server of its path.
        """
        # The scripted peers load Autobahn: loaded on first use, downward
        # (they know the network only through twisted_wsfakes.peers.seam).
        from ..peers import ScriptedServer

        return ScriptedServer(self, url, *scripts, **options)

    def connectWebSocket(
        self, url: str, script: Script, **options: Any
    ) -> ScriptedClient:
        """
        Connect a scripted websocket client to ``url``, to drive a server
        under test.  See :class:`ScriptedClient` for ``options``.
        """
        # Loaded on first use, downward, as in serveWebSocket.
        from ..peers import ScriptedClient

        return ScriptedClient(self, url, script, **options)

    def blackhole(self, host: str, port: int | None = None) -> None:
        """
        Make ``host`` (on ``port``, or on every port) answer nothing, as a
        host that is down or behind a firewall that drops packets: attempts
        to it stay pending until the connector's own timeout fails them
        ("timed out"), or until :meth:`unblackhole`::

            reactor.blackhole("feed.example.com")
            reactor.connectTCP("feed.example.com", 443, factory, timeout=30)
            reactor.advance(30)   # clientConnectionFailed(TimeoutError)
        """
        self._blackholes.add(self.addressOf(host), port)

    def unblackhole(self, host: str, port: int | None = None) -> None:
        """
        Undo :meth:`blackhole`: attempts still pending complete at the next
        flush, as a retransmitted connection request would.

        :raises OutageError: if that host and port were not blackholed.
        """
        self._blackholes.remove(self.addressOf(host), port, asked=host)

    def onNewConnection(self, hook: Callable[[Connection], None]) -> None:
        """
        Call ``hook(connection)`` for every connection made from now on,
        before either protocol sees it: the place to set faults that must
        apply from the first byte, such as chunking the opening handshake::

            reactor.onNewConnection(lambda connection: connection.chunk(1))
        """
        self._connectionHooks.append(hook)

    # The seam the scripted peers use (twisted_wsfakes.peers.seam): public
    # to the package, not part of the documented API.

    def listenAt(self, host: str, port: int, factory: IProtocolFactory) -> Listener:
        """
        Listen for ``host`` (an address or a name) on ``port``.

        :raises twisted.internet.error.CannotListenError: if something
            listens there already.
        """
        listener = Listener(self, tcpAddress(self.addressOf(host), port), factory)
        listener.startListening()
        return listener

    @property
    def listeners(self) -> list[Listener]:
        """
        The in-memory ports listening now, in the order they started: what
        a test's cleanup stops, say.
        """
        return list(self.ports.values())

    def listenerAt(self, host: str, port: int) -> Listener | None:
        """
        What listens for exactly ``host`` on ``port``, if anything.
        """
        return self.ports.get((self.addressOf(host), port))

    # Names.

    def addressOf(self, host: str) -> str:
        """
        Return the address ``host`` resolves to on this fake network.
        """
        return self._names.addressOf(host)

    def installNameResolver(self, resolver: IHostnameResolver) -> IHostnameResolver:
        previous, self.nameResolver = self.nameResolver, resolver
        return previous

    # TCP and "SSL".

    def listenTCP(
        self,
        port: int,
        factory: IProtocolFactory,
        backlog: int = 50,
        interface: str = "",
    ) -> Listener:
        """
        Listen in memory on ``port`` of ``interface``: every IPv4 host if
        empty, every host if ``"::"``.  Port 0 picks a free port, as on a
        real machine.
        """
        self.tcpServers.append((port, factory, backlog, interface))
        return self._listenTCP(port, factory, interface)

    def _listenTCP(
        self, port: int, factory: IProtocolFactory, interface: str
    ) -> Listener:
        host = "0.0.0.0" if interface in IPV4_WILDCARDS else self.addressOf(interface)
        if port == 0:
            port = self._ephemeralPort()
        listener = Listener(self, tcpAddress(host, port), factory)
        listener.startListening()
        return listener

    def connectTCP(
        self,
        host: str,
        port: int,
        factory: ClientFactory[P],
        timeout: float = 30,
        bindAddress: tuple[str, int] | None = None,
    ) -> IConnector:
        self.tcpClients.append((host, port, factory, timeout, bindAddress))
        return self.recorded(
            self.connectUnrecorded(host, port, factory, timeout, tls=False)
        )

    def listenSSL(
        self,
        port: int,
        factory: IProtocolFactory,
        contextFactory: Any,
        backlog: int = 50,
        interface: str = "",
    ) -> Listener:
        """
        As :meth:`listenTCP`: TLS is not simulated.
        """
        self.sslServers.append((port, factory, contextFactory, backlog, interface))
        return self._listenTCP(port, factory, interface)

    def connectSSL(
        self,
        host: str,
        port: int,
        factory: ClientFactory[P],
        contextFactory: ClientContextFactory | None,
        timeout: float = 30,
        bindAddress: tuple[str, int] | None = None,
    ) -> IConnector:
        """
        As :meth:`connectTCP`, recorded with ``tls=True``: TLS is not
        simulated, and the transport does not claim ``ISSLTransport``.
        """
        self.sslClients.append(
            (host, port, factory, contextFactory, timeout, bindAddress)
        )
        return self.recorded(
            self.connectUnrecorded(host, port, factory, timeout, tls=True)
        )

    # UNIX sockets.

    def listenUNIX(
        self,
        address: str,
        factory: IProtocolFactory,
        backlog: int = 50,
        mode: int = 0o666,
        wantPID: int = 0,
    ) -> Listener:
        """
        Listen in memory at the path ``address``: nothing touches the file
        system, and ``connectUNIX`` to the same path reaches it.
        """
        self.unixServers.append((address, factory, backlog, mode, wantPID))
        listener = Listener(self, UNIXAddress(address), factory)
        listener.startListening()
        return listener

    def connectUNIX(
        self,
        address: str,
        factory: ClientFactory[P],
        timeout: float = 30,
        checkPID: int = 0,
    ) -> IConnector:
        """
        Connect in memory to what listens at the path ``address``; refused
        (``ConnectionRefusedError``) when nothing does.  The attempt is
        recorded with the path as its host and port 0.
        """
        self.unixClients.append((address, factory, timeout, checkPID))
        connector = UNIXConnector(self, address, factory, timeout)
        connector.connect()
        return self.recorded(connector)

    def connectUnrecorded(
        self, host: str, port: int, factory: ClientFactory[P], timeout: float, tls: bool
    ) -> IConnector:
        """
        Connect as :meth:`connectTCP` (:meth:`connectSSL` with ``tls``)
        does, without listing the call in ``tcpClients`` and ``connectors``,
        which hold the calls of the code under test: public to the package,
        for the scripted clients.
        """
        connector = Connector(self, host, port, factory, timeout, tls)
        connector.connect()
        return connector

    def _completePendingConnects(self) -> bool:
        if not self.pendingConnects:
            # The common round: no copy of an empty list to walk.
            return False
        moved = False
        for each in list(self.pendingConnects):
            # An earlier completion may have cancelled this one.
            if each not in self.pendingConnects or self._blackholes.hold(each):
                continue
            self.pendingConnects.remove(each)
            self._complete(each)
            moved = True
        return moved

    def _complete(self, pending: PendingConnect) -> None:
        serverAddress = pending.connector.serverAddress()
        listener = self._listenerFor(serverAddress)
        if listener is None or not listener.admit():
            self._fail(pending, "refused", error.ConnectionRefusedError())
            return
        client = buildLogged(pending.connector.buildProtocol, serverAddress)
        if isinstance(client, Failure):
            # A real reactor logs this and fails the attempt.
            self._fail(pending, "failed", error.ConnectError(string=str(client.value)))
            return
        connection = self.newConnection(
            serverAddress,
            client,
            listener.serverFactory(),
            onClientLost=pending.connector.connectionLost,
        )
        pending.attempt.outcome = "connected"
        pending.attempt.connection = connection
        # BaseConnector.disconnect() closes the connector's transport.
        transport = connection.clientTransport
        pending.connector.transport = transport  # type: ignore[assignment]
        self.startConnection(connection, listener)

    def _fail(
        self, pending: PendingConnect, outcome: Outcome, reason: Exception
    ) -> None:
        failure = Failure(reason)
        pending.attempt.resolve(outcome, failure, self.seconds())
        pending.connector.connectionFailed(failure)

    def _clientAddressFor(self, serverAddress: Address) -> Address:
        """
        A new address for the connecting end of a connection to
        ``serverAddress``.
        """
        if isinstance(serverAddress, UNIXAddress):
            # A UNIX client socket is unnamed.
            return UNIXAddress(None)
        return tcpAddress(clientHostFor(serverAddress), self._ephemeralPort())

    def newConnection(
        self,
        serverAddress: Address,
        client: IProtocol | None,
        buildServer: Callable[[Address], IProtocol | None],
        onClientLost: Callable[[Failure], None],
    ) -> Connection:
        """
        A connection from a new client address to ``serverAddress``, not
        yet started (see :meth:`startConnection`).  For the code that makes
        connections (the reactor's connectors, ``FakeEndpoint``), not for
        tests.

        :param client: the connecting end's protocol; ``None`` (its factory
            built none) closes that end at once.
        :param buildServer: builds the other end, given the client's
            address.  If it raises, the error is logged and the accepted
            socket closed; if it builds nothing, the server closes at once:
            either way the client sees its connection made, then lost, as
            on a real network.
        :param onClientLost: called with the reason when the client end is
            lost.
        """
        clientAddress = self._clientAddressFor(serverAddress)
        server = buildLogged(buildServer, clientAddress)
        return Connection(
            self.clock,
            len(self.connections) + 1,
            clientAddress,
            serverAddress,
            _orClosing(client),
            _orClosing(None if isinstance(server, Failure) else server),
            onClientLost=onClientLost,
            onWork=self._delivery.wake,
        )

    def startConnection(
        self, connection: Connection, listener: Listener | None = None
    ) -> None:
        """
        List ``connection`` (with the connections ``listener`` accepted, if
        one did), show it to the ``onNewConnection`` hooks, and give both
        protocols their transports.  For the code that makes connections,
        not for tests.
        """
        if listener is not None:
            listener.accepted.append(connection)
        self.connections.append(connection)
        for hook in list(self._connectionHooks):
            hook(connection)
        connection.start()

    def _listenerFor(self, address: Address) -> Listener | None:
        exact = self.ports.get(routeKey(address))
        if exact is not None or isinstance(address, UNIXAddress):
            return exact
        # A "::" listener is dual-stack: it takes IPv4 too, as by default on
        # a real machine.
        wildcards = ("::",) if isinstance(address, IPv6Address) else ("0.0.0.0", "::")
        for wildcard in wildcards:
            listener = self.ports.get((wildcard, address.port))
            if listener is not None:
                return listener
        return None

    def _ephemeralPort(self) -> int:
        self._nextEphemeralPort += 1
        return self._nextEphemeralPort

    # Core.

    def resolve(
        self, name: str, timeout: Sequence[int] = (1, 3, 11, 45)
    ) -> defer.Deferred[str]:
        return defer.succeed(self.addressOf(name))

    def iterate(self, delay: float = 0) -> None:
        """
        Run what is due now and deliver every byte, as one reactor turn.
        """
        self.advance(0)


def _orClosing(protocol: IProtocol | None) -> IProtocol:
    """
    A factory that builds no protocol refuses the connection just after it
    is made, as a real listener or connector does.
    """
    if protocol is not None:
        return protocol
    return _CloseAtOnce()


class _CloseAtOnce(Protocol):
    def connectionMade(self) -> None:
        assert self.transport is not None
        self.transport.loseConnection()
