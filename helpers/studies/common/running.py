"""Running a study's plan with the notebook's parameters (one call instead of six arguments)."""

from __future__ import annotations

from collections.abc import Sequence

from helpers.runs import RunOutcome, RunSpec, run_all
from helpers.studies.common.parameters import StudyParameters
from helpers.studies.common.selection import matching_runs


def run_plan(specs: Sequence[RunSpec], parameters: StudyParameters) -> list[RunOutcome]:
    """Train (or load, when finished with the same spec) every run of ``specs`` (those matching
    ``parameters.runs`` when the study runs in part) into ``parameters.output_dir/runs``, with the
    notebook's data folder and download permission (a run's processes are in its config:
    ``torchrun_processes`` sets them through :func:`helpers.studies.common.recipes.train_config`). The smoke profile reads the
    embedded samples, and replaces a dataset that has none by a synthetic stand-in of its shape
    (its notes say so); the other profiles need the real data, found on disk or downloaded."""
    return run_all(matching_runs(specs, parameters.runs), parameters.output_dir, data_dir=parameters.data_dir,
                   download=parameters.download, samples=parameters.samples, synthetic_stand_in=parameters.samples)
