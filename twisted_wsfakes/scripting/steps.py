"""
Script steps that act, and `Step`, the base class of every step: each is a
frozen attrs value for one thing a peer does on its own, sending a message
(``sendText``, ``sendBinary``, ``sendJSON``), pinging, waiting, closing
(``close``, ``closeTCP``, ``goSilent``) or refusing the handshake
(``reject``).

The steps that check what arrives are in `.expects`, the steps made of
steps and the closed union `AnyStep` in `.blocks`; the public functions
that build them all in `.builders`.  It may import
`twisted_wsfakes.differences`, `twisted_wsfakes.matchers`, `.checks` and
`.render`.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import ClassVar

import attrs

from ..differences import renderJSON
from ..matchers import literalKey
from .checks import (
    bytesArgument,
    bytesLike,
    closeCode,
    closeReason,
    controlPayload,
    freeze,
    headerText,
    httpStatus,
    jsonValue,
    responseHeaders,
    seconds,
    sentText,
)
from .render import call, renderOptional, renderText


class Step:
    """
    Base class of every script step.

    Steps are frozen attrs values, equal when written the same (a matcher
    in a pattern equals only an equal matcher), and their ``repr`` reads as
    the call that built them.  Like tuples, they hash when what they hold
    does: a step holding a dict, a list or a matcher does not.

    :cvar name: the name of the function that builds this kind of step, as
        `Script.describeStep` shows it.
    """

    __slots__ = ()
    name: ClassVar[str]


@attrs.frozen(repr=False)
class SendText(Step):
    """
    Send a text message.  Build it with `sendText`.

    :ivar text: the text to send.
    """

    name: ClassVar[str] = "sendText"
    isBinary: ClassVar[bool] = False

    text: str = attrs.field(validator=sentText)

    @property
    def payload(self) -> bytes:
        """
        The bytes to send: the text in UTF-8.
        """
        return self.text.encode("utf-8")

    def __repr__(self) -> str:
        return call(self.name, renderText(self.text))


@attrs.frozen(repr=False)
class SendBinary(Step):
    """
    Send a binary message.  Build it with `sendBinary`.

    :ivar data: the payload.
    """

    name: ClassVar[str] = "sendBinary"
    isBinary: ClassVar[bool] = True

    data: bytes = attrs.field(
        converter=bytesLike,
        validator=bytesArgument("the data", "for text use sendText(), or encode it"),
    )

    @property
    def payload(self) -> bytes:
        """
        The bytes to send: ``data``.
        """
        return self.data

    def __repr__(self) -> str:
        return call(self.name, repr(self.data))


@attrs.frozen(repr=False)
class SendJSON(Step):
    """
    Send a value as JSON in a text message.  Build it with `sendJSON`.

    :ivar value: the value (dicts and lists frozen).
    """

    name: ClassVar[str] = "sendJSON"
    isBinary: ClassVar[bool] = False

    value: object = attrs.field(eq=literalKey, validator=jsonValue)

    def __attrs_post_init__(self) -> None:
        object.__setattr__(self, "value", freeze(self.value))

    @property
    def text(self) -> str:
        """
        The JSON text sent: ``json.dumps`` with non-ASCII characters kept.
        """
        return json.dumps(self.value, ensure_ascii=False, allow_nan=False)

    @property
    def payload(self) -> bytes:
        """
        The bytes to send: ``text`` in UTF-8.
        """
        return self.text.encode("utf-8")

    def __repr__(self) -> str:
        return call(self.name, renderJSON(self.value))


@attrs.frozen(repr=False)
class Wait(Step):
    """
    Let time pass on the fake clock.  Build it with `wait`.

    :ivar seconds: how long, ``>= 0``.
    """

    name: ClassVar[str] = "wait"

    seconds: float = attrs.field(validator=seconds)

    def __repr__(self) -> str:
        return call(self.name, repr(self.seconds))


@attrs.frozen(repr=False)
class Ping(Step):
    """
    Send a ping and wait for its pong.  Build it with `ping`.

    :ivar payload: the ping's payload, at most 125 bytes.
    """

    name: ClassVar[str] = "ping"

    payload: bytes = attrs.field(
        default=b"",
        converter=bytesLike,
        validator=[
            bytesArgument("the payload", "encode text with .encode()"),
            controlPayload,
        ],
    )

    def __repr__(self) -> str:
        return call(self.name, *([repr(self.payload)] if self.payload else []))


@attrs.frozen(repr=False)
class CloseStep(Step):
    """
    Start the closing handshake.  Build it with `close`.

    The codes allowed are RFC 6455's: 1000-1003, 1007-1014 and 3000-4999.
    Autobahn itself treats a received 1014 as a protocol error, so a peer
    under test that uses Autobahn answers it by failing the connection.

    :ivar code: the close code, or ``None`` for a close frame without one.
    :ivar reason: the reason, at most 123 bytes in UTF-8.
    """

    name: ClassVar[str] = "close"

    code: int | None = attrs.field(default=1000, validator=closeCode(receiving=False))
    reason: str = attrs.field(default="", validator=closeReason)

    def __repr__(self) -> str:
        if self.reason:
            return call(self.name, repr(self.code), renderText(self.reason))
        if self.code != 1000:
            return call(self.name, repr(self.code))
        return call(self.name)


@attrs.frozen(repr=False)
class CloseTCP(Step):
    """
    Close the TCP connection without a close frame, after what earlier
    steps sent has arrived.  Build it with `closeTCP`.
    """

    name: ClassVar[str] = "closeTCP"

    def __repr__(self) -> str:
        return call(self.name)


@attrs.frozen(repr=False)
class GoSilent(Step):
    """
    Become a dead peer: read nothing, answer nothing, keep the connection
    open.  Build it with `goSilent`.
    """

    name: ClassVar[str] = "goSilent"

    def __repr__(self) -> str:
        return call(self.name)


@attrs.frozen(repr=False)
class Reject(Step):
    """
    Refuse the opening handshake with an HTTP error.  Build it with
    `reject`.

    :ivar status: the HTTP status, 300-599.
    :ivar reason: the reason phrase of the status line.
    :ivar headers: extra response headers (``Location``, ``Retry-After``,
        ...), or ``None``.
    """

    name: ClassVar[str] = "reject"

    status: int = attrs.field(validator=httpStatus)
    reason: str = attrs.field(default="", validator=headerText("the reason"))
    headers: Mapping[str, str] | None = attrs.field(
        default=None, eq=literalKey, validator=responseHeaders
    )

    def __attrs_post_init__(self) -> None:
        if self.headers is not None:
            object.__setattr__(self, "headers", freeze(dict(self.headers)))

    def __repr__(self) -> str:
        reason = [renderText(self.reason)] if self.reason else []
        return call(
            self.name, str(self.status), *reason, headers=renderOptional(self.headers)
        )
