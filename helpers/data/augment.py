"""Whole-batch augmentation on the images' own device: no PIL, no per-image Python loops.

Each policy is one function, named in the table :data:`AUGMENTATIONS` that configs are checked
against; :func:`augment_batch` applies a policy by name.

Randomness contract: every random number comes from ``generator`` (or torch's global generator
when it is None). Numbers are drawn on the generator's device and moved to the images' device, so
a CUDA generator with CUDA images and a CPU generator with CPU (or CUDA) images both work; a
CUDA generator needs CUDA to exist. Same generator state and inputs give identical outputs.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence

import torch
import torch.nn.functional as F

from helpers.errors import check_choice

# The strengths of ``crop_flip_affine_jitter``, study 5's training augmentation. The paper names the
# transforms but not their strengths except the 10-degree rotation; the rest are the usual
# torchvision values, chosen here.
AFFINE_ROTATION_DEGREES = 10.0  # paper: "rotation up to 10 degrees"
AFFINE_TRANSLATE = 0.1  # fraction of width/height, as torchvision RandomAffine(translate=(0.1, 0.1))
JITTER_BRIGHTNESS = 0.2  # factors drawn from [0.8, 1.2], as torchvision ColorJitter(0.2, 0.2, 0.2, 0.1)
JITTER_CONTRAST = 0.2
JITTER_SATURATION = 0.2
JITTER_HUE = 0.1  # fraction of a full turn of hue
_GAMMA_CANDIDATES = 16  # proposals per gamma sample; all 16 rejected has probability below 1e-20

_GREY_WEIGHTS = (0.299, 0.587, 0.114)  # ITU-R 601 luma, as torchvision's rgb_to_grayscale
# RGB -> YIQ (NTSC); Y is the luma above. A hue shift is a rotation of the (I, Q) chroma plane: a
# vectorised stand-in for torchvision's HSV hue shift, close to it for the small angles used here.
_RGB_TO_YIQ = (_GREY_WEIGHTS, (0.596, -0.274, -0.322), (0.211, -0.523, 0.312))

# A policy: uint8 [B, C, H, W] images (B >= 1), crop_padding and generator -> float32 [B, C, H, W] in [0, 1].
Augmentation = Callable[..., torch.Tensor]


def no_augmentation(images: torch.Tensor, *, crop_padding: int, generator: torch.Generator | None) -> torch.Tensor:
    """Policy ``none``: pixels / 255 (``crop_padding`` and ``generator`` are not used)."""
    return images.float().div_(255)


def flip(images: torch.Tensor, *, crop_padding: int, generator: torch.Generator | None) -> torch.Tensor:
    """Policy ``flip``: horizontal flip with probability 0.5 per image (``crop_padding`` is not used)."""
    return _crop_flip(images, 0, generator).float().div_(255)


def crop_flip(images: torch.Tensor, *, crop_padding: int, generator: torch.Generator | None) -> torch.Tensor:
    """Policy ``crop_flip``: random crop back to H x W from the image zero-padded by
    ``crop_padding`` on every side (each image moved by up to ``crop_padding`` pixels), then
    ``flip``. The geometry runs on uint8 (4x less memory traffic than float), as one gather."""
    return _crop_flip(images, crop_padding, generator).float().div_(255)


def crop(images: torch.Tensor, *, crop_padding: int, generator: torch.Generator | None) -> torch.Tensor:
    """Policy ``crop``: the random crop of ``crop_flip`` without the flip, for images whose mirror
    is another class or no real image (digits, clothing photographed one way)."""
    return _crop_flip(images, crop_padding, generator, flips=False).float().div_(255)


def crop_flip_affine_jitter(images: torch.Tensor, *, crop_padding: int,
                            generator: torch.Generator | None) -> torch.Tensor:
    """Policy ``crop_flip_affine_jitter`` (study 5's; its old name ``study5`` is an alias).

    Random crop (``crop_padding``), flip, rotation up to 10 degrees and translation up to 10 % of
    the size, composed into one affine warp per image (one bilinear ``grid_sample``, zero fill);
    then colour jitter in a fixed order: brightness, contrast (each clamped to [0, 1]), then
    saturation and hue as one 3x3 colour matrix per image (hue as a rotation of the YIQ chroma
    plane, a vectorised stand-in for torchvision's HSV shift). Grey images get brightness and
    contrast only.
    """
    warped = _warp(images.float(), crop_padding, generator)  # still on the 0-255 scale
    return _color_jitter(warped, generator, scale=1 / 255)


# Every policy by name: a new augmentation is one function above and one entry here.
AUGMENTATIONS: dict[str, Augmentation] = {
    "none": no_augmentation,
    "flip": flip,
    "crop": crop,
    "crop_flip": crop_flip,
    "crop_flip_affine_jitter": crop_flip_affine_jitter,
}
# ``auto`` picks by dataset: no mirror images of digits or of Fashion-MNIST's one-way photographs
# (a mirrored "2" is no digit), crop and flip for natural photographs. Digits get none at all: on
# 10,000 MNIST images for 2 epochs LeNet-5 reached 97.4 % without and 95.6 % with random crops.
AUTO_AUGMENTATION = {"mnist": "none", "fashion_mnist": "crop", "synthetic": "none"}
AUTO_DEFAULT = "crop_flip"
# Earlier names of the policies above, still accepted (and kept as written in a config) so that
# saved specs and checkpoints load, resume and train identically.
AUGMENTATION_ALIASES: dict[str, str] = {"study5": "crop_flip_affine_jitter"}


def augmentation_names() -> tuple[str, ...]:
    """Every accepted augmentation name: ``auto``, the policies of :data:`AUGMENTATIONS`, then the aliases."""
    return ("auto", *AUGMENTATIONS, *AUGMENTATION_ALIASES)


def resolve_augmentation(policy: str, dataset: str) -> str:
    """The policy that ``policy`` means for ``dataset``: ``auto`` becomes the dataset's choice
    (:data:`AUTO_AUGMENTATION`), any other name stays as it is."""
    check_choice("augmentation", policy, augmentation_names())
    return AUTO_AUGMENTATION.get(dataset, AUTO_DEFAULT) if policy == "auto" else policy


def augment_batch(
    images: torch.Tensor,
    policy: str,
    *,
    crop_padding: int = 4,
    generator: torch.Generator | None = None,
) -> torch.Tensor:
    """Augment a uint8 ``[B, C, H, W]`` batch by the ``policy`` of that name in
    :data:`AUGMENTATIONS` (or :data:`AUGMENTATION_ALIASES`); returns float32 ``[B, C, H, W]`` in [0, 1].

    ``crop_padding`` is the largest shift of the policies that crop.
    """
    check_choice("augmentation", policy, (*AUGMENTATIONS, *AUGMENTATION_ALIASES))
    if images.dtype != torch.uint8 or images.ndim != 4:
        raise ValueError(f"images must be uint8 [B, C, H, W], got {images.dtype} of shape {tuple(images.shape)}")
    if isinstance(crop_padding, bool) or not isinstance(crop_padding, int) or crop_padding < 0:
        raise ValueError(f"crop_padding={crop_padding!r} must be an integer >= 0")
    if images.shape[0] == 0:
        return images.float().div_(255)
    augmentation = AUGMENTATIONS[AUGMENTATION_ALIASES.get(policy, policy)]
    return augmentation(images, crop_padding=crop_padding, generator=generator)


def normalize(images: torch.Tensor, mean: Sequence[float], std: Sequence[float], *,
              memory_format: torch.memory_format = torch.contiguous_format) -> torch.Tensor:
    """``(images - mean) / std`` per channel for float ``[..., C, H, W]``; one value applies to all
    channels. Computed as one fused multiply-add written straight into ``memory_format``."""
    if not images.is_floating_point():
        raise TypeError(f"normalize expects float images in [0, 1], got {images.dtype}; use augment_batch first")
    channels = images.shape[-3]
    if len(mean) not in (1, channels) or len(std) not in (1, channels):
        raise ValueError(f"mean/std of lengths {len(mean)}/{len(std)} do not fit {channels} channel(s)")
    scale = 1 / torch.as_tensor(std, dtype=torch.float64)
    shift = -torch.as_tensor(mean, dtype=torch.float64) * scale
    scale, shift = (value.to(images.dtype).to(images.device).view(-1, 1, 1) for value in (scale, shift))
    if images.ndim != 4:
        memory_format = torch.contiguous_format  # channels_last is defined for 4-d tensors only
    output = torch.empty_like(images, memory_format=memory_format)
    return torch.addcmul(shift, images, scale, out=output)


def mixup(
    images: torch.Tensor,
    labels: torch.Tensor,
    alpha: float,
    generator: torch.Generator | None = None,
) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor, torch.Tensor]:
    """Mixup (Zhang et al. 2018): ``lam * images + (1 - lam) * images[perm]``, one ``lam`` and one
    permutation per batch; returns ``(mixed_images, labels, labels[perm], lam)``.

    ``lam ~ Beta(alpha, alpha)`` is a 0-dim float32 tensor on the images' device (no host sync);
    the loss is ``lam * loss(labels_a) + (1 - lam) * loss(labels_b)``. ``labels`` may be class
    indices or one-hot/soft rows.
    """
    if not alpha > 0:
        raise ValueError(f"mixup alpha={alpha!r} must be > 0 (0 means no mixup: do not call mixup)")
    lam = _sample_beta(alpha, 1, generator, images.device)[0]
    perm = torch.randperm(images.shape[0], generator=generator, device=_source_device(generator, images.device))
    perm = perm.to(images.device)
    mixed = lam.to(images.dtype) * images + (1 - lam.to(images.dtype)) * images[perm]
    return mixed, labels, labels[perm.to(labels.device)], lam


def _source_device(generator: torch.Generator | None, device: torch.device) -> torch.device:
    return generator.device if generator is not None else device


def _uniform(count: int, low: float, high: float, generator, device) -> torch.Tensor:
    values = torch.rand(count, generator=generator, device=_source_device(generator, device))
    return (low + (high - low) * values).to(device)


def _randint(high: int, shape: tuple[int, ...], generator, device) -> torch.Tensor:
    values = torch.randint(0, high, shape, generator=generator, device=_source_device(generator, device))
    return values.to(device)


def _crop_flip(images: torch.Tensor, padding: int, generator, *, flips: bool = True) -> torch.Tensor:
    """Random crop from the zero-padded image plus horizontal flip (p 0.5; none without ``flips``),
    as one gather.

    Output pixel (y, x) of image b reads padded pixel (dy_b + y, dx_b + x), or column
    dx_b + W - 1 - x when b is flipped: the flip of the crop.
    """
    batch, channels, height, width = images.shape
    padded = F.pad(images, (padding,) * 4) if padding else images  # [B, C, H+2p, W+2p]
    padded_width = width + 2 * padding
    offsets = _randint(2 * padding + 1, (2, batch), generator, images.device)  # [2, B]: dy, dx in [0, 2p]
    flip = _uniform(batch, 0.0, 1.0, generator, images.device) < 0.5
    flip &= flips
    columns = torch.arange(width, device=images.device)
    columns = torch.where(flip.view(batch, 1), width - 1 - columns, columns) + offsets[1].view(batch, 1)  # [B, W]
    rows = torch.arange(height, device=images.device) + offsets[0].view(batch, 1)  # [B, H]
    index = (rows[:, :, None] * padded_width + columns[:, None, :]).view(batch, 1, height * width)
    flat = padded.reshape(batch, channels, -1).gather(2, index.expand(batch, channels, height * width))
    return flat.view(batch, channels, height, width)


def _warp(images: torch.Tensor, padding: int, generator) -> torch.Tensor:
    """Crop shift, flip, rotation and translation composed into one affine map per image.

    With sampling maps (output -> input, in affine_grid's [-1, 1] coordinates) the image after
    crop o, flip F and rotation+translation (R, t) reads the input at F (R u + t) + o.
    """
    batch, _, height, width = images.shape
    device = images.device
    crop = _randint(2 * padding + 1, (2, batch), generator, device).to(images.dtype) - padding  # pixels
    flip_sign = torch.where(_uniform(batch, 0.0, 1.0, generator, device) < 0.5, -1.0, 1.0).to(images.dtype)
    angle = _uniform(batch, -AFFINE_ROTATION_DEGREES, AFFINE_ROTATION_DEGREES, generator, device) * (math.pi / 180)
    # A shift of t image-widths is 2t in [-1, 1] coordinates; crop offsets are in pixels.
    shift_x = 2 * _uniform(batch, -AFFINE_TRANSLATE, AFFINE_TRANSLATE, generator, device)
    shift_y = 2 * _uniform(batch, -AFFINE_TRANSLATE, AFFINE_TRANSLATE, generator, device)
    cos, sin = angle.cos(), angle.sin()
    row_x = (flip_sign * cos, -flip_sign * sin * height / width, flip_sign * shift_x + 2 * crop[1] / width)
    row_y = (sin * width / height, cos, shift_y + 2 * crop[0] / height)
    # [B, 2, 3]; the aspect factors keep rotations rigid on non-square images
    theta = torch.stack((torch.stack(row_x, 1), torch.stack(row_y, 1)), dim=1)
    grid = F.affine_grid(theta, list(images.shape), align_corners=False)
    return F.grid_sample(images, grid, mode="bilinear", padding_mode="zeros", align_corners=False)


def _color_jitter(images: torch.Tensor, generator, *, scale: float = 1.0) -> torch.Tensor:
    """Brightness, contrast, then saturation+hue, one random factor of each per image, in place.

    ``scale`` multiplies the input first (1/255 turns 0-255 pixels into [0, 1] in the same pass).
    """
    batch, channels = images.shape[:2]
    device = images.device

    def factor(amount: float) -> torch.Tensor:
        return _uniform(batch, max(0.0, 1 - amount), 1 + amount, generator, device)

    images = images.mul_((factor(JITTER_BRIGHTNESS) * scale).view(batch, 1, 1, 1)).clamp_(0, 1)
    contrast = factor(JITTER_CONTRAST).view(batch, 1, 1, 1)
    channel_means = images.mean(dim=(2, 3))  # [B, C]; the grey mean is their weighted sum
    if channels == 3:
        grey_mean = channel_means @ torch.tensor(_GREY_WEIGHTS, dtype=images.dtype, device=device)
    else:
        grey_mean = channel_means.mean(dim=1)
    grey_mean = grey_mean.view(batch, 1, 1, 1)
    images = images.sub_(grey_mean).mul_(contrast).add_(grey_mean).clamp_(0, 1)
    if channels != 3:
        return images
    saturation = factor(JITTER_SATURATION)
    matrices = _hue_matrices(_uniform(batch, -JITTER_HUE, JITTER_HUE, generator, device), images.dtype) @ (
        _saturation_matrices(saturation, images.dtype)
    )  # [B, 3, 3]
    mixed = torch.bmm(matrices, images.reshape(batch, 3, -1))  # [B, 3, H*W]
    return mixed.view_as(images).clamp_(0, 1)


def _saturation_matrices(saturation: torch.Tensor, dtype: torch.dtype) -> torch.Tensor:
    """s * I + (1 - s) * (grey weights in every row): blends each pixel with its grey value."""
    eye = torch.eye(3, dtype=dtype, device=saturation.device)
    grey_rows = torch.tensor(_GREY_WEIGHTS, dtype=dtype, device=saturation.device).expand(3, 3)
    s = saturation.to(dtype).view(-1, 1, 1)
    return s * eye + (1 - s) * grey_rows


def _hue_matrices(turns: torch.Tensor, dtype: torch.dtype) -> torch.Tensor:
    """Per image, the RGB -> RGB matrix that rotates the YIQ chroma plane by ``turns`` of a circle."""
    device = turns.device
    to_yiq = torch.tensor(_RGB_TO_YIQ, dtype=torch.float64)
    yiq_pair = (torch.linalg.inv(to_yiq), to_yiq)  # 3x3 on the CPU, then moved: no device sync
    from_yiq, to_yiq = (matrix.to(device=device, dtype=dtype) for matrix in yiq_pair)
    angle = 2 * math.pi * turns.to(dtype)
    cos, sin = angle.cos(), angle.sin()
    one, zero = torch.ones_like(cos), torch.zeros_like(cos)
    rotation = torch.stack((one, zero, zero, zero, cos, -sin, zero, sin, cos), dim=1).view(-1, 3, 3)
    return from_yiq @ rotation @ to_yiq  # [B, 3, 3]


def _sample_beta(alpha: float, count: int, generator, device) -> torch.Tensor:
    """``count`` draws of Beta(alpha, alpha) as G1 / (G1 + G2) with gamma draws from ``generator``."""
    log_first = _log_gamma_sample(alpha, count, generator, device)
    log_second = _log_gamma_sample(alpha, count, generator, device)
    return torch.sigmoid(log_first - log_second)  # = G1 / (G1 + G2), stable when both are tiny


def _log_gamma_sample(alpha: float, count: int, generator, device) -> torch.Tensor:
    """log of Gamma(alpha, 1) draws by Marsaglia and Tsang (2000), vectorised over a fixed number of
    proposals per draw so there is no data-dependent loop (and no host sync on a GPU)."""
    source = _source_device(generator, device)
    boosted = alpha + 1 if alpha < 1 else alpha  # alpha < 1: draw Gamma(alpha + 1), then scale by U^(1/alpha)
    d = boosted - 1 / 3
    c = 1 / math.sqrt(9 * d)
    normal = torch.randn(count, _GAMMA_CANDIDATES, generator=generator, device=source)
    uniform = torch.rand(count, _GAMMA_CANDIDATES, generator=generator, device=source)
    v = (1 + c * normal) ** 3
    log_v = v.clamp_min(1e-30).log()
    accepted = (v > 0) & (uniform.clamp_min(1e-30).log() < 0.5 * normal**2 + d - d * v + d * log_v)
    first = accepted.to(torch.int8).argmax(dim=1, keepdim=True)  # first accepted proposal per draw
    log_sample = math.log(d) + log_v.gather(1, first).squeeze(1)
    if alpha < 1:
        boost = torch.rand(count, generator=generator, device=source).clamp_min(1e-30)
        log_sample = log_sample + boost.log() / alpha
    return log_sample.to(device)
