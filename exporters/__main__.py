"""Run the command line with `python -m exporters`."""

import sys

from exporters.cli import main

sys.exit(main())
