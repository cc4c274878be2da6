"""
Tests for ``twisted_wsfakes.deferreds.mock``.
"""

from __future__ import annotations

from typing import Any
from unittest.mock import Mock, call

from twisted.internet.defer import CancelledError, Deferred, succeed
from twisted.python.failure import Failure
from twisted.trial.reporter import TestResult
from twisted.trial.unittest import SynchronousTestCase

from twisted_wsfakes import (
    PENDING,
    CallAlreadySettled,
    DeferredMock,
    LeftoverError,
    approx,
    returnOnce,
    useFakeReactor,
)
from twisted_wsfakes.deferreds import CallState


class Feed:
    """
    A spec mixing methods that give results later and plain ones.
    """

    async def fetch(self, path: str, *, timeout: float = 5) -> bytes:
        return b""

    def subscribe(self, channel: str) -> Deferred[None]:
        return succeed(None)

    def url(self, path: str) -> str:
        return path

    def quoted(self, path: str) -> "Deferred[str]":  # noqa: UP037
        return succeed(path)


class ControlTests(SynchronousTestCase):
    """
    Each call returns a Deferred the test settles through ``calls``.
    """

    def test_pendingUntilSucceeded(self) -> None:
        """
        A call returns a pending Deferred; ``calls[i].succeed`` fires it.
        """
        mock = DeferredMock()
        first = mock("a")
        second = mock("b", key=1)
        self.assertNoResult(first)
        mock.calls[1].succeed("B")
        self.assertEqual(self.successResultOf(second), "B")
        self.assertNoResult(first)
        self.assertEqual(mock.calls[1].kwargs, {"key": 1})
        self.assertEqual(mock.calls[0].state, CallState.PENDING)
        mock.calls[0].succeed()
        self.assertIsNone(self.successResultOf(first))

    def test_fail(self) -> None:
        """
        ``calls[i].fail`` takes an exception, an exception class or a
        Failure.
        """
        mock = DeferredMock()
        reasons: list[BaseException | type[BaseException] | Failure] = [
            ValueError("x"),
            ValueError,
            Failure(ValueError("y")),
        ]
        for reason in reasons:
            d = mock()
            mock.calls[-1].fail(reason)
            self.failureResultOf(d, ValueError)
            self.assertEqual(mock.calls[-1].state, CallState.FAILED)

    def test_settleTwice(self) -> None:
        """
        Settling a call twice is refused, naming the call.
        """
        mock = DeferredMock(name="client.get")
        mock("/x")
        mock.calls[0].succeed(1)
        e = self.assertRaises(CallAlreadySettled, mock.calls[0].fail, ValueError)
        self.assertEqual(
            str(e), "<call client.get('/x'), succeeded> is already succeeded"
        )

    def test_cancelled(self) -> None:
        """
        A Deferred cancelled by the code under test counts as settled.
        """
        mock = DeferredMock()
        d = mock()
        d.cancel()
        self.failureResultOf(d, CancelledError)
        self.assertEqual(mock.calls[0].state, CallState.CANCELLED)
        mock.assertSettled()

    def test_camelCaseAssertions(self) -> None:
        """
        Mock's assertions work under their camelCase names too, with
        matchers in the expected arguments.
        """
        mock = DeferredMock()
        mock.assertNotCalled()
        mock("/price", {"max": 100.2})
        mock.assertCalled()
        mock.assertCalledOnce()
        mock.assertCalledWith("/price", {"max": approx(100, abs=0.5)})
        mock.assertCalledOnceWith("/price", {"max": 100.2})
        mock.assertAnyCall("/price", {"max": 100.2})
        mock.assertHasCalls([call("/price", {"max": 100.2})])
        self.assertRaises(AssertionError, mock.assertCalledOnceWith, "/other")
        mock.assert_called_once_with("/price", {"max": 100.2})

    def test_resetForgetsCalls(self) -> None:
        """
        ``reset_mock`` forgets the calls.
        """
        mock = DeferredMock()
        mock()
        mock.reset_mock()
        self.assertEqual(mock.calls, [])


class OutcomeTests(SynchronousTestCase):
    """
    ``return_value`` and ``side_effect`` settle calls at once.
    """

    def test_value(self) -> None:
        """
        A value as ``return_value`` is each call's result.
        """
        mock = DeferredMock(return_value=3)
        self.assertEqual(self.successResultOf(mock()), 3)
        self.assertEqual(self.successResultOf(mock()), 3)

    def test_exception(self) -> None:
        """
        An exception (instance or class) as ``side_effect`` fails the
        Deferred instead of raising.
        """
        for effect in [KeyError("k"), KeyError]:
            mock = DeferredMock(side_effect=effect)
            self.failureResultOf(mock(), KeyError)

    def test_failure(self) -> None:
        """
        A ``Failure`` as ``return_value`` fails the Deferred.
        """
        mock = DeferredMock(return_value=Failure(ZeroDivisionError()))
        self.failureResultOf(mock(), ZeroDivisionError)

    def test_deferred(self) -> None:
        """
        A Deferred as ``return_value`` is returned as it is, and the call
        settles when it fires.
        """
        given: Deferred[str] = Deferred()
        mock = DeferredMock(return_value=given)
        self.assertIs(mock(), given)
        self.assertEqual(mock.calls[0].state, CallState.PENDING)
        given.callback("late")
        self.assertEqual(mock.calls[0].state, CallState.SUCCEEDED)

    def test_coroutine(self) -> None:
        """
        An ``async def`` side effect runs for each call, with the call's
        arguments; it may wait on a Deferred.
        """
        gate: Deferred[int] = Deferred()

        async def effect(n: int) -> int:
            return n + await gate

        mock = DeferredMock(side_effect=effect)
        d = mock(1)
        self.assertNoResult(d)
        gate.callback(10)
        self.assertEqual(self.successResultOf(d), 11)

    def test_iterable(self) -> None:
        """
        An iterable ``side_effect`` gives one outcome per call, of any kind.
        """

        async def coroutine() -> str:
            return "coroutine"

        mock = DeferredMock(
            side_effect=[1, ValueError("v"), succeed("d"), coroutine(), PENDING]
        )
        self.assertEqual(self.successResultOf(mock()), 1)
        self.failureResultOf(mock(), ValueError)
        self.assertEqual(self.successResultOf(mock()), "d")
        self.assertEqual(self.successResultOf(mock()), "coroutine")
        self.assertNoResult(mock())
        self.assertRaises(StopIteration, mock)

    def test_functionRaising(self) -> None:
        """
        What a side-effect function raises fails the Deferred.
        """

        def effect() -> None:
            raise OSError("down")

        self.failureResultOf(DeferredMock(side_effect=effect)(), OSError)

    def test_returnOnce(self) -> None:
        """
        ``returnOnce`` gives its value to the first call and ``then`` to the
        others; by default the later calls stay pending.
        """
        mock = DeferredMock(side_effect=returnOnce(ConnectionRefusedError()))
        self.failureResultOf(mock(), ConnectionRefusedError)
        self.assertNoResult(mock())
        mock = DeferredMock(side_effect=returnOnce("a", then="b"))
        self.assertEqual(
            [self.successResultOf(mock()) for _ in range(3)], ["a", "b", "b"]
        )

    def test_returnOnceWithPlainMock(self) -> None:
        """
        With a plain ``Mock``, ``returnOnce`` raises an exception it gives,
        and falls back to ``return_value``.
        """
        mock = Mock(side_effect=returnOnce(KeyError, then=2), return_value=5)
        self.assertRaises(KeyError, mock)
        self.assertEqual(mock(), 2)
        mock = Mock(side_effect=returnOnce(1), return_value=5)
        self.assertEqual([mock(), mock()], [1, 5])


class SpecTests(SynchronousTestCase):
    """
    A spec says which methods return Deferreds.
    """

    def test_mixedSpec(self) -> None:
        """
        ``async def`` methods and methods annotated to return a Deferred
        (as an object or a string) return Deferreds; plain ones return
        plain values, and names outside the spec are refused.
        """
        feed = DeferredMock(spec=Feed)
        self.assertIsInstance(feed.fetch("/a"), Deferred)
        self.assertIsInstance(feed.subscribe("BTC"), Deferred)
        self.assertIsInstance(feed.quoted("/q"), Deferred)
        feed.url.return_value = "ws://x/a"
        self.assertEqual(feed.url("/a"), "ws://x/a")
        self.assertNotIsInstance(feed.url, DeferredMock)
        self.assertRaises(AttributeError, getattr, feed, "nope")
        feed.fetch.calls[0].succeed(b"body")
        feed.subscribe.calls[0].succeed()
        feed.quoted.calls[0].succeed("q")
        feed.fetch.assertCalledOnceWith("/a")
        self.assertEqual(feed.mock_calls[0], call.fetch("/a"))
        self.assertIsInstance(feed, Feed)

    def test_noSpec(self) -> None:
        """
        Without a spec every attribute returns Deferreds.
        """
        client = DeferredMock()
        self.assertIsInstance(client.anything.deeper(), Deferred)

    def test_autospecChecksSignatures(self) -> None:
        """
        With ``autospec=True`` a call that does not fit the method's
        signature raises ``TypeError`` at once, for Deferred-returning and
        plain methods alike.
        """
        feed = DeferredMock(spec=Feed, autospec=True)
        self.assertIsInstance(feed.fetch("/a", timeout=1), Deferred)
        self.assertRaises(TypeError, feed.fetch, "/a", retries=3)
        self.assertRaises(TypeError, feed.url)
        self.assertEqual(len(feed.fetch.calls), 1)
        feed.fetch.calls[0].succeed(b"")


class CleanupTests(SynchronousTestCase):
    """
    A Deferred left pending fails the test at cleanup.
    """

    def test_unsettledReported(self) -> None:
        """
        A mock made in a test using ``useFakeReactor`` fails that test when
        one of its calls (or its attributes' calls) was never settled,
        naming each.
        """

        class Inner(SynchronousTestCase):
            def test_it(self) -> None:
                useFakeReactor(self)
                client = DeferredMock(name="client")
                client.get("/a")
                client.get("/b").callback(None)
                client.post("/c", data=b"x")

        result = _run(Inner("test_it"))
        [(_, failure)] = result.errors
        self.assertIsInstance(failure.value, LeftoverError)
        self.assertEqual(
            str(failure.value),
            "2 Deferred(s) returned by client never settled:\n"
            "  <call client.get('/a'), pending>\n"
            "  <call client.post('/c', data=b'x'), pending>",
        )

    def test_optOut(self) -> None:
        """
        ``checkSettled=False``, or setting it later, skips the check.
        """

        class Inner(SynchronousTestCase):
            def test_keyword(self) -> None:
                useFakeReactor(self)
                DeferredMock(checkSettled=False).get()

            def test_attribute(self) -> None:
                useFakeReactor(self)
                mock = DeferredMock(spec_set=Feed)
                mock.fetch("/")
                mock.checkSettled = False

        for name in ["test_keyword", "test_attribute"]:
            result = _run(Inner(name))
            self.assertTrue(result.wasSuccessful(), result.errors)


def _run(test: SynchronousTestCase) -> Any:
    result = TestResult()
    test.run(result)
    return result
