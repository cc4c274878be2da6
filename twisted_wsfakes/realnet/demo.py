"""
``twisted-wsfakes demo``: the whole loop on loopback, in one command.

It serves a transcript shipped in the package on a real port, runs a real
Autobahn client through a recording proxy to it, then replays the
recording in memory, on a fake clock, as a test of the same client, and
prints the diagram and the verdict.

It imports ``errors``, ``network``, ``realnet.proxy``, ``realnet.serve``,
``script``, ``transcript`` and ``websocket`` from this package.
"""

from __future__ import annotations

import json
import tempfile
from importlib import resources
from pathlib import Path
from typing import Any, TextIO

from autobahn.twisted.websocket import WebSocketClientFactory, WebSocketClientProtocol
from twisted.internet.defer import Deferred, gatherResults

from ..errors import ScriptMismatch
from ..network import FakeReactor
from ..script import Script
from ..transcript import Transcript
from ..websocket import bindTxaio
from .proxy import proxy
from .serve import serveScript

#: The shipped transcript the demo serves.
TICKER = "ticker.jsonl"

#: Fake seconds after which the replay gives up on the client finishing.
_REPLAY_LIMIT = 10


class TickerClient(WebSocketClientProtocol):
    """
    The code under test: subscribes, takes three prices, says goodbye.
    """

    factory: TickerFactory

    def onOpen(self) -> None:
        subscribe = {"op": "subscribe", "channel": "ETH-USD"}
        self.sendMessage(json.dumps(subscribe).encode("utf-8"))  # type: ignore[no-untyped-call]

    def onMessage(self, payload: bytes, isBinary: bool) -> None:
        message = json.loads(payload)
        if "price" in message:
            self.factory.prices.append(message["price"])
        if len(self.factory.prices) == 3:
            self.sendClose(1000, "done")

    def onClose(self, wasClean: bool, code: int | None, reason: str | None) -> None:
        if not self.factory.done.called:
            self.factory.done.callback(self.factory.prices)


class TickerFactory(WebSocketClientFactory):
    protocol = TickerClient  # type: ignore[assignment]

    def __init__(self, url: str, reactor: Any) -> None:
        super().__init__(url, reactor=reactor)  # type: ignore[no-untyped-call]
        self.prices: list[float] = []
        self.done: Deferred[list[float]] = Deferred()


def shippedTranscript() -> Transcript:
    """
    The ticker conversation the demo serves.
    """
    with resources.as_file(
        resources.files("twisted_wsfakes") / "data" / TICKER
    ) as path:
        return Transcript.load(path)


def runDemo(reactor: Any, out: TextIO) -> Deferred[int]:
    """
    Run the demo on ``reactor`` (the real one), writing to ``out``.

    :returns: a Deferred of the exit code: 0 when the replay passed.
    """
    server = serveScript(reactor, 0, Script.fromTranscript(shippedTranscript()))
    directory = Path(tempfile.mkdtemp(prefix="twisted-wsfakes-demo-"))
    recorded: Deferred[str] = Deferred()

    def noted(note: str) -> None:
        if not recorded.called:
            recorded.callback(note)

    listening = proxy(reactor, server.url, directory, onNote=noted)
    port = listening.getHost().port  # type: ignore[attr-defined]
    out.write(
        f"1. serving the shipped {TICKER} on {server.url}\n"
        f"2. recording proxy on ws://127.0.0.1:{port} -> {server.url}\n"
        "3. a real Autobahn client connects through the proxy\n"
    )
    client = TickerFactory(f"ws://127.0.0.1:{port}/ticker", reactor)
    reactor.connectTCP("127.0.0.1", port, client)

    def replay(results: list[object]) -> int:
        listening.stopListening()
        server.stopListening()
        path = directory / "connection-0001.jsonl"
        transcript = Transcript.load(path)
        out.write(f"   it got prices {results[0]}; recorded {path}:\n\n")
        out.write(transcript.render() + "\n\n")
        out.write(
            "4. the recording replayed in memory, as a test of the same client:\n"
        )
        return _verdict(transcript, out)

    both: list[Deferred[Any]] = [client.done, recorded]
    return gatherResults(both).addCallback(replay)


def _verdict(transcript: Transcript, out: TextIO) -> int:
    """
    Play ``transcript``'s server side to a fresh TickerClient on a
    FakeReactor, and say whether the client followed it.
    """
    fake = FakeReactor()
    restore = bindTxaio(fake)
    try:
        server = fake.serveWebSocket(
            "ws://ticker.example.com/ticker", Script.fromTranscript(transcript)
        )
        client = TickerFactory("ws://ticker.example.com/ticker", fake)
        fake.connectTCP("ticker.example.com", 80, client)
        # Fake time runs only as far as the conversation needs.
        while not client.done.called and fake.seconds() < _REPLAY_LIMIT:
            fake.advance(0.01)
        server.assertDone()
    except ScriptMismatch as e:
        out.write(f"   FAIL\n{e}\n")
        return 1
    finally:
        restore()
    out.write(
        f"   PASS: the client followed the recording (prices {client.prices}), "
        f"in {fake.seconds():.2f} s of fake time\n"
    )
    return 0
