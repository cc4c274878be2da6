"""
The endpoint fake: a client endpoint whose every connection attempt waits
for the test to settle it.

Holds :class:`FakeEndpoint` and its :class:`EndpointAttempt` (a
:class:`~twisted_wsfakes.ConnectionAttempt` with ``succeed()`` and
``fail()``).  It imports the network (to connect in memory, through
``FakeReactor.newConnection``/``startConnection``), the attempts module,
and the scripted peers (a :class:`~twisted_wsfakes.ScriptedServer` is a
target), so it loads Autobahn.
"""

from __future__ import annotations

from collections.abc import Callable

import attrs
from twisted.internet import error
from twisted.internet.address import IPv4Address
from twisted.internet.defer import Deferred
from twisted.internet.interfaces import (
    IListeningPort,
    IProtocol,
    IProtocolFactory,
    IStreamClientEndpoint,
)
from twisted.python.failure import Failure
from zope.interface import implementer

from ..clock import formatTime
from ..errors import AttemptAlreadyResolved, NothingToConnectTo
from ..network import FakeReactor
from ..network.address import Address, hostAndPort
from ..network.attempts import Attempts, ConnectionAttempt, Outcome
from ..network.listener import Listener
from ..peers import ScriptedServer

#: What a connection attempt can be made to reach: a scripted server from
#: ``reactor.serveWebSocket``, a listening port from ``reactor.listenTCP``, a
#: server protocol factory, or one server protocol.
ConnectTarget = ScriptedServer | IListeningPort | IProtocolFactory | IProtocol

#: The server address a client sees when it reaches a bare factory or
#: protocol, which listens on no port.
_UNBOUND = IPv4Address("TCP", "127.0.0.1", 0)


@attrs.define(eq=False)
class EndpointAttempt(ConnectionAttempt):
    """
    One ``connect()`` call on a :class:`~twisted_wsfakes.FakeEndpoint`: a
    :class:`~twisted_wsfakes.ConnectionAttempt` the test settles.

    The test settles each attempt once, with :meth:`succeed` or :meth:`fail`;
    the code under test may instead cancel the ``Deferred`` it was given.
    Its ``host`` and ``port`` are where the endpoint's ``server`` listened
    at the ``connect()`` call (127.0.0.1 port 0 for a bare factory or
    protocol); its ``endTime`` is also set when its connection is lost.

    :ivar index: its place in ``endpoint.attempts``, from 0.
    :ivar factory: the protocol factory passed to ``connect()``.
    :ivar protocol: the protocol ``factory`` built, once connected.
    """

    index: int = attrs.field(kw_only=True)
    factory: IProtocolFactory = attrs.field(kw_only=True, repr=False)
    _endpoint: FakeEndpoint = attrs.field(kw_only=True, repr=False, alias="endpoint")
    _deferred: Deferred[IProtocol] = attrs.field(
        kw_only=True, repr=False, alias="deferred"
    )
    protocol: IProtocol | None = attrs.field(kw_only=True, default=None, repr=False)

    def succeed(self, to: ConnectTarget | None = None) -> None:
        """
        Connect this attempt in memory, then deliver until all is quiet.

        The factory given to ``connect()`` builds the client protocol; the
        server end is ``to``, or the endpoint's ``server`` when ``to`` is
        ``None``:

        - a :class:`~twisted_wsfakes.ScriptedServer`
          (``reactor.serveWebSocket``): the connection plays its next
          Script, as a connection routed by the reactor would;
        - a listening port from ``reactor.listenTCP``: its factory builds the
          server protocol, and the client sees the port's address;
        - a protocol factory: it builds the server protocol;
        - a protocol: it is the server end (once; a protocol serves one
          connection).

        Both protocols get ``makeConnection``, the ``Deferred`` fires with the
        client protocol (after ``connectionMade``, as Twisted's endpoints
        do), and ``reactor.flush()`` runs, so a websocket opening handshake
        is complete when this returns::

            server = reactor.listenTCP(9000, WebSocketServerFactory())
            endpoint = FakeEndpoint(reactor, server=server)
            service = ClientService(endpoint, clientFactory, clock=reactor)
            service.startService()
            endpoint.attempts[0].succeed()

        If the client factory builds no protocol, the attempt fails with
        ``NoProtocol`` instead, as with Twisted's endpoints.

        :raises AttemptAlreadyResolved: if this attempt was already settled
            or cancelled.
        :raises NothingToConnectTo: if there is no server end, the server
            would refuse the connection (it is down, or set to refuse with
            ``refuseNext`` or ``afterLast="refuse"``), or ``to`` is none of
            the kinds above.  A test that wants the attempt refused calls
            :meth:`fail`.
        """
        self._checkPending("succeed()")
        endpoint = self._endpoint
        reactor = endpoint._reactor
        target = _Target.of(to if to is not None else endpoint.server, self)
        client = self.factory.buildProtocol(target.address)
        if client is None:
            self.fail(error.NoProtocol())
            return
        connection = reactor.newConnection(
            target.address, client, target.buildServer, onClientLost=self._lost
        )
        self.outcome = "connected"
        self.protocol = client
        self.connection = connection
        reactor.startConnection(connection, target.listener)
        self._deferred.callback(client)
        reactor.flush()

    def fail(self, reason: BaseException | Failure | None = None) -> None:
        """
        Fail this attempt, then deliver until all is quiet.

        :param reason: what the ``Deferred`` fails with; by default
            ``ConnectionRefusedError``, as when nothing listens.  The
            outcome follows it: ``"refused"`` for a
            ``ConnectionRefusedError``, ``"timed out"`` for a
            ``TimeoutError``, else ``"failed"``.
        :raises AttemptAlreadyResolved: if this attempt was already settled
            or cancelled.
        """
        self._checkPending("fail()")
        if reason is None:
            reason = error.ConnectionRefusedError()
        failure = reason if isinstance(reason, Failure) else Failure(reason)
        self._end(_outcomeOf(failure), failure)
        self._deferred.errback(failure)
        self._endpoint._reactor.flush()

    def where(self) -> str:
        """
        Nothing: the test, not the code under test, chose where it went.
        """
        return ""

    def _checkPending(self, action: str) -> None:
        if self.outcome == "pending":
            return
        if self.outcome == "cancelled":
            what = "was cancelled by the code under test"
        else:
            what = f"already {self.outcome}"
        raise AttemptAlreadyResolved(
            f"{action} on attempt {self.index} (connect() at "
            f"{formatTime(self.time)}): it {what}; an attempt is settled once"
        )

    def _end(self, outcome: Outcome, reason: Failure) -> None:
        self.resolve(outcome, reason, self._endpoint._reactor.seconds())
        self.factory.doStop()

    def _cancel(self, deferred: Deferred[IProtocol]) -> None:
        # As Twisted's TCP endpoints do, fail with ConnectingCancelledError.
        if self.outcome == "pending":
            failure = Failure(error.ConnectingCancelledError(self._endpoint._where()))
            self._end("cancelled", failure)
            deferred.errback(failure)

    def _lost(self, reason: Failure) -> None:
        self.endTime = self._endpoint._reactor.seconds()
        self.factory.doStop()


@attrs.frozen
class _Target:
    """
    The server end of a connection an attempt makes.

    This is the one place that learns a new kind of target (scripted servers,
    with the scripts layer).
    """

    address: Address
    buildServer: Callable[[Address], IProtocol | None]
    listener: Listener | None = None

    @classmethod
    def of(cls, to: object, attempt: EndpointAttempt) -> _Target:
        where = f"succeed() on attempt {attempt.index}"
        if to is None:
            raise NothingToConnectTo(
                f"{where} has nothing to connect to: pass succeed(to=...) a "
                f"listening port, a server factory or a protocol, or give the "
                f"FakeEndpoint a server"
            )
        if isinstance(to, ScriptedServer):
            to = to.listener
        if isinstance(to, Listener):
            refusing = to.whyRefusing()
            if refusing is not None:
                raise NothingToConnectTo(
                    f"{where}: {to!r} {refusing}; call fail() to refuse the "
                    f"attempt instead"
                )
            return cls(to.reachableAddress, to.serverFactory(), to)
        if IListeningPort.providedBy(to):
            raise NothingToConnectTo(
                f"{where}: {to!r} is not a port of a FakeReactor; pass the "
                f"port reactor.listenTCP() returned"
            )
        if IProtocolFactory.providedBy(to):
            return cls(_UNBOUND, to.buildProtocol)
        if IProtocol.providedBy(to):
            if getattr(to, "transport", None) is not None:
                raise NothingToConnectTo(
                    f"{where}: the protocol {to!r} already has a connection; "
                    f"pass a factory to serve more than one"
                )
            return cls(_UNBOUND, lambda address: to)
        raise NothingToConnectTo(
            f"{where}: cannot connect to {to!r}; pass a listening port from "
            f"reactor.listenTCP(), a server protocol factory or a protocol"
        )


@implementer(IStreamClientEndpoint)
class FakeEndpoint:
    """
    A client endpoint whose every connection attempt waits for the test.

    Give it to the code under test in place of a real endpoint.  Each
    ``connect()`` is recorded in :attr:`attempts` and its ``Deferred`` stays
    pending until the test makes that attempt
    :meth:`~twisted_wsfakes.reconnect.EndpointAttempt.succeed` (an in-memory
    connection, so real handshakes run) or
    :meth:`~twisted_wsfakes.reconnect.EndpointAttempt.fail`; an attempt the
    test leaves alone hangs, as a connection to a host that drops packets
    does::

        reactor = useFakeReactor(self)
        server = reactor.listenTCP(9000, serverFactory)
        endpoint = FakeEndpoint(reactor, server=server)
        service = ClientService(endpoint, clientFactory, clock=reactor,
                                retryPolicy=lambda failures: 2.0)
        service.startService()
        endpoint.attempts[0].fail()           # refused
        reactor.advance(2.0)                  # the retry is due
        endpoint.attempts[1].succeed()        # connected, handshake done
        self.assertEqual(endpoint.attempts[1].time, 2.0)

    ``succeed()`` and ``fail()`` settle the attempt at once, inside the
    call: the test, not the code under test, is the caller, so nothing runs
    re-entrantly in the code that called ``connect()``.

    As with Twisted's TCP endpoints, ``connect()`` calls the factory's
    ``doStart()``, and its ``doStop()`` runs when the attempt fails, is
    cancelled, or its connection is lost.  Cancelling the ``Deferred`` marks
    the attempt ``"cancelled"`` and fails it with ``ConnectingCancelledError``,
    as Twisted's TCP endpoints do.

    For attempts that settle by themselves against whatever listens, use a
    real endpoint on the :class:`~twisted_wsfakes.FakeReactor` instead
    (``TCP4ClientEndpoint(reactor, host, port)``, ``HostnameEndpoint``,
    ``clientFromString``): ``reactor.attempts`` records those.

    :param reactor: the reactor whose clock times the attempts and whose
        network carries their connections.
    :param server: what
        :meth:`~twisted_wsfakes.reconnect.EndpointAttempt.succeed` connects
        to when given nothing: a listening port, a server factory or a
        protocol.
    :ivar server: that default, which a test may change between attempts.
    :ivar attempts: every attempt, in ``connect()`` order; an index past the
        end raises :class:`~twisted_wsfakes.errors.NoSuchAttempt` saying how
        many there are.
    """

    def __init__(
        self, reactor: FakeReactor, server: ConnectTarget | None = None
    ) -> None:
        self.server = server
        self._reactor = reactor
        self._attempts: Attempts[EndpointAttempt] = Attempts()

    @property
    def attempts(self) -> Attempts[EndpointAttempt]:
        return self._attempts

    def connect(self, protocolFactory: IProtocolFactory) -> Deferred[IProtocol]:
        """
        Record an attempt and return its ``Deferred``, which fires when the
        test settles the attempt.
        """
        where = self._where()
        attempt = EndpointAttempt(
            time=self._reactor.seconds(),
            host=hostAndPort(where)[0],
            port=hostAndPort(where)[1],
            index=len(self._attempts),
            factory=protocolFactory,
            endpoint=self,
            deferred=Deferred(lambda d: attempt._cancel(d)),
        )
        self._attempts.record(attempt)
        protocolFactory.doStart()
        return attempt._deferred

    def _where(self) -> Address:
        """
        The address this endpoint connects to, as far as it knows one.
        """
        server = self.server
        if isinstance(server, ScriptedServer):
            server = server.listener
        if isinstance(server, Listener):
            return server.reachableAddress
        return _UNBOUND

    def __repr__(self) -> str:
        return f"<FakeEndpoint with {len(self._attempts)} attempt(s)>"


def _outcomeOf(failure: Failure) -> Outcome:
    """
    The attempt outcome a failure means, in the reactor's words.
    """
    if failure.check(error.ConnectionRefusedError):
        return "refused"
    if failure.check(error.TimeoutError):
        return "timed out"
    return "failed"
