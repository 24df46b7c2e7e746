"""The training loop: epochs of :class:`~helpers.train.engine.TrainingEngine` steps, evaluation
at each epoch's end, and the run's history and metrics.
"""

from __future__ import annotations

import copy
import math
import os
import platform
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd
import torch
import torch.nn.functional as F
from torch import nn

import helpers
from helpers.config import TrainConfig
from helpers.data.arrays import ImageDataset
from helpers.device import resolve_device, resolve_precision
from helpers.errors import HelpersError, NonFiniteLossError, TrainingOutOfMemoryError
from helpers.evaluate import predict_logits, topk_accuracy
from helpers.train.checkpoint import load_checkpoint, run_identity, save_checkpoint
from helpers.train.distributed import DistributedContext, context_from_environment, distributed_device
from helpers.train.engine import TrainingEngine
from helpers.train.progress import EpochProgress, resolve_progress_mode


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
    checkpoint_path: str | os.PathLike | None = None,
    identity: dict[str, Any] | None = None,
    distributed: DistributedContext | None = None,
) -> TrainResult:
    """Train ``model`` on ``data`` as ``config`` says; evaluate validation and test every epoch.

    ``run_labels`` (for example the model and dataset names) are copied into the metrics. With
    ``checkpoint_path``, a checkpoint is written atomically after every epoch, and a checkpoint
    found there is resumed after its last finished epoch, provided it was made with the same
    config and ``identity`` (default: ``run_labels``); otherwise
    :class:`~helpers.train.checkpoint.CheckpointMismatchError` names the differing fields.
    On the CPU a resumed run's history and metrics equal an uninterrupted run's.

    Under ``torchrun`` (or with ``distributed``) the run is data-parallel; every rank returns the
    same result, and only rank 0 writes the checkpoint and shows progress.
    """
    device = resolve_device(config.device)
    if distributed is None:
        distributed = context_from_environment(device.type)
    device = distributed_device(device, distributed)
    precision = resolve_precision(config.precision, device)
    progress_mode = resolve_progress_mode(config.progress) if distributed.is_main else "none"
    torch.manual_seed(config.seed)
    engine = TrainingEngine(model, data, config, device=device, precision=precision, distributed=distributed)
    model = engine.model  # (with SyncBatchNorm layers when asked)
    dtype = engine.autocast_dtype
    run_identity_ = run_identity(config.to_dict(), identity if identity is not None else run_labels)

    history: list[dict[str, Any]] = []
    best_val_top1, best_state = -1.0, None
    train_seconds_total, train_images_total, earlier_wall_seconds = 0.0, 0, 0.0
    if checkpoint_path is not None and Path(checkpoint_path).is_file():
        state = load_checkpoint(checkpoint_path, run_identity_)
        engine.load_state(state)
        history, best_val_top1, best_state = state["history"], state["best_val_top1"], state["best_state"]
        train_seconds_total, train_images_total = state["train_seconds"], state["train_images"]
        earlier_wall_seconds = state["wall_seconds"]
    run_start = time.perf_counter()
    test_logits = None
    for epoch in range(len(history) + 1, config.epochs + 1):
        model.train()
        epoch_start = time.perf_counter()
        progress = EpochProgress(
            progress_mode, epoch=epoch, num_epochs=config.epochs, num_steps=engine.steps_per_epoch,
            label=str((run_labels or {}).get("model", "")),
        )
        engine.reset_totals()
        order = engine.epoch_order()
        try:
            for step in range(engine.steps_per_epoch):
                engine.step(engine.batch_indices(order, step), step)
                progress.step()
            train_loss, train_top1, images_seen, first_bad_step = engine.epoch_totals()
        except torch.OutOfMemoryError as error:
            raise TrainingOutOfMemoryError(
                f"{device} ran out of memory in epoch {epoch} at batch size {config.batch_size}; "
                f"try a smaller batch size (for example {max(1, config.batch_size // 2)}): {error}"
            ) from error
        train_seconds = time.perf_counter() - epoch_start
        if first_bad_step >= 0 or not math.isfinite(train_loss):
            kept = (f"; the checkpoint of epoch {epoch - 1} is kept in {checkpoint_path}"
                    if checkpoint_path is not None and epoch > 1 else "")
            raise NonFiniteLossError(
                f"the training loss became NaN or infinite at epoch {epoch}, step {first_bad_step + 1} "
                f"of {engine.steps_per_epoch}; try a lower learning rate (lr={config.lr}) or gradient clipping{kept}"
            )
        row = {
            "epoch": epoch,
            "train_loss": train_loss,
            "train_top1": train_top1,
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
        if checkpoint_path is not None and distributed.is_main:
            save_checkpoint(checkpoint_path, {
                **engine.state(), "identity": run_identity_, "history": history, "best_val_top1": best_val_top1,
                "best_state": best_state, "train_seconds": train_seconds_total, "train_images": train_images_total,
                "wall_seconds": earlier_wall_seconds + time.perf_counter() - run_start,
            })
        progress.finish({key: row[key] for key in row if key not in ("epoch", "seconds")})

    if best_state is not None:
        model.load_state_dict(best_state)
    if test_logits is None or best_state is not None or config.tta_flip:  # else the last epoch's are final
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
        "wall_seconds": earlier_wall_seconds + time.perf_counter() - run_start,
        "train_seconds": train_seconds_total,
        "train_images_per_second": train_images_total / train_seconds_total,
        "device": str(device),
        "precision": precision,
        "channels_last": config.channels_last,
        "compiled": engine.compiled,
        "small_map_convs": engine.small_map_convs,
        "processes": distributed.world_size,
        "sync_batchnorm": config.sync_batchnorm and distributed.enabled,
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
