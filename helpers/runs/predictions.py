"""A finished run's per-image test predictions, stored beside its metrics (``predictions.npz``).

Two runs scored on the same test images are compared image by image
(:func:`helpers.statistics.paired.paired_difference`), which needs what each run predicted for
each image, not only its accuracy. The file holds, in the test set's order, ``test_labels`` (the
true class), ``test_predicted`` (the top-1 class) and ``test_top5`` (the five highest classes, best
first; fewer columns when there are fewer classes), as int16, compressed: about 40 KB for
CIFAR-10's 10,000 test images. It is written before ``metrics.json`` (which marks a run as
finished) and read without pickle; a run finished before this file existed has none.
"""

from __future__ import annotations

import os
import zipfile
from pathlib import Path

import numpy as np
import torch

from helpers.errors import CorruptDataError
from helpers.io import write_atomic

PREDICTIONS_NAME = "predictions.npz"
TOP_K = 5
KEYS = ("test_labels", "test_predicted", "test_top5")


def predictions_from_logits(logits: torch.Tensor, labels: torch.Tensor) -> dict[str, np.ndarray]:
    """The arrays of :data:`KEYS` from a run's test logits ``[N, classes]`` and labels ``[N]``."""
    if logits.ndim != 2 or labels.shape != logits.shape[:1]:
        raise ValueError(f"logits {tuple(logits.shape)} and labels {tuple(labels.shape)} do not match")
    scores = logits.float()
    # topk(1), as helpers.evaluate.topk_accuracy ranks: on tied logits (common in bf16) argmax and
    # topk may pick different classes, and a run's predictions must give its test top-1 exactly.
    top1 = scores.topk(1, dim=1).indices[:, 0]
    top = scores.topk(min(TOP_K, scores.shape[1]), dim=1).indices
    return {"test_labels": labels.cpu().numpy().astype(np.int16),
            "test_predicted": top1.cpu().numpy().astype(np.int16),
            "test_top5": top.cpu().numpy().astype(np.int16)}


def save_predictions(folder: str | os.PathLike, arrays: dict[str, np.ndarray]) -> Path:
    """Write ``arrays`` to ``folder/predictions.npz`` (compressed, atomically)."""
    def write(temporary: Path) -> None:
        with open(temporary, "wb") as handle:  # a handle: given a path, numpy would append ".npz"
            np.savez_compressed(handle, **arrays)

    return write_atomic(Path(folder) / PREDICTIONS_NAME, write)


def load_predictions(folder: str | os.PathLike) -> dict[str, np.ndarray] | None:
    """The run's predictions, or None when it has no ``predictions.npz``; a file that cannot be read
    (or lacks one of :data:`KEYS`) raises :class:`CorruptDataError` naming it."""
    path = Path(folder) / PREDICTIONS_NAME
    if not path.is_file():
        return None
    try:
        with np.load(path, allow_pickle=False) as stored:
            arrays = {key: stored[key] for key in KEYS}
    except (OSError, ValueError, KeyError, zipfile.BadZipFile) as error:
        raise CorruptDataError(f"{path} cannot be read as a run's predictions ({error}); delete it and rerun the "
                               "run with --force to write it again") from error
    return arrays


def correct(predictions: dict[str, np.ndarray] | None) -> np.ndarray | None:
    """Per test image, whether the top-1 prediction was right (None without predictions)."""
    if predictions is None:
        return None
    return predictions["test_predicted"] == predictions["test_labels"]
