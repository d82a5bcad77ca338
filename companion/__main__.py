"""``python -m companion``: the same command as ``companion``."""

import sys

from .cli import main

sys.exit(main())
