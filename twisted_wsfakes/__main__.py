"""
``python -m twisted_wsfakes``: the ``twisted-wsfakes`` command.
"""

import sys

from .cli import main

sys.exit(main())
