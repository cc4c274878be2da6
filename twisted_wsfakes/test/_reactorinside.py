"""
Code that imports the global reactor inside its functions, at call time:
it runs on whatever reactor is global when it is called.
"""

from __future__ import annotations

from collections.abc import Callable

from twisted.internet.defer import Deferred
from twisted.internet.endpoints import HostnameEndpoint
from twisted.internet.interfaces import IDelayedCall, IProtocol, IProtocolFactory
from twisted.internet.task import deferLater


def later(delay: float, f: Callable[[], object]) -> IDelayedCall:
    """
    Schedule ``f`` on the global reactor.
    """
    from twisted.internet import reactor

    return reactor.callLater(delay, f)


def sleepThenAnswer(delay: float, answer: str) -> Deferred[str]:
    """
    A Deferred that fires with ``answer`` after ``delay`` seconds, through
    ``task.deferLater`` on the global reactor.
    """
    from twisted.internet import reactor

    return deferLater(reactor, delay, lambda: answer)


def connectByName(
    host: str, port: int, factory: IProtocolFactory
) -> Deferred[IProtocol]:
    """
    Connect ``factory`` to ``host``:``port`` through a ``HostnameEndpoint``
    built on the global reactor.
    """
    from twisted.internet import reactor

    return HostnameEndpoint(reactor, host, port).connect(factory)
