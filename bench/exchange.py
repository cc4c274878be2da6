"""
Benchmark: one websocket exchange through the in-memory network, against
bare ``twisted.test.iosim`` and against real loopback TCP.

Run from the repository root::

    python bench/exchange.py                 # default iteration counts
    python bench/exchange.py -n 500 --tcp 50 # chosen counts
    python bench/exchange.py --base 7f9156e  # also (a) and (b) before/after

Every scenario plays the same exchange with the same Autobahn client
protocol: the opening handshake, then 10 rounds of the client sending the
text ``request`` and waiting for the server's ``response`` before sending the
next, then the client's close handshake (code 1000), until the client's
connection is lost.  Each iteration builds everything it uses afresh:

  (a) ours: a new ``FakeReactor`` with txaio bound to it, a
      ``reactor.serveWebSocket`` server playing
      ``Script(repeat(expectText("request"), sendText("response"), times=10),
      expectClose(1000))``, and the client connected with ``connectWS``;
      ``reactor.flush()`` runs the exchange.  The timed region covers
      building the reactor, the scripted server and the client factory, and
      the exchange.  ``server.assertDone()`` runs after the timer stops, as
      (b) checks nothing at all (the script's own step matching, which is
      part of serving a script, stays inside).
  (b) the floor: an Autobahn server protocol answering each message with
      ``response``, wired to the client by ``iosim.connectedServerAndClient``
      with nothing else (txaio bound to a ``twisted.internet.task.Clock``);
      ``pump.flush()`` runs the exchange.  Timed: building both factories
      and the exchange.
  (c) the real thing: the same server protocol listening on 127.0.0.1 port
      0 of the global reactor and the client connecting with ``connectWS``;
      all iterations run one after another inside a single ``reactor.run()``.
      Timed: from ``listenTCP`` to the client's ``connectionLost`` (the
      listener is closed after the timer stops).  Each iteration is bounded
      by a timeout that stops the reactor and fails the benchmark.

(a) and (b) iterations alternate, so that drift in the machine's speed
falls on both alike; a few warm-up iterations of each are not counted.
Each iteration is timed by two clocks: the CPU time of this process
(``time.process_time``) and the wall clock (``time.perf_counter``); the
table shows the median and the 90th percentile of each.  The targets use the
CPU medians: a run takes 1-3 ms, so on a busy machine another process takes
the CPU in the middle of most runs, and the wall median then measures the
machine's load more than the code (runs of (a) and (b) were seen to differ
by 3x in wall median and 1.2x in CPU).  On an idle machine the two clocks
agree for all three, (c) included: both ends of the loopback connection
live in this process, so its time is the reactor's and the kernel's work
for this process, not waiting.  Were (c) to wait, its CPU time would
understate it, which only makes target (b) harder to meet.

Then it checks the targets and exits 1 if any fails:

  (a) ours takes at most 1.5x the iosim floor (median a / median b);
  (b) ours is at least 10x faster than real loopback TCP (median c / median a).

The garbage collector stays on, as in a test suite, and that needs
reading with care.  Both scenarios leave objects in reference cycles (a
reactor and the factories that hold it; Autobahn protocols and iosim's
transports), which only a collection frees.  A collection starts inside
whichever run allocates the object that crosses the collector's threshold,
and frees what every run since the last one left: because (a) and (b)
alternate with the same allocations each time, it lands in the same
scenario's runs over and over, and a change of a few objects allocated, in
either scenario or in this script, can move every collection from one
scenario to the other.  That moved a/b from
1.3x to 1.5x during issue 9 while the work of each stayed the same (the
instructions of an (a) run, counted by callgrind, within 2%; the same
cyclic garbage per run).  So the
script also prints how many objects each scenario leaves in cycles per run
and how many collections ran during each scenario's runs (read a change in
a/b against those first), and a/b once more from as many runs again in
which each run is charged its own garbage: right after each run a timed
``gc.collect(0)`` frees what it left in cycles, and its time is added to
that run's.  That figure does not depend on where the collector's
threshold falls, so a change in it is a change in the code's work
(reference cycles included).  The targets still use the first figure.

It also prints c/b, loopback TCP against the iosim floor: an in-memory
transport under the same Autobahn protocols can hardly beat bare iosim, so
c/b is about the most c/a can reach.  Most of every scenario's time is
Autobahn's own work (its protocol code, and a ``pformat`` of its whole
configuration that it logs at debug level on every connection), which the
transport cannot remove.

With ``--base COMMIT``, (a) and (b) also run on the code of that commit
(extracted with ``git archive``) and on this checkout, each in a fresh
interpreter, twice in turn, and a table shows each one's medians, a/b and
collections: before/after in one run.
"""

from __future__ import annotations

import argparse
import gc
import os
import statistics
import sys
import tempfile
import time
from collections.abc import Callable, Generator, Sequence
from typing import Any, cast

import attrs
from _compare import HERE, answer, extract, measureIn

try:
    from twisted_wsfakes.network import FakeReactor
except ImportError:
    sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    from twisted_wsfakes.network import FakeReactor

from autobahn.twisted.websocket import (
    WebSocketClientFactory,
    WebSocketClientProtocol,
    WebSocketServerFactory,
    WebSocketServerProtocol,
    connectWS,
)
from twisted.internet import defer
from twisted.internet.address import IPv4Address
from twisted.internet.task import Clock as TwistedClock
from twisted.logger import ILogObserver, LogEvent, formatEvent, globalLogBeginner
from twisted.python.failure import Failure
from twisted.test import iosim

from twisted_wsfakes.script import Script, expectClose, expectText, repeat, sendText
from twisted_wsfakes.websocket import bindTxaio

ROUNDS = 10
URL = "ws://bench.example.com/ws"
REQUEST = b"request"
RESPONSE = b"response"
SCRIPT = Script(
    repeat(expectText("request"), sendText("response"), times=ROUNDS),
    expectClose(1000),
)
WARMUP = 20
MAX_A_OVER_B = 1.5
MIN_C_OVER_A = 10.0
TCP_TIMEOUT = 5.0


class _Client(WebSocketClientProtocol):
    """
    Sends ``request``, waits for the answer, ``ROUNDS`` times; then closes.
    """

    factory: _ClientFactory

    # txaio's batched timers round a due time down to a whole second of the
    # clock, so Autobahn's default 1 s close handshake timeout fires anywhere
    # from 0 to 1 s after the close is sent: on the real clock of (c) it
    # sometimes fired before the server's answer arrived, failing the close
    # (1006).  Set on the class, it holds in all three scenarios alike (the
    # fake clocks of (a) and (b) never reach it).
    closeHandshakeTimeout = 5

    def onOpen(self) -> None:
        self.answers = 0
        self.sendMessage(REQUEST)  # type: ignore[no-untyped-call]

    def onMessage(self, payload: bytes, isBinary: bool) -> None:
        assert payload == RESPONSE, payload
        self.answers += 1
        if self.answers < ROUNDS:
            self.sendMessage(REQUEST)  # type: ignore[no-untyped-call]
        else:
            self.sendClose(1000)

    def onClose(self, wasClean: bool, code: int | None, reason: str | None) -> None:
        self.factory.outcome = (getattr(self, "answers", 0), wasClean, code)

    def connectionLost(self, reason: Failure) -> None:  # type: ignore[override]
        super().connectionLost(reason)
        self.factory.lost = True
        if self.factory.whenLost is not None:
            self.factory.whenLost.callback(None)


class _ClientFactory(WebSocketClientFactory):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[no-untyped-call]
        self.protocol = _Client
        self.outcome: tuple[int, bool, int | None] | None = None
        self.lost = False
        self.whenLost: defer.Deferred[None] | None = None


class _Server(WebSocketServerProtocol):
    """
    Answers every message with ``response``: the unscripted counterpart of
    the scripted server in (a).
    """

    def onMessage(self, payload: bytes, isBinary: bool) -> None:
        self.sendMessage(RESPONSE)  # type: ignore[no-untyped-call]


def _serverFactory(url: str, reactor: Any) -> WebSocketServerFactory:
    factory = WebSocketServerFactory(url, reactor=reactor)
    factory.protocol = _Server
    return factory


def _checkOutcome(scenario: str, factory: _ClientFactory) -> None:
    """
    :raises AssertionError: unless the client got every answer and closed
        cleanly with 1000.
    """
    expected = (ROUNDS, True, 1000)
    if not factory.lost or factory.outcome != expected:
        raise AssertionError(
            f"({scenario}) the exchange did not complete: lost={factory.lost}, "
            f"(answers, clean, code)={factory.outcome}, expected {expected}"
        )


@attrs.frozen
class _Sample:
    """
    How long one iteration took, by two clocks.

    :ivar cpu: seconds of CPU this process spent (``time.process_time``):
        what other processes on a busy machine do not inflate.
    :ivar wall: seconds that passed (``time.perf_counter``).
    """

    cpu: float
    wall: float

    @classmethod
    def now(cls) -> _Sample:
        return cls(time.process_time(), time.perf_counter())

    def __sub__(self, start: _Sample) -> _Sample:
        return _Sample(self.cpu - start.cpu, self.wall - start.wall)

    def __add__(self, more: _Sample) -> _Sample:
        return _Sample(self.cpu + more.cpu, self.wall + more.wall)


# (a) ours.


def _runOurs() -> _Sample:
    """
    One exchange against ``reactor.serveWebSocket``; return its times.
    """
    start = _Sample.now()
    reactor = FakeReactor()
    restore = bindTxaio(reactor)
    try:
        server = reactor.serveWebSocket(URL, SCRIPT)
        factory = _ClientFactory(URL, reactor=reactor)
        connectWS(factory)
        for _ in range(100):
            reactor.flush()
            if factory.lost:
                break
        elapsed = _Sample.now() - start
    finally:
        restore()
    _checkOutcome("a", factory)
    server.assertDone()
    return elapsed


# (b) the iosim floor.


def _runIOSim() -> _Sample:
    """
    One exchange over bare iosim; return its times.
    """
    start = _Sample.now()
    clock = TwistedClock()
    restore = bindTxaio(clock)
    try:
        serverFactory = _serverFactory(URL, clock)
        clientFactory = _ClientFactory(URL, reactor=clock)
        serverAddress = IPv4Address("TCP", "192.0.2.1", 80)
        clientAddress = IPv4Address("TCP", "198.51.100.254", 50001)
        _, _, pump = iosim.connectedServerAndClient(
            lambda: serverFactory.buildProtocol(clientAddress),
            lambda: clientFactory.buildProtocol(serverAddress),
            clock=clock,
        )
        for _ in range(100):
            pump.flush()
            if clientFactory.lost:
                break
        elapsed = _Sample.now() - start
    finally:
        restore()
    _checkOutcome("b", clientFactory)
    return elapsed


# (c) real loopback TCP.


def _runTCP(iterations: int) -> list[_Sample]:
    """
    Run ``iterations`` exchanges over loopback TCP on the global reactor,
    one after another inside one ``reactor.run()``.

    :raises AssertionError: if an exchange fails or takes longer than
        ``TCP_TIMEOUT`` seconds.
    """
    from twisted.internet import reactor

    times: list[_Sample] = []
    problems: list[Failure] = []

    @defer.inlineCallbacks
    def runAll() -> Generator[defer.Deferred[Any], object, None]:
        for _ in range(iterations):
            start = _Sample.now()
            port = reactor.listenTCP(
                0,
                _serverFactory("ws://127.0.0.1/ws", reactor),
                interface="127.0.0.1",
            )
            url = f"ws://127.0.0.1:{cast(IPv4Address, port.getHost()).port}/ws"
            factory = _ClientFactory(url, reactor=reactor)
            lost: defer.Deferred[None] = defer.Deferred()
            # A refused connection or a hung peer ends in a TimeoutError
            # here instead of a reactor that never stops.
            lost.addTimeout(TCP_TIMEOUT, reactor)
            factory.whenLost = lost
            connectWS(factory)
            yield lost
            times.append(_Sample.now() - start)
            yield defer.maybeDeferred(port.stopListening)
            _checkOutcome("c", factory)

    def start() -> None:
        runAll().addErrback(problems.append).addBoth(lambda _: reactor.stop())

    reactor.callWhenRunning(start)
    reactor.run()
    if problems:
        problems[0].raiseException()
    return times


# Reporting.


def _beginLogging() -> list[str]:
    """
    Begin logging, as trial or a real program does, into a list of the
    errors logged.

    Until logging begins, Twisted keeps the latest log events in a buffer;
    the "Starting factory" events of (a) and (c) would keep each
    iteration's reactor, protocols and connections alive in it, and the
    garbage collector would charge (a) for scanning them.
    """
    errors: list[str] = []

    def observe(event: LogEvent) -> None:
        if "log_failure" in event:
            errors.append(
                f"{formatEvent(event)}\n{event['log_failure'].getTraceback()}"
            )

    globalLogBeginner.beginLoggingTo(
        [cast(ILogObserver, observe)], discardBuffer=True, redirectStandardIO=False
    )
    return errors


def _p90(samples: Sequence[float]) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, int(0.9 * len(ordered)))]


def _check(label: str, ok: bool, detail: str) -> bool:
    print(f"{'PASS' if ok else 'FAIL'}  {label}: {detail}")
    return ok


def _alternate(
    runs: Sequence[Callable[[], _Sample]], iterations: int, charge: bool = False
) -> tuple[list[list[_Sample]], list[int]]:
    """
    Run each of ``runs`` in turn, ``iterations`` times after the warm-up.

    :param charge: after each run, collect what it left in reference cycles
        (``gc.collect(0)``: all it allocated since the last collection) and
        add the time it took to its sample, so that each run pays for its
        own cyclic garbage and for none of the other's.
    :returns: each run's samples, and how many garbage collections started
        during each run's calls (``charge`` collections not counted).
    """
    for _ in range(WARMUP):
        for run in runs:
            run()
    samples: list[list[_Sample]] = [[] for _ in runs]
    collections = [0 for _ in runs]
    running: int | None = None

    def count(phase: str, info: dict[str, int]) -> None:
        if phase == "start" and running is not None:
            collections[running] += 1

    gc.callbacks.append(count)
    try:
        for _ in range(iterations):
            for index, (run, times) in enumerate(zip(runs, samples)):
                running = index
                sample = run()
                running = None
                if charge:
                    start = _Sample.now()
                    gc.collect(0)
                    sample += _Sample.now() - start
                times.append(sample)
    finally:
        gc.callbacks.remove(count)
    return samples, collections


def _cyclicGarbage(run: Callable[[], _Sample]) -> int:
    """
    How many objects one run leaves in reference cycles: what a collection
    right after it finds unreachable.
    """
    gc.collect()
    run()
    return gc.collect()


def _cpuMedians(samples: Sequence[Sequence[_Sample]]) -> list[float]:
    return [statistics.median(sample.cpu for sample in runs) for runs in samples]


def _measure(iterations: int) -> dict[str, float]:
    """
    (a) and (b) alternated, for ``--base``: their CPU medians, the
    collections during each, what each leaves in cycles, and their CPU
    medians with each run charged its own garbage.
    """
    errors = _beginLogging()
    scenarios = [_runOurs, _runIOSim]
    samples, (gcOurs, gcFloor) = _alternate(scenarios, iterations)
    ours, floor = _cpuMedians(samples)
    chargedOurs, chargedFloor = _cpuMedians(
        _alternate(scenarios, iterations, charge=True)[0]
    )
    if errors:
        raise AssertionError(errors[0])
    return {
        "a": ours,
        "b": floor,
        "gcA": gcOurs,
        "gcB": gcFloor,
        "cyclesA": _cyclicGarbage(_runOurs),
        "cyclesB": _cyclicGarbage(_runIOSim),
        "charged": chargedOurs / chargedFloor,
    }


def compareWith(base: str, iterations: int) -> None:
    """
    Print (a) and (b) measured on ``base`` and on this checkout, each in a
    fresh interpreter, the two in turn twice.
    """
    with tempfile.TemporaryDirectory() as scratch:
        extract(base, scratch)
        print(
            f"before: {base[:12]}   after: this checkout   "
            f"({iterations} iterations of (a) and (b) in each process)"
        )
        print(
            f"  {'':<15} {'a cpu ms':>9} {'b cpu ms':>9} {'a/b':>6}   "
            f"{'collections in a / b runs':>25}   {'in cycles per a / b run':>23}"
            f"   {'a/b charged':>11}"
        )
        for round in (1, 2):
            for label, root in (
                (f"before, run {round}", scratch),
                (f"after, run {round}", HERE),
            ):
                r = measureIn(root, __file__, str(iterations))
                print(
                    f"  {label:<15} {r['a'] * 1e3:9.3f} {r['b'] * 1e3:9.3f} "
                    f"{r['a'] / r['b']:5.2f}x   {r['gcA']:>12} / {r['gcB']:<10}   "
                    f"{r['cyclesA']:>11} / {r['cyclesB']:<9}   "
                    f"{r['charged']:10.2f}x",
                    flush=True,
                )


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "-n",
        "--iterations",
        type=int,
        default=1000,
        help="iterations of (a) and of (b) (default: %(default)s)",
    )
    parser.add_argument(
        "--tcp",
        type=int,
        default=30,
        help="iterations of (c), over real TCP (default: %(default)s)",
    )
    parser.add_argument(
        "--base", help="also run (a) and (b) on this commit, side by side"
    )
    parser.add_argument("--measure", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.measure:
        return answer(_measure(args.measure))
    if args.base:
        compareWith(args.base, args.iterations)
        print()

    errors = _beginLogging()
    (ours, iosimTimes), collections = _alternate([_runOurs, _runIOSim], args.iterations)
    try:
        tcpTimes = _runTCP(args.tcp)
    except (AssertionError, defer.TimeoutError) as e:
        print(f"FAIL  (c) over loopback TCP did not complete: {e!r}")
        return 1

    rows = [
        ("(a) ours: serveWebSocket + FakeReactor", ours),
        ("(b) bare iosim", iosimTimes),
        ("(c) loopback TCP, real reactor", tcpTimes),
    ]
    print(
        f"exchange: handshake + {ROUNDS} request/response rounds + close, "
        "Autobahn client"
    )
    print(
        f"{'scenario':<40}  {'runs':>5}  {'cpu median':>10}  {'cpu p90':>8}  "
        f"{'wall median':>11}  {'wall p90':>8}   (ms)"
    )
    cpu, wall = [], []
    for label, samples in rows:
        cpuTimes = [sample.cpu for sample in samples]
        wallTimes = [sample.wall for sample in samples]
        cpu.append(statistics.median(cpuTimes))
        wall.append(statistics.median(wallTimes))
        print(
            f"{label:<40}  {len(samples):>5}  {cpu[-1] * 1e3:10.3f}  "
            f"{_p90(cpuTimes) * 1e3:8.3f}  {wall[-1] * 1e3:11.3f}  "
            f"{_p90(wallTimes) * 1e3:8.3f}"
        )
    aOverB = cpu[0] / cpu[1]
    cOverA = cpu[2] / cpu[0]
    print(f"ratio a/b, cpu medians (ours vs the iosim floor): {aOverB:.2f}x")
    print(f"ratio c/a, cpu medians (loopback TCP vs ours):    {cOverA:.1f}x")
    print(
        f"ratio c/b, cpu medians (loopback TCP vs the iosim floor): "
        f"{cpu[2] / cpu[1]:.1f}x: about the most c/a can be while Autobahn's own "
        "work is in all three"
    )
    print(
        f"(by wall medians: a/b {wall[0] / wall[1]:.2f}x, c/a {wall[2] / wall[0]:.1f}x)"
    )
    print(
        f"garbage collector: one run of (a) leaves {_cyclicGarbage(_runOurs)} "
        f"objects in reference cycles, (b) {_cyclicGarbage(_runIOSim)}; of the "
        f"{sum(collections)} collections during the timed runs (each frees what "
        f"both left since the last), {collections[0]} ran in (a)'s runs and "
        f"{collections[1]} in (b)'s"
    )
    charged = _cpuMedians(
        _alternate([_runOurs, _runIOSim], args.iterations, charge=True)[0]
    )
    print(
        f"with each run charged the collection of what it left (timed "
        f"gc.collect(0) after it), in {args.iterations} more of each: a/b = "
        f"{charged[0] / charged[1]:.2f}x ({charged[0] * 1e3:.3f} / "
        f"{charged[1] * 1e3:.3f} ms)"
    )
    print()
    if errors:
        print(f"FAIL  {len(errors)} error(s) logged during the runs; the first:")
        print(errors[0])
        return 1
    ok = _check(
        "(a) ours within 1.5x of bare iosim",
        aOverB <= MAX_A_OVER_B,
        f"a/b = {aOverB:.2f}x by cpu median (target <= {MAX_A_OVER_B:g}x)",
    )
    ok &= _check(
        "(b) ours at least 10x faster than loopback TCP",
        cOverA >= MIN_C_OVER_A,
        f"c/a = {cOverA:.1f}x by cpu median (target >= {MIN_C_OVER_A:g}x)",
    )
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
