"""
How steps and scripts spell themselves: the helpers behind each step's
``repr`` (which reads as the call that built it) and the short previews
reports show of a message.

It may import only `twisted_wsfakes.differences` (for `renderJSON`).
"""

from __future__ import annotations

import os
from collections.abc import Callable

from ..differences import renderJSON

_PREVIEW = 200


def typeName(value: object) -> str:
    """
    The name of ``value``'s type, as error messages show it.
    """
    return type(value).__name__


def preview(value: str | bytes) -> str:
    """
    ``value`` rendered as JSON, cut after 200 characters.
    """
    rendered = renderJSON(value)
    if len(rendered) > _PREVIEW:
        return rendered[:_PREVIEW] + "..."
    return rendered


def call(name: str, *positional: str, **keywords: str | None) -> str:
    """
    Spell a call: ``name(a, b, key=c)``, leaving out keywords whose text is
    ``None``.
    """
    arguments = list(positional)
    arguments += [f"{key}={text}" for key, text in keywords.items() if text is not None]
    return f"{name}({', '.join(arguments)})"


def renderText(value: object) -> str:
    """
    Render a ``str`` argument as a Python literal that reads well: in double
    quotes as reports show JSON strings, in single quotes when it holds
    double quotes (JSON text, typically); anything else as `renderJSON` does.
    """
    if isinstance(value, str) and '"' in value:
        return repr(value)
    return renderJSON(value)


def renderOptional(value: object) -> str | None:
    """
    `renderJSON` of ``value``, or ``None`` (left out of a `call`) for ``None``.
    """
    return None if value is None else renderJSON(value)


def callableName(fn: Callable[..., object]) -> str:
    """
    Name a function for a repr: its qualified name, or where a lambda was
    written.
    """
    name = getattr(fn, "__qualname__", None)
    if not isinstance(name, str):
        return repr(fn)
    code = getattr(fn, "__code__", None)
    if name.endswith("<lambda>") and code is not None:
        where = os.path.basename(code.co_filename)
        return f"<lambda at {where}:{code.co_firstlineno}>"
    return name
