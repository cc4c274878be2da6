"""
Tests for :mod:`twisted_wsfakes.reconnect`: ``FakeEndpoint``, the assertions
on attempt times, outages, and the reconnecting clients of Twisted
(``ClientService``, ``ReconnectingClientFactory``) and Autobahn
(``Component``) timed exactly on the fake clock.
"""

from __future__ import annotations

import json
from typing import Any

from autobahn.twisted.component import Component
from autobahn.twisted.websocket import (
    WebSocketServerFactory,
    WebSocketServerProtocol,
    connectWS,
)
from twisted.application.internet import ClientService, backoffPolicy
from twisted.internet import error
from twisted.internet.address import IPv4Address
from twisted.internet.endpoints import TCP4ClientEndpoint
from twisted.internet.interfaces import (
    IAddress,
    IListeningPort,
    IStreamClientEndpoint,
)
from twisted.internet.protocol import (
    ClientFactory,
    Factory,
    Protocol,
    ReconnectingClientFactory,
)
from twisted.python.failure import Failure
from twisted.trial.unittest import FailTest, SynchronousTestCase
from zope.interface.verify import verifyObject

from ..errors import (
    AttemptAlreadyResolved,
    NetworkUsageError,
    NoSuchAttempt,
    NothingToConnectTo,
    OutageError,
    RetryMismatch,
)
from ..network import FakeReactor
from ..network.attempts import Attempts, ConnectionAttempt
from ..network.connection import Connection
from ..network.listener import Listener
from ..reconnect import (
    FakeEndpoint,
    ListenerSwitch,
    assertFollowsPolicy,
    assertRetryDelays,
    attemptTimes,
    describeAttempts,
    outage,
    retryDelays,
)
from ..script import Script, expectText, reject, sendText
from ..testcase import useFakeReactor
from ..transcript import Handshake
from ._autobahn import (
    URL,
    RecordingClientFactory,
    RecordingClientProtocol,
    clientFactory,
    serverFactory,
)
from ._protocols import Recorder, RecorderFactory, useEndingReactor

SIX_HOURS = 6 * 3600.0


class _Counting(ClientFactory):
    """
    A client factory of :class:`Recorder` that keeps what it built.
    """

    protocol = Recorder

    def __init__(self) -> None:
        self.built: list[Recorder] = []

    def buildProtocol(self, addr: IAddress | None) -> Recorder:
        protocol = Recorder()
        protocol.factory = self
        self.built.append(protocol)
        return protocol


class _Greeter(RecordingClientProtocol):
    """
    Says hello as soon as the websocket is open.
    """

    def onOpen(self) -> None:
        super().onOpen()
        self.sendMessage(b"hello")


class _Nothing(Factory):
    """
    A client factory that builds no protocol.
    """

    def buildProtocol(self, addr: IAddress | None) -> None:
        return None


def _refused(*times: float) -> Attempts[ConnectionAttempt]:
    """
    Reactor attempts to example.com:80, all refused, at the given times.
    """
    return Attempts(ConnectionAttempt(t, "example.com", 80, "refused") for t in times)


def _advanceToNextCall(reactor: FakeReactor) -> float:
    """
    Advance exactly to the one pending delayed call's due time.
    """
    [call] = reactor.getDelayedCalls()
    reactor.advance(call.getTime() - reactor.seconds())
    return reactor.seconds()


class FakeEndpointTests(SynchronousTestCase):
    """
    Connecting through a :class:`FakeEndpoint` and settling the attempts.
    """

    def setUp(self) -> None:
        self.reactor = useEndingReactor(self)
        self.factory = _Counting()

    def test_interface(self) -> None:
        """
        A FakeEndpoint is a client endpoint.
        """
        self.assertTrue(verifyObject(IStreamClientEndpoint, FakeEndpoint(self.reactor)))

    def test_connectRecordsPendingAttempt(self) -> None:
        """
        ``connect()`` records the time and factory of the attempt, starts the
        factory, and returns a Deferred that waits however long the clock
        runs.
        """
        endpoint = FakeEndpoint(self.reactor)
        self.reactor.advance(2.5)
        connecting = endpoint.connect(self.factory)
        self.reactor.advance(3600)
        self.assertNoResult(connecting)
        [attempt] = endpoint.attempts
        self.assertEqual(
            (attempt.index, attempt.time, attempt.outcome), (0, 2.5, "pending")
        )
        self.assertIs(attempt.factory, self.factory)
        self.assertEqual(self.factory.numPorts, 1)
        self.assertEqual(self.factory.built, [])

    def test_succeedShowsNewConnectionHooks(self) -> None:
        """
        A connection ``succeed()`` makes is listed in ``reactor.connections``
        and shown to ``onNewConnection`` hooks before the protocols start,
        like a connection the reactor routes.
        """
        seen: list[tuple[int, bool]] = []

        def hook(connection: Connection) -> None:
            client = connection.client
            assert isinstance(client, Recorder)
            seen.append((connection.number, client.made))

        self.reactor.onNewConnection(hook)
        server = self.reactor.listenTCP(9000, RecorderFactory())
        endpoint = FakeEndpoint(self.reactor, server=server)
        endpoint.connect(RecorderFactory())
        endpoint.attempts[0].succeed()
        self.assertEqual(seen, [(1, False)])
        self.assertEqual(self.reactor.connections, [endpoint.attempts[0].connection])

    def test_succeedToListener(self) -> None:
        """
        ``succeed()`` connects to the endpoint's listening port: the Autobahn
        handshake has run when it returns, and the Deferred has the client
        protocol, which sees the port's address as its peer.
        """
        server = self.reactor.listenTCP(9000, serverFactory(self.reactor))
        endpoint = FakeEndpoint(self.reactor, server=server)
        client = clientFactory(self.reactor)
        connecting = endpoint.connect(client)
        endpoint.attempts[0].succeed()
        protocol: Any = self.successResultOf(connecting)
        self.assertIs(protocol, client.built[0])
        self.assertEqual(protocol.events[-1], ("open",))
        attempt = endpoint.attempts[0]
        self.assertEqual(attempt.outcome, "connected")
        self.assertIs(attempt.protocol, protocol)
        self.assertEqual(self.reactor.connections, [attempt.connection])
        peer = protocol.transport.getPeer()
        self.assertEqual((peer.host, peer.port), ("127.0.0.1", 9000))

    def test_succeedToHungListener(self) -> None:
        """
        ``succeed()`` to a port set to ``hangNext()`` connects to a server
        that never answers: no websocket opens, the server end is a bare
        ``Protocol`` rather than one of the port's factory, and the
        connection is the port's.
        """
        factory = serverFactory(self.reactor)
        server = self.reactor.listenTCP(9000, factory)
        server.hangNext()
        endpoint = FakeEndpoint(self.reactor, server=server)
        client = clientFactory(self.reactor)
        connecting = endpoint.connect(client)
        endpoint.attempts[0].succeed()
        protocol: Any = self.successResultOf(connecting)
        self.assertNotIn(("open",), protocol.events)
        connection = endpoint.attempts[0].connection
        assert connection is not None
        self.assertIs(type(connection.server), Protocol)
        self.assertEqual(server.accepted, [connection])
        self.assertEqual(server.hangs, 0)
        protocol.transport.abortConnection()
        self.reactor.flush()

    def test_succeedToOtherTarget(self) -> None:
        """
        ``succeed(to=...)`` connects to what it is given instead of the
        endpoint's server: a factory, or one protocol.
        """
        endpoint = FakeEndpoint(
            self.reactor, server=self.reactor.listenTCP(9000, Factory())
        )
        endpoint.connect(self.factory)
        endpoint.connect(self.factory)
        servers = RecorderFactory()
        endpoint.attempts[0].succeed(to=servers)
        lone = Recorder()
        endpoint.attempts[1].succeed(to=lone)
        first, second = self.reactor.connections
        self.assertIs(first.server, servers.built[0])
        self.assertIs(second.server, lone)
        self.assertTrue(lone.made)

    def test_succeedToScriptedServer(self) -> None:
        """
        ``succeed()`` to a ScriptedServer plays its next Script on the new
        connection: one Script per attempt, in order.
        """
        scripted = self.reactor.serveWebSocket(
            URL,
            Script(expectText("hello"), sendText("welcome")),
            Script(expectText("hello"), sendText("welcome back")),
        )
        endpoint = FakeEndpoint(self.reactor, server=scripted)
        client = clientFactory(self.reactor, protocol=_Greeter)
        for index in range(2):
            endpoint.connect(client)
            endpoint.attempts[index].succeed()
        self.assertEqual(
            [protocol.messages for protocol in client.built],
            [[(b"welcome", False)], [(b"welcome back", False)]],
        )
        scripted.assertDone()

    def test_succeedFiresAfterConnectionMade(self) -> None:
        """
        The Deferred fires once the client protocol is connected, and bytes
        it wrote then are delivered by the time ``succeed()`` returns.
        """
        server = RecorderFactory()
        endpoint = FakeEndpoint(self.reactor, server=server)
        seen: list[bool] = []
        connecting = endpoint.connect(self.factory)

        def connected(protocol: Any) -> None:
            seen.append(protocol.made)
            protocol.write(b"hello")

        connecting.addCallback(connected)
        endpoint.attempts[0].succeed()
        self.assertEqual(seen, [True])
        self.assertEqual(server.built[0].received, [b"hello"])

    def test_failRefusesByDefault(self) -> None:
        """
        ``fail()`` fails the Deferred with ``ConnectionRefusedError``, records
        when, and stops the factory.
        """
        endpoint = FakeEndpoint(self.reactor)
        connecting = endpoint.connect(self.factory)
        self.reactor.advance(4)
        endpoint.attempts[0].fail()
        self.failureResultOf(connecting, error.ConnectionRefusedError)
        attempt = endpoint.attempts[0]
        self.assertEqual((attempt.outcome, attempt.endTime), ("refused", 4))
        self.assertEqual(self.factory.numPorts, 0)

    def test_failWithReason(self) -> None:
        """
        ``fail(reason)`` fails the Deferred with the given exception or
        ``Failure``.
        """
        endpoint = FakeEndpoint(self.reactor)
        timedOut = error.TimeoutError()
        first = endpoint.connect(self.factory)
        second = endpoint.connect(self.factory)
        endpoint.attempts[0].fail(timedOut)
        endpoint.attempts[1].fail(Failure(error.DNSLookupError("nowhere")))
        self.assertIs(self.failureResultOf(first).value, timedOut)
        self.failureResultOf(second, error.DNSLookupError)

    def test_cancelRecorded(self) -> None:
        """
        Cancelling the Deferred marks the attempt cancelled, fails the
        Deferred with ``ConnectingCancelledError`` naming the address, as
        Twisted's TCP endpoints do, and stops the factory.
        """
        endpoint = FakeEndpoint(self.reactor)
        connecting = endpoint.connect(self.factory)
        self.reactor.advance(7)
        connecting.cancel()
        failure = self.failureResultOf(connecting, error.ConnectingCancelledError)
        self.assertEqual(failure.value.address, IPv4Address("TCP", "127.0.0.1", 0))
        attempt = endpoint.attempts[0]
        self.assertEqual((attempt.outcome, attempt.endTime), ("cancelled", 7))
        self.assertEqual(self.factory.numPorts, 0)

    def test_connectionLostRecordsEndTime(self) -> None:
        """
        When a connected attempt's connection is lost, its end time is
        recorded and the factory is stopped.
        """
        endpoint = FakeEndpoint(self.reactor, server=RecorderFactory())
        endpoint.connect(self.factory)
        endpoint.attempts[0].succeed()
        self.assertIsNone(endpoint.attempts[0].endTime)
        self.assertEqual(self.factory.numPorts, 1)
        self.reactor.advance(12)
        connection = endpoint.attempts[0].connection
        assert connection is not None
        connection.drop()
        self.reactor.flush()
        self.assertEqual(endpoint.attempts[0].endTime, 12)
        self.assertEqual(self.factory.numPorts, 0)

    def test_factoryBuildsNothing(self) -> None:
        """
        When the client factory builds no protocol, ``succeed()`` fails the
        attempt with ``NoProtocol``, as Twisted's endpoints do.
        """
        endpoint = FakeEndpoint(self.reactor, server=RecorderFactory())
        connecting = endpoint.connect(_Nothing())
        endpoint.attempts[0].succeed()
        self.failureResultOf(connecting, error.NoProtocol)
        self.assertEqual(endpoint.attempts[0].outcome, "failed")
        self.assertEqual(self.reactor.connections, [])

    def test_attemptsSequence(self) -> None:
        """
        ``attempts`` indexes from either end, slices, and iterates.
        """
        endpoint = FakeEndpoint(self.reactor)
        for _ in range(3):
            endpoint.connect(self.factory)
        self.assertEqual(endpoint.attempts[-1].index, 2)
        self.assertEqual([a.index for a in endpoint.attempts[1:]], [1, 2])
        self.assertEqual([a.index for a in endpoint.attempts], [0, 1, 2])


class BadInputTests(SynchronousTestCase):
    """
    Misuse of the endpoint and its attempts raises an error that says what
    was wrong.
    """

    def setUp(self) -> None:
        self.reactor = useEndingReactor(self)
        self.endpoint = FakeEndpoint(self.reactor, server=RecorderFactory())
        self.connecting = self.endpoint.connect(_Counting())

    def test_succeedTwice(self) -> None:
        """
        Settling an attempt a second time is refused.
        """
        self.endpoint.attempts[0].succeed()
        failure = self.assertRaises(
            AttemptAlreadyResolved, self.endpoint.attempts[0].succeed
        )
        self.assertEqual(
            str(failure),
            "succeed() on attempt 0 (connect() at 0): it already connected; "
            "an attempt is settled once",
        )
        self.assertRaises(AttemptAlreadyResolved, self.endpoint.attempts[0].fail)

    def test_failTwice(self) -> None:
        """
        Failing a failed attempt is refused.
        """
        self.endpoint.attempts[0].fail()
        self.failureResultOf(self.connecting)
        self.assertRaises(AttemptAlreadyResolved, self.endpoint.attempts[0].fail)

    def test_actOnCancelled(self) -> None:
        """
        Settling an attempt the code under test cancelled is refused, saying
        it was cancelled.
        """
        self.connecting.cancel()
        self.failureResultOf(self.connecting, error.ConnectingCancelledError)
        failure = self.assertRaises(
            AttemptAlreadyResolved, self.endpoint.attempts[0].succeed
        )
        self.assertIn("it was cancelled by the code under test", str(failure))

    def test_succeedWithNothing(self) -> None:
        """
        ``succeed()`` with no target on an endpoint without a server says so.
        """
        endpoint = FakeEndpoint(self.reactor)
        endpoint.connect(_Counting())
        failure = self.assertRaises(NothingToConnectTo, endpoint.attempts[0].succeed)
        self.assertIn("succeed() on attempt 0 has nothing to connect to", str(failure))
        self.assertEqual(endpoint.attempts[0].outcome, "pending")

    def test_succeedToStoppedListener(self) -> None:
        """
        ``succeed()`` to a port that is not listening says so, and leaves the
        attempt pending.
        """
        server = self.reactor.listenTCP(9000, Factory())
        server.stopListening()
        failure = self.assertRaises(
            NothingToConnectTo, self.endpoint.attempts[0].succeed, server
        )
        self.assertIn("is not listening", str(failure))
        self.assertEqual(self.endpoint.attempts[0].outcome, "pending")

    def test_succeedToRefusingScriptedServer(self) -> None:
        """
        ``succeed()`` to a ScriptedServer set to refuse says so, and leaves
        the attempt pending and the refusal for the next routed connection.
        """
        scripted = self.reactor.serveWebSocket(URL, Script(sendText("hi")))
        scripted.refuseNext()
        endpoint = FakeEndpoint(self.reactor, server=scripted)
        client = clientFactory(self.reactor)
        endpoint.connect(client)
        failure = self.assertRaises(NothingToConnectTo, endpoint.attempts[0].succeed)
        self.assertIn(
            "is set to refuse its next 1 attempt(s) (refuseNext); call fail()",
            str(failure),
        )
        self.assertEqual(endpoint.attempts[0].outcome, "pending")
        self.reactor.connectTCP("feed.example.com", 9000, _Counting())
        self.reactor.flush()
        self.assertEqual(self.reactor.attempts[-1].outcome, "refused")
        endpoint.attempts[0].succeed()
        self.assertEqual(client.built[0].messages, [(b"hi", False)])

    def test_succeedToSomethingElse(self) -> None:
        """
        ``succeed()`` to an object that is no kind of server says what it
        takes.
        """
        failure = self.assertRaises(
            NothingToConnectTo, self.endpoint.attempts[0].succeed, "localhost:9000"
        )
        self.assertIn("cannot connect to 'localhost:9000'", str(failure))

    def test_succeedToConnectedProtocol(self) -> None:
        """
        A protocol instance serves one connection only.
        """
        lone = Recorder()
        self.endpoint.connect(_Counting())
        self.endpoint.attempts[0].succeed(to=lone)
        failure = self.assertRaises(
            NothingToConnectTo, self.endpoint.attempts[1].succeed, lone
        )
        self.assertIn("already has a connection", str(failure))

    def test_noSuchAttempt(self) -> None:
        """
        An index past the attempts says how many there are.
        """
        failure = self.assertRaises(NoSuchAttempt, lambda: self.endpoint.attempts[1])
        self.assertEqual(
            str(failure),
            "no attempt 1: connect() was called once (attempts[0] to attempts[0], "
            "or -1 to -1)",
        )
        self.assertIsInstance(failure, IndexError)

    def test_noAttemptYet(self) -> None:
        """
        Asking for an attempt before any ``connect()`` says none was made.
        """
        endpoint = FakeEndpoint(self.reactor)
        failure = self.assertRaises(NoSuchAttempt, lambda: endpoint.attempts[-1])
        self.assertEqual(
            str(failure), "no attempt -1: connect() has not been called yet"
        )


class AttemptAssertionTests(SynchronousTestCase):
    """
    Checking attempt times against delays and policies.
    """

    def test_policyWaitStartsWhenTheClientLearns(self) -> None:
        """
        Behind a stalled connection the client learns of a server's abort
        only at resume(); a reconnector's wait runs from then, and
        assertFollowsPolicy measures it so.
        """
        reactor = useEndingReactor(self)
        reactor.listenTCP(80, RecorderFactory())
        endpoint = TCP4ClientEndpoint(reactor, "example.com", 80)
        policy = backoffPolicy(initialDelay=2.0, jitter=lambda: 0)
        service = ClientService(
            endpoint, RecorderFactory(), retryPolicy=policy, clock=reactor
        )
        service.startService()
        reactor.flush()
        connection = reactor.connections[0]
        connection.stall()
        reactor.advance(5)
        connection.serverTransport.abortConnection()
        reactor.advance(15)
        connection.resume()
        reactor.advance(10)
        self.assertEqual(connection.lostAt, {"server": 5.0, "client": 20.0})
        # backoffPolicy waits initialDelay * factor after the first loss: 3 s.
        self.assertEqual([a.time for a in reactor.attempts], [0.0, 23.0])
        reactor.attempts.assertFollowsPolicy(policy)
        service.stopService()
        reactor.flush()

    def test_timesAndDelays(self) -> None:
        """
        ``times`` and ``delays`` give the start times and the
        gaps between them.
        """
        attempts = _refused(0, 1.5, 3.75)
        self.assertEqual(attempts.times, [0, 1.5, 3.75])
        self.assertEqual(attempts.delays, [1.5, 2.25])
        self.assertEqual(Attempts([]).delays, [])

    def test_assertDelaysPasses(self) -> None:
        """
        Delays that match, within the tolerance, pass.
        """
        _refused(0, 1.5, 3.75).assertDelays([1.5, 2.25])
        _refused(0, 1.5, 3.75).assertDelays([1.5, 2.2], tolerance=0.1)
        Attempts([]).assertDelays([])

    def test_assertDelaysReport(self) -> None:
        """
        A delay off by more than the tolerance fails with a table of every
        attempt, marking the wrong one.
        """
        failure = self.assertRaises(
            RetryMismatch,
            _refused(0, 1.5, 3.75, 7.125).assertDelays,
            [1.5, 2.0, 3.375],
        )
        self.assertEqual(
            str(failure),
            "retry delays (start to start) differ from the expected ones"
            " (tolerance 1e-09):\n"
            "  #  time   outcome                 delay  expected\n"
            "  0  0      refused example.com:80  -      -\n"
            "  1  1.5    refused example.com:80  1.5    1.5\n"
            "  2  3.75   refused example.com:80  2.25   2         <- off by +0.25\n"
            "  3  7.125  refused example.com:80  3.375  3.375",
        )

    def test_assertDelaysTooFew(self) -> None:
        """
        Fewer attempts than expected fails, listing the missing delays.
        """
        failure = self.assertRaises(RetryMismatch, _refused(0, 1).assertDelays, [1, 2])
        self.assertEqual(
            str(failure).splitlines()[1:],
            [
                "expected 2 delay(s), got 1 (from 2 attempt(s)):",
                "  #  time  outcome                 delay  expected",
                "  0  0     refused example.com:80  -      -",
                "  1  1     refused example.com:80  1      1",
                "  -  -     (no attempt)            -      2         <- missing",
            ],
        )

    def test_assertDelaysTooMany(self) -> None:
        """
        More attempts than expected fails, marking the extra ones.
        """
        failure = self.assertRaises(RetryMismatch, _refused(0, 1, 3).assertDelays, [1])
        self.assertIn("expected 1 delay(s), got 2 (from 3 attempt(s))", str(failure))
        self.assertIn(
            "2  3     refused example.com:80  2      -         <- not expected",
            str(failure),
        )

    def test_mismatchIsATestFailure(self) -> None:
        """
        A mismatch is reported as a test failure, by trial and by pytest.
        """
        self.assertTrue(issubclass(RetryMismatch, FailTest))
        self.assertTrue(issubclass(RetryMismatch, AssertionError))

    def test_badTolerance(self) -> None:
        """
        A negative tolerance is refused with a NetworkUsageError (a
        ValueError) naming the method and the value.
        """
        delays = self.assertRaises(NetworkUsageError, Attempts([]).assertDelays, [], -1)
        self.assertEqual(str(delays), "assertDelays(): tolerance must be >= 0, got -1")
        policy = self.assertRaises(
            NetworkUsageError, Attempts([]).assertFollowsPolicy, float, -1
        )
        self.assertEqual(
            str(policy), "assertFollowsPolicy(): tolerance must be >= 0, got -1"
        )
        self.assertIsInstance(policy, ValueError)

    def test_followsPolicy(self) -> None:
        """
        Waits that are ``policy(n)`` for the n-th failure in a row pass;
        a wrong one fails naming the policy call it was checked against.
        """
        policy = backoffPolicy(jitter=lambda: 0)
        _refused(0, 1.5, 3.75, 7.125).assertFollowsPolicy(policy)
        failure = self.assertRaises(
            RetryMismatch, _refused(0, 1.5, 3.5).assertFollowsPolicy, policy
        )
        self.assertIn(
            "  2  3.5   refused example.com:80  2     policy(2)=2.25  <- off by -0.25",
            str(failure),
        )

    def test_followsPolicyAfterConnection(self) -> None:
        """
        After a connected attempt the failure count starts again, and the
        wait runs from the moment the connection was lost.
        """
        reactor = useEndingReactor(self)
        policy = backoffPolicy(jitter=lambda: 0)
        endpoint = FakeEndpoint(reactor, server=RecorderFactory())
        service = ClientService(
            endpoint, _Counting(), retryPolicy=policy, clock=reactor
        )
        service.startService()
        endpoint.attempts[0].fail()
        reactor.advance(policy(1))
        endpoint.attempts[1].succeed()
        reactor.advance(100)
        connection = endpoint.attempts[1].connection
        assert connection is not None
        connection.drop()
        reactor.flush()
        reactor.advance(policy(1))
        self.assertEqual(endpoint.attempts.times, [0, 1.5, 103])
        endpoint.attempts.assertFollowsPolicy(policy)
        failure = self.assertRaises(
            RetryMismatch,
            endpoint.attempts.assertFollowsPolicy,
            backoffPolicy(jitter=lambda: 1),
        )
        self.assertIn("connected, lost at 101.5", str(failure))
        service.stopService()

    def test_followsPolicyUnknownEnd(self) -> None:
        """
        An attempt whose end is not known, followed by another, cannot be
        checked against a policy, and says so.
        """
        timedOut = Attempts(
            [
                ConnectionAttempt(0, "example.com", 80, "timed out"),
                ConnectionAttempt(31, "example.com", 80, "refused"),
            ]
        )
        failure = self.assertRaises(
            NetworkUsageError, timedOut.assertFollowsPolicy, lambda n: 1.0
        )
        self.assertIn(
            "assertFollowsPolicy(): cannot tell when the attempt at 0 (timed out",
            str(failure),
        )

    def test_reactorTimeoutEnds(self) -> None:
        """
        A reactor attempt that timed out records when, with its reason, so
        a policy's wait runs from then.
        """
        reactor = useEndingReactor(self)
        reactor.blackhole("example.com")
        reactor.connectTCP("example.com", 80, _Counting(), timeout=30)
        reactor.advance(30)
        [attempt] = reactor.attempts
        self.assertEqual((attempt.outcome, attempt.endedAt), ("timed out", 30))
        assert attempt.reason is not None
        self.assertTrue(attempt.reason.check(error.TimeoutError))

    def test_failOutcomeFollowsReason(self) -> None:
        """
        An endpoint attempt failed with ``TimeoutError`` is ``"timed out"``,
        and with another error ``"failed"``, naming it in the table.
        """
        reactor = useEndingReactor(self)
        endpoint = FakeEndpoint(reactor)
        first = endpoint.connect(_Counting())
        second = endpoint.connect(_Counting())
        endpoint.attempts[0].fail(error.TimeoutError())
        endpoint.attempts[1].fail(error.DNSLookupError("nowhere"))
        self.failureResultOf(first, error.TimeoutError)
        self.failureResultOf(second, error.DNSLookupError)
        self.assertEqual(
            [a.describe() for a in endpoint.attempts],
            ["timed out", "failed (DNSLookupError)"],
        )

    def test_sliceIsAttempts(self) -> None:
        """
        A slice of ``Attempts`` is ``Attempts``, and ``Attempts`` equal a
        list of the same attempts.
        """
        attempts = _refused(0, 1, 3)
        self.assertEqual(attempts[1:].delays, [2])
        self.assertEqual(attempts, list(attempts))
        self.assertNotEqual(attempts, list(attempts)[1:])

    def test_table(self) -> None:
        """
        ``table()`` lists endpoint attempts with time, outcome and
        delay.
        """
        reactor = useEndingReactor(self)
        endpoint = FakeEndpoint(reactor, server=RecorderFactory())
        refused = endpoint.connect(_Counting())
        endpoint.attempts[0].fail()
        reactor.advance(2)
        endpoint.connect(_Counting())
        cancelled = endpoint.connect(_Counting())
        cancelled.cancel()
        endpoint.attempts[1].succeed()
        self.failureResultOf(refused, error.ConnectionRefusedError)
        self.failureResultOf(cancelled, error.ConnectingCancelledError)
        self.assertEqual(
            endpoint.attempts.table(),
            "  #  time  outcome    delay\n"
            "  0  0     refused    -\n"
            "  1  2     connected  2\n"
            "  2  2     cancelled  0",
        )

    def test_tableEscapes(self) -> None:
        """
        A host name holding a newline or an escape sequence (one taken from
        a server's redirect, say) shows escaped, so each attempt stays one
        line of the table.
        """
        reactor = useFakeReactor(self)
        reactor.connectTCP("evil\n  1  0     connected\x1b[2J", 9000, _Counting())
        reactor.flush()
        self.assertEqual(
            reactor.attempts.table().splitlines()[1:],
            ["  0  0     refused evil\\n  1  0     connected\\x1b[2J:9000  -"],
        )


class DeprecatedAttemptFunctionTests(SynchronousTestCase):
    """
    The function spellings of the ``Attempts`` methods still answer the
    same, and warn naming the method to use.
    """

    def test_aliases(self) -> None:
        """
        Each old function gives what its method gives, with one
        ``DeprecationWarning`` naming the method.
        """
        attempts = _refused(0, 1.5, 3.75)
        policy = backoffPolicy(jitter=lambda: 0)
        self.assertEqual(attemptTimes(list(attempts)), attempts.times)
        self.assertEqual(retryDelays(attempts), attempts.delays)
        self.assertEqual(describeAttempts(attempts), attempts.table())
        assertRetryDelays(attempts, [1.5, 2.25])
        assertFollowsPolicy(attempts, policy)
        warnings = self.flushWarnings([self.test_aliases])
        self.assertRaises(RetryMismatch, assertRetryDelays, attempts, [1])
        self.assertRaises(RetryMismatch, assertFollowsPolicy, attempts, float)
        self.flushWarnings()
        self.assertEqual({w["category"] for w in warnings}, {DeprecationWarning})
        self.assertEqual(
            [w["message"].split("; use ")[1] for w in warnings],
            [
                "attempts.times instead",
                "attempts.delays instead",
                "attempts.table() instead",
                "attempts.assertDelays(...) instead",
                "attempts.assertFollowsPolicy(...) instead",
            ],
        )


class OutageTests(SynchronousTestCase):
    """
    Taking a listening port down and bringing it back.
    """

    def setUp(self) -> None:
        self.reactor = useEndingReactor(self)
        self.server = self.reactor.listenTCP(9000, RecorderFactory())

    def connect(self) -> Recorder:
        """
        Connect a client to the port through the reactor, and flush.
        """
        factory = _Counting()
        self.reactor.connectTCP("example.com", 9000, factory)
        self.reactor.flush()
        return factory.built[0] if factory.built else Recorder()

    def test_providesIListeningPort(self) -> None:
        """
        What ``listenTCP`` returns is a ``Listener`` providing
        ``IListeningPort``.
        """
        self.assertIsInstance(self.server, Listener)
        self.assertTrue(verifyObject(IListeningPort, self.server))

    def test_reactorListsListeners(self) -> None:
        """
        ``reactor.listeners`` lists the ports listening now: one taken down
        leaves it, and comes back when up again.
        """
        other = self.reactor.listenUNIX("/tmp/feed.sock", RecorderFactory())
        self.assertEqual(self.reactor.listeners, [self.server, other])
        self.server.down()
        self.assertEqual(self.reactor.listeners, [other])
        self.server.up()
        self.assertEqual(self.reactor.listeners, [other, self.server])
        other.stopListening()

    def test_downRefusesAndDrops(self) -> None:
        """
        A port taken down refuses new connections and drops the open ones.
        """
        client = self.connect()
        self.server.down()
        self.assertFalse(self.server.listening)
        self.assertIsInstance(client.lost[0].value, error.ConnectionLost)
        self.connect()
        self.assertEqual(
            [a.outcome for a in self.reactor.attempts], ["connected", "refused"]
        )

    def test_downKeepsConnections(self) -> None:
        """
        With ``dropConnections=False``, open connections outlive the port.
        """
        client = self.connect()
        self.server.down(dropConnections=False)
        self.assertEqual(client.lost, [])
        self.assertFalse(self.server.listening)
        self.assertTrue(self.reactor.connections[-1].open)

    def test_upAcceptsAgain(self) -> None:
        """
        A port brought back up accepts connections again, and its history
        says when it changed.
        """
        self.server.down()
        self.reactor.advance(5)
        self.server.up()
        self.connect()
        self.assertEqual(self.reactor.attempts[-1].outcome, "connected")
        self.assertEqual(self.server.history, [(0, "down"), (5, "up")])

    def test_scheduleRunsAtExactTimes(self) -> None:
        """
        Scheduled changes happen at their clock times.
        """
        self.server.schedule([(10, "down"), (25, "up")])
        self.reactor.advance(9.5)
        self.assertTrue(self.server.listening)
        self.reactor.advance(0.5)
        self.assertFalse(self.server.listening)
        self.reactor.advance(15)
        self.assertTrue(self.server.listening)
        self.assertEqual(self.server.history, [(10, "down"), (25, "up")])

    def test_scheduleKeepsConnections(self) -> None:
        """
        A scheduled down with ``dropConnections=False`` leaves the open
        connections open.
        """
        client = self.connect()
        self.server.schedule([(1, "down")], dropConnections=False)
        self.reactor.advance(1)
        self.assertFalse(self.server.listening)
        self.assertEqual(client.lost, [])

    def test_scheduleAfterSchedule(self) -> None:
        """
        A second schedule continues from the state the first leaves.
        """
        self.server.schedule([(1, "down")])
        self.assertRaises(OutageError, self.server.schedule, [(2, "down")])
        self.server.schedule([(2, "up")])
        self.reactor.advance(2)
        self.assertEqual(self.server.history, [(1, "down"), (2, "up")])

    def test_misuse(self) -> None:
        """
        Going down when down, up when up, or scheduling an impossible
        sequence is refused with what was wrong, and nothing is scheduled.
        """
        self.assertIn("it is up", str(self.assertRaises(OutageError, self.server.up)))
        self.server.down()
        self.assertIn(
            "it is down since 0",
            str(self.assertRaises(OutageError, self.server.down)),
        )
        self.reactor.advance(5)
        for changes, message in [
            ([(4.0, "up")], "that is before 5"),
            ([(6.0, "down")], "the port is down already by then"),
            ([(6.0, "up"), (5.5, "down")], "that is before 6"),
            ([(6.0, "sideways")], 'must be "down" or "up"'),
        ]:
            failure = self.assertRaises(OutageError, self.server.schedule, changes)
            self.assertIn(message, str(failure))
        self.assertEqual(self.reactor.getDelayedCalls(), [])

    def test_stoppedPortCanBeTakenDown(self) -> None:
        """
        A port the application stopped itself can still be taken down,
        which cuts the connections it accepted.
        """
        client = self.connect()
        self.server.stopListening()
        self.server.down()
        self.assertIsInstance(client.lost[0].value, error.ConnectionLost)

    def test_refuseNext(self) -> None:
        """
        ``refuseNext(2)`` refuses the next two attempts; the third connects.
        """
        self.server.refuseNext(2)
        for _ in range(3):
            self.connect()
        self.assertEqual(
            [a.outcome for a in self.reactor.attempts],
            ["refused", "refused", "connected"],
        )

    def test_badCounts(self) -> None:
        """
        ``refuseNext`` and ``hangNext`` refuse a count that is not a whole
        number >= 1, naming the method and the value, and change nothing.
        """
        for method in (self.server.refuseNext, self.server.hangNext):
            for bad in (0, -1, 1.5, True):
                error = self.assertRaises(OutageError, method, bad)
                self.assertIn(f"{method.__name__}() needs", str(error))
                self.assertIn(repr(bad), str(error))
        self.assertEqual((self.server.refusals, self.server.hangs), (0, 0))

    def test_hangNext(self) -> None:
        """
        ``hangNext()`` accepts the next connection and never answers it (the
        factory builds no protocol for it); the one after is served.
        """
        factory = RecorderFactory()
        server = self.reactor.listenTCP(9001, factory)
        server.hangNext()
        for _ in range(2):
            self.reactor.connectTCP("example.com", 9001, _Counting())
        self.reactor.flush()
        self.assertEqual(
            [a.outcome for a in self.reactor.attempts], ["connected", "connected"]
        )
        self.assertEqual(len(factory.built), 1)
        self.assertEqual(server.accepted, self.reactor.connections)
        hung = self.reactor.connections[0]
        hung.clientTransport.write(b"hello?")
        self.reactor.flush()
        self.assertTrue(hung.open)

    def test_scriptedServerOutage(self) -> None:
        """
        A ScriptedServer's listener can be taken down and brought back like
        a port.
        """
        url = "ws://feed.example.com:9002/v1"
        scripted = self.reactor.serveWebSocket(url, Script(sendText("hi")))
        scripted.listener.schedule([(1, "down"), (2, "up")])
        client = clientFactory(self.reactor, url)
        self.reactor.advance(1)
        connectWS(client)
        self.reactor.advance(1)
        connectWS(client)
        self.reactor.flush()
        self.assertEqual(
            [a.outcome for a in self.reactor.attempts], ["refused", "connected"]
        )
        self.assertEqual(client.built[0].messages, [(b"hi", False)])
        self.assertEqual(scripted.listener.history, [(1, "down"), (2, "up")])

    def test_sixHourOutage(self) -> None:
        """
        A ``ClientService`` whose server is away for six hours retries on its
        policy the whole time, then reconnects, websocket and all, at the
        first retry after the server is back: in milliseconds.
        """
        reactor = self.reactor
        server = reactor.listenTCP(9001, serverFactory(reactor))
        policy = backoffPolicy(initialDelay=1.0, maxDelay=60, jitter=lambda: 0)
        factory: RecordingClientFactory = clientFactory(reactor)
        endpoint = TCP4ClientEndpoint(reactor, "feed.example.com", 9001)
        service = ClientService(endpoint, factory, retryPolicy=policy, clock=reactor)
        service.startService()
        reactor.flush()
        server.schedule([(10, "down"), (10 + SIX_HOURS, "up")])

        reactor.advance(10 + SIX_HOURS)
        back = _advanceToNextCall(reactor)

        first, *retries, last = reactor.attempts
        self.assertEqual(first.outcome, "connected")
        self.assertEqual({a.outcome for a in retries}, {"refused"})
        self.assertEqual(last.outcome, "connected")
        self.assertEqual(last.time, back)
        self.assertLess(retries[-1].time, 10 + SIX_HOURS)
        self.assertGreater(len(retries), SIX_HOURS / 60)
        reactor.attempts.assertFollowsPolicy(policy)
        protocol: Any = self.successResultOf(service.whenConnected())
        self.assertIs(protocol, factory.built[1])
        self.assertEqual(protocol.events[-1], ("open",))
        service.stopService()
        reactor.flush()


class _ReconnectingClient(RecordingClientProtocol):
    """
    Resets its factory's back-off once the websocket is open, as a
    ``ReconnectingClientFactory`` user should.
    """

    def onOpen(self) -> None:
        self.factory.resetDelay()
        super().onOpen()


class _ReconnectingFactory(ReconnectingClientFactory, RecordingClientFactory):
    """
    Autobahn's client factory with Twisted's reconnection mixed in.
    """


class DeprecatedOutageTests(SynchronousTestCase):
    """
    ``ListenerSwitch`` and ``outage()`` still work, through the listener,
    and warn that they are deprecated.
    """

    def setUp(self) -> None:
        self.reactor = useEndingReactor(self)
        self.server = self.reactor.listenTCP(9000, RecorderFactory())

    def test_listenerSwitch(self) -> None:
        """
        A ``ListenerSwitch`` takes the port down and up with its own
        ``dropConnections``, and warns naming the listener's methods.
        """
        switch = ListenerSwitch(self.reactor, self.server, dropConnections=False)
        [warning] = self.flushWarnings([self.test_listenerSwitch])
        self.assertIs(warning["category"], DeprecationWarning)
        self.assertIn("use Listener.down()", warning["message"])
        self.reactor.connectTCP("example.com", 9000, _Counting())
        self.reactor.flush()
        switch.down()
        self.assertFalse(switch.isUp)
        self.assertTrue(self.reactor.connections[0].open)
        switch.schedule([(5, "up")])
        self.reactor.advance(5)
        self.assertTrue(switch.isUp)
        self.assertEqual(switch.history, [(0, "down"), (5, "up")])
        self.assertRaises(OutageError, switch.up)

    def test_outage(self) -> None:
        """
        ``outage()`` schedules down and up on the listener and returns a
        switch on it, with one warning.
        """
        switch = outage(self.reactor, self.server, start=10, end=25)
        [warning] = self.flushWarnings([self.test_outage])
        self.assertIs(warning["category"], DeprecationWarning)
        self.assertIn("outage() is deprecated", warning["message"])
        self.reactor.advance(25)
        self.assertEqual(switch.history, [(10, "down"), (25, "up")])
        self.assertEqual(self.server.history, switch.history)

    def test_misuse(self) -> None:
        """
        An outage that ends before it starts, or a port of another reactor,
        is refused.
        """
        self.assertRaises(OutageError, outage, self.reactor, self.server, 5, 5)
        other = FakeReactor()
        self.assertRaises(OutageError, ListenerSwitch, other, self.server)
        self.flushWarnings()


class ReconnectingClientFactoryTests(SynchronousTestCase):
    """
    ``ReconnectingClientFactory`` retry times, exactly.
    """

    def test_retryTimes(self) -> None:
        """
        With jitter off and the reactor as its clock, the factory's retries
        come 1, 2, 4, 8, then 10 seconds apart (the cap), and the first one
        after the server is back opens the websocket.
        """
        reactor = useEndingReactor(self)
        factory = _ReconnectingFactory(URL, reactor=reactor)
        factory.protocol = _ReconnectingClient
        factory.clock = reactor  # type: ignore[assignment]
        factory.jitter = 0
        factory.factor = 2
        factory.maxDelay = 10
        server = reactor.listenTCP(9000, serverFactory(reactor))
        server.down()
        server.schedule([(30, "up")])
        connectWS(factory)
        reactor.advance(30)
        self.assertEqual(reactor.attempts.times, [0, 1, 3, 7, 15, 25])
        _advanceToNextCall(reactor)
        reactor.attempts.assertDelays([1, 2, 4, 8, 10, 10])
        self.assertEqual(reactor.attempts[-1].outcome, "connected")
        self.assertEqual(factory.built[0].events[-1], ("open",))
        self.assertEqual(factory.delay, factory.initialDelay)
        factory.stopTrying()


class _WampRouter(WebSocketServerProtocol):
    """
    Just enough of a WAMP router for a session to join and leave: it
    welcomes a HELLO and answers a GOODBYE.
    """

    def onConnect(self, request: Any) -> str:
        return "wamp.2.json"

    def onMessage(self, payload: bytes, isBinary: bool) -> None:
        message = json.loads(payload)
        if message[0] == 1:
            reply: list[Any] = [2, 1, {"roles": {"broker": {}, "dealer": {}}}]
        elif message[0] == 6:
            reply = [6, {}, "wamp.close.goodbye_and_out"]
        else:
            return
        self.sendMessage(json.dumps(reply).encode())


def _routerFactory() -> WebSocketServerFactory:
    """
    A websocket server factory of :class:`_WampRouter`.
    """
    factory = WebSocketServerFactory("ws://router.example.com:8080/ws")
    factory.protocol = _WampRouter
    return factory


def _component(**transport: Any) -> Component:
    """
    An Autobahn component with one websocket transport to the router's URL,
    JSON only, jitter off.
    """
    config = {
        "url": "ws://router.example.com:8080/ws",
        "serializers": ["json"],
        "retry_delay_jitter": 0,
        **transport,
    }
    return Component(transports=[config], realm="realm1")


class ComponentTests(SynchronousTestCase):
    """
    Autobahn's ``Component`` reconnection, timed on the fake clock.

    The component sleeps with ``txaio.sleep``, which schedules on
    ``txaio.config.loop``: ``useFakeReactor`` points that at the reactor.
    Its first attempt is itself a zero-second sleep, so it is made by
    ``reactor.advance(0)``, not by ``start()``.
    """

    def setUp(self) -> None:
        self.reactor = useFakeReactor(self, checkPendingCalls=True)

    def test_retryTimesAndJoin(self) -> None:
        """
        The component's retries wait ``initial_retry_delay`` times
        ``retry_delay_growth`` to the n-th power, capped: the same shape as
        ``backoffPolicy``.  The first retry after the router is back joins.
        """
        reactor = self.reactor
        component = _component(
            initial_retry_delay=1.5, retry_delay_growth=2, max_retry_delay=10
        )
        joined: list[float] = []
        component.on("join", lambda session, details: joined.append(reactor.seconds()))
        router = reactor.listenTCP(8080, _routerFactory())
        router.down()
        router.schedule([(25, "up")])
        done = component.start(reactor)
        self.assertEqual(reactor.attempts, [])
        reactor.advance(25)
        _advanceToNextCall(reactor)
        reactor.attempts.assertDelays([3, 6, 10, 10])
        reactor.attempts.assertFollowsPolicy(
            backoffPolicy(1.5, 10, 2, jitter=lambda: 0)
        )
        self.assertEqual(joined, [29])
        stopping = component.stop()
        self.reactor.flush()
        self.successResultOf(stopping)
        self.assertIsNone(self.successResultOf(done))

    def test_maxRetries(self) -> None:
        """
        With ``max_retries=2`` the component makes three attempts, then its
        ``start()`` Deferred fails.
        """
        component = _component(
            max_retries=2, initial_retry_delay=1, retry_delay_growth=3
        )
        done = component.start(self.reactor)
        self.reactor.advance(0)
        self.reactor.advance(3)
        self.reactor.advance(9)
        self.reactor.attempts.assertDelays([3, 9])
        failure = self.failureResultOf(done, RuntimeError)
        self.assertIn("Exhausted all transport connect attempts", str(failure.value))
        self.assertEqual(self.reactor.getDelayedCalls(), [])

    def test_fakeEndpointTransport(self) -> None:
        """
        A component can be given a FakeEndpoint as its transport's endpoint:
        the test settles each attempt, here failing the first and connecting
        the retry, 1.5 times ``initial_retry_delay`` later, to a router.
        """
        joined: list[float] = []
        endpoint = FakeEndpoint(self.reactor, server=_routerFactory())
        component = _component(endpoint=endpoint, initial_retry_delay=2)
        component.on("join", lambda s, d: joined.append(self.reactor.seconds()))
        done = component.start(self.reactor)
        self.reactor.advance(0)
        endpoint.attempts[0].fail()
        self.reactor.advance(3)
        endpoint.attempts[1].succeed()
        self.assertEqual(joined, [3])
        endpoint.attempts.assertDelays([3])
        stopping = component.stop()
        self.reactor.flush()
        self.successResultOf(stopping)
        self.assertIsNone(self.successResultOf(done))

    def test_stopWhileConnecting(self) -> None:
        """
        Autobahn (26.10) quirk, shown so tests can allow for it: ``stop()``
        while an attempt is in flight finishes the component at once but
        neither cancels the attempt nor ends the retry loop; when that
        attempt then fails, the component tries again.
        """
        endpoint = FakeEndpoint(self.reactor)
        component = _component(endpoint=endpoint, initial_retry_delay=2)
        done = component.start(self.reactor)
        self.reactor.advance(0)
        self.successResultOf(component.stop())
        self.assertIsNone(self.successResultOf(done))
        self.assertEqual(endpoint.attempts[0].outcome, "pending")
        endpoint.attempts[0].fail()
        self.reactor.advance(0)
        self.reactor.advance(3)
        self.assertEqual(endpoint.attempts.times, [0, 3])
        self.assertEqual(endpoint.attempts[1].outcome, "pending")


class HandshakeInTableTests(SynchronousTestCase):
    """
    The attempt table shows the websocket outcome of each attempt that
    reached TCP, read from the wire, so a reconnector that counts a refused
    handshake as a success is visible at a glance.
    """

    def _threeAttempts(self) -> FakeReactor:
        """
        An Autobahn client with Twisted's reconnection meets a server that
        refuses with 429, then one that never answers (the client's
        5-second opening handshake timeout gives up), then one that opens.
        """
        reactor = useEndingReactor(self)
        server = reactor.serveWebSocket(
            URL, Script(reject(429, "Too Many Requests")), Script(expectText("hello"))
        )
        factory = _ReconnectingFactory(URL, reactor=reactor)
        factory.protocol = _GreetingReconnector
        factory.setProtocolOptions(openHandshakeTimeout=5)
        factory.clock = reactor  # type: ignore[assignment]
        factory.jitter = 0
        factory.factor = 2
        connectWS(factory)
        reactor.flush()
        server.hangNext()
        reactor.advance(60)
        factory.stopTrying()
        return reactor

    def test_attemptsKnowTheHandshake(self) -> None:
        """
        Each attempt's ``handshake`` says what the server answered, when.
        """
        reactor = self._threeAttempts()
        self.assertEqual(
            [attempt.handshake for attempt in reactor.attempts],
            [
                Handshake("refused", status=429, time=0),
                Handshake("timed out", time=6, end="aborted"),
                Handshake("opened", status=101, time=8),
            ],
        )

    def test_tableShowsTheHandshake(self) -> None:
        """
        ``table()`` shows the refusal, the timeout and the opening
        after each attempt's TCP outcome.
        """
        reactor = self._threeAttempts()
        self.assertEqual(
            reactor.attempts.table(),
            "  #  time  outcome"
            "                                                            delay\n"
            "  0  0     connected feed.example.com:9000,"
            " handshake refused 429, lost at 0  -\n"
            "  1  1     connected feed.example.com:9000,"
            " handshake timed out, lost at 6    1\n"
            "  2  8     connected feed.example.com:9000, opened"
            "                            7",
        )

    def test_mismatchReportShowsTheHandshake(self) -> None:
        """
        The table in an ``assertDelays`` failure shows the handshakes
        too.
        """
        reactor = self._threeAttempts()
        failure = self.assertRaises(
            RetryMismatch, reactor.attempts.assertDelays, [1, 1]
        )
        self.assertIn(
            "  0  0     connected feed.example.com:9000,"
            " handshake refused 429, lost at 0  -      -\n",
            str(failure),
        )


class _GreetingReconnector(_ReconnectingClient):
    """
    Says hello once the websocket is open, and resets its back-off then.
    """

    def onOpen(self) -> None:
        super().onOpen()
        self.sendMessage(b"hello")
