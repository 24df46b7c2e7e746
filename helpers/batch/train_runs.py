"""``python -m helpers.batch.train_runs``: train a study's planned runs one at a time, and publish each
finished run at once, so that a long study is completed over several sittings.

    python -m helpers.batch.train_runs 01 --profile cpu --runs 'resnet18_*' --data-dir ../shared/data

trains each chosen run of the study's plan (the notebook's plan at that profile, with ``-p NAME VALUE``
parameters as the batch runner takes them) into ``<out>/<profile>-runs/<study>/runs/<run_id>``
(resumable: an interrupted run continues from its checkpoint), and as soon as one finishes copies its
``spec.json``, ``history.csv``, ``metrics.json`` and ``predictions.npz`` (never weights) into
``reports/<profile>/<study>/new-runs/<run_id>``: finished runs that the study's published report does
not show yet. A run already published there or under the report's ``runs/`` with the same identity
(spec, data digest, training semantics: :mod:`helpers.runs.identity`) is not trained again. The next
``make reports`` of that study reuses them all by identity (the batch runner gathers ``new-runs/``
with the published runs), and publishing the study moves the ones its report uses into ``runs/``.
Bad input is one line on stderr, exit status 2, before anything trains.

    python -m helpers.batch.train_runs 04 --profile cpu --status

prints where each chosen run stands instead (published, finished but not published, in training
with the epochs its checkpoint holds, or to train; :mod:`helpers.batch.run_status`), with the epochs
left and the core-hours of its finished runs: what a study still needs before its next sitting. It
trains and writes nothing.
"""

from __future__ import annotations

import argparse
import shutil
import sys
from collections.abc import Sequence
from pathlib import Path

from helpers.batch.options import RUNS_SUFFIX
from helpers.batch.publish import path_rewrites, publish_run
from helpers.batch.run_status import run_status, status_table, summary_line
from helpers.batch.state import EARLIER_RUNS, NEW_RUNS, gather_finished_runs
from helpers.commands import PROJECT_ROOT, OneLineArgumentParser, run_command
from helpers.errors import InvalidConfigError, check_choice
from helpers.io import check_writable
from helpers.runs import RunSpec, is_finished
from helpers.runs.execute import run_all
from helpers.studies.common.parameters import PROFILES
from helpers.studies.common.selection import select_runs
from helpers.studies.plan_command import add_study_arguments, plan_parameters, planned_runs, study_module


def build_parser() -> argparse.ArgumentParser:
    """The argument parser of ``python -m helpers.batch.train_runs``."""
    parser = OneLineArgumentParser(prog="python -m helpers.batch.train_runs",
                                   description="Train a study's planned runs one at a time and publish each "
                                               "finished run at once (into reports/<profile>/<study>/new-runs).")
    add_study_arguments(parser, default_profile="cpu")
    parser.add_argument("--data-dir", help="dataset folder (else the library's lookup order)")
    parser.add_argument("--out", default=str(PROJECT_ROOT / "outputs"),
                        help="output root; runs train in OUT/<profile>-runs/<study>/runs (default outputs)")
    parser.add_argument("--reports", default=str(PROJECT_ROOT / "reports"),
                        help="where published reports live (default reports)")
    parser.add_argument("--no-publish", action="store_true",
                        help="train only; leave reports/ as it is")
    parser.add_argument("--status", action="store_true",
                        help="print where each chosen run stands (published, in training, to train); train nothing")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; returns the process exit status (2 for bad input)."""
    return run_command(lambda: train_and_publish(build_parser().parse_args(argv)),
                       interrupted="the run in training continues from its last checkpoint when this command "
                                   "is run again")


def train_and_publish(arguments: argparse.Namespace) -> int:
    """Train the chosen runs one at a time; publish each as it finishes (see the module docstring)."""
    check_choice("profile", arguments.profile, PROFILES)
    if arguments.profile == "smoke" and not arguments.no_publish and not arguments.status:
        raise InvalidConfigError("invalid profile 'smoke': its runs use the embedded samples and are not "
                                 "published; valid choices: cpu, quick, paper (or --no-publish)")
    study = study_module(arguments.study)
    study_id = _study_id(arguments.study)
    if arguments.data_dir is not None and not Path(arguments.data_dir).is_dir():
        raise InvalidConfigError(f"invalid --data-dir {arguments.data_dir!r}: no such folder")
    folder = Path(arguments.out) / f"{arguments.profile}{RUNS_SUFFIX}" / study_id
    parameters = plan_parameters(arguments.profile, arguments.parameter, str(folder))
    tuning, final = planned_runs(study, parameters)
    chosen = select_runs([*tuning, *final], arguments.runs)
    published = Path(arguments.reports) / arguments.profile / study_id
    if arguments.status:
        return print_status(chosen, folder / "runs", published)
    check_writable(folder)
    if not arguments.no_publish:
        check_writable(published)
    for source in (published / "runs", published / NEW_RUNS):  # runs made before, reused by identity
        gather_finished_runs(source, folder / EARLIER_RUNS, move=False)
    rewrites = path_rewrites(PROJECT_ROOT)
    print(f"{len(chosen)} run(s) of study {study_id} at profile {arguments.profile}, one at a time, in {folder}/runs",
          flush=True)
    for number, spec in enumerate(chosen, start=1):
        print(f"[{number}/{len(chosen)}] {spec.run_id}", flush=True)
        run_all([spec], folder, data_dir=arguments.data_dir, samples=parameters.profile == "smoke")
        if not arguments.no_publish:
            print(_publish_line(spec, folder, published, rewrites), flush=True)
    shutil.rmtree(folder / EARLIER_RUNS, ignore_errors=True)
    return 0


def print_status(chosen: Sequence[RunSpec], training_runs: Path, published: Path) -> int:
    """Print the standing of each chosen run and a summary line (see the module docstring); 0."""
    statuses = [run_status(spec, training_runs, published) for spec in chosen]
    print(status_table(statuses).to_string(index=False), flush=True)
    print(summary_line(statuses), flush=True)
    return 0


def _study_id(study: str) -> str:
    return study.zfill(2) if study.isdigit() else study


def _publish_line(spec: RunSpec, folder: Path, published: Path, rewrites) -> str:
    run = folder / "runs" / spec.run_id
    if not is_finished(run):
        return f"  {spec.run_id}: not finished; nothing published"
    target = publish_run(run, published, rewrites)
    if target is None:
        return f"  {spec.run_id}: already published under {published}"
    return f"  {spec.run_id}: published to {target}"


if __name__ == "__main__":
    sys.exit(main())
