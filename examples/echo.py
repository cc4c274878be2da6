"""
A websocket echo server: the small realistic application the examples test.

Run it for real with ``python -m examples.echo`` and point any websocket
client at ``ws://127.0.0.1:9000``.
"""

from __future__ import annotations

import sys

from autobahn.twisted.websocket import (
    WebSocketServerFactory,
    WebSocketServerProtocol,
    listenWS,
)
from twisted.internet.interfaces import IReactorTime

DEFAULT_URL = "ws://127.0.0.1:9000"


class EchoServerProtocol(WebSocketServerProtocol):
    """
    Send every message back to its sender: text as text, binary as binary.
    """

    def onMessage(self, payload: bytes, isBinary: bool) -> None:
        """
        Echo one complete message.

        :param payload: the message as Autobahn delivers it, always bytes (a
            text message arrives UTF-8 encoded).
        :param isBinary: ``True`` for a binary message, ``False`` for text.
        """
        self.sendMessage(payload, isBinary)  # type: ignore[no-untyped-call]


def buildEchoFactory(
    url: str = DEFAULT_URL, reactor: IReactorTime | None = None
) -> WebSocketServerFactory:
    """
    Build the factory that serves :class:`EchoServerProtocol` at ``url``.

    :param url: the ``ws://`` URL the server answers to.
    :param reactor: the reactor the factory schedules on; the global one when
        ``None``.  Tests pass their own.
    :returns: a factory ready for ``listenWS`` or ``reactor.listenTCP``.
    """
    factory = WebSocketServerFactory(url, reactor=reactor)
    factory.protocol = EchoServerProtocol
    return factory


def main(argv: list[str]) -> None:
    """
    Serve the echo on the real network until interrupted.

    :param argv: the command line; ``argv[1]``, if given, is the URL.
    """
    from twisted.internet import reactor
    from twisted.python import log

    log.startLogging(sys.stdout)
    url = argv[1] if len(argv) > 1 else DEFAULT_URL
    listenWS(buildEchoFactory(url))
    reactor.run()


if __name__ == "__main__":
    main(sys.argv)
