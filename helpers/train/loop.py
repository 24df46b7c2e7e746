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
from helpers.device import device_name, resolve_device, resolve_precision
from helpers.errors import InvalidConfigError, NonFiniteLossError, TrainingOutOfMemoryError
from helpers.evaluate import predict_logits, topk_accuracy
from helpers.train.checkpoint import load_checkpoint, run_identity, save_checkpoint
from helpers.train.distributed import DistributedContext, context_from_environment, distributed_device
from helpers.train.engine import TrainingEngine
from helpers.train.progress import EpochProgress, resolve_progress_mode


@dataclass
class TrainResult:
    """What a run returns: its per-epoch history, final metrics, the trained model, its test logits
    and (with a validation split) its validation logits, both of the final weights."""

    history: pd.DataFrame
    metrics: dict[str, Any]
    model: nn.Module
    test_logits: torch.Tensor = field(repr=False)
    val_logits: torch.Tensor | None = field(default=None, repr=False)


def train(
    model: nn.Module,
    data: ImageDataset,
    config: TrainConfig,
    *,
    run_labels: dict[str, Any] | None = None,
    checkpoint_path: str | os.PathLike | None = None,
    identity: dict[str, Any] | None = None,
    distributed: DistributedContext | None = None,
    checkpoint_last_epoch: bool = True,
) -> TrainResult:
    """Train ``model`` on ``data`` as ``config`` says; evaluate validation and test every epoch.

    ``run_labels`` (for example the model and dataset names) are copied into the metrics. With
    ``checkpoint_path``, a checkpoint is written atomically after an epoch once
    ``config.checkpoint_seconds`` have passed since the last one (or the start; 0: after every
    epoch), so a kill loses at most that long plus one epoch; a checkpoint found there is resumed
    after its last finished epoch, provided it was made with the same config and ``identity``
    (default: ``run_labels``); otherwise :class:`~helpers.train.checkpoint.CheckpointMismatchError`
    names the differing fields. The last epoch is always checkpointed, unless
    ``checkpoint_last_epoch=False``: for a caller that saves the finished result itself at once.
    (A ResNet-50 checkpoint with Adam's state is about 290 MB: measured 2.8-3.8 s to write on
    this project's CPU machine, longer than a smoke run's epoch.)
    On the CPU a resumed run's history and metrics equal an uninterrupted run's.

    Under ``torchrun`` (or with ``distributed``) the run is data-parallel; every rank returns the
    same result, and only rank 0 writes the checkpoint and shows progress.
    """
    device = resolve_device(config.device)
    if distributed is None:
        distributed = context_from_environment(device.type)
    if distributed.world_size != config.processes:
        raise InvalidConfigError(f"invalid processes {config.processes}: this run was started with "
                                 f"{distributed.world_size} process(es); launch it with torchrun --nproc-per-node "
                                 f"{config.processes}, or set processes to {distributed.world_size}")
    device = distributed_device(device, distributed)
    precision = resolve_precision(config.precision, device)
    progress_mode = resolve_progress_mode(config.progress) if distributed.is_main else "none"
    torch.manual_seed(config.seed)
    engine = TrainingEngine(model, data, config, device=device, precision=precision, distributed=distributed)
    model = engine.model  # (with SyncBatchNorm layers when asked)
    run_identity_ = run_identity(config.to_dict(), identity if identity is not None else run_labels)
    record = _RunRecord.resume(engine, checkpoint_path, run_identity_)

    test_logits = val_logits = None
    last_saved = time.perf_counter()
    for epoch in range(len(record.history) + 1, config.epochs + 1):
        epoch_start = time.perf_counter()
        progress = EpochProgress(progress_mode, epoch=epoch, num_epochs=config.epochs,
                                 num_steps=engine.steps_per_epoch, label=str((run_labels or {}).get("model", "")))
        train_loss, train_top1, images_seen = _train_epoch(engine, epoch, progress, checkpoint_path=checkpoint_path)
        train_seconds = time.perf_counter() - epoch_start
        row = {"epoch": epoch, "train_loss": train_loss, "train_top1": train_top1,
               "lr": engine.optimizer.param_groups[0]["lr"]}
        test_logits, val_logits = _evaluate_epoch(engine, data, record, row)
        row["seconds"] = time.perf_counter() - epoch_start
        row["images_per_second"] = images_seen / train_seconds
        record.add_epoch(row, train_seconds=train_seconds, images_seen=images_seen)
        due = (checkpoint_last_epoch if epoch == config.epochs
               else time.perf_counter() - last_saved >= config.checkpoint_seconds)
        if checkpoint_path is not None and distributed.is_main and due:
            save_checkpoint(checkpoint_path, record.checkpoint(engine, run_identity_))
            last_saved = time.perf_counter()
        progress.finish({key: row[key] for key in row if key not in ("epoch", "seconds")})

    # With restore_best, the weights change only when an earlier epoch was the best; when the last
    # one was, its test logits are already the final ones (smoke runs of one epoch: half their
    # evaluation time).
    restored = record.best_state is not None and not _last_epoch_is_best(record.history)
    if restored:
        model.load_state_dict(record.best_state)
    if test_logits is None or restored or config.tta_flip:  # else the last epoch's are final
        test_logits = _logits(engine, data.x_test, tta_flip=config.tta_flip)
    metrics = _final_metrics(engine, data, record, test_logits, run_labels=run_labels)
    # The validation split's per-image predictions, scored as the history's val_top1 (no flip
    # averaging): the last epoch's, unless restore_best changed the weights (or a resumed run
    # finished every epoch before).
    if data.x_val is not None and (val_logits is None or restored):
        val_logits = _logits(engine, data.x_val)
    return TrainResult(history=pd.DataFrame(record.history), metrics=metrics, model=model, test_logits=test_logits,
                       val_logits=val_logits)


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


@dataclass
class _RunRecord:
    """What a run has gathered besides the engine's state; checkpointed after every epoch.

    The totals cover every finished epoch, including those of the runs this one resumes.
    """

    history: list[dict[str, Any]] = field(default_factory=list)
    best_val_top1: float = -1.0  # -1: no validation split (or no epoch yet)
    best_state: dict[str, torch.Tensor] | None = None  # the best validation epoch's weights (restore_best)
    train_seconds: float = 0.0
    train_images: int = 0
    earlier_wall_seconds: float = 0.0  # wall time of the runs this one resumes
    started: float = field(default_factory=time.perf_counter)  # when this process's part of the run began

    @classmethod
    def resume(cls, engine: TrainingEngine, checkpoint_path: str | os.PathLike | None,
               identity: dict[str, Any]) -> _RunRecord:
        """A fresh record, or the one in the checkpoint at ``checkpoint_path`` (whose model,
        optimizer and random states are loaded into ``engine``) when there is one."""
        if checkpoint_path is None or not Path(checkpoint_path).is_file():
            return cls()
        state = load_checkpoint(checkpoint_path, identity)
        engine.load_state(state)
        return cls(history=state["history"], best_val_top1=state["best_val_top1"], best_state=state["best_state"],
                   train_seconds=state["train_seconds"], train_images=state["train_images"],
                   earlier_wall_seconds=state["wall_seconds"])

    def add_epoch(self, row: dict[str, Any], *, train_seconds: float, images_seen: int) -> None:
        """Append a finished epoch's history row and add its training time and images to the totals."""
        self.train_seconds += train_seconds
        self.train_images += images_seen
        self.history.append(row)

    def wall_seconds(self) -> float:
        """Wall time of the whole run so far, resumed parts included."""
        return self.earlier_wall_seconds + time.perf_counter() - self.started

    def checkpoint(self, engine: TrainingEngine, identity: dict[str, Any]) -> dict[str, Any]:
        """The checkpoint contents: the engine's state, this record and the run's ``identity``."""
        return {
            **engine.state(), "identity": identity, "history": self.history, "best_val_top1": self.best_val_top1,
            "best_state": self.best_state, "train_seconds": self.train_seconds, "train_images": self.train_images,
            "wall_seconds": self.wall_seconds(),
        }


def _train_epoch(engine: TrainingEngine, epoch: int, progress: EpochProgress, *,
                 checkpoint_path: str | os.PathLike | None) -> tuple[float, float, int]:
    """One epoch of optimizer steps; returns its mean train loss, train top-1 and images seen.

    Out of device memory raises :class:`TrainingOutOfMemoryError` with a smaller batch size to try;
    a NaN or infinite loss raises :class:`NonFiniteLossError` naming the epoch, the first bad step
    and the checkpoint that is kept (the last one written, of the epoch before).
    """
    engine.model.train()
    engine.reset_totals()
    order = engine.epoch_order()
    try:
        for step in range(engine.steps_per_epoch):
            engine.step(engine.batch_indices(order, step), step)
            progress.step()
        train_loss, train_top1, images_seen, first_bad_step = engine.epoch_totals()
    except torch.OutOfMemoryError as error:
        batch_size = engine.config.batch_size
        raise TrainingOutOfMemoryError(
            f"{engine.device} ran out of memory in epoch {epoch} at batch size {batch_size}; "
            f"try a smaller batch size (for example {max(1, batch_size // 2)}): {error}"
        ) from error
    if first_bad_step >= 0 or not math.isfinite(train_loss):
        kept = (f"; the checkpoint of epoch {epoch - 1} is kept in {checkpoint_path}"
                if checkpoint_path is not None and epoch > 1 else "")
        raise NonFiniteLossError(
            f"the training loss became NaN or infinite at epoch {epoch}, step {first_bad_step + 1} "
            f"of {engine.steps_per_epoch}; try a lower learning rate (lr={engine.config.lr}) or gradient "
            f"clipping{kept}"
        )
    return train_loss, train_top1, images_seen


def _evaluate_epoch(engine: TrainingEngine, data: ImageDataset, record: _RunRecord,
                    row: dict[str, Any]) -> tuple[torch.Tensor, torch.Tensor | None]:
    """Add the validation (if any) and test scores to ``row``; keep the best validation epoch's
    weights when ``restore_best`` asks for them. Returns the test and validation logits (None
    without a validation split)."""
    val_logits = None
    if data.x_val is not None:
        val_logits = _logits(engine, data.x_val)
        row.update(_scores(val_logits, data.y_val, prefix="val"))
        if row["val_top1"] > record.best_val_top1:
            record.best_val_top1 = row["val_top1"]
            if engine.config.restore_best:
                record.best_state = copy.deepcopy(engine.model.state_dict())
    test_logits = _logits(engine, data.x_test)
    row.update(_scores(test_logits, data.y_test, prefix="test"))
    return test_logits, val_logits


def _final_metrics(engine: TrainingEngine, data: ImageDataset, record: _RunRecord, test_logits: torch.Tensor, *,
                   run_labels: dict[str, Any] | None) -> dict[str, Any]:
    """The run's metrics (plain data): labels, final test scores, best scores, timings, and the
    settings, data sizes and library versions behind the numbers."""
    config, history, model = engine.config, record.history, engine.model
    final = _scores(test_logits, data.y_test, prefix="test")
    return {
        **(run_labels or {}),
        "dataset_name": data.name,
        "params": sum(parameter.numel() for parameter in model.parameters()),
        "epochs": config.epochs,
        **final,
        "best_val_top1": record.best_val_top1 if record.best_val_top1 >= 0 else None,
        "best_test_top1": max(row["test_top1"] for row in history),
        "final_train_top1": history[-1]["train_top1"],
        "final_train_loss": history[-1]["train_loss"],
        "wall_seconds": record.wall_seconds(),
        "train_seconds": record.train_seconds,
        "train_images_per_second": record.train_images / record.train_seconds,
        "device": str(engine.device),
        "device_name": device_name(engine.device),
        # The CPU's numbers move a little with the thread count (a batch of studies splits the cores).
        "cpu_threads": torch.get_num_threads() if engine.device.type == "cpu" else None,
        "precision": engine.precision,
        "augmentation": engine.augmentation,  # what "auto" became for this dataset
        "channels_last": config.channels_last,
        "compiled": engine.compiled,
        "small_map_convs": engine.small_map_convs,
        "processes": engine.distributed.world_size,
        "sync_batchnorm": config.sync_batchnorm and engine.distributed.enabled,
        "num_train": engine.num_train,
        "num_val": data.sizes()["val"],
        "num_test": len(data.y_test),
        "data_notes": list(data.notes),
        "config": config.to_dict(),
        "versions": library_versions(),
    }


def _last_epoch_is_best(history: list[dict[str, Any]]) -> bool:
    """Whether the last epoch is the one ``restore_best`` keeps: the first with the highest
    validation top-1 (a later tie does not replace it)."""
    scores = [row["val_top1"] for row in history]
    return scores.index(max(scores)) == len(scores) - 1


def _logits(engine: TrainingEngine, images: torch.Tensor, *, tta_flip: bool = False) -> torch.Tensor:
    return predict_logits(
        engine.model, images, mean=engine.mean, std=engine.std, batch_size=engine.config.eval_batch_size or None,
        device=engine.device, autocast_dtype=engine.autocast_dtype, channels_last=engine.config.channels_last,
        tta_flip=tta_flip,
    )


def _scores(logits: torch.Tensor, labels: torch.Tensor, *, prefix: str) -> dict[str, float]:
    labels = labels.cpu()
    return {
        f"{prefix}_loss": F.cross_entropy(logits, labels).item(),
        f"{prefix}_top1": topk_accuracy(logits, labels, k=1),
        f"{prefix}_top5": topk_accuracy(logits, labels, k=5),
    }
