"""
Test reconnecting clients: an endpoint whose every attempt the test answers,
assertions on retry timing, and servers that go away and come back.

Three pieces, usable together or apart:

- :class:`FakeEndpoint`, an ``IStreamClientEndpoint`` whose ``connect()``
  waits until the test makes that attempt :meth:`~EndpointAttempt.succeed`,
  :meth:`~EndpointAttempt.fail`, or leaves it hanging.
- :func:`assertRetryDelays` and :func:`assertFollowsPolicy`, which check the
  times of ``reactor.attempts`` or ``endpoint.attempts`` and, when they are
  wrong, fail with a table of every attempt.
- :class:`ListenerSwitch` and :func:`outage`, which take a listening port
  down and bring it back at chosen clock times.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable, Iterable, Iterator, Sequence
from itertools import pairwise
from typing import Literal, overload

import attrs
from twisted.internet import error
from twisted.internet.address import IPv4Address, UNIXAddress
from twisted.internet.defer import Deferred
from twisted.internet.interfaces import (
    IListeningPort,
    IProtocol,
    IProtocolFactory,
    IStreamClientEndpoint,
)
from twisted.python.failure import Failure
from zope.interface import implementer

from .connection import Address, Connection
from .errors import (
    AttemptAlreadyResolved,
    NoSuchAttempt,
    NothingToConnectTo,
    OutageError,
    RetryMismatch,
)
from .network import (
    ConnectionAttempt,
    FakeReactor,
    Listener,
    ListenerState,
    _address,
    _buildLogged,
)
from .peers import ScriptedServer
from .printable import printable
from .wire import Handshake

EndpointOutcome = Literal["pending", "connected", "failed", "cancelled"]

#: What a connection attempt can be made to reach: a scripted server from
#: ``reactor.serveWebSocket``, a listening port from ``reactor.listenTCP``, a
#: server protocol factory, or one server protocol.
ConnectTarget = ScriptedServer | IListeningPort | IProtocolFactory | IProtocol

#: The server address a client sees when it reaches a bare factory or
#: protocol, which listens on no port.
_UNBOUND = IPv4Address("TCP", "127.0.0.1", 0)


@attrs.define(eq=False)
class EndpointAttempt:
    """
    One ``connect()`` call on a :class:`FakeEndpoint`, and what became of it.

    The test settles each attempt once, with :meth:`succeed` or :meth:`fail`;
    the code under test may instead cancel the ``Deferred`` it was given.

    :ivar index: its place in ``endpoint.attempts``, from 0.
    :ivar time: the clock time of the ``connect()`` call.
    :ivar factory: the protocol factory passed to ``connect()``.
    :ivar outcome: ``"pending"`` until settled, then ``"connected"``,
        ``"failed"`` or ``"cancelled"``.
    :ivar protocol: the protocol ``factory`` built, once connected.
    :ivar connection: the in-memory :class:`~twisted_wsfakes.Connection`,
        once connected.
    :ivar reason: the ``Failure`` the ``Deferred`` failed with, if it did.
    :ivar endTime: when the attempt stopped being of use: the time it failed
        or was cancelled, or the time its connection was lost; ``None``
        while pending or connected.
    """

    index: int
    time: float
    factory: IProtocolFactory = attrs.field(repr=False)
    _endpoint: FakeEndpoint = attrs.field(repr=False, alias="endpoint")
    _deferred: Deferred[IProtocol] = attrs.field(repr=False, alias="deferred")
    outcome: EndpointOutcome = "pending"
    protocol: IProtocol | None = attrs.field(default=None, repr=False)
    connection: Connection | None = attrs.field(default=None, repr=False)
    reason: Failure | None = attrs.field(default=None, repr=False)
    endTime: float | None = None

    @property
    def handshake(self) -> Handshake | None:
        """
        How the websocket opening handshake went on this attempt's
        connection (see :class:`~twisted_wsfakes.Handshake`); ``None`` if it
        has none, or the client sent no HTTP request on it.
        """
        return None if self.connection is None else self.connection.handshake

    def succeed(self, to: ConnectTarget | None = None) -> None:
        """
        Connect this attempt in memory, then deliver until all is quiet.

        The factory given to ``connect()`` builds the client protocol; the
        server end is ``to``, or the endpoint's ``server`` when ``to`` is
        ``None``:

        - a :class:`~twisted_wsfakes.ScriptedServer`
          (``reactor.serveWebSocket``): the connection plays its next
          Script, as a connection routed by the reactor would;
        - a listening port from ``reactor.listenTCP``: its factory builds the
          server protocol, and the client sees the port's address;
        - a protocol factory: it builds the server protocol;
        - a protocol: it is the server end (once; a protocol serves one
          connection).

        Both protocols get ``makeConnection``, the ``Deferred`` fires with the
        client protocol (after ``connectionMade``, as Twisted's endpoints
        do), and ``reactor.flush()`` runs, so a websocket opening handshake
        is complete when this returns::

            server = reactor.listenTCP(9000, WebSocketServerFactory())
            endpoint = FakeEndpoint(reactor, server=server)
            service = ClientService(endpoint, clientFactory, clock=reactor)
            service.startService()
            endpoint.attempts[0].succeed()

        If the client factory builds no protocol, the attempt fails with
        ``NoProtocol`` instead, as with Twisted's endpoints.

        :raises AttemptAlreadyResolved: if this attempt was already settled
            or cancelled.
        :raises NothingToConnectTo: if there is no server end, the server
            would refuse the connection (it is down, or set to refuse with
            ``refuseNext`` or ``afterLast="refuse"``), or ``to`` is none of
            the kinds above.  A test that wants the attempt refused calls
            :meth:`fail`.
        """
        self._checkPending("succeed()")
        endpoint = self._endpoint
        reactor = endpoint._reactor
        target = _Target.of(to if to is not None else endpoint.server, self)
        client = self.factory.buildProtocol(target.address)
        if client is None:
            self.fail(error.NoProtocol())
            return
        clientAddress = reactor._clientAddressFor(target.address)
        server = _buildLogged(target.buildServer, clientAddress)
        connection = reactor._newConnection(
            clientAddress,
            target.address,
            client,
            # As on the reactor: a server end that fails to build is logged,
            # and the client sees its connection made, then lost.
            None if isinstance(server, Failure) else server,
            onClientLost=self._lost,
        )
        self.outcome = "connected"
        self.protocol = client
        self.connection = connection
        if target.listener is not None:
            target.listener.accepted.append(connection)
        reactor._startConnection(connection)
        self._deferred.callback(client)
        reactor.flush()

    def fail(self, reason: BaseException | Failure | None = None) -> None:
        """
        Fail this attempt, then deliver until all is quiet.

        :param reason: what the ``Deferred`` fails with; by default
            ``ConnectionRefusedError``, as when nothing listens.
        :raises AttemptAlreadyResolved: if this attempt was already settled
            or cancelled.
        """
        self._checkPending("fail()")
        if reason is None:
            reason = error.ConnectionRefusedError()
        failure = reason if isinstance(reason, Failure) else Failure(reason)
        self._end("failed", failure)
        self._deferred.errback(failure)
        self._endpoint._reactor.flush()

    def _describe(self) -> str:
        """
        Say what became of this attempt, in a few words, for failure reports.
        """
        if self.outcome == "failed" and self.reason is not None:
            return f"failed ({type(self.reason.value).__name__})"
        described = self.outcome + _handshakeNote(self.handshake)
        if self.outcome == "connected" and self.endTime is not None:
            return f"{described}, lost at {_number(self.endTime)}"
        return described

    def _checkPending(self, action: str) -> None:
        if self.outcome == "pending":
            return
        if self.outcome == "cancelled":
            what = "was cancelled by the code under test"
        else:
            what = f"already {self.outcome}"
        raise AttemptAlreadyResolved(
            f"{action} on attempt {self.index} (connect() at "
            f"{_number(self.time)}): it {what}; an attempt is settled once"
        )

    def _end(self, outcome: EndpointOutcome, reason: Failure | None) -> None:
        self.outcome = outcome
        self.reason = reason
        self.endTime = self._endpoint._reactor.seconds()
        self.factory.doStop()

    def _cancel(self, deferred: Deferred[IProtocol]) -> None:
        # As Twisted's TCP endpoints do, fail with ConnectingCancelledError.
        if self.outcome == "pending":
            failure = Failure(error.ConnectingCancelledError(self._endpoint._where()))
            self._end("cancelled", failure)
            deferred.errback(failure)

    def _lost(self, reason: Failure) -> None:
        self.endTime = self._endpoint._reactor.seconds()
        self.factory.doStop()


@attrs.frozen
class _Target:
    """
    The server end of a connection an attempt makes.

    This is the one place that learns a new kind of target (scripted servers,
    with the scripts layer).
    """

    address: Address
    buildServer: Callable[[Address], IProtocol | None]
    listener: Listener | None = None

    @classmethod
    def of(cls, to: object, attempt: EndpointAttempt) -> _Target:
        where = f"succeed() on attempt {attempt.index}"
        if to is None:
            raise NothingToConnectTo(
                f"{where} has nothing to connect to: pass succeed(to=...) a "
                f"listening port, a server factory or a protocol, or give the "
                f"FakeEndpoint a server"
            )
        if isinstance(to, ScriptedServer):
            to = to.listener
        if isinstance(to, Listener):
            refusing = to.whyRefusing()
            if refusing is not None:
                raise NothingToConnectTo(
                    f"{where}: {to!r} {refusing}; call fail() to refuse the "
                    f"attempt instead"
                )
            return cls(_reachable(to.address), to.factory.buildProtocol, to)
        if IListeningPort.providedBy(to):
            raise NothingToConnectTo(
                f"{where}: {to!r} is not a port of a FakeReactor; pass the "
                f"port reactor.listenTCP() returned"
            )
        if IProtocolFactory.providedBy(to):
            return cls(_UNBOUND, to.buildProtocol)
        if IProtocol.providedBy(to):
            if getattr(to, "transport", None) is not None:
                raise NothingToConnectTo(
                    f"{where}: the protocol {to!r} already has a connection; "
                    f"pass a factory to serve more than one"
                )
            return cls(_UNBOUND, lambda address: to)
        raise NothingToConnectTo(
            f"{where}: cannot connect to {to!r}; pass a listening port from "
            f"reactor.listenTCP(), a server protocol factory or a protocol"
        )


def _reachable(address: Address) -> Address:
    """
    The address a client reaches a listening port at: a port listening on
    every interface is reached on the loopback address.
    """
    if isinstance(address, UNIXAddress):
        return address
    if address.host in ("0.0.0.0", ""):
        return _address("127.0.0.1", address.port)
    if address.host == "::":
        return _address("::1", address.port)
    return address


class _Attempts(Sequence[EndpointAttempt]):
    """
    The attempts of a :class:`FakeEndpoint`, read-only, whose out-of-range
    index says how many attempts there are.
    """

    def __init__(self) -> None:
        self._items: list[EndpointAttempt] = []

    @overload
    def __getitem__(self, index: int) -> EndpointAttempt: ...

    @overload
    def __getitem__(self, index: slice) -> Sequence[EndpointAttempt]: ...

    def __getitem__(
        self, index: int | slice
    ) -> EndpointAttempt | Sequence[EndpointAttempt]:
        if isinstance(index, slice):
            return self._items[index]
        try:
            return self._items[index]
        except IndexError:
            raise NoSuchAttempt(self._noSuchAttempt(index)) from None

    def __len__(self) -> int:
        return len(self._items)

    def __iter__(self) -> Iterator[EndpointAttempt]:
        return iter(self._items)

    def __repr__(self) -> str:
        return repr(self._items)

    def _append(self, attempt: EndpointAttempt) -> None:
        self._items.append(attempt)

    def _noSuchAttempt(self, index: int) -> str:
        count = len(self._items)
        if count == 0:
            return f"no attempt {index}: connect() has not been called yet"
        calls = "once" if count == 1 else f"{count} times"
        return (
            f"no attempt {index}: connect() was called {calls} "
            f"(attempts[0] to attempts[{count - 1}], or -1 to -{count})"
        )


@implementer(IStreamClientEndpoint)
class FakeEndpoint:
    """
    A client endpoint whose every connection attempt waits for the test.

    Give it to the code under test in place of a real endpoint.  Each
    ``connect()`` is recorded in :attr:`attempts` and its ``Deferred`` stays
    pending until the test makes that attempt :meth:`~EndpointAttempt.succeed`
    (an in-memory connection, so real handshakes run) or
    :meth:`~EndpointAttempt.fail`; an attempt the test leaves alone hangs,
    as a connection to a host that drops packets does::

        reactor = useFakeReactor(self)
        server = reactor.listenTCP(9000, serverFactory)
        endpoint = FakeEndpoint(reactor, server=server)
        service = ClientService(endpoint, clientFactory, clock=reactor,
                                retryPolicy=lambda failures: 2.0)
        service.startService()
        endpoint.attempts[0].fail()           # refused
        reactor.advance(2.0)                  # the retry is due
        endpoint.attempts[1].succeed()        # connected, handshake done
        self.assertEqual(endpoint.attempts[1].time, 2.0)

    ``succeed()`` and ``fail()`` settle the attempt at once, inside the
    call: the test, not the code under test, is the caller, so nothing runs
    re-entrantly in the code that called ``connect()``.

    As with Twisted's TCP endpoints, ``connect()`` calls the factory's
    ``doStart()``, and its ``doStop()`` runs when the attempt fails, is
    cancelled, or its connection is lost.  Cancelling the ``Deferred`` marks
    the attempt ``"cancelled"`` and fails it with ``ConnectingCancelledError``,
    as Twisted's TCP endpoints do.

    For attempts that settle by themselves against whatever listens, use a
    real endpoint on the :class:`~twisted_wsfakes.FakeReactor` instead
    (``TCP4ClientEndpoint(reactor, host, port)``, ``HostnameEndpoint``,
    ``clientFromString``): ``reactor.attempts`` records those.

    :param reactor: the reactor whose clock times the attempts and whose
        network carries their connections.
    :param server: what :meth:`~EndpointAttempt.succeed` connects to when
        given nothing: a listening port, a server factory or a protocol.
    :ivar server: that default, which a test may change between attempts.
    :ivar attempts: every attempt, in ``connect()`` order; an index past the
        end raises :class:`~twisted_wsfakes.errors.NoSuchAttempt` saying how
        many there are.
    """

    def __init__(
        self, reactor: FakeReactor, server: ConnectTarget | None = None
    ) -> None:
        self.server = server
        self._reactor = reactor
        self._attempts = _Attempts()

    @property
    def attempts(self) -> Sequence[EndpointAttempt]:
        return self._attempts

    def connect(self, protocolFactory: IProtocolFactory) -> Deferred[IProtocol]:
        """
        Record an attempt and return its ``Deferred``, which fires when the
        test settles the attempt.
        """
        attempt = EndpointAttempt(
            index=len(self._attempts),
            time=self._reactor.seconds(),
            factory=protocolFactory,
            endpoint=self,
            deferred=Deferred(lambda d: attempt._cancel(d)),
        )
        self._attempts._append(attempt)
        protocolFactory.doStart()
        return attempt._deferred

    def _where(self) -> Address:
        """
        The address this endpoint connects to, as far as it knows one.
        """
        server = self.server
        if isinstance(server, ScriptedServer):
            server = server.listener
        if isinstance(server, Listener):
            return _reachable(server.address)
        return _UNBOUND

    def __repr__(self) -> str:
        return f"<FakeEndpoint with {len(self._attempts)} attempt(s)>"


# Assertions on attempt times.

AnyAttempt = ConnectionAttempt | EndpointAttempt


def attemptTimes(attempts: Iterable[AnyAttempt]) -> list[float]:
    """
    Return the clock time of each attempt, in order.
    """
    return [attempt.time for attempt in attempts]


def retryDelays(attempts: Iterable[AnyAttempt]) -> list[float]:
    """
    Return the time between each attempt and the one before it: one fewer
    than there are attempts.
    """
    times = attemptTimes(attempts)
    return [later - earlier for earlier, later in pairwise(times)]


def assertRetryDelays(
    attempts: Iterable[AnyAttempt],
    expected: Sequence[float],
    tolerance: float = 1e-9,
) -> None:
    """
    Assert the time between consecutive attempts, start to start.

    Works on ``reactor.attempts`` and on a :class:`FakeEndpoint`'s
    ``attempts``; usable from trial and from pytest::

        assertRetryDelays(reactor.attempts, [1.5, 2.25, 3.375])

    :param expected: one delay per attempt after the first.
    :param tolerance: how far each delay may be from the expected one.
    :raises RetryMismatch: if there are more or fewer delays than expected,
        or one is off by more than ``tolerance``; the message lists every
        attempt with its time, outcome, delay and the expected delay.
    """
    _checkTolerance(tolerance)
    attempts = list(attempts)
    delays = retryDelays(attempts)
    rows = [_Row(attempts[0], None, None)] if attempts else []
    for attempt, delay, want in _zipLongest(attempts[1:], delays, expected):
        rows.append(_Row(attempt, delay, want))
    problem = _countProblem(len(attempts), len(delays), len(expected))
    _raiseIfWrong(
        rows,
        tolerance,
        problem,
        "retry delays (start to start) differ from the expected ones",
        ("delay", "expected"),
    )


def assertFollowsPolicy(
    attempts: Iterable[AnyAttempt],
    policy: Callable[[int], float],
    tolerance: float = 1e-9,
) -> None:
    """
    Assert that each attempt waited what ``policy`` says after the failure
    before it.

    ``policy`` has ``ClientService``'s ``retryPolicy`` shape: given how many
    attempts in a row have failed, it returns the seconds to wait.  So each
    attempt after the first must start ``policy(n)`` seconds after the
    attempt before it ended, where ``n`` counts the failures in a row and
    restarts at 1 after an attempt that connected (the wait then runs from
    the moment its connection was lost).  Use the same policy object the
    code under test uses, with its jitter fixed::

        policy = backoffPolicy(initialDelay=1.0, factor=1.5,
                               jitter=lambda: 0)
        service = ClientService(endpoint, factory, retryPolicy=policy,
                                clock=reactor)
        ...
        assertFollowsPolicy(reactor.attempts, policy)

    :raises RetryMismatch: if a wait differs from the policy by more than
        ``tolerance``, with a table of every attempt.
    :raises ValueError: if it cannot be told when an attempt ended: a
        reactor attempt that timed out or was cancelled, or one still
        pending or open followed by another attempt.
    """
    _checkTolerance(tolerance)
    attempts = list(attempts)
    rows = [_Row(attempts[0], None, None)] if attempts else []
    failures = 0
    for before, attempt in pairwise(attempts):
        failures = 1 if before.outcome == "connected" else failures + 1
        waited = attempt.time - _endTime(before)
        rows.append(_Row(attempt, waited, policy(failures), f"policy({failures})"))
    _raiseIfWrong(
        rows,
        tolerance,
        None,
        "waits between attempts do not follow the retry policy "
        "(each wait runs from the end of the attempt before)",
        ("wait", "policy"),
    )


def describeAttempts(attempts: Iterable[AnyAttempt]) -> str:
    """
    Return a table of the attempts, one a line, with time and outcome::

        print(describeAttempts(reactor.attempts))
    """
    attempts = list(attempts)
    delays: list[float | None] = [None, *retryDelays(attempts)]
    return _table([_Row(a, d, None) for a, d in zip(attempts, delays)], ("delay",))


@attrs.frozen
class _Row:
    attempt: AnyAttempt | None
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
    attempts: Sequence[AnyAttempt],
    delays: Sequence[float],
    expected: Sequence[float],
) -> Iterator[tuple[AnyAttempt | None, float | None, float | None]]:
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
                    _number(row.attempt.time),
                    # A host name may come from a server (a redirect).
                    printable(_outcomeOf(row.attempt)),
                    "-" if row.delay is None else _number(row.delay),
                ]
            )
        if checking:
            want = "-" if row.expected is None else _number(row.expected)
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


def _outcomeOf(attempt: AnyAttempt) -> str:
    if isinstance(attempt, EndpointAttempt):
        return attempt._describe()
    outcome = f"{attempt.outcome} {attempt.host}:{attempt.port}"
    outcome += _handshakeNote(attempt.handshake)
    connection = attempt.connection
    if connection is not None and "client" in connection.lostAt:
        outcome += f", lost at {_number(_closedAt(connection))}"
    return outcome


def _handshakeNote(handshake: Handshake | None) -> str:
    """
    The websocket outcome of a connected attempt, to follow its outcome.
    """
    return "" if handshake is None else f", {handshake}"


def _endTime(attempt: AnyAttempt) -> float:
    """
    When an attempt ended, for a policy's wait to run from.
    """
    if isinstance(attempt, EndpointAttempt):
        if attempt.endTime is not None:
            return attempt.endTime
    elif attempt.outcome == "refused":
        # The fake network refuses at the instant of the attempt.
        return attempt.time
    elif attempt.connection is not None and "client" in attempt.connection.lostAt:
        return _closedAt(attempt.connection)
    raise ValueError(
        f"cannot tell when the attempt at {_number(attempt.time)} "
        f"({_outcomeOf(attempt)}) ended, yet another attempt followed it; "
        f"compare start times with assertRetryDelays() instead"
    )


def _closedAt(connection: Connection) -> float:
    # When the client learnt of the loss: a reconnector's wait starts then,
    # which behind a stalled connection can be long after the server did.
    return connection.lostAt["client"]


def _checkTolerance(tolerance: float) -> None:
    if not tolerance >= 0:
        raise ValueError(f"tolerance must be >= 0, got {tolerance!r}")


def _number(value: float) -> str:
    """
    A time or delay, as short as it can be without rounding it away.
    """
    text = f"{value:.6f}".rstrip("0").rstrip(".")
    return "0" if text in ("-0", "") else text


# Outages, the old way.


class ListenerSwitch:
    """
    Deprecated: a :class:`~twisted_wsfakes.Listener` now goes
    :meth:`~twisted_wsfakes.Listener.down` and
    :meth:`~twisted_wsfakes.Listener.up` and keeps a
    :meth:`~twisted_wsfakes.Listener.schedule` itself.

    Takes a listening port down and brings it back, now or at set times,
    through its :class:`~twisted_wsfakes.Listener`.

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
        warnings.warn(
            "ListenerSwitch is deprecated: call down(), up() and schedule() "
            "on the Listener itself (the port listenTCP() returned, or "
            "ScriptedServer.listener)",
            DeprecationWarning,
            stacklevel=2,
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
        As :meth:`Listener.down <twisted_wsfakes.Listener.down>`, with this
        switch's ``dropConnections``.
        """
        self.listener.down(self.dropConnections)

    def up(self) -> None:
        """
        As :meth:`Listener.up <twisted_wsfakes.Listener.up>`.
        """
        self.listener.up()

    def schedule(self, changes: Iterable[tuple[float, ListenerState]]) -> None:
        """
        As :meth:`Listener.schedule <twisted_wsfakes.Listener.schedule>`,
        with this switch's ``dropConnections``.
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
    on the :class:`~twisted_wsfakes.Listener`.

    Take ``listener`` down at clock time ``start`` and back up at ``end``.

    :returns: a :class:`ListenerSwitch` on it.
    :raises OutageError: if ``end`` is not after ``start``, ``start`` is in
        the past, or the port is down at ``start``.
    """
    warnings.warn(
        'outage() is deprecated: call schedule([(start, "down"), (end, "up")]) '
        "on the Listener (the port listenTCP() returned, or "
        "ScriptedServer.listener)",
        DeprecationWarning,
        stacklevel=2,
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
