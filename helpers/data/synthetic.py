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

from helpers.data.readers import Splits
from helpers.errors import UnknownNameError

SYNTHETIC_DEFAULTS: dict[str, int | float] = {
    "num_classes": 10,
    "image_size": 32,
    "channels": 3,
    "train_size": 2000,
    "test_size": 500,
    "max_shift": 2,  # pixels, each direction
    "noise": 0.1,  # std of the added noise, 0-1 scale
}


def make_synthetic(options: dict | None = None, *, seed: int = 0) -> tuple[Splits, dict[str, int | float]]:
    """Generate the synthetic dataset; returns its splits and the full, validated option set.

    ``options`` may set any key of :data:`SYNTHETIC_DEFAULTS`; other keys raise
    :class:`~helpers.errors.UnknownNameError`. Same options and seed give identical data.
    """
    settings = {**SYNTHETIC_DEFAULTS}
    for key, value in (options or {}).items():
        if key not in SYNTHETIC_DEFAULTS:
            raise UnknownNameError("synthetic option", key, SYNTHETIC_DEFAULTS)
        settings[key] = value
    for key in ("num_classes", "image_size", "channels", "train_size", "test_size"):
        if not isinstance(settings[key], int) or isinstance(settings[key], bool) or settings[key] < 1:
            raise ValueError(f"synthetic option {key}={settings[key]!r} must be a positive integer")
    if not isinstance(settings["max_shift"], int) or settings["max_shift"] < 0:
        raise ValueError(f"synthetic option max_shift={settings['max_shift']!r} must be an integer >= 0")
    if not 0 <= settings["noise"] < 1:
        raise ValueError(f"synthetic option noise={settings['noise']!r} must be in [0, 1)")

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
