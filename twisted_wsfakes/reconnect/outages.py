"""
The deprecated outage helpers: :class:`ListenerSwitch` and :func:`outage`.

A :class:`~twisted_wsfakes.network.Listener` now takes its port down
and back itself (``down()``, ``up()``, ``schedule()``); these only call it,
warning that they are deprecated.  It imports the network and the scripted peers
(a :class:`~twisted_wsfakes.ScriptedServer` may be given), so it loads
Autobahn.
"""

from __future__ import annotations

import warnings
from collections.abc import Iterable

from twisted.internet.interfaces import IListeningPort

from ..deprecate import warnRenamed
from ..errors import OutageError
from ..network import FakeReactor
from ..network.listener import Listener, ListenerState
from ..peers import ScriptedServer


class ListenerSwitch:
    """
    Deprecated: a :class:`~twisted_wsfakes.network.Listener` now goes
    :meth:`~twisted_wsfakes.network.Listener.down` and
    :meth:`~twisted_wsfakes.network.Listener.up` and keeps a
    :meth:`~twisted_wsfakes.network.Listener.schedule` itself.

    Takes a listening port down and brings it back, now or at set times,
    through its :class:`~twisted_wsfakes.network.Listener`.

    :param reactor: the reactor the port belongs to.
    :param listener: the port ``reactor.listenTCP`` returned, or a
        :class:`~twisted_wsfakes.ScriptedServer`.
    :param dropConnections: whether :meth:`down` cuts the port's open
        connections.
    :raises OutageError: if ``listener`` is not a port of ``reactor``.
    """

    def __init__(
        self,
        reactor: FakeReactor,
        listener: IListeningPort | ScriptedServer,
        *,
        dropConnections: bool = True,
    ) -> None:
        warnRenamed(
            "ListenerSwitch",
            "Listener.down(), up() and schedule() on the port listenTCP() "
            "returned (or ScriptedServer.listener)",
        )
        if isinstance(listener, ScriptedServer):
            listener = listener.listener
        if not isinstance(listener, Listener) or listener.reactor is not reactor:
            raise OutageError(
                f"{listener!r} is not a port of this FakeReactor; pass the "
                f"port its listenTCP() returned"
            )
        self.dropConnections = dropConnections
        self.listener = listener

    @property
    def isUp(self) -> bool:
        """
        Whether the port is listening now.
        """
        return self.listener.listening

    @property
    def history(self) -> list[tuple[float, ListenerState]]:
        """
        Each change made so far, as ``(time, "down" or "up")``.
        """
        return self.listener.history

    def down(self) -> None:
        """
        As :meth:`Listener.down <twisted_wsfakes.network.Listener.down>`,
        with this switch's ``dropConnections``.
        """
        self.listener.down(self.dropConnections)

    def up(self) -> None:
        """
        As :meth:`Listener.up <twisted_wsfakes.network.Listener.up>`.
        """
        self.listener.up()

    def schedule(self, changes: Iterable[tuple[float, ListenerState]]) -> None:
        """
        As :meth:`Listener.schedule
        <twisted_wsfakes.network.Listener.schedule>`, with this switch's
        ``dropConnections``.
        """
        self.listener.schedule(changes, dropConnections=self.dropConnections)

    def __repr__(self) -> str:
        state = "up" if self.isUp else "down"
        return f"<ListenerSwitch {state}: {self.listener!r}>"


def outage(
    reactor: FakeReactor,
    listener: IListeningPort | ScriptedServer,
    start: float,
    end: float,
    *,
    dropConnections: bool = True,
) -> ListenerSwitch:
    """
    Deprecated: call ``listener.schedule([(start, "down"), (end, "up")])``
    on the :class:`~twisted_wsfakes.network.Listener`.

    Take ``listener`` down at clock time ``start`` and back up at ``end``.

    :returns: a :class:`ListenerSwitch` on it.
    :raises OutageError: if ``end`` is not after ``start``, ``start`` is in
        the past, or the port is down at ``start``.
    """
    warnRenamed(
        "outage()",
        'Listener.schedule([(start, "down"), (end, "up")]) on the port '
        "listenTCP() returned (or ScriptedServer.listener)",
    )
    if not end > start:
        raise OutageError(
            f"an outage must end after it starts, got start={start!r}, end={end!r}"
        )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        switch = ListenerSwitch(reactor, listener, dropConnections=dropConnections)
    switch.schedule([(start, "down"), (end, "up")])
    return switch
