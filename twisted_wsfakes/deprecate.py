"""
Deprecated names: a name that was renamed keeps working for one release,
warning with a ``DeprecationWarning`` that names its replacement.

A name that moved to another module keeps working at its old place for one
release the same way, warning with its new import path.

It imports nothing from the package when loaded, so any module may use it;
a moved name's new module is imported when the name is first asked for.
"""

from __future__ import annotations

import importlib
import warnings
from collections.abc import Callable, Mapping


def warnRenamed(old: str, new: str, stacklevel: int = 3) -> None:
    """
    Warn that ``old`` was renamed ``new``, pointing at the caller's caller
    (the user's line, when called from the deprecated function itself).

    :param old: the deprecated name, as the user wrote it (``"drop()"``).
    :param new: the name to use instead (``"closeTCP()"``).
    :param stacklevel: as for ``warnings.warn``.
    """
    warnings.warn(
        f"{old} is deprecated; use {new} instead",
        DeprecationWarning,
        stacklevel=stacklevel,
    )


def renamedAttributes(
    module: str, renamed: Mapping[str, tuple[str, object]]
) -> Callable[[str], object]:
    """
    Build a module ``__getattr__`` (PEP 562) that returns each renamed
    object under its old name, warning::

        __getattr__ = renamedAttributes(__name__, {"Drop": ("CloseTCP", CloseTCP)})

    :param module: the module's ``__name__``, for the error on other names.
    :param renamed: old name to (new name, object).
    """

    def __getattr__(name: str) -> object:
        if name not in renamed:
            raise _noAttribute(module, name)
        new, value = renamed[name]
        warnRenamed(f"{module}.{name}", f"{module}.{new}")
        return value

    return __getattr__


def movedAttributes(
    module: str, moved: Mapping[str, str], *, depth: int = 0
) -> Callable[[str], object]:
    """
    Build a module ``__getattr__`` (PEP 562) that returns each moved object
    from the module it now lives in, under the same name, warning with that
    import path::

        __getattr__ = movedAttributes(__name__, {"Listener": "pkg.network"})

    The new module is imported when the name is first asked for, so a name
    whose module imports Autobahn costs nothing until then.  Nothing is
    cached: each use warns.

    :param module: the module's ``__name__``, for the error on other names.
    :param moved: old name to the full name of the module it now lives in.
    :param depth: how many functions stand between the user's line and the
        one built here (1 when the module's own ``__getattr__`` calls it), so
        the warning points at the user's line.
    """

    def __getattr__(name: str) -> object:
        if name not in moved:
            raise _noAttribute(module, name)
        warnRenamed(f"{module}.{name}", f"{moved[name]}.{name}", 3 + depth)
        return getattr(importlib.import_module(moved[name]), name)

    return __getattr__


def _noAttribute(module: str, name: str) -> AttributeError:
    return AttributeError(f"module {module!r} has no attribute {name!r}")
