"""
Argument checks for script steps: each raises `ScriptError` naming the step,
the argument and what is wrong, so a mistake surfaces at the line that
built the step.

It may import `twisted_wsfakes.differences`, `twisted_wsfakes.errors`,
`twisted_wsfakes.jsontree`, `twisted_wsfakes.matchers` and `.render`.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any, Final, NoReturn, TypeAlias

import attrs

from ..differences import pathTo
from ..errors import PatternError, ScriptError
from ..jsontree import DESCEND, SEQUENCE, Place, Visit, rebuild, transform, visitAll
from ..matchers import Matcher, checkPattern
from .render import typeName

MAX_CLOSE_REASON = 123


MAX_CONTROL_PAYLOAD = 125


_TOKEN = re.compile(r"[!#$%&'*+\-.^_`|~0-9A-Za-z]+")

# A union the checks of every part of a value test with: written in the
# test, ``a | b`` would build a new union each time, which costs as much as
# the test.
_BOOL_OR_INT: Final = bool | int


def _readOnly(self: object, *args: Any, **kwargs: Any) -> NoReturn:
    raise TypeError(
        f"this {type(self).__mro__[1].__name__} belongs to a script step, which "
        f"cannot change; copy it first"
    )


class _ReadOnlyDict(dict[str, Any]):
    """
    A ``dict`` that cannot change, so a step holding one cannot change,
    while ``isinstance(d, dict)``, ``json.dumps`` and the matchers still
    treat it as the dict it was written as.
    """

    __slots__ = ()
    __setitem__ = __delitem__ = __ior__ = _readOnly
    clear = pop = popitem = setdefault = update = _readOnly

    def __reduce__(self) -> tuple[type[_ReadOnlyDict], tuple[dict[str, Any]]]:
        return (_ReadOnlyDict, (dict(self),))


class _ReadOnlyList(list[Any]):
    """
    A ``list`` that cannot change; see ``_ReadOnlyDict``.
    """

    __slots__ = ()
    __setitem__ = __delitem__ = __iadd__ = __imul__ = _readOnly
    append = extend = insert = pop = remove = clear = sort = reverse = _readOnly

    def __reduce__(self) -> tuple[type[_ReadOnlyList], tuple[list[Any]]]:
        return (_ReadOnlyList, (list(self),))


_FROZEN = (_ReadOnlyDict, _ReadOnlyList)


def freeze(value: object, visit: Visit | None = None) -> Any:
    """
    Copy the dicts, lists and tuples of ``value``, at any depth, into
    containers that cannot change (tuples become lists, as in JSON).  Parts
    already frozen are kept: they cannot change either.

    :param visit: may replace parts on the way, as for
        `twisted_wsfakes.jsontree.transform` (a replay loosens fields so).
    """
    if visit is None:
        return rebuild(value, _ReadOnlyDict, _ReadOnlyList, keep=_FROZEN)

    def frozenVisit(part: object, place: Place) -> object:
        if isinstance(part, _FROZEN):
            return part
        return visit(part, place)

    return transform(value, frozenVisit, makeDict=_ReadOnlyDict, makeList=_ReadOnlyList)


def toTuple(items: Iterable[Any]) -> tuple[Any, ...]:
    return tuple(items)


def checkUTF8(stepName: str, text: str, what: str) -> None:
    try:
        text.encode("utf-8")
    except UnicodeEncodeError as e:
        raise ScriptError(
            # repr() escapes the surrogate, so the message itself prints.
            f"{stepName}(): {what}, {text!r}, cannot be sent as UTF-8 "
            f"({e.reason} at index {e.start})"
        ) from e


def checkNumber(stepName: str, what: str, value: object) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise ScriptError(
            f"{stepName}(): {what} must be a number, got {typeName(value)} {value!r}"
        )
    return value


def bytesLike(value: bytes | bytearray | memoryview) -> bytes:
    """
    Copy a ``bytearray`` or ``memoryview`` into ``bytes``, so the step cannot
    change; anything else is left for the step's own check to refuse.
    """
    if isinstance(value, bytearray | memoryview):
        return bytes(value)
    return value


def checkBytes(stepName: str, what: str, value: object, hint: str) -> None:
    if isinstance(value, bytes):
        return
    extra = f"; {hint}" if isinstance(value, str) else ""
    raise ScriptError(
        f"{stepName}(): {what} must be bytes, got {typeName(value)} {value!r}{extra}"
    )


def checkToken(stepName: str, what: str, value: object) -> str:
    if not isinstance(value, str) or not _TOKEN.fullmatch(value):
        raise ScriptError(
            f"{stepName}(): {what} must be a non-empty HTTP token (letters, "
            f"digits and !#$%&'*+-.^_`|~), got {value!r}"
        )
    return value


def checkHeaderNames(stepName: str, what: str, names: Sequence[object]) -> None:
    seen: dict[str, str] = {}
    for name in names:
        checked = checkToken(stepName, f"a name in {what}", name)
        if checked.lower() in seen:
            raise ScriptError(
                f"{stepName}(): {what} names {seen[checked.lower()]!r} and "
                f"{checked!r}, the same header (names ignore case)"
            )
        seen[checked.lower()] = checked


def checkHeaderText(stepName: str, what: str, value: object) -> str:
    if not isinstance(value, str):
        raise ScriptError(
            f"{stepName}(): {what} must be a str, got {typeName(value)} {value!r}"
        )
    if any(ord(c) < 0x20 and c != "\t" or c == "\x7f" for c in value):
        raise ScriptError(
            f"{stepName}(): {what} {value!r} holds a control character (such as "
            f"CR or LF), which would break the HTTP response"
        )
    return value


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


def checkCloseCode(stepName: str, code: object, receiving: bool) -> None:
    if code is None:
        return
    if isinstance(code, bool) or not isinstance(code, int):
        raise ScriptError(
            f"{stepName}(): the code must be an int, got {typeName(code)} {code!r}"
        )
    problem = _closeCodeProblem(code, receiving)
    if problem is not None:
        noCode = "1005" if receiving else "None"
        allowed = f"{_ALLOWED_CODES}, or {noCode} for a frame without a code"
        raise ScriptError(f"{stepName}(): {problem}; use {allowed}")


# Validators: attrs calls each with the step, the field and its value, once
# every field is set, so a check may read the step's other fields.

Validator: TypeAlias = Callable[[Any, "attrs.Attribute[Any]", Any], None]


def anyPattern(instance: Any, attribute: attrs.Attribute[Any], value: Any) -> None:
    """
    A pattern by the matchers' own rules.
    """
    _checkPattern(instance.name, value, "$")


def _checkPattern(stepName: str, value: object, root: str) -> None:
    try:
        checkPattern(value, root)
    except PatternError as e:
        raise ScriptError(f"{stepName}(): {e}") from e


def textPattern(instance: Any, attribute: attrs.Attribute[Any], value: Any) -> None:
    """
    What `expectText` takes: a ``str`` or a matcher.
    """
    if isinstance(value, str | Matcher):
        return
    if isinstance(value, bytes | bytearray):
        hint = "; for a binary message use expectBinary()"
    elif isinstance(value, dict | list | int | float) or value is None:
        hint = "; to match JSON use expectJSON()"
    else:
        hint = ""
    raise ScriptError(
        f"{instance.name}(): the pattern must be a str or a matcher, got "
        f"{typeName(value)} {value!r}{hint}"
    )


def binaryPattern(instance: Any, attribute: attrs.Attribute[Any], value: Any) -> None:
    """
    What `expectBinary` takes: ``bytes`` or a matcher.
    """
    if isinstance(value, bytes | Matcher):
        return
    hint = "; for a text message use expectText()" if isinstance(value, str) else ""
    raise ScriptError(
        f"{instance.name}(): the pattern must be bytes or a matcher, got "
        f"{typeName(value)} {value!r}{hint}"
    )


def jsonPattern(instance: Any, attribute: attrs.Attribute[Any], value: Any) -> None:
    """
    What `expectJSON` takes: a pattern that is not ``bytes``.
    """
    if isinstance(value, bytes | bytearray):
        raise ScriptError(
            f"{instance.name}(): the pattern is bytes {value!r}; JSON is text, "
            f"for a binary message use expectBinary()"
        )
    anyPattern(instance, attribute, value)


def jsonValue(instance: Any, attribute: attrs.Attribute[Any], value: Any) -> None:
    """
    A value JSON carries exactly, or `ScriptError` naming the path of the
    first part it cannot.
    """
    stepName = instance.name

    def visit(part: object, place: Place) -> object:
        # Containers and plain values first, and the path named only when
        # something is wrong: this runs for every part of every value sent.
        if isinstance(part, dict):
            for key in part:
                if not isinstance(key, str):
                    raise ScriptError(
                        f"{stepName}(): {pathTo('$', place)} has the key {key!r} "
                        f"({typeName(key)}); JSON object keys are strings"
                    )
                if not key.isascii():
                    checkUTF8(stepName, key, f"a key of {pathTo('$', place)}")
            return DESCEND
        if isinstance(part, SEQUENCE):
            return DESCEND
        if isinstance(part, str):
            if not part.isascii():
                checkUTF8(stepName, part, f"the string at {pathTo('$', place)}")
            return part
        if part is None or isinstance(part, _BOOL_OR_INT):
            return part
        if isinstance(part, float) and math.isfinite(part):
            return part
        path = pathTo("$", place)
        if isinstance(part, float):
            raise ScriptError(
                f"{stepName}(): {path} is {part!r}, which JSON cannot represent "
                f"(json.dumps would write {json.dumps(part)}, which no JSON "
                f"parser accepts)"
            )
        if isinstance(part, Matcher):
            raise ScriptError(
                f"{stepName}(): {path} is the matcher {part!r}; matchers say what "
                f"to expect, a sent message needs plain values"
            )
        hint = "; use a list" if isinstance(part, set | frozenset) else ""
        raise ScriptError(
            f"{stepName}(): {path} is a {typeName(part)} ({part!r}), which JSON "
            f"cannot represent{hint}"
        )

    visitAll(value, visit)


def sentText(instance: Any, attribute: attrs.Attribute[Any], value: Any) -> None:
    """
    Text `sendText` can send: a ``str`` that encodes as UTF-8.
    """
    if not isinstance(value, str):
        hint = "; for bytes use sendBinary()" if isinstance(value, bytes) else ""
        raise ScriptError(
            f"{instance.name}(): the text must be a str, got "
            f"{typeName(value)} {value!r}{hint}"
        )
    checkUTF8(instance.name, value, "the text")


def bytesArgument(what: str, hint: str) -> Validator:
    """
    ``bytes``, called ``what`` in the error, with ``hint`` for a ``str``.
    """

    def validate(instance: Any, attribute: attrs.Attribute[Any], value: Any) -> None:
        checkBytes(instance.name, what, value, hint)

    return validate


def controlPayload(instance: Any, attribute: attrs.Attribute[Any], value: Any) -> None:
    """
    A ping's payload: at most 125 bytes.
    """
    if len(value) > MAX_CONTROL_PAYLOAD:
        raise ScriptError(
            f"{instance.name}(): the payload is {len(value)} bytes; a ping "
            f"carries at most {MAX_CONTROL_PAYLOAD}"
        )


def isCallable(instance: Any, attribute: attrs.Attribute[Any], value: Any) -> None:
    """
    A function, for `reply`.
    """
    if not callable(value):
        raise ScriptError(
            f"{instance.name}(): the function must be callable, got "
            f"{typeName(value)} {value!r}"
        )


def seconds(instance: Any, attribute: attrs.Attribute[Any], value: Any) -> None:
    """
    A finite number of seconds, ``>= 0``.
    """
    checked = checkNumber(instance.name, "seconds", value)
    if not math.isfinite(checked) or checked < 0:
        raise ScriptError(
            f"{instance.name}(): seconds must be finite and >= 0, got {checked!r}"
        )


def closeCode(receiving: bool) -> Validator:
    """
    A close code a close frame may carry: one the peer sends, or (when
    ``receiving``) one it may receive.
    """

    def validate(instance: Any, attribute: attrs.Attribute[Any], value: Any) -> None:
        checkCloseCode(instance.name, value, receiving)

    return validate


def closeReason(instance: Any, attribute: attrs.Attribute[Any], value: Any) -> None:
    """
    The reason of a close frame the peer sends: a ``str`` of at most 123
    bytes in UTF-8, and only with a code.
    """
    if not isinstance(value, str):
        raise ScriptError(
            f"{instance.name}(): the reason must be a str, got "
            f"{typeName(value)} {value!r}"
        )
    checkUTF8(instance.name, value, "the reason")
    size = len(value.encode("utf-8"))
    if size > MAX_CLOSE_REASON:
        raise ScriptError(
            f"{instance.name}(): the reason is {size} bytes in UTF-8; a close "
            f"frame carries at most {MAX_CLOSE_REASON}"
        )
    if instance.code is None and value:
        raise ScriptError(
            f"{instance.name}(): a close frame without a code cannot carry a "
            f"reason; give a code"
        )


def reasonPattern(instance: Any, attribute: attrs.Attribute[Any], value: Any) -> None:
    """
    A pattern for a received close reason: a ``str``, a matcher or ``None``.
    """
    if value is not None and not isinstance(value, str | Matcher):
        raise ScriptError(
            f"{instance.name}(): the reason must be a str, a matcher or None, got "
            f"{typeName(value)} {value!r}"
        )


def handshakePath(instance: Any, attribute: attrs.Attribute[Any], value: Any) -> None:
    """
    A request path to expect: a matcher, or a ``str`` starting with ``/``
    without query or fragment; ``None`` to not check.
    """
    if value is None:
        return
    if not isinstance(value, str | Matcher):
        raise ScriptError(
            f"{instance.name}(): path must be a str or a matcher, got "
            f"{typeName(value)} {value!r}"
        )
    if isinstance(value, str) and (
        not value.startswith("/") or "?" in value or "#" in value
    ):
        raise ScriptError(
            f"{instance.name}(): path {value!r} must start with '/' and hold "
            f"no '?' or '#'; check query parameters with query="
        )


def httpToken(what: str) -> Validator:
    """
    An HTTP token (a subprotocol, say), or ``None``.
    """

    def validate(instance: Any, attribute: attrs.Attribute[Any], value: Any) -> None:
        if value is not None:
            checkToken(instance.name, what, value)

    return validate


def headerPatterns(instance: Any, attribute: attrs.Attribute[Any], value: Any) -> None:
    """
    Header name to pattern (a ``str``, a matcher or ``None``), names unique
    ignoring case; or ``None``.
    """
    if value is None:
        return
    _checkNames(instance.name, attribute.name, value)
    checkHeaderNames(instance.name, attribute.name, list(value))
    for key, item in value.items():
        if item is not None and not isinstance(item, str | Matcher):
            raise ScriptError(
                f"{instance.name}(): headers[{key!r}] must be a str, a matcher or "
                f"None, got {typeName(item)} {item!r}"
            )


def queryPatterns(instance: Any, attribute: attrs.Attribute[Any], value: Any) -> None:
    """
    Query parameter name to pattern (a ``str``, a matcher, a list of them
    or ``None``); or ``None``.
    """
    if value is None:
        return
    _checkNames(instance.name, attribute.name, value)
    for key, item in value.items():
        if item is not None and not isinstance(item, str | Matcher | list):
            raise ScriptError(
                f"{instance.name}(): query[{key!r}] must be a str, a matcher, a "
                f"list of them or None, got {typeName(item)} {item!r}"
            )


def _checkNames(stepName: str, field: str, value: object) -> None:
    """
    A dict of non-empty ``str`` keys whose values are patterns.
    """
    if not isinstance(value, Mapping):
        raise ScriptError(
            f"{stepName}(): {field} must be a dict, got {typeName(value)} {value!r}"
        )
    for key in value:
        if not isinstance(key, str) or not key:
            raise ScriptError(
                f"{stepName}(): {field} keys must be non-empty strings, got {key!r}"
            )
    _checkPattern(stepName, dict(value), field)


def httpStatus(instance: Any, attribute: attrs.Attribute[Any], value: Any) -> None:
    """
    An HTTP status that refuses a handshake: 300-599.
    """
    if isinstance(value, bool) or not isinstance(value, int):
        raise ScriptError(
            f"{instance.name}(): the status must be an int, got "
            f"{typeName(value)} {value!r}"
        )
    if not 300 <= value <= 599:
        raise ScriptError(
            f"{instance.name}(): status {value} does not refuse a handshake; "
            f"use a 3xx, 4xx or 5xx status (300-599)"
        )


def headerText(what: str) -> Validator:
    """
    Text for an HTTP response line: a ``str`` without control characters.
    """

    def validate(instance: Any, attribute: attrs.Attribute[Any], value: Any) -> None:
        checkHeaderText(instance.name, what, value)

    return validate


def responseHeaders(instance: Any, attribute: attrs.Attribute[Any], value: Any) -> None:
    """
    Response headers: token names, unique ignoring case, to text; or
    ``None``.
    """
    if value is None:
        return
    if not isinstance(value, Mapping):
        raise ScriptError(
            f"{instance.name}(): headers must be a dict, got "
            f"{typeName(value)} {value!r}"
        )
    checkHeaderNames(instance.name, "headers", list(value))
    for key, item in value.items():
        checkHeaderText(instance.name, f"the header {key}", item)


def repeatTimes(instance: Any, attribute: attrs.Attribute[Any], value: Any) -> None:
    """
    How many rounds a `repeat` plays: an int, at least 1.
    """
    if isinstance(value, bool) or not isinstance(value, int):
        raise ScriptError(
            f"{instance.name}(): times must be an int, got {typeName(value)} {value!r}"
        )
    if value < 1:
        raise ScriptError(f"{instance.name}(): times must be at least 1, got {value}")


def bytesFromBytearray(value: Any) -> Any:
    """
    Copy a ``bytearray`` into ``bytes``, so the step cannot change; anything
    else is left for the step's own check.
    """
    return bytes(value) if isinstance(value, bytearray) else value
