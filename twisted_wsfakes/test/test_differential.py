"""
Differential tests: the same Autobahn and ``twisted.web.websocket``
protocols run once over real loopback TCP on the real reactor and once on a
:class:`FakeReactor`, and every callback on both sides must be the same, in
the same order.

Each scenario records, per side, what the protocol heard: the opening
handshake (``onConnect``), ``onOpen``, each message (kind, size and a digest
of big ones), pings and pongs, ``onClose`` (``wasClean``, code, reason) and
the type of the ``connectionLost`` reason.  The real run listens on
127.0.0.1 port 0 and ends when both sides have lost the connection, bounded
by a timeout; Autobahn's timeouts in these scenarios are one second (which
Autobahn's batched timers round down to the next whole second), so the
slowest scenario takes about three seconds of real time.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Generator
from typing import Any, cast

import attrs
from autobahn.twisted.websocket import (
    WebSocketClientFactory,
    WebSocketClientProtocol,
    WebSocketServerFactory,
    WebSocketServerProtocol,
)
from autobahn.websocket.compress import (
    PerMessageDeflateOffer,
    PerMessageDeflateOfferAccept,
    PerMessageDeflateResponseAccept,
)
from autobahn.websocket.types import ConnectionDeny
from twisted.internet import reactor as globalReactor
from twisted.internet.address import IPv4Address
from twisted.internet.defer import Deferred, ensureDeferred, inlineCallbacks
from twisted.internet.interfaces import IDelayedCall, IListeningPort
from twisted.internet.protocol import Factory, Protocol, connectionDone
from twisted.python.failure import Failure
from twisted.trial.unittest import TestCase
from twisted.web.resource import Resource
from twisted.web.server import Site

from ..network import FakeReactor
from ..websocket import bindTxaio

try:
    from twisted.web.websocket import WebSocketClientEndpoint, WebSocketResource
except ImportError:  # wsproto missing: twisted[websocket] not installed
    skip = "twisted.web.websocket needs Twisted's websocket extra"

Event = tuple[object, ...]
#: How long a real run may take before it counts as hung.
REAL_LIMIT = 8.0
#: Fake time allowed to a fake run, in steps of FAKE_STEP.
FAKE_LIMIT = 30.0
FAKE_STEP = 0.05


class _Log:
    """
    What each side heard, and a Deferred that fires once both are done.

    :ivar reactor: the reactor of the run, for behaviours that schedule.
    """

    def __init__(self, reactor: Any) -> None:
        self.reactor = reactor
        self.sides: dict[str, list[Event]] = {"client": [], "server": []}
        self.pending = {"client", "server"}
        self.done: Deferred[None] = Deferred()
        self.calls: list[IDelayedCall] = []
        # The run's client factories, whose leftover timers it cancels.
        self.factories: list[object] = []

    def add(self, side: str, *event: object) -> None:
        self.sides[side].append(event)

    def finished(self, side: str) -> None:
        self.pending.discard(side)
        if not self.pending and not self.done.called:
            self.done.callback(None)

    def later(self, delay: float, f: Callable[[], object]) -> None:
        """
        Call ``f`` in ``delay`` seconds on the run's reactor.
        """
        self.calls.append(self.reactor.callLater(delay, f))


def _payload(data: bytes) -> object:
    """
    A message as logged: itself if short, else its size and a digest.
    """
    if len(data) <= 32:
        return data
    return (len(data), hashlib.sha256(data).hexdigest()[:16])


def _pingPayload(data: bytes) -> object:
    """
    A ping or pong payload as logged: Autobahn's auto-ping payloads are
    random, so those (12 bytes) are logged by size.
    """
    return len(data) if len(data) == 12 else data


def _nothing(*args: object) -> None:
    pass


def _echo(protocol: Any, payload: bytes, isBinary: bool) -> None:
    protocol.sendMessage(payload, isBinary)


def _accept(protocol: Any, request: Any) -> str | None:
    return None


@attrs.frozen
class _Scenario:
    """
    What each side does.  Hooks take the protocol first.

    :ivar server: ``"autobahn"``, ``"web"`` (a ``twisted.web`` Site with
        ``WebSocketResource``), ``"silent"`` (TCP that never answers) or
        ``"nobody"`` (a port nobody listens on).
    :ivar client: ``"autobahn"`` or ``"web"`` (``twisted.web``'s client).
    """

    server: str = "autobahn"
    client: str = "autobahn"
    clientOpen: Callable[[Any], None] = _nothing
    clientMessage: Callable[[Any, bytes, bool], None] = _nothing
    clientPong: Callable[[Any, bytes], None] = _nothing
    serverConnect: Callable[[Any, Any], str | None] = _accept
    serverOpen: Callable[[Any], None] = _nothing
    serverMessage: Callable[[Any, bytes, bool], None] = _echo
    serverPongs: bool = True
    clientOptions: dict[str, Any] = attrs.field(factory=dict)
    serverOptions: dict[str, Any] = attrs.field(factory=dict)
    clientProtocols: tuple[str, ...] = ()
    #: The exception type a side raises on purpose, logged by the reactor.
    raises: type[BaseException] | None = None


class _Logging:
    """
    What an Autobahn protocol logs as its ``side``, handing each event to
    the scenario's hook for that side.  It comes first in the protocols'
    bases, so ``super()`` here reaches Autobahn.
    """

    side: str
    factory: Any

    def _hook(self, event: str) -> Callable[..., Any]:
        hook: Callable[..., Any] = getattr(
            self.factory.scenario, self.side + event, _nothing
        )
        return hook

    def _log(self, *event: object) -> None:
        self.factory.log.add(self.side, *event)

    def onOpen(self) -> None:
        self._log("open")
        self._hook("Open")(self)

    def onMessage(self, payload: bytes, isBinary: bool) -> None:
        self._log("message", isBinary, _payload(payload))
        self._hook("Message")(self, payload, isBinary)

    def onPing(self, payload: bytes) -> None:
        self._log("ping", _pingPayload(payload))
        if self.side == "client" or self.factory.scenario.serverPongs:
            super().onPing(payload)  # type: ignore[misc]

    def onPong(self, payload: bytes) -> None:
        self._log("pong", _pingPayload(payload))
        self._hook("Pong")(self, payload)

    def onClose(self, wasClean: bool, code: int | None, reason: str | None) -> None:
        self._log("close", wasClean, code, reason)

    def connectionLost(self, reason: Failure) -> None:
        super().connectionLost(reason)  # type: ignore[misc]
        self._log("lost", type(reason.value).__name__)
        self.factory.log.finished(self.side)


class _Server(_Logging, WebSocketServerProtocol):  # type: ignore[misc]
    side = "server"

    def onConnect(self, request: Any) -> str | None:
        self._log("connect", request.path, request.protocols)
        answer: str | None = self.factory.scenario.serverConnect(self, request)
        return answer


class _Client(_Logging, WebSocketClientProtocol):  # type: ignore[misc]
    side = "client"

    def onConnect(self, response: Any) -> None:
        extensions = [type(e).__name__ for e in response.extensions]
        self._log("connect", response.protocol, extensions)


class _ServerFactory(WebSocketServerFactory):
    log: _Log
    scenario: _Scenario


class _ClientFactory(WebSocketClientFactory):
    log: _Log
    scenario: _Scenario

    def clientConnectionFailed(self, connector: object, reason: Failure) -> None:
        self.log.add("client", "failed", type(reason.value).__name__)
        self.log.finished("client")
        self.log.finished("server")


class _Silent(Protocol):
    """
    Accepts TCP and never answers.
    """

    log: _Log

    def connectionMade(self) -> None:
        self.log.add("server", "made")

    def connectionLost(self, reason: Failure = connectionDone) -> None:
        self.log.add("server", "lost", type(reason.value).__name__)
        self.log.finished("server")


class _WebPeer:
    """
    A ``twisted.web.websocket`` protocol logging what it hears as ``side``.
    """

    def __init__(self, side: str, log: _Log, scenario: _Scenario) -> None:
        self.side = side
        self.log = log
        self.scenario = scenario
        self.transport: Any = None

    def negotiationStarted(self, transport: Any) -> None:
        self.transport = transport

    def negotiationFinished(self) -> None:
        self.log.add(self.side, "open")
        opened = self.scenario.clientOpen if self.side == "client" else None
        (opened or self.scenario.serverOpen)(self)

    def textMessageReceived(self, message: str) -> None:
        self._message(message.encode("utf-8"), False)

    def bytesMessageReceived(self, data: bytes | bytearray) -> None:
        self._message(bytes(data), True)

    def _message(self, payload: bytes, isBinary: bool) -> None:
        self.log.add(self.side, "message", isBinary, _payload(payload))
        if self.side == "client":
            self.scenario.clientMessage(self, payload, isBinary)
        else:
            self.scenario.serverMessage(self, payload, isBinary)

    def pongReceived(self, payload: bytes) -> None:
        self.log.add(self.side, "pong", _payload(payload))

    def connectionLost(self, reason: Failure) -> None:
        self.log.add(self.side, "lost", type(reason.value).__name__)
        self.log.finished(self.side)


class _WebFactory:
    def __init__(self, side: str, log: _Log, scenario: _Scenario) -> None:
        self.side, self.log, self.scenario = side, log, scenario

    def buildProtocol(self, where: object) -> _WebPeer:
        return _WebPeer(self.side, self.log, self.scenario)


def _serverFactory(scenario: _Scenario, reactor: Any, log: _Log) -> Any:
    if scenario.server == "silent":
        return Factory.forProtocol(type("_Logged", (_Silent,), {"log": log}))
    if scenario.server == "web":
        root = Resource()
        root.putChild(b"chat", WebSocketResource(_WebFactory("server", log, scenario)))
        return Site(root, reactor=reactor)
    # Autobahn's URL parser refuses port 0: the port is not used anyway.
    server = _ServerFactory("ws://127.0.0.1:9/chat", reactor=reactor)
    server.protocol = _Server
    server.log, server.scenario = log, scenario
    if scenario.serverOptions:
        server.setProtocolOptions(**scenario.serverOptions)
    return server


def _connect(scenario: _Scenario, reactor: Any, url: str, log: _Log) -> None:
    if scenario.client == "web":
        connecting = ensureDeferred(
            WebSocketClientEndpoint.new(reactor, url).connect(
                _WebFactory("client", log, scenario)
            )
        )

        def failed(reason: Failure) -> None:
            log.add("client", "failed", type(reason.value).__name__)
            log.finished("client")
            log.finished("server")

        connecting.addErrback(failed)
        return
    client = _ClientFactory(
        url, protocols=list(scenario.clientProtocols) or None, reactor=reactor
    )
    client.protocol = _Client
    client.log, client.scenario = log, scenario
    if scenario.clientOptions:
        client.setProtocolOptions(**scenario.clientOptions)
    log.factories.append(client)
    host, port = url.split("/")[2].split(":")
    reactor.connectTCP(host, int(port), client)


@inlineCallbacks
def _exchange(
    scenario: _Scenario, reactor: Any
) -> Generator[Any, Any, dict[str, list[Event]]]:
    """
    Run ``scenario`` on ``reactor`` until both sides are done.
    """
    log = _Log(reactor)
    server = _serverFactory(scenario, reactor, log)
    port: IListeningPort = reactor.listenTCP(0, server, interface="127.0.0.1")
    number = cast(IPv4Address, port.getHost()).port
    if scenario.server == "nobody":
        yield port.stopListening()
    try:
        _connect(scenario, reactor, f"ws://127.0.0.1:{number}/chat", log)
        yield log.done
    finally:
        if scenario.server != "nobody":
            yield port.stopListening()
        _cancelLeftovers(log, server)
    return log.sides


def _cancelLeftovers(log: _Log, server: object) -> None:
    """
    Cancel what the run scheduled and Autobahn left behind (it keeps its
    closing handshake timeout after the connection is lost).
    """
    calls = list(log.calls)
    for factory in [server, *log.factories]:
        timer = getattr(factory, "_batched_timer", None)
        if timer is not None:
            calls += [call for call, _ in timer._buckets.values()]
    for call in calls:
        if call.active():
            call.cancel()


def _onFake(scenario: _Scenario) -> dict[str, list[Event]]:
    reactor = FakeReactor()
    restore = bindTxaio(reactor)
    try:
        outcome: list[Any] = []
        _exchange(scenario, reactor).addBoth(outcome.append)
        for _ in range(int(FAKE_LIMIT / FAKE_STEP)):
            if outcome:
                break
            reactor.advance(FAKE_STEP)
    finally:
        restore()
    if not outcome:
        raise AssertionError(f"the fake run never ended in {FAKE_LIMIT} s of fake time")
    if isinstance(outcome[0], Failure):
        outcome[0].raiseException()
    result: dict[str, list[Event]] = outcome[0]
    return result


def _onReal(scenario: _Scenario) -> Deferred[dict[str, list[Event]]]:
    restore = bindTxaio(globalReactor)
    running = _exchange(scenario, globalReactor)
    running.addTimeout(REAL_LIMIT, globalReactor)

    def restored(result: object) -> object:
        restore()
        return result

    return running.addBoth(restored)


# Behaviours, shared by several scenarios.


def _send(*messages: tuple[bytes, bool]) -> Callable[[Any], None]:
    def send(protocol: Any) -> None:
        for payload, isBinary in messages:
            protocol.sendMessage(payload, isBinary)

    return send


def _closeAfter(count: int, code: int | None = 1000) -> Callable[..., None]:
    """
    A client message hook that closes once ``count`` messages came.
    """

    def closeAfter(protocol: Any, payload: bytes, isBinary: bool) -> None:
        protocol.received = getattr(protocol, "received", 0) + 1
        if protocol.received == count:
            protocol.sendClose(code)

    return closeAfter


def _sendClose(
    code: int | None = None, reason: str | None = None
) -> Callable[..., None]:
    return lambda protocol, *rest: protocol.sendClose(code, reason)


def _pause(resumeAfter: float) -> Callable[[Any], None]:
    """
    A hook that stops reading, and reads again ``resumeAfter`` seconds on.
    """

    def pause(protocol: Any) -> None:
        protocol.transport.pauseProducing()
        protocol.factory.log.later(resumeAfter, protocol.transport.resumeProducing)

    return pause


def _abort(protocol: Any, *rest: object) -> None:
    protocol.transport.abortConnection()


def _fail(protocol: Any, *rest: object) -> None:
    raise ZeroDivisionError("failing on purpose")


def _deny(protocol: Any, request: Any) -> str | None:
    raise ConnectionDeny(403, "go away")


def _crash(protocol: Any, request: Any) -> str | None:
    raise RuntimeError("server bug")


def _chooseSecond(protocol: Any, request: Any) -> str | None:
    chosen: str = request.protocols[1]
    return chosen


def _acceptDeflate(offers: list[Any]) -> Any:
    for offer in offers:
        if isinstance(offer, PerMessageDeflateOffer):
            return PerMessageDeflateOfferAccept(offer)
    return None


_TEXT = ("grüße, world".encode(), False)
_BINARY = (bytes(range(256)), True)
_MIB = (bytes(range(256)) * 4096, True)
_COMPRESSIBLE = (b"tick " * 2000, False)
_AUTO_PING = {"autoPingInterval": 1, "autoPingTimeout": 1}

SCENARIOS: dict[str, _Scenario] = {
    "echoText": _Scenario(clientOpen=_send(_TEXT), clientMessage=_closeAfter(1)),
    "echoBinary": _Scenario(clientOpen=_send(_BINARY), clientMessage=_closeAfter(1)),
    "echoEmpty": _Scenario(
        clientOpen=_send((b"", False), (b"", True)), clientMessage=_closeAfter(2)
    ),
    "echoMebibyte": _Scenario(clientOpen=_send(_MIB), clientMessage=_closeAfter(1)),
    "echoFragmented": _Scenario(
        clientOpen=lambda p: p.sendMessage(_TEXT[0], False, fragmentSize=3),
        clientMessage=_closeAfter(1),
    ),
    "echoCompressed": _Scenario(
        clientOpen=_send(_COMPRESSIBLE, _COMPRESSIBLE),
        clientMessage=_closeAfter(2),
        clientOptions={
            "perMessageCompressionOffers": [PerMessageDeflateOffer()],
            "perMessageCompressionAccept": PerMessageDeflateResponseAccept,
        },
        serverOptions={"perMessageCompressionAccept": _acceptDeflate},
    ),
    "clientCloses": _Scenario(clientOpen=_sendClose(1000)),
    "serverCloses": _Scenario(serverOpen=_sendClose(1000)),
    "serverClosesWithCodeAndReason": _Scenario(serverOpen=_sendClose(4000, "bye")),
    "clientClosesWithoutCode": _Scenario(clientOpen=_sendClose()),
    "bothCloseAtOnce": _Scenario(
        clientOpen=_sendClose(1000), serverOpen=_sendClose(4001)
    ),
    "closeCrossesMessage": _Scenario(
        clientOpen=_sendClose(1000), serverOpen=_send((b"news", False))
    ),
    "serverClosesOnMessage": _Scenario(
        clientOpen=_send(_TEXT, _TEXT), serverMessage=_sendClose(4001)
    ),
    "abortMidStream": _Scenario(
        clientOpen=_send(_TEXT, _BINARY, _TEXT), serverMessage=_abort
    ),
    "exceptionInOnMessage": _Scenario(
        clientOpen=_send(_TEXT), serverMessage=_fail, raises=ZeroDivisionError
    ),
    "connectionDeny": _Scenario(serverConnect=_deny),
    "serverErrorInOnConnect": _Scenario(serverConnect=_crash, raises=RuntimeError),
    "subprotocol": _Scenario(
        clientProtocols=("chat.v1", "chat.v2"),
        serverConnect=_chooseSecond,
        clientOpen=_sendClose(1000),
    ),
    "refusedPort": _Scenario(server="nobody"),
    "messageTooBig": _Scenario(
        clientOpen=_send((b"x" * 100, True)),
        serverOptions={"maxMessagePayloadSize": 16},
    ),
    "invalidUTF8": _Scenario(clientOpen=_send((b"\xff\xfe", False))),
    "pingsBothWays": _Scenario(
        clientOpen=lambda p: p.sendPing(b"client?"),
        serverOpen=lambda p: p.sendPing(b"server?"),
        clientPong=_sendClose(1000),
    ),
    "autoPingTimeout": _Scenario(clientOptions=_AUTO_PING, serverPongs=False),
    "autoPingTimeoutPeerPaused": _Scenario(
        clientOptions=_AUTO_PING, serverOpen=_pause(3)
    ),
    "openHandshakeTimeout": _Scenario(
        server="silent", clientOptions={"openHandshakeTimeout": 1}
    ),
    "closeHandshakeTimeout": _Scenario(
        clientOptions={"closeHandshakeTimeout": 1},
        clientOpen=_sendClose(1000),
        serverOpen=_pause(2),
    ),
    "twistedWebClient": _Scenario(
        client="web",
        clientOpen=lambda p: p.transport.sendTextMessage("hi"),
        clientMessage=lambda p, payload, isBinary: p.transport.loseConnection(1000),
    ),
    "twistedWebClientServerCloses4000": _Scenario(
        client="web",
        clientOpen=lambda p: p.transport.sendTextMessage("hi"),
        serverMessage=_sendClose(4000),
    ),
    "twistedWebServerCloses4000": _Scenario(
        server="web",
        clientOpen=_send(_TEXT),
        serverMessage=lambda p, payload, isBinary: p.transport.loseConnection(4000),
    ),
    "twistedWebServerEcho": _Scenario(
        server="web",
        clientOpen=_send(_TEXT),
        serverMessage=lambda p, payload, isBinary: p.transport.sendTextMessage(
            payload.decode()
        ),
        clientMessage=_closeAfter(1),
    ),
}


class DifferentialTests(TestCase):
    """
    Each scenario gives the same callbacks, in the same order, on both
    sides, over real loopback TCP and on the FakeReactor.
    """

    timeout = REAL_LIMIT + 2

    @inlineCallbacks
    def check(self, name: str) -> Generator[Deferred[Any], Any, None]:
        scenario = SCENARIOS[name]
        fake = _onFake(scenario)
        real = yield _onReal(scenario)
        if scenario.raises is not None:
            self.flushLoggedErrors(scenario.raises)
        self.assertEqual(fake["client"], real["client"], f"{name}: client side")
        self.assertEqual(fake["server"], real["server"], f"{name}: server side")


def _makeTest(name: str) -> Callable[[DifferentialTests], Deferred[None]]:
    def test(self: DifferentialTests) -> Deferred[None]:
        return self.check(name)

    test.__name__ = f"test_{name}"
    test.__doc__ = f"Scenario {name!r} runs alike on real TCP and on the fake."
    return test


for _name in SCENARIOS:
    setattr(DifferentialTests, f"test_{_name}", _makeTest(_name))
