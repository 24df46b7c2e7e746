"""Per-image test predictions: written beside a finished run, read back without pickle, and the
same numbers as the run's metrics."""

import numpy as np
import pytest
import torch

from helpers.config import TrainConfig
from helpers.data import load_dataset
from helpers.errors import CorruptDataError
from helpers.evaluate import topk_accuracy
from helpers.runs import RunSpec, execute_run, load_run
from helpers.runs.predictions import PREDICTIONS_NAME, correct, load_predictions, predictions_from_logits

SYNTHETIC = {"num_classes": 6, "image_size": 12, "channels": 3, "train_size": 240, "test_size": 90}


def test_arrays_from_logits_rank_as_the_accuracy_does_ties_included():
    logits = torch.tensor([[0.0, 2.0, 2.0, 1.0, -1.0, 0.5, 0.1], [3.0, 3.0, 3.0, 3.0, 3.0, 3.0, 3.0]])
    labels = torch.tensor([2, 0])
    arrays = predictions_from_logits(logits, labels)
    assert arrays["test_predicted"].tolist() == logits.topk(1, dim=1).indices[:, 0].tolist()
    assert correct(arrays).mean() == topk_accuracy(logits, labels, k=1)
    assert arrays["test_top5"].shape == (2, 5) and arrays["test_top5"].dtype == np.int16
    assert set(arrays["test_top5"][0].tolist()) == {1, 2, 3, 5, 6}
    assert correct(None) is None
    with pytest.raises(ValueError, match="do not match"):
        predictions_from_logits(logits, torch.tensor([0, 1, 2]))


def test_a_finished_run_stores_predictions_that_give_its_metrics(tmp_path):
    data = load_dataset("synthetic", synthetic_options=SYNTHETIC, seed=0)
    spec = RunSpec(run_id="r", model="lenet5", dataset="synthetic",
                   config=TrainConfig(epochs=2, batch_size=32, lr=0.05, progress="none", device="cpu"))
    outcome = execute_run(spec, data, tmp_path / "r")
    assert (tmp_path / "r" / PREDICTIONS_NAME).is_file()
    loaded = load_run(tmp_path / "r", spec)
    for key, array in outcome.predictions.items():
        np.testing.assert_array_equal(loaded.predictions[key], array)
    np.testing.assert_array_equal(loaded.predictions["test_labels"], data.y_test.numpy())
    assert correct(loaded.predictions).mean() == pytest.approx(loaded.metrics["test_top1"])
    hits = (loaded.predictions["test_top5"] == loaded.predictions["test_labels"][:, None]).any(axis=1)
    assert hits.mean() == pytest.approx(loaded.metrics["test_top5"])
    confusion = np.zeros((6, 6), dtype=int)
    np.add.at(confusion, (loaded.predictions["test_labels"], loaded.predictions["test_predicted"]), 1)
    np.testing.assert_array_equal(confusion, loaded.confusion)


def test_a_run_without_predictions_loads_and_a_broken_file_is_named(tmp_path):
    assert load_predictions(tmp_path) is None
    (tmp_path / PREDICTIONS_NAME).write_bytes(b"PK\x03\x04 not a zip")
    with pytest.raises(CorruptDataError, match="cannot be read as a run's predictions"):
        load_predictions(tmp_path)
    with open(tmp_path / PREDICTIONS_NAME, "wb") as handle:  # object arrays need pickle: refused
        np.savez(handle, test_labels=np.array([{"x": 1}], dtype=object), test_predicted=np.zeros(1),
                 test_top5=np.zeros((1, 5)))
    with pytest.raises(CorruptDataError):
        load_predictions(tmp_path)


def test_a_run_with_a_validation_split_stores_its_validation_predictions_too(tmp_path):
    data = load_dataset("synthetic", synthetic_options=SYNTHETIC, seed=0, val_fraction=0.2)
    spec = RunSpec(run_id="v", model="lenet5", dataset="synthetic",
                   config=TrainConfig(epochs=1, batch_size=32, lr=0.05, progress="none", device="cpu"))
    execute_run(spec, data, tmp_path / "v")
    loaded = load_run(tmp_path / "v", spec)
    np.testing.assert_array_equal(loaded.predictions["val_labels"], data.y_val.numpy())
    assert correct(loaded.predictions, "val").mean() == pytest.approx(loaded.history["val_top1"].iloc[-1])
    assert correct(loaded.predictions).mean() == pytest.approx(loaded.metrics["test_top1"])
