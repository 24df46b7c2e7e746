"""A run folder whose files are damaged (a truncated metrics.json, an empty history.csv, a spec.json
that is gone) is named in one line that says what to do, by the library, the training command and
the batch side alike; a damaged earlier run is not reused; a damaged study metrics.json leaves the
batch index without its numbers instead of crashing it."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest

from helpers.config import TrainConfig
from helpers.errors import CorruptDataError
from helpers.runs import RunSpec, cli, load_run, save_run
from helpers.runs.spec import spec_differences

SYNTHETIC = {"num_classes": 4, "image_size": 12, "channels": 3, "train_size": 16, "test_size": 8}
COMMAND = ["--model", "lenet5", "--dataset", "synthetic", "--synthetic-options", json.dumps(SYNTHETIC), "--epochs", "1",
           "--image-size", "12", "--device", "cpu", "--progress", "none"]


def _spec() -> RunSpec:
    return cli.spec_from_command_line([*COMMAND, "--out", "unused"])


def _finished(folder: Path, spec: RunSpec | None = None) -> Path:
    """A finished run written as the library writes one (no training: the numbers are made up)."""
    history = pd.DataFrame({"epoch": [1], "train_loss": [1.2], "test_top1": [0.5]})
    metrics = {"test_top1": 0.5, "test_top5": 1.0, "train_images_per_second": 100.0, "device": "cpu",
               "precision": "fp32", "wall_seconds": 1.0}
    return save_run(folder, spec or _spec(), history, metrics)


DAMAGES = {
    "metrics.json truncated": ("metrics.json", lambda path: path.write_text(path.read_text()[:25])),
    "metrics.json empty": ("metrics.json", lambda path: path.write_text("")),
    "metrics.json a list": ("metrics.json", lambda path: path.write_text("[1, 2]")),
    "spec.json truncated": ("spec.json", lambda path: path.write_text(path.read_text()[:40])),
    "spec.json gone": ("spec.json", lambda path: path.unlink()),
    "history.csv empty": ("history.csv", lambda path: path.write_text("")),
}


@pytest.mark.parametrize("damage", DAMAGES)
def test_a_damaged_run_file_is_named_with_what_to_do(damage, tmp_path):
    name, spoil = DAMAGES[damage]
    folder = _finished(tmp_path / "run")
    spoil(folder / name)
    with pytest.raises(CorruptDataError) as raised:
        load_run(folder, _spec())
    message = str(raised.value)
    assert "\n" not in message and str(folder / name) in message, message
    assert f"delete the run folder {folder} to train it again, or rerun with --force" in message


def test_a_damaged_earlier_run_is_not_reused(tmp_path):
    folder = _finished(tmp_path / "earlier")
    assert spec_differences(folder, _spec()) is None
    (folder / "metrics.json").write_text('{"test_top1": 0.5, "tes')
    reason = spec_differences(folder, _spec())
    assert reason is not None and "metrics.json cannot be read" in reason


def test_the_training_command_names_a_truncated_metrics_file_and_force_retrains(tmp_path, capsys):
    out = tmp_path / "run"
    _finished(out)
    (out / "metrics.json").write_text('{"test_top1": 0.5, "tes')
    assert cli.main([*COMMAND, "--out", str(out)]) == 2
    lines = capsys.readouterr().err.strip().splitlines()
    assert len(lines) == 1 and str(out / "metrics.json") in lines[0] and "--force" in lines[0], lines
    assert (out / "metrics.json").read_text() == '{"test_top1": 0.5, "tes'  # left as it was, for the user to decide
    assert cli.main([*COMMAND, "--out", str(out), "--force"]) == 0
    assert json.loads((out / "metrics.json").read_text())["epochs"] == 1


def test_a_damaged_study_metrics_file_leaves_the_index_without_its_numbers(tmp_path):
    from helpers.batch.records import metrics_summary, read_study_metrics

    path = tmp_path / "metrics.json"
    path.write_text('{"title": "Study 1", "headline": [{"na')
    assert read_study_metrics(path) is None and metrics_summary(read_study_metrics(path)) == {}
    path.write_text('["not", "an", "object"]')
    assert read_study_metrics(path) is None
    assert read_study_metrics(tmp_path / "missing.json") is None
    path.write_text(json.dumps({"title": "Study 1", "runs": ["not a mapping"], "headline": "not a list",
                                "claims": {"not": "a list"}, "seeds": 3}))
    summary = metrics_summary(read_study_metrics(path))
    assert summary["title"] == "Study 1" and summary["headline"] == [] and summary["claims"] == []
    assert summary["devices"] == [] and summary["seeds"] == [] and summary["runs_seconds"] is None
    assert metrics_summary(["a", "list"]) == {}


def test_an_intact_run_still_loads(tmp_path):
    folder = _finished(tmp_path / "run")
    outcome = load_run(folder, _spec())
    assert outcome.metrics["test_top1"] == 0.5 and list(outcome.history["epoch"]) == [1]
    assert TrainConfig.from_dict(json.loads((folder / "spec.json").read_text())["config"]) == _spec().config
