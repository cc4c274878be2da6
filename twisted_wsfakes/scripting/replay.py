"""
The steps that play one side of a recorded `Transcript` again, for
``Script.fromTranscript``.

It may import `twisted_wsfakes.errors`, `twisted_wsfakes.jsonpath`,
`twisted_wsfakes.jsontree`, `twisted_wsfakes.matchers`,
`twisted_wsfakes.transcript`, `.builders`, `.checks`, `.message` and
`.steps`.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from typing import Any
from urllib.parse import urlsplit

from ..errors import JSONPathError, NotJSONError, ScriptError
from ..jsonpath import JSONPath
from ..jsontree import DESCEND, Place
from ..matchers import ANY
from ..transcript import (
    BinaryMessage,
    Close,
    ConnectionEnd,
    Event,
    Request,
    Response,
    Side,
    TextMessage,
    Transcript,
)
from .builders import (
    close,
    closeTCP,
    expectBinary,
    expectClose,
    expectHandshake,
    expectJSON,
    expectText,
    reject,
    sendBinary,
    sendText,
    wait,
)
from .checks import freeze
from .message import Message
from .steps import Step

REDACTED_JSON = "redactedJSON"
"""
The transcript metadata key that lists, as a JSON array of JSON paths, the
fields whose values were redacted before the file was written; a replay
lets those fields match anything.
"""


def replaySteps(
    transcript: Transcript,
    *,
    role: Side = "server",
    ignoreFields: Iterable[str] = (),
) -> list[Step]:
    """
    The steps that play ``role`` as the transcript shows it; the rules are
    those of ``Script.fromTranscript``, which puts them in a script.

    :raises ScriptError: if the transcript cannot be played as a script.
    """
    if isinstance(ignoreFields, str):
        raise ScriptError(
            f"ignoreFields takes a collection of keys, such as {{{ignoreFields!r}}}, "
            f"not the string {ignoreFields!r}"
        )
    if role not in ("server", "client"):
        raise ScriptError(f'a transcript replays as "server" or "client", not {role!r}')
    builder = _Builder(role, frozenset(ignoreFields), _redactedPaths(transcript))
    for event in transcript:
        if builder.done:
            break
        builder.add(event)
    return builder.steps


class _Builder:
    """
    Builds the steps event by event, keeping the clock time reached.
    """

    def __init__(
        self, role: Side, ignored: frozenset[str], redacted: tuple[JSONPath, ...]
    ) -> None:
        self.role = role
        self.ignored = ignored
        self.redacted = redacted
        self.steps: list[Step] = []
        self.now = 0.0
        self.closing = False
        self.done = False

    def add(self, event: Event) -> None:
        if isinstance(event, Request):
            self._request(event)
        elif isinstance(event, Response):
            self._response(event)
        elif isinstance(event, TextMessage | BinaryMessage):
            self._message(event)
        elif isinstance(event, Close):
            self._close(event)
        elif isinstance(event, ConnectionEnd):
            self._end(event)

    def _request(self, event: Request) -> None:
        self.now = event.time
        if self.role == "server":
            path = urlsplit(event.path).path
            self.steps.append(expectHandshake(path=path))

    def _response(self, event: Response) -> None:
        self.now = event.time
        if event.status != 101:
            if self.role == "server":
                self.steps[:] = [reject(event.status, event.reason)]
            self.done = True
            return
        subprotocol = event.subprotocol
        if subprotocol is None:
            return
        if self.role == "client":
            self.steps.append(expectHandshake(subprotocol=subprotocol))
        else:
            self.steps[-1] = expectHandshake(
                path=self.steps[-1].path,  # type: ignore[attr-defined]
                subprotocol=subprotocol,
            )

    def _message(self, event: TextMessage | BinaryMessage) -> None:
        if self.closing:
            return
        if event.sender == self.role:
            self._waitUntil(event.time)
            if isinstance(event, BinaryMessage):
                self.steps.append(sendBinary(event.data))
            else:
                self.steps.append(sendText(_text(event)))
            return
        self.now = event.time
        if isinstance(event, BinaryMessage):
            self.steps.append(expectBinary(event.data))
            return
        text = _text(event)
        try:
            # Message.json's rules, so the replayed step can match the text.
            value = Message.fromText(text).json()
        except NotJSONError:
            self.steps.append(expectText(text))
            return
        if self.ignored:
            value = _loosen(value, self.ignored)
        for path in self.redacted:
            value, _ = path.replace(value, lambda _: ANY)
        self.steps.append(expectJSON(value))

    def _close(self, event: Close) -> None:
        if event.sender == self.role:
            if self.closing:
                return
            self._waitUntil(event.time)
            self.steps.append(close(event.code, _reason(event)))
            self.closing = True
            return
        self.now = event.time
        # 1005 is how expectClose names a close frame that had no code.
        code = 1005 if event.code is None else event.code
        self.steps.append(expectClose(code, _reason(event) or None))
        self.done = True

    def _end(self, event: ConnectionEnd) -> None:
        if event.sender == self.role and not self.closing:
            self._waitUntil(event.time)
            self.steps.append(closeTCP())
        self.done = True

    def _waitUntil(self, time: float) -> None:
        if time > self.now:
            self.steps.append(wait(time - self.now))
            self.now = time


def _redactedPaths(transcript: Transcript) -> tuple[JSONPath, ...]:
    text = transcript.metadata.get(REDACTED_JSON)
    if text is None:
        return ()
    try:
        paths = json.loads(text)
        if isinstance(paths, list):
            return tuple(JSONPath.parse(path) for path in paths)
    except (ValueError, JSONPathError):
        pass
    raise ScriptError(
        f"the transcript's {REDACTED_JSON!r} metadata must be a JSON list of "
        f"JSON paths, got {text!r}"
    )


def _text(event: TextMessage) -> str:
    return _decoded(event.data, "text message", event)


def _reason(event: Close) -> str:
    return _decoded(event.reason, "close reason", event)


def _decoded(value: str | bytes, what: str, event: Event) -> str:
    """
    ``value`` as text; a transcript keeps bytes only where they were not
    valid UTF-8, which no step can send or expect.
    """
    if isinstance(value, bytes):
        raise ScriptError(
            f"the {what} at {event.time:.3f} from the {event.sender} is not "
            f"valid UTF-8, so no script step can send or expect it"
        )
    return value


def _loosen(value: Any, ignored: frozenset[str]) -> Any:
    """
    ``value`` with every object key in ``ignored`` matching ``ANY``, frozen
    on the way (so the step it goes into need not copy it again).
    """

    def visit(part: object, place: Place) -> object:
        if place and isinstance(place[-1], str) and place[-1] in ignored:
            return ANY
        return DESCEND

    return freeze(value, visit)
