"""``python -m experiments.benchmarks``: see :mod:`experiments.benchmarks.suite`."""

import sys

from commsim.experiments.benchmarks.suite import main

sys.exit(main())
