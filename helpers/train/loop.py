"""The training loop: epochs of :class:`~helpers.train.engine.TrainingEngine` steps, evaluation
at each epoch's end, and the run's history and metrics.
"""

from __future__ import annotations

import copy
import math
import platform
import sys
import time
from dataclasses import dataclass, field
from typing import Any

import pandas as pd
import torch
import torch.nn.functional as F
from torch import nn

import helpers
from helpers.config import TrainConfig
from helpers.data.arrays import ImageDataset
from helpers.device import resolve_device, resolve_precision
from helpers.errors import HelpersError
from helpers.evaluate import predict_logits, topk_accuracy
from helpers.train.engine import TrainingEngine
from helpers.train.progress import EpochProgress, resolve_progress_mode


class NonFiniteLossError(HelpersError, FloatingPointError):
    """The training loss became NaN or infinite."""


@dataclass
class TrainResult:
    """What a run returns: its per-epoch history, final metrics, the trained model and test logits."""

    history: pd.DataFrame
    metrics: dict[str, Any]
    model: nn.Module
    test_logits: torch.Tensor = field(repr=False)


def train(
    model: nn.Module,
    data: ImageDataset,
    config: TrainConfig,
    *,
    run_labels: dict[str, Any] | None = None,
) -> TrainResult:
    """Train ``model`` on ``data`` as ``config`` says; evaluate validation and test every epoch.

    ``run_labels`` (for example the model and dataset names) are copied into the metrics.
    """
    device = resolve_device(config.device)
    precision = resolve_precision(config.precision, device)
    progress_mode = resolve_progress_mode(config.progress)
    torch.manual_seed(config.seed)
    engine = TrainingEngine(model, data, config, device=device, precision=precision)
    dtype = engine.autocast_dtype

    history: list[dict[str, Any]] = []
    best_val_top1, best_state = -1.0, None
    train_seconds_total, train_images_total = 0.0, 0
    run_start = time.perf_counter()
    for epoch in range(1, config.epochs + 1):
        model.train()
        epoch_start = time.perf_counter()
        progress = EpochProgress(
            progress_mode, epoch=epoch, num_epochs=config.epochs, num_steps=engine.steps_per_epoch,
            label=str((run_labels or {}).get("model", "")),
        )
        engine.reset_totals()
        order = engine.epoch_order()
        for step in range(engine.steps_per_epoch):
            engine.step(engine.batch_indices(order, step), step)
            progress.step()

        images_seen = engine.images_seen
        train_loss = engine.loss_sum.item() / images_seen  # the epoch's one host sync
        train_seconds = time.perf_counter() - epoch_start
        first_bad_step = int(engine.first_bad_step.item())
        if first_bad_step >= 0 or not math.isfinite(train_loss):
            raise NonFiniteLossError(
                f"the training loss became NaN or infinite at epoch {epoch}, step {first_bad_step + 1} "
                f"of {engine.steps_per_epoch}; try a lower learning rate (lr={config.lr}) or gradient clipping"
            )
        row = {
            "epoch": epoch,
            "train_loss": train_loss,
            "train_top1": engine.correct_sum.item() / images_seen,
            "lr": engine.optimizer.param_groups[0]["lr"],
        }
        if data.x_val is not None:
            row.update(_scores(_logits(model, data.x_val, data, config, device, dtype), data.y_val, prefix="val"))
            if row["val_top1"] > best_val_top1:
                best_val_top1 = row["val_top1"]
                if config.restore_best:
                    best_state = copy.deepcopy(model.state_dict())
        test_logits = _logits(model, data.x_test, data, config, device, dtype)
        row.update(_scores(test_logits, data.y_test, prefix="test"))
        row["seconds"] = time.perf_counter() - epoch_start
        row["images_per_second"] = images_seen / train_seconds
        train_seconds_total += train_seconds
        train_images_total += images_seen
        history.append(row)
        progress.finish({key: row[key] for key in row if key not in ("epoch", "seconds")})

    if best_state is not None:
        model.load_state_dict(best_state)
    if best_state is not None or config.tta_flip:  # else the last epoch's test logits are final
        test_logits = _logits(model, data.x_test, data, config, device, dtype, tta_flip=config.tta_flip)
    final = _scores(test_logits, data.y_test, prefix="test")
    metrics = {
        **(run_labels or {}),
        "dataset_name": data.name,
        "params": sum(parameter.numel() for parameter in model.parameters()),
        "epochs": config.epochs,
        **final,
        "best_val_top1": best_val_top1 if best_val_top1 >= 0 else None,
        "best_test_top1": max(row["test_top1"] for row in history),
        "final_train_top1": history[-1]["train_top1"],
        "final_train_loss": history[-1]["train_loss"],
        "wall_seconds": time.perf_counter() - run_start,
        "train_seconds": train_seconds_total,
        "train_images_per_second": train_images_total / train_seconds_total,
        "device": str(device),
        "precision": precision,
        "channels_last": config.channels_last,
        "compiled": engine.compiled,
        "small_map_convs": engine.small_map_convs,
        "num_train": engine.num_train,
        "num_val": data.sizes()["val"],
        "num_test": len(data.y_test),
        "data_notes": list(data.notes),
        "config": config.to_dict(),
        "versions": library_versions(),
    }
    return TrainResult(history=pd.DataFrame(history), metrics=metrics, model=model, test_logits=test_logits)


def library_versions() -> dict[str, str]:
    """Versions of Python and the libraries that determine a run's numbers."""
    import torchvision  # imported here: only needed for this record

    return {
        "python": platform.python_version(),
        "torch": torch.__version__,
        "torchvision": torchvision.__version__,
        "helpers": helpers.__version__,
        "platform": sys.platform,
    }


def _logits(model, images, data, config, device, dtype, *, tta_flip: bool = False) -> torch.Tensor:
    return predict_logits(
        model, images, mean=data.mean, std=data.std, batch_size=config.eval_batch_size, device=device,
        autocast_dtype=dtype, channels_last=config.channels_last, tta_flip=tta_flip,
    )


def _scores(logits: torch.Tensor, labels: torch.Tensor, *, prefix: str) -> dict[str, float]:
    labels = labels.cpu()
    return {
        f"{prefix}_loss": F.cross_entropy(logits, labels).item(),
        f"{prefix}_top1": topk_accuracy(logits, labels, k=1),
        f"{prefix}_top5": topk_accuracy(logits, labels, k=5),
    }
