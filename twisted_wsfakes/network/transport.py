"""
The transports of an in-memory connection: what each protocol sees as its
``ITCPTransport`` (or, on a UNIX socket, its ``ITransport``), turning its
protocol's calls into news for the `TransportOwner` it is one end of (the
`Connection` in ``connection``, which imports this module).  It imports
``address`` from the layer (``connection`` for type hints only), and
``errors`` and ``transcript.events`` from below it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Protocol, cast

from twisted.internet.interfaces import (
    IConsumer,
    IProducer,
    IProtocol,
    IPullProducer,
    IPushProducer,
    ITCPTransport,
    ITransport,
)
from zope.interface import implementer, implementer_only

from ..errors import UnsupportedByFake
from ..transcript.events import Side, otherSide
from .address import Address

if TYPE_CHECKING:
    from .connection import Connection


class TransportOwner(Protocol):
    """
    What a transport tells, and asks of, the connection it is one end of.
    """

    def protocolOf(self, side: Side) -> IProtocol:
        """
        The protocol ``side`` delivers to.
        """

    def replaceProtocol(self, side: Side, protocol: IProtocol) -> None:
        """
        Deliver to ``protocol`` from now on.
        """

    def writtenBy(self, side: Side, data: bytes) -> None:
        """
        ``side`` wrote ``data``.
        """

    def closeRequestedBy(self, side: Side) -> None:
        """
        ``side`` called ``loseConnection()``.
        """

    def abortedBy(self, side: Side) -> None:
        """
        ``side`` called ``abortConnection()``.
        """

    def addressOf(self, side: Side) -> Address:
        """
        ``side``'s address.
        """

    def producerUnregistered(self, side: Side) -> None:
        """
        ``side`` let go of its producer.
        """

    def pauseDelivery(self, side: Side) -> None:
        """
        ``side`` paused reading.
        """

    def resumeDelivery(self, side: Side) -> None:
        """
        ``side`` resumed reading.
        """


@implementer(ITCPTransport, IConsumer, IPushProducer)
class Transport:
    """
    One end of a :class:`Connection`: what a protocol sees as its transport.

    It does not claim ``ISSLTransport`` even on a ``connectSSL`` connection:
    TLS is not simulated, and Autobahn asks a transport that claims it for a
    TLS channel id.
    """

    #: How many undelivered bytes make a streaming producer pause, as on
    #: Twisted's own transports.
    bufferSize = 2**16

    def __init__(self, connection: TransportOwner, side: Side) -> None:
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
    def connection(self) -> Connection:
        """
        The in-memory connection this transport is one end of.
        """
        return cast("Connection", self._connection)

    @property
    def protocol(self) -> IProtocol:
        """
        The protocol this end delivers to.  It can be replaced, as on
        Twisted's own transports, and delivery follows: later bytes and
        ``connectionLost`` go to the new protocol.  That is how
        ``twisted.web`` hands an upgraded connection to a websocket protocol
        (Autobahn's ``WebSocketResource`` sets ``transport.protocol``).
        """
        return self._connection.protocolOf(self._side)

    @protocol.setter
    def protocol(self, protocol: IProtocol) -> None:
        self._connection.replaceProtocol(self._side, protocol)

    def write(self, data: bytes) -> None:
        if not isinstance(data, bytes):
            raise TypeError(f"Data must be bytes, not {type(data).__name__}")
        if self.connected and data:
            self._connection.writtenBy(self._side, data)

    def writeSequence(self, iovec: Any) -> None:
        self.write(b"".join(iovec))

    def loseConnection(self) -> None:
        """
        Stop reading, and close once every byte written so far has left
        (been sent, not necessarily received, as on real TCP).
        """
        if self.connected and not self.disconnecting:
            self.disconnecting = True
            self._connection.closeRequestedBy(self._side)

    def abortConnection(self) -> None:
        """
        Close now: bytes written since the connection last moved bytes
        never leave; those already sent still reach the peer, then a reset.
        """
        if self.connected:
            self._connection.abortedBy(self._side)

    def loseWriteConnection(self) -> None:
        raise UnsupportedByFake(
            "twisted_wsfakes does not simulate TCP half-close "
            "(loseWriteConnection); use loseConnection()"
        )

    # A UNIX socket's end reports a UNIXAddress: see UNIXTransport.
    def getPeer(self) -> Address:  # type: ignore[override]
        return self._connection.addressOf(otherSide(self._side))

    def getHost(self) -> Address:  # type: ignore[override]
        return self._connection.addressOf(self._side)

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
        self._connection.producerUnregistered(self._side)

    def pauseProducing(self) -> None:
        """
        Stop reading: nothing more is delivered to this end until resumed,
        not even news that the peer closed or aborted.
        """
        self._connection.pauseDelivery(self._side)

    def resumeProducing(self) -> None:
        self._connection.resumeDelivery(self._side)

    def stopProducing(self) -> None:
        self.loseConnection()

    def __repr__(self) -> str:
        return f"<{self._side} transport of {self._connection!r}>"


@implementer_only(ITransport, IConsumer, IPushProducer)
class UNIXTransport(Transport):
    """
    One end of an in-memory UNIX socket connection: a transport, but not a
    TCP one, so code that checks for ``ITCPTransport`` sees the difference.
    """
