"""
Code that imports the global reactor at its top, as much production code
does.  The global-reactor tests patch it with ``patch=``, or let it trip
over the real reactor.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from autobahn.twisted.websocket import WebSocketServerFactory, listenWS
from twisted.internet import reactor
from twisted.internet.interfaces import IDelayedCall, IListeningPort
from twisted.internet.protocol import ProcessProtocol

#: Another module-level name bound to the same reactor.
theReactor = reactor


def later(delay: float, f: Callable[[], object]) -> IDelayedCall:
    """
    Schedule ``f`` on the reactor this module imported.
    """
    return reactor.callLater(delay, f)


def laterThroughAlias(delay: float, f: Callable[[], object]) -> IDelayedCall:
    """
    Schedule ``f`` through the module's second name for the reactor.
    """
    return theReactor.callLater(delay, f)


def laterSwallowingErrors(delay: float, f: Callable[[], object]) -> None:
    """
    Schedule ``f``, hiding whatever goes wrong, as careless code does.
    """
    try:
        later(delay, f)
    except Exception:  # noqa: BLE001, S110 - the carelessness under test
        pass


def serveWebSockets(url: str) -> IListeningPort:
    """
    Listen for websockets with Autobahn's ``listenWS``, on a factory given
    this module's reactor, on an ephemeral port of 127.0.0.1.
    """
    factory = WebSocketServerFactory(url, reactor=reactor)
    # Autobahn's URL parser refuses port 0: choose it after.
    factory.port = 0
    return listenWS(factory, interface="127.0.0.1")  # type: ignore[no-any-return]


def runSomethingInThread(f: Callable[[], object]) -> None:
    """
    Hand ``f`` to the reactor's thread pool.
    """
    reactor.callInThread(f)  # type: ignore[attr-defined]


def spawnTrue() -> Any:
    """
    Start a process through the reactor.
    """
    return reactor.spawnProcess(ProcessProtocol(), "true", ["true"])
