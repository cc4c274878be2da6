"""
Script steps that check what arrives: the opening handshake
(``expectHandshake``), each kind of message (``expectText``,
``expectBinary``, ``expectJSON``, ``expectMessage``), the close frame
(``expectClose``), and ``reply``, which checks a message and answers it.
Each is a frozen attrs value whose ``check`` (``checkRequest`` and
``checkResponse`` for the handshake) returns the `Difference` values found,
through `.matching`.

It may import `twisted_wsfakes.differences`, `twisted_wsfakes.errors`,
`twisted_wsfakes.matchers`, `.checks`, `.matching`, `.message`, `.render`
and `.steps`.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import ClassVar, TypeAlias

import attrs

from ..differences import Difference, renderJSON
from ..errors import ScriptError
from ..matchers import Matcher, literalKey, matchValue
from . import matching
from .checks import (
    anyPattern,
    binaryPattern,
    bytesFromBytearray,
    closeCode,
    freeze,
    handshakePath,
    headerPatterns,
    httpToken,
    isCallable,
    jsonPattern,
    queryPatterns,
    reasonPattern,
    textPattern,
)
from .message import Message
from .render import call, callableName, renderOptional, renderText, typeName
from .steps import SendBinary, SendJSON, SendText, Step


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


class MessageExpectation(Step):
    """
    The base of the steps that check one whole message: each names the check
    its pattern gets (``matchMessage``) and how its pattern reads in its
    ``repr`` (``renderPattern``), and declares ``pattern`` with its own
    argument checks.
    """

    __slots__ = ()
    pattern: object
    matchMessage: ClassVar[staticmethod[[object, Message], list[Difference]]]
    renderPattern: ClassVar[staticmethod[[object], str]] = staticmethod(renderJSON)

    def check(self, message: Message) -> list[Difference]:
        """
        Check a message against this expectation.

        :returns: the differences, empty when ``message`` matches.
        """
        return self.matchMessage(self.pattern, message)

    def __repr__(self) -> str:
        return call(self.name, self.renderPattern(self.pattern))


@attrs.frozen(repr=False)
class ExpectText(MessageExpectation):
    """
    The next message must be a text message matching ``pattern``.  Build it
    with `expectText`.

    :ivar pattern: a ``str`` (equal text) or a matcher, applied to the text.
    """

    name: ClassVar[str] = "expectText"
    matchMessage = staticmethod(matching.textMessage)
    renderPattern = staticmethod(renderText)

    pattern: object = attrs.field(eq=literalKey, validator=textPattern)


@attrs.frozen(repr=False)
class ExpectBinary(MessageExpectation):
    """
    The next message must be a binary message matching ``pattern``.  Build it
    with `expectBinary`.

    :ivar pattern: ``bytes`` (equal payload) or a matcher, applied to the
        payload.
    """

    name: ClassVar[str] = "expectBinary"
    matchMessage = staticmethod(matching.binaryMessage)

    pattern: object = attrs.field(
        eq=literalKey, converter=bytesFromBytearray, validator=binaryPattern
    )


@attrs.frozen(repr=False)
class ExpectJSON(MessageExpectation):
    """
    The next message must be a text message holding JSON that matches
    ``pattern``.  Build it with `expectJSON`.

    :ivar pattern: a JSON value with matchers at any depth (dicts and lists
        frozen); matched with ``matchers.matchValue``.
    """

    name: ClassVar[str] = "expectJSON"
    matchMessage = staticmethod(matching.jsonMessage)

    pattern: object = attrs.field(eq=literalKey, validator=jsonPattern)

    def __attrs_post_init__(self) -> None:
        object.__setattr__(self, "pattern", freeze(self.pattern))


@attrs.frozen(repr=False)
class ExpectMessage(MessageExpectation):
    """
    The next message, text or binary, must match ``pattern``.  Build it with
    `expectMessage`; `reply` builds one for a bare matcher.

    :ivar pattern: any pattern (frozen).
    """

    name: ClassVar[str] = "expectMessage"
    matchMessage = staticmethod(matching.anyMessage)

    pattern: object = attrs.field(eq=literalKey, validator=anyPattern)

    def __attrs_post_init__(self) -> None:
        object.__setattr__(self, "pattern", freeze(self.pattern))


Expectation: TypeAlias = ExpectText | ExpectBinary | ExpectJSON | ExpectMessage
"""
The steps that check one message, and what a ``reply`` checks with.
"""


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


Groupable: TypeAlias = ExpectText | ExpectBinary | ExpectJSON | ExpectMessage | Reply
"""
The steps an ``inAnyOrder`` group may hold: those that take one message.
"""
