"""Predictions of a trained model and pure metric functions on its logits.

``predict_logits`` is the only function here that runs a model; everything else takes tensors or
arrays and returns numbers, arrays or frames, so the notebooks can recompute any metric from the
saved logits. Accuracies are fractions in [0, 1].
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd
import torch
import torch.nn.functional as F
from sklearn.metrics import classification_report
from sklearn.metrics import confusion_matrix as _sklearn_confusion_matrix
from torch import Tensor, nn

ACCELERATOR_EVAL_BATCH_SIZE = 1024
CPU_EVAL_BATCH_SIZE = 64

ArrayLike = Tensor | np.ndarray | Sequence[int] | Sequence[float]


def _as_tensor(values: ArrayLike) -> Tensor:
    """A CPU tensor view of a tensor, array or list (no copy when already a CPU tensor)."""
    if isinstance(values, Tensor):
        return values.detach().cpu()
    return torch.as_tensor(np.asarray(values))


def _as_numpy(values: ArrayLike) -> np.ndarray:
    """A numpy array of a tensor, array or list."""
    if isinstance(values, Tensor):
        return values.detach().cpu().numpy()
    return np.asarray(values)


def default_eval_batch_size(device: torch.device | str) -> int:
    """Images per evaluation batch when none is given: 1024 on a GPU, 64 on a CPU.

    On a CPU large batches overflow the caches: measured on a 2-core AMD EPYC (bf16), ResNet-50
    forward on 1,000 images at 32 px took 35.5 s at batch 1024 and 12.0 s at 128 (small-map
    convolutions, the training default); on 256 images at 64 px, 32.3 s at batch 256 and 22.8 s at
    64 with them, 26.5 s and 12.4 s with oneDNN's.
    """
    return CPU_EVAL_BATCH_SIZE if torch.device(device).type == "cpu" else ACCELERATOR_EVAL_BATCH_SIZE


def predict_logits(
    model: nn.Module,
    images: Tensor,
    *,
    mean: Sequence[float],
    std: Sequence[float],
    batch_size: int | None = None,
    device: torch.device | str = "cpu",
    autocast_dtype: torch.dtype | None = None,
    channels_last: bool = False,
    tta_flip: bool = False,
) -> Tensor:
    """Float32 logits ``[N, num_classes]`` (CPU) of ``model`` on uint8 ``images`` ``[N, C, H, W]``.

    Each batch is moved to ``device`` (a no-op when the images already live there), scaled to
    [0, 1] and normalised with the per-channel ``mean`` and ``std``. The model runs in eval mode
    under ``torch.inference_mode``; its previous training mode is restored afterwards.
    ``autocast_dtype`` (e.g. ``torch.bfloat16``) enables autocast; ``channels_last`` sets the
    input's memory format; ``tta_flip`` averages the logits of each image and its horizontal mirror.
    ``batch_size`` None means :func:`default_eval_batch_size` for ``device``.
    """
    if images.ndim != 4:
        raise ValueError(f"images must be [N, C, H, W]; got shape {tuple(images.shape)}")
    if len(images) == 0:
        raise ValueError("images is empty: there is nothing to predict")
    if len(mean) != images.shape[1] or len(std) != images.shape[1]:
        raise ValueError(
            f"mean and std need one value per channel ({images.shape[1]}); "
            f"got {len(mean)} and {len(std)}"
        )
    device = torch.device(device)
    batch_size = default_eval_batch_size(device) if batch_size is None else batch_size
    if batch_size < 1:
        raise ValueError(f"batch_size must be at least 1; got {batch_size}")
    mean_t = torch.tensor(mean, dtype=torch.float32, device=device).view(1, -1, 1, 1)
    std_t = torch.tensor(std, dtype=torch.float32, device=device).view(1, -1, 1, 1)
    memory_format = torch.channels_last if channels_last else torch.contiguous_format

    def forward(batch: Tensor) -> Tensor:
        if autocast_dtype is None:
            return model(batch).float()
        with torch.autocast(device_type=device.type, dtype=autocast_dtype):
            return model(batch).float()

    was_training = model.training
    model.eval()
    batch_logits: list[Tensor] = []
    try:
        with torch.inference_mode():
            for start in range(0, len(images), batch_size):
                batch = images[start : start + batch_size].to(device, non_blocking=True)
                batch = ((batch.float() / 255.0 - mean_t) / std_t).contiguous(
                    memory_format=memory_format
                )  # [B, C, H, W]
                logits = forward(batch)  # [B, num_classes]
                if tta_flip:
                    logits = 0.5 * (logits + forward(batch.flip(-1)))
                batch_logits.append(logits)  # stays on device: one host transfer at the end
            return torch.cat(batch_logits).cpu()
    finally:
        model.train(was_training)


def topk_accuracy(logits: ArrayLike, labels: ArrayLike, k: int = 1) -> float:
    """Fraction of samples whose label is among the ``k`` highest logits.

    ``k`` larger than the number of classes is clamped to it (so top-5 on 3 classes is 1.0).
    Returns NaN when there are no samples.
    """
    logits_t = _as_tensor(logits).float()
    labels_t = _as_tensor(labels).long()
    if logits_t.ndim != 2 or len(logits_t) != len(labels_t):
        raise ValueError(
            f"logits must be [N, C] with N = len(labels); got {tuple(logits_t.shape)} "
            f"and {len(labels_t)} labels"
        )
    if k < 1:
        raise ValueError(f"k must be at least 1; got {k}")
    if len(labels_t) == 0:
        return float("nan")
    k = min(k, logits_t.shape[1])
    top_classes = logits_t.topk(k, dim=1).indices  # [N, k]
    hits = (top_classes == labels_t[:, None]).any(dim=1)  # [N]
    return float(hits.float().mean())


def accuracy_from_predictions(preds: ArrayLike, labels: ArrayLike) -> float:
    """Fraction of predicted class indices equal to the labels (NaN when there are none)."""
    preds_a, labels_a = _as_numpy(preds).ravel(), _as_numpy(labels).ravel()
    if preds_a.shape != labels_a.shape:
        raise ValueError(f"{len(preds_a)} predictions but {len(labels_a)} labels")
    if len(labels_a) == 0:
        return float("nan")
    return float(np.mean(preds_a == labels_a))


def confusion_matrix(labels: ArrayLike, preds: ArrayLike, num_classes: int) -> np.ndarray:
    """Counts ``[C, C]`` (int64) with rows = true class and columns = predicted class.

    Every class from 0 to ``num_classes - 1`` gets a row and a column, even when absent.
    """
    matrix = _sklearn_confusion_matrix(
        _as_numpy(labels).ravel(), _as_numpy(preds).ravel(), labels=list(range(num_classes))
    )
    return matrix.astype(np.int64)


def per_class_accuracy(confusion: np.ndarray, class_names: Sequence[str]) -> pd.Series:
    """Recall of each class (diagonal / row sum) by class name; NaN for a class with no samples."""
    confusion = np.asarray(confusion)
    if confusion.shape != (len(class_names), len(class_names)):
        raise ValueError(
            f"confusion must be [{len(class_names)}, {len(class_names)}] for "
            f"{len(class_names)} class names; got {confusion.shape}"
        )
    row_sums = confusion.sum(axis=1)
    with np.errstate(invalid="ignore", divide="ignore"):
        accuracy = np.where(row_sums > 0, np.diag(confusion) / row_sums, np.nan)
    return pd.Series(accuracy, index=pd.Index(list(class_names), name="class"), name="accuracy")


def classification_report_frame(
    labels: ArrayLike, preds: ArrayLike, class_names: Sequence[str]
) -> pd.DataFrame:
    """sklearn's classification report as a frame: one row per class plus the averages.

    Columns are precision, recall, f1-score and support. As in sklearn's text report, the
    ``accuracy`` row holds the accuracy in the f1-score column (precision and recall are NaN).
    Undefined ratios (a class never predicted) are 0.
    """
    report = classification_report(
        _as_numpy(labels).ravel(),
        _as_numpy(preds).ravel(),
        labels=list(range(len(class_names))),
        target_names=[str(name) for name in class_names],
        output_dict=True,
        zero_division=0,
    )
    columns = ["precision", "recall", "f1-score", "support"]
    total = len(_as_numpy(labels).ravel())
    rows = {
        name: (
            entry
            if isinstance(entry, dict)
            # sklearn reports accuracy as a bare number, not a row of the four columns
            else {"precision": np.nan, "recall": np.nan, "f1-score": entry, "support": total}
        )
        for name, entry in report.items()
    }
    frame = pd.DataFrame.from_dict(rows, orient="index", columns=columns)
    frame["support"] = frame["support"].astype(np.int64)
    return frame


def evaluate_logits(logits: ArrayLike, labels: ArrayLike, class_names: Sequence[str]) -> dict:
    """Summary metrics of one split's logits.

    Returns ``top1``, ``top5`` (k clamped to the number of classes), ``loss`` (mean
    cross-entropy), ``confusion`` (list of lists, rows = true class) and ``num_samples``;
    plain Python types, ready for JSON.
    """
    logits_t = _as_tensor(logits).float()
    labels_t = _as_tensor(labels).long()
    if logits_t.ndim != 2 or logits_t.shape[1] != len(class_names):
        raise ValueError(
            f"logits must be [N, {len(class_names)}] for {len(class_names)} class names; "
            f"got {tuple(logits_t.shape)}"
        )
    num_samples = len(labels_t)
    loss = float(F.cross_entropy(logits_t, labels_t)) if num_samples else float("nan")
    confusion = confusion_matrix(labels_t, logits_t.argmax(dim=1), len(class_names))
    return {
        "top1": topk_accuracy(logits_t, labels_t, k=1),
        "top5": topk_accuracy(logits_t, labels_t, k=5),
        "loss": loss,
        "confusion": confusion.tolist(),
        "num_samples": num_samples,
    }
