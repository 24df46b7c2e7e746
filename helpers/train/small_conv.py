"""Convolutions on small feature maps as single matrix multiplications, for the CPU.

oneDNN's convolution kernels are tuned for large feature maps. On the 4x4 and 8x8 maps of a
CIFAR ResNet's last stages they run at a fraction of the matmul rate: the weight gradient of
ResNet-18's 512-channel 3x3 convolutions reached ~80 GFLOP/s here, against ~380 as one matmul
(`benchmarks/conv_kernels.py`). So on the CPU, convolutions whose output has at most
``MAX_OUTPUT_PIXELS`` pixels are computed by im2col plus one matmul per pass; the gathered
columns are at most 9x a small activation. Everything else, and every GPU, keeps the native
kernels. The result is the same convolution up to floating-point rounding.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn

MAX_OUTPUT_PIXELS = 64  # 8x8: where the matmul form wins on this CPU (4.5x at 4x4, 1.6x at 8x8)


def im2col_nhwc(images: torch.Tensor, kernel: tuple[int, int], stride: tuple[int, int],
                padding: tuple[int, int]) -> tuple[torch.Tensor, int, int]:
    """Patches of ``images`` ([N, C, H, W]) as rows ``[N*Ho*Wo, kh*kw*C]``, ordered (kh, kw, C)."""
    batch, channels, height, width = images.shape
    (kernel_h, kernel_w), (stride_h, stride_w), (pad_h, pad_w) = kernel, stride, padding
    out_h = (height + 2 * pad_h - kernel_h) // stride_h + 1
    out_w = (width + 2 * pad_w - kernel_w) // stride_w + 1
    padded = F.pad(images.permute(0, 2, 3, 1), (0, 0, pad_w, pad_w, pad_h, pad_h))  # N, H+2p, W+2p, C
    shifted = [
        padded[:, i : i + stride_h * out_h : stride_h, j : j + stride_w * out_w : stride_w, :]
        for i in range(kernel_h)
        for j in range(kernel_w)
    ]
    columns = torch.cat(shifted, dim=-1) if len(shifted) > 1 else shifted[0].contiguous()
    return columns.reshape(batch * out_h * out_w, kernel_h * kernel_w * channels), out_h, out_w


def col2im_nhwc(columns: torch.Tensor, shape: torch.Size, kernel: tuple[int, int], stride: tuple[int, int],
                padding: tuple[int, int], out_hw: tuple[int, int]) -> torch.Tensor:
    """The adjoint of :func:`im2col_nhwc`: sum the patch rows back into an ``[N, C, H, W]`` image
    (channels-last memory), accumulating in fp32."""
    batch, channels, height, width = shape
    (kernel_h, kernel_w), (stride_h, stride_w), (pad_h, pad_w) = kernel, stride, padding
    out_h, out_w = out_hw
    patches = columns.view(batch, out_h, out_w, kernel_h * kernel_w, channels)
    summed = torch.zeros(batch, height + 2 * pad_h, width + 2 * pad_w, channels, dtype=torch.float32,
                         device=columns.device)
    for index in range(kernel_h * kernel_w):
        i, j = divmod(index, kernel_w)
        summed[:, i : i + stride_h * out_h : stride_h, j : j + stride_w * out_w : stride_w, :] += patches[:, :, :, index]
    image = summed[:, pad_h : pad_h + height, pad_w : pad_w + width, :].to(columns.dtype)
    return image.permute(0, 3, 1, 2)


class _MatmulConv2d(torch.autograd.Function):
    """conv2d (no bias, groups 1, dilation 1) as im2col + matmul, with matmul backward passes."""

    @staticmethod
    def forward(ctx, images, weight, stride, padding):
        out_channels, in_channels, kernel_h, kernel_w = weight.shape
        kernel = (kernel_h, kernel_w)
        columns, out_h, out_w = im2col_nhwc(images, kernel, stride, padding)
        weight_rows = weight.permute(0, 2, 3, 1).reshape(out_channels, kernel_h * kernel_w * in_channels)
        output = columns @ weight_rows.t()
        ctx.save_for_backward(columns, weight_rows)
        ctx.geometry = (images.shape, kernel, stride, padding, (out_h, out_w), weight.shape)
        return output.view(images.shape[0], out_h, out_w, out_channels).permute(0, 3, 1, 2)

    @staticmethod
    def backward(ctx, grad_output):
        columns, weight_rows = ctx.saved_tensors
        shape, kernel, stride, padding, out_hw, weight_shape = ctx.geometry
        out_channels, in_channels, kernel_h, kernel_w = weight_shape
        grad_rows = grad_output.permute(0, 2, 3, 1).reshape(-1, out_channels).to(columns.dtype)
        grad_images = grad_weight = None
        if ctx.needs_input_grad[0]:
            grad_columns = grad_rows @ weight_rows
            grad_images = col2im_nhwc(grad_columns, shape, kernel, stride, padding, out_hw)
        if ctx.needs_input_grad[1]:
            grad_weight = (grad_rows.t() @ columns).view(out_channels, kernel_h, kernel_w, in_channels)
            grad_weight = grad_weight.permute(0, 3, 1, 2)
        return grad_images, grad_weight, None, None


class SmallMapConv2d(nn.Conv2d):
    """An ``nn.Conv2d`` that uses the matmul form on the CPU when its output map is small."""

    def forward(self, images: torch.Tensor) -> torch.Tensor:
        """The convolution; the matmul form on CPU for outputs of at most ``MAX_OUTPUT_PIXELS``."""
        if images.device.type != "cpu" or images.dim() != 4:
            return super().forward(images)
        out_h = (images.shape[2] + 2 * self.padding[0] - self.kernel_size[0]) // self.stride[0] + 1
        out_w = (images.shape[3] + 2 * self.padding[1] - self.kernel_size[1]) // self.stride[1] + 1
        if out_h * out_w > MAX_OUTPUT_PIXELS:
            return super().forward(images)
        dtype = torch.get_autocast_dtype("cpu") if torch.is_autocast_enabled("cpu") else images.dtype
        with torch.autocast("cpu", enabled=False):
            return _MatmulConv2d.apply(images.to(dtype), self.weight.to(dtype), self.stride, self.padding)


def use_small_map_convs(model: nn.Module) -> int:
    """Switch every eligible ``nn.Conv2d`` of ``model`` to :class:`SmallMapConv2d`, in place.

    Eligible: no bias, one group, no dilation, zero padding mode (all of the ResNets' convolutions).
    Parameters and state-dict keys are unchanged. Returns the number of layers switched.
    """
    switched = 0
    for module in model.modules():
        if (type(module) is nn.Conv2d and module.bias is None and module.groups == 1
                and module.dilation == (1, 1) and module.padding_mode == "zeros"
                and not isinstance(module.padding, str)):
            module.__class__ = SmallMapConv2d
            switched += 1
    return switched
