"""
Deprecated names: a name that was renamed keeps working for one release,
warning with a ``DeprecationWarning`` that names its replacement.

It imports nothing from the package, so any module may use it.
"""

from __future__ import annotations

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
            raise AttributeError(f"module {module!r} has no attribute {name!r}")
        new, value = renamed[name]
        warnRenamed(f"{module}.{name}", f"{module}.{new}")
        return value

    return __getattr__
