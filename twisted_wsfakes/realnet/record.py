"""
Record a live websocket exchange: connect, send, and capture every event
into a Transcript (and a file, one flushed line per event).

It imports ``errors``, ``printable``, ``realnet.addresses``,
``realnet.capture``, ``realnet.redact`` and ``transcript`` from this
package.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable, Mapping, Sequence
from datetime import UTC, datetime
from typing import Any

from autobahn.twisted.websocket import WebSocketClientFactory, WebSocketClientProtocol
from twisted.internet.defer import Deferred
from twisted.internet.error import ConnectError
from twisted.internet.interfaces import IAddress, IConnector
from twisted.python.failure import Failure

from ..errors import RealNetworkError
from ..printable import printable
from ..transcript import Event, Response, Side, Transcript
from .addresses import parseURL
from .capture import (
    Capture,
    CapturingFactory,
    CapturingProtocol,
    Traffic,
    openTranscript,
)
from .redact import NO_REDACTION, Redaction


class _Recorder(WebSocketClientProtocol):
    """
    Sends what it was given once open, and closes after the duration.
    """

    factory: _RecorderFactory

    def onOpen(self) -> None:
        self.factory.open = self
        for message in self.factory.sends:
            self.sendMessage(  # type: ignore[no-untyped-call]
                message if isinstance(message, bytes) else message.encode("utf-8"),
                isBinary=isinstance(message, bytes),
            )
        if self.factory.duration is not None:
            self.factory.reactor.callLater(self.factory.duration, self.stop)

    def stop(self) -> None:
        """
        Start the closing handshake (code 1000), if still open.
        """
        if self.state == self.STATE_OPEN:
            self.sendClose(1000)


class _RecorderFactory(WebSocketClientFactory):
    protocol = _Recorder  # type: ignore[assignment]

    def __init__(
        self,
        url: str,
        reactor: Any,
        sends: Sequence[str | bytes],
        duration: float | None,
        headers: Mapping[str, str],
        subprotocols: Sequence[str],
    ) -> None:
        super().__init__(  # type: ignore[no-untyped-call]
            url,
            reactor=reactor,
            headers=dict(headers),
            protocols=list(subprotocols) or None,
        )
        self.sends = sends
        self.duration = duration
        self.open: _Recorder | None = None


class _Finish:
    """
    Fires the record's Deferred once, when the connection ends or fails.
    """

    def __init__(self, url: str, result: Deferred[Transcript]) -> None:
        self.url = url
        self.result = result

    def ended(self, wrapper: CapturingProtocol) -> None:
        transcript = wrapper.transcript
        response = next((e for e in transcript if isinstance(e, Response)), None)
        if response is not None and response.status != 101:
            self.result.errback(
                RealNetworkError(
                    f"{self.url} refused the websocket handshake with "
                    f"{response.status} {printable(response.reason)}".rstrip()
                    + "; check the URL's path, --header and --subprotocol"
                )
            )
        elif response is None:
            self.result.errback(
                RealNetworkError(
                    f"{self.url} closed the connection without answering the "
                    "websocket handshake; is it a websocket server?"
                )
            )
        else:
            self.result.callback(transcript)

    def failed(self, reason: Failure) -> None:
        why = reason.getErrorMessage() if reason.check(ConnectError) else reason
        self.result.errback(
            RealNetworkError(
                f"cannot connect to {self.url}: {why}; is the server running "
                "and the URL right?"
            )
        )


class _ConnectingFactory(CapturingFactory):
    """
    Reports a connection that never came to be.
    """

    finish: _Finish

    def clientConnectionFailed(self, connector: IConnector, reason: Failure) -> None:
        self.finish.failed(reason)


def record(
    url: str,
    sends: Iterable[str | bytes] = (),
    *,
    reactor: Any = None,
    output: str | os.PathLike[str] | None = None,
    overwrite: bool = False,
    headers: Mapping[str, str] | None = None,
    subprotocols: Sequence[str] = (),
    duration: float | None = None,
    redactHeaders: Iterable[str] = (),
    redactJSON: Iterable[str] = (),
    redact: bool = True,
    onEvent: Callable[[Event, Mapping[Side, Traffic]], None] | None = None,
    timeout: float = 10,
) -> Deferred[Transcript]:
    """
    Connect to ``url``, send ``sends`` once the websocket is open, and
    record every event until the server closes (or, with ``duration``,
    until that many seconds passed and the close handshake is done)::

        transcript = await record(
            "ws://127.0.0.1:9000/echo", ["hello"], duration=1, output="echo.jsonl"
        )
        print(transcript.render())

    Text sends go as text messages, ``bytes`` as binary.  The values of
    credential headers (`twisted_wsfakes.realnet.redact.DEFAULT_HEADERS`)
    are redacted before anything is kept, unless ``redact`` is false.

    :param reactor: the reactor; the global one when ``None``.
    :param output: a transcript file to write as events happen (one
        flushed line each), so a recording cut short keeps what came.
    :param overwrite: replace ``output`` if it exists (refused otherwise).
    :param headers: extra headers for the opening handshake.
    :param subprotocols: the subprotocols to offer.
    :param redactHeaders: more header names to redact.
    :param redactJSON: JSON paths (``$.token``, ``$.auth.*``) to redact in
        text messages that are JSON.
    :param onEvent: called with each event as it is recorded, and the
        `Traffic` (frames, bytes on the wire) each side has sent so far.
    :param timeout: seconds to wait for the TCP connection.
    :returns: a Deferred firing with the transcript, or failing with
        :class:`RealNetworkError` if the connection or the handshake was
        refused.
    :raises RealNetworkError: at once for a bad URL or an ``output`` that
        exists.
    """
    if reactor is None:
        # The global reactor at the call (a test's fake, when one is global);
        # importing this module must not install the default reactor.
        from twisted.internet import reactor as globalReactor

        reactor = globalReactor
    host, port = parseURL(url)
    redaction = Redaction.of(redactHeaders, redactJSON, defaults=True)
    if not redact:
        redaction = NO_REDACTION
    metadata = {
        "url": url,
        "recorder": "twisted-wsfakes record",
        "recordedAt": datetime.now(UTC).isoformat(timespec="seconds"),
    }
    capture = _newCapture(reactor, redaction, metadata, output, overwrite, onEvent)
    result: Deferred[Transcript] = Deferred()
    finish = _Finish(url, result)
    recorder = _RecorderFactory(
        url, reactor, list(sends), duration, headers or {}, subprotocols
    )
    factory = _ConnectingFactory(
        recorder,
        "client",
        capture,
        onEnd=finish.ended,
    )
    factory.finish = finish
    reactor.connectTCP(host, port, factory, timeout=timeout)
    _closeOnShutdown(reactor, recorder, result)
    return result


def _closeOnShutdown(
    reactor: Any, recorder: _RecorderFactory, result: Deferred[Transcript]
) -> None:
    """
    When the reactor stops first (Ctrl-C), close the websocket properly
    before it does, so the recording ends with the closing handshake.
    """
    ended: Deferred[None] = Deferred()

    def close() -> Deferred[None] | None:
        if result.called or recorder.open is None:
            return None
        recorder.open.stop()
        return ended

    trigger = reactor.addSystemEventTrigger("before", "shutdown", close)

    def finished(outcome: object) -> object:
        reactor.removeSystemEventTrigger(trigger)
        ended.callback(None)
        return outcome

    result.addBoth(finished)


def _newCapture(
    reactor: Any,
    redaction: Redaction,
    metadata: Mapping[str, str],
    output: str | os.PathLike[str] | None,
    overwrite: bool,
    onEvent: Callable[[Event, Mapping[Side, Traffic]], None] | None,
) -> Callable[[IAddress | None], Capture]:
    """
    Open the output now, so a file that exists is refused before connecting.
    """
    full = {**metadata, **redaction.metadata}
    writer = None if output is None else openTranscript(output, full, overwrite)

    def newCapture(address: IAddress | None) -> Capture:
        return Capture(reactor, redaction, metadata, writer, onEvent)

    return newCapture
