"""AlexNet (Krizhevsky et al. 2012) adapted to small images, for studies 2 and 3."""

from __future__ import annotations

import torch
from torch import nn

from helpers.errors import InvalidConfigError
from helpers.models.registry import register_model


class AlexNet(nn.Module):
    """Five convs (64, 192, 384, 256, 256; ReLU; three max pools) and three linear layers
    (4096, 4096, classes; dropout before the first two), torchvision's single-GPU layout.

    Changes from the 224-px original, so that 28-, 32- and 64-px images keep spatial detail:

    - conv1 is 3x3 stride 1 padding 1 (original 11x11 stride 4 padding 2), since a 32-px image
      cannot afford a 4x reduction in its first layer;
    - the max pools are 2x2 stride 2 (original 3x3 stride 2), which halve 32 -> 16 -> 8 -> 4
      exactly (28 -> 14 -> 7 -> 3; 64 -> 8; 224 -> 28);
    - ``AdaptiveAvgPool2d(6)`` before the classifier (as in torchvision) maps any of these to the
      original's 256x6x6 classifier input, so the classifier, and the parameter count, are the
      original's: 57,023,306 at 10 classes and 3 channels, whatever the input size (study 3
      reports "56M"). On 32-px input the 4x4 map is spread over 6x6 overlapping bins.

    conv2 keeps its 5x5 kernel; conv layers keep their bias (no BatchNorm, as in the original).

    Args:
        dropout: the probability of both classifier Dropouts (0.5 in the original; study 3 trains
            with 0.0).
        classifier_width: the width of the two hidden linear layers (4096 in the original). A
            narrower classifier (the smoke profile's 512) costs a fraction of the original's 54 M
            classifier parameters per optimizer step, and learns in fewer steps.
    """

    def __init__(self, num_classes: int = 10, in_channels: int = 3, *, dropout: float = 0.5,
                 classifier_width: int = 4096) -> None:
        super().__init__()
        if not 0.0 <= dropout < 1.0:
            raise InvalidConfigError(f"dropout must be in [0, 1), got {dropout!r}")
        if isinstance(classifier_width, bool) or not isinstance(classifier_width, int) or classifier_width < 1:
            raise InvalidConfigError(f"classifier_width must be a positive integer, got {classifier_width!r}")
        width = classifier_width
        self.features = nn.Sequential(
            nn.Conv2d(in_channels, 64, kernel_size=3, padding=1), nn.ReLU(inplace=True), nn.MaxPool2d(2),
            nn.Conv2d(64, 192, kernel_size=5, padding=2), nn.ReLU(inplace=True), nn.MaxPool2d(2),
            nn.Conv2d(192, 384, kernel_size=3, padding=1), nn.ReLU(inplace=True),
            nn.Conv2d(384, 256, kernel_size=3, padding=1), nn.ReLU(inplace=True),
            nn.Conv2d(256, 256, kernel_size=3, padding=1), nn.ReLU(inplace=True), nn.MaxPool2d(2),
        )
        self.pool = nn.AdaptiveAvgPool2d(6)
        self.classifier = nn.Sequential(
            nn.Dropout(dropout), nn.Linear(256 * 6 * 6, width), nn.ReLU(inplace=True),
            nn.Dropout(dropout), nn.Linear(width, width), nn.ReLU(inplace=True),
            nn.Linear(width, num_classes),
        )

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """Images ``[N, C, H, W]`` (H, W >= 8) to logits ``[N, num_classes]``."""
        x = self.pool(self.features(x))  # [N, 256, 6, 6]
        return self.classifier(torch.flatten(x, 1))


@register_model("alexnet")
def alexnet(num_classes: int = 10, in_channels: int = 3, *, dropout: float = 0.5,
            classifier_width: int = 4096) -> AlexNet:
    """AlexNet for small images; ``dropout=0.0`` removes dropout (study 3), ``classifier_width``
    narrows the classifier (the smoke profile)."""
    return AlexNet(num_classes=num_classes, in_channels=in_channels, dropout=dropout,
                   classifier_width=classifier_width)
