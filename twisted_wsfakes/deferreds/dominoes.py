"""
Dominoes: Deferreds that fire strictly in index order, to force one
interleaving of code that would otherwise run in any order.  It imports
``running`` from the layer, and ``errors`` from below it.
"""

from __future__ import annotations

import enum

from twisted.internet.defer import Deferred

from ..errors import DominoesNotDone, NoSuchDomino
from .running import Flushable, runningReactor, runningTest


class DominoState(enum.Enum):
    """
    Where a `Dominoes` set is in its life.
    """

    #: Dominoes may be asked for; none falls yet.
    SETTING_UP = "setting up"
    #: ``begin()`` was called; each domino falls once reached.
    FALLING = "falling"
    #: Every domino has fallen.
    DONE = "done"


class Dominoes:
    """
    A row of ``expected`` Deferreds, ``dominoes[1]`` to
    ``dominoes[expected]``, that fire one at a time in index order.

    Independent pieces of code (producers, consumers, coroutines) each wait
    on the dominoes that mark their steps.  After `begin`, domino ``i``
    fires once dominoes ``1`` to ``i - 1`` have fired and some code has
    asked for ``dominoes[i]``; after each firing the reactor is flushed, so
    everything that domino set off (messages, callbacks, the next steps of
    the coroutines woken) runs before the next one falls.  The test thereby
    fixes one exact interleaving::

        dominoes = Dominoes(expected=3)
        called = []

        async def producer():
            await dominoes[1]
            called.append("produce 1")
            await dominoes[3]
            called.append("produce 2")

        async def consumer():
            await dominoes[2]
            called.append("consume 1")

        Deferred.fromCoroutine(consumer())
        Deferred.fromCoroutine(producer())
        dominoes.begin()
        self.successResultOf(dominoes.finished)
        self.assertEqual(called, ["produce 1", "consume 1", "produce 2"])

    Inside a test using ``useFakeReactor`` (or ``WebSocketTestCase``, or
    the pytest ``fake_reactor`` fixture), the set flushes that test's
    reactor and `assertDone` runs at cleanup; elsewhere pass ``reactor``
    and call `assertDone` yourself.

    :param expected: how many dominoes, at least 1.
    :param reactor: what to flush after each domino falls (anything with a
        ``flush()`` method); by default the running test's fake reactor, or
        nothing when there is none.
    :raises ValueError: if ``expected`` is not a positive int.

    :ivar finished: a Deferred that fires (with ``None``) once the last
        domino has fallen.
    """

    def __init__(self, expected: int, reactor: Flushable | None = None) -> None:
        if isinstance(expected, bool) or not isinstance(expected, int) or expected < 1:
            raise ValueError(
                f"Dominoes(expected=...) needs an int >= 1, got {expected!r}"
            )
        self.expected = expected
        self.reactor = reactor if reactor is not None else runningReactor()
        self.state = DominoState.SETTING_UP
        self.finished: Deferred[None] = Deferred()
        self._dominoes: dict[int, Deferred[None]] = {}
        self._askedTwice: list[int] = []
        self._next = 1
        self._falling = False
        test = runningTest()
        if test is not None:
            test.addCleanup(self.assertDone)

    def __getitem__(self, index: int) -> Deferred[None]:
        """
        The Deferred of domino ``index`` (1-based), which fires when its
        turn comes.  Asking for it is what lets it fall: ask for each domino
        once, from the code that waits on it.

        :raises NoSuchDomino: if ``index`` is outside ``1..expected``.
        """
        if isinstance(index, bool) or not isinstance(index, int):
            raise NoSuchDomino(f"dominoes are indexed by int, got {index!r}")
        if not 1 <= index <= self.expected:
            raise NoSuchDomino(
                f"there is no domino {index}: this set has dominoes 1 to "
                f"{self.expected}"
            )
        if index in self._dominoes:
            self._askedTwice.append(index)
            return self._dominoes[index]
        domino: Deferred[None] = Deferred()
        self._dominoes[index] = domino
        self._knock()
        return domino

    def begin(self) -> None:
        """
        Start knocking the dominoes over, from ``dominoes[1]``.

        :raises RuntimeError: if called a second time.
        """
        if self.state is not DominoState.SETTING_UP:
            raise RuntimeError(
                f"Dominoes.begin() was already called (the set is {self.state.value})"
            )
        self.state = DominoState.FALLING
        self._knock()

    def _knock(self) -> None:
        # A domino's callbacks often ask for the next one; the loop that is
        # already running picks it up after the flush, so the order holds.
        if self.state is not DominoState.FALLING or self._falling:
            return
        self._falling = True
        try:
            while self._next in self._dominoes:
                domino = self._dominoes[self._next]
                self._next += 1
                domino.callback(None)
                if self.reactor is not None:
                    self.reactor.flush()
        finally:
            self._falling = False
        if self._next > self.expected:
            self.state = DominoState.DONE
            self.finished.callback(None)

    def assertDone(self) -> None:
        """
        Fail unless every domino was asked for exactly once and fell.

        :raises DominoesNotDone: listing the dominoes never asked for, those
            asked for but never reached, and those asked for twice.
        """
        __tracebackhide__ = True  # pytest shows the report, not this frame
        problems = []
        if self.state is DominoState.SETTING_UP:
            problems.append("begin() was never called")
        neverAsked = [i for i in range(1, self.expected + 1) if i not in self._dominoes]
        if neverAsked:
            problems.append(f"never asked for: {_indices(neverAsked)}")
        unreached = sorted(i for i in self._dominoes if i >= self._next)
        if unreached and self.state is not DominoState.SETTING_UP:
            problems.append(
                f"asked for but never reached: {_indices(unreached)} "
                f"(the row stopped before domino {self._next})"
            )
        if self._askedTwice:
            problems.append(
                f"asked for twice: {_indices(sorted(set(self._askedTwice)))}"
            )
        if problems:
            raise DominoesNotDone(
                f"Dominoes(expected={self.expected}) did not fall as planned:\n"
                + "\n".join(f"  {problem}" for problem in problems)
            )

    def __repr__(self) -> str:
        return (
            f"<Dominoes {self._next - 1} of {self.expected} fallen, {self.state.value}>"
        )


def _indices(indices: list[int]) -> str:
    return ", ".join(map(str, indices))
