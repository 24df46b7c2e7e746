"""Where the batch runner finds finished runs to reuse, and ``--reuse-only``: render reports from
runs trained elsewhere (a borrowed GPU machine, ``python -m helpers.batch.device_runs``) without
training anything here.

A study's notebook reuses, by identity (:mod:`helpers.runs.identity`), the finished runs of
:func:`run_sources`. With ``--reuse-only`` every run the notebook plans must be among them, which
:func:`check_reusable` checks before any kernel starts (one line naming the runs missing, exit 2),
and the kernels run with ``$HELPERS_REUSE_ONLY`` set, so that a run whose identity does not match
(other data, another training semantics) fails its study instead of training for hours on a CPU.
"""

from __future__ import annotations

import os
from pathlib import Path

from helpers.batch.checks import chosen_specs
from helpers.batch.options import IN_PART_SUFFIX, RUNS_SUFFIX, BatchOptions
from helpers.batch.state import NEW_RUNS, staging_folder
from helpers.commands import PROJECT_ROOT
from helpers.errors import InvalidConfigError

# helpers.runs.execute.REUSE_ONLY_ENV (not imported: this layer loads no torch until it must)
REUSE_ONLY_ENV = "HELPERS_REUSE_ONLY"


def run_sources(options: BatchOptions, study: str) -> list[Path]:
    """The ``runs`` folders whose finished runs a study reuses by identity: its published output,
    the repository's published report (``runs/`` and ``new-runs/``), the runs trained one at a time
    (``<out>/<profile>-runs``) and the profile's other output folder (:func:`sibling_runs`)."""
    reports = PROJECT_ROOT / "reports" / options.profile / study
    return [options.out / study / "runs", reports / "runs", reports / NEW_RUNS,
            options.out.parent / f"{options.profile}{RUNS_SUFFIX}" / study / "runs", *sibling_runs(options, study)]


def sibling_runs(options: BatchOptions, study: str) -> list[Path]:
    """The ``runs`` folders of the same study in the profile's other output folder: the whole study's
    (published and staging) for a study run in part, the study run in part's for the whole study. A
    run trained there (by the batch, or by ``python -m helpers.runs`` into a staging folder, as the
    README shows) is the same run wherever it was trained, when its identity matches."""
    whole = options.out.parent / options.profile
    other = whole if options.out != whole else whole.with_name(options.profile + IN_PART_SUFFIX)
    return [other / study / "runs", staging_folder(other / study) / "runs"]


def missing_runs(options: BatchOptions, study: str) -> list[str]:
    """The run ids the study plans (its chosen runs, for a study run in part) that no folder of
    :func:`run_sources` nor the study's own staging folder holds finished."""
    folders = [*run_sources(options, study), staging_folder(options.out / study) / "runs"]
    return [spec.run_id for spec in chosen_specs(study, options)
            if not any((folder / spec.run_id / "metrics.json").is_file() for folder in folders)]


def check_reusable(options: BatchOptions) -> None:
    """With ``--reuse-only``: raise naming the first study with planned runs that are not finished
    anywhere it looks, and set ``$HELPERS_REUSE_ONLY`` for the kernels (and any ``--jobs`` child)."""
    for study in options.notebooks:
        missing = missing_runs(options, study)
        if missing:
            shown = ", ".join(missing[:6]) + (f" and {len(missing) - 6} more" if len(missing) > 6 else "")
            raise InvalidConfigError(
                f"--reuse-only: study {study} at profile {options.profile} has no finished run for {shown}; train "
                f"them first (python -m helpers.batch.device_runs on a GPU, or python -m helpers.batch.train_runs), "
                f"or render the finished ones in part with --runs")
    os.environ[REUSE_ONLY_ENV] = "1"
