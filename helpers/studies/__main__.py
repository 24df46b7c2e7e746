"""``python -m helpers.studies plan ...``: see :mod:`helpers.studies.plan_command`."""

import sys

from helpers.studies.plan_command import main

sys.exit(main())
