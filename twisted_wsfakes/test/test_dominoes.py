"""
Tests for ``twisted_wsfakes.deferreds.dominoes``.
"""

from __future__ import annotations

from collections.abc import AsyncGenerator, Generator
from typing import Any

from twisted.internet.defer import Deferred, inlineCallbacks
from twisted.trial.reporter import TestResult
from twisted.trial.unittest import SynchronousTestCase

from twisted_wsfakes import (
    Dominoes,
    DominoesNotDone,
    NoSuchDomino,
    Script,
    WebSocketTestCase,
    expectText,
    sendText,
    useFakeReactor,
)
from twisted_wsfakes.deferreds import DominoState
from twisted_wsfakes.test._autobahn import clientFactory


class _Flushes:
    """
    Counts flushes, to see one after each domino.
    """

    def __init__(self, log: list[object]) -> None:
        self.log = log

    def flush(self) -> None:
        self.log.append("flush")


class ReferenceOrderTests(SynchronousTestCase):
    """
    The three-coroutine example of machinery's ``future_dominos``, with
    Twisted's Deferreds.
    """

    def _expected(self) -> list[object]:
        return [
            "first",
            "second",
            "third",
            ("gen", 4),
            ("genresult", 4),
            "fifth",
            ("gen", 6),
            ("genresult", 6),
            "seventh",
            "final",
        ]

    def test_coroutines(self) -> None:
        """
        Three coroutines run with ``Deferred.fromCoroutine`` (one draining
        an async generator) interleave exactly in domino order, whatever
        order they were started in.
        """
        dominoes = Dominoes(expected=8)
        called: list[object] = []

        async def one() -> None:
            await dominoes[1]
            called.append("first")
            await dominoes[2]
            called.append("second")
            await dominoes[5]
            called.append("fifth")
            await dominoes[7]
            called.append("seventh")

        async def two() -> AsyncGenerator[tuple[str, int], None]:
            await dominoes[3]
            called.append("third")
            start = 4
            while start <= 6:
                await dominoes[start]
                called.append(("gen", start))
                yield ("genresult", start)
                start += 2

        async def three() -> None:
            await dominoes[8]
            called.append("final")

        async def runTwo() -> None:
            async for result in two():
                called.append(result)

        Deferred.fromCoroutine(three())
        Deferred.fromCoroutine(one())
        Deferred.fromCoroutine(runTwo())
        self.assertEqual(called, [])
        dominoes.begin()
        self.assertIsNone(self.successResultOf(dominoes.finished))
        self.assertEqual(called, self._expected())
        self.assertIs(dominoes.state, DominoState.DONE)
        dominoes.assertDone()

    def test_deferredCallbacks(self) -> None:
        """
        The same interleaving, written with ``inlineCallbacks`` and plain
        callbacks instead of coroutines.
        """
        dominoes = Dominoes(expected=8)
        called: list[object] = []

        @inlineCallbacks
        def one() -> Generator[Deferred[Any], Any, None]:
            for index, name in [
                (1, "first"),
                (2, "second"),
                (5, "fifth"),
                (7, "seventh"),
            ]:
                yield dominoes[index]
                called.append(name)

        @inlineCallbacks
        def two() -> Generator[Deferred[Any], Any, None]:
            yield dominoes[3]
            called.append("third")
            for start in (4, 6):
                yield dominoes[start]
                called.append(("gen", start))
                called.append(("genresult", start))

        dominoes[8].addCallback(lambda _: called.append("final"))
        one()
        two()
        dominoes.begin()
        self.assertEqual(called, self._expected())

    def test_flushAfterEachDomino(self) -> None:
        """
        The reactor given is flushed after each domino falls, before the
        next one does.
        """
        log: list[object] = []
        dominoes = Dominoes(expected=2, reactor=_Flushes(log))
        dominoes[1].addCallback(lambda _: log.append(1))
        dominoes[2].addCallback(lambda _: log.append(2))
        dominoes.begin()
        self.assertEqual(log, [1, "flush", 2, "flush"])

    def test_nothingFallsBeforeBegin(self) -> None:
        """
        A domino asked for before ``begin`` waits for it.
        """
        dominoes = Dominoes(expected=1)
        first = dominoes[1]
        self.assertNoResult(first)
        dominoes.begin()
        self.successResultOf(first)

    def test_waitsUntilAskedFor(self) -> None:
        """
        Domino 2 does not fall before it is asked for, even after domino 1
        fell, and the row goes on when it is.
        """
        dominoes = Dominoes(expected=3)
        dominoes.begin()
        self.successResultOf(dominoes[1])
        third = dominoes[3]
        self.assertNoResult(third)
        self.successResultOf(dominoes[2])
        self.successResultOf(third)
        dominoes.assertDone()


class ReportTests(SynchronousTestCase):
    """
    ``assertDone`` names every domino that did not fall as planned.
    """

    def test_neverAskedFor(self) -> None:
        """
        A domino nobody asked for is reported, and the ones after it as
        never reached.
        """
        dominoes = Dominoes(expected=4)
        dominoes[1]
        dominoes[3]
        dominoes[4]
        dominoes.begin()
        e = self.assertRaises(DominoesNotDone, dominoes.assertDone)
        self.assertEqual(
            str(e),
            "Dominoes(expected=4) did not fall as planned:\n"
            "  never asked for: 2\n"
            "  asked for but never reached: 3, 4 (the row stopped before domino 2)",
        )

    def test_askedTwice(self) -> None:
        """
        A domino asked for twice is reported by index, even though the row
        fell.
        """
        dominoes = Dominoes(expected=2)
        dominoes.begin()
        dominoes[1]
        dominoes[2]
        dominoes[1]
        e = self.assertRaises(DominoesNotDone, dominoes.assertDone)
        self.assertIn("  asked for twice: 1", str(e))
        self.assertNotIn("never", str(e))

    def test_neverBegun(self) -> None:
        """
        A set whose ``begin`` was never called says so.
        """
        dominoes = Dominoes(expected=1)
        dominoes[1]
        e = self.assertRaises(DominoesNotDone, dominoes.assertDone)
        self.assertIn("begin() was never called", str(e))

    def test_checkedAtCleanup(self) -> None:
        """
        Made in a test using ``useFakeReactor``, a set that did not fall
        fails that test at cleanup, and flushes that test's reactor.
        """

        class Inner(SynchronousTestCase):
            def test_it(self) -> None:
                reactor = useFakeReactor(self)
                dominoes = Dominoes(expected=2)
                self.assertIs(dominoes.reactor, reactor)
                dominoes.begin()
                dominoes[1]

        result = _run(Inner("test_it"))
        [(_, failure)] = result.errors
        self.assertIsInstance(failure.value, DominoesNotDone)
        self.assertIn("never asked for: 2", str(failure.value))

    def test_badIndex(self) -> None:
        """
        An index outside ``1..expected`` is refused at once.
        """
        dominoes = Dominoes(expected=2)
        for index in (0, 3, -1):
            e = self.assertRaises(NoSuchDomino, dominoes.__getitem__, index)
            self.assertIn("dominoes 1 to 2", str(e))

    def test_badExpected(self) -> None:
        """
        ``expected`` must be a positive int.
        """
        for expected in (0, -1, 1.5, True):
            self.assertRaises(ValueError, Dominoes, expected)


class NetworkTests(WebSocketTestCase):
    """
    Dominoes over real websocket traffic on the fake network.
    """

    def test_flushDeliversBeforeNextDomino(self) -> None:
        """
        What a domino's code sends reaches the scripted peer (and its answer
        comes back) before the next domino falls.
        """
        url = "ws://feed.example.com:9000/"
        self.reactor.serveWebSocket(
            url,
            Script(expectText("a"), sendText("A"), expectText("b"), sendText("B")),
        )
        factory = clientFactory(self.reactor, url)
        self.reactor.connectTCP("feed.example.com", 9000, factory)
        self.reactor.flush()
        [client] = factory.built
        dominoes = Dominoes(expected=2)
        seen: list[list[tuple[bytes, bool]]] = []

        def send(text: str) -> None:
            seen.append(list(client.messages))
            client.sendMessage(text.encode())

        dominoes[1].addCallback(lambda _: send("a"))
        dominoes[2].addCallback(lambda _: send("b"))
        dominoes.begin()
        self.assertEqual(seen, [[], [(b"A", False)]])
        self.assertEqual(client.messages, [(b"A", False), (b"B", False)])
        client.sendClose(1000)
        self.reactor.flush()


def _run(test: SynchronousTestCase) -> Any:
    result = TestResult()
    test.run(result)
    return result
