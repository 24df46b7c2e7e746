"""The in-memory form of a dataset: uint8 image tensors and int64 labels, ready to move to a device."""

from __future__ import annotations

from dataclasses import dataclass, field, replace

import torch


@dataclass(frozen=True)
class ImageDataset:
    """A dataset's splits as tensors, with the constants needed to train on it.

    Images are uint8 ``[N, C, H, W]``; labels int64 ``[N]``. Augmentation and normalisation
    happen later, on whole batches on the training device. ``x_val``/``y_val`` are ``None``
    when no validation split was asked for. ``notes`` carries facts a report must show (for
    example that the data is a sample or a synthetic stand-in); ``origin`` says where it was read.
    """

    name: str
    classes: tuple[str, ...]
    mean: tuple[float, ...]
    std: tuple[float, ...]
    x_train: torch.Tensor
    y_train: torch.Tensor
    x_test: torch.Tensor
    y_test: torch.Tensor
    x_val: torch.Tensor | None = None
    y_val: torch.Tensor | None = None
    source: str = ""
    notes: tuple[str, ...] = field(default_factory=tuple)
    origin: dict = field(default_factory=dict)  # dataset, kind, path, samples: where the data came from

    @property
    def num_classes(self) -> int:
        """Number of classes (length of ``classes``)."""
        return len(self.classes)

    @property
    def in_channels(self) -> int:
        """Channels of every image (1 for grey, 3 for RGB)."""
        return int(self.x_train.shape[1])

    @property
    def image_size(self) -> tuple[int, int]:
        """(height, width) of every image."""
        return int(self.x_train.shape[2]), int(self.x_train.shape[3])

    def with_changes(self, **changes) -> ImageDataset:
        """A copy with some fields replaced."""
        return replace(self, **changes)

    def sizes(self) -> dict[str, int]:
        """Number of images per split (validation 0 when absent)."""
        return {
            "train": len(self.y_train),
            "val": 0 if self.y_val is None else len(self.y_val),
            "test": len(self.y_test),
        }
