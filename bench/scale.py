"""
Benchmark: what many timers and many connections cost, before and after.

Run from the repository root::

    python bench/scale.py                   # against the code before issue 8
    python bench/scale.py --base main~5     # against another commit
    python bench/scale.py --hours 1         # a shorter outage

Each measurement runs twice, in fresh subprocesses: once on the code of
``--base`` (extracted with ``git archive`` into a temporary directory) and
once on this checkout; the table shows both and their ratio.

(a) ``advance`` over 10,000 timers with 0, 1,000 and 10,000 idle open
    connections.  The connections are plain Twisted protocols connected over
    the in-memory network and then left alone; the timers are no-ops spread
    over 100 s.  Timed (``time.perf_counter``): one ``reactor.advance(100)``.
    Every timer flushes the network after it runs, so this measures what a
    flush costs when nothing moves.
(b) Memory of a six-hour accept-and-drop outage: an Autobahn client behind
    ``ClientService`` (a constant 1 s retry) connecting to a scripted server
    whose script drops every connection at once, for six hours of fake time
    (21,601 connections).  Measured: the growth of the process's peak
    resident set size (``ru_maxrss``) over the run, and the run's time.

The script checks that the work was done (every timer ran, every connection
was made) and exits 1 if the current code is not faster than the base for
(a) at 10,000 connections, or does not use less memory for (b).
"""

from __future__ import annotations

import argparse
import resource
import sys
import tempfile
import time
from collections.abc import Sequence
from typing import Any

from _compare import HERE, answer, extract, measureIn, row

#: The commit before issue 8's changes: the "before" of the figures.
DEFAULT_BASE = "40b9920f1e182dac93864fcac7d1a6dc078d7073"
TIMERS = 10_000
IDLE = (0, 1_000, 10_000)
URL = "ws://feed.example.com:9000/v1"
ENDPOINT = "tcp:host=feed.example.com:port=9000"


def measureAdvance(idle: int) -> dict[str, Any]:
    """
    Time one ``advance`` over ``TIMERS`` no-op timers with ``idle`` idle
    open connections.
    """
    from twisted.internet.protocol import ClientFactory, Factory, Protocol

    from twisted_wsfakes import FakeReactor

    reactor = FakeReactor()
    reactor.listenTCP(9000, Factory.forProtocol(Protocol))
    for _ in range(idle):
        reactor.connectTCP("127.0.0.1", 9000, ClientFactory.forProtocol(Protocol))
    reactor.flush()
    ran = []
    for i in range(TIMERS):
        reactor.callLater(i * 100 / TIMERS, ran.append, i)
    start = time.perf_counter()
    reactor.advance(100)
    seconds = time.perf_counter() - start
    assert len(ran) == TIMERS, f"{len(ran)} timers ran"
    assert sum(c.open for c in reactor.connections) == idle, "a connection closed"
    return {"seconds": seconds}


def measureOutage(hours: float) -> dict[str, Any]:
    """
    Run an accept-and-drop outage of ``hours`` hours; return the growth of
    peak RSS in MB, the time it took and the connections made.
    """
    from autobahn.twisted.websocket import (
        WebSocketClientFactory,
        WebSocketClientProtocol,
    )
    from twisted.application.internet import ClientService
    from twisted.internet.endpoints import clientFromString

    from twisted_wsfakes import FakeReactor, Script, closeTCP
    from twisted_wsfakes.websocket import bindTxaio

    before = _peakRSS()
    start = time.perf_counter()
    reactor = FakeReactor()
    restore = bindTxaio(reactor)
    reactor.serveWebSocket(URL, Script(closeTCP()))
    factory = WebSocketClientFactory(URL, reactor=reactor)
    factory.protocol = WebSocketClientProtocol
    service = ClientService(
        clientFromString(reactor, ENDPOINT),
        factory,
        retryPolicy=lambda attempt: 1.0,
        clock=reactor,
    )
    service.startService()
    reactor.advance(hours * 3600)
    seconds = time.perf_counter() - start
    made = len(reactor.connections)
    assert made == int(hours * 3600) + 1, f"{made} connections"
    restore()
    return {"mb": (_peakRSS() - before) / 1024, "seconds": seconds, "made": made}


def _peakRSS() -> int:
    """
    The process's peak resident set size so far, in KiB (Linux).
    """
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--base", default=DEFAULT_BASE, help="commit to compare to")
    parser.add_argument("--hours", type=float, default=6.0, help="outage length")
    parser.add_argument("--measure", nargs=2, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.measure:
        what, argument = args.measure
        if what == "advance":
            return answer(measureAdvance(int(argument)))
        return answer(measureOutage(float(argument)))

    with tempfile.TemporaryDirectory() as baseRoot:
        extract(args.base, baseRoot)
        print(f"before: {args.base[:12]}   after: this checkout")
        print(f"  {'':<34} {'before':>14} {'after':>14} {'ratio':>9}")
        advance = {}
        for idle in IDLE:
            before = measureIn(baseRoot, __file__, "advance", str(idle))["seconds"]
            after = measureIn(HERE, __file__, "advance", str(idle))["seconds"]
            advance[idle] = (before, after)
            label = f"(a) advance, {TIMERS} timers, {idle} idle"
            print(row(label, before, after, "s"), flush=True)
        outageBefore = measureIn(baseRoot, __file__, "outage", str(args.hours))
        outageAfter = measureIn(HERE, __file__, "outage", str(args.hours))
        label = f"(b) {args.hours:g} h outage, {outageAfter['made']} conns"
        print(row(label + ", RSS", outageBefore["mb"], outageAfter["mb"], "MB"))
        print(
            row(label + ", time", outageBefore["seconds"], outageAfter["seconds"], "s")
        )
    ok = advance[IDLE[-1]][1] < advance[IDLE[-1]][0]
    ok &= outageAfter["mb"] < outageBefore["mb"]
    print("PASS" if ok else "FAIL")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
