"""``python -m helpers.batch.device_runs``: on a borrowed GPU machine, check the GPU and train the
planned runs of chosen studies within a time budget; the reports are rendered back here.

    python3 -m helpers.batch.device_runs --studies 01 02 --data-dir data/packed --out "$OUT"

needs only torch, torchvision, numpy and Pillow (+ pandas), no papermill or Jupyter, and works on
the working tree alone: the data comes packed into the tree (``python -m helpers.batch.pack_data``). In
order, within ``--budget-minutes`` (default 8):

1. ``benchmarks/gpu_check.py`` with its share of the budget (``--gpu-check-seconds``; 0 skips it),
   writing ``OUT/gpu_check.json``;
2. the chosen studies' planned runs at ``--profile`` (default ``quick``), one at a time, in plan
   order (seed 0 of every row before seed 1), each into ``--work`` (resumable; default
   ``outputs/<profile>-runs/<study>/runs``). A run whose time, judged from a finished run of the
   same model and dataset, would not fit the time left is skipped; a run still training when the
   budget is spent is stopped there (its checkpoint stays in ``--work``: the same command
   continues it) and nothing after it starts.

Everything comes back in at most three files, as the lending tool returns them: ``OUT/runs.tar``
(each finished run's ``spec.json``, ``history.csv``, ``metrics.json`` and ``predictions.npz``, as
``<profile>/<study>/<run id>/<file>``, never weights), ``OUT/device_runs.json`` (the device, the
budget, every run's outcome) and ``OUT/gpu_check.json``. Both the tar and the record are rewritten
after every run, so whatever finished is there even if the machine is taken back. Back here,
``python -m helpers.batch.device_import <folder>`` files them and prints the commands that render
and publish the reports. Bad input is one line, exit status 2, before anything trains.
"""

from __future__ import annotations

import argparse
import io
import signal
import subprocess
import sys
import tarfile
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from helpers.batch.options import RUNS_SUFFIX
from helpers.batch.publish import RUN_FILES, path_rewrites, publish_run
from helpers.batch.state import NEW_RUNS
from helpers.commands import PROJECT_ROOT, OneLineArgumentParser, project_relative, run_command
from helpers.data.locate import locate_dataset
from helpers.errors import HelpersError, InvalidConfigError, check_choice
from helpers.io import check_writable, write_atomic, write_json
from helpers.studies.common.parameters import PROFILES
from helpers.studies.common.selection import matching_runs, run_names
from helpers.studies.plan_command import plan_parameters, planned_runs
from helpers.studies.registry import find_study, study_ids

RUNS_ARCHIVE = "runs.tar"
RECORD = "device_runs.json"
GPU_CHECK = "gpu_check.json"
MAX_BUDGET_MINUTES = 24 * 60  # a lease is minutes to hours; a day bounds a typo
MIN_SECONDS_LEFT = 5  # a run is not started with less of the budget left
PACKED_DATA = PROJECT_ROOT / "data" / "packed"  # where python -m helpers.batch.pack_data writes by default


class BudgetSpent(BaseException):
    """Raised inside a run when the budget's time is up (a BaseException, so that no ``except
    Exception`` in the training loop mistakes it for a failure of the run)."""


def build_parser() -> argparse.ArgumentParser:
    """The argument parser of ``python -m helpers.batch.device_runs``."""
    parser = OneLineArgumentParser(prog="python -m helpers.batch.device_runs",
                                   description="Check the GPU and train studies' planned runs within a time "
                                               "budget; write what finished into OUT for rendering elsewhere.")
    parser.add_argument("--studies", nargs="+", required=True, metavar="ID", help=f"study ids: {', '.join(study_ids())}")
    parser.add_argument("--out", required=True, help="folder for runs.tar, device_runs.json and gpu_check.json")
    parser.add_argument("--profile", default="quick", help="quick (default), paper or cpu")
    parser.add_argument("--data-dir", default=None,
                        help="dataset folder (default data/packed when it exists, else the library's lookup order)")
    parser.add_argument("--work", default=str(PROJECT_ROOT / "outputs"),
                        help="where runs train: WORK/<profile>-runs/<study>/runs (default outputs)")
    parser.add_argument("--budget-minutes", type=float, default=8.0,
                        help="wall minutes for the whole command, the GPU check included (default 8)")
    parser.add_argument("--gpu-check-seconds", type=float, default=150.0,
                        help="the GPU check's share of the budget (default 150; 0 skips it)")
    parser.add_argument("--runs", nargs="+", metavar="PATTERN",
                        help="only the runs matching these shell-style patterns (ids or names), in any chosen study")
    parser.add_argument("-p", "--parameter", nargs=2, action="append", default=[], metavar=("NAME", "VALUE"),
                        help="set a notebook parameter of every chosen study (seeds, epochs, ...), as the batch "
                             "runner's -p; the render here must then be given the same")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; returns the process exit status (2 for bad input)."""
    return run_command(lambda: device_runs(build_parser().parse_args(argv)),
                       interrupted="the run in training continues from its last checkpoint when this command is "
                                   "run again")


def device_runs(arguments: argparse.Namespace) -> int:
    """Check everything, then the GPU check and the runs within the budget (module docstring)."""
    started = time.monotonic()
    deadline = started + 60 * arguments.budget_minutes
    plan = _checked_plan(arguments)
    out = check_writable(Path(arguments.out))
    import torch

    from helpers.device import device_name, resolve_device

    device = resolve_device("auto")
    record: dict[str, Any] = {
        "profile": arguments.profile, "studies": [study for study, _ in plan], "device": str(device),
        "device_name": device_name(device), "torch": torch.__version__, "budget_seconds": 60 * arguments.budget_minutes,
        "started": datetime.now(timezone.utc).isoformat(timespec="seconds"), "parameters": arguments.parameter,
        "run_patterns": arguments.runs,
        "data_dir": arguments.data_dir and (project_relative(arguments.data_dir) or arguments.data_dir), "gpu_check": None, "runs": []}
    print(f"device: {record['device_name']} ({device}); budget {arguments.budget_minutes:g} min; "
          f"{sum(len(specs) for _, specs in plan)} run(s) planned", flush=True)
    write_json(out / RECORD, record)
    if arguments.gpu_check_seconds > 0:
        record["gpu_check"] = _gpu_check(device.type, arguments, out, deadline)
        write_json(out / RECORD, record)
    _train_within_budget(plan, arguments, record, out, deadline)
    record["seconds"] = round(time.monotonic() - started, 1)
    write_json(out / RECORD, record)
    print(outcome_table(record["runs"]), flush=True)
    return 0


def _checked_plan(arguments: argparse.Namespace) -> list[tuple[str, list]]:
    """Each chosen study's id with its chosen runs, every input checked (one line on a mistake)."""
    check_choice("profile", arguments.profile, [profile for profile in PROFILES if profile != "smoke"])
    if not 0 < arguments.budget_minutes <= MAX_BUDGET_MINUTES:
        raise InvalidConfigError(f"invalid --budget-minutes {arguments.budget_minutes:g}: expected a number of minutes "
                                 f"above 0, up to {MAX_BUDGET_MINUTES}")
    if not 0 <= arguments.gpu_check_seconds < 60 * arguments.budget_minutes:
        raise InvalidConfigError(f"invalid --gpu-check-seconds {arguments.gpu_check_seconds:g}: expected 0 (skip) "
                                 f"up to less than the budget, {60 * arguments.budget_minutes:g} s")
    if arguments.data_dir is None and PACKED_DATA.is_dir():
        arguments.data_dir = str(PACKED_DATA)
    if arguments.data_dir is not None and not Path(arguments.data_dir).is_dir():
        raise InvalidConfigError(f"invalid --data-dir {arguments.data_dir!r}: no such folder")
    plan = []
    for study in arguments.studies:
        registered = find_study(study)
        tuning, final = planned_runs(registered.module(), plan_parameters(arguments.profile, arguments.parameter, "."))
        plan.append((registered.id, [*tuning, *final]))
    for pattern in arguments.runs or ():
        if not any(matching_runs(specs, [pattern]) for _, specs in plan):
            names = sorted({name for _, specs in plan for spec in specs for name in run_names(spec)})
            raise InvalidConfigError(f"invalid --runs pattern {pattern!r}: it matches no run of studies "
                                     f"{', '.join(study for study, _ in plan)} at profile {arguments.profile}; runs "
                                     f"include {', '.join(names[:8])}")
    plan = [(study, matching_runs(specs, arguments.runs) if arguments.runs else specs) for study, specs in plan]
    for study, specs in plan:
        for dataset in sorted({spec.dataset for spec in specs}):
            try:
                locate_dataset(dataset, data_dir=arguments.data_dir)
            except HelpersError as error:
                raise InvalidConfigError(f"study {study}: {error}") from error
    return plan


def _gpu_check(device_type: str, arguments: argparse.Namespace, out: Path, deadline: float) -> dict[str, Any]:
    """Run benchmarks/gpu_check.py with its share of the budget; its outcome (never raises)."""
    seconds = min(arguments.gpu_check_seconds, deadline - time.monotonic())
    command = [sys.executable, str(PROJECT_ROOT / "benchmarks" / "gpu_check.py"), "--device",
               "cuda" if device_type == "cuda" else "cpu", "--out", str(out / GPU_CHECK),
               "--budget-seconds", f"{seconds:.0f}"]
    if arguments.data_dir is not None:
        command += ["--data-dir", arguments.data_dir]
    print(f"gpu check, {seconds:.0f} s of the budget ...", flush=True)
    start = time.monotonic()
    try:
        completed = subprocess.run(command, cwd=PROJECT_ROOT, timeout=seconds + 60)
        status = {0: "passed", 1: "a correctness check failed"}.get(completed.returncode,
                                                                     f"exited {completed.returncode}")
    except subprocess.TimeoutExpired:
        status = "stopped: it outran its share of the budget"
    return {"status": status, "seconds": round(time.monotonic() - start, 1),
            "file": GPU_CHECK if (out / GPU_CHECK).is_file() else None}


def _train_within_budget(plan, arguments: argparse.Namespace, record: dict[str, Any], out: Path,
                         deadline: float) -> None:
    """Train the planned runs one at a time until the budget is spent; record each outcome and
    rewrite the archive after each run that finished."""
    from helpers.runs import is_finished
    from helpers.runs.execute import run_all
    from helpers.runs.spec import CHECKPOINT_NAME

    work = Path(arguments.work)
    staged = work / f"{arguments.profile}-device-runs"  # published copies, archived into OUT/runs.tar
    seconds_per_epoch: dict[tuple[str, str], float] = {}
    loaded: dict = {}
    rewrites = path_rewrites(PROJECT_ROOT)
    stopped = None
    for study, specs in plan:
        folder = work / f"{arguments.profile}{RUNS_SUFFIX}" / study
        for spec in specs:
            entry = {"study": study, "run_id": spec.run_id, "model": spec.model, "dataset": spec.dataset,
                     "epochs": spec.config.epochs}
            left = deadline - time.monotonic()
            expected = seconds_per_epoch.get((spec.model, spec.dataset), 0.0) * spec.config.epochs
            reason = stopped or skip_reason(expected, left)
            if reason:
                entry["status"] = reason
                record["runs"].append(entry)
                continue
            print(f"[{study}] {spec.run_id} ({left:.0f} s left)", flush=True)
            start = time.monotonic()
            try:
                with _alarm_at(deadline):
                    [outcome] = run_all([spec], folder, data_dir=arguments.data_dir, loaded_data=loaded)
            except Exception as error:  # a run that fails (out of memory, a diverged loss) leaves the others to train
                entry["status"] = f"failed: {type(error).__name__}: {(str(error).splitlines() or [''])[0]}"
                print(f"[{study}] {spec.run_id}: {entry['status']}", flush=True)
                record["runs"].append(entry)
                write_json(out / RECORD, record)
                continue
            except BudgetSpent:
                stopped = "not started: the budget was spent during an earlier run"
                checkpoint = folder / "runs" / spec.run_id / CHECKPOINT_NAME
                entry["status"] = (f"stopped at the budget after {time.monotonic() - start:.0f} s; " + (
                    f"its checkpoint {checkpoint} continues it when the same command runs again" if checkpoint.is_file()
                    else "no epoch had finished"))
                record["runs"].append(entry)
                continue
            seconds = outcome.metrics.get("wall_seconds") or time.monotonic() - start
            seconds_per_epoch[(spec.model, spec.dataset)] = seconds / max(1, spec.config.epochs)
            entry.update(status="finished", seconds=round(seconds, 1), test_top1=outcome.metrics.get("test_top1"))
            record["runs"].append(entry)
            run = folder / "runs" / spec.run_id
            if is_finished(run):
                publish_run(run, staged / arguments.profile / study, rewrites)
                archive = runs_archive(staged)
                write_atomic(out / RUNS_ARCHIVE, lambda path: path.write_bytes(archive))
            write_json(out / RECORD, record)


def skip_reason(expected_seconds: float, seconds_left: float) -> str | None:
    """Why a run is not started with ``seconds_left`` of the budget, when a finished run of the same
    model and dataset says it needs ``expected_seconds`` (0: not known yet); None to start it."""
    if seconds_left < MIN_SECONDS_LEFT:
        return "skipped: the budget is spent"
    if expected_seconds > seconds_left:
        return f"skipped: needs about {expected_seconds:.0f} s, {seconds_left:.0f} s left"
    return None


@contextmanager
def _alarm_at(deadline: float) -> Iterator[None]:
    """Raise :class:`BudgetSpent` in this (main) thread at ``deadline`` (``time.monotonic``); where
    the platform has no interval timer (Windows), runs are only checked between them."""
    if not hasattr(signal, "setitimer"):
        yield
        return

    def spent(signum, frame):
        raise BudgetSpent()

    previous = signal.signal(signal.SIGALRM, spent)
    signal.setitimer(signal.ITIMER_REAL, max(0.01, deadline - time.monotonic()))
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


def runs_archive(staged: Path) -> bytes:
    """An uncompressed tar of every published run under ``staged`` (``<profile>/<study>/new-runs/<run
    id>/<file>``), stored as ``<profile>/<study>/<run id>/<file>``, only the :data:`RUN_FILES`."""
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w") as archive:
        for path in sorted(staged.glob(f"*/*/{NEW_RUNS}/*/*")):
            if path.name in RUN_FILES and path.is_file() and not path.is_symlink():
                profile, study, _, run_id = path.relative_to(staged).parts[:4]
                archive.add(path, arcname=f"{profile}/{study}/{run_id}/{path.name}", recursive=False)
    return buffer.getvalue()


def outcome_table(runs: Sequence[dict[str, Any]]) -> str:
    """One line per run: study, run id, what happened, seconds and test top-1 where it finished."""
    lines = []
    for run in runs:
        numbers = (f"{run['seconds']:7.1f} s  top-1 {100 * run['test_top1']:.2f} %"
                   if run.get("status") == "finished" and run.get("test_top1") is not None else "")
        lines.append(f"[{run['study']}] {run['run_id']:28s} {run['status']}  {numbers}".rstrip())
    return "\n".join(lines)


if __name__ == "__main__":
    sys.exit(main())
