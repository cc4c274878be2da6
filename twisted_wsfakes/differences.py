"""
What a report says where a value does not match: a `Difference` at a path,
with the expected and the found parts rendered as one line of JSON.

A path names a place inside a value: ``$`` is the whole value, ``.key`` a
key that looks like an identifier, ``["a key"]`` any other key, and ``[2]``
a list index, so ``$.items[2].price`` is the price of the third item.

Matchers find differences, and script steps and reports build and show
them.  It may import `twisted_wsfakes.jsontree` and
`twisted_wsfakes.printable`.
"""

from __future__ import annotations

import functools
import json
import re
from collections.abc import Iterable
from typing import Final

import attrs

from .jsontree import DESCEND, Place, transform
from .printable import printable

MISSING: Final = "<missing>"
"""
What `Difference` shows for a value that is not there: as ``got`` for a key
the value lacks, as ``expected`` for a key a `strict` pattern does not allow.
"""

_IDENTIFIER = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")


@attrs.frozen
class Difference:
    """
    One place where a value does not match its pattern.

    ``str()`` gives one line for a report::

        $.channel: "BTC-USD" != "ETH-USD"
        $.price: approx(100.0 ± 0.5) != 101.2
        $.id: missing

    :ivar path: where, from ``$`` (the whole value), e.g. ``$.items[2].price``.
    :ivar expected: what the pattern wanted there, as `describe` renders it,
        or `MISSING` for a key a strict pattern does not allow.
    :ivar got: the value found there, as `renderJSON` renders it, or
        `MISSING` when there is none.
    :ivar why: a sentence that replaces ``expected != got`` in ``str()`` when
        that comparison alone would not say what is wrong.
    """

    path: str
    expected: str
    got: str
    why: str | None = None

    def __str__(self) -> str:
        # One line of a report, whatever the message held.
        if self.why is not None:
            return printable(f"{self.path}: {self.why}")
        return printable(f"{self.path}: {self.expected} != {self.got}")


def renderJSON(value: object) -> str:
    """
    Render ``value`` as compact, one-line JSON for a report.

    Keys stay in insertion order, non-ASCII text stays readable (control
    characters are escaped), and items are separated by ``", "`` and
    ``": "``.  What JSON cannot say is still shown: a matcher by its
    ``repr``, ``bytes`` and other objects by Python's ``repr``.

    ::

        >>> renderJSON({"price": 1.5, "tags": ["€", None], "ok": True})
        '{"price": 1.5, "tags": ["€", null], "ok": true}'
    """
    rendered: str = transform(
        value, _renderPart, makeDict=_renderObject, makeList=_renderArray
    )
    return rendered


def _renderPart(part: object, place: Place) -> object:
    if part is None or isinstance(part, bool):
        return json.dumps(part)
    if isinstance(part, str):
        return _renderString(part)
    if isinstance(part, float):
        # json.dumps spells inf and nan as JavaScript would parse them.
        return json.dumps(part)
    if isinstance(part, int):
        return str(part)
    if isinstance(part, dict | list | tuple):
        return DESCEND
    return repr(part)


def _renderObject(items: Iterable[tuple[object, str]]) -> str:
    return "{" + ", ".join(f"{_renderKey(key)}: {item}" for key, item in items) + "}"


def _renderArray(items: Iterable[str]) -> str:
    return "[" + ", ".join(items) + "]"


def _renderKey(key: object) -> str:
    return _renderString(key) if isinstance(key, str) else repr(key)


def _renderString(text: str) -> str:
    return printable(json.dumps(text, ensure_ascii=False))


def childPath(path: str, key: object) -> str:
    """
    Name the item at ``key`` (a dict key or list index) inside ``path``,
    as reports do: ``$.channel``, ``$["two words"]``, ``$.items[2]``.
    """
    if isinstance(key, str):
        if _IDENTIFIER.fullmatch(key):
            return f"{path}.{key}"
        return f"{path}[{renderJSON(key)}]"
    return f"{path}[{key!r}]"


def pathTo(root: str, place: Place) -> str:
    """
    Name a place inside a value, as reports do: ``pathTo("$", ("items", 2))``
    is ``$.items[2]``.

    :param root: the name of the whole value, usually ``$``.
    :param place: the keys and indexes that lead there.
    """
    return functools.reduce(childPath, place, root)
