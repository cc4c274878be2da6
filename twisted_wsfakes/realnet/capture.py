"""
Capture: the bytes of one live connection made into transcript events as
they pass, redacted, kept, and written to a file one flushed line each.

`Capture` is fed bytes and the connection's end by whoever sees them: a
`CapturingProtocol` wrapped around a websocket protocol (for ``record`` and
``serve``), or the two halves of a proxy.

It imports ``errors``, ``realnet.redact`` and the ``transcript`` layer
(its ``wire`` and ``events`` modules included) from this package.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping
from typing import Any

import attrs
from twisted.internet.error import ConnectionDone
from twisted.internet.interfaces import IAddress, IProtocol, IReactorTime
from twisted.protocols.policies import ProtocolWrapper, WrappingFactory
from twisted.python.failure import Failure

from ..errors import RealNetworkError, TranscriptExists
from ..transcript import (
    BinaryMessage,
    Close,
    Event,
    Ping,
    Pong,
    Side,
    TextMessage,
    Transcript,
    TranscriptWriter,
)
from ..transcript.events import EndHow
from ..transcript.wire import WireData, WireEnd, WireParser
from .redact import Redaction

_FRAMES = (TextMessage, BinaryMessage, Ping, Pong, Close)


@attrs.frozen
class Traffic:
    """
    What one side has sent so far.

    :ivar frames: websocket messages and control frames.
    :ivar bytes: bytes on the wire, HTTP head included.
    """

    frames: int = 0
    bytes: int = 0


def openTranscript(
    path: str | os.PathLike[str], metadata: Mapping[str, str], overwrite: bool
) -> TranscriptWriter:
    """
    Start a transcript file at ``path``.

    :raises RealNetworkError: if ``path`` exists and ``overwrite`` is false,
        or cannot be written.
    """
    try:
        return TranscriptWriter(path, metadata, overwrite=overwrite)
    except TranscriptExists:
        raise RealNetworkError(
            f"{os.fspath(path)} already exists: choose another file, or pass "
            "--force (overwrite=True) to replace it"
        ) from None
    except OSError as e:
        raise RealNetworkError(
            f"cannot write {os.fspath(path)}: {e.strerror}; choose a file in a "
            "directory you can write to"
        ) from None


class Capture:
    """
    Turn one live connection's bytes into transcript events as they pass.

    :param clock: gives the time of each write; times in the transcript
        count from the capture's creation.
    :param redaction: what to take out of each event before it is kept.
    :param writer: where to write each event as it is made, if anywhere;
        closed when the connection ends.
    :param onEvent: called with each event as kept, and what each side has
        sent so far (for progress lines).
    :ivar metadata: the transcript's metadata, the redaction's included.
    :ivar traffic: what each side has sent so far.
    """

    def __init__(
        self,
        clock: IReactorTime,
        redaction: Redaction,
        metadata: Mapping[str, str] | None = None,
        writer: TranscriptWriter | None = None,
        onEvent: Callable[[Event, Mapping[Side, Traffic]], None] | None = None,
    ) -> None:
        self.clock = clock
        self.redaction = redaction
        self.metadata = {**(metadata or {}), **redaction.metadata}
        self.writer = writer
        self.onEvent = onEvent
        self.traffic: dict[Side, Traffic] = {"client": Traffic(), "server": Traffic()}
        self.events: list[Event] = []
        self.ended = False
        self._start = clock.seconds()
        self._last = 0.0
        self._parser = WireParser()

    @property
    def transcript(self) -> Transcript:
        """
        Every event so far.
        """
        return Transcript(self.events, metadata=self.metadata)

    def data(self, sender: Side, data: bytes) -> None:
        """
        ``sender`` wrote ``data``.
        """
        before = self.traffic[sender]
        self.traffic[sender] = attrs.evolve(before, bytes=before.bytes + len(data))
        self._parser.feed(WireData(self._now(), sender, data))
        self._take()

    def end(self, how: EndHow, by: Side | None) -> None:
        """
        The connection ended (only the first call counts); close the file.
        """
        if self.ended:
            return
        self.ended = True
        time = self._now()
        self._parser.feed(WireEnd(time, how, by))
        self._take()
        if self.writer is not None:
            self.writer.close()

    def _now(self) -> float:
        # A wall clock may step back; transcript times may not.
        self._last = max(self._last, round(self.clock.seconds() - self._start, 6))
        return self._last

    def _take(self) -> None:
        made = self._parser.events
        for event in made[len(self.events) :]:
            kept = self.redaction.event(event)
            self.events.append(kept)
            if isinstance(kept, _FRAMES) and kept.sender is not None:
                before = self.traffic[kept.sender]
                self.traffic[kept.sender] = attrs.evolve(
                    before, frames=before.frames + 1
                )
            if self.writer is not None:
                self.writer.write(kept)
            if self.onEvent is not None:
                self.onEvent(kept, self.traffic)


def endOf(reason: Failure, other: Side) -> tuple[EndHow, Side | None]:
    """
    How a connection lost for ``reason`` ended, when this side did not end
    it: closed by the ``other`` side, or dropped.
    """
    if reason.check(ConnectionDone):
        return "closed", other
    return "dropped", None


class CapturingProtocol(ProtocolWrapper):
    """
    A protocol wrapper that feeds a `Capture` with every byte its protocol
    writes and receives, and with how the connection ended.

    It is the wrapped protocol's transport, so it is also its connection as
    scripted peers see it: it has the ``transcript``.
    """

    factory: CapturingFactory

    def __init__(
        self, factory: CapturingFactory, wrappedProtocol: IProtocol, capture: Capture
    ) -> None:
        super().__init__(factory, wrappedProtocol)
        self.capture = capture
        self.side: Side = factory.side
        self.other: Side = "client" if factory.side == "server" else "server"
        self._ending: tuple[EndHow, Side | None] | None = None

    @property
    def transcript(self) -> Transcript:
        """
        What was said on the connection so far.
        """
        return self.capture.transcript

    def write(self, data: bytes) -> None:
        self.capture.data(self.side, data)
        super().write(data)  # type: ignore[no-untyped-call]

    def writeSequence(self, data: Any) -> None:
        self.write(b"".join(data))

    def dataReceived(self, data: bytes) -> None:
        self.capture.data(self.other, data)
        super().dataReceived(data)  # type: ignore[no-untyped-call]

    def loseConnection(self) -> None:
        self._ending = self._ending or ("closed", self.side)
        super().loseConnection()  # type: ignore[no-untyped-call]

    def abortConnection(self) -> None:
        self._ending = self._ending or ("aborted", self.side)
        self.transport.abortConnection()  # type: ignore[union-attr]

    def connectionLost(self, reason: Failure) -> None:  # type: ignore[override]
        super().connectionLost(reason)  # type: ignore[no-untyped-call]
        self.capture.end(*(self._ending or endOf(reason, self.other)))
        if self.factory.onEnd is not None:
            self.factory.onEnd(self)


class CapturingFactory(WrappingFactory[CapturingProtocol]):
    """
    Wraps each protocol ``wrappedFactory`` builds in a `CapturingProtocol`
    with a fresh `Capture` from ``newCapture``.

    :param side: which side of the websocket the wrapped protocols are.
    :param onEnd: called with each wrapper once its connection is lost.
    """

    protocol = CapturingProtocol

    def __init__(
        self,
        wrappedFactory: Any,
        side: Side,
        newCapture: Callable[[IAddress | None], Capture],
        onEnd: Callable[[CapturingProtocol], None] | None = None,
    ) -> None:
        super().__init__(wrappedFactory)  # type: ignore[no-untyped-call]
        self.side: Side = side
        self.newCapture = newCapture
        self.onEnd = onEnd

    def buildProtocol(self, addr: IAddress | None) -> CapturingProtocol:
        wrapped = self.wrappedFactory.buildProtocol(addr)
        return CapturingProtocol(self, wrapped, self.newCapture(addr))
