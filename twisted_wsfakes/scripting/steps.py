"""
Script steps: frozen attrs values, one class per kind of step, forming the
closed union `AnyStep` a script engine matches on.  Each expecting step also
checks what arrives (``check``), returning `Difference` values.

The public functions that build them live in `.builders`.  It may import
`twisted_wsfakes.differences`, `twisted_wsfakes.errors`,
`twisted_wsfakes.matchers`, `.checks`, `.matching`, `.message` and
`.render`.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping, Sequence
from typing import Any, ClassVar, TypeAlias

import attrs

from ..differences import Difference, renderJSON
from ..errors import ScriptError
from ..matchers import Matcher, literalKey, matchValue
from . import matching
from .checks import (
    anyPattern,
    binaryPattern,
    bytesArgument,
    bytesFromBytearray,
    bytesLike,
    closeCode,
    closeReason,
    controlPayload,
    freeze,
    handshakePath,
    headerPatterns,
    headerText,
    httpStatus,
    httpToken,
    isCallable,
    jsonPattern,
    jsonValue,
    queryPatterns,
    reasonPattern,
    repeatTimes,
    responseHeaders,
    seconds,
    sentText,
    textPattern,
    toTuple,
)
from .message import Message
from .render import call, callableName, renderOptional, renderText, typeName


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
class ExpectHandshake(Step):
    """
    Check the opening handshake.  Build it with `expectHandshake`.

    A server peer whose script has no ``expectHandshake`` accepts every
    handshake without a subprotocol.

    :ivar path: pattern for the request path, without the query string;
        ``None`` to not check.  Server peers only.
    :ivar subprotocol: the subprotocol the client must offer and the server
        then selects (server peer), or that the server must have selected
        (client peer); ``None`` to not check and select none.
    :ivar headers: header name to pattern; names ignore case, a ``None``
        pattern means the header must be absent, other headers are not
        checked.
    :ivar query: query parameter name to pattern: a ``str`` or matcher for a
        parameter that must appear once, a list of patterns for every value
        of a repeated one, ``None`` for one that must be absent; others are
        not checked.  Server peers only.
    """

    name: ClassVar[str] = "expectHandshake"

    path: object = attrs.field(default=None, eq=literalKey, validator=handshakePath)
    subprotocol: str | None = attrs.field(
        default=None, validator=httpToken("subprotocol")
    )
    headers: Mapping[str, object] | None = attrs.field(
        default=None, eq=literalKey, validator=headerPatterns
    )
    query: Mapping[str, object] | None = attrs.field(
        default=None, eq=literalKey, validator=queryPatterns
    )

    def __attrs_post_init__(self) -> None:
        for field in ("headers", "query"):
            value = getattr(self, field)
            if value is not None:
                object.__setattr__(self, field, freeze(dict(value)))

    def checkRequest(
        self,
        path: str,
        query: Mapping[str, Sequence[str]],
        headers: Mapping[str, str],
        subprotocols: Sequence[str],
    ) -> list[Difference]:
        """
        Check a client's opening request (a server peer's view).

        :param path: the request path without the query string.
        :param query: each query parameter's values, in order.
        :param headers: the request headers, names in any case.
        :param subprotocols: the subprotocols the client offered.
        :returns: the differences, empty when the request matches.
        """
        return (
            (matchValue(self.path, path, "path") if self.path is not None else [])
            + matching.query(self.query, query)
            + matching.headers(self.headers, headers)
            + matching.offered(self.subprotocol, subprotocols)
        )

    def checkResponse(
        self, headers: Mapping[str, str], subprotocol: str | None
    ) -> list[Difference]:
        """
        Check a server's handshake response (a client peer's view).

        :param headers: the response headers, names in any case.
        :param subprotocol: the subprotocol the server selected, if any.
        :returns: the differences, empty when the response matches.
        """
        differences = matching.headers(self.headers, headers)
        if self.subprotocol is not None and subprotocol != self.subprotocol:
            differences += matchValue(self.subprotocol, subprotocol, "subprotocol")
        return differences

    def __repr__(self) -> str:
        return call(
            self.name,
            path=renderOptional(self.path),
            subprotocol=renderOptional(self.subprotocol),
            headers=renderOptional(self.headers),
            query=renderOptional(self.query),
        )


@attrs.frozen(repr=False)
class ExpectText(Step):
    """
    The next message must be a text message matching ``pattern``.  Build it
    with `expectText`.

    :ivar pattern: a ``str`` (equal text) or a matcher, applied to the text.
    """

    name: ClassVar[str] = "expectText"

    pattern: object = attrs.field(eq=literalKey, validator=textPattern)

    def check(self, message: Message) -> list[Difference]:
        """
        Check a message against this expectation.

        :returns: the differences, empty when ``message`` matches.
        """
        return matching.textMessage(self.pattern, message)

    def __repr__(self) -> str:
        return call(self.name, renderText(self.pattern))


@attrs.frozen(repr=False)
class ExpectBinary(Step):
    """
    The next message must be a binary message matching ``pattern``.  Build it
    with `expectBinary`.

    :ivar pattern: ``bytes`` (equal payload) or a matcher, applied to the
        payload.
    """

    name: ClassVar[str] = "expectBinary"

    pattern: object = attrs.field(
        eq=literalKey, converter=bytesFromBytearray, validator=binaryPattern
    )

    def check(self, message: Message) -> list[Difference]:
        """
        Check a message against this expectation.

        :returns: the differences, empty when ``message`` matches.
        """
        return matching.binaryMessage(self.pattern, message)

    def __repr__(self) -> str:
        return call(self.name, renderJSON(self.pattern))


@attrs.frozen(repr=False)
class ExpectJSON(Step):
    """
    The next message must be a text message holding JSON that matches
    ``pattern``.  Build it with `expectJSON`.

    :ivar pattern: a JSON value with matchers at any depth (dicts and lists
        frozen); matched with ``matchers.matchValue``.
    """

    name: ClassVar[str] = "expectJSON"

    pattern: object = attrs.field(eq=literalKey, validator=jsonPattern)

    def __attrs_post_init__(self) -> None:
        object.__setattr__(self, "pattern", freeze(self.pattern))

    def check(self, message: Message) -> list[Difference]:
        """
        Check a message against this expectation.

        :returns: the differences, empty when ``message`` matches.
        """
        return matching.jsonMessage(self.pattern, message)

    def __repr__(self) -> str:
        return call(self.name, renderJSON(self.pattern))


@attrs.frozen(repr=False)
class ExpectMessage(Step):
    """
    The next message, text or binary, must match ``pattern``.  Build it with
    `expectMessage`; `reply` builds one for a bare matcher.

    :ivar pattern: any pattern (frozen).
    """

    name: ClassVar[str] = "expectMessage"

    pattern: object = attrs.field(eq=literalKey, validator=anyPattern)

    def __attrs_post_init__(self) -> None:
        object.__setattr__(self, "pattern", freeze(self.pattern))

    def check(self, message: Message) -> list[Difference]:
        """
        Check a message against this expectation.

        :returns: the differences, empty when ``message`` matches.
        """
        return matching.anyMessage(self.pattern, message)

    def __repr__(self) -> str:
        return call(self.name, renderJSON(self.pattern))


Expectation: TypeAlias = ExpectText | ExpectBinary | ExpectJSON | ExpectMessage


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
class Reply(Step):
    """
    Take the next message and answer it with what a function returns.  Build
    it with `reply`.

    :ivar fn: called with the `Message`.
    :ivar expect: the ``expect`` argument as given (a step, or a frozen bare
        pattern), for the repr.
    :ivar expectation: what the message must match, or ``None`` for any
        message.
    """

    name: ClassVar[str] = "reply"

    fn: Callable[[Message], object] = attrs.field(validator=isCallable)
    expect: object = attrs.field(default=None, eq=False)
    expectation: Expectation | None = attrs.field(init=False)

    def __attrs_post_init__(self) -> None:
        expectation = _toExpectation(self.expect)
        object.__setattr__(self, "expectation", expectation)
        if expectation is not None and expectation is not self.expect:
            object.__setattr__(self, "expect", expectation.pattern)

    def check(self, message: Message) -> list[Difference]:
        """
        Check a message against ``expectation``.

        :returns: the differences, empty when ``message`` matches or there is
            nothing to check.
        """
        if self.expectation is None:
            return []
        return self.expectation.check(message)

    def sendStepFor(self, result: object) -> SendText | SendBinary | SendJSON | None:
        """
        Turn what ``fn`` returned into the step that sends it.

        :param result: ``str`` for a text message, ``bytes`` (or
            ``bytearray``) for a binary one, a ``dict``, ``list``, ``tuple``,
            number or ``bool`` for JSON text, ``None`` for nothing.
        :raises ScriptError: if ``result`` is none of these, or holds
            something JSON cannot carry.
        """
        if result is None:
            return None
        try:
            if isinstance(result, str):
                return SendText(result)
            if isinstance(result, bytes | bytearray | memoryview):
                return SendBinary(bytes(result))
            if isinstance(result, dict | list | tuple | int | float):
                return SendJSON(result)
        except ScriptError as e:
            raise ScriptError(
                f"{self!r}: the function's result cannot be sent: {e}"
            ) from e
        raise ScriptError(
            f"{self!r}: the function returned {typeName(result)} {result!r}; "
            f"return str (text), bytes (binary), a dict, list, number or bool "
            f"(JSON), or None (send nothing)"
        )

    def __repr__(self) -> str:
        expect = None if self.expect is None else _renderExpect(self.expect)
        return call(self.name, callableName(self.fn), expect=expect)


def _renderExpect(expect: object) -> str:
    return repr(expect) if isinstance(expect, Step) else renderJSON(expect)


def _toExpectation(expect: object) -> Expectation | None:
    """
    Read ``reply``'s ``expect``: a step, or a bare pattern whose type says
    which step it stands for.
    """
    if expect is None or isinstance(
        expect, ExpectText | ExpectBinary | ExpectJSON | ExpectMessage
    ):
        return expect
    if isinstance(expect, Step):
        raise ScriptError(
            f"reply(): expect must be a pattern or an expect step, got {expect!r}"
        )
    try:
        if isinstance(expect, str):
            return ExpectText(expect)
        if isinstance(expect, bytes | bytearray):
            return ExpectBinary(expect)
        if isinstance(expect, Matcher):
            return ExpectMessage(expect)
        return ExpectJSON(expect)
    except ScriptError as e:
        raise ScriptError(f"reply(): expect is read as {e}") from e


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
class ExpectClose(Step):
    """
    The next thing from the other side must be a close frame.  Build it with
    `expectClose`.

    :ivar code: the code the frame must carry; ``None`` for any, 1005 for a
        frame without a code.
    :ivar reason: a pattern for the reason (``str`` or matcher), or
        ``None`` for any.
    """

    name: ClassVar[str] = "expectClose"

    code: int | None = attrs.field(default=None, validator=closeCode(receiving=True))
    reason: object = attrs.field(default=None, eq=literalKey, validator=reasonPattern)

    def check(self, code: int | None, reason: str | None) -> list[Difference]:
        """
        Check a received close frame.

        :param code: its code; ``None`` or 1005 when it had none.
        :param reason: its reason; ``None`` is read as ``""``.
        :returns: the differences, empty when the frame matches.
        """
        return matching.closeFrame(self.code, self.reason, code, reason)

    def __repr__(self) -> str:
        return call(
            self.name,
            *([] if self.code is None else [repr(self.code)]),
            reason=None if self.reason is None else renderText(self.reason),
        )


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


Groupable: TypeAlias = ExpectText | ExpectBinary | ExpectJSON | ExpectMessage | Reply


@attrs.frozen(repr=False)
class InAnyOrder(Step):
    """
    Several expectations met in any order.  Build it with `inAnyOrder`.

    :ivar expectations: the expectations, in the order written.
    """

    name: ClassVar[str] = "inAnyOrder"

    expectations: tuple[Groupable, ...] = attrs.field(converter=toTuple)

    @expectations.validator
    def _checkExpectations(
        self, attribute: attrs.Attribute[Any], value: tuple[Any, ...]
    ) -> None:
        if not value:
            raise ScriptError(f"{self.name}(): give at least one expectation")
        for number, step in enumerate(value, 1):
            if isinstance(step, Groupable):
                continue
            if isinstance(step, Step):
                raise ScriptError(
                    f"{self.name}(): item {number}, {step!r}, is not an "
                    f"expectation; only expectText, expectBinary, expectJSON, "
                    f"expectMessage and reply can be grouped"
                    + (
                        " (write one group with all of them)"
                        if isinstance(step, InAnyOrder)
                        else ""
                    )
                )
            raise ScriptError(
                f"{self.name}(): item {number} is {typeName(step)} {step!r}, not "
                f"a step; wrap a pattern in expectJSON() or expectText()"
            )

    def __repr__(self) -> str:
        return call(self.name, *map(repr, self.expectations))


@attrs.frozen(repr=False)
class Repeat(Step):
    """
    A block of steps played several times.  Build it with `repeat`.

    :ivar steps: the block: sends, expectations, replies, waits, pings and
        groups.
    :ivar times: how many rounds, at least 1.
    """

    name: ClassVar[str] = "repeat"

    steps: tuple[Step, ...] = attrs.field(converter=toTuple)
    times: int = attrs.field(validator=repeatTimes)

    @steps.validator
    def _checkSteps(
        self, attribute: attrs.Attribute[Any], value: tuple[Any, ...]
    ) -> None:
        if not value:
            raise ScriptError(f"{self.name}(): give at least one step to repeat")
        for number, step in enumerate(value, 1):
            if not isinstance(step, Step):
                raise ScriptError(
                    f"{self.name}(): item {number} is {typeName(step)} {step!r}, "
                    f"not a step"
                )
            if isinstance(step, Repeat):
                raise ScriptError(
                    f"{self.name}(): item {number} is another repeat(); "
                    f"repeats do not nest, write the inner steps out"
                )
            if isinstance(step, ExpectHandshake | Reject):
                raise ScriptError(
                    f"{self.name}(): item {number}, {step!r}, belongs to the "
                    f"handshake and happens once, at the start"
                )
            if isinstance(step, CloseStep | ExpectClose | CloseTCP | GoSilent):
                raise ScriptError(
                    f"{self.name}(): item {number}, {step!r}, ends the "
                    f"connection, so it cannot be repeated; put it after the "
                    f"repeat()"
                )

    def __repr__(self) -> str:
        return call(self.name, *map(repr, self.steps), times=str(self.times))


AnyStep: TypeAlias = (
    ExpectHandshake
    | Reject
    | ExpectText
    | ExpectBinary
    | ExpectJSON
    | ExpectMessage
    | SendText
    | SendBinary
    | SendJSON
    | Reply
    | InAnyOrder
    | Repeat
    | Wait
    | Ping
    | CloseStep
    | ExpectClose
    | CloseTCP
    | GoSilent
)
"""
Every kind of step: the closed union a script engine matches on.
"""
