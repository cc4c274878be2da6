"""
What the scripted peers need of the in-memory network they run on.

The scripted peers sit below the reactor users get: `FakeReactor` (in
`twisted_wsfakes.network`) builds them in ``serveWebSocket`` and
``connectWebSocket``, loading this layer (and Autobahn) on first use, and
passes itself as the `PeerNetwork` described here.  So the peers import
nothing of the network module, and the network imports them only
downward.  This module imports only Twisted's interfaces.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any, Protocol

from twisted.internet.interfaces import (
    IConnector,
    IDelayedCall,
    IProtocolFactory,
)


class Listening(Protocol):
    """
    An in-memory listening port, as the path router uses it.
    """

    #: Refuse every coming attempt while listening.
    refuseAll: bool

    @property
    def factory(self) -> IProtocolFactory:
        """
        The factory that builds the protocols of its connections.
        """


class Attempt(Protocol):
    """
    A connection attempt, as a scripted client's report tells it.
    """

    @property
    def outcome(self) -> str:
        """
        How it ended: ``"connected"``, ``"refused"``, ``"pending"``...
        """


class PeerNetwork(Protocol):
    """
    The in-memory network and clock, as the scripted peers use them.
    """

    #: The scripted servers and clients made on it, which
    #: ``useFakeReactor``'s cleanup checks.
    scriptedPeers: list[Any]

    @property
    def attempts(self) -> Sequence[Attempt]:
        """
        Every connection attempt, in order.
        """

    def callLater(
        self, delay: float, callable: Callable[..., Any], *args: object, **kw: object
    ) -> IDelayedCall:
        """
        Call ``callable`` in ``delay`` seconds of the fake clock.
        """

    def addressOf(self, host: str) -> str:
        """
        The address ``host`` resolves to on the network.
        """

    def listenAt(self, host: str, port: int, factory: IProtocolFactory) -> Listening:
        """
        Listen for ``host`` (an address or a name) on ``port``.

        :raises twisted.internet.error.CannotListenError: if something
            listens there already.
        """

    def listenerAt(self, host: str, port: int) -> Listening | None:
        """
        What listens for exactly ``host`` on ``port``, if anything.
        """

    def connectUnrecorded(
        self,
        host: str,
        port: int,
        factory: Any,
        timeout: float,
        tls: bool,
    ) -> IConnector:
        """
        Connect as ``connectTCP`` (``connectSSL`` with ``tls``) does, but
        without listing the call where the calls of the code under test are.
        """
