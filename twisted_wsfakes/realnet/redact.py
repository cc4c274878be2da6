"""
Redaction: secrets taken out of events before anything touches disk.

By default the values of the headers that carry credentials
(`DEFAULT_HEADERS`) are replaced by ``[redacted]``; more headers and JSON
fields can be named::

    redaction = Redaction.of(headers=["X-Api-Key"], jsonPaths=["$.token"])
    safe = redaction.event(event)

What was redacted goes in the transcript's header (`metadata`), so a replay
knows those fields match anything.

It imports ``errors``, ``jsonpath``, ``replay``, ``script`` and
``transcript`` from this package.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping

import attrs

from ..errors import NotJSONError
from ..jsonpath import JSONPath
from ..replay import REDACTED_JSON
from ..script import Message
from ..transcript import Event, Request, Response, TextMessage

REDACTED = "[redacted]"
"""
What a redacted header value or JSON field holds in the file.
"""

REDACTED_HEADERS = "redactedHeaders"
"""
The transcript metadata key listing, as a JSON array, the header names
whose values were redacted.
"""

DEFAULT_HEADERS = frozenset(
    {
        "authorization",
        "proxy-authorization",
        "cookie",
        "set-cookie",
        "sec-websocket-key",
        "sec-websocket-accept",
    }
)
"""
The headers redacted unless told otherwise (lower case).
"""


@attrs.frozen
class Redaction:
    """
    Which header values and JSON fields to redact.

    :ivar headers: header names, lower case.
    :ivar jsonPaths: JSON fields, in text messages that are JSON.
    """

    headers: frozenset[str] = DEFAULT_HEADERS
    jsonPaths: tuple[JSONPath, ...] = ()

    @classmethod
    def of(
        cls,
        headers: Iterable[str] = (),
        jsonPaths: Iterable[str] = (),
        defaults: bool = True,
    ) -> Redaction:
        """
        Redact ``headers`` and ``jsonPaths``, with `DEFAULT_HEADERS` too
        unless ``defaults`` is false.

        :raises JSONPathError: if a path is written wrong.
        """
        names = frozenset(name.lower() for name in headers)
        return cls(
            names | DEFAULT_HEADERS if defaults else names,
            tuple(JSONPath.parse(path) for path in jsonPaths),
        )

    @property
    def metadata(self) -> Mapping[str, str]:
        """
        What to say in the transcript's header about this redaction.
        """
        found = {}
        if self.headers:
            found[REDACTED_HEADERS] = json.dumps(sorted(self.headers))
        if self.jsonPaths:
            found[REDACTED_JSON] = json.dumps([path.text for path in self.jsonPaths])
        return found

    def event(self, event: Event) -> Event:
        """
        Return ``event`` with what this redaction names replaced by
        `REDACTED`; the event itself when nothing in it is named.
        """
        if isinstance(event, Request | Response):
            return self._headers(event)
        if isinstance(event, TextMessage) and self.jsonPaths:
            return self._json(event)
        return event

    def _headers(self, event: Request | Response) -> Request | Response:
        if not any(name.lower() in self.headers for name, _ in event.headers):
            return event
        headers = tuple(
            (name, REDACTED if name.lower() in self.headers else value)
            for name, value in event.headers
        )
        return attrs.evolve(event, headers=headers)

    def _json(self, event: TextMessage) -> TextMessage:
        if not isinstance(event.data, str):
            return event
        try:
            value = Message.fromText(event.data).json()
        except NotJSONError:
            return event
        total = 0
        for path in self.jsonPaths:
            value, count = path.replace(value, lambda _: REDACTED)
            total += count
        if not total:
            return event
        text = json.dumps(value, ensure_ascii=False, separators=(",", ":"))
        return attrs.evolve(event, data=text)


NO_REDACTION = Redaction(frozenset(), ())
"""
Keep everything, as ``--no-redact`` asks.
"""
