"""
Tests for ``twisted_wsfakes.differences``.
"""

from __future__ import annotations

import math

from twisted.trial.unittest import SynchronousTestCase

from twisted_wsfakes.differences import (
    MISSING,
    Difference,
    childPath,
    pathTo,
    renderJSON,
)
from twisted_wsfakes.matchers import ANY


class DifferenceTests(SynchronousTestCase):
    """
    Tests for `Difference`.
    """

    def test_strComparesExpectedAndGot(self) -> None:
        """
        Without a reason, ``str()`` puts the path, then expected ``!=`` got.
        """
        difference = Difference("$.channel", '"BTC-USD"', '"ETH-USD"')
        self.assertEqual(str(difference), '$.channel: "BTC-USD" != "ETH-USD"')

    def test_strGivesReason(self) -> None:
        """
        With a reason, ``str()`` puts the path, then the reason.
        """
        difference = Difference("$.id", "ANY", MISSING, "missing")
        self.assertEqual(str(difference), "$.id: missing")

    def test_repr(self) -> None:
        """
        ``repr()`` shows every field by name.
        """
        self.assertEqual(
            repr(Difference("$", "1", "2")),
            "Difference(path='$', expected='1', got='2', why=None)",
        )

    def test_frozen(self) -> None:
        """
        A difference is a value: equal by fields, and immutable.
        """
        difference = Difference("$", "1", "2")
        self.assertEqual(difference, Difference("$", "1", "2"))
        self.assertRaises(AttributeError, setattr, difference, "path", "$.x")


class RenderJSONTests(SynchronousTestCase):
    """
    Tests for `renderJSON`.
    """

    def test_compactOneLine(self) -> None:
        """
        Items are separated by ``", "`` and ``": "``, on one line.
        """
        self.assertEqual(
            renderJSON({"a": [1, 2.5, None], "b": {"c": True, "d": False}}),
            '{"a": [1, 2.5, null], "b": {"c": true, "d": false}}',
        )

    def test_insertionOrder(self) -> None:
        """
        Keys stay in insertion order, not sorted.
        """
        self.assertEqual(renderJSON({"z": 1, "a": 2}), '{"z": 1, "a": 2}')

    def test_nonASCIIReadable(self) -> None:
        """
        Non-ASCII text is kept as is, not escaped.
        """
        self.assertEqual(renderJSON({"prix": "12 €"}), '{"prix": "12 €"}')

    def test_controlCharactersEscaped(self) -> None:
        """
        Control characters are escaped, so the rendering stays on one line.
        """
        self.assertEqual(renderJSON("a\nb\tc"), '"a\\nb\\tc"')

    def test_empties(self) -> None:
        """
        Empty containers and strings render as JSON does.
        """
        self.assertEqual(renderJSON([{}, [], ""]), '[{}, [], ""]')

    def test_floats(self) -> None:
        """
        Floats render as JSON numbers; infinities and NaN as JavaScript
        spells them.
        """
        self.assertEqual(
            renderJSON([1.0, 1e100, math.inf, -math.inf, math.nan]),
            "[1.0, 1e+100, Infinity, -Infinity, NaN]",
        )

    def test_tupleAsList(self) -> None:
        """
        A tuple renders as a JSON array.
        """
        self.assertEqual(renderJSON((1, "a")), '[1, "a"]')

    def test_nonJSON(self) -> None:
        """
        Values JSON cannot hold render by Python's ``repr``.
        """
        self.assertEqual(renderJSON([b"\x00", {1: 2}]), "[b'\\x00', {1: 2}]")

    def test_matchers(self) -> None:
        """
        A matcher renders as its ``repr``.
        """
        self.assertEqual(renderJSON({"id": ANY}), '{"id": ANY}')


class PathTests(SynchronousTestCase):
    """
    Tests for `childPath` and `pathTo`.
    """

    def test_identifierKey(self) -> None:
        """
        A key that reads as an identifier follows a dot.
        """
        self.assertEqual(childPath("$", "channel"), "$.channel")

    def test_otherKey(self) -> None:
        """
        Any other key is quoted inside brackets, as JSON spells it.
        """
        self.assertEqual(childPath("$", "two words"), '$["two words"]')
        self.assertEqual(childPath("$", "1st"), '$["1st"]')

    def test_index(self) -> None:
        """
        A list index goes inside brackets.
        """
        self.assertEqual(childPath("$.items", 2), "$.items[2]")

    def test_pathToFollowsEachStep(self) -> None:
        """
        `pathTo` names each key and index from the root down, and the root
        alone for the whole value.
        """
        self.assertEqual(pathTo("$", ("items", 2, "a-b")), '$.items[2]["a-b"]')
        self.assertEqual(pathTo("query", ()), "query")
