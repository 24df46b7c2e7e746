"""Per-epoch checkpoints: exact resume after SIGKILL, refusal of other settings, safe loading."""

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pandas as pd
import pytest
import torch
from torch import nn

from helpers.config import TrainConfig
from helpers.data import load_dataset
from helpers.errors import CorruptDataError
from helpers.models import create_model
from helpers.runs import RunSpec, execute_run
from helpers.train import NonFiniteLossError, train
from helpers.train.checkpoint import CheckpointMismatchError
from helpers.train import loop
from helpers.train.loop import TrainingOutOfMemoryError

REPO = Path(__file__).resolve().parents[2]
TIMING_COLUMNS = ["seconds", "images_per_second"]
TIMING_METRICS = ["wall_seconds", "train_seconds", "train_images_per_second"]
SYNTHETIC = {"num_classes": 4, "image_size": 16, "channels": 3, "train_size": 512, "test_size": 128}
# checkpoint_seconds=0: a checkpoint after every epoch (these epochs take well under a second).
CONFIG = dict(epochs=3, batch_size=64, lr=0.05, scheduler="onecycle", progress="none", device="cpu",
              checkpoint_seconds=0.0)
# A CPU run of a few seconds per epoch, so that a kill can land inside an epoch.
CLI_RUN = ["--model", "resnet18_narrow", "--dataset", "synthetic", "--epochs", "4", "--batch-size", "32",
           "--lr", "0.05", "--scheduler", "onecycle", "--limit-train", "300", "--limit-test", "100",
           "--augmentation", "study5", "--device", "cpu", "--checkpoint-seconds", "0"]


@pytest.fixture(scope="module")
def data():
    return load_dataset("synthetic", synthetic_options=SYNTHETIC, seed=0)


def small_model(data):
    return create_model("lenet5", num_classes=data.num_classes, in_channels=3, seed=0)


def run_cli(out: Path, *extra: str) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-m", "helpers.runs", *CLI_RUN, *extra, "--progress", "none",
                             "--out", str(out)], cwd=REPO, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def finish(process: subprocess.Popen) -> None:
    stdout, stderr = process.communicate(timeout=600)
    assert process.returncode == 0, stderr


def next_checkpoint(path: Path, previous: os.stat_result | None, process: subprocess.Popen) -> os.stat_result:
    """The stat of the checkpoint at ``path`` once one newer than ``previous`` is written (each is
    written atomically: a new file); fails when the run ends or ten minutes pass first."""
    deadline = time.monotonic() + 600
    while process.poll() is None and time.monotonic() < deadline:
        try:
            found = path.stat()
        except FileNotFoundError:
            found = None
        if found is not None and (previous is None or (found.st_ino, found.st_mtime_ns)
                                  != (previous.st_ino, previous.st_mtime_ns)):
            return found
        time.sleep(0.02)
    raise AssertionError(f"no new checkpoint at {path} (the run's exit status: {process.poll()})")


def test_a_run_killed_mid_epoch_resumes_to_the_uninterrupted_result(tmp_path):
    whole, killed = tmp_path / "whole", tmp_path / "killed"
    finish(run_cli(whole))

    process = run_cli(killed)
    checkpoint = killed / "checkpoint.pt"
    first = next_checkpoint(checkpoint, None, process)
    second = next_checkpoint(checkpoint, first, process)
    # Half of this run's own second epoch later (the machine's speed drifts): inside the third epoch.
    time.sleep((second.st_mtime_ns - first.st_mtime_ns) / 2e9)
    assert process.poll() is None, "the run finished before it could be killed"
    process.send_signal(signal.SIGKILL)
    process.wait()
    assert process.returncode == -signal.SIGKILL
    assert not (killed / "metrics.json").exists()
    stored = torch.load(checkpoint, weights_only=True)
    assert 2 <= len(stored["history"]) < 4

    finish(run_cli(killed))
    expected, resumed = pd.read_csv(whole / "history.csv"), pd.read_csv(killed / "history.csv")
    pd.testing.assert_frame_equal(resumed.drop(columns=TIMING_COLUMNS), expected.drop(columns=TIMING_COLUMNS),
                                  check_exact=True)
    expected_metrics = json.loads((whole / "metrics.json").read_text())
    resumed_metrics = json.loads((killed / "metrics.json").read_text())
    for key in TIMING_METRICS:
        expected_metrics.pop(key), resumed_metrics.pop(key)
    assert resumed_metrics == expected_metrics
    assert not checkpoint.exists()  # removed once the run finished
    weights = torch.load(killed / "model.pt", weights_only=True)
    reference = torch.load(whole / "model.pt", weights_only=True)
    assert all(torch.equal(weights[name], reference[name]) for name in reference)


def test_resume_with_other_settings_is_refused_naming_the_fields(data, tmp_path):
    checkpoint = tmp_path / "checkpoint.pt"
    train(small_model(data), data, TrainConfig(**{**CONFIG, "epochs": 1}), checkpoint_path=checkpoint)
    assert checkpoint.is_file()
    with pytest.raises(CheckpointMismatchError) as raised:
        train(small_model(data), data, TrainConfig(**{**CONFIG, "epochs": 1, "lr": 0.1, "batch_size": 32}),
              checkpoint_path=checkpoint)
    message = str(raised.value)
    assert "config.lr: 0.05 in the checkpoint, 0.1 now" in message
    assert "config.batch_size: 64 in the checkpoint, 32 now" in message
    # Display-only settings may change on resume.
    train(small_model(data), data, TrainConfig(**{**CONFIG, "epochs": 1, "progress": "epoch"}),
          checkpoint_path=checkpoint)


def test_a_run_resumes_with_other_display_settings_but_not_other_training_settings(data, tmp_path):
    # As execute_run resumes: the identity repeats the run's spec, config included.
    checkpoint = tmp_path / "checkpoint.pt"
    spec = RunSpec(run_id="r", model="lenet5", dataset="synthetic", config=TrainConfig(**{**CONFIG, "epochs": 1}))
    first = train(small_model(data), data, spec.config, checkpoint_path=checkpoint, identity=spec.to_dict())
    shown = RunSpec(run_id="r", model="lenet5", dataset="synthetic",
                    config=TrainConfig(**{**CONFIG, "epochs": 1, "progress": "epoch", "eval_batch_size": 32}))
    second = train(small_model(data), data, shown.config, checkpoint_path=checkpoint, identity=shown.to_dict())
    pd.testing.assert_frame_equal(second.history, first.history)  # resumed from the checkpoint, not retrained
    other = RunSpec(run_id="r", model="lenet5", dataset="synthetic",
                    config=TrainConfig(**{**CONFIG, "epochs": 1, "lr": 0.1}))
    with pytest.raises(CheckpointMismatchError, match=r"run\.config\.lr: 0\.05 in the checkpoint, 0\.1 now"):
        train(small_model(data), data, other.config, checkpoint_path=checkpoint, identity=other.to_dict())


def test_resuming_a_finished_checkpoint_trains_no_further_and_gives_the_same_result(data, tmp_path):
    checkpoint = tmp_path / "checkpoint.pt"
    first = train(small_model(data), data, TrainConfig(**CONFIG), checkpoint_path=checkpoint)
    second = train(small_model(data), data, TrainConfig(**CONFIG), checkpoint_path=checkpoint)
    pd.testing.assert_frame_equal(second.history, first.history)  # the history came from the checkpoint
    assert second.metrics["test_top1"] == first.metrics["test_top1"]


def test_an_unreadable_checkpoint_is_reported_not_guessed(data, tmp_path):
    checkpoint = tmp_path / "checkpoint.pt"
    checkpoint.write_bytes(b"PK\x03\x04 truncated")
    with pytest.raises(CorruptDataError, match="cannot be read.*delete it"):
        train(small_model(data), data, TrainConfig(**CONFIG), checkpoint_path=checkpoint)


def test_a_checkpoint_from_another_version_or_with_missing_fields_is_refused_in_one_line(data, tmp_path):
    checkpoint = tmp_path / "checkpoint.pt"
    torch.save({"format": 99, "identity": {}}, checkpoint)
    with pytest.raises(CorruptDataError, match="not a checkpoint of this version of the library \\(format 99, expected 1\\)"):
        train(small_model(data), data, TrainConfig(**CONFIG), checkpoint_path=checkpoint)
    full = tmp_path / "full.pt"
    train(small_model(data), data, TrainConfig(**{**CONFIG, "epochs": 1}), checkpoint_path=full)
    state = torch.load(full, weights_only=True)
    del state["optimizer"], state["rng"]
    torch.save(state, checkpoint)
    with pytest.raises(CorruptDataError, match="lacks optimizer, rng; delete it") as raised:
        train(small_model(data), data, TrainConfig(**CONFIG), checkpoint_path=checkpoint)
    assert "\n" not in str(raised.value)


class _Payload:
    """Any class: a checkpoint that pickles one must not be loaded."""


def test_a_checkpoint_holding_arbitrary_objects_is_not_unpickled(data, tmp_path):
    checkpoint = tmp_path / "checkpoint.pt"
    torch.save({"format": 1, "payload": _Payload()}, checkpoint)
    with pytest.raises(CorruptDataError, match="cannot be read"):
        train(small_model(data), data, TrainConfig(**CONFIG), checkpoint_path=checkpoint)


class _TurnsNaN(nn.Module):
    """Wraps a model; its training outputs become NaN from optimizer step ``after`` on."""

    def __init__(self, model: nn.Module, after: int):
        super().__init__()
        self.model, self.after, self.steps = model, after, 0

    def forward(self, images):
        logits = self.model(images)
        if self.training:
            self.steps += 1
            if self.steps > self.after:
                return logits * float("nan")
        return logits


def test_a_nan_loss_names_epoch_and_step_and_keeps_the_last_good_checkpoint(data, tmp_path):
    checkpoint = tmp_path / "checkpoint.pt"
    steps_per_epoch = 512 // 64
    model = _TurnsNaN(small_model(data), after=steps_per_epoch + 2)  # the 3rd step of epoch 2
    with pytest.raises(NonFiniteLossError) as raised:
        train(model, data, TrainConfig(**CONFIG), checkpoint_path=checkpoint)
    assert "epoch 2, step 3 of 8" in str(raised.value)
    assert "checkpoint of epoch 1 is kept" in str(raised.value)
    stored = torch.load(checkpoint, weights_only=True)
    assert len(stored["history"]) == 1
    assert all(torch.isfinite(tensor).all() for tensor in stored["model"].values() if tensor.is_floating_point())


def test_out_of_memory_suggests_a_smaller_batch(data, monkeypatch):
    from helpers.train import engine

    def out_of_memory(self, indices, step_number):
        raise torch.OutOfMemoryError("CUDA out of memory. Tried to allocate 2.00 GiB")

    monkeypatch.setattr(engine.TrainingEngine, "step", out_of_memory)
    with pytest.raises(TrainingOutOfMemoryError, match="try a smaller batch size \\(for example 32\\)"):
        train(small_model(data), data, TrainConfig(**CONFIG))


def test_execute_run_keeps_weights_and_drops_the_checkpoint_when_done(data, tmp_path):
    spec = RunSpec(run_id="r", model="lenet5", dataset="synthetic", config=TrainConfig(**{**CONFIG, "epochs": 1}))
    outcome = execute_run(spec, data, tmp_path / "r")
    assert (tmp_path / "r" / "metrics.json").is_file() and not (tmp_path / "r" / "checkpoint.pt").exists()
    weights = torch.load(tmp_path / "r" / "model.pt", weights_only=True)
    model = small_model(data)
    model.load_state_dict(weights)
    assert outcome.metrics["epochs"] == 1


def test_without_the_last_epochs_checkpoint_the_one_before_stays_for_a_resume(data, tmp_path):
    checkpoint = tmp_path / "checkpoint.pt"
    config = TrainConfig(**{**CONFIG, "epochs": 2})
    first = train(small_model(data), data, config, checkpoint_path=checkpoint, checkpoint_last_epoch=False)
    kept = torch.load(checkpoint, weights_only=True)
    assert len(kept["history"]) == 1  # epoch 1's checkpoint, not epoch 2's
    again = train(small_model(data), data, config, checkpoint_path=checkpoint)  # retrains epoch 2 only
    assert len(again.history) == 2
    assert again.history["train_loss"].iloc[0] == first.history["train_loss"].iloc[0]


@pytest.mark.parametrize("seconds, saved_after", [(0.0, [1, 2, 3]), (3600.0, [3])])
def test_checkpoints_are_written_once_checkpoint_seconds_have_passed_and_always_after_the_last_epoch(
        data, tmp_path, monkeypatch, seconds, saved_after):
    saved = []
    monkeypatch.setattr(loop, "save_checkpoint", lambda path, state: saved.append(len(state["history"])))
    train(small_model(data), data, TrainConfig(**{**CONFIG, "checkpoint_seconds": seconds}),
          checkpoint_path=tmp_path / "checkpoint.pt")
    assert saved == saved_after


def test_the_checkpoint_interval_is_not_part_of_a_runs_identity(data, tmp_path):
    checkpoint = tmp_path / "checkpoint.pt"
    config = TrainConfig(**{**CONFIG, "epochs": 2})
    train(small_model(data), data, config, checkpoint_path=checkpoint, checkpoint_last_epoch=False)
    resumed = train(small_model(data), data, config.replace(checkpoint_seconds=600.0), checkpoint_path=checkpoint)
    assert len(resumed.history) == 2
