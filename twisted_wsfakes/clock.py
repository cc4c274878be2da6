"""
A fake clock that runs each delayed call at its own time, fast.

It imports ``errors`` from this package.
"""

from __future__ import annotations

import heapq
from collections.abc import Callable, Iterable
from typing import Any

from twisted.internet import error
from twisted.internet.base import DelayedCall
from twisted.internet.interfaces import IDelayedCall, IReactorTime
from zope.interface import implementer

from .errors import NeverSettles


class _ClockCall(DelayedCall):
    """
    A ``DelayedCall`` whose every reschedule takes effect at once.

    Twisted's own ``DelayedCall`` records a move to a later time lazily, which
    would let a call reset to time T run before a call scheduled for T
    earlier; applying it at once keeps same-time calls first-in first-out by
    the moment they were (re)scheduled.
    """

    # The sequence number of this call's live key in its clock's queue; 0
    # before the clock first schedules it.  (``delayed_time`` stays 0, so
    # ``time`` is the due time, and the key shares its float.)
    _sequence = 0

    def reset(self, secondsFromNow: float) -> None:
        self._checkPending()
        if not secondsFromNow >= 0:  # NaN too
            raise ValueError(f"reset() needs a delay >= 0, got {secondsFromNow!r}")
        self.time = self.seconds() + secondsFromNow
        self.resetter(self)

    def delay(self, secondsLater: float) -> None:
        self._checkPending()
        newTime = self.time + secondsLater
        if not newTime >= self.seconds():  # NaN too
            raise ValueError(
                f"delay({secondsLater!r}) would move the call to {newTime!r}, "
                f"before the clock's time {self.seconds()!r}"
            )
        self.time = newTime
        self.resetter(self)

    def _checkPending(self) -> None:
        if self.cancelled:
            raise error.AlreadyCancelled()
        if self.called:
            raise error.AlreadyCalled()


@implementer(IReactorTime)
class Clock:
    """
    A drop-in replacement for ``twisted.internet.task.Clock``.

    Use it wherever code takes an ``IReactorTime``::

        clock = Clock()
        seen = []
        clock.callLater(2, lambda: seen.append(clock.seconds()))
        clock.advance(3)
        assert seen == [2.0] and clock.seconds() == 3.0

    How it differs from Twisted's ``Clock``, on purpose:

      - ``advance(s)`` moves time to each due call's own time before running
        it, so ``seconds()`` inside a call equals its scheduled time, and a
        call scheduled during the advance that falls inside the window runs
        in the same advance, in time order.  The advance ends at start + s.
      - Calls due at the same time run first-in first-out, by the moment they
        were scheduled, reset or delayed.
      - Pending calls sit in one-second buckets, the earliest kept as a
        heap: scheduling, cancelling and rescheduling cost O(log n) at most,
        so 100,000 timers take well under a second.
      - A negative delay, reset or advance raises ``ValueError``, as does
        ``delay()`` that would move a call into the past, or setting
        ``rightNow`` to an earlier time.
      - ``advance()`` called from inside a call (a slow callback) runs the
        calls due in its own window, at their own times; the outer advance
        then goes on from there and ends at the later of its own end and
        the inner one's: time never runs backwards.
      - ``advance()`` raises ``NeverSettles`` after ``sameInstantLimit``
        calls in a row at one instant (a ``callLater(0)`` loop), or after
        ``advanceCallLimit`` calls in one advance (a loop with a tiny
        interval), where Twisted's ``Clock`` would hang.
      - ``calls`` is a read-only, time-ordered list of the pending calls.

    As in Twisted's ``Clock``, ``rightNow`` is the time (read it or set it:
    a clock set to ``1e9`` schedules from there), and an exception raised by
    a call propagates out of ``advance()``; the call counts as made and time
    stays at its due time.
    """

    #: How many calls may run one after another at one instant before
    #: ``advance()`` decides they will never stop.
    sameInstantLimit = 100_000

    #: How many calls one ``advance()`` may run before it decides a loop
    #: will not let it reach its end in reasonable time: half a million
    #: calls take a few seconds (a 1 ms ``LoopingCall`` may run for 500 s
    #: of clock time), where the hundred million of a 1e-8 s one advanced
    #: by 1 s would take many minutes.
    advanceCallLimit = 500_000

    def __init__(self) -> None:
        self._now = 0.0
        self._sequence = 0
        # (due time, sequence) keys, earliest first.  A key goes stale when
        # its call is cancelled or rescheduled; _pending maps the sequence of
        # each live key to its call (in sequence order, as dicts keep
        # insertion order), and stale keys are skipped on pop.  The keys hold
        # no reference to their call, so the garbage collector stops tracking
        # them after one collection: with 100,000 pending calls, full
        # collections walking every key are most of what callLater costs.
        self._queue = _BucketQueue()
        self._pending: dict[int, _ClockCall] = {}
        self._lastRunAt: float | None = None
        # Bound once, for the same reason: three bound methods made per
        # callLater would be three more objects for the collector to walk.
        self._callHooks = (self._forget, self._schedule, self.seconds)

    def seconds(self) -> float:
        """
        Return the clock's current time, starting from 0.
        """
        return self._now

    @property
    def rightNow(self) -> float:
        """
        The clock's current time, as on Twisted's ``Clock``.  Setting it
        moves the clock to that time without running anything: calls come
        due relative to it, and calls it passed run at the next
        :meth:`advance`, at the time set.

        :raises ValueError: if set to an earlier time than the clock's.
        """
        return self._now

    @rightNow.setter
    def rightNow(self, time: float) -> None:
        if not time >= self._now:  # NaN too
            raise ValueError(
                f"rightNow can only move forward: it is {self._now!r}, got {time!r}"
            )
        self._now = time

    def callLater(
        self, delay: float, callable: Callable[..., Any], *args: object, **kw: object
    ) -> IDelayedCall:
        """
        Call ``callable(*args, **kw)`` ``delay`` seconds from now.

        :raises ValueError: if ``delay`` is negative.
        """
        if not delay >= 0:  # NaN too
            raise ValueError(f"callLater() needs a delay >= 0, got {delay!r}")
        call = _ClockCall(
            self._now + delay,
            callable,
            args,
            kw,
            *self._callHooks,
        )
        self._schedule(call)
        return call

    def getDelayedCalls(self) -> list[IDelayedCall]:
        """
        Return the pending calls, earliest first.
        """
        # A stable sort of calls already in sequence order keeps same-time
        # calls first-in first-out.
        return sorted(self._pending.values(), key=lambda call: call.getTime())

    @property
    def calls(self) -> list[IDelayedCall]:
        """
        The pending calls, earliest first (as on Twisted's ``Clock``).
        """
        return self.getDelayedCalls()

    def advance(self, amount: float) -> None:
        """
        Move time forward by ``amount`` seconds, running each call that falls
        due on the way at its own time.

        Called from inside a call it is running (to simulate a slow
        callback), it runs the calls due within its own window; the outer
        advance then carries on from the time reached, and ends at the
        later of its own end and that time.

        :raises ValueError: if ``amount`` is negative.
        :raises NeverSettles: if ``sameInstantLimit`` calls run one after
            another without time moving (something keeps rescheduling
            itself with no delay), or one advance runs ``advanceCallLimit``
            calls: either would otherwise hang the test.
        """
        if not amount >= 0:  # NaN too
            raise ValueError(f"advance() needs an amount >= 0, got {amount!r}")
        end = self._now + amount
        sameInstant = 0
        ran = 0
        # Read once: this loop is the clock's hot path.
        sameInstantLimit, callLimit = self.sameInstantLimit, self.advanceCallLimit
        while call := self._runNextDueBy(end):
            ran += 1
            sameInstant = sameInstant + 1 if self._now == self._lastRunAt else 0
            self._lastRunAt = self._now
            if sameInstant >= sameInstantLimit:
                raise NeverSettles(self._livelockMessage())
            if ran > callLimit:
                raise NeverSettles(self._runawayMessage(amount, end, call))
        # A nested advance may have gone past this one's end.
        self._now = max(end, self._now)

    def _livelockMessage(self) -> str:
        dueNow = [call for call in self._pending.values() if call.time == self._now]
        upcoming = ", ".join(_describeCall(call) for call in dueNow[:3])
        return (
            f"advance() ran {self.sameInstantLimit} calls in a row at "
            f"t={self._now!r} without time moving; next due now: {upcoming}. "
            "A call that reschedules itself with callLater(0) never lets a "
            "fake clock move on (raise Clock.sameInstantLimit if this is meant)"
        )

    def _runawayMessage(self, amount: float, end: float, last: DelayedCall) -> str:
        return (
            f"advance({amount!r}) ran more than {self.advanceCallLimit} calls "
            f"and is only at t={self._now!r} of {end!r}; the last was "
            f"{_describeCall(last)}. A loop with a tiny interval would take "
            "a long time to get there: advance by less, or raise "
            "Clock.advanceCallLimit if this is meant"
        )

    def pump(self, timings: Iterable[float]) -> None:
        """
        Advance by each amount in ``timings``, in turn.
        """
        for amount in timings:
            self.advance(amount)

    def _runNextDueBy(self, end: float) -> _ClockCall | None:
        """
        Run the earliest pending call if it is due by ``end``.

        :returns: the call run, if any.
        """
        call = self._popDueBy(end)
        if call is None:
            return None
        # A call that came due before rightNow was set forward runs at the
        # time set: time never runs backwards.  (A comparison, not max():
        # this runs for every call.)
        if call.time > self._now:  # noqa: PLR1730
            self._now = call.time
        call.called = 1
        self._runCall(call)
        return call

    def _runCall(self, call: DelayedCall) -> None:
        """
        Run one due call; a reactor's clock overrides this to log errors.
        """
        call.func(*call.args, **call.kw)

    def _popDueBy(self, end: float) -> _ClockCall | None:
        """
        Take the earliest pending call off the queue if it is due by ``end``.
        """
        queue = self._queue
        while (first := queue.first()) is not None and first[0] <= end:
            queue.pop()
            call = self._pending.pop(first[1], None)
            if call is not None:
                return call
        return None

    def _schedule(self, call: DelayedCall) -> None:
        """
        Give ``call`` a new live key at its current due time, making any key
        it had stale.
        """
        assert isinstance(call, _ClockCall)
        self._pending.pop(call._sequence, None)
        self._sequence += 1
        call._sequence = self._sequence
        self._pending[self._sequence] = call
        self._queue.push((call.time, self._sequence))
        self._compactIfMostlyStale()

    def _forget(self, call: DelayedCall) -> None:
        """
        Make the key of ``call``, which is being cancelled, stale.
        """
        assert isinstance(call, _ClockCall)
        del self._pending[call._sequence]
        self._compactIfMostlyStale()

    def _compactIfMostlyStale(self) -> None:
        # Code that keeps cancelling or resetting timeouts without time
        # moving would otherwise grow the queue without bound.
        if len(self._queue) > 64 + 2 * len(self._pending):
            self._queue = _BucketQueue()
            for sequence, call in self._pending.items():
                self._queue.push((call.time, sequence))


def _describeCall(call: DelayedCall) -> str:
    """
    Name what ``call`` calls: its function, and the object of a method (a
    ``LoopingCall`` says which function it loops).
    """
    func = call.func
    name = getattr(func, "__qualname__", None) or repr(func)
    owner = getattr(func, "__self__", None)
    if owner is None:
        return name
    ownerRepr = repr(owner)
    if len(ownerRepr) > 80:
        ownerRepr = ownerRepr[:77] + "..."
    return f"{name} of {ownerRepr}"


_Key = tuple[float, int]


class _BucketQueue:
    """
    (due time, sequence) keys, popped earliest first, kept in buckets of one
    second of clock time.

    One heap of every key is slow when it is large, each pop walking cold
    memory.  Here only the earliest bucket is a heap (small, so it stays in
    the CPU's caches); later buckets are plain lists that keys are appended
    to, each heapified when its turn comes.

    ``bench/clock.py`` times it against one plain heap (its "heap" columns):
    at 100,000 timers the heap takes 1.3x as long (0.45 s against 0.35 s);
    at 10,000 and below it is as fast or a little faster, by under 3 ms.
    The buckets stay for the large case, which the benchmark's targets name.
    """

    def __init__(self) -> None:
        self._buckets: dict[int, list[_Key]] = {}
        # The numbers of the buckets that are not the active one, as a heap.
        self._later: list[int] = []
        # The earliest bucket, as a heap, once something looked at it.
        self._activeNumber: int | None = None
        self._active: list[_Key] = []
        self._size = 0

    def __len__(self) -> int:
        return self._size

    def push(self, key: _Key) -> None:
        self._size += 1
        number = _bucketOf(key[0])
        active = self._activeNumber
        if number == active:
            heapq.heappush(self._active, key)
            return
        if active is not None and number < active:
            # An earlier bucket appears: the active one waits its turn again.
            heapq.heappush(self._later, active)
            self._activeNumber = None
        bucket = self._buckets.get(number)
        if bucket is None:
            self._buckets[number] = [key]
            heapq.heappush(self._later, number)
        else:
            bucket.append(key)

    def first(self) -> _Key | None:
        """
        The earliest key, or ``None`` if there is none.
        """
        if self._activeNumber is None:
            if not self._later:
                return None
            self._activeNumber = heapq.heappop(self._later)
            self._active = self._buckets[self._activeNumber]
            heapq.heapify(self._active)
        return self._active[0]

    def pop(self) -> None:
        """
        Remove the key :meth:`first` returned.
        """
        heapq.heappop(self._active)
        self._size -= 1
        if not self._active:
            del self._buckets[self._activeNumber]  # type: ignore[arg-type]
            self._activeNumber = None


def _bucketOf(time: float) -> int:
    # Clamped so that a call at float("inf") has a bucket too.
    return int(min(time, 1e18))


def formatTime(seconds: float) -> str:
    """
    Write a clock time or a delay as short as it can be without rounding it
    away (to the microsecond), for messages and tables: ``10``, ``2.25``.
    """
    text = f"{seconds:.6f}".rstrip("0").rstrip(".")
    return "0" if text in ("-0", "") else text
