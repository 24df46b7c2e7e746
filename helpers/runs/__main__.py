"""``python -m helpers.runs``: train one run into a run folder (:mod:`helpers.runs.cli`)."""

import sys

from helpers.runs.cli import main

sys.exit(main())
