"""
Benchmark: the real-network edge (``twisted-wsfakes record | proxy | serve``).

Run from the repository root::

    python bench/realnet.py

Three figures, each side by side with what it is compared to, in one run:

  1. Proxy overhead per message.  An Autobahn echo server and an Autobahn
     client in this process, on loopback; the client sends 1 KiB text
     messages one at a time, each after the echo of the one before, first
     straight to the server, then through `proxy` (which forwards the bytes
     and writes each connection's transcript as it goes).  Directions
     alternate in blocks so drift in the machine falls on both alike.
     Prints the median round trip of each and the difference.
  2. ``serve`` handling 200 concurrent clients.  A ``websockets`` program in
     a subprocess opens 200 connections at once, each sending 50 messages
     and waiting for each answer; the server is first `serveScript`
     playing ``repeat(expectText(ANY), sendText("pong"), times=50)`` to
     each, then a plain ``websockets`` echo server (no script, no
     transcript) for comparison.  Prints messages per second (both
     directions counted) measured inside the client program, from the first
     connection opening to the last closing.
  3. Load, render and ``Script.fromTranscript`` of a 100,000-event
     transcript file (target: under 3 s together).  Prints each part in CPU
     time of this process and wall time; the target uses the CPU time, as
     on a busy machine the wall clock measures the other processes too.

Exits 1 if target 3 fails.
"""

from __future__ import annotations

import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from typing import Any

from autobahn.twisted.websocket import (
    WebSocketClientFactory,
    WebSocketClientProtocol,
    WebSocketServerFactory,
    WebSocketServerProtocol,
)
from twisted.internet import reactor
from twisted.internet.defer import Deferred, inlineCallbacks

from twisted_wsfakes import ANY, Script, Transcript, proxy, serveScript
from twisted_wsfakes.script import expectText, repeat, sendText
from twisted_wsfakes.transcript import TextMessage

MESSAGE = "x" * 1024
ROUNDS = 500
BLOCKS = 4
CLIENTS = 200
EACH = 50
EVENTS = 100_000

_CLIENTS = """
import asyncio, json, sys, time, websockets
async def one(port, each):
    async with websockets.connect(f"ws://127.0.0.1:{port}/") as c:
        for _ in range(each):
            await c.send("ping")
            await c.recv()
async def main(port, count, each):
    start = time.perf_counter()
    results = await asyncio.gather(*(one(port, each) for _ in range(count)),
                                   return_exceptions=True)
    elapsed = time.perf_counter() - start
    failed = [repr(r) for r in results if r is not None]
    print(json.dumps({"elapsed": elapsed, "failed": failed[:3]}))
asyncio.run(main(int(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3])))
"""

_ECHO = """
import asyncio, sys, websockets
async def echo(c):
    async for m in c:
        await c.send("pong")
async def main():
    async with websockets.serve(echo, "127.0.0.1", 0) as s:
        print(s.sockets[0].getsockname()[1], flush=True)
        await asyncio.sleep(120)
asyncio.run(main())
"""


class _Echo(WebSocketServerProtocol):
    def onMessage(self, payload: bytes, isBinary: bool) -> None:
        self.sendMessage(payload, isBinary)


class _Pinger(WebSocketClientProtocol):
    factory: Any

    def onOpen(self) -> None:
        self.times: list[float] = []
        self._send()

    def _send(self) -> None:
        self.sent = time.perf_counter()
        self.sendMessage(MESSAGE.encode())

    def onMessage(self, payload: bytes, isBinary: bool) -> None:
        self.times.append(time.perf_counter() - self.sent)
        if len(self.times) < ROUNDS:
            self._send()
        else:
            self.sendClose(1000)

    def onClose(self, wasClean: bool, code: Any, reason: Any) -> None:
        self.factory.done.callback(self.times)


def _roundTrips(port: int) -> Deferred[list[float]]:
    factory = WebSocketClientFactory(f"ws://127.0.0.1:{port}/", reactor=reactor)
    factory.protocol = _Pinger
    factory.done = Deferred()
    reactor.connectTCP("127.0.0.1", port, factory)
    return factory.done


@inlineCallbacks
def _proxyOverhead(directory: str):  # type: ignore[no-untyped-def]
    server = WebSocketServerFactory("ws://127.0.0.1", reactor=reactor)
    server.protocol = _Echo
    listening = reactor.listenTCP(0, server, interface="127.0.0.1")
    port = listening.getHost().port
    proxied = proxy(reactor, f"ws://127.0.0.1:{port}", directory)
    via = proxied.getHost().port
    direct: list[float] = []
    through: list[float] = []
    for _ in range(BLOCKS):
        direct += yield _roundTrips(port)
        through += yield _roundTrips(via)
    yield listening.stopListening()
    yield proxied.stopListening()
    return statistics.median(direct), statistics.median(through)


def _clients(port: int) -> dict[str, Any]:
    out = subprocess.run(
        [sys.executable, "-c", _CLIENTS, str(port), str(CLIENTS), str(EACH)],
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    ).stdout
    result: dict[str, Any] = json.loads(out)
    if result["failed"]:
        raise SystemExit(f"clients failed: {result['failed']}")
    return result


@inlineCallbacks
def _serveRate():  # type: ignore[no-untyped-def]
    script = Script(repeat(expectText(ANY), sendText("pong"), times=EACH))
    server = serveScript(reactor, 0, script)
    port = server.getHost().port
    ours = yield _inThread(_clients, port)
    server.assertDone()
    yield server.stopListening()
    echo = subprocess.Popen(
        [sys.executable, "-c", _ECHO], stdout=subprocess.PIPE, text=True
    )
    try:
        assert echo.stdout is not None
        theirs = yield _inThread(_clients, int(echo.stdout.readline()))
    finally:
        echo.kill()
        echo.wait()
    messages = CLIENTS * EACH * 2
    return messages / ours["elapsed"], messages / theirs["elapsed"]


def _inThread(function: Any, *args: Any) -> Deferred[Any]:
    from twisted.internet.threads import deferToThread

    return deferToThread(function, *args)


def _bigTranscript(path: str) -> None:
    events = []
    for n in range(EVENTS // 2):
        events.append(TextMessage(n * 0.01, "client", f'{{"op":"get","id":{n}}}'))
        events.append(
            TextMessage(n * 0.01 + 0.005, "server", f'{{"id":{n},"value":"{n * 7}"}}')
        )
    Transcript(events).save(path)


def _timed(function: Any, *args: Any) -> tuple[Any, float, float]:
    """
    Run ``function``; return its result, its CPU time and its wall time.
    """
    cpu, wall = time.process_time(), time.perf_counter()
    result = function(*args)
    return result, time.process_time() - cpu, time.perf_counter() - wall


@inlineCallbacks
def main():  # type: ignore[no-untyped-def]
    with tempfile.TemporaryDirectory() as directory:
        direct, through = yield _proxyOverhead(directory)
        print(f"1. round trip of one 1 KiB message, median of {ROUNDS * BLOCKS}:")
        print(f"     direct          {direct * 1e6:8.0f} µs")
        print(f"     through proxy   {through * 1e6:8.0f} µs")
        print(
            f"     overhead        {(through - direct) * 1e6:8.0f} µs per message "
            f"({through / direct:.2f}x)"
        )
        ours, theirs = yield _serveRate()
        print(f"2. {CLIENTS} concurrent clients, {EACH} round trips each:")
        print(f"     serveScript (scripts + transcripts)  {ours:10,.0f} messages/s")
        print(f"     websockets echo server               {theirs:10,.0f} messages/s")
        print(f"     ours / theirs                        {ours / theirs:10.2f}")
        path = os.path.join(directory, "big.jsonl")
        _bigTranscript(path)
        transcript, *load = _timed(Transcript.load, path)
        _, *render = _timed(transcript.render)
        _, *script = _timed(Script.fromTranscript, transcript)
        print(f"3. a {len(transcript):,}-event transcript (CPU s / wall s):")
        for name, (cpu, wall) in [
            ("load", load),
            ("render", render),
            ("Script.fromTranscript", script),
        ]:
            print(f"     {name:22} {cpu:5.2f} / {wall:5.2f}")
        total = load[0] + render[0] + script[0]
        wallTotal = load[1] + render[1] + script[1]
        print(
            f"     {'total':22} {total:5.2f} / {wallTotal:5.2f}   (target: CPU < 3 s)"
        )
    return 0 if total < 3 else 1


if __name__ == "__main__":
    codes: list[int] = []
    main().addBoth(codes.append).addBoth(lambda _: reactor.stop())
    reactor.run()
    if not isinstance(codes[0], int):
        print(codes[0])
        sys.exit(1)
    sys.exit(codes[0])
