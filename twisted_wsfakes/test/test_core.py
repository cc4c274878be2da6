"""
Tests for :mod:`twisted_wsfakes.network.core`: a fake reactor's run, stop, crash and
system event triggers, on a :class:`FakeReactor`.
"""

from __future__ import annotations

from twisted.internet.defer import Deferred
from twisted.internet.error import (
    ReactorAlreadyRunning,
    ReactorNotRestartable,
    ReactorNotRunning,
)
from twisted.internet.interfaces import IReactorCore
from twisted.internet.task import deferLater, react
from twisted.trial.unittest import SynchronousTestCase
from zope.interface.verify import verifyObject

from ..errors import NetworkUsageError
from ..network import FakeReactor
from ..testcase import useFakeReactor
from ._protocols import connectPair


class RunTests(SynchronousTestCase):
    """
    ``run()`` does what a real reactor does first, then returns, so code
    whose entry point ends in ``reactor.run()`` can be called from a test.
    """

    def setUp(self) -> None:
        self.reactor = FakeReactor()
        self.log: list[str] = []

    def test_providesIReactorCore(self) -> None:
        """
        A ``FakeReactor`` fully provides ``IReactorCore``.
        """
        self.assertTrue(verifyObject(IReactorCore, self.reactor))

    def test_runningFromTheStart(self) -> None:
        """
        A new reactor counts as running (the test drives it), has not run,
        and ``callWhenRunning`` calls at once.
        """
        self.reactor.callWhenRunning(self.log.append, "now")
        self.assertEqual(self.log, ["now"])
        self.assertEqual((self.reactor.running, self.reactor.hasRun), (True, False))

    def test_runFiresStartupTriggersInOrder(self) -> None:
        """
        ``run()`` fires the ``startup`` triggers, ``before``, ``during`` then
        ``after``, once each, and returns with the reactor running.
        """
        for phase in ("after", "during", "before"):
            self.reactor.addSystemEventTrigger(phase, "startup", self.log.append, phase)
        self.reactor.run()
        self.assertEqual(self.log, ["before", "during", "after"])
        self.assertEqual(self.reactor.triggers, {})
        self.assertEqual(
            (self.reactor.running, self.reactor.hasRun, self.reactor.hasStopped),
            (True, True, False),
        )

    def test_runDeliversWhatIsPending(self) -> None:
        """
        ``run()`` runs the calls due now and delivers every byte; calls due
        later stay pending, and time does not move.
        """
        _connection, client, server = connectPair(self.reactor)
        self.reactor.callLater(0, client.write, b"hello")
        self.reactor.callLater(5, self.log.append, "later")
        self.reactor.run()
        self.assertIn(("server", b"hello"), server.log)
        self.assertEqual(self.log, [])
        self.assertEqual(self.reactor.seconds(), 0.0)

    def test_entryPointEndingInRun(self) -> None:
        """
        An entry point that schedules its work with ``callWhenRunning`` and
        ends in ``reactor.run()`` returns, and the test goes on driving the
        clock; the code's own ``stop()`` later fires the shutdown triggers.
        """
        reactor = self.reactor

        def main() -> None:
            reactor.addSystemEventTrigger("before", "shutdown", self.log.append, "bye")
            reactor.callWhenRunning(self.log.append, "started")
            reactor.callLater(10, reactor.stop)
            reactor.run()

        main()
        self.assertEqual(self.log, ["started"])
        reactor.advance(10)
        self.assertEqual(self.log, ["started", "bye"])
        self.assertEqual((reactor.running, reactor.hasStopped), (False, True))

    def test_runWithoutSignalHandlers(self) -> None:
        """
        ``run(installSignalHandlers=False)``, as code that runs the reactor
        in a thread calls it, runs as ``run()`` does.
        """
        self.reactor.addSystemEventTrigger("during", "startup", self.log.append, "up")
        self.reactor.run(installSignalHandlers=False)
        self.assertEqual(self.log, ["up"])
        self.assertTrue(self.reactor.hasRun)

    def test_reactWithMainThatFinishes(self) -> None:
        """
        ``task.react`` runs ``main`` in ``run()``; when ``main``'s Deferred
        fires during that run, react stops the reactor and exits with 0.
        """

        def main(reactor: FakeReactor) -> Deferred[None]:
            return deferLater(reactor, 0, self.log.append, "done")

        exited = self.assertRaises(SystemExit, react, main, [], self.reactor)
        self.assertEqual(exited.code, 0)
        self.assertEqual(self.log, ["done"])
        self.assertTrue(self.reactor.hasStopped)

    def test_globalReactorRun(self) -> None:
        """
        Under ``useFakeReactor``, an entry point that imports the global
        reactor and ends in ``reactor.run()`` runs on the fake and returns.
        """
        fake = useFakeReactor(self)

        def main() -> None:
            from twisted.internet import reactor

            reactor.callWhenRunning(self.log.append, "started")
            reactor.callLater(0, self.log.append, "first turn")
            reactor.run()

        main()
        self.assertEqual(self.log, ["started", "first turn"])
        self.assertTrue(fake.hasRun)

    def test_secondRunRaises(self) -> None:
        """
        A second ``run()`` while the first has not been stopped or crashed
        raises ``ReactorAlreadyRunning``, as a real reactor would still be
        inside the first.
        """
        self.reactor.run()
        self.assertRaises(ReactorAlreadyRunning, self.reactor.run)

    def test_runAfterStopRaises(self) -> None:
        """
        ``run()`` after ``stop()`` raises ``ReactorNotRestartable``.
        """
        self.reactor.run()
        self.reactor.stop()
        self.assertRaises(ReactorNotRestartable, self.reactor.run)


class StopAndCrashTests(SynchronousTestCase):
    """
    ``stop()`` and ``crash()``, and what they leave recorded.
    """

    def setUp(self) -> None:
        self.reactor = FakeReactor()
        self.log: list[str] = []
        for phase in ("before", "during", "after"):
            self.reactor.addSystemEventTrigger(
                phase, "shutdown", self.log.append, phase
            )

    def test_stopFiresShutdownTriggers(self) -> None:
        """
        ``stop()`` fires the shutdown triggers in phase order; the reactor
        stops running and records that it stopped.
        """
        self.reactor.stop()
        self.assertEqual(self.log, ["before", "during", "after"])
        self.assertEqual(
            (self.reactor.running, self.reactor.hasStopped, self.reactor.hasCrashed),
            (False, True, False),
        )

    def test_stopTwiceRaises(self) -> None:
        """
        A second ``stop()`` raises ``ReactorNotRunning`` and fires nothing
        more.
        """
        self.reactor.stop()
        self.assertRaises(ReactorNotRunning, self.reactor.stop)
        self.assertEqual(self.log, ["before", "during", "after"])

    def test_stopLeavesConnectionsAndClock(self) -> None:
        """
        After ``stop()``, connections stay open and the clock still runs
        the test's advances, so the test can look at what stopping did.
        """
        connection, _client, _server = connectPair(self.reactor)
        self.reactor.callLater(1, self.log.append, "timer")
        self.reactor.stop()
        self.reactor.advance(1)
        self.assertTrue(connection.open)
        self.assertEqual(self.log[-1], "timer")

    def test_crashFiresNoTriggers(self) -> None:
        """
        ``crash()`` stops running without the shutdown triggers, and records
        that it crashed.
        """
        self.reactor.crash()
        self.assertEqual(self.log, [])
        self.assertEqual(
            (self.reactor.running, self.reactor.hasCrashed, self.reactor.hasStopped),
            (False, True, False),
        )

    def test_runAfterCrash(self) -> None:
        """
        After ``crash()``, ``callWhenRunning`` waits for ``run()``, which may
        be called again, as on a real reactor.
        """
        self.reactor.run()
        self.reactor.crash()
        self.reactor.callWhenRunning(self.log.append, "running again")
        self.assertEqual(self.log, [])
        self.reactor.run()
        self.assertEqual(self.log, ["running again"])
        self.assertTrue(self.reactor.running)

    def test_stopAfterCrashRaises(self) -> None:
        """
        ``stop()`` after ``crash()`` raises ``ReactorNotRunning``.
        """
        self.reactor.crash()
        self.assertRaises(ReactorNotRunning, self.reactor.stop)


class TriggerTests(SynchronousTestCase):
    """
    System event triggers, shown as ``MemoryReactor`` shows them.
    """

    def test_triggersShape(self) -> None:
        """
        ``triggers[phase][eventType]`` lists ``(callable, args, kwargs)``
        in the order added, as on ``MemoryReactor``.
        """
        reactor = FakeReactor()

        def f(*args: object, **kwargs: object) -> None:
            pass

        reactor.addSystemEventTrigger("before", "shutdown", f, 1, key=2)
        reactor.addSystemEventTrigger("before", "shutdown", f)
        reactor.addSystemEventTrigger("after", "startup", f, 3)
        self.assertEqual(
            reactor.triggers,
            {
                "before": {"shutdown": [(f, (1,), {"key": 2}), (f, (), {})]},
                "after": {"startup": [(f, (3,), {})]},
            },
        )

    def test_firingTakesTriggersOff(self) -> None:
        """
        Each trigger runs once: firing the same event again runs nothing,
        and removing a trigger that ran raises ``NetworkUsageError``, a
        ``ValueError`` as on Twisted's reactors.
        """
        reactor = FakeReactor()
        log: list[str] = []
        trigger = reactor.addSystemEventTrigger("during", "custom", log.append, "x")
        reactor.fireSystemEvent("custom")
        reactor.fireSystemEvent("custom")
        self.assertEqual(log, ["x"])
        e = self.assertRaises(
            NetworkUsageError, reactor.removeSystemEventTrigger, trigger
        )
        self.assertIsInstance(e, ValueError)
        self.assertEqual(
            str(e), f"removeSystemEventTrigger(): no system event trigger {trigger!r}"
        )
