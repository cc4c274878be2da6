"""
Argument checks for script steps: each raises `ScriptError` naming the step,
the argument and what is wrong, so a mistake surfaces at the line that
built the step.

It may import `twisted_wsfakes.errors`, `twisted_wsfakes.jsontree`,
`twisted_wsfakes.matchers` and `.render`.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Iterable, Sequence
from typing import Any, NoReturn

import attrs

from ..errors import PatternError, ScriptError
from ..jsontree import DESCEND, Place, transform
from ..matchers import Matcher, checkPattern, pathTo
from .render import typeName

MAX_CLOSE_REASON = 123


MAX_CONTROL_PAYLOAD = 125


_TOKEN = re.compile(r"[!#$%&'*+\-.^_`|~0-9A-Za-z]+")


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


def _descend(part: object, place: Place) -> object:
    return DESCEND


def freeze(value: object) -> Any:
    """
    Copy the dicts, lists and tuples of ``value``, at any depth, into
    containers that cannot change (tuples become lists, as in JSON).
    """
    return transform(value, _descend, makeDict=_ReadOnlyDict, makeList=_ReadOnlyList)


@attrs.frozen(eq=False)
class _Literal:
    """
    A matcher inside an equality key: equal only to an equal matcher, not
    to every value the matcher accepts.
    """

    matcher: Matcher

    def __eq__(self, other: object) -> bool:
        return isinstance(other, _Literal) and self.matcher == other.matcher

    __hash__ = None  # type: ignore[assignment]


def _literal(part: object, place: Place) -> object:
    return _Literal(part) if isinstance(part, Matcher) else DESCEND


def eqKey(value: object) -> object:
    """
    What steps compare instead of a field that may hold patterns: the same
    value with each matcher equal only to an equal matcher, so
    ``expectJSON({"id": ANY})`` does not equal ``expectJSON({"id": 5})``
    although ``ANY == 5``.
    """
    return transform(value, _literal)


def toTuple(items: Iterable[Any]) -> tuple[Any, ...]:
    return tuple(items)


def frozenPattern(stepName: str, pattern: object, root: str = "$") -> Any:
    """
    Check a pattern with the matchers' own rules and freeze it.
    """
    try:
        checkPattern(pattern, root)
    except PatternError as e:
        raise ScriptError(f"{stepName}(): {e}") from e
    return freeze(pattern)


def checkUTF8(stepName: str, text: str, what: str) -> None:
    try:
        text.encode("utf-8")
    except UnicodeEncodeError as e:
        raise ScriptError(
            # repr() escapes the surrogate, so the message itself prints.
            f"{stepName}(): {what}, {text!r}, cannot be sent as UTF-8 "
            f"({e.reason} at index {e.start})"
        ) from e


def frozenJSON(stepName: str, value: object) -> Any:
    """
    Check that JSON can carry ``value`` exactly and return it frozen (see
    `freeze`).

    :raises ScriptError: naming the path of the first part that JSON cannot
        carry.
    """

    def visit(part: object, place: Place) -> object:
        if part is None or isinstance(part, bool | int):
            return part
        # The path is named only when something is wrong: this runs for
        # every part of every value sent.
        if isinstance(part, str):
            if not part.isascii():
                checkUTF8(stepName, part, f"the string at {pathTo('$', place)}")
            return part
        path = pathTo("$", place)
        if isinstance(part, float):
            if not math.isfinite(part):
                raise ScriptError(
                    f"{stepName}(): {path} is {part!r}, which JSON cannot "
                    f"represent (json.dumps would write {json.dumps(part)}, which "
                    f"no JSON parser accepts)"
                )
            return part
        if isinstance(part, dict):
            for key in part:
                if not isinstance(key, str):
                    raise ScriptError(
                        f"{stepName}(): {path} has the key {key!r} "
                        f"({typeName(key)}); JSON object keys are strings"
                    )
                checkUTF8(stepName, key, f"a key of {path}")
            return DESCEND
        if isinstance(part, list | tuple):
            return DESCEND
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

    return transform(value, visit, makeDict=_ReadOnlyDict, makeList=_ReadOnlyList)


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
