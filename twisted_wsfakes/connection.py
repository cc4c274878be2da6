"""
An in-memory TCP connection between two protocols, with faults.
"""

from __future__ import annotations

import os
from collections import deque
from collections.abc import Callable, Iterator
from itertools import cycle
from typing import TYPE_CHECKING, Any, Literal, cast

from twisted.internet import error
from twisted.internet.address import IPv4Address, IPv6Address, UNIXAddress
from twisted.internet.interfaces import (
    IConsumer,
    IDelayedCall,
    IProducer,
    IProtocol,
    IPullProducer,
    IPushProducer,
    IReactorTime,
    ITCPTransport,
    ITransport,
)
from twisted.logger import Logger, LogLevel
from twisted.python.failure import Failure
from zope.interface import implementer, implementer_only

from .errors import UnsupportedByFake
from .wire import Handshake, WireData, WireEnd, handshakeFromWire, transcriptFromWire

if TYPE_CHECKING:
    from .transcript import Transcript

Side = Literal["client", "server"]
Address = IPv4Address | IPv6Address | UNIXAddress

_log = Logger()


@implementer(ITCPTransport, IConsumer, IPushProducer)
class _Transport:
    """
    One end of a L{Connection}: what a protocol sees as its transport.

    It does not claim ``ISSLTransport`` even on a ``connectSSL`` connection:
    TLS is not simulated, and Autobahn asks a transport that claims it for a
    TLS channel id.
    """

    #: How many undelivered bytes make a streaming producer pause, as on
    #: Twisted's own transports.
    bufferSize = 2**16

    def __init__(self, connection: Connection, side: Side) -> None:
        self._connection = connection
        self.producerPaused = False
        self._side: Side = side
        self.connected = True
        self.disconnecting = False
        self.disconnected = False
        self.producer: IProducer | None = None
        self.streamingProducer = False
        self._noDelay = False
        self._keepAlive = False

    @property
    def protocol(self) -> IProtocol:
        """
        The protocol this end delivers to.  It can be replaced, as on
        Twisted's own transports, and delivery follows: later bytes and
        ``connectionLost`` go to the new protocol.  That is how
        ``twisted.web`` hands an upgraded connection to a websocket protocol
        (Autobahn's ``WebSocketResource`` sets ``transport.protocol``).
        """
        return self._connection._endOf(self._side)[0]

    @protocol.setter
    def protocol(self, protocol: IProtocol) -> None:
        self._connection._replaceProtocol(self._side, protocol)

    def write(self, data: bytes) -> None:
        if not isinstance(data, bytes):
            raise TypeError(f"Data must be bytes, not {type(data).__name__}")
        if self.connected and data:
            self._connection._written(self._side, data)

    def writeSequence(self, iovec: Any) -> None:
        self.write(b"".join(iovec))

    def loseConnection(self) -> None:
        """
        Close once every byte written so far has been delivered.
        """
        if self.connected and not self.disconnecting:
            self.disconnecting = True
            self._connection._loseRequested(self._side)

    def abortConnection(self) -> None:
        """
        Close now: bytes written but not yet delivered are lost.
        """
        if self.connected:
            self._connection._abort(self._side)

    def loseWriteConnection(self) -> None:
        raise UnsupportedByFake(
            "twisted_wsfakes does not simulate TCP half-close "
            "(loseWriteConnection); use loseConnection()"
        )

    # A UNIX socket's end reports a UNIXAddress: see _UNIXTransport.
    def getPeer(self) -> Address:  # type: ignore[override]
        return self._connection._addressOf(_other(self._side))

    def getHost(self) -> Address:  # type: ignore[override]
        return self._connection._addressOf(self._side)

    def getTcpNoDelay(self) -> bool:
        return self._noDelay

    def setTcpNoDelay(self, enabled: bool) -> None:
        self._noDelay = bool(enabled)

    def getTcpKeepAlive(self) -> bool:
        return self._keepAlive

    def setTcpKeepAlive(self, enabled: bool) -> None:
        self._keepAlive = bool(enabled)

    def registerProducer(self, producer: IProducer, streaming: bool) -> None:
        if self.producer is not None:
            raise RuntimeError(
                f"Cannot register producer {producer!r}: "
                f"{self.producer!r} is already registered"
            )
        if self.disconnected:
            # A real transport stops a producer registered after the end.
            producer.stopProducing()
            return
        self.producer = producer
        self.streamingProducer = streaming
        if not streaming:
            # As Twisted's own transports do: ask for data at once.
            cast(IPullProducer, producer).resumeProducing()

    def unregisterProducer(self) -> None:
        # Autobahn calls this on every drop, registered or not.
        self.producer = None
        self.producerPaused = False
        self._connection._pullProducers.discard(self._side)
        # A close may have waited for this producer to finish.
        self._connection._wake()

    def pauseProducing(self) -> None:
        """
        Stop reading: nothing more is delivered to this end until resumed.
        """
        self._connection._paused.add(self._side)

    def resumeProducing(self) -> None:
        self._connection._paused.discard(self._side)
        self._connection._wake()

    def stopProducing(self) -> None:
        self.loseConnection()

    def __repr__(self) -> str:
        return f"<{self._side} transport of {self._connection!r}>"


@implementer_only(ITransport, IConsumer, IPushProducer)
class _UNIXTransport(_Transport):
    """
    One end of an in-memory UNIX socket connection: a transport, but not a
    TCP one, so code that checks for ``ITCPTransport`` sees the difference.
    """


def _other(side: Side) -> Side:
    return "server" if side == "client" else "client"


class Connection:
    """
    A live in-memory TCP connection between a client and a server protocol.

    The :class:`FakeReactor` makes one for every connection attempt that
    reaches a listener and lists it in ``reactor.connections``.  Bytes a
    protocol writes are delivered to its peer by ``reactor.flush()`` (and
    ``reactor.advance()``), never inside the writer's own call.

    Faults, for testing how the code under test copes::

        conn = reactor.connections[-1]
        conn.chunk(1)        # deliver one byte per dataReceived call
        conn.latency = 0.05  # each write arrives 50 ms later on the clock
        conn.stall()         # nothing moves either way: a dead peer
        conn.resume()
        conn.drop()          # the network cuts it: no close frame, no FIN

    :ivar client: the client's protocol: the one ``clientTransport``
        delivers to, replaced when ``clientTransport.protocol`` is.
    :ivar server: the server's protocol, as ``client`` is.
    :ivar clientTransport: the transport ``client`` writes to.
    :ivar serverTransport: the transport ``server`` writes to.
    :ivar number: 1 for the reactor's first connection, 2 for the next...
    :ivar latency: seconds on the clock between a write and its delivery.
    :ivar lostAt: when each side (``"client"``, ``"server"``) got
        ``connectionLost``; a side not yet told is missing.
    """

    def __init__(
        self,
        clock: IReactorTime,
        number: int,
        clientAddress: Address,
        serverAddress: Address,
        client: IProtocol,
        server: IProtocol,
        onClientLost: Callable[[Failure], None] | None = None,
        onWork: Callable[[Connection], None] | None = None,
    ) -> None:
        self.number = number
        self.client = client
        self.server = server
        transport = (
            _UNIXTransport if isinstance(serverAddress, UNIXAddress) else _Transport
        )
        self.clientTransport = transport(self, "client")
        self.serverTransport = transport(self, "server")
        self.latency = 0.0
        self._clock = clock
        self._addresses = {"client": clientAddress, "server": serverAddress}
        self._onClientLost = onClientLost
        # Told whenever something happens that a pump may have to deliver,
        # so that the reactor pumps only the connections with work to do.
        self._onWork = onWork or _ignore
        # Bytes each side wrote and the peer has not yet received, with the
        # clock time at which they may be delivered.
        self._outgoing: dict[Side, deque[tuple[float, bytes]]] = {
            "client": deque(),
            "server": deque(),
        }
        self._chunkSizes: dict[Side, Iterator[int] | None] = {
            "client": None,
            "server": None,
        }
        self._paused: set[Side] = set()
        # Timers that stop advance() when delayed bytes are due; cancelled
        # when the connection ends, so they are no one's leftovers.
        self._latencyTimers: list[IDelayedCall] = []
        # Sides whose pull producer is due to be asked for more once what
        # that side wrote has been delivered, as a real transport asks when
        # its buffer drains: a producer that writes nothing is not asked
        # again until it writes.
        self._pullProducers: set[Side] = set()
        self._closing: list[Side] = []
        self._stalled = False
        self._ending: tuple[Failure, Failure, str, Side | None] | None = None
        # Sides told of the end so far; closed once both are.
        self._lost: set[Side] = set()
        #: When each side got ``connectionLost``, by side, once it did.
        self.lostAt: dict[Side, float] = {}
        self._closed = False
        # Raw log for the transcript, kept as plain tuples because it grows
        # on every write: (time, side, bytes) or (time, how, closer).
        self._wire: list[tuple[float, str, Any]] = []

    @property
    def open(self) -> bool:
        """
        Whether a side has yet to see ``connectionLost``.
        """
        return not self._closed

    def drop(self) -> None:
        """
        Cut the connection as a failing network would: bytes in flight are
        lost and both protocols get ``connectionLost`` with
        ``ConnectionLost`` at the next ``reactor.flush()``.
        """
        if not self._closed and self._ending is None:
            self._discardInFlight()
            self._end(
                clientReason=Failure(error.ConnectionLost("connection dropped")),
                serverReason=Failure(error.ConnectionLost("connection dropped")),
                how="dropped",
                by=None,
            )

    def stall(self) -> None:
        """
        Stop delivering bytes either way; writes still succeed and wait.

        News of a close travels the same way: a side that aborts gets
        ``connectionLost`` as usual, but its peer hears of it only after
        :meth:`resume`, as behind a dead network.  A ``loseConnection()``
        with bytes still to deliver waits for them, so for :meth:`resume`.
        """
        self._stalled = True

    def resume(self) -> None:
        """
        Undo :meth:`stall`: waiting bytes flow again at the next flush.
        """
        self._stalled = False
        self._wake()

    def chunk(self, *sizes: int) -> None:
        """
        Deliver bytes in pieces of the given sizes, cycling through them, in
        both directions: ``chunk(1)`` feeds one byte per ``dataReceived``.
        With no sizes, each write is delivered whole again.

        :raises ValueError: if a size is not a positive integer.
        """
        for size in sizes:
            if not isinstance(size, int) or size < 1:
                raise ValueError(f"chunk sizes must be positive integers, got {size!r}")
        for side in ("client", "server"):
            self._chunkSizes[side] = cycle(sizes) if sizes else None

    @property
    def transcript(self) -> Transcript:
        """
        Everything said on this connection so far, as websocket events.
        """
        return transcriptFromWire(list(self._wireRecords()))

    @property
    def handshake(self) -> Handshake | None:
        """
        How the websocket opening handshake went, read from the bytes on the
        wire (so whatever code spoke them): opened, refused with a status,
        timed out, ...; ``None`` if the client sent no HTTP request, as on a
        connection that is not a websocket's.
        """
        return handshakeFromWire(self._wireRecords())

    def __repr__(self) -> str:
        state = "open" if self.open else "closed"
        return (
            f"<Connection {self.number} {_hostPort(self._addresses['client'])}"
            f" → {_hostPort(self._addresses['server'])} {state}>"
        )

    # What the reactor calls.

    def _start(self) -> None:
        """
        Give each protocol its transport, server first as an accept would.

        An error there (a ``connectionMade`` that raises, a "protocol" with
        no ``makeConnection``) is logged, as a real reactor logs it, and has
        the same effect as on one:

        - on the client's side it closes the connection: Twisted completes
          a connect inside the reactor's write callback, which closes a
          transport whose callback raised.  The client's ``connectionLost``
          (and its factory's ``clientConnectionLost``) get the error, the
          server ``ConnectionDone``.
        - on the server's side the connection stays open: Twisted's
          ``Port.doRead`` only logs it, so the client's bytes still reach
          the protocol (and a protocol that cannot take them closes the
          connection then).

        The client is connected even if the server's ``connectionMade``
        failed or closed: its connect succeeded, and it sees the close next.
        """
        self._safely(
            "server", self.server, "makeConnection", self.serverTransport, close=False
        )
        self._safely("client", self.client, "makeConnection", self.clientTransport)

    def _wake(self) -> None:
        """
        Tell the reactor this connection may have something to deliver.
        """
        self._onWork(self)

    def _pump(self) -> bool:
        """
        Deliver what can be delivered now; say whether anything happened.

        A pump that moves nothing leaves nothing for the next one either,
        until an event calls :meth:`_wake`: a write, a close, a resume, a
        producer unregistered, delayed bytes falling due.
        """
        if self._closed:
            return False
        if self._ending is not None:
            return self._finish()
        outgoing = self._outgoing
        moved = False
        if outgoing["client"]:
            moved = self._deliverFrom("client")
            if self._closed or self._ending is not None:
                return True
        if outgoing["server"]:
            moved = self._deliverFrom("server") or moved
            if self._closed or self._ending is not None:
                return True
        if self._closing and self._closeIfFlushed():
            return True
        if self._pullProducers and self._askPullProducers():
            return True
        return moved

    def _hasBytesWaiting(self) -> bool:
        """
        Whether either side wrote bytes the other has not yet received.
        """
        return bool(self._outgoing["client"] or self._outgoing["server"])

    def _pendingDescription(self) -> str:
        """
        Describe what is still moving, for an error that flush never settles.
        """
        parts = []
        for side in ("client", "server"):
            data = b"".join(chunk for _, chunk in self._outgoing[side])
            if data:
                parts.append(
                    f"{side} → {_other(side)}: {data[:60]!r} ({len(data)} bytes)"
                )
        return "; ".join(parts) or "no bytes waiting"

    # What the transports call.

    def _written(self, side: Side, data: bytes) -> None:
        if self._ending is not None:
            # The connection is already cut or aborted: nothing goes on the
            # wire, so the transcript does not show it either.
            return
        now = self._clock.seconds()
        self._wire.append((now, side, data))
        latency = self.latency
        self._outgoing[side].append((now + latency, data))
        transport = self.clientTransport if side == "client" else self.serverTransport
        if transport.producer is not None:
            if not transport.streamingProducer:
                self._pullProducers.add(side)
            elif not transport.producerPaused and self._backlog(side) > (
                transport.bufferSize
            ):
                # As a real transport does when its buffer fills: a peer
                # that does not read holds the producer back.
                transport.producerPaused = True
                cast(IPushProducer, transport.producer).pauseProducing()
        if latency:
            # A timer at the due time makes reactor.advance() stop there and
            # pump this connection, so delayed bytes arrive exactly on time.
            self._latencyTimers.append(self._clock.callLater(latency, self._wake))
        else:
            self._wake()

    def _loseRequested(self, side: Side) -> None:
        self._closing.append(side)
        self._wake()

    def _abort(self, side: Side) -> None:
        if self._closed or self._ending is not None:
            return
        self._discardInFlight()
        self._end(
            **{
                f"{side}Reason": Failure(error.ConnectionAborted()),
                f"{_other(side)}Reason": Failure(
                    error.ConnectionLost("connection reset by peer")
                ),
            },
            how="aborted",
            by=side,
        )

    def _replaceProtocol(self, side: Side, protocol: IProtocol) -> None:
        if side == "client":
            self.client = protocol
        else:
            self.server = protocol

    def _addressOf(self, side: Side) -> Address:
        return self._addresses[side]

    def _wireRecords(self) -> Iterator[WireData | WireEnd]:
        for time, what, detail in self._wire:
            if isinstance(detail, bytes):
                yield WireData(time, cast(Side, what), detail)
            else:
                yield WireEnd(time, cast(Any, what), detail)

    # Inner workings.

    def _deliverFrom(self, sender: Side) -> bool:
        queue = self._outgoing[sender]
        if not queue:
            return False
        receiver: Side = "server" if sender == "client" else "client"
        paused, closing = self._paused, self._closing
        if self._stalled or receiver in paused or receiver in closing:
            return False
        now = self._clock.seconds()
        protocol = self.server if sender == "client" else self.client
        moved = False
        while queue and queue[0][0] <= now:
            due, data = queue.popleft()
            sizes = self._chunkSizes[sender]
            if sizes is not None:
                size = next(sizes)
                if len(data) > size:
                    queue.appendleft((due, data[size:]))
                    data = data[:size]
            moved = True
            self._safely(receiver, protocol, "dataReceived", data)
            if self._stalled or self._ending is not None or self._closed:
                break
            if receiver in paused or receiver in closing:
                break
        if not queue:
            transport = (
                self.clientTransport if sender == "client" else self.serverTransport
            )
            if transport.producerPaused:
                self._resumeProducer(sender)
        return moved

    def _backlog(self, side: Side) -> int:
        """
        How many bytes ``side`` wrote that its peer has not received.
        """
        return sum(len(data) for _, data in self._outgoing[side])

    def _resumeProducer(self, side: Side) -> None:
        """
        Resume ``side``'s streaming producer if a full buffer paused it.
        """
        _, transport = self._endOf(side)
        if transport.producerPaused and transport.producer is not None:
            transport.producerPaused = False
            self._safely(side, transport.producer, "resumeProducing")

    def _closeIfFlushed(self) -> bool:
        for side in self._closing:
            _, transport = self._endOf(side)
            if transport.producer is not None and not transport.streamingProducer:
                # A transport closes once its pull producer is done.
                continue
            if self._outgoing[side] and _other(side) in self._closing:
                # The peer is closing too and reads no more: what is left
                # would never be read, and waiting for it would never end.
                self._outgoing[side].clear()
            if not self._outgoing[side]:
                self._end(
                    clientReason=Failure(error.ConnectionDone()),
                    serverReason=Failure(error.ConnectionDone()),
                    how="closed",
                    by=side,
                )
                self._finish()
                return True
        return False

    def _askPullProducers(self) -> bool:
        asked = False
        for side in list(self._pullProducers):
            _, transport = self._endOf(side)
            if transport.producer is not None and not self._outgoing[side]:
                asked = True
                self._pullProducers.discard(side)
                self._safely(side, transport.producer, "resumeProducing")
        return asked

    def _safely(
        self, side: Side, target: object, method: str, *args: object, close: bool = True
    ) -> None:
        """
        Call ``target.method(*args)`` as a reactor would: an exception (a
        missing method included) is logged and, unless ``close`` is false,
        the connection is closed, with the error as that side's reason.
        """
        # callLogged, inlined: this runs for every delivery.
        try:
            getattr(target, method)(*args)
            return
        except BaseException:  # noqa: BLE001 - a reactor survives any callback
            failure = _logFailure(
                "Unhandled error from the {side} protocol of {connection!r}",
                side=side,
                connection=self,
            )
        if close and self._ending is None and not self._closed:
            self._discardInFlight()
            reasons = {
                f"{side}Reason": failure,
                f"{_other(side)}Reason": Failure(error.ConnectionDone()),
            }
            # Finished by the next _pump, so that a failure in the
            # server's connectionMade still lets _start connect the client.
            self._end(**reasons, how="closed", by=side)

    def _discardInFlight(self) -> None:
        for queue in self._outgoing.values():
            queue.clear()

    def _end(
        self, clientReason: Failure, serverReason: Failure, how: str, by: Side | None
    ) -> None:
        self._ending = (clientReason, serverReason, how, by)
        self._wake()

    def _finish(self) -> bool:
        """
        Tell the protocols the connection is gone, the closer first; while
        stalled, the closer's peer is told only after ``resume()``.

        :returns: whether a protocol was told.
        """
        assert self._ending is not None
        clientReason, serverReason, how, by = self._ending
        if not self._lost:
            self._wire.append((self._clock.seconds(), how, by))
        told = False
        first: Side = by or "client"
        for side in (first, _other(first)):
            if side in self._lost or (self._stalled and by not in (None, side)):
                continue
            self._lost.add(side)
            self.lostAt[side] = self._clock.seconds()
            told = True
            self._lose(side, clientReason if side == "client" else serverReason)
        self._closed = len(self._lost) == 2
        if self._closed:
            for timer in self._latencyTimers:
                if timer.active():
                    timer.cancel()
        return told

    def _lose(self, side: Side, reason: Failure) -> None:
        protocol, transport = self._endOf(side)
        transport.connected = False
        transport.disconnecting = False
        transport.disconnected = True
        producer, transport.producer = transport.producer, None
        if producer is not None:
            callLogged("Error stopping a producer", producer.stopProducing)
        # Looked up inside the call: a protocol that lacks it (so never had
        # a makeConnection either) is logged, not raised into the flush.
        failed = callLogged(
            "Error in connectionLost", lambda: protocol.connectionLost(reason)
        )
        # As in Twisted's tcp.Client, a connectionLost that raises keeps the
        # connector from hearing of the loss.
        if side == "client" and self._onClientLost is not None and failed is None:
            callLogged("Error reporting a lost connection", self._onClientLost, reason)

    def _endOf(self, side: Side) -> tuple[IProtocol, _Transport]:
        if side == "client":
            return self.client, self.clientTransport
        return self.server, self.serverTransport


def callLogged(
    what: str, method: Callable[..., object], *args: object, **fields: object
) -> Failure | None:
    """
    Call ``method`` as a reactor calls into application code: whatever it
    raises is logged (so trial reports it) instead of propagated.

    :returns: the failure, if it raised.
    """
    try:
        method(*args)
    except BaseException:  # noqa: BLE001 - a reactor survives any callback
        return _logFailure(what, **fields)
    return None


def _logFailure(what: str, **fields: object) -> Failure:
    """
    Log the exception being handled, as :func:`callLogged` does.

    Call it only from an ``except`` block.

    :returns: the failure logged.
    """
    failure = Failure()
    _log.failure(what, failure, LogLevel.critical, **fields)
    return failure


def _ignore(connection: Connection) -> None:
    pass


def _hostPort(address: Address) -> str:
    if isinstance(address, UNIXAddress):
        return "unnamed" if address.name is None else os.fsdecode(address.name)
    if isinstance(address, IPv6Address):
        return f"[{address.host}]:{address.port}"
    return f"{address.host}:{address.port}"
