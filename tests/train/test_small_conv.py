"""The matmul form of small-map convolutions equals the native convolution."""

import pytest
import torch
import torch.nn.functional as F
from torch import nn

from helpers.models import create_model
from helpers.train.small_conv import SmallMapConv2d, _MatmulConv2d, use_small_map_convs

GEOMETRIES = [  # in, out, kernel, stride, padding, input size
    (8, 16, 3, 1, 1, 4),
    (8, 16, 3, 2, 1, 8),
    (8, 16, 1, 2, 0, 8),
    (8, 16, 1, 1, 0, 4),
    (5, 7, 3, 1, 0, 6),
    (4, 6, (3, 1), (2, 1), (1, 0), 7),
]


@pytest.mark.parametrize("geometry", GEOMETRIES)
def test_matmul_form_matches_conv2d_forward_and_backward(geometry):
    in_channels, out_channels, kernel, stride, padding, size = geometry
    torch.manual_seed(0)
    conv = SmallMapConv2d(in_channels, out_channels, kernel, stride=stride, padding=padding, bias=False).double()
    images = torch.randn(3, in_channels, size, size, dtype=torch.double, requires_grad=True)
    output = conv(images)
    expected = F.conv2d(images, conv.weight, stride=stride, padding=padding)
    torch.testing.assert_close(output, expected)
    grad_output = torch.randn_like(expected)
    grads = torch.autograd.grad(output, (images, conv.weight), grad_output)
    expected_grads = torch.autograd.grad(expected, (images, conv.weight), grad_output)
    for got, want in zip(grads, expected_grads):
        torch.testing.assert_close(got, want)


def test_gradcheck_of_the_autograd_function():
    torch.manual_seed(0)
    images = torch.randn(2, 3, 5, 5, dtype=torch.double, requires_grad=True)
    weight = torch.randn(4, 3, 3, 3, dtype=torch.double, requires_grad=True)
    assert torch.autograd.gradcheck(lambda x, w: _MatmulConv2d.apply(x, w, (2, 2), (1, 1)), (images, weight))


def test_bf16_autocast_stays_close_to_the_native_kernel():
    torch.manual_seed(0)
    conv = SmallMapConv2d(64, 64, 3, padding=1, bias=False)
    images = torch.randn(8, 64, 4, 4).contiguous(memory_format=torch.channels_last)
    with torch.autocast("cpu", dtype=torch.bfloat16):
        output = conv(images)
        expected = F.conv2d(images, conv.weight, padding=1)
    assert output.dtype == torch.bfloat16
    relative_error = (output.float() - expected.float()).norm() / expected.float().norm()
    assert relative_error < 1e-2


def test_large_maps_use_the_native_kernel_bit_for_bit():
    torch.manual_seed(0)
    conv = SmallMapConv2d(4, 4, 3, padding=1, bias=False)
    images = torch.randn(2, 4, 16, 16)  # 256 output pixels: above the threshold
    assert torch.equal(conv(images), F.conv2d(images, conv.weight, padding=1))


def test_switching_keeps_parameters_and_skips_ineligible_layers():
    model = create_model("resnet18", num_classes=10, in_channels=3, seed=0)
    keys_before = list(model.state_dict())
    convs = [module for module in model.modules() if isinstance(module, nn.Conv2d)]
    switched = use_small_map_convs(model)
    assert switched == len(convs) == 20
    assert list(model.state_dict()) == keys_before
    assert all(type(module) is SmallMapConv2d for module in convs)

    with_bias = nn.Sequential(nn.Conv2d(3, 4, 3, bias=True), nn.Conv2d(4, 4, 3, groups=2, bias=False))
    assert use_small_map_convs(with_bias) == 0
    assert all(type(module) is nn.Conv2d for module in with_bias)


def test_switched_resnet_trains_like_the_native_one():
    torch.manual_seed(0)
    images, labels = torch.randn(16, 3, 32, 32), torch.randint(0, 10, (16,))
    native = create_model("resnet18", num_classes=10, in_channels=3, seed=0).double()
    switched = create_model("resnet18", num_classes=10, in_channels=3, seed=0).double()
    use_small_map_convs(switched)
    for model in (native, switched):
        F.cross_entropy(model(images.double()), labels).backward()
    for (name, a), b in zip(native.named_parameters(), switched.parameters()):
        torch.testing.assert_close(a.grad, b.grad, msg=name)
