import sys

from tb.stimulus.workloads.cli import main

sys.exit(main())
