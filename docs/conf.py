"""
Sphinx configuration for the twisted_wsfakes documentation.

Build with ``sphinx-build -W -b html docs docs/_build/html``: warnings are
errors, and nothing is fetched from the network (no intersphinx).
"""

from __future__ import annotations

import sys
from pathlib import Path

from zope.interface.interface import InterfaceClass

# Document the working tree, not whatever copy happens to be installed.
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

project = "twisted_wsfakes"
author = "the twisted_wsfakes developers"
copyright = "the twisted_wsfakes developers"

extensions = ["sphinx.ext.autodoc", "sphinx.ext.viewcode"]
autodoc_member_order = "bysource"
exclude_patterns = ["_build"]
html_theme = "alabaster"

# The docstrings write names in single backticks (`Script`): make those
# cross-references, which render as code whether or not they resolve.
default_role = "py:obj"


# zope.interface classes print as "<InterfaceClass a.b.IName>", which breaks
# the annotation parser in signatures and reads badly: while the docs are
# built, have them print as a reference to their name.
def _interfaceAsReference(self: InterfaceClass) -> str:
    return f"~{self.__module__}.{self.__name__}"


InterfaceClass.__repr__ = _interfaceAsReference  # type: ignore[method-assign]
