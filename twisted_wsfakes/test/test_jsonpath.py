"""
Tests for `twisted_wsfakes.jsonpath`.
"""

from __future__ import annotations

from twisted.trial.unittest import SynchronousTestCase

from .. import JSONPathError
from ..jsonpath import JSONPath


class ParseTests(SynchronousTestCase):
    """
    Paths are read step by step; a bad one says which part is wrong.
    """

    def test_steps(self) -> None:
        """
        Names, indexes, wildcards and quoted names are each one segment.
        """
        path = JSONPath.parse('$.auth.*.items[2][*]["a.b"]')
        self.assertEqual(path.segments, ("auth", None, "items", 2, None, "a.b"))

    def test_bad(self) -> None:
        """
        A path not starting at ``$``, naming the whole value, or holding
        something unreadable is refused with the path in the message.
        """
        for text, words in [
            ("token", "must start at $"),
            ("$", "names the whole value"),
            ("$.a..b", "cannot read '..b'"),
        ]:
            error = self.assertRaises(JSONPathError, JSONPath.parse, text)
            self.assertIn(words, str(error))


class ReplaceTests(SynchronousTestCase):
    """
    ``replace`` changes a copy at every place the path names.
    """

    def test_replace(self) -> None:
        """
        Every matching place is changed and counted; the input is untouched.
        """
        value = {"auth": {"user": "ann", "token": "t"}, "items": [{"id": 1}, {"id": 2}]}
        changed, count = JSONPath.parse("$.auth.*").replace(value, lambda old: "x")
        self.assertEqual((changed["auth"], count), ({"user": "x", "token": "x"}, 2))
        self.assertEqual(value["auth"], {"user": "ann", "token": "t"})
        changed, count = JSONPath.parse("$.items[*].id").replace(value, str)
        self.assertEqual((changed["items"], count), ([{"id": "1"}, {"id": "2"}], 2))

    def test_missing(self) -> None:
        """
        Places that do not exist are skipped: nothing changes.
        """
        value = {"a": [1]}
        for text in ("$.b", "$.a[3]", "$.a.b", "$.a[0].c"):
            self.assertEqual(JSONPath.parse(text).replace(value, str), (value, 0))
