"""
Where the real-network edge connects and listens: websocket URLs read into
host and port, and listening ports, with errors a user can act on.

It imports ``errors`` from this package.
"""

from __future__ import annotations

from typing import Any

from autobahn.websocket.util import parse_url
from twisted.internet.error import CannotListenError
from twisted.internet.interfaces import IListeningPort

from ..errors import RealNetworkError


def parseURL(url: str) -> tuple[str, int]:
    """
    Read a ``ws://`` URL into (host, port).

    :raises RealNetworkError: if it is not a websocket URL, or is
        ``wss://`` (not supported yet).
    """
    try:
        secure, host, port, _, _, _ = parse_url(url)
    except Exception as e:  # noqa: BLE001 - Autobahn raises bare Exception
        raise RealNetworkError(
            f"bad URL {url!r}: {e}; write ws://HOST[:PORT][/PATH]"
        ) from None
    if secure:
        raise RealNetworkError(
            f"{url}: wss:// is not supported yet; record through a ws:// URL "
            "(a local TLS-terminating proxy, for one)"
        )
    return host, port


def listenOn(reactor: Any, host: str, port: int, factory: Any) -> IListeningPort:
    """
    Listen on ``host``:``port`` with ``factory``.

    :raises RealNetworkError: if the port cannot be listened on.
    """
    try:
        listening: IListeningPort = reactor.listenTCP(port, factory, interface=host)
    except CannotListenError as e:
        why = e.socketError.strerror if e.socketError else str(e)
        raise RealNetworkError(
            f"cannot listen on {host}:{port}: {why}; choose another port "
            "(0 picks a free one)"
        ) from None
    return listening
