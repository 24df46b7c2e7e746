"""Where each of a study's planned runs stands (``python -m helpers.batch.train_runs --status``):
published in the report's folder with the same spec, finished in the training folder but not yet
published, in training (the epochs its checkpoint holds), or still to train. Read from the files
alone: nothing is trained, loaded onto a device or written. A published run's data digest is
checked only when a run reuses it (that needs the dataset), so "published" means the same spec."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import pandas as pd
import torch

from helpers.batch.records import runs_core_seconds
from helpers.batch.state import NEW_RUNS
from helpers.io import read_json
from helpers.runs import RunSpec, is_finished
from helpers.runs.execute import earlier_candidates
from helpers.runs.spec import CHECKPOINT_NAME, spec_differences
from helpers.train.checkpoint import resume_differences, run_identity

PUBLISHED = "published"
FINISHED = "finished, not published"
TRAINING = "in training"
TO_TRAIN = "to train"
STATES = (PUBLISHED, FINISHED, TRAINING, TO_TRAIN)


@dataclass(frozen=True)
class RunStatus:
    """One planned run's standing: its state (one of :data:`STATES`), the epochs done of those its
    spec asks for, the CPU time it took (core-hours: wall x threads x processes; None off a CPU or
    unrecorded) and a note (where it is published, or why a run found there does not count)."""

    run_id: str
    state: str
    epochs_done: int
    epochs: int
    core_hours: float | None = None
    note: str = ""


def run_status(spec: RunSpec, training_runs: Path, published: Path) -> RunStatus:
    """The standing of ``spec``: published under ``published/runs`` or ``published/new-runs``
    (any ``<id>~N`` kept beside included), else finished or in training in ``training_runs/<id>``,
    else to train. A run found with another spec or a checkpoint of other settings does not count,
    and the note says how it differs."""
    epochs = spec.config.epochs
    differences = []
    for folder in (published / "runs", published / NEW_RUNS):
        for candidate in earlier_candidates(folder, spec.run_id):
            if not is_finished(candidate):
                continue
            difference = spec_differences(candidate, spec)
            if difference is None:
                where = f"{candidate.parent.name}/{candidate.name}"
                return RunStatus(spec.run_id, PUBLISHED, epochs, epochs, core_hours(candidate), where)
            differences.append(f"{candidate.parent.name}/{candidate.name}: {difference}")
    note = "not counted: " + "; ".join(differences) if differences else ""
    folder = training_runs / spec.run_id
    if is_finished(folder) and spec_differences(folder, spec) is None:
        return RunStatus(spec.run_id, FINISHED, epochs, epochs, core_hours(folder), note)
    done, mismatch = checkpoint_epochs(folder / CHECKPOINT_NAME, spec)
    if mismatch:
        note = "; ".join(filter(None, [note, f"its checkpoint has other settings ({mismatch})"]))
    elif done:
        return RunStatus(spec.run_id, TRAINING, done, epochs, None, note)
    return RunStatus(spec.run_id, TO_TRAIN, 0, epochs, None, note)


def checkpoint_epochs(path: Path, spec: RunSpec) -> tuple[int, str]:
    """The epochs the checkpoint at ``path`` holds (0 when there is none or it cannot be read) and,
    when it belongs to other settings than ``spec``'s, which fields differ. Memory-mapped and read
    with ``weights_only=True``: no tensor is loaded that the status does not need."""
    if not path.is_file():
        return 0, ""
    try:
        state = torch.load(path, map_location="cpu", weights_only=True, mmap=True)
        history, identity = state["history"], state["identity"]
    except Exception as error:  # noqa: BLE001 - a truncated or foreign file: the run starts afresh
        return 0, f"unreadable: {type(error).__name__}"
    differences = resume_differences(identity, run_identity(spec.config.to_dict(), spec.to_dict()))
    if differences:
        return 0, "; ".join(f"{name}: {old!r} there, {new!r} now" for name, (old, new) in differences.items())
    return len(history), ""


def core_hours(run: Path) -> float | None:
    """A finished run's CPU time in core-hours (wall x threads x processes, one thread where none
    was recorded); None when it trained on another device or recorded no wall time."""
    counted = runs_core_seconds({"runs": {run.name: read_json(run / "metrics.json")}})  # the index's arithmetic
    return None if counted is None else counted[0] / 3600


def status_table(statuses: Sequence[RunStatus]) -> pd.DataFrame:
    """One row per run: id, state, epochs done of planned, core-hours (published or finished), note."""
    return pd.DataFrame([{"run id": status.run_id, "state": status.state,
                          "epochs": f"{status.epochs_done} of {status.epochs}",
                          "core-hours": "" if status.core_hours is None else f"{status.core_hours:.2f}",
                          "note": status.note} for status in statuses])


def summary_line(statuses: Sequence[RunStatus]) -> str:
    """How many runs are in each state, the epochs left to train and the core-hours of the finished
    runs (runs of other specs kept beside them not counted)."""
    counts = [f"{sum(status.state == state for status in statuses)} {state}" for state in STATES]
    left = sum(status.epochs - status.epochs_done for status in statuses if status.state in (TRAINING, TO_TRAIN))
    spent = sum(status.core_hours or 0.0 for status in statuses)
    return (f"{len(statuses)} run(s): {', '.join(counts)}; {left} epoch(s) left to train; "
            f"{spent:.1f} core-hours in its finished runs")
