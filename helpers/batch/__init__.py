"""The batch tooling: run the study notebooks with papermill and publish their HTML reports.

``python -m helpers.batch`` (see :mod:`helpers.batch.runner`) is the command line. Modules:

- :mod:`helpers.batch.options`: the command line, checked before any work.
- :mod:`helpers.batch.runner`: one study (execute, render, publish) and the whole batch.
- :mod:`helpers.batch.papermill_run`: executing one notebook with papermill.
- :mod:`helpers.batch.state`: staging folders, fingerprints, publishing by rename.
- :mod:`helpers.batch.parallel`: several notebooks at once, one GPU each.
- :mod:`helpers.batch.reports`: the HTML report of a notebook and the profile's index page.

This layer sits on top of the studies and imports no torch: ``--help`` and every command-line
mistake answer at once.
"""

from helpers.batch.options import parse_value
from helpers.batch.papermill_run import code_cell_numbers
from helpers.batch.runner import main, run_batch, run_study

__all__ = ["code_cell_numbers", "main", "parse_value", "run_batch", "run_study"]
