"""``python -m commsim <command> [overrides]``: the same as the ``commsim`` console command."""

import sys

from commsim.cli import main

sys.exit(main())
