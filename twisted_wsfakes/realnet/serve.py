"""
Serve Scripts on a real port: a websocket server for clients written in
any language, playing each connection its own run of a Script.

The scripts play through the same engine as the in-memory
:meth:`FakeReactor.serveWebSocket` (`twisted_wsfakes.peers.ServerScripts`),
so a client that deviates gets the same report.

It imports ``peers``, ``realnet.addresses``, ``realnet.capture``,
``realnet.redact`` and ``script`` from this package.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from twisted.internet.defer import Deferred
from twisted.internet.interfaces import IAddress, IListeningPort
from zope.interface import implementer

from ..peers import OnMismatch, ServerScripts
from ..script import Script
from .addresses import listenOn
from .capture import Capture, CapturingFactory, CapturingProtocol
from .redact import NO_REDACTION


@implementer(IListeningPort)
class ScriptServer(ServerScripts[CapturingProtocol]):
    """
    A websocket server on a real port playing Scripts, made by
    `~twisted_wsfakes.serveScript`.  It is the listening port (``getHost()``,
    ``stopListening()``), and has the reports of every connection.

    :ivar port: the real listening port.
    :ivar connections: each connection's capture, with its ``transcript``.
    """

    def __init__(
        self,
        reactor: Any,
        port: int,
        scripts: Iterable[Script],
        host: str = "127.0.0.1",
        onMismatch: OnMismatch = "close",
        onEnd: Callable[[int, str | None], None] | None = None,
    ) -> None:
        # Autobahn refuses port 0 in a URL; the port is known once listening.
        super().__init__(reactor, _url(host, None), *scripts, onMismatch=onMismatch)
        self.onEnd = onEnd
        capturing = CapturingFactory(
            self.factory,
            "server",
            lambda address: Capture(reactor, NO_REDACTION),
            onEnd=self._ended,
        )
        self.port = listenOn(reactor, host, port, capturing)
        self.url = _url(host, self.port.getHost().port)  # type: ignore[attr-defined]

    def connectionOf(self, protocol: Any) -> CapturingProtocol:
        """
        The capturing wrapper ``protocol`` runs on.
        """
        wrapper: CapturingProtocol = protocol.transport
        return wrapper

    def getHost(self) -> IAddress:
        """
        The address it listens on (``.port`` is the port number).
        """
        address: IAddress = self.port.getHost()
        return address

    def startListening(self) -> None:
        """
        Listen again after `stopListening`.
        """
        self.port.startListening()

    def stopListening(self) -> Deferred[None] | None:
        """
        Stop accepting connections; those open go on.
        """
        stopped: Deferred[None] | None = self.port.stopListening()
        return stopped

    def _ended(self, wrapper: CapturingProtocol) -> None:
        if self.onEnd is not None and wrapper in self.connections:
            number = self.connections.index(wrapper) + 1
            self.onEnd(number, self.problemOf(number))


def serveScript(
    reactor: Any,
    port: int,
    scripts: Script | Iterable[Script],
    *,
    host: str = "127.0.0.1",
    onMismatch: OnMismatch = "close",
    onEnd: Callable[[int, str | None], None] | None = None,
) -> ScriptServer:
    """
    Serve ``scripts`` on a real port: the n-th connection plays the n-th
    Script, later ones the last again, each its own run::

        server = serveScript(reactor, 0, Script(expectText("hi"), sendText("yo")))
        port = server.getHost().port    # connect any websocket client here
        ...
        server.assertDone()             # a ScriptMismatch report if one deviated
        server.stopListening()

    :param reactor: the real reactor (anything with ``listenTCP`` and
        ``callLater``).
    :param port: the port; 0 picks a free one.
    :param host: the interface, loopback unless told.
    :param onEnd: called as each connection ends, with its number (1-based,
        as reports number them) and its report, or ``None`` if its script
        played to the end.
    :raises RealNetworkError: if the port cannot be listened on.
    """
    if isinstance(scripts, Script):
        scripts = [scripts]
    return ScriptServer(
        reactor, port, scripts, host=host, onMismatch=onMismatch, onEnd=onEnd
    )


def _url(host: str, port: int | None) -> str:
    address = f"[{host}]" if ":" in host else host
    return f"ws://{address}" + (f":{port}" if port else "")
