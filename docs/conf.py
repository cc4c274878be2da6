"""
Sphinx configuration for the twisted_wsfakes documentation.
"""

from __future__ import annotations

import sys
from pathlib import Path

# Document the working tree, not whatever copy happens to be installed.
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

project = "twisted_wsfakes"
author = "the twisted_wsfakes developers"
copyright = "the twisted_wsfakes developers"

extensions = ["sphinx.ext.autodoc", "sphinx.ext.viewcode"]
autodoc_member_order = "bysource"
exclude_patterns = ["_build"]
html_theme = "alabaster"
