"""A generated, learnable stand-in dataset of any size, for tests and pipeline checks.

Each class has a fixed random smooth prototype (random values on a coarse 4x4 grid, upsampled
bilinearly to the image size); each image is its class prototype shifted by up to ``max_shift``
pixels (wrapping round) plus Gaussian noise. Classes differ in their low-frequency pattern, so a
small CNN learns them well above chance within a couple of epochs, while the shifts and noise keep
it from being trivial.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F

from helpers.data.options import SYNTHETIC_DEFAULTS, synthetic_settings
from helpers.data.readers import Splits

__all__ = ["SYNTHETIC_DEFAULTS", "make_synthetic"]


def make_synthetic(options: dict | None = None, *, seed: int = 0) -> tuple[Splits, dict[str, int | float]]:
    """Generate the synthetic dataset; returns its splits and the full, validated option set.

    ``options`` may set any key of :data:`SYNTHETIC_DEFAULTS`; other keys raise
    :class:`~helpers.errors.UnknownNameError`, values out of range
    :class:`~helpers.errors.InvalidConfigError` (:func:`~helpers.data.options.synthetic_settings`).
    Same options and seed give identical data.
    """
    settings = synthetic_settings(options)
    generator = torch.Generator().manual_seed(seed)
    num_classes, size, channels = settings["num_classes"], settings["image_size"], settings["channels"]
    coarse = torch.rand(num_classes, channels, 4, 4, generator=generator)
    prototypes = F.interpolate(coarse, size=(size, size), mode="bilinear", align_corners=False)
    # Stretch each prototype to the full 0.1-0.9 range so classes differ in contrast, not just mean.
    low = prototypes.amin(dim=(1, 2, 3), keepdim=True)
    high = prototypes.amax(dim=(1, 2, 3), keepdim=True)
    prototypes = 0.1 + 0.8 * (prototypes - low) / (high - low).clamp_min(1e-6)

    tensors = []
    for count in (settings["train_size"], settings["test_size"]):
        labels = torch.arange(count) % num_classes  # as balanced as the count allows
        labels = labels[torch.randperm(count, generator=generator)]
        images = _shift(prototypes[labels], settings["max_shift"], generator)
        images = images + settings["noise"] * torch.randn(images.shape, generator=generator)
        tensors += [(images.clamp(0, 1) * 255).round().to(torch.uint8), labels]
    classes = tuple(f"class_{index}" for index in range(num_classes))
    return Splits(*tensors, classes=classes), settings


def _shift(images: torch.Tensor, max_shift: int, generator: torch.Generator) -> torch.Tensor:
    """Roll each image by its own random (dy, dx) in [-max_shift, max_shift], vectorised."""
    count, _, height, width = images.shape
    shifts = torch.randint(-max_shift, max_shift + 1, (2, count), generator=generator)
    rows = (torch.arange(height).view(1, height) - shifts[0].view(count, 1)) % height  # [N, H]
    cols = (torch.arange(width).view(1, width) - shifts[1].view(count, 1)) % width  # [N, W]
    batch = torch.arange(count).view(count, 1, 1, 1)
    channel = torch.arange(images.shape[1]).view(1, -1, 1, 1)
    return images[batch, channel, rows[:, None, :, None], cols[:, None, None, :]]
