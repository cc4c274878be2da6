"""
The scripted peers a test makes: servers and clients that play Scripts.

`ServerScripts` plays Scripts as a websocket server wherever it listens
(`ScriptedServer` on the fake network, `twisted_wsfakes.realnet.serve` on a
real port: one engine for both); `ScriptedClient` plays one against a
server under test.  Each connection gets its own `ScriptRun`; the peers
keep the runs' reports and check them in ``assertDone``.  It imports the
engine, the report record, the Autobahn adapters, the path router and the
network seam; the network's connection and listener only for types.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Generic, Literal, TypeVar, cast

from twisted.internet.interfaces import IReactorTime

from ..engine import OnMismatch, ScriptRun
from ..errors import ScriptMismatch
from ..script import Script
from ..transcript import Side
from .adapters import ClientFactory, ServerFactory
from .report import PlayedConnection, Transcribed
from .routing import PathRouter
from .seam import PeerNetwork

if TYPE_CHECKING:
    # For the types of ScriptedServer's connections and listener only: at
    # run time the peers know the network through the seam, and the network
    # imports them.
    from ..network.connection import Connection
    from ..network.listener import Listener

AfterLast = Literal["repeat", "refuse"]

ConnectionT = TypeVar("ConnectionT", bound=Transcribed)


class _ScriptedPeer(Generic[ConnectionT]):
    """
    What scripted servers and clients share: runs, reports, cleanup.
    """

    otherSide: Side

    def __init__(self, reactor: IReactorTime, url: str, onMismatch: OnMismatch) -> None:
        if onMismatch not in ("close", "drop"):
            raise ValueError(
                f'onMismatch must be "close" or "drop", not {onMismatch!r}'
            )
        self.reactor = reactor
        self.url = url
        self.onMismatch = onMismatch
        self.connections: list[ConnectionT] = []
        self._played: list[PlayedConnection] = []
        self._reported: set[tuple[object, ...]] = set()
        # The transports that goSilent() steps paused.
        self._stalled: list[Any] = []

    @property
    def transcripts(self) -> list[Any]:
        """
        The :class:`Transcript` of each connection, in order.
        """
        return [connection.transcript for connection in self.connections]

    def connectionOf(self, protocol: Any) -> ConnectionT:
        """
        The connection ``protocol`` runs on, whose transcript its reports show.
        """
        raise NotImplementedError

    def problemOf(self, number: int) -> str | None:
        """
        The report on connection ``number`` (1-based, as reports number
        them): its mismatch, or the steps it left unplayed; ``None`` when
        its script played to the end (or it never ran one).
        """
        for played in self._played:
            if played.number == number:
                return played.problem()
        return None

    def assertDone(self) -> None:
        """
        Fail unless every script played to its end without a mismatch.

        :raises ScriptMismatch: with a report of every problem not reported
            before: mismatches, then scripts stopped half way, then scripts
            never used.
        """
        problems = [
            (k, text) for k, text in self._problems() if k not in self._reported
        ]
        self._reported.update(key for key, _ in problems)
        if problems:
            raise ScriptMismatch("\n\n".join(text for _, text in problems))

    def releaseStalled(self) -> None:
        """
        Read again on the connections that ``goSilent()`` steps paused, so
        they hear how the other side ended them.

        A paused reader hears nothing, not even a close, as on a real
        reactor; at cleanup ``useFakeReactor`` calls this before it looks
        for connections left open, so that a stalled script is not taken
        for a connection the code under test left open.
        """
        stalled, self._stalled = self._stalled, []
        for transport in stalled:
            transport.resumeProducing()

    # What the Autobahn adapters call (their RunOwner).

    def startRun(self, protocol: Any) -> PlayedConnection:
        """
        Count ``protocol``'s new connection and start playing its Script.
        """
        connection = self.connectionOf(protocol)
        self.connections.append(connection)
        run = ScriptRun(self._nextScript(), self.onMismatch)
        # Numbered as in self.connections, hung connections included.
        played = PlayedConnection(
            self.url, len(self.connections), run, connection, self.otherSide
        )
        self._played.append(played)
        return played

    def noteStalled(self, transport: Any) -> None:
        """
        Remember a transport a ``goSilent()`` step paused, for `releaseStalled`.
        """
        self._stalled.append(transport)

    def _nextScript(self) -> Script:
        raise NotImplementedError

    def _problems(self) -> list[tuple[tuple[object, ...], str]]:
        """
        Every problem so far, each with a key that stays the same while the
        problem does, so ``assertDone`` reports each one once.
        """
        found: list[tuple[tuple[object, ...], str]] = [
            (("mismatch", played.number), str(played.mismatch))
            for played in self._played
            if played.mismatch is not None
        ]
        found += [
            (("unfinished", played.number, played.run.cursor), text)
            for played in self._played
            if (text := played.unfinished()) is not None
        ]
        return found + self._unused()

    def _unused(self) -> list[tuple[tuple[object, ...], str]]:
        raise NotImplementedError


class ServerScripts(_ScriptedPeer[ConnectionT]):
    """
    Plays Scripts as a websocket server, wherever it listens: the n-th
    connection its `factory` accepts plays the n-th Script, and after the
    last one the last Script again.

    :class:`~twisted_wsfakes.ScriptedServer` listens on the fake network;
    `twisted_wsfakes.realnet.serve` on a real port.  Both play through this
    one engine, so a client that deviates gets the same report.

    :ivar factory: the Autobahn server factory whose protocols play the
        Scripts.
    """

    otherSide: Side = "client"

    def __init__(
        self,
        reactor: IReactorTime,
        url: str,
        *scripts: Script,
        onMismatch: OnMismatch = "close",
        headers: dict[str, str] | None = None,
        protocolOptions: dict[str, Any] | None = None,
    ) -> None:
        if not scripts:
            raise ValueError("serveWebSocket() needs at least one Script")
        for number, script in enumerate(scripts, 1):
            if not isinstance(script, Script):
                raise TypeError(f"script {number} is {script!r}, not a Script")
            script.checkRole("server")
        super().__init__(reactor, url, onMismatch)
        self.scripts = scripts
        self.headers = headers or {}
        self._hangs = 0
        # Set by a server that refuses connections after its last Script.
        self._refusing = False
        self.factory = ServerFactory(self, url, reactor)
        self.factory.setProtocolOptions(**(protocolOptions or {}))  # type: ignore[no-untyped-call]

    @property
    def exhausted(self) -> bool:
        """
        Whether it refuses every further connection (``afterLast="refuse"``
        after its last Script).
        """
        return self._refusing

    def hangNext(self, n: int = 1) -> None:
        """
        Accept the next ``n`` TCP connections and never answer them.

        On a port of the fake network that servers on several paths share,
        these are the next ``n`` connections that ask for this server's
        path: their request is read (to learn the path) and never answered.
        Hung connections count in ``connections``.  (The port's own
        ``listener.hangNext()`` hangs connections before any byte is read,
        whatever their path; a server on a real port has no such listener.)
        """
        self._hangs += n

    def takeHang(self) -> bool:
        """
        Whether to hang the next connection, counting it as hung.
        """
        if not self._hangs:
            return False
        self._hangs -= 1
        return True

    def accepted(self, protocol: Any) -> None:
        """
        Count a connection accepted and hung, with no Script played on it.
        """
        self.connections.append(self.connectionOf(protocol))

    def _nextScript(self) -> Script:
        return self.scripts[min(len(self._played), len(self.scripts) - 1)]

    def _unused(self) -> list[tuple[tuple[object, ...], str]]:
        made, total = len(self._played), len(self.scripts)
        why = f"was never played: only {made} connection(s) were made"
        return [
            (("unused", n), f"{self.url}: script {n + 1} of {total} {why}")
            for n in range(made, total)
        ]


class ScriptedServer(ServerScripts["Connection"]):
    """
    A websocket server on the fake network that plays Scripts, made by
    :meth:`FakeReactor.serveWebSocket`::

        server = reactor.serveWebSocket(
            "wss://feed.example.com/v1",
            Script(expectJSON({"op": "subscribe"}), sendJSON({"ok": True})),
        )
        ...  # run the client under test
        server.assertDone()

    The n-th connection plays the n-th Script.  After the last one, a new
    connection plays the last Script again (``afterLast="repeat"``) or is
    refused (``afterLast="refuse"``).  A step that meets something else
    records a :class:`ScriptMismatch` and closes the connection with code
    1011 (or drops it, with ``onMismatch="drop"``); ``assertDone()``, or the
    cleanup of ``useFakeReactor``, fails the test with the report.

    Servers on several paths of one host and port share its listener, each
    taking the connections that ask for its path (see the guide's "Several
    paths on one port").

    :ivar connections: every :class:`Connection` it accepted, in order.
    :ivar path: the path of its URL, which it serves.
    """

    def __init__(
        self,
        reactor: PeerNetwork,
        url: str,
        *scripts: Script,
        afterLast: AfterLast = "repeat",
        onMismatch: OnMismatch = "close",
        headers: dict[str, str] | None = None,
        protocolOptions: dict[str, Any] | None = None,
    ) -> None:
        if afterLast not in ("repeat", "refuse"):
            raise ValueError(
                f'afterLast must be "repeat" or "refuse", not {afterLast!r}'
            )
        super().__init__(
            cast(IReactorTime, reactor),
            url,
            *scripts,
            onMismatch=onMismatch,
            headers=headers,
            protocolOptions=protocolOptions,
        )
        self.afterLast = afterLast
        # Autobahn's factory parsed the URL already.
        host, port, path = self.factory.host, self.factory.port, self.factory.path
        self.path: str = path
        self._router = PathRouter.on(reactor, host, port)
        self._router.add(path, self.factory)
        reactor.scriptedPeers.append(self)

    def connectionOf(self, protocol: Any) -> Connection:
        """
        The in-memory connection ``protocol`` runs on.
        """
        return _connectionOf(protocol)

    @property
    def listener(self) -> Listener:
        """
        The in-memory listening port it serves on, shared with the scripted
        servers on other paths of its host and port: where to schedule an
        outage (see :class:`~twisted_wsfakes.network.Listener`).
        """
        # The network's own Listener: the seam shows only what peers use.
        return cast("Listener", self._router.listener)

    def refuseNext(self, n: int = 1) -> None:
        """
        Refuse the next ``n`` connection attempts, as a full server would.

        TCP knows no paths: on a port that servers on several paths share,
        these are the port's next ``n`` attempts, whatever path they were
        to ask for.  To refuse one path's handshake, script a
        ``reject(503)``.
        """
        self.listener.refuseNext(n)

    def down(self, dropConnections: bool = True) -> None:
        """
        Stop listening: attempts are refused until :meth:`up`.  Open
        connections are cut, unless ``dropConnections`` is false.  Then
        deliver until all is quiet.

        On a port that servers on several paths share, this is the port
        going down: every path's attempts are refused and every path's
        connections cut, as when the one server process behind them is
        gone.
        """
        self.listener.down(dropConnections)

    def up(self) -> None:
        """
        Listen again after :meth:`down` (on a shared port, for every path).
        """
        self.listener.up()

    def _nextScript(self) -> Script:
        if len(self._played) + 1 >= len(self.scripts) and self.afterLast == "refuse":
            self._refusing = True
            self._router.refresh()
        return super()._nextScript()

    def _unused(self) -> list[tuple[tuple[object, ...], str]]:
        unused = super()._unused()
        if not self._router.unrouted:
            return unused
        where = (
            "; requests for paths no scripted server serves on this port were "
            f"answered 404: {', '.join(self._router.unrouted)}"
        )
        return [(key, text + where) for key, text in unused]


class ScriptedClient(_ScriptedPeer["Connection"]):
    """
    A websocket client that plays a Script against the server under test,
    made by :meth:`FakeReactor.connectWebSocket`::

        reactor.listenTCP(9000, myServerFactory)
        client = reactor.connectWebSocket(
            "ws://chat.example.com:9000/room",
            Script(sendJSON({"join": "lobby"}), expectJSON({"joined": "lobby"})),
        )
        reactor.flush()
        client.assertDone()

    :param subprotocols: the subprotocols the client offers.
    :param headers: extra headers for the opening handshake.
    """

    otherSide: Side = "server"

    def __init__(
        self,
        reactor: PeerNetwork,
        url: str,
        script: Script,
        onMismatch: OnMismatch = "close",
        subprotocols: list[str] | None = None,
        headers: dict[str, str] | None = None,
        protocolOptions: dict[str, Any] | None = None,
    ) -> None:
        if not isinstance(script, Script):
            raise TypeError(f"connectWebSocket() needs a Script, got {script!r}")
        script.checkRole("client")
        super().__init__(cast(IReactorTime, reactor), url, onMismatch)
        self.script = script
        factory = ClientFactory(
            self, url, reactor=reactor, protocols=subprotocols, headers=headers
        )
        factory.setProtocolOptions(**(protocolOptions or {}))  # type: ignore[no-untyped-call]
        self.connector = reactor.connectUnrecorded(
            factory.host, factory.port, factory, 30, tls=factory.isSecure
        )
        self._attempt = reactor.attempts[-1]
        reactor.scriptedPeers.append(self)

    def connectionOf(self, protocol: Any) -> Connection:
        """
        The in-memory connection ``protocol`` runs on.
        """
        return _connectionOf(protocol)

    def _nextScript(self) -> Script:
        return self.script

    def _unused(self) -> list[tuple[tuple[object, ...], str]]:
        if self._played:
            return []
        outcome = _OUTCOMES.get(self._attempt.outcome, self._attempt.outcome)
        text = f"{self.url}: the script was never played: the connection attempt "
        return [(("unused", 0), text + outcome)]


#: How a connection attempt that never connected ended, for a report.
_OUTCOMES = {
    "pending": "is still pending (flush the reactor to complete it)",
    "refused": "was refused",
    "timed out": "timed out",
    "cancelled": "was cancelled",
}


def _connectionOf(protocol: Any) -> Connection:
    return cast("Connection", protocol.transport.connection)
