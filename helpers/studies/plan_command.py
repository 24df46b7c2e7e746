"""``python -m helpers.studies plan``: a study's planned runs as ``spec.json`` files, without training.

    python -m helpers.studies plan 04 --profile quick --runs "B+c+l" "A+c+l" --out /tmp/plan

writes ``/tmp/plan/<run_id>/spec.json`` for each chosen run and prints a table of them. Each one
trains on its own with ``python -m helpers.runs --spec /tmp/plan/<run_id>/spec.json --out
/tmp/plan/<run_id>``, on any machine; planned into a notebook's ``<output_dir>/runs``, the runs
trained this way are the ones the notebook then loads instead of training them again.

``--runs`` takes shell-style patterns matched against run ids and names
(:mod:`helpers.studies.common.selection`); ``-p NAME VALUE`` sets a notebook parameter (``seeds``,
``epochs``, ``batch_size``, ``image_size``, ...) as the batch runner's ``-p`` does. A study with a
tuning phase (study 5) writes its tuning runs and its final runs, the final ones with the study's
fallback values, since the tuning has not run. Bad input is one line on stderr, exit status 2,
before anything is written.
"""

from __future__ import annotations

import argparse
import difflib
import inspect
from collections.abc import Mapping, Sequence
from pathlib import Path
from types import ModuleType
from typing import Any

import pandas as pd

from helpers.commands import OneLineArgumentParser, run_command
from helpers.errors import InvalidConfigError
from helpers.io import check_writable, write_json
from helpers.runs import RunSpec, is_finished, load_run
from helpers.studies.common.parameters import PROFILES, StudyParameters, check_parameters, parse_value
from helpers.studies.common.selection import paper_name, select_runs
from helpers.studies.registry import find_study, study_ids

SET_BY_OPTIONS = ("profile", "output_dir")  # parameters with their own option, not -p
# A notebook's defaults for the parameters that check_parameters requires (its parameters cell).
NOTEBOOK_DEFAULTS = {"data_dir": None, "device": "auto", "seeds": None, "epochs": None, "batch_size": None}


def build_parser() -> argparse.ArgumentParser:
    """The argument parser of ``python -m helpers.studies``."""
    parser = OneLineArgumentParser(prog="python -m helpers.studies",
                                   description="Plan a study's runs without training them.")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    plan = commands.add_parser("plan", help="write each planned run's spec.json and print a table of them",
                               description=__doc__.split("\n")[0])
    add_study_arguments(plan, default_profile="smoke")
    plan.add_argument("--out", required=True, metavar="DIR", help="write DIR/<run_id>/spec.json")
    return parser


def add_study_arguments(parser: argparse.ArgumentParser, *, default_profile: str) -> None:
    """The options that choose a study's planned runs: the study, ``--profile``, ``--runs`` and
    ``-p NAME VALUE`` (shared by this command and ``python -m helpers.batch.train_runs``)."""
    parser.add_argument("study", help=f"a study id: {', '.join(study_ids())}")
    parser.add_argument("--profile", default=default_profile,
                        help=f"one of {', '.join(PROFILES)} (default {default_profile})")
    parser.add_argument("--runs", nargs="+", metavar="PATTERN",
                        help="only the runs matching one of these shell-style patterns: run ids "
                             "(model_b_c_l_seed0, 'model_b_*') or names ('B+c+l', 'A+*', Model-B); default all")
    parser.add_argument("-p", "--parameter", nargs=2, action="append", default=[], metavar=("NAME", "VALUE"),
                        help="set a notebook parameter (seeds, epochs, batch_size, image_size, ...); VALUE is read "
                             "as papermill reads it (True, False, None, numbers) or as a Python literal ([0, 1])")


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; returns the process exit status (2 for bad input)."""
    return run_command(lambda: _plan(build_parser().parse_args(argv)))


def _plan(arguments: argparse.Namespace) -> int:
    module = study_module(arguments.study)
    parameters = plan_parameters(arguments.profile, arguments.parameter, arguments.out)
    tuning, final = planned_runs(module, parameters)
    chosen = select_runs([*tuning, *final], arguments.runs)
    out = Path(arguments.out)
    finished = _check_finished(chosen, out)  # before anything is written
    check_writable(out)
    for spec in chosen:
        if spec.run_id not in finished:
            write_json(out / spec.run_id / "spec.json", spec.to_dict())
    print(_report(module, parameters, chosen, tuning=tuning, finished=finished, out=out))
    return 0


def study_module(study: str) -> ModuleType:
    """The study package with id ``study`` (``"4"`` is read as ``"04"``), from the registry."""
    return find_study(study).module()


def check_run_patterns(study: str, profile: str, patterns: Sequence[str], overrides: Mapping[str, Any]) -> None:
    """Raise when one of ``patterns`` matches none of the study's planned runs at ``profile`` with
    the notebook parameters ``overrides`` (those the plan does not take are ignored). The batch
    runner calls this before any notebook starts."""
    accepted = set(inspect.signature(check_parameters).parameters) - {"runs", "profile", "output_dir"}
    values = {name: value for name, value in overrides.items() if name in accepted}
    parameters = check_parameters(**{**NOTEBOOK_DEFAULTS, **values, "profile": profile, "output_dir": "."})
    tuning, final = planned_runs(study_module(study), parameters)
    select_runs([*tuning, *final], list(patterns))


def planned_runs(module: ModuleType, parameters: StudyParameters) -> tuple[list[RunSpec], list[RunSpec]]:
    """A study's tuning runs (none without a tuning phase) and its final runs; without tuned
    values, the final runs of a study with a tuning phase use its fallback values."""
    tuning = module.tuning_plan(parameters) if hasattr(module, "tuning_plan") else []
    return tuning, module.plan(parameters)


def plan_parameters(profile: str, pairs: Sequence[Sequence[str]], out: str) -> StudyParameters:
    """The notebook parameters of ``profile`` with ``pairs`` (``-p NAME VALUE`` texts) set and ``out`` as
    the output folder; an unknown name, a parameter with an option of its own or a bad value raises."""
    accepted = [name for name in inspect.signature(check_parameters).parameters if name not in SET_BY_OPTIONS]
    overrides = {}
    for name, text in pairs:
        if name in SET_BY_OPTIONS:
            raise InvalidConfigError(f"set {name} with --{'out' if name == 'output_dir' else name}, not with -p")
        if name not in accepted:
            close = difflib.get_close_matches(name, accepted, n=1)
            hint = f" (did you mean {close[0]!r}?)" if close else ""
            raise InvalidConfigError(f"unknown parameter {name!r}{hint}; valid parameters: {', '.join(accepted)}")
        overrides[name] = parse_value(text)
    return check_parameters(**{**NOTEBOOK_DEFAULTS, **overrides, "profile": profile, "output_dir": out})


def _check_finished(specs: Sequence[RunSpec], out: Path) -> set[str]:
    """The run ids whose folder under ``out`` holds a finished run of the same spec (kept as it
    is); a finished run of another spec raises, naming the settings that differ."""
    finished = set()
    for spec in specs:
        if is_finished(out / spec.run_id):
            load_run(out / spec.run_id, spec)  # raises if its recorded spec differs
            finished.add(spec.run_id)
    return finished


def _report(module: ModuleType, parameters: StudyParameters, chosen: Sequence[RunSpec], *,
            tuning: Sequence[RunSpec], finished: set[str], out: Path) -> str:
    tuning_ids = {spec.run_id for spec in tuning}
    rows = [{"run id": spec.run_id, "name": paper_name(spec),
             **({"phase": "tuning" if spec.run_id in tuning_ids else "final"} if tuning else {}),
             "model": spec.model, "dataset": spec.dataset, "epochs": spec.config.epochs,
             "batch size": spec.config.batch_size,
             "spec.json": "kept (finished run)" if spec.run_id in finished else "written"} for spec in chosen]
    lines = [f"{module.TITLE}, profile {parameters.profile}: {len(chosen)} run(s) planned into "
             f"{out}/<run id>/spec.json", "", pd.DataFrame(rows).to_string(index=False), ""]
    if tuning and any(spec.run_id not in tuning_ids for spec in chosen):
        lines.append("The tuning phase has not run, so the final runs use the study's fallback values (see each "
                     "spec's config); the notebook replans them with the values its tuning runs choose.")
    lines.append(f"Train one: python -m helpers.runs --spec {out}/<run id>/spec.json --out {out}/<run id>")
    return "\n".join(lines)
