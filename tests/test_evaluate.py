"""Pure tests of helpers.evaluate on hand-made logits, labels and a tiny model."""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch
from torch import nn

from helpers.evaluate import (
    accuracy_from_predictions,
    classification_report_frame,
    confusion_matrix,
    default_eval_batch_size,
    evaluate_logits,
    per_class_accuracy,
    predict_logits,
    topk_accuracy,
)

# 4 samples, 4 classes. Ranking of classes per row (best first):
#   row 0: 0, 1, 2, 3   label 0 -> top-1 hit
#   row 1: 0, 1, 2, 3   label 1 -> top-2 hit
#   row 2: 3, 2, 1, 0   label 1 -> top-3 hit
#   row 3: 3, 2, 1, 0   label 0 -> top-4 hit only
LOGITS = torch.tensor(
    [
        [4.0, 3.0, 2.0, 1.0],
        [4.0, 3.0, 2.0, 1.0],
        [1.0, 2.0, 3.0, 4.0],
        [1.0, 2.0, 3.0, 4.0],
    ]
)
LABELS = torch.tensor([0, 1, 1, 0])


@pytest.mark.parametrize("k, expected", [(1, 0.25), (2, 0.5), (3, 0.75), (4, 1.0), (5, 1.0)])
def test_topk_accuracy_on_constructed_logits(k: int, expected: float) -> None:
    assert topk_accuracy(LOGITS, LABELS, k=k) == pytest.approx(expected)


def test_topk_accuracy_accepts_numpy_and_lists() -> None:
    assert topk_accuracy(LOGITS.numpy(), LABELS.tolist(), k=2) == pytest.approx(0.5)


def test_topk_accuracy_of_nothing_is_nan() -> None:
    assert math.isnan(topk_accuracy(torch.empty(0, 3), torch.empty(0, dtype=torch.long)))


def test_accuracy_from_predictions() -> None:
    assert accuracy_from_predictions([0, 1, 2, 2], np.array([0, 1, 1, 2])) == pytest.approx(0.75)


def test_confusion_matrix_cells_and_absent_class() -> None:
    labels = [0, 0, 1, 1, 1, 2]
    preds = [0, 1, 1, 1, 0, 2]
    matrix = confusion_matrix(labels, preds, num_classes=4)  # class 3 never occurs
    expected = np.array([[1, 1, 0, 0], [1, 2, 0, 0], [0, 0, 1, 0], [0, 0, 0, 0]])
    assert matrix.dtype == np.int64
    np.testing.assert_array_equal(matrix, expected)
    assert matrix.sum() == len(labels)


def test_per_class_accuracy_with_absent_class_is_nan() -> None:
    confusion = np.array([[1, 1, 0], [1, 2, 0], [0, 0, 0]])
    accuracy = per_class_accuracy(confusion, ["cat", "dog", "emu"])
    assert list(accuracy.index) == ["cat", "dog", "emu"]
    assert accuracy["cat"] == pytest.approx(0.5)
    assert accuracy["dog"] == pytest.approx(2 / 3)
    assert math.isnan(accuracy["emu"])


def test_classification_report_frame() -> None:
    frame = classification_report_frame([0, 0, 1, 1], [0, 1, 1, 1], ["a", "b", "c"])
    assert list(frame.columns) == ["precision", "recall", "f1-score", "support"]
    assert {"a", "b", "c", "accuracy", "macro avg", "weighted avg"} <= set(frame.index)
    assert frame.loc["a", "precision"] == pytest.approx(1.0)
    assert frame.loc["b", "precision"] == pytest.approx(2 / 3)
    assert frame.loc["c", "precision"] == 0  # never predicted: zero_division=0
    assert frame.loc["accuracy", "f1-score"] == pytest.approx(0.75)
    assert frame.loc["a", "support"] == 2


def test_evaluate_logits() -> None:
    result = evaluate_logits(LOGITS, LABELS, ["a", "b", "c", "d"])
    assert result["top1"] == pytest.approx(0.25)
    assert result["top5"] == pytest.approx(1.0)  # k clamped to 4 classes
    expected_loss = nn.functional.cross_entropy(LOGITS, LABELS).item()
    assert result["loss"] == pytest.approx(expected_loss)
    # argmax: rows 0, 1 -> class 0; rows 2, 3 -> class 3
    assert result["confusion"] == [[1, 0, 0, 1], [1, 0, 0, 1], [0, 0, 0, 0], [0, 0, 0, 0]]
    assert result["num_samples"] == 4


class FlatLinear(nn.Module):
    """A linear classifier on flattened images; its dropout makes train and eval mode differ."""

    def __init__(self, in_features: int, num_classes: int) -> None:
        super().__init__()
        self.dropout = nn.Dropout(0.5)
        self.linear = nn.Linear(in_features, num_classes)

    def forward(self, images: torch.Tensor) -> torch.Tensor:
        return self.linear(self.dropout(images.flatten(1)))


MEAN, STD = (0.5, 0.25), (0.2, 0.4)


def _images_and_model(count: int = 7) -> tuple[torch.Tensor, FlatLinear]:
    generator = torch.Generator().manual_seed(0)
    images = torch.randint(0, 256, (count, 2, 3, 4), dtype=torch.uint8, generator=generator)
    torch.manual_seed(0)
    return images, FlatLinear(2 * 3 * 4, 5)


def _manual_logits(model: FlatLinear, images: torch.Tensor) -> torch.Tensor:
    mean = torch.tensor(MEAN).view(1, 2, 1, 1)
    std = torch.tensor(STD).view(1, 2, 1, 1)
    normalised = (images.float() / 255.0 - mean) / std
    return normalised.flatten(1) @ model.linear.weight.detach().T + model.linear.bias.detach()


def test_predict_logits_matches_manual_computation_with_uneven_batches() -> None:
    images, model = _images_and_model(7)
    logits = predict_logits(model, images, mean=MEAN, std=STD, batch_size=3)  # 3 + 3 + 1
    assert logits.shape == (7, 5)
    assert logits.dtype == torch.float32 and logits.device.type == "cpu"
    torch.testing.assert_close(logits, _manual_logits(model, images))


def test_predict_logits_restores_training_mode() -> None:
    images, model = _images_and_model()
    model.train()
    predict_logits(model, images, mean=MEAN, std=STD)
    assert model.training and model.dropout.training
    model.eval()
    predict_logits(model, images, mean=MEAN, std=STD)
    assert not model.training


def test_predict_logits_tta_flip_averages_both_passes() -> None:
    images, model = _images_and_model()
    logits = predict_logits(model, images, mean=MEAN, std=STD, batch_size=4, tta_flip=True)
    expected = 0.5 * (_manual_logits(model, images) + _manual_logits(model, images.flip(-1)))
    torch.testing.assert_close(logits, expected)


def test_predict_logits_channels_last_and_autocast() -> None:
    images, model = _images_and_model()
    reference = _manual_logits(model, images)
    logits = predict_logits(model, images, mean=MEAN, std=STD, channels_last=True)
    torch.testing.assert_close(logits, reference)
    logits = predict_logits(model, images, mean=MEAN, std=STD, autocast_dtype=torch.bfloat16)
    assert logits.dtype == torch.float32
    torch.testing.assert_close(logits, reference, atol=0.1, rtol=0.05)


def test_predict_logits_rejects_wrong_number_of_channels_in_mean() -> None:
    images, model = _images_and_model()
    with pytest.raises(ValueError, match="one value per channel"):
        predict_logits(model, images, mean=(0.5,), std=(0.5,))


def test_default_eval_batch_is_small_on_a_cpu_and_large_on_a_gpu() -> None:
    assert default_eval_batch_size("cpu") == 64 and default_eval_batch_size(torch.device("cpu")) == 64
    assert default_eval_batch_size("cuda") == 1024 and default_eval_batch_size("mps") == 1024


def test_predict_logits_without_a_batch_size_batches_by_the_devices_default(monkeypatch) -> None:
    images, model = _images_and_model(150)  # 64 + 64 + 22 on the CPU
    seen: list[int] = []
    forward = model.forward
    monkeypatch.setattr(model, "forward", lambda batch: seen.append(len(batch)) or forward(batch))
    logits = predict_logits(model, images, mean=MEAN, std=STD)
    assert seen == [64, 64, 22]
    torch.testing.assert_close(logits, _manual_logits(model, images))
