"""VGG with batch norm (Simonyan and Zisserman 2015), built from a width table as in pytorch-cifar."""

from __future__ import annotations

from collections.abc import Sequence

import torch
from torch import nn

from helpers.models.registry import register_model

# Output channels of each 3x3 conv; "M" is a 2x2 max pool. Configuration E of the paper's Table 1.
VGG_TABLES: dict[str, tuple[int | str, ...]] = {
    "vgg19": (64, 64, "M", 128, 128, "M", 256, 256, 256, 256, "M",
              512, 512, 512, 512, "M", 512, 512, 512, 512, "M"),
}


class VGG(nn.Module):
    """3x3 conv + BatchNorm + ReLU stacks with 2x2 max pools, global average pool, one linear layer.

    The small-image classifier of pytorch-cifar: after five pools a 32-px image is 1x1x512, so the
    original's three 4096-wide layers are replaced by a single ``Linear(512, classes)`` (VGG19:
    20,040,522 parameters at 10 classes, study 3's "20M"). The max pools use ``ceil_mode=True`` so
    that a 28-px image reaches 1x1 (28 -> 14 -> 7 -> 4 -> 2 -> 1) instead of an empty map; this
    changes nothing for 32 px. ``AdaptiveAvgPool2d(1)`` makes larger inputs (64 px -> 2x2) work.
    Convs keep their bias, as in pytorch-cifar.
    """

    def __init__(self, table: Sequence[int | str], num_classes: int = 10, in_channels: int = 3) -> None:
        super().__init__()
        layers: list[nn.Module] = []
        channels = in_channels
        for item in table:
            if item == "M":
                layers.append(nn.MaxPool2d(2, stride=2, ceil_mode=True))
            else:
                layers += [nn.Conv2d(channels, int(item), kernel_size=3, padding=1),
                           nn.BatchNorm2d(int(item)), nn.ReLU(inplace=True)]
                channels = int(item)
        self.features = nn.Sequential(*layers)
        self.pool = nn.AdaptiveAvgPool2d(1)
        self.classifier = nn.Linear(channels, num_classes)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """Images ``[N, C, H, W]`` to logits ``[N, num_classes]``."""
        x = self.pool(self.features(x))  # [N, 512, 1, 1]
        return self.classifier(torch.flatten(x, 1))


@register_model("vgg19")
def vgg19(num_classes: int = 10, in_channels: int = 3) -> VGG:
    """VGG19 with batch norm and a one-layer classifier for small images."""
    return VGG(VGG_TABLES["vgg19"], num_classes=num_classes, in_channels=in_channels)
