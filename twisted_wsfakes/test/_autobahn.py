"""
Real Autobahn protocols that record what happens to them, and factory
builders, shared by the tests that run Autobahn over a :class:`FakeReactor`.

A test builds fresh factories with :func:`serverFactory` and
:func:`clientFactory` (Autobahn's batched timers live on the factory, so a
factory must not outlive its test), or gets a connected, opened pair from
:func:`openPair`::

    reactor = useFakeReactor(self)
    connection, client, server = openPair(reactor)
    client.sendMessage(b"hi")
    reactor.flush()
    self.assertEqual(server.messages, [(b"hi", False)])
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import attrs
from autobahn.twisted.websocket import (
    WebSocketClientFactory,
    WebSocketClientProtocol,
    WebSocketServerFactory,
    WebSocketServerProtocol,
    connectWS,
    listenWS,
)
from autobahn.websocket.types import ConnectionRequest, ConnectionResponse
from twisted.internet.defer import Deferred
from twisted.internet.interfaces import IAddress

from ..network import FakeReactor
from ..network.connection import Connection

#: The URL the tests serve and connect to unless they say otherwise.
URL = "ws://feed.example.com:9000/v1"


@attrs.frozen
class Closed:
    """
    How and when a websocket connection closed, as its ``onClose`` saw it.

    :ivar wasClean: whether the closing handshake completed.
    :ivar code: the close code (1006 when the connection was lost).
    :ivar reason: the close reason, or ``None``.
    :ivar time: the clock time at which ``onClose`` ran.
    """

    wasClean: bool
    code: int | None
    reason: str | None
    time: float


class _Recording:
    """
    What the recording client and server protocols share; it comes first
    in their bases, so ``super()`` here reaches Autobahn's protocol.

    :ivar events: every callback, in order, as a tuple naming it first:
        ``("connect", request or response)``, ``("open",)``,
        ``("message", payload, isBinary)``, ``("ping", payload)``,
        ``("pong", payload)``, ``("close", wasClean, code, reason)``; and
        ``("sendPing", payload)`` for each ping sent, auto-pings included.
    :ivar timeline: the same events, each paired with its clock time.
    :ivar opened: fires with the protocol when ``onOpen`` runs.
    :ivar closed: fires with a :class:`Closed` when ``onClose`` runs.
    """

    factory: Any

    def __init__(self) -> None:
        self.events: list[tuple[Any, ...]] = []
        self.timeline: list[tuple[float, tuple[Any, ...]]] = []
        self.opened: Deferred[Any] = Deferred()
        self.closed: Deferred[Closed] = Deferred()
        super().__init__()

    @property
    def messages(self) -> list[tuple[bytes, bool]]:
        """
        Every message received, as ``(payload, isBinary)``, in order.
        """
        return [(e[1], e[2]) for e in self.events if e[0] == "message"]

    def timesOf(self, kind: str) -> list[float]:
        """
        The clock time of every event of ``kind`` (``"ping"``, ...), in order.
        """
        return [time for time, event in self.timeline if event[0] == kind]

    def record(self, *event: Any) -> None:
        """
        Add ``event`` (a tuple naming its kind first) at the clock's time;
        for subclasses that record more.
        """
        self.events.append(event)
        self.timeline.append((self.factory.reactor.seconds(), event))

    def onOpen(self) -> None:
        self.record("open")
        self.opened.callback(self)

    def onMessage(self, payload: bytes, isBinary: bool) -> None:
        self.record("message", payload, isBinary)

    def onPing(self, payload: bytes) -> None:
        self.record("ping", payload)
        super().onPing(payload)  # type: ignore[misc]

    def onPong(self, payload: bytes) -> None:
        self.record("pong", payload)
        super().onPong(payload)  # type: ignore[misc]

    def sendPing(self, payload: bytes | None = None) -> None:
        self.record("sendPing", payload)
        super().sendPing(payload)  # type: ignore[misc]

    def onClose(self, wasClean: bool, code: int | None, reason: str | None) -> None:
        self.record("close", wasClean, code, reason)
        self.closed.callback(
            Closed(wasClean, code, reason, self.factory.reactor.seconds())
        )


class RecordingServerProtocol(_Recording, WebSocketServerProtocol):  # type: ignore[misc]
    """
    An Autobahn server protocol that records every callback.

    It accepts the first subprotocol the client offers that its factory
    lists in ``protocols``, or none.
    """

    def onConnect(self, request: ConnectionRequest) -> str | None:
        self.record("connect", request)
        for offered in request.protocols:
            if offered in self.factory.protocols:
                return str(offered)
        return None


class RecordingClientProtocol(_Recording, WebSocketClientProtocol):  # type: ignore[misc]
    """
    An Autobahn client protocol that records every callback.
    """

    def connectionMade(self) -> None:
        if self.factory.beforeHandshake is not None:
            self.factory.beforeHandshake(connectionOf(self.factory.reactor, self))
        super().connectionMade()

    def onConnect(self, response: ConnectionResponse) -> None:
        self.record("connect", response)


class RecordingServerFactory(WebSocketServerFactory):
    """
    A server factory that keeps every protocol it builds in ``built``.
    """

    protocol = RecordingServerProtocol

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.built: list[RecordingServerProtocol] = []

    def buildProtocol(self, addr: IAddress | None) -> RecordingServerProtocol:
        protocol = super().buildProtocol(addr)
        assert isinstance(protocol, RecordingServerProtocol), protocol
        self.built.append(protocol)
        return protocol


class RecordingClientFactory(WebSocketClientFactory):
    """
    A client factory that keeps every protocol it builds in ``built``, and
    every ``clientConnectionFailed``/``clientConnectionLost`` reason.

    :ivar beforeHandshake: if set, called with each new :class:`Connection`
        before the client writes its opening handshake: the moment to set
        faults such as ``chunk()`` that must apply to every byte.
    """

    protocol = RecordingClientProtocol
    beforeHandshake: Callable[[Connection], object] | None = None

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.built: list[RecordingClientProtocol] = []
        self.failed: list[Any] = []
        self.lost: list[Any] = []

    def buildProtocol(self, addr: IAddress | None) -> RecordingClientProtocol:
        protocol = super().buildProtocol(addr)
        assert isinstance(protocol, RecordingClientProtocol), protocol
        self.built.append(protocol)
        return protocol

    def clientConnectionFailed(self, connector: Any, reason: Any) -> None:
        self.failed.append(reason)

    def clientConnectionLost(self, connector: Any, reason: Any) -> None:
        self.lost.append(reason)


def serverFactory(
    reactor: FakeReactor,
    url: str = URL,
    protocol: type[RecordingServerProtocol] = RecordingServerProtocol,
    protocols: list[str] | None = None,
    **protocolOptions: Any,
) -> RecordingServerFactory:
    """
    Build a server factory on ``reactor`` for ``url``.

    :param protocol: the protocol class to build (a recording subclass).
    :param protocols: the subprotocols the server accepts.
    :param protocolOptions: passed to ``setProtocolOptions``.
    """
    factory = RecordingServerFactory(url, protocols=protocols, reactor=reactor)
    factory.protocol = protocol
    if protocolOptions:
        factory.setProtocolOptions(**protocolOptions)
    return factory


def clientFactory(
    reactor: FakeReactor,
    url: str = URL,
    protocol: type[RecordingClientProtocol] = RecordingClientProtocol,
    protocols: list[str] | None = None,
    headers: dict[str, str] | None = None,
    **protocolOptions: Any,
) -> RecordingClientFactory:
    """
    Build a client factory on ``reactor`` for ``url``.

    :param protocol: the protocol class to build (a recording subclass).
    :param protocols: the subprotocols the client offers.
    :param headers: extra HTTP headers for the opening handshake.
    :param protocolOptions: passed to ``setProtocolOptions``.
    """
    factory = RecordingClientFactory(
        url, protocols=protocols, headers=headers, reactor=reactor
    )
    factory.protocol = protocol
    if protocolOptions:
        factory.setProtocolOptions(**protocolOptions)
    return factory


def connectPair(
    reactor: FakeReactor,
    server: RecordingServerFactory,
    client: RecordingClientFactory,
    contextFactory: object = None,
) -> Connection:
    """
    ``listenWS`` with ``server`` and ``connectWS`` with ``client``, then
    flush: the opening handshake runs as far as it can.

    :returns: the connection made.
    """
    listenWS(server, contextFactory)
    connectWS(client, contextFactory)
    reactor.flush()
    return reactor.connections[-1]


def openPair(
    reactor: FakeReactor,
    url: str = URL,
    serverOptions: dict[str, Any] | None = None,
    clientOptions: dict[str, Any] | None = None,
) -> tuple[Connection, RecordingClientProtocol, RecordingServerProtocol]:
    """
    Serve and connect recording protocols on ``url``, and flush until both
    are open.

    :param serverOptions: ``setProtocolOptions`` for the server factory.
    :param clientOptions: ``setProtocolOptions`` for the client factory.
    :returns: the connection, the client protocol and the server protocol.
    """
    connection = connectPair(
        reactor,
        serverFactory(reactor, url, **(serverOptions or {})),
        clientFactory(reactor, url, **(clientOptions or {})),
    )
    client, server = connection.client, connection.server
    assert isinstance(client, RecordingClientProtocol), client
    assert isinstance(server, RecordingServerProtocol), server
    return connection, client, server


def connectionOf(reactor: FakeReactor, protocol: object) -> Connection:
    """
    The connection of ``reactor`` that ``protocol`` is an end of.
    """
    for connection in reactor.connections:
        if protocol is connection.client or protocol is connection.server:
            return connection
    raise LookupError(f"{protocol!r} is on none of the reactor's connections")
