"""The training loop: the whole dataset on the device, batches augmented there, one host sync per epoch.

``train(model, data, config)`` is flat and explicit: per step it indexes a batch of uint8 images
already on the device, augments and normalises the whole batch at once, runs forward under
autocast, backward, clip, step and schedule. Loss and accuracy accumulate in device tensors that
are read once per epoch, so the host never waits on the device mid-epoch.
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
from helpers.data.augment import augment_batch, mixup, normalize
from helpers.device import autocast_dtype, resolve_device, resolve_precision
from helpers.errors import HelpersError
from helpers.evaluate import predict_logits, topk_accuracy
from helpers.train.optim import build_optimizer, build_scheduler
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
    generator = torch.Generator(device=device).manual_seed(config.seed)

    # Every image lives on the device as uint8 (4x smaller than float); batches are cut from it.
    x_train, y_train = data.x_train.to(device), data.y_train.to(device)
    num_train = len(y_train)
    epoch_size = 2 * num_train if config.concat_original else num_train
    steps_per_epoch = _steps_per_epoch(epoch_size, config.batch_size)

    memory_format = torch.channels_last if config.channels_last else torch.contiguous_format
    model = model.to(device=device, memory_format=memory_format)
    forward_model, compiled = _maybe_compile(model, config.compile)
    optimizer = build_optimizer(model, config, device)
    scheduler = build_scheduler(optimizer, config, steps_per_epoch=steps_per_epoch)
    scaler = torch.amp.GradScaler(device.type, enabled=precision == "fp16")
    dtype = autocast_dtype(precision)

    history: list[dict[str, Any]] = []
    best_val_top1, best_state = -1.0, None
    train_seconds_total, train_images_total = 0.0, 0
    run_start = time.perf_counter()
    for epoch in range(1, config.epochs + 1):
        model.train()
        epoch_start = time.perf_counter()
        progress = EpochProgress(
            progress_mode, epoch=epoch, num_epochs=config.epochs, num_steps=steps_per_epoch,
            label=str((run_labels or {}).get("model", "")),
        )
        loss_sum = torch.zeros((), device=device)
        correct_sum = torch.zeros((), device=device)
        first_bad_step = torch.full((), -1, device=device, dtype=torch.long)
        order = torch.randperm(epoch_size, device=device, generator=generator)
        for step in range(steps_per_epoch):
            indices = order[step * config.batch_size : (step + 1) * config.batch_size]
            labels = y_train[indices % num_train]
            images = _training_batch(x_train, indices, num_train, data, config, generator)
            images = images.contiguous(memory_format=memory_format)
            if config.mixup_alpha > 0:
                images, labels_a, labels_b, lam = mixup(images, labels, config.mixup_alpha, generator)
            with torch.autocast(device.type, dtype=dtype or torch.bfloat16, enabled=dtype is not None):
                logits = forward_model(images)
                if config.mixup_alpha > 0:
                    loss = lam * F.cross_entropy(logits, labels_a, label_smoothing=config.label_smoothing) + (
                        1 - lam
                    ) * F.cross_entropy(logits, labels_b, label_smoothing=config.label_smoothing)
                else:
                    loss = F.cross_entropy(logits, labels, label_smoothing=config.label_smoothing)
            optimizer.zero_grad(set_to_none=True)
            scaler.scale(loss).backward()
            if config.grad_clip_norm > 0:
                scaler.unscale_(optimizer)
                nn.utils.clip_grad_norm_(model.parameters(), config.grad_clip_norm, foreach=True)
            scaler.step(optimizer)
            scaler.update()
            scheduler.step()

            loss = loss.detach().float()
            # Recorded on the device without a sync; read at the end of the epoch.
            first_bad_step = torch.where(
                (first_bad_step < 0) & ~torch.isfinite(loss), torch.tensor(step, device=device), first_bad_step
            )
            loss_sum += loss * len(indices)
            predictions = logits.detach().argmax(dim=1)
            if config.mixup_alpha > 0:
                correct_sum += lam * (predictions == labels_a).sum() + (1 - lam) * (predictions == labels_b).sum()
            else:
                correct_sum += (predictions == labels).sum()
            progress.step()

        images_seen = min(steps_per_epoch * config.batch_size, epoch_size)
        train_loss = loss_sum.item() / images_seen  # the epoch's one host sync
        train_seconds = time.perf_counter() - epoch_start
        if first_bad_step.item() >= 0 or not math.isfinite(train_loss):
            raise NonFiniteLossError(
                f"the training loss became NaN or infinite at epoch {epoch}, step {first_bad_step.item() + 1} "
                f"of {steps_per_epoch}; try a lower learning rate (lr={config.lr}) or gradient clipping"
            )
        row = {
            "epoch": epoch,
            "train_loss": train_loss,
            "train_top1": correct_sum.item() / images_seen,
            "lr": optimizer.param_groups[0]["lr"],
        }
        if data.x_val is not None:
            row.update(_evaluate(model, data.x_val, data.y_val, data, config, device, dtype, prefix="val"))
            if row["val_top1"] > best_val_top1:
                best_val_top1 = row["val_top1"]
                if config.restore_best:
                    best_state = copy.deepcopy(model.state_dict())
        row.update(_evaluate(model, data.x_test, data.y_test, data, config, device, dtype, prefix="test"))
        row["seconds"] = time.perf_counter() - epoch_start
        row["images_per_second"] = images_seen / train_seconds
        train_seconds_total += train_seconds
        train_images_total += images_seen
        history.append(row)
        progress.finish({key: row[key] for key in row if key not in ("epoch", "seconds")})

    if best_state is not None:
        model.load_state_dict(best_state)
    test_logits = predict_logits(
        model, data.x_test, mean=data.mean, std=data.std, batch_size=config.eval_batch_size, device=device,
        autocast_dtype=dtype, channels_last=config.channels_last, tta_flip=config.tta_flip,
    )
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
        "compiled": compiled,
        "num_train": num_train,
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


def _steps_per_epoch(epoch_size: int, batch_size: int) -> int:
    # A final batch of one image would break batch norm; it is dropped (it rejoins next epoch).
    full, remainder = divmod(epoch_size, batch_size)
    return max(1, full + (1 if remainder > 1 else 0))


def _training_batch(
    x_train: torch.Tensor,
    indices: torch.Tensor,
    num_train: int,
    data: ImageDataset,
    config: TrainConfig,
    generator: torch.Generator,
) -> torch.Tensor:
    """Augmented, normalised float images of one batch (study 5: indices >= N are the original copy)."""
    raw = x_train[indices % num_train]
    images = augment_batch(raw, config.augmentation, crop_padding=config.crop_padding, generator=generator)
    if config.concat_original:
        keep_original = (indices >= num_train).view(-1, 1, 1, 1)
        images = torch.where(keep_original, raw.float() / 255, images)
    return normalize(images, data.mean, data.std)


def _evaluate(model, images, labels, data, config, device, dtype, *, prefix: str) -> dict[str, float]:
    logits = predict_logits(
        model, images, mean=data.mean, std=data.std, batch_size=config.eval_batch_size, device=device,
        autocast_dtype=dtype, channels_last=config.channels_last,
    )
    return _scores(logits, labels, prefix=prefix)


def _scores(logits: torch.Tensor, labels: torch.Tensor, *, prefix: str) -> dict[str, float]:
    labels = labels.cpu()
    return {
        f"{prefix}_loss": F.cross_entropy(logits, labels).item(),
        f"{prefix}_top1": topk_accuracy(logits, labels, k=1),
        f"{prefix}_top5": topk_accuracy(logits, labels, k=5),
    }


def _maybe_compile(model: nn.Module, enabled: bool) -> tuple[nn.Module, bool]:
    """``torch.compile`` the model when asked and possible; fall back to eager with a warning."""
    if not enabled:
        return model, False
    try:
        return torch.compile(model), True
    except Exception as error:  # noqa: BLE001 - any compiler failure means: run eagerly
        import warnings

        warnings.warn(f"torch.compile failed ({error}); training in eager mode", stacklevel=2)
        return model, False
