"""Datasets by name: :func:`load_dataset` finds, reads, splits, subsets and resizes one, once.

Where data is looked for: ``data_dir``, then ``$HELPERS_DATA_DIR``, then the project's ``data/``
folder, each in torchvision's layout or as ``<name>.npz`` (see :mod:`helpers.data.locate`). The
embedded samples in ``data/samples`` are read only with ``samples=True``, and data read from them
gets a note saying so.

Caltech-101 has no official test split: from its folder, a stratified 20 % hold-out drawn with a
fixed seed becomes ``x_test`` (study 4's random 0.8 / 0.2 split; that test split plays the paper's
"validation" set). Everything the loader did to the data is written to ``ImageDataset.notes``.
"""

from __future__ import annotations

import os
from pathlib import Path

import torch
import torch.nn.functional as F

from helpers.data import constants
from helpers.data.arrays import ImageDataset
from helpers.data.caltech import read_caltech_folder
from helpers.data.locate import is_embedded_sample, locate_dataset
from helpers.data.readers import Splits, read_cifar, read_idx_dataset, read_npz
from helpers.data.synthetic import make_synthetic
from helpers.errors import InvalidConfigError, check_choice

DATASETS = ("cifar10", "cifar100", "mnist", "fashion_mnist", "caltech101", "synthetic")
NORMALIZATIONS = ("dataset", "half", "imagenet")
GREY_DATASETS = ("mnist", "fashion_mnist")
_RESIZE_CHUNK = 4096  # images per interpolation call: bounds the float32 working memory


def available_datasets() -> list[str]:
    """Names accepted by :func:`load_dataset`."""
    return list(DATASETS)


def load_dataset(
    name: str,
    *,
    data_dir: str | os.PathLike | None = None,
    download: bool = False,
    samples: bool = False,
    image_size: int | None = None,
    to_rgb: bool = False,
    normalization: str = "dataset",
    val_fraction: float = 0.0,
    train_per_class: int | None = None,
    test_per_class: int | None = None,
    seed: int = 0,
    include_background: bool = False,
    cache_dir: str | os.PathLike | None = None,
    synthetic_options: dict | None = None,
) -> ImageDataset:
    """Load dataset ``name`` as uint8 tensors with its class names and normalisation constants.

    Steps, in order: read the official splits (Caltech-101: hold out 20 % as test); split
    ``val_fraction`` of the training images off as a stratified validation set (seeded); keep
    ``train_per_class`` / ``test_per_class`` images per class (seeded; classes with fewer keep
    all), shrinking the validation set in proportion, ``train_per_class * val_fraction /
    (1 - val_fraction)`` per class (at least 1); resize to ``image_size`` (bilinear, antialias,
    rounded back to uint8); repeat grey to 3 channels if ``to_rgb``.

    ``normalization='dataset'`` uses the published statistics in :mod:`helpers.data.constants`
    (computed from the training images for ``synthetic``); ``'half'`` uses 0.5 / 0.5 (study 1);
    ``'imagenet'`` uses ImageNet's (:data:`~helpers.data.constants.IMAGENET_STATS`), which models
    starting from pretrained ImageNet weights expect; it needs 3-channel images (``to_rgb`` for grey).
    With ``samples`` the embedded sample is read instead of the full dataset. ``origin`` of the
    result records where the data came from. Every argument is checked before any file is read.
    """
    check_dataset_options(name, download=download, samples=samples, image_size=image_size, to_rgb=to_rgb,
                          normalization=normalization, val_fraction=val_fraction, train_per_class=train_per_class,
                          test_per_class=test_per_class, seed=seed, include_background=include_background,
                          synthetic_options=synthetic_options)

    if name == "synthetic":
        splits, settings = make_synthetic(synthetic_options, seed=seed)
        source = f"synthetic (generated, seed {seed}): {settings}"
        origin = {"dataset": name, "kind": "synthetic", "path": None, "samples": False}
        notes = [f"synthetic data: class prototypes, random shifts and noise, not real images ({settings})"]
    else:
        kind, path = locate_dataset(name, data_dir=data_dir, download=download, samples=samples)
        origin = {"dataset": name, "kind": kind, "path": str(path), "samples": bool(samples)}
        splits, source, notes = _read(name, kind, path, image_size, include_background, cache_dir)
        if is_embedded_sample(path):
            notes.append(_sample_note(name, splits))
    notes += _official_size_note(name, splits)

    x_train, y_train, x_test, y_test = splits.x_train, splits.y_train, splits.x_test, splits.y_test
    x_val = y_val = None
    if val_fraction > 0:
        train_index, val_index = stratified_split(y_train, val_fraction, seed)
        x_val, y_val = x_train[val_index], y_train[val_index]
        x_train, y_train = x_train[train_index], y_train[train_index]
        notes.append(f"validation split: {val_fraction:.0%} of the training images, stratified, seed {seed}")
    if train_per_class is not None:
        keep = balanced_subset(y_train, train_per_class, seed)
        x_train, y_train = x_train[keep], y_train[keep]
        if y_val is not None:
            val_per_class = max(1, round(train_per_class * val_fraction / (1 - val_fraction)))
            keep = balanced_subset(y_val, val_per_class, seed)
            x_val, y_val = x_val[keep], y_val[keep]
    if test_per_class is not None:
        keep = balanced_subset(y_test, test_per_class, seed)
        x_test, y_test = x_test[keep], y_test[keep]
    if train_per_class is not None or test_per_class is not None:
        notes.append(
            f"class-balanced subset: {train_per_class or 'all'} train / {test_per_class or 'all'} test images "
            f"per class (seed {seed}); {len(y_train)} train, {0 if y_val is None else len(y_val)} val, "
            f"{len(y_test)} test"
        )

    height, width = x_train.shape[-2:]
    if image_size is not None and (height, width) != (image_size, image_size):
        x_train, x_val, x_test = (None if x is None else resize_images(x, image_size) for x in (x_train, x_val, x_test))
        notes.append(f"resized from {height}x{width} to {image_size}x{image_size} (bilinear, antialias)")
    if to_rgb and x_train.shape[1] == 1:
        x_train, x_val, x_test = (None if x is None else x.repeat(1, 3, 1, 1) for x in (x_train, x_val, x_test))
        notes.append("grey images repeated to 3 channels")

    mean, std = _normalization(name, normalization, x_train)
    if normalization == "imagenet":
        notes.append("normalised with ImageNet's statistics (for pretrained ImageNet weights), not the dataset's")
    return ImageDataset(
        name=name, classes=splits.classes, mean=mean, std=std,
        x_train=x_train, y_train=y_train, x_test=x_test, y_test=y_test, x_val=x_val, y_val=y_val,
        source=source, notes=tuple(notes), origin=origin,
    )  # fmt: skip


def check_dataset_options(
    name: str,
    *,
    download: bool = False,
    samples: bool = False,
    image_size: int | None = None,
    to_rgb: bool = False,
    normalization: str = "dataset",
    val_fraction: float = 0.0,
    train_per_class: int | None = None,
    test_per_class: int | None = None,
    seed: int = 0,
    include_background: bool = False,
    synthetic_options: dict | None = None,
    cache_dir: str | os.PathLike | None = None,
) -> None:
    """Raise naming the bad value when an option of :func:`load_dataset` is invalid; reads no file."""
    check_choice("dataset", name, DATASETS)
    check_choice("normalization", normalization, NORMALIZATIONS)
    if isinstance(val_fraction, bool) or not isinstance(val_fraction, (int, float)) or not 0 <= val_fraction < 1:
        raise InvalidConfigError(f"invalid val_fraction {val_fraction!r}: expected a number in [0, 1)")
    sizes = {"image_size": image_size, "train_per_class": train_per_class, "test_per_class": test_per_class}
    for key, value in sizes.items():
        if value is not None and (isinstance(value, bool) or not isinstance(value, int) or value < 1):
            raise InvalidConfigError(f"invalid {key} {value!r}: expected a positive integer or None")
    for key, value in {"download": download, "samples": samples, "to_rgb": to_rgb,
                       "include_background": include_background}.items():
        if not isinstance(value, bool):
            raise InvalidConfigError(f"invalid {key} {value!r}: expected True or False")
    if normalization == "imagenet" and name in GREY_DATASETS and not to_rgb:
        raise InvalidConfigError(f"normalization 'imagenet' needs RGB images, but {name} is grey; add to_rgb=True "
                                 "or choose normalization 'dataset' or 'half'")
    if synthetic_options is not None and name != "synthetic":
        raise InvalidConfigError(f"synthetic_options apply only to the 'synthetic' dataset, not {name!r}")

    if isinstance(seed, bool) or not isinstance(seed, int):
        raise InvalidConfigError(f"invalid seed {seed!r}: expected an integer")


def stratified_split(labels: torch.Tensor, fraction: float, seed: int) -> tuple[torch.Tensor, torch.Tensor]:
    """Split indices of ``labels`` into ``(rest, held_out)`` with ``fraction`` of each class held out.

    Seeded and independent of device (computed on CPU). The two parts are disjoint, cover every
    index, and are each sorted. Per class, ``round(fraction * count)`` is held out, clamped so that
    every class with at least 2 samples keeps at least one on each side (a class of 1 stays in
    ``rest``); ``fraction=0`` holds out nothing.
    """
    if not 0 <= fraction < 1:
        raise ValueError(f"fraction={fraction!r} must be in [0, 1)")
    labels = _check_labels(labels)
    generator = torch.Generator().manual_seed(seed)
    rest, held = [torch.zeros(0, dtype=torch.int64)], [torch.zeros(0, dtype=torch.int64)]
    for label in torch.unique(labels):
        members = torch.nonzero(labels == label).flatten()
        members = members[torch.randperm(len(members), generator=generator)]
        count = len(members)
        num_held = int(fraction * count + 0.5)
        if fraction > 0 and count >= 2:
            num_held = min(max(num_held, 1), count - 1)
        elif count < 2:
            num_held = 0
        held.append(members[:num_held])
        rest.append(members[num_held:])
    return torch.cat(rest).sort().values, torch.cat(held).sort().values


def balanced_subset(labels: torch.Tensor, per_class: int, seed: int) -> torch.Tensor:
    """Sorted indices of a seeded random ``per_class`` samples of every class (all of a smaller class)."""
    if isinstance(per_class, bool) or not isinstance(per_class, int) or per_class < 1:
        raise ValueError(f"per_class={per_class!r} must be a positive integer")
    labels = _check_labels(labels)
    generator = torch.Generator().manual_seed(seed)
    chosen = [torch.zeros(0, dtype=torch.int64)]
    for label in torch.unique(labels):
        members = torch.nonzero(labels == label).flatten()
        chosen.append(members[torch.randperm(len(members), generator=generator)[:per_class]])
    return torch.cat(chosen).sort().values


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


def _check_labels(labels: torch.Tensor) -> torch.Tensor:
    labels = torch.as_tensor(labels).cpu()
    if labels.ndim != 1 or labels.dtype.is_floating_point or labels.dtype == torch.bool:
        raise ValueError(f"labels must be a 1-D integer tensor, got {labels.dtype} of shape {tuple(labels.shape)}")
    return labels


def _read(
    name: str, kind: str, path: Path, image_size: int | None, include_background: bool,
    cache_dir: str | os.PathLike | None,
) -> tuple[Splits, str, list[str]]:
    if kind == "idx":
        return read_idx_dataset(path, constants.CLASS_NAMES[name]), f"IDX files in {path}", []
    if kind == "cifar":
        return read_cifar(path.parent, name), f"official pickle batches in {path}", []
    if kind == "npz":
        return read_npz(path), f"npz archive {path}", []
    size = image_size or constants.CALTECH101_DEFAULT_SIZE
    folder = read_caltech_folder(path, image_size=size, include_background=include_background, cache_dir=cache_dir)
    train_index, test_index = stratified_split(
        folder.labels, constants.CALTECH101_TEST_FRACTION, constants.CALTECH101_SPLIT_SEED
    )
    notes = [
        f"images decoded to RGB, shorter side resized to {size} px and centre-cropped to {size}x{size}",
        f"no official test split: a stratified {constants.CALTECH101_TEST_FRACTION:.0%} hold-out "
        f"(fixed seed {constants.CALTECH101_SPLIT_SEED}) is the test split, the paper's validation set",
        "BACKGROUND_Google included as a class" if include_background else "BACKGROUND_Google excluded",
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
