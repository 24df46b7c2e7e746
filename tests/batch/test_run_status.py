"""Where a study's planned runs stand (``python -m helpers.batch.train_runs --status``): read from
the published folder, the training folder and checkpoints, with nothing trained or written."""

from __future__ import annotations

import subprocess
import sys
from dataclasses import replace
from pathlib import Path

import pandas as pd
import pytest

from helpers.batch.run_status import FINISHED, PUBLISHED, TO_TRAIN, TRAINING, run_status, summary_line
from helpers.batch.state import NEW_RUNS
from helpers.config import TrainConfig
from helpers.runs import RunSpec
from helpers.runs.spec import CHECKPOINT_NAME, save_run
from helpers.train.checkpoint import run_identity, save_checkpoint

PROJECT = Path(__file__).resolve().parents[2]
CONFIG = TrainConfig(epochs=4, batch_size=64, lr=0.05, device="cpu", progress="none")


def spec_of(run_id: str, **config) -> RunSpec:
    return RunSpec(run_id=run_id, model="lenet5", dataset="synthetic", config=replace(CONFIG, **config))


def finished(folder: Path, spec: RunSpec, *, wall_seconds: float, threads: int, processes: int) -> None:
    history = pd.DataFrame([{"epoch": epoch, "test_top1": 0.5} for epoch in range(1, spec.config.epochs + 1)])
    save_run(folder, spec, history, {"run_id": spec.run_id, "device": "cpu", "wall_seconds": wall_seconds,
                                     "cpu_threads": threads, "processes": processes})


def checkpoint(folder: Path, spec: RunSpec, epochs_done: int) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    save_checkpoint(folder / CHECKPOINT_NAME, {
        "identity": run_identity(spec.config.to_dict(), spec.to_dict()),
        "history": [{"epoch": epoch, "test_top1": 0.5} for epoch in range(1, epochs_done + 1)]})


def test_each_run_is_published_finished_in_training_or_to_train(tmp_path):
    published, training = tmp_path / "reports" / "cpu" / "01", tmp_path / "outputs" / "runs"
    shown, new, here, half, fresh = (spec_of(name) for name in ("shown", "new", "here", "half", "fresh"))
    finished(published / "runs" / "shown", shown, wall_seconds=3600, threads=1, processes=1)
    finished(published / NEW_RUNS / "new~2", new, wall_seconds=1800, threads=2, processes=2)  # kept beside
    finished(training / "here", here, wall_seconds=900, threads=1, processes=1)
    checkpoint(training / "half", replace(half, config=replace(half.config, progress="epoch")), epochs_done=3)

    statuses = {spec.run_id: run_status(spec, training, published) for spec in (shown, new, here, half, fresh)}
    assert {run_id: status.state for run_id, status in statuses.items()} == {
        "shown": PUBLISHED, "new": PUBLISHED, "here": FINISHED, "half": TRAINING, "fresh": TO_TRAIN}
    assert statuses["shown"].note == "runs/shown" and statuses["new"].note == "new-runs/new~2"
    assert statuses["new"].core_hours == pytest.approx(2.0)  # 0.5 h wall x 2 threads x 2 processes
    assert (statuses["half"].epochs_done, statuses["half"].epochs) == (3, 4)  # progress is display-only
    assert summary_line(list(statuses.values())) == (
        "5 run(s): 2 published, 1 finished, not published, 1 in training, 1 to train; "
        "5 epoch(s) left to train; 3.2 core-hours in its finished runs")


def test_a_run_of_another_spec_or_a_checkpoint_of_other_settings_does_not_count(tmp_path):
    published, training = tmp_path / "reports", tmp_path / "runs"
    wanted = spec_of("r0")
    finished(published / NEW_RUNS / "r0", spec_of("r0", epochs=2), wall_seconds=60, threads=1, processes=1)
    checkpoint(training / "r0", spec_of("r0", lr=0.1), epochs_done=2)
    status = run_status(wanted, training, published)
    assert status.state == TO_TRAIN and status.epochs_done == 0
    assert "new-runs/r0: config.epochs: 2 there, 4 now" in status.note
    assert "its checkpoint has other settings" in status.note and "config.lr: 0.05 there" not in status.note
    assert "lr: 0.1 there, 0.05 now" in status.note


def test_status_on_the_command_line_prints_the_plan_and_writes_nothing(tmp_path):
    out, reports = tmp_path / "out", tmp_path / "reports"
    completed = subprocess.run([sys.executable, "-m", "helpers.batch.train_runs", "02", "--profile", "smoke",
                                "--runs", "mnist_*", "--status", "--out", str(out), "--reports", str(reports)],
                               capture_output=True, text=True, timeout=300, cwd=PROJECT)
    assert completed.returncode == 0, completed.stderr
    lines = completed.stdout.strip().splitlines()
    assert lines[0].split()[:3] == ["run", "id", "state"]
    assert all(TO_TRAIN in line for line in lines[1:-1]) and "mnist_lenet5_seed0" in completed.stdout
    assert lines[-1].startswith(f"{len(lines) - 2} run(s): 0 published") and "to train" in lines[-1]
    assert not out.exists() and not reports.exists()
