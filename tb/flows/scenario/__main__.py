"""``python -m tb.flows.scenario``: see :mod:`tb.flows.scenario.cli`."""

import sys

from tb.flows.scenario.cli import main

sys.exit(main())
