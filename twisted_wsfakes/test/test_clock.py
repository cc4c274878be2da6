"""
Tests for :mod:`twisted_wsfakes.clock`.
"""

from __future__ import annotations

from collections.abc import Callable

import attrs
from hypothesis import given, settings
from hypothesis import strategies as st
from twisted.internet.error import AlreadyCalled, AlreadyCancelled
from twisted.internet.interfaces import IDelayedCall, IReactorTime
from twisted.internet.task import LoopingCall
from twisted.trial.unittest import SynchronousTestCase
from zope.interface.verify import verifyObject

from ..clock import Clock
from ..errors import NeverSettles


def _recorder(
    clock: Clock, log: list[tuple[str, float]]
) -> Callable[[str], Callable[[], None]]:
    """
    Return a factory of calls that append ``(name, clock.seconds())`` to
    ``log`` when they run.
    """

    def named(name: str) -> Callable[[], None]:
        return lambda: log.append((name, clock.seconds()))

    return named


class ClockInterfaceTests(SynchronousTestCase):
    """
    ``Clock`` and its delayed calls provide Twisted's interfaces.
    """

    def test_providesIReactorTime(self) -> None:
        """
        A ``Clock`` fully provides ``IReactorTime``.
        """
        self.assertTrue(verifyObject(IReactorTime, Clock()))

    def test_callProvidesIDelayedCall(self) -> None:
        """
        ``callLater`` returns an object that fully provides ``IDelayedCall``.
        """
        call = Clock().callLater(1, lambda: None)
        self.assertTrue(verifyObject(IDelayedCall, call))


class AdvanceTests(SynchronousTestCase):
    """
    ``Clock.advance`` steps to each due call's own time.
    """

    def setUp(self) -> None:
        self.clock = Clock()
        self.log: list[tuple[str, float]] = []
        self.named = _recorder(self.clock, self.log)

    def test_nestedCallRunsInsideWindow(self) -> None:
        """
        A call due at 2 that schedules ``callLater(1)`` makes a call due at 3,
        which ``advance(3)`` runs with ``seconds() == 3``; the clock then
        reads 3.
        """

        def outer() -> None:
            self.log.append(("outer", self.clock.seconds()))
            self.clock.callLater(1, self.named("inner"))

        self.clock.callLater(2, outer)
        self.clock.advance(3)
        self.assertEqual(self.log, [("outer", 2.0), ("inner", 3.0)])
        self.assertEqual(self.clock.seconds(), 3.0)
        self.assertEqual(self.clock.getDelayedCalls(), [])

    def test_secondsInsideCallIsItsScheduledTime(self) -> None:
        """
        Inside each call, ``seconds()`` equals the time that call was due,
        and the advance ends at its start plus the amount.
        """
        self.clock.advance(0.5)
        for delay in [2.5, 0.25, 1.0, 7.0]:
            self.clock.callLater(delay, self.named(str(delay)))
        self.clock.advance(10)
        self.assertEqual(
            self.log, [("0.25", 0.75), ("1.0", 1.5), ("2.5", 3.0), ("7.0", 7.5)]
        )
        self.assertEqual(self.clock.seconds(), 10.5)

    def test_selfReschedulingTick(self) -> None:
        """
        A tick that reschedules itself one second later runs five times, at
        1, 2, 3, 4 and 5, under ``advance(5)``, leaving the next one pending
        at 6.
        """
        ticks: list[float] = []

        def tick() -> None:
            ticks.append(self.clock.seconds())
            self.clock.callLater(1, tick)

        self.clock.callLater(1, tick)
        self.clock.advance(5)
        self.assertEqual(ticks, [1.0, 2.0, 3.0, 4.0, 5.0])
        self.assertEqual(
            [call.getTime() for call in self.clock.getDelayedCalls()], [6.0]
        )

    def test_sameTimeCallsRunFirstInFirstOut(self) -> None:
        """
        Calls due at the same time run in the order they were scheduled,
        whatever delay each was scheduled with.
        """
        self.clock.callLater(3, self.named("a"))
        self.clock.callLater(3, self.named("b"))
        self.clock.advance(1)
        self.clock.callLater(2, self.named("c"))
        self.clock.callLater(0, self.named("now"))
        self.clock.callLater(2, self.named("d"))
        self.clock.advance(5)
        self.assertEqual([name for name, _ in self.log], ["now", "a", "b", "c", "d"])

    def test_callResetToSameTimeRunsAfter(self) -> None:
        """
        A call reset to time T after another call was scheduled for T runs
        after that call, whether the reset moved it earlier or later.
        """
        later = self.clock.callLater(9, self.named("moved earlier"))
        earlier = self.clock.callLater(1, self.named("moved later"))
        self.clock.callLater(5, self.named("scheduled"))
        later.reset(5)
        earlier.reset(5)
        self.clock.advance(5)
        self.assertEqual(
            self.log,
            [("scheduled", 5.0), ("moved earlier", 5.0), ("moved later", 5.0)],
        )

    def test_callDelayedToSameTimeRunsAfter(self) -> None:
        """
        A call moved by ``delay()`` to time T after another call was
        scheduled for T runs after that call.
        """
        moved = self.clock.callLater(4, self.named("delayed"))
        self.clock.callLater(5, self.named("scheduled"))
        moved.delay(1)
        self.clock.advance(5)
        self.assertEqual(self.log, [("scheduled", 5.0), ("delayed", 5.0)])

    def test_resetDuringAdvanceRunsInWindow(self) -> None:
        """
        A call that an earlier call in the same advance resets to a time
        inside the window runs in that advance, at its new time.
        """
        target = self.clock.callLater(8, self.named("target"))
        self.clock.callLater(1, lambda: target.reset(0.5))
        self.clock.advance(2)
        self.assertEqual(self.log, [("target", 1.5)])

    def test_advanceZeroRunsCallsDueNow(self) -> None:
        """
        ``advance(0)`` runs the calls due at the current time, including one
        scheduled with delay 0 by a call it runs, and no later call.
        """
        self.clock.advance(2)
        self.clock.callLater(0, lambda: self.clock.callLater(0, self.named("b")))
        self.clock.callLater(0, self.named("a"))
        self.clock.callLater(0.25, self.named("later"))
        self.clock.advance(0)
        self.assertEqual(self.log, [("a", 2.0), ("b", 2.0)])
        self.assertEqual(self.clock.seconds(), 2.0)
        self.assertEqual(len(self.clock.getDelayedCalls()), 1)

    def test_callAtEndOfWindowRuns(self) -> None:
        """
        A call due exactly at the end of the advance runs in it; one due a
        moment later does not.
        """
        self.clock.callLater(2, self.named("edge"))
        self.clock.callLater(2.25, self.named("after"))
        self.clock.advance(2)
        self.assertEqual(self.log, [("edge", 2.0)])
        self.clock.advance(0.25)
        self.assertEqual(self.log, [("edge", 2.0), ("after", 2.25)])

    def test_pump(self) -> None:
        """
        ``pump([1, 2, 3])`` advances by 1, then 2, then 3, stepping to each
        call due on the way.
        """
        seen: list[float] = []
        for delay in [1, 2.5, 3, 6, 6.5]:
            self.clock.callLater(delay, self.named(str(delay)))
        self.clock.pump([1, 2, 3])
        self.assertEqual(self.log, [("1", 1.0), ("2.5", 2.5), ("3", 3.0), ("6", 6.0)])
        self.assertEqual(self.clock.seconds(), 6.0)
        self.clock.callLater(1, lambda: seen.append(self.clock.seconds()))
        self.clock.pump([])
        self.assertEqual((seen, self.clock.seconds()), ([], 6.0))


class DelayedCallTests(SynchronousTestCase):
    """
    The delayed calls a ``Clock`` hands out: cancel, reset, delay, active
    and getTime.
    """

    def setUp(self) -> None:
        self.clock = Clock()
        self.log: list[tuple[str, float]] = []
        self.named = _recorder(self.clock, self.log)

    def test_activeAndGetTime(self) -> None:
        """
        A new call is active and due at the clock's time plus its delay.
        """
        self.clock.advance(1.5)
        call = self.clock.callLater(2, self.named("call"))
        self.assertTrue(call.active())
        self.assertEqual(call.getTime(), 3.5)

    def test_cancel(self) -> None:
        """
        A cancelled call is inactive, never runs, is no longer pending, and
        cancelling, resetting or delaying it again raises
        ``AlreadyCancelled``.
        """
        call = self.clock.callLater(1, self.named("cancelled"))
        call.cancel()
        self.assertFalse(call.active())
        self.assertEqual(self.clock.getDelayedCalls(), [])
        self.clock.advance(2)
        self.assertEqual(self.log, [])
        self.assertRaises(AlreadyCancelled, call.cancel)
        self.assertRaises(AlreadyCancelled, call.reset, 1)
        self.assertRaises(AlreadyCancelled, call.delay, 1)

    def test_calledCallRaisesAlreadyCalled(self) -> None:
        """
        Once a call has run it is inactive, and cancelling, resetting or
        delaying it raises ``AlreadyCalled``.
        """
        call = self.clock.callLater(1, self.named("called"))
        self.clock.advance(1)
        self.assertEqual(self.log, [("called", 1.0)])
        self.assertFalse(call.active())
        self.assertRaises(AlreadyCalled, call.cancel)
        self.assertRaises(AlreadyCalled, call.reset, 1)
        self.assertRaises(AlreadyCalled, call.delay, 1)

    def test_callCannotCancelItself(self) -> None:
        """
        Inside its own run a call already counts as made: cancelling it
        raises ``AlreadyCalled``.
        """
        errors: list[type[BaseException]] = []

        def selfCancel() -> None:
            try:
                call.cancel()
            except AlreadyCalled as e:
                errors.append(type(e))

        call = self.clock.callLater(1, selfCancel)
        self.clock.advance(1)
        self.assertEqual(errors, [AlreadyCalled])

    def test_resetEarlier(self) -> None:
        """
        ``reset(s)`` moves a call to ``s`` seconds from now, here earlier
        than it was, and it runs then.
        """
        call = self.clock.callLater(10, self.named("reset"))
        self.clock.advance(1)
        call.reset(2)
        self.assertEqual(call.getTime(), 3.0)
        self.clock.advance(2)
        self.assertEqual(self.log, [("reset", 3.0)])

    def test_resetLater(self) -> None:
        """
        ``reset(s)`` moves a call later than it was; it does not run at its
        old time, and runs at its new one.
        """
        call = self.clock.callLater(2, self.named("reset"))
        call.reset(5)
        self.assertEqual(call.getTime(), 5.0)
        self.clock.advance(4.75)
        self.assertEqual(self.log, [])
        self.clock.advance(0.25)
        self.assertEqual(self.log, [("reset", 5.0)])

    def test_delayPositive(self) -> None:
        """
        ``delay(s)`` moves a call ``s`` seconds after its due time.
        """
        call = self.clock.callLater(2, self.named("delayed"))
        self.clock.advance(1)
        call.delay(3)
        self.assertEqual(call.getTime(), 5.0)
        self.clock.advance(3.75)
        self.assertEqual(self.log, [])
        self.clock.advance(0.25)
        self.assertEqual(self.log, [("delayed", 5.0)])

    def test_delayNegative(self) -> None:
        """
        ``delay(-s)`` moves a call earlier, as far as the clock's time.
        """
        call = self.clock.callLater(5, self.named("early"))
        other = self.clock.callLater(5, self.named("now"))
        self.clock.advance(1)
        call.delay(-2)
        other.delay(-4)
        self.assertEqual((call.getTime(), other.getTime()), (3.0, 1.0))
        self.clock.advance(2)
        self.assertEqual(self.log, [("now", 1.0), ("early", 3.0)])


class ClockErrorTests(SynchronousTestCase):
    """
    What ``Clock`` does when a test asks for the impossible, or a call
    raises.
    """

    def setUp(self) -> None:
        self.clock = Clock()
        self.log: list[tuple[str, float]] = []
        self.named = _recorder(self.clock, self.log)

    def test_negativeCallLaterDelay(self) -> None:
        """
        ``callLater`` with a negative delay raises ``ValueError`` naming the
        delay, and schedules nothing.
        """
        error = self.assertRaises(
            ValueError, self.clock.callLater, -0.5, self.named("x")
        )
        self.assertIn("-0.5", str(error))
        self.assertEqual(self.clock.getDelayedCalls(), [])

    def test_negativeAdvance(self) -> None:
        """
        ``advance`` by a negative amount raises ``ValueError`` and leaves the
        time and pending calls alone.
        """
        self.clock.advance(3)
        self.clock.callLater(0, self.named("due"))
        self.assertRaises(ValueError, self.clock.advance, -1)
        self.assertEqual(self.clock.seconds(), 3.0)
        self.assertEqual(self.log, [])
        self.assertEqual(len(self.clock.getDelayedCalls()), 1)

    def test_negativeReset(self) -> None:
        """
        ``reset`` with a negative delay raises ``ValueError`` and leaves the
        call where it was.
        """
        call = self.clock.callLater(2, self.named("x"))
        self.assertRaises(ValueError, call.reset, -1)
        self.assertEqual(call.getTime(), 2.0)
        self.assertTrue(call.active())

    def test_delayIntoThePast(self) -> None:
        """
        ``delay`` that would move a call before the clock's time raises
        ``ValueError`` and leaves the call where it was.
        """
        call = self.clock.callLater(2, self.named("x"))
        self.clock.advance(1)
        self.assertRaises(ValueError, call.delay, -1.25)
        self.assertEqual(call.getTime(), 2.0)
        self.clock.advance(1)
        self.assertEqual(self.log, [("x", 2.0)])

    def test_exceptionPropagatesOutOfAdvance(self) -> None:
        """
        An exception raised by a call propagates out of ``advance``; the call
        counts as made, the clock stays at its due time, and later calls are
        still pending and run on the next advance.
        """

        def explode() -> None:
            raise ZeroDivisionError("boom")

        bad = self.clock.callLater(1, explode)
        later = self.clock.callLater(2, self.named("later"))
        self.assertRaises(ZeroDivisionError, self.clock.advance, 5)
        self.assertFalse(bad.active())
        self.assertRaises(AlreadyCalled, bad.cancel)
        self.assertEqual(self.clock.seconds(), 1.0)
        self.assertEqual(self.clock.getDelayedCalls(), [later])
        self.clock.advance(4)
        self.assertEqual(self.log, [("later", 2.0)])
        self.assertEqual(self.clock.seconds(), 5.0)

    def test_rightNowBackwardsRefused(self) -> None:
        """
        Setting ``rightNow`` to an earlier time (or NaN) raises
        ``ValueError`` and leaves the clock as it was.
        """
        self.clock.advance(5)
        self.assertRaises(ValueError, setattr, self.clock, "rightNow", 4.0)
        self.assertRaises(ValueError, setattr, self.clock, "rightNow", float("nan"))
        self.assertEqual(self.clock.seconds(), 5.0)


class NestedAdvanceTests(SynchronousTestCase):
    """
    A call may ``advance`` the clock it runs on, as a slow callback would:
    the inner advance runs what falls due in its window, at their own
    times, and time never runs backwards.
    """

    def setUp(self) -> None:
        self.clock = Clock()
        self.log: list[tuple[str, float]] = []
        self.named = _recorder(self.clock, self.log)

    def slow(self, seconds: float) -> Callable[[], None]:
        """
        A call that logs itself, then takes ``seconds`` of clock time.
        """

        def call() -> None:
            self.log.append(("slow", self.clock.seconds()))
            self.clock.advance(seconds)
            self.log.append(("slow done", self.clock.seconds()))

        return call

    def test_innerAdvanceRunsCallsDueInItsWindow(self) -> None:
        """
        Calls due within the inner window run inside it, at their own
        times; the outer advance then runs the rest and ends at its end.
        """
        self.clock.callLater(1, self.slow(2))
        self.clock.callLater(2, self.named("during"))
        self.clock.callLater(4, self.named("after"))
        self.clock.advance(5)
        self.assertEqual(
            self.log,
            [("slow", 1.0), ("during", 2.0), ("slow done", 3.0), ("after", 4.0)],
        )
        self.assertEqual(self.clock.seconds(), 5.0)

    def test_innerAdvancePastOuterEnd(self) -> None:
        """
        An inner advance that goes past the outer one's end runs the calls
        on the way, and the outer advance ends at the later time.
        """
        self.clock.callLater(1, self.slow(10))
        self.clock.callLater(3, self.named("outer window"))
        self.clock.callLater(8, self.named("beyond"))
        self.clock.callLater(12, self.named("later still"))
        self.clock.advance(4)
        self.assertEqual(
            self.log,
            [
                ("slow", 1.0),
                ("outer window", 3.0),
                ("beyond", 8.0),
                ("slow done", 11.0),
            ],
        )
        self.assertEqual(self.clock.seconds(), 11.0)
        self.assertEqual([c.getTime() for c in self.clock.getDelayedCalls()], [12.0])

    def test_callScheduledAfterInnerAdvance(self) -> None:
        """
        A call scheduled after an inner advance counts from the time the
        inner advance reached, and runs in the outer window if due in it.
        """

        def slowThenSchedule() -> None:
            self.clock.advance(2)
            self.clock.callLater(1, self.named("scheduled after"))

        self.clock.callLater(1, slowThenSchedule)
        self.clock.advance(5)
        self.assertEqual(self.log, [("scheduled after", 4.0)])
        self.assertEqual(self.clock.seconds(), 5.0)


class RightNowTests(SynchronousTestCase):
    """
    ``rightNow`` is the clock's time, as on Twisted's ``Clock``: read and
    set.
    """

    def test_setMovesTheClock(self) -> None:
        """
        A clock set to 1e9 reads 1e9, and schedules relative to it.
        """
        clock = Clock()
        clock.rightNow = 1e9
        log: list[tuple[str, float]] = []
        clock.callLater(2, _recorder(clock, log)("call"))
        self.assertEqual((clock.seconds(), clock.rightNow), (1e9, 1e9))
        clock.advance(1)
        self.assertEqual(log, [])
        clock.advance(1)
        self.assertEqual(log, [("call", 1e9 + 2)])
        self.assertEqual(clock.rightNow, 1e9 + 2)

    def test_callsPassedRunAtTheTimeSet(self) -> None:
        """
        Calls that ``rightNow`` jumped past run at the next advance, at the
        time set, in their order.
        """
        clock = Clock()
        log: list[tuple[str, float]] = []
        named = _recorder(clock, log)
        clock.callLater(2, named("second"))
        clock.callLater(1, named("first"))
        clock.rightNow = 10
        self.assertEqual(log, [])
        clock.advance(0)
        self.assertEqual(log, [("first", 10.0), ("second", 10.0)])


class NotANumberTests(SynchronousTestCase):
    """
    NaN is no time: every entry point refuses it, leaving the clock as it
    was.
    """

    def test_nanRefused(self) -> None:
        """
        callLater, advance, reset and delay raise ValueError for NaN, and
        nothing is left pending.
        """
        clock = Clock()
        nan = float("nan")
        self.assertRaises(ValueError, clock.callLater, nan, lambda: None)
        self.assertRaises(ValueError, clock.advance, nan)
        call = clock.callLater(1, lambda: None)
        self.assertRaises(ValueError, call.reset, nan)
        self.assertRaises(ValueError, call.delay, nan)
        self.assertEqual((clock.seconds(), clock.getDelayedCalls()), (0.0, [call]))


class LivelockTests(SynchronousTestCase):
    """
    A call that keeps rescheduling itself with no delay fails the advance
    instead of hanging the test.
    """

    def test_zeroDelayLoopRaises(self) -> None:
        """
        After ``sameInstantLimit`` calls in a row at one instant, ``advance``
        raises ``NeverSettles`` naming the time and the looping function.
        """
        clock = Clock()
        clock.sameInstantLimit = 50

        def spin() -> None:
            clock.callLater(0, spin)

        clock.callLater(1, spin)
        for _ in range(5):
            clock.callLater(3, lambda: None)  # pending, but not due at t=1
        error = self.assertRaises(NeverSettles, clock.advance, 5)
        self.assertIn("50 calls in a row at t=1.0", str(error))
        self.assertIn(
            "next due now: LivelockTests.test_zeroDelayLoopRaises.<locals>.spin.",
            str(error),
        )

    def test_manyCallsAtOneInstantBelowTheLimit(self) -> None:
        """
        Calls at one instant up to the limit all run.
        """
        clock = Clock()
        clock.sameInstantLimit = 50
        ran: list[float] = []
        for _ in range(50):
            clock.callLater(1, lambda: ran.append(clock.seconds()))
        clock.advance(1)
        self.assertEqual(ran, [1.0] * 50)


class RunawayTests(SynchronousTestCase):
    """
    An advance that would run a runaway number of calls stops, naming the
    call.
    """

    def test_tinyIntervalLoopRaises(self) -> None:
        """
        A ``LoopingCall`` every 1e-8 s advanced by 1 s stops after running
        more than ``advanceCallLimit`` calls, with ``NeverSettles`` naming the loop and
        how far the advance got.
        """
        clock = Clock()
        clock.advanceCallLimit = 1000
        ticks: list[float] = []

        def tick() -> None:
            ticks.append(clock.seconds())

        loop = LoopingCall(tick)
        loop.clock = clock
        loop.start(1e-8, now=False)
        error = self.assertRaises(NeverSettles, clock.advance, 1)
        self.assertEqual(len(ticks), 1001)
        self.assertIn(
            "advance(1) ran more than 1000 calls and is only at t=", str(error)
        )
        self.assertIn(
            "of 1.0; the last was LoopingCall<1e-08>(RunawayTests", str(error)
        )
        loop.stop()

    def test_limitCountsEachAdvance(self) -> None:
        """
        The limit is per ``advance()`` call: many advances of fewer calls
        each run them all.
        """
        clock = Clock()
        clock.advanceCallLimit = 10
        ran: list[float] = []
        for i in range(30):
            clock.callLater(i / 10, lambda: ran.append(clock.seconds()))
        clock.pump([0.9, 1, 1])
        self.assertEqual(len(ran), 30)


class GetDelayedCallsTests(SynchronousTestCase):
    """
    ``getDelayedCalls`` and ``calls`` list what is pending.
    """

    def test_earliestFirstExcludingCancelledAndCalled(self) -> None:
        """
        The pending calls come earliest first (same-time calls in the order
        scheduled), without cancelled calls or calls already made; ``calls``
        gives the same list.
        """
        clock = Clock()
        three = clock.callLater(3, lambda: None)
        oneA = clock.callLater(1, lambda: None)
        two = clock.callLater(2, lambda: None)
        oneB = clock.callLater(1, lambda: None)
        half = clock.callLater(0.5, lambda: None)
        cancelled = clock.callLater(2.5, lambda: None)
        self.assertEqual(
            clock.getDelayedCalls(), [half, oneA, oneB, two, cancelled, three]
        )
        cancelled.cancel()
        clock.advance(0.5)
        self.assertEqual(clock.getDelayedCalls(), [oneA, oneB, two, three])
        self.assertEqual(clock.calls, [oneA, oneB, two, three])

    def test_emptyWhenAllRun(self) -> None:
        """
        Once every call has run, nothing is pending.
        """
        clock = Clock()
        clock.callLater(1, lambda: None)
        clock.advance(1)
        self.assertEqual(clock.getDelayedCalls(), [])
        self.assertEqual(clock.calls, [])


class BucketTests(SynchronousTestCase):
    """
    The clock keeps pending calls in one-second buckets; order must not
    depend on which bucket a call lands in.
    """

    def test_earlierBucketAfterALaterOneWasOpened(self) -> None:
        """
        A call scheduled into an earlier second than the one the clock was
        about to run still runs first.
        """
        clock = Clock()
        log: list[tuple[str, float]] = []
        record = _recorder(clock, log)
        clock.callLater(5.5, record("late"))
        clock.advance(1)
        clock.callLater(1.25, record("early"))
        clock.callLater(4.5, record("as late as late"))
        clock.advance(10)
        self.assertEqual(
            log, [("early", 2.25), ("late", 5.5), ("as late as late", 5.5)]
        )

    def test_infiniteDelay(self) -> None:
        """
        A call at an infinite delay stays pending, behind every finite one.
        """
        clock = Clock()
        log: list[tuple[str, float]] = []
        never = clock.callLater(float("inf"), _recorder(clock, log)("never"))
        clock.callLater(1e12, _recorder(clock, log)("far"))
        clock.advance(2e12)
        self.assertEqual(log, [("far", 1e12)])
        self.assertEqual(clock.getDelayedCalls(), [never])


class HeapCompactionTests(SynchronousTestCase):
    """
    Cancelling and rescheduling without moving time keep the heap small.

    These look at ``Clock._queue`` on purpose: stale queued keys are
    invisible through the public API until memory runs out, so the bound can
    only be checked from inside.
    """

    def test_scheduleAndCancelManyCalls(self) -> None:
        """
        Scheduling and cancelling 10,000 calls without advancing leaves a
        heap of bounded size, and the clock still runs what stayed pending.
        """
        clock = Clock()
        log: list[tuple[str, float]] = []
        kept = clock.callLater(1, _recorder(clock, log)("kept"))
        for _ in range(10_000):
            clock.callLater(5, lambda: None).cancel()
        self.assertLessEqual(len(clock._queue), 100)
        batch = [clock.callLater(5, lambda: None) for _ in range(10_000)]
        for call in batch:
            call.cancel()
        self.assertLessEqual(len(clock._queue), 100)
        self.assertEqual(clock.getDelayedCalls(), [kept])
        clock.advance(10)
        self.assertEqual(log, [("kept", 1.0)])

    def test_resetOneCallManyTimes(self) -> None:
        """
        Resetting one call 10,000 times keeps the heap bounded, and the call
        runs once, at its last time.
        """
        clock = Clock()
        log: list[tuple[str, float]] = []
        call = clock.callLater(1, _recorder(clock, log)("reset"))
        for i in range(10_000):
            call.reset(1 + i % 7)
            call.delay(0.25)
        self.assertLessEqual(len(clock._queue), 100)
        clock.advance(10)
        self.assertEqual(log, [("reset", 1 + 9_999 % 7 + 0.25)])


# The reference model for the property test: a plain list, scanned linearly.


@attrs.frozen
class _Spec:
    """
    A call to schedule: its delay, and the calls it schedules when it runs.
    """

    delay: float
    children: tuple[_Spec, ...] = ()


@attrs.define
class _ModelCall:
    name: str
    spec: _Spec
    time: float
    order: int


class _ModelClock:
    """
    The spec of ``advance``, as simply as it can be written: step to the
    earliest due call by (time, order of its last schedule, reset or
    delay), set the time to its time, run it, repeat; end at start + amount.
    """

    def __init__(self) -> None:
        self.now = 0.0
        self.order = 0
        self.pending: list[_ModelCall] = []
        self.log: list[tuple[str, float]] = []

    def schedule(self, name: str, spec: _Spec) -> None:
        if spec.delay < 0:
            raise ValueError(spec.delay)
        self.order += 1
        self.pending.append(_ModelCall(name, spec, self.now + spec.delay, self.order))

    def find(self, name: str) -> _ModelCall:
        [call] = [call for call in self.pending if call.name == name]
        return call

    def cancel(self, name: str) -> None:
        self.pending.remove(self.find(name))

    def reset(self, name: str, delay: float) -> None:
        if delay < 0:
            raise ValueError(delay)
        self._move(self.find(name), self.now + delay)

    def delay(self, name: str, amount: float) -> None:
        call = self.find(name)
        if call.time + amount < self.now:
            raise ValueError(amount)
        self._move(call, call.time + amount)

    def _move(self, call: _ModelCall, time: float) -> None:
        self.order += 1
        call.time, call.order = time, self.order

    def advance(self, amount: float) -> None:
        end = self.now + amount
        while True:
            due = [call for call in self.pending if call.time <= end]
            if not due:
                break
            call = min(due, key=lambda call: (call.time, call.order))
            self.pending.remove(call)
            self.now = call.time
            self.log.append((call.name, self.now))
            for i, child in enumerate(call.spec.children):
                self.schedule(f"{call.name}.{i}", child)
        self.now = end

    def pendingState(self) -> list[tuple[str, float]]:
        ordered = sorted(self.pending, key=lambda call: (call.time, call.order))
        return [(call.name, call.time) for call in ordered]


class _ClockUnderTest:
    """
    The same operations as ``_ModelClock``, applied to a real ``Clock``.
    """

    def __init__(self) -> None:
        self.clock = Clock()
        self.calls: dict[str, IDelayedCall] = {}
        self.names: dict[IDelayedCall, str] = {}
        self.log: list[tuple[str, float]] = []

    def schedule(self, name: str, spec: _Spec) -> None:
        call = self.clock.callLater(spec.delay, self._run, name, spec)
        self.calls[name] = call
        self.names[call] = name

    def _run(self, name: str, spec: _Spec) -> None:
        self.log.append((name, self.clock.seconds()))
        for i, child in enumerate(spec.children):
            self.schedule(f"{name}.{i}", child)

    def cancel(self, name: str) -> None:
        self.calls[name].cancel()

    def reset(self, name: str, delay: float) -> None:
        self.calls[name].reset(delay)

    def delay(self, name: str, amount: float) -> None:
        self.calls[name].delay(amount)

    def advance(self, amount: float) -> None:
        self.clock.advance(amount)

    def pendingState(self) -> list[tuple[str, float]]:
        return [
            (self.names[call], call.getTime()) for call in self.clock.getDelayedCalls()
        ]


# Multiples of 0.25 add up exactly in binary floating point, so the model and
# the clock can be compared with ==.
_delays = st.sampled_from([0.0, 0.25, 0.5, 1.0, 1.75, 3.0])
_specs = st.recursive(
    st.builds(_Spec, _delays),
    lambda children: st.builds(
        _Spec, _delays, st.lists(children, max_size=3).map(tuple)
    ),
    max_leaves=8,
)
_operations = st.lists(
    st.one_of(
        st.tuples(st.just("schedule"), _specs),
        st.tuples(st.just("cancel"), st.integers(0, 50)),
        st.tuples(st.just("reset"), st.integers(0, 50), _delays),
        st.tuples(
            st.just("delay"),
            st.integers(0, 50),
            st.sampled_from([-2.0, -0.75, -0.25, 0.0, 0.5, 1.25, 4.0]),
        ),
        st.tuples(st.just("advance"), st.sampled_from([0.0, 0.25, 0.5, 1.0, 2.5])),
    ),
    max_size=40,
)


class ClockModelTests(SynchronousTestCase):
    """
    ``Clock`` agrees with a plain-list reference model of its spec.
    """

    @settings(deadline=None, derandomize=True, max_examples=200, database=None)
    @given(_operations)
    def test_agreesWithReferenceModel(
        self, operations: list[tuple[object, ...]]
    ) -> None:
        """
        Any sequence of schedules (with calls that schedule more calls when
        they run), cancels, resets, delays and advances gives the same log of
        (call, time run), the same pending calls in the same order, the same
        time, and the same ``ValueError`` for moves into the past.
        """
        model = _ModelClock()
        real = _ClockUnderTest()
        scheduled = 0
        for operation in operations:
            kind, *rest = operation
            pending = sorted(call.name for call in model.pending)
            if kind == "schedule":
                scheduled += 1
                args: tuple[object, ...] = (f"c{scheduled}", *rest)
            elif kind == "advance":
                args = tuple(rest)
            elif not pending:
                continue
            else:
                index, *amount = rest
                assert isinstance(index, int)
                args = (pending[index % len(pending)], *amount)
            outcomes: list[str] = []
            for clock in (model, real):
                try:
                    getattr(clock, str(kind))(*args)
                except ValueError:
                    outcomes.append("ValueError")
                else:
                    outcomes.append("ok")
            self.assertEqual(outcomes[0], outcomes[1], (kind, args))
            self.assertEqual(real.log, model.log)
            self.assertEqual(real.pendingState(), model.pendingState())
            self.assertEqual(real.clock.seconds(), model.now)
