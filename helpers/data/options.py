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

    image_size: int | None = documented(None, "resize every image to this square size in pixels (bilinear, "
                                               "antialiased)")
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
        for key in ("image_size", "train_per_class", "test_per_class"):
            value = getattr(self, key)
            if value is not None and (isinstance(value, bool) or not isinstance(value, int) or value < 1):
                raise InvalidConfigError(f"invalid {key} {value!r}: expected a positive integer or None")
        for key in ("to_rgb", "include_background"):
            check_flag(key, getattr(self, key))
        if isinstance(self.seed, bool) or not isinstance(self.seed, int):
            raise InvalidConfigError(f"invalid seed {self.seed!r}: expected an integer")
        if self.synthetic_options is not None:
            if not isinstance(self.synthetic_options, Mapping):
                raise InvalidConfigError(f"invalid synthetic_options {self.synthetic_options!r}: expected a dict "
                                         "or None")
            object.__setattr__(self, "synthetic_options", dict(self.synthetic_options))  # not the caller's dict
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


def check_flag(name: str, value: object) -> None:
    """Raise unless ``value`` (of option or argument ``name``) is True or False."""
    if not isinstance(value, bool):
        raise InvalidConfigError(f"invalid {name} {value!r}: expected True or False")
