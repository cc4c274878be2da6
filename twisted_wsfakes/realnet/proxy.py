"""
A recording proxy between a real websocket client and a real server.

Bytes pass unchanged both ways, as they came: after the handshake nothing
is re-framed, so fragmentation, control frames, close codes, subprotocols
and extensions (permessage-deflate included) are exactly what the two ends
said.  Each connection's bytes are parsed on the side
(`twisted_wsfakes.transcript.wire`) into its own transcript file.

It imports ``errors``, ``realnet.addresses``, ``realnet.capture`` and
``realnet.redact`` from this package.
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

from twisted.internet.interfaces import IAddress, IListeningPort
from twisted.internet.protocol import ClientFactory, Factory, Protocol, connectionDone
from twisted.python.failure import Failure

from ..errors import RealNetworkError
from .addresses import listenOn, parseURL
from .capture import Capture, endOf, openTranscript
from .redact import NO_REDACTION, Redaction

_NUMBERED = re.compile(r"connection-(\d+)\.jsonl")


class _ToServer(Protocol):
    """
    The proxy's connection to the real server.
    """

    def __init__(self, client: _FromClient) -> None:
        self.client = client

    def connectionMade(self) -> None:
        self.client.serverReady(self)

    def dataReceived(self, data: bytes) -> None:
        self.client.capture.data("server", data)
        self.client.transport.write(data)  # type: ignore[union-attr]

    def connectionLost(self, reason: Failure = connectionDone) -> None:
        self.client.capture.end(*endOf(reason, "server"))
        self.client.transport.loseConnection()  # type: ignore[union-attr]


class _ServerSide(ClientFactory):
    def __init__(self, client: _FromClient) -> None:
        self.client = client

    def buildProtocol(self, addr: IAddress | None) -> _ToServer:
        return _ToServer(self.client)

    def clientConnectionFailed(self, connector: Any, reason: Failure) -> None:
        self.client.serverFailed(reason)


class _FromClient(Protocol):
    """
    A client's connection to the proxy: held until the server answers,
    then spliced to it.
    """

    factory: ProxyFactory
    capture: Capture

    def __init__(self) -> None:
        self.server: _ToServer | None = None

    def connectionMade(self) -> None:
        # Read nothing until there is somewhere to send it.
        self.transport.pauseProducing()  # type: ignore[union-attr]
        self.capture, self.number, self.path = self.factory.newCapture(
            self.transport.getPeer()  # type: ignore[union-attr]
        )
        factory = self.factory
        factory.reactor.connectTCP(
            factory.targetHost, factory.targetPort, _ServerSide(self), timeout=10
        )

    def serverReady(self, server: _ToServer) -> None:
        if self.capture.ended:
            # The client left while the server was being reached.
            server.transport.loseConnection()  # type: ignore[union-attr]
            return
        self.server = server
        # Flow control both ways, so a fast side cannot fill the proxy.
        server.transport.registerProducer(self.transport, True)  # type: ignore[union-attr]
        self.transport.registerProducer(server.transport, True)  # type: ignore[union-attr]
        self.transport.resumeProducing()  # type: ignore[union-attr]

    def serverFailed(self, reason: Failure) -> None:
        self.factory.onNote(
            f"connection {self.number}: cannot reach {self.factory.target}: "
            f"{reason.getErrorMessage()}"
        )
        self.transport.abortConnection()  # type: ignore[union-attr]

    def dataReceived(self, data: bytes) -> None:
        self.capture.data("client", data)
        assert self.server is not None
        self.server.transport.write(data)  # type: ignore[union-attr]

    def connectionLost(self, reason: Failure = connectionDone) -> None:
        self.capture.end(*endOf(reason, "client"))
        if self.server is not None:
            self.server.transport.loseConnection()  # type: ignore[union-attr]
        self.factory.onNote(
            f"connection {self.number}: {len(self.capture.events)} events "
            f"-> {self.path}"
        )


class ProxyFactory(Factory):
    """
    Builds a recording proxy protocol per client connection; see `proxy`.
    """

    protocol = _FromClient  # type: ignore[assignment]

    def __init__(
        self,
        reactor: Any,
        target: str,
        directory: str | os.PathLike[str],
        redaction: Redaction,
        onNote: Callable[[str], None],
    ) -> None:
        self.reactor = reactor
        self.target = target
        self.targetHost, self.targetPort = parseURL(target)
        self.directory = Path(directory)
        self.redaction = redaction
        self.onNote = onNote
        self.count = _lastNumber(self.directory)

    def newCapture(self, peer: IAddress) -> tuple[Capture, int, Path]:
        """
        A capture for the next connection, writing the next numbered file.
        """
        self.count += 1
        path = self.directory / f"connection-{self.count:04d}.jsonl"
        metadata = {
            "url": self.target,
            "recorder": "twisted-wsfakes proxy",
            "client": str(peer),
            **self.redaction.metadata,
        }
        writer = openTranscript(path, metadata, overwrite=False)
        capture = Capture(self.reactor, self.redaction, metadata, writer)
        return capture, self.count, path


def _lastNumber(directory: Path) -> int:
    """
    The highest number of the connection files already in ``directory``:
    new ones are numbered after, so nothing is overwritten.
    """
    numbers = [
        int(match.group(1))
        for name in os.listdir(directory)
        if (match := _NUMBERED.fullmatch(name))
    ]
    return max(numbers, default=0)


def proxy(
    reactor: Any,
    target: str,
    directory: str | os.PathLike[str],
    *,
    port: int = 0,
    host: str = "127.0.0.1",
    redactHeaders: Iterable[str] = (),
    redactJSON: Iterable[str] = (),
    redact: bool = True,
    onNote: Callable[[str], None] = lambda note: None,
) -> IListeningPort:
    """
    Listen on ``host``:``port`` and pass each connection through to
    ``target``, writing its transcript to ``directory`` as
    ``connection-0001.jsonl``, ``connection-0002.jsonl``, ... (numbered after
    any already there, so nothing is overwritten)::

        listening = proxy(reactor, "ws://127.0.0.1:9000", "recordings")
        # point the client at ws://127.0.0.1:<listening.getHost().port>/path

    The client's request passes unchanged (its path and Host header too).

    :param target: ``ws://HOST:PORT`` of the real server.
    :param directory: where transcripts go; made if missing.
    :param port: the port to listen on; 0 picks a free one.
    :param host: the interface, loopback unless told.
    :param onNote: called with a line as each connection ends or fails.
    :returns: the listening port.
    :raises RealNetworkError: for a bad target URL, a directory that cannot
        be made, or a port that cannot be listened on.
    """
    redaction = Redaction.of(redactHeaders, redactJSON) if redact else NO_REDACTION
    try:
        Path(directory).mkdir(parents=True, exist_ok=True)
    except OSError as e:
        raise RealNetworkError(
            f"cannot make the directory {os.fspath(directory)}: {e.strerror}; "
            "choose another -o"
        ) from None
    factory = ProxyFactory(reactor, target, directory, redaction, onNote)
    return listenOn(reactor, host, port, factory)
