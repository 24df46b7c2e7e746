"""``python -m helpers.train``: forwards to the run command line of the experiment layer (``runs/cli.py``).

The command line writes run folders, which is the experiment layer's job; this entry point stays
here only so that the documented command keeps working.
"""

import sys

from helpers import runs

sys.exit(runs.cli.main())
