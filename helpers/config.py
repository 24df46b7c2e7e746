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
DEVICES = ("auto", "cpu", "cuda", "mps")
PRECISIONS = ("auto", "fp32", "bf16", "fp16")
PROGRESS_MODES = ("auto", "bar", "epoch", "none")
# Fields that change how a run is watched or saved, not what it computes: a finished run or a
# checkpoint made with other values of these still counts as the same run.
RESULT_NEUTRAL_FIELDS = ("progress", "eval_batch_size", "checkpoint_seconds")


def documented(default: Any, documentation: str) -> Any:
    """A dataclass field with its default and its documentation: the one text that the field's
    command-line flag shows as its help (TrainConfig's fields here, DataOptions' in helpers.data)."""
    return dataclasses.field(default=default, metadata={"help": documentation})


@dataclass(frozen=True)
class TrainConfig:
    """Every hyper-parameter of one training run.

    Accuracies everywhere in the library are fractions in [0, 1]; learning rates are per step
    of the optimizer; ``warmup_epochs`` may be fractional.
    """

    # The defaults are a sound short recipe for any registered model and dataset: one-cycle (a
    # linear warm-up to lr, then a linear decay to 0), label smoothing, and augmentation chosen by
    # dataset. Measured: LeNet-5 on 10,000 MNIST images, 2 epochs, reaches 97.5 % test top-1
    # (lr 0.1 diverges without batch norm; a constant lr 0.1 with flips reached 65 %).
    epochs: int = documented(10, "passes over the training set")
    batch_size: int = documented(64, "images per optimizer step (under torchrun: the global batch, split over the "
                                      "processes)")
    optimizer: str = documented("sgd", "the optimizer")
    lr: float = documented(0.05, "the peak learning rate, per optimizer step")
    momentum: float = documented(0.9, "sgd's momentum (adam and adamw keep their default betas)")
    nesterov: bool = documented(False, "Nesterov momentum (sgd only)")
    weight_decay: float = documented(5e-4, "weight decay (decoupled for adamw)")
    scheduler: str = documented("onecycle", "the learning-rate schedule after the warm-up: constant (none), "
                                             "half-cosine to 0 (cosine), decay every step_epochs by step_gamma "
                                             "(step), or one-cycle (onecycle: linear ramp up, then linear decay "
                                             "to 0)")
    warmup_epochs: float = documented(0.0, "linear learning-rate warm-up over this many epochs (may be "
                                            "fractional; onecycle without one ramps up over the first quarter)")
    step_epochs: int = documented(30, "'step' scheduler: decay every this many epochs (by step_gamma)")
    step_gamma: float = documented(0.1, "'step' scheduler: the factor of each decay")
    label_smoothing: float = documented(0.1, "label smoothing of the cross-entropy loss; 0 disables it")
    mixup_alpha: float = documented(0.0, "mixup's Beta(alpha, alpha) parameter; 0 disables mixup")
    grad_clip_norm: float = documented(0.0, "clip the gradients' global norm to this; 0 disables clipping")
    augmentation: str = documented("auto", "the training augmentation; auto: by dataset "
                                            "(helpers.data.augment.AUTO_AUGMENTATION)")
    crop_padding: int = documented(4, "padding in pixels of the random crop")
    concat_original: bool = documented(False, "study 5: each epoch sees the original and an augmented copy")
    seed: int = documented(0, "seed of the initial weights, the data order and the augmentation")
    device: str = documented("auto", "where to train; auto: cuda, else mps, else cpu")
    precision: str = documented("auto", "auto: bf16 where the device runs it fast, else fp16 on CUDA, else fp32")
    channels_last: bool = documented(True, "channels-last (NHWC) memory format for the model and its inputs")
    compile: bool = documented(False, "torch.compile the model (falls back to eager)")
    small_map_convs: bool = documented(True, "CPU only: convolutions with <= 8x8 outputs as one matmul each "
                                              "(off: oneDNN for them too)")
    sync_batchnorm: bool = documented(False, "torchrun on GPUs: batch-norm statistics over the whole global batch")
    processes: int = documented(1, "data-parallel processes that train the run together (torchrun: gloo on a CPU, "
                                   "one GPU each otherwise); each computes batch-norm statistics over its share of "
                                   "the batch unless sync_batchnorm, so the count is part of the recipe")
    eval_batch_size: int = documented(0, "images per batch at evaluation; 0: 1024 on a GPU, 64 on a CPU, where "
                                             "large batches are slower (changes no result)")
    checkpoint_seconds: float = documented(60.0, "write the resume checkpoint after an epoch only when this many "
                                                  "seconds have passed since the last one (or the start); 0: after "
                                                  "every epoch (changes no result)")
    restore_best: bool = documented(False, "evaluate the epoch with the best validation top-1 on the test set")
    tta_flip: bool = documented(False, "average logits over the image and its mirror at evaluation")
    progress: str = documented("auto", "auto: bars in a terminal or notebook, a line per epoch in logs")

    def __post_init__(self) -> None:
        _check_types(self)
        check_choice("optimizer", self.optimizer, OPTIMIZERS)
        check_choice("scheduler", self.scheduler, SCHEDULERS)
        check_choice("augmentation", self.augmentation, augmentation_names())
        check_choice("device", self.device, DEVICES)
        check_choice("precision", self.precision, PRECISIONS)
        check_choice("progress", self.progress, PROGRESS_MODES)
        for name in ("epochs", "batch_size", "step_epochs", "processes"):
            _require(self, name, getattr(self, name) > 0, "a positive integer")
        _require(self, "eval_batch_size", self.eval_batch_size >= 0, "a positive integer, or 0 for the device's default")
        _require(self, "lr", self.lr > 0 and self.lr < float("inf"), "a positive finite number")
        for name in ("momentum", "label_smoothing"):
            _require(self, name, 0.0 <= getattr(self, name) < 1.0, "a number in [0, 1)")
        for name in ("weight_decay", "warmup_epochs", "mixup_alpha", "grad_clip_norm", "checkpoint_seconds"):
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


def augmentation_names() -> tuple[str, ...]:
    """The accepted ``augmentation`` names: the table :data:`helpers.data.augment.AUGMENTATIONS`
    and its aliases."""
    # The table, not a copy of its names, is what a config is checked against, so a new augmentation
    # is one function and one table entry. It is imported here, when a config is validated, rather
    # than at the top: this module must stay importable without torch (the batch tooling reads
    # DEVICES from it and loads no torch), and whoever builds a config is about to train anyway.
    from helpers.data.augment import augmentation_names as table_names

    return table_names()


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


def check_override(name: str, value: Any) -> None:
    """Raise as :class:`TrainConfig` would for ``value`` of its field ``name`` (a notebook's
    ``epochs`` or ``batch_size``), so that an override is checked by the config's own rules, once,
    before any run is planned."""
    if name not in {field.name for field in dataclasses.fields(TrainConfig)}:
        raise InvalidConfigError(f"{name!r} is not a TrainConfig field")
    TrainConfig(**{name: value})


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
                f"invalid {field.name} {value!r}: a {type(value).__name__}, expected {expected.__name__}"
            )
