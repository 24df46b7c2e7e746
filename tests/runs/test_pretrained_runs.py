"""Fine-tuning from pretrained weights through the run layer: ``--weights`` reaches the model, the
data is normalised with ImageNet's statistics, and the run records what was loaded."""

from __future__ import annotations

import json

import pytest
import torch
import torchvision

from helpers.config import TrainConfig
from helpers.data import DataOptions, load_dataset
from helpers.errors import InvalidConfigError
from helpers.runs import RunSpec, cli, execute_run

BASE = ["--model", "resnet18", "--dataset", "synthetic", "--out", "unused"]


@pytest.fixture(scope="module")
def resnet18_file(tmp_path_factory):
    """A random torchvision ResNet-18's state dict on disk."""
    path = tmp_path_factory.mktemp("weights") / "resnet18.pth"
    torch.save(torchvision.models.resnet18(weights=None).state_dict(), path)
    return path


def test_weights_reach_the_spec_and_bring_imagenet_normalization(resnet18_file):
    spec = cli.spec_from_command_line([*BASE, "--stem", "imagenet", "--weights", str(resnet18_file)])
    assert spec.model_options == {"stem": "imagenet", "weights": str(resnet18_file)}
    assert "normalization" not in spec.dataset_options and spec.data_options.normalization == "imagenet"
    chosen = cli.spec_from_command_line([*BASE, "--weights", str(resnet18_file), "--normalization", "dataset"])
    assert chosen.data_options.normalization == "dataset"
    plain = cli.spec_from_command_line(BASE)
    assert plain.data_options == DataOptions.from_mapping(plain.dataset_options)


def test_command_line_fine_tunes_from_a_local_file(resnet18_file, tmp_path, capsys):
    out = tmp_path / "run"
    code = cli.main(["--model", "resnet18", "--dataset", "caltech101", "--samples", "--no-download",
                     "--train-per-class", "1", "--test-per-class", "1", "--stem", "imagenet",
                     "--weights", str(resnet18_file), "--epochs", "1", "--batch-size", "32", "--augmentation", "none",
                     "--progress", "none", "--device", "cpu", "--no-channels-last", "--out", str(out)])
    printed = capsys.readouterr()
    assert code == 0, printed.err
    assert "120 tensors loaded, 2 newly initialised (fc.weight, fc.bias)" in printed.out
    spec = json.loads((out / "spec.json").read_text())
    assert spec["model_options"]["weights"] == str(resnet18_file)
    metrics = json.loads((out / "metrics.json").read_text())
    assert metrics["weights"]["weights"] == str(resnet18_file)
    assert (metrics["weights"]["loaded"], metrics["weights"]["initialised"]) == (120, 2)
    assert any("ImageNet's statistics" in note for note in metrics["data_notes"])
    assert metrics["num_train"] == 101


@pytest.mark.parametrize("weights, expected", [
    ("missing.pth", "weights file 'missing.pth' does not exist"),
    ("FILE", "does not fit 'resnet50'"),
])
def test_bad_weights_are_refused_in_one_line_before_anything_is_created(weights, expected, resnet18_file, tmp_path,
                                                                        capsys):
    out = tmp_path / "run"
    weights = str(resnet18_file) if weights == "FILE" else weights
    code = cli.main(["--model", "resnet50", "--dataset", "synthetic", "--stem", "imagenet", "--weights", weights,
                     "--out", str(out)])
    error = capsys.readouterr().err
    assert code == 2 and len(error.strip().splitlines()) == 1 and expected in error
    assert not out.exists()


def test_a_run_refuses_data_not_normalised_as_its_weights_expect(resnet18_file, tmp_path):
    spec = RunSpec(run_id="pretrained", model="resnet18", dataset="synthetic", config=TrainConfig(epochs=1),
                   model_options={"weights": str(resnet18_file)})
    data = load_dataset("synthetic", synthetic_options={"image_size": 8, "train_size": 20, "test_size": 10})
    with pytest.raises(InvalidConfigError, match="wants ImageNet's normalisation"):
        execute_run(spec, data, tmp_path / "run")
    assert not (tmp_path / "run").exists()
