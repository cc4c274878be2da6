"""
Tests for :mod:`twisted_wsfakes.globalreactor` through ``useFakeReactor``:
the fake is the global reactor for a test, ``patch=`` points module-level
copies at it, a tripwire fails a test that reaches the real reactor, and
everything is put back afterwards, whatever happened.
"""

from __future__ import annotations

import inspect
import sys
import threading
from collections.abc import Callable, Generator
from typing import Any

import twisted.internet
from autobahn.twisted.websocket import connectWS, listenWS
from twisted.internet.defer import Deferred, inlineCallbacks
from twisted.internet.endpoints import HostnameEndpoint
from twisted.internet.protocol import Factory, Protocol, ReconnectingClientFactory
from twisted.trial.reporter import TestResult
from twisted.trial.unittest import SynchronousTestCase, TestCase

from .. import (
    FakeReactor,
    FakeReactorInUse,
    PatchTargetError,
    RealReactorUsed,
    Script,
    WebSocketTestCase,
    close,
    expectText,
    sendText,
    useFakeReactor,
)
from ..globalreactor import installGlobalReactor
from . import _reactorattop, _reactorinside
from ._autobahn import RecordingClientFactory, RecordingServerFactory
from .test_testcase import _run

_ATTOP = "twisted_wsfakes.test._reactorattop"


def _theGlobalReactor() -> object:
    """
    What ``from twisted.internet import reactor`` gives now.
    """
    from twisted.internet import reactor

    return reactor


def _held(name: str) -> object:
    """
    What the module-top reactor module holds under ``name`` now.
    """
    return vars(_reactorattop)[name]


def _problems(result: TestResult) -> str:
    """
    The text of every failure and error the inner test reported.
    """
    return "\n".join(str(f) for _, f in [*result.failures, *result.errors])


def _nothing() -> None:
    """
    A named function to schedule.
    """


def _lineOf(function: Callable[..., object], text: str) -> int:
    """
    The line number of the line of ``function``'s source holding ``text``.
    """
    lines, first = inspect.getsourcelines(function)
    return first + next(i for i, line in enumerate(lines) if text in line)


class _RestoredMixin:
    """
    Checks that the real reactor is the global one again.
    """

    real: object

    def assertRealReactorBack(self) -> None:
        case: Any = self
        case.assertIs(sys.modules["twisted.internet.reactor"], self.real)
        case.assertIs(vars(twisted.internet)["reactor"], self.real)
        case.assertIs(_held("reactor"), self.real)
        case.assertIs(_held("theReactor"), self.real)
        case.assertNotIn("callLater", vars(self.real))


class GlobalReactorTests(SynchronousTestCase):
    """
    While a test uses a fake reactor, it is the global reactor, so code that
    imports the reactor when it runs runs on the fake.
    """

    def test_globalReactorIsTheFake(self) -> None:
        """
        The attribute of ``twisted.internet`` and the ``sys.modules`` entry
        are both the fake.
        """
        reactor = useFakeReactor(self)
        self.assertIs(sys.modules["twisted.internet.reactor"], reactor)
        self.assertIs(twisted.internet.reactor, reactor)
        self.assertIs(_theGlobalReactor(), reactor)

    def test_importInsideFunctionRunsOnFake(self) -> None:
        """
        A function that imports the reactor when called schedules on the
        fake clock.
        """
        reactor = useFakeReactor(self)
        ran: list[float] = []
        _reactorinside.later(5, lambda: ran.append(reactor.seconds()))
        reactor.advance(4)
        self.assertEqual(ran, [])
        reactor.advance(1)
        self.assertEqual(ran, [5.0])

    def test_deferLaterOnTheGlobalReactor(self) -> None:
        """
        ``task.deferLater`` given the reactor imported at call time fires
        when the fake clock gets there.
        """
        reactor = useFakeReactor(self)
        d = _reactorinside.sleepThenAnswer(2, "done")
        reactor.advance(1.5)
        self.assertNoResult(d)
        reactor.advance(0.5)
        self.assertEqual(self.successResultOf(d), "done")

    def test_connectWSWithoutReactor(self) -> None:
        """
        An Autobahn client factory built without ``reactor=`` and connected
        with ``connectWS`` reaches a scripted server on the fake network.
        """
        reactor = useFakeReactor(self)
        url = "ws://feed.example.com:9000/v1"
        server = reactor.serveWebSocket(
            url, Script(sendText("hello"), expectText("hi"), close())
        )
        factory = RecordingClientFactory(url)
        connectWS(factory)
        reactor.flush()
        client = factory.built[0]
        self.assertEqual(client.messages, [(b"hello", False)])
        client.sendMessage(b"hi")
        reactor.flush()
        server.assertDone()
        self.assertIs(factory.reactor, reactor)

    def test_listenWSWithoutReactor(self) -> None:
        """
        Autobahn's ``listenWS`` on a factory built without ``reactor=``
        listens on the fake network, where a scripted client reaches it.
        """
        reactor = useFakeReactor(self)
        url = "ws://127.0.0.1:9000/chat"
        factory = RecordingServerFactory(url)
        listenWS(factory)
        client = reactor.connectWebSocket(url, Script(sendText("hi"), close()))
        reactor.flush()
        self.assertEqual(factory.built[0].messages, [(b"hi", False)])
        client.assertDone()

    def test_endpointOnTheGlobalReactor(self) -> None:
        """
        A ``HostnameEndpoint`` built on the reactor imported at call time
        resolves and connects on the fake network.
        """
        reactor = useFakeReactor(self)
        factory = Factory.forProtocol(Protocol)
        reactor.listenTCP(443, factory)
        connecting = _reactorinside.connectByName(
            "feed.example.com", 443, Factory.forProtocol(Protocol)
        )
        reactor.flush()
        self.assertIsInstance(self.successResultOf(connecting), Protocol)
        [attempt] = reactor.attempts
        self.assertEqual(attempt.outcome, "connected")
        reactor.connections[0].drop()

    def test_reconnectingClientFactoryRetriesOnFakeClock(self) -> None:
        """
        A ``ReconnectingClientFactory`` with no clock of its own schedules
        its retry on the global reactor: the fake.
        """
        reactor = useFakeReactor(self)
        factory = ReconnectingClientFactory()
        factory.protocol = Protocol
        factory.jitter = 0
        firstDelay = factory.delay
        reactor.connectTCP("feed.example.com", 80, factory)
        reactor.flush()
        self.assertEqual([a.outcome for a in reactor.attempts], ["refused"])
        [retry] = reactor.getDelayedCalls()
        self.assertEqual(retry.getTime(), firstDelay)
        self.assertIs(factory.clock, reactor)
        reactor.advance(firstDelay)
        self.assertEqual(len(reactor.attempts), 2)
        factory.stopTrying()

    def test_secondFakeInOneTestTakesOver(self) -> None:
        """
        A second ``useFakeReactor`` in one test (a hypothesis example, a
        recording then its replay) is the global reactor from then on.
        """
        first = useFakeReactor(self)
        second = useFakeReactor(self)
        self.assertIsNot(first, second)
        self.assertIs(_theGlobalReactor(), second)


class PatchTests(_RestoredMixin, SynchronousTestCase):
    """
    ``patch=`` points module-level names bound to the global reactor at the
    fake for the test, and refuses what it cannot patch.
    """

    def setUp(self) -> None:
        self.real = _theGlobalReactor()

    def test_moduleTopImportFollowsFake(self) -> None:
        """
        A module given by object has its ``reactor``, and every other
        module-level name bound to the real reactor, pointed at the fake.
        """
        reactor = useFakeReactor(self, patch=[_reactorattop])
        self.assertIs(_held("reactor"), reactor)
        self.assertIs(_held("theReactor"), reactor)
        ran: list[str] = []
        _reactorattop.later(1, lambda: ran.append("later"))
        _reactorattop.laterThroughAlias(2, lambda: ran.append("alias"))
        reactor.advance(2)
        self.assertEqual(ran, ["later", "alias"])

    def test_dottedName(self) -> None:
        """
        A module may be named by its dotted name.
        """
        reactor = useFakeReactor(self, patch=[_ATTOP])
        self.assertIs(_held("reactor"), reactor)

    def test_webSocketTestCasePatchReactorIn(self) -> None:
        """
        A ``WebSocketTestCase`` patches the modules listed in its
        ``patchReactorIn``, and puts them back after.
        """
        seen: list[bool] = []

        class Inner(WebSocketTestCase):
            patchReactorIn = (_ATTOP,)

            def test_x(self) -> None:
                seen.append(_held("reactor") is self.reactor)

        result = _run(Inner("test_x"))
        self.assertTrue(result.wasSuccessful(), _problems(result))
        self.assertEqual(seen, [True])
        self.assertRealReactorBack()

    def test_restoredAfterFailingTest(self) -> None:
        """
        After a test that fails, the global reactor, the ``sys.modules``
        entry and the patched names are the real reactor again.
        """

        class Inner(SynchronousTestCase):
            def test_x(self) -> None:
                useFakeReactor(self, patch=[_reactorattop])
                self.fail("the test under test fails")

        result = _run(Inner("test_x"))
        self.assertIn("the test under test fails", _problems(result))
        self.assertRealReactorBack()

    def test_restoredAfterErrorInSetUp(self) -> None:
        """
        A ``setUp`` that errors after ``useFakeReactor`` leaves nothing
        behind.
        """

        class Inner(SynchronousTestCase):
            def setUp(self) -> None:
                useFakeReactor(self, patch=[_reactorattop])
                raise ZeroDivisionError("setUp breaks")

            def test_x(self) -> None:
                """
                Never runs.
                """

        result = _run(Inner("test_x"))
        self.assertIn("setUp breaks", _problems(result))
        self.assertRealReactorBack()

    def test_restoredAfterAsynchronousTest(self) -> None:
        """
        The same holds in trial's asynchronous ``TestCase``, failing or not.
        """

        class Inner(TestCase):
            def test_fails(self) -> None:
                useFakeReactor(self, patch=[_reactorattop])
                self.fail("async test fails")

            def test_errorsInSetUp(self) -> None:
                """
                Never runs.
                """

            def setUp(self) -> None:
                if self._testMethodName == "test_errorsInSetUp":
                    useFakeReactor(self, patch=[_reactorattop])
                    raise ZeroDivisionError("async setUp breaks")

        for name, message in [
            ("test_fails", "async test fails"),
            ("test_errorsInSetUp", "async setUp breaks"),
        ]:
            result = _run(Inner(name))
            self.assertIn(message, _problems(result))
            self.assertRealReactorBack()

    def test_secondFakePatchesTheFirstOnesNames(self) -> None:
        """
        A second ``useFakeReactor`` with ``patch=`` takes over names the
        first one patched; cleanup puts each back in turn.
        """
        seen: list[object] = []

        class Inner(SynchronousTestCase):
            def test_x(self) -> None:
                first = useFakeReactor(self, patch=[_reactorattop])
                second = useFakeReactor(self, patch=[_reactorattop])
                seen.extend([first, second, _held("reactor")])
                self.addCleanup(lambda: seen.append(_held("reactor")))

        result = _run(Inner("test_x"))
        self.assertTrue(result.wasSuccessful(), _problems(result))
        _, second, during, atCleanup = seen
        self.assertIs(during, second)
        self.assertIs(atCleanup, second)
        self.assertRealReactorBack()

    def test_tearDownRunsOnTheFake(self) -> None:
        """
        trial runs a ``SynchronousTestCase``'s ``tearDown`` after its
        cleanups: it still sees the test's fake (the latest, when a test
        made two) as the global reactor and in the patched module, and
        everything is put back after it.
        """
        seen: list[object] = []

        class Inner(SynchronousTestCase):
            def test_x(self) -> None:
                useFakeReactor(self, patch=[_reactorattop])
                self.reactor = useFakeReactor(self, patch=[_reactorattop])

            def tearDown(self) -> None:
                seen.extend([self.reactor, _theGlobalReactor(), _held("reactor")])
                _reactorattop.later(1, _nothing)

        result = _run(Inner("test_x"))
        self.assertTrue(result.wasSuccessful(), _problems(result))
        reactor, globalReactor, held = seen
        self.assertIs(globalReactor, reactor)
        self.assertIs(held, reactor)
        self.assertEqual(len(reactor.getDelayedCalls()), 1)  # type: ignore[attr-defined]
        self.assertRealReactorBack()

    def test_asynchronousTearDownRunsOnTheFake(self) -> None:
        """
        An asynchronous ``TestCase``'s ``tearDown`` sees the fake as the
        global reactor until the Deferred it returns has fired (here from
        another thread, through the real reactor trial runs).
        """
        seen: list[object] = []

        class Inner(TestCase):
            def test_x(self) -> None:
                self.reactor = useFakeReactor(self)

            def tearDown(self) -> Deferred[None]:  # type: ignore[override]
                seen.extend([self.reactor, _theGlobalReactor()])
                real: Any = self._twistedPrivateScheduler
                d: Deferred[None] = Deferred()
                d.addCallback(lambda _: seen.append(_theGlobalReactor()))
                thread = threading.Thread(
                    target=lambda: real.callFromThread(d.callback, None)
                )
                thread.start()
                d.addCallback(lambda _: thread.join())
                return d

        result = _run(Inner("test_x"))
        self.assertTrue(result.wasSuccessful(), _problems(result))
        reactor, whenCalled, whenFired = seen
        self.assertIs(whenCalled, reactor)
        self.assertIs(whenFired, reactor)
        self.assertRealReactorBack()

    def test_notAModule(self) -> None:
        """
        Something that is neither a module nor a string is refused, named.
        """
        e = self.assertRaises(PatchTargetError, useFakeReactor, self, patch=[42])
        self.assertIn("got 42 (a int)", str(e))

    def test_notADottedName(self) -> None:
        """
        A string that cannot be a module name is refused, named.
        """
        e = self.assertRaises(PatchTargetError, useFakeReactor, self, patch=["my app"])
        self.assertIn("patch=['my app']: not a dotted module name", str(e))

    def test_noSuchModule(self) -> None:
        """
        A dotted name with no module behind it is refused, naming the part
        that is missing.
        """
        e = self.assertRaises(
            PatchTargetError,
            useFakeReactor,
            self,
            patch=["twisted_wsfakes.test._nosuchmodule.feed"],
        )
        self.assertIn(
            "there is no module 'twisted_wsfakes.test._nosuchmodule' to import",
            str(e),
        )

    def test_bareString(self) -> None:
        """
        One string instead of a list is refused rather than read letter by
        letter.
        """
        e = self.assertRaises(PatchTargetError, useFakeReactor, self, patch=_ATTOP)
        self.assertIn(f"write patch=[{_ATTOP!r}]", str(e))

    def test_moduleWithoutReactor(self) -> None:
        """
        A module that holds no reference to the global reactor is refused
        as a likely typo, and nothing is installed.
        """
        e = self.assertRaises(
            PatchTargetError,
            useFakeReactor,
            self,
            patch=[_reactorattop, _reactorinside],
        )
        self.assertIn(
            "patch=['twisted_wsfakes.test._reactorinside']: "
            "twisted_wsfakes.test._reactorinside (",
            str(e),
        )
        self.assertIn("has no module-level name bound to the global reactor", str(e))
        self.assertRealReactorBack()


class TripwireTests(_RestoredMixin, SynchronousTestCase):
    """
    A call to the real reactor during a test on a fake one is refused and
    fails the test, with a message that says where it came from and what
    ``patch=`` would fix it.
    """

    def setUp(self) -> None:
        self.real = _theGlobalReactor()
        self.callsBefore = list(self.real.getDelayedCalls())  # type: ignore[attr-defined]

    def assertNothingScheduled(self) -> None:
        self.assertEqual(
            list(self.real.getDelayedCalls()),  # type: ignore[attr-defined]
            self.callsBefore,
        )

    def test_moduleTopReactorTrips(self) -> None:
        """
        Module-top reactor code run without ``patch=`` raises
        ``RealReactorUsed`` at the call, schedules nothing on the real
        reactor, and fails the test; the message names the module and line
        and the ``patch=`` that fixes it.
        """
        raised: list[BaseException] = []

        class Inner(SynchronousTestCase):
            def test_x(self) -> None:
                useFakeReactor(self)
                try:
                    _reactorattop.later(5, _nothing)
                except RealReactorUsed as e:
                    raised.append(e)

        result = _run(Inner("test_x"))
        self.assertNothingScheduled()
        [e] = raised
        line = _lineOf(_reactorattop.later, "reactor.callLater")
        message = str(e)
        self.assertIn(
            f"The real reactor's callLater() was called from {_ATTOP}, line "
            f"{line} (in later, ",
            message,
        )
        self.assertIn("the call was refused and nothing was done", message)
        self.assertIn(f"held at module level by {_ATTOP} (as reactor), ", message)
        self.assertIn(f"useFakeReactor(self, patch=[{_ATTOP!r}])", message)
        self.assertIn(f"patchReactorIn = [{_ATTOP!r}]", message)
        self.assertFalse(result.wasSuccessful())
        self.assertIn(
            "1 call(s) to the real reactor were refused during this test, and "
            "the error was caught before it could fail the test",
            _problems(result),
        )
        self.assertIn(message, _problems(result))
        self.assertRealReactorBack()

    def test_swallowedTripStillFails(self) -> None:
        """
        Code that catches the error and carries on still fails its test at
        cleanup.
        """

        class Inner(SynchronousTestCase):
            def test_x(self) -> None:
                useFakeReactor(self)
                _reactorattop.laterSwallowingErrors(1, _nothing)

        result = _run(Inner("test_x"))
        self.assertEqual(len(result.errors) + len(result.failures), 1)
        self.assertIn(
            f"The real reactor's callLater() was called from {_ATTOP}, line "
            f"{_lineOf(_reactorattop.later, 'reactor.callLater')}",
            _problems(result),
        )
        self.assertNothingScheduled()

    def test_uncaughtTripReportedOnce(self) -> None:
        """
        A refused call that fails the test method is not reported again at
        cleanup.
        """

        class Inner(SynchronousTestCase):
            def test_x(self) -> None:
                useFakeReactor(self)
                _reactorattop.later(1, _nothing)

        result = _run(Inner("test_x"))
        self.assertEqual(len(result.failures), 1)
        self.assertEqual(result.errors, [])
        self.assertIn("The real reactor's callLater() was called", _problems(result))
        self.assertNothingScheduled()

    def test_tripInTearDown(self) -> None:
        """
        The tripwire guards a synchronous test's ``tearDown`` too.
        """

        class Inner(SynchronousTestCase):
            def test_x(self) -> None:
                useFakeReactor(self)

            def tearDown(self) -> None:
                _reactorattop.laterSwallowingErrors(1, _nothing)

        result = _run(Inner("test_x"))
        self.assertIn("The real reactor's callLater() was called", _problems(result))
        self.assertNothingScheduled()
        self.assertRealReactorBack()

    def test_listenWSBindsNothing(self) -> None:
        """
        ``listenWS`` on a factory that kept the real reactor is refused
        before anything is bound: the real reactor reads from no new
        socket.
        """
        readersBefore = set(self.real.getReaders())  # type: ignore[attr-defined]

        class Inner(SynchronousTestCase):
            def test_x(self) -> None:
                useFakeReactor(self)
                _reactorattop.serveWebSockets("ws://127.0.0.1:9000")

        result = _run(Inner("test_x"))
        self.assertEqual(
            set(self.real.getReaders()),  # type: ignore[attr-defined]
            readersBefore,
        )
        problems = _problems(result)
        self.assertIn(
            "The real reactor's listenTCP() was called from "
            f"{_ATTOP}, line "
            f"{_lineOf(_reactorattop.serveWebSockets, 'return listenWS')}",
            problems,
        )

    def test_connectWSReachesNothing(self) -> None:
        """
        ``connectWS`` on a factory that kept the real reactor is refused
        before any socket is made.
        """
        real = self.real
        readersBefore = set(self.real.getReaders())  # type: ignore[attr-defined]
        writersBefore = set(self.real.getWriters())  # type: ignore[attr-defined]

        class Inner(SynchronousTestCase):
            def test_x(self) -> None:
                useFakeReactor(self)
                factory = RecordingClientFactory("ws://127.0.0.1:9/", reactor=real)
                connectWS(factory)

        problems = _problems(_run(Inner("test_x")))
        self.assertIn("The real reactor's connectTCP() was called from", problems)
        self.assertIn("test_globalreactor, line", problems)
        self.assertEqual(set(self.real.getReaders()), readersBefore)  # type: ignore[attr-defined]
        self.assertEqual(set(self.real.getWriters()), writersBefore)  # type: ignore[attr-defined]

    def test_objectBuiltBeforeTheTest(self) -> None:
        """
        When no module on the way holds the real reactor, the message says
        the reactor came from an object made before the test.
        """
        factory = Factory.forProtocol(Protocol)
        real = self.real

        class Inner(SynchronousTestCase):
            def test_x(self) -> None:
                useFakeReactor(self)
                kept = _Holder(real)
                kept.reactor.listenTCP(0, factory, interface="127.0.0.1")

        problems = _problems(_run(Inner("test_x")))
        self.assertIn("listenTCP() was called from", problems)
        self.assertIn("came from an object made before the test", problems)
        self.assertNotIn("patch=", problems)

    def test_threadsProcessesAndNamesTrip(self) -> None:
        """
        The real reactor's thread pool, processes and name resolution are
        guarded too.
        """
        endpoint = HostnameEndpoint(self.real, "feed.example.com", 443)

        class Inner(SynchronousTestCase):
            def test_x(self) -> None:
                useFakeReactor(self)
                _reactorattop.runSomethingInThread(_nothing)

            def test_y(self) -> None:
                useFakeReactor(self)
                _reactorattop.spawnTrue()

            def test_z(self) -> None:
                useFakeReactor(self)
                endpoint.connect(Factory.forProtocol(Protocol))

        for name, method in [
            ("test_x", "callInThread"),
            ("test_y", "spawnProcess"),
            ("test_z", "nameResolver.resolveHostName"),
        ]:
            self.assertIn(
                f"The real reactor's {method}() was called from",
                _problems(_run(Inner(name))),
            )
        self.assertRealReactorBack()

    def test_otherThreadsGoThrough(self) -> None:
        """
        Calls to the real reactor from other threads (a thread pool of the
        application's, say) are not the test's: they go through.
        """
        made: list[Any] = []

        class Inner(SynchronousTestCase):
            def test_x(self) -> None:
                useFakeReactor(self)
                thread = threading.Thread(
                    target=lambda: made.append(_reactorattop.later(60, _nothing))
                )
                thread.start()
                thread.join()

        result = _run(Inner("test_x"))
        self.assertTrue(result.wasSuccessful(), _problems(result))
        [call] = made
        self.assertTrue(call.active())
        call.cancel()

    def test_asynchronousTestCaseKeepsWorking(self) -> None:
        """
        In trial's asynchronous ``TestCase`` the fake is the global reactor
        inside the test, while trial keeps the real one: its timeouts are
        scheduled there, and it runs the real reactor to wait for a
        Deferred the test returns (here fired from another thread).
        """
        seen: list[object] = []

        class Inner(TestCase):
            def setUp(self) -> None:
                self.reactor = useFakeReactor(self)

            @inlineCallbacks
            def test_fakeDriven(self) -> Generator[Deferred[Any], Any, None]:
                d = _reactorinside.sleepThenAnswer(3, "fake")
                self.reactor.advance(3)
                seen.append((yield d))

            def test_firedFromRealThread(self) -> Deferred[None]:
                real: Any = self._twistedPrivateScheduler
                d: Deferred[None] = Deferred()
                d.addCallback(lambda _: seen.append(_theGlobalReactor()))
                thread = threading.Thread(
                    target=lambda: real.callFromThread(d.callback, None)
                )
                thread.start()
                d.addCallback(lambda _: thread.join())
                return d

            def test_trips(self) -> None:
                _reactorattop.later(1, _nothing)

        fakeDriven = _run(Inner("test_fakeDriven"))
        self.assertTrue(fakeDriven.wasSuccessful(), _problems(fakeDriven))
        fromThread = Inner("test_firedFromRealThread")
        result = _run(fromThread)
        self.assertTrue(result.wasSuccessful(), _problems(result))
        self.assertEqual(seen, ["fake", fromThread.reactor])
        self.assertIn(
            "The real reactor's callLater() was called from",
            _problems(_run(Inner("test_trips"))),
        )
        self.assertRealReactorBack()
        self.assertNothingScheduled()

    def test_asynchronousTripReportedOnce(self) -> None:
        """
        In an asynchronous ``TestCase``, a refused call that fails the test
        method is reported once, as the test's error, not again at cleanup
        as if it had been swallowed; one the test swallows still fails it at
        cleanup.
        """

        class Inner(TestCase):
            def test_trips(self) -> None:
                useFakeReactor(self)
                _reactorattop.later(1, _nothing)

            def test_swallows(self) -> None:
                useFakeReactor(self)
                try:
                    _reactorattop.later(1, _nothing)
                except RealReactorUsed:
                    pass

        swallowed = _run(Inner("test_swallows"))
        self.assertIn("the error was caught before", _problems(swallowed))
        result = _run(Inner("test_trips"))
        self.assertEqual(
            len(result.errors) + len(result.failures), 1, _problems(result)
        )
        self.assertNotIn("the error was caught before", _problems(result))
        self.assertIn(
            "The real reactor's callLater() was called from", _problems(result)
        )
        self.assertRealReactorBack()
        self.assertNothingScheduled()


class _Holder:
    """
    An object that kept a reactor, as a factory or service built at import
    time does.
    """

    def __init__(self, reactor: Any) -> None:
        self.reactor = reactor


class InstallTests(SynchronousTestCase):
    """
    The install underneath ``useFakeReactor``, where no test case orders it.
    """

    def test_uninstallOutOfOrder(self) -> None:
        """
        Putting back a fake while a later one is still installed is refused.
        """
        first = installGlobalReactor(FakeReactor())
        second = installGlobalReactor(FakeReactor())
        self.assertRaises(FakeReactorInUse, first.uninstall)
        second.uninstall()
        first.uninstall()

    def test_noReactorInstalledBefore(self) -> None:
        """
        When no reactor was installed (a test run without trial), the fake
        is the global reactor during the install and none is afterwards.
        """
        saved = sys.modules.pop("twisted.internet.reactor")
        self.addCleanup(sys.modules.__setitem__, "twisted.internet.reactor", saved)
        self.addCleanup(setattr, twisted.internet, "reactor", saved)
        del twisted.internet.reactor
        fake = FakeReactor()
        installation = installGlobalReactor(fake)
        self.assertIs(_theGlobalReactor(), fake)
        self.assertIsNone(installation.real)
        installation.uninstall()
        self.assertNotIn("twisted.internet.reactor", sys.modules)
        self.assertNotIn("reactor", vars(twisted.internet))
