"""
Which connections a reactor's flush pumps, and in what order: the
`DeliveryQueue`.  A connection that may have something to deliver (a
write, a close, a resume, delayed bytes falling due) wakes it, so a flush
pumps only the connections with work to do, in the order they were opened,
and an advance over many timers costs nothing per idle connection.  It
imports ``connection`` (for its type) from the layer.
"""

from __future__ import annotations

import heapq
from collections.abc import Callable
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from .connection import Connection


class DeliveryQueue:
    """
    The connections with work to do, by number.
    """

    def __init__(self) -> None:
        # _round holds the numbers due in the current delivery round (a
        # heap), _next the connections woken too late for it, _working
        # those of the round not yet pumped.
        self._round: list[int] = []
        self._next: dict[int, Connection] = {}
        self._working: dict[int, Connection] = {}
        # The number of the connection being pumped, during a round.
        self._pumping: int | None = None

    def wake(self, connection: Connection) -> None:
        """
        Queue ``connection`` for pumping: it has something to deliver.
        """
        number = connection.number
        if not connection.open or number in self._working or number in self._next:
            return
        if self._pumping is not None and number > self._pumping:
            heapq.heappush(self._round, number)
            self._working[number] = connection
        else:
            self._next[number] = connection

    def pumpRound(self, onClosed: Callable[[Connection], None]) -> bool:
        """
        Pump each woken connection once, calling ``onClosed`` with each one
        a pump closed; say whether anything moved.
        """
        if not self._next:
            return False
        moved = False
        # Connections are pumped in the order they were opened; one woken
        # during the round is pumped in it if it comes after the one being
        # pumped, as when a round walked every connection, else in the next.
        self._round = list(self._next)
        heapq.heapify(self._round)
        # The two dicts trade places (_working is empty between rounds):
        # no new ones each round.
        self._working, self._next = self._next, self._working
        try:
            while self._round:
                self._pumping = heapq.heappop(self._round)
                connection = self._working.pop(self._pumping)
                if connection.pump():
                    moved = True
                    # Moving bytes may have left more to move.
                    self.wake(connection)
                    if not connection.open:
                        onClosed(connection)
        finally:
            self._next.update(self._working)
            self._working.clear()
            self._round.clear()
            self._pumping = None
        return moved
