"""The per-step work of training, shared by :func:`helpers.train.train` and the benchmarks.

The dataset sits on the device as uint8; a step cuts a batch by index, augments and normalises
it there in a few whole-batch kernels, runs forward under autocast, backward and the optimizer
step. Loss and accuracy accumulate in device tensors that are read once per epoch, so the host
never waits for the device mid-epoch.
"""

from __future__ import annotations

import warnings

import torch
import torch.nn.functional as F
from torch import nn
from torch.nn.parallel import DistributedDataParallel

from helpers.config import TrainConfig
from helpers.data.arrays import ImageDataset
from helpers.data.augment import augment_batch, mixup, normalize, resolve_augmentation
from helpers.device import autocast_dtype
from helpers.errors import InvalidConfigError
from helpers.train.checkpoint import restore_rng_states, rng_states
from helpers.train.distributed import SINGLE_PROCESS, DistributedContext, check_batch_size
from helpers.train.optim import build_optimizer, build_scheduler
from helpers.train.small_conv import use_small_map_convs


class TrainingEngine:
    """One model, its optimizer and schedule, and the device-resident training set."""

    def __init__(self, model: nn.Module, data: ImageDataset, config: TrainConfig, *, device: torch.device,
                 precision: str, distributed: DistributedContext = SINGLE_PROCESS):
        check_batch_size(config.batch_size, distributed)
        if config.sync_batchnorm and distributed.enabled and device.type != "cuda":
            raise InvalidConfigError(f"sync_batchnorm needs CUDA devices; this run uses {device.type}")
        self.config = config
        self.distributed = distributed
        self.device = device
        self.precision = precision
        self.mean, self.std = data.mean, data.std
        self.generator = torch.Generator(device=device).manual_seed(config.seed)
        self.augmentation = resolve_augmentation(config.augmentation, data.name)  # "auto" -> by dataset
        # uint8 on the device: 4x smaller than float, and no host-to-device copy per step.
        self.x_train = data.x_train.to(device)
        self.y_train = data.y_train.to(device)
        self.num_train = len(self.y_train)
        # Study 5 trains on the original set concatenated with an augmented copy: indices >= N
        # stand for the original (unaugmented) images.
        self.epoch_size = 2 * self.num_train if config.concat_original else self.num_train
        self.steps_per_epoch = steps_per_epoch(self.epoch_size, config.batch_size,
                                               smallest_batch=max(2, distributed.world_size))
        self.memory_format = torch.channels_last if config.channels_last else torch.contiguous_format
        if config.sync_batchnorm and distributed.enabled:
            model = nn.SyncBatchNorm.convert_sync_batchnorm(model)
        self.model = model.to(device=device, memory_format=self.memory_format)
        use_matmul_convs = config.small_map_convs and device.type == "cpu"
        self.small_map_convs = use_small_map_convs(self.model) if use_matmul_convs else 0
        parallel_model = self.model
        if distributed.enabled:  # DDP averages the gradients of the ranks' shares of each batch
            parallel_model = DistributedDataParallel(
                self.model, device_ids=[device.index] if device.type == "cuda" else None)
        self.forward_model, self.compiled = maybe_compile(parallel_model, config.compile)
        self.optimizer = build_optimizer(self.model, config, device)
        self.scheduler = build_scheduler(self.optimizer, config, steps_per_epoch=self.steps_per_epoch)
        self.scaler = torch.amp.GradScaler(device.type, enabled=precision == "fp16")
        self.autocast_dtype = autocast_dtype(precision)
        self.reset_totals()

    def state(self) -> dict:
        """Model, optimizer, scheduler, scaler and random-generator states, for a checkpoint."""
        return {"model": self.model.state_dict(), "optimizer": self.optimizer.state_dict(),
                "scheduler": self.scheduler.state_dict(), "scaler": self.scaler.state_dict(),
                "rng": rng_states(self.generator)}

    def load_state(self, state: dict) -> None:
        """Continue from :meth:`state`'s output (read from a checkpoint)."""
        self.model.load_state_dict(state["model"])
        self.optimizer.load_state_dict(state["optimizer"])
        self.scheduler.load_state_dict(state["scheduler"])
        if state["scaler"]:  # a disabled scaler saves an empty dict and refuses to load one
            self.scaler.load_state_dict(state["scaler"])
        restore_rng_states(state["rng"], self.generator)

    def reset_totals(self) -> None:
        """Zero the device-side sums of loss, correct predictions and the first non-finite step."""
        self.loss_sum = torch.zeros((), device=self.device)
        self.correct_sum = torch.zeros((), device=self.device)
        self.images_seen = 0
        self.first_bad_step = torch.full((), -1, device=self.device, dtype=torch.long)

    def epoch_totals(self) -> tuple[float, float, int, int]:
        """The epoch's mean train loss, train accuracy and images seen over every process, and the
        last first-non-finite step of any process (-1 if none): the epoch's one host sync."""
        sums = torch.stack([self.loss_sum.float(), self.correct_sum.float(),
                            torch.tensor(float(self.images_seen), device=self.device)])
        loss_sum, correct_sum, images_seen = self.distributed.all_reduce_sum(sums).tolist()
        first_bad_step = int(self.distributed.all_reduce_max(self.first_bad_step.clone()).item())
        return loss_sum / images_seen, correct_sum / images_seen, int(images_seen), first_bad_step

    def epoch_order(self) -> torch.Tensor:
        """A fresh random order of the epoch's sample indices (on the device)."""
        return torch.randperm(self.epoch_size, device=self.device, generator=self.generator)

    def batch_indices(self, order: torch.Tensor, step: int) -> torch.Tensor:
        """The indices of batch ``step`` of an epoch."""
        return order[step * self.config.batch_size : (step + 1) * self.config.batch_size]

    def batch(self, indices: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """Augmented, normalised images ``[B, C, H, W]`` and their labels ``[B]`` for ``indices``."""
        config = self.config
        labels = self.y_train[indices % self.num_train]
        raw = self.x_train[indices % self.num_train]
        images = augment_batch(raw, self.augmentation, crop_padding=config.crop_padding, generator=self.generator)
        if config.concat_original:
            keep_original = (indices >= self.num_train).view(-1, 1, 1, 1)
            images = torch.where(keep_original, raw.float() / 255, images)
        return normalize(images, self.mean, self.std, memory_format=self.memory_format), labels

    def step(self, indices: torch.Tensor, step_number: int) -> None:
        """One optimizer step on the batch ``indices``; adds its loss and accuracy to the totals."""
        config, shard = self.config, self.distributed.shard
        images, labels = self.batch(indices)  # every rank draws the whole batch's augmentation ...
        mixing = config.mixup_alpha > 0
        if mixing:
            images, labels_a, labels_b, lam = mixup(images, labels, config.mixup_alpha, self.generator)
            labels_a, labels_b = shard(labels_a), shard(labels_b)
        images, labels = shard(images), shard(labels)  # ... and trains on its own share
        dtype = self.autocast_dtype
        # autocast needs a dtype even when disabled; bf16 is accepted on every device type.
        with torch.autocast(self.device.type, dtype=dtype or torch.bfloat16, enabled=dtype is not None):
            logits = self.forward_model(images)
            if mixing:
                loss = lam * F.cross_entropy(logits, labels_a, label_smoothing=config.label_smoothing) + (
                    1 - lam
                ) * F.cross_entropy(logits, labels_b, label_smoothing=config.label_smoothing)
            else:
                loss = F.cross_entropy(logits, labels, label_smoothing=config.label_smoothing)
        self.optimizer.zero_grad(set_to_none=True)
        self.scaler.scale(loss).backward()
        if config.grad_clip_norm > 0:
            self.scaler.unscale_(self.optimizer)
            nn.utils.clip_grad_norm_(self.model.parameters(), config.grad_clip_norm, foreach=True)
        self.scaler.step(self.optimizer)
        self.scaler.update()
        self.scheduler.step()

        loss = loss.detach().float()
        self.first_bad_step = torch.where(
            (self.first_bad_step < 0) & ~torch.isfinite(loss),
            torch.full((), step_number, device=self.device, dtype=torch.long),
            self.first_bad_step,
        )
        self.loss_sum += loss * len(labels)
        predictions = logits.detach().argmax(dim=1)
        if mixing:
            self.correct_sum += lam * (predictions == labels_a).sum() + (1 - lam) * (predictions == labels_b).sum()
        else:
            self.correct_sum += (predictions == labels).sum()
        self.images_seen += len(labels)


def steps_per_epoch(epoch_size: int, batch_size: int, *, smallest_batch: int = 2) -> int:
    """Optimizer steps in an epoch; a final batch smaller than ``smallest_batch`` is dropped (one
    image breaks batch norm; with N processes each needs at least one image)."""
    full, remainder = divmod(epoch_size, batch_size)
    return max(1, full + (1 if remainder >= smallest_batch else 0))


def maybe_compile(model: nn.Module, enabled: bool) -> tuple[nn.Module, bool]:
    """``torch.compile`` the model when asked and possible; fall back to eager with a warning.

    Compilation is lazy, so a compiler failure surfaces at the first forward call; a trial
    forward is not attempted here because it would cost a full compilation.
    """
    if not enabled:
        return model, False
    try:
        return torch.compile(model), True
    except Exception as error:  # noqa: BLE001 - any compiler failure means: run eagerly
        warnings.warn(f"torch.compile failed ({error}); training in eager mode", stacklevel=2)
        return model, False
