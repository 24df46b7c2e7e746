"""The one training configuration: a frozen, typed dataclass that flows from a notebook's
``parameters`` cell to the trainer and is saved beside every result.

Unknown keys and wrong types raise :class:`~helpers.errors.InvalidConfigError`; names (optimizer,
scheduler, ...) are checked against their valid choices before any data is loaded.
"""

from __future__ import annotations

import dataclasses
import difflib
import typing
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from helpers.errors import InvalidConfigError, check_choice

OPTIMIZERS = ("sgd", "adam", "adamw")
SCHEDULERS = ("none", "cosine", "step", "onecycle")
AUGMENTATIONS = ("none", "flip", "crop_flip", "study5")
DEVICES = ("auto", "cpu", "cuda", "mps")
PRECISIONS = ("auto", "fp32", "bf16", "fp16")
PROGRESS_MODES = ("auto", "bar", "epoch", "none")


@dataclass(frozen=True)
class TrainConfig:
    """Every hyper-parameter of one training run.

    Accuracies everywhere in the library are fractions in [0, 1]; learning rates are per step
    of the optimizer; ``warmup_epochs`` may be fractional.
    """

    epochs: int = 10
    batch_size: int = 128
    optimizer: str = "sgd"
    lr: float = 0.1
    momentum: float = 0.9
    nesterov: bool = False
    weight_decay: float = 5e-4
    scheduler: str = "none"
    warmup_epochs: float = 0.0
    step_epochs: int = 30  # "step" scheduler: decay every this many epochs ...
    step_gamma: float = 0.1  # ... by this factor
    label_smoothing: float = 0.0
    mixup_alpha: float = 0.0  # 0 disables mixup
    grad_clip_norm: float = 0.0  # 0 disables clipping
    augmentation: str = "crop_flip"
    crop_padding: int = 4
    concat_original: bool = False  # study 5: each epoch sees the original and an augmented copy
    seed: int = 0
    device: str = "auto"
    precision: str = "auto"  # auto: bf16 where the device runs it fast, else fp16 on CUDA, else fp32
    channels_last: bool = True
    compile: bool = False
    small_map_convs: bool = True  # CPU only: convolutions with <= 8x8 outputs as one matmul each
    sync_batchnorm: bool = False  # torchrun on GPUs: batch-norm statistics over the whole global batch
    eval_batch_size: int = 1024
    restore_best: bool = False  # evaluate the epoch with the best validation top-1 on the test set
    tta_flip: bool = False  # average logits over the image and its mirror at evaluation
    progress: str = "auto"  # auto: bars in a terminal or notebook, a line per epoch in logs

    def __post_init__(self) -> None:
        _check_types(self)
        check_choice("optimizer", self.optimizer, OPTIMIZERS)
        check_choice("scheduler", self.scheduler, SCHEDULERS)
        check_choice("augmentation", self.augmentation, AUGMENTATIONS)
        check_choice("device", self.device, DEVICES)
        check_choice("precision", self.precision, PRECISIONS)
        check_choice("progress", self.progress, PROGRESS_MODES)
        for name in ("epochs", "batch_size", "eval_batch_size", "step_epochs"):
            _require(self, name, getattr(self, name) > 0, "a positive integer")
        _require(self, "lr", self.lr > 0 and self.lr < float("inf"), "a positive finite number")
        for name in ("momentum", "label_smoothing"):
            _require(self, name, 0.0 <= getattr(self, name) < 1.0, "a number in [0, 1)")
        for name in ("weight_decay", "warmup_epochs", "mixup_alpha", "grad_clip_norm"):
            _require(self, name, 0.0 <= getattr(self, name) < float("inf"), "a finite number >= 0")
        _require(self, "step_gamma", 0.0 < self.step_gamma <= 1.0, "a number in (0, 1]")
        _require(self, "crop_padding", self.crop_padding >= 0, "an integer >= 0")
        _require(self, "warmup_epochs", self.warmup_epochs <= self.epochs, f"at most epochs ({self.epochs})")
        _require(self, "nesterov", not (self.nesterov and self.optimizer != "sgd"), "False unless optimizer is 'sgd'")

    @classmethod
    def from_dict(cls, values: Mapping[str, Any]) -> TrainConfig:
        """Build a config from plain data, rejecting keys that are not fields."""
        unknown = [key for key in values if key not in field_names()]
        if unknown:
            raise InvalidConfigError(_unknown_keys_message(unknown, field_names()))
        return cls(**dict(values))

    def replace(self, **changes: Any) -> TrainConfig:
        """Return a copy with ``changes`` applied, validated like a new config."""
        return self.from_dict({**self.to_dict(), **changes})

    def to_dict(self) -> dict[str, Any]:
        """The config as plain data (JSON-serialisable)."""
        return dataclasses.asdict(self)


def field_names() -> tuple[str, ...]:
    """Names of every :class:`TrainConfig` field, in declaration order."""
    return tuple(field.name for field in dataclasses.fields(TrainConfig))


def config_differences(old: Mapping[str, Any], new: Mapping[str, Any]) -> dict[str, tuple[Any, Any]]:
    """Fields whose values differ between two config dicts, as ``{name: (old, new)}``."""
    keys = sorted(set(old) | set(new))
    return {key: (old.get(key), new.get(key)) for key in keys if old.get(key) != new.get(key)}


def nested_differences(old: Mapping[str, Any], new: Mapping[str, Any]) -> dict[str, tuple[Any, Any]]:
    """Differences between two nested dicts of plain data, keyed by dotted path (``config.lr``);
    tuples and lists with equal items count as equal (JSON and checkpoints store tuples as lists)."""
    return config_differences(_flatten(_as_lists(old)), _flatten(_as_lists(new)))


def _as_lists(value: Any) -> Any:
    if isinstance(value, Mapping):
        return {key: _as_lists(item) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return [_as_lists(item) for item in value]
    return value


def _flatten(nested: Mapping[str, Any], prefix: str = "") -> dict[str, Any]:
    flat = {}
    for key, value in nested.items():
        if isinstance(value, Mapping):
            flat.update(_flatten(value, f"{prefix}{key}."))
        else:
            flat[f"{prefix}{key}"] = value
    return flat


def _unknown_keys_message(unknown: list[str], valid: tuple[str, ...]) -> str:
    parts = []
    for key in unknown:
        close = difflib.get_close_matches(key, valid, n=1)
        parts.append(f"{key!r}" + (f" (did you mean {close[0]!r}?)" if close else ""))
    return f"unknown config key(s) {', '.join(parts)}; valid keys: {', '.join(valid)}"


def _require(config: TrainConfig, name: str, condition: bool, expected: str) -> None:
    if not condition:
        raise InvalidConfigError(f"invalid {name} {getattr(config, name)!r}: expected {expected}")


def _check_types(config: TrainConfig) -> None:
    hints = typing.get_type_hints(TrainConfig)
    for field in dataclasses.fields(config):
        value = getattr(config, field.name)
        expected = hints[field.name]
        if expected is float and isinstance(value, int) and not isinstance(value, bool):
            object.__setattr__(config, field.name, float(value))  # 1 is a fine learning rate
            continue
        # bool is a subclass of int: an int field must not accept True.
        if not isinstance(value, expected) or (expected is int and isinstance(value, bool)):
            raise InvalidConfigError(
                f"invalid {field.name}: {value!r} is a {type(value).__name__}, expected {expected.__name__}"
            )
