"""``python -m helpers.batch``: see :mod:`helpers.batch.runner`."""

import sys

from helpers.batch.runner import main

sys.exit(main())
