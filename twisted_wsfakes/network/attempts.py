"""
Connection attempts, and what a test reads and asserts about their timing:
the one attempt value, :class:`ConnectionAttempt` (``reactor.attempts``
records them; a :class:`~twisted_wsfakes.FakeEndpoint`'s attempts are the
same value with controls), the :class:`Attempts` view over a run of them
(``.times``, ``.delays``, ``.table()``, ``.assertDelays()``,
``.assertFollowsPolicy()``), and the deprecated function spellings of
those.  It imports ``connection`` from the layer, and ``clock``,
``deprecate``, ``errors``, ``printable`` and ``transcript`` (for the
`~twisted_wsfakes.transcript.Handshake`) from below it.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Sequence
from itertools import pairwise
from typing import Generic, Literal, TypeVar, overload

import attrs
from twisted.python.failure import Failure

from ..clock import formatTime
from ..deprecate import warnRenamed
from ..errors import NetworkUsageError, NoSuchAttempt, RetryMismatch
from ..printable import printable
from ..transcript import Handshake
from .connection import Connection

#: What became of an attempt: ``"pending"`` until it resolves.
Outcome = Literal["pending", "connected", "refused", "timed out", "cancelled", "failed"]


@attrs.define
class ConnectionAttempt:
    """
    One outgoing connection attempt, and what became of it.

    ``reactor.attempts`` records one for each connection the code under test
    makes through a :class:`~twisted_wsfakes.FakeReactor`; a
    :class:`~twisted_wsfakes.FakeEndpoint` records an
    :class:`~twisted_wsfakes.reconnect.EndpointAttempt`, the same value with
    ``succeed()`` and ``fail()``.

    :ivar time: the clock time of the attempt.
    :ivar host: the host as the caller named it (a name or an address), or
        the path of a ``connectUNIX``.
    :ivar port: the port (0 for ``connectUNIX``).
    :ivar outcome: ``"pending"`` until it resolves, then ``"connected"``,
        ``"refused"``, ``"timed out"`` (toward a
        :meth:`~twisted_wsfakes.FakeReactor.blackhole`, or failed with a
        ``TimeoutError``), ``"cancelled"`` or ``"failed"`` (any other
        reason: the client factory raised, say).
    :ivar tls: whether it was made with ``connectSSL`` (TLS is not simulated).
    :ivar connection: the :class:`~twisted_wsfakes.Connection` it made, if
        it connected.
    :ivar reason: the ``Failure`` it failed with, if it did.
    :ivar endTime: when it failed or was cancelled; for an endpoint's
        attempt, also when its connection was lost.  See :attr:`endedAt`.
    """

    time: float
    host: str
    port: int
    outcome: Outcome = "pending"
    tls: bool = False
    connection: Connection | None = attrs.field(default=None, repr=False)
    reason: Failure | None = attrs.field(default=None, repr=False)
    endTime: float | None = attrs.field(default=None, repr=False)

    @property
    def handshake(self) -> Handshake | None:
        """
        How the websocket opening handshake went on the connection this
        attempt made (see :class:`~twisted_wsfakes.transcript.Handshake`); ``None`` if
        it made none, or the client sent no HTTP request on it.
        """
        return None if self.connection is None else self.connection.handshake

    @property
    def endedAt(self) -> float | None:
        """
        When the attempt stopped being of use, for a retry policy's wait to
        run from: when it failed or was cancelled, or when the client
        learnt its connection was lost (behind a stalled connection that can
        be long after the server did); ``None`` while pending or open.
        """
        if self.endTime is not None:
            return self.endTime
        if self.outcome == "refused":
            # The fake network refuses at the instant of the attempt.
            return self.time
        if self.connection is not None:
            return self.connection.lostAt.get("client")
        return None

    def resolve(self, outcome: Outcome, reason: Failure | None, now: float) -> None:
        """
        Record that the attempt ended, with ``outcome``, at ``now``.  For
        the code that makes attempts, not for tests.
        """
        self.outcome = outcome
        self.reason = reason
        self.endTime = now

    def describe(self) -> str:
        """
        Say in a few words what became of the attempt, as a line of
        :meth:`Attempts.table` does: ``refused feed.example.com:80``,
        ``connected feed.example.com:80, opened, lost at 10``.
        """
        words = self.outcome + self.where()
        if self.outcome == "failed" and self.reason is not None:
            words += f" ({type(self.reason.value).__name__})"
        if self.handshake is not None:
            words += f", {self.handshake}"
        if self.outcome == "connected" and self.endedAt is not None:
            words += f", lost at {formatTime(self.endedAt)}"
        return words

    def where(self) -> str:
        """
        Where the attempt went, to follow its outcome in :meth:`describe`.
        """
        return f" {self.host}:{self.port}"


_A = TypeVar("_A", bound=ConnectionAttempt)


class Attempts(Sequence[_A], Generic[_A]):
    """
    A run of connection attempts, in order, and what to read and assert
    about their timing: ``reactor.attempts`` and a
    :class:`~twisted_wsfakes.FakeEndpoint`'s ``attempts`` are one.  Wrap
    any other list of attempts to read it the same way::

        reactor.attempts.assertDelays([1.5, 2.25, 3.375])
        reactor.attempts.assertFollowsPolicy(policy)
        print(reactor.attempts.table())

    It indexes, slices (into another ``Attempts``) and iterates like a
    list, and equals a list of the same attempts.  An index past the end
    raises :class:`~twisted_wsfakes.errors.NoSuchAttempt` saying how many
    attempts there are.
    """

    def __init__(self, attempts: Iterable[_A] = ()) -> None:
        self._items = list(attempts)

    @property
    def times(self) -> list[float]:
        """
        The clock time of each attempt, in order.
        """
        return [attempt.time for attempt in self._items]

    @property
    def delays(self) -> list[float]:
        """
        The time from each attempt's start to the next one's: one fewer
        than there are attempts.
        """
        return [later - earlier for earlier, later in pairwise(self.times)]

    def table(self) -> str:
        """
        A table of the attempts, one a line, with time, outcome and the
        delay since the attempt before::

              #  time  outcome                        delay
              0  0     refused feed.example.com:80    -
              1  2     connected feed.example.com:80  2
        """
        delays: list[float | None] = [None, *self.delays]
        rows = [_Row(a, d, None) for a, d in zip(self._items, delays)]
        return _table(rows, ("delay",))

    def assertDelays(self, expected: Sequence[float], tolerance: float = 1e-9) -> None:
        """
        Assert the time between consecutive attempts, start to start; usable
        from trial and from pytest::

            reactor.attempts.assertDelays([1.5, 2.25, 3.375])

        :param expected: one delay per attempt after the first.
        :param tolerance: how far each delay may be from the expected one.
        :raises RetryMismatch: if there are more or fewer delays than
            expected, or one is off by more than ``tolerance``; the message
            lists every attempt with its time, outcome, delay and the
            expected delay.
        :raises NetworkUsageError: if ``tolerance`` is negative.
        """
        _checkTolerance("assertDelays", tolerance)
        attempts, delays = self._items, self.delays
        rows = [_Row(attempts[0], None, None)] if attempts else []
        for attempt, delay, want in _zipLongest(attempts[1:], delays, expected):
            rows.append(_Row(attempt, delay, want))
        _raiseIfWrong(
            rows,
            tolerance,
            _countProblem(len(attempts), len(delays), len(expected)),
            "retry delays (start to start) differ from the expected ones",
            ("delay", "expected"),
        )

    def assertFollowsPolicy(
        self, policy: Callable[[int], float], tolerance: float = 1e-9
    ) -> None:
        """
        Assert that each attempt waited what ``policy`` says after the
        failure before it.

        ``policy`` has ``ClientService``'s ``retryPolicy`` shape: given how
        many attempts in a row have failed, it returns the seconds to wait.
        So each attempt after the first must start ``policy(n)`` seconds
        after the attempt before it ended (:attr:`ConnectionAttempt.endedAt`),
        where ``n`` counts the failures in a row and restarts at 1 after an
        attempt that connected.  Use the same policy object the code under
        test uses, with its jitter fixed::

            policy = backoffPolicy(initialDelay=1.0, factor=1.5,
                                   jitter=lambda: 0)
            service = ClientService(endpoint, factory, retryPolicy=policy,
                                    clock=reactor)
            ...
            reactor.attempts.assertFollowsPolicy(policy)

        :raises RetryMismatch: if a wait differs from the policy by more
            than ``tolerance``, with a table of every attempt.
        :raises NetworkUsageError: if an attempt still pending or open is
            followed by another (its end is unknown), or ``tolerance`` is
            negative.
        """
        _checkTolerance("assertFollowsPolicy", tolerance)
        attempts = self._items
        rows = [_Row(attempts[0], None, None)] if attempts else []
        failures = 0
        for before, attempt in pairwise(attempts):
            failures = 1 if before.outcome == "connected" else failures + 1
            waited = attempt.time - _endOf(before)
            label = f"policy({failures})"
            rows.append(_Row(attempt, waited, policy(failures), label))
        _raiseIfWrong(
            rows,
            tolerance,
            None,
            "waits between attempts do not follow the retry policy "
            "(each wait runs from the end of the attempt before)",
            ("wait", "policy"),
        )

    def record(self, attempt: _A) -> None:
        """
        Add ``attempt`` at the end.  For the code that makes attempts, not
        for tests.
        """
        self._items.append(attempt)

    @overload
    def __getitem__(self, index: int) -> _A: ...

    @overload
    def __getitem__(self, index: slice) -> Attempts[_A]: ...

    def __getitem__(self, index: int | slice) -> _A | Attempts[_A]:
        if isinstance(index, slice):
            return Attempts(self._items[index])
        try:
            return self._items[index]
        except IndexError:
            raise NoSuchAttempt(self._noSuchAttempt(index)) from None

    def __len__(self) -> int:
        return len(self._items)

    def __iter__(self) -> Iterator[_A]:
        return iter(self._items)

    def __eq__(self, other: object) -> bool:
        if isinstance(other, Attempts):
            return self._items == other._items
        if isinstance(other, list):
            return self._items == other
        return NotImplemented

    __hash__ = None  # type: ignore[assignment]

    def __repr__(self) -> str:
        return repr(self._items)

    def _noSuchAttempt(self, index: int) -> str:
        count = len(self._items)
        if count == 0:
            return f"no attempt {index}: connect() has not been called yet"
        calls = "once" if count == 1 else f"{count} times"
        return (
            f"no attempt {index}: connect() was called {calls} "
            f"(attempts[0] to attempts[{count - 1}], or -1 to -{count})"
        )


def _endOf(attempt: ConnectionAttempt) -> float:
    """
    When ``attempt`` ended, for a policy's wait to run from.
    """
    end = attempt.endedAt
    if end is None:
        raise NetworkUsageError(
            f"assertFollowsPolicy(): cannot tell when the attempt at {formatTime(attempt.time)} "
            f"({attempt.describe()}) ended, yet another attempt followed it; "
            f"compare start times with assertDelays() instead"
        )
    return end


@attrs.frozen
class _Row:
    attempt: ConnectionAttempt | None
    delay: float | None
    expected: float | None
    expectedLabel: str = ""

    def wrong(self, tolerance: float) -> bool:
        if self.delay is None and self.expected is None:
            return False
        if self.delay is None or self.expected is None:
            return True
        return abs(self.delay - self.expected) > tolerance


def _zipLongest(
    attempts: Sequence[ConnectionAttempt],
    delays: Sequence[float],
    expected: Sequence[float],
) -> Iterator[tuple[ConnectionAttempt | None, float | None, float | None]]:
    for i in range(max(len(delays), len(expected))):
        yield (
            attempts[i] if i < len(attempts) else None,
            delays[i] if i < len(delays) else None,
            expected[i] if i < len(expected) else None,
        )


def _countProblem(attempts: int, got: int, wanted: int) -> str | None:
    if got == wanted:
        return None
    return f"expected {wanted} delay(s), got {got} (from {attempts} attempt(s))"


def _raiseIfWrong(
    rows: list[_Row],
    tolerance: float,
    problem: str | None,
    headline: str,
    headers: tuple[str, str],
) -> None:
    if problem is None and not any(row.wrong(tolerance) for row in rows):
        return
    lines = [f"{headline} (tolerance {tolerance:g}):"]
    if problem is not None:
        lines.append(problem + ":")
    lines.append(_table(rows, headers, tolerance))
    raise RetryMismatch("\n".join(lines))


def _table(
    rows: list[_Row], headers: tuple[str, ...], tolerance: float | None = None
) -> str:
    """
    Lay out one line per row under ``headers`` (the delay's, then the
    expected value's if checking), marking the rows that are wrong.
    """
    checking = tolerance is not None
    header = ["#", "time", "outcome", *headers]
    cells = [header]
    notes = [""]
    for number, row in enumerate(rows):
        if row.attempt is None:
            cells.append(["-", "-", "(no attempt)", "-"])
        else:
            cells.append(
                [
                    str(number),
                    formatTime(row.attempt.time),
                    # A host name may come from a server (a redirect).
                    printable(row.attempt.describe()),
                    "-" if row.delay is None else formatTime(row.delay),
                ]
            )
        if checking:
            want = "-" if row.expected is None else formatTime(row.expected)
            cells[-1].append(
                f"{row.expectedLabel}={want}" if row.expectedLabel else want
            )
        wrong = tolerance is not None and row.wrong(tolerance)
        notes.append(_note(row) if wrong else "")
    widths = [max(len(line[i]) for line in cells) for i in range(len(header))]
    return "\n".join(
        (
            "  "
            + "  ".join(cell.ljust(width) for cell, width in zip(line, widths))
            + note
        ).rstrip()
        for line, note in zip(cells, notes)
    )


def _note(row: _Row) -> str:
    if row.delay is None:
        return "  <- missing"
    if row.expected is None:
        return "  <- not expected"
    return f"  <- off by {row.delay - row.expected:+g}"


def _checkTolerance(method: str, tolerance: float) -> None:
    if not tolerance >= 0:
        raise NetworkUsageError(
            f"{method}(): tolerance must be >= 0, got {tolerance!r}"
        )


# The function spellings, deprecated for the Attempts methods.


def attemptTimes(attempts: Iterable[ConnectionAttempt]) -> list[float]:
    """
    Deprecated: use :attr:`Attempts.times` (``reactor.attempts.times``).
    """
    warnRenamed("attemptTimes(attempts)", "attempts.times")
    return Attempts(attempts).times


def retryDelays(attempts: Iterable[ConnectionAttempt]) -> list[float]:
    """
    Deprecated: use :attr:`Attempts.delays` (``reactor.attempts.delays``).
    """
    warnRenamed("retryDelays(attempts)", "attempts.delays")
    return Attempts(attempts).delays


def describeAttempts(attempts: Iterable[ConnectionAttempt]) -> str:
    """
    Deprecated: use :meth:`Attempts.table` (``reactor.attempts.table()``).
    """
    warnRenamed("describeAttempts(attempts)", "attempts.table()")
    return Attempts(attempts).table()


def assertRetryDelays(
    attempts: Iterable[ConnectionAttempt],
    expected: Sequence[float],
    tolerance: float = 1e-9,
) -> None:
    """
    Deprecated: use :meth:`Attempts.assertDelays`
    (``reactor.attempts.assertDelays(expected)``).
    """
    warnRenamed("assertRetryDelays(attempts, ...)", "attempts.assertDelays(...)")
    Attempts(attempts).assertDelays(expected, tolerance)


def assertFollowsPolicy(
    attempts: Iterable[ConnectionAttempt],
    policy: Callable[[int], float],
    tolerance: float = 1e-9,
) -> None:
    """
    Deprecated: use :meth:`Attempts.assertFollowsPolicy`
    (``reactor.attempts.assertFollowsPolicy(policy)``).
    """
    warnRenamed(
        "assertFollowsPolicy(attempts, ...)", "attempts.assertFollowsPolicy(...)"
    )
    Attempts(attempts).assertFollowsPolicy(policy, tolerance)
