"""Datasets by name: :func:`load_dataset` finds, reads, splits, subsets and resizes one, once.

What the data is loaded as is a :class:`~helpers.data.options.DataOptions`; where it comes from
is ``load_dataset``'s own arguments. Where data is looked for: ``data_dir``, then
``$HELPERS_DATA_DIR``, then the project's ``data/`` folder, each in torchvision's layout, as
``<name>.npz`` or as the JPEG archive ``<name>.jpeg.npz`` (see :mod:`helpers.data.locate`; an
archive's own notes, e.g. that it was re-encoded, join the dataset's). The embedded samples in ``data/samples`` are read
only with ``samples=True``, and data read from them gets a note saying so.

Caltech-101 has no official test split: from its folder, a stratified 20 % hold-out drawn with a
fixed seed becomes ``x_test`` (study 4's random 0.8 / 0.2 split; that test split plays the paper's
"validation" set). Everything the loader did to the data is written to ``ImageDataset.notes``.

What is read must fit together (:func:`~helpers.data.readers.check_splits`): train and test images
of one size and channel count, every class in both splits, and an ``.npz`` named after a dataset
holding all of that dataset's classes; else :class:`~helpers.errors.CorruptDataError` names the
file and the shapes or counts.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path
from typing import Any, NamedTuple

import torch
import torch.nn.functional as F

from helpers.data import constants
from helpers.data.arrays import ImageDataset
from helpers.data.caltech import read_caltech_folder
from helpers.data.locate import is_embedded_sample, locate_dataset, official_class_count
from helpers.data.options import DATASETS, DataOptions, check_flag
from helpers.data.packed import packed_from_samples, read_jpeg_archive
from helpers.data.readers import Splits, check_splits, read_cifar, read_idx_dataset, read_npz
from helpers.data.splits import balanced_subset, stratified_split
from helpers.data.synthetic import make_synthetic
from helpers.errors import InvalidConfigError

_RESIZE_CHUNK = 4096  # images per interpolation call: bounds the float32 working memory


class _Arrays(NamedTuple):
    """The splits' images and labels while the loader works on them (``None``: no validation split)."""

    x_train: torch.Tensor
    y_train: torch.Tensor
    x_test: torch.Tensor
    y_test: torch.Tensor
    x_val: torch.Tensor | None = None
    y_val: torch.Tensor | None = None

    def keep(self, split: str, index: torch.Tensor) -> _Arrays:
        """Only the images and labels of ``split`` (train, val or test) at ``index``."""
        images, labels = getattr(self, f"x_{split}"), getattr(self, f"y_{split}")
        return self._replace(**{f"x_{split}": images[index], f"y_{split}": labels[index]})

    def map_images(self, change: Callable[[torch.Tensor], torch.Tensor]) -> _Arrays:
        """Every split's images passed through ``change`` (the labels as they were)."""
        return self._replace(x_train=change(self.x_train), x_test=change(self.x_test),
                             x_val=None if self.x_val is None else change(self.x_val))


def available_datasets() -> list[str]:
    """Names accepted by :func:`load_dataset`."""
    return list(DATASETS)


def load_dataset(
    name: str,
    options: DataOptions | None = None,
    *,
    data_dir: str | os.PathLike | None = None,
    download: bool = False,
    samples: bool = False,
    **option_values: Any,
) -> ImageDataset:
    """Load dataset ``name`` as uint8 tensors with its class names and normalisation constants.

    ``options`` (a :class:`~helpers.data.options.DataOptions`; its defaults when ``None``) say
    what the data is loaded as; its fields may be given as keywords instead, for short
    (``load_dataset("mnist", val_fraction=0.1)``), but not both. Steps, in order: read the
    official splits (Caltech-101: hold out 20 % as test); split ``val_fraction`` of the training
    images off as a stratified validation set (seeded); keep ``train_per_class`` /
    ``test_per_class`` images per class (seeded; classes with fewer keep all), shrinking the
    validation set in proportion, ``train_per_class * val_fraction / (1 - val_fraction)`` per
    class (at least 1); resize to ``image_size`` (bilinear, antialias, rounded back to uint8);
    repeat grey to 3 channels if ``to_rgb``.

    ``normalization='dataset'`` uses the published statistics in :mod:`helpers.data.constants`
    (computed from the training images for ``synthetic``); ``'half'`` uses 0.5 / 0.5 (study 1);
    ``'imagenet'`` uses ImageNet's (:data:`~helpers.data.constants.IMAGENET_STATS`), which models
    starting from pretrained ImageNet weights expect; it needs 3-channel images (``to_rgb`` for grey).
    With ``samples`` the embedded sample is read instead of the full dataset. ``origin`` of the
    result records where the data came from. Every argument is checked before any file is read.
    """
    options = _options(options, option_values)
    options.check_for(name)
    check_flag("download", download)
    check_flag("samples", samples)
    splits, source, origin, notes = _read_splits(name, options, data_dir=data_dir, download=download, samples=samples)
    arrays = _Arrays(splits.x_train, splits.y_train, splits.x_test, splits.y_test)
    for step in (_split_validation, _subset, _resize_and_repeat):  # each adds a note on what it did
        arrays = step(arrays, options, notes)
    mean, std = _normalization(name, options.normalization, arrays.x_train)
    if options.normalization == "imagenet":
        notes.append("normalised with ImageNet's statistics (for pretrained ImageNet weights), not the dataset's")
    return ImageDataset(name=name, classes=splits.classes, mean=mean, std=std, **arrays._asdict(), source=source,
                        notes=tuple(notes), origin=origin)


def _options(options: DataOptions | None, option_values: dict[str, Any]) -> DataOptions:
    """``options``, or the options given as keywords (checked as a spec's are), or the defaults."""
    if options is not None and option_values:
        raise InvalidConfigError(f"give the data options as a DataOptions or as keywords "
                                 f"({', '.join(sorted(option_values))}), not both")
    if options is not None and not isinstance(options, DataOptions):
        raise InvalidConfigError(f"invalid options {options!r}: expected a DataOptions or None")
    return options if options is not None else DataOptions.from_mapping(option_values)


def _read_splits(
    name: str, options: DataOptions, *, data_dir: str | os.PathLike | None, download: bool, samples: bool,
) -> tuple[Splits, str, dict[str, Any], list[str]]:
    """The official splits of ``name`` (generated for ``synthetic``), with the source line, the
    origin and the notes that say where they came from."""
    if name == "synthetic":
        splits, settings = make_synthetic(options.synthetic_options, seed=options.seed)
        source = f"synthetic (generated, seed {options.seed}): {settings}"
        origin = {"dataset": name, "kind": "synthetic", "path": None, "samples": False}
        notes = [f"synthetic data: class prototypes, random shifts and noise, not real images ({settings})"]
        check_splits(splits, "synthetic data", dataset=name)
    else:
        kind, path = locate_dataset(name, data_dir=data_dir, download=download, samples=samples)
        origin = {"dataset": name, "kind": kind, "path": str(path), "samples": bool(samples)}
        splits, source, notes = _read(name, kind, path, options)
        # Before any split or subset: those keep every class there is, so a class missing now stays missing.
        # An archive's own class list says nothing of the dataset it is named after; the other
        # layouts' readers take the classes from the dataset's own files and folders.
        official = official_class_count(name, splits.classes) if kind in ("npz", "jpeg") else None
        check_splits(splits, path, dataset=name, official_classes=official)
        if is_embedded_sample(path):
            notes.append(_sample_note(name, splits))
        elif packed_from_samples(name, path):  # a GPU machine's copy of the samples (helpers.data.pack)
            origin["samples"] = True
            if not any("embedded samples" in note for note in notes):
                notes.append(f"packed from the embedded samples (data/samples): {len(splits.y_train):,} train / "
                             f"{len(splits.y_test):,} test images, not the full dataset")
    return splits, source, origin, notes + _official_size_note(name, splits)


def _split_validation(arrays: _Arrays, options: DataOptions, notes: list[str]) -> _Arrays:
    """``arrays`` with ``val_fraction`` of the training images split off, stratified and seeded."""
    if options.val_fraction <= 0:
        return arrays
    train_index, val_index = stratified_split(arrays.y_train, options.val_fraction, options.seed)
    arrays = arrays._replace(x_val=arrays.x_train[val_index], y_val=arrays.y_train[val_index])
    arrays = arrays.keep("train", train_index)
    notes.append(f"validation split: {options.val_fraction:.0%} of the training images, stratified, "
                 f"seed {options.seed}")
    return arrays


def _subset(arrays: _Arrays, options: DataOptions, notes: list[str]) -> _Arrays:
    """``arrays`` cut to ``train_per_class`` / ``test_per_class`` images per class, the validation
    split shrunk in proportion to the training one."""
    train, test, seed = options.train_per_class, options.test_per_class, options.seed
    if train is None and test is None:
        return arrays
    if train is not None:
        arrays = arrays.keep("train", balanced_subset(arrays.y_train, train, seed))
        if arrays.y_val is not None:
            val_per_class = max(1, round(train * options.val_fraction / (1 - options.val_fraction)))
            arrays = arrays.keep("val", balanced_subset(arrays.y_val, val_per_class, seed))
    if test is not None:
        arrays = arrays.keep("test", balanced_subset(arrays.y_test, test, seed))
    notes.append(
        f"class-balanced subset: {train or 'all'} train / {test or 'all'} test images per class (seed {seed}); "
        f"{len(arrays.y_train)} train, {0 if arrays.y_val is None else len(arrays.y_val)} val, "
        f"{len(arrays.y_test)} test"
    )
    return arrays


def _resize_and_repeat(arrays: _Arrays, options: DataOptions, notes: list[str]) -> _Arrays:
    """``arrays`` resized to ``image_size`` and, with ``to_rgb``, grey repeated to 3 channels."""
    height, width = arrays.x_train.shape[-2:]
    size = options.image_size
    if size is not None and (height, width) != (size, size):
        arrays = arrays.map_images(lambda images: resize_images(images, size))
        notes.append(f"resized from {height}x{width} to {size}x{size} (bilinear, antialias)")
    if options.to_rgb and arrays.x_train.shape[1] == 1:
        arrays = arrays.map_images(lambda images: images.repeat(1, 3, 1, 1))
        notes.append("grey images repeated to 3 channels")
    return arrays


def resize_images(images: torch.Tensor, size: int) -> torch.Tensor:
    """Resize uint8 ``[N, C, H, W]`` images to ``size x size`` (bilinear, antialias), rounded to uint8."""
    chunks = [
        F.interpolate(chunk.float(), size=(size, size), mode="bilinear", antialias=True, align_corners=False)
        .round_()
        .clamp_(0, 255)
        .to(torch.uint8)
        for chunk in images.split(_RESIZE_CHUNK)
    ]
    return torch.cat(chunks) if chunks else images.new_zeros((0, images.shape[1], size, size))


def _read(name: str, kind: str, path: Path, options: DataOptions) -> tuple[Splits, str, list[str]]:
    """The splits of ``name`` read from ``path`` (a folder or file of layout ``kind``), their
    source line and the notes on how they were read."""
    if kind == "idx":
        return read_idx_dataset(path, constants.CLASS_NAMES[name]), f"IDX files in {path}", []
    if kind == "cifar":
        return read_cifar(path.parent, name), f"official pickle batches in {path}", []
    if kind == "npz":
        return read_npz(path), f"npz archive {path}", []
    if kind == "jpeg":
        splits, notes = read_jpeg_archive(path)
        return splits, f"JPEG archive {path}", list(notes)
    size = options.image_size or constants.CALTECH101_DEFAULT_SIZE
    folder = read_caltech_folder(path, image_size=size, include_background=options.include_background,
                                 cache_dir=options.cache_dir)
    train_index, test_index = stratified_split(
        folder.labels, constants.CALTECH101_TEST_FRACTION, constants.CALTECH101_SPLIT_SEED
    )
    notes = [
        f"images decoded to RGB, shorter side resized to {size} px and centre-cropped to {size}x{size}",
        f"no official test split: a stratified {constants.CALTECH101_TEST_FRACTION:.0%} hold-out "
        f"(fixed seed {constants.CALTECH101_SPLIT_SEED}) is the test split, the paper's validation set",
        "BACKGROUND_Google included as a class" if options.include_background else "BACKGROUND_Google excluded",
    ]
    if folder.skipped:
        skipped = ", ".join(folder.skipped[:5])
        notes.append(f"{len(folder.skipped)} file(s) skipped because they do not decode: {skipped}")
    source = f"image folder {path}" + (f" (decoded copy cached in {folder.cache_path})" if folder.cache_path else "")
    splits = Splits(
        folder.images[train_index], folder.labels[train_index], folder.images[test_index], folder.labels[test_index],
        classes=folder.classes,
    )
    return splits, source, notes


def _sample_note(name: str, splits: Splits) -> str:
    made = ""
    if name == "caltech101":  # read from an npz, so the folder reader's notes are not there to say this
        made = (f"; decoded to RGB at {splits.x_train.shape[-1]} px and split by the stratified "
                f"{constants.CALTECH101_TEST_FRACTION:.0%} hold-out (seed {constants.CALTECH101_SPLIT_SEED})")
    return (
        f"embedded sample subset (data/samples): {len(splits.y_train):,} train / {len(splits.y_test):,} "
        f"test images, a few per class{made}; the full dataset gives the paper's numbers"
    )


def _official_size_note(name: str, splits: Splits) -> list[str]:
    if name not in constants.OFFICIAL_SIZES:
        return []
    official, loaded = constants.OFFICIAL_SIZES[name], (len(splits.y_train), len(splits.y_test))
    if loaded == official:
        return []
    return [
        f"{loaded[0]:,} train / {loaded[1]:,} test images on disk; "
        f"the official split has {official[0]:,} / {official[1]:,}"
    ]


def _normalization(name: str, normalization: str, x_train: torch.Tensor) -> tuple[tuple[float, ...], tuple[float, ...]]:
    channels = x_train.shape[1]
    if normalization == "half":
        return (0.5,) * channels, (0.5,) * channels
    if normalization == "imagenet":
        if channels != len(constants.IMAGENET_MEAN):
            raise InvalidConfigError(f"normalization 'imagenet' needs RGB images, but {name} has {channels} "
                                     "channel(s); add to_rgb=True or choose normalization 'dataset' or 'half'")
        return constants.IMAGENET_MEAN, constants.IMAGENET_STD
    stats = constants.DATASET_STATS.get(name)
    if stats is not None and len(stats.mean) in (1, channels):
        repeat = channels // len(stats.mean)  # grey statistics apply to every copy of a grey channel
        return stats.mean * repeat, stats.std * repeat
    return _channel_stats(x_train)


def _channel_stats(images: torch.Tensor) -> tuple[tuple[float, ...], tuple[float, ...]]:
    """Per-channel mean and std (0-1 scale) of uint8 images, accumulated in float64 by chunks."""
    channels = images.shape[1]
    total = torch.zeros(channels, dtype=torch.float64)
    total_sq = torch.zeros(channels, dtype=torch.float64)
    for chunk in images.split(_RESIZE_CHUNK):
        values = chunk.double().div_(255).transpose(0, 1).reshape(channels, -1)
        total += values.sum(dim=1)
        total_sq += values.square().sum(dim=1)
    count = max(1, images.numel() // channels)
    mean = total / count
    std = (total_sq / count - mean.square()).clamp_min(0).sqrt()
    return tuple(round(float(value), 4) for value in mean), tuple(round(float(value), 4) for value in std)
