"""The training loop and its command line, on small synthetic and (when present) real data."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
import torch
from torch import nn

from helpers.config import TrainConfig
from helpers.data import load_dataset
from helpers.data.locate import shared_data_dir
from helpers.models import create_model
from helpers.runs import cli
from helpers.train import NonFiniteLossError, loop, train

REPO = Path(__file__).resolve().parents[2]
SHARED_DATA = shared_data_dir()
TIMING_COLUMNS = ["seconds", "images_per_second"]
SYNTHETIC = {"num_classes": 4, "image_size": 16, "channels": 3, "train_size": 1024, "test_size": 256}


@pytest.fixture(scope="module")
def synthetic_data():
    return load_dataset("synthetic", synthetic_options=SYNTHETIC, val_fraction=0.25, seed=0)


def small_resnet(data, seed=0):
    return create_model("resnet18", num_classes=data.num_classes, widths=(8, 16, 32, 64), blocks=(1, 1, 1, 1), seed=seed)


FAST = dict(batch_size=64, lr=0.05, epochs=3, scheduler="onecycle", progress="none", device="cpu")


def test_learns_synthetic_data_well_above_chance(synthetic_data):
    result = train(small_resnet(synthetic_data), synthetic_data, TrainConfig(**FAST))
    chance = 1 / synthetic_data.num_classes
    assert result.metrics["test_top1"] > chance + 0.4
    assert result.history["train_loss"].iloc[-1] < result.history["train_loss"].iloc[0]


def test_history_and_metrics_record_what_the_issue_lists(synthetic_data):
    result = train(small_resnet(synthetic_data), synthetic_data, TrainConfig(**{**FAST, "epochs": 2}),
                   run_labels={"model": "resnet18", "dataset": "synthetic"})
    expected_columns = {"epoch", "train_loss", "train_top1", "val_loss", "val_top1", "val_top5", "test_loss",
                        "test_top1", "test_top5", "lr", "seconds", "images_per_second"}
    assert expected_columns <= set(result.history.columns)
    assert list(result.history["epoch"]) == [1, 2]
    for key in ("model", "dataset", "params", "epochs", "test_top1", "test_top5", "test_loss", "best_val_top1",
                "wall_seconds", "train_images_per_second", "device", "precision", "channels_last", "compiled",
                "small_map_convs", "versions", "config"):
        assert key in result.metrics, key
    assert result.metrics["device"] == "cpu" and result.metrics["cpu_threads"] == torch.get_num_threads() >= 1
    convs = [module for module in result.model.modules() if isinstance(module, torch.nn.Conv2d)]
    assert result.metrics["small_map_convs"] == len(convs) > 0  # every ResNet conv is eligible on the CPU
    assert 0 <= result.metrics["test_top1"] <= result.metrics["test_top5"] <= 1
    assert result.metrics["train_images_per_second"] > 0
    assert result.test_logits.shape == (len(synthetic_data.y_test), synthetic_data.num_classes)
    json.dumps(result.metrics)  # plain data only


def test_cpu_run_with_fixed_seed_is_reproducible(synthetic_data):
    config = TrainConfig(**{**FAST, "epochs": 2, "mixup_alpha": 0.2, "augmentation": "study5"})
    first = train(small_resnet(synthetic_data), synthetic_data, config)
    torch.manual_seed(123)  # global state set elsewhere must not matter
    second = train(small_resnet(synthetic_data), synthetic_data, config)
    assert first.history.drop(columns=TIMING_COLUMNS).equals(second.history.drop(columns=TIMING_COLUMNS))
    assert torch.equal(first.test_logits, second.test_logits)


def test_different_seeds_differ(synthetic_data):
    first = train(small_resnet(synthetic_data), synthetic_data, TrainConfig(**{**FAST, "epochs": 1}))
    second = train(small_resnet(synthetic_data, seed=1), synthetic_data, TrainConfig(**{**FAST, "epochs": 1, "seed": 1}))
    assert not torch.equal(first.test_logits, second.test_logits)


@pytest.mark.parametrize(
    "options",
    [
        {"optimizer": "adamw", "lr": 0.003, "scheduler": "cosine", "warmup_epochs": 1.0},
        {"optimizer": "adam", "lr": 0.003, "scheduler": "step", "step_epochs": 1},
        {"label_smoothing": 0.1, "mixup_alpha": 0.2, "grad_clip_norm": 1.0},
        {"concat_original": True, "augmentation": "crop_flip_affine_jitter"},  # its alias "study5": the test above
        {"precision": "fp32", "channels_last": False, "tta_flip": True, "restore_best": True},
    ],
)
def test_every_option_trains_and_learns(synthetic_data, options):
    result = train(small_resnet(synthetic_data), synthetic_data, TrainConfig(**{**FAST, **options}))
    assert result.metrics["test_top1"] > 1 / synthetic_data.num_classes + 0.2, options


@pytest.mark.parametrize("epochs", [1, 3])
def test_restore_best_tests_the_best_validation_epoch_and_evaluates_it_once(synthetic_data, monkeypatch, epochs):
    evaluated = []
    counted = loop._logits
    monkeypatch.setattr(loop, "_logits", lambda engine, images, **options: evaluated.append(len(images))
                        or counted(engine, images, **options))
    result = train(small_resnet(synthetic_data), synthetic_data,
                   TrainConfig(**{**FAST, "epochs": epochs, "restore_best": True}))
    history = result.history
    best = int(history["val_top1"].idxmax())  # the first epoch with the highest validation top-1
    assert result.metrics["test_top1"] == history["test_top1"].iloc[best]
    assert result.metrics["test_loss"] == pytest.approx(history["test_loss"].iloc[best], rel=1e-5)
    retested = best != len(history) - 1  # only then do the final weights differ from the last epoch's
    # validation and test each epoch; both again for restored weights (the validation split's
    # per-image predictions are the final weights')
    assert len(evaluated) == 2 * epochs + 2 * retested


def test_concat_original_doubles_the_epoch(synthetic_data):
    config = TrainConfig(**{**FAST, "epochs": 1, "concat_original": True})
    result = train(small_resnet(synthetic_data), synthetic_data, config)
    assert result.metrics["train_seconds"] > 0
    steps = -(-2 * len(synthetic_data.y_train) // config.batch_size)
    assert result.history["images_per_second"].iloc[0] * result.metrics["train_seconds"] == pytest.approx(
        min(steps * config.batch_size, 2 * len(synthetic_data.y_train)), rel=1e-6)


def test_schedule_reaches_the_optimizer(synthetic_data):
    result = train(small_resnet(synthetic_data), synthetic_data,
                   TrainConfig(**{**FAST, "scheduler": "cosine", "epochs": 3}))
    learning_rates = list(result.history["lr"])
    assert learning_rates[0] > learning_rates[1] > learning_rates[2] >= 0


class NaNModel(nn.Module):
    def __init__(self, num_classes):
        super().__init__()
        self.linear = nn.Linear(1, num_classes)

    def forward(self, images):
        return self.linear(images.mean(dim=(1, 2, 3))[:, None]) * float("nan")


def test_nan_loss_stops_with_epoch_and_step(synthetic_data):
    with pytest.raises(NonFiniteLossError, match="epoch 1, step 1 "):
        train(NaNModel(synthetic_data.num_classes), synthetic_data, TrainConfig(**{**FAST, "precision": "fp32"}))


@pytest.mark.skipif(not (SHARED_DATA / "MNIST").is_dir(), reason="needs ../shared/data")
def test_learns_a_small_real_sample():
    data = load_dataset("mnist", data_dir=SHARED_DATA, train_per_class=100, test_per_class=50, seed=0)
    model = create_model("lenet5", num_classes=10, in_channels=1)
    result = train(model, data, TrainConfig(epochs=3, batch_size=50, lr=0.05, scheduler="onecycle",
                                            augmentation="none", progress="none", device="cpu"))
    assert result.metrics["test_top1"] > 0.6  # chance is 0.1


def run_cli(*arguments, env=None):
    return subprocess.run([sys.executable, "-m", "helpers.runs", *arguments], capture_output=True, text=True,
                          cwd=REPO, env={**os.environ, **(env or {})}, timeout=300)


def test_command_line_writes_history_and_metrics(tmp_path):
    completed = run_cli("--model", "lenet5", "--dataset", "synthetic", "--epochs", "2", "--batch-size", "64",
                        "--lr", "0.05", "--limit-train", "400", "--limit-test", "200", "--out", str(tmp_path / "run"))
    assert completed.returncode == 0, completed.stderr
    lines = (tmp_path / "run" / "history.csv").read_text().strip().splitlines()
    assert len(lines) == 3  # header + 2 epochs
    metrics = json.loads((tmp_path / "run" / "metrics.json").read_text())
    assert metrics["model"] == "lenet5" and metrics["dataset"] == "synthetic" and metrics["epochs"] == 2
    assert metrics["num_train"] == 400 and metrics["num_test"] == 200
    assert sum(map(sum, metrics["confusion"])) == 200
    assert "test top-1" in completed.stdout

    assert (tmp_path / "run" / "model.pt").is_file() and not (tmp_path / "run" / "checkpoint.pt").exists()

    same = ["--model", "lenet5", "--dataset", "synthetic", "--epochs", "2", "--batch-size", "64", "--lr", "0.05",
            "--limit-train", "400", "--limit-test", "200", "--out", str(tmp_path / "run")]
    before = (tmp_path / "run" / "metrics.json").stat().st_mtime_ns
    again = run_cli(*same)
    assert again.returncode == 0, again.stderr
    assert "already holds this finished run" in again.stdout and "--force" in again.stdout
    assert (tmp_path / "run" / "metrics.json").stat().st_mtime_ns == before  # loaded, not retrained

    other = run_cli(*same[:-2], "--lr", "0.1", "--out", str(tmp_path / "run"))
    assert other.returncode == 2 and "Traceback" not in other.stderr
    assert "config.lr: 0.05 there, 0.1 now" in other.stderr


@pytest.mark.parametrize(
    "arguments, expected",
    [
        (["--model", "resnet19", "--dataset", "synthetic"], ["unknown model 'resnet19'", "resnet18"]),
        (["--model", "lenet5", "--dataset", "cifar11"], ["unknown dataset 'cifar11'", "cifar10"]),
        (["--model", "lenet5", "--dataset", "synthetic", "--optimizer", "rmsprop"], ["unknown optimizer 'rmsprop'", "adamw"]),
        (["--model", "lenet5", "--dataset", "synthetic", "--scheduler", "poly"], ["unknown scheduler 'poly'", "onecycle"]),
        (["--model", "lenet5", "--dataset", "synthetic", "--epochs", "0"], ["invalid epochs 0"]),
        (["--model", "lenet5", "--dataset", "synthetic", "--batch-size", "-4"], ["invalid batch_size -4"]),
        (["--model", "lenet5", "--dataset", "synthetic", "--lr", "0"], ["invalid lr 0.0"]),
    ],
)
def test_command_line_rejects_bad_input_in_one_line(tmp_path, capsys, arguments, expected):
    # In-process (the same main() the module runs; tests/test_command_line_errors.py checks real processes).
    assert cli.main([*arguments, "--out", str(tmp_path / "run")]) == 2
    stderr = capsys.readouterr().err
    assert len(stderr.strip().splitlines()) == 1
    for text in expected:
        assert text in stderr
    assert not (tmp_path / "run").exists()


def test_command_line_refuses_an_output_folder_that_cannot_be_written(tmp_path, capsys):
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder")
    assert cli.main(["--model", "lenet5", "--dataset", "synthetic", "--out", str(blocker / "run")]) == 2
    stderr = capsys.readouterr().err
    assert stderr.startswith("error: output folder ") and "cannot be written" in stderr


def test_command_line_names_missing_data_and_places_searched(tmp_path, capsys, monkeypatch):
    empty = tmp_path / "empty"
    empty.mkdir()
    (tmp_path / "also-empty").mkdir()
    monkeypatch.setenv("HELPERS_DATA_DIR", str(tmp_path / "also-empty"))
    assert cli.main(["--model", "lenet5", "--dataset", "cifar100", "--data-dir", str(empty), "--no-download",
                     "--out", str(tmp_path / "run")]) == 2
    stderr = capsys.readouterr().err
    assert len(stderr.strip().splitlines()) == 1
    assert "cifar100" in stderr and str(empty) in stderr
    assert str(tmp_path / "also-empty") in stderr and "python -m helpers.data.download cifar100" in stderr
    assert not (tmp_path / "run").exists()
