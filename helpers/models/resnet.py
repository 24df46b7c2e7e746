"""ResNets (He et al. 2016) as one configurable class; every published variant is a set of flags.

The blocks follow torchvision (convs without bias, each followed by BatchNorm; Kaiming init) and
pytorch-cifar (ReLU applied functionally, shortcut computed after the residual branch), so that
:func:`helpers.models.summary` of study 5's two models reproduces the rows of its Figures 2 and 3.
"""

from __future__ import annotations

import inspect
from collections.abc import Sequence
from typing import Any

import torch
import torch.nn.functional as F
from torch import nn

from helpers.errors import InvalidConfigError, check_choice
from helpers.models.registry import check_options, register_model

STEMS = ("cifar", "imagenet", "deep")
BLOCK_TYPES = ("basic", "bottleneck")


def _conv3x3(in_channels: int, out_channels: int, stride: int = 1) -> nn.Conv2d:
    return nn.Conv2d(in_channels, out_channels, kernel_size=3, stride=stride, padding=1, bias=False)


def _conv1x1(in_channels: int, out_channels: int, stride: int = 1) -> nn.Conv2d:
    return nn.Conv2d(in_channels, out_channels, kernel_size=1, stride=stride, bias=False)


def _shortcut(in_channels: int, out_channels: int, stride: int, avg_down: bool) -> nn.Sequential | None:
    """Projection shortcut when the block changes shape; ``None`` (identity) otherwise."""
    if stride == 1 and in_channels == out_channels:
        return None
    if avg_down and stride > 1:
        # Tweak D: a strided 1x1 conv ignores 3 of every 4 inputs; average them first instead.
        return nn.Sequential(
            nn.AvgPool2d(2, stride=stride, ceil_mode=True, count_include_pad=False),
            _conv1x1(in_channels, out_channels),
            nn.BatchNorm2d(out_channels),
        )
    return nn.Sequential(_conv1x1(in_channels, out_channels, stride), nn.BatchNorm2d(out_channels))


class BasicBlock(nn.Module):
    """Two 3x3 convs plus shortcut (ResNet-18/34). ``dropout`` > 0 adds Dropout between them
    (study 5). ``stride_in_3x3`` is accepted for a uniform block signature and has no effect: the
    only stride sits on the first 3x3 conv."""

    expansion = 1

    def __init__(self, in_channels: int, width: int, stride: int = 1, *, downsample: nn.Module | None = None,
                 dropout: float = 0.0, stride_in_3x3: bool = False) -> None:
        super().__init__()
        self.conv1 = _conv3x3(in_channels, width, stride)
        self.bn1 = nn.BatchNorm2d(width)
        self.dropout = nn.Dropout(dropout) if dropout > 0 else None  # no module, no summary row
        self.conv2 = _conv3x3(width, width)
        self.bn2 = nn.BatchNorm2d(width)
        self.downsample = downsample

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """Return relu(branch(x) + shortcut(x))."""
        out = F.relu(self.bn1(self.conv1(x)))
        if self.dropout is not None:
            out = self.dropout(out)
        out = self.bn2(self.conv2(out))
        shortcut = x if self.downsample is None else self.downsample(x)
        return F.relu(out + shortcut)


class Bottleneck(nn.Module):
    """1x1 reduce, 3x3, 1x1 expand (x4) plus shortcut (ResNet-50/101/152).

    ``stride_in_3x3=False`` puts a downsampling block's stride on the first 1x1 conv (original
    paper, study 4's Model-A); ``True`` puts it on the 3x3 conv (tweak B, torchvision's "v1.5").
    ``dropout`` > 0 adds Dropout before the last 1x1 conv.
    """

    expansion = 4

    def __init__(self, in_channels: int, width: int, stride: int = 1, *, downsample: nn.Module | None = None,
                 dropout: float = 0.0, stride_in_3x3: bool = False) -> None:
        super().__init__()
        stride_1x1, stride_3x3 = (1, stride) if stride_in_3x3 else (stride, 1)
        out_channels = width * self.expansion
        self.conv1 = _conv1x1(in_channels, width, stride_1x1)
        self.bn1 = nn.BatchNorm2d(width)
        self.conv2 = _conv3x3(width, width, stride_3x3)
        self.bn2 = nn.BatchNorm2d(width)
        self.dropout = nn.Dropout(dropout) if dropout > 0 else None
        self.conv3 = _conv1x1(width, out_channels)
        self.bn3 = nn.BatchNorm2d(out_channels)
        self.downsample = downsample

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """Return relu(branch(x) + shortcut(x))."""
        out = F.relu(self.bn1(self.conv1(x)))
        out = F.relu(self.bn2(self.conv2(out)))
        if self.dropout is not None:
            out = self.dropout(out)
        out = self.bn3(self.conv3(out))
        shortcut = x if self.downsample is None else self.downsample(x)
        return F.relu(out + shortcut)


def _make_stem(kind: str, in_channels: int, width: int) -> nn.Sequential:
    """Stem convs and BatchNorms; the final ReLU (and max pool) are applied by ``ResNet``."""
    if kind == "cifar":
        return nn.Sequential(_conv3x3(in_channels, width), nn.BatchNorm2d(width))
    if kind == "imagenet":
        conv = nn.Conv2d(in_channels, width, kernel_size=7, stride=2, padding=3, bias=False)
        return nn.Sequential(conv, nn.BatchNorm2d(width))
    half = width // 2  # tweak C: 32-32-64 for the standard width 64
    return nn.Sequential(
        _conv3x3(in_channels, half, stride=2), nn.BatchNorm2d(half), nn.ReLU(inplace=True),
        _conv3x3(half, half), nn.BatchNorm2d(half), nn.ReLU(inplace=True),
        _conv3x3(half, width), nn.BatchNorm2d(width),
    )


class ResNet(nn.Module):
    """A ResNet whose published variants are flags; all arguments are keyword-only.

    | paper variant (study)                  | entry point       | flags                                   |
    | -------------------------------------- | ----------------- | --------------------------------------- |
    | ResNet-18/34/50, CIFAR stem (1, 3)     | resnet18/34/50    | (defaults: ``stem="cifar"``)            |
    | ResNet-18/50 as described (1, `paper`) | resnet18/50       | ``stem="imagenet"``                     |
    | Model-A, original ResNet-50 (4)        | resnet50          | ``stem="imagenet"``                     |
    | Model-B (4; torchvision's "v1.5")      | resnet50          | ``stem="imagenet", stride_in_3x3=True`` |
    | Model-C (4)                            | resnet50          | ``stem="deep"`` (3x3 convs 32-32-64)    |
    | Model-D (4)                            | resnet50          | ``stem="imagenet", avg_down=True``      |
    | "ResNet18", Figure 2 (5)               | resnet18_narrow   | ``widths=(42, 84, 168, 336)``,          |
    |                                        |                   | ``dropout=0.15``, ``pool_module=False`` |
    | "ResNetLarge", Figure 3 (5)            | resnet_large      | ``blocks=(1, 1, 1, 1)``                 |

    Every entry point defaults to ``stem="cifar"`` and ``stride_in_3x3=False`` (the studies train
    on 32-px images; the original paper strides the first 1x1) and accepts every flag below.
    Bag of Tricks (He et al. 2019) describes B, C and D each on top of its predecessor; here each
    is an independent switch, so any combination can be built.

    Args:
        block: ``"basic"`` (two 3x3 convs) or ``"bottleneck"`` (1x1-3x3-1x1, 4x expansion).
        blocks: blocks per stage; stages after the first halve the resolution.
        widths: channels per stage (before bottleneck expansion); ``widths[0]`` is the stem width.
        num_classes: outputs of the linear head.
        in_channels: image channels (1 for MNIST-like data).
        stem: ``"cifar"`` (3x3 stride 1, no max pool), ``"imagenet"`` (7x7 stride 2 + 3x3 max pool
            stride 2) or ``"deep"`` (three 3x3 convs, the first stride 2, + max pool).
        stride_in_3x3: Bottleneck only: stride on the 3x3 conv rather than the first 1x1.
        avg_down: shortcuts of downsampling blocks average-pool 2x2 then 1x1 conv stride 1.
        dropout: Dropout probability between the convs of each block; 0 adds no module.
        zero_init_residual: start each block's last BatchNorm at zero (block = identity).
        pool_module: hold the global average pool as an ``nn.AdaptiveAvgPool2d`` module, which
            :func:`~helpers.models.summary` lists as a row (Figure 3), or call it functionally
            (no row, Figure 2). Outputs and parameters are identical.
    """

    def __init__(self, *, block: str = "basic", blocks: Sequence[int] = (2, 2, 2, 2),
                 widths: Sequence[int] = (64, 128, 256, 512), num_classes: int = 10, in_channels: int = 3,
                 stem: str = "cifar", stride_in_3x3: bool = False, avg_down: bool = False,
                 dropout: float = 0.0, zero_init_residual: bool = False, pool_module: bool = True) -> None:
        super().__init__()
        check_choice("block", block, BLOCK_TYPES)
        check_choice("stem", stem, STEMS)
        blocks, widths = tuple(blocks), tuple(widths)
        if not blocks or len(blocks) != len(widths) or not all(isinstance(n, int) and n > 0 for n in blocks + widths):
            raise InvalidConfigError(f"blocks and widths must be equally long sequences of positive integers, "
                                     f"got blocks={blocks}, widths={widths}")
        if isinstance(dropout, bool) or not isinstance(dropout, (int, float)) or not 0.0 <= dropout < 1.0:
            raise InvalidConfigError(f"dropout must be a number in [0, 1), got {dropout!r}")
        flags = {"stride_in_3x3": stride_in_3x3, "avg_down": avg_down, "zero_init_residual": zero_init_residual,
                 "pool_module": pool_module}
        for flag, value in flags.items():
            if not isinstance(value, bool):
                raise InvalidConfigError(f"{flag} must be True or False, got {value!r}")
        block_class = BasicBlock if block == "basic" else Bottleneck
        self.stem = _make_stem(stem, in_channels, widths[0])
        self.stem_pool = nn.MaxPool2d(3, stride=2, padding=1) if stem != "cifar" else None
        channels = widths[0]
        stages = []
        for index, (num_blocks, width) in enumerate(zip(blocks, widths)):
            stage, channels = self._make_layer(block_class, channels, width, num_blocks, stride=1 if index == 0 else 2,
                                               avg_down=avg_down, dropout=dropout, stride_in_3x3=stride_in_3x3)
            stages.append(stage)
        self.stages = nn.Sequential(*stages)
        self.pool = nn.AdaptiveAvgPool2d(1) if pool_module else None
        self.num_features = channels
        self.fc = nn.Linear(channels, num_classes)
        self._init_weights(zero_init_residual)

    @staticmethod
    def _make_layer(block_class: type[BasicBlock | Bottleneck], in_channels: int, width: int, num_blocks: int,
                    *, stride: int, avg_down: bool, dropout: float, stride_in_3x3: bool) -> tuple[nn.Sequential, int]:
        """One stage: a (possibly downsampling) first block, then ``num_blocks - 1`` plain ones."""
        out_channels = width * block_class.expansion
        layers = []
        for index in range(num_blocks):
            block_stride = stride if index == 0 else 1
            layers.append(block_class(in_channels, width, block_stride,
                                      downsample=_shortcut(in_channels, out_channels, block_stride, avg_down),
                                      dropout=dropout, stride_in_3x3=stride_in_3x3))
            in_channels = out_channels
        return nn.Sequential(*layers), out_channels

    def _init_weights(self, zero_init_residual: bool) -> None:
        """torchvision's initialisation: Kaiming-normal (fan-out) convs, BatchNorm at (1, 0)."""
        for module in self.modules():
            if isinstance(module, nn.Conv2d):
                nn.init.kaiming_normal_(module.weight, mode="fan_out", nonlinearity="relu")
            elif isinstance(module, nn.BatchNorm2d):
                nn.init.ones_(module.weight)
                nn.init.zeros_(module.bias)
        if zero_init_residual:  # Goyal et al. 2017: each residual branch starts at zero
            for module in self.modules():
                if isinstance(module, Bottleneck):
                    nn.init.zeros_(module.bn3.weight)
                elif isinstance(module, BasicBlock):
                    nn.init.zeros_(module.bn2.weight)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """Images ``[N, C, H, W]`` to logits ``[N, num_classes]``."""
        x = F.relu(self.stem(x))
        if self.stem_pool is not None:
            x = self.stem_pool(x)  # imagenet/deep stems: H/4 x W/4 before stage 1
        x = self.stages(x)
        x = self.pool(x) if self.pool is not None else F.adaptive_avg_pool2d(x, 1)  # [N, C, 1, 1]
        return self.fc(torch.flatten(x, 1))  # [N, num_classes]


# Options every entry point accepts (ResNet's keyword arguments other than the two create_model passes).
RESNET_OPTIONS = tuple(name for name in inspect.signature(ResNet.__init__).parameters
                       if name not in ("self", "num_classes", "in_channels"))


def _build(name: str, num_classes: int, in_channels: int, options: dict[str, Any], **defaults: Any) -> ResNet:
    """Build ``ResNet(**defaults)`` with the caller's ``options`` taking precedence."""
    check_options(f"model {name!r}", options, RESNET_OPTIONS)
    return ResNet(**{**defaults, **options}, num_classes=num_classes, in_channels=in_channels)


@register_model("resnet18")
def resnet18(num_classes: int = 10, in_channels: int = 3, **options: Any) -> ResNet:
    """ResNet-18: BasicBlocks [2, 2, 2, 2], widths 64-512 (11,173,962 parameters, CIFAR stem)."""
    return _build("resnet18", num_classes, in_channels, options, block="basic", blocks=(2, 2, 2, 2))


@register_model("resnet34")
def resnet34(num_classes: int = 10, in_channels: int = 3, **options: Any) -> ResNet:
    """ResNet-34: BasicBlocks [3, 4, 6, 3], widths 64-512."""
    return _build("resnet34", num_classes, in_channels, options, block="basic", blocks=(3, 4, 6, 3))


@register_model("resnet50")
def resnet50(num_classes: int = 10, in_channels: int = 3, **options: Any) -> ResNet:
    """ResNet-50: Bottlenecks [3, 4, 6, 3] (study 4's Model-A with ``stem="imagenet"``)."""
    return _build("resnet50", num_classes, in_channels, options, block="bottleneck", blocks=(3, 4, 6, 3))


@register_model("resnet101")
def resnet101(num_classes: int = 10, in_channels: int = 3, **options: Any) -> ResNet:
    """ResNet-101: Bottlenecks [3, 4, 23, 3]."""
    return _build("resnet101", num_classes, in_channels, options, block="bottleneck", blocks=(3, 4, 23, 3))


@register_model("resnet152")
def resnet152(num_classes: int = 10, in_channels: int = 3, **options: Any) -> ResNet:
    """ResNet-152: Bottlenecks [3, 8, 36, 3]."""
    return _build("resnet152", num_classes, in_channels, options, block="bottleneck", blocks=(3, 8, 36, 3))


@register_model("resnet18_narrow")
def resnet18_narrow(num_classes: int = 10, in_channels: int = 3, **options: Any) -> ResNet:
    """Study 5's "ResNet18" (Figure 2): BasicBlocks [2, 2, 2, 2], widths 42-336, dropout 0.15
    between the convs of each block, functional global pool: 4,815,940 parameters."""
    return _build("resnet18_narrow", num_classes, in_channels, options, block="basic", blocks=(2, 2, 2, 2),
                  widths=(42, 84, 168, 336), dropout=0.15, pool_module=False)


@register_model("resnet_large")
def resnet_large(num_classes: int = 10, in_channels: int = 3, **options: Any) -> ResNet:
    """Study 5's "ResNetLarge" (Figure 3): BasicBlocks [1, 1, 1, 1], widths 64-512, global pool
    module: 4,903,242 parameters."""
    return _build("resnet_large", num_classes, in_channels, options, block="basic", blocks=(1, 1, 1, 1))
