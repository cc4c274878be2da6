"""
An in-memory TCP connection between two protocols, with faults: the
`Connection` moves the bytes each protocol writes to its `transport` toward
the other, one `End` per direction, and keeps the wire's log that its
transcript is read from.  It imports ``address``, ``calls``, ``ends`` and
``transport`` from the layer, and ``errors`` and ``transcript`` (its
``events`` and ``wire`` modules too) from below it.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from itertools import cycle
from typing import Any, cast

from twisted.internet import error
from twisted.internet.address import UNIXAddress
from twisted.internet.interfaces import (
    IDelayedCall,
    IProtocol,
    IPushProducer,
    IReactorTime,
)
from twisted.python.failure import Failure

from ..errors import NetworkUsageError, ProtocolReleased
from ..transcript import Handshake, Side, Transcript
from ..transcript.events import otherSide
from ..transcript.wire import WireData, WireEnd, handshakeFromWire, transcriptFromWire
from .address import Address, describeAddress
from .calls import callLogged, logFailure
from .ends import End, Phase
from .transport import Transport, UNIXTransport


class Connection:
    """
    A live in-memory TCP connection between a client and a server protocol.

    The :class:`FakeReactor` makes one for every connection attempt that
    reaches a listener and lists it in ``reactor.connections``.  Bytes a
    protocol writes are delivered to its peer by ``reactor.flush()`` (and
    ``reactor.advance()``), never inside the writer's own call.

    Closing follows real TCP.  Bytes leave a side when the connection next
    moves bytes (the next flush, as a real reactor writes at the end of
    its turn); a ``loseConnection()`` completes, and the closer gets
    ``ConnectionDone``, once its bytes have left, whatever its peer then
    does with them.  The peer reads those bytes, then hears of the close.
    An ``abortConnection()`` (or a callback that raises, which makes the
    reactor drop the connection) discards what that side wrote since bytes
    last moved: they never reach the wire, and the transcript does not show
    them.  A reader that paused (``transport.pauseProducing()``) hears
    nothing, not even a close or a reset, until it resumes.

    Faults, for testing how the code under test copes::

        conn = reactor.connections[-1]
        conn.chunk(1)        # deliver one byte per dataReceived call
        conn.latency = 0.05  # each write arrives 50 ms later on the clock
        conn.stall()         # nothing moves either way: a dead peer
        conn.resume()
        conn.drop()          # the network cuts it: no close frame, no FIN

    :ivar client: the client's protocol: the one ``clientTransport``
        delivers to, replaced when ``clientTransport.protocol`` is.  A
        closed connection keeps it while it is among the reactor's
        ``keepClosedProtocols`` most recently closed ones; after that,
        reading it raises :class:`ProtocolReleased` (the transcript,
        ``lostAt`` and the addresses stay).
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
        self._protocols: dict[Side, IProtocol] | None = {
            "client": client,
            "server": server,
        }
        transport = (
            UNIXTransport if isinstance(serverAddress, UNIXAddress) else Transport
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
        clientEnd, serverEnd = End("client"), End("server")
        self._ends: dict[Side, End] = {"client": clientEnd, "server": serverEnd}
        # The ends in the order a pump delivers to them: the server first,
        # as it reads what the client sent before the client reads the
        # answer.
        self._deliveryOrder = (serverEnd, clientEnd)
        # The end that receives what each side writes.
        self._receiverOf: dict[Side, End] = {"client": serverEnd, "server": clientEnd}
        # What either side wrote that has not yet left, in the order
        # written: (time, side, bytes).
        self._unsent: list[tuple[float, Side, bytes]] = []
        # Ends whose end is decided, in the order decided: told in that
        # order, so the closer hears first.
        self._leaving: list[End] = []
        # Timers that stop advance() when delayed bytes are due; cancelled
        # when the connection ends, so they are no one's leftovers.
        self._latencyTimers: list[IDelayedCall] = []
        self._stalled = False
        #: When each side got ``connectionLost``, by side, once it did.
        self.lostAt: dict[Side, float] = {}
        # Raw log for the transcript, kept as plain tuples because it grows
        # on every write: (time, side, bytes) or (time, how, closer).
        self._wire: list[tuple[float, str, Any]] = []

    @property
    def client(self) -> IProtocol:
        return self.protocolOf("client")

    @property
    def server(self) -> IProtocol:
        return self.protocolOf("server")

    def protocolOf(self, side: Side) -> IProtocol:
        if self._protocols is None:
            raise ProtocolReleased(
                f"{self!r} no longer holds its {side} protocol: the reactor keeps "
                "the protocols of its most recently closed connections only "
                "(raise FakeReactor.keepClosedProtocols, or keep the protocol "
                "yourself, to look at older ones)"
            )
        return self._protocols[side]

    def releaseProtocols(self) -> None:
        """
        Let go of both protocols (and so of everything they hold), keeping
        the log, the transcript, the addresses and ``lostAt``.  For the
        reactor, not for tests.
        """
        self._protocols = None

    @property
    def open(self) -> bool:
        """
        Whether a side has yet to see ``connectionLost``.
        """
        return len(self.lostAt) < 2

    def drop(self) -> None:
        """
        Cut the connection as a failing network would: bytes in flight are
        lost and both protocols get ``connectionLost`` with
        ``ConnectionLost`` at the next ``reactor.flush()``, paused or not.
        """
        live = [end for end in self._ends.values() if end.live]
        if not live:
            return
        first = not self._decided()
        self._send()
        for end in live:
            end.inbound.clear()
            self._setFate(end, Failure(error.ConnectionLost("connection dropped")))
        if first:
            self._wire.append((self._clock.seconds(), "dropped", None))
        self._wake()

    def stall(self) -> None:
        """
        Stop delivering bytes either way; writes still succeed and wait.

        News of a close travels the same way: a side that closes or aborts
        gets ``connectionLost`` as usual, but its peer hears of it only
        after :meth:`resume`, as behind a dead network.
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

        :raises NetworkUsageError: if a size is not a positive integer.
        """
        for size in sizes:
            if not isinstance(size, int) or size < 1:
                raise NetworkUsageError(
                    f"chunk(): chunk sizes must be positive integers, got {size!r}"
                )
        for end in self._ends.values():
            end.chunks = cycle(sizes) if sizes else None

    @property
    def transcript(self) -> Transcript:
        """
        Everything said on this connection so far, as websocket events:
        what went on the wire, not bytes discarded before they left.
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
            f"<Connection {self.number} {describeAddress(self._addresses['client'])}"
            f" → {describeAddress(self._addresses['server'])} {state}>"
        )

    # What the reactor calls.

    def start(self) -> None:
        """
        Give each protocol its transport, server first as an accept would.
        For the reactor, not for tests.

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

    def pump(self) -> bool:
        """
        Send what was written, complete closes, tell the ends whose end is
        decided, and deliver what can be delivered now; say whether
        anything happened.  For the reactor, not for tests.

        A pump that moves nothing leaves nothing for the next one either,
        until an event calls :meth:`_wake`: a write, a close, a resume, a
        producer unregistered, delayed bytes falling due.
        """
        if not self.open:
            return False
        moved = self._send()
        moved = self._completeCloses() or moved
        moved = self._tellLeaving() or moved
        # An end told of the close is not listening, so a connection that
        # closes meanwhile is delivered nothing more.
        for end in self._deliveryOrder:
            if self._stalled:
                break
            if end.inbound and end.listening:
                moved = self._deliverTo(end) or moved
        if self.open:
            moved = self._askPullProducers() or moved
        else:
            self._release()
        return moved

    def hasBytesWaiting(self) -> bool:
        """
        Whether either side wrote bytes the other has not yet received.
        For the reactor, not for tests.
        """
        return any(self._backlog(side) for side in self._ends)

    def pendingDescription(self) -> str:
        """
        Describe what is still moving, for an error that flush never settles.
        For the reactor, not for tests.
        """
        parts = []
        for side in self._ends:
            data = b"".join(
                chunk for _, sender, chunk in self._unsent if sender == side
            ) + b"".join(
                item
                for _, item in self._ends[otherSide(side)].inbound
                if isinstance(item, bytes)
            )
            if data:
                parts.append(
                    f"{side} → {otherSide(side)}: {data[:60]!r} ({len(data)} bytes)"
                )
        return "; ".join(parts) or "no bytes waiting"

    # What the transports call.

    def writtenBy(self, side: Side, data: bytes) -> None:
        if not self._ends[side].live:
            # This side aborted or failed: what it writes now never leaves,
            # so the transcript does not show it either.
            return
        now = self._clock.seconds()
        self._unsent.append((now, side, data))
        transport = self._transportOf(side)
        if transport.producer is not None:
            if not transport.streamingProducer:
                self._ends[side].askProducer = True
            elif not transport.producerPaused and self._backlog(side) > (
                transport.bufferSize
            ):
                # As a real transport does when its buffer fills: a peer
                # that does not read holds the producer back.
                transport.producerPaused = True
                cast(IPushProducer, transport.producer).pauseProducing()
        if self.latency:
            # A timer at the due time makes reactor.advance() stop there and
            # pump this connection, so delayed bytes arrive exactly on time.
            self._latencyTimers.append(self._clock.callLater(self.latency, self._wake))
        # _wake(), inlined: this runs for every write.
        self._onWork(self)

    def closeRequestedBy(self, side: Side) -> None:
        if self._ends[side].requestClose():
            self._wake()

    def abortedBy(self, side: Side) -> None:
        end = self._ends[side]
        if not end.live:
            return
        self._decide(
            end,
            Failure(error.ConnectionAborted()),
            news=Failure(error.ConnectionLost("connection reset by peer")),
            how="aborted",
        )

    def replaceProtocol(self, side: Side, protocol: IProtocol) -> None:
        if self._protocols is not None:
            self._protocols[side] = protocol

    def addressOf(self, side: Side) -> Address:
        return self._addresses[side]

    def producerUnregistered(self, side: Side) -> None:
        """
        ``side``'s transport let go of its producer: it is not to be asked
        for more, and a close waiting for it may complete.
        """
        self._ends[side].askProducer = False
        self._wake()

    def pauseDelivery(self, side: Side) -> None:
        """
        Deliver nothing to ``side`` until :meth:`resumeDelivery`.
        """
        self._ends[side].paused = True

    def resumeDelivery(self, side: Side) -> None:
        """
        Deliver to ``side`` again.
        """
        self._ends[side].paused = False
        self._wake()

    def _wireRecords(self) -> Iterator[WireData | WireEnd]:
        for time, what, detail in self._wire:
            if isinstance(detail, bytes):
                yield WireData(time, cast(Side, what), detail)
            else:
                yield WireEnd(time, cast(Any, what), detail)

    # Inner workings.

    def _decided(self) -> bool:
        """
        Whether the end of the connection is decided: an end closed,
        aborted, failed or was dropped.
        """
        return any(end.decided for end in self._ends.values())

    def _send(self) -> bool:
        """
        Put what was written on the wire (and in the log), in the order
        written; say whether there was anything.
        """
        if not self._unsent:
            return False
        unsent, self._unsent = self._unsent, []
        latency = self.latency
        wire = self._wire
        receiverOf = self._receiverOf
        for entry in unsent:
            wire.append(entry)
            time, side, data = entry
            receiver = receiverOf[side]
            # Bytes toward an end that is gone are on the wire all the
            # same, and reach no one.
            if receiver.live:
                receiver.inbound.append((time + latency, data))
        return True

    def _decide(self, end: End, fate: Failure, news: Failure, how: str) -> None:
        """
        Decide how ``end`` ends: it gets ``fate`` at the next pump; its peer
        reads what is already on the wire toward it, then gets ``news``.

        What ``end`` wrote and has not sent is discarded, unless it closed
        in an orderly way (then there is none left); what the peer wrote
        goes on the wire, to be read by no one.  The peer may still write:
        it does not know yet.
        """
        first = not self._decided()
        self._unsent = [entry for entry in self._unsent if entry[1] != end.side]
        self._send()
        end.inbound.clear()
        self._setFate(end, fate)
        peer = self._ends[otherSide(end.side)]
        if peer.live:
            now = self._clock.seconds()
            peer.inbound.append((now + self.latency, news))
            if self.latency:
                self._latencyTimers.append(
                    self._clock.callLater(self.latency, self._wake)
                )
        if first:
            self._wire.append((self._clock.seconds(), how, end.side))
        self._wake()

    def _setFate(self, end: End, fate: Failure) -> None:
        end.decide(fate)
        self._leaving.append(end)

    def _completeCloses(self) -> bool:
        """
        Complete the ``loseConnection()`` of each end whose bytes have all
        left (so whose close completes as on real TCP, before the peer has
        read them).
        """
        completed = False
        for end in self._deliveryOrder:
            # end.closing, read inline: this runs on every pump.
            if end.phase is not Phase.CLOSING:
                continue
            transport = self._transportOf(end.side)
            if transport.producer is not None and not transport.streamingProducer:
                # A transport closes once its pull producer is done.
                continue
            completed = True
            self._decide(
                end,
                Failure(error.ConnectionDone()),
                news=Failure(error.ConnectionDone()),
                how="closed",
            )
        return completed

    def _tellLeaving(self) -> bool:
        """
        Tell each end whose end is decided, in the order decided.
        """
        told = False
        while self._leaving:
            self._lose(self._leaving.pop(0))
            told = True
        return told

    def _deliverTo(self, receiver: End) -> bool:
        """
        Deliver what is due on the wire toward ``receiver``: bytes, then
        the peer's close or reset.
        """
        queue = receiver.inbound
        side = receiver.side
        now = self._clock.seconds()
        moved = False
        while queue and queue[0][0] <= now:
            due, item = queue.popleft()
            moved = True
            if isinstance(item, Failure):
                # What it wrote before it heard has left all the same.
                self._send()
                self._setFate(receiver, item)
                self._tellLeaving()
                break
            if not receiver.reading:
                # Closing: it reads no more, but hears of a reset.
                continue
            if queue:
                # Only then can more bytes be due with these.
                item = receiver.readMore(item, now)
            sizes = receiver.chunks
            if sizes is not None:
                size = next(sizes)
                if len(item) > size:
                    queue.appendleft((due, item[size:]))
                    item = item[:size]
            # Looked up each time: a protocol may hand the connection to
            # another (transport.protocol = ...) inside dataReceived.
            protocol = self.protocolOf(side)
            self._safely(side, protocol, "dataReceived", item)
            if self._stalled or not receiver.listening:
                break
        sender = otherSide(side)
        if self._transportOf(sender).producerPaused and not self._backlog(sender):
            self._resumeProducer(sender)
        return moved

    def _backlog(self, side: Side) -> int:
        """
        How many bytes ``side`` wrote that its peer has not received.
        """
        unsent = sum(len(data) for _, sender, data in self._unsent if sender == side)
        return unsent + self._ends[otherSide(side)].inboundBytes()

    def _resumeProducer(self, side: Side) -> None:
        """
        Resume ``side``'s streaming producer if a full buffer paused it.
        """
        transport = self._transportOf(side)
        if transport.producerPaused and transport.producer is not None:
            transport.producerPaused = False
            self._safely(side, transport.producer, "resumeProducing")

    def _askPullProducers(self) -> bool:
        asked = False
        for end in self._deliveryOrder:
            if not end.askProducer:
                continue
            transport = self._transportOf(end.side)
            if transport.producer is not None and not self._backlog(end.side):
                asked = True
                end.askProducer = False
                self._safely(end.side, transport.producer, "resumeProducing")
        return asked

    def _safely(
        self, side: Side, target: object, method: str, *args: object, close: bool = True
    ) -> None:
        """
        Call ``target.method(*args)`` as a reactor would: an exception (a
        missing method included) is logged and, unless ``close`` is false,
        the connection is closed, with the error as that side's reason:
        what that side wrote in the call never leaves.
        """
        # callLogged, inlined: this runs for every delivery.
        try:
            getattr(target, method)(*args)
            return
        except BaseException:  # noqa: BLE001 - a reactor survives any callback
            failure = logFailure(
                "Unhandled error from the {side} protocol of {connection!r}",
                side=side,
                connection=self,
            )
        end = self._ends[side]
        if close and end.live:
            # Told at the next pump, so that a failure in the server's
            # connectionMade still lets start() connect the client.
            self._decide(
                end, failure, news=Failure(error.ConnectionDone()), how="closed"
            )

    def _lose(self, end: End) -> None:
        """
        Tell ``end`` the connection is gone, with its fate.
        """
        side = end.side
        reason = end.tell()
        self.lostAt[side] = self._clock.seconds()
        protocol, transport = self.protocolOf(side), self._transportOf(side)
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

    def _release(self) -> None:
        """
        Let go of what only an open connection needs, once both ends were
        told: a closed connection keeps its log, not its machinery.
        """
        for timer in self._latencyTimers:
            if timer.active():
                timer.cancel()
        self._latencyTimers = []
        self._unsent = []
        for end in self._ends.values():
            end.release()
        self._onClientLost = None

    def _transportOf(self, side: Side) -> Transport:
        return self.clientTransport if side == "client" else self.serverTransport


def _ignore(connection: Connection) -> None:
    pass
