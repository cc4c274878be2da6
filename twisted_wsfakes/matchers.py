"""
Patterns that say what a JSON message should look like, and matching a
value against one.

A pattern is a JSON value (``None``, ``bool``, ``int``, ``float``, ``str``,
``list``, ``dict`` with ``str`` keys; ``bytes`` and tuples are accepted too)
in which any part may be a `Matcher`::

    pattern = {"op": "subscribe", "id": ANY, "price": approx(100.0, abs=0.5)}
    matchValue(pattern, {"op": "subscribe", "id": 7, "price": 100.2})  # -> []

The matchers: `ANY`, `regex`, `predicate`, `approx`, `exactly` and `strict`;
subclass `Matcher` for more.  How plain values in a pattern match:

  - A ``dict`` matches a ``dict`` that has every key of the pattern, each
    matching; extra keys are allowed, unless the dict is inside `strict`.
  - A ``list`` (or tuple) matches a list of the same length whose items
    match one by one.  When the lengths differ the positions no longer line
    up, so one `Difference` says so and the items are not compared.
  - Anything else matches by JSON equality: ``True`` is not ``1``, ``"1"``
    is not ``1``, but ``1`` equals ``1.0`` (JSON has one number type).

Each mismatch is a `Difference` naming where it is, as a path such as
``$.items[2].price`` (see `twisted_wsfakes.differences`, which also holds
`renderJSON`).

It may import `twisted_wsfakes.differences`, `twisted_wsfakes.errors` and
`twisted_wsfakes.jsontree`.
"""

from __future__ import annotations

import copy
import math
import re
from abc import ABC, abstractmethod
from collections.abc import Callable, Iterable
from typing import Any, Final, TypeGuard

import attrs

from .differences import MISSING, Difference, childPath, pathTo, renderJSON
from .errors import PatternError
from .jsontree import DESCEND, SEQUENCE, Place, transform, visitAll

__all__ = [
    "ANY",
    "MISSING",
    "Difference",
    "Matcher",
    "approx",
    "checkPattern",
    "describe",
    "exactly",
    "matchValue",
    "predicate",
    "regex",
    "strict",
]


class Matcher(ABC):
    """
    A part of a pattern that decides for itself what matches.

    Subclass it to write your own: say what you expect in `describe`, and
    check a value in `match`::

        class EvenNumber(Matcher):
            def describe(self) -> str:
                return "an even number"

            def match(self, value: object, path: str = "$") -> list[Difference]:
                if isinstance(value, int) and value % 2 == 0:
                    return []
                return [self.differenceAt(path, value)]

    ``repr()`` of a matcher is its `describe`, so patterns read well in
    reports.

    A matcher also works in a test's own assertions: ``==`` with a value
    that is not a matcher is `match` finding no difference, from either
    side and at any depth inside dicts and lists, as ``unittest.mock.ANY``
    and ``pytest.approx`` do::

        self.assertEqual(received, {"op": "tick", "price": approx(100, abs=0.5)})

    Two matchers are equal when they are the same kind with the same
    arguments.  Matchers are unhashable, as ``pytest.approx`` is: a hash
    could not agree with every value they equal.
    """

    __hash__ = None  # type: ignore[assignment]

    @abstractmethod
    def describe(self) -> str:
        """
        Say what this matcher expects, in a few words for a report.
        """

    @abstractmethod
    def match(self, value: object, path: str = "$") -> list[Difference]:
        """
        Check ``value``, found at ``path``.

        :param value: the value to check.
        :param path: where ``value`` is in the whole message, for the
            differences found.
        :returns: the differences found, empty when ``value`` matches.
        """

    def differenceAt(
        self, path: str, value: object, why: str | None = None
    ) -> Difference:
        """
        Build the `Difference` saying ``value`` at ``path`` does not match.

        :param path: where ``value`` is.
        :param value: the value that does not match.
        :param why: what is wrong, when ``describe() != value`` does not say.
        """
        return Difference(path, self.describe(), renderJSON(value), why)

    def __repr__(self) -> str:
        return self.describe()

    def __eq__(self, other: object) -> bool:
        if isinstance(other, Matcher):
            return self._sameAs(other)
        return not self.match(other)

    def _sameAs(self, other: Matcher) -> bool:
        """
        Compare two matchers by kind and arguments; a matcher class that is
        not an attrs class is equal only to itself.
        """
        if self is other:
            return True
        kind = type(self)
        if kind is not type(other) or not attrs.has(kind):
            return False
        names = [field.name for field in attrs.fields(kind)]
        return all(
            literalKey(getattr(self, name)) == literalKey(getattr(other, name))
            for name in names
        )


@attrs.frozen(eq=False)
class _Literal:
    """
    A matcher inside a `literalKey`: equal only to an equal matcher, not to
    every value the matcher accepts.
    """

    matcher: Matcher

    def __eq__(self, other: object) -> bool:
        return isinstance(other, _Literal) and self.matcher == other.matcher

    __hash__ = None  # type: ignore[assignment]


def _literal(part: object, place: Place) -> object:
    return _Literal(part) if isinstance(part, Matcher) else DESCEND


def literalKey(value: object) -> object:
    """
    What to compare instead of a pattern to tell whether two patterns are
    written the same: ``value`` with each matcher equal only to an equal
    matcher, so ``{"id": ANY}`` and ``{"id": 5}`` differ although
    ``ANY == 5``.
    """
    return transform(value, _literal)


@attrs.frozen(repr=False, eq=False)
class _Anything(Matcher):
    def describe(self) -> str:
        return "ANY"

    def match(self, value: object, path: str = "$") -> list[Difference]:
        return []


ANY: Final[Matcher] = _Anything()
"""
Matches any value, ``None`` included.  As the value of a key in a dict
pattern it still needs the key to be there.
"""


@attrs.frozen(repr=False, eq=False)
class _Regex(Matcher):
    compiled: re.Pattern[str]

    def describe(self) -> str:
        text = _stringLiteral(self.compiled.pattern)
        # Every str pattern carries re.UNICODE; showing it would be noise.
        flags = self.compiled.flags & ~re.UNICODE
        if flags:
            return f"regex({text}, {re.RegexFlag(flags)!r})"
        return f"regex({text})"

    def match(self, value: object, path: str = "$") -> list[Difference]:
        if isinstance(value, str) and self.compiled.search(value):
            return []
        return [self.differenceAt(path, value)]


def regex(pattern: str | re.Pattern[str], flags: int = 0) -> Matcher:
    """
    Match a string in which the regular expression ``pattern`` is found.

    It searches, as ``re.search`` does, so ``regex("hello")`` matches
    ``"say hello"``; anchor it (``r"^hello$"``, or ``\\A``/``\\Z``) to
    require the whole string.  Only ``str`` values match: a number or
    ``bytes`` never does.

    ::

        expectText(regex(r"^hello"))
        expectJSON({"token": regex(r"^[0-9a-f]{32}$")})

    :param pattern: the expression, or one compiled from a ``str``.
    :param flags: ``re`` flags, such as ``re.IGNORECASE``; only with a
        ``str`` pattern.
    :raises PatternError: if ``pattern`` does not compile, is a ``bytes``
        expression, or is compiled and ``flags`` are given as well.
    """
    if isinstance(pattern, re.Pattern):
        if not isinstance(pattern.pattern, str):
            raise PatternError(
                f"regex() matches text only; got a bytes expression {pattern.pattern!r}"
            )
        if flags:
            raise PatternError(
                "regex() takes flags only with a str expression; "
                "compile them into the pattern instead"
            )
        return _Regex(pattern)
    if not isinstance(pattern, str):
        raise PatternError(
            f"regex() needs a str expression, got {type(pattern).__name__} {pattern!r}"
        )
    try:
        compiled = re.compile(pattern, flags)
    except re.error as e:
        raise PatternError(f"regex({pattern!r}) does not compile: {e}") from e
    return _Regex(compiled)


@attrs.frozen(repr=False, eq=False)
class _Predicate(Matcher):
    function: Callable[[Any], object]
    description: str

    def describe(self) -> str:
        return self.description

    def match(self, value: object, path: str = "$") -> list[Difference]:
        # A predicate written for the expected type often raises on another
        # (``lambda n: n > 0`` on a string); that is a mismatch to report,
        # not a crash inside the peer.
        try:
            accepted = self.function(value)
        except Exception as e:  # noqa: BLE001
            why = f"{self.description} raised {e!r} on {renderJSON(value)}"
            return [self.differenceAt(path, value, why)]
        return [] if accepted else [self.differenceAt(path, value)]


def predicate(
    function: Callable[[Any], object], description: str | None = None
) -> Matcher:
    """
    Match a value for which ``function(value)`` is true.

    ::

        expectJSON({"seq": predicate(lambda n: n > 0, "a positive number")})

    An exception from ``function`` counts as a mismatch, and the difference
    says what it raised.

    :param function: called with the value; its result is taken as a bool.
    :param description: what the function accepts, shown as is in reports.
        Without it, reports show ``predicate(<function's name>)``.
    """
    if description is None:
        name = getattr(function, "__name__", None) or repr(function)
        description = f"predicate({name})"
    return _Predicate(function, description)


@attrs.frozen(repr=False, eq=False)
class _Approx(Matcher):
    expected: float
    rel: float | None
    abs: float | None

    @property
    def tolerance(self) -> float:
        """
        The largest distance from ``expected`` that still matches.
        """
        if math.isinf(self.expected):
            # Any relative tolerance of infinity is infinite.
            return 0.0
        if self.rel is None and self.abs is not None:
            return self.abs
        rel = _DEFAULT_REL if self.rel is None else self.rel
        absolute = _DEFAULT_ABS if self.abs is None else self.abs
        return max(rel * math.fabs(self.expected), absolute)

    def describe(self) -> str:
        if math.isinf(self.expected):
            return f"approx({renderJSON(self.expected)})"
        return f"approx({renderJSON(self.expected)} ± {self.tolerance:.6g})"

    def match(self, value: object, path: str = "$") -> list[Difference]:
        if _isNumber(value) and _isClose(value, self.expected, self.tolerance):
            return []
        return [self.differenceAt(path, value)]


_DEFAULT_REL: Final = 1e-6
_DEFAULT_ABS: Final = 1e-12


def approx(
    expected: float, rel: float | None = None, abs: float | None = None
) -> Matcher:
    """
    Match a number close to ``expected``.

    The tolerance works as in ``pytest.approx``: with neither ``rel`` nor
    ``abs`` a value matches within a millionth of ``expected`` (but at
    least 1e-12); with ``rel`` only, within ``rel * |expected|`` (at least
    1e-12); with ``abs`` only, within ``abs``; with both, within the larger.
    ``int`` and ``float`` values both match; ``bool`` never does, nor does
    NaN.  An infinite ``expected`` matches only itself.

    ::

        expectJSON({"price": approx(100.0, abs=0.5)})  # 99.5 to 100.5
        expectJSON({"ratio": approx(0.25, rel=0.01)})  # within 1%

    :param expected: the number wanted.
    :param rel: relative tolerance, a fraction of ``|expected|``.
    :param abs: absolute tolerance.
    :raises PatternError: if ``expected`` is not a number (or is a bool or
        NaN), or a tolerance is negative or NaN.
    """
    if not _isNumber(expected):
        raise PatternError(f"approx() needs a number to expect, got {expected!r}")
    try:
        asFloat = float(expected)
    except OverflowError:
        raise PatternError(
            f"approx() needs a number a float can hold, got {expected!r}"
        ) from None
    if math.isnan(asFloat):
        raise PatternError("approx() cannot expect NaN: it is close to nothing")
    for name, tolerance in (("rel", rel), ("abs", abs)):
        if tolerance is None:
            continue
        if not _isNumber(tolerance) or not tolerance >= 0:
            raise PatternError(
                f"approx() needs {name} to be a number >= 0, got {tolerance!r}"
            )
    return _Approx(expected, rel, abs)


@attrs.frozen(repr=False, eq=False)
class _Exactly(Matcher):
    value: object

    def describe(self) -> str:
        return f"exactly({renderJSON(self.value)})"

    def match(self, value: object, path: str = "$") -> list[Difference]:
        if _match(self.value, value, path, strict=True):
            return [self.differenceAt(path, value)]
        return []


def exactly(value: object) -> Matcher:
    """
    Match a value equal to ``value`` as a whole, by JSON equality.

    Unlike a plain dict in a pattern, a dict inside ``exactly`` must have no
    extra keys, at any depth; and a mismatch gives one `Difference` for the
    whole value rather than one per field.

    ::

        expectJSON({"op": "snapshot", "book": exactly({"bids": [], "asks": []})})

    :param value: a JSON value, with no matchers in it.
    :raises PatternError: if ``value`` is not a JSON value or holds a
        matcher, which could never be equal to anything in a message.
    """
    _check(value, "$", allowMatchers=False)
    # A copy: changing the caller's value later must not change the match.
    return _Exactly(copy.deepcopy(value))


@attrs.frozen(repr=False, eq=False)
class _Strict(Matcher):
    pattern: object

    def describe(self) -> str:
        return f"strict({renderJSON(self.pattern)})"

    def match(self, value: object, path: str = "$") -> list[Difference]:
        return _match(self.pattern, value, path, strict=True)


def strict(pattern: object) -> Matcher:
    """
    Match as ``pattern`` does, but allow no keys it does not name.

    Strictness reaches every dict in ``pattern``, however deep, because a
    test that cares about stray fields cares about them everywhere.
    Matchers inside keep their own rules: ``ANY`` still matches any dict.

    ::

        expectJSON(strict({"op": "ping", "data": {"seq": ANY}}))
        # {"op": "ping", "data": {"seq": 1, "debug": true}} fails:
        #   $.data.debug: unexpected key (strict match)

    :param pattern: any pattern.
    :raises PatternError: if ``pattern`` is not a valid pattern.
    """
    _check(pattern, "$", allowMatchers=True)
    # A copy: changing the caller's pattern later must not change the match.
    return _Strict(copy.deepcopy(pattern))


def matchValue(pattern: object, value: object, path: str = "$") -> list[Difference]:
    """
    Check ``value`` against ``pattern``.

    ::

        >>> for d in matchValue({"op": "subscribe", "channel": "BTC-USD"},
        ...                     {"op": "subscribe", "channel": "ETH-USD"}):
        ...     print(d)
        $.channel: "BTC-USD" != "ETH-USD"

    :param pattern: a JSON value, with matchers anywhere in it.
    :param value: the value to check, typically a decoded JSON message.
    :param path: where ``value`` is, when it is part of something larger.
    :returns: every difference found, in the order of the pattern (extra
        keys of a strict match after the pattern's own); empty when
        ``value`` matches.
    :raises PatternError: if ``pattern`` is not a valid pattern, wherever the
        bad part is and whether or not ``value`` would have reached it.
    """
    checkPattern(pattern, path)
    return _match(pattern, value, path, strict=False)


def checkPattern(pattern: object, path: str = "$") -> None:
    """
    Make sure ``pattern`` is something `matchValue` can use.

    Call it when a pattern is given, so a mistake shows up where it was
    made rather than when the first message arrives.

    :param pattern: the pattern to check.
    :param path: the name of the pattern's root in error messages.
    :raises PatternError: naming the path of the first bad part: a value
        that is not JSON (such as a set), a dict key that is not a ``str``,
        or a NaN, which equals nothing.
    """
    _check(pattern, path, allowMatchers=True)


def describe(pattern: object) -> str:
    """
    Render ``pattern`` as one line of JSON, with matchers shown by their
    ``repr``::

        >>> describe({"op": "subscribe", "id": ANY, "price": approx(100.0, abs=0.5)})
        '{"op": "subscribe", "id": ANY, "price": approx(100.0 ± 0.5)}'

    :raises PatternError: if ``pattern`` is not a valid pattern.
    """
    checkPattern(pattern)
    return renderJSON(pattern)


def _stringLiteral(text: str) -> str:
    """
    Spell ``text`` as a Python literal in double quotes, raw when that saves
    doubling backslashes, so a regular expression reads as it was written.
    """
    printable = text.isprintable() and '"' not in text
    if printable and "\\" not in text:
        return f'"{text}"'
    trailingBackslashes = len(text) - len(text.rstrip("\\"))
    if printable and trailingBackslashes % 2 == 0:
        return f'r"{text}"'
    return repr(text)


#: The exact types of a plain text or bytes pattern, which `_match` takes
#: the short way (subclasses go the long way).
_PLAIN_TEXT: Final = (str, bytes)

#: The exact built-in types of a pattern's parts, none of them a `Matcher`:
#: `_check` does not ask the Matcher ABC about them (subclasses it does),
#: and takes the scalars among them without any other test.
_PLAIN_SCALARS: Final = frozenset({str, bytes, int, bool, type(None)})
_PLAIN_PARTS: Final = _PLAIN_SCALARS | {float, dict, list, tuple}

# A union `_check` tests every other part with: written in the test, ``a |
# b`` would build a new union each time, which costs as much as the test.
_SCALAR: Final = bool | int | float | str | bytes


def _isNumber(value: object) -> TypeGuard[int | float]:
    return isinstance(value, int | float) and not isinstance(value, bool)


def _isClose(value: Any, expected: float, tolerance: float) -> bool:
    if value == expected:
        return True
    try:
        return bool(math.fabs(value - expected) <= tolerance)
    except OverflowError:
        # An int too large for a float is nowhere near a float tolerance.
        return False


def _sameScalar(expected: object, value: object) -> bool:
    """
    JSON equality of a pattern's plain value (not a dict or list): like
    ``==``, except that ``bool`` is not a number.
    """
    if isinstance(expected, bool) or isinstance(value, bool):
        return type(expected) is type(value) and expected == value
    if _isNumber(expected):
        return _isNumber(value) and expected == value
    if expected is None:
        return value is None
    # str and bytes: equal only to their own kind, which == already ensures.
    return expected == value


def _match(pattern: object, value: object, path: str, strict: bool) -> list[Difference]:
    """
    Check ``value`` against an already checked ``pattern``.

    This is the one walk that does not go through `jsontree`, which shows
    the parts of one value: it goes down two values side by side, stops
    where their shapes part (a missing key, another type, another length),
    reports a strict dict's extra keys, which only the value has, after its
    own differences, and hands each matcher its path as text, one step
    longer at each level.

    :param strict: whether dicts may have keys the pattern does not name.
    """
    if type(pattern) in _PLAIN_TEXT:
        # As _sameScalar has it for text and bytes, without the type tests
        # on the way there (a Matcher is neither).
        return [] if pattern == value else [_mismatch(pattern, value, path)]
    if isinstance(pattern, Matcher):
        return pattern.match(value, path)
    if isinstance(pattern, dict):
        if not isinstance(value, dict):
            return [_mismatch(pattern, value, path)]
        return _matchDict(pattern, value, path, strict)
    if isinstance(pattern, SEQUENCE):
        if not isinstance(value, SEQUENCE):
            return [_mismatch(pattern, value, path)]
        if len(pattern) != len(value):
            why = f"expected {_items(len(pattern))}, got {len(value)}"
            return [_mismatch(pattern, value, path, why)]
        return _concat(
            _match(item, actual, childPath(path, index), strict)
            for index, (item, actual) in enumerate(zip(pattern, value))
        )
    if _sameScalar(pattern, value):
        return []
    return [_mismatch(pattern, value, path)]


def _matchDict(
    pattern: dict[str, object], value: dict[Any, object], path: str, strict: bool
) -> list[Difference]:
    differences: list[Difference] = []
    for key, item in pattern.items():
        where = childPath(path, key)
        if key in value:
            differences.extend(_match(item, value[key], where, strict))
        else:
            differences.append(Difference(where, renderJSON(item), MISSING, "missing"))
    if strict:
        for key, actual in value.items():
            if key not in pattern:
                differences.append(
                    Difference(
                        childPath(path, key),
                        MISSING,
                        renderJSON(actual),
                        "unexpected key (strict match)",
                    )
                )
    return differences


def _mismatch(
    pattern: object, value: object, path: str, why: str | None = None
) -> Difference:
    return Difference(path, renderJSON(pattern), renderJSON(value), why)


def _items(count: int) -> str:
    return "1 item" if count == 1 else f"{count} items"


def _concat(lists: Iterable[list[Difference]]) -> list[Difference]:
    return [difference for differences in lists for difference in differences]


def _check(pattern: object, root: str, allowMatchers: bool) -> None:
    """
    Raise `PatternError` naming the first part of ``pattern`` that is not a
    JSON value (or, when ``allowMatchers``, a matcher).
    """
    if type(pattern) in _PLAIN_SCALARS:
        # A whole pattern that is one plain scalar (text, most often: it is
        # checked on every message it matches) is valid as visit would find
        # it, with nothing inside to walk.
        return

    def visit(part: object, place: Place) -> object:
        # Asking the Matcher ABC costs more than all the other tests here,
        # and most parts are of a built-in type, which no matcher is.
        kind = type(part)
        if kind in _PLAIN_SCALARS:
            return part
        if kind not in _PLAIN_PARTS and isinstance(part, Matcher):
            if not allowMatchers:
                raise PatternError(
                    f"{pathTo(root, place)}: exactly() compares literally, and "
                    f"{part!r} would never equal a value; use a plain pattern to "
                    f"match it"
                )
            return part
        if isinstance(part, float) and math.isnan(part):
            raise PatternError(
                f"{pathTo(root, place)}: NaN equals nothing, not even NaN; use "
                f"predicate(math.isnan) to expect one"
            )
        if part is None or isinstance(part, _SCALAR):
            return part
        if isinstance(part, dict):
            for key in part:
                if not isinstance(key, str):
                    raise PatternError(
                        f"{pathTo(root, place)}: JSON object keys are strings; got "
                        f"the key {key!r} ({type(key).__name__})"
                    )
            return DESCEND
        if isinstance(part, SEQUENCE):
            return DESCEND
        hint = "; use a list" if isinstance(part, set | frozenset) else ""
        raise PatternError(
            f"{pathTo(root, place)}: a pattern holds JSON values and matchers, "
            f"not a {type(part).__name__} ({part!r}){hint}"
        )

    visitAll(pattern, visit)
