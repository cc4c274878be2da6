"""
Several websocket servers on one host and port, each on its own path.

A real server with several websocket endpoints listens once and reads each
request's path to choose the endpoint; twisted.web hands the upgraded
connection to the resource of that path.  A `PathRouter` does the same on
the fake network: it is the protocol factory of one in-memory listener,
reads the request line of each new connection, and hands the connection to
the server of its path (by replacing the transport's protocol, as
twisted.web does).  A path no server serves is answered ``404 Not Found``.

It imports errors and the network seam (`twisted_wsfakes.peers.seam`).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Protocol as TypingProtocol
from urllib.parse import urlsplit

from twisted.internet import error
from twisted.internet.interfaces import (
    IAddress,
    IProtocol,
    IProtocolFactory,
    ITransport,
)
from twisted.internet.protocol import Protocol
from zope.interface import implementer

from ..errors import CannotServe
from .seam import Listening, PeerNetwork

#: A request line longer than this is not one a websocket client sends.
_MAX_REQUEST_LINE = 8 * 1024


class PathServer(TypingProtocol):
    """
    What a `PathRouter` routes to: a protocol factory that can say it
    refuses every further connection.
    """

    @property
    def exhausted(self) -> bool:
        """
        Whether it refuses every further connection.
        """

    def buildProtocol(self, addr: IAddress) -> IProtocol | None:
        """
        Build the protocol of a connection routed to it, or refuse it with
        ``None``.
        """


@implementer(IProtocolFactory)
class PathRouter:
    """
    The factory of one in-memory listener that servers on different paths
    share.

    While one server is on the port, every connection goes to it at once,
    whatever its path (check the path with a script's ``expectHandshake``).
    With several, each connection's request line is read first; a request
    for a path none of them serves is answered 404 and closed, and its
    target kept in ``unrouted``.

    TCP knows no paths: refusals (``listener.refusals``), going down and
    up act on the port, so on every path.  Only when every server on the
    port is exhausted does the port refuse connections; before that, an
    exhausted server's path is answered ``503 Service Unavailable``.

    :ivar listener: the in-memory listening port.
    :ivar servers: the server of each path.
    :ivar unrouted: the request targets answered 404, in order.
    """

    def __init__(self, reactor: PeerNetwork, host: str, port: int) -> None:
        self.servers: dict[str, PathServer] = {}
        self.unrouted: list[str] = []
        self.host = host
        self.key = (reactor.addressOf(host), port)
        try:
            self.listener: Listening = reactor.listenAt(host, port, self)
        except error.CannotListenError as e:
            holder = reactor.listenerAt(host, port)
            raise CannotServe(
                host,
                port,
                f"{holder!r} is not a scripted server's: scripted servers "
                f"share a host and port only with each other",
            ) from e

    def add(self, path: str, server: PathServer) -> None:
        """
        Route the connections that ask for ``path`` to ``server``.

        :raises CannotServe: if a server is on that path already.
        """
        if path in self.servers:
            raise CannotServe(
                self.host, self.key[1], f"a scripted server already serves {path} there"
            )
        self.servers[path] = server
        self.refresh()

    def refresh(self) -> None:
        """
        Refuse connections at the port once every server is exhausted.
        """
        self.listener.refuseAll = all(s.exhausted for s in self.servers.values())

    def doStart(self) -> None:
        """
        Nothing to start: the servers' factories start nothing either.
        """

    def doStop(self) -> None:
        """
        Nothing to stop.
        """

    def buildProtocol(self, addr: IAddress) -> IProtocol | None:
        if len(self.servers) == 1:
            [server] = self.servers.values()
            return server.buildProtocol(addr)
        return _Routing(self.servers.get, self.unrouted.append, self._served())

    def _served(self) -> str:
        return ", ".join(sorted(self.servers))

    @classmethod
    def on(cls, reactor: PeerNetwork, host: str, port: int) -> PathRouter:
        """
        The router of the scripted servers on ``host`` and ``port``, made
        (and listening) if there is none yet.

        :raises CannotServe: if something else listens there.
        """
        listener = reactor.listenerAt(host, port)
        if listener is not None and isinstance(listener.factory, PathRouter):
            return listener.factory
        return cls(reactor, host, port)

    def __repr__(self) -> str:
        host, port = self.key
        return f"<path router on {host}:{port} for {self._served()}>"


class _Routing(Protocol):
    """
    Reads a connection's request line, then hands the connection to the
    server of its path, or answers it with an error.
    """

    def __init__(
        self,
        serverFor: Callable[[str], PathServer | None],
        unrouted: Callable[[str], None],
        served: str,
    ) -> None:
        self._serverFor = serverFor
        self._unrouted = unrouted
        self._served = served
        self._received = b""
        # Set once answered with an error: what comes after is not read.
        self._answered = False

    def dataReceived(self, data: bytes) -> None:
        if self._answered:
            return
        self._received += data
        end = self._received.find(b"\r\n")
        if end < 0:
            if len(self._received) > _MAX_REQUEST_LINE:
                self._answer(400, "Bad Request", "request line too long")
            return
        parts = self._received[:end].decode("latin-1").split(" ")
        if len(parts) != 3:
            self._answer(400, "Bad Request", "not an HTTP request line")
            return
        target = parts[1]
        server = self._serverFor(urlsplit(target).path or "/")
        if server is None:
            self._unrouted(target)
            self._answer(
                404,
                "Not Found",
                f"no scripted server serves {target} (served: {self._served})",
            )
            return
        self._handTo(server)

    def _handTo(self, server: PathServer) -> None:
        transport = self.transport
        assert transport is not None
        protocol = server.buildProtocol(transport.getPeer())
        if protocol is None:
            self._answer(503, "Service Unavailable", "no script left for it")
            return
        # As twisted.web hands an upgraded request over: the transport
        # delivers to the new protocol from now on.
        transport.protocol = protocol  # type: ignore[attr-defined]
        protocol.makeConnection(transport)
        protocol.dataReceived(self._received)

    def _answer(self, status: int, reason: str, body: str) -> None:
        transport: ITransport | None = self.transport
        assert transport is not None
        content = body.encode("utf-8")
        transport.write(
            f"HTTP/1.1 {status} {reason}\r\n"
            f"Content-Type: text/plain; charset=utf-8\r\n"
            f"Content-Length: {len(content)}\r\n"
            f"Connection: close\r\n\r\n".encode("latin-1")
            + content
        )
        transport.loseConnection()
        self._answered = True
