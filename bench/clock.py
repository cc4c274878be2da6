"""
Benchmark: twisted_wsfakes' Clock against twisted.internet.task.Clock.

Run from the repository root::

    python bench/clock.py                # N = 1000, 10000, 100000
    python bench/clock.py 2000 20000     # chosen sizes
    python bench/clock.py --twisted-max 20000

For each N, N timers are scheduled at random due times in [0, 1000) seconds
(a fixed seed, so every run and both clocks see the same times) and then the
clock is advanced through all of them, in two ways: one ``advance(1000)``,
and 100 ``advance(10)`` steps.  A run's time covers scheduling and advancing,
measured with ``time.perf_counter`` in this process, with the garbage
collector paused during the timed part as ``timeit`` does (``--with-gc``
keeps it running: full collections walking 100,000 live timers then add a
cost that grows faster than the clock's own n log n).  Our clock's time is the
best of several runs (it is fast enough that the noise of one run matters);
Twisted's is one run, and Twisted is skipped above ``--twisted-max`` (its
``Clock`` re-sorts every pending call on each ``callLater`` and each call it
runs, so 100,000 timers take about twenty minutes).

The "heap" columns time our clock with its pending-call queue swapped for
one plain ``heapq`` list (what the one-second buckets of ``_BucketQueue``
replaced), same timers, same runs: what the buckets buy, side by side.

The "floor" column is the least any clock handing out ``DelayedCall``
objects can spend on the same timers: make them, sort them once, run them
(no scheduling structure at all).  How it grows with N is CPython's share of
the growth: allocation, the garbage collector and the CPU caches.

Then it checks the targets and exits 1 if any fails:

  (a) at N=10,000 ours is at least 100x faster than Twisted's, in both modes;
  (b) at N=100,000 ours takes under 1 s, in both modes;
  (c) at N=100,000 ours takes under 12x its own N=10,000 time, in both modes.
"""

from __future__ import annotations

import argparse
import gc
import os
import random
import sys
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from typing import Protocol

try:
    from twisted_wsfakes import clock as clockModule
except ImportError:
    sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    from twisted_wsfakes import clock as clockModule

import heapq

Clock = clockModule.Clock

from twisted.internet.base import DelayedCall
from twisted.internet.task import Clock as TwistedClock

SEED = 20240611
SPAN = 1000.0
STEPS = 100
MODES = ("one advance", f"{STEPS} steps")
TARGET_RATIO_N = 10_000
TARGET_BIG_N = 100_000
MIN_RATIO = 100.0
MAX_BIG_SECONDS = 1.0
MAX_GROWTH = 12.0


class _AnyClock(Protocol):
    def callLater(
        self, delay: float, callable: Callable[..., object], *args: object
    ) -> object: ...

    def advance(self, amount: float) -> None: ...


def _dueTimes(n: int) -> list[float]:
    rng = random.Random(SEED + n)
    return [rng.uniform(0.0, SPAN) for _ in range(n)]


def _runOnce(
    makeClock: Callable[[], _AnyClock], due: Sequence[float], mode: str
) -> float:
    """
    Schedule a timer at each time in ``due``, advance past them all, and
    return the seconds that took.

    :raises AssertionError: if not every timer ran.
    """
    clock = makeClock()
    ran = [0]

    def tick() -> None:
        ran[0] += 1

    with _timer() as elapsed:
        for when in due:
            clock.callLater(when, tick)
        if mode == MODES[0]:
            clock.advance(SPAN)
        else:
            for _ in range(STEPS):
                clock.advance(SPAN / STEPS)
    assert ran[0] == len(due), f"{ran[0]} of {len(due)} timers ran"
    return elapsed[0]


class _HeapQueue:
    """
    The plain alternative to the clock's ``_BucketQueue``: every (due time,
    sequence) key in one heap.
    """

    def __init__(self) -> None:
        self._keys: list[tuple[float, int]] = []

    def __len__(self) -> int:
        return len(self._keys)

    def push(self, key: tuple[float, int]) -> None:
        heapq.heappush(self._keys, key)

    def first(self) -> tuple[float, int] | None:
        return self._keys[0] if self._keys else None

    def pop(self) -> None:
        heapq.heappop(self._keys)


@contextmanager
def _plainHeap() -> Iterator[None]:
    """
    Have every Clock made inside use `_HeapQueue`.  A white-box swap of the
    clock module's private queue class: the benchmark's business only.
    """
    saved = clockModule._BucketQueue
    clockModule._BucketQueue = _HeapQueue  # type: ignore[misc, assignment]
    try:
        yield
    finally:
        clockModule._BucketQueue = saved  # type: ignore[misc]


def _best(
    makeClock: Callable[[], _AnyClock], due: Sequence[float], mode: str, repeat: int
) -> float:
    return min(_runOnce(makeClock, due, mode) for _ in range(repeat))


def _floorOnce(due: Sequence[float]) -> float:
    """
    Time what any clock handing out ``DelayedCall`` objects must at least
    spend: make one per due time, sort them once, and run each.

    It shows how much of a clock's growth with N is CPython's (allocation,
    the garbage collector, caches) rather than the clock's.
    """

    def tick() -> None:
        pass

    def ignore(call: DelayedCall) -> None:
        pass

    with _timer() as elapsed:
        calls = [DelayedCall(when, tick, (), {}, ignore, ignore) for when in due]
        calls.sort(key=DelayedCall.getTime)
        for call in calls:
            call.called = 1
            call.func(*call.args, **call.kw)
    return elapsed[0]


#: Whether timed parts run with the garbage collector paused (as timeit).
PAUSE_GC = True


@contextmanager
def _timer() -> Iterator[list[float]]:
    """
    Time the block into the one-item list it yields, pausing the garbage
    collector (unless ``--with-gc``) so runs compare algorithms, not when a
    full collection happened to fall.
    """
    elapsed = [0.0]
    paused = PAUSE_GC and gc.isenabled()
    if paused:
        gc.collect()
        gc.disable()
    start = time.perf_counter()
    try:
        yield elapsed
    finally:
        elapsed[0] = time.perf_counter() - start
        if paused:
            gc.enable()


def _check(label: str, ok: bool | None, detail: str) -> bool:
    """
    Print one target's verdict; ``None`` means it was not measured.

    :returns: whether the target did not fail.
    """
    verdict = "SKIP" if ok is None else "PASS" if ok else "FAIL"
    print(f"{verdict}  {label}: {detail}")
    return ok is not False


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "sizes", nargs="*", type=int, default=[1_000, 10_000, 100_000], metavar="N"
    )
    parser.add_argument(
        "--twisted-max",
        type=int,
        default=10_000,
        help="largest N to run Twisted's Clock at (default: %(default)s)",
    )
    parser.add_argument(
        "--repeat",
        type=int,
        default=5,
        help="runs of our Clock per measurement, best kept (default: %(default)s)",
    )
    parser.add_argument(
        "--with-gc",
        action="store_true",
        help="keep the garbage collector running while timing",
    )
    args = parser.parse_args(argv)
    global PAUSE_GC
    PAUSE_GC = not args.with_gc

    ours: dict[tuple[int, str], float] = {}
    heap: dict[tuple[int, str], float] = {}
    theirs: dict[tuple[int, str], float] = {}
    floor: dict[int, float] = {}
    print(
        f"{'N':>7}  {'mode':<11}  {'ours s':>8}  {'heap s':>8}  {'heap/ours':>9}  "
        f"{'twisted s':>18}  {'twisted/ours':>12}  {'floor s':>8}"
    )
    for n in args.sizes:
        due = _dueTimes(n)
        floor[n] = min(_floorOnce(due) for _ in range(args.repeat))
        for mode in MODES:
            ours[n, mode] = _best(Clock, due, mode, args.repeat)
            with _plainHeap():
                heap[n, mode] = _best(Clock, due, mode, args.repeat)
            if n <= args.twisted_max:
                theirs[n, mode] = _runOnce(TwistedClock, due, mode)
                twisted = f"{theirs[n, mode]:.4f}"
                speedup = f"{theirs[n, mode] / ours[n, mode]:.0f}x"
            else:
                twisted, speedup = "skipped (too slow)", "-"
            print(
                f"{n:>7}  {mode:<11}  {ours[n, mode]:8.4f}  {heap[n, mode]:8.4f}  "
                f"{heap[n, mode] / ours[n, mode]:8.2f}x  {twisted:>18}  "
                f"{speedup:>12}  {floor[n]:8.4f}"
            )
            sys.stdout.flush()

    print()
    ok = True
    for mode in MODES:
        key = (TARGET_RATIO_N, mode)
        verdict = None
        detail = f"N={TARGET_RATIO_N} not measured for both clocks"
        if key in ours and key in theirs:
            ratio = theirs[key] / ours[key]
            verdict = ratio >= MIN_RATIO
            detail = f"{ratio:.0f}x (target >= {MIN_RATIO:.0f}x)"
        ok &= _check(f"(a) N={TARGET_RATIO_N}, {mode}, twisted/ours", verdict, detail)
    for mode in MODES:
        key = (TARGET_BIG_N, mode)
        verdict = None
        detail = f"N={TARGET_BIG_N} not measured"
        if key in ours:
            verdict = ours[key] < MAX_BIG_SECONDS
            detail = f"{ours[key]:.3f} s (target < {MAX_BIG_SECONDS:g} s)"
        ok &= _check(f"(b) N={TARGET_BIG_N}, {mode}, ours", verdict, detail)
    for mode in MODES:
        small, big = (TARGET_RATIO_N, mode), (TARGET_BIG_N, mode)
        verdict = None
        detail = f"N={TARGET_RATIO_N} and N={TARGET_BIG_N} not both measured"
        if small in ours and big in ours:
            growth = ours[big] / ours[small]
            verdict = growth < MAX_GROWTH
            detail = f"{growth:.1f}x (target < {MAX_GROWTH:g}x)"
            if TARGET_RATIO_N in floor and TARGET_BIG_N in floor:
                floorGrowth = floor[TARGET_BIG_N] / floor[TARGET_RATIO_N]
                detail += f"; the floor grew {floorGrowth:.1f}x"
        ok &= _check(
            f"(c) N={TARGET_BIG_N} vs N={TARGET_RATIO_N}, {mode}, ours", verdict, detail
        )
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
