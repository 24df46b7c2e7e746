"""The batch tooling: run the study notebooks with papermill and publish their HTML reports.

``python -m helpers.batch`` (see :mod:`helpers.batch.runner`) is the command line. Modules:

- :mod:`helpers.batch.options`: the command line, checked before any work.
- :mod:`helpers.batch.checks`: what is checked before any kernel starts (device, folders, values, data).
- :mod:`helpers.batch.runner`: one study (execute, render, publish) and the whole batch.
- :mod:`helpers.batch.papermill_run`: executing one notebook with papermill.
- :mod:`helpers.batch.state`: staging folders, fingerprints, publishing by rename.
- :mod:`helpers.batch.parallel`: several notebooks at once, one GPU each.
- :mod:`helpers.batch.reports`: the HTML report of a notebook and the profile's index page.
- :mod:`helpers.batch.reuse`: where finished runs are reused from, and ``--reuse-only``.
- :mod:`helpers.batch.publish` and :mod:`helpers.batch.copying`: reports and runs into ``reports/``.
- :mod:`helpers.batch.train_runs`: a study's planned runs one at a time, each published as it finishes.
- The GPU machine's path: :mod:`helpers.batch.pack_data` (the data, packed to travel),
  :mod:`helpers.batch.device_runs` (on the machine: the GPU check and the runs within a budget) and
  :mod:`helpers.batch.device_import` (back here: the runs filed, the render commands printed).

This layer sits on top of the studies and imports no torch (except the commands that train,
``train_runs`` and ``device_runs``, and the packing step): ``--help`` and every command-line
mistake answer at once.
"""

from helpers.batch.options import parse_value
from helpers.batch.papermill_run import code_cell_numbers
from helpers.batch.runner import main, run_batch, run_study

__all__ = ["code_cell_numbers", "main", "parse_value", "run_batch", "run_study"]
