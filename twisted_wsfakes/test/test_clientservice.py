"""
Every behaviour Twisted's own ``ClientServiceTests`` checks, re-expressed
against the real ``ClientService`` with :class:`FakeEndpoint`: the test
settles each connection attempt itself, and every wait is the exact delay
the retry policy gives, never a guess.

Where the behaviour is about the application's connection, the client is a
real Autobahn websocket client and the server a real Autobahn server, so a
connection that succeeds has run its opening handshake.  Where it is about
TCP only, plain protocols do.
"""

from __future__ import annotations

from typing import Any

from twisted.application.internet import ClientService, backoffPolicy
from twisted.internet.defer import CancelledError, Deferred
from twisted.internet.error import ConnectionLost, NoProtocol
from twisted.internet.interfaces import (
    IAddress,
    IFileDescriptorReceiver,
    IHalfCloseableProtocol,
    IProtocol,
)
from twisted.internet.protocol import Factory, Protocol
from twisted.logger import ILogObserver, LogEvent, formatEvent, globalLogPublisher
from twisted.trial.unittest import SynchronousTestCase
from zope.interface import implementer

from ..network.connection import Connection
from ..reconnect import FakeEndpoint
from ..script import Script, close, sendText, wait
from ..testcase import useFakeReactor
from ._autobahn import URL, RecordingClientFactory, clientFactory, serverFactory


class _PrepareError(Exception):
    """
    What a failing ``prepareConnection`` raises in these tests.
    """


class _RefusingFactory(Factory):
    """
    An application factory that never builds a protocol.
    """

    def buildProtocol(self, addr: IAddress | None) -> Protocol | None:
        return None


@implementer(IHalfCloseableProtocol, IFileDescriptorReceiver)
class _FancyProtocol(Protocol):
    """
    A protocol with the marker interfaces a transport looks for.
    """

    def readConnectionLost(self) -> None:
        pass

    def writeConnectionLost(self) -> None:
        pass

    def fileDescriptorReceived(self, descriptor: int) -> None:
        pass


class ClientServiceTests(SynchronousTestCase):
    """
    ``ClientService`` on a :class:`FakeEndpoint` whose server is a real
    Autobahn websocket server on the fake network.
    """

    def setUp(self) -> None:
        # Like Twisted's own fixture, every test must leave no retry timer
        # (nor Autobahn timer) behind once the service is stopped.
        self.reactor = useFakeReactor(self, checkPendingCalls=True)
        self.policy = backoffPolicy(initialDelay=1.0, factor=1.5, jitter=lambda: 0)
        self.server = self.reactor.listenTCP(9000, serverFactory(self.reactor))
        self.endpoint = FakeEndpoint(self.reactor, server=self.server)
        self.factory: Any = clientFactory(self.reactor)

    def makeService(self, start: bool = True, **kwargs: Any) -> ClientService:
        """
        Build a ``ClientService`` on the endpoint, with the application's
        factory and the test's retry policy, stopped again at cleanup.

        :param start: whether to start it.
        :param kwargs: more ``ClientService`` arguments.
        """
        kwargs.setdefault("retryPolicy", self.policy)
        service = ClientService(
            self.endpoint, self.factory, clock=self.reactor, **kwargs
        )

        def stop() -> None:
            if service.running:
                service.stopService()
                self.reactor.flush()

        self.addCleanup(stop)
        if start:
            service.startService()
        return service

    def connection(self, index: int = -1) -> Connection:
        """
        The connection an attempt made.
        """
        connection = self.endpoint.attempts[index].connection
        assert connection is not None
        return connection

    def dropConnection(self, index: int = -1) -> None:
        """
        Cut the connection an attempt made, as a failing network would.
        """
        self.connection(index).drop()
        self.reactor.flush()

    def test_startService(self) -> None:
        """
        When the service is started, a connection attempt is made.
        """
        self.makeService()
        self.assertEqual(len(self.endpoint.attempts), 1)
        self.assertEqual(self.endpoint.attempts[0].outcome, "pending")

    def test_startStopFactory(self) -> None:
        """
        ``doStart`` and ``doStop`` called on the factory handed to the
        endpoint reach the application's factory.
        """
        self.makeService()
        attempt = self.endpoint.attempts[0]
        self.assertIsNot(attempt.factory, self.factory)
        self.assertEqual(self.factory.numPorts, 1)
        attempt.fail()
        self.assertEqual(self.factory.numPorts, 0)

    def test_stopServiceWhileConnected(self) -> None:
        """
        Stopping a connected service closes its connection and makes no
        further attempt; the returned Deferred fires once the connection is
        gone.
        """
        service = self.makeService()
        self.endpoint.attempts[0].succeed()
        stopped = service.stopService()
        self.assertNoResult(stopped)
        self.assertTrue(self.connection().clientTransport.disconnecting)
        self.reactor.flush()
        self.successResultOf(stopped)
        self.assertEqual(self.reactor.getDelayedCalls(), [])
        self.assertEqual(len(self.endpoint.attempts), 1)

    def test_startServiceWaitsForDisconnect(self) -> None:
        """
        A service restarted while its connection is closing makes its next
        attempt only once the connection is gone.
        """
        service = self.makeService()
        self.endpoint.attempts[0].succeed()
        stopped = service.stopService()
        service.startService()
        self.assertNoResult(stopped)
        self.assertEqual(len(self.endpoint.attempts), 1)
        self.reactor.flush()
        self.successResultOf(stopped)
        self.assertEqual(len(self.endpoint.attempts), 2)

    def test_startServiceWhileStopping(self) -> None:
        """
        Starting a service whose stop has not finished makes a new
        connection once the old one is gone, and ``whenConnected`` then
        gives the new protocol.
        """
        service = self.makeService()
        self.endpoint.attempts[0].succeed()
        stopped = service.stopService()
        nextProtocol = service.whenConnected()
        service.startService()
        self.assertNoResult(nextProtocol)
        self.assertNoResult(stopped)
        self.assertTrue(self.connection(0).clientTransport.disconnecting)
        self.reactor.flush()
        self.successResultOf(stopped)
        self.endpoint.attempts[1].succeed()
        self.assertIs(self.successResultOf(nextProtocol), self.factory.built[1])
        self.assertNoResult(service.stopService())

    def test_startServiceWhileStopped(self) -> None:
        """
        Once stopped, a service fails ``whenConnected`` with
        ``CancelledError``; started again, it connects anew and
        ``whenConnected`` gives the new protocol.
        """
        service = self.makeService()
        self.successResultOf(service.stopService())
        self.failureResultOf(service.whenConnected(), CancelledError)
        service.startService()
        self.endpoint.attempts[-1].succeed()
        self.assertIs(
            self.successResultOf(service.whenConnected()), self.factory.built[-1]
        )

    def test_interfacesForTransport(self) -> None:
        """
        The protocol the endpoint gets provides the marker interfaces
        (``IHalfCloseableProtocol``, ``IFileDescriptorReceiver``) that the
        application's protocol provides.
        """
        self.factory = Factory.forProtocol(_FancyProtocol)
        self.makeService()
        self.endpoint.attempts[0].succeed(to=Factory.forProtocol(Protocol))
        reactorFacing = self.endpoint.attempts[0].protocol
        self.assertTrue(IFileDescriptorReceiver.providedBy(reactorFacing))
        self.assertTrue(IHalfCloseableProtocol.providedBy(reactorFacing))

    def test_stopServiceWhileRetrying(self) -> None:
        """
        Stopping the service while a retry's attempt is in progress cancels
        that attempt, and the stop completes.
        """
        service = self.makeService()
        self.endpoint.attempts[0].fail()
        self.reactor.advance(self.policy(1))
        self.assertEqual(self.endpoint.attempts[1].outcome, "pending")
        stopped = service.stopService()
        self.assertEqual(self.endpoint.attempts[1].outcome, "cancelled")
        self.successResultOf(stopped)

    def test_stopServiceWhileConnecting(self) -> None:
        """
        Stopping the service while its first attempt is in progress cancels
        the attempt, and the stop completes at once.
        """
        service = self.makeService()
        stopped = service.stopService()
        self.assertEqual(self.endpoint.attempts[0].outcome, "cancelled")
        self.successResultOf(stopped)

    def test_clientConnected(self) -> None:
        """
        Once connected, the service hands out the application's protocol,
        has no retry pending, and counts failures afresh: after the
        connection is lost it waits ``policy(1)`` again, not ``policy(2)``.
        """
        service = self.makeService()
        self.endpoint.attempts[0].fail()
        self.reactor.advance(self.policy(1))
        self.endpoint.attempts[1].succeed()
        self.assertEqual(self.reactor.getDelayedCalls(), [])
        protocol: Any = self.successResultOf(service.whenConnected())
        self.assertIs(protocol, self.factory.built[0])
        self.assertEqual(protocol.events[-1], ("open",))
        self.assertIn(repr(protocol), repr(self.endpoint.attempts[1].protocol))
        self.assertIn("RecordingClientFactory", repr(self.endpoint.attempts[1].factory))
        self.dropConnection()
        self.reactor.advance(self.policy(1))
        self.assertEqual(len(self.endpoint.attempts), 3)
        self.endpoint.attempts.assertFollowsPolicy(self.policy)

    def test_clientConnectionFailed(self) -> None:
        """
        After a failed attempt the service is not connected, and tries again
        exactly ``policy(1)`` seconds later.
        """
        service = self.makeService()
        self.endpoint.attempts[0].fail()
        whenConnected = service.whenConnected()
        self.assertNoResult(whenConnected)
        self.reactor.advance(self.policy(1))
        self.endpoint.attempts.assertDelays([self.policy(1)])
        self.endpoint.attempts[1].succeed()
        self.assertIs(self.successResultOf(whenConnected), self.factory.built[0])

    def test_clientConnectionLost(self) -> None:
        """
        When the connection is lost the service forgets its protocol, tries
        again ``policy(1)`` seconds later, and hands out the new protocol.
        """
        service = self.makeService()
        self.endpoint.attempts[0].succeed()
        self.assertIs(
            self.successResultOf(service.whenConnected()), self.factory.built[0]
        )
        self.dropConnection()
        whenConnected = service.whenConnected()
        self.assertNoResult(whenConnected)
        self.reactor.advance(self.policy(1))
        self.endpoint.attempts[1].succeed()
        self.assertIs(self.successResultOf(whenConnected), self.factory.built[1])
        self.endpoint.attempts.assertFollowsPolicy(self.policy)

    def test_clientConnectionRefused(self) -> None:
        """
        When the application's factory builds no protocol, the attempt fails
        and the service keeps trying, each retry on the policy's time.
        """
        self.factory = _RefusingFactory()
        service = self.makeService()
        whenConnected = service.whenConnected()
        self.endpoint.attempts[0].succeed()
        reason = self.endpoint.attempts[0].reason
        assert reason is not None
        self.assertIsInstance(reason.value, NoProtocol)
        self.reactor.advance(self.policy(1))
        self.endpoint.attempts[1].succeed()
        self.reactor.advance(self.policy(2))
        self.assertEqual(len(self.endpoint.attempts), 3)
        self.assertNoResult(whenConnected)
        self.endpoint.attempts.assertFollowsPolicy(self.policy)
        service.stopService()
        self.failureResultOf(whenConnected, CancelledError)

    def test_clientConnectionLostWhileStopping(self) -> None:
        """
        A connection lost while the service is stopping completes the stop,
        and the service hands out no protocol.
        """
        service = self.makeService()
        self.endpoint.attempts[0].succeed()
        stopped = service.stopService()
        self.dropConnection()
        self.failureResultOf(service.whenConnected(), CancelledError)
        self.successResultOf(stopped)

    def test_startTwice(self) -> None:
        """
        Starting a started service logs a complaint and makes no second
        attempt.
        """
        service = self.makeService(start=False)
        self.assertEqual(len(self.endpoint.attempts), 0)
        service.startService()
        self.assertEqual(len(self.endpoint.attempts), 1)
        messages = self.catchLogs()
        service.startService()
        self.assertEqual(len(self.endpoint.attempts), 1)
        self.assertIn("Duplicate ClientService.startService", messages[0])

    def test_whenConnectedLater(self) -> None:
        """
        ``whenConnected`` called before the connection fires, for every
        caller, with the one protocol once connected, handshake done.
        """
        service = self.makeService()
        waiting = [
            service.whenConnected(),
            service.whenConnected(),
            service.whenConnected(failAfterFailures=1),
        ]
        for each in waiting:
            self.assertNoResult(each)
        self.endpoint.attempts[0].succeed()
        protocol = self.factory.built[0]
        for each in waiting:
            self.assertIs(self.successResultOf(each), protocol)
        self.assertEqual(protocol.events[-1], ("open",))

    def test_whenConnectedFails(self) -> None:
        """
        ``whenConnected(failAfterFailures=n)`` fails with the n-th failure in
        a row; without it, or with a larger n, it waits for the connection.
        """
        service = self.makeService()
        a0 = service.whenConnected()
        a1 = service.whenConnected(failAfterFailures=1)
        a2 = service.whenConnected(failAfterFailures=2)
        a3 = service.whenConnected(failAfterFailures=3)
        first, second = ConnectionLost("first"), ConnectionLost("second")
        self.endpoint.attempts[0].fail(first)
        self.assertIs(self.failureResultOf(a1).value, first)
        self.reactor.advance(self.policy(1))
        self.endpoint.attempts[1].fail(second)
        self.assertIs(self.failureResultOf(a2).value, second)
        self.assertNoResult(a0)
        self.assertNoResult(a3)
        self.reactor.advance(self.policy(2))
        self.endpoint.attempts[2].succeed()
        protocol = self.factory.built[0]
        self.assertIs(self.successResultOf(a0), protocol)
        self.assertIs(self.successResultOf(a3), protocol)
        self.assertIs(
            self.successResultOf(service.whenConnected(failAfterFailures=1)),
            protocol,
        )
        self.endpoint.attempts.assertDelays([self.policy(1), self.policy(2)])

    def test_whenConnectedStopService(self) -> None:
        """
        Stopping the service fails every pending ``whenConnected`` with
        ``CancelledError``, at once.
        """
        service = self.makeService()
        waiting = [
            service.whenConnected(),
            service.whenConnected(),
            service.whenConnected(failAfterFailures=1),
        ]
        service.stopService()
        for each in waiting:
            self.failureResultOf(each, CancelledError)

    def test_retryCancelled(self) -> None:
        """
        Stopping the service while it waits to retry cancels the retry timer
        and stops at once.
        """
        service = self.makeService()
        self.endpoint.attempts[0].fail()
        [retry] = self.reactor.getDelayedCalls()
        self.assertEqual(retry.getTime(), self.policy(1))
        stopped = service.stopService()
        self.assertEqual(self.reactor.getDelayedCalls(), [])
        self.successResultOf(stopped)

    def test_stopServiceBeforeStartService(self) -> None:
        """
        Stopping a service never started gives a Deferred already fired
        with ``None``.
        """
        service = self.makeService(start=False)
        self.assertIsNone(self.successResultOf(service.stopService()))
        self.assertEqual(len(self.endpoint.attempts), 0)

    def test_whenConnectedErrbacksOnStopService(self) -> None:
        """
        Stopped between attempts, the service fails ``whenConnected`` with
        ``CancelledError``, both the calls made before and after the stop.
        """
        service = self.makeService()
        before = service.whenConnected()
        self.endpoint.attempts[0].fail()
        service.stopService()
        after = service.whenConnected()
        self.failureResultOf(before, CancelledError)
        self.failureResultOf(after, CancelledError)

    def test_stopServiceWhileDisconnecting(self) -> None:
        """
        Stopping twice while the connection closes gives two Deferreds, each
        firing once it is closed.
        """
        service = self.makeService()
        self.endpoint.attempts[0].succeed()
        first = service.stopService()
        second = service.stopService()
        self.assertNoResult(first)
        self.assertNoResult(second)
        self.reactor.flush()
        self.successResultOf(first)
        self.successResultOf(second)

    def test_stopServiceWhileRestarting(self) -> None:
        """
        Stopped, started, and stopped again while its connection closes,
        the service fires both stop Deferreds once the connection is closed,
        and makes no new attempt.
        """
        service = self.makeService()
        self.endpoint.attempts[0].succeed()
        first = service.stopService()
        service.startService()
        second = service.stopService()
        self.assertNoResult(first)
        self.assertNoResult(second)
        self.reactor.flush()
        self.successResultOf(first)
        self.successResultOf(second)
        self.assertEqual(len(self.endpoint.attempts), 1)

    def test_stopServiceOnStoppedService(self) -> None:
        """
        Stopping a stopped service gives a Deferred already fired with
        ``None``.
        """
        service = self.makeService()
        self.assertIsNone(self.successResultOf(service.stopService()))
        self.assertIsNone(self.successResultOf(service.stopService()))

    def test_prepareConnectionCalledWhenServiceStarts(self) -> None:
        """
        ``prepareConnection`` runs once the started service's connection is
        made, not before.
        """
        prepared: list[IProtocol] = []
        self.makeService(prepareConnection=prepared.append)
        self.assertEqual(prepared, [])
        self.endpoint.attempts[0].succeed()
        self.assertEqual(len(prepared), 1)

    def test_prepareConnectionCalledWithProtocol(self) -> None:
        """
        ``prepareConnection`` gets the protocol the endpoint connected, as
        soon as it is connected: before the websocket opening handshake has
        run, so it is the place to wait for ``onOpen``, not to send.
        """
        prepared: list[Any] = []

        def prepareConnection(protocol: Any) -> None:
            prepared.append((protocol, list(protocol.events)))

        self.makeService(prepareConnection=prepareConnection)
        self.endpoint.attempts[0].succeed()
        [(protocol, eventsThen)] = prepared
        self.assertIs(protocol, self.endpoint.attempts[0].protocol)
        self.assertEqual(eventsThen, [])
        self.assertEqual(protocol.events[-1], ("open",))

    def test_prepareConnectionCalledAfterConnectionMade(self) -> None:
        """
        A failed attempt does not call ``prepareConnection``; the next
        attempt that connects does.
        """
        prepared: list[IProtocol] = []
        self.makeService(prepareConnection=prepared.append)
        self.endpoint.attempts[0].fail()
        self.assertEqual(prepared, [])
        self.reactor.advance(self.policy(1))
        self.endpoint.attempts[1].succeed()
        self.assertEqual(prepared, [self.endpoint.attempts[1].protocol])

    def test_prepareConnectionCalledOnReconnect(self) -> None:
        """
        ``prepareConnection`` runs for every connection, reconnections
        included.
        """
        prepared: list[IProtocol] = []
        self.makeService(prepareConnection=prepared.append)
        self.endpoint.attempts[0].succeed()
        self.dropConnection()
        self.reactor.advance(self.policy(1))
        self.endpoint.attempts[1].succeed()
        self.assertEqual(
            prepared, [attempt.protocol for attempt in self.endpoint.attempts]
        )

    def test_prepareConnectionReturnValueIgnored(self) -> None:
        """
        What ``prepareConnection`` returns, when it is not a failure, does
        not change what ``whenConnected`` gives.
        """
        sentinel = object()
        service = self.makeService(prepareConnection=lambda protocol: sentinel)
        self.endpoint.attempts[0].succeed()
        self.assertIs(
            self.successResultOf(service.whenConnected()), self.factory.built[0]
        )

    def test_prepareConnectionReturningADeferred(self) -> None:
        """
        When ``prepareConnection`` returns a Deferred, ``whenConnected``
        waits for it.
        """
        ready: Deferred[None] = Deferred()
        service = self.makeService(prepareConnection=lambda protocol: ready)
        self.endpoint.attempts[0].succeed()
        whenConnected = service.whenConnected()
        self.assertNoResult(whenConnected)
        ready.callback(None)
        self.assertIs(self.successResultOf(whenConnected), self.factory.built[0])

    def test_prepareConnectionThrows(self) -> None:
        """
        A connection whose ``prepareConnection`` raises counts as a failed
        attempt: the retry waits by the failure count, and
        ``whenConnected(failAfterFailures=2)`` fails with the error.
        """

        # ClientService leaves open a connection whose prepareConnection
        # failed, as Twisted does on a real reactor: not this test's point.
        self.checkOpenConnections = False

        def prepareConnection(protocol: IProtocol) -> None:
            raise _PrepareError()

        service = self.makeService(prepareConnection=prepareConnection)
        whenConnected = service.whenConnected(failAfterFailures=2)
        self.endpoint.attempts[0].succeed()
        self.assertNoResult(whenConnected)
        self.reactor.advance(self.policy(1))
        self.endpoint.attempts[1].succeed()
        self.failureResultOf(whenConnected, _PrepareError)
        [retry] = self.reactor.getDelayedCalls()
        self.assertEqual(retry.getTime(), self.policy(1) + self.policy(2))

    def catchLogs(self) -> list[str]:
        """
        Collect the text of every log event from now to the end of the test.
        """
        messages: list[str] = []

        @implementer(ILogObserver)
        def observe(event: LogEvent) -> None:
            messages.append(formatEvent(event) or "")

        globalLogPublisher.addObserver(observe)
        self.addCleanup(globalLogPublisher.removeObserver, observe)
        return messages


class ClientServiceOverWebSocketTests(SynchronousTestCase):
    """
    The same service against a scripted server that closes the websocket.
    """

    def test_serverCloseRetriesOnPolicy(self) -> None:
        """
        When the server closes the websocket after a while, the service
        reconnects ``policy(1)`` seconds after the connection is gone, and
        the new connection plays the server's next Script.
        """
        reactor = useFakeReactor(self, checkPendingCalls=True)
        policy = backoffPolicy(initialDelay=2.0, factor=2.0, jitter=lambda: 0)
        scripted = reactor.serveWebSocket(
            URL,
            Script(sendText("first"), wait(10), close(1001, "restarting")),
            Script(sendText("second")),
        )
        endpoint = FakeEndpoint(reactor, server=scripted)
        factory: RecordingClientFactory = clientFactory(reactor)
        service = ClientService(endpoint, factory, retryPolicy=policy, clock=reactor)
        service.startService()
        endpoint.attempts[0].succeed()
        reactor.advance(10)
        self.assertEqual(endpoint.attempts[0].endTime, 10)
        reactor.advance(policy(1))
        endpoint.attempts[1].succeed()
        self.assertEqual(
            [protocol.messages for protocol in factory.built],
            [[(b"first", False)], [(b"second", False)]],
        )
        endpoint.attempts.assertFollowsPolicy(policy)
        service.stopService()
        reactor.flush()
        scripted.assertDone()
