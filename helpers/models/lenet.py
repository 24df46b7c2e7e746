"""LeNet-5 (LeCun et al. 1998) with today's usual ReLU and max pooling, for study 2."""

from __future__ import annotations

import torch
from torch import nn

from helpers.models.registry import register_model


class LeNet5(nn.Module):
    """conv 5x5 (6) -> max pool 2 -> conv 5x5 (16) -> max pool 2 -> 120 -> 84 -> classes.

    Input size: LeNet-5 reads a 32x32 field, into which LeCun placed the 28x28 MNIST digits. Here
    conv1 has padding 2, which is exactly that on 28-px input (28 -> 28 -> 14 -> 10 -> 5, the
    classic 16x5x5 features), and an ``AdaptiveAvgPool2d(5)`` before the classifier keeps the
    16x5x5 = 400 features for other sizes: a 32-px CIFAR image gives a 6x6 map, averaged to 5x5
    (overlapping 2x2 windows). The parameter count is therefore independent of the input size:
    61,706 for 1 channel and 62,006 for 3 channels at 10 classes.

    Deviations from the 1998 paper, as in most modern re-implementations: ReLU instead of scaled
    tanh, max pooling instead of trainable average sub-sampling, full C3 connectivity, and a linear
    output layer instead of RBF units.
    """

    def __init__(self, num_classes: int = 10, in_channels: int = 3) -> None:
        super().__init__()
        self.features = nn.Sequential(
            nn.Conv2d(in_channels, 6, kernel_size=5, padding=2), nn.ReLU(inplace=True), nn.MaxPool2d(2),
            nn.Conv2d(6, 16, kernel_size=5), nn.ReLU(inplace=True), nn.MaxPool2d(2),
        )
        self.pool = nn.AdaptiveAvgPool2d(5)  # identity on 28-px input
        self.classifier = nn.Sequential(
            nn.Linear(16 * 5 * 5, 120), nn.ReLU(inplace=True),
            nn.Linear(120, 84), nn.ReLU(inplace=True),
            nn.Linear(84, num_classes),
        )

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """Images ``[N, C, H, W]`` (H, W >= 12) to logits ``[N, num_classes]``."""
        x = self.pool(self.features(x))  # [N, 16, 5, 5]
        return self.classifier(torch.flatten(x, 1))


@register_model("lenet5")
def lenet5(num_classes: int = 10, in_channels: int = 3) -> LeNet5:
    """LeNet-5 for 28-px (MNIST, ``in_channels=1``) or 32-px (CIFAR) images."""
    return LeNet5(num_classes=num_classes, in_channels=in_channels)
