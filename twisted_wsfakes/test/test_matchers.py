"""
Tests for ``twisted_wsfakes.matchers``.
"""

from __future__ import annotations

import math
import re
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st
from twisted.trial.unittest import SynchronousTestCase

from twisted_wsfakes.differences import renderJSON
from twisted_wsfakes.errors import PatternError, WsFakesError
from twisted_wsfakes.matchers import (
    ANY,
    MISSING,
    Difference,
    Matcher,
    approx,
    checkPattern,
    describe,
    exactly,
    matchValue,
    predicate,
    regex,
    strict,
)

_settings = settings(deadline=None, derandomize=True, max_examples=150)

_scalars = (
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**63), max_value=2**63)
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=8)
)
_json = st.recursive(
    _scalars,
    lambda children: (
        st.lists(children, max_size=4)
        | st.dictionaries(st.text(max_size=6), children, max_size=4)
    ),
    max_leaves=20,
)

_Key = str | int


def _paths(value: object, leavesOnly: bool) -> list[tuple[_Key, ...]]:
    """
    List the key paths of every node of ``value`` (or of its scalar leaves
    only), the root first.
    """
    children: list[tuple[_Key, Any]] = []
    if isinstance(value, dict):
        children = list(value.items())
    elif isinstance(value, list):
        children = list(enumerate(value))
    found: list[tuple[_Key, ...]] = []
    isScalar = not isinstance(value, dict | list)
    if isScalar or not leavesOnly:
        found.append(())
    for key, child in children:
        found.extend((key, *rest) for rest in _paths(child, leavesOnly))
    return found


def _replaced(value: Any, keys: tuple[_Key, ...], new: object) -> Any:
    """
    Return a copy of ``value`` with the node at ``keys`` replaced by ``new``.
    """
    if not keys:
        return new
    head, rest = keys[0], keys[1:]
    if isinstance(value, dict):
        return {
            k: _replaced(v, rest, new) if k == head else v for k, v in value.items()
        }
    return [_replaced(v, rest, new) if i == head else v for i, v in enumerate(value)]


def _pathText(keys: tuple[_Key, ...]) -> str:
    """
    Spell a key path the way differences do, written out independently of
    the module under test.
    """
    text = "$"
    for key in keys:
        if isinstance(key, int):
            text += f"[{key}]"
        elif re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", key):
            text += "." + key
        else:
            text += "[" + renderJSON(key) + "]"
    return text


def _sameJSON(a: object, b: object) -> bool:
    """
    Whether two JSON values are equal as JSON: ``True`` is not ``1``.
    """
    return matchValue(exactly(a), b) == []


class CopyTests(SynchronousTestCase):
    """
    exactly() and strict() keep their own copy of what they were given.
    """

    def test_laterChangesDoNotLeakIn(self) -> None:
        """
        Changing the dict after building the matcher changes neither what
        it matches nor how it reads.
        """
        book = {"bids": [1, 2]}
        whole, stricter = exactly(book), strict(book)
        book["bids"].append(3)
        book["asks"] = []
        self.assertEqual(matchValue(whole, {"bids": [1, 2]}), [])
        self.assertEqual(matchValue(stricter, {"bids": [1, 2]}), [])
        self.assertEqual(repr(whole), 'exactly({"bids": [1, 2]})')


class PlainPatternTests(SynchronousTestCase):
    """
    Tests for `matchValue` with patterns made of plain JSON values.
    """

    def test_equalScalars(self) -> None:
        """
        A scalar matches an equal scalar.
        """
        for value in [None, True, False, 0, 3, -2.5, "", "x"]:
            self.assertEqual(matchValue(value, value), [], value)

    def test_differentScalar(self) -> None:
        """
        A scalar that differs gives one difference at the root.
        """
        self.assertEqual(
            matchValue("BTC-USD", "ETH-USD"),
            [Difference("$", '"BTC-USD"', '"ETH-USD"')],
        )

    def test_boolIsNotNumber(self) -> None:
        """
        ``True`` does not match ``1``, nor ``False`` ``0``, either way round.
        """
        self.assertEqual(matchValue(True, 1), [Difference("$", "true", "1")])
        self.assertEqual(matchValue(1, True), [Difference("$", "1", "true")])
        self.assertEqual(matchValue(0, False), [Difference("$", "0", "false")])
        self.assertEqual(matchValue(1.0, True), [Difference("$", "1.0", "true")])

    def test_stringIsNotNumber(self) -> None:
        """
        ``"1"`` does not match ``1`` or ``1.0``.
        """
        self.assertEqual(matchValue(1, "1"), [Difference("$", "1", '"1"')])
        self.assertEqual(matchValue("1", 1.0), [Difference("$", '"1"', "1.0")])

    def test_intMatchesEqualFloat(self) -> None:
        """
        JSON has one number type: ``1`` matches ``1.0`` and back.
        """
        self.assertEqual(matchValue(1, 1.0), [])
        self.assertEqual(matchValue(1.0, 1), [])

    def test_noneIsNotZeroOrEmpty(self) -> None:
        """
        ``None`` matches only ``None``.
        """
        for value in [0, "", False, [], {}]:
            self.assertEqual(len(matchValue(None, value)), 1, value)

    def test_bytes(self) -> None:
        """
        ``bytes`` match equal ``bytes`` only, never the same text as ``str``.
        """
        self.assertEqual(matchValue(b"ab", b"ab"), [])
        self.assertEqual(matchValue(b"ab", "ab"), [Difference("$", "b'ab'", '"ab"')])

    def test_extraKeysAllowed(self) -> None:
        """
        A dict pattern matches a dict with more keys than it names.
        """
        self.assertEqual(matchValue({"op": "ping"}, {"op": "ping", "seq": 1}), [])

    def test_missingKey(self) -> None:
        """
        A key of the pattern that the value lacks gives a "missing"
        difference, whatever the pattern wanted there.
        """
        self.assertEqual(
            matchValue({"op": "ping", "seq": 1}, {"op": "ping"}),
            [Difference("$.seq", "1", MISSING, "missing")],
        )

    def test_keyWithNoneIsNotMissing(self) -> None:
        """
        A key present with ``None`` is not missing: ``None`` matches ``None``
        and a missing key does not.
        """
        self.assertEqual(matchValue({"a": None}, {"a": None}), [])
        self.assertEqual(
            matchValue({"a": None}, {}), [Difference("$.a", "null", MISSING, "missing")]
        )

    def test_nestedDifference(self) -> None:
        """
        A difference deep inside dicts and lists names the full path.
        """
        pattern = {"book": {"items": [{"price": 1}, {"price": 2}, {"price": 3}]}}
        value = {"book": {"items": [{"price": 1}, {"price": 2}, {"price": 4}]}}
        self.assertEqual(
            matchValue(pattern, value),
            [Difference("$.book.items[2].price", "3", "4")],
        )

    def test_allDifferencesInPatternOrder(self) -> None:
        """
        Every difference is reported, in the order of the pattern's keys.
        """
        differences = matchValue(
            {"b": 1, "a": [1, 2], "c": 3}, {"a": [1, 5], "c": 4, "b": 1}
        )
        self.assertEqual([d.path for d in differences], ["$.a[1]", "$.c"])

    def test_dictAgainstOtherType(self) -> None:
        """
        A dict pattern against a non-dict gives one difference for the whole.
        """
        self.assertEqual(
            matchValue({"a": 1}, [1]),
            [Difference("$", '{"a": 1}', "[1]")],
        )

    def test_listAgainstOtherType(self) -> None:
        """
        A list pattern against a non-list gives one difference for the whole.
        """
        self.assertEqual(
            matchValue({"xs": [1]}, {"xs": "1"}),
            [Difference("$.xs", "[1]", '"1"')],
        )

    def test_listLengthDiffers(self) -> None:
        """
        A list of another length gives one difference saying the lengths,
        and the items are not compared.
        """
        differences = matchValue({"xs": [1, 2, 3]}, {"xs": [9, 2]})
        self.assertEqual(
            differences,
            [Difference("$.xs", "[1, 2, 3]", "[9, 2]", "expected 3 items, got 2")],
        )
        self.assertEqual(str(differences[0]), "$.xs: expected 3 items, got 2")

    def test_listLengthOneItem(self) -> None:
        """
        The length message says "1 item", not "1 items".
        """
        [difference] = matchValue([1], [])
        self.assertEqual(difference.why, "expected 1 item, got 0")

    def test_listsElementWise(self) -> None:
        """
        Lists of equal length compare item by item, each at its index.
        """
        self.assertEqual(
            [str(d) for d in matchValue([1, [2, 3], "x"], [0, [2, 4], "x"])],
            ["$[0]: 1 != 0", "$[1][1]: 3 != 4"],
        )

    def test_tuplePattern(self) -> None:
        """
        A tuple in a pattern is a list pattern.
        """
        self.assertEqual(matchValue((1, 2), [1, 2]), [])
        self.assertEqual(len(matchValue((1, 2), [1, 3])), 1)

    def test_identifierPath(self) -> None:
        """
        Keys that look like identifiers are written ``.key``.
        """
        [difference] = matchValue({"_a1": {"B_2": 1}}, {"_a1": {"B_2": 2}})
        self.assertEqual(difference.path, "$._a1.B_2")

    def test_otherKeyPath(self) -> None:
        """
        Other keys are written as a JSON string in brackets.
        """
        for key, path in [
            ("key with space", '$["key with space"]'),
            ("1st", '$["1st"]'),
            ("", '$[""]'),
            ('say "hi"', '$["say \\"hi\\""]'),
            ("prix€", '$["prix€"]'),
            ("a.b", '$["a.b"]'),
        ]:
            [difference] = matchValue({key: 1}, {key: 2})
            self.assertEqual(difference.path, path)

    def test_rootPath(self) -> None:
        """
        ``path`` names where the value sits, and prefixes every difference.
        """
        [difference] = matchValue({"a": 1}, {"a": 2}, path="$.payload")
        self.assertEqual(difference.path, "$.payload.a")


class AnyTests(SynchronousTestCase):
    """
    Tests for `ANY`.
    """

    def test_matchesAnything(self) -> None:
        """
        ``ANY`` matches any value, ``None`` included.
        """
        values: list[object] = [None, False, 0, "", [], {}, {"a": [1]}, b"x"]
        for value in values:
            self.assertEqual(matchValue(ANY, value), [], value)

    def test_keyStillRequired(self) -> None:
        """
        As the value of a key, ``ANY`` still needs the key to be there.
        """
        self.assertEqual(
            matchValue({"id": ANY}, {}), [Difference("$.id", "ANY", MISSING, "missing")]
        )

    def test_atDepth(self) -> None:
        """
        ``ANY`` works inside lists inside dicts.
        """
        pattern = {"op": "subscribe", "args": [{"id": ANY, "ts": ANY}, ANY]}
        value = {"op": "subscribe", "args": [{"id": 7, "ts": None}, {"x": 1}]}
        self.assertEqual(matchValue(pattern, value), [])

    def test_repr(self) -> None:
        """
        ``ANY`` reads as ``ANY``.
        """
        self.assertEqual(repr(ANY), "ANY")
        self.assertEqual(ANY.describe(), "ANY")


class RegexTests(SynchronousTestCase):
    """
    Tests for `regex`.
    """

    def test_searches(self) -> None:
        """
        The expression may match anywhere in the string.
        """
        self.assertEqual(matchValue(regex("hello"), "well hello there"), [])

    def test_anchors(self) -> None:
        """
        Anchors restrict where it matches.
        """
        self.assertEqual(matchValue(regex("^hello"), "hello there"), [])
        self.assertEqual(
            matchValue(regex("^hello"), "oh hello"),
            [Difference("$", 'regex("^hello")', '"oh hello"')],
        )

    def test_onlyStrings(self) -> None:
        """
        Values other than ``str`` never match, even if their text would.
        """
        for value in [1, b"1", None, ["1"]]:
            self.assertEqual(len(matchValue(regex("1"), value)), 1, value)

    def test_flags(self) -> None:
        """
        Flags apply to the match.
        """
        self.assertEqual(matchValue(regex("^hello$", re.IGNORECASE), "HeLLo"), [])
        self.assertEqual(len(matchValue(regex("^hello$"), "HeLLo")), 1)

    def test_compiled(self) -> None:
        """
        A compiled expression works as its text and flags would.
        """
        matcher = regex(re.compile("^a+$", re.IGNORECASE))
        self.assertEqual(matchValue(matcher, "aA"), [])
        self.assertEqual(repr(matcher), 'regex("^a+$", re.IGNORECASE)')

    def test_atDepth(self) -> None:
        """
        A regex inside a list inside a dict reports the full path.
        """
        [difference] = matchValue(
            {"tokens": [regex(r"^\d+$"), regex(r"^\d+$")]}, {"tokens": ["12", "1x"]}
        )
        self.assertEqual(str(difference), '$.tokens[1]: regex(r"^\\d+$") != "1x"')

    def test_repr(self) -> None:
        """
        The ``repr`` reads as the call that made it: raw when there are
        backslashes, Python's own quoting when double quotes or control
        characters need it, and flags by name.
        """
        self.assertEqual(repr(regex("^hello")), 'regex("^hello")')
        self.assertEqual(repr(regex(r"\d+\.\d")), 'regex(r"\\d+\\.\\d")')
        self.assertEqual(repr(regex('say "hi"')), "regex('say \"hi\"')")
        self.assertEqual(repr(regex("a\\\\")), 'regex(r"a\\\\")')
        self.assertEqual(repr(regex("a\n")), "regex('a\\n')")
        self.assertEqual(
            repr(regex("x", re.IGNORECASE | re.MULTILINE)),
            'regex("x", re.IGNORECASE|re.MULTILINE)',
        )

    def test_badExpression(self) -> None:
        """
        An expression that does not compile raises ``PatternError`` at once.
        """
        error = self.assertRaises(PatternError, regex, "(unclosed")
        self.assertIn("(unclosed", str(error))

    def test_bytesExpression(self) -> None:
        """
        A bytes expression is refused, compiled or not.
        """
        self.assertRaises(PatternError, regex, re.compile(b"x"))
        self.assertRaises(PatternError, regex, b"x")

    def test_compiledWithFlags(self) -> None:
        """
        Flags next to a compiled expression are refused, not ignored.
        """
        self.assertRaises(PatternError, regex, re.compile("x"), re.IGNORECASE)


class PredicateTests(SynchronousTestCase):
    """
    Tests for `predicate`.
    """

    def test_trueMatches(self) -> None:
        """
        A value for which the function returns something true matches.
        """
        self.assertEqual(matchValue(predicate(lambda n: n % 2 == 0), 4), [])
        self.assertEqual(matchValue(predicate(lambda s: s), "non-empty"), [])

    def test_falseDiffers(self) -> None:
        """
        A value for which the function returns something false does not.
        """

        def isEven(n: int) -> bool:
            return n % 2 == 0

        self.assertEqual(
            matchValue({"seq": predicate(isEven)}, {"seq": 3}),
            [Difference("$.seq", "predicate(isEven)", "3")],
        )

    def test_defaultDescription(self) -> None:
        """
        Without a description the ``repr`` names the function.
        """
        self.assertEqual(repr(predicate(callable)), "predicate(callable)")
        self.assertEqual(repr(predicate(lambda v: v)), "predicate(<lambda>)")

    def test_description(self) -> None:
        """
        A description is shown as given.
        """
        matcher = predicate(lambda n: n > 0, "a positive number")
        self.assertEqual(repr(matcher), "a positive number")
        [difference] = matchValue([matcher], [-1])
        self.assertEqual(str(difference), "$[0]: a positive number != -1")

    def test_raises(self) -> None:
        """
        An exception from the function is a mismatch saying what it raised.
        """
        matcher = predicate(lambda n: n > 0, "a positive number")
        [difference] = matchValue({"n": matcher}, {"n": "x"})
        self.assertEqual(difference.path, "$.n")
        self.assertEqual(difference.got, '"x"')
        self.assertTrue(
            str(difference).startswith("$.n: a positive number raised TypeError("),
            str(difference),
        )
        self.assertTrue(str(difference).endswith(' on "x"'), str(difference))

    def test_getsTheValue(self) -> None:
        """
        The function is called with the value at its place in the message.
        """
        seen: list[object] = []
        matchValue({"a": [0, predicate(seen.append)]}, {"a": [0, {"b": 1}]})
        self.assertEqual(seen, [{"b": 1}])


class ApproxTests(SynchronousTestCase):
    """
    Tests for `approx`.
    """

    def test_defaultTolerance(self) -> None:
        """
        By default a value within a millionth of the expected one matches.
        """
        self.assertEqual(matchValue(approx(100.0), 100.00009), [])
        self.assertEqual(len(matchValue(approx(100.0), 100.00011)), 1)

    def test_defaultAbsoluteFloor(self) -> None:
        """
        Near zero, the default tolerance is at least 1e-12.
        """
        self.assertEqual(matchValue(approx(0.0), 0.9e-12), [])
        self.assertEqual(len(matchValue(approx(0.0), 1.1e-12)), 1)

    def test_abs(self) -> None:
        """
        With ``abs`` alone, a value within ``abs`` matches, however large.
        """
        matcher = approx(1e9, abs=0.5)
        self.assertEqual(matchValue(matcher, 1e9 - 0.5), [])
        self.assertEqual(matchValue(matcher, 1e9 + 0.5), [])
        self.assertEqual(len(matchValue(matcher, 1e9 + 0.6)), 1)

    def test_rel(self) -> None:
        """
        With ``rel`` alone, a value within ``rel * |expected|`` matches.
        """
        matcher = approx(-200.0, rel=0.01)
        self.assertEqual(matchValue(matcher, -198.5), [])
        self.assertEqual(len(matchValue(matcher, -197.9)), 1)

    def test_relAndAbs(self) -> None:
        """
        With both, the larger tolerance applies.
        """
        self.assertEqual(matchValue(approx(100, rel=0.01, abs=5), 104.9), [])
        self.assertEqual(matchValue(approx(1000, rel=0.01, abs=5), 1009.9), [])
        self.assertEqual(len(matchValue(approx(100, rel=0.01, abs=5), 105.1)), 1)

    def test_zeroTolerance(self) -> None:
        """
        ``abs=0`` alone asks for the exact number.
        """
        self.assertEqual(matchValue(approx(0.1, abs=0), 0.1), [])
        self.assertEqual(len(matchValue(approx(0.1, abs=0), 0.1 + 1e-17 + 1e-16)), 1)

    def test_ints(self) -> None:
        """
        Ints work as expected numbers and as values.
        """
        self.assertEqual(matchValue(approx(100, abs=1), 101), [])
        self.assertEqual(matchValue(approx(100, abs=1), 99.5), [])
        self.assertEqual(matchValue(approx(100.0, abs=1), 100), [])
        self.assertEqual(len(matchValue(approx(100, abs=1), 102)), 1)

    def test_hugeInt(self) -> None:
        """
        An int too large for a float is a mismatch, not a crash.
        """
        self.assertEqual(len(matchValue(approx(1.0), 10**400)), 1)

    def test_nonNumbers(self) -> None:
        """
        ``bool``, strings, ``None``, and NaN never match.
        """
        for value in [True, False, "1", None, [1], math.nan]:
            self.assertEqual(len(matchValue(approx(1, abs=1), value)), 1, value)

    def test_infinity(self) -> None:
        """
        An infinite expected number matches only itself.
        """
        self.assertEqual(matchValue(approx(math.inf), math.inf), [])
        self.assertEqual(len(matchValue(approx(math.inf), 1e308)), 1)
        self.assertEqual(len(matchValue(approx(math.inf), -math.inf)), 1)
        self.assertEqual(repr(approx(-math.inf)), "approx(-Infinity)")

    def test_repr(self) -> None:
        """
        The ``repr`` shows the expected number and the tolerance.
        """
        self.assertEqual(repr(approx(100.0, abs=0.5)), "approx(100.0 ± 0.5)")
        self.assertEqual(repr(approx(100.0)), "approx(100.0 ± 0.0001)")
        self.assertEqual(repr(approx(3, abs=1)), "approx(3 ± 1)")
        self.assertEqual(repr(approx(200, rel=0.01)), "approx(200 ± 2)")
        self.assertEqual(repr(approx(0)), "approx(0 ± 1e-12)")

    def test_differenceAtDepth(self) -> None:
        """
        A mismatch inside a dict inside a list reads as in a report.
        """
        [difference] = matchValue(
            [{"price": approx(100.0, abs=0.5)}], [{"price": 101.2}]
        )
        self.assertEqual(str(difference), "$[0].price: approx(100.0 ± 0.5) != 101.2")

    def test_badExpected(self) -> None:
        """
        An expected value that is not a usable number raises ``PatternError``.
        """
        for expected in [True, "1", None, math.nan, 10**400]:
            self.assertRaises(PatternError, approx, expected)

    def test_badTolerance(self) -> None:
        """
        A negative, NaN, or non-number tolerance raises ``PatternError``
        naming the argument.
        """
        for bad in [-0.1, math.nan, "0.1", True]:
            error = self.assertRaises(PatternError, approx, 1.0, rel=bad)
            self.assertIn("rel", str(error))
            error = self.assertRaises(PatternError, approx, 1.0, abs=bad)
            self.assertIn("abs", str(error))


class ExactlyTests(SynchronousTestCase):
    """
    Tests for `exactly`.
    """

    def test_equal(self) -> None:
        """
        An equal value matches.
        """
        self.assertEqual(
            matchValue(exactly({"a": [1, {"b": None}]}), {"a": [1, {"b": None}]}), []
        )

    def test_noExtraKeys(self) -> None:
        """
        A dict with extra keys, at any depth, does not match.
        """
        self.assertEqual(len(matchValue(exactly({"a": 1}), {"a": 1, "b": 2})), 1)
        self.assertEqual(len(matchValue(exactly({"a": {}}), {"a": {"b": 2}})), 1)

    def test_oneDifference(self) -> None:
        """
        A mismatch gives one difference for the whole value.
        """
        self.assertEqual(
            matchValue(
                {"book": exactly({"bids": [], "asks": []})}, {"book": {"bids": [1]}}
            ),
            [
                Difference(
                    "$.book", 'exactly({"bids": [], "asks": []})', '{"bids": [1]}'
                )
            ],
        )

    def test_jsonEquality(self) -> None:
        """
        Inside ``exactly``, ``True`` is still not ``1``, but ``1`` is ``1.0``.
        """
        self.assertEqual(len(matchValue(exactly([1]), [True])), 1)
        self.assertEqual(len(matchValue(exactly({"a": True}), {"a": 1})), 1)
        self.assertEqual(matchValue(exactly([1]), [1.0]), [])

    def test_repr(self) -> None:
        """
        The ``repr`` shows the value as JSON.
        """
        self.assertEqual(repr(exactly({"a": None})), 'exactly({"a": null})')

    def test_matcherInside(self) -> None:
        """
        A matcher inside ``exactly`` could never be equal to anything, so it
        raises ``PatternError`` naming its path.
        """
        error = self.assertRaises(PatternError, exactly, {"a": [ANY]})
        self.assertIn("$.a[0]", str(error))

    def test_notJSON(self) -> None:
        """
        A value that is not JSON raises ``PatternError``.
        """
        self.assertRaises(PatternError, exactly, {"a": {1, 2}})


class StrictTests(SynchronousTestCase):
    """
    Tests for `strict`.
    """

    def test_extraKey(self) -> None:
        """
        A key the pattern does not name is a difference.
        """
        differences = matchValue(strict({"op": "ping"}), {"op": "ping", "debug": 1})
        self.assertEqual(
            differences,
            [Difference("$.debug", MISSING, "1", "unexpected key (strict match)")],
        )
        self.assertEqual(str(differences[0]), "$.debug: unexpected key (strict match)")

    def test_deep(self) -> None:
        """
        Strictness reaches dicts at every depth, inside lists too.
        """
        pattern = strict({"data": {"items": [{"id": 1}]}})
        differences = matchValue(pattern, {"data": {"items": [{"id": 1, "x": 0}]}})
        self.assertEqual([d.path for d in differences], ["$.data.items[0].x"])

    def test_extraKeysAfterOwn(self) -> None:
        """
        Differences of the pattern's keys come first, then extra keys in the
        value's order.
        """
        differences = matchValue(
            strict({"a": 1, "b": 2}), {"z": 0, "b": 3, "y": 0, "a": 1}
        )
        self.assertEqual([d.path for d in differences], ["$.b", "$.z", "$.y"])

    def test_missingStillReported(self) -> None:
        """
        Missing keys are reported as without ``strict``.
        """
        self.assertEqual(
            matchValue(strict({"a": 1}), {}),
            [Difference("$.a", "1", MISSING, "missing")],
        )

    def test_matchersInsideKeepRules(self) -> None:
        """
        ``ANY`` inside a strict pattern still matches a dict with any keys.
        """
        self.assertEqual(matchValue(strict({"a": ANY}), {"a": {"b": 1}}), [])

    def test_onlyInside(self) -> None:
        """
        Dicts outside the strict part still allow extra keys.
        """
        pattern = {"meta": {"v": 1}, "data": strict({"x": 1})}
        value = {"meta": {"v": 1, "more": 2}, "data": {"x": 1}, "other": 3}
        self.assertEqual(matchValue(pattern, value), [])
        value["data"] = {"x": 1, "y": 2}
        [difference] = matchValue(pattern, value)
        self.assertEqual(difference.path, "$.data.y")

    def test_repr(self) -> None:
        """
        The ``repr`` wraps the pattern's description.
        """
        self.assertEqual(
            repr(strict({"id": ANY, "n": [1]})), 'strict({"id": ANY, "n": [1]})'
        )

    def test_badPattern(self) -> None:
        """
        A bad pattern raises ``PatternError`` when ``strict`` is called.
        """
        error = self.assertRaises(PatternError, strict, {"a": [{1}]})
        self.assertIn("$.a[0]", str(error))


class CheckPatternTests(SynchronousTestCase):
    """
    Tests for `checkPattern` and the errors bad patterns raise.
    """

    def test_valid(self) -> None:
        """
        A pattern of JSON values and matchers is accepted.
        """
        checkPattern({"a": [None, True, 1, 1.5, "s", b"b", (1,), ANY, {"b": {}}]})

    def test_set(self) -> None:
        """
        A set is refused, with its path and a hint to use a list.
        """
        error = self.assertRaises(PatternError, checkPattern, {"tags": {"a"}})
        self.assertIn("$.tags", str(error))
        self.assertIn("use a list", str(error))

    def test_nonStringKey(self) -> None:
        """
        A dict key that is not a ``str`` is refused, naming the dict's path.
        """
        error = self.assertRaises(PatternError, checkPattern, {"a": [{1: "x"}]})
        self.assertIn("$.a[0]", str(error))
        self.assertIn("1", str(error))

    def test_nan(self) -> None:
        """
        NaN is refused: it would equal nothing.
        """
        error = self.assertRaises(PatternError, checkPattern, [0, {"x y": math.nan}])
        self.assertIn('$[1]["x y"]', str(error))

    def test_otherObject(self) -> None:
        """
        Objects that are neither JSON nor matchers are refused.
        """
        error = self.assertRaises(PatternError, checkPattern, {"when": object()})
        self.assertIn("$.when", str(error))
        self.assertIn("object", str(error))

    def test_rootName(self) -> None:
        """
        ``path`` names the pattern's root in the message.
        """
        error = self.assertRaises(PatternError, checkPattern, [set()], "step 2")
        self.assertIn("step 2[0]", str(error))

    def test_errorTypes(self) -> None:
        """
        ``PatternError`` is the project's own error and a ``ValueError``.
        """
        error = self.assertRaises(PatternError, checkPattern, {1})
        self.assertIsInstance(error, WsFakesError)
        self.assertIsInstance(error, ValueError)

    def test_matchValueChecksWholePattern(self) -> None:
        """
        ``matchValue`` refuses a bad pattern even where the value would not
        reach the bad part.
        """
        self.assertRaises(PatternError, matchValue, {"a": 1, "b": {2}}, {"a": 0})
        self.assertRaises(PatternError, matchValue, [1, {2}], [])

    def test_describeChecks(self) -> None:
        """
        ``describe`` refuses a bad pattern too.
        """
        self.assertRaises(PatternError, describe, {"a": math.nan})


class DescribeTests(SynchronousTestCase):
    """
    Tests for `describe`.
    """

    def test_matchersByRepr(self) -> None:
        """
        A pattern renders as compact JSON with matchers shown by ``repr``.
        """
        self.assertEqual(
            describe({"op": "subscribe", "id": ANY, "price": approx(100.0, abs=0.5)}),
            '{"op": "subscribe", "id": ANY, "price": approx(100.0 ± 0.5)}',
        )

    def test_nested(self) -> None:
        """
        Matchers at depth render in place.
        """
        self.assertEqual(
            describe([{"a": [regex("^x"), exactly(None)]}, strict({})]),
            '[{"a": [regex("^x"), exactly(null)]}, strict({})]',
        )


class _EvenNumber(Matcher):
    def describe(self) -> str:
        return "an even number"

    def match(self, value: object, path: str = "$") -> list[Difference]:
        if isinstance(value, int) and value % 2 == 0:
            return []
        return [self.differenceAt(path, value)]


class _EvenInt(int, Matcher):
    # Unhashable, as every matcher is.
    __hash__ = None  # type: ignore[assignment]

    def describe(self) -> str:
        return "an even number"

    def match(self, value: object, path: str = "$") -> list[Difference]:
        return (
            []
            if isinstance(value, int) and value % 2 == 0
            else [self.differenceAt(path, value)]
        )


class CustomMatcherTests(SynchronousTestCase):
    """
    Tests for subclassing `Matcher`.
    """

    def test_builtInSubclass(self) -> None:
        """
        A matcher that is also a built-in type (an ``int``) is taken as a
        matcher by the pattern checks, as by matching: ``exactly`` refuses it.
        """
        self.assertEqual(matchValue({"n": [_EvenInt(1)]}, {"n": [4]}), [])
        error = self.assertRaises(PatternError, exactly, {"n": [_EvenInt(1)]})
        self.assertIn("$.n[0]: exactly() compares literally", str(error))

    def test_atDepth(self) -> None:
        """
        A custom matcher works at any depth and gets its path.
        """
        pattern = {"xs": [_EvenNumber(), _EvenNumber()]}
        self.assertEqual(matchValue(pattern, {"xs": [2, 4]}), [])
        self.assertEqual(
            matchValue(pattern, {"xs": [2, 3]}),
            [Difference("$.xs[1]", "an even number", "3")],
        )

    def test_repr(self) -> None:
        """
        The ``repr`` of a matcher is its description.
        """
        self.assertEqual(repr(_EvenNumber()), "an even number")

    def test_differenceAtWhy(self) -> None:
        """
        ``differenceAt`` carries a reason when given one.
        """
        self.assertEqual(
            _EvenNumber().differenceAt("$.x", [1], "not a number"),
            Difference("$.x", "an even number", "[1]", "not a number"),
        )


class PropertyTests(SynchronousTestCase):
    """
    Properties of `matchValue` over any JSON value.
    """

    @_settings
    @given(_json)
    def test_matchesItself(self, value: object) -> None:
        """
        Any JSON value matches itself as a pattern, strict or not.
        """
        self.assertEqual(matchValue(value, value), [])
        self.assertEqual(matchValue(strict(value), value), [])

    @_settings
    @given(st.data())
    def test_anyAnywhere(self, data: st.DataObject) -> None:
        """
        Replacing any part of a JSON value with ``ANY`` still matches it.
        """
        value = data.draw(_json)
        keys = data.draw(st.sampled_from(_paths(value, leavesOnly=False)))
        self.assertEqual(matchValue(_replaced(value, keys, ANY), value), [])

    @_settings
    @given(st.data())
    def test_oneLeafChanged(self, data: st.DataObject) -> None:
        """
        Changing one leaf gives exactly one difference, at that leaf's path,
        whichever side the change is on.
        """
        value = data.draw(_json.filter(lambda v: _paths(v, leavesOnly=True)))
        keys = data.draw(st.sampled_from(_paths(value, leavesOnly=True)))
        leaf: object = value
        for key in keys:
            leaf = leaf[key]  # type: ignore[index]
        new = data.draw(_json.filter(lambda v: not _sameJSON(leaf, v)))
        changed = _replaced(value, keys, new)
        for pattern, actual in [(value, changed), (changed, value)]:
            differences = matchValue(pattern, actual)
            self.assertEqual([d.path for d in differences], [_pathText(keys)])

    @_settings
    @given(
        st.floats(min_value=-1e6, max_value=1e6),
        st.floats(min_value=1e-3, max_value=1e3),
        st.floats(min_value=0, max_value=0.99),
        st.sampled_from([1, -1]),
    )
    def test_approxAbs(
        self, expected: float, tolerance: float, fraction: float, sign: int
    ) -> None:
        """
        ``approx`` with ``abs`` matches inside the tolerance and not outside.
        """
        matcher = approx(expected, abs=tolerance)
        inside = expected + sign * fraction * tolerance
        outside = expected + sign * (1.01 + fraction * 100) * tolerance
        self.assertEqual(matchValue({"p": matcher}, {"p": inside}), [])
        self.assertEqual(len(matchValue({"p": matcher}, {"p": outside})), 1)

    @_settings
    @given(
        st.floats(min_value=1e-3, max_value=1e9),
        st.floats(min_value=1e-6, max_value=0.5),
        st.floats(min_value=0, max_value=0.99),
        st.sampled_from([1, -1]),
    )
    def test_approxRel(
        self, magnitude: float, rel: float, fraction: float, sign: int
    ) -> None:
        """
        ``approx`` with ``rel`` matches inside the tolerance and not outside.
        """
        for expected in [magnitude, -magnitude]:
            matcher = approx(expected, rel=rel)
            inside = expected * (1 + sign * fraction * rel)
            outside = expected * (1 + sign * (1.01 + fraction) * rel)
            self.assertEqual(matchValue([matcher], [inside]), [])
            self.assertEqual(len(matchValue([matcher], [outside])), 1)


class PlainEqualityTests(SynchronousTestCase):
    """
    Matchers compare with ``==`` in a test's own assertions.
    """

    def test_approxEqualsCloseNumber(self) -> None:
        """
        ``approx`` equals a number inside its tolerance from either side of
        ``==``, and differs from one outside it.
        """
        price = approx(100.0, abs=0.5)
        self.assertTrue(100.2 == price)
        self.assertTrue(price == 100.2)
        self.assertFalse(100.6 == price)
        self.assertTrue(100.6 != price)

    def test_atDepth(self) -> None:
        """
        A matcher anywhere inside plain dicts and lists is compared by
        matching, as ``unittest.mock.ANY`` is.
        """
        received = {"op": "tick", "data": [{"id": 7, "price": 100.2, "s": "BTC-USD"}]}
        self.assertEqual(
            received,
            {
                "op": "tick",
                "data": [
                    {"id": ANY, "price": approx(100, abs=0.5), "s": regex("-USD$")}
                ],
            },
        )
        self.assertNotEqual(
            received,
            {"op": "tick", "data": [{"id": ANY, "price": approx(99), "s": ANY}]},
        )

    def test_plainDictsStillNeedSameKeys(self) -> None:
        """
        Outside a matcher ``==`` keeps Python's rules: a plain dict needs the
        same keys, while ``strict`` and a plain pattern inside a matcher
        follow the matching rules.
        """
        self.assertNotEqual({"a": 1, "b": 2}, {"a": ANY})
        self.assertEqual({"x": {"a": 1, "b": 2}}, {"x": predicate(lambda d: "a" in d)})
        self.assertNotEqual({"a": 1, "b": 2}, strict({"a": ANY}))
        self.assertEqual({"a": 1}, strict({"a": ANY}))

    def test_predicateAndRegex(self) -> None:
        """
        ``predicate`` and ``regex`` equal the values they match, and not the
        others; a predicate that raises is simply unequal.
        """
        positive = predicate(lambda n: n > 0, "a positive number")
        self.assertEqual([3, "hello world"], [positive, regex("^hello")])
        self.assertNotEqual(-1, positive)
        self.assertNotEqual("text", positive)

    def test_boolIsNotApproxNumber(self) -> None:
        """
        Inside a matcher JSON's rules still hold: ``True`` is not 1.
        """
        self.assertNotEqual(True, approx(1))

    def test_matchersCompareByArguments(self) -> None:
        """
        Two matchers are equal when they are the same kind with the same
        arguments, so scripts holding them still compare as before.
        """
        self.assertEqual(approx(1.0, abs=0.5), approx(1.0, abs=0.5))
        self.assertNotEqual(approx(1.0, abs=0.5), approx(1.0, abs=0.6))
        self.assertEqual(regex("a"), regex("a"))
        self.assertNotEqual(ANY, approx(1.0))

    def test_nestedMatchersCompareByArguments(self) -> None:
        """
        Matchers inside a matcher's pattern compare by kind and arguments
        too, not by what they accept: ``strict({"a": ANY})`` is not
        ``strict({"a": 5})``, though ``ANY == 5``.
        """
        self.assertEqual(strict({"a": [ANY]}), strict({"a": [ANY]}))
        self.assertNotEqual(strict({"a": ANY}), strict({"a": 5}))
        self.assertNotEqual(strict({"a": 5}), strict({"a": ANY}))
        self.assertNotEqual(strict([regex("x")]), strict(["x"]))

    def test_unhashable(self) -> None:
        """
        A matcher cannot be hashed: no hash agrees with every value it
        equals.
        """
        self.assertRaises(TypeError, hash, approx(1.0))
        self.assertRaises(TypeError, hash, ANY)

    def test_failureShowsPattern(self) -> None:
        """
        A failed ``assertEqual`` shows each matcher as it was written.
        """
        e = self.assertRaises(
            self.failureException,
            self.assertEqual,
            {"op": "tick", "price": 101.2},
            {"op": "tick", "price": approx(100, abs=0.5), "id": regex("^[0-9]+$")},
        )
        self.assertIn("'price': approx(100 ± 0.5)", str(e))
        self.assertIn("'id': regex(\"^[0-9]+$\")", str(e))
