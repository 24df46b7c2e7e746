"""Training a study's runs one at a time and publishing each as it finishes
(``python -m helpers.batch.train_runs``), and what publishing a report does with them."""

from __future__ import annotations

import json
import os
import stat
import subprocess
import sys
from pathlib import Path

import pytest

from helpers.batch.publish import path_rewrites, publish_run, publish_study
from helpers.batch.state import NEW_RUNS
from helpers.batch.train_runs import main as train_runs
from helpers.errors import InvalidConfigError
from tests.batch.test_publish import finished_study

PROJECT = Path(__file__).resolve().parents[2]


def finished_run(folder: Path, *, wall_seconds: float = 12.0) -> Path:
    """A finished run folder as run_all leaves it, with the machine's path in its spec."""
    folder.mkdir(parents=True)
    (folder / "spec.json").write_text(json.dumps({"run_id": folder.name, "out": f"{PROJECT}/outputs/x/{folder.name}"}))
    (folder / "history.csv").write_text("epoch,test_top1\n1,0.5\n")
    (folder / "predictions.npz").write_bytes(b"PK predictions")
    (folder / "model.pt").write_bytes(b"weights")
    (folder / "checkpoint.pt").write_bytes(b"checkpoint")
    (folder / "metrics.json").write_text(json.dumps({"run_id": folder.name, "wall_seconds": wall_seconds}))
    return folder


def test_publish_run_copies_the_run_files_once_and_never_weights(tmp_path):
    run = finished_run(tmp_path / "outputs" / "r0")
    study = tmp_path / "reports" / "cpu" / "01"
    target = publish_run(run, study, path_rewrites(PROJECT))
    assert target == study / NEW_RUNS / "r0"
    assert sorted(path.name for path in target.iterdir()) == ["history.csv", "metrics.json", "predictions.npz",
                                                             "spec.json"]
    assert str(PROJECT) not in (target / "spec.json").read_text()  # machine paths rewritten
    assert (target / "predictions.npz").read_bytes() == b"PK predictions"
    assert publish_run(run, study, path_rewrites(PROJECT)) is None  # the same run: nothing to do
    assert not list((study / NEW_RUNS).glob(".*"))  # no staging folder left behind

    retrained = finished_run(tmp_path / "elsewhere" / "r0", wall_seconds=99.0)  # another run of that id
    assert publish_run(retrained, study, path_rewrites(PROJECT)) == target
    assert json.loads((target / "metrics.json").read_text())["wall_seconds"] == 99.0
    # The earlier run is kept beside it, never overwritten; a third goes to the next free name.
    assert json.loads((study / NEW_RUNS / "r0~2" / "metrics.json").read_text())["wall_seconds"] == 12.0
    publish_run(finished_run(tmp_path / "third" / "r0", wall_seconds=7.0), study, path_rewrites(PROJECT))
    assert [json.loads((study / NEW_RUNS / name / "metrics.json").read_text())["wall_seconds"]
            for name in ("r0", "r0~2", "r0~3")] == [7.0, 12.0, 99.0]


def test_publish_run_skips_a_run_the_report_already_shows(tmp_path):
    run = finished_run(tmp_path / "outputs" / "r0")
    study = tmp_path / "reports" / "cpu" / "01"
    (study / "runs").mkdir(parents=True)
    (study / "runs" / "r0").mkdir()
    (study / "runs" / "r0" / "metrics.json").write_text((run / "metrics.json").read_text())
    assert publish_run(run, study, path_rewrites(PROJECT)) is None
    assert not (study / NEW_RUNS).exists()


def test_publishing_a_report_keeps_the_new_runs_it_does_not_show(tmp_path):
    source = finished_study(tmp_path / "outputs" / "cpu", "01", tmp_path)
    target = tmp_path / "reports" / "cpu" / "01"
    publish_run(source / "runs" / "r0", target, path_rewrites(tmp_path))  # shown by the new report
    publish_run(finished_run(tmp_path / "later" / "r9"), target, path_rewrites(tmp_path))  # trained for a later one
    publish_study(source, target, path_rewrites(tmp_path), published="2026-12-07 00:00 UTC")
    assert (target / "runs" / "r0" / "metrics.json").is_file()
    assert sorted(path.name for path in (target / NEW_RUNS).iterdir()) == ["r9"]


@pytest.mark.parametrize("arguments, message", [
    (["7"], "unknown study id '7'"),
    (["02", "--profile", "smoke"], "invalid profile 'smoke'"),
    (["02", "--profile", "cpu", "--runs", "nothing_*"], "no run matches the pattern 'nothing_*'"),
    (["02", "--profile", "cpu", "-p", "seedz", "[0]"], "unknown parameter 'seedz'"),
    (["02", "--profile", "cpu", "--data-dir", "/no/such/folder"], "invalid --data-dir"),
])
def test_train_runs_refuses_bad_input_in_one_line_before_training(tmp_path, arguments, message):
    completed = subprocess.run([sys.executable, "-m", "helpers.batch.train_runs", *arguments, "--out", str(tmp_path),
                                "--reports", str(tmp_path / "reports")],
                               capture_output=True, text=True, timeout=120, cwd=PROJECT)
    assert completed.returncode == 2, completed.stderr
    assert message in completed.stderr and len(completed.stderr.strip().splitlines()) == 1
    assert not (tmp_path / "reports").exists()


def test_train_runs_trains_the_chosen_run_once(tmp_path, capsys):
    arguments = ["02", "--profile", "smoke", "--runs", "mnist_lenet5_seed0", "--no-publish", "--out", str(tmp_path)]
    assert train_runs(arguments) == 0
    run = tmp_path / "smoke-runs" / "02" / "runs" / "mnist_lenet5_seed0"
    first = json.loads((run / "metrics.json").read_text())
    assert first["run_id"] == "mnist_lenet5_seed0" and (run / "predictions.npz").is_file()
    assert sorted(path.name for path in run.parent.iterdir()) == ["mnist_lenet5_seed0"]  # only the chosen run
    capsys.readouterr()
    assert train_runs(arguments) == 0  # again: loaded, not retrained
    assert json.loads((run / "metrics.json").read_text())["wall_seconds"] == first["wall_seconds"]
    assert not (tmp_path / "smoke-runs" / "02" / "earlier-runs").exists()


def test_publish_run_copies_regular_files_only_never_more_readable_than_they_were(tmp_path):
    run = finished_run(tmp_path / "outputs" / "r0")
    private = tmp_path / "home" / "notes.txt"
    private.parent.mkdir()
    private.write_text("PRIVATE")
    private.chmod(0o600)
    (run / "history.csv").unlink()
    (run / "history.csv").symlink_to(private)
    (run / "predictions.npz").chmod(0o600)
    study = tmp_path / "reports" / "cpu" / "01"
    previous = os.umask(0o022)
    try:
        target = publish_run(run, study, path_rewrites(PROJECT))
    finally:
        os.umask(previous)
    assert sorted(path.name for path in target.iterdir()) == ["metrics.json", "predictions.npz", "spec.json"]
    assert stat.S_IMODE((target / "predictions.npz").stat().st_mode) == 0o600
    assert stat.S_IMODE((target / "metrics.json").stat().st_mode) == 0o644

    linked = finished_run(tmp_path / "outputs" / "r1")
    (linked / "metrics.json").unlink()
    (linked / "metrics.json").symlink_to(private)
    with pytest.raises(InvalidConfigError, match="not a regular file"):
        publish_run(linked, study, path_rewrites(PROJECT))
    assert not (study / NEW_RUNS / "r1").exists()


def test_publishing_a_report_carries_new_runs_without_their_links(tmp_path):
    source = finished_study(tmp_path / "outputs" / "cpu", "01", tmp_path)
    target = tmp_path / "reports" / "cpu" / "01"
    later = publish_run(finished_run(tmp_path / "later" / "r9"), target, path_rewrites(tmp_path))
    private = tmp_path / "private.txt"
    private.write_text("PRIVATE")
    private.chmod(0o600)
    (later / "notes.txt").symlink_to(private)
    publish_study(source, target, path_rewrites(tmp_path), published="2026-12-07 00:00 UTC")
    assert sorted(path.name for path in (target / NEW_RUNS / "r9").iterdir()) == ["history.csv", "metrics.json",
                                                                                 "predictions.npz", "spec.json"]
