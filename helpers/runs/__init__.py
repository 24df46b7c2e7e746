"""The experiment layer: a training run on disk, and executing one run or a list of runs.

- :mod:`helpers.runs.spec`: :class:`RunSpec` (what to train) and :class:`RunOutcome` (what it
  gave), with their save and load.
- :mod:`helpers.runs.execute`: :func:`execute_run` (one spec into its folder, resumable) and
  :func:`run_all` (a study's specs, finished runs loaded instead of retrained).
- :mod:`helpers.runs.torchrun`: one run under ``torchrun`` in a subprocess.
- :mod:`helpers.runs.cli`: the command line ``python -m helpers.runs``.

It builds on the library (``helpers.data``, ``models``, ``train``); the studies build on it.
"""

from helpers.runs import cli
from helpers.runs.execute import execute_run, run_all
from helpers.runs.spec import RunOutcome, RunSpec, is_finished, load_run, save_run

__all__ = ["RunOutcome", "RunSpec", "cli", "execute_run", "is_finished", "load_run", "run_all", "save_run"]
