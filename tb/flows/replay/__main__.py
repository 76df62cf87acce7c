import sys

from tb.flows.replay.cli import main

sys.exit(main())
