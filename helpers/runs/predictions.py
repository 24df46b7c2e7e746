"""A finished run's per-image test predictions, stored beside its metrics (``predictions.npz``).

Two runs scored on the same test images are compared image by image
(:func:`helpers.statistics.paired.paired_difference`), which needs what each run predicted for
each image, not only its accuracy. The file holds, in the test set's order, ``test_labels`` (the
true class), ``test_predicted`` (the top-1 class) and ``test_top5`` (the five highest classes, best
first; fewer columns when there are fewer classes), as int16, compressed: about 40 KB for
CIFAR-10's 10,000 test images; a run with a validation split adds the same three for it
(``val_labels``, ``val_predicted``, ``val_top5``). It is written before ``metrics.json`` (which marks a run as
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
VAL_KEYS = ("val_labels", "val_predicted", "val_top5")  # present for a run with a validation split


def predictions_from_logits(logits: torch.Tensor, labels: torch.Tensor, *,
                            split: str = "test") -> dict[str, np.ndarray]:
    """The arrays of :data:`KEYS` (``split="val"``: :data:`VAL_KEYS`) from a run's logits
    ``[N, classes]`` on that split and its labels ``[N]``."""
    if logits.ndim != 2 or labels.shape != logits.shape[:1]:
        raise ValueError(f"logits {tuple(logits.shape)} and labels {tuple(labels.shape)} do not match")
    scores = logits.float()
    # topk(1), as helpers.evaluate.topk_accuracy ranks: on tied logits (common in bf16) argmax and
    # topk may pick different classes, and a run's predictions must give its test top-1 exactly.
    top1 = scores.topk(1, dim=1).indices[:, 0]
    top = scores.topk(min(TOP_K, scores.shape[1]), dim=1).indices
    return {f"{split}_labels": labels.cpu().numpy().astype(np.int16),
            f"{split}_predicted": top1.cpu().numpy().astype(np.int16),
            f"{split}_top5": top.cpu().numpy().astype(np.int16)}


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
            arrays.update({key: stored[key] for key in VAL_KEYS if key in stored.files})
    except (OSError, ValueError, KeyError, zipfile.BadZipFile) as error:
        raise CorruptDataError(f"{path} cannot be read as a run's predictions ({error}); delete it and rerun the "
                               "run with --force to write it again") from error
    return arrays


def correct(predictions: dict[str, np.ndarray] | None, split: str = "test") -> np.ndarray | None:
    """Per image of ``split`` (test, or val), whether the top-1 prediction was right (None without
    predictions for that split)."""
    if predictions is None or f"{split}_predicted" not in predictions:
        return None
    return predictions[f"{split}_predicted"] == predictions[f"{split}_labels"]
