"""
Scripts: what a fake websocket peer does and expects, in order.

A `Script` is an immutable sequence of steps.  Each step is a frozen value
built by a function named as it is written in a test::

    script = Script(
        expectHandshake(path="/rpc", headers={"Authorization": regex("^Bearer ")}),
        reply(
            lambda m: {"id": m.json()["id"], "result": "ok"},
            expect={"method": "subscribe", "id": ANY},
        ),
        repeat(sendJSON({"op": "tick"}), wait(1), times=3),
        close(1001, "bye"),
    )

Every argument is checked when the step is built and the order of the steps
when the script is built, so a mistake raises `ScriptError` at the line that
made it rather than half way through a test.  Nothing here touches the
network: a runner (a real Autobahn protocol) plays the script, and each
step's docstring says what the runner does with it.

How a runner plays a script, in general:

  - It walks `Script.walk`, which unrolls `repeat` into its rounds, one step
    at a time.  A step is consumed once what it says has been done.
  - Messages from the other side (``onMessage``) go into an inbox, oldest
    first, whatever step is current.  An expecting step (`expectText`,
    `expectBinary`, `expectJSON`, `expectMessage`, `reply`, `inAnyOrder`)
    takes messages from the inbox, waiting when it is empty.  Steps that send
    do so at once and do not look at the inbox.  So a message that arrives
    during a `wait` or a `ping` waits for the next expecting step.
  - A message that an expectation rejects (its ``check`` returns differences)
    is a mismatch: the runner records the step's description
    (`Script.describeStep`), the expectation, the message and the
    differences, and ends the connection as configured (close code 1011 or a
    drop).  It never raises inside the reactor.
  - The other side closing, or the connection being lost, before the
    script is done leaves the script unfinished, reported with the step it
    stopped at and the steps still waiting, unless that step is
    `expectClose` (or the wait for the answer to `close`).  A message left
    in the inbox, or arriving, after the last step is a mismatch
    ("unexpected message after the last step").  A peer whose script is
    done, without a closing step, keeps the connection open and lets the
    other side close it.
  - Pings from the other side are answered by Autobahn itself; pongs the
    script did not ask for are ignored.  Only `wait` takes time on the clock:
    everything else happens at the clock's current time.

Numbering: a `repeat` or an `inAnyOrder` is one step of its script, so
"step 3 of 5" always means the third argument of ``Script(...)``;
`Script.describeStep` adds the round and the step inside.
"""

from __future__ import annotations

import json
import math
import os
import re
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from typing import TYPE_CHECKING, Any, ClassVar, Literal, NoReturn, TypeAlias, overload

import attrs

from twisted_wsfakes.errors import NotJSONError, PatternError, ScriptError

from .matchers import (
    Difference,
    Matcher,
    checkPattern,
    childPath,
    matchValue,
    renderJSON,
)

if TYPE_CHECKING:
    from .transcript import Transcript

Role: TypeAlias = Literal["server", "client"]

_MAX_CLOSE_REASON = 123
_MAX_CONTROL_PAYLOAD = 125
_PREVIEW = 200
_TOKEN = re.compile(r"[!#$%&'*+\-.^_`|~0-9A-Za-z]+")


# Immutable containers -------------------------------------------------------


def _readOnly(self: object, *args: Any, **kwargs: Any) -> NoReturn:
    raise TypeError(
        f"this {type(self).__mro__[1].__name__} belongs to a script step, which "
        f"cannot change; copy it first"
    )


class _FrozenDict(dict[str, Any]):
    """
    A ``dict`` that cannot change, so a step holding one is immutable and
    hashable, while ``isinstance(d, dict)``, ``json.dumps`` and the matchers
    still treat it as the dict it was written as.
    """

    __slots__ = ()
    __setitem__ = __delitem__ = __ior__ = _readOnly
    clear = pop = popitem = setdefault = update = _readOnly

    def __hash__(self) -> int:  # type: ignore[override]
        return hash(_eqKey(self))

    def __reduce__(self) -> tuple[type[_FrozenDict], tuple[dict[str, Any]]]:
        return (_FrozenDict, (dict(self),))


class _FrozenList(list[Any]):
    """
    A ``list`` that cannot change; see ``_FrozenDict``.
    """

    __slots__ = ()
    __setitem__ = __delitem__ = __iadd__ = __imul__ = _readOnly
    append = extend = insert = pop = remove = clear = sort = reverse = _readOnly

    def __hash__(self) -> int:  # type: ignore[override]
        return hash(_eqKey(self))

    def __reduce__(self) -> tuple[type[_FrozenList], tuple[list[Any]]]:
        return (_FrozenList, (list(self),))


def _freeze(value: object) -> Any:
    """
    Copy the dicts, lists and tuples of ``value``, at any depth, into
    containers that cannot change (tuples become lists, as in JSON).
    """
    if isinstance(value, dict):
        return _FrozenDict((key, _freeze(item)) for key, item in value.items())
    if isinstance(value, list | tuple):
        return _FrozenList(_freeze(item) for item in value)
    return value


@attrs.frozen(eq=False)
class _ByValue:
    """
    An unhashable leaf (a matcher holding a dict, say) in an equality key:
    equal by value, hashed by type only, which is coarse but consistent.
    """

    value: object

    def __eq__(self, other: object) -> bool:
        return isinstance(other, _ByValue) and self.value == other.value

    def __hash__(self) -> int:
        return hash(type(self.value).__qualname__)


def _eqKey(value: object) -> object:
    """
    A hashable stand-in for ``value`` that is equal exactly when the values
    are, used to compare and hash steps whose fields hold patterns.
    """
    if isinstance(value, dict):
        return ("dict", frozenset((key, _eqKey(item)) for key, item in value.items()))
    if isinstance(value, list | tuple):
        return ("list", tuple(_eqKey(item) for item in value))
    try:
        hash(value)
    except TypeError:
        return _ByValue(value)
    return value


# Shared checks and rendering ------------------------------------------------


def _toTuple(items: Iterable[Any]) -> tuple[Any, ...]:
    return tuple(items)


def _typeName(value: object) -> str:
    return type(value).__name__


def _preview(value: str | bytes) -> str:
    rendered = renderJSON(value)
    if len(rendered) > _PREVIEW:
        return rendered[:_PREVIEW] + "..."
    return rendered


def _checkPattern(stepName: str, pattern: object, root: str = "$") -> Any:
    """
    Check a pattern with the matchers' own rules and freeze it.
    """
    try:
        checkPattern(pattern, root)
    except PatternError as e:
        raise ScriptError(f"{stepName}(): {e}") from e
    return _freeze(pattern)


def _checkUTF8(stepName: str, text: str, what: str) -> None:
    try:
        text.encode("utf-8")
    except UnicodeEncodeError as e:
        raise ScriptError(
            # repr() escapes the surrogate, so the message itself prints.
            f"{stepName}(): {what}, {text!r}, cannot be sent as UTF-8 "
            f"({e.reason} at index {e.start})"
        ) from e


def _checkJSONValue(stepName: str, value: object, path: str) -> None:
    """
    Raise `ScriptError` naming the first part of ``value`` that JSON cannot
    carry exactly.
    """
    if value is None or isinstance(value, bool | int):
        return
    if isinstance(value, str):
        _checkUTF8(stepName, value, f"the string at {path}")
        return
    if isinstance(value, float):
        if not math.isfinite(value):
            raise ScriptError(
                f"{stepName}(): {path} is {value!r}, which JSON cannot represent "
                f"(json.dumps would write {json.dumps(value)}, which no JSON "
                f"parser accepts)"
            )
        return
    if isinstance(value, dict):
        for key, item in value.items():
            if not isinstance(key, str):
                raise ScriptError(
                    f"{stepName}(): {path} has the key {key!r} "
                    f"({_typeName(key)}); JSON object keys are strings"
                )
            _checkUTF8(stepName, key, f"a key of {path}")
            _checkJSONValue(stepName, item, childPath(path, key))
        return
    if isinstance(value, list | tuple):
        for index, item in enumerate(value):
            _checkJSONValue(stepName, item, childPath(path, index))
        return
    if isinstance(value, Matcher):
        raise ScriptError(
            f"{stepName}(): {path} is the matcher {value!r}; matchers say what "
            f"to expect, a sent message needs plain values"
        )
    hint = "; use a list" if isinstance(value, set | frozenset) else ""
    raise ScriptError(
        f"{stepName}(): {path} is a {_typeName(value)} ({value!r}), which JSON "
        f"cannot represent{hint}"
    )


def _checkNumber(stepName: str, what: str, value: object) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise ScriptError(
            f"{stepName}(): {what} must be a number, got {_typeName(value)} {value!r}"
        )
    return value


def _bytesLike(value: bytes | bytearray | memoryview) -> bytes:
    """
    Copy a ``bytearray`` or ``memoryview`` into ``bytes``, so the step cannot
    change; anything else is left for the step's own check to refuse.
    """
    if isinstance(value, bytearray | memoryview):
        return bytes(value)
    return value


def _checkBytes(stepName: str, what: str, value: object, hint: str) -> None:
    if isinstance(value, bytes):
        return
    extra = f"; {hint}" if isinstance(value, str) else ""
    raise ScriptError(
        f"{stepName}(): {what} must be bytes, got {_typeName(value)} {value!r}{extra}"
    )


def _checkToken(stepName: str, what: str, value: object) -> str:
    if not isinstance(value, str) or not _TOKEN.fullmatch(value):
        raise ScriptError(
            f"{stepName}(): {what} must be a non-empty HTTP token (letters, "
            f"digits and !#$%&'*+-.^_`|~), got {value!r}"
        )
    return value


def _checkHeaderNames(stepName: str, what: str, names: Sequence[object]) -> None:
    seen: dict[str, str] = {}
    for name in names:
        checked = _checkToken(stepName, f"a name in {what}", name)
        if checked.lower() in seen:
            raise ScriptError(
                f"{stepName}(): {what} names {seen[checked.lower()]!r} and "
                f"{checked!r}, the same header (names ignore case)"
            )
        seen[checked.lower()] = checked


def _checkHeaderText(stepName: str, what: str, value: object) -> str:
    if not isinstance(value, str):
        raise ScriptError(
            f"{stepName}(): {what} must be a str, got {_typeName(value)} {value!r}"
        )
    if any(ord(c) < 0x20 and c != "\t" or c == "\x7f" for c in value):
        raise ScriptError(
            f"{stepName}(): {what} {value!r} holds a control character (such as "
            f"CR or LF), which would break the HTTP response"
        )
    return value


def _call(name: str, *positional: str, **keywords: str | None) -> str:
    arguments = list(positional)
    arguments += [f"{key}={text}" for key, text in keywords.items() if text is not None]
    return f"{name}({', '.join(arguments)})"


def _renderText(value: object) -> str:
    """
    Render a ``str`` argument as a Python literal that reads well: in double
    quotes as reports show JSON strings, in single quotes when it holds
    double quotes (JSON text, typically); anything else as `renderJSON` does.
    """
    if isinstance(value, str) and '"' in value:
        return repr(value)
    return renderJSON(value)


def _renderOptional(value: object) -> str | None:
    return None if value is None else renderJSON(value)


def _callableName(fn: Callable[..., object]) -> str:
    name = getattr(fn, "__qualname__", None)
    if not isinstance(name, str):
        return repr(fn)
    code = getattr(fn, "__code__", None)
    if name.endswith("<lambda>") and code is not None:
        where = os.path.basename(code.co_filename)
        return f"<lambda at {where}:{code.co_firstlineno}>"
    return name


# Messages -------------------------------------------------------------------


@attrs.frozen(repr=False)
class Message:
    """
    One whole message from the other side, as a `reply` function gets it.

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
        return cls.fromText(payload.decode("utf-8"))

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
                f"text; read message.data instead: {_preview(self.data)}"
            )
        try:
            return json.loads(self.text, parse_constant=_rejectConstant)
        except ValueError as e:
            raise NotJSONError(
                f"this text message is not JSON ({e}): {_preview(self.text)}"
            ) from e

    def __repr__(self) -> str:
        if self.text is None:
            return f"Message.fromBinary({self.data!r})"
        return f"Message.fromText({_renderText(self.text)})"


def _rejectConstant(name: str) -> NoReturn:
    raise ValueError(f"{name} is not JSON")


def _wrongKind(wanted: str, message: Message) -> list[Difference]:
    got = message.text if message.text is not None else message.data
    return [
        Difference(
            "$",
            f"a {wanted} message",
            f"a {message.kind} message",
            f"expected a {wanted} message, got a {message.kind} one: {_preview(got)}",
        )
    ]


# Steps ----------------------------------------------------------------------


class Step:
    """
    Base class of every script step.

    Steps are frozen attrs values: equal when written the same, hashable,
    and their ``repr`` reads as the call that built them.

    :cvar name: the name of the function that builds this kind of step, as
        `Script.describeStep` shows it.
    """

    __slots__ = ()
    name: ClassVar[str]


@attrs.frozen(repr=False)
class ExpectHandshake(Step):
    """
    Check the opening handshake.  Build it with `expectHandshake`.

    What the runner does, as a server peer, in ``onConnect(request)``: call
    ``checkRequest(request.path, request.params, request.headers,
    request.protocols)``.  With no differences it accepts the connection,
    returning ``subprotocol`` (which the client offered) from ``onConnect``;
    otherwise it records the mismatch and refuses the handshake (raising
    Autobahn's ``ConnectionDeny(400, ...)``), and the script ends there.

    As a client peer, in ``onConnect(response)``: call
    ``checkResponse(response.headers, response.protocol)``; on differences it
    records the mismatch and ends the connection as for any mismatch.

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

    path: object = attrs.field(default=None, eq=_eqKey)
    subprotocol: str | None = None
    headers: Mapping[str, object] | None = attrs.field(default=None, eq=_eqKey)
    query: Mapping[str, object] | None = attrs.field(default=None, eq=_eqKey)

    def __attrs_post_init__(self) -> None:
        name = self.name
        if self.path is not None:
            if not isinstance(self.path, str | Matcher):
                raise ScriptError(
                    f"{name}(): path must be a str or a matcher, got "
                    f"{_typeName(self.path)} {self.path!r}"
                )
            if isinstance(self.path, str) and (
                not self.path.startswith("/") or "?" in self.path or "#" in self.path
            ):
                raise ScriptError(
                    f"{name}(): path {self.path!r} must start with '/' and hold "
                    f"no '?' or '#'; check query parameters with query="
                )
        if self.subprotocol is not None:
            _checkToken(name, "subprotocol", self.subprotocol)
        if self.headers is not None:
            headers = self._checkMapping("headers")
            _checkHeaderNames(name, "headers", list(headers))
            for key, pattern in headers.items():
                if pattern is not None and not isinstance(pattern, str | Matcher):
                    raise ScriptError(
                        f"{name}(): headers[{key!r}] must be a str, a matcher or "
                        f"None, got {_typeName(pattern)} {pattern!r}"
                    )
            object.__setattr__(self, "headers", headers)
        if self.query is not None:
            query = self._checkMapping("query")
            for key, pattern in query.items():
                if pattern is not None and not isinstance(
                    pattern, str | Matcher | list
                ):
                    raise ScriptError(
                        f"{name}(): query[{key!r}] must be a str, a matcher, a "
                        f"list of them or None, got {_typeName(pattern)} "
                        f"{pattern!r}"
                    )
            object.__setattr__(self, "query", query)

    def _checkMapping(self, field: str) -> Any:
        value = getattr(self, field)
        if not isinstance(value, Mapping):
            raise ScriptError(
                f"{self.name}(): {field} must be a dict, got {_typeName(value)} "
                f"{value!r}"
            )
        for key in value:
            if not isinstance(key, str) or not key:
                raise ScriptError(
                    f"{self.name}(): {field} keys must be non-empty strings, got "
                    f"{key!r}"
                )
        return _checkPattern(self.name, dict(value), field)

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
        differences: list[Difference] = []
        if self.path is not None:
            differences += matchValue(self.path, path, "path")
        for key, pattern in (self.query or {}).items():
            where = childPath("query", key)
            values = list(query.get(key, []))
            if isinstance(pattern, list):
                differences += matchValue(pattern, values, where)
            else:
                differences += _checkOnce(pattern, values, where, "parameter")
        differences += self._checkHeaders(headers)
        offered = list(subprotocols)
        if self.subprotocol is not None and self.subprotocol not in offered:
            differences.append(
                Difference(
                    "subprotocol",
                    renderJSON(self.subprotocol),
                    renderJSON(offered),
                    f"the client did not offer {renderJSON(self.subprotocol)}; "
                    f"it offered {renderJSON(offered)}",
                )
            )
        return differences

    def checkResponse(
        self, headers: Mapping[str, str], subprotocol: str | None
    ) -> list[Difference]:
        """
        Check a server's handshake response (a client peer's view).

        :param headers: the response headers, names in any case.
        :param subprotocol: the subprotocol the server selected, if any.
        :returns: the differences, empty when the response matches.
        """
        differences = self._checkHeaders(headers)
        if self.subprotocol is not None and subprotocol != self.subprotocol:
            differences += matchValue(self.subprotocol, subprotocol, "subprotocol")
        return differences

    def _checkHeaders(self, headers: Mapping[str, str]) -> list[Difference]:
        byName = {name.lower(): value for name, value in headers.items()}
        differences: list[Difference] = []
        for name, pattern in (self.headers or {}).items():
            values = [byName[name.lower()]] if name.lower() in byName else []
            where = childPath("headers", name)
            differences += _checkOnce(pattern, values, where, "header")
        return differences

    def __repr__(self) -> str:
        return _call(
            self.name,
            path=_renderOptional(self.path),
            subprotocol=_renderOptional(self.subprotocol),
            headers=_renderOptional(self.headers),
            query=_renderOptional(self.query),
        )


def _checkOnce(
    pattern: object, values: list[str], where: str, what: str
) -> list[Difference]:
    """
    Check a header or query parameter that must be absent (``pattern`` is
    ``None``) or appear exactly once with a matching value.
    """
    if pattern is None:
        if not values:
            return []
        return [
            Difference(
                where, "absent", renderJSON(values), f"the {what} must be absent"
            )
        ]
    if len(values) != 1:
        got = renderJSON(values) if values else "missing"
        why = "missing" if not values else f"appears {len(values)} times"
        return [Difference(where, renderJSON(pattern), got, why)]
    return matchValue(pattern, values[0], where)


def expectHandshake(
    path: object = None,
    subprotocol: str | None = None,
    headers: Mapping[str, object] | None = None,
    query: Mapping[str, object] | None = None,
) -> ExpectHandshake:
    """
    Check the opening handshake; only valid as a script's first step.

    For a server peer it checks the client's request; for a client peer the
    server's response, which has no path or query (`Script.checkRole`
    refuses them there).  Header and query values may be matchers::

        expectHandshake(
            path="/v1/stream",
            subprotocol="graphql-transport-ws",
            headers={"Authorization": regex("^Bearer "), "Cookie": None},
            query={"token": ANY},
        )

    :param path: the request path (``str`` or matcher), without the query.
    :param subprotocol: the subprotocol to offer/select.
    :param headers: header name to pattern; ``None`` means absent.
    :param query: parameter name to pattern; see `ExpectHandshake`.
    :raises ScriptError: if an argument has the wrong type, ``path`` does not
        start with ``/``, a header name is not an HTTP token or appears twice.
    """
    return ExpectHandshake(path, subprotocol, headers, query)


@attrs.frozen(repr=False)
class ExpectText(Step):
    """
    The next message must be a text message matching ``pattern``.  Build it
    with `expectText`.

    What the runner does: take the next message from the inbox (waiting for
    one) and call ``check(message)``; differences are a mismatch.

    :ivar pattern: a ``str`` (equal text) or a matcher, applied to the text.
    """

    name: ClassVar[str] = "expectText"

    pattern: object = attrs.field(eq=_eqKey)

    def __attrs_post_init__(self) -> None:
        if isinstance(self.pattern, str | Matcher):
            return
        if isinstance(self.pattern, bytes | bytearray):
            hint = "; for a binary message use expectBinary()"
        elif (
            isinstance(self.pattern, dict | list | int | float) or self.pattern is None
        ):
            hint = "; to match JSON use expectJSON()"
        else:
            hint = ""
        raise ScriptError(
            f"{self.name}(): the pattern must be a str or a matcher, got "
            f"{_typeName(self.pattern)} {self.pattern!r}{hint}"
        )

    def check(self, message: Message) -> list[Difference]:
        """
        Check a message against this expectation.

        :returns: the differences, empty when ``message`` matches.
        """
        if message.text is None:
            return _wrongKind("text", message)
        return matchValue(self.pattern, message.text)

    def __repr__(self) -> str:
        return _call(self.name, _renderText(self.pattern))


def expectText(pattern: object) -> ExpectText:
    """
    Expect a text message::

        expectText("hello")
        expectText(regex(r"^HELLO \\d+$"))

    :param pattern: the exact text, or a matcher for it.
    :raises ScriptError: if ``pattern`` is neither.
    """
    return ExpectText(pattern)


@attrs.frozen(repr=False)
class ExpectBinary(Step):
    """
    The next message must be a binary message matching ``pattern``.  Build it
    with `expectBinary`.

    What the runner does: take the next message from the inbox (waiting for
    one) and call ``check(message)``; differences are a mismatch.

    :ivar pattern: ``bytes`` (equal payload) or a matcher, applied to the
        payload.
    """

    name: ClassVar[str] = "expectBinary"

    pattern: object = attrs.field(eq=_eqKey)

    def __attrs_post_init__(self) -> None:
        if isinstance(self.pattern, bytearray):
            object.__setattr__(self, "pattern", bytes(self.pattern))
        if isinstance(self.pattern, bytes | Matcher):
            return
        hint = (
            "; for a text message use expectText()"
            if isinstance(self.pattern, str)
            else ""
        )
        raise ScriptError(
            f"{self.name}(): the pattern must be bytes or a matcher, got "
            f"{_typeName(self.pattern)} {self.pattern!r}{hint}"
        )

    def check(self, message: Message) -> list[Difference]:
        """
        Check a message against this expectation.

        :returns: the differences, empty when ``message`` matches.
        """
        if message.kind != "binary":
            return _wrongKind("binary", message)
        return matchValue(self.pattern, message.data)

    def __repr__(self) -> str:
        return _call(self.name, renderJSON(self.pattern))


def expectBinary(pattern: object) -> ExpectBinary:
    """
    Expect a binary message::

        expectBinary(b"\\x00\\x01")
        expectBinary(predicate(lambda data: data.startswith(b"\\x89PNG")))

    :param pattern: the exact payload (``bytes``), or a matcher for it.
    :raises ScriptError: if ``pattern`` is neither.
    """
    return ExpectBinary(pattern)


@attrs.frozen(repr=False)
class ExpectJSON(Step):
    """
    The next message must be a text message holding JSON that matches
    ``pattern``.  Build it with `expectJSON`.

    What the runner does: take the next message from the inbox (waiting for
    one) and call ``check(message)``; differences are a mismatch.  A binary
    message, or text that is not JSON, gives a difference saying so.

    :ivar pattern: a JSON value with matchers at any depth (dicts and lists
        frozen); matched with ``matchers.matchValue``.
    """

    name: ClassVar[str] = "expectJSON"

    pattern: object = attrs.field(eq=_eqKey)

    def __attrs_post_init__(self) -> None:
        if isinstance(self.pattern, bytes | bytearray):
            raise ScriptError(
                f"{self.name}(): the pattern is bytes {self.pattern!r}; JSON is "
                f"text, for a binary message use expectBinary()"
            )
        object.__setattr__(self, "pattern", _checkPattern(self.name, self.pattern))

    def check(self, message: Message) -> list[Difference]:
        """
        Check a message against this expectation.

        :returns: the differences, empty when ``message`` matches.
        """
        if message.text is None:
            return _wrongKind("text", message)
        try:
            value = message.json()
        except NotJSONError as e:
            return [
                Difference(
                    "$", renderJSON(self.pattern), _preview(message.text), str(e)
                )
            ]
        return matchValue(self.pattern, value)

    def __repr__(self) -> str:
        return _call(self.name, renderJSON(self.pattern))


def expectJSON(pattern: object) -> ExpectJSON:
    """
    Expect a text message holding JSON that matches ``pattern``::

        expectJSON({"method": "subscribe", "id": ANY, "params": ["ticker"]})

    Dicts in the pattern allow extra keys (see ``matchers.strict``).

    :param pattern: a JSON value, with matchers anywhere in it.
    :raises ScriptError: naming the path of a part that is not JSON or a
        matcher, or if ``pattern`` is ``bytes``.
    """
    return ExpectJSON(pattern)


@attrs.frozen(repr=False)
class ExpectMessage(Step):
    """
    The next message, text or binary, must match ``pattern``.  Build it with
    `expectMessage`; `reply` builds one for a bare matcher.

    What the runner does: take the next message from the inbox (waiting for
    one) and call ``check(message)``; differences are a mismatch.  The
    pattern is applied to the decoded JSON of a text message that parses,
    or else to its text (so ``"1"`` matches the text ``1``), and to the
    payload of a binary one.

    :ivar pattern: any pattern (frozen).
    """

    name: ClassVar[str] = "expectMessage"

    pattern: object = attrs.field(eq=_eqKey)

    def __attrs_post_init__(self) -> None:
        object.__setattr__(self, "pattern", _checkPattern(self.name, self.pattern))

    def check(self, message: Message) -> list[Difference]:
        """
        Check a message against this expectation.

        :returns: the differences, empty when ``message`` matches.
        """
        if message.text is None:
            return matchValue(self.pattern, message.data)
        try:
            value = message.json()
        except NotJSONError:
            return matchValue(self.pattern, message.text)
        differences = matchValue(self.pattern, value)
        # Text that happens to be JSON ("1", "true") still matches as text.
        if differences and not matchValue(self.pattern, message.text):
            return []
        return differences

    def __repr__(self) -> str:
        return _call(self.name, renderJSON(self.pattern))


def expectMessage(pattern: object) -> ExpectMessage:
    """
    Expect one message of either kind::

        expectMessage(ANY)  # any one message

    :param pattern: matched against the JSON of a text message that parses,
        else its text; against the payload of a binary message.
    :raises ScriptError: if ``pattern`` is not a valid pattern.
    """
    return ExpectMessage(pattern)


Expectation: TypeAlias = ExpectText | ExpectBinary | ExpectJSON | ExpectMessage


@attrs.frozen(repr=False)
class SendText(Step):
    """
    Send a text message.  Build it with `sendText`.

    What the runner does: ``sendMessage(step.payload, isBinary=False)`` at
    once, then go on to the next step.

    :ivar text: the text to send.
    """

    name: ClassVar[str] = "sendText"
    isBinary: ClassVar[bool] = False

    text: str

    def __attrs_post_init__(self) -> None:
        if not isinstance(self.text, str):
            hint = (
                "; for bytes use sendBinary()" if isinstance(self.text, bytes) else ""
            )
            raise ScriptError(
                f"{self.name}(): the text must be a str, got "
                f"{_typeName(self.text)} {self.text!r}{hint}"
            )
        _checkUTF8(self.name, self.text, "the text")

    @property
    def payload(self) -> bytes:
        """
        The bytes to send: the text in UTF-8.
        """
        return self.text.encode("utf-8")

    def __repr__(self) -> str:
        return _call(self.name, _renderText(self.text))


def sendText(text: str) -> SendText:
    """
    Send a text message::

        sendText("hello")

    :param text: the text.
    :raises ScriptError: if ``text`` is not a ``str`` or cannot be encoded as
        UTF-8 (a lone surrogate).
    """
    return SendText(text)


@attrs.frozen(repr=False)
class SendBinary(Step):
    """
    Send a binary message.  Build it with `sendBinary`.

    What the runner does: ``sendMessage(step.payload, isBinary=True)`` at
    once, then go on to the next step.

    :ivar data: the payload.
    """

    name: ClassVar[str] = "sendBinary"
    isBinary: ClassVar[bool] = True

    data: bytes = attrs.field(converter=_bytesLike)

    def __attrs_post_init__(self) -> None:
        _checkBytes(
            self.name, "the data", self.data, "for text use sendText(), or encode it"
        )

    @property
    def payload(self) -> bytes:
        """
        The bytes to send: ``data``.
        """
        return self.data

    def __repr__(self) -> str:
        return _call(self.name, repr(self.data))


def sendBinary(data: bytes | bytearray | memoryview) -> SendBinary:
    """
    Send a binary message::

        sendBinary(b"\\x00\\x01")

    :param data: the payload (``bytes``, ``bytearray`` or ``memoryview``).
    :raises ScriptError: if ``data`` is not bytes-like.
    """
    return SendBinary(data)


@attrs.frozen(repr=False)
class SendJSON(Step):
    """
    Send a value as JSON in a text message.  Build it with `sendJSON`.

    What the runner does: ``sendMessage(step.payload, isBinary=False)`` at
    once, then go on to the next step.

    :ivar value: the value (dicts and lists frozen).
    """

    name: ClassVar[str] = "sendJSON"
    isBinary: ClassVar[bool] = False

    value: object = attrs.field(eq=_eqKey)

    def __attrs_post_init__(self) -> None:
        _checkJSONValue(self.name, self.value, "$")
        object.__setattr__(self, "value", _freeze(self.value))

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
        return _call(self.name, renderJSON(self.value))


def sendJSON(value: object) -> SendJSON:
    """
    Send a JSON text message::

        sendJSON({"jsonrpc": "2.0", "method": "tick", "params": [1, 2.5, None]})

    :param value: a JSON value: ``dict`` with ``str`` keys, ``list``,
        ``tuple``, ``str``, ``int``, finite ``float``, ``bool`` or ``None``.
    :raises ScriptError: naming the path (``$.params[1]``) of the first part
        JSON cannot carry: a set, bytes, a matcher, NaN or infinity, a
        non-``str`` key.
    """
    return SendJSON(value)


@attrs.frozen(repr=False)
class Reply(Step):
    """
    Take the next message and answer it with what a function returns.  Build
    it with `reply`.

    What the runner does: take the next message from the inbox (waiting for
    one) as a `Message` and call ``check(message)``; differences are a
    mismatch and ``fn`` is not called.  Otherwise call ``fn(message)`` and
    send ``sendStepFor(result)`` as that step says, or nothing for ``None``.
    When ``fn`` returns a Deferred (or a coroutine, run with
    ``Deferred.fromCoroutine``) the script holds here until it fires, then
    sends what it fired with; messages arriving meanwhile wait in the inbox.
    An exception from ``fn`` (a ``NotJSONError`` included), a failure of its
    Deferred, or an exception from ``sendStepFor`` is recorded as this
    step's failure, with its traceback, and ends the connection as a
    mismatch does.

    :ivar fn: called with the `Message`.
    :ivar expect: the ``expect`` argument as given (a step, or a frozen bare
        pattern), for the repr.
    :ivar expectation: what the message must match, or ``None`` for any
        message.
    """

    name: ClassVar[str] = "reply"

    fn: Callable[[Message], object]
    expect: object = attrs.field(default=None, eq=False)
    expectation: Expectation | None = attrs.field(init=False)

    def __attrs_post_init__(self) -> None:
        if not callable(self.fn):
            raise ScriptError(
                f"{self.name}(): the function must be callable, got "
                f"{_typeName(self.fn)} {self.fn!r}"
            )
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
            f"{self!r}: the function returned {_typeName(result)} {result!r}; "
            f"return str (text), bytes (binary), a dict, list, number or bool "
            f"(JSON), or None (send nothing)"
        )

    def __repr__(self) -> str:
        expect = None if self.expect is None else _renderExpect(self.expect)
        return _call(self.name, _callableName(self.fn), expect=expect)


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


def reply(fn: Callable[[Message], object], expect: object = None) -> Reply:
    """
    Take the next message and answer it with what ``fn`` returns::

        reply(lambda m: {"id": m.json()["id"], "result": "ok"},
              expect={"method": "ping", "id": ANY})

    ``fn`` gets a `Message` and returns ``str`` (sent as text), ``bytes``
    (binary), a ``dict``/``list``/number/``bool`` (JSON text) or ``None``
    (nothing); or a Deferred or coroutine giving one of those later, which
    the script waits for before its next step::

        async def quote(message):
            price = await prices.get(message.json()["symbol"])  # a DeferredMock, say
            return {"price": price}

        reply(quote, expect={"op": "quote", "symbol": ANY})

    :param fn: the function.
    :param expect: what the message must match first: an expect step, or a
        bare pattern read by type: ``str`` as `expectText`, ``bytes`` as
        `expectBinary`, a matcher as `expectMessage`, anything else as
        `expectJSON`.  ``None`` accepts any message.
    :raises ScriptError: if ``fn`` is not callable or ``expect`` is not a
        valid pattern.
    """
    return Reply(fn, expect)


@attrs.frozen(repr=False)
class Wait(Step):
    """
    Let time pass on the fake clock.  Build it with `wait`.

    What the runner does: ``callLater(seconds, ...)`` on the test's clock
    and start the next step when it fires.  Messages arriving meanwhile go
    into the inbox for the next expecting step.

    :ivar seconds: how long, ``>= 0``.
    """

    name: ClassVar[str] = "wait"

    seconds: float

    def __attrs_post_init__(self) -> None:
        seconds = _checkNumber(self.name, "seconds", self.seconds)
        if not math.isfinite(seconds) or seconds < 0:
            raise ScriptError(
                f"{self.name}(): seconds must be finite and >= 0, got {seconds!r}"
            )

    def __repr__(self) -> str:
        return _call(self.name, repr(self.seconds))


def wait(seconds: float) -> Wait:
    """
    Let ``seconds`` pass on the fake clock before the next step::

        repeat(sendJSON({"type": "heartbeat"}), wait(30), times=3)

    :param seconds: how long; 0 is allowed.
    :raises ScriptError: if ``seconds`` is not a number, negative, NaN or
        infinite.
    """
    return Wait(seconds)


@attrs.frozen(repr=False)
class Ping(Step):
    """
    Send a ping and wait for its pong.  Build it with `ping`.

    What the runner does: ``sendPing(payload)`` (``None`` when empty), then
    wait until a pong with an equal payload arrives; the step is consumed
    then.  Pongs with another payload are ignored (unsolicited pongs are
    legal heartbeats), messages arriving meanwhile go into the inbox.  A
    pong that never comes leaves the step unconsumed.

    :ivar payload: the ping's payload, at most 125 bytes.
    """

    name: ClassVar[str] = "ping"

    payload: bytes = attrs.field(default=b"", converter=_bytesLike)

    def __attrs_post_init__(self) -> None:
        _checkBytes(
            self.name, "the payload", self.payload, "encode text with .encode()"
        )
        if len(self.payload) > _MAX_CONTROL_PAYLOAD:
            raise ScriptError(
                f"{self.name}(): the payload is {len(self.payload)} bytes; a ping "
                f"carries at most {_MAX_CONTROL_PAYLOAD}"
            )

    def __repr__(self) -> str:
        return _call(self.name, *([repr(self.payload)] if self.payload else []))


def ping(payload: bytes | bytearray = b"") -> Ping:
    """
    Send a ping, and wait for the matching pong before the next step::

        ping(b"are you there")

    :param payload: up to 125 bytes.
    :raises ScriptError: if ``payload`` is not bytes or too long.
    """
    return Ping(payload)


def _closeCodeProblem(code: int, receiving: bool) -> str | None:
    """
    Say why ``code`` cannot be in a close frame (one the peer sends, or one
    it receives), or return ``None`` when it can.
    """
    if 1000 <= code <= 1003 or 1007 <= code <= 1014 or 3000 <= code <= 4999:
        return None
    if code == 1005:
        if receiving:
            return None
        return "1005 stands for a close frame without a code and is never sent"
    if code == 1006:
        return (
            "1006 is never in a close frame: it stands for a connection lost "
            "without one"
        )
    if code == 1015:
        return "1015 is never in a close frame: it stands for a failed TLS handshake"
    if code == 1004:
        return "1004 is reserved"
    if 1016 <= code <= 2999:
        return f"{code} is reserved for future websocket standards"
    return f"{code} is outside the close codes websocket allows"


_ALLOWED_CODES = "1000-1003, 1007-1014 or 3000-4999"


def _checkCloseCode(stepName: str, code: object, receiving: bool) -> None:
    if code is None:
        return
    if isinstance(code, bool) or not isinstance(code, int):
        raise ScriptError(
            f"{stepName}(): the code must be an int, got {_typeName(code)} {code!r}"
        )
    problem = _closeCodeProblem(code, receiving)
    if problem is not None:
        noCode = "1005" if receiving else "None"
        allowed = f"{_ALLOWED_CODES}, or {noCode} for a frame without a code"
        raise ScriptError(f"{stepName}(): {problem}; use {allowed}")


@attrs.frozen(repr=False)
class Close(Step):
    """
    Start the closing handshake.  Build it with `close`.

    What the runner does: send a close frame with ``code`` and ``reason``
    through Autobahn's ``sendCloseFrame(code, reason.encode("utf-8") or
    None, isReply=False)`` (its ``sendClose`` refuses 1001-1014), then wait
    for the other side's close frame: if the next step is `expectClose`,
    that step checks it; otherwise any close frame will do (an implied
    ``expectClose()``).  Data messages arriving after our close are
    ignored; losing the connection instead of a close frame is a mismatch.
    If the next step is `drop`, do not wait: drop at once.

    The codes allowed are RFC 6455's: 1000-1003, 1007-1014 and 3000-4999.
    Autobahn itself treats a received 1014 as a protocol error, so a peer
    under test that uses Autobahn answers it by failing the connection.

    :ivar code: the close code, or ``None`` for a close frame without one.
    :ivar reason: the reason, at most 123 bytes in UTF-8.
    """

    name: ClassVar[str] = "close"

    code: int | None = 1000
    reason: str = ""

    def __attrs_post_init__(self) -> None:
        _checkCloseCode(self.name, self.code, receiving=False)
        if not isinstance(self.reason, str):
            raise ScriptError(
                f"{self.name}(): the reason must be a str, got "
                f"{_typeName(self.reason)} {self.reason!r}"
            )
        _checkUTF8(self.name, self.reason, "the reason")
        size = len(self.reason.encode("utf-8"))
        if size > _MAX_CLOSE_REASON:
            raise ScriptError(
                f"{self.name}(): the reason is {size} bytes in UTF-8; a close "
                f"frame carries at most {_MAX_CLOSE_REASON}"
            )
        if self.code is None and self.reason:
            raise ScriptError(
                f"{self.name}(): a close frame without a code cannot carry a "
                f"reason; give a code"
            )

    def __repr__(self) -> str:
        if self.reason:
            return _call(self.name, repr(self.code), _renderText(self.reason))
        if self.code != 1000:
            return _call(self.name, repr(self.code))
        return _call(self.name)


def close(code: int | None = 1000, reason: str = "") -> Close:
    """
    Start the closing handshake::

        close(1001, "server restarting")

    Only `expectClose` (to check the other side's close frame) or `drop`
    may follow it.

    :param code: 1000-1003, 1007-1014 or 3000-4999, or ``None`` for a close
        frame with no code.
    :param reason: up to 123 bytes in UTF-8; only with a code.
    :raises ScriptError: if the code may not be sent (1004-1006, 1015,
        below 1000, 1016-2999, 5000 and up), the reason is too long or not
        a ``str``.
    """
    return Close(code, reason)


@attrs.frozen(repr=False)
class ExpectClose(Step):
    """
    The next thing from the other side must be a close frame.  Build it with
    `expectClose`.

    What the runner does: wait for the other side's close frame (in
    ``onClose``, Autobahn's ``remoteCloseCode`` and ``remoteCloseReason``)
    and call ``check(code, reason)``.  A message in the inbox or arriving
    first, or the connection lost without a close frame, is a mismatch.
    Autobahn answers the close frame itself; nothing follows this step.

    :ivar code: the code the frame must carry; ``None`` for any, 1005 for a
        frame without a code.
    :ivar reason: a pattern for the reason (``str`` or matcher), or
        ``None`` for any.
    """

    name: ClassVar[str] = "expectClose"

    code: int | None = None
    reason: object = attrs.field(default=None, eq=_eqKey)

    def __attrs_post_init__(self) -> None:
        _checkCloseCode(self.name, self.code, receiving=True)
        if self.reason is not None and not isinstance(self.reason, str | Matcher):
            raise ScriptError(
                f"{self.name}(): the reason must be a str, a matcher or None, got "
                f"{_typeName(self.reason)} {self.reason!r}"
            )

    def check(self, code: int | None, reason: str | None) -> list[Difference]:
        """
        Check a received close frame.

        :param code: its code; ``None`` or 1005 when it had none.
        :param reason: its reason; ``None`` is read as ``""``.
        :returns: the differences, empty when the frame matches.
        """
        differences = []
        received = 1005 if code is None else code
        if self.code is not None and received != self.code:
            differences.append(Difference("code", str(self.code), str(received)))
        if self.reason is not None:
            differences += matchValue(self.reason, reason or "", "reason")
        return differences

    def __repr__(self) -> str:
        return _call(
            self.name,
            *([] if self.code is None else [repr(self.code)]),
            reason=None if self.reason is None else _renderText(self.reason),
        )


def expectClose(code: int | None = None, reason: object = None) -> ExpectClose:
    """
    Expect a close frame from the other side next::

        expectClose(1000)
        expectClose(4001, reason=regex("token"))

    After `close`, it checks the other side's answering close frame.

    :param code: the code wanted; ``None`` for any, 1005 for a frame with no
        code.
    :param reason: the reason wanted (``str`` or matcher); ``None`` for any.
    :raises ScriptError: if no close frame can carry ``code``.
    """
    return ExpectClose(code, reason)


@attrs.frozen(repr=False)
class Drop(Step):
    """
    Close the TCP connection without a close frame.  Build it with `drop`.

    What the runner does: ``transport.loseConnection()``, so what earlier
    steps sent still arrives, then the TCP connection ends with no
    websocket closing handshake; the script is then done.  The other side
    sees an unclean close (1006).  To lose bytes in flight as well, cut the
    connection itself with ``Connection.drop()``.
    """

    name: ClassVar[str] = "drop"

    def __repr__(self) -> str:
        return _call(self.name)


def drop() -> Drop:
    """
    End the connection as a crashing server would: what was sent before
    arrives, then TCP closes with no websocket close frame::

        Script(wait(5), sendJSON({"type": "ticker"}), drop())

    Nothing may follow it.
    """
    return Drop()


@attrs.frozen(repr=False)
class Stall(Step):
    """
    Become a dead peer.  Build it with `stall`.

    What the runner does: stop delivering bytes to the peer's protocol (its
    side of the in-memory connection stops reading), so it processes no
    message, answers no ping and no close frame, and keeps the TCP
    connection open until the other side drops it or the test ends.  The
    step is consumed once reached; nothing follows it.
    """

    name: ClassVar[str] = "stall"

    def __repr__(self) -> str:
        return _call(self.name)


def stall() -> Stall:
    """
    Stop reading and answering, keeping the connection open: what a client's
    heartbeat or timeout logic is there to detect::

        Script(expectJSON({"op": "hello"}), stall())

    Nothing may follow it.
    """
    return Stall()


@attrs.frozen(repr=False)
class Reject(Step):
    """
    Refuse the opening handshake with an HTTP error.  Build it with
    `reject`.

    What the runner does (server peers only), in ``onConnect`` after any
    `expectHandshake` passed: answer with this status, reason and headers
    instead of 101: Autobahn's ``failHandshake(reason, status,
    list(headers.items()))``, or raising ``ConnectionDeny(status, reason)``
    from ``onConnect`` when there are no headers (``ConnectionDeny`` carries
    none).  The connection then closes and the script is done.

    :ivar status: the HTTP status, 300-599.
    :ivar reason: the reason phrase of the status line.
    :ivar headers: extra response headers (``Location``, ``Retry-After``,
        ...), or ``None``.
    """

    name: ClassVar[str] = "reject"

    status: int
    reason: str = ""
    headers: Mapping[str, str] | None = attrs.field(default=None, eq=_eqKey)

    def __attrs_post_init__(self) -> None:
        if isinstance(self.status, bool) or not isinstance(self.status, int):
            raise ScriptError(
                f"{self.name}(): the status must be an int, got "
                f"{_typeName(self.status)} {self.status!r}"
            )
        if not 300 <= self.status <= 599:
            raise ScriptError(
                f"{self.name}(): status {self.status} does not refuse a handshake; "
                f"use a 3xx, 4xx or 5xx status (300-599)"
            )
        _checkHeaderText(self.name, "the reason", self.reason)
        if self.headers is not None:
            if not isinstance(self.headers, Mapping):
                raise ScriptError(
                    f"{self.name}(): headers must be a dict, got "
                    f"{_typeName(self.headers)} {self.headers!r}"
                )
            _checkHeaderNames(self.name, "headers", list(self.headers))
            for key, value in self.headers.items():
                _checkHeaderText(self.name, f"the header {key}", value)
            object.__setattr__(self, "headers", _freeze(dict(self.headers)))

    def __repr__(self) -> str:
        reason = [_renderText(self.reason)] if self.reason else []
        return _call(
            self.name, str(self.status), *reason, headers=_renderOptional(self.headers)
        )


def reject(
    status: int, reason: str = "", headers: Mapping[str, str] | None = None
) -> Reject:
    """
    Refuse the opening handshake: a server peer's first step, or its second
    after `expectHandshake`::

        reject(401, "Unauthorized")
        reject(503, headers={"Retry-After": "30"})

    Nothing may follow it.

    :param status: an HTTP status from 300 to 599.
    :param reason: the reason phrase.
    :param headers: extra response headers.
    :raises ScriptError: if the status is not 300-599, or the reason or a
        header holds a control character (CR, LF) or a header name is not a
        token.
    """
    return Reject(status, reason, headers)


Groupable: TypeAlias = ExpectText | ExpectBinary | ExpectJSON | ExpectMessage | Reply


@attrs.frozen(repr=False)
class InAnyOrder(Step):
    """
    Several expectations met in any order.  Build it with `inAnyOrder`.

    What the runner does: take exactly ``len(expectations)`` messages from
    the inbox (waiting for each).  Each message goes to the first
    expectation, in the order written, that is still unmet and whose
    ``check`` returns no differences; a `Reply` answers it at once.  A
    message that no unmet expectation accepts is a mismatch, reported
    with the differences against each unmet one.  The choice is greedy, so
    put specific expectations before general ones (``ANY`` last).

    :ivar expectations: the expectations, in the order written.
    """

    name: ClassVar[str] = "inAnyOrder"

    expectations: tuple[Groupable, ...] = attrs.field(converter=_toTuple)

    def __attrs_post_init__(self) -> None:
        if not self.expectations:
            raise ScriptError(f"{self.name}(): give at least one expectation")
        for number, step in enumerate(self.expectations, 1):
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
                f"{self.name}(): item {number} is {_typeName(step)} {step!r}, not "
                f"a step; wrap a pattern in expectJSON() or expectText()"
            )

    def __repr__(self) -> str:
        return _call(self.name, *map(repr, self.expectations))


def inAnyOrder(*expectations: Groupable) -> InAnyOrder:
    """
    Expect several messages in any order::

        inAnyOrder(
            expectJSON({"subscribe": "trades"}),
            expectJSON({"subscribe": "book"}),
        )

    :param expectations: `expectText`, `expectBinary`, `expectJSON`,
        `expectMessage` or `reply` steps.
    :raises ScriptError: if there are none, or one is another kind of step.
    """
    return InAnyOrder(expectations)


@attrs.frozen(repr=False)
class Repeat(Step):
    """
    A block of steps played several times.  Build it with `repeat`.

    What the runner does: play ``steps`` in order, ``times`` times over;
    `Script.walk` unrolls it and says which round each step is in.

    :ivar steps: the block: sends, expectations, replies, waits, pings and
        groups.
    :ivar times: how many rounds, at least 1.
    """

    name: ClassVar[str] = "repeat"

    steps: tuple[Step, ...] = attrs.field(converter=_toTuple)
    times: int

    def __attrs_post_init__(self) -> None:
        if isinstance(self.times, bool) or not isinstance(self.times, int):
            raise ScriptError(
                f"{self.name}(): times must be an int, got "
                f"{_typeName(self.times)} {self.times!r}"
            )
        if self.times < 1:
            raise ScriptError(
                f"{self.name}(): times must be at least 1, got {self.times}"
            )
        if not self.steps:
            raise ScriptError(f"{self.name}(): give at least one step to repeat")
        for number, step in enumerate(self.steps, 1):
            if not isinstance(step, Step):
                raise ScriptError(
                    f"{self.name}(): item {number} is {_typeName(step)} {step!r}, "
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
            if isinstance(step, Close | ExpectClose | Drop | Stall):
                raise ScriptError(
                    f"{self.name}(): item {number}, {step!r}, ends the "
                    f"connection, so it cannot be repeated; put it after the "
                    f"repeat()"
                )

    def __repr__(self) -> str:
        return _call(self.name, *map(repr, self.steps), times=str(self.times))


def repeat(*steps: Step, times: int) -> Repeat:
    """
    Play a block of steps ``times`` times::

        repeat(expectJSON({"op": "ping"}), sendJSON({"op": "pong"}), times=3)

    In reports the block is one step of its script; the round and the step
    inside are added: "step 3 of 5 (repeat, round 2 of 3, step 1 of 2:
    expectJSON)".

    :param steps: the block; no handshake or closing steps, no nested
        repeat.
    :param times: the number of rounds, at least 1.
    :raises ScriptError: if ``times`` is less than 1 or the block is empty
        or holds a step that cannot repeat.
    """
    return Repeat(steps, times)


# The script -----------------------------------------------------------------

_ENDS: tuple[type[Step], ...] = (Drop, Stall, Reject, ExpectClose)


@attrs.frozen
class ScriptPosition:
    """
    One step as a runner meets it, from `Script.walk`.

    :ivar index: its 0-based index in the script.
    :ivar round: the 0-based round, inside a `repeat`; else ``None``.
    :ivar inner: its 0-based index in the repeated block; else ``None``.
    :ivar step: the step to play: never a `Repeat`.
    :ivar script: the script it belongs to.
    :ivar member: the 0-based index of one expectation of an `inAnyOrder`
        step, when the position is that expectation's; else ``None``.
    """

    index: int
    round: int | None
    inner: int | None
    step: Step
    script: Script = attrs.field(repr=False, eq=False)
    member: int | None = None

    @property
    def description(self) -> str:
        """
        How reports name it, from `Script.describeStep`; made only when
        asked, since most positions are played and never reported.
        """
        return self.script.describeStep(
            self.index, round=self.round, inner=self.inner, member=self.member
        )


@attrs.frozen(init=False, repr=False)
class Script(Sequence[Step]):
    """
    What a fake websocket peer does and expects, in order.

    ::

        script = Script(
            expectJSON({"op": "hello"}),
            sendJSON({"op": "welcome"}),
            close(),
        )
        len(script)             # 3
        script[1]               # sendJSON({"op": "welcome"})
        script.describeStep(1)  # 'step 2 of 3 (sendJSON)'

    Built once, never changed; slicing gives a `Script` too.  The order is
    checked: `expectHandshake` only first, `reject` first or right after
    it, nothing after `drop`, `stall`, `reject` or `expectClose`, and
    after `close` only `expectClose` or `drop`.

    :ivar steps: the steps, as given.
    :raises ScriptError: if an argument is not a step or the order cannot
        happen.
    """

    steps: tuple[Step, ...]

    def __init__(self, *steps: Step) -> None:
        for index, step in enumerate(steps):
            if not isinstance(step, Step):
                raise ScriptError(
                    f"Script(): step {index + 1} of {len(steps)} is "
                    f"{_describeValue(step)}, not a step{_notAStepHint(step)}"
                )
        _checkOrder(steps)
        self.__attrs_init__(tuple(steps))

    def __len__(self) -> int:
        return len(self.steps)

    def __iter__(self) -> Iterator[Step]:
        return iter(self.steps)

    @overload
    def __getitem__(self, index: int) -> Step: ...

    @overload
    def __getitem__(self, index: slice) -> Script: ...

    def __getitem__(self, index: int | slice) -> Step | Script:
        if isinstance(index, slice):
            return Script(*self.steps[index])
        return self.steps[index]

    def __repr__(self) -> str:
        return _call("Script", *map(repr, self.steps))

    def describeStep(
        self,
        index: int,
        *,
        round: int | None = None,
        inner: int | None = None,
        member: int | None = None,
    ) -> str:
        """
        Name a step for a report, counting from 1 for humans::

            script.describeStep(1)                    # 'step 2 of 6 (expectJSON)'
            script.describeStep(2, round=1, inner=0)  # 'step 3 of 6 (repeat,
                                                      #  round 2 of 3, step 1 of 2:
                                                      #  expectJSON)'
            script.describeStep(3, member=1)          # 'step 4 of 6 (inAnyOrder,
                                                      #  expectation 2 of 3: reply)'

        :param index: the 0-based index in the script; negative counts from
            the end.
        :param round: the 0-based round of a `repeat`.
        :param inner: the 0-based index in a `repeat`'s block.
        :param member: the 0-based index in an `inAnyOrder` (the step itself,
            or the one at ``inner`` in a repeat).
        :raises IndexError: if an index is out of range.
        :raises ValueError: if ``round``/``inner``/``member`` are given for a
            step without rounds or members.
        """
        total = len(self.steps)
        if not -total <= index < total:
            raise IndexError(f"the script has {total} steps; there is no index {index}")
        index %= total
        detail = _detail(self.steps[index], round, inner, member)
        return f"step {index + 1} of {total} ({detail})"

    @classmethod
    def fromTranscript(
        cls,
        transcript: Transcript,
        *,
        role: Role = "server",
        ignoreFields: Iterable[str] = (),
    ) -> Script:
        """
        A Script that plays one side of a recorded conversation again::

            recorded = Transcript.load("feed.jsonl")
            server = reactor.serveWebSocket(
                "wss://feed.example.com/v1",
                Script.fromTranscript(recorded, ignoreFields={"id"}),
            )

        See `twisted_wsfakes.replay.scriptFromTranscript` for the rules.
        """
        from .replay import scriptFromTranscript

        return scriptFromTranscript(transcript, role=role, ignoreFields=ignoreFields)

    def walk(self) -> Iterator[ScriptPosition]:
        """
        Every step in the order a runner plays it, repeats unrolled.

        ::

            for position in script.walk():
                play(position.step)  # reports name it position.description

        A `repeat` yields its block once per round; an `inAnyOrder` is
        yielded whole.
        """
        for index, step in enumerate(self.steps):
            if not isinstance(step, Repeat):
                yield ScriptPosition(index, None, None, step, self)
                continue
            for round in range(step.times):
                for inner, body in enumerate(step.steps):
                    yield ScriptPosition(index, round, inner, body, self)

    def checkRole(self, role: Role) -> None:
        """
        Make sure this script suits a server peer or a client peer.

        A client peer cannot `reject` a handshake, and the server's response
        that its `expectHandshake` checks has no path or query.

        :param role: ``"server"`` or ``"client"``.
        :raises ScriptError: naming the step that does not suit ``role``.
        """
        if role not in ("server", "client"):
            raise ScriptError(f'a script runs as "server" or "client", not {role!r}')
        if role == "server":
            return
        for index, step in enumerate(self.steps):
            where = self.describeStep(index)
            if isinstance(step, Reject):
                raise ScriptError(
                    f"{where}: {step!r} refuses a client's handshake; only a "
                    f"server peer can, and this script runs as a client"
                )
            if isinstance(step, ExpectHandshake):
                for field in ("path", "query"):
                    if getattr(step, field) is not None:
                        raise ScriptError(
                            f"{where}: a client peer checks the server's "
                            f"response, which has no {field}; drop {field}= "
                            f"from {step!r}"
                        )


def _describeValue(value: object) -> str:
    if callable(value) and not isinstance(value, type):
        return f"the function {_callableName(value)}"
    return f"{_typeName(value)} {value!r}"


def _notAStepHint(value: object) -> str:
    if isinstance(value, str):
        return f"; to send it write sendText({renderJSON(value)})"
    if isinstance(value, Script):
        return "; splice scripts with Script(*first, *second)"
    if isinstance(value, list | tuple):
        return "; pass steps as separate arguments: Script(*steps)"
    if callable(value):
        return f"; did you mean {_callableName(value)}()?"
    return ""


def _stepLabel(index: int, total: int, step: Step) -> str:
    return f"step {index + 1} of {total} ({step.name})"


def _checkOrder(steps: Sequence[Step]) -> None:
    """
    Raise `ScriptError` for the first step that cannot come where it is.
    """
    total = len(steps)
    closing: int | None = None
    ended: int | None = None
    for index, step in enumerate(steps):
        label = _stepLabel(index, total, step)
        if isinstance(step, ExpectHandshake) and index != 0:
            raise ScriptError(
                f"{label}: the handshake happens before anything else, so "
                f"expectHandshake() can only be the first step"
            )
        if (
            isinstance(step, Reject)
            and index != 0
            and not (index == 1 and isinstance(steps[0], ExpectHandshake))
        ):
            raise ScriptError(
                f"{label}: reject() refuses the handshake, so it must be the "
                f"first step, or come right after expectHandshake()"
            )
        if ended is not None:
            raise ScriptError(
                f"{label}: nothing can follow step {ended + 1}, "
                f"{steps[ended]!r}, {_why(steps[ended])}"
            )
        if closing is not None:
            if not isinstance(step, ExpectClose | Drop):
                raise ScriptError(
                    f"{label}: after step {closing + 1}, {steps[closing]!r}, the "
                    f"peer only waits for the other side's close frame; only "
                    f"expectClose() or drop() can follow it"
                )
            ended = index
        if isinstance(step, _ENDS):
            ended = index
        elif isinstance(step, Close):
            closing = index


def _why(last: Step) -> str:
    if isinstance(last, Stall):
        return "after which the peer does nothing"
    return "which ends the connection"


def _detail(
    step: Step, round: int | None, inner: int | None, member: int | None
) -> str:
    """
    The part of a step's description in parentheses.
    """
    if isinstance(step, Repeat):
        text = step.name
        if round is not None:
            _checkRange("round", round, step.times)
            text += f", round {round + 1} of {step.times}"
        if inner is None:
            if member is not None:
                raise ValueError("member= inside a repeat needs inner= as well")
            return text
        _checkRange("inner", inner, len(step.steps))
        if len(step.steps) > 1:
            text += f", step {inner + 1} of {len(step.steps)}"
        return f"{text}: {_detail(step.steps[inner], None, None, member)}"
    if round is not None or inner is not None:
        raise ValueError(f"{step.name} is not a repeat; it has no round or inner step")
    if isinstance(step, InAnyOrder):
        if member is None:
            return step.name
        _checkRange("member", member, len(step.expectations))
        chosen = step.expectations[member]
        count = len(step.expectations)
        return f"{step.name}, expectation {member + 1} of {count}: {chosen.name}"
    if member is not None:
        raise ValueError(f"{step.name} is not inAnyOrder; it has no members")
    return step.name


def _checkRange(what: str, value: int, count: int) -> None:
    if not 0 <= value < count:
        raise IndexError(f"{what}={value} is out of range: there are {count}")
