"""The data ``gpu_check`` trains on: CIFAR-10 from disk, else the embedded sample, else synthetic.

Whatever is used is named in every place it is shown (``label``): the speed figures are valid on
any of them, the time to accuracy only on the full CIFAR-10.
"""

from __future__ import annotations

from dataclasses import dataclass

import torch

from helpers.data import DataOptions, ImageDataset, load_dataset, resize_images
from helpers.errors import DataNotFoundError

OFFICIAL_CIFAR10_TRAIN = 50_000
# Study 1 normalises with mean 0.5 / std 0.5 (its dataset option 'normalization': 'half'); the speed
# figures do not depend on it, so one copy of the data serves every part.
NORMALIZATION = "half"


@dataclass(frozen=True)
class CheckData:
    """The CIFAR-10-sized images of the check and what they are."""

    data: ImageDataset
    kind: str  # "cifar10", "sample" or "synthetic"
    label: str  # shown beside every figure made from it

    @property
    def full_cifar10(self) -> bool:
        """Whether this is the whole CIFAR-10 training set (needed for the time to accuracy)."""
        return self.kind == "cifar10" and len(self.data.y_train) >= OFFICIAL_CIFAR10_TRAIN


def load_check_data(data_dir: str | None) -> CheckData:
    """CIFAR-10 found on disk (``data_dir``, else the library's lookup order), never downloaded;
    else the embedded sample in ``data/samples``; else a synthetic stand-in."""
    try:
        data = load_dataset("cifar10", DataOptions(normalization=NORMALIZATION), data_dir=data_dir)
        sizes = data.sizes()
        return CheckData(data, "cifar10", f"CIFAR-10 ({data.origin['path']}; {sizes['train']:,} train / "
                                          f"{sizes['test']:,} test images)")
    except DataNotFoundError:
        pass
    try:
        data = load_dataset("cifar10", DataOptions(normalization=NORMALIZATION), samples=True)
        sizes = data.sizes()
        return CheckData(data, "sample", f"CIFAR-10 embedded sample (data/samples; {sizes['train']:,} train / "
                                         f"{sizes['test']:,} test images), not the full dataset")
    except DataNotFoundError:
        pass
    data = load_dataset("synthetic")  # 10 classes of 3 x 32 x 32, like CIFAR-10
    return CheckData(data, "synthetic", "SYNTHETIC images (no CIFAR-10 found): valid for speed only")


def head(data: ImageDataset, *, train: int, test: int) -> ImageDataset:
    """The first ``train`` training and ``test`` test images of ``data`` (no validation split)."""
    return data.with_changes(x_train=data.x_train[:train], y_train=data.y_train[:train], x_test=data.x_test[:test],
                             y_test=data.y_test[:test], x_val=None, y_val=None)


def reshaped(data: ImageDataset, *, in_channels: int, image_size: int) -> ImageDataset:
    """``data``'s images resized to ``image_size`` and, for one channel, turned grey: real images
    at another study's input size (for the per-model checks, which need the shape, not the labels)."""
    def convert(images: torch.Tensor) -> torch.Tensor:
        if images.shape[-1] != image_size:
            images = resize_images(images, image_size)
        if in_channels == 1 and images.shape[1] == 3:
            images = images.float().mean(dim=1, keepdim=True).round().to(torch.uint8)  # [N, 1, H, W]
        return images

    mean, std = (data.mean[:1], data.std[:1]) if in_channels == 1 else (data.mean, data.std)
    return data.with_changes(x_train=convert(data.x_train), x_test=convert(data.x_test), mean=mean, std=std)


def tiled(data: ImageDataset, *, min_train: int) -> ImageDataset:
    """``data`` with its training images repeated to at least ``min_train`` (a timing window
    takes distinct batches from one epoch; the speed does not depend on which images)."""
    repeats = -(-min_train // len(data.y_train))
    if repeats <= 1:
        return data
    return data.with_changes(x_train=data.x_train.repeat(repeats, 1, 1, 1), y_train=data.y_train.repeat(repeats))
