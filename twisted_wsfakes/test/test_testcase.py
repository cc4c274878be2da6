"""
Tests for :mod:`twisted_wsfakes.testcase`: useFakeReactor's txaio binding
and hygiene checks, and WebSocketTestCase.
"""

from __future__ import annotations

import autobahn.twisted  # noqa: F401  (sets up txaio.config for Twisted)
import txaio
from twisted.trial.reporter import TestResult
from twisted.trial.unittest import SynchronousTestCase

from ..network import FakeReactor
from ..testcase import WebSocketTestCase, useFakeReactor
from ._autobahn import URL, openPair
from ._protocols import connectPair


def _pendingTimer() -> None:
    """
    A named function for a delayed call left pending.
    """


def _txaioLoop() -> object:
    """
    The loop txaio (and so Autobahn) schedules its timers on.
    """
    return txaio.config.loop  # type: ignore[attr-defined]


def _run(case: SynchronousTestCase) -> TestResult:
    """
    Run one inner test case and return its result.
    """
    result = TestResult()
    case.run(result)
    return result


def _errorText(result: TestResult) -> str:
    """
    The text of every error the inner test reported.
    """
    return "\n".join(str(failure) for _, failure in result.errors)


class TxaioTests(SynchronousTestCase):
    """
    useFakeReactor points txaio at the test's reactor and puts it back.
    """

    def setUp(self) -> None:
        self.before = object()
        config = txaio.config  # type: ignore[attr-defined]
        self.addCleanup(setattr, config, "loop", config.loop)
        config.loop = self.before

    def test_restoredAfterPassingTest(self) -> None:
        """
        During the test txaio's loop is the reactor; afterwards it is what
        it was.
        """
        seen: list[object] = []

        class Inner(SynchronousTestCase):
            def test_x(self) -> None:
                reactor = useFakeReactor(self)
                seen.append(_txaioLoop() is reactor)

        result = _run(Inner("test_x"))
        self.assertTrue(result.wasSuccessful())
        self.assertEqual(seen, [True])
        self.assertIs(_txaioLoop(), self.before)

    def test_restoredAfterFailingTest(self) -> None:
        """
        txaio's loop is put back even when the test fails.
        """

        class Inner(SynchronousTestCase):
            def test_x(self) -> None:
                useFakeReactor(self)
                self.fail("on purpose")

        result = _run(Inner("test_x"))
        self.assertEqual(len(result.failures), 1)
        self.assertIs(_txaioLoop(), self.before)

    def test_restoredAfterLeftoverCheckFails(self) -> None:
        """
        txaio's loop is put back even when a leftover check fails.
        """

        class Inner(SynchronousTestCase):
            def test_x(self) -> None:
                reactor = useFakeReactor(self, checkPendingCalls=True)
                reactor.callLater(1, _pendingTimer)

        result = _run(Inner("test_x"))
        self.assertEqual(len(result.errors), 1)
        self.assertIs(_txaioLoop(), self.before)


class LeftoverTests(SynchronousTestCase):
    """
    The leftover checks are on unless switched off, and name what was left.
    """

    def test_onByDefault(self) -> None:
        """
        A pending call and an open connection fail a test by default, as
        trial's own checks do for the real reactor.
        """

        class Inner(SynchronousTestCase):
            def test_x(self) -> None:
                reactor = useFakeReactor(self)
                reactor.callLater(1, _pendingTimer)
                connectPair(reactor)

        text = _errorText(_run(Inner("test_x")))
        self.assertIn("_pendingTimer", text)
        self.assertIn("1 connection(s) still open", text)

    def test_autobahnTimerNamedByPurpose(self) -> None:
        """
        A leftover Autobahn timer, scheduled through txaio's batched timers,
        is named by its purpose, its protocol and its factory, not as the
        batched timer's bucket.
        """

        class Inner(SynchronousTestCase):
            checkOpenConnections = False

            def test_x(self) -> None:
                reactor = useFakeReactor(self)
                openPair(reactor, clientOptions={"autoPingInterval": 10})

        text = _errorText(_run(Inner("test_x")))
        self.assertIn(
            "Autobahn auto-ping of RecordingClientProtocol "
            f"(factory RecordingClientFactory for {URL})",
            text,
        )
        self.assertNotIn("_notify_bucket", text)

    def test_pendingCalls(self) -> None:
        """
        With checkPendingCalls, a pending call fails the test, named by its
        function's qualified name and due time.
        """

        class Inner(SynchronousTestCase):
            def test_x(self) -> None:
                reactor = useFakeReactor(self, checkPendingCalls=True)
                reactor.callLater(2.5, _pendingTimer)
                reactor.callLater(7, _run)

        text = _errorText(_run(Inner("test_x")))
        self.assertIn("_pendingTimer", text)
        self.assertIn("due at 2.500", text)
        self.assertIn("_run", text)
        self.assertIn("due at 7.000", text)

    def test_openConnections(self) -> None:
        """
        With checkOpenConnections, an open connection fails the test, named
        by its repr and its protocols' class names.
        """
        connections: list[str] = []

        class Inner(SynchronousTestCase):
            def test_x(self) -> None:
                reactor = useFakeReactor(self, checkOpenConnections=True)
                connection, _, _ = connectPair(reactor)
                connections.append(repr(connection))

        text = _errorText(_run(Inner("test_x")))
        self.assertIn(connections[0], text)
        self.assertIn("client Recorder, server Recorder", text)

    def test_closedConnectionPasses(self) -> None:
        """
        A connection closed before the end passes checkOpenConnections.
        """

        class Inner(SynchronousTestCase):
            def test_x(self) -> None:
                reactor = useFakeReactor(self, checkOpenConnections=True)
                connection, _, _ = connectPair(reactor)
                connection.drop()
                reactor.flush()

        self.assertTrue(_run(Inner("test_x")).wasSuccessful())

    def test_closedInTheTestsOwnCleanup(self) -> None:
        """
        A connection the test closes in its own cleanup passes
        checkOpenConnections: the check delivers the close first.
        """

        class Inner(SynchronousTestCase):
            def test_x(self) -> None:
                reactor = useFakeReactor(self, checkOpenConnections=True)
                connection, _, _ = connectPair(reactor)
                self.addCleanup(connection.drop)

        self.assertTrue(_run(Inner("test_x")).wasSuccessful())

    def test_keywordWinsOverUnsetAttribute(self) -> None:
        """
        On a WebSocketTestCase, whose check attributes default to None, a
        keyword given to useFakeReactor is obeyed.
        """

        class Inner(WebSocketTestCase):
            def test_x(self) -> None:
                reactor = useFakeReactor(self, checkOpenConnections=False)
                connectPair(reactor)

        self.assertTrue(_run(Inner("test_x")).wasSuccessful())

    def test_attributeReadAtCleanup(self) -> None:
        """
        Setting ``self.checkPendingCalls`` inside the test switches the
        check off, even after useFakeReactor was called.
        """

        class Inner(SynchronousTestCase):
            def test_x(self) -> None:
                reactor = useFakeReactor(self)
                reactor.callLater(1, _pendingTimer)
                self.checkPendingCalls = False

        self.assertTrue(_run(Inner("test_x")).wasSuccessful())

    def test_attributeSwitchesOff(self) -> None:
        """
        A class attribute set to False overrides the keyword argument.
        """

        class Inner(SynchronousTestCase):
            checkPendingCalls = False

            def test_x(self) -> None:
                reactor = useFakeReactor(self, checkPendingCalls=True)
                reactor.callLater(1, _pendingTimer)

        self.assertTrue(_run(Inner("test_x")).wasSuccessful())


class WebSocketTestCaseTests(SynchronousTestCase):
    """
    WebSocketTestCase gives each test a fresh reactor.
    """

    def test_reactor(self) -> None:
        """
        ``self.reactor`` is a FakeReactor, a new one for each test, bound to
        txaio while the test runs.
        """
        reactors: list[FakeReactor] = []

        class Inner(WebSocketTestCase):
            def test_x(self) -> None:
                reactors.append(self.reactor)
                self.assertIs(_txaioLoop(), self.reactor)

        self.assertTrue(_run(Inner("test_x")).wasSuccessful())
        self.assertTrue(_run(Inner("test_x")).wasSuccessful())
        self.assertIsInstance(reactors[0], FakeReactor)
        self.assertIsNot(reactors[0], reactors[1])

    def test_checksOnByDefault(self) -> None:
        """
        A test that leaves a connection open fails.
        """

        class Inner(WebSocketTestCase):
            def test_x(self) -> None:
                connectPair(self.reactor)

        self.assertIn("still open", _errorText(_run(Inner("test_x"))))

    def test_checksOffPerClass(self) -> None:
        """
        A subclass that sets checkOpenConnections to False passes a test
        that leaves a connection open.
        """

        class Inner(WebSocketTestCase):
            checkOpenConnections = False

            def test_x(self) -> None:
                connectPair(self.reactor)

        self.assertTrue(_run(Inner("test_x")).wasSuccessful())
