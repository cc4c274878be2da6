"""
Tests for `twisted_wsfakes.jsontree`.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st
from twisted.trial.unittest import SynchronousTestCase

from ..jsontree import DESCEND, Place, rebuild, transform, visitAll

_json = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(max_size=5),
    lambda children: (
        st.lists(children, max_size=4)
        | st.dictionaries(st.text(max_size=5), children, max_size=4)
    ),
    max_leaves=20,
)


def _descend(part: object, place: Place) -> object:
    return DESCEND


class TransformTests(SynchronousTestCase):
    """
    ``transform`` rebuilds a value as its ``visit`` function says.
    """

    def test_placesAndOrder(self) -> None:
        """
        Every part is visited, outside in, with the keys and indexes that
        lead to it.
        """
        seen: list[tuple[object, Place]] = []

        def visit(part: object, place: Place) -> object:
            seen.append((part, place))
            return DESCEND

        value = {"a": [1, {"b": None}], "c": "x"}
        transform(value, visit)
        self.assertEqual(
            seen,
            [
                (value, ()),
                ([1, {"b": None}], ("a",)),
                (1, ("a", 0)),
                ({"b": None}, ("a", 1)),
                (None, ("a", 1, "b")),
                ("x", ("c",)),
            ],
        )

    def test_replaceStopsDescent(self) -> None:
        """
        What ``visit`` returns replaces the part, and what is inside it is
        not visited.
        """
        seen: list[Place] = []

        def visit(part: object, place: Place) -> object:
            seen.append(place)
            return "hidden" if place == ("secret",) else DESCEND

        result = transform({"secret": {"deep": 1}, "open": [2]}, visit)
        self.assertEqual(result, {"secret": "hidden", "open": [2]})
        self.assertNotIn(("secret", "deep"), seen)

    def test_copyAndTuples(self) -> None:
        """
        The result is a copy (the input is not changed, nor shared), and
        tuples become lists, as in JSON.
        """
        inner = [1, 2]
        value = {"a": inner, "t": (3, (4,))}
        result = transform(value, _descend)
        self.assertEqual(result, {"a": [1, 2], "t": [3, [4]]})
        self.assertIsNot(result["a"], inner)
        self.assertEqual(value, {"a": [1, 2], "t": (3, (4,))})

    def test_makers(self) -> None:
        """
        ``makeDict`` and ``makeList`` build the containers of the result.
        """
        result = transform(
            {"a": [1]},
            _descend,
            makeDict=lambda items: ("d", items),
            makeList=lambda items: ("l", items),
        )
        self.assertEqual(result, ("d", [("a", ("l", [1]))]))

    @settings(max_examples=50, deadline=None)
    @given(_json)
    def test_identityIsEqual(self, value: Any) -> None:
        """
        Descending everywhere gives back an equal value.
        """
        self.assertEqual(transform(value, _descend), value)


class VisitAllTests(SynchronousTestCase):
    """
    ``visitAll`` shows every part to ``visit`` and builds nothing.
    """

    def test_visitsEveryPart(self) -> None:
        """
        Every scalar of the value is seen with its place.
        """
        leaves: list[tuple[object, Place]] = []

        def visit(part: object, place: Place) -> object:
            if isinstance(part, dict | list):
                return DESCEND
            leaves.append((part, place))
            return part

        visitAll({"a": [True, "x"], "b": 2.5}, visit)
        self.assertEqual(leaves, [(True, ("a", 0)), ("x", ("a", 1)), (2.5, ("b",))])

    def test_raisesFromVisit(self) -> None:
        """
        An exception from ``visit`` stops the walk and reaches the caller.
        """

        def visit(part: object, place: Place) -> object:
            if place == ("b",):
                raise ValueError("no b")
            return DESCEND

        self.assertRaises(ValueError, visitAll, {"a": 1, "b": 2}, visit)

    @settings(max_examples=50, deadline=None)
    @given(_json)
    def test_visitsAsTransformDoes(self, value: Any) -> None:
        """
        ``visit`` sees the same parts at the same places, in the same order,
        as under `transform` (the two walks are separate recursions).
        """
        walked: list[tuple[object, Place]] = []
        visited: list[tuple[object, Place]] = []

        def recordInto(seen: list[tuple[object, Place]]) -> Callable[..., object]:
            def visit(part: object, place: Place) -> object:
                seen.append((part, place))
                return DESCEND

            return visit

        transform(value, recordInto(walked))
        visitAll(value, recordInto(visited))
        self.assertEqual(visited, walked)


def _tagDict(items: Any) -> object:
    return ("d", list(items))


def _tagList(items: Any) -> object:
    return ("l", list(items))


class RebuildTests(SynchronousTestCase):
    """
    ``rebuild`` copies every container, as ``transform`` does when it
    descends everywhere.
    """

    @settings(max_examples=50, deadline=None)
    @given(_json)
    def test_rebuildsAsTransformDoes(self, value: Any) -> None:
        """
        The containers are rebuilt by the same makers, in the same order, as
        under `transform` with a ``visit`` that always descends.
        """
        self.assertEqual(
            rebuild(value, _tagDict, _tagList),
            transform(value, _descend, makeDict=_tagDict, makeList=_tagList),
        )

    def test_copiesAndTuplesBecomeLists(self) -> None:
        """
        The result is a copy (the input is not changed, nor shared), and
        tuples become lists, as in JSON.
        """
        inner = [1, 2]
        value = {"a": inner, "t": (3, (4,))}
        result = rebuild(value, dict, list)
        self.assertEqual(result, {"a": [1, 2], "t": [3, [4]]})
        self.assertIsNot(result["a"], inner)
        self.assertEqual(value, {"a": [1, 2], "t": (3, (4,))})

    def test_keep(self) -> None:
        """
        Containers of a type in ``keep`` are kept as they are, not gone into.
        """

        class Kept(list[Any]):
            pass

        kept = Kept([(1,)])
        result = rebuild({"k": kept, "t": ((2,),)}, _tagDict, _tagList, keep=(Kept,))
        self.assertEqual(result, ("d", [("k", kept), ("t", ("l", [("l", [2])]))]))
        self.assertIs(result[1][0][1], kept)
