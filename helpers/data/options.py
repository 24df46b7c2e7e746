"""What a dataset is loaded as: :class:`DataOptions`, the typed options of
:func:`helpers.data.load_dataset` (size, channels, normalisation, splits, subsets, seed, ...).

Where the data comes from (``data_dir``, ``download``, ``samples``) is not among them: those are
arguments of :func:`~helpers.data.load_dataset` itself, since they do not change what a run is.
Every value is checked when the options are made, and :meth:`DataOptions.check_for` checks the
ones that depend on the dataset, so that a bad option is refused before any file is read.

This module imports no torch. The training command line builds its dataset flags from these
fields and their documentation.
"""

from __future__ import annotations

import dataclasses
import os
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from helpers.config import documented
from helpers.errors import InvalidConfigError, check_choice

DATASETS = ("cifar10", "cifar100", "mnist", "fashion_mnist", "caltech101", "synthetic")
NORMALIZATIONS = ("dataset", "half", "imagenet")
GREY_DATASETS = ("mnist", "fashion_mnist")
# Upper bounds that catch a mistyped number before it costs memory or time. An image side of 1024 px
# is over four times ImageNet's 224 px crop, the largest any study uses (one 1024 px RGB image takes
# 3 MiB as uint8, 12 MiB as float); a value beyond it is a typo, such as 100000 for 100.
MAX_IMAGE_SIZE = 1024
# More images per class than any dataset here holds (MNIST's largest class has 6,742).
MAX_IMAGES_PER_CLASS = 1_000_000
# The seeds torch's generators take (torch.manual_seed, torch.Generator.manual_seed): every seed
# here seeds one of them, and one outside this range fails only once the data or the run starts.
SEED_RANGE = (-(2**63), 2**64 - 1)
SEED_RANGE_TEXT = "-2**63 to 2**64-1"
MAX_SYNTHETIC_CLASSES = 10_000
MAX_SYNTHETIC_IMAGES = 1_000_000  # per split: 3 GB of 32 px RGB images as uint8
# The synthetic dataset's settings (helpers.data.synthetic) and their defaults; every key may be set
# through DataOptions.synthetic_options and is checked by synthetic_settings.
SYNTHETIC_DEFAULTS: dict[str, int | float] = {
    "num_classes": 10,
    "image_size": 32,
    "channels": 3,
    "train_size": 2000,
    "test_size": 500,
    "max_shift": 2,  # pixels, each direction
    "noise": 0.1,  # std of the added noise, 0-1 scale
}


@dataclass(frozen=True)
class DataOptions:
    """How :func:`~helpers.data.load_dataset` turns a dataset's files into tensors.

    Applied in this order: ``val_fraction`` of the training images is split off as a stratified
    validation set; ``train_per_class`` / ``test_per_class`` keep that many images per class (the
    validation set shrinks in proportion); images are resized to ``image_size``; grey images are
    repeated to 3 channels if ``to_rgb``. ``seed`` draws the split and the subsets (and the
    synthetic images). Each value is checked here; :meth:`check_for` checks the rest against a
    dataset's name. Invalid values raise :class:`~helpers.errors.InvalidConfigError`.
    """

    image_size: int | None = documented(None, "resize every image to this square size in pixels, 1 to "
                                               f"{MAX_IMAGE_SIZE} (bilinear, antialiased)")
    to_rgb: bool = documented(False, "repeat grey images to 3 channels")
    normalization: str = documented("dataset", "normalisation constants: the dataset's published statistics "
                                                "(dataset), 0.5 / 0.5 (half) or ImageNet's (imagenet; the default "
                                                "with --weights)")
    val_fraction: float = documented(0.0, "stratified validation split: this share of the training images, seeded")
    train_per_class: int | None = documented(None, "class-balanced subset: this many training images per class")
    test_per_class: int | None = documented(None, "class-balanced subset: this many test images per class")
    seed: int = documented(0, "seed of the validation split, the class-balanced subsets and the synthetic images")
    include_background: bool = documented(False, "Caltech-101: keep the BACKGROUND_Google category")
    synthetic_options: dict | None = documented(None, "the synthetic dataset's settings as a JSON object")
    cache_dir: str | os.PathLike | None = documented(None, "folder for decoded images (Caltech-101), so a second "
                                                            "load skips decoding")

    def __post_init__(self) -> None:
        check_choice("normalization", self.normalization, NORMALIZATIONS)
        fraction = self.val_fraction
        if isinstance(fraction, bool) or not isinstance(fraction, (int, float)) or not 0 <= fraction < 1:
            raise InvalidConfigError(f"invalid val_fraction {fraction!r}: expected a number in [0, 1)")
        object.__setattr__(self, "val_fraction", float(fraction))
        if self.image_size is not None:
            check_integer("image_size", self.image_size, 1, MAX_IMAGE_SIZE,
                          expected=f"1 to {MAX_IMAGE_SIZE} pixels per side, or None")
        for key in ("train_per_class", "test_per_class"):
            if getattr(self, key) is not None:
                check_integer(key, getattr(self, key), 1, MAX_IMAGES_PER_CLASS,
                              expected=f"an integer from 1 to {MAX_IMAGES_PER_CLASS:,}, or None")
        for key in ("to_rgb", "include_background"):
            check_flag(key, getattr(self, key))
        check_integer("seed", self.seed, *SEED_RANGE, expected=f"an integer from {SEED_RANGE_TEXT}")
        if self.synthetic_options is not None:
            if not isinstance(self.synthetic_options, Mapping):
                raise InvalidConfigError(f"invalid synthetic_options {self.synthetic_options!r}: expected a dict "
                                         "or None")
            object.__setattr__(self, "synthetic_options", dict(self.synthetic_options))  # not the caller's dict
            synthetic_settings(self.synthetic_options)  # checked now, before anything is generated
        if self.cache_dir is not None and not isinstance(self.cache_dir, (str, os.PathLike)):
            raise InvalidConfigError(f"invalid cache_dir {self.cache_dir!r}: expected a folder path or None")

    @classmethod
    def from_mapping(cls, mapping: Mapping[str, Any]) -> DataOptions:
        """The options that ``mapping`` (a run spec's ``dataset_options``) names, the others at
        their defaults; keys that are not options raise, naming them and the valid ones."""
        valid = sorted(option_names())
        unknown = sorted(set(mapping) - set(valid))
        if unknown:
            raise InvalidConfigError(f"unknown dataset option(s) {', '.join(unknown)}; "
                                     f"valid options: {', '.join(valid)}")
        return cls(**mapping)

    def to_dict(self) -> dict[str, Any]:
        """Every option as plain data (a copy): ``from_mapping`` of it gives equal options."""
        return dataclasses.asdict(self)

    def check_for(self, name: str) -> None:
        """Raise unless ``name`` is a dataset (one of :data:`DATASETS`) that these options fit:
        ImageNet's normalisation needs RGB images (``to_rgb`` for a grey dataset), and
        ``synthetic_options`` apply only to ``synthetic``."""
        check_choice("dataset", name, DATASETS)
        if self.normalization == "imagenet" and name in GREY_DATASETS and not self.to_rgb:
            raise InvalidConfigError(f"normalization 'imagenet' needs RGB images, but {name} is grey; add to_rgb=True "
                                     "or choose normalization 'dataset' or 'half'")
        if self.synthetic_options is not None and name != "synthetic":
            raise InvalidConfigError(f"synthetic_options apply only to the 'synthetic' dataset, not {name!r}")


def option_names() -> tuple[str, ...]:
    """Names of every :class:`DataOptions` field, in declaration order."""
    return tuple(field.name for field in dataclasses.fields(DataOptions))


def check_integer(name: str, value: object, low: int, high: int, *, expected: str | None = None) -> int:
    """``value`` of option ``name`` if it is an integer from ``low`` to ``high``; otherwise raise
    :class:`InvalidConfigError` naming the value and what was expected (``expected``, by default
    "an integer from low to high")."""
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
        top = f"{high:,}" if high >= 10_000 else str(high)  # 1,000,000 but 1024
        raise InvalidConfigError(f"invalid {name} {value!r}: expected {expected or f'an integer from {low} to {top}'}")
    return value


def synthetic_settings(options: Mapping[str, Any] | None) -> dict[str, int | float]:
    """The synthetic dataset's full settings: :data:`SYNTHETIC_DEFAULTS` with ``options`` applied,
    each checked. A key that is not a setting raises :class:`~helpers.errors.UnknownNameError`; a
    value out of its range :class:`InvalidConfigError` naming it and the range. Every class gets at
    least one image of each split, so ``train_size`` and ``test_size`` are at least ``num_classes``."""
    settings = {**SYNTHETIC_DEFAULTS}
    for key, value in (options or {}).items():
        check_choice("synthetic option", key, SYNTHETIC_DEFAULTS)
        settings[key] = value
    ranges = {"num_classes": (1, MAX_SYNTHETIC_CLASSES), "image_size": (1, MAX_IMAGE_SIZE), "channels": (1, 3),
              "train_size": (1, MAX_SYNTHETIC_IMAGES), "test_size": (1, MAX_SYNTHETIC_IMAGES),
              "max_shift": (0, MAX_IMAGE_SIZE)}
    for key, (low, high) in ranges.items():
        check_integer(f"synthetic option {key}", settings[key], low, high)
    for key in ("train_size", "test_size"):
        if settings[key] < settings["num_classes"]:
            raise InvalidConfigError(f"invalid synthetic option {key} {settings[key]!r}: expected at least "
                                     f"num_classes ({settings['num_classes']}), so that every class has an image")
    noise = settings["noise"]
    if isinstance(noise, bool) or not isinstance(noise, (int, float)) or not 0 <= noise < 1:
        raise InvalidConfigError(f"invalid synthetic option noise {noise!r}: expected a number in [0, 1)")
    return settings


def check_flag(name: str, value: object) -> None:
    """Raise unless ``value`` (of option or argument ``name``) is True or False."""
    if not isinstance(value, bool):
        raise InvalidConfigError(f"invalid {name} {value!r}: expected True or False")
