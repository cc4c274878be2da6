"""
`Message`: one whole websocket message from the other side, as a script's
`reply` function and expectations see it.

It may import `twisted_wsfakes.errors` and `.render`.
"""

from __future__ import annotations

import json
from typing import Any, Literal, NoReturn

import attrs

from ..errors import NotJSONError
from .render import preview, renderText


@attrs.frozen(repr=False)
class Message:
    """
    One whole message from the other side, as a `~twisted_wsfakes.reply`
    function gets it.

    ::

        reply(lambda m: {"id": m.json()["id"], "result": "ok"})

    :ivar kind: ``"text"`` or ``"binary"``.
    :ivar text: the text of a text message; ``None`` for a binary one.
    :ivar data: the payload: the UTF-8 bytes of a text message, the bytes of
        a binary one.
    """

    kind: Literal["text", "binary"]
    text: str | None
    data: bytes

    def __attrs_post_init__(self) -> None:
        if self.kind == "text":
            consistent = self.text is not None and self.text.encode() == self.data
        else:
            consistent = self.kind == "binary" and self.text is None
        if not consistent:
            raise ValueError(
                "build a Message with Message.fromText, Message.fromBinary or "
                "Message.fromFrame"
            )

    @classmethod
    def fromText(cls, text: str) -> Message:
        """
        Build a text message.

        :param text: the text.
        """
        return cls("text", text, text.encode("utf-8"))

    @classmethod
    def fromBinary(cls, data: bytes) -> Message:
        """
        Build a binary message.

        :param data: the payload.
        """
        return cls("binary", None, bytes(data))

    @classmethod
    def fromFrame(cls, payload: bytes, isBinary: bool) -> Message:
        """
        Build a message from what Autobahn's ``onMessage(payload, isBinary)``
        receives.

        :param payload: the message payload (UTF-8, already validated by
            Autobahn, when ``isBinary`` is false).
        :param isBinary: whether it came as a binary message.
        """
        if isBinary:
            return cls.fromBinary(payload)
        # The payload is already the text's UTF-8: no need to encode the
        # decoded text back (__attrs_post_init__ still checks they agree).
        return cls("text", payload.decode("utf-8"), bytes(payload))

    def json(self) -> Any:
        """
        Parse the text of this message as JSON.

        Only strict JSON parses: ``NaN`` and ``Infinity``, which Python's
        ``json`` module would accept, do not.

        :returns: the decoded value.
        :raises NotJSONError: if this is a binary message, or its text is not
            JSON.
        """
        if self.text is None:
            raise NotJSONError(
                f"this is a binary message ({len(self.data)} bytes), not JSON "
                f"text; read message.data instead: {preview(self.data)}"
            )
        try:
            return json.loads(self.text, parse_constant=_rejectConstant)
        except ValueError as e:
            raise NotJSONError(
                f"this text message is not JSON ({e}): {preview(self.text)}"
            ) from e

    def __repr__(self) -> str:
        if self.text is None:
            return f"Message.fromBinary({self.data!r})"
        return f"Message.fromText({renderText(self.text)})"


def _rejectConstant(name: str) -> NoReturn:
    raise ValueError(f"{name} is not JSON")
