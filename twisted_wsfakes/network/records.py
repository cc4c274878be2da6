"""
What a `FakeReactor` records of the calls made to it, as Twisted's
``MemoryReactor`` records them: ``tcpClients``, ``tcpServers``,
``sslClients``, ``sslServers``, ``unixClients``, ``unixServers`` and
``connectors``, in its tuple shapes, so tests written against
``MemoryReactorClock`` read the fake the same way.  It holds the lists
only; the reactor appends to them as it really connects.  It imports
nothing from this package.
"""

from __future__ import annotations

from typing import Any

from twisted.internet.interfaces import IConnector, IProtocolFactory
from twisted.internet.protocol import ClientFactory


class MemoryReactorRecords:
    """
    The lists of ``MemoryReactor``, with its tuple shapes (the
    :class:`FakeReactor` docstring gives each).
    """

    def __init__(self) -> None:
        self.tcpClients: list[
            tuple[str, int, ClientFactory[Any], float, tuple[str, int] | None]
        ] = []
        self.tcpServers: list[tuple[int, IProtocolFactory, int, str]] = []
        self.sslClients: list[
            tuple[str, int, ClientFactory[Any], Any, float, tuple[str, int] | None]
        ] = []
        self.sslServers: list[tuple[int, IProtocolFactory, Any, int, str]] = []
        self.unixClients: list[tuple[str, ClientFactory[Any], float, int]] = []
        self.unixServers: list[tuple[str, IProtocolFactory, int, int, int]] = []
        self.connectors: list[IConnector] = []

    def recorded(self, connector: IConnector) -> IConnector:
        """
        List ``connector``, which the code under test asked for, in
        ``connectors``, and return it.
        """
        self.connectors.append(connector)
        return connector
