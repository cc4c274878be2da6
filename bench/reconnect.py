"""
Benchmark: reconnecting websocket clients on the FakeReactor.

Run from the repository root::

    python bench/reconnect.py                 # 1,000 cycles, 5 outage runs
    python bench/reconnect.py --cycles 5000 --runs 9
    python bench/reconnect.py --base 88a1e09  # before/after, side by side

Everything runs the real stack: Twisted's ``ClientService`` with a
``backoffPolicy``, a ``clientFromString`` TCP endpoint, and an Autobahn
client, connecting over the in-memory network to a scripted websocket
server, with Autobahn's timers on the fake clock.

(a) Reconnect cycles.  A cycle is: the backoff wait ends, ``ClientService``
    connects, the opening handshake runs, the server sends one message and
    drops the connection, and ``ClientService`` schedules the next wait.
    Each cycle is one ``reactor.advance(wait)``.  Target: median under 2 ms
    per cycle.

(b) A six-hour outage.  The client connects, the server goes down at 100 s
    for six hours of fake time while the client retries (1.5x backoff from
    1.5 s, capped at 60 s, no jitter), then comes back, and the client
    reconnects at its next retry.  A run's time covers building the
    reactor, server and client and all of the above.  Target: median run
    under 0.5 s.

Each cycle and run is timed by the CPU time of this process
(``time.process_time``) and by the wall clock (``time.perf_counter``), both
printed; the targets use the CPU medians, as ``bench/exchange.py`` does,
because on a busy machine another process takes the CPU in the middle of
many millisecond-long cycles and the wall clock then measures the load.
The garbage collector stays on: its pauses are part of what a long test
costs.

With ``--base COMMIT`` both measurements also run on the code of that
commit (extracted with ``git archive``), each version in a fresh
subprocess, and a table shows the two CPU medians and their ratio.

Both check that what was simulated happened (every message received, every
attempt where the policy puts it) before reporting a time, and the script
exits 1 if a target fails.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from typing import cast

import attrs
from _compare import HERE, answer, extract, measureIn, row

try:
    import twisted_wsfakes
except ImportError:
    sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from autobahn.twisted.websocket import WebSocketClientFactory, WebSocketClientProtocol
from twisted.application.internet import ClientService, backoffPolicy
from twisted.internet.endpoints import clientFromString

import twisted_wsfakes
from twisted_wsfakes import (
    FakeReactor,
    Script,
    ScriptedServer,
    sendJSON,
    wait,
)
from twisted_wsfakes.websocket import bindTxaio

URL = "ws://feed.example.com:9000/v1"
ENDPOINT = "tcp:host=feed.example.com:port=9000"
TICK = {"type": "ticker", "symbol": "BTC-USD", "price": 64123.45}
OUTAGE_START = 100.0
OUTAGE = 6 * 3600.0
MAX_CYCLE_MEDIAN = 0.002
MAX_OUTAGE_SECONDS = 0.5


class _CountingClient(WebSocketClientProtocol):
    """
    Counts the messages it receives on its factory.
    """

    def onMessage(self, payload: bytes, isBinary: bool) -> None:
        cast(_CountingFactory, self.factory).received += 1


class _CountingFactory(WebSocketClientFactory):
    """
    Builds :class:`_CountingClient` connections and keeps their count.

    :ivar received: messages received on all its connections.
    """

    protocol = _CountingClient

    def __init__(self, url: str, reactor: FakeReactor) -> None:
        super().__init__(url, reactor=reactor)  # type: ignore[no-untyped-call]
        self.received = 0


class _Client:
    """
    A reactor with a scripted server on it and a started ``ClientService``
    whose Autobahn client connects to it.
    """

    def __init__(self, script: Script, policy: Callable[[int], float]) -> None:
        self.reactor = FakeReactor()
        self.restoreTxaio = bindTxaio(self.reactor)
        self.server: ScriptedServer = self.reactor.serveWebSocket(URL, script)
        self.factory = _CountingFactory(URL, self.reactor)
        self.service = ClientService(
            clientFromString(self.reactor, ENDPOINT),
            self.factory,
            retryPolicy=policy,
            clock=self.reactor,
        )
        self.service.startService()

    def close(self) -> None:
        self.service.stopService()
        self.reactor.advance(5)
        self.restoreTxaio()


def _policy() -> Callable[[int], float]:
    return backoffPolicy(initialDelay=1.0, factor=1.5, maxDelay=60.0, jitter=lambda: 0)


@attrs.frozen
class _Timing:
    """
    How long something took, by the CPU time of this process
    (``time.process_time``) and by the wall clock (``time.perf_counter``).
    """

    cpu: float
    wall: float


class _Stopwatch:
    """
    Started when made; :meth:`read` says how long since, by both clocks.
    """

    def __init__(self) -> None:
        self.cpu = time.process_time()
        self.wall = time.perf_counter()

    def read(self) -> _Timing:
        return _Timing(time.process_time() - self.cpu, time.perf_counter() - self.wall)


# Before and after issue 9 (closeTCP was drop; attempts read and asserted
# through functions), so --base can run this script on either version.
_closeTCP = getattr(twisted_wsfakes, "closeTCP", None) or twisted_wsfakes.drop


def _assertFollowsPolicy(
    attempts: Sequence[object], policy: Callable[[int], float]
) -> None:
    method = getattr(attempts, "assertFollowsPolicy", None)
    if method is not None:
        method(policy)
    else:
        twisted_wsfakes.assertFollowsPolicy(attempts, policy)


def runCycles(cycles: int) -> list[_Timing]:
    """
    Run ``cycles`` reconnect cycles and return how long each took.

    :raises AssertionError: if a cycle did not connect, receive its message
        and drop, or an attempt came at another time than the policy says.
    """
    policy = _policy()
    # wait(0) lets the message reach the client before the drop, which
    # discards bytes still in flight, as a real network would.
    client = _Client(Script(sendJSON(TICK), wait(0), _closeTCP()), policy)
    reactor = client.reactor
    reactor.advance(0)  # the first connection, not timed
    waitFor = policy(1)  # every cycle follows one connected attempt
    timings = []
    for _ in range(cycles):
        watch = _Stopwatch()
        reactor.advance(waitFor)
        timings.append(watch.read())
    attempts = reactor.attempts
    assert len(attempts) == cycles + 1, f"{len(attempts)} attempts"
    assert all(a.outcome == "connected" for a in attempts), "an attempt failed"
    assert client.factory.received == cycles + 1, f"{client.factory.received} msgs"
    _assertFollowsPolicy(attempts, policy)
    client.close()
    return timings


def runOutage() -> tuple[_Timing, int]:
    """
    Run one six-hour outage; return how long it took and the number of
    connection attempts.

    :raises AssertionError: if the client did not retry where the policy
        says or did not reconnect once the server was back.
    """
    watch = _Stopwatch()
    policy = _policy()
    client = _Client(Script(sendJSON(TICK)), policy)
    reactor = client.reactor
    reactor.advance(OUTAGE_START)
    client.server.down()
    reactor.advance(OUTAGE)
    client.server.up()
    reactor.advance(60)
    timing = watch.read()
    attempts = reactor.attempts
    outcomes = [a.outcome for a in attempts]
    assert outcomes[0] == outcomes[-1] == "connected", outcomes[-1]
    assert set(outcomes[1:-1]) == {"refused"}, set(outcomes[1:-1])
    assert client.factory.received == 2, f"{client.factory.received} messages"
    _assertFollowsPolicy(attempts, policy)
    client.close()
    return timing, len(attempts)


def _summary(values: Sequence[float], unit: float) -> str:
    """
    Median, 90th percentile and maximum of ``values``, in ``unit``.
    """
    scaled = [v / unit for v in values]
    p90 = scaled[0]
    if len(scaled) > 1:
        p90 = statistics.quantiles(scaled, n=10, method="inclusive")[-1]
    median = statistics.median(scaled)
    return f"median {median:7.3f}  p90 {p90:7.3f}  max {max(scaled):7.3f}"


def _check(label: str, ok: bool, detail: str) -> bool:
    print(f"{'PASS' if ok else 'FAIL'}  {label}: {detail}")
    return ok


def _measure(what: str, count: int) -> dict[str, float]:
    """
    The CPU median of ``count`` cycles or outage runs, for ``--base``.
    """
    if what == "cycles":
        return {"median": statistics.median(t.cpu for t in runCycles(count))}
    return {"median": statistics.median(runOutage()[0].cpu for _ in range(count))}


def compareWith(base: str, cycles: int, runs: int) -> None:
    """
    Print the CPU medians of both measurements on ``base`` and on this
    checkout, side by side.
    """
    with tempfile.TemporaryDirectory() as scratch:
        extract(base, scratch)
        print(f"before: {base[:12]}   after: this checkout")
        print(f"  {'':<40} {'before':>14} {'after':>14} {'ratio':>9}")
        for label, what, count, unit, scale in [
            (
                f"(a) reconnect cycle, cpu median of {cycles}",
                "cycles",
                cycles,
                "ms",
                1e3,
            ),
            (f"(b) six-hour outage, cpu median of {runs}", "outage", runs, "s", 1),
        ]:
            before = measureIn(scratch, __file__, what, str(count))["median"]
            after = measureIn(HERE, __file__, what, str(count))["median"]
            print(row(label, before * scale, after * scale, unit), flush=True)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--cycles", type=int, default=1_000)
    parser.add_argument("--runs", type=int, default=5, help="outage runs")
    parser.add_argument("--base", help="also measure this commit, side by side")
    parser.add_argument("--measure", nargs=2, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.cycles < 1 or args.runs < 1:
        parser.error("--cycles and --runs must be at least 1")
    if args.measure:
        what, count = args.measure
        return answer(_measure(what, int(count)))
    if args.base:
        compareWith(args.base, args.cycles, args.runs)
        print()

    cycles = runCycles(args.cycles)
    tenth = max(1, len(cycles) // 10)
    cpu = [t.cpu for t in cycles]
    print(f"(a) {len(cycles)} reconnect cycles, ms per cycle")
    print(f"    cpu   {_summary(cpu, 1e-3)}")
    print(f"    wall  {_summary([t.wall for t in cycles], 1e-3)}")
    print(
        f"    cpu median of the first {tenth} cycles "
        f"{statistics.median(cpu[:tenth]) * 1e3:.3f}, "
        f"of the last {tenth} {statistics.median(cpu[-tenth:]) * 1e3:.3f}"
    )
    outages = [runOutage() for _ in range(args.runs)]
    outageCPU = [timing.cpu for timing, _ in outages]
    print(
        f"(b) six-hour outage, {outages[0][1]} connection attempts a run, "
        f"{args.runs} runs, s per run"
    )
    print(f"    cpu   {_summary(outageCPU, 1)}")
    print(f"    wall  {_summary([timing.wall for timing, _ in outages], 1)}")
    print()
    median = statistics.median(cpu)
    ok = _check(
        f"(a) {len(cycles)} reconnect cycles, cpu median",
        median < MAX_CYCLE_MEDIAN,
        f"{median * 1e3:.3f} ms per cycle (target < {MAX_CYCLE_MEDIAN * 1e3:g} ms)",
    )
    median = statistics.median(outageCPU)
    ok &= _check(
        "(b) six-hour outage, cpu median",
        median < MAX_OUTAGE_SECONDS,
        f"{median:.3f} s per run (target < {MAX_OUTAGE_SECONDS:g} s)",
    )
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
