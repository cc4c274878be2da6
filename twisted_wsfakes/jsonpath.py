"""
JSON paths: name fields inside JSON values, to redact or to ignore them.

A path starts at ``$`` (the whole value) and goes down one step at a time:
``.name`` (an object's key), ``[3]`` (a list's item), ``.*`` or ``[*]``
(every key or every item)::

    path = JSONPath.parse("$.auth.*")
    path.replace({"auth": {"user": "ann", "token": "s3cret"}}, lambda old: "x")
    # -> ({"auth": {"user": "x", "token": "x"}}, 2)

A key with dots or brackets in it is written quoted: ``$["a.b"]``.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from typing import Any, TypeAlias

import attrs

from .errors import JSONPathError

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
        return _replace(value, self.segments, change)


def _segment(match: re.Match[str]) -> Segment:
    if match.group("name") is not None:
        return match.group("name")
    if match.group("index") is not None:
        return int(match.group("index"))
    if match.group("quoted") is not None:
        name: str = json.loads(match.group("quoted"))
        return name
    return None


def _replace(
    value: Any, segments: tuple[Segment, ...], change: Callable[[Any], Any]
) -> tuple[Any, int]:
    if not segments:
        return change(value), 1
    places = _places(value, segments[0])
    if not places:
        return value, 0
    copy = dict(value) if isinstance(value, dict) else list(value)
    total = 0
    for place in places:
        copy[place], count = _replace(value[place], segments[1:], change)
        total += count
    return (copy, total) if total else (value, 0)


def _places(value: Any, segment: Segment) -> list[Any]:
    """
    The keys or indexes of ``value`` that ``segment`` names.
    """
    if isinstance(value, dict):
        return list(value) if segment is None else [k for k in (segment,) if k in value]
    if isinstance(value, list):
        if segment is None:
            return list(range(len(value)))
        return [segment] if isinstance(segment, int) and segment < len(value) else []
    return []
