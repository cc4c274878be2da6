"""
Tests for :mod:`twisted_wsfakes.network.delivery`: which connections a
flush pumps, and in what order, with stand-in connections.
"""

from __future__ import annotations

from typing import cast

from twisted.trial.unittest import SynchronousTestCase

from ..network.connection import Connection
from ..network.delivery import DeliveryQueue


class _Stub:
    """
    A connection as the queue sees it: a number, open or not, and a pump
    that records itself and may wake others or close.
    """

    def __init__(self, queue: DeliveryQueue, number: int, log: list[int]) -> None:
        self.queue, self.number, self.log = queue, number, log
        self.open = True
        self.wakes: list[_Stub] = []
        self.pumps = 1
        self.closes = False

    def pump(self) -> bool:
        self.log.append(self.number)
        for other in self.wakes:
            self.queue.wake(cast(Connection, other))
        if self.closes:
            self.open = False
        if self.pumps:
            self.pumps -= 1
            return True
        return False


class DeliveryQueueTests(SynchronousTestCase):
    """
    A round pumps the woken connections in the order they were opened.
    """

    def setUp(self) -> None:
        self.queue = DeliveryQueue()
        self.log: list[int] = []
        self.closed: list[int] = []

    def stub(self, number: int) -> _Stub:
        return _Stub(self.queue, number, self.log)

    def round(self) -> bool:
        return self.queue.pumpRound(
            lambda connection: self.closed.append(connection.number)
        )

    def test_nothingWoken(self) -> None:
        """
        With nothing woken, a round pumps nothing and says nothing moved.
        """
        self.assertFalse(self.round())
        self.assertEqual(self.log, [])

    def test_inOpeningOrder(self) -> None:
        """
        Woken connections are pumped by number, whatever order they woke in,
        and one that moved is pumped again in the next round.
        """
        for number in (3, 1, 2):
            self.queue.wake(cast(Connection, self.stub(number)))
        self.assertTrue(self.round())
        self.assertEqual(self.log, [1, 2, 3])
        self.assertFalse(self.round())
        self.assertEqual(self.log, [1, 2, 3, 1, 2, 3])
        self.assertFalse(self.round())
        self.assertEqual(len(self.log), 6)

    def test_wokenDuringRound(self) -> None:
        """
        A connection woken while another is pumped joins the round if its
        number comes later, and waits for the next round if earlier.
        """
        first, second, third = self.stub(1), self.stub(2), self.stub(3)
        first.pumps = second.pumps = third.pumps = 0
        second.wakes = [first, third]
        self.queue.wake(cast(Connection, second))
        self.round()
        self.assertEqual(self.log, [2, 3])
        self.round()
        self.assertEqual(self.log, [2, 3, 1])

    def test_closedReported(self) -> None:
        """
        A connection its pump closed is reported, and not woken again.
        """
        ending = self.stub(1)
        ending.closes = True
        self.queue.wake(cast(Connection, ending))
        self.round()
        self.assertEqual(self.closed, [1])
        self.queue.wake(cast(Connection, ending))
        self.assertFalse(self.round())
        self.assertEqual(self.log, [1])
