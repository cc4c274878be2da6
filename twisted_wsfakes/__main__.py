"""
``python -m twisted_wsfakes``: the ``twisted-wsfakes`` command.  It imports
``cli`` only.
"""

import sys

from .cli import main

sys.exit(main())
