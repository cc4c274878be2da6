"""
In-memory listening ports: the `Listener` a ``listenTCP`` returns, the one
place a port's faults are set (down, up, refuse, hang, schedule).  The
reactor it listens on is any `ListenerHost` (the `FakeReactor` in
``reactor``, which imports this module).  It imports ``address`` and
``connection`` from the layer, and ``clock`` and ``errors`` from below it.
"""

from __future__ import annotations

import errno
from collections.abc import Callable, Iterable
from typing import Any, Literal, Protocol

from twisted.internet import defer, error
from twisted.internet.address import UNIXAddress
from twisted.internet.interfaces import (
    IDelayedCall,
    IListeningPort,
    IProtocol,
    IProtocolFactory,
)
from twisted.internet.protocol import Protocol as TwistedProtocol
from zope.interface import implementer

from ..clock import formatTime
from ..errors import OutageError
from .address import (
    IPV4_WILDCARDS,
    Address,
    RouteKey,
    describeAddress,
    routeKey,
    socketPath,
    tcpAddress,
)
from .connection import Connection


class ListenerHost(Protocol):
    """
    What a `Listener` needs of the reactor it listens on.
    """

    #: The ports listening now, by where they sit (see `routeKey`).
    ports: dict[RouteKey, Listener]

    def seconds(self) -> float:
        """
        The clock's time.
        """

    def callLater(
        self, delay: float, callable: Callable[..., Any], *args: object, **kw: object
    ) -> IDelayedCall:
        """
        Call ``callable`` in ``delay`` seconds.
        """

    def flush(self) -> None:
        """
        Deliver until all is quiet.
        """


#: What a listener can be switched to, in :meth:`Listener.schedule`.
ListenerState = Literal["down", "up"]


@implementer(IListeningPort)
class Listener:
    """
    An in-memory listening port, and the one place its faults are set.

    ``reactor.listenTCP``, ``listenSSL`` and ``listenUNIX`` return one, and a
    :class:`~twisted_wsfakes.ScriptedServer` has one as its ``listener`` (shared by the
    servers on other paths of its host and port).  Besides the
    ``IListeningPort`` methods, it takes the server away and back, now or at
    set clock times, and refuses or hangs coming connections::

        server = reactor.listenTCP(9000, serverFactory)
        server.refuseNext(2)        # the next two attempts are refused
        server.hangNext()           # the one after is accepted, never answered
        server.schedule([(10.0, "down"), (10.0 + 6 * 3600, "up")])
        reactor.advance(10.0 + 6 * 3600)   # six hours, in milliseconds

    While down, the port is not listening: connection attempts to it are
    refused, as when the server process is gone.

    :ivar reactor: the :class:`~twisted_wsfakes.FakeReactor` it listens on.
    :ivar address: the address it listens at.
    :ivar factory: the protocol factory that builds its server protocols.
    :ivar listening: whether it is listening now (up).
    :ivar accepted: the connections it accepted, in order.
    :ivar refusals: how many coming attempts it will refuse while listening
        (see :meth:`refuseNext`).
    :ivar refuseAll: whether it refuses every coming attempt while listening
        (set by scripted servers whose scripts are used up).
    :ivar hangs: how many coming connections it will accept and never
        answer (see :meth:`hangNext`).
    :ivar history: each :meth:`down` and :meth:`up` so far, as
        ``(time, "down" or "up")``.
    """

    def __init__(
        self,
        reactor: ListenerHost,
        address: Address,
        factory: IProtocolFactory,
    ) -> None:
        self.reactor = reactor
        self.address = address
        self.factory = factory
        self.listening = False
        self.accepted: list[Connection] = []
        self.refusals = 0
        self.refuseAll = False
        self.hangs = 0
        self.history: list[tuple[float, ListenerState]] = []
        # The last change scheduled: when, and the state it leaves.
        self._lastScheduled: tuple[float, ListenerState] | None = None

    # IListeningPort.

    def startListening(self) -> None:
        key = routeKey(self.address)
        if key in self.reactor.ports:
            inUse = OSError(errno.EADDRINUSE, "Address already in use")
            if isinstance(self.address, UNIXAddress):
                raise error.CannotListenError(None, socketPath(self.address), inUse)
            raise error.CannotListenError(self.address.host, self.address.port, inUse)
        self.reactor.ports[key] = self
        self.listening = True
        self.factory.doStart()

    def stopListening(self) -> defer.Deferred[None]:
        if self.listening:
            self.listening = False
            del self.reactor.ports[routeKey(self.address)]
            self.factory.doStop()
        return defer.succeed(None)

    def getHost(self) -> Address:
        return self.address

    @property
    def reachableAddress(self) -> Address:
        """
        The address a client reaches it at: its own, or for a port that
        listens on every interface, the loopback address.
        """
        address = self.address
        if isinstance(address, UNIXAddress):
            return address
        if address.host in IPV4_WILDCARDS:
            return tcpAddress("127.0.0.1", address.port)
        if address.host == "::":
            return tcpAddress("::1", address.port)
        return address

    # Faults.

    def down(self, dropConnections: bool = True) -> None:
        """
        Stop listening, as when the server process is gone: attempts are
        refused until :meth:`up`, and (unless ``dropConnections`` is false)
        the connections it accepted are cut, with no close frame and no
        FIN, as a crash would.  Then deliver until all is quiet.

        :raises OutageError: if it was taken down already (a port the
            application stopped with ``stopListening()`` can be).
        """
        self._change("down")
        self.stopListening()
        if dropConnections:
            for connection in self.accepted:
                connection.drop()
        self.reactor.flush()

    def up(self) -> None:
        """
        Listen again on the same address, then deliver until all is quiet.

        :raises OutageError: if it is up already.
        """
        self._change("up")
        self.startListening()
        self.reactor.flush()

    def refuseNext(self, n: int = 1) -> None:
        """
        Refuse the next ``n`` connection attempts, as a full server would.

        :raises OutageError: if ``n`` is not a positive whole number.
        """
        self.refusals += _count("refuseNext", n)

    def hangNext(self, n: int = 1) -> None:
        """
        Accept the next ``n`` connections and never answer them: their
        bytes are read and dropped, and they stay open until a side closes
        them (a client's own timeout, say).

        :raises OutageError: if ``n`` is not a positive whole number.
        """
        self.hangs += _count("hangNext", n)

    def schedule(
        self,
        changes: Iterable[tuple[float, ListenerState]],
        *,
        dropConnections: bool = True,
    ) -> None:
        """
        Go :meth:`down` or :meth:`up` at each of the given clock times::

            server.schedule([(10.0, "down"), (25.0, "up")])

        A change due at the same time as another timer runs in the order
        scheduled (first-in first-out), so a schedule set up before the code
        under test starts comes first.

        :param changes: ``(time, "down")`` and ``(time, "up")`` pairs, in time
            order, alternating, the first opposite to the state it will be
            in after any changes already scheduled.
        :param dropConnections: whether going down cuts the open
            connections, as for :meth:`down`.
        :raises OutageError: for a time in the past or out of order, a state
            that is not ``"down"`` or ``"up"``, or two of the same in a row;
            then nothing is scheduled.
        """
        changes = list(changes)
        now = self.reactor.seconds()
        planned = self._lastScheduled
        if planned is None or planned[0] < now:
            planned = (now, _stateOf(self))
        for time, state in changes:
            if state not in ("down", "up"):
                raise OutageError(
                    f'state at {time!r} must be "down" or "up", got {state!r}'
                )
            earliest = max(now, planned[0])
            if time < earliest:
                raise OutageError(
                    f"cannot go {state} at {formatTime(time)}: that is before "
                    f"{formatTime(earliest)} (now, or the change before)"
                )
            if state == planned[1]:
                raise OutageError(
                    f"cannot go {state} at {formatTime(time)}: the port is "
                    f"{state} already by then"
                )
            planned = (time, state)
        for time, state in changes:
            if state == "down":
                self.reactor.callLater(time - now, self.down, dropConnections)
            else:
                self.reactor.callLater(time - now, self.up)
        self._lastScheduled = planned

    def whyRefusing(self) -> str | None:
        """
        Say why it would refuse a connection now, or ``None`` if it would
        accept one.
        """
        if not self.listening:
            return "is not listening (it was stopped or taken down)"
        if self.refuseAll:
            return (
                'refuses every connection (its scripts are used up: afterLast="refuse")'
            )
        if self.refusals:
            return f"is set to refuse its next {self.refusals} attempt(s) (refuseNext)"
        return None

    def admit(self) -> bool:
        """
        Take one connection attempt: whether it is accepted, counting it
        against :meth:`refuseNext`.  For the code that makes connections,
        not for tests.
        """
        if not self.listening or self.refuseAll:
            return False
        if self.refusals:
            self.refusals -= 1
            return False
        return True

    def serverFactory(self) -> Callable[[Address], IProtocol | None]:
        """
        What builds the server end of the next accepted connection: the
        factory's ``buildProtocol``, or, for a connection :meth:`hangNext`
        hangs, a protocol that never answers.  For the code that makes
        connections, not for tests.
        """
        if self.hangs:
            self.hangs -= 1
            return lambda address: TwistedProtocol()
        return self.factory.buildProtocol

    def _change(self, state: ListenerState) -> None:
        now = self.reactor.seconds()
        if state == "up":
            already = self.listening
        else:
            # A port the application stopped itself can still be taken
            # down, cutting what it accepted, as its process dying would.
            lastChange = self.history[-1][1] if self.history else None
            already = not self.listening and lastChange == "down"
        if already:
            since = [t for t, s in self.history if s == state]
            when = f" since {formatTime(since[-1])}" if since else ""
            raise OutageError(f"cannot take {self!r} {state}: it is {state}{when}")
        self.history.append((now, state))

    def __repr__(self) -> str:
        return f"<in-memory listener on {describeAddress(self.address)}>"


def _count(method: str, n: int) -> int:
    if isinstance(n, bool) or not isinstance(n, int) or n < 1:
        raise OutageError(f"{method}() needs a whole number >= 1, got {n!r}")
    return n


def _stateOf(listener: Listener) -> ListenerState:
    return "up" if listener.listening else "down"
