"""
Outgoing connection attempts on the fake network: Twisted's own connector
state machine (``BaseConnector``) making in-memory attempts, each waiting,
as a `PendingConnect`, for the reactor's next flush to complete it, or for
ever toward a host in its `Blackholes`.  The reactor is any
`ConnectorHost` (the `FakeReactor` in ``reactor``, which imports this
module).  It imports ``address`` and ``attempts`` from the layer, and
``errors`` from below it.
"""

from __future__ import annotations

from typing import Any, Protocol

from twisted.internet import error
from twisted.internet.address import UNIXAddress
from twisted.internet.base import BaseConnector
from twisted.internet.interfaces import IAddress, IConnector
from twisted.internet.protocol import ClientFactory
from twisted.python.failure import Failure
from zope.interface import implementer

from ..errors import OutageError
from .address import Address, tcpAddress
from .attempts import Attempts, ConnectionAttempt, Outcome


class ConnectorHost(Protocol):
    """
    What a connector needs of the reactor it connects on.
    """

    #: The attempts waiting for the next flush.
    pendingConnects: list[PendingConnect]

    @property
    def attempts(self) -> Attempts[ConnectionAttempt]:
        """
        Every attempt, in order.
        """

    def seconds(self) -> float:
        """
        The clock's time.
        """

    def addressOf(self, host: str) -> str:
        """
        The address ``host`` resolves to on the network.
        """


class PendingConnect:
    """
    What a connector holds while its attempt waits for the next flush.
    """

    def __init__(self, reactor: ConnectorHost, connector: Connector) -> None:
        self.reactor = reactor
        self.connector = connector
        self.attempt = ConnectionAttempt(
            time=reactor.seconds(),
            host=connector.host,
            port=connector.port,
            tls=connector.tls,
        )

    def failIfNotConnected(self, reason: Exception) -> None:
        if self.attempt.outcome != "pending":
            return
        failure = Failure(reason)
        timedOut = isinstance(reason, error.TimeoutError)
        outcome: Outcome = "timed out" if timedOut else "cancelled"
        self.attempt.resolve(outcome, failure, self.reactor.seconds())
        if self in self.reactor.pendingConnects:
            self.reactor.pendingConnects.remove(self)
        self.connector.connectionFailed(failure)


@implementer(IConnector)
class Connector(BaseConnector):
    """
    Twisted's own connector state machine, making in-memory attempts.
    """

    def __init__(
        self,
        reactor: ConnectorHost,
        host: str,
        port: int,
        factory: ClientFactory[Any],
        timeout: float,
        tls: bool,
    ) -> None:
        super().__init__(factory, timeout, reactor)  # type: ignore[arg-type]
        self.host = host
        self.port = port
        self.tls = tls
        self._reactor = reactor
        #: Whether ``stopConnecting()`` was called, as ``MemoryReactor``'s
        #: connectors record it.
        self.stoppedConnecting = False

    def stopConnecting(self) -> None:
        self.stoppedConnecting = True
        super().stopConnecting()

    def _makeTransport(self) -> Any:
        pending = PendingConnect(self._reactor, self)
        self._reactor.pendingConnects.append(pending)
        self._reactor.attempts.record(pending.attempt)
        return pending

    def getDestination(self) -> IAddress:
        return tcpAddress(self.host, self.port)

    def serverAddress(self) -> Address:
        """
        The address this connector reaches on the fake network.
        """
        return tcpAddress(self._reactor.addressOf(self.host), self.port)


class UNIXConnector(Connector):
    """
    A connector to a UNIX socket path, in memory.
    """

    def __init__(
        self,
        reactor: ConnectorHost,
        path: str,
        factory: ClientFactory[Any],
        timeout: float,
    ) -> None:
        super().__init__(reactor, path, 0, factory, timeout, tls=False)

    def getDestination(self) -> IAddress:
        return UNIXAddress(self.host)

    def serverAddress(self) -> UNIXAddress:
        return UNIXAddress(self.host)


class Blackholes:
    """
    The hosts (on one port, or on every port) that answer nothing, as hosts
    that are down or behind a firewall that drops packets: an attempt to
    one stays pending.
    """

    def __init__(self) -> None:
        self._holes: set[tuple[str, int | None]] = set()

    def add(self, address: str, port: int | None) -> None:
        """
        Blackhole ``address`` on ``port`` (``None``: every port).
        """
        self._holes.add((address, port))

    def remove(self, address: str, port: int | None, asked: str) -> None:
        """
        Undo :meth:`add`; ``asked`` is the host as the caller named it.

        :raises OutageError: if that address and port were not blackholed.
        """
        try:
            self._holes.remove((address, port))
        except KeyError:
            raise OutageError(
                f"unblackhole(): {asked}:{port} is not blackholed"
            ) from None

    def hold(self, pending: PendingConnect) -> bool:
        """
        Whether ``pending`` goes toward a blackholed host, so waits on.
        """
        address = pending.connector.serverAddress()
        if isinstance(address, UNIXAddress):
            return False
        return bool({(address.host, address.port), (address.host, None)} & self._holes)
