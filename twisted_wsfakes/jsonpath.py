"""
JSON paths: name fields inside JSON values, to redact or to ignore them.

A path starts at ``$`` (the whole value) and goes down one step at a time:
``.name`` (an object's key), ``[3]`` (a list's item), ``.*`` or ``[*]``
(every key or every item)::

    path = JSONPath.parse("$.auth.*")
    path.replace({"auth": {"user": "ann", "token": "s3cret"}}, lambda old: "x")
    # -> ({"auth": {"user": "x", "token": "x"}}, 2)

A key with dots or brackets in it is written quoted: ``$["a.b"]``.

It may import `twisted_wsfakes.errors` and `twisted_wsfakes.jsontree`.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from typing import Any, TypeAlias

import attrs

from .errors import JSONPathError
from .jsontree import DESCEND, Place, transform

#: One step down: an object key (str), a list index (int), or every one (None).
Segment: TypeAlias = str | int | None

_STEP = re.compile(
    r"""\.(?P<name>[A-Za-z_$@-][\w$@-]*)
      | \.(?P<star>\*)
      | \[(?P<index>\d+)\]
      | \[(?P<all>\*)\]
      | \[(?P<quoted>"(?:[^"\\]|\\.)*")\]""",
    re.VERBOSE,
)


@attrs.frozen
class JSONPath:
    """
    A parsed JSON path; see the module documentation for the syntax.

    :ivar text: the path as written.
    :ivar segments: the steps: a key, an index, or ``None`` for every one.
    """

    text: str
    segments: tuple[Segment, ...]

    @classmethod
    def parse(cls, text: str) -> JSONPath:
        """
        Read a path such as ``$.token`` or ``$.auth.*``.

        :raises JSONPathError: naming the part that could not be read.
        """
        if not isinstance(text, str) or not text.startswith("$"):
            raise JSONPathError(
                f"JSON path {text!r} must start at $, as in $.token or $.auth.*"
            )
        segments: list[Segment] = []
        position = 1
        while position < len(text):
            match = _STEP.match(text, position)
            if match is None:
                raise JSONPathError(
                    f"JSON path {text!r}: cannot read {text[position:]!r} (write "
                    '.name, [0], .*, [*] or ["quoted name"])'
                )
            segments.append(_segment(match))
            position = match.end()
        if not segments:
            raise JSONPathError(
                f"JSON path {text!r} names the whole value; name a field, as in $.token"
            )
        return cls(text, tuple(segments))

    def replace(self, value: Any, change: Callable[[Any], Any]) -> tuple[Any, int]:
        """
        Return ``value`` with each place this path names replaced by
        ``change(old)``, and how many places there were.  ``value`` itself
        is not modified; places that do not exist are skipped.
        """
        segments = self.segments
        count = 0

        def visit(part: Any, place: Place) -> Any:
            nonlocal count
            depth = len(place)
            if depth and not _names(segments[depth - 1], place[-1]):
                return part
            if depth == len(segments):
                count += 1
                return change(part)
            return DESCEND if isinstance(part, dict | list) else part

        changed = transform(value, visit)
        return (changed, count) if count else (value, 0)


def _segment(match: re.Match[str]) -> Segment:
    if match.group("name") is not None:
        return match.group("name")
    if match.group("index") is not None:
        return int(match.group("index"))
    if match.group("quoted") is not None:
        name: str = json.loads(match.group("quoted"))
        return name
    return None


def _names(segment: Segment, key: str | int) -> bool:
    """
    Whether ``segment`` names the dict key or list index ``key``.
    """
    return segment is None or (type(segment) is type(key) and segment == key)
