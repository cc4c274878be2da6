"""
The one walk over JSON-shaped values (dicts, lists and tuples of anything):
every part of a value is shown to a ``visit`` function with its place,
which says what the part becomes or asks to go inside it::

    def redactToken(part, place):
        return "x" if place and place[-1] == "token" else DESCEND

    transform({"auth": {"token": "s3cret"}}, redactToken)
    # -> {"auth": {"token": "x"}}

Matchers check and copy patterns with it, reports render values with it,
script steps check and freeze their values, a replay loosens ignored
fields, and JSON paths replace the places they name.  `rebuild` is the
same walk for a copy that needs no ``visit`` (script steps freeze their
values with it).  It imports nothing from the package.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any, Final, TypeAlias

Place: TypeAlias = tuple[str | int, ...]
"""
Where a part is inside the whole value: the dict keys and list indexes
that lead to it, ``()`` for the whole value.
"""


class _Descend:
    def __repr__(self) -> str:
        return "DESCEND"


DESCEND: Final = _Descend()
"""
What a ``visit`` function returns to go inside a dict or list (and keep
anything else as it is).
"""

Visit: TypeAlias = Callable[[Any, Place], Any]

SEQUENCE: Final = list | tuple
"""
The kinds of JSON array a walk goes into, for ``isinstance``: written in
the test, ``list | tuple`` would build a new union each time, which costs
as much as the test in the walks that test every part.
"""


def transform(
    value: Any,
    visit: Visit,
    *,
    makeDict: Callable[[Iterable[tuple[Any, Any]]], Any] = dict,
    makeList: Callable[[Iterable[Any]], Any] = list,
) -> Any:
    """
    Rebuild ``value`` part by part, outside in.

    ``visit(part, place)`` is called on the whole value and then, where it
    returns `DESCEND`, on each item of that dict or list (or tuple).  What
    it returns replaces the part; `DESCEND` on a dict or list rebuilds it
    from its visited items (tuples become lists, as in JSON), and on
    anything else keeps it.  ``value`` itself is never changed.

    :param value: the value to walk.
    :param visit: says what each part becomes; it may raise to refuse one.
    :param makeDict: builds a dict from its ``(key, item)`` pairs.
    :param makeList: builds a list from its items.
    :returns: the rebuilt value.
    """
    return _transform(value, visit, (), makeDict, makeList)


def rebuild(
    value: Any,
    makeDict: Callable[[Iterable[tuple[Any, Any]]], Any],
    makeList: Callable[[Iterable[Any]], Any],
    keep: tuple[type, ...] = (),
) -> Any:
    """
    Rebuild every dict and list (and tuple) of ``value``, at any depth, with
    ``makeDict`` and ``makeList``: what `transform` does with a ``visit``
    that always returns `DESCEND`, without calling one or naming places.

    :param keep: containers of these types are kept as they are, and not
        gone into.
    :returns: the rebuilt value; ``value`` itself is never changed.
    """
    # Every script step copies its value so; the places and the visit
    # calls `transform` makes would cost more than the copy.
    if isinstance(value, keep):
        return value
    if isinstance(value, dict):
        return makeDict(
            [
                (key, rebuild(item, makeDict, makeList, keep))
                for key, item in value.items()
            ]
        )
    if isinstance(value, SEQUENCE):
        return makeList([rebuild(item, makeDict, makeList, keep) for item in value])
    return value


def visitAll(value: Any, visit: Visit) -> None:
    """
    Show every part of ``value`` to ``visit``, as `transform` does, without
    building anything: for checks, which raise on what they refuse.
    """
    if visit(value, ()) is DESCEND:
        _visitInside(value, visit, ())


def _visitInside(value: Any, visit: Visit, place: Place) -> None:
    # Its own recursion rather than `_transform` with builders that drop
    # what they get: every script step checks its value with it, and
    # building the lists only to drop them made that walk cost as much as
    # the copy that follows it.  Each item is shown to ``visit`` here and
    # gone into only when it asks, so a leaf costs no call of its own.
    items: Iterable[tuple[str | int, Any]]
    if isinstance(value, dict):
        items = value.items()
    elif isinstance(value, SEQUENCE):
        items = enumerate(value)
    else:
        return
    for key, item in items:
        itemPlace = place + (key,)
        if visit(item, itemPlace) is DESCEND:
            _visitInside(item, visit, itemPlace)


def _transform(
    value: Any,
    visit: Visit,
    place: Place,
    makeDict: Callable[[Iterable[tuple[Any, Any]]], Any],
    makeList: Callable[[Iterable[Any]], Any],
) -> Any:
    result = visit(value, place)
    if result is not DESCEND:
        return result
    # List comprehensions, not generators: this runs for every message a
    # pattern checks, and they are faster.
    if isinstance(value, dict):
        return makeDict(
            [
                (key, _transform(item, visit, place + (key,), makeDict, makeList))
                for key, item in value.items()
            ]
        )
    if isinstance(value, SEQUENCE):
        return makeList(
            [
                _transform(item, visit, place + (index,), makeDict, makeList)
                for index, item in enumerate(value)
            ]
        )
    return value
