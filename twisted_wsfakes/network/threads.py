"""
Thread work for a test reactor, run in the test's own thread: code under
test hands work to threads (``callInThread``, ``deferToThread``) and hands
results back with ``callFromThread``, and the reactor runs both at its next
``flush()`` or ``advance()``, first come first served, deterministic and
never in a real thread (`ThreadCalls`, `FakeThreadPool`).  It imports
``calls`` and ``lookups`` from the layer, and ``errors`` from below it.
"""

from __future__ import annotations

import sys
from collections import deque
from collections.abc import Callable
from queue import Queue
from types import FrameType
from typing import Any

from twisted.internet import threads
from twisted.python.failure import Failure
from twisted.python.threadpool import ThreadPool

from ..errors import NetworkUsageError, UnsupportedByFake
from .calls import callLogged
from .lookups import AddressOf, answeredLocally


class ThreadCalls:
    """
    The queue of thread work and of calls from threads, in the order made.

    A reactor runs :meth:`runQueued` in each delivery round.  A call from a
    thread job (the job's ``callFromThread``) runs at once, inside the job:
    the reactor thread was free to take it at once, which is one order a
    real reactor may pick, and the one that lets a job wait for its answer
    (``blockingCallFromThread``).
    """

    def __init__(self, addressOf: AddressOf) -> None:
        # Host name lookups in thread work are answered from these names.
        self.addressOf = addressOf
        # Each entry: what was asked for (for reports), and how to run it.
        self._queue: deque[tuple[object, Callable[[], object]]] = deque()
        self._inJob = False
        self._pool: FakeThreadPool | None = None

    @property
    def pool(self) -> FakeThreadPool:
        """
        The thread pool, made on first use, as a real reactor makes its own.

        A Twisted ``ThreadPool`` is a knot of reference cycles (its team of
        workers and the closures that make them), which only the garbage
        collector frees: a reactor that never runs thread work should not
        leave one behind for each test.
        """
        if self._pool is None:
            self._pool = FakeThreadPool(self)
        return self._pool

    def callFromThread(
        self, f: Callable[..., object], *args: object, **kwargs: object
    ) -> None:
        """
        Run ``f`` at the next delivery round, or at once from a thread job.
        """
        if self._inJob:
            _callLogged(f, args, kwargs)
            _answerBlockedWait(sys._getframe(1))
            return
        self._queue.append((f, lambda: _callLogged(f, args, kwargs)))

    def queueJob(self, work: object, job: Callable[[], object]) -> None:
        """
        Run ``job``, the thread work ``work`` wrapped, at the next delivery
        round.
        """
        self._queue.append((work, lambda: self._runJob(job)))

    def _runJob(self, job: Callable[[], object]) -> None:
        self._inJob = True
        try:
            job()
        finally:
            self._inJob = False

    def runQueued(self) -> bool:
        """
        Run what was queued before this call, in order; what those queue
        waits for the next round, as on a real reactor.

        :returns: whether anything ran.
        """
        count = len(self._queue)
        for _ in range(count):
            _, run = self._queue.popleft()
            run()
        return count > 0

    def describeQueued(self) -> list[str]:
        """
        A line per queued call, for a report of what keeps going.
        """
        return [
            f"  queued for the reactor's threads: {what!r}" for what, _ in self._queue
        ]


def _callLogged(
    f: Callable[..., object], args: tuple[object, ...], kwargs: dict[str, object]
) -> None:
    callLogged("Error in a call from a thread: {f!r}", lambda: f(*args, **kwargs), f=f)


def _answerBlockedWait(frame: FrameType | None) -> None:
    """
    If ``blockingCallFromThread`` made this call (a frame or two out from
    ``frame``) and its function left it no answer, hand it an error instead
    of letting it wait forever: no other thread will ever answer it.
    """
    waiter = _blockingWaiter(frame)
    if waiter is None:
        return
    # Twisted's blockingCallFromThread waits on this queue for the answer.
    answers = waiter.f_locals.get("queue")
    if isinstance(answers, Queue) and answers.empty():
        message = _blockedWaitMessage(waiter.f_locals.get("f"))
        answers.put(Failure(UnsupportedByFake(message)))


def _blockingWaiter(frame: FrameType | None) -> FrameType | None:
    for _ in range(3):
        if frame is None or frame.f_code is threads.blockingCallFromThread.__code__:
            return frame
        frame = frame.f_back
    return None


def _blockedWaitMessage(f: object) -> str:
    return (
        f"blockingCallFromThread({f!r}) in thread work run by a fake reactor: "
        "it returned a Deferred that had not fired, and only a reactor "
        "running in another thread could fire it while the work waits.  Have "
        "it answer at once (a value or a fired Deferred) in this test, or "
        "test the thread work and the reactor side apart."
    )


class FakeThreadPool(ThreadPool):
    """
    The thread pool of a test reactor: work given to it runs at the
    reactor's next ``flush()`` or ``advance()``, in the test's thread.

    ``deferToThread`` uses it through the reactor's ``getThreadPool()``, so
    its Deferred fires at the next flush::

        d = deferToThread(parse, raw)     # the global reactor is the fake
        reactor.flush()
        self.assertEqual(self.successResultOf(d), parsed)

    ``min``, ``max``, ``start()``, ``stop()`` and ``adjustPoolsize()`` are
    kept as a ``ThreadPool`` keeps them, and no thread ever starts.  As
    with Twisted's pool, work given after ``stop()`` is dropped.
    """

    def __init__(self, calls: ThreadCalls) -> None:
        # The sizes of the pool a real reactor makes for itself.
        super().__init__(0, 10, name="twisted_wsfakes")
        self._calls = calls
        self.started = True

    def start(self) -> None:
        self.joined = False
        self.started = True

    def stop(self) -> None:
        self.joined = True
        self.started = False

    def startAWorker(self) -> None:
        """
        Nothing to start: work runs in the test's thread.
        """

    def stopAWorker(self) -> None:
        """
        Nothing to stop: work runs in the test's thread.
        """

    def adjustPoolsize(
        self, minthreads: int | None = None, maxthreads: int | None = None
    ) -> None:
        minthreads = self.min if minthreads is None else minthreads
        maxthreads = self.max if maxthreads is None else maxthreads
        if not 0 <= minthreads <= maxthreads:
            raise NetworkUsageError(
                f"adjustPoolsize(): thread pool size: need 0 <= minthreads <= maxthreads, got "
                f"{minthreads} and {maxthreads}"
            )
        self.min, self.max = minthreads, maxthreads

    def callInThreadWithCallback(
        self,
        onResult: Callable[[bool, Any], object] | None,
        func: Callable[..., Any],
        *args: Any,
        **kw: Any,
    ) -> None:
        if self.joined:
            return
        work = answeredLocally(func, self._calls.addressOf)
        self._calls.queueJob(func, lambda: _runWork(onResult, work, args, kw))


def _runWork(
    onResult: Callable[[bool, Any], object] | None,
    func: Callable[..., Any],
    args: tuple[Any, ...],
    kwargs: dict[str, Any],
) -> None:
    """
    Run one piece of thread work as a pool thread does: its outcome goes to
    ``onResult``, or, when nobody asked for it, a failure is logged.
    """
    if onResult is None:
        callLogged(
            "Unhandled error in thread work {func!r}",
            lambda: func(*args, **kwargs),
            func=func,
        )
        return
    try:
        outcome: tuple[bool, Any] = (True, func(*args, **kwargs))
    except BaseException:  # noqa: BLE001 - the failure is the outcome
        outcome = (False, Failure())
    callLogged("Error in a thread pool result callback", onResult, *outcome)
