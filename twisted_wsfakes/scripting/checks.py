"""
Argument checks for script steps: each raises `ScriptError` naming the step,
the argument and what is wrong, so a mistake surfaces at the line that
built the step.

It may import `twisted_wsfakes.errors`, `twisted_wsfakes.matchers` and
`.render`.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Iterable, Sequence
from typing import Any, NoReturn

import attrs

from ..errors import PatternError, ScriptError
from ..matchers import Matcher, checkPattern, childPath
from .render import typeName

MAX_CLOSE_REASON = 123


MAX_CONTROL_PAYLOAD = 125


_TOKEN = re.compile(r"[!#$%&'*+\-.^_`|~0-9A-Za-z]+")


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
        return hash(eqKey(self))

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
        return hash(eqKey(self))

    def __reduce__(self) -> tuple[type[_FrozenList], tuple[list[Any]]]:
        return (_FrozenList, (list(self),))


def freeze(value: object) -> Any:
    """
    Copy the dicts, lists and tuples of ``value``, at any depth, into
    containers that cannot change (tuples become lists, as in JSON).
    """
    if isinstance(value, dict):
        return _FrozenDict((key, freeze(item)) for key, item in value.items())
    if isinstance(value, list | tuple):
        return _FrozenList(freeze(item) for item in value)
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


def eqKey(value: object) -> object:
    """
    A hashable stand-in for ``value`` that is equal exactly when the values
    are, used to compare and hash steps whose fields hold patterns.
    """
    if isinstance(value, dict):
        return ("dict", frozenset((key, eqKey(item)) for key, item in value.items()))
    if isinstance(value, list | tuple):
        return ("list", tuple(eqKey(item) for item in value))
    try:
        hash(value)
    except TypeError:
        return _ByValue(value)
    return value


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


def checkJSONValue(stepName: str, value: object, path: str) -> None:
    """
    Raise `ScriptError` naming the first part of ``value`` that JSON cannot
    carry exactly.
    """
    if value is None or isinstance(value, bool | int):
        return
    if isinstance(value, str):
        checkUTF8(stepName, value, f"the string at {path}")
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
                    f"({typeName(key)}); JSON object keys are strings"
                )
            checkUTF8(stepName, key, f"a key of {path}")
            checkJSONValue(stepName, item, childPath(path, key))
        return
    if isinstance(value, list | tuple):
        for index, item in enumerate(value):
            checkJSONValue(stepName, item, childPath(path, index))
        return
    if isinstance(value, Matcher):
        raise ScriptError(
            f"{stepName}(): {path} is the matcher {value!r}; matchers say what "
            f"to expect, a sent message needs plain values"
        )
    hint = "; use a list" if isinstance(value, set | frozenset) else ""
    raise ScriptError(
        f"{stepName}(): {path} is a {typeName(value)} ({value!r}), which JSON "
        f"cannot represent{hint}"
    )


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
