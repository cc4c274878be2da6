"""
Tests for :mod:`twisted_wsfakes.network.threads` and
:mod:`twisted_wsfakes.network.lookups`: a FakeReactor runs thread work and
calls from threads at its next flush, in order, in the test's own thread,
and answers name lookups given to threads from its own names.
"""

from __future__ import annotations

import gc
import socket
import threading
from collections.abc import Callable

from twisted.internet import defer
from twisted.internet.endpoints import TCP6ClientEndpoint
from twisted.internet.interfaces import (
    IReactorFromThreads,
    IReactorInThreads,
    IReactorThreads,
)
from twisted.internet.protocol import Factory, Protocol
from twisted.internet.threads import (
    blockingCallFromThread,
    deferToThread,
    deferToThreadPool,
)
from twisted.python.threadpool import ThreadPool
from twisted.trial.unittest import SynchronousTestCase
from zope.interface.verify import verifyObject

from .. import FakeReactor, NetworkUsageError, NeverSettles, UnsupportedByFake
from ..network.threads import FakeThreadPool
from ..testcase import useFakeReactor


class InterfaceTests(SynchronousTestCase):
    """
    FakeReactor declares and provides the thread interfaces.
    """

    def test_providesThreadInterfaces(self) -> None:
        """
        ``IReactorThreads`` and the two it extends, verified.
        """
        reactor = FakeReactor()
        for interface in (IReactorThreads, IReactorFromThreads, IReactorInThreads):
            self.assertTrue(verifyObject(interface, reactor))

    def test_poolIsAThreadPool(self) -> None:
        """
        ``getThreadPool()`` gives one :class:`FakeThreadPool`, a Twisted
        ``ThreadPool``, every time.
        """
        reactor = FakeReactor()
        pool = reactor.getThreadPool()
        self.assertIsInstance(pool, FakeThreadPool)
        self.assertIsInstance(pool, ThreadPool)
        self.assertIs(reactor.getThreadPool(), pool)

    def test_poolMadeOnFirstUse(self) -> None:
        """
        A reactor makes its thread pool the first time thread work or the
        pool is asked for, as a real reactor does: one that runs timers and
        flushes but no thread work leaves no ``ThreadPool`` (whose reference
        cycles only the garbage collector frees) behind it.
        """
        before = _livePools()
        reactor = FakeReactor()
        reactor.callLater(1, lambda: None)
        reactor.advance(1)
        self.assertEqual(_livePools(), before)
        reactor.callInThread(lambda: None)
        reactor.flush()
        self.assertEqual(_livePools(), before + 1)
        reactor.getThreadPool()
        self.assertEqual(_livePools(), before + 1)


def _livePools() -> int:
    """
    How many thread pools of fake reactors are alive, garbage collected
    first so that only those still in use count.
    """
    gc.collect()
    return sum(isinstance(o, FakeThreadPool) for o in gc.get_objects())


class CallInThreadTests(SynchronousTestCase):
    """
    ``callInThread`` work runs at the next flush or advance, in the test's
    thread, and never in a real thread.
    """

    def test_runsAtNextFlushInTestThread(self) -> None:
        """
        The work does not run inside the call; the next flush runs it in
        the thread that called flush.
        """
        reactor = FakeReactor()
        ran: list[tuple[str, int]] = []
        threadsBefore = threading.active_count()
        reactor.callInThread(lambda x: ran.append((x, threading.get_ident())), "a")
        self.assertEqual(ran, [])
        reactor.flush()
        self.assertEqual(ran, [("a", threading.get_ident())])
        self.assertEqual(threading.active_count(), threadsBefore)

    def test_advanceRunsWork(self) -> None:
        """
        ``advance()`` delivers thread work as ``flush()`` does.
        """
        reactor = FakeReactor()
        ran: list[float] = []
        reactor.callInThread(lambda: ran.append(reactor.seconds()))
        reactor.advance(0)
        self.assertEqual(ran, [0.0])

    def test_errorIsLogged(self) -> None:
        """
        Work that raises with nobody waiting for its outcome is logged, as a
        thread pool logs it, and the flush goes on.
        """
        reactor = FakeReactor()
        ran: list[str] = []
        reactor.callInThread(lambda: 1 / 0)
        reactor.callInThread(lambda: ran.append("next"))
        reactor.flush()
        self.assertEqual(len(self.flushLoggedErrors(ZeroDivisionError)), 1)
        self.assertEqual(ran, ["next"])

    def test_stoppedPoolDropsWork(self) -> None:
        """
        As with Twisted's pool, work given after ``stop()`` is dropped; after
        ``start()`` it runs again.
        """
        reactor = FakeReactor()
        pool = reactor.getThreadPool()
        ran: list[str] = []
        pool.stop()
        pool.callInThread(ran.append, "dropped")
        pool.start()
        pool.callInThread(ran.append, "kept")
        reactor.flush()
        self.assertEqual(ran, ["kept"])

    def test_suggestThreadPoolSize(self) -> None:
        """
        ``suggestThreadPoolSize`` sets the pool's ``max`` and starts no
        thread; a size below the pool's ``min`` is refused with a
        NetworkUsageError naming the method and both sizes.
        """
        reactor = FakeReactor()
        threadsBefore = threading.active_count()
        reactor.suggestThreadPoolSize(3)
        self.assertEqual(reactor.getThreadPool().max, 3)
        self.assertEqual(threading.active_count(), threadsBefore)
        reactor.getThreadPool().adjustPoolsize(minthreads=2)
        e = self.assertRaises(NetworkUsageError, reactor.suggestThreadPoolSize, 1)
        self.assertIn("adjustPoolsize(): thread pool size:", str(e))
        self.assertIn("got 2 and 1", str(e))
        self.assertEqual(reactor.getThreadPool().max, 3)


class CallFromThreadTests(SynchronousTestCase):
    """
    ``callFromThread`` calls run at the next flush, in the order made.
    """

    def test_orderAndTiming(self) -> None:
        """
        Calls run in the order made, at the next flush; a call made by one
        of them runs after every call queued before it.
        """
        reactor = FakeReactor()
        ran: list[str] = []

        def first() -> None:
            ran.append("first")
            reactor.callFromThread(ran.append, "queued by first")

        reactor.callFromThread(first)
        reactor.callFromThread(ran.append, "second")
        reactor.callInThread(ran.append, "work")
        reactor.callFromThread(ran.append, "third")
        self.assertEqual(ran, [])
        reactor.flush()
        self.assertEqual(ran, ["first", "second", "work", "third", "queued by first"])

    def test_fromWorkRunsAtOnce(self) -> None:
        """
        A call from thread work runs inside the work: the reactor thread
        took it at once.
        """
        reactor = FakeReactor()
        ran: list[str] = []

        def work() -> None:
            reactor.callFromThread(ran.append, "from work")
            ran.append("work goes on")

        reactor.callInThread(work)
        reactor.flush()
        self.assertEqual(ran, ["from work", "work goes on"])

    def test_errorIsLogged(self) -> None:
        """
        A call that raises is logged, as a reactor logs it, and the next
        call still runs.
        """
        reactor = FakeReactor()
        ran: list[str] = []
        reactor.callFromThread(lambda: 1 / 0)
        reactor.callFromThread(ran.append, "next")
        reactor.flush()
        self.assertEqual(len(self.flushLoggedErrors(ZeroDivisionError)), 1)
        self.assertEqual(ran, ["next"])

    def test_neverEnding(self) -> None:
        """
        A call that queues itself again forever stops the flush with
        ``NeverSettles``, naming it.
        """
        reactor = FakeReactor(flushLimit=20)

        def again() -> None:
            reactor.callFromThread(again)

        reactor.callFromThread(again)
        e = self.assertRaises(NeverSettles, reactor.flush)
        self.assertIn("queued for the reactor's threads: <function ", str(e))
        self.assertIn("again", str(e))


class DeferToThreadTests(SynchronousTestCase):
    """
    ``deferToThread`` on the global reactor, and ``deferToThreadPool`` on the
    reactor's pool, give Deferreds that fire at the next flush.
    """

    def test_result(self) -> None:
        """
        The Deferred has no result until the flush, then the function's.
        """
        reactor = useFakeReactor(self)
        d = deferToThread(lambda x, y: x * y, 6, y=7)
        self.assertNoResult(d)
        reactor.flush()
        self.assertEqual(self.successResultOf(d), 42)

    def test_failure(self) -> None:
        """
        A function that raises fails the Deferred, and nothing is logged.
        """
        reactor = useFakeReactor(self)
        d = deferToThread(lambda: 1 / 0)
        reactor.flush()
        self.failureResultOf(d, ZeroDivisionError)
        self.assertEqual(self.flushLoggedErrors(), [])

    def test_explicitPool(self) -> None:
        """
        ``deferToThreadPool`` with the reactor and its pool works the same
        without the global reactor.
        """
        reactor = FakeReactor()
        d = deferToThreadPool(reactor, reactor.getThreadPool(), str.upper, "abc")
        self.assertNoResult(d)
        reactor.flush()
        self.assertEqual(self.successResultOf(d), "ABC")


class BlockingCallFromThreadTests(SynchronousTestCase):
    """
    ``blockingCallFromThread`` in thread work gets its answer when the
    reactor side answers at once, and an error (not a hang) when it does not.
    """

    def inWork(self, f: Callable[[], object]) -> defer.Deferred[object]:
        """
        Run ``blockingCallFromThread(reactor, f)`` as thread work and flush.
        """
        reactor = FakeReactor()
        d = deferToThreadPool(
            reactor,
            reactor.getThreadPool(),
            blockingCallFromThread,
            reactor,
            f,
        )
        reactor.flush()
        return d

    def test_value(self) -> None:
        """
        A plain value comes back to the work.
        """
        self.assertEqual(self.successResultOf(self.inWork(lambda: 42)), 42)

    def test_firedDeferred(self) -> None:
        """
        A fired Deferred's result comes back to the work.
        """
        result = self.inWork(lambda: defer.succeed("done"))
        self.assertEqual(self.successResultOf(result), "done")

    def test_raises(self) -> None:
        """
        An exception in the reactor-side function is raised in the work.
        """
        self.failureResultOf(self.inWork(lambda: 1 / 0), ZeroDivisionError)

    def test_unfiredDeferredIsAnError(self) -> None:
        """
        A Deferred that has not fired would make the work wait forever: it
        gets ``UnsupportedByFake`` instead, saying why.
        """

        def waits() -> defer.Deferred[None]:
            return defer.Deferred()

        failure = self.failureResultOf(self.inWork(waits), UnsupportedByFake)
        self.assertIn("blockingCallFromThread(<function ", str(failure.value))
        self.assertIn("waits", str(failure.value))
        self.assertIn("returned a Deferred that had not fired", str(failure.value))


class NameLookupTests(SynchronousTestCase):
    """
    ``socket.getaddrinfo`` and ``socket.gethostbyname`` given to threads are
    answered from the fake network's names, never by the machine's DNS.
    """

    def test_getaddrinfoGivesTheFakeAddress(self) -> None:
        """
        A name resolves to the address the reactor gives it (a TEST-NET
        address no real lookup returns), in ``getaddrinfo``'s own shape.
        """
        reactor = useFakeReactor(self)
        d = deferToThread(
            socket.getaddrinfo, "Feed.Example.com", 443, 0, socket.SOCK_STREAM
        )
        reactor.flush()
        [(family, kind, _, _, address)] = self.successResultOf(d)
        self.assertEqual(
            (family, kind, address),
            (socket.AF_INET, socket.SOCK_STREAM, ("192.0.2.1", 443)),
        )
        self.assertEqual(reactor.addressOf("feed.example.com"), "192.0.2.1")

    def test_numericHostUnchanged(self) -> None:
        """
        An address, or no host at all, gets what the real function gives.
        """
        reactor = useFakeReactor(self)
        given = deferToThread(socket.getaddrinfo, "127.0.0.1", 80, socket.AF_INET)
        passive = deferToThread(socket.getaddrinfo, None, 80, socket.AF_INET)
        reactor.flush()
        self.assertEqual(
            self.successResultOf(given),
            socket.getaddrinfo("127.0.0.1", 80, socket.AF_INET),
        )
        self.assertEqual(
            self.successResultOf(passive), socket.getaddrinfo(None, 80, socket.AF_INET)
        )

    def test_gethostbyname(self) -> None:
        """
        ``gethostbyname`` answers with the same address as the resolver.
        """
        reactor = FakeReactor()
        d = deferToThreadPool(
            reactor, reactor.getThreadPool(), socket.gethostbyname, "feed.example.com"
        )
        reactor.flush()
        self.assertEqual(self.successResultOf(d), reactor.addressOf("feed.example.com"))

    def test_tcp6EndpointWithNameRefused(self) -> None:
        """
        ``TCP6ClientEndpoint`` given a host name asks for its IPv6 address,
        which the fake network's names do not have: the connection fails with
        `UnsupportedByFake`, saying what to use instead.
        """
        reactor = useFakeReactor(self)
        endpoint = TCP6ClientEndpoint(reactor, "feed.example.com", 9000)
        d = endpoint.connect(Factory.forProtocol(Protocol))
        reactor.flush()
        error = self.failureResultOf(d, UnsupportedByFake).value
        self.assertIn("'feed.example.com' is 192.0.2.1", str(error))
        self.assertIn("HostnameEndpoint", str(error))
        self.assertEqual(reactor.tcpClients, [])
