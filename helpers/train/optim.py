"""Optimizers and learning-rate schedules built from a :class:`~helpers.config.TrainConfig`."""

from __future__ import annotations

import math

import torch
from torch import nn

from helpers.config import TrainConfig

ONECYCLE_PEAK_FRACTION = 0.25  # one-cycle without explicit warm-up: ramp up over the first quarter
ONECYCLE_START_FACTOR = 0.04  # start at lr / 25, as torch's OneCycleLR does
FUSED_DEVICE_TYPES = ("cuda", "cpu")  # where torch's fused SGD, Adam and AdamW run


def build_optimizer(model: nn.Module, config: TrainConfig, device: torch.device) -> torch.optim.Optimizer:
    """The optimizer named in ``config``, using fused kernels on CUDA and the CPU and foreach
    elsewhere."""
    parameters = [parameter for parameter in model.parameters() if parameter.requires_grad]
    # fused/foreach step the whole parameter list in a few kernels instead of one per tensor. On the
    # CPU fused is 3-6x faster than foreach (benchmarks/results/optimizer_step.json).
    speed = {"fused": True} if device.type in FUSED_DEVICE_TYPES else {"foreach": True}
    if config.optimizer == "sgd":
        return torch.optim.SGD(
            parameters,
            lr=config.lr,
            momentum=config.momentum,
            nesterov=config.nesterov,
            weight_decay=config.weight_decay,
            **speed,
        )
    optimizer_class = torch.optim.Adam if config.optimizer == "adam" else torch.optim.AdamW
    return optimizer_class(parameters, lr=config.lr, weight_decay=config.weight_decay, **speed)


def lr_factor(step: int, *, steps_per_epoch: int, config: TrainConfig) -> float:
    """The multiplier of the base learning rate at optimizer step ``step`` (0-based).

    Linear warm-up over ``config.warmup_epochs`` (from ~0 to 1), then the named schedule over the
    remaining steps: constant ('none'), half-cosine to 0 ('cosine'), decay by ``step_gamma``
    every ``step_epochs`` ('step'), or a linear decay to 0 ('onecycle', whose ramp-up defaults to
    the first quarter of training when no warm-up is given).
    """
    total_steps = config.epochs * steps_per_epoch
    warmup_steps = round(config.warmup_epochs * steps_per_epoch)
    if config.scheduler == "onecycle" and warmup_steps == 0:
        warmup_steps = max(1, round(ONECYCLE_PEAK_FRACTION * total_steps))
    if step < warmup_steps:
        if config.scheduler == "onecycle":
            return ONECYCLE_START_FACTOR + (1.0 - ONECYCLE_START_FACTOR) * step / warmup_steps
        return (step + 1) / warmup_steps  # never 0: a zero first step would be wasted
    progress = (step - warmup_steps) / max(1, total_steps - warmup_steps)  # 0 -> 1 after warm-up
    if config.scheduler == "cosine":
        return 0.5 * (1.0 + math.cos(math.pi * progress))
    if config.scheduler == "onecycle":
        return max(0.0, 1.0 - progress)
    if config.scheduler == "step":
        return config.step_gamma ** (step // (config.step_epochs * steps_per_epoch))
    return 1.0


def build_scheduler(
    optimizer: torch.optim.Optimizer, config: TrainConfig, *, steps_per_epoch: int
) -> torch.optim.lr_scheduler.LambdaLR:
    """A per-step scheduler applying :func:`lr_factor`."""
    return torch.optim.lr_scheduler.LambdaLR(
        optimizer, lambda step: lr_factor(step, steps_per_epoch=steps_per_epoch, config=config)
    )
