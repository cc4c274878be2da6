"""
A reactor for tests whose network lives in memory and whose time is fake.

It imports ``attempts``, ``clock``, ``connection``, ``core``, ``errors`` and
``threads`` from this package; ``peers`` on first use (Autobahn's import
cost, pointing down); ``script`` only for type hints.
"""

from __future__ import annotations

import errno
import heapq
import os
from collections import deque
from collections.abc import Callable, Iterable, Sequence
from typing import TYPE_CHECKING, Any, Literal

import attrs
from twisted.internet import defer, error
from twisted.internet.abstract import isIPAddress, isIPv6Address
from twisted.internet.address import IPv4Address, IPv6Address, UNIXAddress
from twisted.internet.base import BaseConnector, DelayedCall
from twisted.internet.interfaces import (
    IAddress,
    IConnector,
    IDelayedCall,
    IHostnameResolver,
    IHostResolution,
    IListeningPort,
    IProtocol,
    IProtocolFactory,
    IReactorCore,
    IReactorPluggableNameResolver,
    IReactorSSL,
    IReactorTCP,
    IReactorThreads,
    IReactorTime,
    IReactorUNIX,
    IResolutionReceiver,
)
from twisted.internet.protocol import ClientFactory, P, Protocol
from twisted.python.failure import Failure
from zope.interface import implementer

from .attempts import Attempts, ConnectionAttempt, Outcome
from .clock import Clock, formatTime
from .connection import Address, Connection, callLogged
from .core import ReactorCore
from .errors import NeverSettles, OutageError
from .threads import FakeThreadPool, ThreadCalls

if TYPE_CHECKING:
    # twisted.internet.ssl needs pyOpenSSL, which plain-text tests lack.
    from twisted.internet.ssl import ClientContextFactory

    from .peers import ScriptedClient, ScriptedServer
    from .script import Script

#: Where invented host names resolve: TEST-NET-1, -2 and -3 (RFC 5737),
#: which no real host uses.
_TEST_NETS = ("192.0.2.", "198.51.100.", "203.0.113.")
_IPV4_WILDCARDS = ("", "0.0.0.0")


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


@implementer(IHostResolution)
@attrs.define
class _Resolution:
    name: str

    def cancel(self) -> None:
        """
        Resolution is synchronous: there is never anything to cancel.
        """


@implementer(IHostnameResolver)
class _Resolver:
    """
    Resolves every name at once, to the reactor's address for it.
    """

    def __init__(self, reactor: FakeReactor) -> None:
        self._reactor = reactor

    def resolveHostName(
        self,
        resolutionReceiver: IResolutionReceiver,
        hostName: str,
        portNumber: int = 0,
        addressTypes: Sequence[type[IAddress]] | None = None,
        transportSemantics: str = "TCP",
    ) -> IHostResolution:
        resolution = _Resolution(hostName)
        resolutionReceiver.resolutionBegan(resolution)
        address = _address(self._reactor.addressOf(hostName), portNumber)
        if addressTypes is None or type(address) in addressTypes:
            resolutionReceiver.addressResolved(address)
        resolutionReceiver.resolutionComplete()
        return resolution


class _PendingConnect:
    """
    What a connector holds while its attempt waits for the next flush.
    """

    def __init__(self, reactor: FakeReactor, connector: _Connector) -> None:
        self.reactor = reactor
        self.connector = connector
        self.attempt = ConnectionAttempt(
            time=reactor.seconds(),
            host=connector.host,
            port=connector.port,
            tls=connector.tls,
        )

    def failIfNotConnected(self, reason: Exception) -> None:
        if self.attempt.outcome != "pending":
            return
        failure = Failure(reason)
        timedOut = isinstance(reason, error.TimeoutError)
        outcome: Outcome = "timed out" if timedOut else "cancelled"
        self.attempt.resolve(outcome, failure, self.reactor.seconds())
        if self in self.reactor._pendingConnects:
            self.reactor._pendingConnects.remove(self)
        self.connector.connectionFailed(failure)


@implementer(IConnector)
class _Connector(BaseConnector):
    """
    Twisted's own connector state machine, making in-memory attempts.
    """

    def __init__(
        self,
        reactor: FakeReactor,
        host: str,
        port: int,
        factory: ClientFactory[Any],
        timeout: float,
        tls: bool,
    ) -> None:
        super().__init__(factory, timeout, reactor)  # type: ignore[arg-type]
        self.host = host
        self.port = port
        self.tls = tls
        self._reactor = reactor
        #: Whether ``stopConnecting()`` was called, as ``MemoryReactor``'s
        #: connectors record it.
        self.stoppedConnecting = False

    def stopConnecting(self) -> None:
        self.stoppedConnecting = True
        super().stopConnecting()

    def _makeTransport(self) -> Any:
        pending = _PendingConnect(self._reactor, self)
        self._reactor._pendingConnects.append(pending)
        self._reactor.attempts.record(pending.attempt)
        return pending

    def getDestination(self) -> IAddress:
        return _address(self.host, self.port)

    def _serverAddress(self) -> Address:
        """
        The address this connector reaches on the fake network.
        """
        return _address(self._reactor.addressOf(self.host), self.port)


class _UNIXConnector(_Connector):
    """
    A connector to a UNIX socket path, in memory.
    """

    def __init__(
        self,
        reactor: FakeReactor,
        path: str,
        factory: ClientFactory[Any],
        timeout: float,
    ) -> None:
        super().__init__(reactor, path, 0, factory, timeout, tls=False)

    def getDestination(self) -> IAddress:
        return UNIXAddress(self.host)

    def _serverAddress(self) -> UNIXAddress:
        return UNIXAddress(self.host)


#: What a listener can be switched to, in :meth:`Listener.schedule`.
ListenerState = Literal["down", "up"]


@implementer(IListeningPort)
class Listener:
    """
    An in-memory listening port, and the one place its faults are set.

    ``reactor.listenTCP``, ``listenSSL`` and ``listenUNIX`` return one, and a
    :class:`ScriptedServer` has one as its ``listener`` (shared by the
    servers on other paths of its host and port).  Besides the
    ``IListeningPort`` methods, it takes the server away and back, now or at
    set clock times, and refuses or hangs coming connections::

        server = reactor.listenTCP(9000, serverFactory)
        server.refuseNext(2)        # the next two attempts are refused
        server.hangNext()           # the one after is accepted, never answered
        server.schedule([(10.0, "down"), (10.0 + 6 * 3600, "up")])
        reactor.advance(10.0 + 6 * 3600)   # six hours, in milliseconds

    While down, the port is not listening: connection attempts to it are
    refused, as when the server process is gone.

    :ivar reactor: the :class:`FakeReactor` it listens on.
    :ivar address: the address it listens at.
    :ivar factory: the protocol factory that builds its server protocols.
    :ivar listening: whether it is listening now (up).
    :ivar accepted: the connections it accepted, in order.
    :ivar refusals: how many coming attempts it will refuse while listening
        (see :meth:`refuseNext`).
    :ivar refuseAll: whether it refuses every coming attempt while listening
        (set by scripted servers whose scripts are used up).
    :ivar hangs: how many coming connections it will accept and never
        answer (see :meth:`hangNext`).
    :ivar history: each :meth:`down` and :meth:`up` so far, as
        ``(time, "down" or "up")``.
    """

    def __init__(
        self,
        reactor: FakeReactor,
        address: Address,
        factory: IProtocolFactory,
    ) -> None:
        self.reactor = reactor
        self.address = address
        self.factory = factory
        self.listening = False
        self.accepted: list[Connection] = []
        self.refusals = 0
        self.refuseAll = False
        self.hangs = 0
        self.history: list[tuple[float, ListenerState]] = []
        # The last change scheduled: when, and the state it leaves.
        self._lastScheduled: tuple[float, ListenerState] | None = None

    # IListeningPort.

    def startListening(self) -> None:
        key = _routeKey(self.address)
        if key in self.reactor._listeners:
            inUse = OSError(errno.EADDRINUSE, "Address already in use")
            if isinstance(self.address, UNIXAddress):
                raise error.CannotListenError(None, _path(self.address), inUse)
            raise error.CannotListenError(self.address.host, self.address.port, inUse)
        self.reactor._listeners[key] = self
        self.listening = True
        self.factory.doStart()

    def stopListening(self) -> defer.Deferred[None]:
        if self.listening:
            self.listening = False
            del self.reactor._listeners[_routeKey(self.address)]
            self.factory.doStop()
        return defer.succeed(None)

    def getHost(self) -> Address:
        return self.address

    @property
    def reachableAddress(self) -> Address:
        """
        The address a client reaches it at: its own, or for a port that
        listens on every interface, the loopback address.
        """
        address = self.address
        if isinstance(address, UNIXAddress):
            return address
        if address.host in _IPV4_WILDCARDS:
            return _address("127.0.0.1", address.port)
        if address.host == "::":
            return _address("::1", address.port)
        return address

    # Faults.

    def down(self, dropConnections: bool = True) -> None:
        """
        Stop listening, as when the server process is gone: attempts are
        refused until :meth:`up`, and (unless ``dropConnections`` is false)
        the connections it accepted are cut, with no close frame and no
        FIN, as a crash would.  Then deliver until all is quiet.

        :raises OutageError: if it was taken down already (a port the
            application stopped with ``stopListening()`` can be).
        """
        self._change("down")
        self.stopListening()
        if dropConnections:
            for connection in self.accepted:
                connection.drop()
        self.reactor.flush()

    def up(self) -> None:
        """
        Listen again on the same address, then deliver until all is quiet.

        :raises OutageError: if it is up already.
        """
        self._change("up")
        self.startListening()
        self.reactor.flush()

    def refuseNext(self, n: int = 1) -> None:
        """
        Refuse the next ``n`` connection attempts, as a full server would.
        """
        self.refusals += n

    def hangNext(self, n: int = 1) -> None:
        """
        Accept the next ``n`` connections and never answer them: their
        bytes are read and dropped, and they stay open until a side closes
        them (a client's own timeout, say).
        """
        self.hangs += n

    def schedule(
        self,
        changes: Iterable[tuple[float, ListenerState]],
        *,
        dropConnections: bool = True,
    ) -> None:
        """
        Go :meth:`down` or :meth:`up` at each of the given clock times::

            server.schedule([(10.0, "down"), (25.0, "up")])

        A change due at the same time as another timer runs in the order
        scheduled (first-in first-out), so a schedule set up before the code
        under test starts comes first.

        :param changes: ``(time, "down")`` and ``(time, "up")`` pairs, in time
            order, alternating, the first opposite to the state it will be
            in after any changes already scheduled.
        :param dropConnections: whether going down cuts the open
            connections, as for :meth:`down`.
        :raises OutageError: for a time in the past or out of order, a state
            that is not ``"down"`` or ``"up"``, or two of the same in a row;
            then nothing is scheduled.
        """
        changes = list(changes)
        now = self.reactor.seconds()
        planned = self._lastScheduled
        if planned is None or planned[0] < now:
            planned = (now, _stateOf(self))
        for time, state in changes:
            if state not in ("down", "up"):
                raise OutageError(
                    f'state at {time!r} must be "down" or "up", got {state!r}'
                )
            earliest = max(now, planned[0])
            if time < earliest:
                raise OutageError(
                    f"cannot go {state} at {formatTime(time)}: that is before "
                    f"{formatTime(earliest)} (now, or the change before)"
                )
            if state == planned[1]:
                raise OutageError(
                    f"cannot go {state} at {formatTime(time)}: the port is "
                    f"{state} already by then"
                )
            planned = (time, state)
        for time, state in changes:
            if state == "down":
                self.reactor.callLater(time - now, self.down, dropConnections)
            else:
                self.reactor.callLater(time - now, self.up)
        self._lastScheduled = planned

    def whyRefusing(self) -> str | None:
        """
        Say why it would refuse a connection now, or ``None`` if it would
        accept one.
        """
        if not self.listening:
            return "is not listening (it was stopped or taken down)"
        if self.refuseAll:
            return (
                'refuses every connection (its scripts are used up: afterLast="refuse")'
            )
        if self.refusals:
            return f"is set to refuse its next {self.refusals} attempt(s) (refuseNext)"
        return None

    def admit(self) -> bool:
        """
        Take one connection attempt: whether it is accepted, counting it
        against :meth:`refuseNext`.
        """
        if not self.listening or self.refuseAll:
            return False
        if self.refusals:
            self.refusals -= 1
            return False
        return True

    def serverFactory(self) -> Callable[[Address], IProtocol | None]:
        """
        What builds the server end of the next accepted connection: the
        factory's ``buildProtocol``, or, for a connection :meth:`hangNext`
        hangs, a protocol that never answers.
        """
        if self.hangs:
            self.hangs -= 1
            return lambda address: Protocol()
        return self.factory.buildProtocol

    def _change(self, state: ListenerState) -> None:
        now = self.reactor.seconds()
        if state == "up":
            already = self.listening
        else:
            # A port the application stopped itself can still be taken
            # down, cutting what it accepted, as its process dying would.
            lastChange = self.history[-1][1] if self.history else None
            already = not self.listening and lastChange == "down"
        if already:
            since = [t for t, s in self.history if s == state]
            when = f" since {formatTime(since[-1])}" if since else ""
            raise OutageError(f"cannot take {self!r} {state}: it is {state}{when}")
        self.history.append((now, state))

    def __repr__(self) -> str:
        return f"<in-memory listener on {_describeAddress(self.address)}>"


@implementer(
    IReactorTime,
    IReactorTCP,
    IReactorSSL,
    IReactorUNIX,
    IReactorPluggableNameResolver,
    IReactorCore,
    IReactorThreads,
)
class FakeReactor(ReactorCore):
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
        super().__init__()
        self.clock: Clock = _ReactorClock(self)
        self.attempts: Attempts[ConnectionAttempt] = Attempts()
        self.connections: list[Connection] = []
        self.flushLimit = flushLimit
        self.keepClosedProtocols: int | None = 1000
        # Closed connections still holding their protocols, oldest first.
        self._closedHolding: deque[Connection] = deque()
        # The connections with work to do, by number: flush() pumps only
        # these, so an advance over many timers costs nothing per idle
        # connection.  _round holds those due in the current delivery round
        # (a heap of numbers), _next those woken too late for it.
        self._round: list[int] = []
        self._next: dict[int, Connection] = {}
        self._working: dict[int, Connection] = {}
        # The number of the connection being pumped, during a round.
        self._pumping: int | None = None
        self.nameResolver: IHostnameResolver = _Resolver(self)
        self._listeners: dict[tuple[str, str | int], Listener] = {}
        self._pendingConnects: list[_PendingConnect] = []
        self._names: dict[str, str] = {"localhost": "127.0.0.1"}
        self._nextEphemeralPort = 50000
        self._flushing = False
        self._connectionHooks: list[Callable[[Connection], None]] = []
        self._blackholes: set[tuple[str, int | None]] = set()
        # Scripted servers and clients, checked by useFakeReactor's cleanup
        # (public to the package: the peers add themselves).
        self.scriptedPeers: list[Any] = []
        self.tcpClients: list[
            tuple[str, int, ClientFactory[Any], float, tuple[str, int] | None]
        ] = []
        self.tcpServers: list[tuple[int, IProtocolFactory, int, str]] = []
        self.sslClients: list[
            tuple[str, int, ClientFactory[Any], Any, float, tuple[str, int] | None]
        ] = []
        self.sslServers: list[tuple[int, IProtocolFactory, Any, int, str]] = []
        self.unixClients: list[tuple[str, ClientFactory[Any], float, int]] = []
        self.unixServers: list[tuple[str, IProtocolFactory, int, int, int]] = []
        self.connectors: list[IConnector] = []
        self._threads = ThreadCalls()

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
        # Connections are pumped in the order they were opened; one woken
        # during the round is pumped in it if it comes after the one being
        # pumped, as when a round walked every connection, else in the next.
        self._round = list(self._next)
        heapq.heapify(self._round)
        self._working, self._next = self._next, {}
        try:
            while self._round:
                self._pumping = heapq.heappop(self._round)
                connection = self._working.pop(self._pumping)
                if connection.pump():
                    moved = True
                    # Moving bytes may have left more to move.
                    self._wakeConnection(connection)
                    if not connection.open:
                        self._closed(connection)
        finally:
            self._next.update(self._working)
            self._working, self._round, self._pumping = {}, [], None
        return moved

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

    def _wakeConnection(self, connection: Connection) -> None:
        """
        Queue ``connection`` for pumping: it has something to deliver.
        """
        number = connection.number
        if not connection.open or number in self._working or number in self._next:
            return
        if self._pumping is not None and number > self._pumping:
            heapq.heappush(self._round, number)
            self._working[number] = connection
        else:
            self._next[number] = connection

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
        if self._pendingConnects:
            lines.append(
                f"  {len(self._pendingConnects)} connection attempt(s) made in "
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
        The :class:`FakeThreadPool` behind :meth:`callInThread` and
        ``deferToThread``.
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
        from .peers import ScriptedServer

        return ScriptedServer(self, url, *scripts, **options)

    def connectWebSocket(
        self, url: str, script: Script, **options: Any
    ) -> ScriptedClient:
        """
        Connect a scripted websocket client to ``url``, to drive a server
        under test.  See :class:`ScriptedClient` for ``options``.
        """
        # Loaded on first use, downward, as in serveWebSocket.
        from .peers import ScriptedClient

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
        self._blackholes.add((self.addressOf(host), port))

    def unblackhole(self, host: str, port: int | None = None) -> None:
        """
        Undo :meth:`blackhole`: attempts still pending complete at the next
        flush, as a retransmitted connection request would.

        :raises ValueError: if that host and port were not blackholed.
        """
        try:
            self._blackholes.remove((self.addressOf(host), port))
        except KeyError:
            raise ValueError(f"{host}:{port} is not blackholed") from None

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
        listener = Listener(self, _address(self.addressOf(host), port), factory)
        listener.startListening()
        return listener

    @property
    def listeners(self) -> list[Listener]:
        """
        The in-memory ports listening now, in the order they started: what
        a test's cleanup stops, say.
        """
        return list(self._listeners.values())

    def listenerAt(self, host: str, port: int) -> Listener | None:
        """
        What listens for exactly ``host`` on ``port``, if anything.
        """
        return self._listeners.get((self.addressOf(host), port))

    # Names.

    def addressOf(self, host: str) -> str:
        """
        Return the address ``host`` resolves to on this fake network.
        """
        if isIPAddress(host) or isIPv6Address(host):
            return host
        # DNS names are case-insensitive, and a final dot changes nothing.
        host = host.lower().removesuffix(".")
        if host not in self._names:
            invented = len([n for n in self._names if n != "localhost"])
            net, number = divmod(invented, 253)
            if net >= len(_TEST_NETS):
                raise ValueError("FakeReactor ran out of TEST-NET addresses")
            self._names[host] = f"{_TEST_NETS[net]}{number + 1}"
        return self._names[host]

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
        host = "0.0.0.0" if interface in _IPV4_WILDCARDS else self.addressOf(interface)
        if port == 0:
            port = self._ephemeralPort()
        listener = Listener(self, _address(host, port), factory)
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
        return self._recorded(
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
        return self._recorded(
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
        connector = _UNIXConnector(self, address, factory, timeout)
        connector.connect()
        return self._recorded(connector)

    def connectUnrecorded(
        self, host: str, port: int, factory: ClientFactory[P], timeout: float, tls: bool
    ) -> IConnector:
        """
        Connect as :meth:`connectTCP` (:meth:`connectSSL` with ``tls``)
        does, without listing the call in ``tcpClients`` and ``connectors``,
        which hold the calls of the code under test: public to the package,
        for the scripted clients.
        """
        connector = _Connector(self, host, port, factory, timeout, tls)
        connector.connect()
        return connector

    def _recorded(self, connector: IConnector) -> IConnector:
        """
        List a connector the code under test asked for in ``connectors``.
        """
        self.connectors.append(connector)
        return connector

    def _completePendingConnects(self) -> bool:
        moved = False
        for each in list(self._pendingConnects):
            # An earlier completion may have cancelled this one.
            if each not in self._pendingConnects or self._blackholed(each):
                continue
            self._pendingConnects.remove(each)
            self._complete(each)
            moved = True
        return moved

    def _blackholed(self, pending: _PendingConnect) -> bool:
        address = pending.connector._serverAddress()
        if isinstance(address, UNIXAddress):
            return False
        return bool(
            {(address.host, address.port), (address.host, None)} & self._blackholes
        )

    def _complete(self, pending: _PendingConnect) -> None:
        serverAddress = pending.connector._serverAddress()
        listener = self._listenerFor(serverAddress)
        if listener is None or not listener.admit():
            self._fail(pending, "refused", error.ConnectionRefusedError())
            return
        client = _buildLogged(pending.connector.buildProtocol, serverAddress)
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
        self, pending: _PendingConnect, outcome: Outcome, reason: Exception
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
        return _address(_clientHostFor(serverAddress), self._ephemeralPort())

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
        server = _buildLogged(buildServer, clientAddress)
        return Connection(
            self.clock,
            len(self.connections) + 1,
            clientAddress,
            serverAddress,
            _orClosing(client),
            _orClosing(None if isinstance(server, Failure) else server),
            onClientLost=onClientLost,
            onWork=self._wakeConnection,
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
        exact = self._listeners.get(_routeKey(address))
        if exact is not None or isinstance(address, UNIXAddress):
            return exact
        # A "::" listener is dual-stack: it takes IPv4 too, as by default on
        # a real machine.
        wildcards = ("::",) if isinstance(address, IPv6Address) else ("0.0.0.0", "::")
        for wildcard in wildcards:
            listener = self._listeners.get((wildcard, address.port))
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


def _stateOf(listener: Listener) -> ListenerState:
    return "up" if listener.listening else "down"


def _buildLogged(
    build: Callable[[Address], IProtocol | None], address: Address
) -> IProtocol | None | Failure:
    """
    ``build(address)`` (a ``buildProtocol``), or the logged failure if it
    raised.
    """
    built: list[IProtocol | None] = []
    failure = callLogged(
        "Error building a protocol with {build!r}",
        lambda: built.append(build(address)),
        build=build,
    )
    return failure if failure is not None else built[0]


def _routeKey(address: Address) -> tuple[str, str | int]:
    """
    Where ``address`` sits on the fake network: a UNIX path, or a host and
    port.
    """
    if isinstance(address, UNIXAddress):
        return ("unix", _path(address))
    return (address.host, address.port)


def hostAndPort(address: Address) -> tuple[str, int]:
    """
    The host and port of ``address`` as a :class:`ConnectionAttempt`
    records them: for a UNIX socket, its path and port 0.
    """
    if isinstance(address, UNIXAddress):
        return (_path(address), 0)
    return (address.host, address.port)


def _describeAddress(address: Address) -> str:
    if isinstance(address, UNIXAddress):
        return _path(address)
    return f"{address.host}:{address.port}"


def _path(address: UNIXAddress) -> str:
    return "" if address.name is None else os.fsdecode(address.name)


def _address(host: str, port: int) -> Address:
    if isIPv6Address(host):
        return IPv6Address("TCP", host, port)
    return IPv4Address("TCP", host, port)


def _clientHostFor(server: IPv4Address | IPv6Address) -> str:
    """
    The address the connecting side appears to come from.
    """
    if isinstance(server, IPv6Address):
        return "::1" if server.host == "::1" else "2001:db8::1"
    return "127.0.0.1" if server.host.startswith("127.") else "198.51.100.254"


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
