import sys

from tb.flows.sweep.cli import main

sys.exit(main())
